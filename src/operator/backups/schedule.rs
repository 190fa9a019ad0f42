//! Scheduled backups and their retention, run by the leader only (so once,
//! whatever the number of replicas), for the stores this operator serves.
//! Every tick: a store whose schedule fired since its last scheduled backup
//! gets a Backup named after that firing (`<store>-<YYYYMMDD-HHMM>`, so a
//! second writer of the same firing is refused as a conflict, and a long
//! outage makes one backup, of the latest firing); then the store's `keep`
//! removes the scheduled backups it no longer keeps, objects first.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use kube::api::{DeleteParams, ListParams, ObjectMeta, PostParams};
use kube::{Api, ResourceExt};
use tracing::{info, warn};

use super::Backups;
use crate::api::Store;
use crate::api::audit::{AuditAction, AuditOutcome};
use crate::api::backup::{Backup, BackupPhase, BackupReason, BackupSpec};
use crate::api::store::BackupKeep;
use crate::backup::manifest;
use crate::operator::error::{Error, Result};
use crate::schedule::Schedule;

/// How often schedules and retention are looked at.
pub const TICK: Duration = Duration::from_secs(15);

/// Runs until the operator stops leading.
pub async fn run(backups: Arc<Backups>) {
    if backups.object_store.is_none() {
        return futures::future::pending().await;
    }
    loop {
        if let Err(error) = tick(&backups).await {
            warn!(error = %error, "scheduled backups: this round failed; the next one tries again");
        }
        tokio::time::sleep(TICK).await;
    }
}

async fn tick(backups: &Backups) -> Result<()> {
    let stores: Vec<Arc<Store>> = backups
        .context
        .all_stores()
        .into_iter()
        .filter(|s| s.spec.backup.is_some() && s.metadata.deletion_timestamp.is_none())
        .collect();
    if stores.is_empty() {
        return Ok(());
    }
    let client = &backups.context.children.client;
    // From the API server's watch cache (not a quorum read of etcd): it
    // runs every tick, and a Backup a tick misses is seen by the next.
    let listed = Api::<Backup>::all(client.clone())
        .list(&ListParams::default().match_any())
        .await
        .map_err(Error::api("list Backups"))?;
    let mut scheduled: HashMap<(String, String), Vec<Backup>> = HashMap::new();
    for backup in listed.items {
        if backup.spec.reason == BackupReason::Scheduled {
            let key = (
                backup.namespace().unwrap_or_default(),
                backup.spec.store.clone(),
            );
            scheduled.entry(key).or_default().push(backup);
        }
    }
    let now = Timestamp::now();
    for store in stores {
        let key = (store.namespace().unwrap_or_default(), store.name_any());
        let uid = store.uid().unwrap_or_default();
        // A store deleted and made again under the same name is another one.
        let mut theirs: Vec<Backup> = scheduled
            .remove(&key)
            .unwrap_or_default()
            .into_iter()
            .filter(|b| {
                b.status
                    .as_ref()
                    .and_then(|s| s.store_uid.as_deref())
                    .is_none_or(|u| u == uid)
            })
            .collect();
        theirs.sort_by_key(|b| std::cmp::Reverse(created(b)));
        if let Err(error) = take_if_due(backups, &store, &theirs, now).await {
            warn!(store = %key.1, namespace = %key.0, error = %error, "cannot take a scheduled backup");
        }
        if let Err(error) = prune(backups, &store, &theirs, now).await {
            warn!(store = %key.1, namespace = %key.0, error = %error, "cannot remove an expired backup");
        }
    }
    Ok(())
}

fn created(backup: &Backup) -> Timestamp {
    backup
        .metadata
        .creation_timestamp
        .as_ref()
        .map(|t| t.0)
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

async fn take_if_due(
    backups: &Backups,
    store: &Store,
    theirs: &[Backup],
    now: Timestamp,
) -> Result<()> {
    let Some(policy) = &store.spec.backup else {
        return Ok(());
    };
    // Its data does not change while it is suspended (and its database,
    // stopped, could not be dumped): the schedule goes on once resumed.
    if store.spec.suspend {
        return Ok(());
    }
    // Admission refuses a schedule that does not parse; one admitted
    // before that rule is left alone.
    let Ok(schedule) = Schedule::parse(&policy.schedule) else {
        return Ok(());
    };
    let since = theirs
        .first()
        .map(created)
        .or_else(|| store.metadata.creation_timestamp.as_ref().map(|t| t.0))
        .unwrap_or(now);
    let Some(fired) = schedule.last_between(since, now) else {
        return Ok(());
    };
    let name = format!("{}-{}", store.name_any(), fired.strftime("%Y%m%d-%H%M"));
    let namespace = store.namespace().unwrap_or_default();
    let backup = Backup {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            namespace: Some(namespace.clone()),
            ..ObjectMeta::default()
        },
        spec: BackupSpec {
            store: store.name_any(),
            reason: BackupReason::Scheduled,
        },
        status: None,
    };
    let api: Api<Backup> = Api::namespaced(backups.context.children.client.clone(), &namespace);
    match api.create(&PostParams::default(), &backup).await {
        Ok(_) => {
            info!(backup = %format!("{namespace}/{name}"), schedule = %policy.schedule, "scheduled backup asked for");
            Ok(())
        }
        // Already asked for (another tick, a restarted leader).
        Err(kube::Error::Api(status)) if status.code == 409 => Ok(()),
        Err(e) => Err(Error::api(format!("create Backup {namespace}/{name}"))(e)),
    }
}

