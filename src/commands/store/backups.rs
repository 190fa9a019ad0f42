//! `store backup` and `store backups`: a Backup beside the store, and the
//! store's Backups as a list. The operator does the work; these ask for it
//! and show what it recorded.

use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{ListParams, ObjectMeta, PostParams};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, ResourceExt};
use serde::Serialize;

use super::Progress;
use crate::api::backup::{
    Backup, BackupPhase, BackupReason, BackupSpec, VERIFY_ANNOTATION, Verification,
};
use crate::commands::Session;
use crate::error::{Action, Error, Result};

/// A backup as the commands show it.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct BackupView {
    pub name: String,
    pub namespace: String,
    pub store: String,
    /// Pending, Running, Completed or Failed.
    pub phase: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
    /// Rows of the counted tables, from the manifest.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub rows: std::collections::BTreeMap<String, u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Time>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Time>,
    /// The last proof that it restores: Restorable or NotRestorable, why,
    /// and when.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified: Option<Verification>,
}

impl From<&Backup> for BackupView {
    fn from(backup: &Backup) -> Self {
        let status = backup.status.clone().unwrap_or_default();
        BackupView {
            name: backup.name_any(),
            namespace: backup.namespace().unwrap_or_default(),
            store: backup.spec.store.clone(),
            phase: status
                .phase
                .map(|p| format!("{p:?}"))
                .unwrap_or_else(|| "Pending".into()),
            reason: status.reason,
            message: status.message,
            size_bytes: status.size_bytes,
            rows: status.manifest.map(|m| m.rows).unwrap_or_default(),
            created_at: backup.metadata.creation_timestamp.clone(),
            finished_at: status.finished_at,
            verified: status.verified,
        }
    }
}

/// A store's backups, newest first.
#[derive(Serialize, Debug)]
pub struct BackupList {
    pub store: String,
    pub namespace: String,
    pub items: Vec<BackupView>,
}

fn backups(session: &Session) -> Api<Backup> {
    Api::namespaced(session.client.clone(), &session.namespace)
}

fn action<'a>(session: &'a Session, verb: &'static str, name: Option<&'a str>) -> Action<'a> {
    Action {
        verb,
        resource: "backups",
        namespace: &session.namespace,
        name,
    }
}

/// The Completed backup `name` of the session's namespace, which a restore,
/// a clone or a verification needs (`purpose`: "restored", "cloned", ...),
/// and with `of_store`, a backup of that store (a restore's own); none of
/// that name, one of another store, or one that did not complete is bad
/// input (exit 2).
pub async fn completed_backup(
    session: &Session,
    name: &str,
    purpose: &str,
    of_store: Option<&str>,
) -> Result<Backup> {
    let found = backups(session)
        .get_opt(name)
        .await
        .map_err(|e| action(session, "get", Some(name)).error(e))?;
    let Some(found) = found else {
        return Err(Error::Usage(format!(
            "no backup {name:?} in namespace {:?}\nhint: kubectl nexus store backups STORE lists a store's backups",
            session.namespace
        )));
    };
    if let Some(store) = of_store
        && found.spec.store != store
    {
        return Err(Error::Usage(format!(
            "backup {name:?} is of store {:?}, not {store:?}: a store is restored from its own backups\nhint: kubectl nexus store create NEW --from-backup {name} makes a new store from it",
            found.spec.store
        )));
    }
    let phase = found.status.as_ref().and_then(|s| s.phase);
    if phase != Some(BackupPhase::Completed) {
        let phase = phase
            .map(|p| format!("{p:?}"))
            .unwrap_or_else(|| "Pending".into());
        return Err(Error::Usage(format!(
            "backup {name:?} is {phase}: only a Completed backup can be {purpose}\nhint: kubectl nexus store backups {} shows which are",
            found.spec.store
        )));
    }
    Ok(found)
}

/// Asks for a backup of `store`; with `wait`, follows it until it settles.
pub async fn take_backup(
    session: &Session,
    store: &str,
    wait: Option<Duration>,
    progress: &mut dyn Progress,
) -> Result<BackupView> {
    // The store must exist now (the Backup would say so, later), and run.
    let details = super::get::get(session, store).await?;
    if details.suspend {
        return Err(Error::Other(format!(
            "store {store:?} is suspended: its database is stopped, and nothing in it changed since it was
hint: its last backup holds its data; to back it up anew, resume it first (kubectl nexus store resume {store} --wait)"
        )));
    }
    let api = backups(session);
    let stamp = k8s_openapi::jiff::Timestamp::now()
        .strftime("%Y%m%d-%H%M%S")
        .to_string();
    let mut created = None;
    for attempt in 0..5 {
        let name = match attempt {
            0 => format!("{store}-{stamp}"),
            n => format!("{store}-{stamp}-{}", n + 1),
        };
        let backup = Backup {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                ..ObjectMeta::default()
            },
            spec: BackupSpec {
                store: store.to_string(),
                reason: BackupReason::Manual,
            },
            status: None,
        };
        match api.create(&PostParams::default(), &backup).await {
            Ok(made) => {
                created = Some(made);
                break;
            }
            // Another backup of this store this very second.
            Err(kube::Error::Api(status)) if status.code == 409 => continue,
            Err(e) => return Err(action(session, "create", Some(&name)).error(e)),
        }
    }
    let created = created.ok_or_else(|| {
        Error::Other(format!(
            "five backups of store {store:?} were asked for this second; try again"
        ))
    })?;
    let Some(timeout) = wait else {
        return Ok(BackupView::from(&created));
    };
    let name = created.name_any();
    let settled = follow(session, &name, timeout, progress).await;
    progress.finish();
    let backup = settled?;
    let view = BackupView::from(&backup);
    match backup.status.and_then(|s| s.phase) {
        Some(BackupPhase::Failed) => Err(Error::Other(format!(
            "backup {name:?} of store {store:?} failed: {}: {}\nhint: kubectl get backup {name} -o yaml shows its status",
            view.reason.as_deref().unwrap_or("Failed"),
            view.message.as_deref().unwrap_or_default()
        ))),
        _ => Ok(view),
    }
}

