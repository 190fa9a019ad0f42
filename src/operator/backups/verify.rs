//! Proving a backup restores: once it completed (and again whenever its
//! `nexus.dev/verify` annotation asks), a verification Job in the
//! platform's namespace loads it into a scratch MariaDB and compares it with
//! the manifest (engines::woocommerce::verify). The result goes on the
//! Backup (`status.verified`, condition `Verified`); one that does not
//! restore is as loud as a failed backup: a Warning Event and
//! `nexus_backup_verifications_total{result="NotRestorable"}`.

use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Pod, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::api::{DeleteParams, ListParams, PostParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType};
use kube::{Api, Resource, ResourceExt};
use tracing::{info, warn};

use super::Backups;
use super::stored::{fetch_plan, stored_manifest};
use crate::api::backup::{Backup, VERIFY_ANNOTATION, Verification};
use crate::api::conditions;
use crate::api::labels::COMPONENT;
use crate::backup::keys;
use crate::engines::woocommerce::{VERIFY_COMPONENT, verified_uid_of, verify_job, verify_secret};
use crate::operator::children::pods::termination_message;
use crate::operator::error::{Error, Result};
use crate::operator::metrics::OutcomeLabel;

/// How long a verification may run.
const VERIFY_DEADLINE: Duration = Duration::from_secs(1800);
const POLL: Duration = Duration::from_secs(5);
/// Verifications running at once, at most.
const AT_ONCE: usize = 2;

pub const RESTORABLE: &str = "Restorable";
pub const NOT_RESTORABLE: &str = "NotRestorable";
/// The Backup's condition saying whether it was proven to restore.
pub const VERIFIED: &str = "Verified";

/// The request a Completed backup's verification would answer, if one is
/// due: after the backup itself (none yet), or a new annotation value.
fn due(backup: &Backup) -> Option<Option<String>> {
    let asked = backup.annotations().get(VERIFY_ANNOTATION).cloned();
    let last = backup.status.as_ref().and_then(|s| s.verified.as_ref());
    match last {
        None => Some(asked),
        Some(done) if asked.is_some() && done.request != asked => Some(asked),
        Some(_) => None,
    }
}

/// Whether a Completed backup waits for a verification.
pub fn is_due(backup: &Backup) -> bool {
    due(backup).is_some()
}

fn job_name(backup: &Backup) -> String {
    format!("verify-{}", backup.uid().unwrap_or_default())
}

/// Verifies a Completed backup when one is due.
pub async fn reconcile(backups: &Backups, backup: &Backup) -> Result<Action> {
    let (Some(object_store), Some(master), Some(settings)) = (
        &backups.object_store,
        &backups.master_secret,
        &backups.context.settings.backup,
    ) else {
        return Ok(Action::await_change());
    };
    let Some(request) = due(backup) else {
        return Ok(Action::await_change());
    };
    let client = &backups.context.children.client;
    let home = &backups.home;
    let name = job_name(backup);
    let jobs: Api<Job> = Api::namespaced(client.clone(), home);
    let ours = backup.uid().unwrap_or_default();
    if let Some(job) = jobs
        .get_opt(&name)
        .await
        .map_err(Error::api(format!("read Job {home}/{name}")))?
        && verified_uid_of(&job.metadata) == Some(ours.as_str())
    {
        return observe(backups, backup, &job, request).await;
    }
    // Start one, unless as many as may run at once already do (they share
    // the platform namespace's quota with the operator). A finished Job is
    // not running: one left behind (its operator stopped before removing
    // it, its Backup deleted meanwhile) must not hold every later one back.
    let running = jobs
        .list(&ListParams::default().labels(&format!("{COMPONENT}={VERIFY_COMPONENT}")))
        .await
        .map_err(Error::api(format!("list the verification Jobs in {home}")))?
        .items
        .iter()
        .filter(|job| !finished(job))
        .count();
    if running >= AT_ONCE {
        return Ok(Action::requeue(Duration::from_secs(15)));
    }
    let status = backup.status.clone().unwrap_or_default();
    let Some(store_uid) = status.store_uid.clone() else {
        // Completed before backups recorded their store: checked on request.
        return Ok(Action::await_change());
    };
    let recorded = status.manifest.clone().unwrap_or_default();
    let manifest =
        match stored_manifest(object_store, &store_uid, &backup.name_any(), &recorded).await? {
            Ok(manifest) => manifest,
            Err((reason, message)) => {
                let verdict = verdict(NOT_RESTORABLE, Some(reason), message, request);
                return record(backups, backup, verdict).await;
            }
        };
    let expires = u32::try_from(VERIFY_DEADLINE.as_secs() + 600).unwrap_or(u32::MAX);
    let plan = fetch_plan(
        object_store,
        &store_uid,
        &backup.name_any(),
        &manifest,
        expires,
    );
    let identity = keys::store_identity(master, &store_uid)
        .map_err(|_| Error::Bug("a master secret of the right length derives an identity"))?;
    let identity = {
        use age::secrecy::ExposeSecret;
        identity.to_string().expose_secret().to_string()
    };
    let key = format!(
        "{}/{}",
        backup.namespace().unwrap_or_default(),
        backup.name_any()
    );
    remove(backups, &name).await?;
    let secret = verify_secret(home, &name, settings, (&key, &ours), plan, identity);
    Api::<Secret>::namespaced(client.clone(), home)
        .create(&PostParams::default(), &secret)
        .await
        .map_err(Error::api(format!("create Secret {home}/{name}")))?;
    let deadline = i64::try_from(VERIFY_DEADLINE.as_secs()).unwrap_or(i64::MAX);
    let job = verify_job(
        home,
        &name,
        &backups.context.settings.database_image,
        settings,
        (&key, &ours),
        deadline,
    );
    jobs.create(&PostParams::default(), &job)
        .await
        .map_err(Error::api(format!("create Job {home}/{name}")))?;
    info!(backup = %key, "verification started");
    Ok(Action::requeue(POLL))
}

