//! Writes audit records into their chains and prunes them by retention.
//! Records are named by sequence, so appending is a create of the next name:
//! when another writer (another replica, another request) took it first, the
//! create conflicts, and the writer finds the chain's newest record and tries
//! the one after. Every replica may write; within one, a namespace's appends
//! take turns (the API server calls the webhook for concurrent requests at
//! once), so only replicas race each other and a conflict costs one round.
//! A record of an admission request carries the request's UID (a label): the
//! same request is recorded once, however often its append is tried.

pub mod anchors;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use kube::api::{DeleteParams, ListParams, ObjectMeta, PostParams};
use kube::{Api, Client, ResourceExt};
use tracing::{info, warn};

use crate::api::audit::{
    Actor, AuditAction, AuditOutcome, AuditRecord, AuditRecordSpec, Checkpoint, Coalesced,
    record_name,
};
use crate::api::labels::{MANAGED_BY, MANAGER, STORE_LABEL};
use crate::audit::anchor::Mark;
use crate::audit::chain::covering_checkpoint;
use crate::audit::event::Entry;
use crate::audit::{hash, select, verify};
use crate::operator::error::{Error, Result};
use anchors::Anchors;

/// The label that names the admission request a record is of.
pub const REQUEST_LABEL: &str = "nexus.dev/request-uid";

/// Rounds of create-conflict before giving up. Each conflict moves to the
/// chain's newest record, and only other replicas race this one, so only
/// replicas that win every round against it exhaust it.
const ATTEMPTS: usize = 50;

/// What a record may carry besides its entry.
#[derive(Debug, Clone, Default)]
pub struct Extra {
    /// Retention pruned the records up to here.
    pub checkpoint: Option<Checkpoint>,
    /// The record stands for these refusals (see `webhook::refusals`).
    pub coalesced: Option<Coalesced>,
}

#[derive(Debug, Clone)]
struct Head {
    sequence: u64,
    hash: String,
}

impl Head {
    const EMPTY: Head = Head {
        sequence: 0,
        hash: String::new(),
    };

    fn of(record: &AuditRecord) -> Head {
        Head {
            sequence: record.spec.sequence,
            hash: hash(&record.spec),
        }
    }

    fn mark(&self) -> Mark {
        Mark {
            sequence: self.sequence,
            hash: self.hash.clone(),
        }
    }
}

/// The writer every part of one operator process shares.
pub struct AuditLog {
    client: Client,
    /// Who the operator is: the actor of what it reports.
    pub operator: Actor,
    /// The newest record this process knows of, per namespace: a hint,
    /// corrected by the first conflict.
    heads: Mutex<HashMap<String, Head>>,
    /// One turn at a time per namespace in this process.
    turns: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Each chain's anchor in the operator's namespace.
    pub anchors: Anchors,
}

impl AuditLog {
    /// `home`: the operator's namespace, where the anchors live.
    pub fn new(client: Client, operator: String, home: String) -> Self {
        AuditLog {
            anchors: Anchors::new(client.clone(), home),
            client,
            operator: Actor {
                username: operator,
                ..Actor::default()
            },
            heads: Mutex::new(HashMap::new()),
            turns: Mutex::new(HashMap::new()),
        }
    }

    /// The lock whose guard is this process's turn to append in `namespace`.
    fn turn(&self, namespace: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut turns = self.turns.lock().unwrap_or_else(|e| e.into_inner());
        // Locks nobody holds or waits for are dropped, so the map stays as
        // small as the namespaces being written at once.
        turns.retain(|_, lock| Arc::strong_count(lock) > 1);
        turns.entry(namespace.to_string()).or_default().clone()
    }

    /// An event the operator itself reports (a phase reached, a store gone).
    pub async fn report(
        &self,
        namespace: &str,
        store: &str,
        (action, outcome, details): (AuditAction, AuditOutcome, String),
    ) -> Result<String> {
        let entry = Entry {
            store: store.into(),
            action,
            outcome,
            actor: self.operator.clone(),
            details,
            request_uid: None,
        };
        self.append(namespace, &entry, Extra::default()).await
    }

