//! One reconcile of one Store: the finalizer, then the steps (see `steps`),
//! then the status computed from what the children report, written with
//! server-side apply. Run twice on an unchanged world, it writes nothing.

mod check;
pub mod context;
pub mod final_backup;
pub mod host_routing;
pub mod observe;
pub mod status;
pub mod step;
pub mod steps;
pub mod written_statuses;

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;
use kube::api::{DeleteParams, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event as KubeEvent, EventType};
use kube::runtime::finalizer::{Event as Finalizer, finalizer};
use kube::{Api, Resource, ResourceExt};
use serde_json::json;
use tracing::{info, warn};

use crate::api::audit::{AuditAction, AuditOutcome};
use crate::api::conditions::{self, READY};
use crate::api::labels::{ADMIN_SECRET, FINALIZER, STORE_UID_LABEL};
use crate::api::{
    EngineVersions, Phase, RETRY_ANNOTATION, SecretReference, Store, StoreStatus, store_namespace,
};
use crate::operator::children::FIELD_MANAGER;
use crate::operator::error::{Error, Result};
use crate::validated::ValidatedStore;
use context::Context;
use final_backup::Final;
use observe::CERTIFICATE_PENDING;
use status::{Inputs, Observed};
use step::Step;
use steps::Run;

/// How often a settled store is looked at again.
const RESYNC: Duration = Duration::from_secs(300);
/// How often a store in provisioning is looked at, at most, between events.
const PROVISIONING_POLL: Duration = Duration::from_secs(30);
/// cert-manager's Certificates are not watched: look again this soon.
const CERTIFICATE_POLL: Duration = Duration::from_secs(5);

pub async fn reconcile(store: Arc<Store>, ctx: Arc<Context>) -> Result<Action> {
    let _slot = ctx.concurrency.permit().await;
    let started = std::time::Instant::now();
    ctx.metrics.reconciles.inc();
    let namespace = store.namespace().ok_or(Error::Incomplete {
        kind: "Store",
        field: "namespace",
    })?;
    let stores: Api<Store> = Api::namespaced(ctx.children.client.clone(), &namespace);
    let result = finalizer(&stores, FINALIZER, store, |event| async {
        match event {
            Finalizer::Apply(store) => converge(&store, &ctx).await,
            Finalizer::Cleanup(store) => cleanup(&store, &ctx).await,
        }
    })
    .await
    .map_err(|e| match e {
        kube::runtime::finalizer::Error::ApplyFailed(e)
        | kube::runtime::finalizer::Error::CleanupFailed(e) => e,
        kube::runtime::finalizer::Error::AddFinalizer(source) => Error::Api {
            action: format!("add the finalizer {FINALIZER}"),
            source,
        },
        kube::runtime::finalizer::Error::RemoveFinalizer(source) => Error::Api {
            action: format!("remove the finalizer {FINALIZER}"),
            source,
        },
        kube::runtime::finalizer::Error::UnnamedObject => Error::Incomplete {
            kind: "Store",
            field: "name",
        },
        kube::runtime::finalizer::Error::InvalidFinalizer => {
            Error::Bug("the finalizer's name is invalid")
        }
    });
    ctx.metrics
        .reconcile_duration
        .observe(started.elapsed().as_secs_f64());
    result
}

/// Requeue after an error: exponential per store, capped; cleanup waits are not errors.
pub fn error_policy(store: Arc<Store>, error: &Error, ctx: Arc<Context>) -> Action {
    if let Error::Waiting(_) = error {
        return Action::requeue(Duration::from_secs(2));
    }
    ctx.metrics
        .errors
        .get_or_create(&crate::operator::metrics::CategoryLabel {
            category: error.category().into(),
        })
        .inc();
    let key = store_key(&store);
    let delay = ctx.next_backoff(&key);
    warn!(store = %key, category = error.category(), error = %error, retry_in = ?delay, "reconcile failed");
    Action::requeue(delay)
}

