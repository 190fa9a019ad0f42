//! What the store commands return; `-o json|yaml` prints exactly these, the
//! table renders them.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde::Serialize;

use crate::api::conditions;
use crate::api::{Engine, Phase, Plan, SecretReference, Store, store_namespace};

#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StoreSummary {
    pub name: String,
    pub namespace: String,
    pub engine: Engine,
    pub plan: Plan,
    pub phase: Phase,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Time>,
    /// The reason of the condition to look at first, for the wide table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who created the store, as recorded at admission.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

impl From<&Store> for StoreSummary {
    fn from(store: &Store) -> Self {
        let status = store.status.as_ref();
        StoreSummary {
            name: store.metadata.name.clone().unwrap_or_default(),
            namespace: store.metadata.namespace.clone().unwrap_or_default(),
            engine: store.spec.engine,
            plan: store.spec.plan,
            phase: store.phase(),
            url: status.and_then(|s| s.url.clone()),
            created_at: store.metadata.creation_timestamp.clone(),
            reason: status
                .and_then(|s| conditions::most_relevant(&s.conditions))
                .map(|c| c.reason.clone()),
            owner: store
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(crate::api::labels::OWNER_ANNOTATION))
                .cloned(),
        }
    }
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct StoreList {
    pub items: Vec<StoreSummary>,
    /// Where the list came from, for the "no stores" hint; not part of the model.
    #[serde(skip)]
    pub scope: Option<String>,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StoreDetails {
    #[serde(flatten)]
    pub summary: StoreSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_email: Option<String>,
    pub suspend: bool,
    /// The namespace holding the store's workloads.
    pub store_namespace: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_secret_ref: Option<SecretReference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready_at: Option<Time>,
    pub conditions: Vec<ConditionView>,
    /// The steps of the last provisioning on the clock, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepView>,
    /// How often the operator checks the store as a shopper (spec.check).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_interval: Option<String>,
    /// The last check as a shopper, a person's or a periodic one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_check: Option<crate::api::StoreCheck>,
    pub events: Vec<EventView>,
    /// Parts of the story that could not be read, such as events when RBAC hides them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl StoreDetails {
    pub fn new(store: &Store, events: Vec<EventView>, warnings: Vec<String>) -> Self {
        let status = store.status.clone().unwrap_or_default();
        let name = store.metadata.name.clone().unwrap_or_default();
        StoreDetails {
            summary: StoreSummary::from(store),
            domain: store.spec.domain.clone(),
            admin_email: store.spec.admin_email.clone(),
            suspend: store.spec.suspend,
            store_namespace: status
                .namespace
                .clone()
                .unwrap_or_else(|| store_namespace(&name)),
            admin_secret_ref: status.admin_secret_ref.clone(),
            generation: store.metadata.generation,
            observed_generation: status.observed_generation,
            ready_at: status.ready_at.clone(),
            conditions: status
                .conditions
                .iter()
                .map(|c| ConditionView {
                    type_: c.type_.clone(),
                    status: c.status.clone(),
                    reason: c.reason.clone(),
                    message: c.message.clone(),
                    last_transition_time: Some(c.last_transition_time.clone()),
                })
                .collect(),
            steps: status.steps.iter().map(StepView::from).collect(),
            check_interval: store.spec.check.as_ref().map(|c| c.interval.clone()),
            last_check: status.check.clone(),
            events,
            warnings,
        }
    }
}

/// One step of the last provisioning: when it started and finished, and
/// how long it took (None while it runs).
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StepView {
    pub step: String,
    pub started_at: Time,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Time>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
}

impl From<&crate::api::StepTiming> for StepView {
    fn from(timing: &crate::api::StepTiming) -> Self {
        let seconds = timing.finished_at.as_ref().map(|finished| {
            let took = finished.0.duration_since(timing.started_at.0);
            (took.as_millis() as f64 / 1000.0).max(0.0)
        });
        StepView {
            step: timing.step.clone(),
            started_at: timing.started_at.clone(),
            finished_at: timing.finished_at.clone(),
            seconds,
        }
    }
}

#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ConditionView {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
    pub reason: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Time>,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EventView {
    #[serde(rename = "type")]
    pub type_: String,
    pub reason: String,
    pub message: String,
    pub count: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<Time>,
}