/// Follows a Backup until Completed or Failed, at most `timeout`.
async fn follow(
    session: &Session,
    name: &str,
    timeout: Duration,
    progress: &mut dyn Progress,
) -> Result<Backup> {
    let config = watcher::Config::default().fields(&format!("metadata.name={name}"));
    let mut events = watcher(backups(session), config)
        .default_backoff()
        .applied_objects()
        .boxed();
    let mut last = String::from("no status yet");
    let watching = async {
        while let Some(event) = events.next().await {
            match event {
                Ok(backup) => {
                    let view = BackupView::from(&backup);
                    last = format!(
                        "{}: {}",
                        view.phase,
                        view.message
                            .as_deref()
                            .unwrap_or("waiting for the operator")
                    );
                    progress.update(&format!("backup {name}: {last}"));
                    if matches!(
                        backup.status.as_ref().and_then(|s| s.phase),
                        Some(BackupPhase::Completed | BackupPhase::Failed)
                    ) {
                        return Ok(backup);
                    }
                }
                Err(watcher::Error::InitialListFailed(e) | watcher::Error::WatchStartFailed(e)) => {
                    return Err(action(session, "watch", Some(name)).error(e));
                }
                Err(_) => {}
            }
        }
        Err(Error::Other(format!(
            "backup {name:?} was deleted while waiting for it"
        )))
    };
    match tokio::time::timeout(timeout, watching).await {
        Ok(result) => result,
        Err(_) => Err(Error::BackupTimeout {
            name: name.into(),
            waited: timeout,
            last,
        }),
    }
}

/// The backups of `store` in the namespace, newest first. The store need
/// not exist any more: its backups outlive it.
pub async fn list_backups(session: &Session, store: &str) -> Result<BackupList> {
    let listed = backups(session)
        .list(&ListParams::default())
        .await
        .map_err(|e| action(session, "list", None).error(e))?;
    let mut items: Vec<BackupView> = listed
        .items
        .iter()
        .filter(|b| b.spec.store == store)
        .map(BackupView::from)
        .collect();
    items.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.name.cmp(&a.name)));
    Ok(BackupList {
        store: store.to_string(),
        namespace: session.namespace.clone(),
        items,
    })
}

/// Asks the operator to check `backup` again (the `nexus.dev/verify`
/// annotation, set to a new value); with `wait`, follows it until the
/// Backup's verdict answers that request (NotRestorable: exit code 1).
pub async fn verify_backup(
    session: &Session,
    backup: &str,
    wait: Option<Duration>,
    progress: &mut dyn Progress,
) -> Result<BackupView> {
    let api = backups(session);
    completed_backup(session, backup, "verified", None).await?;
    let request = k8s_openapi::jiff::Timestamp::now().to_string();
    let patch = serde_json::json!({"metadata": {"annotations": {VERIFY_ANNOTATION: request}}});
    let asked = api
        .patch(
            backup,
            &kube::api::PatchParams::default(),
            &kube::api::Patch::Merge(&patch),
        )
        .await
        .map_err(|e| action(session, "patch", Some(backup)).error(e))?;
    let Some(timeout) = wait else {
        return Ok(BackupView::from(&asked));
    };
    let config = watcher::Config::default().fields(&format!("metadata.name={backup}"));
    let mut events = watcher(api, config)
        .default_backoff()
        .applied_objects()
        .boxed();
    let watching = async {
        while let Some(event) = events.next().await {
            match event {
                Ok(seen) => {
                    let verdict = seen.status.as_ref().and_then(|s| s.verified.clone());
                    if verdict.as_ref().and_then(|v| v.request.as_deref()) == Some(request.as_str())
                    {
                        return Ok(seen);
                    }
                    progress.update(&format!(
                        "backup {backup}: being loaded into a scratch MariaDB"
                    ));
                }
                Err(watcher::Error::InitialListFailed(e) | watcher::Error::WatchStartFailed(e)) => {
                    return Err(action(session, "watch", Some(backup)).error(e));
                }
                Err(_) => {}
            }
        }
        Err(Error::Other(format!(
            "backup {backup:?} was deleted while waiting for it"
        )))
    };
    let settled = match tokio::time::timeout(timeout, watching).await {
        Ok(result) => result,
        Err(_) => Err(Error::BackupTimeout {
            name: backup.into(),
            waited: timeout,
            last: "the verification goes on".into(),
        }),
    };
    progress.finish();
    let seen = settled?;
    let view = BackupView::from(&seen);
    match &view.verified {
        Some(v) if v.result != "Restorable" => Err(Error::Other(format!(
            "backup {backup:?} does not restore: {}: {}\nhint: kubectl get backup {backup} -o yaml shows its status",
            v.reason.as_deref().unwrap_or("NotRestorable"),
            v.message.as_deref().unwrap_or_default()
        ))),
        _ => Ok(view),
    }
}