fn store_key(store: &Store) -> String {
    format!(
        "{}/{}",
        store.namespace().unwrap_or_default(),
        store.name_any()
    )
}

async fn converge(store: &Store, ctx: &Context) -> Result<Action> {
    let previous = ctx.written_statuses.current(store);
    let validated = match ValidatedStore::new(store, &ctx.settings) {
        Ok(validated) => validated,
        Err(invalid) => {
            let message = format!("{invalid}; fix the Store's spec");
            let next = status_with(store, &previous, Phase::Failed, "InvalidSpec", &message);
            write_status(store, &next, ctx).await?;
            return Ok(Action::await_change());
        }
    };
    let retry = store.annotations().get(RETRY_ANNOTATION).cloned();
    let failed = previous.phase == Some(Phase::Failed);
    let spec_changed = previous.observed_generation != store.metadata.generation;
    let retried = retry.is_some() && retry != previous.retry_token;
    let restart = failed && (spec_changed || retried);
    if restart {
        info!(store = %validated.key(), spec_changed, retried, "provisioning a failed store again");
    }
    // A store that only waited too long is reported Failed but not held: the
    // late step is still watched, and the store goes on to Ready once it is.
    let timed_out = failed
        && conditions::find(&previous.conditions, READY)
            .is_some_and(|c| c.reason == status::PROVISIONING_TIMEOUT);
    let run = Run {
        store: &validated,
        children: &ctx.children,
        operator: &ctx.operator,
        addresses: &ctx.addresses,
        stores: &ctx.stores,
        previous: &previous,
        restart,
        held: failed && !restart && !timed_out,
    };
    let (observed, owned, error) = steps::provision(&run).await;
    // Only a new store whose every part runs waits on its check pod; the
    // others' checks report through `store check` and the Healthy condition.
    let waits_for_check = ctx.settings.check_before_ready
        && previous.ready_at.is_none()
        && observed.steps.iter().all(|(_, state)| state.is_done());
    let check_trouble = match &owned {
        Some(owned) if waits_for_check => check::pod_trouble(&ctx.children, owned),
        _ => None,
    };
    let mut next = status::compute(Inputs {
        previous: &previous,
        observed: &observed,
        generation: store.metadata.generation,
        now: Timestamp::now(),
        timeout: provisioning_timeout(&validated, ctx),
        restarted: restart,
        namespace: &validated.namespace,
        url: &validated.url,
        admin_secret: observed.is_done(Step::Secrets).then(|| SecretReference {
            namespace: validated.namespace.clone(),
            name: ADMIN_SECRET.into(),
        }),
        versions: EngineVersions {
            wordpress: Some(ctx.settings.wordpress_version.clone()),
            woocommerce: Some(ctx.settings.woocommerce_version.clone()),
            database: Some(image_tag(&ctx.settings.database_image)),
        },
        retry_token: retry,
        check_before_ready: ctx.settings.check_before_ready,
        check_trouble,
    });
    // Once each: the status computed here is the next one's starting point,
    // written or held back.
    for (step, seconds) in status::newly_finished(&previous, &next) {
        let label = crate::operator::metrics::StepLabel { step };
        ctx.metrics
            .step_duration
            .get_or_create(&label)
            .observe(seconds);
    }
    // A check asked for (or due by spec.check) is answered beside the
    // steps; its API error goes to the backoff after the status is
    // written, as a step's does.
    let mut error = error;
    let mut check_due = None;
    if let (Some(owned), None) = (&owned, &error) {
        let metrics = &ctx.metrics;
        match check::answer(&ctx.children, metrics, store, &validated, owned, &mut next).await {
            Ok(due) => check_due = due,
            Err(e) => error = Some(e),
        }
    }
    let timeout = provisioning_timeout(&validated, ctx);
    let look = next_look(&next, &observed, timeout, check_due);
    if let Some(wait) = ctx.written_statuses.held(store, &next) {
        // Progress only: it is written with whatever else changed by then,
        // or when it is due (a deadline or a check may come sooner).
        return match error {
            Some(error) => Err(error),
            None => Ok(Action::requeue(wait.min(look))),
        };
    }
    write_status(store, &next, ctx).await?;
    if let Some(error) = error {
        return Err(error);
    }
    ctx.reset_backoff(&validated.key());
    Ok(Action::requeue(look))
}

