//! The children's watch caches: a reconcile reads its store's namespace,
//! workloads, claims, secrets and the tenant's RoleBindings from here, not
//! from the API server, so a reconcile of a store at rest sends nothing.
//! Each cache is filled by the same watch that triggers reconciles, so a
//! change is in the cache before the reconcile it causes runs. A read that
//! finds nothing where something may be (the watch lags a write) is
//! confirmed with the API server by the caller.

use std::sync::Arc;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Namespace, PersistentVolumeClaim, Secret};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::core::PartialObjectMeta;
use kube::runtime::reflector::{self, ObjectRef, Store, store::Writer};
use kube::{Resource, ResourceExt};
use tokio::sync::watch;

/// The readers; the controller holds the writers (`Writers`).
#[derive(Clone)]
pub struct Caches {
    pub namespaces: Store<PartialObjectMeta<Namespace>>,
    pub secrets: Store<PartialObjectMeta<Secret>>,
    pub network_policies: Store<PartialObjectMeta<NetworkPolicy>>,
    pub ingresses: Store<PartialObjectMeta<Ingress>>,
    pub statefulsets: Store<StatefulSet>,
    pub deployments: Store<Deployment>,
    pub jobs: Store<Job>,
    pub claims: Store<PersistentVolumeClaim>,
    /// Every RoleBinding in the cluster (tenant access follows them).
    pub role_bindings: Store<RoleBinding>,
    /// True once every cache holds its first full list.
    listed: Arc<watch::Sender<bool>>,
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
    pub role_bindings: Writer<RoleBinding>,
}

impl Caches {
    pub fn new() -> (Caches, Writers) {
        let (namespaces, namespaces_w) = reflector::store();
        let (secrets, secrets_w) = reflector::store();
        let (network_policies, network_policies_w) = reflector::store();
        let (ingresses, ingresses_w) = reflector::store();
        let (statefulsets, statefulsets_w) = reflector::store();
        let (deployments, deployments_w) = reflector::store();
        let (jobs, jobs_w) = reflector::store();
        let (claims, claims_w) = reflector::store();
        let (role_bindings, role_bindings_w) = reflector::store();
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
                role_bindings,
                listed: Arc::new(watch::Sender::new(false)),
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
                role_bindings: role_bindings_w,
            },
        )
    }

    /// Waits until every cache holds its first full list. Any number of
    /// reconciles may wait at once (a reflector's own readiness wakes only
    /// the last of several waiters, so only `open_when_listed` waits on it).
    pub async fn ready(&self) {
        let mut listed = self.listed.subscribe();
        // An error means the sender is gone: the controller stopped.
        let _ = listed.wait_for(|listed| *listed).await;
    }

    #[cfg(test)]
    async fn ready_owned(self) {
        self.ready().await
    }

    /// Opens `ready` once every watch has listed; run once per controller.
    pub async fn open_when_listed(self) {
        // A Store only fails to become ready when its writer is dropped,
        // that is when the controller stopped: nothing left to wait for.
        let _ = futures::join!(
            self.namespaces.wait_until_ready(),
            self.secrets.wait_until_ready(),
            self.network_policies.wait_until_ready(),
            self.ingresses.wait_until_ready(),
            self.statefulsets.wait_until_ready(),
            self.deployments.wait_until_ready(),
            self.jobs.wait_until_ready(),
            self.claims.wait_until_ready(),
            self.role_bindings.wait_until_ready(),
        );
        self.listed.send_replace(true);
    }

    pub fn namespace(&self, name: &str) -> Option<Arc<PartialObjectMeta<Namespace>>> {
        self.namespaces.get(&ObjectRef::new(name))
    }

    /// The tenant namespace's RoleBindings.
    pub fn role_bindings_in(&self, namespace: &str) -> Vec<RoleBinding> {
        self.role_bindings
            .state()
            .iter()
            .filter(|b| b.namespace().as_deref() == Some(namespace))
            .map(|b| (**b).clone())
            .collect()
    }
}

/// A cached object of a namespace by name.
pub fn find<K>(store: &Store<K>, namespace: &str, name: &str) -> Option<Arc<K>>
where
    K: Resource + Clone + 'static,
    K::DynamicType: Default + Eq + std::hash::Hash + Clone,
{
    store.get(&ObjectRef::new(name).within(namespace))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use kube::runtime::watcher::Event;

    use super::*;

    #[tokio::test]
    async fn every_reconcile_waiting_for_the_caches_wakes_once_they_are_listed() {
        let (caches, mut writers) = Caches::new();
        let waiters: Vec<_> = (0..4)
            .map(|_| tokio::spawn(caches.clone().ready_owned()))
            .collect();
        let opener = tokio::spawn(caches.clone().open_when_listed());
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            waiters.iter().all(|w| !w.is_finished()),
            "ready before listing"
        );
        writers.namespaces.apply_watcher_event(&Event::InitDone);
        writers.secrets.apply_watcher_event(&Event::InitDone);
        writers
            .network_policies
            .apply_watcher_event(&Event::InitDone);
        writers.ingresses.apply_watcher_event(&Event::InitDone);
        writers.statefulsets.apply_watcher_event(&Event::InitDone);
        writers.deployments.apply_watcher_event(&Event::InitDone);
        writers.jobs.apply_watcher_event(&Event::InitDone);
        writers.claims.apply_watcher_event(&Event::InitDone);
        writers.role_bindings.apply_watcher_event(&Event::InitDone);
        for waiter in waiters {
            tokio::time::timeout(Duration::from_secs(5), waiter)
                .await
                .expect("a waiting reconcile was never woken")
                .unwrap();
        }
        opener.await.unwrap();
    }
}
