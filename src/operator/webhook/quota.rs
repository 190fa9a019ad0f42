//! `/quota`: answers QuotaReviews (always dry runs) with the requester's
//! limits and usage, patched into the review the API server returns. Asking
//! about another user takes the `review-others` verb on quotareviews.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::PostParams;
use kube::core::DynamicObject;
use kube::core::admission::{AdmissionRequest, AdmissionResponse};
use kube::{Api, Client};
use serde_json::json;
use tracing::warn;

use super::limits;
use super::review::{AdmissionState, Review, malformed, request_of};
use crate::admission::CLUSTER_ADMINS;
use crate::admission::quota::{QuotaFacts, report};
use crate::api::Store;
use crate::api::labels::{OWNER_ANNOTATION, OWNER_GROUPS_ANNOTATION};
use crate::api::quota::{QuotaReview, REVIEW_OTHERS_VERB};
use crate::operator::error::{Error, Result};

pub async fn answer(
    State(state): State<Arc<AdmissionState>>,
    Json(review): Json<Review>,
) -> Json<Review> {
    let request = match request_of(review) {
        Ok(request) => request,
        Err(reason) => return malformed(reason),
    };
    let response = match decide(&state, &request).await {
        Ok(response) => response,
        Err(e) => {
            warn!(error = %e, "cannot answer a QuotaReview");
            AdmissionResponse::from(&request).deny(format!(
                "cannot answer the QuotaReview now ({e}); try again"
            ))
        }
    };
    Json(response.into_review())
}

async fn decide(
    state: &AdmissionState,
    request: &AdmissionRequest<DynamicObject>,
) -> Result<AdmissionResponse> {
    let response = AdmissionResponse::from(request);
    if !request.dry_run {
        return Ok(response.deny(
            "a QuotaReview is a question and is never stored: send it with dry run (kubectl create --dry-run=server), as kubectl nexus quota does",
        ));
    }
    let Some(review) = request
        .object
        .as_ref()
        .and_then(|o| o.clone().try_parse::<QuotaReview>().ok())
    else {
        return Ok(response.deny("not a QuotaReview"));
    };
    let user = &request.user_info;
    let requester = user.username.clone().unwrap_or_default();
    let namespace = request.namespace.clone().unwrap_or_default();
    let stores = state.stores.state();
    let (subject, groups) = match review.spec.user.as_deref() {
        None => (requester.clone(), user.groups.clone().unwrap_or_default()),
        Some(other) if other == requester => {
            (requester.clone(), user.groups.clone().unwrap_or_default())
        }
        Some(other) => {
            if !may_review_others(&state.client, request, &namespace).await? {
                return Ok(response.deny(format!(
                    "{requester} may not ask about another user's quota: that needs the {REVIEW_OTHERS_VERB} verb on quotareviews.nexus.dev (platform admins have it)"
                )));
            }
            (other.to_string(), recorded_groups(&stores, other))
        }
    };
    let ledgers: Api<ConfigMap> = Api::namespaced(state.client.clone(), &state.namespace);
    let policy = state
        .policies
        .state()
        .first()
        .map(|p| p.spec.clone())
        .unwrap_or_default();
    let user_ledger =
        limits::read(&ledgers, &limits::user_ledger(&state.policy_name, &subject)).await?;
    let namespace_ledger = limits::read(
        &ledgers,
        &limits::namespace_ledger(&state.policy_name, &namespace),
    )
    .await?;
    let answer = report(QuotaFacts {
        user: &subject,
        groups: &groups,
        namespace: &namespace,
        policy_name: &state.policy_name,
        policy: &policy,
        user_ledger,
        namespace_ledger,
        stores: &stores,
        now: k8s_openapi::jiff::Timestamp::now().as_second(),
    });
    // "add" replaces: whatever the client sent as a report is not kept.
    let spec = json!({"user": review.spec.user, "report": answer});
    let patch = json!([{"op": "add", "path": "/spec", "value": spec}]);
    let patch: json_patch::Patch = serde_json::from_value(patch).map_err(|source| Error::Json {
        what: "the quota review's patch",
        source,
    })?;
    response.with_patch(patch).map_err(Error::AdmissionPatch)
}

/// Cluster admins may; others when RBAC grants them `review-others`.
async fn may_review_others(
    client: &Client,
    request: &AdmissionRequest<DynamicObject>,
    namespace: &str,
) -> Result<bool> {
    let user = &request.user_info;
    if user.groups.iter().flatten().any(|g| g == CLUSTER_ADMINS) {
        return Ok(true);
    }
    let review = SubjectAccessReview {
        spec: SubjectAccessReviewSpec {
            user: user.username.clone(),
            groups: user.groups.clone(),
            uid: user.uid.clone(),
            extra: user.extra.clone(),
            resource_attributes: Some(ResourceAttributes {
                group: Some("nexus.dev".into()),
                resource: Some("quotareviews".into()),
                verb: Some(REVIEW_OTHERS_VERB.into()),
                namespace: Some(namespace.into()),
                ..ResourceAttributes::default()
            }),
            ..SubjectAccessReviewSpec::default()
        },
        ..SubjectAccessReview::default()
    };
    let answered = Api::<SubjectAccessReview>::all(client.clone())
        .create(&PostParams::default(), &review)
        .await
        .map_err(Error::api(
            "create a SubjectAccessReview (may the requester review others)",
        ))?;
    Ok(answered.status.is_some_and(|s| s.allowed))
}

/// The groups a user had when they created their newest store: limits may
/// be set per group, and only the API server knows a user's groups.
fn recorded_groups(stores: &[Arc<Store>], user: &str) -> Vec<String> {
    stores
        .iter()
        .filter(|s| {
            s.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(OWNER_ANNOTATION))
                .is_some_and(|o| o == user)
        })
        .max_by_key(|s| s.metadata.creation_timestamp.as_ref().map(|t| t.0))
        .and_then(|s| {
            s.metadata
                .annotations
                .as_ref()?
                .get(OWNER_GROUPS_ANNOTATION)
                .cloned()
        })
        .map(|g| {
            g.split(',')
                .filter(|g| !g.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}
