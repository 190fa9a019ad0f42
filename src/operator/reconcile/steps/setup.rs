//! Setup: the wp-cli Job. It runs once the database is ready and WordPress's
//! pod is placed; again only when what the owner asked for changed, or on a
//! retry after it failed. An existing Job is read, never re-applied: its pod
//! template cannot change, and an operator upgrade must not re-run it.

use k8s_openapi::api::batch::v1::Job;
use std::collections::BTreeMap;

use super::{Run, clone, explain, pods};
use crate::api::labels::SETUP;
use crate::engines::woocommerce;
use crate::operator::children::pods::termination_message;
use crate::operator::children::write::{self, Owned};
use crate::operator::error::Result;
use crate::operator::reconcile::observe::{job_failed, job_state, job_succeeded};
use crate::operator::reconcile::step::Step;
use crate::operator::reconcile::step::StepState;

/// The label the Job controller puts on a Job's pods.
const JOB_NAME_LABEL: &str = "batch.kubernetes.io/job-name";

pub async fn run(run: &Run<'_>, owned: &Owned, can_start: bool) -> Result<StepState> {
    let store = run.store;
    if store.suspend {
        return Ok(as_before(run));
    }
    let client = run.client();
    let round = if run.installed() {
        woocommerce::SetupRound::Live
    } else {
        woocommerce::SetupRound::FirstInstall
    };
    let desired = woocommerce::setup_job(store, round);
    let restarting = |why: &str| StepState::waiting("Restarting", why);
    let state = match write::read(run.children, &run.children.caches.jobs, owned, SETUP).await? {
        Some(job) if job.metadata.deletion_timestamp.is_some() => {
            restarting("the previous setup Job is being removed")
        }
        // A Job an older operator made carries no request fingerprint: it
        // ran for the store as it is, so it is adopted rather than re-run
        // (an upgrade never re-runs the setup of live stores).
        Some(job) if woocommerce::setup_hash(&job).is_empty() => {
            let fingerprint = woocommerce::setup_hash(&desired);
            write::annotate::<Job>(
                client,
                owned,
                SETUP,
                woocommerce::SETUP_HASH_ANNOTATION,
                fingerprint,
            )
            .await?;
            observe(run, owned, &job).await?
        }
        Some(job) if woocommerce::setup_hash(&job) != woocommerce::setup_hash(&desired) => {
            write::delete::<Job>(run.children, owned, SETUP).await?;
            restarting("the store's settings changed; the setup runs again")
        }
        // A retry starts the setup afresh: a Job still running from the
        // failed round would keep that round's deadline.
        Some(job) if run.restart && !job_succeeded(&job) => {
            write::delete::<Job>(run.children, owned, SETUP).await?;
            restarting("the setup runs again")
        }
        Some(job) => observe(run, owned, &job).await?,
        None if run.held => StepState::waiting(
            "AwaitingRetry",
            format!(
                "the setup Job is gone; it runs again on `kubectl nexus store retry {}`",
                store.name
            ),
        ),
        None if can_start => {
            // A clone's first setup runs on the backup's data, once loaded.
            if let Some(loading) = clone::loaded(run).await? {
                return Ok(loading);
            }
            match write::ensure_and_read(run.children, owned, &desired, None).await {
                Ok(job) => observe(run, owned, &job).await?,
                // A Job this shard's cache cannot see (made before the store
                // moved here: the cache lists this shard's labels) whose pod
                // template differs (made in another round): only its labels
                // become ours, its template is immutable.
                Err(error) if error.is_invalid_object() => {
                    match write::get::<Job>(client, owned, SETUP).await? {
                        Some(job) => {
                            let labels = desired.metadata.labels.clone().unwrap_or_default();
                            write::label::<Job>(client, owned, SETUP, &labels).await?;
                            observe(run, owned, &job).await?
                        }
                        None => return Err(error),
                    }
                }
                Err(error) => return Err(error),
            }
        }
        None => StepState::waiting(
            "WaitingForWorkloads",
            "starts once the database is ready and WordPress's pod is placed",
        ),
    };
    explain(run, owned, Step::Setup, state).await
}

async fn observe(run: &Run<'_>, owned: &Owned, job: &Job) -> Result<StepState> {
    let message = if job_failed(job) {
        let labels = BTreeMap::from([(JOB_NAME_LABEL.to_string(), SETUP.to_string())]);
        termination_message(&pods(run, owned, &labels).await?)
    } else {
        None
    };
    Ok(job_state(job, message))
}

/// While suspended, the setup step keeps what it last was.
fn as_before(run: &Run<'_>) -> StepState {
    match run.previous(Step::Setup) {
        Some(c) if c.status == "True" => StepState::done(&c.reason, c.message.clone()),
        _ => StepState::waiting("Suspended", "runs when the store is resumed"),
    }
}
