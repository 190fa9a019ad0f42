//! Answering one admission review of a Store: the mutation that records
//! its owner, and the validation (rate, rules, claims, limits) whose every
//! decision but a dry run becomes an audit record.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use futures::StreamExt;
use kube::core::DynamicObject;
use kube::core::admission::{AdmissionRequest, AdmissionResponse, AdmissionReview, Operation};
use kube::runtime::{WatchStreamExt, reflector, watcher};
use kube::{Api, Client};
use tracing::{info, warn};

use super::{claims, limits, rate, refusals};
use crate::admission;
use crate::api::Store;
use crate::api::policy::StorePolicy;
use crate::audit;
use crate::operator::audit::AuditLog;
use crate::operator::error::{Error, Result};

/// What the handlers share: who the operator is, the base domain, and a
/// watch cache of every Store in the cluster (names and hosts are unique
/// cluster-wide, whatever the operator's `--store-selector`).
pub(super) struct AdmissionState {
    pub(super) client: Client,
    /// Where the ledgers of the limits live (the operator's namespace).
    pub(super) namespace: String,
    pub(super) policy_name: String,
    pub(super) operator: String,
    pub(super) base_domain: String,
    pub(super) stores: reflector::Store<Store>,
    pub(super) policies: reflector::Store<StorePolicy>,
    pub(super) audit: Arc<AuditLog>,
    pub(super) selector_keys: Vec<String>,
    pub(super) plans: crate::settings::Plans,
    pub(super) rate: rate::UserRate,
    pub(super) refusals: refusals::Refusals,
}

/// A watch cache of `api` (filtered by `config`, each object slimmed by
/// `slim`); returns once it has synced.
pub(super) async fn cache<K>(
    api: Api<K>,
    config: watcher::Config,
    slim: impl FnMut(&mut K) + Send + 'static,
    what: &'static str,
) -> Result<reflector::Store<K>>
where
    K: kube::Resource<DynamicType = ()>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug
        + Send
        + Sync
        + 'static,
{
    let (reader, writer) = reflector::store();
    let stream = reflector(writer, watcher::watcher(api, config).modify(slim))
        .default_backoff()
        .for_each(|_| futures::future::ready(()));
    tokio::spawn(stream);
    tokio::time::timeout(Duration::from_secs(60), reader.wait_until_ready())
        .await
        .map_err(|_| Error::CacheTimeout { what })?
        .map_err(|source| Error::Cache { what, source })?;
    Ok(reader)
}

pub(super) type Review = AdmissionReview<DynamicObject>;

/// The request in a review, or why it is malformed.
pub(super) fn request_of(
    review: Review,
) -> std::result::Result<AdmissionRequest<DynamicObject>, String> {
    review
        .try_into()
        .map_err(|e: kube::core::admission::ConvertAdmissionReviewError| e.to_string())
}

pub(super) fn malformed(reason: String) -> Json<Review> {
    Json(AdmissionResponse::invalid(reason).into_review())
}

/// On an update that changes a store's plan, the storage its volume claims
/// request (its quota's `requests.storage` used); None otherwise, and for a
/// store with no quota yet (nothing provisioned, nothing held).
async fn storage_held(
    client: &Client,
    request: &AdmissionRequest<DynamicObject>,
) -> std::result::Result<Option<String>, kube::Error> {
    let plan = |object: Option<&DynamicObject>| {
        object.map(|o| {
            o.data["spec"]["plan"]
                .as_str()
                .unwrap_or("small")
                .to_string()
        })
    };
    let (old, new) = (
        plan(request.old_object.as_ref()),
        plan(request.object.as_ref()),
    );
    if request.operation != Operation::Update || old == new {
        return Ok(None);
    }
    let namespace = crate::api::store_namespace(&request.name);
    let quotas: Api<k8s_openapi::api::core::v1::ResourceQuota> =
        Api::namespaced(client.clone(), &namespace);
    let quota = quotas.get_opt(crate::guardrails::RESOURCE_QUOTA).await?;
    Ok(quota
        .and_then(|q| q.status)
        .and_then(|s| s.used)
        .and_then(|used| used.get("requests.storage").map(|q| q.0.clone())))
}

