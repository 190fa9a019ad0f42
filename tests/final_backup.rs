//! A store's final backup, on kwok: deleting a store that served takes a
//! last backup first when backups are configured; the deletion waits for
//! it, and goes on only once it is stored. When it fails, the store and its
//! data stay, saying how to delete it without one; `--skip-final-backup`
//! does, and the audit trail says so.

mod common;

use common::Finished;
use common::backups::{BackupSetup, audit_records, store_backup_objects, wait_backup};
use common::stores::{create_store, nexus_as, store_name, tenant, wait_phase, woocommerce};
use k8s_openapi::api::core::v1::Event;
use kube::Api;
use kube::api::ListParams;
use nexus::api::backup::{Backup, BackupPhase, BackupReason};
use nexus::api::{Phase, Store};

#[tokio::test]
async fn deleting_a_store_keeps_a_final_backup_first_or_waits_for_its_owner() {
    let (admin, ns, scope) = tenant("bk-final").await;
    let setup = BackupSetup::start(&admin, &scope, "final").await;
    let master = setup.master(&admin).await;
    let stores = Api::<Store>::namespaced(admin.clone(), &ns.name);
    let backups = Api::<Backup>::namespaced(admin.clone(), &ns.name);

    // A store that served: its final backup (stored here as the agent would)
    // completes, then the store goes; the backup stays, listed.
    let kept = store_name("final");
    create_store(&admin, &ns.name, &scope, &kept, woocommerce()).await;
    let store = wait_phase(&admin, &ns.name, &kept, Phase::Ready, 120).await;
    let uid = store.metadata.uid.clone().unwrap();
    let short: String = uid.chars().filter(|c| *c != '-').take(8).collect();
    let final_name = format!("{kept}-final-{short}");
    store_backup_objects(
        &setup.s3,
        &setup.bucket,
        &master,
        &ns.name,
        &kept,
        &uid,
        &final_name,
    );
    nexus_as("alice", &ns.name)
        .args([
            "store",
            "delete",
            &kept,
            "--yes",
            "--wait",
            "--timeout",
            "2m",
        ])
        .output()
        .unwrap()
        .succeeded("store delete --wait");
    assert!(stores.get_opt(&kept).await.unwrap().is_none());
    let last = wait_backup(&admin, &ns.name, &final_name, BackupPhase::Completed, 10).await;
    assert_eq!(last.spec.reason, BackupReason::BeforeDelete);
    let listed = nexus_as("alice", &ns.name)
        .args(["store", "backups", &kept])
        .output()
        .unwrap()
        .succeeded("store backups of a deleted store");
    assert!(
        listed.contains(&final_name) && listed.contains("Completed"),
        "{listed}"
    );

    // A final backup that fails: the store stays (Deleting, saying how to
    // go on), with a Warning; --skip-final-backup deletes it, recorded.
    let failing = store_name("final");
    create_store(&admin, &ns.name, &scope, &failing, woocommerce()).await;
    let store = wait_phase(&admin, &ns.name, &failing, Phase::Ready, 120).await;
    let uid = store.metadata.uid.clone().unwrap();
    let short: String = uid.chars().filter(|c| *c != '-').take(8).collect();
    let final_name = format!("{failing}-final-{short}");
    nexus_as("alice", &ns.name)
        .args(["store", "delete", &failing, "--yes"])
        .output()
        .unwrap()
        .succeeded("store delete");
    wait_backup(&admin, &ns.name, &final_name, BackupPhase::Failed, 90).await;
    let waiting = common::wait_for(
        &stores,
        &failing,
        60,
        "a deletion waiting on its owner",
        |s: Option<&Store>| {
            s.and_then(|s| s.status.as_ref())
                .and_then(|s| nexus::api::conditions::find(&s.conditions, "Ready"))
                .is_some_and(|c| c.message.contains("--skip-final-backup"))
        },
    )
    .await;
    assert_eq!(waiting.phase(), Phase::Deleting);
    let events = Api::<Event>::namespaced(admin.clone(), &ns.name)
        .list(&ListParams::default().fields(&format!("involvedObject.name={failing}")))
        .await
        .unwrap()
        .items;
    assert!(
        events
            .iter()
            .any(|e| e.reason.as_deref() == Some("FinalBackupFailed")),
        "{events:?}"
    );
    // Still there, data and all, a while later.
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    assert!(stores.get_opt(&failing).await.unwrap().is_some());
    assert!(
        Api::<k8s_openapi::api::core::v1::Namespace>::all(admin.clone())
            .get_opt(&nexus::api::store_namespace(&failing))
            .await
            .unwrap()
            .is_some_and(|n| n.metadata.deletion_timestamp.is_none())
    );
    nexus_as("alice", &ns.name)
        .args([
            "store",
            "delete",
            &failing,
            "--skip-final-backup",
            "--yes",
            "--wait",
            "--timeout",
            "2m",
        ])
        .output()
        .unwrap()
        .succeeded("store delete --skip-final-backup");
    assert!(stores.get_opt(&failing).await.unwrap().is_none());
    let records = audit_records("alice", &ns.name, &failing, "backup");
    assert!(
        records.iter().any(|r| r["details"]
            == "deleted without a final backup: its owner asked to delete it without one"),
        "{records:?}"
    );
    assert!(backups.get_opt(&final_name).await.unwrap().is_some());
}
