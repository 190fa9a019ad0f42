//! The fleet, live: one watch of the Stores the person may list, shared by
//! every page the dashboard serves. It keeps the stores as the summaries
//! `store list -o json` prints (memory is one summary a store, whatever the
//! number of pages), and publishes the fleet a moment after it changes;
//! pages get it pushed (server-sent events) and never poll a store.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use kube::api::ListParams;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Api, ResourceExt};
use serde::Serialize;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::api::Store;
use crate::commands::Session;
use crate::commands::store::StoreSummary;

/// Changes that arrive within this time reach the pages together (a
/// thousand stores being made do not redraw a page a thousand times).
const SETTLE: Duration = Duration::from_millis(250);

/// The fleet as the pages see it.
#[derive(Serialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Fleet {
    pub items: Vec<StoreSummary>,
    /// The one namespace watched, when the person may not list stores
    /// across namespaces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `namespace/name` of each store that changed since the fleet was last
    /// published (a store's page reads its details again only then).
    pub changed: Vec<String>,
    /// The first list is in: until then the fleet is not known.
    pub synced: bool,
    /// Why the watch does not answer, while it retries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Fleet {
    /// Known, or known not to be: the first list is in, or the watch says
    /// why it cannot list. Pages wait for this before their first answer.
    pub fn answered(&self) -> bool {
        self.synced || self.error.is_some()
    }
}

/// Starts the watch (every namespace, or the session's own when the person
/// may not list across namespaces); it runs as long as the dashboard.
pub async fn follow(session: &Session) -> watch::Receiver<Arc<Fleet>> {
    let client = session.client.clone();
    let everywhere = Api::<Store>::all(client.clone());
    let probe = everywhere
        .list_metadata(&ListParams::default().limit(1))
        .await;
    let (api, namespace) = match probe {
        Err(kube::Error::Api(status)) if status.code == 403 => (
            Api::<Store>::namespaced(client, &session.namespace),
            Some(session.namespace.clone()),
        ),
        _ => (everywhere, None),
    };
    let mut fleet = Folded {
        namespace,
        ..Folded::default()
    };
    let (publish, pages) = watch::channel(Arc::new(fleet.publish()));
    tokio::spawn(async move {
        let events = watcher::watcher(api, watcher::Config::default()).default_backoff();
        let mut events = std::pin::pin!(events);
        // When the changes seen so far go out (None: nothing to publish).
        let mut due: Option<Instant> = None;
        loop {
            let next = match due {
                Some(at) => match tokio::time::timeout_at(at, events.next()).await {
                    Ok(next) => next,
                    Err(_settled) => {
                        due = None;
                        publish.send_replace(Arc::new(fleet.publish()));
                        continue;
                    }
                },
                None => events.next().await,
            };
            let Some(event) = next else { return };
            fleet.apply(event.map_err(|e| e.to_string()));
            due.get_or_insert_with(|| Instant::now() + SETTLE);
        }
    });
    pages
}

/// The watch's events folded into the fleet.
#[derive(Default, Debug)]
struct Folded {
    namespace: Option<String>,
    /// By (namespace, name): the store's resourceVersion and summary.
    stores: BTreeMap<(String, String), (String, StoreSummary)>,
    /// A relist under way (the watch restarted): what it listed so far.
    relisting: Option<BTreeMap<(String, String), (String, StoreSummary)>>,
    changed: BTreeSet<String>,
    synced: bool,
    error: Option<String>,
}

impl Folded {
    fn apply(&mut self, event: Result<Event<Store>, String>) {
        let event = match event {
            Ok(event) => event,
            Err(why) => {
                self.error = Some(format!("the watch of stores failed (retrying): {why}"));
                return;
            }
        };
        self.error = None;
        match event {
            Event::Init => self.relisting = Some(BTreeMap::new()),
            Event::InitApply(store) => {
                let (key, entry) = entry(&store);
                self.relisting
                    .get_or_insert_with(BTreeMap::new)
                    .insert(key, entry);
            }
            Event::InitDone => {
                let listed = self.relisting.take().unwrap_or_default();
                // Whatever the relist found different (or gone) changed.
                let keys: BTreeSet<_> = self.stores.keys().chain(listed.keys()).cloned().collect();
                for key in keys {
                    let before = self.stores.get(&key).map(|(version, _)| version);
                    if before != listed.get(&key).map(|(version, _)| version) {
                        self.changed.insert(label(&key));
                    }
                }
                self.stores = listed;
                self.synced = true;
            }
            Event::Apply(store) => {
                let (key, entry) = entry(&store);
                self.changed.insert(label(&key));
                self.stores.insert(key, entry);
            }
            Event::Delete(store) => {
                let (key, _) = entry(&store);
                self.changed.insert(label(&key));
                self.stores.remove(&key);
            }
        }
    }

