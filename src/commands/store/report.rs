//! `store report`: one tar.gz about a store that a platform engineer can
//! attach to a ticket. It holds what the caller may read and says what it
//! could not. Secrets are left out by construction: no Secret's data is ever
//! put in (their names, types and keys only), objects lose their managed
//! fields, and a pod's environment names Secrets, never their values.

use std::io::Write;
use std::path::{Path, PathBuf};

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{
    Event, LimitRange, PersistentVolumeClaim, Pod, ResourceQuota, Secret, Service,
};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use kube::api::{ListParams, LogParams};
use kube::{Api, Resource, ResourceExt};
use serde::Serialize;

use super::stores;
use crate::api::{REPORT_ANNOTATION, store_namespace};
use crate::cli::AuditArgs;
use crate::commands::{Session, audit};
use crate::error::{Error, Result};

/// What `store report` wrote.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ReportOutcome {
    pub store: String,
    /// Where the archive is ("-": standard output).
    pub file: String,
    /// The archive's entries, in order.
    pub entries: Vec<String>,
    /// What could not be read, and why (mostly: the caller may not).
    pub left_out: Vec<String>,
}

/// How the report is asked for.
pub struct ReportRequest<'a> {
    pub name: &'a str,
    /// None: `nexus-report-<store>-<UTC time>.tar.gz` here.
    pub file: Option<&'a Path>,
    /// Log lines a container, from its end.
    pub tail: i64,
    /// Where the operator runs (its pods' logs, when the caller may read them).
    pub platform_namespace: &'a str,
}

/// The archive's parts before they are packed.
#[derive(Default)]
struct Parts {
    entries: Vec<(String, Vec<u8>)>,
    left_out: Vec<String>,
}

impl Parts {
    fn add(&mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.entries.push((path.into(), bytes.into()));
    }

    fn yaml(&mut self, path: &str, value: &impl Serialize) {
        match serde_yaml::to_string(value) {
            Ok(text) => self.add(path, text),
            Err(e) => self.left_out.push(format!("{path}: {e}")),
        }
    }

    fn json(&mut self, path: &str, value: &impl Serialize) {
        match serde_json::to_vec_pretty(value) {
            Ok(bytes) => self.add(path, bytes),
            Err(e) => self.left_out.push(format!("{path}: {e}")),
        }
    }
}

pub async fn report(session: &Session, request: &ReportRequest<'_>) -> Result<ReportOutcome> {
    let name = request.name;
    let mut store = super::fetch(session, name).await?;
    store.metadata.managed_fields = None;
    let mut parts = Parts::default();
    if let Err(e) = record_request(session, name).await {
        parts.left_out.push(format!(
            "the audit record of this report, not made: {}",
            said(e)
        ));
    }
    parts.yaml("store.yaml", &store);
    match super::get::get(session, name).await {
        Ok(details) => parts.json("store-details.json", &details),
        Err(e) => parts.left_out.push(format!("store-details.json: {e}")),
    }
    let workload = store
        .status
        .as_ref()
        .and_then(|s| s.namespace.clone())
        .unwrap_or_else(|| store_namespace(name));
    children(session, &workload, &mut parts).await;
    logs(session, &workload, request.tail, &mut parts).await;
    operator_logs(session, &store, request, &mut parts).await;
    audit_trail(session, name, request.platform_namespace, &mut parts).await;
    versions(session, &store, &mut parts).await;
    let summary = readme(name, &session.namespace, &workload, &parts);
    parts
        .entries
        .insert(0, ("README.txt".into(), summary.into_bytes()));

    let file = match request.file {
        Some(path) => path.to_path_buf(),
        None => {
            let stamp = k8s_openapi::jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S");
            PathBuf::from(format!("nexus-report-{name}-{stamp}.tar.gz"))
        }
    };
    let root = format!("nexus-report-{name}");
    let archive = pack(&root, &parts.entries)
        .map_err(|e| Error::Other(format!("cannot pack the report: {e}")))?;
    let shown = if file == Path::new("-") {
        std::io::stdout()
            .lock()
            .write_all(&archive)
            .map_err(crate::error::io_error)?;
        "-".to_string()
    } else {
        std::fs::write(&file, &archive)
            .map_err(|e| Error::Other(format!("cannot write {}: {e}", file.display())))?;
        file.display().to_string()
    };
    Ok(ReportOutcome {
        store: name.to_string(),
        file: shown,
        entries: parts
            .entries
            .iter()
            .map(|(path, _)| format!("{root}/{path}"))
            .collect(),
        left_out: parts.left_out,
    })
}

