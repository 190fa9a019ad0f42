//! A store's status, computed from what its children report: one condition
//! per step, `Ready` when all hold, and the phase that sums them up. Pure, so
//! the rules are tested without a cluster.

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;

use crate::api::conditions::{self, READY};
use crate::api::{Phase, StoreStatus};

/// How one provisioning step stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepState {
    Done {
        reason: String,
        message: String,
    },
    Waiting {
        reason: String,
        message: String,
    },
    /// Will not get better by waiting: needs a spec change, a retry or a person.
    Failed {
        reason: String,
        message: String,
    },
}

impl StepState {
    pub fn done(reason: &str, message: impl Into<String>) -> Self {
        StepState::Done {
            reason: reason.into(),
            message: message.into(),
        }
    }
    pub fn waiting(reason: &str, message: impl Into<String>) -> Self {
        StepState::Waiting {
            reason: reason.into(),
            message: message.into(),
        }
    }
    pub fn failed(reason: &str, message: impl Into<String>) -> Self {
        StepState::Failed {
            reason: reason.into(),
            message: message.into(),
        }
    }
}

/// The steps in provisioning order; condition types are these names.
pub const STEPS: [&str; 7] = [
    "Namespace",
    "Guardrails",
    "Secrets",
    "Database",
    "WordPress",
    "Setup",
    "Ingress",
];

/// What the reconcile observed, step by step, in `STEPS` order. Steps it did
/// not reach are missing.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    pub steps: Vec<(&'static str, StepState)>,
    pub suspended: bool,
}

pub struct Inputs<'a> {
    pub previous: &'a StoreStatus,
    pub observed: &'a Observed,
    pub generation: Option<i64>,
    pub now: Timestamp,
    pub timeout: Duration,
    pub namespace: &'a str,
    pub url: &'a str,
    pub admin_secret: Option<crate::api::SecretReference>,
    pub versions: crate::api::EngineVersions,
    pub retry_token: Option<String>,
}

/// The new status. Conditions keep their transition times when unchanged, so
/// an unchanged world gives an identical status and nothing is written.
pub fn compute(input: Inputs) -> StoreStatus {
    let previous = input.previous;
    let now = Time(input.now);
    let mut conditions = previous.conditions.clone();
    let mut first_not_done: Option<(&str, String, String)> = None;
    let mut failure: Option<(String, String)> = None;
    for step in STEPS {
        let state = input
            .observed
            .steps
            .iter()
            .find(|(name, _)| *name == step)
            .map(|(_, s)| s.clone())
            .unwrap_or_else(|| StepState::waiting("NotStarted", "waiting for earlier steps"));
        let (status, reason, message) = match &state {
            StepState::Done { reason, message } => ("True", reason, message),
            StepState::Waiting { reason, message } => ("False", reason, message),
            StepState::Failed { reason, message } => ("False", reason, message),
        };
        if status != "True" && first_not_done.is_none() {
            first_not_done = Some((step, reason.clone(), message.clone()));
        }
        if let StepState::Failed { reason, message } = &state
            && failure.is_none()
        {
            failure = Some((reason.clone(), format!("{step}: {message}")));
        }
        conditions::set(
            &mut conditions,
            condition(step, status, reason, message, input.generation),
            now.clone(),
        );
    }

    let was = previous.phase;
    let started = match (&previous.provisioning_started_at, was) {
        // A new round of provisioning starts the clock again.
        (Some(t), Some(Phase::Provisioning | Phase::Pending) | None) => t.clone(),
        _ => now.clone(),
    };
    let waited = input.now.duration_since(started.0).unsigned_abs();
    let (phase, ready_reason, ready_message) = match (&failure, &first_not_done) {
        (Some((reason, message)), _) => (Phase::Failed, reason.clone(), message.clone()),
        (None, None) if input.observed.suspended => (
            Phase::Suspended,
            "Suspended".into(),
            "scaled to zero by spec.suspend".to_string(),
        ),
        (None, None) => (
            Phase::Ready,
            "Ready".into(),
            format!("the store serves {}", input.url),
        ),
        (None, Some((step, _, message))) if waited >= input.timeout => (
            Phase::Failed,
            "ProvisioningTimeout".into(),
            format!(
                "step {step} was not ready within {}: {message}",
                crate::error::humantime(input.timeout)
            ),
        ),
        (None, Some((step, reason, message))) => (
            Phase::Provisioning,
            "Provisioning".into(),
            format!("{step}: {reason}: {message}"),
        ),
    };
    let ready_status = if phase == Phase::Ready {
        "True"
    } else {
        "False"
    };
    conditions::set(
        &mut conditions,
        condition(
            READY,
            ready_status,
            &ready_reason,
            &ready_message,
            input.generation,
        ),
        now.clone(),
    );
    StoreStatus {
        phase: Some(phase),
        conditions,
        url: Some(input.url.to_string()),
        namespace: Some(input.namespace.to_string()),
        admin_secret_ref: input.admin_secret,
        observed_generation: input.generation,
        provisioning_started_at: match phase {
            Phase::Provisioning | Phase::Failed => Some(started),
            _ => previous.provisioning_started_at.clone(),
        },
        ready_at: if phase == Phase::Ready {
            if was == Some(Phase::Ready) {
                previous.ready_at.clone()
            } else {
                Some(now)
            }
        } else {
            previous.ready_at.clone()
        },
        versions: Some(input.versions),
        retry_token: input.retry_token,
    }
}

