//! Restores in place, on kwok (whose pods complete at once and run nothing):
//! what is checked before a restore Job runs at all, who may ask for one,
//! and how a finished restore is told (status, the store's `Restored`
//! condition, the audit trail, a metric). The data itself is restored on
//! the real node (tests/real_node.rs).

mod common;

use std::time::Duration;

use common::Finished;
use common::backups::{audit_records, credentials, store_backup_objects, take_backup, wait_backup};
use common::s3::ObjectStore;
use common::stores::{create_store, nexus_as, store_name, tenant, wait_phase, woocommerce};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use kube::api::{ListParams, PostParams};
use nexus::api::backup::BackupPhase;
use nexus::api::restore::{Restore, RestorePhase};
use nexus::api::{Phase, Store};
use nexus::backup::manifest::MANIFEST;

async fn wait_restore(
    admin: &kube::Client,
    namespace: &str,
    name: &str,
    phase: RestorePhase,
) -> Restore {
    let api = Api::<Restore>::namespaced(admin.clone(), namespace);
    common::wait_for(
        &api,
        name,
        90,
        &format!("{phase:?}"),
        move |r: Option<&Restore>| r.and_then(|r| r.status.as_ref()?.phase) == Some(phase),
    )
    .await
}

async fn ask_restore(admin: &kube::Client, namespace: &str, name: &str, store: &str, backup: &str) {
    let restore: Restore = serde_json::from_value(serde_json::json!({
        "apiVersion": "nexus.dev/v1alpha1",
        "kind": "Restore",
        "metadata": {"name": name},
        "spec": {"store": store, "backup": backup},
    }))
    .unwrap();
    Api::<Restore>::namespaced(admin.clone(), namespace)
        .create(&PostParams::default(), &restore)
        .await
        .unwrap();
}

/// The store's `Restored` condition: status and reason.
async fn restored(admin: &kube::Client, namespace: &str, store: &str) -> Option<(String, String)> {
    let store: Store = Api::namespaced(admin.clone(), namespace)
        .get(store)
        .await
        .unwrap();
    let conditions = store.status.unwrap_or_default().conditions;
    nexus::api::conditions::find(&conditions, "Restored")
        .map(|c| (c.status.clone(), c.reason.clone()))
}

