//! `AuditRecord`: one lifecycle event of a store, kept in the store's tenant
//! namespace (tenants read their own through RBAC, nobody else's). Records
//! form a chain per namespace: each carries its sequence number and the hash
//! of the record before it, so a deleted or replaced record shows in
//! `kubectl nexus audit --verify`. The spec never changes once written; the
//! request's source (IPs, user agent), known only to the API server's audit
//! backend, is filled in once, later, in the status.

use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

/// Immutable once written: the API server refuses any change to the spec.
const SPEC_IMMUTABLE: &str = "self.spec == oldSelf.spec";
/// The source of the request is written once and never changed.
const SOURCE_ONCE: &str = "!has(oldSelf.status) || !has(oldSelf.status.auditID) || (has(self.status) && self.status == oldSelf.status)";

/// One event in a store's life: who did what, when, and what came of it.
#[derive(CustomResource, KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[kube(
    group = "nexus.dev",
    version = "v1alpha1",
    kind = "AuditRecord",
    namespaced,
    status = "RequestSource",
    shortname = "nar",
    category = "nexus",
    doc = "An audit record of a Nexus store's lifecycle, chained to the record before it",
    derive = "PartialEq",
    printcolumn(name = "Seq", type_ = "integer", json_path = ".spec.sequence"),
    printcolumn(name = "Store", type_ = "string", json_path = ".spec.store"),
    printcolumn(name = "Action", type_ = "string", json_path = ".spec.action"),
    printcolumn(name = "Outcome", type_ = "string", json_path = ".spec.outcome"),
    printcolumn(name = "Actor", type_ = "string", json_path = ".spec.actor.username"),
    printcolumn(name = "Time", type_ = "date", json_path = ".spec.time"),
    validation = kube::core::Rule::new(SPEC_IMMUTABLE).message("audit records are immutable"),
    validation = kube::core::Rule::new(SOURCE_ONCE).message("the source of an audited request is recorded once and cannot be changed"),
)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecordSpec {
    /// Position in the namespace's chain, from 1.
    pub sequence: u64,
    /// SHA-256 (hex) of the previous record's spec; empty for the first.
    #[serde(default)]
    pub previous: String,
    /// When it happened (RFC 3339, UTC).
    pub time: String,
    /// The store's name.
    pub store: String,
    pub action: AuditAction,
    pub outcome: AuditOutcome,
    /// Who asked, as the API server authenticated them.
    pub actor: Actor,
    /// What changed, why it was refused, or why it failed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub details: String,
    /// The admission request's UID, for requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_uid: Option<String>,
    /// For `checkpoint` records: the records up to here were pruned by retention.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<Checkpoint>,
    /// For a record of refusals counted instead of recorded one by one: how
    /// many, and when the first and last were; `details` is the last one's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coalesced: Option<Coalesced>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuditAction {
    Create,
    Update,
    Suspend,
    Resume,
    Retry,
    /// Someone gathered the store's report (`kubectl nexus store report`).
    Report,
    /// Someone read the store's admin credentials (`kubectl nexus store
    /// credentials`, or the dashboard's button).
    Credentials,
    Delete,
    /// The operator: the store became Ready.
    Ready,
    /// The operator: provisioning failed.
    Failed,
    /// The operator: a Ready store lost a part.
    Degraded,
    /// The operator: everything of the store is gone.
    Deleted,
    /// The operator: a backup of the store finished (stored, or failed and why).
    Backup,
    /// The operator: a restore of the store finished (switched, or failed
    /// with the store on its data from before).
    Restore,
    /// The operator: a new store's data was loaded from a backup (of
    /// another store, or of one deleted since), or failed to be.
    Clone,
    /// The operator: a scheduled backup was removed by the store's `keep`,
    /// its objects with it.
    #[serde(rename = "backup-removed")]
    BackupRemoved,
    /// The operator: the store failed its check as a shopper (`Healthy`
    /// became False), or passed again after one it failed.
    Check,
    /// Retention pruned older records.
    Checkpoint,
}

impl AuditAction {
    pub const ALL: [AuditAction; 18] = [
        AuditAction::Create,
        AuditAction::Update,
        AuditAction::Suspend,
        AuditAction::Resume,
        AuditAction::Retry,
        AuditAction::Report,
        AuditAction::Credentials,
        AuditAction::Delete,
        AuditAction::Ready,
        AuditAction::Failed,
        AuditAction::Degraded,
        AuditAction::Deleted,
        AuditAction::Backup,
        AuditAction::Restore,
        AuditAction::Clone,
        AuditAction::BackupRemoved,
        AuditAction::Check,
        AuditAction::Checkpoint,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Suspend => "suspend",
            AuditAction::Resume => "resume",
            AuditAction::Retry => "retry",
            AuditAction::Report => "report",
            AuditAction::Credentials => "credentials",
            AuditAction::Delete => "delete",
            AuditAction::Ready => "ready",
            AuditAction::Failed => "failed",
            AuditAction::Degraded => "degraded",
            AuditAction::Deleted => "deleted",
            AuditAction::Backup => "backup",
            AuditAction::Restore => "restore",
            AuditAction::Clone => "clone",
            AuditAction::BackupRemoved => "backup-removed",
            AuditAction::Check => "check",
            AuditAction::Checkpoint => "checkpoint",
        }
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuditOutcome {
    /// Admission let the request through.
    Admitted,
    /// Admission refused it.
    Denied,
    /// The operator finished it.
    Succeeded,
    /// The operator could not.
    Failed,
}

impl std::fmt::Display for AuditOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AuditOutcome::Admitted => "admitted",
            AuditOutcome::Denied => "denied",
            AuditOutcome::Succeeded => "succeeded",
            AuditOutcome::Failed => "failed",
        })
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    pub username: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
}

/// Records 1..=`through` were pruned; `hash` is the hash of record `through`,
/// which the record after it names as its previous.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
    pub through: u64,
    pub hash: String,
}

/// Refused requests of one user in one namespace that a record stands for
/// (admission records the first few of a window one by one and counts the rest).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Coalesced {
    pub count: u64,
    /// When the first and the last of them were refused (RFC 3339, UTC).
    pub first: String,
    pub last: String,
}

/// Where the request came from, as the API server's audit backend tells it.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestSource {
    /// The API server's audit ID of the request.
    #[serde(default, skip_serializing_if = "String::is_empty", rename = "auditID")]
    pub audit_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty", rename = "sourceIPs")]
    pub source_ips: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user_agent: String,
}

/// The name of the record at `sequence`: sorting names sorts the chain.
pub fn record_name(sequence: u64) -> String {
    format!("audit-{sequence:012}")
}