/// The scheduled backups `keep` no longer keeps, and why: beyond the
/// newest `count` completed ones, or older than `age`. The newest
/// completed backup is always kept; a failed one (nothing stored) goes once
/// a completed one is newer or it is older than `age`. Backups still on
/// their way are never touched.
pub fn expired<'a>(
    keep: &BackupKeep,
    theirs: &'a [Backup],
    now: Timestamp,
) -> Vec<(&'a Backup, String)> {
    let age = keep
        .age
        .as_deref()
        .and_then(|a| crate::duration::parse(a).ok());
    let too_old = |backup: &Backup| {
        age.is_some_and(|age| {
            now.as_second() - created(backup).as_second()
                > i64::try_from(age.as_secs()).unwrap_or(i64::MAX)
        })
    };
    let mut out = Vec::new();
    let mut completed = 0u32;
    let mut newer_completed = false;
    // Newest first.
    for backup in theirs {
        match backup.status.as_ref().and_then(|s| s.phase) {
            Some(BackupPhase::Completed) => {
                completed += 1;
                let newest = completed == 1;
                if !newest {
                    if keep.count.is_some_and(|count| completed > count) {
                        let count = keep.count.unwrap_or_default();
                        out.push((backup, format!("beyond the newest {count} kept")));
                    } else if too_old(backup) {
                        let age = keep.age.clone().unwrap_or_default();
                        out.push((backup, format!("older than {age}")));
                    }
                }
                newer_completed = true;
            }
            Some(BackupPhase::Failed) => {
                if newer_completed {
                    out.push((backup, "failed, and a newer one completed".into()));
                } else if too_old(backup) {
                    let age = keep.age.clone().unwrap_or_default();
                    out.push((backup, format!("failed, and older than {age}")));
                }
            }
            _ => {}
        }
    }
    out
}

async fn prune(backups: &Backups, store: &Store, theirs: &[Backup], now: Timestamp) -> Result<()> {
    let Some(keep) = store.spec.backup.as_ref().and_then(|b| b.keep.as_ref()) else {
        return Ok(());
    };
    let Some(object_store) = &backups.object_store else {
        return Ok(());
    };
    let namespace = store.namespace().unwrap_or_default();
    let api: Api<Backup> = Api::namespaced(backups.context.children.client.clone(), &namespace);
    for (backup, why) in expired(keep, theirs, now) {
        let name = backup.name_any();
        let store_uid = backup
            .status
            .as_ref()
            .and_then(|s| s.store_uid.clone())
            .unwrap_or_else(|| store.uid().unwrap_or_default());
        // Objects first: a Backup listed is one whose objects may exist.
        for part in [
            manifest::MANIFEST,
            manifest::DATABASE_PART,
            manifest::CONTENT_PART,
        ] {
            object_store
                .delete(&manifest::object_key(&store_uid, &name, part))
                .await?;
        }
        let details = format!("backup {name} removed by the store's keep: {why}");
        backups
            .context
            .audit
            .report(
                &namespace,
                &store.name_any(),
                (AuditAction::BackupRemoved, AuditOutcome::Succeeded, details),
            )
            .await?;
        match api.delete(&name, &DeleteParams::default()).await {
            Ok(_) => {}
            Err(kube::Error::Api(status)) if status.code == 404 => {}
            Err(e) => return Err(Error::api(format!("delete Backup {namespace}/{name}"))(e)),
        }
        info!(backup = %format!("{namespace}/{name}"), why = %why, "expired backup removed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::backup::BackupStatus;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

    fn backup(name: &str, at: &str, phase: BackupPhase) -> Backup {
        Backup {
            metadata: ObjectMeta {
                name: Some(name.into()),
                creation_timestamp: Some(Time(at.parse().unwrap())),
                ..ObjectMeta::default()
            },
            spec: BackupSpec {
                store: "shop".into(),
                reason: BackupReason::Scheduled,
            },
            status: Some(BackupStatus {
                phase: Some(phase),
                ..BackupStatus::default()
            }),
        }
    }

    fn names(expired: &[(&Backup, String)]) -> Vec<String> {
        expired.iter().map(|(b, _)| b.name_any()).collect()
    }

    #[test]
    fn keep_removes_beyond_the_count_and_the_age_but_never_the_newest() {
        use BackupPhase::*;
        let theirs = vec![
            backup("d", "2026-12-05T03:00:00Z", Running),
            backup("c", "2026-12-04T03:00:00Z", Completed),
            backup("f", "2026-12-03T03:30:00Z", Failed),
            backup("b", "2026-12-03T03:00:00Z", Completed),
            backup("a", "2026-12-02T03:00:00Z", Completed),
        ];
        let now: Timestamp = "2026-12-05T09:00:00Z".parse().unwrap();
        let by_count = BackupKeep {
            count: Some(2),
            age: None,
        };
        assert_eq!(names(&expired(&by_count, &theirs, now)), ["f", "a"]);
        let by_age = BackupKeep {
            count: None,
            age: Some("2d".into()),
        };
        assert_eq!(names(&expired(&by_age, &theirs, now)), ["f", "b", "a"]);
        // Everything is old: the newest completed one stays.
        let later: Timestamp = "2027-01-05T09:00:00Z".parse().unwrap();
        assert_eq!(names(&expired(&by_age, &theirs, later)), ["f", "b", "a"]);
        let why = expired(&by_count, &theirs, now);
        assert_eq!(why[1].1, "beyond the newest 2 kept");
    }
}