/// A restore is checked before its Job runs: the CLI refuses a backup that
/// does not exist, is of another store or did not complete (exit 2, nothing
/// made); the operator refuses a stored manifest that is not the one the
/// Backup recorded (nothing of the store touched, its condition as it was).
/// A restore that ran says so on the Restore, on the store, in the audit
/// trail and in a metric; its Job and the Secret with the store's identity
/// go. bob, of another team, cannot restore alice's store or read its
/// backups.
#[tokio::test]
async fn a_restore_is_checked_before_it_runs_and_told_when_it_ends() {
    let (admin, ns, scope) = tenant("rs-job").await;
    let s3 = ObjectStore::of_cluster();
    let bucket = format!("nexus-restores-{}", common::unique_suffix());
    s3.make_bucket(&bucket);
    let secret = format!("restore-{}", scope.label().1);
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
    let operator = scope.start("restores", &flags);
    let name = store_name("rs");
    create_store(&admin, &ns.name, &scope, &name, woocommerce()).await;
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

    // A completed backup (its objects stored before its Job ends), one that
    // failed (kwok's Job stores nothing), and one of another store.
    let good = format!("{name}-good");
    store_backup_objects(&s3, &bucket, &master, &ns.name, &name, &uid, &good);
    take_backup(&admin, &ns.name, &good, &name).await;
    wait_backup(&admin, &ns.name, &good, BackupPhase::Completed, 90).await;
    // Proven to restore: a verification Job in the platform's namespace
    // (kwok completes it at once), its verdict on the Backup.
    let backups = Api::<nexus::api::backup::Backup>::namespaced(admin.clone(), &ns.name);
    let verified = common::wait_for(
        &backups,
        &good,
        60,
        "verified",
        |b: Option<&nexus::api::backup::Backup>| {
            b.and_then(|b| b.status.as_ref()?.verified.as_ref())
                .is_some()
        },
    )
    .await;
    let status = verified.status.unwrap();
    assert_eq!(status.verified.unwrap().result, "Restorable");
    let condition = nexus::api::conditions::find(&status.conditions, "Verified").unwrap();
    assert_eq!(condition.status, "True", "{condition:?}");
    let metric = r#"nexus_backup_verifications_total{outcome="Restorable",reason=""}"#;
    assert_eq!(operator.wait_metric_above(metric, 0.0, 20).await, 1.0);
    // alice has it checked again, and waits for that check's verdict.
    let again: serde_json::Value = serde_json::from_str(
        &nexus_as("alice", &ns.name)
            .args([
                "store",
                "backup",
                "verify",
                &good,
                "--wait",
                "--timeout",
                "2m",
                "-o",
                "json",
            ])
            .output()
            .unwrap()
            .succeeded("store backup verify --wait"),
    )
    .unwrap();
    assert_eq!(again["verified"]["result"], "Restorable", "{again}");
    assert!(again["verified"]["request"].is_string(), "{again}");
    assert_eq!(operator.wait_metric_above(metric, 1.0, 20).await, 2.0);
    let listed = nexus_as("alice", &ns.name)
        .args(["store", "backups", &name])
        .output()
        .unwrap()
        .succeeded("store backups");
    assert!(
        listed.contains("VERIFIED") && listed.contains("Restorable"),
        "{listed}"
    );
    take_backup(&admin, &ns.name, "empty", &name).await;
    wait_backup(&admin, &ns.name, "empty", BackupPhase::Failed, 90).await;
    take_backup(&admin, &ns.name, "elsewhere", "no-such-store").await;
    wait_backup(&admin, &ns.name, "elsewhere", BackupPhase::Failed, 90).await;

    let restore_as = |user: &str, backup: &str| {
        nexus_as(user, &ns.name)
            .args([
                "store",
                "restore",
                &name,
                "--from",
                backup,
                "--wait",
                "--timeout",
                "2m",
                "-o",
                "json",
            ])
            .output()
            .unwrap()
    };
    for (backup, said) in [
        ("no-such-backup", "no backup \"no-such-backup\""),
        ("elsewhere", "is of store \"no-such-store\""),
        (
            "empty",
            "is Failed: only a Completed backup can be restored",
        ),
    ] {
        let out = restore_as("alice", backup);
        let stderr = out.failed_saying(said);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
    }
    let restores = Api::<Restore>::namespaced(admin.clone(), &ns.name);
    assert!(
        restores
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );

    // bob is of another team.
    restore_as("bob", &good).failed_saying("bob may not");
    nexus_as("bob", &ns.name)
        .args(["store", "backups", &name])
        .output()
        .unwrap()
        .failed_saying("bob may not");

    // alice restores from the completed backup: kwok runs its Job at once.
    let out = restore_as("alice", &good);
    let view: serde_json::Value =
        serde_json::from_str(&out.succeeded("store restore --wait")).unwrap();
    assert_eq!(view["phase"], "Completed", "{view}");
    assert_eq!(view["rows"]["wp_posts"], 1, "{view}");
    let done = view["name"].as_str().unwrap().to_string();
    assert!(done.starts_with(&format!("{name}-restore-")), "{done}");
    assert_eq!(
        restored(&admin, &ns.name, &name).await,
        Some(("True".into(), "Completed".into()))
    );
    let records = audit_records("alice", &ns.name, &name, "restore");
    assert_eq!(records.len(), 1, "{records:?}");
    assert!(
        records[0]["details"]
            .as_str()
            .unwrap()
            .starts_with(&format!("restore {done} of backup {good} completed")),
        "{records:?}"
    );
    let metric = r#"nexus_restores_finished_total{outcome="completed",reason="Completed"}"#;
    assert_eq!(operator.wait_metric_above(metric, 0.0, 20).await, 1.0);
    let workload = nexus::api::store_namespace(&name);
    let jobs = Api::<Job>::namespaced(admin.clone(), &workload);
    let secrets = Api::<Secret>::namespaced(admin.clone(), &workload);
    for _ in 0..100 {
        if jobs.get_opt("restore").await.unwrap().is_none()
            && secrets.get_opt("restore").await.unwrap().is_none()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(
        jobs.get_opt("restore").await.unwrap().is_none(),
        "the Job stays"
    );
    assert!(
        secrets.get_opt("restore").await.unwrap().is_none(),
        "the Secret with the store's identity stays"
    );

    // The stored manifest changed since the backup completed: refused
    // before any Job, and the store's condition stays as it was.
    let path = format!("/{bucket}/{uid}/{good}/{MANIFEST}");
    let mut manifest: serde_json::Value = serde_json::from_slice(&s3.get(&path).unwrap()).unwrap();
    manifest["rows"]["wp_posts"] = serde_json::json!(2);
    s3.put(&path, &serde_json::to_vec(&manifest).unwrap());
    ask_restore(&admin, &ns.name, "changed", &name, &good).await;
    let refused = wait_restore(&admin, &ns.name, "changed", RestorePhase::Failed).await;
    let status = refused.status.unwrap();
    assert_eq!(
        status.reason.as_deref(),
        Some("ManifestMismatch"),
        "{status:?}"
    );
    assert!(
        status
            .message
            .unwrap()
            .contains("refused before anything of the store was touched")
    );
    assert_eq!(status.started_at, None, "it never ran");
    assert_eq!(
        restored(&admin, &ns.name, &name).await,
        Some(("True".into(), "Completed".into()))
    );

    // Asked for directly, of a backup that is not there: said on the
    // Restore, and kubectl waits for it as for a Job.
    ask_restore(&admin, &ns.name, "of-nothing", &name, "no-such-backup").await;
    let failed = wait_restore(&admin, &ns.name, "of-nothing", RestorePhase::Failed).await;
    assert_eq!(
        failed.status.unwrap().reason.as_deref(),
        Some("BackupNotFound")
    );
    common::kubectl_output(
        "alice",
        &[
            "-n",
            &ns.name,
            "wait",
            "--for=condition=Failed",
            "restore/of-nothing",
            "--timeout=30s",
        ],
        "",
    )
    .succeeded("kubectl wait --for=condition=Failed");
}