    /// The fleet now; what changed is reported once.
    fn publish(&mut self) -> Fleet {
        Fleet {
            items: self.stores.values().map(|(_, s)| s.clone()).collect(),
            namespace: self.namespace.clone(),
            changed: std::mem::take(&mut self.changed).into_iter().collect(),
            synced: self.synced,
            error: self.error.clone(),
        }
    }
}

fn entry(store: &Store) -> ((String, String), (String, StoreSummary)) {
    let key = (store.namespace().unwrap_or_default(), store.name_any());
    let version = store.resource_version().unwrap_or_default();
    (key, (version, StoreSummary::from(store)))
}

fn label((namespace, name): &(String, String)) -> String {
    format!("{namespace}/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store(namespace: &str, name: &str, version: &str, phase: Option<&str>) -> Store {
        let mut object = json!({
            "apiVersion": "nexus.dev/v1alpha1", "kind": "Store",
            "metadata": {"name": name, "namespace": namespace, "resourceVersion": version},
            "spec": {"engine": "woocommerce"}
        });
        if let Some(phase) = phase {
            object["status"] = json!({ "phase": phase });
        }
        serde_json::from_value(object).unwrap()
    }

    fn names(fleet: &Fleet) -> Vec<String> {
        fleet
            .items
            .iter()
            .map(|s| format!("{}/{}", s.namespace, s.name))
            .collect()
    }

    #[test]
    fn the_fleet_follows_its_watch_and_says_what_changed_once() {
        let mut fleet = Folded::default();
        assert!(!fleet.publish().synced, "not known before the first list");
        fleet.apply(Ok(Event::Init));
        fleet.apply(Ok(Event::InitApply(store("b", "shop", "1", None))));
        fleet.apply(Ok(Event::InitApply(store("a-b", "shop", "2", None))));
        fleet.apply(Ok(Event::InitApply(store("a", "shop", "3", None))));
        fleet.apply(Ok(Event::InitDone));
        let first = fleet.publish();
        assert!(first.synced);
        // Sorted as `store list` sorts: by namespace, then name.
        assert_eq!(names(&first), ["a/shop", "a-b/shop", "b/shop"]);
        assert_eq!(first.changed.len(), 3);
        assert!(fleet.publish().changed.is_empty(), "reported once");

        fleet.apply(Ok(Event::Apply(store("a", "shop", "4", Some("Ready")))));
        fleet.apply(Ok(Event::Delete(store("b", "shop", "1", None))));
        let next = fleet.publish();
        assert_eq!(names(&next), ["a/shop", "a-b/shop"]);
        assert_eq!(next.items[0].phase, crate::api::Phase::Ready);
        assert_eq!(next.changed, ["a/shop", "b/shop"]);

        // A failing watch says so and keeps the fleet it knows.
        fleet.apply(Err("connection refused".into()));
        let failing = fleet.publish();
        assert_eq!(names(&failing), ["a/shop", "a-b/shop"]);
        assert!(failing.error.unwrap().contains("connection refused"));

        // The watch restarts: only what the relist finds different changed.
        fleet.apply(Ok(Event::Init));
        fleet.apply(Ok(Event::InitApply(store("a", "shop", "4", Some("Ready")))));
        fleet.apply(Ok(Event::InitApply(store("c", "new", "9", None))));
        fleet.apply(Ok(Event::InitDone));
        let relisted = fleet.publish();
        assert_eq!(relisted.error, None);
        assert_eq!(names(&relisted), ["a/shop", "c/new"]);
        assert_eq!(relisted.changed, ["a-b/shop", "c/new"]);
    }
}
