//! The `Store` custom resource. Its schema carries every validation rule, so
//! plain `kubectl apply` is held to the same rules as the CLI.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use super::validation::{
    EMAIL_CEL, HOSTNAME_CEL, INTERNAL_HOST_CEL, LOOKALIKE_HOST_CEL, OBJECT_REFERENCE_CEL,
    STORE_NAME_CEL, STORE_NAME_RESERVED_CEL, currency_cel,
};

/// A WooCommerce store: its namespace, database, WordPress and Ingress are
/// provisioned by the Nexus operator.
#[derive(CustomResource, KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[kube(
    group = "nexus.dev",
    version = "v1alpha1",
    kind = "Store",
    namespaced,
    status = "StoreStatus",
    shortname = "nst",
    category = "nexus",
    doc = "A WooCommerce store provisioned by the Nexus operator",
    derive = "PartialEq",
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    printcolumn(name = "Plan", type_ = "string", json_path = ".spec.plan"),
    printcolumn(name = "URL", type_ = "string", json_path = ".status.url"),
    printcolumn(name = "Age", type_ = "date", json_path = ".metadata.creationTimestamp"),
    validation = kube::core::Rule::new(STORE_NAME_CEL).message(
        "the store name must be a DNS label of at most 40 characters: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit"
    ),
    validation = kube::core::Rule::new(STORE_NAME_RESERVED_CEL).message(
        "the store name may not have '--' as its third and fourth characters: that marks internationalized (xn--) names"
    ),
    validation = kube::core::Rule::new("has(self.spec.source) == has(oldSelf.spec.source)").message(
        "source is fixed when the store is made: a store is cloned from a backup only when it is created"
    ),
)]
#[serde(rename_all = "camelCase")]
pub struct StoreSpec {
    /// The shop software. Fixed for the life of the store.
    #[x_kube(validation = kube::core::Rule::new("self == oldSelf").message("engine is immutable: delete the store and create a new one to change it"))]
    pub engine: Engine,

    /// The size of the store: its resource quota and limits.
    #[serde(default)]
    pub plan: Plan,

    /// Host name to serve the store at instead of `<name>.<base domain>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 253))]
    #[x_kube(
        validation = kube::core::Rule::new(HOSTNAME_CEL).message("domain must be a lowercase host name such as shop.example.com"),
        validation = kube::core::Rule::new(INTERNAL_HOST_CEL).message("domain may not be a cluster-internal or private name (.svc, .local, .internal, .localhost, .arpa)"),
        validation = kube::core::Rule::new(LOOKALIKE_HOST_CEL).message("domain may not have an internationalized (xn--) label: those can spell a look-alike of another address")
    )]
    pub domain: Option<String>,

    /// Email address of the store's WordPress administrator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 254))]
    #[x_kube(validation = kube::core::Rule::new(EMAIL_CEL).message("adminEmail must be an email address such as owner@example.com"))]
    pub admin_email: Option<String>,

    /// WooCommerce settings applied when the store is set up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub woocommerce: Option<WooCommerceOptions>,

    /// Scale the store's WordPress and database to zero while true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suspend: bool,

    /// Scheduled backups and how long they are kept (backups must be
    /// configured on the platform).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<BackupPolicy>,

    /// Checks of the store as a shopper that the operator runs on its own
    /// (as `kubectl nexus store check` does), their result in the Healthy
    /// condition; a Ready store that fails one is Degraded. Off when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckPolicy>,

    /// Made as a clone of a completed Backup in this namespace: its data is
    /// loaded before the setup runs, with new secrets and the site's
    /// addresses rewritten to this store's. Fixed for the life of the store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[x_kube(validation = kube::core::Rule::new("self == oldSelf").message("source is fixed when the store is made: create a new store to clone another backup"))]
    pub source: Option<StoreSource>,
}

/// What a store is made from.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct StoreSource {
    /// A completed Backup in the store's namespace (of any store there, also
    /// one deleted since).
    #[x_kube(validation = kube::core::Rule::new(OBJECT_REFERENCE_CEL).message("source.backup must name a Backup: a DNS subdomain of at most 253 characters"))]
    pub backup: String,
}

