//! A Restore's status, and the `Restored` condition its store carries:
//! written only when they changed (a second reconcile writes nothing).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::api::{Patch, PatchParams};
use kube::{Api, Client, ResourceExt};
use serde_json::json;

use crate::api::Store;
use crate::api::conditions;
use crate::api::restore::{Restore, RestorePhase, RestoreStatus};
use crate::operator::children::FIELD_MANAGER;
use crate::operator::error::{Error, Result};

/// Where a restore stands after a reconcile.
#[derive(Debug)]
pub struct Outcome {
    pub phase: RestorePhase,
    pub reason: String,
    pub message: String,
    /// The rows loaded (they matched the manifest), once Completed.
    pub rows: BTreeMap<String, u64>,
}

impl Outcome {
    pub fn pending(reason: &str, message: &str) -> Outcome {
        Outcome {
            phase: RestorePhase::Pending,
            reason: reason.into(),
            message: message.into(),
            rows: BTreeMap::new(),
        }
    }

    pub fn running() -> Outcome {
        Outcome {
            phase: RestorePhase::Running,
            reason: "Running".into(),
            message: "the backup's parts are fetched and checked, then loaded beside the live data; the store serves its data until the switch".into(),
            rows: BTreeMap::new(),
        }
    }

    pub fn failed(reason: &str, message: impl Into<String>) -> Outcome {
        Outcome {
            phase: RestorePhase::Failed,
            reason: reason.into(),
            message: message.into(),
            rows: BTreeMap::new(),
        }
    }

