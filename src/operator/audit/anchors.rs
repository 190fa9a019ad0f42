//! Keeps each namespace's audit anchor (`crate::audit::anchor`): a ConfigMap
//! `nexus-audit-anchor-<namespace>` in the operator's namespace, where
//! tenants cannot write. Appends move the anchor's head forward, batched (at
//! most one write per namespace every `EVERY`), never backwards, with a
//! compare-and-swap between replicas; retention anchors the checkpoint that
//! covers a chain's start before it deletes what that checkpoint covers.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{ObjectMeta, Patch, PatchParams, PostParams};
use kube::{Api, Client};
use tracing::warn;

use crate::api::labels::{MANAGED_BY, MANAGER};
use crate::audit::anchor::{self, Anchor, Mark};
use crate::operator::error::{Error, Result};

/// Replicas may write an anchor at once.
const ATTEMPTS: usize = 5;

/// How often moved heads are written.
pub const EVERY: Duration = Duration::from_secs(5);

pub struct Anchors {
    client: Client,
    /// Where the anchors live: the operator's namespace.
    namespace: String,
    /// Per namespace, what was written since the last write of its anchor.
    moved: Mutex<HashMap<String, Moved>>,
}

#[derive(Debug, Clone)]
struct Moved {
    /// Record 1, when it was among them: a new chain.
    first: Option<Mark>,
    /// The newest of them.
    head: Mark,
}

impl Anchors {
    pub fn new(client: Client, namespace: String) -> Self {
        Anchors {
            client,
            namespace,
            moved: Mutex::new(HashMap::new()),
        }
    }

    fn moved(&self) -> std::sync::MutexGuard<'_, HashMap<String, Moved>> {
        self.moved.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A record was written: the anchor moves to it at the next write.
    pub fn wrote(&self, namespace: &str, mark: Mark) {
        let first = (mark.sequence == 1).then(|| mark.clone());
        let mut moved = self.moved();
        let entry = moved.entry(namespace.to_string()).or_insert(Moved {
            first: None,
            head: mark.clone(),
        });
        if first.is_some() {
            entry.first = first;
        }
        if entry.head.sequence < mark.sequence {
            entry.head = mark;
        }
    }

    /// Writes every anchor moved since the last call; what fails is kept for
    /// the next.
    pub async fn write_moved(&self) {
        let moved = std::mem::take(&mut *self.moved());
        for (namespace, written) in moved {
            let forward = |anchor: &mut Anchor| {
                // Record 1 unlike the anchored one: the namespace is new
                // (deleted and made again), its chain and anchor too.
                if let Some(first) = &written.first
                    && anchor.first.as_ref() != Some(first)
                {
                    *anchor = Anchor {
                        first: Some(first.clone()),
                        head: Some(written.head.clone()),
                        checkpoint: None,
                    };
                    return true;
                }
                let newer = anchor
                    .head
                    .as_ref()
                    .is_none_or(|head| head.sequence < written.head.sequence);
                if newer {
                    anchor.head = Some(written.head.clone());
                }
                newer
            };
            if let Err(e) = self.update(&namespace, forward).await {
                warn!(error = %e, namespace = %namespace, "cannot move the audit anchor; trying again");
                let mut moved = self.moved();
                moved.entry(namespace).or_insert(written);
            }
        }
    }

    /// Anchors `mark` as the checkpoint covering the namespace's chain start.
    pub async fn anchor_checkpoint(&self, namespace: &str, mark: Mark) -> Result<()> {
        self.update(namespace, |anchor| {
            let changed = anchor.checkpoint.as_ref() != Some(&mark);
            anchor.checkpoint = Some(mark.clone());
            if anchor
                .head
                .as_ref()
                .is_none_or(|h| h.sequence < mark.sequence)
            {
                anchor.head = Some(mark.clone());
            }
            changed
        })
        .await
    }

    /// The anchor of a namespace (empty when none was written yet).
    pub async fn read(&self, namespace: &str) -> Result<Anchor> {
        let found = self
            .api()
            .get_opt(&anchor::name(namespace))
            .await
            .map_err(Error::api(format!(
                "read the audit anchor of namespace {namespace}"
            )))?;
        Ok(found
            .and_then(|c| c.data)
            .map(|data| Anchor::from_data(&data))
            .unwrap_or_default())
    }

    fn api(&self) -> Api<ConfigMap> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    /// Reads the anchor, lets `change` say whether it changes, and writes it
    /// only if nobody wrote it in between (resourceVersion); reads again on
    /// a conflict.
    async fn update(&self, namespace: &str, change: impl Fn(&mut Anchor) -> bool) -> Result<()> {
        let api = self.api();
        let name = anchor::name(namespace);
        let action = |verb: &str| format!("{verb} the audit anchor {}/{name}", self.namespace);
        for _ in 0..ATTEMPTS {
            let existing = api
                .get_opt(&name)
                .await
                .map_err(Error::api(action("read")))?;
            let mut anchor = existing
                .as_ref()
                .and_then(|c| c.data.as_ref())
                .map(Anchor::from_data)
                .unwrap_or_default();
            if !change(&mut anchor) {
                return Ok(());
            }
            let written = match &existing {
                None => {
                    let fresh = ConfigMap {
                        metadata: ObjectMeta {
                            name: Some(name.clone()),
                            labels: Some(BTreeMap::from([
                                (MANAGED_BY.to_string(), MANAGER.to_string()),
                                (anchor::LABEL.to_string(), namespace.to_string()),
                            ])),
                            ..ObjectMeta::default()
                        },
                        data: Some(anchor.to_data()),
                        ..ConfigMap::default()
                    };
                    api.create(&PostParams::default(), &fresh).await.map(|_| ())
                }
                Some(current) => {
                    let patch = serde_json::json!({
                        "metadata": {"resourceVersion": current.metadata.resource_version},
                        "data": anchor.to_data(),
                    });
                    api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                        .await
                        .map(|_| ())
                }
            };
            match written {
                Ok(()) => return Ok(()),
                Err(kube::Error::Api(status)) if status.code == 409 => continue,
                Err(e) => return Err(Error::api(action("write"))(e)),
            }
        }
        Err(Error::Contended {
            what: action("settle on"),
            attempts: ATTEMPTS,
        })
    }
}
