//! The addresses no store may reach, whatever the flags say: the API
//! server's endpoints (the `kubernetes` EndpointSlice in `default`) and every
//! node's InternalIP. On a managed cluster the API server often listens on a
//! public address on 443, which a store's egress to the internet would
//! otherwise allow; a node runs the kubelet and whatever else its owner put
//! there. Both are watched, so every store's egress follows them: a change
//! reconciles every store, and the guardrails step writes the new list.
//!
//! Only IPv4 addresses are kept: a store's egress allows `0.0.0.0/0` alone,
//! so an IPv6 address is out of reach already (and an IPv6 `except` inside an
//! IPv4 block is invalid).

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use futures::{Stream, StreamExt};
use k8s_openapi::api::core::v1::Node;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client, ResourceExt};
use tokio::sync::watch;
use tracing::{info, warn};

/// The namespace and name of the API server's own EndpointSlice, which the
/// API server keeps current (its endpoint reconciler).
pub const API_SERVER_NAMESPACE: &str = "default";
pub const API_SERVER_SLICE: &str = "kubernetes";

/// What the watches know: the API server's addresses, each node's, and
/// whether each watch has listed once. A relist fills a list of its own that
/// replaces the known one when it is done, so no half-listed state is seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    pub api_server: BTreeSet<String>,
    pub nodes: BTreeMap<String, BTreeSet<String>>,
    api_server_listed: bool,
    nodes_listed: bool,
    api_server_relist: Option<BTreeSet<String>>,
    nodes_relist: Option<BTreeMap<String, BTreeSet<String>>>,
}

impl Known {
    /// Every address as a one-address CIDR, sorted and without repeats.
    pub fn cidrs(&self) -> Vec<String> {
        let all: BTreeSet<&String> = self
            .api_server
            .iter()
            .chain(self.nodes.values().flatten())
            .collect();
        all.into_iter().map(|ip| format!("{ip}/32")).collect()
    }

    fn listed(&self) -> bool {
        self.api_server_listed && self.nodes_listed
    }
}

/// The IPv4 addresses of an EndpointSlice's endpoints.
pub fn slice_addresses(slice: &EndpointSlice) -> BTreeSet<String> {
    slice
        .endpoints
        .iter()
        .flat_map(|endpoint| endpoint.addresses.iter())
        .filter_map(|address| ipv4(address))
        .collect()
}

/// A node's IPv4 InternalIPs.
pub fn node_addresses(node: &Node) -> BTreeSet<String> {
    node.status
        .as_ref()
        .and_then(|status| status.addresses.as_ref())
        .into_iter()
        .flatten()
        .filter(|address| address.type_ == "InternalIP")
        .filter_map(|address| ipv4(&address.address))
        .collect()
}

fn ipv4(text: &str) -> Option<String> {
    match text.trim().parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => Some(ip.to_string()),
        _ => None,
    }
}

/// The addresses, shared by the watches (writing) and reconciles (reading).
#[derive(Clone)]
pub struct ClusterAddresses {
    known: watch::Sender<Known>,
}

impl Default for ClusterAddresses {
    fn default() -> Self {
        ClusterAddresses {
            known: watch::Sender::new(Known::default()),
        }
    }
}

impl ClusterAddresses {
    /// The CIDRs every store's egress leaves out now.
    pub fn cidrs(&self) -> Vec<String> {
        self.known.borrow().cidrs()
    }

    /// Returns once both watches have listed: before then a store's egress
    /// would be written without them, and written again a moment later.
    pub async fn listed(&self) {
        let mut receiver = self.known.subscribe();
        let _ = receiver.wait_for(Known::listed).await;
    }

