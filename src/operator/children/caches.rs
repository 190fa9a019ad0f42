//! The children's watch caches: a reconcile reads its store's namespace,
//! workloads, claims and the tenant's RoleBindings from here, not
//! from the API server, so a reconcile of a store at rest sends nothing.
//! Each cache is filled by the same watch that triggers reconciles, so a
//! change is in the cache before the reconcile it causes runs. A cache
//! answers only once its first list completed; until then (a fresh leader,
//! or a watch the operator's role does not allow) reads go to the API
//! server as they would without it, so nothing waits on a cache.
//!
//! Objects are kept as their (slimmed) JSON, by namespace, and decoded when
//! read: a decoded k8s-openapi object takes its whole struct's size however
//! few fields are set (a Pod several KiB), its JSON a few hundred bytes, and
//! a store's reconcile reads only a handful of them. Each cache keeps only
//! what its readers look at (`trim`): of network policies and ingresses,
//! that they exist; of a namespace, the store it belongs to; of the
//! database, WordPress and Jobs, their rollout or outcome (not their spec);
//! of a claim, its size; of tenant bindings, all but labels. No JSON holds
//! the object's kind, name or namespace: the cache's type and keys do. Some
//! 3 KiB a store (measured with the counting allocator: 7 KiB before the
//! workloads and claims kept only what is read).

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentCondition, DeploymentStatus, StatefulSet, StatefulSetSpec,
    StatefulSetStatus,
};
use k8s_openapi::api::batch::v1::{Job, JobCondition, JobStatus};
use k8s_openapi::api::core::v1::{
    Namespace, PersistentVolumeClaim, PersistentVolumeClaimSpec, Pod,
};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::ResourceExt;
use kube::api::ObjectMeta;
use kube::core::PartialObjectMeta;
use kube::runtime::watcher::Event;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::warn;

use super::pods::pod_worth_a_look;
use crate::api::labels::STORE_UID_LABEL;

/// Objects by namespace ("" for cluster-scoped ones), then by name: a
/// store namespace holds one to six of a kind, so a short list is smaller
/// than a map and as fast.
type Objects = HashMap<Box<str>, Vec<(Box<str>, Box<[u8]>)>>;

fn named<'a>(names: &'a [(Box<str>, Box<[u8]>)], name: &str) -> Option<&'a [u8]> {
    names
        .iter()
        .find(|(n, _)| &**n == name)
        .map(|(_, json)| &**json)
}

#[derive(Default)]
struct Shared {
    objects: RwLock<Objects>,
    listed: AtomicBool,
}

/// One kind's cache (the reading side).
pub struct Cached<K> {
    shared: Arc<Shared>,
    kind: PhantomData<fn() -> K>,
}

impl<K> Clone for Cached<K> {
    fn clone(&self) -> Self {
        Cached {
            shared: self.shared.clone(),
            kind: PhantomData,
        }
    }
}

impl<K: DeserializeOwned + kube::Resource> Cached<K> {
    /// A cache of what `trim` leaves of each object.
    fn new(trim: fn(&mut K)) -> (Self, Writer<K>) {
        Self::keeping(|_| true, Some(trim))
    }

    /// A cache of the objects `keep` accepts, trimmed by `trim` if any.
    fn keeping(keep: fn(&K) -> bool, trim: Option<fn(&mut K)>) -> (Self, Writer<K>) {
        let shared = Arc::new(Shared::default());
        let writer = Writer {
            shared: shared.clone(),
            relisted: None,
            keep,
            trim,
        };
        let cached = Cached {
            shared,
            kind: PhantomData,
        };
        (cached, writer)
    }

    fn objects(&self) -> Option<std::sync::RwLockReadGuard<'_, Objects>> {
        if !self.shared.listed.load(Ordering::Acquire) {
            return None;
        }
        Some(
            self.shared
                .objects
                .read()
                .unwrap_or_else(|e| e.into_inner()),
        )
    }

    /// What the cache knows of an object (namespace None: cluster-scoped):
    /// None while it has not listed yet, else whether the object exists.
    pub fn lookup(&self, namespace: Option<&str>, name: &str) -> Option<Option<K>> {
        let objects = self.objects()?;
        let namespace = namespace.unwrap_or_default();
        let json = objects.get(namespace).and_then(|names| named(names, name));
        Some(json.and_then(|json| decode(json, namespace, name)))
    }

    /// Every cached object of `namespace`; None while it has not listed yet.
    pub fn in_namespace(&self, namespace: &str) -> Option<Vec<K>> {
        let objects = self.objects()?;
        let found = objects.get(namespace).into_iter().flatten();
        Some(
            found
                .filter_map(|(name, json)| decode(json, namespace, name))
                .collect(),
        )
    }
}

