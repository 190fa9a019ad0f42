//! Restores: each `Restore` becomes one run of its store's restore Job.
//! Before anything of the store is touched the operator reads the backup's
//! manifest with its own key and refuses it unless it is the one the Backup
//! recorded; the Job is given presigned GET URLs for that backup's parts
//! only, their sizes and SHA-256s, and the identity of that store only. The
//! Job switches the store to the backup's data only once it is loaded and
//! its rows match; on any failure the store runs on its own data, and its
//! `Restored` condition, the Restore's status, an Event and the audit trail
//! say why.

mod status;

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Secret;
use kube::api::ListParams;
use kube::core::{Selector, SelectorExt};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::events::{Event, EventType};
use kube::runtime::watcher;
use kube::{Api, Resource, ResourceExt};
use tracing::{info, warn};

use super::backups::{
    fetch_plan, job_failed, job_failure, note_of, owned_namespace, reason_and_message,
    stored_manifest,
};
use super::children::write::{self, Owned};
use super::error::{Error, Result};
use super::metrics::OutcomeLabel;
use super::object_store::ObjectStore;
use super::reconcile::context::Context;
use crate::api::Store;
use crate::api::backup::{Backup, BackupPhase};
use crate::api::restore::{Restore, RestorePhase, clone_restore_name};
use crate::backup::keys;
use crate::engines::woocommerce::{
    BACKUP_JOB, RESTORE_ANNOTATION, RESTORE_DEADLINE, RESTORE_JOB, restore_job, restore_secret,
    restore_uid_of,
};
use crate::validated::ValidatedStore;
use status::Outcome;

const RUNNING_POLL: Duration = Duration::from_secs(5);
const WAITING_POLL: Duration = Duration::from_secs(15);

pub struct Restores {
    pub context: Arc<Context>,
    /// None: backups are not configured on this platform.
    pub object_store: Option<Arc<ObjectStore>>,
    pub master_secret: Option<Arc<Vec<u8>>>,
    /// The stores this operator reconciles (a shard's selector).
    pub store_selector: Option<Selector>,
}

/// Runs the Restore controller; without the Restore CRD, says so once.
pub async fn run(restores: Arc<Restores>) {
    let client = restores.context.children.client.clone();
    let api = Api::<Restore>::all(client);
    if let Err(kube::Error::Api(status)) = api.list_metadata(&ListParams::default().limit(1)).await
        && status.code == 404
    {
        warn!(
            "the Restore CRD (restores.nexus.dev) is not installed: no restores run until it is (apply this version's crds/, or run with --manage-crds)"
        );
        return futures::future::pending().await;
    }
    Controller::new(api, watcher::Config::default())
        .run(reconcile, error_policy, restores)
        .for_each(|_| async {})
        .await;
}

fn error_policy(restore: Arc<Restore>, error: &Error, _: Arc<Restores>) -> Action {
    warn!(restore = %key(&restore), error = %error, "restore reconcile failed");
    Action::requeue(Duration::from_secs(10))
}

fn key(restore: &Restore) -> String {
    format!(
        "{}/{}",
        restore.namespace().unwrap_or_default(),
        restore.name_any()
    )
}

