//! Checks of a store as a shopper: asked for by `kubectl nexus store check`
//! (a new value of the Store's `nexus.dev/check-requested` annotation) or
//! due by `spec.check.interval`, each answered by one check Job in the
//! store's namespace, whose pod shops once at the store. Its report becomes
//! `status.check` and the `Healthy` condition (which the phase follows: a
//! Ready store that fails a check is Degraded); the Job is then removed. One
//! check runs at a time: a person's request replaces a Job of another.

use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;
use kube::ResourceExt;
use kube::api::ListParams;

use super::observe::{job_failed, job_succeeded};
use crate::api::conditions::{self, HEALTHY};
use crate::api::labels::WORDPRESS;
use crate::api::{CHECK_ANNOTATION, Phase, Store, StoreCheck, StoreStatus};
use crate::engines::woocommerce::{CHECK_JOB, CHECK_REQUEST_ANNOTATION, check_job};
use crate::operator::children::Children;
use crate::operator::children::write::{self, Owned};
use crate::operator::error::{Error, Result};
use crate::operator::metrics::{Metrics, StepLabel};
use crate::shopper::Report;
use crate::validated::ValidatedStore;

/// The label the Job controller puts on a Job's pods.
const JOB_NAME_LABEL: &str = "batch.kubernetes.io/job-name";

/// Answers the check asked for or due, if one is: starts its Job, or reads
/// the finished Job's report into `next`. Returns when the next check of
/// `spec.check` is due, when the store has one.
pub async fn answer(
    children: &Children,
    metrics: &Metrics,
    store: &Store,
    validated: &ValidatedStore<'_>,
    owned: &Owned,
    next: &mut StoreStatus,
) -> Result<Option<Duration>> {
    let answered = next.check.as_ref().map(|c| c.request.clone());
    let unanswered = |request: &&String| Some(*request) != answered.as_ref();
    let job = write::read(children, &children.caches.jobs, owned, CHECK_JOB).await?;
    let asked = store.annotations().get(CHECK_ANNOTATION).filter(unanswered);
    let running = job
        .as_ref()
        .and_then(|job| job.annotations().get(CHECK_REQUEST_ANNOTATION))
        .filter(unanswered);
    let now = Timestamp::now();
    let (due, wait) = match first_check(validated, next, now) {
        Some(first) => first,
        None => periodic(validated, next, now),
    };
    let Some(request) = asked.or(running).cloned().or(due) else {
        // Nothing asked, or answered already: no Job is left behind.
        if job.is_some() {
            write::delete::<Job>(children, owned, CHECK_JOB).await?;
        }
        return Ok(wait);
    };
    serve(children, metrics, validated, owned, next, request, job).await?;
    Ok(wait)
}

/// How long after a new store's failed first check it is checked again;
/// once it took longer than its provisioning timeout, less often.
const FIRST_CHECK_AGAIN: Duration = Duration::from_secs(10);
const LATE_CHECK_AGAIN: Duration = Duration::from_secs(30);

/// A new store whose every part runs waits for a shopper's check before it
/// is Ready (`--check-before-ready`): the request of that check when it is
/// due (at once, then again a moment after each one that failed), and how
/// long until then. None: the store does not wait for one.
fn first_check(
    store: &ValidatedStore,
    status: &StoreStatus,
    now: Timestamp,
) -> Option<(Option<String>, Option<Duration>)> {
    if !store.settings.check_before_ready {
        return None;
    }
    let again = match super::status::waiting_for_first_check(status)? {
        false => FIRST_CHECK_AGAIN,
        true => LATE_CHECK_AGAIN,
    };
    let last = status.check.as_ref().map(|c| c.finished_at.0);
    let since = last.map(|at| now.duration_since(at).unsigned_abs());
    Some(match since {
        Some(since) if since < again => (None, Some(again - since)),
        _ => (Some(format!("first, {now}")), Some(again)),
    })
}

