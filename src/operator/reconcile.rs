//! One reconcile of one Store: finalizer, then the steps in order, each
//! applied with server-side apply, then the status computed from what the
//! children report. Run twice on an unchanged world, it writes nothing.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Namespace, PersistentVolumeClaim, Pod, Secret};
use k8s_openapi::api::rbac::v1::RoleBinding;
use k8s_openapi::jiff::Timestamp;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event as KubeEvent, EventType};
use kube::runtime::finalizer::{Event as Finalizer, finalizer};
use kube::{Api, Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use tracing::{info, warn};

use super::context::Context;
use super::error::{Error, Result};
use super::status::{self, Inputs, Observed, StepState};
use crate::api::{EngineVersions, Phase, RETRY_ANNOTATION, SecretReference, Store, StoreStatus};
use crate::engines::woocommerce::{self as wc, DATABASE, SETUP_JOB};
use crate::engines::{STORE_UID_LABEL, StoreContext};
use crate::guardrails::{self, ADMIN_SECRET};

pub const FIELD_MANAGER: &str = "nexus-operator";
pub const FINALIZER: &str = "nexus.dev/cleanup";

/// How often a settled store is looked at again (tenant bindings may change).
const RESYNC: Duration = Duration::from_secs(300);
/// How often a store in provisioning is looked at, at most, between events.
const PROVISIONING_POLL: Duration = Duration::from_secs(30);

pub async fn reconcile(store: Arc<Store>, ctx: Arc<Context>) -> Result<Action> {
    let started = std::time::Instant::now();
    ctx.metrics.reconciles.inc();
    let namespace = store.namespace().ok_or(Error::Invalid("namespace"))?;
    let stores: Api<Store> = Api::namespaced(ctx.client.clone(), &namespace);
    let result = finalizer(&stores, FINALIZER, store, |event| async {
        match event {
            Finalizer::Apply(store) => apply(&store, &ctx).await,
            Finalizer::Cleanup(store) => cleanup(&store, &ctx).await,
        }
    })
    .await
    .map_err(|e| match e {
        kube::runtime::finalizer::Error::ApplyFailed(e)
        | kube::runtime::finalizer::Error::CleanupFailed(e) => e,
        other => Error::Finalizer(other.to_string()),
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
        .get_or_create(&super::metrics::CategoryLabel {
            category: error.category().into(),
        })
        .inc();
    let key = format!(
        "{}/{}",
        store.namespace().unwrap_or_default(),
        store.name_any()
    );
    let delay = ctx.next_backoff(&key);
    warn!(store = %key, category = error.category(), error = %error, retry_in = ?delay, "reconcile failed");
    Action::requeue(delay)
}

async fn apply(store: &Store, ctx: &Context) -> Result<Action> {
    let sc = StoreContext::new(store, &ctx.settings);
    let key = format!("{}/{}", sc.tenant_namespace, sc.name);
    let mut previous = store.status.clone().unwrap_or_default();
    let retry = store.annotations().get(RETRY_ANNOTATION).cloned();

    if previous.phase == Some(Phase::Failed) {
        let spec_changed = previous.observed_generation != store.metadata.generation;
        let retried = retry.is_some() && retry != previous.retry_token;
        if !spec_changed && !retried {
            return Ok(Action::await_change());
        }
        info!(store = %key, spec_changed, retried, "provisioning a failed store again");
        if !restart_setup(&sc, ctx).await? {
            return Ok(Action::requeue(Duration::from_secs(2)));
        }
        previous.phase = Some(Phase::Pending);
        previous.provisioning_started_at = None;
    }

    let observed = provision(&sc, store, &previous, ctx).await?;
    let versions = EngineVersions {
        wordpress: Some(ctx.settings.wordpress_version.clone()),
        woocommerce: Some(ctx.settings.woocommerce_version.clone()),
        database: Some(image_tag(&ctx.settings.database_image)),
    };
    let secrets_done = observed
        .steps
        .iter()
        .any(|(step, state)| *step == "Secrets" && matches!(state, StepState::Done { .. }));
    let next = status::compute(Inputs {
        previous: &previous,
        observed: &observed,
        generation: store.metadata.generation,
        now: Timestamp::now(),
        timeout: ctx.settings.provisioning_timeout,
        namespace: &sc.namespace,
        url: &sc.url,
        admin_secret: secrets_done.then(|| SecretReference {
            namespace: sc.namespace.clone(),
            name: ADMIN_SECRET.into(),
        }),
        versions,
        retry_token: retry,
    });
    write_status(store, &next, ctx).await?;
    ctx.reset_backoff(&key);

    Ok(match next.phase {
        Some(Phase::Failed) => Action::await_change(),
        Some(Phase::Ready | Phase::Suspended) => Action::requeue(RESYNC),
        _ => {
            let left = status::deadline(&next, ctx.settings.provisioning_timeout)
                .map(|deadline| deadline.duration_since(Timestamp::now()).unsigned_abs())
                .unwrap_or(PROVISIONING_POLL);
            Action::requeue(left.clamp(Duration::from_secs(1), PROVISIONING_POLL))
        }
    })
}

/// Runs the steps in order; a step that cannot go on ends the list there.
async fn provision(
    sc: &StoreContext<'_>,
    store: &Store,
    previous: &StoreStatus,
    ctx: &Context,
) -> Result<Observed> {
    let mut observed = Observed {
        steps: Vec::new(),
        suspended: store.spec.suspend,
    };
    let client = &ctx.client;

    // 1. The namespace: created by us, or a conflict we must not touch.
    let namespace = ensure_namespace(sc, ctx).await?;
    let proceed = matches!(namespace, StepState::Done { .. });
    observed.steps.push(("Namespace", namespace));
    if !proceed {
        return Ok(observed);
    }

    // 2. Guardrails.
    apply_object(client, &guardrails::resource_quota(sc)).await?;
    apply_object(client, &guardrails::limit_range(sc)).await?;
    for policy in guardrails::network_policies(sc) {
        apply_object(client, &policy).await?;
    }
    let tenant_bindings = Api::<RoleBinding>::namespaced(client.clone(), &sc.tenant_namespace)
        .list(&ListParams::default())
        .await?
        .items;
    apply_object(client, &guardrails::tenant_role(sc)).await?;
    apply_object(
        client,
        &guardrails::tenant_role_binding(sc, &tenant_bindings),
    )
    .await?;
    observed.steps.push((
        "Guardrails",
        StepState::done(
            "Applied",
            "quota, limits, network policies and tenant access are in place",
        ),
    ));

    // 3. Secrets: made once, never regenerated.
    let secrets = ensure_secrets(sc, previous, ctx).await?;
    let proceed = matches!(secrets, StepState::Done { .. });
    observed.steps.push(("Secrets", secrets));
    if !proceed {
        return Ok(observed);
    }

    // 4. Database.
    apply_object(client, &wc::database_service(sc)).await?;
    let mut database = wc::database_statefulset(sc);
    let sets: Api<StatefulSet> = Api::namespaced(client.clone(), &sc.namespace);
    if let Some(existing) = sets.get_opt(DATABASE).await? {
        keep_volume_claims(&mut database, &existing);
    }
    let database = apply_object(client, &database).await?;
    let database_state = explain(
        statefulset_state(&database, sc.store.spec.suspend),
        sc,
        ctx,
        DATABASE,
    )
    .await?;
    let database_ready = matches!(database_state, StepState::Done { .. });
    observed.steps.push(("Database", database_state));

    // 5. WordPress.
    let mut volume = wc::wordpress_volume(sc);
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), &sc.namespace);
    if let Some(existing) = claims.get_opt(wc::WORDPRESS_VOLUME).await? {
        keep_claim_size(&mut volume, &existing);
    }
    apply_object(client, &volume).await?;
    apply_object(client, &wc::wordpress_service(sc)).await?;
    let wordpress = apply_object(client, &wc::wordpress_deployment(sc)).await?;
    let wordpress_state = explain(
        deployment_state(&wordpress, sc.store.spec.suspend),
        sc,
        ctx,
        wc::WORDPRESS,
    )
    .await?;
    let wordpress_ready = matches!(wordpress_state, StepState::Done { .. });
    observed.steps.push(("WordPress", wordpress_state));

    // 6. Setup, once both run (the script would only wait for them otherwise).
    let setup = if store.spec.suspend {
        previous_step(previous, "Setup")
    } else {
        let jobs: Api<Job> = Api::namespaced(client.clone(), &sc.namespace);
        let existing = jobs.get_opt(SETUP_JOB).await?;
        let desired_job = wc::setup_job(sc);
        match existing {
            Some(job) if job.metadata.deletion_timestamp.is_some() => {
                StepState::waiting("Restarting", "the previous setup Job is being removed")
            }
            // A Job's pod template cannot change: when the store's settings
            // (URL, email, currency, image) changed, the setup runs again.
            Some(job) if wc::setup_hash(&job) != wc::setup_hash(&desired_job) => {
                jobs.delete(SETUP_JOB, &DeleteParams::background()).await?;
                StepState::waiting(
                    "Restarting",
                    "the store's settings changed; the setup runs again",
                )
            }
            Some(_) => setup_state(&apply_object(client, &desired_job).await?, sc, ctx).await?,
            None if database_ready && wordpress_ready => {
                setup_state(&apply_object(client, &desired_job).await?, sc, ctx).await?
            }
            None => StepState::waiting(
                "WaitingForWorkloads",
                "starts when the database and WordPress are ready",
            ),
        }
    };
    let setup = explain(setup, sc, ctx, SETUP_JOB).await?;
    observed.steps.push(("Setup", setup));

    // 7. Ingress.
    apply_object(client, &wc::ingress(sc)).await?;
    observed.steps.push((
        "Ingress",
        StepState::done("Applied", format!("routes {} to WordPress", sc.host)),
    ));
    Ok(observed)
}

/// Adds to a waiting step what its pods say is wrong: unschedulable, an image
/// that cannot be pulled, a container that keeps crashing.
async fn explain(
    state: StepState,
    sc: &StoreContext<'_>,
    ctx: &Context,
    component: &str,
) -> Result<StepState> {
    let StepState::Waiting { reason, message } = state else {
        return Ok(state);
    };
    let pods: Api<Pod> = Api::namespaced(ctx.client.clone(), &sc.namespace);
    let selector = sc
        .selector(component)
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    let trouble = pods
        .list(&ListParams::default().labels(&selector))
        .await?
        .items
        .iter()
        .find_map(pod_trouble);
    Ok(match trouble {
        Some(trouble) => StepState::waiting(&reason, format!("{message}; {trouble}")),
        None => StepState::Waiting { reason, message },
    })
}

/// One line on why a pod does not run, when its status says.
pub fn pod_trouble(pod: &Pod) -> Option<String> {
    let name = pod.metadata.name.as_deref().unwrap_or_default();
    let status = pod.status.as_ref()?;
    let unschedulable = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "PodScheduled" && c.status == "False");
    if let Some(c) = unschedulable {
        return Some(format!(
            "pod {name} cannot be scheduled: {}",
            c.message.as_deref().unwrap_or("no reason given").trim()
        ));
    }
    const STUCK: [&str; 6] = [
        "ImagePullBackOff",
        "ErrImagePull",
        "InvalidImageName",
        "CrashLoopBackOff",
        "CreateContainerConfigError",
        "CreateContainerError",
    ];
    status.container_statuses.iter().flatten().find_map(|c| {
        let waiting = c.state.as_ref()?.waiting.as_ref()?;
        let reason = waiting.reason.as_deref()?;
        STUCK.contains(&reason).then(|| {
            format!(
                "pod {name} container {}: {reason}: {}",
                c.name,
                waiting.message.as_deref().unwrap_or_default().trim()
            )
        })
    })
}

