//! The status each store was last given, until the Store watch shows it. A
//! reconcile runs on the Store from the controller's cache, which lags our
//! own status writes: a reconcile woken by a child right after one would
//! start from the status before it, write the same status again, and record
//! the same phase change twice. So a store's status is the one we wrote
//! while the cache has not caught up with it.

use std::collections::HashMap;
use std::sync::Mutex;

use kube::ResourceExt;

use crate::api::{Store, StoreStatus};

#[derive(Default)]
pub struct Statuses {
    /// By store UID: the resource version our write returned, and what we wrote.
    written: Mutex<HashMap<String, (u64, StoreStatus)>>,
}

fn version(store: &Store) -> Option<u64> {
    store.resource_version()?.parse().ok()
}

impl Statuses {
    fn written(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u64, StoreStatus)>> {
        self.written.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The store's status: ours when the cached Store is older than our last
    /// write, else the Store's own (and ours is forgotten).
    pub fn current(&self, store: &Store) -> StoreStatus {
        let uid = store.uid().unwrap_or_default();
        let mut written = self.written();
        if let (Some((ours, status)), Some(cached)) = (written.get(&uid), version(store)) {
            if cached < *ours {
                return status.clone();
            }
            written.remove(&uid);
        }
        store.status.clone().unwrap_or_default()
    }

    /// We wrote `status`; the server returned the Store as `stored`.
    pub fn wrote(&self, store: &Store, stored: &Store, status: &StoreStatus) {
        if let (Some(uid), Some(version)) = (store.uid(), version(stored)) {
            self.written().insert(uid, (version, status.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Phase;

    fn store(version: &str, phase: Phase) -> Store {
        let mut store = crate::validated::testing::store("shop", crate::api::Plan::Small);
        store.metadata.uid = Some("u1".into());
        store.metadata.resource_version = Some(version.into());
        store.status = Some(StoreStatus {
            phase: Some(phase),
            ..StoreStatus::default()
        });
        store
    }

    #[test]
    fn a_cache_behind_our_write_shows_what_we_wrote_until_it_catches_up() {
        let statuses = Statuses::default();
        let stale = store("10", Phase::Provisioning);
        assert_eq!(statuses.current(&stale).phase, Some(Phase::Provisioning));
        let ready = StoreStatus {
            phase: Some(Phase::Ready),
            ..StoreStatus::default()
        };
        statuses.wrote(&stale, &store("12", Phase::Ready), &ready);
        assert_eq!(statuses.current(&stale).phase, Some(Phase::Ready));
        // The watch delivered our write, then somebody else changed the store.
        let caught_up = store("13", Phase::Degraded);
        assert_eq!(statuses.current(&caught_up).phase, Some(Phase::Degraded));
        assert_eq!(statuses.current(&stale).phase, Some(Phase::Provisioning));
    }
}
