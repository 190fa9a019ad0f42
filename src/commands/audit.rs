//! `kubectl nexus audit`: the audit records of stores, oldest first (newest
//! last, like `kubectl get events`), filtered; `--verify` checks each
//! namespace's chain; `-f` keeps printing records as they are written.

use std::collections::{BTreeMap, HashSet};

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::jiff::Timestamp;
use kube::api::ListParams;
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, ResourceExt};
use serde::Serialize;

use crate::api::audit::{AuditRecord, AuditRecordSpec};
use crate::api::labels::STORE_LABEL;
use crate::audit::anchor::{self, Anchor};
use crate::audit::select::Query;
use crate::audit::verify;
use crate::cli::AuditArgs;
use crate::commands::Session;
use crate::error::{Action, Error, Result};

/// One record as the commands show it.
#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct AuditRow {
    pub namespace: String,
    pub record: String,
    pub sequence: u64,
    pub time: String,
    pub store: String,
    pub action: String,
    pub outcome: String,
    pub user: String,
    pub groups: Vec<String>,
    pub details: String,
    /// Where the request came from; empty when the API server did not say.
    #[serde(rename = "sourceIPs")]
    pub source_ips: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user_agent: String,
    /// Whether the record is of a request (else the operator reported it).
    #[serde(skip)]
    pub request: bool,
}

impl From<&AuditRecord> for AuditRow {
    fn from(record: &AuditRecord) -> Self {
        let spec = &record.spec;
        let source = record.status.clone().unwrap_or_default();
        AuditRow {
            namespace: record.namespace().unwrap_or_default(),
            record: record.name_any(),
            sequence: spec.sequence,
            time: spec.time.clone(),
            store: spec.store.clone(),
            action: spec.action.to_string(),
            outcome: spec.outcome.to_string(),
            user: spec.actor.username.clone(),
            groups: spec.actor.groups.clone(),
            details: spec.details.clone(),
            source_ips: source.source_ips,
            user_agent: source.user_agent,
            request: spec.request_uid.is_some(),
        }
    }
}

/// The records a query found.
#[derive(Serialize, Debug)]
pub struct AuditTrail {
    pub records: Vec<AuditRow>,
    /// None across all namespaces.
    #[serde(skip)]
    pub scope: Option<String>,
    /// False for the rows `-f` prints after the first table.
    #[serde(skip)]
    pub headers: bool,
}

/// How each namespace's chain held up.
#[derive(Serialize, Debug)]
pub struct Verification {
    pub chains: Vec<ChainReport>,
}

#[derive(Serialize, Debug)]
pub struct ChainReport {
    pub namespace: String,
    pub records: usize,
    /// The first break, or None when the chain holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broken: Option<String>,
    /// What the chain was compared with outside its namespace.
    pub anchor: AnchorState,
}

/// Whether the platform's anchor of a chain was compared with it.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum AnchorState {
    /// Compared, up to this record.
    Checked { through: u64 },
    /// The operator has anchored nothing for this namespace yet.
    None,
    /// The anchors' namespace could not be read with these credentials.
    NotReadable { reason: String },
}

impl std::fmt::Display for AnchorState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AnchorState::Checked { through } => write!(f, "checked through record {through}"),
            AnchorState::None => f.write_str("none yet"),
            AnchorState::NotReadable { reason } => write!(f, "not readable ({reason})"),
        }
    }
}

impl Verification {
    /// An error naming the first broken link, for the exit code.
    pub fn failure(&self) -> Option<Error> {
        self.chains.iter().find_map(|c| {
            let broken = c.broken.as_ref()?;
            Some(Error::Other(format!(
                "the audit chain of namespace {:?} is broken at {broken}",
                c.namespace
            )))
        })
    }
}

fn query(args: &AuditArgs) -> Query {
    Query {
        store: args.store.clone(),
        user: args.user.clone(),
        since: args.since.map(|d| Timestamp::now() - d),
        action: args.action,
    }
}

fn api(session: &Session, all: bool) -> (Api<AuditRecord>, Option<String>) {
    if all {
        (Api::all(session.client.clone()), None)
    } else {
        (
            Api::namespaced(session.client.clone(), &session.namespace),
            Some(session.namespace.clone()),
        )
    }
}

fn list_error(scope: &Option<String>) -> impl FnOnce(kube::Error) -> Error + '_ {
    move |e| {
        Action {
            verb: "list",
            resource: "auditrecords",
            namespace: scope.as_deref().unwrap_or_default(),
            name: None,
        }
        .error(e)
    }
}

