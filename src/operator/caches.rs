//! The children's watch caches: a reconcile reads its store's namespace,
//! workloads, claims, secrets and the tenant's RoleBindings from here, not
//! from the API server, so a reconcile of a store at rest sends nothing.
//! Each cache is filled by the same watch that triggers reconciles, so a
//! change is in the cache before the reconcile it causes runs. A cache
//! answers only once its first list completed; until then (a fresh leader,
//! or a watch the operator's role does not allow) reads go to the API
//! server as they would without it, so nothing waits on a cache.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Namespace, PersistentVolumeClaim, Pod, Secret};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::core::PartialObjectMeta;
use kube::runtime::reflector::{self, ObjectRef, Store, store::Writer};
use kube::{Resource, ResourceExt};

/// One kind's cache and whether it has listed yet.
pub struct Cached<K: Resource<DynamicType = ()> + 'static> {
    store: Store<K>,
    listed: Arc<AtomicBool>,
}

impl<K: Resource<DynamicType = ()> + Clone + 'static> Clone for Cached<K> {
    fn clone(&self) -> Self {
        Cached {
            store: self.store.clone(),
            listed: self.listed.clone(),
        }
    }
}

impl<K: Resource<DynamicType = ()> + Clone + 'static> Cached<K> {
    fn new() -> (Self, Writer<K>) {
        let (store, writer) = reflector::store();
        let cached = Cached {
            store,
            listed: Arc::new(AtomicBool::new(false)),
        };
        (cached, writer)
    }

    fn known(&self) -> bool {
        self.listed.load(Ordering::Acquire)
    }

    /// What the cache knows of an object (namespace None: cluster-scoped):
    /// None while it has not listed yet, else whether the object exists.
    pub fn lookup(&self, namespace: Option<&str>, name: &str) -> Option<Option<Arc<K>>> {
        let key = match namespace {
            Some(namespace) => ObjectRef::new(name).within(namespace),
            None => ObjectRef::new(name),
        };
        self.known().then(|| self.store.get(&key))
    }

    /// Every cached object of `namespace`; None while it has not listed yet.
    pub fn in_namespace(&self, namespace: &str) -> Option<Vec<Arc<K>>> {
        self.known().then(|| {
            self.store
                .state()
                .into_iter()
                .filter(|o| o.namespace().as_deref() == Some(namespace))
                .collect()
        })
    }

    /// Marks the cache as answering once its first list completed (only
    /// this waits on the reflector: its readiness wakes just one waiter).
    async fn mark_when_listed(self) {
        if self.store.wait_until_ready().await.is_ok() {
            self.listed.store(true, Ordering::Release);
        }
    }
}

/// The readers; the controller holds the writers (`Writers`).
#[derive(Clone)]
pub struct Caches {
    pub namespaces: Cached<PartialObjectMeta<Namespace>>,
    pub secrets: Cached<PartialObjectMeta<Secret>>,
    pub network_policies: Cached<PartialObjectMeta<NetworkPolicy>>,
    pub ingresses: Cached<PartialObjectMeta<Ingress>>,
    pub statefulsets: Cached<StatefulSet>,
    pub deployments: Cached<Deployment>,
    pub jobs: Cached<Job>,
    pub claims: Cached<PersistentVolumeClaim>,
    /// Status and labels of the stores' pods (why a step waits).
    pub pods: Cached<Pod>,
    /// Every RoleBinding in the cluster (tenant access follows them).
    pub role_bindings: Cached<RoleBinding>,
}

pub struct Writers {
    pub namespaces: Writer<PartialObjectMeta<Namespace>>,
    pub secrets: Writer<PartialObjectMeta<Secret>>,
    pub network_policies: Writer<PartialObjectMeta<NetworkPolicy>>,
    pub ingresses: Writer<PartialObjectMeta<Ingress>>,
    pub statefulsets: Writer<StatefulSet>,
    pub deployments: Writer<Deployment>,
    pub jobs: Writer<Job>,
    pub claims: Writer<PersistentVolumeClaim>,
    pub pods: Writer<Pod>,
    pub role_bindings: Writer<RoleBinding>,
}

impl Caches {
    pub fn new() -> (Caches, Writers) {
        let (namespaces, namespaces_w) = Cached::new();
        let (secrets, secrets_w) = Cached::new();
        let (network_policies, network_policies_w) = Cached::new();
        let (ingresses, ingresses_w) = Cached::new();
        let (statefulsets, statefulsets_w) = Cached::new();
        let (deployments, deployments_w) = Cached::new();
        let (jobs, jobs_w) = Cached::new();
        let (claims, claims_w) = Cached::new();
        let (pods, pods_w) = Cached::new();
        let (role_bindings, role_bindings_w) = Cached::new();
        (
            Caches {
                namespaces,
                secrets,
                network_policies,
                ingresses,
                statefulsets,
                deployments,
                jobs,
                claims,
                pods,
                role_bindings,
            },
            Writers {
                namespaces: namespaces_w,
                secrets: secrets_w,
                network_policies: network_policies_w,
                ingresses: ingresses_w,
                statefulsets: statefulsets_w,
                deployments: deployments_w,
                jobs: jobs_w,
                claims: claims_w,
                pods: pods_w,
                role_bindings: role_bindings_w,
            },
        )
    }

    /// Lets each cache answer once it has listed; run once per controller.
    pub async fn mark_when_listed(self) {
        futures::join!(
            self.namespaces.mark_when_listed(),
            self.secrets.mark_when_listed(),
            self.network_policies.mark_when_listed(),
            self.ingresses.mark_when_listed(),
            self.statefulsets.mark_when_listed(),
            self.deployments.mark_when_listed(),
            self.jobs.mark_when_listed(),
            self.claims.mark_when_listed(),
            self.pods.mark_when_listed(),
            self.role_bindings.mark_when_listed(),
        );
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use kube::runtime::watcher::Event;

    use super::*;

    fn job(name: &str) -> Job {
        Job {
            metadata: kube::api::ObjectMeta {
                name: Some(name.into()),
                namespace: Some("store-a".into()),
                ..Default::default()
            },
            ..Job::default()
        }
    }

    #[tokio::test]
    async fn a_cache_answers_only_once_it_has_listed() {
        let (caches, mut writers) = Caches::new();
        let marker = tokio::spawn(caches.clone().mark_when_listed());
        assert!(caches.jobs.lookup(Some("store-a"), "setup").is_none());
        assert!(caches.jobs.in_namespace("store-a").is_none());
        writers.jobs.apply_watcher_event(&Event::Init);
        writers
            .jobs
            .apply_watcher_event(&Event::InitApply(job("setup")));
        writers.jobs.apply_watcher_event(&Event::InitDone);
        let listed = async {
            while caches.jobs.lookup(Some("store-a"), "setup").is_none() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(5), listed)
            .await
            .expect("the jobs cache never answered");
        assert!(
            caches
                .jobs
                .lookup(Some("store-a"), "setup")
                .unwrap()
                .is_some()
        );
        assert!(
            caches
                .jobs
                .lookup(Some("store-a"), "other")
                .unwrap()
                .is_none()
        );
        assert_eq!(caches.jobs.in_namespace("store-a").unwrap().len(), 1);
        // Another kind that never listed (a watch its role forbids) still defers.
        assert!(caches.claims.lookup(Some("store-a"), "content").is_none());
        marker.abort();
    }
}
