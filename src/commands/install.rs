//! `kubectl nexus install`: the platform without Helm. Prints the manifests
//! the chart renders with its default values (`deploy/nexus.yaml`, checked
//! against the chart by the tests), applies them server-side with
//! `--apply`, and with `--dry-run` says what applying would change.

use std::collections::HashMap;
use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Patch, PatchParams};
use kube::core::{DynamicObject, GroupVersionKind};
use kube::discovery::{ApiCapabilities, ApiResource, Scope, pinned_kind};
use kube::runtime::wait::{await_condition, conditions};
use kube::{Api, Client, ResourceExt};
use serde::{Deserialize, Serialize};

use crate::commands::Session;
use crate::error::{Error, Result, chain};

/// The platform's manifests: the chart with default values, namespace nexus-system.
pub const MANIFEST: &str = include_str!("../../deploy/nexus.yaml");
/// The field manager of `install --apply`.
const FIELD_MANAGER: &str = "kubectl-nexus-install";

/// The manifest's objects, in the order they are applied: the namespace and
/// CRDs first (the rest needs them), then the others as rendered.
pub fn objects() -> Result<Vec<DynamicObject>> {
    let mut objects = Vec::new();
    for document in serde_yaml::Deserializer::from_str(MANIFEST) {
        let value = serde_yaml::Value::deserialize(document)
            .map_err(|e| Error::Other(format!("the built-in manifest: {e}")))?;
        if value.is_null() {
            continue;
        }
        let object: DynamicObject = serde_yaml::from_value(value)
            .map_err(|e| Error::Other(format!("the built-in manifest: {e}")))?;
        objects.push(object);
    }
    objects.sort_by_key(|o| match kind_of(o).as_str() {
        "Namespace" => 0,
        "CustomResourceDefinition" => 1,
        _ => 2,
    });
    Ok(objects)
}

fn kind_of(object: &DynamicObject) -> String {
    object
        .types
        .as_ref()
        .map(|t| t.kind.clone())
        .unwrap_or_default()
}

fn gvk_of(object: &DynamicObject) -> Result<GroupVersionKind> {
    let types = object
        .types
        .as_ref()
        .ok_or_else(|| Error::Other("an object in the manifest has no kind".into()))?;
    GroupVersionKind::try_from(types).map_err(|e| Error::Other(e.to_string()))
}

