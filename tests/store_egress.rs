//! A store's egress to the internet leaves out the API server's endpoints
//! and every node's address with no flag naming them, and follows them as
//! nodes come and go. Its own test binary: adding a node makes every
//! operator rewrite every store's egress policy, which would disturb the
//! tests of other binaries that count writes (binaries run one at a time).

mod common;

use common::stores::*;
use common::wait_for;
use k8s_openapi::api::core::v1::Node;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::Api;
use kube::api::{DeleteParams, Patch, PatchParams, PostParams};
use serde_json::json;

/// The CIDRs the store's internet rule leaves out.
fn internet_except(policy: &NetworkPolicy) -> Vec<String> {
    policy
        .spec
        .as_ref()
        .and_then(|s| s.egress.as_ref())
        .into_iter()
        .flatten()
        .flat_map(|rule| rule.to.iter().flatten())
        .filter_map(|peer| peer.ip_block.as_ref())
        .filter(|block| block.cidr == "0.0.0.0/0")
        .flat_map(|block| block.except.clone().unwrap_or_default())
        .collect()
}

/// Deletes an object the test made, whatever happens: kind, namespace, name.
struct Deleted(&'static str, &'static str, String);

impl Drop for Deleted {
    fn drop(&mut self) {
        let mut args = vec!["delete", self.0, self.2.as_str(), "--ignore-not-found"];
        if !self.1.is_empty() {
            args.extend(["-n", self.1]);
        }
        common::kubectl("admin", &args);
    }
}

/// Waits until the store's egress leaves `cidr` out (`wanted`) or names it
/// no more; returns the policy.
async fn wait_left_out(
    policies: &Api<NetworkPolicy>,
    cidr: &str,
    wanted: bool,
    what: &str,
) -> NetworkPolicy {
    let cidr = cidr.to_string();
    let condition = move |policy: Option<&NetworkPolicy>| {
        policy.is_some_and(|p| internet_except(p).contains(&cidr) == wanted)
    };
    wait_for(policies, "allow-store-egress", 60, what, condition).await
}

#[tokio::test]
async fn store_egress_leaves_out_the_api_server_and_every_node_and_follows_new_nodes() {
    // The operator runs with no --cluster-cidrs naming any of them.
    let fixture = ready_store("egress", "egress", woocommerce()).await;
    let admin = &fixture.admin;
    let policies = Api::<NetworkPolicy>::namespaced(admin.clone(), &fixture.workload);
    let except = internet_except(&policies.get("allow-store-egress").await.unwrap());

    let (api_server, nodes) = common::cluster_addresses();
    assert!(!nodes.is_empty(), "the nodes have InternalIPs");
    for address in api_server.iter().chain(&nodes) {
        let cidr = format!("{address}/32");
        assert!(
            except.contains(&cidr),
            "{cidr} is reachable from the store: its egress leaves out only {except:?}"
        );
    }

    // The API server moves to an address outside every configured range.
    // The test cluster's API server advertises 127.0.0.1, for which it keeps
    // no endpoints, so the test writes its EndpointSlice as the API server's
    // endpoint reconciler would.
    let slices = Api::<EndpointSlice>::namespaced(admin.clone(), "default");
    let slice: EndpointSlice = serde_json::from_value(json!({
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": "kubernetes", "labels": {"kubernetes.io/service-name": "kubernetes"}},
        "addressType": "IPv4",
        "endpoints": [{"addresses": ["198.51.100.80"], "conditions": {"ready": true}}],
        "ports": [{"name": "https", "port": 443, "protocol": "TCP"}],
    }))
    .unwrap();
    slices
        .create(&PostParams::default(), &slice)
        .await
        .expect("the test cluster's API server keeps no EndpointSlice of its own");
    let _slice = Deleted("endpointslice", "default", "kubernetes".into());
    wait_left_out(
        &policies,
        "198.51.100.80/32",
        true,
        "leaving out the API server's new address",
    )
    .await;
    slices
        .delete("kubernetes", &DeleteParams::default())
        .await
        .unwrap();
    wait_left_out(
        &policies,
        "198.51.100.80/32",
        false,
        "no longer naming the API server's old address",
    )
    .await;

    // A node joins with an address outside every configured range: every
    // store's egress leaves it out at once, and again lets it be once the
    // node is gone.
    let address = "198.51.100.77";
    let cidr = format!("{address}/32");
    assert!(!except.contains(&cidr));
    let nodes_api = Api::<Node>::all(admin.clone());
    let name = format!("egress-{}", common::unique_suffix());
    let node: Node = serde_json::from_value(json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"nexus.dev/test-node": "egress"}},
        "spec": {"taints": [{"key": "nexus.dev/test-node", "effect": "NoSchedule"}]},
    }))
    .unwrap();
    nodes_api
        .create(&PostParams::default(), &node)
        .await
        .unwrap();
    let _node = Deleted("node", "", name.clone());
    let status = json!({"status": {"addresses": [
        {"type": "InternalIP", "address": address},
        {"type": "ExternalIP", "address": "192.0.2.250"},
        {"type": "Hostname", "address": name},
    ]}});
    nodes_api
        .patch_status(&name, &PatchParams::default(), &Patch::Merge(&status))
        .await
        .unwrap();
    let policy = wait_left_out(&policies, &cidr, true, "leaving out the new node").await;
    assert!(
        !internet_except(&policy).contains(&"192.0.2.250/32".to_string()),
        "only InternalIPs are left out"
    );
    nodes_api
        .delete(&name, &DeleteParams::default())
        .await
        .unwrap();
    wait_left_out(&policies, &cidr, false, "no longer naming the deleted node").await;
}
