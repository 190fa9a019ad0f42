//! Clones on kwok (whose pods complete at once and run nothing): what
//! `store create NEW --from-backup BACKUP` refuses before anything is made,
//! how a clone is loaded (its clone Restore, then its setup with the clone's
//! settings), what a failed load says and how a retry loads it again, and
//! the audit trail. The data itself is cloned on the real node
//! (tests/real_node.rs).

mod common;

use common::Finished;
use common::backups::{BackupSetup, audit_records, store_backup_objects, take_backup, wait_backup};
use common::stores::{create_store, nexus_as, store_name, tenant, wait_phase, woocommerce};
use k8s_openapi::api::batch::v1::Job;
use kube::Api;
use kube::api::{ListParams, Patch, PatchParams};
use nexus::api::backup::BackupPhase;
use nexus::api::restore::{Restore, RestorePhase, clone_restore_name};
use nexus::api::{Phase, Store};
use nexus::backup::manifest::MANIFEST;

/// The value of `name` in the setup container's environment: None when it
/// is not set, "" when set empty (the API server leaves an empty value out).
fn setup_env(job: &Job, name: &str) -> Option<String> {
    job.spec.as_ref()?.template.spec.as_ref()?.containers[0]
        .env
        .as_ref()?
        .iter()
        .find(|e| e.name == name)
        .map(|e| e.value.clone().unwrap_or_default())
}

