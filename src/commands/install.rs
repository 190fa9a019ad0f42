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
pub struct InstallOutcome {
    pub dry_run: bool,
    pub objects: Vec<Applied>,
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
    for object in objects()? {
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
