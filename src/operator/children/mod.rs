//! A store's children (everything the operator makes in its namespace): how
//! they are written (`write`, each write proven to stay in the store's own
//! namespace), what was last written to each (`write_record`), the watch caches
//! read instead of the API server (`caches`, fed by `watches`), and what a
//! pod's status says (`pods`). Nothing here knows the steps or the status.

pub mod caches;
pub mod pods;
pub mod watches;
pub mod write;
pub mod write_record;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use kube::Client;

use crate::operator::metrics::Metrics;

/// What reading and writing a store's children needs, and all a step may
/// touch of the operator's state: the client, the record of what was
/// written, the watch caches and the write counters.
pub struct Children {
    pub client: Client,
    pub writes: Arc<write_record::WriteRecord>,
    pub caches: caches::Caches,
    pub metrics: Arc<Metrics>,
    /// Stores whose Secrets this process has seen in place.
    pub secrets_checked: SecretsChecked,
}

/// Stores (by UID) whose Secrets this process has seen in place: their step
/// is trusted from then on, as no watch reports Secrets.
#[derive(Default)]
pub struct SecretsChecked(Mutex<HashSet<String>>);

impl SecretsChecked {
    pub fn contains(&self, store_uid: &str) -> bool {
        self.0.lock().is_ok_and(|c| c.contains(store_uid))
    }

    pub fn remember(&self, store_uid: &str) {
        let mut checked = self.0.lock().unwrap_or_else(|e| e.into_inner());
        checked.insert(store_uid.to_string());
    }

    /// Forgets a store that is gone.
    pub fn forget(&self, store_uid: &str) {
        let mut checked = self.0.lock().unwrap_or_else(|e| e.into_inner());
        checked.remove(store_uid);
    }
}

/// The name every write of the operator carries (server-side apply's field
/// manager): the operator owns exactly the fields it writes under it.
pub const FIELD_MANAGER: &str = "nexus-operator";