#[tokio::test]
async fn a_store_is_cloned_from_a_deleted_stores_backup_and_a_failed_load_is_retried() {
    let (admin, ns, scope) = tenant("clone").await;
    let setup = BackupSetup::start(&admin, &scope, "clone").await;
    let master = setup.master(&admin).await;
    let (key, value) = scope.label();
    let label = format!("{key}={value}");

    // The source: a store that served, its backup stored (as the agent
    // would), then the store deleted. Its backups stay.
    let source = store_name("source");
    create_store(&admin, &ns.name, &scope, &source, woocommerce()).await;
    let store = wait_phase(&admin, &ns.name, &source, Phase::Ready, 120).await;
    let source_uid = store.metadata.uid.clone().unwrap();
    let good = format!("{source}-good");
    store_backup_objects(
        &setup.s3,
        &setup.bucket,
        &master,
        &ns.name,
        &source,
        &source_uid,
        &good,
    );
    take_backup(&admin, &ns.name, &good, &source).await;
    wait_backup(&admin, &ns.name, &good, BackupPhase::Completed, 90).await;
    take_backup(&admin, &ns.name, "empty", &source).await;
    wait_backup(&admin, &ns.name, "empty", BackupPhase::Failed, 90).await;
    nexus_as("alice", &ns.name)
        .args([
            "store",
            "delete",
            &source,
            "--yes",
            "--skip-final-backup",
            "--wait",
            "--timeout",
            "2m",
        ])
        .output()
        .unwrap()
        .succeeded("store delete");

    // What cannot be cloned is refused at once (exit 2), nothing made.
    let create = |name: &str, backup: &str, extra: &[&str]| {
        nexus_as("alice", &ns.name)
            .args([
                "store",
                "create",
                name,
                "--from-backup",
                backup,
                "-l",
                &label,
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let copy = store_name("copy");
    for (backup, said) in [
        ("no-such-backup", "no backup \"no-such-backup\""),
        ("Not_A_Name", "invalid --from-backup"),
        ("empty", "is Failed: only a Completed backup can be cloned"),
    ] {
        let out = create(&copy, backup, &[]);
        let stderr = out.failed_saying(said);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
    }
    let stores = Api::<Store>::namespaced(admin.clone(), &ns.name);
    assert!(stores.get_opt(&copy).await.unwrap().is_none());
    // bob is of another team: he cannot clone alice's backups.
    nexus_as("bob", &ns.name)
        .args(["store", "create", &copy, "--from-backup", &good])
        .output()
        .unwrap()
        .failed_saying("bob may not");

    // The clone: its clone Restore loads the backup (kwok's Job completes at
    // once), then its setup runs as a clone's, then it is Ready.
    let out = create(&copy, &good, &["--wait", "--timeout", "3m", "-o", "json"]);
    let view: serde_json::Value = serde_json::from_str(&out.succeeded("clone --wait")).unwrap();
    assert_eq!(view["phase"], "Ready", "{view}");
    let clone = stores.get(&copy).await.unwrap();
    assert_eq!(clone.spec.source.as_ref().unwrap().backup, good);
    let restore_name = clone_restore_name(&copy, &clone.metadata.uid.clone().unwrap());
    let restores = Api::<Restore>::namespaced(admin.clone(), &ns.name);
    let loaded = restores.get(&restore_name).await.unwrap();
    assert_eq!(loaded.spec.backup, good);
    let status = loaded.status.unwrap();
    assert_eq!(status.phase, Some(RestorePhase::Completed), "{status:?}");
    assert_eq!(status.rows.get("wp_posts"), Some(&1));
    let job = Api::<Job>::namespaced(admin.clone(), &nexus::api::store_namespace(&copy))
        .get("setup")
        .await
        .unwrap();
    assert_eq!(
        setup_env(&job, "CLONED_FROM").as_deref(),
        Some(good.as_str())
    );
    assert_eq!(
        setup_env(&job, "CURRENCY").as_deref(),
        Some(""),
        "the source's currency stays"
    );
    assert_eq!(setup_env(&job, "SAMPLE_PRODUCTS").as_deref(), Some("false"));
    let records = audit_records("alice", &ns.name, &copy, "clone");
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["outcome"], "succeeded", "{records:?}");
    assert!(
        records[0]["details"]
            .as_str()
            .unwrap()
            .starts_with(&format!(
                "clone from backup {good} (restore {restore_name}) completed"
            )),
        "{records:?}"
    );

    // A clone stays a clone of that backup: source is fixed.
    let change = serde_json::json!({"spec": {"source": {"backup": "empty"}}});
    let refused = stores
        .patch(&copy, &PatchParams::default(), &Patch::Merge(&change))
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("source is fixed"), "{refused}");
    let stripped = serde_json::json!({"spec": {"source": null}});
    let refused = stores
        .patch(&copy, &PatchParams::default(), &Patch::Merge(&stripped))
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("source is fixed"), "{refused}");
    // Ready, it is restored in place from its own backups only.
    let other = nexus_as("alice", &ns.name)
        .args(["store", "restore", &copy, "--from", &good])
        .output()
        .unwrap();
    other.failed_saying("is of store");

    // A backup whose stored manifest changed since it completed: the clone
    // fails before anything is loaded, saying why; once the manifest is
    // back, a retry loads it (from a new Restore) and the clone is Ready.
    let path = format!("/{}/{source_uid}/{good}/{MANIFEST}", setup.bucket);
    let original = setup.s3.get(&path).unwrap();
    let mut changed: serde_json::Value = serde_json::from_slice(&original).unwrap();
    changed["rows"]["wp_posts"] = serde_json::json!(2);
    setup.s3.put(&path, &serde_json::to_vec(&changed).unwrap());
    let broken = store_name("copy");
    create(&broken, &good, &[]).succeeded("clone of a changed backup");
    let failed = wait_phase(&admin, &ns.name, &broken, Phase::Failed, 120).await;
    let ready = nexus::api::conditions::find(&failed.status.unwrap().conditions, "Ready")
        .unwrap()
        .clone();
    assert_eq!(ready.reason, "CloneFailed", "{ready:?}");
    assert!(
        ready.message.contains("ManifestMismatch") && ready.message.contains("store retry"),
        "{ready:?}"
    );
    let records = audit_records("alice", &ns.name, &broken, "clone");
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["outcome"], "failed", "{records:?}");
    setup.s3.put(&path, &original);
    nexus_as("alice", &ns.name)
        .args(["store", "retry", &broken])
        .output()
        .unwrap()
        .succeeded("store retry of a failed clone");
    wait_phase(&admin, &ns.name, &broken, Phase::Ready, 120).await;
    let records = audit_records("alice", &ns.name, &broken, "clone");
    assert_eq!(records.len(), 2, "{records:?}");
    assert!(
        records.iter().any(|r| r["outcome"] == "succeeded"),
        "{records:?}"
    );
    let listed = restores.list(&ListParams::default()).await.unwrap().items;
    assert_eq!(listed.len(), 2, "one Restore per clone: {listed:?}");
}