/// A clone's provisioning also loads its backup, which has a deadline of
/// its own: a large shop is not reported late while it loads.
fn provisioning_timeout(store: &ValidatedStore, ctx: &Context) -> Duration {
    let timeout = ctx.settings.provisioning_timeout;
    match store.setup.cloned_from {
        Some(_) => timeout + crate::engines::woocommerce::RESTORE_DEADLINE,
        None => timeout,
    }
}

/// How soon to look at the store again without an event (its next check of
/// `spec.check` included).
fn next_look(
    status: &StoreStatus,
    observed: &Observed,
    timeout: Duration,
    check_due: Option<Duration>,
) -> Duration {
    let waiting_for_certificate = observed
        .get(Step::Ingress)
        .is_some_and(|s| s.reason() == CERTIFICATE_PENDING);
    let resync = check_due.map_or(RESYNC, |due| due.clamp(Duration::from_secs(1), RESYNC));
    match status.phase {
        _ if waiting_for_certificate => CERTIFICATE_POLL,
        Some(Phase::Ready | Phase::Suspended | Phase::Failed) => resync,
        _ => {
            let left = status::deadline(status, timeout)
                .map(|deadline| deadline.duration_since(Timestamp::now()).unsigned_abs())
                .unwrap_or(PROVISIONING_POLL);
            let left = left.clamp(Duration::from_secs(1), PROVISIONING_POLL);
            check_due.map_or(left, |due| left.min(due.max(Duration::from_secs(1))))
        }
    }
}

/// The previous status with a new phase and the Ready condition saying why:
/// a store the operator cannot work with (Failed), or one being deleted.
fn status_with(
    store: &Store,
    previous: &StoreStatus,
    phase: Phase,
    reason: &str,
    message: &str,
) -> StoreStatus {
    let mut next = previous.clone();
    next.phase = Some(phase);
    next.observed_generation = store.metadata.generation;
    conditions::set(
        &mut next.conditions,
        Condition {
            type_: READY.into(),
            status: "False".into(),
            reason: reason.into(),
            message: message.into(),
            observed_generation: store.metadata.generation,
            last_transition_time: Time(Timestamp::now()),
        },
        Time(Timestamp::now()),
    );
    next
}

/// Server-side apply of the whole status (field manager `nexus-operator`): a
/// field the new status leaves out is removed, which a merge patch cannot do.
async fn write_status(store: &Store, next: &StoreStatus, ctx: &Context) -> Result<()> {
    // Compared with what is stored: a status held back is not.
    let previous = ctx.written_statuses.stored(store);
    if &previous == next {
        return Ok(());
    }
    // A check that moves the phase (Ready to Degraded and back) is told by
    // the phase's record, which names the step.
    if previous.phase != next.phase {
        record_phase(store, next, ctx).await?;
    } else {
        record_health(store, &previous, next, ctx).await?;
    }
    let stores: Api<Store> = Api::namespaced(
        ctx.children.client.clone(),
        &store.namespace().unwrap_or_default(),
    );
    let body = json!({
        "apiVersion": Store::api_version(&()),
        "kind": Store::kind(&()),
        "status": next,
    });
    let written = stores
        .patch_status(
            &store.name_any(),
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(&body),
        )
        .await
        .map_err(Error::api(format!(
            "write the status of Store {}",
            store_key(store)
        )))?;
    ctx.written_statuses.wrote(store, &written, next);
    if previous.phase != next.phase {
        announce(store, &previous, next, ctx).await;
    }
    Ok(())
}

