//! A Backup's status: what the reconcile found, written only when it
//! changed (a second reconcile writes nothing).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::api::{Patch, PatchParams};
use kube::{Api, ResourceExt};
use serde_json::json;

use super::Backups;
use crate::api::backup::{Backup, BackupPhase, BackupStatus, ManifestSummary, Part};
use crate::api::conditions;
use crate::backup::manifest::Manifest;
use crate::operator::children::FIELD_MANAGER;
use crate::operator::error::{Error, Result};

/// Where a backup stands after a reconcile.
#[derive(Debug)]
pub struct Outcome {
    pub phase: BackupPhase,
    pub reason: String,
    pub message: String,
    pub manifest: Option<ManifestSummary>,
    /// The store's UID, once the backup started.
    pub store_uid: Option<String>,
}

impl Outcome {
    /// The stored parts' bytes, once there is a manifest.
    pub fn size_bytes(&self) -> Option<u64> {
        self.manifest
            .as_ref()
            .map(|m| m.parts.iter().map(|p| p.bytes).sum())
    }

    pub fn pending(reason: &str, message: &str) -> Outcome {
        Outcome {
            phase: BackupPhase::Pending,
            reason: reason.into(),
            message: message.into(),
            manifest: None,
            store_uid: None,
        }
    }

    pub fn running(store_uid: &str) -> Outcome {
        Outcome {
            phase: BackupPhase::Running,
            reason: "Running".into(),
            message: "the database is dumped and wp-content archived, then both are stored".into(),
            manifest: None,
            store_uid: Some(store_uid.into()),
        }
    }

    pub fn failed(reason: &str, message: impl Into<String>) -> Outcome {
        Outcome {
            phase: BackupPhase::Failed,
            reason: reason.into(),
            message: message.into(),
            manifest: None,
            store_uid: None,
        }
    }

    pub fn completed(manifest: &Manifest) -> Outcome {
        let versions = &manifest.subject.versions;
        Outcome {
            phase: BackupPhase::Completed,
            reason: "Completed".into(),
            message: format!(
                "stored {} parts and the manifest; rows: {}",
                manifest.parts.len(),
                rows_text(manifest)
            ),
            manifest: Some(ManifestSummary {
                nexus_version: versions.nexus.clone(),
                wordpress_version: versions.wordpress.clone(),
                woocommerce_version: versions.woocommerce.clone(),
                mariadb_version: versions.database.clone(),
                parts: manifest
                    .parts
                    .iter()
                    .map(|p| Part {
                        name: p.name.clone(),
                        bytes: p.size,
                        sha256: p.sha256.clone(),
                    })
                    .collect(),
                rows: manifest.rows.clone(),
            }),
            store_uid: Some(manifest.subject.store.uid.clone()),
        }
    }
}

