//! Store limits at admission: the ledgers (`crate::admission::ledger`) live
//! in ConfigMaps `nexus-ledger-<policy>-*` in the operator's namespace, one
//! per user and one per tenant namespace, and are written back only if nobody wrote
//! them in between (resourceVersion), so a limit holds exactly whatever the
//! concurrency and the number of replicas. A dry run decides and writes
//! nothing.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::ObjectMeta;
use kube::core::DynamicObject;
use kube::core::admission::{AdmissionRequest, Operation};
use kube::{Api, Client};
use serde_json::json;

use crate::admission::CLUSTER_ADMINS;
use crate::admission::ledger::{Ledger, Usage};
use crate::api::Store;
use crate::api::labels::{MANAGED_BY, MANAGER};
use crate::api::policy::StorePolicySpec;
use crate::fingerprint::fnv1a;
use crate::operator::error::{Error, Result};

const KEY: &str = "ledger";
/// The StorePolicy a ledger counts for.
pub const POLICY_LABEL: &str = "nexus.dev/policy";
/// Rounds of read-decide-write before giving up under contention.
const ATTEMPTS: usize = 50;

/// For an admitted create: the warnings that tell the requester their usage,
/// or why the limits refuse it.
pub async fn admit(
    client: &Client,
    namespace: &str,
    request: &AdmissionRequest<DynamicObject>,
    (policy_name, policy): (&str, &StorePolicySpec),
    stores: &[Arc<Store>],
) -> Result<Result<Vec<String>, String>> {
    let user = &request.user_info;
    let groups = user.groups.clone().unwrap_or_default();
    if request.operation != Operation::Create || groups.iter().any(|g| g == CLUSTER_ADMINS) {
        return Ok(Ok(Vec::new()));
    }
    let Some(store) = request
        .object
        .as_ref()
        .and_then(|o| o.clone().try_parse::<Store>().ok())
    else {
        return Ok(Ok(Vec::new()));
    };
    let username = user.username.clone().unwrap_or_default();
    let tenant = store.metadata.namespace.clone().unwrap_or_default();
    let name = store.metadata.name.clone().unwrap_or_default();
    let limits = policy.limits(&username, &groups);
    let now = k8s_openapi::jiff::Timestamp::now().as_second();
    let exists = |ns: &str, n: &str| {
        stores.iter().any(|s| {
            s.metadata.namespace.as_deref() == Some(ns) && s.metadata.name.as_deref() == Some(n)
        })
    };
    let ledgers: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
    let dry_run = request.dry_run;
    let mut warnings = Vec::new();

    // The namespace's ledger first: it counts no creations, so when the
    // user's ledger refuses after it, taking its place back undoes it all.
    let mut taken = None;
    if let Some(max) = policy.max_stores_per_namespace {
        let key = namespace_ledger(policy_name, &tenant);
        let who = format!("namespace {tenant}");
        let decided = record(&ledgers, &key, policy_name, dry_run, |ledger| {
            ledger.prune(exists, now, limits.window);
            ledger.admit(&who, &tenant, &name, now, Some(max), None)
        })
        .await?;
        match decided {
            Err(refusal) => return Ok(Err(refusal)),
            Ok(usage) => {
                warnings.push(format!("{who} holds {} of {max} stores", usage.stores));
                taken = Some(key);
            }
        }
    }
    let rate = limits.max_creations.map(|max| (max, limits.window));
    if limits.max_stores.is_some() || rate.is_some() {
        let key = user_ledger(policy_name, &username);
        let decided = record(&ledgers, &key, policy_name, dry_run, |ledger| {
            ledger.prune(exists, now, limits.window);
            ledger.admit(&username, &tenant, &name, now, limits.max_stores, rate)
        })
        .await?;
        match decided {
            Err(refusal) => {
                if let Some(key) = taken {
                    record(&ledgers, &key, policy_name, dry_run, |ledger| {
                        Ok(ledger.release(&tenant, &name))
                    })
                    .await?
                    .map_err(|_| Error::Bug("releasing a place in a ledger was refused"))?;
                }
                return Ok(Err(refusal));
            }
            Ok(usage) => warnings.insert(0, user_usage(&username, &usage, limits.max_stores, rate)),
        }
    }
    Ok(Ok(warnings))
}

