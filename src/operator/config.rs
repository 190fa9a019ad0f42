//! What the operator runs with, checked before it starts (the command line
//! makes it from the flags: `cli::operator`).

use std::time::Duration;

use super::concurrency::Concurrency;
use super::{object_store, webhook};
use crate::settings::Settings;

pub struct Config {
    /// What the builders read: domains, images, plans, network ranges.
    pub settings: Settings,
    /// Admission, when asked for (`--webhook-url` or `--webhook-service`).
    pub webhook: Option<webhook::Config>,
    /// This replica's name in the leader Lease.
    pub identity: String,
    pub lease_name: String,
    /// The operator's own namespace: the Lease, the webhook's Secrets, the audit anchors.
    pub lease_namespace: String,
    /// Stores reconciled at once.
    pub concurrency: Concurrency,
    /// Reconcile only Stores with these labels (a shard).
    pub store_selector: Option<String>,
    pub orphan_scan_interval: Duration,
    /// Audit records older than this are pruned; zero keeps them.
    pub audit_retention: Duration,
    /// Apply this version's CRDs at start.
    pub manage_crds: bool,
    /// Where /metrics, /healthz and /readyz are served.
    pub metrics_address: String,
    /// The object store backups go to, when configured.
    pub backup: Option<object_store::Config>,
}