/// A StatefulSet's volume claims cannot change once made: a plan change
/// resizes the store's quota and containers, not its existing volumes.
fn keep_volume_claims(desired: &mut StatefulSet, existing: &StatefulSet) {
    let existing_claims = existing
        .spec
        .as_ref()
        .and_then(|s| s.volume_claim_templates.as_ref());
    if let (Some(spec), Some(claims)) = (desired.spec.as_mut(), existing_claims)
        && let Some(template) = spec.volume_claim_templates.as_mut()
    {
        for (want, have) in template.iter_mut().zip(claims) {
            if let (Some(want), Some(have)) = (want.spec.as_mut(), have.spec.as_ref()) {
                want.resources = have.resources.clone();
            }
        }
    }
}

/// A bound claim keeps its size (shrinking is refused, growing needs a
/// StorageClass that allows expansion).
fn keep_claim_size(desired: &mut PersistentVolumeClaim, existing: &PersistentVolumeClaim) {
    if let (Some(want), Some(have)) = (desired.spec.as_mut(), existing.spec.as_ref()) {
        want.resources = have.resources.clone();
    }
}

/// While suspended, the setup step keeps what it last was.
fn previous_step(previous: &StoreStatus, step: &str) -> StepState {
    match crate::api::conditions::find(&previous.conditions, step) {
        Some(c) if c.status == "True" => StepState::done(&c.reason, c.message.clone()),
        _ => StepState::waiting("Suspended", "runs when the store is resumed"),
    }
}

