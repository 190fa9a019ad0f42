//! Following a store until it settles (Ready or Failed) or is gone.

use std::time::Duration;

use futures::StreamExt;
use kube::Api;
use kube::runtime::{WatchStreamExt, watcher};

use crate::api::{Phase, Store, conditions};
use crate::error::{Action, Error, Result};

/// Shown while waiting; the output layer decides how (bar or plain lines).
/// `Send`: the dashboard drives the same commands from its request handlers.
pub trait Progress: Send {
    /// Where the thing waited for is now, in one line.
    fn update(&mut self, line: &str);
    fn finish(&mut self);
    /// A warning the API server sent with an answer (admission's usage notes).
    fn warn(&mut self, message: &str);
}

/// The line that tells where a store is now.
fn describe(store: &Store) -> String {
    let name = store.metadata.name.as_deref().unwrap_or_default();
    format!("{name}: {}", position(store))
}

/// Waits until the store is Ready (Ok) or Failed (Err), at most `timeout`.
pub async fn until_settled(
    api: &Api<Store>,
    name: &str,
    timeout: Duration,
    progress: &mut dyn Progress,
) -> Result<Store> {
    until(api, name, timeout, progress, |store| {
        matches!(store.phase(), Phase::Ready | Phase::Failed)
    })
    .await
}

/// Follows the store until `settled` (Ok, or Err when it is Failed), it is
/// gone, or `timeout` passes.
async fn until(
    api: &Api<Store>,
    name: &str,
    timeout: Duration,
    progress: &mut dyn Progress,
    settled: impl Fn(&Store) -> bool,
) -> Result<Store> {
    let mut last: Option<Store> = None;
    let followed = follow(api, name, timeout, progress, |store| {
        last = Some(store.clone());
        settled(store)
    })
    .await;
    progress.finish();
    match followed? {
        Followed::Matched(store) if store.phase() == Phase::Failed => {
            let (reason, message) = failure_of(&store);
            Err(Error::StoreFailed {
                name: name.into(),
                reason,
                message,
            })
        }
        Followed::Matched(store) => Ok(*store),
        Followed::Gone => Err(Error::Other(format!(
            "store {name:?} was deleted while waiting for it"
        ))),
        Followed::TimedOut => Err(Error::Timeout {
            name: name.into(),
            waited: timeout,
            last: describe_last(last.as_ref()),
        }),
    }
}

/// Waits until the operator has acted on the store's spec of `generation`
/// (or a later one): it is `target` (Ready or Suspended) with every step
/// holding for that spec (a setup run again for changed settings
/// included), or Failed (Err); at most `timeout`.
pub async fn until_settled_with(
    api: &Api<Store>,
    name: &str,
    generation: i64,
    target: Phase,
    timeout: Duration,
    progress: &mut dyn Progress,
) -> Result<Store> {
    until(api, name, timeout, progress, |store| {
        let Some(status) = store.status.as_ref() else {
            return false;
        };
        let current = status.observed_generation.unwrap_or_default() >= generation;
        let steps_hold = conditions::STEPS.iter().all(|step| {
            conditions::find(&status.conditions, step).is_some_and(|c| {
                c.status == "True" && c.observed_generation.unwrap_or_default() >= generation
            })
        });
        current
            && (store.phase() == Phase::Failed
                || (store.phase() == target && (target != Phase::Ready || steps_hold)))
    })
    .await
}

/// Waits until the operator answered the check `request` (the store's
/// `status.check` is its answer), at most `timeout`.
pub async fn until_checked(
    api: &Api<Store>,
    name: &str,
    request: &str,
    timeout: Duration,
    progress: &mut dyn Progress,
) -> Result<Store> {
    let answered = |store: &Store| {
        let check = store.status.as_ref().and_then(|s| s.check.as_ref());
        check.is_some_and(|c| c.request == request)
    };
    let followed = follow(api, name, timeout, progress, answered).await;
    progress.finish();
    match followed? {
        Followed::Matched(store) => Ok(*store),
        Followed::Gone => Err(Error::Other(format!(
            "store {name:?} was deleted while it was being checked"
        ))),
        Followed::TimedOut => Err(Error::Timeout {
            name: name.into(),
            waited: timeout,
            last: "the operator has not answered the check (is it running? kubectl nexus store report shows its log lines)".into(),
        }),
    }
}