/// What applying did, or would do, to one object.
#[derive(Serialize, Debug, Clone)]
pub struct Applied {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// created, configured, unchanged; with --dry-run: would be ...
    pub result: String,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct InstallOutcome {
    pub dry_run: bool,
    pub objects: Vec<Applied>,
    pub store_egress: StoreEgress,
}

/// What a store's egress to the internet (80 and 443) leaves out on this
/// cluster: the ranges the platform configured, and the addresses the
/// operator finds and follows itself.
#[derive(Serialize, Debug, Clone, Default)]
#[serde(rename_all = "camelCase")]
pub struct StoreEgress {
    /// `--cluster-cidrs` as the manifest sets it.
    pub cluster_cidrs: Vec<String>,
    /// `--egress-deny-cidrs` as the manifest sets it (metadata services).
    pub deny_cidrs: Vec<String>,
    /// The API server's endpoints now (EndpointSlice default/kubernetes).
    pub api_server: Vec<String>,
    /// The nodes' InternalIPs now.
    pub nodes: Vec<String>,
    /// Why the addresses above could not be read, when they could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unread: Option<String>,
}

/// The value the manifest's operator Deployment gives an environment variable.
fn manifest_env(objects: &[DynamicObject], name: &str) -> Option<String> {
    objects
        .iter()
        .filter(|o| kind_of(o) == "Deployment")
        .flat_map(|o| {
            o.data["spec"]["template"]["spec"]["containers"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .flat_map(|c| c["env"].as_array().cloned().unwrap_or_default())
        .find(|e| e["name"] == name)
        .and_then(|e| e["value"].as_str().map(String::from))
}

fn list(text: Option<String>) -> Vec<String> {
    text.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(String::from)
        .collect()
}

/// Reads what the operator will leave out of every store's egress.
async fn store_egress(client: &Client, objects: &[DynamicObject]) -> StoreEgress {
    use crate::operator::cluster_addresses::{
        API_SERVER_NAMESPACE, API_SERVER_SLICE, node_addresses, slice_addresses,
    };
    use k8s_openapi::api::core::v1::Node;
    use k8s_openapi::api::discovery::v1::EndpointSlice;
    let mut egress = StoreEgress {
        cluster_cidrs: list(manifest_env(objects, "NEXUS_CLUSTER_CIDRS")),
        deny_cidrs: list(manifest_env(objects, "NEXUS_EGRESS_DENY_CIDRS")),
        ..StoreEgress::default()
    };
    let slices: Api<EndpointSlice> = Api::namespaced(client.clone(), API_SERVER_NAMESPACE);
    // No slice: an API server advertising a loopback address keeps none.
    match slices.get_opt(API_SERVER_SLICE).await {
        Ok(slice) => {
            egress.api_server = slice
                .map(|slice| slice_addresses(&slice).into_iter().collect())
                .unwrap_or_default()
        }
        Err(e) => {
            egress.unread = Some(format!(
                "the EndpointSlice {API_SERVER_NAMESPACE}/{API_SERVER_SLICE}: {}",
                chain(&e)
            ))
        }
    }
    match Api::<Node>::all(client.clone())
        .list(&kube::api::ListParams::default())
        .await
    {
        Ok(nodes) => {
            let all: std::collections::BTreeSet<String> =
                nodes.items.iter().flat_map(node_addresses).collect();
            egress.nodes = all.into_iter().collect();
        }
        Err(e) => {
            let why = format!("the nodes: {}", chain(&e));
            egress.unread = Some(match egress.unread.take() {
                Some(before) => format!("{before}; {why}"),
                None => why,
            });
        }
    }
    egress
}

/// Strips what changes on every write, to compare an object before and after.
fn comparable(object: &DynamicObject) -> serde_json::Value {
    let mut value = serde_json::to_value(object).unwrap_or_default();
    if let Some(meta) = value.get_mut("metadata").and_then(|m| m.as_object_mut()) {
        for volatile in [
            "managedFields",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "uid",
        ] {
            meta.remove(volatile);
        }
    }
    if let Some(object) = value.as_object_mut() {
        object.remove("status");
    }
    value
}

pub async fn install(session: &Session, dry_run: bool) -> Result<InstallOutcome> {
    let client = &session.client;
    let mut kinds: HashMap<GroupVersionKind, (ApiResource, ApiCapabilities)> = HashMap::new();
    let mut outcome = Vec::new();
    let mut crds_waited = false;
    let objects = objects()?;
    let store_egress = store_egress(client, &objects).await;
    for object in objects {
        let gvk = gvk_of(&object)?;
        if gvk.kind != "Namespace"
            && gvk.kind != "CustomResourceDefinition"
            && !crds_waited
            && !dry_run
        {
            wait_for_crds(client).await?;
            crds_waited = true;
        }
        let name = object.name_any();
        let namespace = object.namespace().unwrap_or_default();
        let resource = match kinds.get(&gvk) {
            Some(found) => Some(found.clone()),
            None => match pinned_kind(client, &gvk).await {
                Ok(found) => {
                    kinds.insert(gvk.clone(), found.clone());
                    Some(found)
                }
                // A kind whose CRD is not there yet (a dry run before install).
                Err(_) if dry_run => None,
                Err(e) => {
                    return Err(Error::Api(format!(
                        "the cluster does not serve {} {}: {}",
                        gvk.api_version(),
                        gvk.kind,
                        chain(&e)
                    )));
                }
            },
        };
        let Some((resource, capabilities)) = resource else {
            outcome.push(Applied {
                kind: gvk.kind.clone(),
                namespace,
                name,
                result: "would be created (once its CRD is installed)".into(),
            });
            continue;
        };
        let api: Api<DynamicObject> = match capabilities.scope {
            Scope::Cluster => Api::all_with(client.clone(), &resource),
            Scope::Namespaced => Api::namespaced_with(client.clone(), &namespace, &resource),
        };
        let live = api.get_opt(&name).await.ok().flatten();
        let mut params = PatchParams::apply(FIELD_MANAGER).force();
        params.dry_run = dry_run;
        let written = match api.patch(&name, &params, &Patch::Apply(&object)).await {
            Ok(written) => written,
            // Its namespace is created by this install, not by a dry run.
            Err(kube::Error::Api(status)) if dry_run && status.code == 404 => {
                outcome.push(Applied {
                    kind: gvk.kind.clone(),
                    namespace,
                    name,
                    result: "would be created".into(),
                });
                continue;
            }
            Err(e) => {
                let reason = match &e {
                    kube::Error::Api(status) => format!("{} ({})", status.message, status.code),
                    other => chain(other),
                };
                let place = if namespace.is_empty() {
                    String::new()
                } else {
                    format!("{namespace}/")
                };
                return Err(Error::Api(format!(
                    "apply {} {place}{name}: {reason}",
                    gvk.kind
                )));
            }
        };
        let verb = match &live {
            None => "created",
            Some(live) if comparable(live) == comparable(&written) => "unchanged",
            Some(_) => "configured",
        };
        outcome.push(Applied {
            kind: gvk.kind.clone(),
            namespace,
            name,
            result: if dry_run {
                format!("would be {verb}")
            } else {
                verb.into()
            },
        });
    }
    Ok(InstallOutcome {
        dry_run,
        objects: outcome,
        store_egress,
    })
}

/// The CRDs just applied must be served before objects of their kinds are.
async fn wait_for_crds(client: &Client) -> Result<()> {
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    for (_, crd) in crate::api::crds() {
        let name = crd.name_any();
        let established = await_condition(crds.clone(), &name, conditions::is_crd_established());
        tokio::time::timeout(Duration::from_secs(60), established)
            .await
            .map_err(|_| Error::Other(format!("the CRD {name} was not established within 60s")))?
            .map_err(|e| Error::Api(format!("waiting for the CRD {name}: {e}")))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_puts_the_namespace_and_crds_first_and_holds_the_platform() {
        let objects = objects().unwrap();
        assert_eq!(kind_of(&objects[0]), "Namespace");
        let kinds: Vec<String> = objects.iter().map(kind_of).collect();
        let first_other = kinds
            .iter()
            .position(|k| k != "Namespace" && k != "CustomResourceDefinition")
            .unwrap();
        assert!(
            kinds[first_other..]
                .iter()
                .all(|k| k != "CustomResourceDefinition")
        );
        for kind in [
            "Deployment",
            "ServiceAccount",
            "ClusterRole",
            "ValidatingWebhookConfiguration",
            "ValidatingAdmissionPolicy",
            "StorePolicy",
        ] {
            assert!(kinds.iter().any(|k| k == kind), "{kind} missing");
        }
        assert_eq!(
            kinds
                .iter()
                .filter(|k| *k == "CustomResourceDefinition")
                .count(),
            crate::api::crds().len()
        );
    }
}
