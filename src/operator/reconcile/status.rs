//! A store's status, computed from what its children report: one condition
//! per step, `Ready` when all hold, and the phase that sums them up. Pure, so
//! the rules are tested without a cluster.
//!
//! The phases: a new store is Provisioning until every step holds (Ready),
//! or a step fails or the provisioning timeout passes (Failed). A store that
//! has been Ready and loses a component is Degraded, with no clock: it returns
//! to Ready by itself. A setup its owner asked to run again (changed
//! settings) keeps a Ready store Ready: the shop serves throughout. A store
//! asked to suspend is Suspending until its pods are gone, then Suspended.
//! Failed holds until every step holds again, a retry or a spec change.

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;

use super::step::{Step, StepState};
use crate::api::conditions::{self, HEALTHY, READY};
use crate::api::{Phase, StepTiming, StoreStatus};

/// What the reconcile observed, step by step, in `Step::ALL` order. Steps it
/// did not reach are missing.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    pub steps: Vec<(Step, StepState)>,
    pub suspended: bool,
}

impl Observed {
    /// What a step reports; a later report in the same run (the quota's
    /// API error after the rest of Guardrails was done) replaces it.
    pub fn push(&mut self, step: Step, state: StepState) {
        match self.steps.iter_mut().find(|(s, _)| *s == step) {
            Some(entry) => entry.1 = state,
            None => self.steps.push((step, state)),
        }
    }
    pub fn get(&self, step: Step) -> Option<&StepState> {
        self.steps
            .iter()
            .find(|(s, _)| *s == step)
            .map(|(_, state)| state)
    }
    pub fn is_done(&self, step: Step) -> bool {
        self.get(step).is_some_and(StepState::is_done)
    }
}

pub struct Inputs<'a> {
    pub previous: &'a StoreStatus,
    pub observed: &'a Observed,
    pub generation: Option<i64>,
    pub now: Timestamp,
    pub timeout: Duration,
    /// Provisioning starts over (retry or spec change of a Failed store).
    pub restarted: bool,
    pub namespace: &'a str,
    pub url: &'a str,
    pub admin_secret: Option<crate::api::SecretReference>,
    pub versions: crate::api::EngineVersions,
    pub retry_token: Option<String>,
    /// A new store is Ready only once a shopper's check passed.
    pub check_before_ready: bool,
    /// Why the running check's pod does not run, when it is stuck (an image
    /// it cannot pull, a pod that cannot be scheduled).
    pub check_trouble: Option<String>,
}