/// An audit record of a phase the store reached, written before the status
/// says so: a status written means its record exists (a retry after a failed
/// status write may record the phase twice, never zero times).
async fn record_phase(store: &Store, next: &StoreStatus, ctx: &Context) -> Result<()> {
    let ready = conditions::find(&next.conditions, READY);
    let (reason, message) = ready
        .map(|c| (c.reason.as_str(), c.message.as_str()))
        .unwrap_or_default();
    let event =
        crate::audit::event::from_phase(next.phase.unwrap_or(Phase::Pending), reason, message);
    report(store, event, ctx).await
}

/// The operator's audit record about the store, when there is one to write.
async fn report(
    store: &Store,
    event: Option<(AuditAction, AuditOutcome, String)>,
    ctx: &Context,
) -> Result<()> {
    let Some(event) = event else {
        return Ok(());
    };
    ctx.audit
        .report(
            &store.namespace().unwrap_or_default(),
            &store.name_any(),
            event,
        )
        .await
        .map(|_| ())
}

/// An audit record of a check that changed the store's health, written
/// before the status says so (as a phase's).
async fn record_health(
    store: &Store,
    previous: &StoreStatus,
    next: &StoreStatus,
    ctx: &Context,
) -> Result<()> {
    let before = conditions::find(&previous.conditions, conditions::HEALTHY);
    let Some(now) = conditions::find(&next.conditions, conditions::HEALTHY) else {
        return Ok(());
    };
    let before = before.map(|c| c.status.as_str());
    let event = crate::audit::event::from_health(before, &now.status, &now.message);
    report(store, event, ctx).await
}

/// An Event on the Store for each phase transition, and the metrics that go with it.
async fn announce(store: &Store, previous: &StoreStatus, next: &StoreStatus, ctx: &Context) {
    let phase = next.phase.unwrap_or(Phase::Pending);
    let ready = conditions::find(&next.conditions, READY);
    let note = ready.map(|c| c.message.clone());
    let type_ = if matches!(phase, Phase::Failed | Phase::Degraded) {
        EventType::Warning
    } else {
        EventType::Normal
    };
    let reason = match phase {
        Phase::Failed => ready
            .map(|c| c.reason.clone())
            .unwrap_or_else(|| "Failed".into()),
        other => other.to_string(),
    };
    if phase == Phase::Ready
        && previous.ready_at.is_none()
        && let (Some(start), Some(ready_at)) = (&next.provisioning_started_at, &next.ready_at)
    {
        let seconds = ready_at.0.duration_since(start.0).as_secs_f64();
        ctx.metrics.provisioning_duration.observe(seconds.max(0.0));
    }
    info!(
        store = %store_key(store),
        from = %previous.phase.unwrap_or(Phase::Pending),
        to = %phase,
        reason = %reason,
        "phase changed"
    );
    let event = KubeEvent {
        type_,
        reason,
        note,
        action: "Reconcile".into(),
        secondary: None,
    };
    if let Err(e) = ctx.recorder.publish(&event, &store.object_ref(&())).await {
        warn!(error = %e, "cannot publish event");
    }
}