pub(super) async fn mutate(Json(review): Json<Review>) -> Json<Review> {
    match request_of(review) {
        Ok(request) => Json(admission::mutate(&request).into_review()),
        Err(reason) => malformed(reason),
    }
}

pub(super) async fn validate(
    State(state): State<Arc<AdmissionState>>,
    Json(review): Json<Review>,
) -> Json<Review> {
    let request = match request_of(review) {
        Ok(request) => request,
        Err(reason) => return malformed(reason),
    };
    if let Some(refusal) = over_rate(&state, &request) {
        let response = AdmissionResponse::from(&request).deny(refusal);
        return Json(record(&state, &request, response).await.into_review());
    }
    let facts = admission::Facts {
        operator: state.operator.clone(),
        base_domain: state.base_domain.clone(),
        stores: state.stores.state(),
        policy: state
            .policies
            .state()
            .first()
            .map(|p| p.spec.clone())
            .unwrap_or_default(),
        selector_keys: state.selector_keys.clone(),
        plans: state.plans.clone(),
        storage_held: None,
    };
    let mut facts = facts;
    match storage_held(&state.client, &request).await {
        Ok(held) => facts.storage_held = held,
        Err(e) => {
            warn!(error = %e, "cannot read a store's quota to check its plan change");
            let response = AdmissionResponse::from(&request).deny(format!(
                "cannot check that the store's volumes fit the new plan now ({e}); try again"
            ));
            return Json(record(&state, &request, response).await.into_review());
        }
    }
    let mut response = admission::validate(&request, &facts);
    if response.allowed {
        response = claim(&state, &request, &facts, response).await;
    }
    if response.allowed {
        // Limits last: only a write that is otherwise allowed takes a place.
        let policy = (state.policy_name.as_str(), &facts.policy);
        match limits::admit(
            &state.client,
            &state.namespace,
            &request,
            policy,
            &facts.stores,
        )
        .await
        {
            Ok(Ok(warnings)) if !warnings.is_empty() => response.warnings = Some(warnings),
            Ok(Ok(_)) => {}
            Ok(Err(refusal)) => response = response.deny(refusal),
            Err(e) => {
                warn!(error = %e, "cannot check store limits");
                response = response.deny(format!(
                    "cannot check the store limits now ({e}); try again"
                ));
            }
        }
    }
    Json(record(&state, &request, response).await.into_review())
}

/// The refusal of a request over its user's rate. The operator, cluster
/// admins and the cluster's own components are not held to it (the
/// namespace controller deletes every store of a namespace being deleted).
fn over_rate(state: &AdmissionState, request: &AdmissionRequest<DynamicObject>) -> Option<String> {
    let user = request.user_info.username.as_deref().unwrap_or_default();
    let exempt_group =
        |g: &String| g == admission::CLUSTER_ADMINS || g == "system:serviceaccounts:kube-system";
    let admin = request.user_info.groups.iter().flatten().any(exempt_group);
    let component = user.starts_with("system:") && !user.starts_with("system:serviceaccount:");
    if user == state.operator || admin || component {
        return None;
    }
    let wait = state.rate.take(user, std::time::Instant::now()).err()?;
    Some(state.rate.refusal(user, wait))
}