    /// Yields once each time the addresses differ from those of the last
    /// time, starting from those known now (or, before both watches listed,
    /// from their first listing: that is the start, not a change).
    pub fn changes(&self) -> impl Stream<Item = ()> + Send + 'static {
        let receiver = self.known.subscribe();
        let start = {
            let known = receiver.borrow();
            known.listed().then(|| known.cidrs())
        };
        futures::stream::unfold((receiver, start), |(mut receiver, mut last)| async move {
            loop {
                receiver.changed().await.ok()?;
                let known = receiver.borrow_and_update().clone();
                if !known.listed() {
                    continue;
                }
                let now = known.cidrs();
                let first = last.is_none();
                if last.as_ref() == Some(&now) {
                    continue;
                }
                last = Some(now);
                if !first {
                    return Some(((), (receiver, last)));
                }
            }
        })
    }

    /// Applies one event of the API server's EndpointSlice watch.
    pub fn api_server_event(&self, event: Event<EndpointSlice>) {
        self.update(|known| match event {
            Event::Init => known.api_server_relist = Some(BTreeSet::new()),
            Event::InitApply(slice) => known.api_server_relist = Some(slice_addresses(&slice)),
            Event::Apply(slice) => known.api_server = slice_addresses(&slice),
            Event::Delete(_) => known.api_server.clear(),
            Event::InitDone => {
                known.api_server = known.api_server_relist.take().unwrap_or_default();
                known.api_server_listed = true;
            }
        });
    }

    /// Applies one event of the node watch.
    pub fn node_event(&self, event: Event<Node>) {
        self.update(|known| match event {
            Event::Init => known.nodes_relist = Some(BTreeMap::new()),
            Event::InitApply(node) => {
                let relist = known.nodes_relist.get_or_insert_default();
                relist.insert(node.name_any(), node_addresses(&node));
            }
            Event::Apply(node) => {
                known.nodes.insert(node.name_any(), node_addresses(&node));
            }
            Event::Delete(node) => {
                known.nodes.remove(&node.name_any());
            }
            Event::InitDone => {
                known.nodes = known.nodes_relist.take().unwrap_or_default();
                known.nodes_listed = true;
            }
        });
    }

    fn update(&self, change: impl FnOnce(&mut Known)) {
        self.known.send_if_modified(|known| {
            let before = known.clone();
            change(known);
            let modified = *known != before;
            if modified && known.listed() && before.cidrs() != known.cidrs() {
                info!(
                    api_server = ?known.api_server,
                    nodes = ?known.nodes.values().flatten().collect::<BTreeSet<_>>(),
                    "every store's egress leaves out the API server's endpoints and the nodes' addresses"
                );
            }
            modified
        });
    }

    /// Runs both watches until the operator stops. A refused watch (the
    /// operator's role lacks the rights) is said once per retry, with the fix.
    pub async fn watch(self, client: Client) {
        let slices: Api<EndpointSlice> = Api::namespaced(client.clone(), API_SERVER_NAMESPACE);
        let slice_config =
            watcher::Config::default().fields(&format!("metadata.name={API_SERVER_SLICE}"));
        let nodes: Api<Node> = Api::all(client);
        let api_server = watcher::watcher(slices, slice_config).for_each(|event| {
            match event {
                Ok(event) => self.api_server_event(event),
                Err(e) => warn!(
                    error = %e,
                    "cannot watch the EndpointSlice {API_SERVER_NAMESPACE}/{API_SERVER_SLICE}: stores are not reconciled until it lists (the operator needs get, list and watch on it: the chart's Role nexus-operator-api-server)"
                ),
            }
            futures::future::ready(())
        });
        let nodes = watcher::watcher(nodes, watcher::Config::default()).for_each(|event| {
            match event {
                Ok(event) => self.node_event(event),
                Err(e) => warn!(
                    error = %e,
                    "cannot watch nodes: stores are not reconciled until they list (the operator's ClusterRole needs list and watch on nodes)"
                ),
            }
            futures::future::ready(())
        });
        futures::join!(api_server, nodes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{NodeAddress, NodeStatus};
    use k8s_openapi::api::discovery::v1::Endpoint;
    use kube::api::ObjectMeta;

    fn slice(addresses: &[&str]) -> EndpointSlice {
        EndpointSlice {
            metadata: ObjectMeta {
                name: Some(API_SERVER_SLICE.into()),
                ..ObjectMeta::default()
            },
            address_type: "IPv4".into(),
            endpoints: addresses
                .iter()
                .map(|a| Endpoint {
                    addresses: vec![a.to_string()],
                    ..Endpoint::default()
                })
                .collect(),
            ports: None,
        }
    }

    fn node(name: &str, addresses: &[(&str, &str)]) -> Node {
        Node {
            metadata: ObjectMeta {
                name: Some(name.into()),
                ..ObjectMeta::default()
            },
            status: Some(NodeStatus {
                addresses: Some(
                    addresses
                        .iter()
                        .map(|(kind, address)| NodeAddress {
                            type_: kind.to_string(),
                            address: address.to_string(),
                        })
                        .collect(),
                ),
                ..NodeStatus::default()
            }),
            ..Node::default()
        }
    }

    #[test]
    fn internal_ipv4_addresses_of_the_api_server_and_every_node_become_one_address_cidrs() {
        let addresses = ClusterAddresses::default();
        addresses.api_server_event(Event::Apply(slice(&["203.0.113.7", "2001:db8::7"])));
        addresses.node_event(Event::Apply(node(
            "a",
            &[
                ("InternalIP", "10.1.0.4"),
                ("ExternalIP", "198.51.100.4"),
                ("Hostname", "a"),
                ("InternalIP", "fd00::4"),
            ],
        )));
        addresses.node_event(Event::Apply(node("b", &[("InternalIP", "203.0.113.7")])));
        assert_eq!(
            addresses.cidrs(),
            ["10.1.0.4/32", "203.0.113.7/32"],
            "IPv4 InternalIPs only, each once"
        );
        addresses.node_event(Event::Delete(node("a", &[])));
        assert_eq!(addresses.cidrs(), ["203.0.113.7/32"]);
    }

    #[tokio::test]
    async fn reconciles_wait_for_both_lists_and_only_changes_wake_every_store() {
        let addresses = ClusterAddresses::default();
        let waiting = tokio::spawn({
            let addresses = addresses.clone();
            async move { addresses.listed().await }
        });
        addresses.api_server_event(Event::InitApply(slice(&["192.0.2.2"])));
        addresses.api_server_event(Event::InitDone);
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "the nodes have not listed");
        addresses.node_event(Event::Init);
        addresses.node_event(Event::InitApply(node("n", &[("InternalIP", "192.0.2.2")])));
        addresses.node_event(Event::InitDone);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
            .await
            .expect("listed")
            .unwrap();
        let mut changes = Box::pin(addresses.changes());
        // The same address again (a node's heartbeat) changes nothing.
        addresses.node_event(Event::Apply(node("n", &[("InternalIP", "192.0.2.2")])));
        addresses.node_event(Event::Apply(node("m", &[("InternalIP", "192.0.2.3")])));
        tokio::time::timeout(std::time::Duration::from_secs(5), changes.next())
            .await
            .expect("a new node's address is a change")
            .expect("the stream goes on");
        assert_eq!(addresses.cidrs(), ["192.0.2.2/32", "192.0.2.3/32"]);
        let quiet =
            tokio::time::timeout(std::time::Duration::from_millis(200), changes.next()).await;
        assert!(quiet.is_err(), "nothing changed since");
        // A relist is seen only once it is done: the node missing from it
        // goes, the one in it stays, and nothing empty is seen between.
        addresses.node_event(Event::Init);
        assert_eq!(addresses.cidrs(), ["192.0.2.2/32", "192.0.2.3/32"]);
        addresses.node_event(Event::InitApply(node("n", &[("InternalIP", "192.0.2.2")])));
        addresses.node_event(Event::InitDone);
        assert_eq!(addresses.cidrs(), ["192.0.2.2/32"]);
    }
}