/// Sorted oldest first. Within a namespace the chain's sequence is the order:
/// writers stamp a record's time before the chain takes it, so two writers
/// racing may leave a later record with an earlier time. Chains are
/// interleaved by time, each record counting as no older than the one before
/// it in its chain. Times compare as instants, not as text (a timestamp
/// prints only the fraction digits it needs).
fn sort(rows: &mut [AuditRow]) {
    rows.sort_by(|a, b| (&a.namespace, a.sequence).cmp(&(&b.namespace, b.sequence)));
    let mut not_before: Vec<Option<Timestamp>> = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let own = row.time.parse::<Timestamp>().ok();
        let previous = match i {
            0 => None,
            _ if rows[i - 1].namespace != row.namespace => None,
            _ => not_before[i - 1],
        };
        not_before.push(own.max(previous));
    }
    let mut keyed: Vec<(Option<Timestamp>, AuditRow)> =
        not_before.into_iter().zip(rows.iter().cloned()).collect();
    keyed.sort_by(|(ta, a), (tb, b)| {
        (ta, &a.namespace, a.sequence).cmp(&(tb, &b.namespace, b.sequence))
    });
    for (slot, (_, row)) in rows.iter_mut().zip(keyed) {
        *slot = row;
    }
}

async fn records(
    session: &Session,
    args: &AuditArgs,
    whole_chain: bool,
) -> Result<(Vec<AuditRecord>, Option<String>)> {
    let (api, scope) = api(session, args.all_namespaces);
    let mut params = ListParams::default();
    if let (Some(store), false) = (&args.store, whole_chain) {
        params = params.labels(&format!("{STORE_LABEL}={store}"));
    }
    let found = api.list(&params).await.map_err(list_error(&scope))?;
    Ok((found.items, scope))
}

pub async fn audit(session: &Session, args: &AuditArgs) -> Result<AuditTrail> {
    let (found, scope) = records(session, args, false).await?;
    let query = query(args);
    let mut rows: Vec<AuditRow> = found
        .iter()
        .filter(|r| query.matches(&r.spec))
        .map(AuditRow::from)
        .collect();
    sort(&mut rows);
    Ok(AuditTrail {
        records: rows,
        scope,
        headers: true,
    })
}

pub async fn verify_chains(session: &Session, args: &AuditArgs) -> Result<Verification> {
    let (found, _) = records(session, args, true).await?;
    let mut by_namespace: BTreeMap<String, Vec<AuditRecordSpec>> = BTreeMap::new();
    for record in found {
        by_namespace
            .entry(record.namespace().unwrap_or_default())
            .or_default()
            .push(record.spec);
    }
    if by_namespace.is_empty() && !args.all_namespaces {
        by_namespace.insert(session.namespace.clone(), Vec::new());
    }
    let mut anchors = anchors(session, args, by_namespace.keys()).await;
    let chains = by_namespace
        .into_iter()
        .map(|(namespace, specs)| {
            let anchor = anchors.remove(&namespace).unwrap_or(Ok(None));
            let checked = verify(&specs).and_then(|n| match &anchor {
                Ok(Some(anchor)) => anchor.check(&specs).map(|_| n),
                _ => Ok(n),
            });
            let (records, broken) = match checked {
                Ok(n) => (n, None),
                Err(b) => (specs.len(), Some(b.to_string())),
            };
            let anchor = match anchor {
                Ok(Some(anchor)) => AnchorState::Checked {
                    through: anchor.head.map_or(0, |h| h.sequence),
                },
                Ok(None) => AnchorState::None,
                Err(reason) => AnchorState::NotReadable { reason },
            };
            ChainReport {
                namespace,
                records,
                broken,
                anchor,
            }
        })
        .collect();
    Ok(Verification { chains })
}

