//! The `Store` API (group `nexus.dev`), shared by the CLI and the operator.

pub mod audit;
pub mod conditions;
pub mod labels;
pub mod policy;
pub mod quota;
pub mod store;
pub mod validation;

pub use store::{
    Engine, EngineVersions, Phase, Plan, RETRY_ANNOTATION, SecretReference, Store, StoreSpec,
    StoreStatus, WooCommerceOptions,
};

/// Every store's workloads live in a namespace of their own with this prefix.
pub const STORE_NAMESPACE_PREFIX: &str = "store-";

/// The namespace that holds the workloads of the store named `name`.
pub fn store_namespace(name: &str) -> String {
    format!("{STORE_NAMESPACE_PREFIX}{name}")
}