/// The new status. Conditions keep their transition times when unchanged, so
/// an unchanged world gives an identical status and nothing is written.
pub fn compute(input: Inputs) -> StoreStatus {
    let previous = input.previous;
    let now = Time(input.now);
    let mut conditions = previous.conditions.clone();
    let mut first_not_done: Option<(Step, String, String)> = None;
    let mut failure: Option<(String, String)> = None;
    let mut setup_rerun = None;
    let not_started = StepState::waiting("NotStarted", "waiting for earlier steps");
    let installed = previous.ready_at.is_some() && !input.restarted;
    for step in Step::ALL {
        let state = input.observed.get(step).unwrap_or(&not_started);
        let (status, reason, message) = state.parts();
        // On an installed store a setup Job runs only because its owner
        // changed what the setup applies: nothing is lost meanwhile.
        if installed && step == Step::Setup && SETUP_RERUN.contains(&reason) {
            setup_rerun = Some(message.to_string());
        } else if status != "True" && first_not_done.is_none() {
            first_not_done = Some((step, reason.to_string(), message.to_string()));
        }
        if let StepState::Failed { reason, message } = state
            && failure.is_none()
        {
            failure = Some((reason.clone(), format!("{step}: {message}")));
        }
        conditions::set(
            &mut conditions,
            condition(step.as_str(), status, reason, message, input.generation),
            now.clone(),
        );
    }

    let was = if input.restarted {
        Some(Phase::Pending)
    } else {
        previous.phase
    };
    let been_ready = previous.ready_at.is_some();
    let started = match (&previous.provisioning_started_at, was) {
        (Some(t), Some(Phase::Provisioning | Phase::Pending) | None) if !input.restarted => {
            t.clone()
        }
        _ => now.clone(),
    };
    let waited = input.now.duration_since(started.0).unsigned_abs();
    let held_failure = || {
        conditions::find(&previous.conditions, READY)
            .map(|c| (c.reason.clone(), c.message.clone()))
            .unwrap_or_else(|| ("Failed".into(), "the store failed".into()))
    };
    let failing_check = failing_check(&conditions);
    let (phase, ready_reason, ready_message) = match (&failure, &first_not_done) {
        (Some((reason, message)), _) => (Phase::Failed, reason.clone(), message.clone()),
        (None, None) if input.observed.suspended => (
            Phase::Suspended,
            "Suspended".into(),
            "scaled to zero by spec.suspend".to_string(),
        ),
        // A new store: every part runs, and a shopper checks it before it
        // is Ready (the check runs now; see `check`).
        (None, None) if !been_ready && input.check_before_ready && !passed_check(&conditions) => {
            let why = match (&input.check_trouble, conditions::find(&conditions, HEALTHY)) {
                (Some(trouble), _) => format!("its check cannot run: {trouble}"),
                (None, Some(healthy)) => format!("its last check: {}", healthy.message),
                (None, None) => "a shopper checks it before it is Ready".to_string(),
            };
            // Reported late once, it stays so (the clock restarts on a
            // Failed store) until a check passes.
            let late =
                was == Some(Phase::Failed) && waiting_for_first_check(previous) == Some(true);
            if waited >= input.timeout || late {
                (
                    Phase::Failed,
                    PROVISIONING_TIMEOUT.into(),
                    format!(
                        "{CHECK_LATE} within {}: {why}",
                        crate::duration::human(input.timeout)
                    ),
                )
            } else {
                (
                    Phase::Provisioning,
                    CHECKING.into(),
                    format!("every part runs; {why}"),
                )
            }
        }
        // Every part runs, and a shopper could not buy: not Ready.
        (None, None) if failing_check.is_some() && been_ready => (
            Phase::Degraded,
            CHECK_FAILED.into(),
            unsellable(failing_check.as_deref().unwrap_or_default()),
        ),
        (None, None) => (
            Phase::Ready,
            "Ready".into(),
            match &setup_rerun {
                Some(setup) => format!(
                    "the store serves {}; its setup runs again for changed settings ({setup})",
                    input.url
                ),
                None if was == Some(Phase::Failed)
                    && conditions::find(&previous.conditions, READY)
                        .is_some_and(|c| c.reason == PROVISIONING_TIMEOUT) =>
                {
                    format!(
                        "the store serves {}; it became Ready by itself after its provisioning timeout (a step was late, not broken)",
                        input.url
                    )
                }
                None => format!("the store serves {}", input.url),
            },
        ),
        // Failed stays Failed until every step holds again or a person acts.
        (None, Some(_)) if was == Some(Phase::Failed) => {
            let (reason, message) = held_failure();
            (Phase::Failed, reason, message)
        }
        (None, Some((step, reason, message))) if input.observed.suspended => (
            Phase::Suspending,
            "Suspending".into(),
            format!("{step}: {reason}: {message}"),
        ),
        // Once Ready, the provisioning clock no longer applies.
        (None, Some((step, reason, message))) if been_ready => (
            Phase::Degraded,
            reason.clone(),
            format!("{step}: {reason}: {message}"),
        ),
        (None, Some((step, _, message))) if waited >= input.timeout => (
            Phase::Failed,
            PROVISIONING_TIMEOUT.into(),
            format!(
                "step {step} was not ready within {}: {message}",
                crate::duration::human(input.timeout)
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
    // The clock of this provisioning: a new one starts with a retry; once
    // the store was Ready, the last provisioning's stays as it was.
    let steps = if installed {
        previous.steps.clone()
    } else {
        let (earlier, start) = if input.restarted {
            (&[][..], now.clone())
        } else {
            let start = previous.provisioning_started_at.clone();
            (&previous.steps[..], start.unwrap_or_else(|| now.clone()))
        };
        timings(earlier, input.observed, start, &now)
    };
    StoreStatus {
        steps,
        phase: Some(phase),
        conditions,
        url: Some(input.url.to_string()),
        namespace: Some(input.namespace.to_string()),
        admin_secret_ref: input.admin_secret,
        observed_generation: input.generation,
        provisioning_started_at: match phase {
            Phase::Provisioning => Some(started),
            Phase::Failed if was != Some(Phase::Failed) && !been_ready => Some(started),
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
        check: previous.check.clone(),
    }
}

/// The Ready condition's reason of a store whose last check failed.
pub const CHECK_FAILED: &str = "CheckFailed";
/// The Ready condition's reason of a new store waiting for its first check.
pub const CHECKING: &str = "Checking";
/// How the Ready message of a new store that timed out waiting for a
/// passing check begins.
const CHECK_LATE: &str = "the store did not pass a shopper's check";

/// Whether a new store waits for its first passing check: None if not;
/// Some(true) when it already took longer than its provisioning timeout
/// (reported Failed, and still checked: it goes on to Ready once one
/// passes, as a store with any other late step does).
pub fn waiting_for_first_check(status: &StoreStatus) -> Option<bool> {
    if status.ready_at.is_some() {
        return None;
    }
    let ready = conditions::find(&status.conditions, READY)?;
    match ready.reason.as_str() {
        CHECKING => Some(false),
        PROVISIONING_TIMEOUT if ready.message.starts_with(CHECK_LATE) => Some(true),
        _ => None,
    }
}

fn passed_check(conditions: &[Condition]) -> bool {
    conditions::find(conditions, HEALTHY).is_some_and(|c| c.status == "True")
}

/// The message of its last check, when that check failed (`Healthy` False).
fn failing_check(conditions: &[Condition]) -> Option<String> {
    conditions::find(conditions, HEALTHY)
        .filter(|c| c.status == "False")
        .map(|c| c.message.clone())
}

fn unsellable(check: &str) -> String {
    format!("every part runs, but a shopper could not buy: {check}")
}

/// The phase after a check changed `Healthy` within a reconcile: a Ready
/// store whose check failed is Degraded, a store Degraded only by a failed
/// check is Ready once one passes (as `compute` decides from then on).
pub fn follow_health(status: &mut StoreStatus) {
    let now = Time(Timestamp::now());
    let ready = conditions::find(&status.conditions, READY).cloned();
    let by_check = ready.as_ref().is_some_and(|c| c.reason == CHECK_FAILED);
    let (phase, state, reason, message) = match (status.phase, failing_check(&status.conditions)) {
        (Some(Phase::Ready), Some(check)) => {
            (Phase::Degraded, "False", CHECK_FAILED, unsellable(&check))
        }
        (Some(Phase::Degraded), None) if by_check => {
            status.ready_at = Some(now.clone());
            let url = status.url.clone().unwrap_or_default();
            (
                Phase::Ready,
                "True",
                "Ready",
                format!("the store serves {url}"),
            )
        }
        _ => return,
    };
    status.phase = Some(phase);
    let generation = ready.and_then(|c| c.observed_generation);
    conditions::set(
        &mut status.conditions,
        condition(READY, state, reason, &message, generation),
        now,
    );
}

/// The steps of a provisioning on the clock: each starts when the one
/// before it finished (the first when provisioning started) and finishes the
/// first time it is observed done; the first step not done yet ends the
/// list. Times already recorded are kept.
fn timings(
    earlier: &[StepTiming],
    observed: &Observed,
    start: Time,
    now: &Time,
) -> Vec<StepTiming> {
    let mut steps = Vec::new();
    let mut cursor = start;
    for step in Step::ALL {
        let before = earlier.iter().find(|t| t.step == step.as_str());
        let started_at = before.map_or_else(|| cursor.clone(), |t| t.started_at.clone());
        let finished_at = before
            .and_then(|t| t.finished_at.clone())
            .or_else(|| observed.is_done(step).then(|| now.clone()));
        steps.push(StepTiming {
            step: step.as_str().into(),
            started_at,
            finished_at: finished_at.clone(),
        });
        match finished_at {
            Some(finished) => cursor = finished,
            None => break,
        }
    }
    steps
}

/// The steps that finished in `next` and had not in `previous`, with how
/// long each took (seconds), for the step duration histogram.
pub fn newly_finished(previous: &StoreStatus, next: &StoreStatus) -> Vec<(String, f64)> {
    next.steps
        .iter()
        .filter_map(|timing| {
            let finished = timing.finished_at.as_ref()?;
            let seen = previous
                .steps
                .iter()
                .any(|t| t.step == timing.step && t.finished_at.is_some());
            let seconds = finished.0.duration_since(timing.started_at.0).as_secs_f64();
            (!seen).then(|| (timing.step.clone(), seconds.max(0.0)))
        })
        .collect()
}

/// The reason of a store Failed because a step was not ready in time: the
/// operator keeps watching it, and the store goes on once the step is ready.
pub const PROVISIONING_TIMEOUT: &str = "ProvisioningTimeout";

/// The Setup step's reasons while its Job runs again (observe::job_state,
/// steps::setup): on an installed store, only because its owner asked.
const SETUP_RERUN: [&str; 3] = ["Restarting", "NotStarted", "Running"];

/// When the provisioning clock runs out, for the requeue.
pub fn deadline(status: &StoreStatus, timeout: Duration) -> Option<Timestamp> {
    if status.phase != Some(Phase::Provisioning) {
        return None;
    }
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
            steps: Step::ALL
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
            restarted: false,
            namespace: "store-demo",
            url: "http://demo.example.com",
            admin_secret: None,
            versions: Default::default(),
            retry_token: None,
            check_before_ready: false,
            check_trouble: None,
        }
    }

    fn ready(status: &StoreStatus) -> &Condition {
        conditions::find(&status.conditions, READY).unwrap()
    }

    /// Each step's (name, started, finished) in seconds.
    fn clock(status: &StoreStatus) -> Vec<(String, i64, Option<i64>)> {
        status
            .steps
            .iter()
            .map(|t| {
                (
                    t.step.clone(),
                    t.started_at.0.as_second(),
                    t.finished_at.as_ref().map(|f| f.0.as_second()),
                )
            })
            .collect()
    }

    #[test]
    fn each_step_of_a_provisioning_is_on_the_clock_and_the_last_one_is_kept() {
        let upto = |done: usize| Observed {
            steps: Step::ALL
                .iter()
                .enumerate()
                .map(|(i, s)| match i.cmp(&done) {
                    std::cmp::Ordering::Less => (*s, StepState::done("Ready", "ok")),
                    _ => (*s, StepState::waiting("Waiting", "not yet")),
                })
                .collect(),
            suspended: false,
        };
        let first = compute(inputs(&StoreStatus::default(), &upto(3), 100));
        assert_eq!(
            clock(&first),
            [
                ("Namespace".into(), 100, Some(100)),
                ("Guardrails".into(), 100, Some(100)),
                ("Secrets".into(), 100, Some(100)),
                ("Database".into(), 100, None),
            ]
        );
        let later = compute(inputs(&first, &upto(5), 130));
        assert_eq!(clock(&later)[3], ("Database".into(), 100, Some(130)));
        assert_eq!(clock(&later)[5], ("Setup".into(), 130, None));
        assert_eq!(
            newly_finished(&first, &later),
            [
                ("Database".to_string(), 30.0),
                ("WordPress".to_string(), 0.0)
            ]
        );
        let done = compute(inputs(&later, &all_done(), 170));
        assert_eq!(done.phase, Some(Phase::Ready));
        assert_eq!(clock(&done)[5], ("Setup".into(), 130, Some(170)));
        assert_eq!(clock(&done).len(), 7);
        // A Ready store that loses a step and gets it back keeps the clock of
        // its provisioning.
        let degraded = compute(inputs(&done, &upto(4), 400));
        let back = compute(inputs(&degraded, &all_done(), 500));
        assert_eq!(clock(&back), clock(&done));
        assert!(newly_finished(&degraded, &back).is_empty());
        // A retry starts a new clock.
        let one = upto(1);
        let mut retried = inputs(&back, &one, 900);
        retried.restarted = true;
        assert_eq!(
            clock(&compute(retried)),
            [
                ("Namespace".into(), 900, Some(900)),
                ("Guardrails".into(), 900, None)
            ]
        );
    }

    #[test]
    fn ready_only_when_every_step_is_done() {
        let previous = StoreStatus::default();
        let status = compute(inputs(&previous, &all_done(), 100));
        assert_eq!(status.phase, Some(Phase::Ready));
        assert_eq!(ready(&status).status, "True");
        assert_eq!(status.conditions.len(), Step::ALL.len() + 1);

        let mut observed = all_done();
        observed.steps[3].1 = StepState::waiting("Starting", "0/1 replicas ready");
        let status = compute(inputs(&previous, &observed, 100));
        assert_eq!(status.phase, Some(Phase::Provisioning));
        assert_eq!(ready(&status).status, "False");
        assert_eq!(
            ready(&status).message,
            "Database: Starting: 0/1 replicas ready"
        );
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
        assert_eq!(ready(&status).reason, "SetupFailed");
        assert!(
            ready(&status)
                .message
                .contains("woocommerce-install failed")
        );
    }

    #[test]
    fn provisioning_past_the_timeout_fails_naming_the_step() {
        let mut observed = all_done();
        observed.steps.truncate(3);
        let first = compute(inputs(&StoreStatus::default(), &observed, 100));
        assert_eq!(first.phase, Some(Phase::Provisioning));
        let late = compute(inputs(&first, &observed, 100 + 601));
        assert_eq!(late.phase, Some(Phase::Failed));
        assert_eq!(ready(&late).reason, "ProvisioningTimeout");
        assert!(
            ready(&late)
                .message
                .starts_with("step Database was not ready within 10m"),
            "{}",
            ready(&late).message
        );
    }

    #[test]
    fn a_ready_store_that_loses_a_component_is_degraded_not_failed_and_recovers() {
        let was_ready = compute(inputs(&StoreStatus::default(), &all_done(), 100));
        let mut observed = all_done();
        observed.steps[3].1 = StepState::waiting("Starting", "0/1 replicas ready");
        let down = compute(inputs(&was_ready, &observed, 200));
        assert_eq!(down.phase, Some(Phase::Degraded));
        assert_eq!(ready(&down).reason, "Starting");
        assert_eq!(
            ready(&down).message,
            "Database: Starting: 0/1 replicas ready"
        );
        // Far past the provisioning timeout: still Degraded.
        let long_down = compute(inputs(&down, &observed, 200 + 3600));
        assert_eq!(long_down.phase, Some(Phase::Degraded));
        let back = compute(inputs(&long_down, &all_done(), 200 + 3700));
        assert_eq!(back.phase, Some(Phase::Ready));
        assert_eq!(back.ready_at.unwrap().0.as_second(), 200 + 3700);
    }

    fn with_health(status: &StoreStatus, state: &str, message: &str) -> StoreStatus {
        let mut status = status.clone();
        let healthy = condition(HEALTHY, state, "Check", message, Some(1));
        conditions::set(
            &mut status.conditions,
            healthy,
            Time(Timestamp::from_second(150).unwrap()),
        );
        status
    }

    #[test]
    fn a_new_store_is_ready_only_once_a_shoppers_check_passed() {
        let checked = |status: &StoreStatus, now| {
            compute(Inputs {
                check_before_ready: true,
                ..inputs(status, &all_done(), now)
            })
        };
        let waiting = checked(&StoreStatus::default(), 100);
        assert_eq!(waiting.phase, Some(Phase::Provisioning));
        assert_eq!(ready(&waiting).reason, CHECKING);
        assert_eq!(
            ready(&waiting).message,
            "every part runs; a shopper checks it before it is Ready"
        );
        // A failed check: still waiting, saying why; past the timeout, Failed.
        let failed = with_health(
            &waiting,
            "False",
            "step home (HTTP 500): the home page answered 500",
        );
        let still = checked(&failed, 200);
        assert_eq!(still.phase, Some(Phase::Provisioning));
        assert!(
            ready(&still)
                .message
                .ends_with("its last check: step home (HTTP 500): the home page answered 500")
        );
        assert_eq!(waiting_for_first_check(&still), Some(false));
        let late = checked(&still, 100 + 600);
        assert_eq!(late.phase, Some(Phase::Failed));
        assert_eq!(ready(&late).reason, PROVISIONING_TIMEOUT);
        assert_eq!(waiting_for_first_check(&late), Some(true));
        // Still not passed later: still Failed, saying the latest check.
        let later = checked(
            &with_health(&late, "False", "step product (HTTP 200): nothing to buy"),
            100 + 700,
        );
        assert_eq!(later.phase, Some(Phase::Failed));
        assert!(
            ready(&later)
                .message
                .ends_with("its last check: step product (HTTP 200): nothing to buy"),
            "{}",
            ready(&later).message
        );
        assert!(
            ready(&late)
                .message
                .starts_with("the store did not pass a shopper's check within 10m")
        );
        // A check pod that cannot run is named (the store would otherwise
        // wait in silence until its timeout).
        let stuck = compute(Inputs {
            check_before_ready: true,
            check_trouble: Some("pod check-x container check: ErrImagePull: not found".into()),
            ..inputs(&still, &all_done(), 250)
        });
        assert_eq!(stuck.phase, Some(Phase::Provisioning));
        assert_eq!(
            ready(&stuck).message,
            "every part runs; its check cannot run: pod check-x container check: ErrImagePull: not found"
        );
        // A passed one: Ready; once Ready, checks no longer hold it back.
        let passed = checked(&with_health(&still, "True", "passed"), 300);
        assert_eq!(passed.phase, Some(Phase::Ready));
        assert_eq!(waiting_for_first_check(&passed), None);
        // Late, then passed: Ready all the same.
        let late_then_passed = checked(&with_health(&late, "True", "passed"), 900);
        assert_eq!(late_then_passed.phase, Some(Phase::Ready));
        assert_eq!(checked(&passed, 400).phase, Some(Phase::Ready));
        // Without --check-before-ready: Ready at once.
        assert_eq!(
            compute(inputs(&StoreStatus::default(), &all_done(), 100)).phase,
            Some(Phase::Ready)
        );
    }

    #[test]
    fn a_ready_store_that_fails_a_check_is_degraded_until_one_passes() {
        let was_ready = compute(inputs(&StoreStatus::default(), &all_done(), 100));
        // The check's answer within a reconcile: the phase follows at once.
        let mut failed = with_health(&was_ready, "False", "step product (HTTP 404): gone");
        follow_health(&mut failed);
        assert_eq!(failed.phase, Some(Phase::Degraded));
        assert_eq!(
            (
                ready(&failed).status.as_str(),
                ready(&failed).reason.as_str()
            ),
            ("False", CHECK_FAILED)
        );
        assert_eq!(
            ready(&failed).message,
            "every part runs, but a shopper could not buy: step product (HTTP 404): gone"
        );
        // Later reconciles keep it so, and write nothing new.
        let later = compute(inputs(&failed, &all_done(), 200));
        assert_eq!(later.phase, Some(Phase::Degraded));
        assert_eq!(later.ready_at, was_ready.ready_at);
        assert_eq!(compute(inputs(&later, &all_done(), 300)), later);
        // A check that could not run says nothing about selling.
        let unknown = compute(inputs(
            &with_health(&was_ready, "Unknown", "no report"),
            &all_done(),
            200,
        ));
        assert_eq!(unknown.phase, Some(Phase::Ready));
        // One that passes: Ready again, then as Ready as before.
        let mut passed = with_health(&later, "True", "home, product, add-to-cart passed in 0.40s");
        follow_health(&mut passed);
        assert_eq!(passed.phase, Some(Phase::Ready));
        assert_eq!(
            ready(&passed).message,
            "the store serves http://demo.example.com"
        );
        let after = compute(inputs(&passed, &all_done(), 400));
        assert_eq!(after.phase, Some(Phase::Ready));
        assert_eq!(after.ready_at, passed.ready_at);
        // A component down is still what a Degraded store says first.
        let mut observed = all_done();
        observed.steps[3].1 = StepState::waiting("Starting", "0/1 replicas ready");
        let down = compute(inputs(&failed, &observed, 500));
        assert_eq!(ready(&down).reason, "Starting");
    }

    #[test]
    fn a_setup_its_owner_asked_to_run_again_keeps_a_ready_store_ready() {
        let was_ready = compute(inputs(&StoreStatus::default(), &all_done(), 100));
        let setup = Step::ALL.iter().position(|s| *s == Step::Setup).unwrap();
        for (reason, message) in [
            (
                "Restarting",
                "the store's settings changed; the setup runs again",
            ),
            (
                "NotStarted",
                "setup Job not started yet: the cluster's Job controller has not made its pod",
            ),
            ("Running", "setup Job running (0 failed attempt(s))"),
        ] {
            let mut observed = all_done();
            observed.steps[setup].1 = StepState::waiting(reason, message);
            let rerun = compute(inputs(&was_ready, &observed, 200));
            assert_eq!(rerun.phase, Some(Phase::Ready), "{reason}");
            assert!(ready(&rerun).message.contains(message));
            assert_eq!(rerun.ready_at, was_ready.ready_at, "Ready all along");
            let setup_condition = conditions::find(&rerun.conditions, "Setup").unwrap();
            assert_eq!(
                (
                    setup_condition.status.as_str(),
                    setup_condition.reason.as_str()
                ),
                ("False", reason),
                "the Setup condition still tells what runs"
            );
        }
        // The same on a store never Ready, or retried after a failure: the
        // setup is what it waits for, so it is not Ready.
        let mut observed = all_done();
        observed.steps[setup].1 = StepState::waiting("Running", "setup Job running");
        let new = compute(inputs(&StoreStatus::default(), &observed, 100));
        assert_eq!(new.phase, Some(Phase::Provisioning));
        let mut retried = inputs(&was_ready, &observed, 200);
        retried.restarted = true;
        assert_eq!(compute(retried).phase, Some(Phase::Degraded));
        // A failed re-run is a failure.
        observed.steps[setup].1 = StepState::failed("SetupFailed", "setup step currency failed");
        let failed = compute(inputs(&was_ready, &observed, 300));
        assert_eq!(failed.phase, Some(Phase::Failed));
    }

    #[test]
    fn a_store_is_suspended_only_once_its_pods_are_gone() {
        let was_ready = compute(inputs(&StoreStatus::default(), &all_done(), 100));
        let mut observed = all_done();
        observed.suspended = true;
        observed.steps[3].1 = StepState::waiting("ScalingDown", "pod database-0 is still stopping");
        let suspending = compute(inputs(&was_ready, &observed, 200));
        assert_eq!(suspending.phase, Some(Phase::Suspending));
        assert_eq!(
            ready(&suspending).message,
            "Database: ScalingDown: pod database-0 is still stopping"
        );
        observed.steps[3].1 = StepState::done("Suspended", "scaled to zero");
        let suspended = compute(inputs(&suspending, &observed, 210));
        assert_eq!(suspended.phase, Some(Phase::Suspended));
    }

    #[test]
    fn a_failed_store_holds_its_reason_until_it_is_whole_or_restarted() {
        let mut observed = all_done();
        observed.steps.truncate(3);
        let first = compute(inputs(&StoreStatus::default(), &observed, 100));
        let failed = compute(inputs(&first, &observed, 800));
        assert_eq!(failed.phase, Some(Phase::Failed));
        // Later reconciles (tenant access, a resync) keep the failure.
        observed.steps.truncate(5);
        let held = compute(inputs(&failed, &observed, 900));
        assert_eq!(held.phase, Some(Phase::Failed));
        assert_eq!(ready(&held).reason, "ProvisioningTimeout");
        // A retry starts a fresh clock.
        let mut retry = inputs(&held, &observed, 1000);
        retry.restarted = true;
        let again = compute(retry);
        assert_eq!(again.phase, Some(Phase::Provisioning));
        assert_eq!(again.provisioning_started_at.unwrap().0.as_second(), 1000);
        // Whole again without a retry: Ready, saying it came late.
        let whole = compute(inputs(&held, &all_done(), 1100));
        assert_eq!(whole.phase, Some(Phase::Ready));
        assert!(
            ready(&whole)
                .message
                .contains("became Ready by itself after its provisioning timeout"),
            "{}",
            ready(&whole).message
        );
    }

    #[test]
    fn the_clock_waits_only_while_provisioning() {
        let mut observed = all_done();
        observed.steps.truncate(3);
        let provisioning = compute(inputs(&StoreStatus::default(), &observed, 100));
        assert_eq!(
            deadline(&provisioning, Duration::from_secs(600)).map(|t| t.as_second()),
            Some(700)
        );
        let was_ready = compute(inputs(&StoreStatus::default(), &all_done(), 100));
        let degraded = compute(inputs(&was_ready, &observed, 200));
        assert_eq!(deadline(&degraded, Duration::from_secs(600)), None);
    }
}