async fn reconcile(restore: Arc<Restore>, restores: Arc<Restores>) -> Result<Action> {
    let phase = restore.status.as_ref().and_then(|s| s.phase);
    if matches!(phase, Some(RestorePhase::Completed | RestorePhase::Failed)) {
        return Ok(Action::await_change());
    }
    let client = &restores.context.children.client;
    let namespace = restore.namespace().unwrap_or_default();
    let store = Api::<Store>::namespaced(client.clone(), &namespace)
        .get_opt(&restore.spec.store)
        .await
        .map_err(Error::api(format!(
            "read Store {namespace}/{}",
            restore.spec.store
        )))?;
    let Some(store) = store else {
        let message = format!(
            "store {:?} does not exist in namespace {namespace}: to make a store from a backup, use kubectl nexus store create NEW --from-backup BACKUP",
            restore.spec.store
        );
        return finish(
            &restores,
            &restore,
            false,
            Outcome::failed("StoreNotFound", message),
        )
        .await;
    };
    if let Some(selector) = &restores.store_selector
        && !selector.matches(store.labels())
    {
        return Ok(Action::await_change());
    }
    let clone = is_clone(&store, &restore);
    let Some(object_store) = &restores.object_store else {
        let message = "backups are not configured on this platform: the operator runs without --backup-endpoint (chart value backup.endpoint)";
        return finish(
            &restores,
            &restore,
            clone,
            Outcome::failed("NotConfigured", message),
        )
        .await;
    };
    let backup = Api::<Backup>::namespaced(client.clone(), &namespace)
        .get_opt(&restore.spec.backup)
        .await
        .map_err(Error::api(format!(
            "read Backup {namespace}/{}",
            restore.spec.backup
        )))?;
    let backup = match usable(&restore, backup, clone) {
        Ok(backup) => backup,
        Err(outcome) => return finish(&restores, &restore, clone, outcome).await,
    };
    if store.spec.suspend {
        let message =
            "the store is suspended: resume it (kubectl nexus store resume), then restore";
        return finish(
            &restores,
            &restore,
            clone,
            Outcome::failed("StoreSuspended", message),
        )
        .await;
    }
    let Some(owned) = owned_namespace(client, &store).await? else {
        let message = "the store has no namespace of its own yet";
        return wait(&restores, &restore, "StoreNotReady", message).await;
    };
    let job = write::get::<Job>(client, &owned, RESTORE_JOB).await?;
    let ours = restore.uid().unwrap_or_default();
    match job {
        Some(job) if restore_uid_of(&job.metadata) == Some(ours.as_str()) => {
            observe(&restores, &restore, clone, &backup, &owned, &job).await
        }
        Some(job) => {
            if running_elsewhere(&restores, &job).await? {
                let other = job
                    .annotations()
                    .get(RESTORE_ANNOTATION)
                    .cloned()
                    .unwrap_or_default();
                let message = format!("waiting for restore {other} of this store to finish");
                return wait(&restores, &restore, "WaitingForAnotherRestore", &message).await;
            }
            remove_job(&restores, &owned).await?;
            Ok(Action::requeue(Duration::from_secs(1)))
        }
        None if phase == Some(RestorePhase::Running) => {
            let message = "its Job was deleted before the restore finished; the store runs on the data it had unless the Job's last step had run (see its Restored condition)";
            let outcome = Outcome::failed("JobLost", message);
            finish(&restores, &restore, clone, outcome).await
        }
        None if write::get::<Job>(client, &owned, BACKUP_JOB)
            .await?
            .is_some() =>
        {
            let message = "waiting for a backup of this store to finish";
            wait(&restores, &restore, "WaitingForBackup", message).await
        }
        None => {
            let restore = &restore;
            start(
                &restores,
                restore,
                clone,
                &backup,
                &owned,
                object_store,
                &store,
            )
            .await
        }
    }
}

/// Whether `restore` is the one that loads a new store's data from the
/// backup it is cloned from: the store's own clone Restore, for its source,
/// before it was ever Ready. A store restored later is restored from its
/// own backups only.
fn is_clone(store: &Store, restore: &Restore) -> bool {
    let uid = store.uid().unwrap_or_default();
    store
        .spec
        .source
        .as_ref()
        .is_some_and(|source| source.backup == restore.spec.backup)
        && restore.name_any() == clone_restore_name(&store.name_any(), &uid)
        && store
            .status
            .as_ref()
            .and_then(|s| s.ready_at.as_ref())
            .is_none()
}

/// The Backup, if this restore may use it; else why not.
fn usable(
    restore: &Restore,
    backup: Option<Backup>,
    clone: bool,
) -> std::result::Result<Backup, Outcome> {
    let name = &restore.spec.backup;
    let Some(backup) = backup else {
        let message = format!(
            "backup {name:?} does not exist in this namespace (kubectl nexus store backups {} lists them)",
            restore.spec.store
        );
        return Err(Outcome::failed("BackupNotFound", message));
    };
    if backup.spec.store != restore.spec.store && !clone {
        let message = format!(
            "backup {name} is of store {}, not {}: a store is restored from its own backups (to make a new store from it, use kubectl nexus store create NEW --from-backup {name})",
            backup.spec.store, restore.spec.store
        );
        return Err(Outcome::failed("OtherStore", message));
    }
    let status = backup.status.clone().unwrap_or_default();
    if status.phase != Some(BackupPhase::Completed) || status.manifest.is_none() {
        let phase = status
            .phase
            .map(|p| format!("{p:?}"))
            .unwrap_or_else(|| "not started".into());
        let message =
            format!("backup {name} is {phase}: only a Completed backup holds what a restore needs");
        return Err(Outcome::failed("BackupNotCompleted", message));
    }
    // Its parts are kept, and sealed, under the UID of the store it is of;
    // only backups that say which store that was can make another store.
    if clone && status.store_uid.is_none() {
        let message = format!(
            "backup {name} was taken by a Nexus that did not record its store's UID: restore it in place into its own store instead, then back that store up again and clone the new backup"
        );
        return Err(Outcome::failed("BackupTooOld", message));
    }
    Ok(backup)
}

