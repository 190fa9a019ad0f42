//! The `Store` API (group `nexus.dev`), shared by the CLI and the operator.

pub mod audit;
pub mod conditions;
pub mod labels;
pub mod policy;
pub mod quota;
pub mod store;
pub mod validation;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;

pub use store::{
    Engine, EngineVersions, Phase, Plan, RETRY_ANNOTATION, SecretReference, Store, StoreSpec,
    StoreStatus, WooCommerceOptions,
};

/// Every CRD of the `nexus.dev` API, with its plural (the file names and
/// the objects `--manage-crds` applies).
pub fn crds() -> Vec<(&'static str, CustomResourceDefinition)> {
    use kube::CustomResourceExt;
    vec![
        ("stores", Store::crd()),
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
