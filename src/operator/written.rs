//! What the operator last wrote to each child object, and the version the
//! server gave it. A reconcile that would apply the same object again while
//! nobody else changed it sends nothing: a store at rest costs no writes.
//! The child watches report every change (`observed`), so an object someone
//! else touched, or deleted, is applied again on the next reconcile: drift
//! is still corrected. Resource versions are compared as numbers (etcd's);
//! one that is not a number just makes the next reconcile write again.

use std::collections::HashMap;
use std::sync::Mutex;

/// One child: kind, namespace ("" when cluster-scoped), name.
#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub struct Key {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

#[derive(Debug)]
struct Entry {
    /// Fingerprint of what we last wrote, while that write is the newest.
    written: Option<u64>,
    /// The newest version known, from our write or the watch.
    version: String,
}

#[derive(Default)]
pub struct Written {
    entries: Mutex<HashMap<Key, Entry>>,
}

/// Whether version `a` is older than `b`; None when either is not a number.
fn older(a: &str, b: &str) -> Option<bool> {
    Some(a.parse::<u64>().ok()? < b.parse::<u64>().ok()?)
}

impl Written {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `fingerprint` is what we wrote and nobody wrote since.
    pub fn unchanged(&self, key: &Key, fingerprint: u64) -> bool {
        self.entries()
            .get(key)
            .is_some_and(|e| e.written == Some(fingerprint))
    }

    /// Our write of `fingerprint` came back as `version`.
    pub fn record(&self, key: Key, fingerprint: u64, version: &str) {
        let mut entries = self.entries();
        if let Some(entry) = entries.get_mut(&key)
            && older(version, &entry.version) == Some(true)
        {
            // The watch already saw a newer change than our write.
            entry.written = None;
            return;
        }
        entries.insert(
            key,
            Entry {
                written: Some(fingerprint),
                version: version.to_string(),
            },
        );
    }

    /// The watch saw the child at `version` (a change, or its deletion).
    pub fn observed(&self, key: Key, version: &str) {
        let mut entries = self.entries();
        let entry = entries.entry(key).or_insert_with(|| Entry {
            written: None,
            version: version.to_string(),
        });
        if entry.version == version || older(version, &entry.version) == Some(true) {
            return;
        }
        entry.version = version.to_string();
        entry.written = None;
    }

    /// Forgets one child (it is gone).
    pub fn forget(&self, key: &Key) {
        self.entries().remove(key);
    }

    /// Forgets a store's namespace once it is gone.
    pub fn forget_namespace(&self, namespace: &str) {
        self.entries().retain(|k, _| {
            k.namespace != namespace && !(k.kind == "Namespace" && k.name == namespace)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        Key {
            kind: "Service".into(),
            namespace: "store-a".into(),
            name: "wordpress".into(),
        }
    }

    #[test]
    fn the_same_write_is_skipped_until_someone_else_writes() {
        let written = Written::default();
        assert!(!written.unchanged(&key(), 7), "never written");
        written.record(key(), 7, "100");
        written.observed(key(), "100"); // our own write's event
        assert!(written.unchanged(&key(), 7));
        assert!(!written.unchanged(&key(), 8), "a changed desire is written");
        written.observed(key(), "99"); // an older event arriving late
        assert!(written.unchanged(&key(), 7));
        written.observed(key(), "101"); // somebody else's change
        assert!(!written.unchanged(&key(), 7));
    }

    #[test]
    fn a_newer_change_seen_before_our_write_returns_is_not_forgotten() {
        let written = Written::default();
        written.observed(key(), "105");
        written.record(key(), 7, "104");
        assert!(!written.unchanged(&key(), 7));
    }

    #[test]
    fn versions_that_are_not_numbers_never_hide_a_change() {
        let written = Written::default();
        written.record(key(), 7, "abc");
        written.observed(key(), "abd");
        assert!(!written.unchanged(&key(), 7));
    }

    #[test]
    fn a_forgotten_namespace_is_written_again() {
        let written = Written::default();
        written.record(key(), 7, "100");
        written.forget_namespace("store-a");
        assert!(!written.unchanged(&key(), 7));
    }
}
