//! What the operator last wrote to each child object, and the version the
//! server gave it. A reconcile that would apply the same object again while
//! nobody else changed it sends nothing: a store at rest costs no writes.
//! The child watches report every change (`observed`), so an object someone
//! else touched, or deleted, is applied again on the next reconcile: drift
//! is still corrected. A change that left our fields alone (a controller
//! reporting status, binding a claim, annotating a revision) is not a write
//! against ours: the object's shape, the fields we own, stays the same.
//! Whoever changes or removes one of our fields takes it from us, which
//! changes the shape. Resource
//! versions are compared as numbers (etcd's); one that is not a number just
//! makes the next reconcile write again.

use std::collections::HashMap;
use std::sync::Mutex;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::FIELD_MANAGER;
use crate::fingerprint::fnv1a;

/// One child: kind, namespace ("" when cluster-scoped), name.
#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub struct Key {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    /// Fingerprint of what we last wrote, while that write is the newest.
    written: Option<u64>,
    /// The newest version known, from our write or the watch (None: not a
    /// number, so not comparable).
    version: Option<u64>,
    /// The shape at that version (see `shape`).
    shape: Option<u64>,
}

/// The fields the operator owns in an object (its status aside): they
/// change when we write, or when somebody changes or removes one of them,
/// not when others write fields of their own. None when the server kept no
/// field owners.
pub fn shape(meta: &ObjectMeta) -> Option<u64> {
    let fields = meta.managed_fields.as_ref()?;
    let ours: Vec<_> = fields
        .iter()
        .filter(|f| f.manager.as_deref() == Some(FIELD_MANAGER))
        .filter(|f| f.subresource.as_deref() != Some("status"))
        .map(|f| (&f.operation, &f.api_version, &f.fields_v1))
        .collect();
    Some(fnv1a(&serde_json::to_vec(&ours).ok()?))
}

/// A store's children, found by "kind/name": some twenty per store, so a
/// short list is smaller than a map and as fast.
type OfOneStore = Vec<(Box<str>, Entry)>;

/// By the store namespace a child belongs to (a Namespace: its own name).
#[derive(Default)]
pub struct WriteRecord {
    entries: Mutex<HashMap<String, OfOneStore>>,
}

impl Key {
    fn bucket(&self) -> &str {
        if self.namespace.is_empty() {
            &self.name
        } else {
            &self.namespace
        }
    }

    fn child(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }

    /// Whether a stored "kind/name" is this child (no allocation: every
    /// apply asks).
    fn is(&self, child: &str) -> bool {
        child
            .strip_prefix(self.kind.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
            == Some(self.name.as_str())
    }
}

fn version_number(version: &str) -> Option<u64> {
    version.parse().ok()
}

/// Whether version `a` is older than `b`; false when either is unknown.
fn older(a: Option<u64>, b: Option<u64>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a < b)
}

