//! Scheduled backups and their retention, on kwok with a short period: a
//! store's schedule makes Backups of its own (named after the firing), and
//! its `keep` removes the scheduled backups it no longer keeps, objects
//! first, each removal an audit record. Manual backups are never removed.

mod common;

use std::time::Duration;

use common::Finished;
use common::backups::{audit_records, credentials, store_backup_objects, wait_backup};
use common::s3::ObjectStore;
use common::stores::{create_store, nexus_as, store_name, tenant, wait_phase, woocommerce};
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use kube::api::{ListParams, PostParams};
use nexus::api::Phase;
use nexus::api::backup::{Backup, BackupPhase, BackupReason};
use nexus::backup::manifest::{DATABASE_PART, MANIFEST};

async fn backup_of(admin: &kube::Client, namespace: &str, name: &str, store: &str, reason: &str) {
    let backup: Backup = serde_json::from_value(serde_json::json!({
        "apiVersion": "nexus.dev/v1alpha1",
        "kind": "Backup",
        "metadata": {"name": name},
        "spec": {"store": store, "reason": reason},
    }))
    .unwrap();
    Api::<Backup>::namespaced(admin.clone(), namespace)
        .create(&PostParams::default(), &backup)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_schedule_takes_backups_and_keep_removes_the_old_ones_with_their_objects() {
    let (admin, ns, scope) = tenant("bk-sched").await;
    let s3 = ObjectStore::of_cluster();
    let bucket = format!("nexus-schedules-{}", common::unique_suffix());
    s3.make_bucket(&bucket);
    let secret = format!("schedule-{}", scope.label().1);
    credentials(&admin, &secret, &s3.access_key, &s3.secret_key).await;
    let recipient = age::x25519::Identity::generate().to_public().to_string();
    let flags = [
        format!("--backup-endpoint={}", s3.endpoint),
        format!("--backup-bucket={bucket}"),
        format!("--backup-region={}", s3.region),
        format!("--backup-credentials-secret={secret}"),
        format!("--backup-recipient={recipient}"),
        format!("--backup-ca={}", s3.ca),
        "--backup-agent-image=nexus.dev/kubectl-nexus:test".to_string(),
    ];
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let _operator = scope.start("schedules", &flags);

    // A schedule more often than every minute is no schedule.
    nexus_as("alice", &ns.name)
        .args([
            "store",
            "create",
            "nope",
            "--backup-schedule",
            "0 3 * *",
            "--dry-run",
        ])
        .output()
        .unwrap()
        .failed_saying("invalid backup schedule: \"0 3 * *\" has 4 fields");

    // Every minute, keeping the newest two completed.
    let name = store_name("sched");
    let mut spec = woocommerce();
    spec["backup"] = serde_json::json!({"schedule": "* * * * *", "keep": {"count": 2}});
    create_store(&admin, &ns.name, &scope, &name, spec).await;
    let store = wait_phase(&admin, &ns.name, &name, Phase::Ready, 120).await;
    let uid = store.metadata.uid.clone().unwrap();
    let master = Api::<Secret>::namespaced(admin.clone(), "default")
        .get("nexus-backup-master")
        .await
        .unwrap()
        .data
        .unwrap()["master"]
        .0
        .clone();

    // Three earlier scheduled backups that completed (their objects stored
    // as the agent stores them), and a manual one.
    for backup in ["first", "second", "third", "manual"] {
        let backup = format!("{name}-{backup}");
        store_backup_objects(&s3, &bucket, &master, &ns.name, &name, &uid, &backup);
        let reason = if backup.ends_with("manual") {
            "Manual"
        } else {
            "Scheduled"
        };
        backup_of(&admin, &ns.name, &backup, &name, reason).await;
        wait_backup(&admin, &ns.name, &backup, BackupPhase::Completed, 90).await;
        // Creation times are to the second.
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }

    // keep removes the oldest scheduled one, its objects first; the manual
    // one stays (a Backup listed is one whose objects may exist).
    let backups = Api::<Backup>::namespaced(admin.clone(), &ns.name);
    let first = format!("{name}-first");
    for _ in 0..120 {
        if backups.get_opt(&first).await.unwrap().is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        backups.get_opt(&first).await.unwrap().is_none(),
        "{first} is kept"
    );
    for part in [DATABASE_PART, MANIFEST] {
        assert_eq!(
            s3.get(&format!("/{bucket}/{uid}/{first}/{part}")),
            None,
            "{part}"
        );
    }
    for kept in ["second", "third", "manual"] {
        let kept = format!("{name}-{kept}");
        assert!(
            backups.get_opt(&kept).await.unwrap().is_some(),
            "{kept} was removed"
        );
        assert!(
            s3.get(&format!("/{bucket}/{uid}/{kept}/{MANIFEST}"))
                .is_some()
        );
    }
    let records = audit_records("alice", &ns.name, &name, "backup-removed");
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(
        records[0]["details"],
        format!("backup {first} removed by the store's keep: beyond the newest 2 kept").as_str()
    );

    // The schedule fires within the minute: a Backup named after the firing.
    let mut scheduled = None;
    for _ in 0..100 {
        let listed = backups.list(&ListParams::default()).await.unwrap().items;
        scheduled = listed.into_iter().find(|b| {
            b.spec.reason == BackupReason::Scheduled
                && b.metadata
                    .name
                    .as_deref()
                    .and_then(|n| n.strip_prefix(&format!("{name}-")))
                    .is_some_and(|t| t.len() == 13 && t.as_bytes()[8] == b'-')
        });
        if scheduled.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let scheduled = scheduled.expect("no scheduled backup within 100s of an every-minute schedule");
    assert_eq!(scheduled.spec.store, name);
}

/// The StorePolicy covers backups: a schedule firing more often than its
/// `minBackupInterval` is refused at admission, and a store takes at most
/// `maxManualBackupsPerHour` manual backups (the one beyond fails at once,
/// saying when the next may start, and runs nothing).
#[tokio::test]
async fn the_store_policy_limits_schedules_and_manual_backups() {
    use common::backups::BackupSetup;
    use common::operator::free_port;
    let (_admin, ns, scope) = tenant("bk-limit").await;
    let admin = common::admin().await;
    let policy = format!(
        "apiVersion: nexus.dev/v1alpha1\nkind: StorePolicy\nmetadata: {{name: nexus-{}}}\nspec: {{defaults: {{maxManualBackupsPerHour: 2, minBackupInterval: 1h}}}}\n",
        scope.id
    );
    common::kubectl_stdin("admin", &["apply", "-f", "-"], &policy);
    let webhook = scope.webhook_args(free_port());
    let _setup = BackupSetup::start_with(&admin, &scope, "limits", &webhook).await;
    common::stores::wait_until_admitting(&scope, &ns.name).await;
    let (key, value) = scope.label();
    let label = format!("{key}={value}");

    let name = store_name("limit");
    let refused = nexus_as("alice", &ns.name)
        .args([
            "store",
            "create",
            &name,
            "-l",
            &label,
            "--backup-schedule",
            "*/5 * * * *",
        ])
        .output()
        .unwrap();
    refused.failed_saying(
        "backs up every 5m at its busiest; alice may schedule backups at most every 1h",
    );
    nexus_as("alice", &ns.name)
        .args([
            "store",
            "create",
            &name,
            "-l",
            &label,
            "--backup-schedule",
            "0 3 * * *",
            "--wait",
            "--timeout",
            "2m",
        ])
        .output()
        .unwrap()
        .succeeded("store create with a daily schedule");

    // Two manual backups run (kwok stores nothing: each fails for want of a
    // manifest, but each ran); the third is refused before it runs.
    let take = || {
        nexus_as("alice", &ns.name)
            .args(["store", "backup", &name, "--wait", "--timeout", "2m"])
            .output()
            .unwrap()
    };
    take().failed_saying("ManifestMissing");
    take().failed_saying("ManifestMissing");
    let third = take();
    let said = third.failed_saying("TooManyBackups");
    assert!(
        said.contains("took 2 manual backups in the last hour")
            && said.contains("maxManualBackupsPerHour: 2")
            && said.contains("the next may start after"),
        "{said}"
    );
}
