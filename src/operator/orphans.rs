//! Store namespaces whose Store is gone. The finalizer deletes a store's
//! namespace before the Store goes; a Store forced away (its finalizer
//! removed by hand) leaves the namespace and its data behind. That is never
//! kept silently: the leader looks for such namespaces now and then and
//! reports each (a Warning Event on the namespace, a log line, the metric
//! `nexus_orphaned_namespaces`). It deletes nothing: the data may be wanted.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::PartialObjectMeta;
use kube::runtime::events::{Event, EventType};
use kube::runtime::{WatchStreamExt, reflector, watcher};
use kube::{Api, Resource, ResourceExt};
use tracing::warn;

use super::reconcile::context::{self, Context};
use super::shard;
use crate::api::Store;
use crate::api::labels::{
    MANAGED_BY, MANAGER, STORE_LABEL, STORE_NAMESPACE_LABEL, STORE_UID_LABEL,
};

/// A store namespace and the Store it was made for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub namespace: String,
    pub store_namespace: String,
    pub store: String,
    pub uid: String,
}

/// Store namespaces (not being deleted) whose Store is not among `known`.
/// The caller confirms each with the API server: `known` may be one shard.
pub fn candidates(
    namespaces: &[Arc<PartialObjectMeta<Namespace>>],
    known: &[Arc<Store>],
) -> Vec<Candidate> {
    let known: BTreeSet<&str> = known
        .iter()
        .filter_map(|s| s.metadata.uid.as_deref())
        .collect();
    let mut found: Vec<Candidate> = namespaces
        .iter()
        .filter(|ns| ns.metadata.deletion_timestamp.is_none())
        .filter(|ns| ns.labels().get(MANAGED_BY).map(String::as_str) == Some(MANAGER))
        .filter_map(|ns| {
            let labels = ns.labels();
            Some(Candidate {
                namespace: ns.name_any(),
                store_namespace: labels.get(STORE_NAMESPACE_LABEL)?.clone(),
                store: labels.get(STORE_LABEL)?.clone(),
                uid: labels.get(STORE_UID_LABEL)?.clone(),
            })
        })
        .filter(|c| !known.contains(c.uid.as_str()))
        .collect();
    found.sort();
    found
}

/// Looks for orphaned store namespaces every `interval` until dropped; a
/// shard (`store_selector`) for those of its own stores.
pub async fn watch(ctx: Arc<Context>, store_selector: Option<&str>, interval: Duration) {
    let api: Api<PartialObjectMeta<Namespace>> = Api::all(ctx.children.client.clone());
    let config = watcher::Config::default().labels(&format!(
        "{},{STORE_UID_LABEL}",
        shard::children_selector(store_selector)
    ));
    let (reader, writer) = reflector::store();
    // The watch runs on its own task so it keeps up while a scan waits on
    // the API; the guard stops it when this future is dropped.
    let driver = AbortOnDrop(tokio::spawn(
        reflector(writer, watcher::watcher(api, config))
            .default_backoff()
            .for_each(|_| futures::future::ready(())),
    ));
    if reader.wait_until_ready().await.is_err() {
        return;
    }
    // A scan against a Store cache still listing would take every store
    // for gone and ask the API server about each (a new leader's first
    // scan over 1,000 stores: 1,000 GETs).
    context::stores_listed(&ctx.stores).await;
    let mut reported = BTreeSet::new();
    let mut tick = tokio::time::interval(interval);
    while !driver.0.is_finished() {
        tick.tick().await;
        scan(&ctx, &reader.state(), &mut reported).await;
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn scan(
    ctx: &Context,
    namespaces: &[Arc<PartialObjectMeta<Namespace>>],
    reported: &mut BTreeSet<String>,
) {
    let mut orphaned = BTreeSet::new();
    let mut new = Vec::new();
    for candidate in candidates(namespaces, &ctx.all_stores()) {
        let stores: Api<Store> =
            Api::namespaced(ctx.children.client.clone(), &candidate.store_namespace);
        let gone = match stores.get_opt(&candidate.store).await {
            Ok(found) => found.is_none_or(|s| s.metadata.uid.as_deref() != Some(&candidate.uid)),
            Err(e) => {
                warn!(error = %e, namespace = %candidate.namespace, "cannot check the Store of a store namespace");
                false
            }
        };
        if !gone {
            continue;
        }
        orphaned.insert(candidate.namespace.clone());
        if reported.insert(candidate.namespace.clone()) {
            new.push(candidate);
        }
    }
    reported.retain(|namespace| orphaned.contains(namespace));
    // The gauge first: whoever sees the Event finds it counted.
    ctx.metrics.orphaned_namespaces.set(orphaned.len() as i64);
    for candidate in new {
        report(ctx, &candidate, namespaces).await;
    }
}

async fn report(
    ctx: &Context,
    orphan: &Candidate,
    namespaces: &[Arc<PartialObjectMeta<Namespace>>],
) {
    let note = format!(
        "the Store {}/{} (uid {}) is gone but its namespace {} remains, data included; it is not deleted: delete it with `kubectl delete namespace {}` once nothing in it is needed",
        orphan.store_namespace, orphan.store, orphan.uid, orphan.namespace, orphan.namespace
    );
    warn!(namespace = %orphan.namespace, store = %format!("{}/{}", orphan.store_namespace, orphan.store), "orphaned store namespace: {note}");
    let Some(namespace) = namespaces
        .iter()
        .find(|ns| ns.name_any() == orphan.namespace)
    else {
        return;
    };
    let event = Event {
        type_: EventType::Warning,
        reason: "OrphanedStoreNamespace".into(),
        note: Some(note),
        action: "Check".into(),
        secondary: None,
    };
    if let Err(e) = ctx
        .recorder
        .publish(&event, &namespace.object_ref(&()))
        .await
    {
        warn!(error = %e, "cannot publish event");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Plan;
    use crate::validated::testing::store;
    use serde_json::json;

    fn namespace(name: &str, uid: &str, deleting: bool) -> Arc<PartialObjectMeta<Namespace>> {
        let mut meta = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": {
            "app.kubernetes.io/managed-by": "nexus", "nexus.dev/store": name.trim_start_matches("store-"),
            "nexus.dev/store-namespace": "team-a", "nexus.dev/store-uid": uid}}});
        if deleting {
            meta["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        }
        Arc::new(serde_json::from_value(meta).unwrap())
    }

    #[test]
    fn a_namespace_whose_store_is_not_known_is_a_candidate() {
        let mut live = store("live", Plan::Small);
        live.metadata.uid = Some("uid-live".into());
        let namespaces = [
            namespace("store-live", "uid-live", false),
            namespace("store-gone", "uid-gone", false),
            namespace("store-going", "uid-going", true),
        ];
        let found = candidates(&namespaces, &[Arc::new(live)]);
        assert_eq!(
            found,
            [Candidate {
                namespace: "store-gone".into(),
                store_namespace: "team-a".into(),
                store: "gone".into(),
                uid: "uid-gone".into(),
            }]
        );
    }

    #[test]
    fn a_recreated_store_of_the_same_name_does_not_own_the_old_namespace() {
        let mut again = store("shop", Plan::Small);
        again.metadata.uid = Some("uid-new".into());
        let found = candidates(
            &[namespace("store-shop", "uid-old", false)],
            &[Arc::new(again)],
        );
        assert_eq!(found.len(), 1);
    }
}
