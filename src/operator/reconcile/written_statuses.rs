//! The status each store was last given, until the Store watch shows it. A
//! reconcile runs on the Store from the controller's cache, which lags our
//! own status writes: a reconcile woken by a child right after one would
//! start from the status before it, write the same status again, and record
//! the same phase change twice. So a store's status is the one we wrote
//! while the cache has not caught up with it.
//!
//! It also spaces out progress: while a store provisions, its children
//! report one change after another (a claim bound, a replica ready, the
//! setup Job started), each a new status. Such a status is written at most
//! once per `PROGRESS_SPACING`, and less often while many stores provision
//! at once, so that progress costs the API server at most
//! `PROGRESS_WRITES_PER_SECOND` across the fleet (a status write is one of
//! the dearest requests it serves: a server-side apply to a custom
//! resource), but a store's progress is never older than `STALEST_PROGRESS`;
//! a change of phase (Ready, Failed, ...) is written at once. A status held
//! back is the next reconcile's starting point (so what it recorded, such as
//! when a step finished, keeps the time it was first seen), as long as
//! nobody wrote the Store meanwhile; that reconcile computes it again, and
//! it stays held back until its time comes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kube::ResourceExt;

use crate::api::{Phase, Store, StoreStatus};

/// The least time between two status writes of a provisioning store whose
/// phase stays the same.
pub const PROGRESS_SPACING: Duration = Duration::from_secs(5);

/// Progress writes a second across every store that provisions, at most
/// (but for `STALEST_PROGRESS`): 20 stores at once each get their 5 s, 500
/// at once (a fleet's burst) write their progress every two minutes.
const PROGRESS_WRITES_PER_SECOND: f64 = 4.0;

/// The longest a provisioning store's written progress lags behind, however
/// many stores provision.
const STALEST_PROGRESS: Duration = Duration::from_secs(120);

/// The time between two progress writes of one store while `provisioning`
/// stores provision at once.
fn progress_spacing(provisioning: usize) -> Duration {
    let fleet = Duration::from_secs_f64(provisioning as f64 / PROGRESS_WRITES_PER_SECOND);
    fleet.clamp(PROGRESS_SPACING, STALEST_PROGRESS)
}

#[derive(Default)]
pub struct WrittenStatuses {
    /// By store UID: the resource version our write returned, and what we wrote.
    written: Mutex<HashMap<String, (u64, StoreStatus)>>,
    /// By store UID, while it provisions: when its status was last written.
    progress: Mutex<HashMap<String, Instant>>,
    /// By store UID: the status held back, and the Store's resource version
    /// it was computed from.
    held: Mutex<HashMap<String, (Option<u64>, StoreStatus)>>,
}

fn version(store: &Store) -> Option<u64> {
    store.resource_version()?.parse().ok()
}

impl WrittenStatuses {
    fn written(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u64, StoreStatus)>> {
        self.written.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Where a reconcile starts: the status held back, else the stored one.
    pub fn current(&self, store: &Store) -> StoreStatus {
        let uid = store.uid().unwrap_or_default();
        {
            let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
            match held.get(&uid) {
                Some((from, status)) if *from == version(store) => return status.clone(),
                // The Store was written meanwhile: start from it.
                Some(_) => {
                    held.remove(&uid);
                }
                None => {}
            }
        }
        self.stored(store)
    }

    /// The store's status as stored: ours when the cached Store is older
    /// than our last write, else the Store's own (and ours is forgotten).
    /// What a write is compared with: a status held back is not stored yet.
    pub fn stored(&self, store: &Store) -> StoreStatus {
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
        let Some(uid) = store.uid() else {
            return;
        };
        let mut progress = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        if status.phase == Some(Phase::Provisioning) {
            progress.insert(uid.clone(), Instant::now());
        } else {
            progress.remove(&uid);
        }
        drop(progress);
        self.held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&uid);
        if let Some(version) = version(stored) {
            self.written().insert(uid, (version, status.clone()));
        }
    }

    /// The store is gone: nothing of it is kept (nor counted among the
    /// stores that provision, had it gone without a status of another phase).
    pub fn forget(&self, uid: &str) {
        self.written().remove(uid);
        let mut progress = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        progress.remove(uid);
        drop(progress);
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.remove(uid);
    }

