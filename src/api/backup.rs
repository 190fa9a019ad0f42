//! The `Backup` custom resource: one consistent point of a store, its
//! database dumped in one transaction, its `wp-content` archived, and a
//! manifest written last. It lives in the tenant's namespace, beside the
//! Store, so it outlives the store it was taken of.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use super::validation::STORE_REFERENCE_CEL;

/// A backup of one store, taken by the Nexus operator into the platform's
/// object store.
#[derive(CustomResource, KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[kube(
    group = "nexus.dev",
    version = "v1alpha1",
    kind = "Backup",
    namespaced,
    status = "BackupStatus",
    shortname = "nbk",
    category = "nexus",
    doc = "A backup of a Nexus store: its database, its wp-content and a manifest",
    derive = "PartialEq",
    printcolumn(name = "Store", type_ = "string", json_path = ".spec.store"),
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    printcolumn(name = "Size", type_ = "integer", json_path = ".status.sizeBytes"),
    printcolumn(name = "Verified", type_ = "string", json_path = ".status.verified.result"),
    printcolumn(name = "Age", type_ = "date", json_path = ".metadata.creationTimestamp"),
    validation = kube::core::Rule::new("self.spec == oldSelf.spec").message(
        "a backup's spec is fixed: take a new backup instead"
    ),
)]
#[serde(rename_all = "camelCase")]
pub struct BackupSpec {
    /// The store backed up, in this namespace.
    #[x_kube(validation = kube::core::Rule::new(STORE_REFERENCE_CEL).message("store must name a store: a DNS label of at most 40 characters"))]
    pub store: String,

    /// Why it was taken.
    #[serde(default)]
    pub reason: BackupReason,
}

/// Why a backup was taken.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, schemars::JsonSchema,
)]
pub enum BackupReason {
    /// Someone asked (`kubectl nexus store backup`).
    #[default]
    Manual,
    /// The store's `spec.backup.schedule`.
    Scheduled,
    /// The last backup before the store was deleted.
    BeforeDelete,
}

/// Where a backup stands.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, schemars::JsonSchema)]
pub enum BackupPhase {
    Pending,
    Running,
    /// Every part and the manifest are stored.
    Completed,
    /// It will not complete; the reason says why. Nothing of it is listed.
    Failed,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BackupStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<BackupPhase>,
    /// A machine-readable word for the phase (`ObjectStoreUnreachable`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Time>,
    /// The UID of the store it is of (its objects are kept under it, and
    /// its store's identity opens them): a store deleted and made again
    /// under the same name is another store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_uid: Option<String>,
    /// The stored parts together, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
    /// What the manifest says, once it is written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<ManifestSummary>,
    /// The last proof that the backup restores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<Verification>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

/// The manifest of a backup, as the Backup shows it: versions, parts and the
/// row counts taken in the dump's own transaction. Never a secret.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManifestSummary {
    pub nexus_version: String,
    pub wordpress_version: String,
    pub woocommerce_version: String,
    pub mariadb_version: String,
    pub parts: Vec<Part>,
    /// Rows of the tables that matter (`posts`, `orders`, `customers`).
    pub rows: std::collections::BTreeMap<String, u64>,
}

/// One stored object of a backup.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    /// `database` or `content`.
    pub name: String,
    pub bytes: u64,
    /// Of the stored (encrypted) bytes, lowercase hex.
    pub sha256: String,
}

/// A check that the backup loads: its dump into a scratch database, its
/// parts against their hashes, the row counts against the manifest.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// `Restorable` or `NotRestorable`.
    pub result: String,
    /// Why not, as a word (`PartTampered`, `LoadFailed`, `RowsMismatch`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub at: Time,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The request it answered (the Backup's `nexus.dev/verify`
    /// annotation when one asked for it; none after the backup itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
}

/// Set on a Backup (`kubectl nexus store backup verify`) to check it again:
/// a value its last verification did not answer asks for one.
pub const VERIFY_ANNOTATION: &str = "nexus.dev/verify";

#[cfg(test)]
mod tests {
    use super::*;
    use kube::CustomResourceExt;

    #[test]
    fn the_crd_lists_store_phase_size_and_verdict_and_fixes_the_spec() {
        let crd = serde_json::to_value(Backup::crd()).unwrap();
        let version = &crd["spec"]["versions"][0];
        let columns: Vec<&str> = version["additionalPrinterColumns"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["name"].as_str())
            .collect();
        assert_eq!(columns, ["Store", "Phase", "Size", "Verified", "Age"]);
        let text = version["schema"].to_string();
        assert!(text.contains("self.spec == oldSelf.spec"), "{text}");
        assert!(
            text.contains(STORE_REFERENCE_CEL.replace('\\', "\\\\").as_str()),
            "{text}"
        );
    }

    #[test]
    fn a_backup_reads_back_what_it_wrote() {
        let backup: Backup = serde_json::from_value(serde_json::json!({
            "apiVersion": "nexus.dev/v1alpha1",
            "kind": "Backup",
            "metadata": {"name": "shop-1", "namespace": "team-a"},
            "spec": {"store": "shop"},
        }))
        .unwrap();
        assert_eq!(backup.spec.reason, BackupReason::Manual);
        let again: Backup = serde_json::from_value(serde_json::to_value(&backup).unwrap()).unwrap();
        assert_eq!(again, backup);
    }
}