/// The request of a periodic check due now (None: not due, or no
/// `spec.check`), and how long until the next is due. Only a store that
/// serves (Ready or Degraded) is checked on its own; the last check, a
/// person's or a periodic one, starts the interval.
fn periodic(
    store: &ValidatedStore,
    status: &StoreStatus,
    now: Timestamp,
) -> (Option<String>, Option<Duration>) {
    let Some(interval) = store.check_interval else {
        return (None, None);
    };
    let serving = matches!(status.phase, Some(Phase::Ready | Phase::Degraded));
    if !serving || store.suspend {
        return (None, Some(interval));
    }
    let last = status.check.as_ref().map(|c| c.finished_at.0);
    let since = last.map(|at| now.duration_since(at).unsigned_abs());
    match since {
        Some(since) if since < interval => (None, Some(interval - since)),
        _ => {
            let every = crate::duration::human(interval);
            (Some(format!("every {every}, {now}")), Some(interval))
        }
    }
}

/// Moves the check of `request` on: its Job made, replaced or read.
async fn serve(
    children: &Children,
    metrics: &Metrics,
    validated: &ValidatedStore<'_>,
    owned: &Owned,
    next: &mut StoreStatus,
    request: String,
    job: Option<Job>,
) -> Result<()> {
    match job {
        None => match cannot_check(validated, next) {
            Some(why) => {
                next.check = Some(not_run(&request, why));
                Ok(())
            }
            None => {
                let service = write::get::<Service>(&children.client, owned, WORDPRESS).await?;
                let address = service
                    .and_then(|s| s.spec?.cluster_ip)
                    .filter(|ip| ip != "None");
                let Some(address) = address else {
                    let why = "the store's WordPress Service has no address";
                    next.check = Some(not_run(&request, why.into()));
                    return Ok(());
                };
                // Made already when the cache has not shown it yet.
                let job = check_job(validated, &request, &address);
                write::create_once(&children.client, owned, &job).await
            }
        },
        // An older request's: the newer one starts once it is gone.
        Some(job) if job.annotations().get(CHECK_REQUEST_ANNOTATION) != Some(&request) => {
            write::delete::<Job>(children, owned, CHECK_JOB).await
        }
        Some(job) if job_succeeded(&job) || job_failed(&job) => {
            let pods = check_pods(children, owned).await?;
            let check = read_report(&request, &job, &pods);
            record_metrics(metrics, &check);
            set_healthy(next, &check);
            super::status::follow_health(next);
            next.check = Some(check);
            write::delete::<Job>(children, owned, CHECK_JOB).await
        }
        // Running: the Job's next change wakes the store again.
        Some(_) => Ok(()),
    }
}

/// Why a check cannot run now, if it cannot: nothing answers.
fn cannot_check(store: &ValidatedStore, status: &StoreStatus) -> Option<String> {
    if store.suspend || matches!(status.phase, Some(Phase::Suspended | Phase::Suspending)) {
        return Some("the store is suspended: resume it, then check it".into());
    }
    let first = super::status::waiting_for_first_check(status).is_some();
    if status.ready_at.is_none() && !first {
        return Some(
            "the store has not been Ready yet: nothing serves its shop (see kubectl nexus store get)"
                .into(),
        );
    }
    None
}

fn now() -> Time {
    Time(Timestamp::now())
}

fn not_run(request: &str, message: String) -> StoreCheck {
    StoreCheck {
        request: request.to_string(),
        finished_at: now(),
        passed: false,
        steps: Vec::new(),
        message: Some(message),
    }
}

/// Why the running check's pod does not run, from the pod cache (a pod in
/// trouble wakes its store; see `children::watches`). None as well while
/// the cache has not listed.
pub fn pod_trouble(children: &Children, owned: &Owned) -> Option<String> {
    let pods = children.caches.pods.in_namespace(owned.namespace())?;
    pods.iter()
        .filter(|pod| pod.labels().get(JOB_NAME_LABEL).map(String::as_str) == Some(CHECK_JOB))
        .find_map(crate::operator::children::pods::pod_trouble)
}

