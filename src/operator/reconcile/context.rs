//! What every reconcile shares: the children's handle, the settings, the
//! Store cache, the backoff per store, the audit log and the status record.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::ObjectReference;
use kube::Client;
use kube::runtime::events::{Event, Recorder, Reporter};
use kube::runtime::reflector::Store as Cache;

use super::written_statuses::WrittenStatuses;
use crate::api::Store;
use crate::operator::audit::AuditLog;
use crate::operator::children::Children;
use crate::operator::cluster_addresses::ClusterAddresses;
use crate::operator::concurrency::Limiter;
use crate::operator::metrics::Metrics;
use crate::settings::Settings;

/// The controller's watch cache of Stores, shared once the controller runs.
pub type StoreCache = Arc<Mutex<Option<Cache<Store>>>>;

/// Returns once the controller shares its Store cache and it has listed:
/// before then, every store would look gone.
pub async fn stores_listed(cache: &StoreCache) {
    loop {
        let shared = cache.lock().ok().and_then(|c| c.clone());
        if let Some(stores) = shared
            && stores.wait_until_ready().await.is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every Store the cache holds now (none before the controller runs).
pub fn all_stores(cache: &StoreCache) -> Vec<Arc<Store>> {
    cache
        .lock()
        .ok()
        .and_then(|c| c.as_ref().map(|c| c.state()))
        .unwrap_or_default()
}

/// Publishes the operator's Events. kube's `Recorder` keeps each Event it
/// published, to count a repeat into a series, until a later publish finds
/// it six minutes old: after a burst, a fleet at rest held two Events a store
/// for good. A recorder for each Event keeps none; the operator's Events are
/// phase changes and finished backups and restores, not repeats.
pub struct Events {
    client: Client,
    reporter: Reporter,
}

impl Events {
    pub fn new(client: Client, reporter: Reporter) -> Self {
        Events { client, reporter }
    }

    pub async fn publish(
        &self,
        event: &Event,
        reference: &ObjectReference,
    ) -> Result<(), kube::Error> {
        Recorder::new(self.client.clone(), self.reporter.clone())
            .publish(event, reference)
            .await
    }
}

pub struct Context {
    /// The client, the record of writes and the caches: what the steps use.
    pub children: Children,
    pub settings: Settings,
    /// The operator's identity as an RBAC subject: what it binds to itself.
    pub operator: k8s_openapi::api::rbac::v1::Subject,
    pub recorder: Events,
    pub metrics: Arc<Metrics>,
    /// Consecutive errors per store (namespace/name), for its backoff.
    pub failures: Mutex<HashMap<String, u32>>,
    pub stores: StoreCache,
    /// Where lifecycle events are recorded.
    pub audit: Arc<AuditLog>,
    /// Statuses written that the Store cache may not show yet.
    pub written_statuses: WrittenStatuses,
    /// Slots for reconciles running at once.
    pub concurrency: Arc<Limiter>,
    /// The API server's and the nodes' addresses: out of every store's reach.
    pub addresses: ClusterAddresses,
}

/// The first retry after an error, and the most a store waits between retries.
pub const BACKOFF_BASE: Duration = Duration::from_secs(2);
pub const BACKOFF_CAP: Duration = Duration::from_secs(300);

impl Context {
    /// Exponential backoff per store: 2s, 4s, 8s ... capped at 5 minutes.
    pub fn next_backoff(&self, key: &str) -> Duration {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let count = failures.entry(key.to_string()).or_insert(0);
        *count = count.saturating_add(1);
        backoff(*count)
    }

    /// Every Store the controller's cache holds now (none before it runs).
    pub fn all_stores(&self) -> Vec<Arc<Store>> {
        all_stores(&self.stores)
    }

    pub fn reset_backoff(&self, key: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(key);
    }
}

pub fn backoff(attempt: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(16));
    BACKOFF_BASE.saturating_mul(factor).min(BACKOFF_CAP)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn store_scans_wait_for_the_controllers_cache_to_list() {
        use kube::runtime::watcher::Event;
        let cache: StoreCache = Arc::default();
        let waiting = tokio::spawn({
            let cache = cache.clone();
            async move { stores_listed(&cache).await }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "no cache shared yet");
        let (reader, mut writer) = kube::runtime::reflector::store::<Store>();
        *cache.lock().unwrap() = Some(reader);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "the cache has not listed");
        writer.apply_watcher_event(&Event::Init);
        writer.apply_watcher_event(&Event::InitDone);
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("listed")
            .unwrap();
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(2), Duration::from_secs(4));
        assert_eq!(backoff(5), Duration::from_secs(32));
        assert_eq!(backoff(9), BACKOFF_CAP);
        assert_eq!(backoff(u32::MAX), BACKOFF_CAP);
    }
}
