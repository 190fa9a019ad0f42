//! The StorePolicy's limit on manual backups: how many one store may take
//! within an hour, by the rules of the store's owner. It is held where
//! backups of a store are taken one at a time (before its Job is made), so
//! it holds exactly, whatever the number of requests at once: a Backup
//! beyond it fails at once, saying when the next is allowed, and nothing
//! runs. (The Store webhook's object selector, which shards and tests set,
//! would not see Backups, which carry no store labels.)

use std::collections::BTreeSet;

use k8s_openapi::jiff::Timestamp;
use kube::api::ListParams;
use kube::{Api, ResourceExt};

use super::Backups;
use crate::api::Store;
use crate::api::backup::{Backup, BackupReason};
use crate::api::labels::{OWNER_ANNOTATION, OWNER_GROUPS_ANNOTATION};
use crate::api::policy::StorePolicy;
use crate::operator::error::{Error, Result};

const HOUR: i64 = 3600;

/// Why `backup` may not run now, if the limit says so.
pub async fn manual_refusal(
    backups: &Backups,
    backup: &Backup,
    store: &Store,
) -> Result<Option<String>> {
    let Some(policy_name) = &backups.policy else {
        return Ok(None);
    };
    let client = &backups.context.children.client;
    let policy = Api::<StorePolicy>::all(client.clone())
        .get_opt(policy_name)
        .await
        .map_err(Error::api(format!("read StorePolicy {policy_name}")))?;
    let Some(policy) = policy else {
        return Ok(None);
    };
    let owner = store
        .annotations()
        .get(OWNER_ANNOTATION)
        .cloned()
        .unwrap_or_default();
    let groups: Vec<String> = store
        .annotations()
        .get(OWNER_GROUPS_ANNOTATION)
        .map(|g| g.split(',').map(String::from).collect())
        .unwrap_or_default();
    let Some(most) = policy.spec.max_manual_backups_per_hour(&owner, &groups) else {
        return Ok(None);
    };
    let namespace = backup.namespace().unwrap_or_default();
    let listed = Api::<Backup>::namespaced(client.clone(), &namespace)
        .list(&ListParams::default())
        .await
        .map_err(Error::api(format!("list Backups in {namespace}")))?;
    let uid = store.uid().unwrap_or_default();
    let now = Timestamp::now();
    let ran = started_within_the_hour(
        &listed.items,
        &backup.name_any(),
        &store.name_any(),
        &uid,
        now,
    );
    if (ran.len() as u64) < u64::from(most) {
        return Ok(None);
    }
    let next = ran
        .first()
        .and_then(|first| Timestamp::from_second(first + HOUR).ok())
        .map(|t| t.to_string())
        .unwrap_or_default();
    Ok(Some(format!(
        "store {} took {} manual backups in the last hour, the most its owner's StorePolicy allows (maxManualBackupsPerHour: {most}); the next may start after {next}",
        store.name_any(),
        ran.len()
    )))
}

/// When the store's other manual backups started, within the last hour,
/// oldest first.
fn started_within_the_hour(
    listed: &[Backup],
    this: &str,
    store: &str,
    uid: &str,
    now: Timestamp,
) -> Vec<i64> {
    let starts: BTreeSet<(i64, String)> = listed
        .iter()
        .filter(|b| b.spec.store == store && b.spec.reason == BackupReason::Manual)
        .filter(|b| b.name_any() != this)
        .filter_map(|b| {
            let status = b.status.as_ref()?;
            if status.store_uid.as_deref().is_some_and(|u| u != uid) {
                return None;
            }
            let started = status.started_at.as_ref()?.0.as_second();
            (now.as_second() - started < HOUR).then(|| (started, b.name_any()))
        })
        .collect();
    starts.into_iter().map(|(t, _)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::backup::{BackupSpec, BackupStatus};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

    fn backup(name: &str, reason: BackupReason, started: Option<&str>, uid: &str) -> Backup {
        Backup {
            metadata: ObjectMeta {
                name: Some(name.into()),
                ..ObjectMeta::default()
            },
            spec: BackupSpec {
                store: "shop".into(),
                reason,
            },
            status: Some(BackupStatus {
                started_at: started.map(|s| Time(s.parse().unwrap())),
                store_uid: Some(uid.into()),
                ..BackupStatus::default()
            }),
        }
    }

    #[test]
    fn only_this_stores_manual_backups_that_ran_in_the_last_hour_count() {
        use BackupReason::*;
        let now: Timestamp = "2026-12-05T10:00:00Z".parse().unwrap();
        let listed = vec![
            backup("a", Manual, Some("2026-12-05T09:10:00Z"), "u1"),
            backup("b", Manual, Some("2026-12-05T08:59:00Z"), "u1"),
            backup("c", Scheduled, Some("2026-12-05T09:30:00Z"), "u1"),
            backup("d", Manual, None, "u1"),
            backup("e", Manual, Some("2026-12-05T09:40:00Z"), "u0"),
            backup("this", Manual, Some("2026-12-05T09:50:00Z"), "u1"),
            backup("f", Manual, Some("2026-12-05T09:20:00Z"), "u1"),
        ];
        let counted = started_within_the_hour(&listed, "this", "shop", "u1", now);
        let at = |s: &str| s.parse::<Timestamp>().unwrap().as_second();
        assert_eq!(
            counted,
            [at("2026-12-05T09:10:00Z"), at("2026-12-05T09:20:00Z")]
        );
    }
}