/// When the provisioning clock runs out, for the requeue.
pub fn deadline(status: &StoreStatus, timeout: Duration) -> Option<Timestamp> {
    let started = status.provisioning_started_at.as_ref()?;
    let span = k8s_openapi::jiff::SignedDuration::try_from(timeout).ok()?;
    started.0.checked_add(span).ok()
}

fn condition(
    type_: &str,
    status: &str,
    reason: &str,
    message: &str,
    generation: Option<i64>,
) -> Condition {
    Condition {
        type_: type_.into(),
        status: status.into(),
        reason: reason.into(),
        message: message.into(),
        observed_generation: generation,
        last_transition_time: Time(Timestamp::UNIX_EPOCH),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_done() -> Observed {
        Observed {
            steps: STEPS
                .iter()
                .map(|s| (*s, StepState::done("Ready", "ok")))
                .collect(),
            suspended: false,
        }
    }

    fn inputs<'a>(previous: &'a StoreStatus, observed: &'a Observed, now: i64) -> Inputs<'a> {
        Inputs {
            previous,
            observed,
            generation: Some(1),
            now: Timestamp::from_second(now).unwrap(),
            timeout: Duration::from_secs(600),
            namespace: "store-demo",
            url: "http://demo.example.com",
            admin_secret: None,
            versions: Default::default(),
            retry_token: None,
        }
    }

    #[test]
    fn ready_only_when_every_step_is_done() {
        let previous = StoreStatus::default();
        let status = compute(inputs(&previous, &all_done(), 100));
        assert_eq!(status.phase, Some(Phase::Ready));
        assert_eq!(
            conditions::find(&status.conditions, READY).unwrap().status,
            "True"
        );
        assert_eq!(status.conditions.len(), STEPS.len() + 1);

        let mut observed = all_done();
        observed.steps[3].1 = StepState::waiting("Starting", "0/1 replicas ready");
        let status = compute(inputs(&previous, &observed, 100));
        assert_eq!(status.phase, Some(Phase::Provisioning));
        let ready = conditions::find(&status.conditions, READY).unwrap();
        assert_eq!(ready.status, "False");
        assert_eq!(ready.message, "Database: Starting: 0/1 replicas ready");
    }

    #[test]
    fn the_same_observation_gives_the_same_status() {
        let mut observed = all_done();
        observed.steps.truncate(4);
        let first = compute(inputs(&StoreStatus::default(), &observed, 100));
        let second = compute(inputs(&first, &observed, 160));
        assert_eq!(
            first, second,
            "a second reconcile must not change the status"
        );
    }

    #[test]
    fn a_failed_step_fails_the_store_with_its_message() {
        let mut observed = all_done();
        observed.steps[5].1 =
            StepState::failed("SetupFailed", "setup step woocommerce-install failed: 404");
        let status = compute(inputs(&StoreStatus::default(), &observed, 100));
        assert_eq!(status.phase, Some(Phase::Failed));
        let ready = conditions::find(&status.conditions, READY).unwrap();
        assert_eq!(ready.reason, "SetupFailed");
        assert!(ready.message.contains("woocommerce-install failed"));
    }

    #[test]
    fn provisioning_past_the_timeout_fails_naming_the_step() {
        let mut observed = all_done();
        observed.steps.truncate(3);
        let first = compute(inputs(&StoreStatus::default(), &observed, 100));
        assert_eq!(first.phase, Some(Phase::Provisioning));
        let late = compute(inputs(&first, &observed, 100 + 601));
        assert_eq!(late.phase, Some(Phase::Failed));
        let ready = conditions::find(&late.conditions, READY).unwrap();
        assert_eq!(ready.reason, "ProvisioningTimeout");
        assert!(
            ready
                .message
                .starts_with("step Database was not ready within 10m"),
            "{}",
            ready.message
        );
    }

    #[test]
    fn a_ready_store_that_degrades_gets_a_fresh_clock() {
        let ready = compute(inputs(&StoreStatus::default(), &all_done(), 100));
        let mut observed = all_done();
        observed.steps[4].1 = StepState::waiting("Starting", "deployment recreated");
        let later = compute(inputs(&ready, &observed, 5000));
        assert_eq!(later.phase, Some(Phase::Provisioning));
        assert_eq!(later.provisioning_started_at.unwrap().0.as_second(), 5000);
        assert_eq!(
            later.ready_at.unwrap().0.as_second(),
            100,
            "readyAt keeps the last time it was Ready"
        );
    }
}
