//! `store restore NAME --from BACKUP`: a Restore beside the store. The
//! operator does the work (checks the backup, loads it aside, switches);
//! this asks for it, after the checks a person should hear about at once
//! (no such store or backup, a backup of another store or not completed),
//! and with `--wait` follows it to its end.

use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{ObjectMeta, PostParams};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, ResourceExt};
use serde::Serialize;

use super::Progress;
use crate::api::restore::{Restore, RestorePhase, RestoreSpec};
use crate::commands::Session;
use crate::error::{Action, Error, Result};

/// A restore as the commands show it.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct RestoreView {
    pub name: String,
    pub namespace: String,
    pub store: String,
    pub backup: String,
    /// Pending, Running, Completed or Failed.
    pub phase: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Rows of the counted tables as loaded.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub rows: std::collections::BTreeMap<String, u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Time>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Time>,
}

impl From<&Restore> for RestoreView {
    fn from(restore: &Restore) -> Self {
        let status = restore.status.clone().unwrap_or_default();
        RestoreView {
            name: restore.name_any(),
            namespace: restore.namespace().unwrap_or_default(),
            store: restore.spec.store.clone(),
            backup: restore.spec.backup.clone(),
            phase: status
                .phase
                .map(|p| format!("{p:?}"))
                .unwrap_or_else(|| "Pending".into()),
            reason: status.reason,
            message: status.message,
            rows: status.rows,
            created_at: restore.metadata.creation_timestamp.clone(),
            finished_at: status.finished_at,
        }
    }
}

fn restores(session: &Session) -> Api<Restore> {
    Api::namespaced(session.client.clone(), &session.namespace)
}

fn action<'a>(
    session: &'a Session,
    verb: &'static str,
    resource: &'static str,
    name: Option<&'a str>,
) -> Action<'a> {
    Action {
        verb,
        resource,
        namespace: &session.namespace,
        name,
    }
}

/// Asks for `store` to be put back to `backup`; with `wait`, follows the
/// restore until it settles (a failed one is an error: exit code 1).
pub async fn restore(
    session: &Session,
    store: &str,
    backup: &str,
    wait: Option<Duration>,
    progress: &mut dyn Progress,
) -> Result<RestoreView> {
    super::get::get(session, store).await?;
    super::backups::completed_backup(session, backup, "restored", Some(store)).await?;
    let stamp = k8s_openapi::jiff::Timestamp::now()
        .strftime("%Y%m%d-%H%M%S")
        .to_string();
    let api = restores(session);
    let mut created = None;
    for attempt in 0..5 {
        let name = match attempt {
            0 => format!("{store}-restore-{stamp}"),
            n => format!("{store}-restore-{stamp}-{}", n + 1),
        };
        let restore = Restore {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                ..ObjectMeta::default()
            },
            spec: RestoreSpec {
                store: store.to_string(),
                backup: backup.to_string(),
            },
            status: None,
        };
        match api.create(&PostParams::default(), &restore).await {
            Ok(made) => {
                created = Some(made);
                break;
            }
            Err(kube::Error::Api(status)) if status.code == 409 => continue,
            Err(e) => return Err(action(session, "create", "restores", Some(&name)).error(e)),
        }
    }
    let created = created.ok_or_else(|| {
        Error::Other(format!(
            "five restores of store {store:?} were asked for this second; try again"
        ))
    })?;
    let Some(timeout) = wait else {
        return Ok(RestoreView::from(&created));
    };
    let name = created.name_any();
    let settled = follow(session, &name, timeout, progress).await;
    progress.finish();
    let restore = settled?;
    let view = RestoreView::from(&restore);
    match restore.status.and_then(|s| s.phase) {
        Some(RestorePhase::Failed) => Err(Error::Other(format!(
            "restore {name:?} of store {store:?} failed, and the store runs on its data from before: {}: {}\nhint: kubectl get restore {name} -o yaml shows its status",
            view.reason.as_deref().unwrap_or("Failed"),
            view.message.as_deref().unwrap_or_default()
        ))),
        _ => Ok(view),
    }
}

/// Follows a Restore until Completed or Failed, at most `timeout`.
async fn follow(
    session: &Session,
    name: &str,
    timeout: Duration,
    progress: &mut dyn Progress,
) -> Result<Restore> {
    let config = watcher::Config::default().fields(&format!("metadata.name={name}"));
    let mut events = watcher(restores(session), config)
        .default_backoff()
        .applied_objects()
        .boxed();
    let mut last = String::from("no status yet");
    let watching = async {
        while let Some(event) = events.next().await {
            match event {
                Ok(restore) => {
                    let view = RestoreView::from(&restore);
                    last = format!(
                        "{}: {}",
                        view.phase,
                        view.message
                            .as_deref()
                            .unwrap_or("waiting for the operator")
                    );
                    progress.update(&format!("restore {name}: {last}"));
                    if matches!(
                        restore.status.as_ref().and_then(|s| s.phase),
                        Some(RestorePhase::Completed | RestorePhase::Failed)
                    ) {
                        return Ok(restore);
                    }
                }
                Err(watcher::Error::InitialListFailed(e) | watcher::Error::WatchStartFailed(e)) => {
                    return Err(action(session, "watch", "restores", Some(name)).error(e));
                }
                Err(_) => {}
            }
        }
        Err(Error::Other(format!(
            "restore {name:?} was deleted while waiting for it"
        )))
    };
    match tokio::time::timeout(timeout, watching).await {
        Ok(result) => result,
        Err(_) => Err(Error::RestoreTimeout {
            name: name.into(),
            waited: timeout,
            last,
        }),
    }
}