async fn check_pods(children: &Children, owned: &Owned) -> Result<Vec<Pod>> {
    let selector = format!("{JOB_NAME_LABEL}={CHECK_JOB}");
    owned
        .api::<Pod>(&children.client)
        .list(&ListParams::default().labels(&selector))
        .await
        .map(|list| list.items)
        .map_err(Error::api(format!(
            "list the check pods in {} ({selector})",
            owned.namespace()
        )))
}

/// The report the check pod left as its termination message, or why there
/// is none.
fn read_report(request: &str, job: &Job, pods: &[Pod]) -> StoreCheck {
    let terminated = pods
        .iter()
        .filter_map(|pod| pod.status.as_ref()?.container_statuses.as_ref())
        .flatten()
        .filter_map(|c| c.state.as_ref()?.terminated.clone())
        .max_by(|a, b| a.finished_at.cmp(&b.finished_at));
    let failed = || match job_failed(job) {
        true => "the check Job failed",
        false => "the check pod ended",
    };
    let Some(terminated) = terminated else {
        return not_run(
            request,
            format!(
                "{} before its pod ran (see kubectl nexus store report)",
                failed()
            ),
        );
    };
    let message = terminated.message.unwrap_or_default();
    match serde_json::from_str::<Report>(message.trim()) {
        Ok(report) if terminated.exit_code == 0 => StoreCheck {
            request: request.to_string(),
            finished_at: terminated.finished_at.unwrap_or_else(now),
            passed: report.passed(),
            message: report
                .untried
                .as_ref()
                .map(|why| format!("the checkout was not tried: {why}")),
            steps: report.steps,
        },
        _ => {
            let said: String = message.trim().chars().take(300).collect();
            let said = if said.is_empty() {
                "no report".to_string()
            } else {
                said
            };
            not_run(
                request,
                format!("{} (exit code {}): {said}", failed(), terminated.exit_code),
            )
        }
    }
}

fn record_metrics(metrics: &Metrics, check: &StoreCheck) {
    for step in &check.steps {
        let label = StepLabel {
            step: step.step.clone(),
        };
        metrics
            .check_duration
            .get_or_create(&label)
            .observe(step.seconds);
        if !step.passed {
            metrics.check_failures.get_or_create(&label).inc();
        }
    }
}