/// Whether the Restore another restore Job works for still waits on it.
async fn running_elsewhere(restores: &Restores, job: &Job) -> Result<bool> {
    let Some((namespace, name)) = job
        .annotations()
        .get(RESTORE_ANNOTATION)
        .and_then(|k| k.split_once('/'))
    else {
        return Ok(false);
    };
    let api: Api<Restore> = Api::namespaced(restores.context.children.client.clone(), namespace);
    let other = api
        .get_opt(name)
        .await
        .map_err(Error::api(format!("read Restore {namespace}/{name}")))?;
    Ok(other.is_some_and(|r| {
        r.uid().as_deref() == restore_uid_of(&job.metadata)
            && !matches!(
                r.status.and_then(|s| s.phase),
                Some(RestorePhase::Completed | RestorePhase::Failed)
            )
    }))
}

async fn start(
    restores: &Restores,
    restore: &Restore,
    clone: bool,
    backup: &Backup,
    owned: &Owned,
    object_store: &ObjectStore,
    store: &Store,
) -> Result<Action> {
    let settings = &restores.context.settings;
    let (Some(backup_settings), Some(master)) = (&settings.backup, &restores.master_secret) else {
        return Err(Error::Bug(
            "an object store without backup settings or master secret",
        ));
    };
    let validated = match ValidatedStore::new(store, settings) {
        Ok(validated) => validated,
        Err(invalid) => {
            let message = format!("the store's spec is not valid: {invalid}");
            let outcome = Outcome::failed("InvalidStore", message);
            return finish(restores, restore, clone, outcome).await;
        }
    };
    let status = backup.status.clone().unwrap_or_default();
    // Backups taken before the status recorded it are of the live store.
    let store_uid = status.store_uid.clone().unwrap_or(validated.uid.clone());
    let recorded = status.manifest.clone().unwrap_or_default();
    let backup_name = backup.name_any();
    let manifest = match stored_manifest(object_store, &store_uid, &backup_name, &recorded).await? {
        Ok(manifest) => manifest,
        Err((reason, message)) => {
            return finish(restores, restore, clone, Outcome::failed(reason, message)).await;
        }
    };
    let expires = u32::try_from(RESTORE_DEADLINE.as_secs() + 600).unwrap_or(u32::MAX);
    let plan = fetch_plan(object_store, &store_uid, &backup_name, &manifest, expires);
    // The identity of the store the backup is of, and of no other.
    let identity = keys::store_identity(master, &store_uid)
        .map_err(|_| Error::Bug("a master secret of the right length derives an identity"))?;
    let identity = {
        use age::secrecy::ExposeSecret;
        identity.to_string().expose_secret().to_string()
    };
    let restore_key = key(restore);
    let restore_uid = restore.uid().unwrap_or_default();
    let children = &restores.context.children;
    write::delete::<Secret>(children, owned, RESTORE_JOB).await?;
    let secret = restore_secret(
        &validated,
        backup_settings,
        &restore_key,
        &restore_uid,
        plan,
        identity,
    );
    write::create::<Secret>(&children.client, owned, &secret).await?;
    let deadline = i64::try_from(RESTORE_DEADLINE.as_secs()).unwrap_or(i64::MAX);
    let job = restore_job(
        &validated,
        backup_settings,
        &restore_key,
        &restore_uid,
        deadline,
    );
    write::create::<Job>(&children.client, owned, &job).await?;
    info!(restore = %restore_key, backup = %backup_name, store = %validated.key(), "restore started");
    status::write(&children.client, restore, &Outcome::running()).await?;
    Ok(Action::requeue(RUNNING_POLL))
}

async fn observe(
    restores: &Restores,
    restore: &Restore,
    clone: bool,
    backup: &Backup,
    owned: &Owned,
    job: &Job,
) -> Result<Action> {
    let client = &restores.context.children.client;
    if let Some(deadline) = job_failed(job) {
        let outcome = if deadline {
            let message = format!(
                "the restore did not finish within {}; the store runs on the data it had",
                crate::duration::human(RESTORE_DEADLINE)
            );
            Outcome::failed("DeadlineExceeded", message)
        } else {
            let said = job_failure(client, owned, RESTORE_JOB).await?;
            failure_of(said.as_deref())
        };
        let action = finish(restores, restore, clone, outcome).await?;
        remove_job(restores, owned).await?;
        return Ok(action);
    }
    let succeeded = job.status.as_ref().and_then(|s| s.succeeded).unwrap_or(0) > 0;
    if !succeeded {
        if restore.status.as_ref().and_then(|s| s.phase) != Some(RestorePhase::Running) {
            status::write(client, restore, &Outcome::running()).await?;
        }
        return Ok(Action::requeue(RUNNING_POLL));
    }
    let rows = backup
        .status
        .as_ref()
        .and_then(|s| s.manifest.as_ref())
        .map(|m| m.rows.clone())
        .unwrap_or_default();
    let outcome = Outcome::completed(&backup.name_any(), rows);
    let action = finish(restores, restore, clone, outcome).await?;
    remove_job(restores, owned).await?;
    Ok(action)
}