    pub fn completed(backup: &str, rows: BTreeMap<String, u64>) -> Outcome {
        let counted = if rows.is_empty() {
            "none counted".to_string()
        } else {
            rows.iter()
                .map(|(table, rows)| format!("{table} {rows}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        Outcome {
            phase: RestorePhase::Completed,
            reason: "Completed".into(),
            message: format!("the store runs on backup {backup}'s data; rows: {counted}"),
            rows,
        }
    }
}

/// The conditions a finished restore is waited on with, as a Job's are.
pub const COMPLETE: &str = "Complete";
pub const FAILED: &str = "Failed";
/// The store's condition: its last restore, and why it failed if it did.
pub const RESTORED: &str = "Restored";

/// The status `outcome` makes of `previous`: times kept, set once.
pub fn next(previous: &RestoreStatus, outcome: &Outcome, now: Time) -> RestoreStatus {
    let mut held = previous.conditions.clone();
    for (type_, holds) in [
        (COMPLETE, outcome.phase == RestorePhase::Completed),
        (FAILED, outcome.phase == RestorePhase::Failed),
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
    let finished = matches!(
        outcome.phase,
        RestorePhase::Completed | RestorePhase::Failed
    );
    let started = previous
        .started_at
        .clone()
        .or_else(|| (outcome.phase == RestorePhase::Running).then(|| now.clone()));
    RestoreStatus {
        phase: Some(outcome.phase),
        reason: Some(outcome.reason.clone()),
        message: Some(outcome.message.clone()),
        started_at: started,
        finished_at: finished.then_some(now),
        rows: outcome.rows.clone(),
        conditions: held,
    }
}

/// Writes the status `outcome` makes, unless it says what the Restore says.
pub async fn write(client: &Client, restore: &Restore, outcome: &Outcome) -> Result<()> {
    let previous = restore.status.clone().unwrap_or_default();
    let now = Time(k8s_openapi::jiff::Timestamp::now());
    let status = next(&previous, outcome, now);
    let unchanged = previous.phase == status.phase
        && previous.reason == status.reason
        && previous.message == status.message
        && previous.rows == status.rows
        && previous.conditions == status.conditions;
    if unchanged {
        return Ok(());
    }
    let namespace = restore.namespace().unwrap_or_default();
    let api: Api<Restore> = Api::namespaced(client.clone(), &namespace);
    let body = json!({
        "apiVersion": "nexus.dev/v1alpha1",
        "kind": "Restore",
        "status": status,
    });
    api.patch_status(
        &restore.name_any(),
        &PatchParams::apply(FIELD_MANAGER).force(),
        &Patch::Apply(&body),
    )
    .await
    .map_err(Error::api(format!(
        "write the status of Restore {namespace}/{}",
        restore.name_any()
    )))?;
    Ok(())
}

/// The store's `Restored` condition for a finished restore: True once it
/// runs on the backup's data, False with the reason when it stayed on its
/// own. The store's reconciler keeps conditions it does not own; this
/// write is a merge on the store's current version (a conflict is retried
/// by the next reconcile).
pub async fn mark_store(
    client: &Client,
    namespace: &str,
    store: &str,
    restore: &Restore,
    outcome: &Outcome,
) -> Result<()> {
    let api: Api<Store> = Api::namespaced(client.clone(), namespace);
    let Some(current) = api
        .get_opt(store)
        .await
        .map_err(Error::api(format!("read Store {namespace}/{store}")))?
    else {
        return Ok(());
    };
    let completed = outcome.phase == RestorePhase::Completed;
    let message = if completed {
        format!("restore {}: {}", restore.name_any(), outcome.message)
    } else {
        format!(
            "restore {} failed and the store runs on its data from before: {}",
            restore.name_any(),
            outcome.message
        )
    };
    let now = Time(k8s_openapi::jiff::Timestamp::now());
    let mut held = current
        .status
        .as_ref()
        .map(|s| s.conditions.clone())
        .unwrap_or_default();
    let before = held.clone();
    let condition = Condition {
        type_: RESTORED.into(),
        status: if completed { "True" } else { "False" }.into(),
        reason: outcome.reason.clone(),
        message: crate::operator::backups::note_of(&message),
        last_transition_time: now.clone(),
        observed_generation: None,
    };
    conditions::set(&mut held, condition, now);
    if held == before {
        return Ok(());
    }
    let body = json!({
        "metadata": {"resourceVersion": current.resource_version()},
        "status": {"conditions": held},
    });
    let params = PatchParams {
        field_manager: Some(format!("{FIELD_MANAGER}-restore")),
        ..PatchParams::default()
    };
    api.patch_status(store, &params, &Patch::Merge(&body))
        .await
        .map_err(Error::api(format!(
            "write the Restored condition of Store {namespace}/{store}"
        )))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restore_starts_once_finishes_once_and_says_so_in_its_conditions() {
        let t = |s: &str| Time(s.parse().unwrap());
        let running = next(
            &RestoreStatus::default(),
            &Outcome::running(),
            t("2026-12-05T09:00:00Z"),
        );
        assert_eq!(running.started_at, Some(t("2026-12-05T09:00:00Z")));
        let again = next(&running, &Outcome::running(), t("2026-12-05T09:00:30Z"));
        assert_eq!(again, running);
        let failed = next(
            &running,
            &Outcome::failed("PartTampered", "the database part is not the one stored"),
            t("2026-12-05T09:01:00Z"),
        );
        assert_eq!(failed.started_at, Some(t("2026-12-05T09:00:00Z")));
        assert_eq!(failed.finished_at, Some(t("2026-12-05T09:01:00Z")));
        let condition = conditions::find(&failed.conditions, FAILED).unwrap();
        assert_eq!(
            (condition.status.as_str(), condition.reason.as_str()),
            ("True", "PartTampered")
        );
        let done = next(
            &running,
            &Outcome::completed("shop-1", BTreeMap::from([("wp_posts".into(), 12)])),
            t("2026-12-05T09:02:00Z"),
        );
        assert_eq!(
            done.message.as_deref(),
            Some("the store runs on backup shop-1's data; rows: wp_posts 12")
        );
        assert_eq!(done.rows.get("wp_posts"), Some(&12));
    }
}