/// `Healthy`: True when every step passed, False naming the step that
/// failed, Unknown when the check itself could not run to a report.
fn set_healthy(status: &mut StoreStatus, check: &StoreCheck) {
    let (state, reason, message) = match (check.passed, check.steps.iter().find(|s| !s.passed)) {
        (true, _) => {
            let seconds: f64 = check.steps.iter().map(|s| s.seconds).sum();
            (
                "True",
                "CheckPassed",
                format!("{} passed in {seconds:.2}s", check.step_names()),
            )
        }
        (false, Some(step)) => ("False", "CheckFailed", step.summary()),
        // Every step taken passed, and a checkout was not tried (the store
        // has nothing for a check to buy): the shop sells; the check says
        // why it went no further.
        (false, None) if !check.steps.is_empty() => {
            let untried = check.message.as_deref().unwrap_or_default();
            (
                "True",
                "CheckPassed",
                format!("{} passed; {untried}", check.step_names()),
            )
        }
        (false, None) => (
            "Unknown",
            "CheckNotRun",
            check.message.clone().unwrap_or_default(),
        ),
    };
    conditions::set(
        &mut status.conditions,
        Condition {
            type_: HEALTHY.into(),
            status: state.into(),
            reason: reason.into(),
            message,
            observed_generation: status.observed_generation,
            last_transition_time: now(),
        },
        now(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{
        ContainerState, ContainerStateTerminated, ContainerStatus, PodStatus,
    };

    fn pod(exit_code: i32, message: &str) -> Pod {
        Pod {
            status: Some(PodStatus {
                container_statuses: Some(vec![ContainerStatus {
                    name: "shopper".into(),
                    state: Some(ContainerState {
                        terminated: Some(ContainerStateTerminated {
                            exit_code,
                            message: Some(message.into()),
                            ..ContainerStateTerminated::default()
                        }),
                        ..ContainerState::default()
                    }),
                    ..ContainerStatus::default()
                }]),
                ..PodStatus::default()
            }),
            ..Pod::default()
        }
    }

    const FAILED_REPORT: &str = r#"{"steps":[{"step":"home","passed":true,"seconds":0.4,"httpStatus":200},{"step":"product","passed":false,"seconds":0.1,"httpStatus":404,"message":"the Store API's products answered 404 Not Found","excerpt":"rest_no_route: No route was found matching the URL and request method."}]}"#;

    #[test]
    fn a_report_becomes_the_check_and_a_failed_step_makes_the_store_unhealthy() {
        let check = read_report("r1", &Job::default(), &[pod(0, FAILED_REPORT)]);
        assert_eq!(check.request, "r1");
        assert!(!check.passed);
        assert_eq!(check.steps.len(), 2);
        let mut status = StoreStatus::default();
        set_healthy(&mut status, &check);
        let healthy = conditions::find(&status.conditions, HEALTHY).unwrap();
        assert_eq!(
            (healthy.status.as_str(), healthy.reason.as_str()),
            ("False", "CheckFailed")
        );
        assert_eq!(
            healthy.message,
            "step product (HTTP 404): the Store API's products answered 404 Not Found"
        );
    }

    #[test]
    fn a_periodic_check_is_due_an_interval_after_the_last_check_of_a_serving_store() {
        let settings = crate::settings::Settings::for_tests();
        let mut raw = crate::validated::testing::store("shop", crate::api::Plan::Small);
        raw.spec.check = Some(crate::api::CheckPolicy {
            interval: "15m".into(),
        });
        let store = ValidatedStore::new(&raw, &settings).unwrap();
        let at = |s: i64| Timestamp::from_second(s).unwrap();
        let mut status = StoreStatus {
            phase: Some(Phase::Ready),
            ..StoreStatus::default()
        };
        // Never checked: now.
        let (due, wait) = periodic(&store, &status, at(1000));
        assert!(due.unwrap().starts_with("every 15m, "));
        assert_eq!(wait, Some(Duration::from_secs(900)));
        // Checked 10 minutes ago (by a person or on its own): in 5 minutes.
        status.check = Some(not_run("r", String::new()));
        status.check.as_mut().unwrap().finished_at = Time(at(1000));
        assert_eq!(
            periodic(&store, &status, at(1600)),
            (None, Some(Duration::from_secs(300)))
        );
        assert!(periodic(&store, &status, at(1900)).0.is_some());
        // Not serving: not checked on its own.
        status.phase = Some(Phase::Suspended);
        assert_eq!(periodic(&store, &status, at(5000)).0, None);
        // No spec.check: never, and nothing to wait for.
        raw.spec.check = None;
        let store = ValidatedStore::new(&raw, &settings).unwrap();
        assert_eq!(periodic(&store, &status, at(5000)), (None, None));
    }

    #[test]
    fn a_pod_without_a_report_is_said_and_leaves_health_unknown() {
        for (pods, said) in [
            (
                vec![pod(0, "")],
                "the check pod ended (exit code 0): no report",
            ),
            (
                vec![pod(2, "error: unexpected argument")],
                "the check pod ended (exit code 2): error: unexpected argument",
            ),
            (vec![], "the check pod ended before its pod ran"),
        ] {
            let check = read_report("r2", &Job::default(), &pods);
            assert!(!check.passed && check.steps.is_empty());
            assert!(
                check.message.as_deref().unwrap().starts_with(said),
                "{check:?}"
            );
            let mut status = StoreStatus::default();
            set_healthy(&mut status, &check);
            assert_eq!(
                conditions::find(&status.conditions, HEALTHY)
                    .unwrap()
                    .status,
                "Unknown"
            );
        }
    }
}