async fn cleanup(store: &Store, ctx: &Context) -> Result<Action> {
    let name = store.name_any();
    let namespace = store_namespace(&name);
    let uid = store.uid().unwrap_or_default();
    let namespaces: Api<Namespace> = Api::all(ctx.children.client.clone());
    let action = |verb: &str| format!("{verb} Namespace {namespace}");
    // The watch reports the namespace's deletion; only its absence from the
    // cache is confirmed with the API server.
    let existing = match ctx.children.caches.namespaces.lookup(None, &namespace) {
        Some(Some(cached)) => Some(cached.metadata),
        _ => namespaces
            .get_opt(&namespace)
            .await
            .map_err(Error::api(action("read")))?
            .map(|n| n.metadata),
    };
    let Some(existing) = existing else {
        info!(store = %store_key(store), "namespace gone; releasing the store");
        ctx.children.writes.forget_namespace(&namespace);
        ctx.children.deleted.forget_namespace(&namespace);
        ctx.children.secrets_checked.forget(&uid);
        ctx.written_statuses.forget(&uid);
        record_deleted(store, ctx).await?;
        return Ok(Action::await_change());
    };
    let owner = existing
        .labels
        .as_ref()
        .and_then(|l| l.get(STORE_UID_LABEL));
    if uid.is_empty() || owner != Some(&uid) {
        // Not ours (a name conflict): never delete it.
        return Ok(Action::await_change());
    }
    if existing.deletion_timestamp.is_none() {
        let configured = ctx.settings.backup.is_some();
        match final_backup::settle(&ctx.children.client, store, configured).await? {
            Final::NotTaken(None) => {}
            Final::NotTaken(Some(why)) => {
                let details = format!("deleted without a final backup: {why}");
                record_final_backup(store, ctx, AuditOutcome::Succeeded, details).await?;
            }
            Final::Completed(name) => {
                info!(store = %store_key(store), backup = %name, "final backup stored; deleting the store");
            }
            Final::Waiting(message) => return deleting(store, ctx, message).await,
            Final::Failed(message) => {
                let event = KubeEvent {
                    type_: EventType::Warning,
                    reason: "FinalBackupFailed".into(),
                    note: Some(message.chars().take(1000).collect()),
                    action: "Delete".into(),
                    secondary: None,
                };
                if let Err(e) = ctx.recorder.publish(&event, &store.object_ref(&())).await {
                    warn!(error = %e, "cannot publish event");
                }
                return deleting(store, ctx, message).await;
            }
        }
        namespaces
            .delete(&namespace, &DeleteParams::background())
            .await
            .map_err(Error::api(action("delete")))?;
    }
    let message = format!(
        "waiting for namespace {namespace} and everything in it (database volume included) to be deleted"
    );
    deleting(store, ctx, message).await
}

/// The store is being deleted and says what it waits for.
async fn deleting(store: &Store, ctx: &Context, message: String) -> Result<Action> {
    let previous = ctx.written_statuses.current(store);
    let next = status_with(store, &previous, Phase::Deleting, "Deleting", &message);
    write_status(store, &next, ctx).await?;
    Err(Error::Waiting(message))
}

/// The record that a store went without a final backup, and why (once: the
/// namespace's deletion follows it).
async fn record_final_backup(
    store: &Store,
    ctx: &Context,
    outcome: AuditOutcome,
    details: String,
) -> Result<()> {
    let namespace = store.namespace().unwrap_or_default();
    ctx.audit
        .report(
            &namespace,
            &store.name_any(),
            (AuditAction::Backup, outcome, details),
        )
        .await
        .map(|_| ())
}

/// The record that a store is gone. A tenant namespace being deleted takes
/// its records with it: nothing to write to, and nothing to hold up.
async fn record_deleted(store: &Store, ctx: &Context) -> Result<()> {
    let event = (
        AuditAction::Deleted,
        AuditOutcome::Succeeded,
        "the store's namespace and everything in it are deleted".to_string(),
    );
    let namespace = store.namespace().unwrap_or_default();
    match ctx.audit.report(&namespace, &store.name_any(), event).await {
        Ok(_) => Ok(()),
        Err(Error::Api {
            source: kube::Error::Api(status),
            ..
        }) if status.code == 404 || status.message.contains("being terminated") => {
            warn!(store = %store_key(store), "the tenant namespace is going away; no record of the deletion");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

fn image_tag(image: &str) -> String {
    image
        .rsplit_once(':')
        .map(|(_, tag)| tag.to_string())
        .unwrap_or_else(|| image.to_string())
}