async fn ensure_namespace(sc: &StoreContext<'_>, ctx: &Context) -> Result<StepState> {
    let namespaces: Api<Namespace> = Api::all(ctx.client.clone());
    let desired = guardrails::namespace(sc);
    match namespaces.get_opt(&sc.namespace).await? {
        Some(existing) => {
            let owner = existing.labels().get(STORE_UID_LABEL);
            if owner != Some(&sc.uid) {
                return Ok(StepState::failed(
                    "NameConflict",
                    format!(
                        "namespace {} already exists and belongs to {}; store names are unique in the cluster: pick another name",
                        sc.namespace,
                        if owner.is_some() {
                            "another store"
                        } else {
                            "something other than Nexus"
                        }
                    ),
                ));
            }
            if existing.metadata.deletion_timestamp.is_some() {
                return Ok(StepState::waiting(
                    "Terminating",
                    format!("namespace {} is still being deleted", sc.namespace),
                ));
            }
            apply_through(&namespaces, &desired).await?;
        }
        None => match namespaces.create(&PostParams::default(), &desired).await {
            Ok(_) => {}
            // Another store took the name between our read and our create.
            Err(kube::Error::Api(status)) if status.code == 409 => {
                return Ok(StepState::waiting(
                    "Creating",
                    "the namespace was created concurrently; checking its owner",
                ));
            }
            Err(e) => return Err(e.into()),
        },
    }
    Ok(StepState::done(
        "Created",
        format!("namespace {} belongs to this store", sc.namespace),
    ))
}

