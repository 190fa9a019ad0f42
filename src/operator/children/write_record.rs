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
//!
//! A new leader starts with an empty record, yet its predecessor's writes
//! are still right. Every applied child carries the fingerprint of what was
//! applied (`APPLIED_ANNOTATION`); a child seen for the first time whose
//! field owners say nobody but the cluster's own controllers wrote it after
//! our last apply (`applied`) enters the record as written with that
//! fingerprint, so the same desire is not sent again. A child a person or
//! tool changed since is written once more, as is one whose owners the
//! server did not keep. Until a kind's watch has listed, an apply of a
//! child it has not seen waits for it (`seeded`), at most `SEED_WAIT`.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroU64;
use std::sync::Mutex;
use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ManagedFieldsEntry, ObjectMeta};
use tokio::sync::Notify;

use super::FIELD_MANAGER;
use crate::fingerprint::fnv1a;

/// One child: kind, namespace ("" when cluster-scoped), name.
#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub struct Key {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

/// A fingerprint, a shape or a version as the record keeps it: a value that
/// is never 0, so that "none" takes no room of its own (24 bytes a child
/// instead of 48). A fingerprint or shape of 0 is kept as 1: the same as
/// two fingerprints that happen to match, which the record relies on not
/// happening already.
type Kept = Option<NonZeroU64>;

fn kept(hash: u64) -> NonZeroU64 {
    NonZeroU64::new(hash).unwrap_or(NonZeroU64::MIN)
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    /// Fingerprint of what we last wrote, while that write is the newest.
    written: Kept,
    /// The newest version known, from our write or the watch (None: not a
    /// positive number, so not comparable).
    version: Kept,
    /// The shape at that version (see `shape`).
    shape: Kept,
}

/// The annotation on every applied child: the fingerprint (hex) of the
/// object as the operator rendered it, before this annotation was added.
pub const APPLIED_ANNOTATION: &str = "nexus.dev/applied";

/// The cluster's own controllers: they write fields of their own on our
/// children (a claim's binding, a Deployment's revision), not ours. Any
/// other writer (kubectl, a person, another tool) may have changed ours.
const PLATFORM_MANAGERS: [&str; 4] = [
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kube-apiserver",
];

/// How long an apply waits for its kind's watch to list before it writes
/// without knowing what the object holds (a watch that cannot list, say).
pub const SEED_WAIT: Duration = Duration::from_secs(60);

fn manager<'a>(entry: &&'a ManagedFieldsEntry) -> &'a str {
    entry.manager.as_deref().unwrap_or_default()
}

/// The fingerprint the operator last applied to this object, when nobody but
/// the cluster's controllers wrote it since (status aside): then the
/// object still holds what that apply sent. Field owners' times are whole
/// seconds, so a write in the same second as ours counts as after it.
pub fn applied(meta: &ObjectMeta) -> Option<u64> {
    let annotation = meta.annotations.as_ref()?.get(APPLIED_ANNOTATION)?;
    let fingerprint = u64::from_str_radix(annotation, 16).ok()?;
    let fields = meta.managed_fields.as_ref()?;
    let ours = |operation: &str| {
        fields.iter().find(|f| {
            manager(f) == FIELD_MANAGER
                && f.operation.as_deref() == Some(operation)
                && f.subresource.is_none()
        })
    };
    // Our last apply; for a child we made and never applied since (a
    // Namespace is created), its creation.
    let ours = ours("Apply").or_else(|| ours("Update"))?;
    let applied_at = ours.time.as_ref()?;
    let untouched = fields
        .iter()
        .filter(|f| manager(f) != FIELD_MANAGER)
        .filter(|f| f.subresource.as_deref() != Some("status"))
        .filter(|f| !PLATFORM_MANAGERS.contains(&manager(f)))
        .all(|f| f.time.as_ref().is_some_and(|t| t < applied_at));
    untouched.then_some(fingerprint)
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

/// A store's children, found by the fingerprint of "kind/name" (`Key::id`):
/// some twenty per store, so a short list is smaller than a map and as fast.
type OfOneStore = Vec<(u64, Entry)>;

/// By the store namespace a child belongs to (a Namespace: its own name).
#[derive(Default)]
pub struct WriteRecord {
    entries: Mutex<HashMap<Box<str>, OfOneStore>>,
    /// Kinds whose watch has not finished its first list.
    unlisted: Mutex<HashSet<String>>,
    listed: Notify,
}

impl Key {
    fn bucket(&self) -> &str {
        if self.namespace.is_empty() {
            &self.name
        } else {
            &self.namespace
        }
    }

    /// The child within its store: 8 bytes instead of its name (two
    /// children of one namespace with the same 64-bit fingerprint are as
    /// likely as two objects with the same one, which the record relies on
    /// already).
    fn id(&self) -> u64 {
        let mut named = Vec::with_capacity(self.kind.len() + self.name.len() + 1);
        named.extend_from_slice(self.kind.as_bytes());
        named.push(b'/');
        named.extend_from_slice(self.name.as_bytes());
        fnv1a(&named)
    }
}

fn version_number(version: &str) -> Kept {
    version.parse().ok().and_then(NonZeroU64::new)
}

/// Whether version `a` is older than `b`; false when either is unknown.
fn older(a: Kept, b: Kept) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a < b)
}

