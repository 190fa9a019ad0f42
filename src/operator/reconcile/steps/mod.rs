//! The reconcile of one store as a pipeline of steps. Each step builds its
//! objects with the pure builders and applies them; the runner owns the
//! order and which steps gate later ones. A step whose API call fails gets a
//! condition that names the call and the cause, and the runner stops there:
//! the status is still written, then the error goes to the backoff.

mod clone;
mod database;
mod guardrails;
mod ingress;
mod namespace;
mod secrets;
mod setup;
mod wordpress;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use kube::ResourceExt;
use kube::api::ListParams;

use super::context::StoreCache;
use super::status::Observed;
use super::step::{Step, StepState};
use crate::api::labels::{DATABASE, SETUP, WORDPRESS};
use crate::api::{Phase, StoreStatus};
use crate::operator::children::Children;
use crate::operator::children::pods::{pod_trouble, stopping};
use crate::operator::children::write::Owned;
use crate::operator::cluster_addresses::ClusterAddresses;
use crate::operator::error::{Error, Result};
use crate::validated::ValidatedStore;

/// What every step of one reconcile knows.
pub struct Run<'a> {
    pub store: &'a ValidatedStore<'a>,
    /// The client, the record of writes and the caches.
    pub children: &'a Children,
    /// The operator's own RBAC subject, bound in every store namespace.
    pub operator: &'a k8s_openapi::api::rbac::v1::Subject,
    /// The cluster's own addresses, out of every store's reach.
    pub addresses: &'a ClusterAddresses,
    /// Every Store, for the host claims.
    pub stores: &'a StoreCache,
    pub previous: &'a StoreStatus,
    /// A retry or a spec change of a Failed store: a failed setup runs again.
    pub restart: bool,
    /// Failed and not restarted: nothing new is started, access still follows.
    pub held: bool,
}

impl Run<'_> {
    /// The store has been Ready, so its site is installed: it keeps its route
    /// while a component is down or a changed setup runs.
    pub fn installed(&self) -> bool {
        self.previous.ready_at.is_some()
    }

    fn client(&self) -> &kube::Client {
        &self.children.client
    }

    /// The condition a step had in the status this reconcile started from.
    fn previous(
        &self,
        step: Step,
    ) -> Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition> {
        crate::api::conditions::find(&self.previous.conditions, step.as_str())
    }
}

/// Runs the steps in order. Returns what was observed, the store's
/// namespace once proven its own, and the API error that stopped the run,
/// if one did.
pub async fn provision(run: &Run<'_>) -> (Observed, Option<Owned>, Option<Error>) {
    let mut observed = Observed {
        steps: Vec::new(),
        suspended: run.store.suspend,
    };
    let mut proven = None;
    let error = walk(run, &mut observed, &mut proven).await.err();
    (observed, proven, error)
}

async fn walk(run: &Run<'_>, observed: &mut Observed, proven: &mut Option<Owned>) -> Result<()> {
    // Nothing is written, deleted or restarted before the namespace is proven ours.
    let (state, owned) = record(observed, Step::Namespace, namespace::ensure(run).await)?;
    observed.push(Step::Namespace, state);
    let Some(owned) = owned else {
        return Ok(());
    };
    *proven = Some(Owned::checked(owned.namespace()));

    let state = record(
        observed,
        Step::Guardrails,
        guardrails::ensure(run, &owned).await,
    )?;
    observed.push(Step::Guardrails, state);

    let state = record(observed, Step::Secrets, secrets::ensure(run, &owned).await)?;
    let secrets_done = state.is_done();
    observed.push(Step::Secrets, state);
    if !secrets_done {
        return Ok(());
    }

    let state = record(
        observed,
        Step::Database,
        database::ensure(run, &owned).await,
    )?;
    observed.push(Step::Database, state);

    let (state, placed) = record(
        observed,
        Step::WordPress,
        wordpress::ensure(run, &owned).await,
    )?;
    observed.push(Step::WordPress, state);

    let can_start = observed.is_done(Step::Database) && placed;
    let state = record(
        observed,
        Step::Setup,
        setup::run(run, &owned, can_start).await,
    )?;
    observed.push(Step::Setup, state);

    let setup_done = observed.is_done(Step::Setup);
    // The quota once the store's pods exist (see `guardrails::quota`).
    let failed = run.previous.phase == Some(Phase::Failed);
    if setup_done || run.installed() || failed {
        record(
            observed,
            Step::Guardrails,
            guardrails::quota(run, &owned).await,
        )?;
    }
    let state = record(
        observed,
        Step::Ingress,
        ingress::route(run, &owned, setup_done).await,
    )?;
    observed.push(Step::Ingress, state);
    Ok(())
}

/// On an API error, the step's condition says which call failed and why.
fn record<T>(observed: &mut Observed, step: Step, result: Result<T>) -> Result<T> {
    result.inspect_err(|error| {
        observed.push(step, StepState::waiting("ApiError", error.to_string()));
    })
}

/// Adds to a waiting step what its pods say is wrong: unschedulable, an
/// image that cannot be pulled, a container that keeps crashing or was
/// killed for memory.
async fn explain(run: &Run<'_>, owned: &Owned, step: Step, state: StepState) -> Result<StepState> {
    let component = match step {
        Step::Database => DATABASE,
        Step::WordPress => WORDPRESS,
        _ => SETUP,
    };
    // A workload scaled to zero reports no replicas while its pods still
    // stop: suspended means they are gone.
    if run.store.suspend && state.is_done() {
        let pods = pods(run, owned, &run.store.selector(component)).await?;
        return Ok(match pods.iter().find(|pod| stopping(pod)) {
            Some(pod) => StepState::waiting(
                "ScalingDown",
                format!("pod {} is still stopping", pod.name_any()),
            ),
            None => state,
        });
    }
    let StepState::Waiting { reason, message } = state else {
        return Ok(state);
    };
    let pods = pods(run, owned, &run.store.selector(component)).await?;
    Ok(match pods.iter().find_map(pod_trouble) {
        Some(trouble) => StepState::waiting(&reason, format!("{message}; {trouble}")),
        None => StepState::Waiting { reason, message },
    })
}

/// The pods of the owned namespace that carry all of `labels`, from the pod
/// cache, or with one list while it has not listed yet.
async fn pods(run: &Run<'_>, owned: &Owned, labels: &BTreeMap<String, String>) -> Result<Vec<Pod>> {
    if let Some(cached) = run.children.caches.pods.in_namespace(owned.namespace()) {
        let matches = |pod: &Pod| labels.iter().all(|(k, v)| pod.labels().get(k) == Some(v));
        return Ok(cached.into_iter().filter(matches).collect());
    }
    let selector = labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    let listed = owned
        .api::<Pod>(run.client())
        .list(&ListParams::default().labels(&selector))
        .await
        .map_err(Error::api(format!(
            "list Pods in {} ({selector})",
            owned.namespace()
        )))?;
    Ok(listed.items)
}
