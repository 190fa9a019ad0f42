//! A store's children (everything the operator makes in its namespace): how
//! they are written (`write`, each write proven to stay in the store's own
//! namespace), what was last written to each (`write_record`), the watch caches
//! read instead of the API server (`caches`, fed by `watches`), and what a
//! pod's status says (`pods`). Nothing here knows the steps or the status.

pub mod caches;
pub mod pods;
pub mod watches;
pub mod write;
pub mod write_record;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use kube::Client;

use crate::operator::metrics::Metrics;

/// What reading and writing a store's children needs, and all a step may
/// touch of the operator's state: the client, the record of what was
/// written, the watch caches and the write counters.
pub struct Children {
    pub client: Client,
    pub writes: Arc<write_record::WriteRecord>,
    pub caches: caches::Caches,
    pub metrics: Arc<Metrics>,
    /// Stores whose Secrets this process has seen in place.
    pub secrets_checked: SecretsChecked,
    /// Children this process deleted, until a read shows them gone.
    pub deleted: Deleted,
}

/// Children the operator deleted, with the UID each had. The watch caches
/// report a deletion some time after it happened: a reconcile woken
/// meanwhile (by our own status write, say) would find the deleted object
/// still cached and act on it, e.g. report a store Failed again from the
/// very Job its retry just removed. While the cache still holds the object
/// we deleted, it is read from the API server instead.
#[derive(Default)]
pub struct Deleted(Mutex<HashMap<write_record::Key, String>>);

impl Deleted {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<write_record::Key, String>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn remember(&self, child: write_record::Key, uid: String) {
        self.entries().insert(child, uid);
    }

    /// Whether the cache's copy of `child` (its UID, None: not cached) is
    /// the object we deleted. Once the cache shows anything else it has
    /// caught up, and the deletion is forgotten.
    pub fn still_cached(&self, child: &write_record::Key, cached_uid: Option<&str>) -> bool {
        let mut entries = self.entries();
        match entries.get(child) {
            None => false,
            Some(uid) if Some(uid.as_str()) == cached_uid => true,
            Some(_) => {
                entries.remove(child);
                false
            }
        }
    }

    /// Forgets a store's namespace once it is gone.
    pub fn forget_namespace(&self, namespace: &str) {
        self.entries()
            .retain(|child, _| child.namespace != namespace);
    }
}

/// Stores (by UID) whose Secrets this process has seen in place: their step
/// is trusted from then on, as no watch reports Secrets.
#[derive(Default)]
pub struct SecretsChecked(Mutex<HashSet<String>>);

impl SecretsChecked {
    pub fn contains(&self, store_uid: &str) -> bool {
        self.0.lock().is_ok_and(|c| c.contains(store_uid))
    }

    pub fn remember(&self, store_uid: &str) {
        let mut checked = self.0.lock().unwrap_or_else(|e| e.into_inner());
        checked.insert(store_uid.to_string());
    }

    /// Forgets a store that is gone.
    pub fn forget(&self, store_uid: &str) {
        let mut checked = self.0.lock().unwrap_or_else(|e| e.into_inner());
        checked.remove(store_uid);
    }
}

/// The name every write of the operator carries (server-side apply's field
/// manager): the operator owns exactly the fields it writes under it.
pub const FIELD_MANAGER: &str = "nexus-operator";

#[cfg(test)]
mod tests {
    use super::*;

    fn setup_job(namespace: &str) -> write_record::Key {
        write_record::Key {
            kind: "Job".into(),
            namespace: namespace.into(),
            name: "setup".into(),
        }
    }

    #[test]
    fn a_deleted_child_is_stale_in_the_cache_until_the_cache_shows_it_gone() {
        let deleted = Deleted::default();
        let job = setup_job("store-a");
        assert!(
            !deleted.still_cached(&job, Some("uid-1")),
            "nothing deleted yet"
        );
        deleted.remember(job.clone(), "uid-1".into());
        assert!(deleted.still_cached(&job, Some("uid-1")));
        assert!(
            deleted.still_cached(&job, Some("uid-1")),
            "asked twice, still stale"
        );
        assert!(!deleted.still_cached(&setup_job("store-b"), Some("uid-1")));
        // The cache caught up: the object is gone, or a new one took its name.
        assert!(!deleted.still_cached(&job, None));
        assert!(
            !deleted.still_cached(&job, Some("uid-1")),
            "forgotten once caught up"
        );
        deleted.remember(job.clone(), "uid-2".into());
        assert!(!deleted.still_cached(&job, Some("uid-3")));
        assert!(!deleted.still_cached(&job, Some("uid-2")));
    }

    #[test]
    fn a_gone_store_namespace_forgets_its_deletions() {
        let deleted = Deleted::default();
        deleted.remember(setup_job("store-a"), "uid-a".into());
        deleted.remember(setup_job("store-b"), "uid-b".into());
        deleted.forget_namespace("store-a");
        assert!(!deleted.still_cached(&setup_job("store-a"), Some("uid-a")));
        assert!(deleted.still_cached(&setup_job("store-b"), Some("uid-b")));
    }
}