impl WriteRecord {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, OfOneStore>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, key: &Key) -> Option<Entry> {
        let entries = self.entries();
        let children = entries.get(key.bucket())?;
        children
            .iter()
            .find(|(child, _)| key.is(child))
            .map(|(_, entry)| *entry)
    }

    /// Runs `change` on the child's entry (None: not known yet) and keeps
    /// what it returns.
    fn update(&self, key: &Key, change: impl FnOnce(Option<Entry>) -> Option<Entry>) {
        let mut entries = self.entries();
        let children = entries.entry(key.bucket().to_string()).or_default();
        let found = children.iter().position(|(child, _)| key.is(child));
        match (found, change(found.map(|i| children[i].1))) {
            (Some(i), Some(entry)) => children[i].1 = entry,
            (Some(i), None) => {
                children.swap_remove(i);
            }
            (None, Some(entry)) => children.push((key.child().into_boxed_str(), entry)),
            (None, None) => {}
        }
        if children.is_empty() {
            entries.remove(key.bucket());
        }
    }

    /// Whether `fingerprint` is what we wrote and nobody wrote since.
    pub fn unchanged(&self, key: &Key, fingerprint: u64) -> bool {
        self.get(key)
            .is_some_and(|e| e.written == Some(fingerprint))
    }

    /// Our write of `fingerprint` came back as `version` with `shape`.
    pub fn record(&self, key: Key, fingerprint: u64, version: &str, shape: Option<u64>) {
        let version = version_number(version);
        self.update(&key, |entry| match entry {
            // The watch already saw a newer change than our write.
            Some(entry) if older(version, entry.version) => Some(Entry {
                written: None,
                ..entry
            }),
            _ => Some(Entry {
                written: Some(fingerprint),
                version,
                shape,
            }),
        });
    }

    /// The watch saw the child at `version` with `shape` (a change, or its
    /// deletion: `shape` None).
    pub fn observed(&self, key: Key, version: &str, shape: Option<u64>) {
        let version = version_number(version);
        self.update(&key, |entry| {
            // Gone (or kept without field owners): nothing of ours to keep.
            shape?;
            let Some(mut entry) = entry else {
                return Some(Entry {
                    written: None,
                    version,
                    shape,
                });
            };
            let known = version.is_some() && version == entry.version;
            if known || older(version, entry.version) {
                return Some(entry);
            }
            entry.version = version;
            if shape != entry.shape || version.is_none() {
                entry.written = None;
                entry.shape = shape;
            }
            Some(entry)
        });
    }

    /// Forgets one child (it is gone).
    pub fn forget(&self, key: &Key) {
        self.update(key, |_| None);
    }

    /// Forgets a store's namespace and everything in it once it is gone.
    pub fn forget_namespace(&self, namespace: &str) {
        self.entries().remove(namespace);
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
        let written = WriteRecord::default();
        assert!(!written.unchanged(&key(), 7), "never written");
        written.record(key(), 7, "100", Some(1));
        written.observed(key(), "100", Some(1)); // our own write's event
        assert!(written.unchanged(&key(), 7));
        assert!(!written.unchanged(&key(), 8), "a changed desire is written");
        written.observed(key(), "99", Some(2)); // an older event arriving late
        assert!(written.unchanged(&key(), 7));
        written.observed(key(), "101", Some(2)); // somebody else's change
        assert!(!written.unchanged(&key(), 7));
    }

    #[test]
    fn a_newer_change_seen_before_our_write_returns_is_not_forgotten() {
        let written = WriteRecord::default();
        written.observed(key(), "105", Some(2));
        written.record(key(), 7, "104", Some(1));
        assert!(!written.unchanged(&key(), 7));
    }

    #[test]
    fn a_status_change_is_not_a_write_but_a_deletion_is() {
        let written = WriteRecord::default();
        written.record(key(), 7, "100", Some(1));
        written.observed(key(), "102", Some(1)); // a controller wrote the status
        assert!(written.unchanged(&key(), 7));
        written.observed(key(), "103", None); // deleted
        assert!(!written.unchanged(&key(), 7));
    }

    #[test]
    fn the_shape_is_our_fields_only() {
        use k8s_openapi::apimachinery::pkg::apis::meta::v1::{FieldsV1, ManagedFieldsEntry};
        let entry = |manager: &str, subresource: Option<&str>, fields: &str| ManagedFieldsEntry {
            manager: Some(manager.into()),
            operation: Some("Update".into()),
            subresource: subresource.map(Into::into),
            fields_v1: Some(FieldsV1(serde_json::json!({ fields: {} }))),
            ..ManagedFieldsEntry::default()
        };
        let meta = |entries: Vec<ManagedFieldsEntry>| ObjectMeta {
            managed_fields: Some(entries),
            ..ObjectMeta::default()
        };
        let ours = entry("nexus-operator", None, "f:spec");
        let base = shape(&meta(vec![ours.clone()]));
        let others_wrote = shape(&meta(vec![
            ours.clone(),
            entry("kube-controller-manager", Some("status"), "f:status"),
            entry("kube-controller-manager", None, "f:metadata"),
        ]));
        assert_eq!(base, others_wrote);
        // kubectl edit took one of our fields: what is left to us changed.
        let taken = shape(&meta(vec![
            entry("nexus-operator", None, "f:metadata"),
            entry("kubectl-edit", None, "f:spec"),
        ]));
        assert_ne!(base, taken);
        assert_eq!(shape(&ObjectMeta::default()), None);
    }

    #[test]
    fn versions_that_are_not_numbers_never_hide_a_change() {
        let written = WriteRecord::default();
        written.record(key(), 7, "abc", Some(1));
        written.observed(key(), "abd", Some(2));
        assert!(!written.unchanged(&key(), 7));
    }

    #[test]
    fn children_whose_kinds_or_names_share_a_prefix_are_kept_apart() {
        let written = WriteRecord::default();
        let child = |kind: &str, name: &str| Key {
            kind: kind.into(),
            namespace: "store-a".into(),
            name: name.into(),
        };
        written.record(child("Role", "tenant"), 1, "100", Some(1));
        written.record(child("RoleBinding", "tenant"), 2, "101", Some(1));
        written.record(child("Service", "wordpress-x"), 3, "102", Some(1));
        assert!(written.unchanged(&child("Role", "tenant"), 1));
        assert!(written.unchanged(&child("RoleBinding", "tenant"), 2));
        assert!(!written.unchanged(&child("Service", "wordpress"), 3));
        written.forget(&child("Role", "tenant"));
        assert!(written.unchanged(&child("RoleBinding", "tenant"), 2));
    }

    #[test]
    fn a_forgotten_namespace_is_written_again() {
        let written = WriteRecord::default();
        written.record(key(), 7, "100", Some(1));
        written.forget_namespace("store-a");
        assert!(!written.unchanged(&key(), 7));
    }
}