/// Writes the records of counted refusals as their windows end; one that
/// cannot be written now is tried again at the next turn.
pub(super) async fn write_coalesced_refusals(state: Arc<AdmissionState>) {
    let every = state.refusals.flush_interval();
    loop {
        tokio::time::sleep(every).await;
        let due = state.refusals.due(std::time::Instant::now());
        let mut failed = Vec::new();
        for summary in due {
            let extra = crate::operator::audit::Extra {
                checkpoint: None,
                coalesced: Some(summary.coalesced.clone()),
            };
            match state
                .audit
                .append(&summary.namespace, &summary.entry, extra)
                .await
            {
                Ok(record) => info!(
                    namespace = %summary.namespace,
                    user = %summary.entry.actor.username,
                    count = summary.coalesced.count,
                    record = %record,
                    "recorded refusals counted into one record"
                ),
                // Its namespace is going or gone, and its trail with it.
                Err(e) if e.is_namespace_terminating() || e.is_not_found() => {}
                Err(e) => {
                    warn!(error = %e, namespace = %summary.namespace, "cannot write the record of counted refusals; trying again");
                    failed.push(summary);
                }
            }
        }
        state.refusals.retry(failed);
    }
}

/// Claims the store's name (on create) and its custom domain (when set) for
/// it alone: the cache's answer in `admission::validate` made atomic. A dry
/// run decides from the cache only; the operator's own writes claim nothing.
async fn claim(
    state: &AdmissionState,
    request: &AdmissionRequest<DynamicObject>,
    facts: &admission::Facts,
    response: AdmissionResponse,
) -> AdmissionResponse {
    let writes = matches!(request.operation, Operation::Create | Operation::Update);
    let by_operator = request.user_info.username.as_deref() == Some(state.operator.as_str());
    if request.dry_run || !writes || by_operator {
        return response;
    }
    let parse = |o: Option<&DynamicObject>| o.and_then(|o| o.clone().try_parse::<Store>().ok());
    let Some(store) = parse(request.object.as_ref()) else {
        return response;
    };
    let old = parse(request.old_object.as_ref());
    let claimed = claims::claim(
        &state.client,
        &state.namespace,
        (&store, old.as_ref()),
        &facts.stores,
        &facts.base_domain,
    )
    .await;
    match claimed {
        Ok(Ok(())) => response,
        Ok(Err(refusal)) => response.deny(refusal),
        Err(e) => {
            warn!(error = %e, "cannot claim a store's name or domain");
            response.deny(format!(
                "cannot claim the store's name or domain now ({e}); try again"
            ))
        }
    }
}

/// Every decision on a store but a dry run becomes an audit record in the
/// store's namespace, linked to the API server's audit event through an
/// audit annotation. A create, update or delete that cannot be recorded is
/// refused (it would leave no trace), except a delete in a namespace being
/// deleted: its records go with it, and its deletion must not wait.
async fn record(
    state: &AdmissionState,
    request: &AdmissionRequest<DynamicObject>,
    mut response: AdmissionResponse,
) -> AdmissionResponse {
    if request.dry_run {
        return response;
    }
    let refusal = (!response.allowed).then(|| response.result.message.clone());
    let Some(entry) = audit::event::from_admission(request, refusal.as_deref()) else {
        return response;
    };
    let namespace = request.namespace.clone().unwrap_or_default();
    let now = std::time::Instant::now();
    if refusal.is_some() && state.refusals.note(&namespace, &entry, now) == refusals::Verdict::Count
    {
        return response;
    }
    match state
        .audit
        .append(&namespace, &entry, Default::default())
        .await
    {
        Ok(name) => {
            response.audit_annotations.insert(
                AUDIT_RECORD_ANNOTATION.into(),
                format!("{namespace}/{name}"),
            );
        }
        Err(e) if e.is_namespace_terminating() && request.operation == Operation::Delete => {
            info!(store = %request.name, namespace = %namespace, "a store deleted with its namespace is not recorded: the namespace's trail goes with it");
        }
        Err(e) if response.allowed => {
            warn!(error = %e, "cannot write an audit record; refusing the request");
            response = response.deny(format!(
                "cannot write the audit record of this request ({e}); try again"
            ));
        }
        Err(e) => {
            warn!(error = %e, store = %request.name, "cannot write the audit record of a refused request")
        }
    }
    response
}

/// The audit annotation naming a request's record (`<namespace>/<record>`);
/// the API server prefixes it with the webhook's name.
pub const AUDIT_RECORD_ANNOTATION: &str = "record";