impl WriteRecord {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, OfOneStore>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, key: &Key) -> Option<Entry> {
        let entries = self.entries();
        let children = entries.get(key.bucket())?;
        let id = key.id();
        children
            .iter()
            .find(|(child, _)| *child == id)
            .map(|(_, entry)| *entry)
    }

    /// Runs `change` on the child's entry (None: not known yet) and keeps
    /// what it returns.
    fn update(&self, key: &Key, change: impl FnOnce(Option<Entry>) -> Option<Entry>) {
        let mut entries = self.entries();
        let children = entries.entry(key.bucket().into()).or_default();
        let id = key.id();
        let found = children.iter().position(|(child, _)| *child == id);
        match (found, change(found.map(|i| children[i].1))) {
            (Some(i), Some(entry)) => children[i].1 = entry,
            (Some(i), None) => {
                children.swap_remove(i);
            }
            (None, Some(entry)) => {
                // Made once a store, kept as long as it lives: no room to spare.
                children.push((id, entry));
                children.shrink_to_fit();
            }
            (None, None) => {}
        }
        if children.is_empty() {
            entries.remove(key.bucket());
        }
    }

    fn unlisted(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.unlisted.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A watch of `kind` starts: until it has listed, the record does not
    /// know every child of that kind.
    pub fn expect(&self, kind: &str) {
        self.unlisted().insert(kind.to_string());
    }

    /// The watch of `kind` finished its first list.
    pub fn listed(&self, kind: &str) {
        if self.unlisted().remove(kind) {
            self.listed.notify_waiters();
        }
    }

    /// Returns once the record knows what the watches saw of `key` (its
    /// kind has listed, or it was seen already), or after `wait`.
    pub async fn seeded(&self, key: &Key, wait: Duration) {
        let known = || self.get(key).is_some() || !self.unlisted().contains(&key.kind);
        let _ = tokio::time::timeout(wait, async {
            loop {
                let listed = self.listed.notified();
                tokio::pin!(listed);
                listed.as_mut().enable();
                if known() {
                    return;
                }
                listed.await;
            }
        })
        .await;
    }

    /// Whether `fingerprint` is what we wrote and nobody wrote since.
    pub fn unchanged(&self, key: &Key, fingerprint: u64) -> bool {
        self.get(key)
            .is_some_and(|e| e.written == Some(kept(fingerprint)))
    }

    /// Our write of `fingerprint` came back as `version` with `shape`.
    pub fn record(&self, key: Key, fingerprint: u64, version: &str, shape: Option<u64>) {
        let version = version_number(version);
        let shape = shape.map(kept);
        self.update(&key, |entry| match entry {
            // The watch already saw a newer change than our write.
            Some(entry) if older(version, entry.version) => Some(Entry {
                written: None,
                ..entry
            }),
            _ => Some(Entry {
                written: Some(kept(fingerprint)),
                version,
                shape,
            }),
        });
    }

    /// The watch saw the child at `version` with `shape` (a change, or its
    /// deletion: `shape` None); `applied`: what it says we applied to it, if
    /// nobody changed it since (see `applied`), which counts as our write
    /// when the record did not know the child yet.
    pub fn observed(&self, key: Key, version: &str, shape: Option<u64>, applied: Option<u64>) {
        let version = version_number(version);
        let (shape, applied) = (shape.map(kept), applied.map(kept));
        self.update(&key, |entry| {
            // Gone (or kept without field owners): nothing of ours to keep.
            shape?;
            let Some(mut entry) = entry else {
                return Some(Entry {
                    written: applied,
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
        written.observed(key(), "100", Some(1), None); // our own write's event
        assert!(written.unchanged(&key(), 7));
        assert!(!written.unchanged(&key(), 8), "a changed desire is written");
        written.observed(key(), "99", Some(2), None); // an older event arriving late
        assert!(written.unchanged(&key(), 7));
        written.observed(key(), "101", Some(2), None); // somebody else's change
        assert!(!written.unchanged(&key(), 7));
    }

    #[test]
    fn a_newer_change_seen_before_our_write_returns_is_not_forgotten() {
        let written = WriteRecord::default();
        written.observed(key(), "105", Some(2), None);
        written.record(key(), 7, "104", Some(1));
        assert!(!written.unchanged(&key(), 7));
    }

    #[test]
    fn a_status_change_is_not_a_write_but_a_deletion_is() {
        let written = WriteRecord::default();
        written.record(key(), 7, "100", Some(1));
        written.observed(key(), "102", Some(1), None); // a controller wrote the status
        assert!(written.unchanged(&key(), 7));
        written.observed(key(), "103", None, None); // deleted
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
        written.observed(key(), "abd", Some(2), None);
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

    fn owners(entries: &[(&str, &str, Option<&str>, &str)]) -> ObjectMeta {
        use k8s_openapi::apimachinery::pkg::apis::meta::v1::{FieldsV1, Time};
        let at = |time: &str| Time(time.parse().unwrap());
        ObjectMeta {
            annotations: Some(
                [(
                    APPLIED_ANNOTATION.to_string(),
                    "00000000000000ff".to_string(),
                )]
                .into(),
            ),
            managed_fields: Some(
                entries
                    .iter()
                    .map(
                        |(manager, operation, subresource, time)| ManagedFieldsEntry {
                            manager: Some(manager.to_string()),
                            operation: Some(operation.to_string()),
                            subresource: subresource.map(Into::into),
                            time: Some(at(time)),
                            fields_v1: Some(FieldsV1(serde_json::json!({"f:spec": {}}))),
                            ..ManagedFieldsEntry::default()
                        },
                    )
                    .collect(),
            ),
            ..ObjectMeta::default()
        }
    }

    #[test]
    fn what_we_applied_stands_until_someone_but_the_cluster_writes_after_us() {
        const APPLY: (&str, &str, Option<&str>, &str) =
            ("nexus-operator", "Apply", None, "2026-12-06T10:00:05Z");
        // Only the cluster's controllers wrote since, or anyone before us.
        let untouched = owners(&[
            APPLY,
            (
                "kube-controller-manager",
                "Update",
                None,
                "2026-12-06T10:00:09Z",
            ),
            ("kwok", "Update", Some("status"), "2026-12-06T10:00:09Z"),
            ("kubectl-edit", "Update", None, "2026-12-06T10:00:04Z"),
        ]);
        assert_eq!(applied(&untouched), Some(0xff));
        // A person's edit after our apply, or in the same second.
        for time in ["2026-12-06T10:00:06Z", "2026-12-06T10:00:05Z"] {
            let edited = owners(&[APPLY, ("kubectl-edit", "Update", None, time)]);
            assert_eq!(applied(&edited), None, "edited at {time}");
        }
        // Scaled through a subresource that is not the status.
        let scaled = owners(&[
            APPLY,
            ("hpa", "Update", Some("scale"), "2026-12-06T10:00:09Z"),
        ]);
        assert_eq!(applied(&scaled), None);
        // Made by us (a Namespace is created, not applied) and left alone.
        let created = owners(&[
            ("nexus-operator", "Update", None, "2026-12-06T10:00:05Z"),
            ("kube-apiserver", "Update", None, "2026-12-06T10:00:05Z"),
        ]);
        assert_eq!(applied(&created), Some(0xff));
        // Never applied by us, or its owners not kept, or no annotation.
        let foreign = owners(&[("helm", "Apply", None, "2026-12-06T10:00:05Z")]);
        assert_eq!(applied(&foreign), None);
        let mut no_owners = untouched.clone();
        no_owners.managed_fields = None;
        assert_eq!(applied(&no_owners), None);
        let mut unannotated = untouched;
        unannotated.annotations = None;
        assert_eq!(applied(&unannotated), None);
    }

    #[test]
    fn a_child_first_seen_as_we_applied_it_is_not_written_again() {
        let written = WriteRecord::default();
        written.observed(key(), "100", Some(1), Some(7));
        assert!(written.unchanged(&key(), 7), "what the predecessor applied");
        assert!(!written.unchanged(&key(), 8), "a changed desire is written");
        // Once known, only our writes and the shape decide: a later event
        // claiming the fingerprint does not hide somebody's change.
        written.observed(key(), "101", Some(2), Some(7));
        assert!(!written.unchanged(&key(), 7));
        let other = Key {
            name: "database".into(),
            ..key()
        };
        written.observed(other.clone(), "100", Some(1), None);
        assert!(
            !written.unchanged(&other, 7),
            "changed since: written again"
        );
    }

    #[tokio::test]
    async fn an_apply_waits_for_its_kind_to_list_but_not_forever() {
        let written = std::sync::Arc::new(WriteRecord::default());
        written.expect("Service");
        let waiting = tokio::spawn({
            let written = written.clone();
            async move { written.seeded(&key(), Duration::from_secs(30)).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "the kind has not listed");
        written.listed("Service");
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("listed: it goes on")
            .unwrap();
        // Another kind that never lists: the wait ends at its bound.
        written.expect("Role");
        let role = Key {
            kind: "Role".into(),
            ..key()
        };
        let started = std::time::Instant::now();
        tokio::time::timeout(
            Duration::from_secs(5),
            written.seeded(&role, Duration::from_millis(100)),
        )
        .await
        .expect("the wait ends at its bound");
        // It did wait: a timer never fires before its time.
        assert!(started.elapsed() >= Duration::from_millis(100));
        // A child already seen needs no wait.
        written.observed(role.clone(), "5", Some(1), None);
        tokio::time::timeout(
            Duration::from_secs(5),
            written.seeded(&role, Duration::from_secs(30)),
        )
        .await
        .expect("seen already");
    }
}