async fn ensure_secrets(
    sc: &StoreContext<'_>,
    previous: &StoreStatus,
    ctx: &Context,
) -> Result<StepState> {
    let secrets: Api<Secret> = Api::namespaced(ctx.client.clone(), &sc.namespace);
    // The whole namespace is the store's: one list, and a Secret restored
    // without our labels still counts.
    let present: Vec<String> = secrets
        .list_metadata(&ListParams::default())
        .await?
        .items
        .iter()
        .map(|s| s.name_any())
        .collect();
    let missing: Vec<&str> = [wc::DATABASE_SECRET, ADMIN_SECRET, wc::SALTS_SECRET]
        .into_iter()
        .filter(|name| !present.iter().any(|p| p == name))
        .collect();
    if missing.is_empty() {
        return Ok(StepState::done(
            "Created",
            "database, admin and salt secrets exist",
        ));
    }
    // Secrets that existed once must not come back with new values: the
    // database still holds the old password.
    let made_before = crate::api::conditions::find(&previous.conditions, "Secrets")
        .is_some_and(|c| c.status == "True")
        || Api::<StatefulSet>::namespaced(ctx.client.clone(), &sc.namespace)
            .get_metadata_opt(DATABASE)
            .await?
            .is_some();
    if made_before {
        return Ok(StepState::failed(
            "CredentialsLost",
            format!(
                "secret(s) {} in {} were deleted; they are not regenerated because the database still uses the old passwords: restore them from a backup and run `kubectl nexus store retry {}`, or delete and recreate the store",
                missing.join(", "),
                sc.namespace,
                sc.name
            ),
        ));
    }
    let generated = wc::generate_secrets(sc).map_err(|e| Error::Random(e.to_string()))?;
    for secret in generated
        .into_iter()
        .filter(|s| missing.contains(&s.name_any().as_str()))
    {
        match secrets.create(&PostParams::default(), &secret).await {
            Ok(_) => {}
            Err(kube::Error::Api(status)) if status.code == 409 => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(StepState::done(
        "Created",
        "database, admin and salt secrets exist",
    ))
}

fn statefulset_state(set: &StatefulSet, suspended: bool) -> StepState {
    let status = set.status.clone().unwrap_or_default();
    let ready = status.ready_replicas.unwrap_or(0);
    if suspended {
        return if status.replicas == 0 {
            StepState::done("Suspended", "scaled to zero")
        } else {
            StepState::waiting(
                "ScalingDown",
                format!("{} replica(s) still running", status.replicas),
            )
        };
    }
    if ready >= 1 {
        StepState::done("Ready", "1/1 replicas ready")
    } else {
        StepState::waiting("Starting", format!("{ready}/1 replicas ready"))
    }
}

fn deployment_state(deployment: &Deployment, suspended: bool) -> StepState {
    let status = deployment.status.clone().unwrap_or_default();
    if suspended {
        return if status.replicas.unwrap_or(0) == 0 {
            StepState::done("Suspended", "scaled to zero")
        } else {
            StepState::waiting("ScalingDown", "pods still running")
        };
    }
    let available = status
        .conditions
        .unwrap_or_default()
        .iter()
        .any(|c| c.type_ == "Available" && c.status == "True")
        && status.available_replicas.unwrap_or(0) >= 1;
    if available {
        StepState::done("Available", "1/1 replicas available")
    } else {
        StepState::waiting(
            "Starting",
            format!(
                "{}/1 replicas available",
                status.available_replicas.unwrap_or(0)
            ),
        )
    }
}

async fn setup_state(job: &Job, sc: &StoreContext<'_>, ctx: &Context) -> Result<StepState> {
    let status = job.status.clone().unwrap_or_default();
    if status.succeeded.unwrap_or(0) >= 1 {
        return Ok(StepState::done("Completed", "WooCommerce is set up"));
    }
    let failed = status
        .conditions
        .unwrap_or_default()
        .into_iter()
        .find(|c| c.type_ == "Failed" && c.status == "True");
    if let Some(condition) = failed {
        let message = termination_message(sc, ctx).await?.unwrap_or_else(|| {
            condition
                .message
                .clone()
                .unwrap_or_else(|| "the setup Job failed".into())
        });
        return Ok(StepState::failed("SetupFailed", message));
    }
    Ok(StepState::waiting(
        "Running",
        format!(
            "setup Job running ({} failed attempt(s))",
            status.failed.unwrap_or(0)
        ),
    ))
}

/// The message the setup script left in its pod's termination log.
async fn termination_message(sc: &StoreContext<'_>, ctx: &Context) -> Result<Option<String>> {
    let pods: Api<Pod> = Api::namespaced(ctx.client.clone(), &sc.namespace);
    let selector = format!("batch.kubernetes.io/job-name={SETUP_JOB}");
    let mut messages: Vec<(
        Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>,
        String,
    )> = pods
        .list(&ListParams::default().labels(&selector))
        .await?
        .items
        .into_iter()
        .flat_map(|pod| {
            pod.status
                .and_then(|s| s.container_statuses)
                .unwrap_or_default()
        })
        .filter_map(|c| c.state.and_then(|s| s.terminated))
        .filter(|t| t.exit_code != 0)
        .filter_map(|t| t.message.map(|m| (t.finished_at, m.trim().to_string())))
        .collect();
    messages.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(messages
        .pop()
        .map(|(_, message)| message.chars().take(1000).collect()))
}

/// Removes a finished setup Job so the next reconcile runs it again.
/// Returns true when no Job is left.
async fn restart_setup(sc: &StoreContext<'_>, ctx: &Context) -> Result<bool> {
    let jobs: Api<Job> = Api::namespaced(ctx.client.clone(), &sc.namespace);
    match jobs.get_opt(SETUP_JOB).await? {
        None => Ok(true),
        Some(job) if job.status.as_ref().and_then(|s| s.succeeded).unwrap_or(0) >= 1 => Ok(true),
        Some(job) => {
            if job.metadata.deletion_timestamp.is_none() {
                jobs.delete(SETUP_JOB, &DeleteParams::background()).await?;
            }
            Ok(false)
        }
    }
}

async fn write_status(store: &Store, next: &StoreStatus, ctx: &Context) -> Result<()> {
    let previous = store.status.clone().unwrap_or_default();
    if &previous == next {
        return Ok(());
    }
    let stores: Api<Store> =
        Api::namespaced(ctx.client.clone(), &store.namespace().unwrap_or_default());
    stores
        .patch_status(
            &store.name_any(),
            &PatchParams::default(),
            &Patch::Merge(json!({ "status": next })),
        )
        .await?;
    if previous.phase != next.phase {
        announce(store, &previous, next, ctx).await;
    }
    Ok(())
}

/// An Event on the Store for each phase transition, and the metrics that go with it.
async fn announce(store: &Store, previous: &StoreStatus, next: &StoreStatus, ctx: &Context) {
    let phase = next.phase.unwrap_or(Phase::Pending);
    let ready = next
        .conditions
        .iter()
        .find(|c| c.type_ == crate::api::conditions::READY);
    let note = ready.map(|c| c.message.clone());
    let type_ = if phase == Phase::Failed {
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
        && let (Some(start), Some(ready_at)) = (&next.provisioning_started_at, &next.ready_at)
    {
        let seconds = ready_at.0.duration_since(start.0).as_secs_f64();
        ctx.metrics.provisioning_duration.observe(seconds.max(0.0));
    }
    info!(
        store = %format!("{}/{}", store.namespace().unwrap_or_default(), store.name_any()),
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
    let sc = StoreContext::new(store, &ctx.settings);
    let namespaces: Api<Namespace> = Api::all(ctx.client.clone());
    let Some(existing) = namespaces.get_opt(&sc.namespace).await? else {
        info!(store = %format!("{}/{}", sc.tenant_namespace, sc.name), "namespace gone; releasing the store");
        return Ok(Action::await_change());
    };
    if existing.labels().get(STORE_UID_LABEL) != Some(&sc.uid) {
        // Not ours (a name conflict): never delete it.
        return Ok(Action::await_change());
    }
    if existing.metadata.deletion_timestamp.is_none() {
        namespaces
            .delete(&sc.namespace, &DeleteParams::background())
            .await?;
    }
    let mut next = store.status.clone().unwrap_or_default();
    next.phase = Some(Phase::Deleting);
    let message = format!(
        "waiting for namespace {} and everything in it (database volume included) to be deleted",
        sc.namespace
    );
    let mut conditions = next.conditions.clone();
    crate::api::conditions::set(
        &mut conditions,
        k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition {
            type_: crate::api::conditions::READY.into(),
            status: "False".into(),
            reason: "Deleting".into(),
            message: message.clone(),
            observed_generation: store.metadata.generation,
            last_transition_time: k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                Timestamp::now(),
            ),
        },
        k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(Timestamp::now()),
    );
    next.conditions = conditions;
    write_status(store, &next, ctx).await?;
    Err(Error::Waiting(message))
}

/// Server-side apply of a namespaced object; returns what the server holds.
pub async fn apply_object<K>(client: &kube::Client, object: &K) -> Result<K>
where
    K: Resource<Scope = NamespaceResourceScope>
        + Serialize
        + DeserializeOwned
        + Clone
        + std::fmt::Debug,
    K::DynamicType: Default,
{
    let namespace = object
        .meta()
        .namespace
        .clone()
        .ok_or(Error::Invalid("namespace on a child"))?;
    apply_through(&Api::namespaced(client.clone(), &namespace), object).await
}

/// Server-side apply through `api` (cluster-scoped objects, or a namespace's Api).
async fn apply_through<K>(api: &Api<K>, object: &K) -> Result<K>
where
    K: Resource + Serialize + DeserializeOwned + Clone + std::fmt::Debug,
{
    let name = object
        .meta()
        .name
        .clone()
        .ok_or(Error::Invalid("name on a child"))?;
    let params = PatchParams::apply(FIELD_MANAGER).force();
    Ok(api.patch(&name, &params, &Patch::Apply(object)).await?)
}

fn image_tag(image: &str) -> String {
    image
        .rsplit_once(':')
        .map(|(_, tag)| tag.to_string())
        .unwrap_or_else(|| image.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(status: serde_json::Value) -> Pod {
        serde_json::from_value(json!({"metadata": {"name": "setup-x"}, "status": status})).unwrap()
    }

    #[test]
    fn an_unschedulable_pod_says_why() {
        let pending = pod(json!({"phase": "Pending", "conditions": [{
            "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
            "message": "0/2 nodes are available: 2 Insufficient cpu."
        }]}));
        assert_eq!(
            pod_trouble(&pending).as_deref(),
            Some("pod setup-x cannot be scheduled: 0/2 nodes are available: 2 Insufficient cpu.")
        );
    }

    #[test]
    fn an_image_that_cannot_be_pulled_says_so() {
        let pulling = pod(json!({"phase": "Pending", "containerStatuses": [{
            "name": "setup", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"x\""}}
        }]}));
        assert_eq!(
            pod_trouble(&pulling).as_deref(),
            Some("pod setup-x container setup: ImagePullBackOff: Back-off pulling image \"x\"")
        );
        let starting = pod(json!({"phase": "Pending", "containerStatuses": [{
            "name": "setup", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"waiting": {"reason": "ContainerCreating"}}
        }]}));
        assert_eq!(pod_trouble(&starting), None, "starting is not trouble");
    }
}