    /// How long to hold back `next`, progress of a provisioning store whose
    /// status was written less than `progress_spacing` ago; None: write it.
    /// A status held back is kept as the store's current one.
    pub fn held(&self, store: &Store, next: &StoreStatus) -> Option<Duration> {
        let provisioning = Some(Phase::Provisioning);
        if next.phase != provisioning {
            return None;
        }
        // Compared with what is stored, not with where the reconcile
        // started (the status held back, computed again).
        let stored = self.stored(store);
        if &stored == next || stored.phase != provisioning {
            return None;
        }
        let uid = store.uid()?;
        let progress = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        let since = progress.get(&uid)?.elapsed();
        let spacing = progress_spacing(progress.len());
        drop(progress);
        let left = spacing.checked_sub(since).filter(|left| !left.is_zero())?;
        self.held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(uid, (version(store), next.clone()));
        Some(left)
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
    fn progress_is_spaced_out_but_a_new_phase_is_not() {
        let statuses = WrittenStatuses::default();
        let provisioning = store("10", Phase::Provisioning);
        let previous = provisioning.status.clone().unwrap();
        let mut next = previous.clone();
        next.url = Some("http://shop.example".into());
        assert_eq!(
            statuses.held(&provisioning, &next),
            None,
            "never written yet"
        );
        statuses.wrote(&provisioning, &store("11", Phase::Provisioning), &previous);
        let held = statuses
            .held(&provisioning, &next)
            .expect("written just now");
        assert!(held <= PROGRESS_SPACING);
        assert_eq!(
            statuses.held(&provisioning, &previous),
            None,
            "nothing to write"
        );
        // The next reconcile starts from the status held back and computes
        // it again: still held back, not written.
        let held_back = statuses.current(&provisioning);
        assert_eq!(held_back, next);
        assert!(statuses.held(&provisioning, &next).is_some());
        let ready = StoreStatus {
            phase: Some(Phase::Ready),
            ..next.clone()
        };
        assert_eq!(statuses.held(&provisioning, &ready), None);
        statuses.wrote(&provisioning, &store("12", Phase::Ready), &ready);
        let degraded = StoreStatus {
            phase: Some(Phase::Provisioning),
            ..ready.clone()
        };
        assert_eq!(statuses.held(&provisioning, &degraded), None);
    }

    #[test]
    fn progress_is_spaced_out_further_while_many_stores_provision_but_never_past_the_stalest() {
        assert_eq!(progress_spacing(0), PROGRESS_SPACING);
        assert_eq!(progress_spacing(20), PROGRESS_SPACING);
        assert_eq!(progress_spacing(200), Duration::from_secs(50));
        assert_eq!(progress_spacing(500), STALEST_PROGRESS);

        // 200 stores provisioning, their status written just now: a store's
        // progress waits for the fleet's spacing, not for 5 s.
        let statuses = WrittenStatuses::default();
        let mut stores = Vec::new();
        for i in 0..200 {
            let mut provisioning = store("10", Phase::Provisioning);
            provisioning.metadata.uid = Some(format!("u{i}"));
            let status = provisioning.status.clone().unwrap();
            statuses.wrote(&provisioning, &store("11", Phase::Provisioning), &status);
            stores.push(provisioning);
        }
        let previous = stores[7].status.clone().unwrap();
        let mut next = previous.clone();
        next.url = Some("http://shop.example".into());
        let held = statuses.held(&stores[7], &next).expect("held");
        assert!(held > PROGRESS_SPACING && held <= Duration::from_secs(50));

        // Stores deleted while they provision no longer count.
        for gone in &stores[10..] {
            statuses.forget(&gone.uid().unwrap());
        }
        let held = statuses.held(&stores[7], &next).expect("held");
        assert!(held <= PROGRESS_SPACING);
    }

    #[test]
    fn a_status_held_back_is_where_the_next_reconcile_starts_until_the_store_changes() {
        let statuses = WrittenStatuses::default();
        let provisioning = store("10", Phase::Provisioning);
        let previous = provisioning.status.clone().unwrap();
        statuses.wrote(&provisioning, &store("11", Phase::Provisioning), &previous);
        let cached = store("11", Phase::Provisioning);
        let mut next = previous.clone();
        next.url = Some("http://shop.example".into());
        assert!(statuses.held(&cached, &next).is_some());
        assert_eq!(statuses.current(&cached), next, "the held status");
        assert_eq!(
            statuses.stored(&cached),
            previous,
            "not stored: a write of it is not skipped as already made"
        );
        // Written by somebody else meanwhile (another replica): theirs.
        let changed = store("14", Phase::Degraded);
        assert_eq!(statuses.current(&changed).phase, Some(Phase::Degraded));
        assert_eq!(
            statuses.current(&cached).url,
            None,
            "the held status is gone for good"
        );
    }

    #[test]
    fn a_cache_behind_our_write_shows_what_we_wrote_until_it_catches_up() {
        let statuses = WrittenStatuses::default();
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