fn user_usage(
    user: &str,
    usage: &Usage,
    max_stores: Option<u32>,
    rate: Option<(u32, std::time::Duration)>,
) -> String {
    let mut parts = Vec::new();
    if let Some(max) = max_stores {
        parts.push(format!("{} of {max} stores", usage.stores));
    }
    if let Some((max, window)) = rate {
        parts.push(format!(
            "{} of {max} creations in {}",
            usage.creations,
            crate::duration::human(window)
        ));
    }
    format!("{user} holds {}", parts.join(", "))
}

/// The ledger of a user's stores under a policy (the name hashes the user
/// name, which may hold characters a ConfigMap name may not).
pub fn user_ledger(policy_name: &str, user: &str) -> String {
    format!(
        "nexus-ledger-{policy_name}-user-{:016x}",
        fnv1a(user.as_bytes())
    )
}

/// The ledger of a tenant namespace's stores under a policy.
pub fn namespace_ledger(policy_name: &str, namespace: &str) -> String {
    format!("nexus-ledger-{policy_name}-ns-{namespace}")
}

fn ledger_in(config_map: Option<&ConfigMap>) -> Option<Ledger> {
    config_map
        .and_then(|cm| cm.data.as_ref()?.get(KEY))
        .and_then(|text| serde_json::from_str(text).ok())
}

/// A ledger as it is now, if there is one.
pub async fn read(ledgers: &Api<ConfigMap>, name: &str) -> Result<Option<Ledger>> {
    let found = ledgers.get_opt(name).await.map_err(Error::api(format!(
        "read ConfigMap {name} (a store ledger)"
    )))?;
    Ok(ledger_in(found.as_ref()))
}

/// Read, decide, write back unless someone wrote in between; again if so.
async fn record(
    ledgers: &Api<ConfigMap>,
    name: &str,
    policy_name: &str,
    dry_run: bool,
    mut decide: impl FnMut(&mut Ledger) -> Result<Usage, String>,
) -> Result<Result<Usage, String>> {
    let action = |verb: &str| format!("{verb} ConfigMap {name} (a store ledger)");
    for _ in 0..ATTEMPTS {
        let existing = ledgers
            .get_opt(name)
            .await
            .map_err(Error::api(action("read")))?;
        let mut ledger = ledger_in(existing.as_ref()).unwrap_or_default();
        let usage = match decide(&mut ledger) {
            Ok(usage) => usage,
            Err(refusal) => return Ok(Err(refusal)),
        };
        if dry_run {
            return Ok(Ok(usage));
        }
        let text = serde_json::to_string(&ledger).map_err(|source| Error::Json {
            what: "a ledger",
            source,
        })?;
        let fresh = ConfigMap {
            metadata: ObjectMeta {
                name: Some(name.into()),
                labels: Some(BTreeMap::from([
                    (MANAGED_BY.to_string(), MANAGER.to_string()),
                    (POLICY_LABEL.to_string(), policy_name.to_string()),
                ])),
                ..ObjectMeta::default()
            },
            data: Some(BTreeMap::from([(KEY.to_string(), text.clone())])),
            ..ConfigMap::default()
        };
        let changes = json!({"data": {KEY: text}});
        let written = super::compare_and_swap(ledgers, existing.as_ref(), &fresh, changes).await;
        match written {
            Ok(()) => return Ok(Ok(usage)),
            Err(kube::Error::Api(status)) if status.code == 409 => continue,
            Err(e) => return Err(Error::api(action("write"))(e)),
        }
    }
    Err(Error::Contended {
        what: action("write"),
        attempts: ATTEMPTS,
    })
}