    /// Appends `entry` to the chain of `namespace`; returns the record's name.
    /// An entry of a request already recorded (the API server called again,
    /// or an earlier try's answer was lost) returns that record instead.
    pub async fn append(&self, namespace: &str, entry: &Entry, extra: Extra) -> Result<String> {
        let api: Api<AuditRecord> = Api::namespaced(self.client.clone(), namespace);
        let turn = self.turn(namespace);
        let _turn = turn.lock().await;
        if let Some(uid) = entry.request_uid.as_deref()
            && let Some(name) = recorded(&api, namespace, uid).await?
        {
            return Ok(name);
        }
        let known = self.heads().get(namespace).cloned();
        let mut head = match known {
            Some(head) => head,
            None => read_head(&api, namespace).await?,
        };
        for _ in 0..ATTEMPTS {
            let record = next_record(namespace, &head, entry, extra.clone());
            let name = record.name_any();
            match api.create(&PostParams::default(), &record).await {
                Ok(_) => {
                    let written = Head::of(&record);
                    self.anchors.wrote(namespace, written.mark());
                    self.remember(namespace, written);
                    return Ok(name);
                }
                Err(kube::Error::Api(status)) if status.code == 409 => {
                    let taken = api.get_opt(&name).await.map_err(read_error(namespace))?;
                    if let Some(taken) = &taken
                        && same_request(taken, entry)
                    {
                        return Ok(name);
                    }
                    head = match taken {
                        // Another writer is ahead, by one record or by
                        // hundreds (a replica whose head is old): go to the
                        // newest and remember it.
                        Some(taken) => newest_from(&api, namespace, taken).await?,
                        None => read_head(&api, namespace).await?,
                    };
                    self.remember(namespace, head.clone());
                }
                Err(e) => {
                    self.heads().remove(namespace);
                    return Err(Error::api(format!("create AuditRecord {namespace}/{name}"))(e));
                }
            }
        }
        Err(Error::Contended {
            what: format!("the audit chain of namespace {namespace}"),
            attempts: ATTEMPTS,
        })
    }

    /// Every namespace that holds a record, from pages of names.
    async fn namespaces_with_records(&self) -> Result<Vec<String>> {
        let all: Api<AuditRecord> = Api::all(self.client.clone());
        let mut namespaces = std::collections::BTreeSet::new();
        let mut params = ListParams::default().limit(PAGE);
        loop {
            let page = all
                .list_metadata(&params)
                .await
                .map_err(Error::api("list AuditRecords (retention)"))?;
            namespaces.extend(page.items.iter().filter_map(|r| r.namespace()));
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(token) => params = params.continue_token(&token),
                None => return Ok(namespaces.into_iter().collect()),
            }
        }
    }

    fn remember(&self, namespace: &str, head: Head) {
        let mut heads = self.heads();
        let newer = heads
            .get(namespace)
            .is_none_or(|known| known.sequence < head.sequence);
        if newer {
            heads.insert(namespace.into(), head);
        }
    }

    fn heads(&self) -> std::sync::MutexGuard<'_, HashMap<String, Head>> {
        self.heads.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Prunes records older than `retention` in every namespace whose chain
    /// verifies, leaving a checkpoint record that vouches for them. A broken
    /// chain is left as it is (pruning would hide the break) and reported.
    /// One namespace's chain is held at a time: the cluster's records are
    /// listed by name in pages, then each chain is read whole.
    pub async fn prune(&self, retention: Duration) -> Result<usize> {
        let cutoff = Timestamp::now() - retention;
        let mut pruned = 0;
        for namespace in self.namespaces_with_records().await? {
            let api: Api<AuditRecord> = Api::namespaced(self.client.clone(), &namespace);
            let records = list_all(&api).await.map_err(Error::api(format!(
                "list AuditRecords in {namespace} (retention)"
            )))?;
            let specs: Vec<AuditRecordSpec> = records.iter().map(|r| r.spec.clone()).collect();
            let anchor = self.anchors.read(&namespace).await?;
            if let Err(broken) = verify(&specs).and_then(|_| anchor.check(&specs)) {
                warn!(namespace = %namespace, %broken, "the audit chain is broken; not pruning it");
                continue;
            }
            // A chain pruned before anchors kept checkpoints: its checkpoint
            // is anchored as it is found (trusted on first use).
            let oldest = specs.iter().map(|s| s.sequence).min().unwrap_or(1);
            if anchor.checkpoint.is_none()
                && oldest > 1
                && let Some(covering) = covering_checkpoint(&specs, oldest)
            {
                self.anchors
                    .anchor_checkpoint(&namespace, Mark::of(covering))
                    .await?;
            }
            let Some(checkpoint) = select::prune_through(&specs, cutoff) else {
                continue;
            };
            let entry = Entry {
                store: String::new(),
                action: AuditAction::Checkpoint,
                outcome: AuditOutcome::Succeeded,
                actor: self.operator.clone(),
                details: format!(
                    "records up to {} are older than the retention of {} and were pruned",
                    checkpoint.through,
                    crate::duration::human(retention)
                ),
                request_uid: None,
            };
            let through = checkpoint.through;
            let extra = Extra {
                checkpoint: Some(checkpoint),
                coalesced: None,
            };
            let name = self.append(&namespace, &entry, extra).await?;
            // Anchored before anything it covers is deleted.
            let written = api.get(&name).await.map_err(read_error(&namespace))?;
            self.anchors
                .anchor_checkpoint(&namespace, Mark::of(&written.spec))
                .await?;
            for record in records.iter().filter(|r| r.spec.sequence <= through) {
                match api
                    .delete(&record.name_any(), &DeleteParams::default())
                    .await
                {
                    Ok(_) => pruned += 1,
                    Err(kube::Error::Api(s)) if s.code == 404 => {}
                    Err(e) => {
                        return Err(Error::api(format!(
                            "delete AuditRecord {namespace}/{} (retention)",
                            record.name_any()
                        ))(e));
                    }
                }
            }
            info!(namespace = %namespace, through, "pruned audit records past retention");
        }
        Ok(pruned)
    }
}