/// Marks the Store with when the report was asked for: a write admission
/// sees and records (action `report`), so who gathered a store's details is
/// in its audit trail like every change. Before the trail is read, so the
/// archive holds this request's own record.
async fn record_request(session: &Session, name: &str) -> std::result::Result<(), kube::Error> {
    let now = k8s_openapi::jiff::Timestamp::now().to_string();
    let patch = serde_json::json!({ "metadata": { "annotations": { REPORT_ANNOTATION: now } } });
    let params = kube::api::PatchParams {
        field_manager: Some(super::fields::FIELD_MANAGER.into()),
        ..Default::default()
    };
    stores(session)
        .patch(name, &params, &kube::api::Patch::Merge(&patch))
        .await
        .map(drop)
}

/// A tar.gz of the entries under `root/`.
fn pack(root: &str, entries: &[(String, Vec<u8>)]) -> std::io::Result<Vec<u8>> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let now = k8s_openapi::jiff::Timestamp::now().as_second().max(0) as u64;
    for (path, bytes) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(now);
        header.set_cksum();
        tar.append_data(&mut header, format!("{root}/{path}"), bytes.as_slice())?;
    }
    tar.into_inner()?.finish()
}

/// A list of one kind in the store's namespace, without managed fields, as
/// `children/<plural>.yaml`; what the caller may not read is said.
async fn list_kind<K>(session: &Session, namespace: &str, plural: &str, parts: &mut Parts)
where
    K: Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + Serialize
        + std::fmt::Debug,
{
    let api: Api<K> = Api::namespaced(session.client.clone(), namespace);
    match api.list(&ListParams::default()).await {
        Ok(list) => {
            let items: Vec<K> = list
                .items
                .into_iter()
                .map(|mut item| {
                    item.meta_mut().managed_fields = None;
                    item
                })
                .collect();
            parts.yaml(&format!("children/{plural}.yaml"), &items);
        }
        Err(e) => parts
            .left_out
            .push(format!("children/{plural}.yaml: {}", cannot(e))),
    }
}

/// What the API server said.
fn said(error: kube::Error) -> String {
    match error {
        kube::Error::Api(status) => format!("{} ({})", status.message, status.code),
        other => other.to_string(),
    }
}

/// An API error in a few words.
fn cannot(error: kube::Error) -> String {
    match error {
        kube::Error::Api(status) if status.code == 403 => {
            "you may not read them (RBAC)".to_string()
        }
        other => said(other),
    }
}

async fn children(session: &Session, namespace: &str, parts: &mut Parts) {
    list_kind::<Pod>(session, namespace, "pods", parts).await;
    list_kind::<ResourceQuota>(session, namespace, "resourcequotas", parts).await;
    list_kind::<LimitRange>(session, namespace, "limitranges", parts).await;
    list_kind::<Deployment>(session, namespace, "deployments", parts).await;
    list_kind::<StatefulSet>(session, namespace, "statefulsets", parts).await;
    list_kind::<Job>(session, namespace, "jobs", parts).await;
    list_kind::<Service>(session, namespace, "services", parts).await;
    list_kind::<PersistentVolumeClaim>(session, namespace, "persistentvolumeclaims", parts).await;
    list_kind::<Ingress>(session, namespace, "ingresses", parts).await;
    list_kind::<NetworkPolicy>(session, namespace, "networkpolicies", parts).await;
    list_kind::<Event>(session, namespace, "events", parts).await;
    // Secrets: which exist and what keys they hold, never a value.
    let secrets: Api<Secret> = Api::namespaced(session.client.clone(), namespace);
    match secrets.list_metadata(&ListParams::default()).await {
        Ok(list) => {
            let names: String = list
                .items
                .iter()
                .map(|s| format!("{}\n", s.name_any()))
                .collect();
            parts.add("children/secrets.txt", names);
        }
        Err(e) => parts
            .left_out
            .push(format!("children/secrets.txt: {}", cannot(e))),
    }
}

/// The last `tail` lines of each container of each pod, and of its
/// previous run when it restarted.
async fn logs(session: &Session, namespace: &str, tail: i64, parts: &mut Parts) {
    let pods: Api<Pod> = Api::namespaced(session.client.clone(), namespace);
    let listed = match pods.list(&ListParams::default()).await {
        Ok(list) => list.items,
        Err(e) => {
            parts.left_out.push(format!("logs/: {}", cannot(e)));
            return;
        }
    };
    for pod in listed {
        let pod_name = pod.name_any();
        let status = pod.status.clone().unwrap_or_default();
        let containers = status
            .init_container_statuses
            .unwrap_or_default()
            .into_iter()
            .chain(status.container_statuses.unwrap_or_default());
        for container in containers {
            let mut runs = vec![false];
            if container.restart_count > 0 {
                runs.push(true);
            }
            for previous in runs {
                let params = LogParams {
                    container: Some(container.name.clone()),
                    tail_lines: Some(tail),
                    previous,
                    ..LogParams::default()
                };
                let path = format!(
                    "logs/{pod_name}/{}{}.log",
                    container.name,
                    if previous { ".previous" } else { "" }
                );
                match pods.logs(&pod_name, &params).await {
                    Ok(text) => parts.add(path, text),
                    Err(e) => parts.left_out.push(format!("{path}: {}", cannot(e))),
                }
            }
        }
    }
}

