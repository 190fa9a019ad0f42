//! Prometheus metrics, and the HTTP server for /metrics, /healthz, /readyz.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use kube::runtime::reflector::Store as Cache;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::api::{Phase, Store};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CategoryLabel {
    pub category: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    pub kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PhaseLabel {
    pub phase: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StepLabel {
    pub step: String,
}

/// A histogram's buckets for one step of a store check: 10 ms to about 20 s.
fn check_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.01, 2.0, 12))
}

/// A histogram's buckets for how long a provisioning step takes: 50 ms to
/// about 7 minutes.
fn step_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.05, 2.0, 14))
}

/// A finished backup or restore: `completed` or `failed`, and the reason
/// (one of its controller's few, so the label set stays small).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    pub outcome: String,
    pub reason: String,
}

pub struct Metrics {
    pub reconciles: Counter,
    pub errors: Family<CategoryLabel, Counter>,
    pub reconcile_duration: Histogram,
    pub provisioning_duration: Histogram,
    /// How long each step of a provisioning took, by step.
    pub step_duration: Family<StepLabel, Histogram, fn() -> Histogram>,
    /// How long each step of a store check took, by step.
    pub check_duration: Family<StepLabel, Histogram, fn() -> Histogram>,
    /// Store checks that failed, by the step that failed.
    pub check_failures: Family<StepLabel, Counter>,
    pub stores: Family<PhaseLabel, Gauge>,
    pub is_leader: Gauge,
    /// Bytes the process holds on its heap, at the last scrape.
    pub heap: Gauge,
    pub orphaned_namespaces: Gauge,
    /// Reconciles allowed at once (see `concurrency`).
    pub concurrency: Gauge,
    /// Applies sent to the API server, by kind.
    pub writes: Family<KindLabel, Counter>,
    /// Applies not sent: the object was as desired and untouched since.
    pub writes_skipped: Counter,
    /// Backups finished, by outcome and reason.
    pub backups: Family<OutcomeLabel, Counter>,
    /// Restores finished, by outcome and reason.
    pub restores: Family<OutcomeLabel, Counter>,
    /// Backups verified, by result (Restorable, NotRestorable) and reason.
    pub verifications: Family<OutcomeLabel, Counter>,
    registry: Registry,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("nexus");
        let reconciles = Counter::default();
        let errors = Family::<CategoryLabel, Counter>::default();
        let reconcile_duration = Histogram::new(exponential_buckets(0.01, 2.0, 12));
        let provisioning_duration = Histogram::new(exponential_buckets(15.0, 2.0, 8));
        let step_duration: Family<StepLabel, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(step_buckets);
        registry.register(
            "step_duration_seconds",
            "Time one provisioning step took, from the end of the step before it, by step",
            step_duration.clone(),
        );
        let check_duration: Family<StepLabel, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(check_buckets);
        registry.register(
            "store_check_duration_seconds",
            "Time one step of a store check (kubectl nexus store check) took, by step",
            check_duration.clone(),
        );
        let check_failures = Family::<StepLabel, Counter>::default();
        registry.register(
            "store_check_failures",
            "Store checks that failed, by the step that failed",
            check_failures.clone(),
        );
        let stores = Family::<PhaseLabel, Gauge>::default();
        let is_leader = Gauge::default();
        let heap = Gauge::default();
        let orphaned_namespaces = Gauge::default();
        let concurrency = Gauge::default();
        let writes = Family::<KindLabel, Counter>::default();
        let writes_skipped = Counter::default();
        let backups = Family::<OutcomeLabel, Counter>::default();
        registry.register(
            "backups_finished",
            "Backups finished, by outcome (completed, failed) and reason",
            backups.clone(),
        );
        let verifications = Family::<OutcomeLabel, Counter>::default();
        registry.register(
            "backup_verifications",
            "Backups verified in a scratch MariaDB, by result (Restorable, NotRestorable) and reason",
            verifications.clone(),
        );
        let restores = Family::<OutcomeLabel, Counter>::default();
        registry.register(
            "restores_finished",
            "Restores finished, by outcome (completed, failed) and reason",
            restores.clone(),
        );
        registry.register(
            "child_writes",
            "Applies of store children sent to the API server, by kind",
            writes.clone(),
        );
        registry.register(
            "child_writes_skipped",
            "Applies not sent: the child was as desired and untouched since the operator wrote it",
            writes_skipped.clone(),
        );
        registry.register("reconciles", "Store reconciles run", reconciles.clone());
        registry.register(
            "reconcile_errors",
            "Store reconciles that failed, by category",
            errors.clone(),
        );
        registry.register(
            "reconcile_duration_seconds",
            "Time one reconcile took",
            reconcile_duration.clone(),
        );
        registry.register(
            "provisioning_duration_seconds",
            "Time from the start of provisioning to Ready",
            provisioning_duration.clone(),
        );
        registry.register("stores", "Stores by phase", stores.clone());
        registry.register(
            "leader",
            "1 while this replica holds the leader lease",
            is_leader.clone(),
        );
        registry.register(
            "heap_bytes",
            "Bytes allocated and not freed (what the process holds; its resident set also counts memory kept for reuse)",
            heap.clone(),
        );
        registry.register(
            "orphaned_namespaces",
            "Store namespaces whose Store is gone (forced away), kept with their data",
            orphaned_namespaces.clone(),
        );
        registry.register(
            "reconcile_concurrency",
            "Stores reconciled at once at most, now (sized from the API server's pace unless fixed)",
            concurrency.clone(),
        );
        Metrics {
            orphaned_namespaces,
            concurrency,
            writes,
            writes_skipped,
            backups,
            restores,
            verifications,
            reconciles,
            errors,
            reconcile_duration,
            provisioning_duration,
            step_duration,
            check_duration,
            check_failures,
            stores,
            is_leader,
            heap,
            registry,
        }
    }
}

impl Metrics {
    /// The text exposition, with the store gauge counted from the cache now.
    pub fn render(&self, cache: Option<&Cache<Store>>) -> String {
        if let Some(cache) = cache {
            let stores = cache.state();
            for phase in Phase::ALL {
                let count = stores.iter().filter(|s| s.phase() == phase).count();
                self.stores
                    .get_or_create(&PhaseLabel {
                        phase: phase.to_string(),
                    })
                    .set(count as i64);
            }
        }
        self.heap.set(crate::heap::live_bytes() as i64);
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            text.clear();
        }
        text
    }
}

/// Shared with the HTTP handlers.
#[derive(Clone)]
pub struct HttpState {
    pub metrics: Arc<Metrics>,
    pub ready: Arc<AtomicBool>,
    pub cache: Arc<std::sync::Mutex<Option<Cache<Store>>>>,
}

pub fn router(state: HttpState) -> Router {
    Router::new()
        .route("/metrics", get(metrics_handler))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready_handler))
        .with_state(state)
}

async fn metrics_handler(State(state): State<HttpState>) -> String {
    let cache = state.cache.lock().ok().and_then(|c| c.clone());
    state.metrics.render(cache.as_ref())
}

async fn ready_handler(State(state): State<HttpState>) -> (StatusCode, &'static str) {
    if state.ready.load(Ordering::Relaxed) {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "starting")
    }
}