fn rows_text(manifest: &Manifest) -> String {
    if manifest.rows.is_empty() {
        return "none counted".into();
    }
    manifest
        .rows
        .iter()
        .map(|(table, rows)| format!("{table} {rows}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The conditions a finished backup is waited on with, as a Job's are
/// (`kubectl wait --for=condition=Complete backup/NAME`, or `Failed`).
pub const COMPLETE: &str = "Complete";
pub const FAILED: &str = "Failed";

/// The status `outcome` makes of `previous`: times kept, set once; the
/// conditions `Complete` and `Failed` say the phase with its reason.
pub fn next(previous: &BackupStatus, outcome: &Outcome, now: Time) -> BackupStatus {
    let mut held = previous.conditions.clone();
    for (type_, holds) in [
        (COMPLETE, outcome.phase == BackupPhase::Completed),
        (FAILED, outcome.phase == BackupPhase::Failed),
    ] {
        let condition = Condition {
            type_: type_.into(),
            status: if holds { "True" } else { "False" }.into(),
            reason: outcome.reason.clone(),
            message: outcome.message.clone(),
            last_transition_time: now.clone(),
            observed_generation: None,
        };
        conditions::set(&mut held, condition, now.clone());
    }
    let finished = matches!(outcome.phase, BackupPhase::Completed | BackupPhase::Failed);
    let started = previous
        .started_at
        .clone()
        .or_else(|| (outcome.phase == BackupPhase::Running).then(|| now.clone()));
    BackupStatus {
        phase: Some(outcome.phase),
        reason: Some(outcome.reason.clone()),
        message: Some(outcome.message.clone()),
        started_at: started,
        finished_at: finished.then_some(now),
        store_uid: outcome
            .store_uid
            .clone()
            .or_else(|| previous.store_uid.clone()),
        size_bytes: outcome.size_bytes(),
        manifest: outcome.manifest.clone(),
        verified: previous.verified.clone(),
        conditions: held,
    }
}

/// Writes the status `outcome` makes, unless it says what the Backup says.
pub async fn write(backups: &Backups, backup: &Backup, outcome: &Outcome) -> Result<()> {
    let previous = backup.status.clone().unwrap_or_default();
    let now = Time(k8s_openapi::jiff::Timestamp::now());
    let status = next(&previous, outcome, now);
    let unchanged = previous.phase == status.phase
        && previous.reason == status.reason
        && previous.message == status.message
        && previous.manifest == status.manifest
        && previous.store_uid == status.store_uid
        && previous.conditions == status.conditions;
    if unchanged {
        return Ok(());
    }
    let api: Api<Backup> = Api::namespaced(
        backups.context.children.client.clone(),
        &backup.namespace().unwrap_or_default(),
    );
    let body = json!({
        "apiVersion": "nexus.dev/v1alpha1",
        "kind": "Backup",
        "status": status,
    });
    api.patch_status(
        &backup.name_any(),
        &PatchParams::apply(FIELD_MANAGER).force(),
        &Patch::Apply(&body),
    )
    .await
    .map_err(Error::api(format!(
        "write the status of Backup {}/{}",
        backup.namespace().unwrap_or_default(),
        backup.name_any()
    )))?;
    Ok(())
}

/// Writes `status` whole (a verification's verdict beside the rest).
pub async fn write_whole(backups: &Backups, backup: &Backup, status: &BackupStatus) -> Result<()> {
    if backup.status.as_ref() == Some(status) {
        return Ok(());
    }
    let api: Api<Backup> = Api::namespaced(
        backups.context.children.client.clone(),
        &backup.namespace().unwrap_or_default(),
    );
    let body = json!({
        "apiVersion": "nexus.dev/v1alpha1",
        "kind": "Backup",
        "status": status,
    });
    api.patch_status(
        &backup.name_any(),
        &PatchParams::apply(FIELD_MANAGER).force(),
        &Patch::Apply(&body),
    )
    .await
    .map_err(Error::api(format!(
        "write the status of Backup {}/{}",
        backup.namespace().unwrap_or_default(),
        backup.name_any()
    )))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_set_once_and_kept() {
        let t = |s: &str| Time(s.parse().unwrap());
        let running = next(
            &BackupStatus::default(),
            &Outcome::running("uid-s"),
            t("2026-12-05T05:00:00Z"),
        );
        assert_eq!(running.started_at, Some(t("2026-12-05T05:00:00Z")));
        assert_eq!(running.finished_at, None);
        let failed = next(
            &running,
            &Outcome::failed("BackupFailed", "mariadb-dump exited with status 2"),
            t("2026-12-05T05:01:00Z"),
        );
        assert_eq!(failed.started_at, Some(t("2026-12-05T05:00:00Z")));
        assert_eq!(failed.finished_at, Some(t("2026-12-05T05:01:00Z")));
        assert_eq!(failed.phase, Some(BackupPhase::Failed));
        assert_eq!(failed.reason.as_deref(), Some("BackupFailed"));
        // A backup failed before it ran never started.
        let early = next(
            &BackupStatus::default(),
            &Outcome::failed("StoreNotFound", "x"),
            t("2026-12-05T05:00:00Z"),
        );
        assert_eq!(early.started_at, None);
    }

    #[test]
    fn complete_and_failed_say_the_phase_and_keep_their_transition_times() {
        let t = |s: &str| Time(s.parse().unwrap());
        let holds = |status: &BackupStatus, type_: &str| {
            let condition = conditions::find(&status.conditions, type_).unwrap();
            (condition.status.clone(), condition.reason.clone())
        };
        let running = next(
            &BackupStatus::default(),
            &Outcome::running("uid-s"),
            t("2026-12-05T05:00:00Z"),
        );
        assert_eq!(
            holds(&running, COMPLETE),
            ("False".into(), "Running".into())
        );
        assert_eq!(holds(&running, FAILED), ("False".into(), "Running".into()));
        let failed = next(
            &running,
            &Outcome::failed("BackupFailed", "mariadb-dump exited with status 2"),
            t("2026-12-05T05:01:00Z"),
        );
        assert_eq!(
            holds(&failed, FAILED),
            ("True".into(), "BackupFailed".into())
        );
        assert_eq!(
            holds(&failed, COMPLETE),
            ("False".into(), "BackupFailed".into())
        );
        let times = |status: &BackupStatus, type_: &str| {
            conditions::find(&status.conditions, type_)
                .unwrap()
                .last_transition_time
                .clone()
        };
        // Complete stayed False: its time is the first one; Failed turned True.
        assert_eq!(times(&failed, COMPLETE), t("2026-12-05T05:00:00Z"));
        assert_eq!(times(&failed, FAILED), t("2026-12-05T05:01:00Z"));
    }
}