/// How often the operator checks a store as a shopper.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckPolicy {
    /// Time between checks, such as "15m" or "1h": at least 1m, at most 24h.
    #[schemars(length(max = 32))]
    pub interval: String,
}

impl CheckPolicy {
    /// The interval, when it is one a check can keep.
    pub fn interval(&self) -> Result<std::time::Duration, super::validation::Invalid> {
        super::validation::check_interval(&self.interval)
    }
}

/// When a store is backed up on its own, and which of those backups are kept.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct BackupPolicy {
    /// When, in cron's five fields (minute hour day-of-month month
    /// day-of-week, UTC), such as "0 3 * * *" for 03:00 every day.
    #[schemars(length(max = 100))]
    pub schedule: String,
    /// Which scheduled backups are kept; older ones are removed with their
    /// objects (manual backups and final backups are never removed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep: Option<BackupKeep>,
}

impl BackupPolicy {
    /// A schedule that fires and a keep that can be read.
    pub fn check(&self) -> Result<(), super::validation::Invalid> {
        let keep = self.keep.as_ref();
        super::validation::backup_policy(
            &self.schedule,
            keep.and_then(|k| k.count),
            keep.and_then(|k| k.age.as_deref()),
        )
    }
}

/// Scheduled backups are kept while both hold (either alone when one is
/// left out; all of them when both are).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct BackupKeep {
    /// The newest this many completed ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1000))]
    pub count: Option<u32>,
    /// Those younger than this, such as 30d or 12h.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 16))]
    pub age: Option<String>,
}

/// The shop software a store runs.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Woocommerce,
}

/// Store sizes; each maps to a ResourceQuota and LimitRange.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    #[default]
    Small,
    Medium,
    Large,
}

impl Plan {
    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Small => "small",
            Plan::Medium => "medium",
            Plan::Large => "large",
        }
    }
}

impl std::fmt::Display for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// WooCommerce options for the setup job.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct WooCommerceOptions {
    /// The shop's currency: an ISO 4217 code such as USD or EUR, or one
    /// WooCommerce adds such as BTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 3))]
    #[x_kube(validation = kube::core::Rule::new(currency_cel()).message("currency must be one a shop can price in: an ISO 4217 code such as USD, EUR or JPY, or one WooCommerce adds such as BTC"))]
    pub currency: Option<String>,

    /// Create a sample product so checkout can be tried at once (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_products: Option<bool>,
}

/// Where a store is in its life.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, schemars::JsonSchema)]
pub enum Phase {
    Pending,
    Provisioning,
    Ready,
    /// Was Ready and lost a component: it returns to Ready by itself.
    Degraded,
    /// Asked to suspend: its pods are stopping.
    Suspending,
    Suspended,
    Failed,
    Deleting,
}

impl Phase {
    pub const ALL: [Phase; 8] = [
        Phase::Pending,
        Phase::Provisioning,
        Phase::Ready,
        Phase::Degraded,
        Phase::Suspending,
        Phase::Suspended,
        Phase::Failed,
        Phase::Deleting,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Pending => "Pending",
            Phase::Provisioning => "Provisioning",
            Phase::Ready => "Ready",
            Phase::Degraded => "Degraded",
            Phase::Suspending => "Suspending",
            Phase::Suspended => "Suspended",
            Phase::Failed => "Failed",
            Phase::Deleting => "Deleting",
        }
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the operator observed of a store.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StoreStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    /// One condition per provisioning step, plus `Ready`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The namespace that holds the store's workloads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The Secret with the WordPress admin credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_secret_ref: Option<SecretReference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// When provisioning of the current spec started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_started_at: Option<Time>,
    /// When the store last became Ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_at: Option<Time>,
    /// The pinned versions the store runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<EngineVersions>,
    /// The `nexus.dev/retry` annotation the operator last acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_token: Option<String>,
    /// When each step of the last provisioning started and finished, in
    /// order (a step not reached yet is missing; one still running has no
    /// finish).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 16))]
    pub steps: Vec<StepTiming>,
    /// The last check of the store as a shopper (`kubectl nexus store check`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<StoreCheck>,
}