/// The operator's log lines about this store, when the caller may read the
/// operator's pods.
async fn operator_logs(
    session: &Session,
    store: &crate::api::Store,
    request: &ReportRequest<'_>,
    parts: &mut Parts,
) {
    let pods: Api<Pod> = Api::namespaced(session.client.clone(), request.platform_namespace);
    let selector = "app.kubernetes.io/name=nexus,app.kubernetes.io/component=operator";
    let listed = match pods.list(&ListParams::default().labels(selector)).await {
        Ok(list) => list.items,
        Err(e) => {
            parts.left_out.push(format!(
                "operator/: the operator's logs in {}: {}",
                request.platform_namespace,
                cannot(e)
            ));
            return;
        }
    };
    let key = format!(
        "{}/{}",
        store.namespace().unwrap_or_default(),
        store.name_any()
    );
    for pod in listed {
        let pod_name = pod.name_any();
        let params = LogParams {
            tail_lines: Some(10_000),
            ..LogParams::default()
        };
        match pods.logs(&pod_name, &params).await {
            Ok(text) => {
                let lines: String = text
                    .lines()
                    .filter(|line| line.contains(&key))
                    .map(|line| format!("{line}\n"))
                    .collect();
                parts.add(format!("operator/{pod_name}.log"), lines);
            }
            Err(e) => parts
                .left_out
                .push(format!("operator/{pod_name}.log: {}", cannot(e))),
        }
    }
}

/// The store's audit records, and whether its namespace's chain holds.
async fn audit_trail(session: &Session, name: &str, platform: &str, parts: &mut Parts) {
    let args = AuditArgs {
        store: Some(name.to_string()),
        platform_namespace: platform.to_string(),
        ..AuditArgs::default()
    };
    match audit::audit(session, &args).await {
        Ok(trail) => parts.json("audit/records.json", &trail),
        Err(e) => parts.left_out.push(format!("audit/records.json: {e}")),
    }
    match audit::verify_chains(session, &args).await {
        Ok(verification) => parts.json("audit/verify.json", &verification),
        Err(e) => parts.left_out.push(format!("audit/verify.json: {e}")),
    }
}

async fn versions(session: &Session, store: &crate::api::Store, parts: &mut Parts) {
    let server = match session.client.apiserver_version().await {
        Ok(info) => info.git_version,
        Err(e) => format!("unknown ({e})"),
    };
    let running = store.status.as_ref().and_then(|s| s.versions.clone());
    parts.json(
        "versions.json",
        &serde_json::json!({
            "kubectlNexus": env!("CARGO_PKG_VERSION"),
            "kubernetes": server,
            "store": running,
        }),
    );
}

fn readme(name: &str, namespace: &str, workload: &str, parts: &Parts) -> String {
    let now = k8s_openapi::jiff::Timestamp::now();
    let mut text = format!(
        "A report on store {namespace}/{name} (its workloads in namespace {workload}), made {now} by kubectl nexus store report.\n\nstore.yaml              the Store\nstore-details.json      its phase, conditions, last provisioning step by step, recent events\nchildren/               what the operator made for it (no Secret's value: secrets.txt names them)\nlogs/                   the last lines of each container, and of its previous run\noperator/               the operator's lines about this store\naudit/                  its audit records, and whether the namespace's chain holds\nversions.json           the plugin's, the cluster's and the store's versions\n"
    );
    if !parts.left_out.is_empty() {
        text.push_str("\nLeft out (what the account that made it may not read, or what failed):\n");
        for line in &parts.left_out {
            text.push_str(&format!("  {line}\n"));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_archive_holds_every_entry_under_one_folder() {
        let entries = vec![
            ("README.txt".to_string(), b"hello".to_vec()),
            ("logs/p/c.log".to_string(), b"line\n".to_vec()),
        ];
        let bytes = pack("nexus-report-shop", &entries).unwrap();
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
        let mut found = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let mut text = String::new();
            std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
            found.push((entry.path().unwrap().display().to_string(), text));
        }
        assert_eq!(
            found,
            [
                (
                    "nexus-report-shop/README.txt".to_string(),
                    "hello".to_string()
                ),
                (
                    "nexus-report-shop/logs/p/c.log".to_string(),
                    "line\n".to_string()
                )
            ]
        );
    }
}