/// The object kept as `json` under `namespace` ("": cluster-scoped) and
/// `name`, which its JSON leaves out (`Writer::encode`).
fn decode<K: DeserializeOwned + kube::Resource>(
    json: &[u8],
    namespace: &str,
    name: &str,
) -> Option<K> {
    // Written by `Writer` from a K: cannot fail but for a bug, and a miss
    // then only costs a read from the API server.
    let mut object: K = serde_json::from_slice(json)
        .map_err(|e| warn!(error = %e, "a cached object did not decode"))
        .ok()?;
    let meta = object.meta_mut();
    meta.name = Some(name.to_string());
    meta.namespace = (!namespace.is_empty()).then(|| namespace.to_string());
    Some(object)
}

/// The writing side: applies the watch's events.
pub struct Writer<K> {
    shared: Arc<Shared>,
    /// The objects of a list in progress: they replace the cache when it
    /// completes, so what was deleted meanwhile is gone from it.
    relisted: Option<Objects>,
    /// Which objects are worth keeping (the rest are as good as absent).
    keep: fn(&K) -> bool,
    /// Removes what no reader of this kind looks at (None: they read all).
    trim: Option<fn(&mut K)>,
}

impl<K: kube::Resource + Serialize + Clone> Writer<K> {
    pub fn apply_event(&mut self, event: &Event<K>) {
        match event {
            Event::Init => self.relisted = Some(Objects::new()),
            Event::InitApply(object) if (self.keep)(object) => {
                let json = self.encode(object);
                if let (Some(objects), Some(json)) = (self.relisted.as_mut(), json) {
                    insert(objects, object, json);
                }
            }
            Event::InitApply(_) => {}
            Event::InitDone => {
                if let Some(objects) = self.relisted.take() {
                    *self.write() = objects;
                }
                self.shared.listed.store(true, Ordering::Release);
            }
            Event::Apply(object) if (self.keep)(object) => {
                if let Some(json) = self.encode(object) {
                    insert(&mut self.write(), object, json);
                }
            }
            Event::Apply(object) | Event::Delete(object) => {
                let namespace = object.namespace().unwrap_or_default();
                let name = object.name_any();
                let mut objects = self.write();
                if let Some(names) = objects.get_mut(namespace.as_str()) {
                    names.retain(|(n, _)| **n != *name);
                    if names.is_empty() {
                        objects.remove(namespace.as_str());
                    }
                }
            }
        }
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Objects> {
        self.shared
            .objects
            .write()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// The object's JSON as kept: what `trim` leaves, without its name and
    /// namespace (the cache's keys) and its kind (the cache's type).
    fn encode(&self, object: &K) -> Option<Box<[u8]>> {
        let mut trimmed = object.clone();
        if let Some(trim) = self.trim {
            trim(&mut trimmed);
        }
        let meta = trimmed.meta_mut();
        meta.name = None;
        meta.namespace = None;
        let mut json = serde_json::to_value(&trimmed).ok()?;
        if let Some(fields) = json.as_object_mut() {
            fields.remove("apiVersion");
            fields.remove("kind");
        }
        serde_json::to_vec(&json).ok().map(Vec::into_boxed_slice)
    }
}

fn insert<K: kube::Resource>(objects: &mut Objects, object: &K, json: Box<[u8]>) {
    let names = objects
        .entry(object.namespace().unwrap_or_default().into_boxed_str())
        .or_default();
    let name = object.name_any();
    match names.iter_mut().find(|(n, _)| **n == *name) {
        Some((_, old)) => *old = json,
        None => {
            names.push((name.into_boxed_str(), json));
            names.shrink_to_fit();
        }
    }
}

/// No reader of a workload, claim or binding looks at its labels or when it
/// was made.
fn unlabelled<K: kube::Resource>(object: &mut K) {
    let meta = object.meta_mut();
    meta.labels = None;
    meta.creation_timestamp = None;
}

/// A database as `statefulset_state` and a plan change read it: its
/// rollout's counts and its volumes' sizes.
fn database_as_read(set: &mut StatefulSet) {
    unlabelled(set);
    let claims = set
        .spec
        .take()
        .and_then(|spec| spec.volume_claim_templates)
        .map(|claims| {
            claims
                .into_iter()
                .map(|claim| PersistentVolumeClaim {
                    spec: claim.spec.map(|spec| PersistentVolumeClaimSpec {
                        resources: spec.resources,
                        ..PersistentVolumeClaimSpec::default()
                    }),
                    ..PersistentVolumeClaim::default()
                })
                .collect()
        });
    set.spec = Some(StatefulSetSpec {
        volume_claim_templates: claims,
        ..StatefulSetSpec::default()
    });
    set.status = set.status.take().map(|status| StatefulSetStatus {
        replicas: status.replicas,
        ready_replicas: status.ready_replicas,
        updated_replicas: status.updated_replicas,
        observed_generation: status.observed_generation,
        ..StatefulSetStatus::default()
    });
}

/// WordPress as `deployment_state` reads it: its rollout's counts and
/// whether it is Available.
fn wordpress_as_read(deployment: &mut Deployment) {
    unlabelled(deployment);
    deployment.spec = None;
    let Some(status) = deployment.status.take() else {
        return;
    };
    let mut conditions = status.conditions;
    for list in conditions.iter_mut() {
        list.retain(|c| c.type_ == "Available");
        for available in list.iter_mut() {
            *available = DeploymentCondition {
                type_: std::mem::take(&mut available.type_),
                status: std::mem::take(&mut available.status),
                ..DeploymentCondition::default()
            };
        }
    }
    deployment.status = Some(DeploymentStatus {
        replicas: status.replicas,
        updated_replicas: status.updated_replicas,
        available_replicas: status.available_replicas,
        observed_generation: status.observed_generation,
        conditions,
        ..DeploymentStatus::default()
    });
}

/// A setup or check Job as `job_state` and its owners read it: its
/// annotations (which request it runs), whether it started, and how it
/// ended (a failure's message included).
fn job_as_read(job: &mut Job) {
    unlabelled(job);
    job.spec = None;
    job.status = job.status.take().map(|status| JobStatus {
        active: status.active,
        succeeded: status.succeeded,
        failed: status.failed,
        start_time: status.start_time,
        // Only a failure is read, and why.
        conditions: status.conditions.map(|conditions| {
            let failed = conditions.into_iter().filter(|c| c.type_ == "Failed");
            failed
                .map(|c| JobCondition {
                    type_: c.type_,
                    status: c.status,
                    message: c.message,
                    ..JobCondition::default()
                })
                .collect()
        }),
        ..JobStatus::default()
    });
}

/// A claim is read for the size it was given (kept on a plan change).
fn claim_as_read(claim: &mut PersistentVolumeClaim) {
    unlabelled(claim);
    claim.spec = claim.spec.take().map(|spec| PersistentVolumeClaimSpec {
        resources: spec.resources,
        ..PersistentVolumeClaimSpec::default()
    });
    claim.status = None;
}

/// Only whether it exists (network policies, ingresses), and which one.
fn existence<K: kube::Resource>(object: &mut K) {
    let meta = object.meta_mut();
    *meta = ObjectMeta {
        name: meta.name.take(),
        namespace: meta.namespace.take(),
        uid: meta.uid.take(),
        deletion_timestamp: meta.deletion_timestamp.take(),
        ..ObjectMeta::default()
    };
}

/// A namespace is read for the store it belongs to and its deletion.
fn store_namespace(namespace: &mut PartialObjectMeta<Namespace>) {
    let meta = &mut namespace.metadata;
    let owner = meta
        .labels
        .take()
        .and_then(|mut labels| labels.remove_entry(STORE_UID_LABEL));
    existence(namespace);
    namespace.metadata.labels = owner.map(|(k, v)| [(k, v)].into());
}

/// The readers; the controller's watches hold the writers (`Writers`).
#[derive(Clone)]
pub struct Caches {
    pub namespaces: Cached<PartialObjectMeta<Namespace>>,
    pub network_policies: Cached<PartialObjectMeta<NetworkPolicy>>,
    pub ingresses: Cached<PartialObjectMeta<Ingress>>,
    pub statefulsets: Cached<StatefulSet>,
    pub deployments: Cached<Deployment>,
    pub jobs: Cached<Job>,
    pub volume_claims: Cached<PersistentVolumeClaim>,
    /// Status and labels of the stores' pods that may say why a step waits
    /// (a pod running as it should is as good as absent here).
    pub pods: Cached<Pod>,
    /// The RoleBindings that are not ours (tenant access follows them).
    pub role_bindings: Cached<RoleBinding>,
}

pub struct Writers {
    pub namespaces: Writer<PartialObjectMeta<Namespace>>,
    pub network_policies: Writer<PartialObjectMeta<NetworkPolicy>>,
    pub ingresses: Writer<PartialObjectMeta<Ingress>>,
    pub statefulsets: Writer<StatefulSet>,
    pub deployments: Writer<Deployment>,
    pub jobs: Writer<Job>,
    pub volume_claims: Writer<PersistentVolumeClaim>,
    pub pods: Writer<Pod>,
    pub role_bindings: Writer<RoleBinding>,
}

impl Caches {
    pub fn new() -> (Caches, Writers) {
        let (namespaces, namespaces_w) = Cached::new(store_namespace);
        let (network_policies, network_policies_w) = Cached::new(existence);
        let (ingresses, ingresses_w) = Cached::new(existence);
        let (statefulsets, statefulsets_w) = Cached::new(database_as_read);
        let (deployments, deployments_w) = Cached::new(wordpress_as_read);
        let (jobs, jobs_w) = Cached::new(job_as_read);
        let (volume_claims, volume_claims_w) = Cached::new(claim_as_read);
        // Pods are matched by their labels: all of a pod stays.
        let (pods, pods_w) = Cached::keeping(pod_worth_a_look, None);
        let (role_bindings, role_bindings_w) = Cached::new(unlabelled);
        (
            Caches {
                namespaces,
                network_policies,
                ingresses,
                statefulsets,
                deployments,
                jobs,
                volume_claims,
                pods,
                role_bindings,
            },
            Writers {
                namespaces: namespaces_w,
                network_policies: network_policies_w,
                ingresses: ingresses_w,
                statefulsets: statefulsets_w,
                deployments: deployments_w,
                jobs: jobs_w,
                volume_claims: volume_claims_w,
                pods: pods_w,
                role_bindings: role_bindings_w,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(namespace: &str, name: &str, failed: i32) -> Job {
        Job {
            metadata: kube::api::ObjectMeta {
                name: Some(name.into()),
                namespace: Some(namespace.into()),
                ..Default::default()
            },
            status: Some(k8s_openapi::api::batch::v1::JobStatus {
                failed: Some(failed),
                ..Default::default()
            }),
            ..Job::default()
        }
    }

    #[test]
    fn a_cache_answers_only_once_it_has_listed() {
        let (caches, mut writers) = Caches::new();
        assert!(caches.jobs.lookup(Some("store-a"), "setup").is_none());
        assert!(caches.jobs.in_namespace("store-a").is_none());
        writers.jobs.apply_event(&Event::Init);
        writers
            .jobs
            .apply_event(&Event::InitApply(job("store-a", "setup", 0)));
        assert!(
            caches.jobs.lookup(Some("store-a"), "setup").is_none(),
            "not before the list completed"
        );
        writers.jobs.apply_event(&Event::InitDone);
        let setup = caches.jobs.lookup(Some("store-a"), "setup").unwrap();
        assert_eq!(setup, Some(job("store-a", "setup", 0)));
        assert_eq!(caches.jobs.lookup(Some("store-a"), "other"), Some(None));
        assert_eq!(caches.jobs.lookup(Some("store-b"), "setup"), Some(None));
        assert_eq!(caches.jobs.in_namespace("store-a").unwrap().len(), 1);
        // Another kind that never listed (a watch its role forbids) still defers.
        assert!(
            caches
                .volume_claims
                .lookup(Some("store-a"), "content")
                .is_none()
        );
    }

    #[test]
    fn only_pods_that_may_explain_a_wait_are_kept() {
        let pod = |name: &str, status: serde_json::Value| -> Pod {
            serde_json::from_value(serde_json::json!({
                "metadata": {"name": name, "namespace": "store-a"}, "status": status
            }))
            .unwrap()
        };
        let running = pod("wordpress-1", serde_json::json!({"phase": "Running"}));
        let unscheduled = pod(
            "database-0",
            serde_json::json!({"phase": "Pending", "conditions": [{
                "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                "lastTransitionTime": "2026-01-01T00:00:00Z"
            }]}),
        );
        let (caches, mut writers) = Caches::new();
        writers.pods.apply_event(&Event::Init);
        writers.pods.apply_event(&Event::InitApply(running.clone()));
        writers
            .pods
            .apply_event(&Event::InitApply(unscheduled.clone()));
        writers.pods.apply_event(&Event::InitDone);
        let names = |caches: &Caches| -> Vec<String> {
            let pods = caches.pods.in_namespace("store-a").unwrap();
            pods.iter().map(|p| p.name_any()).collect()
        };
        assert_eq!(names(&caches), ["database-0"]);
        // Scheduled and running now: it leaves the cache.
        writers.pods.apply_event(&Event::Apply(pod(
            "database-0",
            serde_json::json!({"phase": "Running"}),
        )));
        assert!(names(&caches).is_empty());
    }

    #[test]
    fn changes_deletions_and_relists_show_in_the_cache() {
        let (caches, mut writers) = Caches::new();
        writers.jobs.apply_event(&Event::Init);
        writers
            .jobs
            .apply_event(&Event::InitApply(job("store-a", "setup", 0)));
        writers
            .jobs
            .apply_event(&Event::InitApply(job("store-b", "setup", 0)));
        writers.jobs.apply_event(&Event::InitDone);
        writers
            .jobs
            .apply_event(&Event::Apply(job("store-a", "setup", 2)));
        assert_eq!(
            caches.jobs.lookup(Some("store-a"), "setup"),
            Some(Some(job("store-a", "setup", 2)))
        );
        writers
            .jobs
            .apply_event(&Event::Delete(job("store-a", "setup", 2)));
        assert_eq!(caches.jobs.lookup(Some("store-a"), "setup"), Some(None));
        assert_eq!(caches.jobs.in_namespace("store-a"), Some(vec![]));
        // A relist: what it does not list is gone once it completes, and
        // the cache keeps answering from the old list meanwhile.
        writers.jobs.apply_event(&Event::Init);
        writers
            .jobs
            .apply_event(&Event::InitApply(job("store-c", "setup", 0)));
        assert!(
            caches
                .jobs
                .lookup(Some("store-b"), "setup")
                .unwrap()
                .is_some()
        );
        writers.jobs.apply_event(&Event::InitDone);
        assert_eq!(caches.jobs.lookup(Some("store-b"), "setup"), Some(None));
        assert!(
            caches
                .jobs
                .lookup(Some("store-c"), "setup")
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn each_cache_keeps_only_what_its_readers_read() {
        let labels = |pairs: &[(&str, &str)]| {
            Some(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        };
        let meta = ObjectMeta {
            name: Some("store-a".into()),
            namespace: Some("store-a".into()),
            uid: Some("u-1".into()),
            labels: labels(&[
                (STORE_UID_LABEL, "s-1"),
                ("app.kubernetes.io/managed-by", "nexus"),
            ]),
            creation_timestamp: Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                "2026-12-06T10:00:00Z".parse().unwrap(),
            )),
            ..ObjectMeta::default()
        };
        let (caches, mut writers) = Caches::new();
        let namespace = PartialObjectMeta::<Namespace> {
            types: None,
            metadata: ObjectMeta {
                namespace: None,
                ..meta.clone()
            },
            _phantom: PhantomData,
        };
        writers.namespaces.apply_event(&Event::InitDone);
        writers.namespaces.apply_event(&Event::Apply(namespace));
        let cached = caches.namespaces.lookup(None, "store-a").unwrap().unwrap();
        assert_eq!(cached.metadata.labels, labels(&[(STORE_UID_LABEL, "s-1")]));
        assert_eq!(cached.metadata.uid.as_deref(), Some("u-1"));

        let policy = PartialObjectMeta::<NetworkPolicy> {
            types: None,
            metadata: ObjectMeta {
                name: Some("allow-ingress".into()),
                ..meta.clone()
            },
            _phantom: PhantomData,
        };
        writers.network_policies.apply_event(&Event::InitDone);
        writers.network_policies.apply_event(&Event::Apply(policy));
        let cached = caches
            .network_policies
            .lookup(Some("store-a"), "allow-ingress")
            .unwrap()
            .unwrap();
        let only_which = ObjectMeta {
            name: Some("allow-ingress".into()),
            namespace: Some("store-a".into()),
            uid: Some("u-1".into()),
            ..ObjectMeta::default()
        };
        assert_eq!(cached.metadata, only_which);

        let mut setup = job("store-a", "setup", 1);
        setup.metadata.labels = meta.labels.clone();
        setup.metadata.creation_timestamp = meta.creation_timestamp.clone();
        writers.jobs.apply_event(&Event::InitDone);
        writers.jobs.apply_event(&Event::Apply(setup));
        let cached = caches.jobs.lookup(Some("store-a"), "setup").unwrap();
        assert_eq!(
            cached,
            Some(job("store-a", "setup", 1)),
            "status kept, labels not"
        );
    }
}