/// Objects per page when retention lists records.
const PAGE: u32 = 500;

/// Every record `api` lists, page by page.
async fn list_all(api: &Api<AuditRecord>) -> kube::Result<Vec<AuditRecord>> {
    let mut records = Vec::new();
    let mut params = ListParams::default().limit(PAGE);
    loop {
        let page = api.list(&params).await?;
        records.extend(page.items);
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => return Ok(records),
        }
    }
}

/// The record that follows `head` for `entry`.
fn next_record(namespace: &str, head: &Head, entry: &Entry, extra: Extra) -> AuditRecord {
    let spec = AuditRecordSpec {
        sequence: head.sequence + 1,
        previous: head.hash.clone(),
        time: now(),
        store: entry.store.clone(),
        action: entry.action,
        outcome: entry.outcome,
        actor: entry.actor.clone(),
        details: entry.details.clone(),
        request_uid: entry.request_uid.clone(),
        checkpoint: extra.checkpoint,
        coalesced: extra.coalesced,
    };
    AuditRecord {
        metadata: ObjectMeta {
            name: Some(record_name(spec.sequence)),
            namespace: Some(namespace.into()),
            labels: Some(labels(entry)),
            ..ObjectMeta::default()
        },
        spec,
        status: None,
    }
}

fn labels(entry: &Entry) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::from([(MANAGED_BY.to_string(), MANAGER.to_string())]);
    if !entry.store.is_empty() {
        labels.insert(STORE_LABEL.to_string(), entry.store.clone());
    }
    // A request's UID is a UUID: a valid label value.
    if let Some(uid) = &entry.request_uid {
        labels.insert(REQUEST_LABEL.to_string(), uid.clone());
    }
    labels
}

fn same_request(record: &AuditRecord, entry: &Entry) -> bool {
    entry.request_uid.is_some() && record.spec.request_uid == entry.request_uid
}

/// The record of request `uid` in `namespace`, if one was written. Read from
/// the API server's watch cache (one cheap request, no etcd read): a retried
/// call comes after its first try's record was written and cached.
async fn recorded(api: &Api<AuditRecord>, namespace: &str, uid: &str) -> Result<Option<String>> {
    let params = ListParams::default()
        .labels(&format!("{REQUEST_LABEL}={uid}"))
        .match_any();
    let found = api
        .list_metadata(&params)
        .await
        .map_err(read_error(namespace))?;
    Ok(found.items.iter().map(|r| r.name_any()).min())
}

/// Now, to the millisecond, as RFC 3339.
fn now() -> String {
    let now = Timestamp::now();
    Timestamp::from_millisecond(now.as_millisecond())
        .unwrap_or(now)
        .to_string()
}

fn read_error(namespace: &str) -> impl FnOnce(kube::Error) -> Error + '_ {
    move |e| Error::api(format!("read the audit chain of namespace {namespace}"))(e)
}

/// The newest record of a namespace's chain (sequence 0 when it has none).
async fn read_head(api: &Api<AuditRecord>, namespace: &str) -> Result<Head> {
    // Names sort as the chain does: list names only, read the last record.
    let names = api
        .list_metadata(&ListParams::default())
        .await
        .map_err(read_error(namespace))?;
    let newest = names.items.iter().map(|r| r.name_any()).max();
    let record = match newest {
        Some(name) => api.get_opt(&name).await.map_err(read_error(namespace))?,
        None => None,
    };
    Ok(record.as_ref().map_or(Head::EMPTY, Head::of))
}

/// The newest record at or after `known`, found in O(log distance) reads:
/// steps that double until a name is free, then halving between the last
/// record found and the first free name.
async fn newest_from(api: &Api<AuditRecord>, namespace: &str, known: AuditRecord) -> Result<Head> {
    let read = |sequence: u64| async move {
        api.get_opt(&record_name(sequence))
            .await
            .map_err(read_error(namespace))
    };
    let mut found = known;
    let mut step = 1;
    let mut free = loop {
        let sequence = found.spec.sequence + step;
        match read(sequence).await? {
            Some(record) => {
                found = record;
                step *= 2;
            }
            None => break sequence,
        }
    };
    while free - found.spec.sequence > 1 {
        let middle = found.spec.sequence + (free - found.spec.sequence) / 2;
        match read(middle).await? {
            Some(record) => found = record,
            None => free = middle,
        }
    }
    Ok(Head::of(&found))
}

/// Runs retention every `every` until the task is dropped.
pub async fn retain(log: std::sync::Arc<AuditLog>, retention: Duration, every: Duration) {
    loop {
        match log.prune(retention).await {
            Ok(0) => {}
            Ok(pruned) => info!(pruned, "audit retention pruned records"),
            Err(e) => warn!(error = %e, "audit retention failed; trying again later"),
        }
        tokio::time::sleep(every).await;
    }
}