/// Waits until the store no longer exists, at most `timeout`.
pub async fn until_gone(
    api: &Api<Store>,
    name: &str,
    timeout: Duration,
    progress: &mut dyn Progress,
) -> Result<()> {
    let mut last: Option<Store> = None;
    let followed = follow(api, name, timeout, progress, |store| {
        last = Some(store.clone());
        false
    })
    .await;
    progress.finish();
    match followed? {
        Followed::Gone => Ok(()),
        // `done` never matches here, so only the deadline ends the wait.
        Followed::Matched(_) | Followed::TimedOut => Err(Error::Timeout {
            name: name.into(),
            waited: timeout,
            last: format!(
                "it is still being deleted; {}",
                describe_last(last.as_ref())
            ),
        }),
    }
}

enum Followed {
    Matched(Box<Store>),
    Gone,
    TimedOut,
}

/// Watches one store; `done` decides when an observed state ends the wait.
async fn follow(
    api: &Api<Store>,
    name: &str,
    timeout: Duration,
    progress: &mut dyn Progress,
    mut done: impl FnMut(&Store) -> bool,
) -> Result<Followed> {
    let config = watcher::Config::default().fields(&format!("metadata.name={name}"));
    let mut events = watcher(api.clone(), config).default_backoff().boxed();
    let action = Action {
        verb: "watch",
        resource: "stores",
        namespace: api.namespace().unwrap_or_default(),
        name: Some(name),
    };
    let mut seen_during_init = false;
    let watching = async {
        while let Some(event) = events.next().await {
            match event {
                Ok(watcher::Event::Apply(store) | watcher::Event::InitApply(store)) => {
                    seen_during_init = true;
                    progress.update(&describe(&store));
                    if done(&store) {
                        return Ok(Followed::Matched(Box::new(store)));
                    }
                }
                Ok(watcher::Event::Delete(_)) => return Ok(Followed::Gone),
                Ok(watcher::Event::Init) => seen_during_init = false,
                Ok(watcher::Event::InitDone) if !seen_during_init => return Ok(Followed::Gone),
                Ok(watcher::Event::InitDone) => {}
                Err(watcher::Error::InitialListFailed(e) | watcher::Error::WatchStartFailed(e)) => {
                    return Err(action.error(e));
                }
                Err(_) => {} // transient; the backoff retries
            }
        }
        Ok(Followed::Gone)
    };
    match tokio::time::timeout(timeout, watching).await {
        Ok(result) => result,
        Err(_) => Ok(Followed::TimedOut),
    }
}

/// The reason and message of what failed, from the first failing condition.
pub fn failure_of(store: &Store) -> (String, String) {
    store
        .status
        .as_ref()
        .and_then(|s| conditions::most_relevant(&s.conditions))
        .map(|c| (c.reason.clone(), c.message.clone()))
        .unwrap_or_else(|| ("Unknown".into(), "no condition explains the failure".into()))
}

/// One sentence on where a store was when we stopped waiting.
fn describe_last(store: Option<&Store>) -> String {
    store.map_or_else(|| "the store was never observed".into(), position)
}

/// Where a store stands: its phase and the condition to look at first.
pub fn position(store: &Store) -> String {
    let phase = store.phase();
    match store
        .status
        .as_ref()
        .and_then(|s| conditions::most_relevant(&s.conditions))
    {
        Some(c) if c.message.is_empty() => format!("phase {phase}; {}: {}", c.type_, c.reason),
        Some(c) => format!("phase {phase}; {}: {}: {}", c.type_, c.reason, c.message),
        None => format!(
            "phase {phase}; no operator has reported on it yet: is the Nexus operator running?"
        ),
    }
}
