//! The `Store` API (group `nexus.dev`), shared by the CLI and the operator.

pub mod audit;
pub mod backup;
pub mod conditions;
pub mod labels;
pub mod policy;
pub mod quota;
pub mod restore;
pub mod store;
pub mod validation;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;

pub use store::{
    CHECK_ANNOTATION, CHECKOUT_REQUEST, CREDENTIALS_ANNOTATION, CheckPolicy, CheckStep, Engine,
    EngineVersions, Phase, Plan, REPORT_ANNOTATION, RETRY_ANNOTATION, SecretReference, StepTiming,
    Store, StoreCheck, StoreSource, StoreSpec, StoreStatus, WooCommerceOptions, checkout_requested,
};

/// A Store as the operator and its webhook keep it in memory: without field
/// owners and without annotations of others (kubectl's copy of the last
/// applied object among them); what Nexus reads is under `nexus.dev/`.
/// Labels stay (store selectors read them); admission bounds them.
pub fn slim_store(store: &mut Store) {
    store.metadata.managed_fields = None;
    if let Some(annotations) = store.metadata.annotations.as_mut() {
        annotations.retain(|key, _| key.starts_with("nexus.dev/"));
    }
}

/// Every CRD of the `nexus.dev` API, with its plural (the file names and
/// the objects `--manage-crds` applies).
pub fn crds() -> Vec<(&'static str, CustomResourceDefinition)> {
    use kube::CustomResourceExt;
    vec![
        ("stores", Store::crd()),
        ("backups", backup::Backup::crd()),
        ("restores", restore::Restore::crd()),
        ("storepolicies", policy::StorePolicy::crd()),
        ("auditrecords", audit::AuditRecord::crd()),
        ("quotareviews", quota::QuotaReview::crd()),
    ]
}

/// Every store's workloads live in a namespace of their own with this prefix.
pub const STORE_NAMESPACE_PREFIX: &str = "store-";

/// The namespace that holds the workloads of the store named `name`.
pub fn store_namespace(name: &str) -> String {
    format!("{STORE_NAMESPACE_PREFIX}{name}")
}