/// One run of the synthetic shopper against the live store.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StoreCheck {
    /// The request it answers: the `nexus.dev/check-requested` value.
    #[schemars(length(max = 64))]
    pub request: String,
    pub finished_at: Time,
    /// Every step passed.
    pub passed: bool,
    /// The steps taken, up to the first that failed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 8))]
    pub steps: Vec<CheckStep>,
    /// Why no step could be taken (a suspended store, a check pod that
    /// failed), when none was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 512))]
    pub message: Option<String>,
}

/// How one step of a check went.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckStep {
    /// home, product, add-to-cart, checkout.
    #[schemars(length(max = 32))]
    pub step: String,
    pub passed: bool,
    /// Time spent on its requests.
    pub seconds: f64,
    /// The HTTP status of its last request, when one was answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// What was wrong, for a failed step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 512))]
    pub message: Option<String>,
    /// The start of the answer that failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 256))]
    pub excerpt: Option<String>,
}

/// One step of a provisioning on the clock.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepTiming {
    /// The step, as its condition is named (Namespace, ..., Ingress).
    #[schemars(length(max = 32))]
    pub step: String,
    pub started_at: Time,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Time>,
}

impl StoreCheck {
    /// The steps taken, by name: "home, product, add-to-cart".
    pub fn step_names(&self) -> String {
        let names: Vec<&str> = self.steps.iter().map(|s| s.step.as_str()).collect();
        names.join(", ")
    }
}

impl CheckStep {
    /// The step in one line: which, the HTTP status, what was wrong.
    pub fn summary(&self) -> String {
        let status = self
            .http_status
            .map(|s| format!(" (HTTP {s})"))
            .unwrap_or_default();
        let said = match (&self.message, self.passed) {
            (Some(message), _) => message.as_str(),
            (None, true) => "passed",
            (None, false) => "failed",
        };
        format!("step {}{status}: {said}", self.step)
    }
}

/// A reference to a Secret by namespace and name.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, schemars::JsonSchema)]
pub struct SecretReference {
    pub namespace: String,
    pub name: String,
}

/// Pinned component versions of a store.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EngineVersions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wordpress: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub woocommerce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
}

/// Set by `kubectl nexus store retry`: a Failed store with a new value is
/// provisioned again.
pub const RETRY_ANNOTATION: &str = "nexus.dev/retry";

/// Set by `kubectl nexus store report` to when it was asked for: a read
/// leaves no trace at admission, this write does (an audit record `report`).
/// The operator does nothing with it.
pub const REPORT_ANNOTATION: &str = "nexus.dev/report-requested";

/// Set by `kubectl nexus store credentials` (and the dashboard's "Show
/// credentials") to when they were asked for, before the Secret is read: the
/// read leaves no trace at admission, this write does (an audit record
/// `credentials`). The operator does nothing with it.
pub const CREDENTIALS_ANNOTATION: &str = "nexus.dev/credentials-requested";

/// Set by `kubectl nexus store check` to a new value for each check it asks
/// for; the operator answers in `status.check` (whose `request` is that
/// value) and the `Healthy` condition.
pub const CHECK_ANNOTATION: &str = "nexus.dev/check-requested";

/// How a check request that also checks out begins (`store check
/// --checkout`): the rest is its time, as in a light one.
pub const CHECKOUT_REQUEST: &str = "checkout ";

/// Whether a check request asks for a checkout as well.
pub fn checkout_requested(request: &str) -> bool {
    request.starts_with(CHECKOUT_REQUEST)
}

/// Set to "true" by `kubectl nexus store delete --skip-final-backup`: the
/// store is deleted without a final backup.
pub const SKIP_FINAL_BACKUP_ANNOTATION: &str = "nexus.dev/skip-final-backup";

impl Store {
    /// The host the store is served at: its domain, else `<name>.<base domain>`.
    pub fn host(&self, base_domain: &str) -> String {
        self.spec.domain.clone().unwrap_or_else(|| {
            format!(
                "{}.{base_domain}",
                self.metadata.name.as_deref().unwrap_or_default()
            )
        })
    }

    /// The phase as the user should see it: a store nobody reconciled yet is Pending.
    pub fn phase(&self) -> Phase {
        if self.metadata.deletion_timestamp.is_some() {
            return Phase::Deleting;
        }
        self.status
            .as_ref()
            .and_then(|s| s.phase)
            .unwrap_or(Phase::Pending)
    }
}
