//! The `Restore` custom resource: a store put back, in place, to one of its
//! completed backups. It lives in the tenant's namespace beside the Store
//! and the Backup. The restore loads into a fresh database and a fresh
//! directory and switches only once both are loaded and their rows match
//! the manifest; until then, and on any failure, the store runs on the data
//! it had.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use super::validation::{OBJECT_REFERENCE_CEL, STORE_REFERENCE_CEL};

/// An in-place restore of a Nexus store from one of its backups.
#[derive(CustomResource, KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[kube(
    group = "nexus.dev",
    version = "v1alpha1",
    kind = "Restore",
    namespaced,
    status = "RestoreStatus",
    shortname = "nrs",
    category = "nexus",
    doc = "An in-place restore of a Nexus store from one of its backups",
    derive = "PartialEq",
    printcolumn(name = "Store", type_ = "string", json_path = ".spec.store"),
    printcolumn(name = "Backup", type_ = "string", json_path = ".spec.backup"),
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    printcolumn(name = "Reason", type_ = "string", json_path = ".status.reason"),
    printcolumn(name = "Age", type_ = "date", json_path = ".metadata.creationTimestamp"),
    validation = kube::core::Rule::new("self.spec == oldSelf.spec").message(
        "a restore's spec is fixed: ask for a new restore instead"
    ),
)]
#[serde(rename_all = "camelCase")]
pub struct RestoreSpec {
    /// The store restored, in this namespace.
    #[x_kube(validation = kube::core::Rule::new(STORE_REFERENCE_CEL).message("store must name a store: a DNS label of at most 40 characters"))]
    pub store: String,

    /// The completed Backup of that store to restore, in this namespace.
    #[x_kube(validation = kube::core::Rule::new(OBJECT_REFERENCE_CEL).message("backup must name a Backup: a DNS subdomain of at most 253 characters"))]
    pub backup: String,
}

/// The name of the Restore that loads a clone's data (`spec.source`): one
/// per store (its UID), so a store made again under the same name makes its
/// own, and the history of each stays.
pub fn clone_restore_name(store: &str, store_uid: &str) -> String {
    let short: String = store_uid.chars().filter(|c| *c != '-').take(8).collect();
    format!("{store}-clone-{short}")
}

/// Where a restore stands.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, schemars::JsonSchema)]
pub enum RestorePhase {
    Pending,
    /// Parts fetched and checked, then loaded beside the live data.
    Running,
    /// The store runs on the backup's data.
    Completed,
    /// The store runs on the data it had; the reason says why.
    Failed,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RestoreStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<RestorePhase>,
    /// A machine-readable word for the phase (`PartTampered`, `LoadFailed`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Time>,
    /// Rows of the tables that matter, as loaded (they matched the manifest).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub rows: std::collections::BTreeMap<String, u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::CustomResourceExt;

    #[test]
    fn the_crd_lists_store_backup_and_phase_and_fixes_the_spec() {
        let crd = serde_json::to_value(Restore::crd()).unwrap();
        let version = &crd["spec"]["versions"][0];
        let columns: Vec<&str> = version["additionalPrinterColumns"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["name"].as_str())
            .collect();
        assert_eq!(columns, ["Store", "Backup", "Phase", "Reason", "Age"]);
        let text = version["schema"].to_string();
        assert!(text.contains("self.spec == oldSelf.spec"), "{text}");
        assert!(text.contains("backup must name a Backup"), "{text}");
    }
}
