//! A store's last backup, taken as it is deleted and before anything of it
//! goes (when backups are configured). The store's finalizer waits for it:
//! Completed, the deletion goes on; Failed, the store and its data stay,
//! and its status says how to delete it without one. It is skipped when its
//! owner asked (`kubectl nexus store delete --skip-final-backup`, the
//! annotation below, which the webhook's record of the delete carries),
//! when the store never served (nothing to keep), and when it is suspended
//! (its database is stopped; the audit trail says it went without one).

use kube::api::{ObjectMeta, PostParams};
use kube::{Api, ResourceExt};

use crate::api::Store;
use crate::api::backup::{Backup, BackupPhase, BackupReason, BackupSpec};
use crate::api::store::SKIP_FINAL_BACKUP_ANNOTATION;
use crate::operator::error::{Error, Result};

/// Where a deleting store's final backup stands.
#[derive(Debug, PartialEq)]
pub enum Final {
    /// None is taken; why (None: backups are not configured, nothing to say).
    NotTaken(Option<&'static str>),
    /// Stored: the deletion goes on.
    Completed(String),
    /// On its way.
    Waiting(String),
    /// It failed: the deletion waits for the owner.
    Failed(String),
}

/// The name of a store's final Backup: one per store (its UID), so a retried
/// deletion finds the one it asked for.
pub fn backup_name(store: &Store) -> String {
    let uid = store.uid().unwrap_or_default();
    let short: String = uid.chars().filter(|c| *c != '-').take(8).collect();
    format!("{}-final-{short}", store.name_any())
}

/// Why no final backup is needed, if none is.
pub fn not_needed(store: &Store, configured: bool) -> Option<Option<&'static str>> {
    if !configured {
        return Some(None);
    }
    let skip = store
        .annotations()
        .get(SKIP_FINAL_BACKUP_ANNOTATION)
        .is_some_and(|v| v == "true");
    if skip {
        return Some(Some("its owner asked to delete it without one"));
    }
    if store
        .status
        .as_ref()
        .and_then(|s| s.ready_at.as_ref())
        .is_none()
    {
        return Some(Some("it never served, so it holds nothing to keep"));
    }
    if store.spec.suspend {
        return Some(Some(
            "it was suspended (its database stopped); resume a store before deleting it to keep its data",
        ));
    }
    None
}

/// Asks for the store's final backup, or says where it stands.
pub async fn settle(client: &kube::Client, store: &Store, configured: bool) -> Result<Final> {
    if let Some(why) = not_needed(store, configured) {
        return Ok(Final::NotTaken(why));
    }
    let namespace = store.namespace().unwrap_or_default();
    let name = backup_name(store);
    let api: Api<Backup> = Api::namespaced(client.clone(), &namespace);
    let found = api
        .get_opt(&name)
        .await
        .map_err(Error::api(format!("read Backup {namespace}/{name}")))?;
    let Some(found) = found else {
        let backup = Backup {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: Some(namespace.clone()),
                ..ObjectMeta::default()
            },
            spec: BackupSpec {
                store: store.name_any(),
                reason: BackupReason::BeforeDelete,
            },
            status: None,
        };
        match api.create(&PostParams::default(), &backup).await {
            Ok(_) => {}
            // Asked for by an earlier reconcile.
            Err(kube::Error::Api(status)) if status.code == 409 => {}
            Err(e) => return Err(Error::api(format!("create Backup {namespace}/{name}"))(e)),
        }
        return Ok(Final::Waiting(format!(
            "taking the final backup {name} before deleting the store"
        )));
    };
    let status = found.status.unwrap_or_default();
    Ok(match status.phase {
        Some(BackupPhase::Completed) => Final::Completed(name),
        Some(BackupPhase::Failed) => Final::Failed(format!(
            "the final backup {name} failed ({}: {}), so the store and its data are kept; fix the cause and delete it again after removing that Backup (kubectl delete backup {name}), or delete it without one: kubectl nexus store delete {} --skip-final-backup",
            status.reason.unwrap_or_default(),
            status.message.unwrap_or_default(),
            store.name_any()
        )),
        _ => Final::Waiting(format!(
            "taking the final backup {name} before deleting the store ({})",
            status
                .message
                .unwrap_or_else(|| "waiting for the operator".into())
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Plan;
    use crate::validated::testing::store;

    #[test]
    fn a_final_backup_is_taken_of_a_store_that_served_unless_its_owner_says_no() {
        let mut served = store("shop", Plan::Small);
        served.status = Some(crate::api::StoreStatus {
            ready_at: Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                "2026-12-05T09:00:00Z".parse().unwrap(),
            )),
            ..Default::default()
        });
        assert_eq!(not_needed(&served, true), None);
        assert_eq!(not_needed(&served, false), Some(None));
        let never = store("shop", Plan::Small);
        assert!(
            not_needed(&never, true)
                .unwrap()
                .unwrap()
                .contains("never served")
        );
        let mut skipped = served.clone();
        skipped.metadata.annotations =
            Some([(SKIP_FINAL_BACKUP_ANNOTATION.to_string(), "true".to_string())].into());
        assert!(
            not_needed(&skipped, true)
                .unwrap()
                .unwrap()
                .contains("asked")
        );
        assert_eq!(backup_name(&served), "shop-final-0000uid");
    }
}
