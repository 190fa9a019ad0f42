//! The record behind a limit: the stores a user (or a tenant namespace) holds
//! and when the user created them. Admission reads it, decides, appends and
//! writes it back with optimistic concurrency, so limits hold exactly however
//! many creates race, on however many webhook replicas. Entries of stores
//! that do not exist are dropped after a grace (a create refused after
//! admission, a store deleted); creations leave the window as it slides.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How long an entry of a store that does not exist (yet) is kept: a create
/// admitted a moment ago is not in the watch cache at once.
pub const GRACE_SECONDS: i64 = 60;

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    #[serde(default)]
    pub stores: Vec<Entry>,
    /// When each creation in the window happened (unix seconds).
    #[serde(default)]
    pub creations: Vec<i64>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub namespace: String,
    pub name: String,
    /// When it was admitted (unix seconds).
    pub at: i64,
}

/// What a caller holds after an admitted create, for the warning that tells them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    pub stores: usize,
    pub creations: usize,
}

impl Ledger {
    /// Drops stores that no longer exist (past the grace) and creations
    /// older than `window`.
    pub fn prune(&mut self, exists: impl Fn(&str, &str) -> bool, now: i64, window: Duration) {
        self.stores
            .retain(|e| exists(&e.namespace, &e.name) || now - e.at < GRACE_SECONDS);
        let since = now - window.as_secs() as i64;
        self.creations.retain(|at| *at > since);
    }

    /// Gives back the place of a store whose create was refused after this
    /// ledger admitted it.
    pub fn release(&mut self, namespace: &str, name: &str) -> Usage {
        self.stores
            .retain(|e| !(e.namespace == namespace && e.name == name));
        Usage {
            stores: self.stores.len(),
            creations: self.creations.len(),
        }
    }

    /// Admits one more store for `who` if the limits allow; records it.
    /// The refusal names the limit, the usage and when the next one is allowed.
    pub fn admit(
        &mut self,
        who: &str,
        namespace: &str,
        name: &str,
        now: i64,
        max_stores: Option<u32>,
        rate: Option<(u32, Duration)>,
    ) -> Result<Usage, String> {
        let held = self
            .stores
            .iter()
            .any(|e| e.namespace == namespace && e.name == name);
        if let Some(max) = max_stores
            && !held
            && self.stores.len() >= max as usize
        {
            return Err(format!(
                "{who} holds {} of {max} stores allowed (StorePolicy); delete one first, or ask the platform team for more",
                self.stores.len()
            ));
        }
        if let Some((max, window)) = rate
            && self.creations.len() >= max as usize
        {
            let oldest = self.creations.iter().min().copied().unwrap_or(now);
            let wait = (oldest + window.as_secs() as i64 - now).max(1);
            return Err(format!(
                "{who} created {} stores in the last {} ({max} allowed, StorePolicy); the next one is allowed in {}",
                self.creations.len(),
                crate::duration::human(window),
                crate::duration::human(Duration::from_secs(wait as u64))
            ));
        }
        if !held {
            self.stores.push(Entry {
                namespace: namespace.into(),
                name: name.into(),
                at: now,
            });
        }
        if rate.is_some() {
            self.creations.push(now);
        }
        Ok(Usage {
            stores: self.stores.len(),
            creations: self.creations.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_are_counted_up_to_the_limit() {
        let mut ledger = Ledger::default();
        for i in 0..3 {
            let usage = ledger
                .admit("alice", "team-a", &format!("s{i}"), 100, Some(3), None)
                .unwrap();
            assert_eq!(usage.stores, i + 1);
        }
        let refused = ledger
            .admit("alice", "team-a", "s3", 100, Some(3), None)
            .unwrap_err();
        assert_eq!(
            refused,
            "alice holds 3 of 3 stores allowed (StorePolicy); delete one first, or ask the platform team for more"
        );
        // The same store again (a retried request) is not counted twice.
        assert!(
            ledger
                .admit("alice", "team-a", "s1", 100, Some(3), None)
                .is_ok()
        );
    }

    #[test]
    fn the_window_slides_and_says_when_the_next_creation_is_allowed() {
        let hour = Duration::from_secs(3600);
        let mut ledger = Ledger::default();
        ledger
            .admit("alice", "t", "a", 1000, None, Some((2, hour)))
            .unwrap();
        ledger
            .admit("alice", "t", "b", 1600, None, Some((2, hour)))
            .unwrap();
        let refused = ledger
            .admit("alice", "t", "c", 2000, None, Some((2, hour)))
            .unwrap_err();
        assert!(
            refused.contains("created 2 stores in the last 1h (2 allowed"),
            "{refused}"
        );
        assert!(
            refused.ends_with("the next one is allowed in 43m20s"),
            "{refused}"
        );
        ledger.prune(|_, _| true, 1000 + 3601, hour);
        assert_eq!(ledger.creations, [1600]);
        assert!(
            ledger
                .admit("alice", "t", "c", 4601, None, Some((2, hour)))
                .is_ok()
        );
    }

    #[test]
    fn a_released_place_is_free_again() {
        let mut ledger = Ledger::default();
        ledger
            .admit("namespace t", "t", "a", 100, Some(1), None)
            .unwrap();
        assert!(
            ledger
                .admit("namespace t", "t", "b", 100, Some(1), None)
                .is_err()
        );
        assert_eq!(ledger.release("t", "a").stores, 0);
        assert!(
            ledger
                .admit("namespace t", "t", "b", 100, Some(1), None)
                .is_ok()
        );
    }

    #[test]
    fn stores_that_are_gone_leave_after_the_grace() {
        let mut ledger = Ledger::default();
        ledger
            .admit("alice", "t", "kept", 100, Some(5), None)
            .unwrap();
        ledger
            .admit("alice", "t", "refused-later", 100, Some(5), None)
            .unwrap();
        ledger
            .admit("alice", "t", "in-flight", 150, Some(5), None)
            .unwrap();
        ledger.prune(|_, name| name == "kept", 165, Duration::from_secs(3600));
        let names: Vec<_> = ledger.stores.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["kept", "in-flight"]);
    }
}
