//! `QuotaReview`: a question, sent with dry run, that the admission webhook
//! answers with the requester's own limits and usage (like a
//! SelfSubjectAccessReview). Tenants cannot read the ledgers in the
//! operator's namespace, and must not: the answer is about the requester
//! only, as the API server authenticated them. Never stored: a review sent
//! without dry run is refused.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Plan;

/// Asks for the requester's store limits and usage in the review's namespace.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "nexus.dev",
    version = "v1alpha1",
    kind = "QuotaReview",
    namespaced,
    category = "nexus",
    doc = "Asks the Nexus admission webhook for the requester's store limits and usage; send it with dry run",
    derive = "PartialEq",
    derive = "Default"
)]
#[serde(rename_all = "camelCase")]
pub struct QuotaReviewSpec {
    /// Ask about this user instead of yourself (needs the `review-others`
    /// verb on quotareviews.nexus.dev, which platform admins have).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 253))]
    pub user: Option<String>,
    /// Filled in by the webhook; anything sent here is replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<QuotaReport>,
}

/// The answer.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuotaReport {
    pub user: String,
    /// The StorePolicy that holds.
    pub policy: String,
    /// The plans the user may use; None: every plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_plans: Option<Vec<Plan>>,
    /// Stores the user holds, against their limit.
    pub stores: Usage,
    /// Stores created in the sliding window, against the limit.
    pub creations: Usage,
    /// The sliding window of `creations`, such as 1h.
    pub window: String,
    /// When the next creation is allowed, if the window is full (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_creation_at: Option<String>,
    /// Stores the review's namespace holds, against its limit.
    pub namespace_stores: Usage,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct Usage {
    pub used: u32,
    /// None: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// The custom RBAC verb that lets someone ask about another user.
pub const REVIEW_OTHERS_VERB: &str = "review-others";