/// The outcome a failed restore Job's last words make.
fn failure_of(said: Option<&str>) -> Outcome {
    let Some(said) = said else {
        return Outcome::failed(
            "RestoreFailed",
            "the restore Job failed without a message; the store runs on the data it had",
        );
    };
    let (reason, message) = reason_and_message(said, "RestoreFailed");
    Outcome::failed(&reason, message)
}

async fn remove_job(restores: &Restores, owned: &Owned) -> Result<()> {
    let children = &restores.context.children;
    write::delete::<Job>(children, owned, RESTORE_JOB).await?;
    write::delete::<Secret>(children, owned, RESTORE_JOB).await
}

/// The audit record first (a finished status means its record exists), then
/// the store's condition, the status, the Event and the metric.
async fn finish(
    restores: &Restores,
    restore: &Restore,
    clone: bool,
    outcome: Outcome,
) -> Result<Action> {
    info!(restore = %key(restore), phase = ?outcome.phase, reason = %outcome.reason, "restore finished");
    let context = &restores.context;
    let client = &context.children.client;
    let namespace = restore.namespace().unwrap_or_default();
    if let Some(event) = crate::audit::event::from_restore(
        &restore.name_any(),
        &restore.spec.backup,
        clone,
        outcome.phase,
        &outcome.reason,
        &outcome.message,
    ) {
        context
            .audit
            .report(&namespace, &restore.spec.store, event)
            .await?;
    }
    // Only a restore that ran touches its store's condition (one refused
    // for naming a missing store or backup says so on itself only), and
    // before the Restore says it finished: whoever waits on it reads the
    // store's condition next.
    if restore.status.as_ref().and_then(|s| s.phase) == Some(RestorePhase::Running) {
        status::mark_store(client, &namespace, &restore.spec.store, restore, &outcome).await?;
    }
    status::write(client, restore, &outcome).await?;
    announce(restores, restore, &outcome).await;
    Ok(Action::await_change())
}

async fn announce(restores: &Restores, restore: &Restore, outcome: &Outcome) {
    let (type_, label) = match outcome.phase {
        RestorePhase::Completed => (EventType::Normal, "completed"),
        RestorePhase::Failed => (EventType::Warning, "failed"),
        RestorePhase::Pending | RestorePhase::Running => return,
    };
    let context = &restores.context;
    context
        .metrics
        .restores
        .get_or_create(&OutcomeLabel {
            outcome: label.into(),
            reason: outcome.reason.clone(),
        })
        .inc();
    let event = Event {
        type_,
        reason: outcome.reason.clone(),
        note: Some(note_of(&outcome.message)),
        action: "Restore".into(),
        secondary: None,
    };
    if let Err(e) = context
        .recorder
        .publish(&event, &restore.object_ref(&()))
        .await
    {
        warn!(error = %e, "cannot publish event");
    }
}

async fn wait(
    restores: &Restores,
    restore: &Restore,
    reason: &str,
    message: &str,
) -> Result<Action> {
    let client = &restores.context.children.client;
    status::write(client, restore, &Outcome::pending(reason, message)).await?;
    Ok(Action::requeue(WAITING_POLL))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_jobs_last_line_gives_the_reason_and_message() {
        let said =
            "ERROR 1064 (42000) at line 12: You have an error\nLoadFailed: the dump did not load";
        let outcome = failure_of(Some(said));
        assert_eq!(outcome.reason, "LoadFailed");
        assert_eq!(outcome.message, "the dump did not load");
        let agent = failure_of(Some(
            "error: PartTampered: the database part is not the one stored",
        ));
        assert_eq!(agent.reason, "PartTampered");
        let plain = failure_of(Some("Segmentation fault: core dumped"));
        assert_eq!(plain.reason, "RestoreFailed");
        assert_eq!(failure_of(None).reason, "RestoreFailed");
    }
}