/// Each namespace's anchor from the platform's namespace: None where the
/// operator has written none yet, or why it could not be read.
async fn anchors<'a>(
    session: &Session,
    args: &AuditArgs,
    namespaces: impl Iterator<Item = &'a String>,
) -> BTreeMap<String, std::result::Result<Option<Anchor>, String>> {
    let api: Api<ConfigMap> = Api::namespaced(session.client.clone(), &args.platform_namespace);
    let why = |e: kube::Error| match e {
        kube::Error::Api(s) if s.code == 403 => format!(
            "you may not read ConfigMaps in namespace {:?}; a platform admin can verify against it",
            args.platform_namespace
        ),
        other => other.to_string(),
    };
    let read = |c: ConfigMap| c.data.map(|data| Anchor::from_data(&data));
    if !args.all_namespaces {
        // One namespace: its anchor alone.
        let mut found = BTreeMap::new();
        for namespace in namespaces {
            let anchor = api.get_opt(&anchor::name(namespace)).await;
            found.insert(
                namespace.clone(),
                anchor.map(|c| c.and_then(read)).map_err(why),
            );
        }
        return found;
    }
    // Every namespace: the anchors in one list.
    let listed = api
        .list(&ListParams::default().labels(anchor::LABEL))
        .await
        .map_err(why);
    let mut by_namespace: BTreeMap<String, Anchor> = BTreeMap::new();
    if let Ok(list) = &listed {
        for config_map in list.items.iter().cloned() {
            let label = config_map
                .labels()
                .get(anchor::LABEL)
                .cloned()
                .unwrap_or_default();
            if config_map.name_any() == anchor::name(&label)
                && let Some(anchor) = read(config_map)
            {
                by_namespace.insert(label, anchor);
            }
        }
    }
    namespaces
        .map(|namespace| {
            let anchor = match &listed {
                Ok(_) => Ok(by_namespace.remove(namespace)),
                Err(reason) => Err(reason.clone()),
            };
            (namespace.clone(), anchor)
        })
        .collect()
}

/// Hands `print` what there is, then each new record as it is written, until
/// interrupted.
pub async fn follow(
    session: &Session,
    args: &AuditArgs,
    mut print: impl FnMut(AuditTrail) -> Result<()>,
) -> Result<()> {
    let first = audit(session, args).await?;
    let mut seen: HashSet<(String, String)> = first
        .records
        .iter()
        .map(|r| (r.namespace.clone(), r.record.clone()))
        .collect();
    print(first)?;
    let (api, scope) = api(session, args.all_namespaces);
    let mut config = watcher::Config::default();
    if let Some(store) = &args.store {
        config = config.labels(&format!("{STORE_LABEL}={store}"));
    }
    let query = query(args);
    let mut stream = watcher(api, config).applied_objects().boxed();
    while let Some(record) = stream.try_next().await.map_err(|e| {
        Error::Api(format!(
            "watching audit records{}: {e}",
            scope
                .as_ref()
                .map(|s| format!(" in namespace {s:?}"))
                .unwrap_or_default()
        ))
    })? {
        let key = (record.namespace().unwrap_or_default(), record.name_any());
        if !query.matches(&record.spec) || !seen.insert(key) {
            continue;
        }
        let trail = AuditTrail {
            records: vec![AuditRow::from(&record)],
            scope: scope.clone(),
            headers: false,
        };
        print(trail)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(namespace: &str, sequence: u64, time: &str) -> AuditRow {
        AuditRow {
            namespace: namespace.into(),
            record: format!("r{sequence}"),
            sequence,
            time: time.into(),
            store: String::new(),
            action: String::new(),
            outcome: String::new(),
            user: String::new(),
            groups: vec![],
            details: String::new(),
            source_ips: vec![],
            user_agent: String::new(),
            request: false,
        }
    }

    fn order(rows: &[AuditRow]) -> Vec<(&str, u64)> {
        rows.iter()
            .map(|r| (r.namespace.as_str(), r.sequence))
            .collect()
    }

    #[test]
    fn a_chain_keeps_its_sequence_whatever_its_times_say() {
        // As text ".5Z" sorts after ".52Z"; a racing writer stamped 5 before 4.
        let mut rows = vec![
            row("a", 5, "2026-11-29T10:00:01.4Z"),
            row("a", 4, "2026-11-29T10:00:01.52Z"),
            row("a", 3, "2026-11-29T10:00:01.5Z"),
            row("a", 1, "2026-11-29T10:00:00Z"),
            row("a", 2, "2026-11-29T10:00:00.5Z"),
        ];
        sort(&mut rows);
        assert_eq!(
            order(&rows),
            [("a", 1), ("a", 2), ("a", 3), ("a", 4), ("a", 5)]
        );
    }

    #[test]
    fn chains_interleave_by_time_as_instants() {
        let mut rows = vec![
            row("b", 2, "2026-11-29T10:00:03Z"),
            row("a", 2, "2026-11-29T10:00:02.5Z"),
            row("b", 1, "2026-11-29T10:00:01.25Z"),
            row("a", 1, "2026-11-29T10:00:01.2Z"),
            row("a", 3, "2026-11-29T10:00:02Z"),
        ];
        sort(&mut rows);
        assert_eq!(
            order(&rows),
            [("a", 1), ("b", 1), ("a", 2), ("a", 3), ("b", 2)]
        );
    }
}