async fn observe(
    backups: &Backups,
    backup: &Backup,
    job: &Job,
    request: Option<String>,
) -> Result<Action> {
    let name = job.name_any();
    let verdict = if let Some(deadline) = super::job_failed(job) {
        let (reason, message) = if deadline {
            (
                "DeadlineExceeded".to_string(),
                format!(
                    "the verification did not finish within {}",
                    crate::duration::human(VERIFY_DEADLINE)
                ),
            )
        } else {
            let pods =
                Api::<Pod>::namespaced(backups.context.children.client.clone(), &backups.home)
                    .list(
                        &ListParams::default()
                            .labels(&format!("batch.kubernetes.io/job-name={name}")),
                    )
                    .await
                    .map_err(Error::api(format!(
                        "list the pods of Job {}/{name}",
                        backups.home
                    )))?;
            said(termination_message(&pods.items).as_deref())
        };
        verdict(NOT_RESTORABLE, Some(&reason), message, request)
    } else if job.status.as_ref().and_then(|s| s.succeeded).unwrap_or(0) > 0 {
        let rows = backup
            .status
            .as_ref()
            .and_then(|s| s.manifest.as_ref())
            .map(|m| {
                m.rows
                    .iter()
                    .map(|(t, n)| format!("{t} {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let message = format!(
            "loaded into a scratch MariaDB: every part matched its SHA-256, and the rows matched the manifest ({rows})"
        );
        verdict(RESTORABLE, None, message, request)
    } else {
        return Ok(Action::requeue(POLL));
    };
    let action = record(backups, backup, verdict).await?;
    remove(backups, &name).await?;
    Ok(action)
}

/// Whether a Job ran to its end, either way.
fn finished(job: &Job) -> bool {
    let status = job.status.clone().unwrap_or_default();
    status.succeeded.unwrap_or(0) > 0
        || status
            .conditions
            .unwrap_or_default()
            .iter()
            .any(|c| (c.type_ == "Complete" || c.type_ == "Failed") && c.status == "True")
}

/// A failed check's last words: `Reason: message`.
fn said(message: Option<&str>) -> (String, String) {
    match message {
        Some(message) => super::reason_and_message(message, "VerifyFailed"),
        None => (
            "VerifyFailed".into(),
            "the verification Job failed without a message".into(),
        ),
    }
}

fn verdict(
    result: &str,
    reason: Option<&str>,
    message: String,
    request: Option<String>,
) -> Verification {
    Verification {
        result: result.into(),
        reason: reason.map(String::from),
        at: Time(k8s_openapi::jiff::Timestamp::now()),
        message: Some(message),
        request,
    }
}

/// The verdict on the Backup (its status and `Verified` condition), then
/// the Event and the metric.
async fn record(backups: &Backups, backup: &Backup, verdict: Verification) -> Result<Action> {
    let restorable = verdict.result == RESTORABLE;
    let mut status = backup.status.clone().unwrap_or_default();
    let now = verdict.at.clone();
    let condition = Condition {
        type_: VERIFIED.into(),
        status: if restorable { "True" } else { "False" }.into(),
        reason: verdict
            .reason
            .clone()
            .unwrap_or_else(|| verdict.result.clone()),
        message: verdict.message.clone().unwrap_or_default(),
        last_transition_time: now.clone(),
        observed_generation: None,
    };
    conditions::set(&mut status.conditions, condition, now);
    status.verified = Some(verdict.clone());
    super::status::write_whole(backups, backup, &status).await?;
    let context = &backups.context;
    context
        .metrics
        .verifications
        .get_or_create(&OutcomeLabel {
            outcome: verdict.result.clone(),
            reason: verdict.reason.clone().unwrap_or_default(),
        })
        .inc();
    let event = Event {
        type_: if restorable {
            EventType::Normal
        } else {
            EventType::Warning
        },
        reason: verdict
            .reason
            .clone()
            .unwrap_or_else(|| verdict.result.clone()),
        note: verdict.message.as_deref().map(super::note_of),
        action: "Verify".into(),
        secondary: None,
    };
    if let Err(e) = context
        .recorder
        .publish(&event, &backup.object_ref(&()))
        .await
    {
        warn!(error = %e, "cannot publish event");
    }
    info!(backup = %backup.name_any(), result = %verdict.result, "backup verified");
    Ok(Action::await_change())
}

async fn remove(backups: &Backups, name: &str) -> Result<()> {
    let client = &backups.context.children.client;
    let home = &backups.home;
    let background = DeleteParams::background();
    match Api::<Job>::namespaced(client.clone(), home)
        .delete(name, &background)
        .await
    {
        Ok(_) => {}
        Err(kube::Error::Api(status)) if status.code == 404 => {}
        Err(e) => return Err(Error::api(format!("delete Job {home}/{name}"))(e)),
    }
    match Api::<Secret>::namespaced(client.clone(), home)
        .delete(name, &DeleteParams::default())
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(e) => Err(Error::api(format!("delete Secret {home}/{name}"))(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::backup::{BackupSpec, BackupStatus};

    #[test]
    fn only_a_verification_job_that_has_not_ended_is_running() {
        let job = |status: serde_json::Value| -> Job {
            serde_json::from_value(
                serde_json::json!({"metadata": {"name": "verify-1"}, "status": status}),
            )
            .unwrap()
        };
        assert!(!finished(&job(serde_json::json!({"active": 1}))));
        assert!(finished(&job(serde_json::json!({"succeeded": 1}))));
        assert!(finished(&job(serde_json::json!({"conditions": [
            {"type": "Failed", "status": "True", "reason": "DeadlineExceeded"}
        ]}))));
    }

    #[test]
    fn a_backup_is_verified_once_and_again_when_asked() {
        let mut backup = Backup::new(
            "shop-1",
            BackupSpec {
                store: "shop".into(),
                reason: Default::default(),
            },
        );
        backup.status = Some(BackupStatus::default());
        assert_eq!(due(&backup), Some(None));
        backup.status.as_mut().unwrap().verified =
            Some(verdict(RESTORABLE, None, "ok".into(), None));
        assert_eq!(due(&backup), None);
        backup.metadata.annotations = Some(
            [(
                VERIFY_ANNOTATION.to_string(),
                "2026-12-05T10:00:00Z".to_string(),
            )]
            .into(),
        );
        assert_eq!(due(&backup), Some(Some("2026-12-05T10:00:00Z".into())));
        backup.status.as_mut().unwrap().verified = Some(verdict(
            RESTORABLE,
            None,
            "ok".into(),
            Some("2026-12-05T10:00:00Z".into()),
        ));
        assert_eq!(due(&backup), None);
        assert_eq!(
            said(Some("ERROR 1064\nLoadFailed: the dump does not load")),
            ("LoadFailed".into(), "the dump does not load".into())
        );
    }
}
