//! Backups: each `Backup` becomes one run of its store's backup Job. The
//! operator presigns PUT URLs for exactly that backup's objects, gives them
//! to the Job in a Secret of the store's namespace, waits for the Job, and
//! then reads the manifest back from the object store with its own key: a
//! backup is Completed only when its manifest is stored and names every
//! part; otherwise it is Failed with the reason. One backup of a store runs
//! at a time; the Job and its Secret are removed once the outcome is
//! recorded.

mod limit;
mod report;
pub mod schedule;
mod status;
mod stored;
mod verify;

pub(super) use report::note_of;
pub(super) use stored::{fetch_plan, stored_manifest};

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Namespace, Pod, Secret};
use kube::api::ListParams;
use kube::core::{Selector, SelectorExt};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::watcher;
use kube::{Api, Client, ResourceExt};
use tracing::{info, warn};

use super::children::pods::termination_message;
use super::children::write::{self, Owned};
use super::error::{Error, Result};
use super::kept_secret::{self, Kept};
use super::object_store::ObjectStore;
use super::reconcile::context::Context;
use crate::api::backup::{Backup, BackupPhase, BackupReason};
use crate::api::{Phase, Store, store_namespace};
use crate::backup::keys;
use crate::backup::manifest::{self, Manifest, StoreIdentity, Subject, Versions};
use crate::engines::woocommerce::{
    BACKUP_JOB, RESTORE_JOB, backup_job, backup_secret, backup_uid_of,
};
use crate::validated::ValidatedStore;
use status::Outcome;

/// How long a backup Job may run.
pub const BACKUP_DEADLINE: Duration = Duration::from_secs(3600);
/// How often a running backup is looked at.
const RUNNING_POLL: Duration = Duration::from_secs(5);
/// How often a backup waiting for its store (or another backup) looks again.
const WAITING_POLL: Duration = Duration::from_secs(15);

pub struct Backups {
    pub context: Arc<Context>,
    /// None: backups are not configured on this platform.
    pub object_store: Option<Arc<ObjectStore>>,
    /// What each store's own backup identity is derived from (with an
    /// object store only).
    pub master_secret: Option<Arc<Vec<u8>>>,
    /// The stores this operator reconciles (a shard's selector).
    pub store_selector: Option<Selector>,
    /// The StorePolicy whose limits hold (with admission only).
    pub policy: Option<String>,
    /// The operator's own namespace, where verifications run.
    pub home: String,
}

/// The Secret in the operator's namespace holding the random bytes every
/// store's own backup identity is derived from (`backup::keys`). With
/// shards in several namespaces, give each the same Secret: a store's
/// identity must not depend on which shard took its backup.
pub const MASTER_SECRET: &str = "nexus-backup-master";

/// The backup master secret, made at the first start with backups.
pub async fn ensure_master_secret(client: &Client, namespace: &str) -> Result<Vec<u8>> {
    let kept = Kept {
        namespace,
        name: MASTER_SECRET,
        key: "master",
        what: "the backup master secret",
        make: new_master_secret,
        usable: |bytes| bytes.len() == keys::MASTER_BYTES,
    };
    kept_secret::ensure(client, &kept).await
}

fn new_master_secret() -> Result<Vec<u8>> {
    let mut bytes = vec![0u8; keys::MASTER_BYTES];
    getrandom::fill(&mut bytes).map_err(|source| Error::Random {
        what: "the backup master secret",
        source,
    })?;
    Ok(bytes)
}

/// Runs the Backup controller until its stream ends; without the Backup
/// CRD (a platform that has not applied this version's CRDs), says so once
/// and takes no backups.
pub async fn run(backups: Arc<Backups>) {
    let client = backups.context.children.client.clone();
    let api = Api::<Backup>::all(client);
    if let Err(kube::Error::Api(status)) = api.list_metadata(&ListParams::default().limit(1)).await
        && status.code == 404
    {
        warn!(
            "the Backup CRD (backups.nexus.dev) is not installed: no backups are taken until it is (apply this version's crds/, or run with --manage-crds)"
        );
        return futures::future::pending().await;
    }
    Controller::new(api, watcher::Config::default())
        .run(reconcile, error_policy, backups)
        .for_each(|_| async {})
        .await;
}

fn error_policy(backup: Arc<Backup>, error: &Error, _: Arc<Backups>) -> Action {
    warn!(backup = %key(&backup), error = %error, "backup reconcile failed");
    Action::requeue(Duration::from_secs(10))
}

fn key(backup: &Backup) -> String {
    format!(
        "{}/{}",
        backup.namespace().unwrap_or_default(),
        backup.name_any()
    )
}

async fn reconcile(backup: Arc<Backup>, backups: Arc<Backups>) -> Result<Action> {
    let phase = backup.status.as_ref().and_then(|s| s.phase);
    // Finished, and no verification due: nothing to read (every Backup
    // passes here when the operator starts).
    if phase == Some(BackupPhase::Failed)
        || (phase == Some(BackupPhase::Completed) && !verify::is_due(&backup))
    {
        return Ok(Action::await_change());
    }
    let client = &backups.context.children.client;
    let namespace = backup.namespace().unwrap_or_default();
    let stores: Api<Store> = Api::namespaced(client.clone(), &namespace);
    let store = stores
        .get_opt(&backup.spec.store)
        .await
        .map_err(Error::api(format!(
            "read Store {namespace}/{}",
            backup.spec.store
        )))?;
    // Another shard's store: its operator takes (and verifies) the backup.
    if let (Some(selector), Some(store)) = (&backups.store_selector, &store)
        && !selector.matches(store.labels())
    {
        return Ok(Action::await_change());
    }
    // A completed backup is proven to restore (also once its store is gone).
    if phase == Some(BackupPhase::Completed) {
        return verify::reconcile(&backups, &backup).await;
    }
    let Some(store) = store else {
        let message = format!(
            "store {:?} does not exist in namespace {namespace}",
            backup.spec.store
        );
        return finish(&backups, &backup, Outcome::failed("StoreNotFound", message)).await;
    };
    let Some(object_store) = &backups.object_store else {
        let message = "backups are not configured on this platform: the operator runs without --backup-endpoint (chart value backup.endpoint)";
        return finish(&backups, &backup, Outcome::failed("NotConfigured", message)).await;
    };
    let Some(owned) = owned_namespace(client, &store).await? else {
        let message = "the store has no namespace of its own yet";
        return wait(&backups, &backup, "StoreNotReady", message).await;
    };
    let job = write::get::<Job>(client, &owned, BACKUP_JOB).await?;
    let ours = backup.uid().unwrap_or_default();
    match job {
        Some(job) if backup_uid_of(&job.metadata) == Some(ours.as_str()) => {
            observe(&backups, &backup, &owned, object_store, &store, &job).await
        }
        Some(job) => {
            // Another backup's Job: wait for it, or clear it away when that
            // backup is gone or finished.
            let other = job
                .annotations()
                .get(crate::engines::woocommerce::BACKUP_ANNOTATION)
                .cloned()
                .unwrap_or_default();
            if running_elsewhere(&backups, &job).await? {
                let message = format!("waiting for backup {other} of this store to finish");
                return wait(&backups, &backup, "WaitingForAnotherBackup", &message).await;
            }
            remove_job(&backups, &owned).await?;
            Ok(Action::requeue(Duration::from_secs(1)))
        }
        None if phase == Some(BackupPhase::Running) => {
            let message = "its Job was deleted before the backup finished".to_string();
            let outcome =
                failed_and_discarded(object_store, &store, &backup, "JobLost", message).await;
            finish(&backups, &backup, outcome).await
        }
        None if write::get::<Job>(client, &owned, RESTORE_JOB)
            .await?
            .is_some() =>
        {
            let message = "waiting for a restore of this store to finish";
            wait(&backups, &backup, "WaitingForRestore", message).await
        }
        // A suspended store's database is stopped: nothing to dump, and
        // nothing changed since it stopped.
        None if store.spec.suspend => {
            let message = "the store is suspended: its database is stopped and its data has not changed since; resume it (kubectl nexus store resume) to back it up";
            finish(
                &backups,
                &backup,
                Outcome::failed("StoreSuspended", message),
            )
            .await
        }
        None => start(&backups, &backup, &owned, object_store, &store).await,
    }
}

/// The store's namespace, once it carries the store's UID.
pub(super) async fn owned_namespace(client: &Client, store: &Store) -> Result<Option<Owned>> {
    let name = store_namespace(&store.name_any());
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let found = namespaces
        .get_opt(&name)
        .await
        .map_err(Error::api(format!("read Namespace {name}")))?;
    Ok(found.and_then(|namespace| Owned::prove(&namespace, &store.uid().unwrap_or_default())))
}

/// Whether the Backup another backup Job works for still waits on it.
async fn running_elsewhere(backups: &Backups, job: &Job) -> Result<bool> {
    let Some((namespace, name)) = job
        .annotations()
        .get(crate::engines::woocommerce::BACKUP_ANNOTATION)
        .and_then(|k| k.split_once('/'))
    else {
        return Ok(false);
    };
    let api: Api<Backup> = Api::namespaced(backups.context.children.client.clone(), namespace);
    let other = api
        .get_opt(name)
        .await
        .map_err(Error::api(format!("read Backup {namespace}/{name}")))?;
    Ok(other.is_some_and(|b| {
        b.uid().as_deref() == backup_uid_of(&job.metadata)
            && !matches!(
                b.status.and_then(|s| s.phase),
                Some(BackupPhase::Completed | BackupPhase::Failed)
            )
    }))
}

async fn start(
    backups: &Backups,
    backup: &Backup,
    owned: &Owned,
    object_store: &ObjectStore,
    store: &Store,
) -> Result<Action> {
    let ready = store.status.as_ref().and_then(|s| s.phase) == Some(Phase::Ready);
    // A store's final backup is taken while its deletion waits for it: its
    // workloads still run, though its phase says Deleting.
    let last = backup.spec.reason == BackupReason::BeforeDelete
        && store.metadata.deletion_timestamp.is_some()
        && store
            .status
            .as_ref()
            .and_then(|s| s.ready_at.as_ref())
            .is_some();
    if !ready && !last {
        let message = "the store is not Ready: a backup is taken of a store that serves";
        return wait(backups, backup, "StoreNotReady", message).await;
    }
    if backup.spec.reason == BackupReason::Manual
        && let Some(refusal) = limit::manual_refusal(backups, backup, store).await?
    {
        return finish(backups, backup, Outcome::failed("TooManyBackups", refusal)).await;
    }
    let settings = &backups.context.settings;
    let (Some(backup_settings), Some(master)) = (&settings.backup, &backups.master_secret) else {
        return Err(Error::Bug(
            "an object store without backup settings or master secret",
        ));
    };
    let validated = match ValidatedStore::new(store, settings) {
        Ok(validated) => validated,
        Err(invalid) => {
            let message = format!("the store's spec is not valid: {invalid}");
            return finish(backups, backup, Outcome::failed("InvalidStore", message)).await;
        }
    };
    let backup_key = key(backup);
    let backup_uid = backup.uid().unwrap_or_default();
    let prefix = format!("{}/{}", validated.uid, backup.name_any());
    let expires = u32::try_from(BACKUP_DEADLINE.as_secs() + 600).unwrap_or(u32::MAX);
    let url = |part: &str| object_store.presign("PUT", &format!("{prefix}/{part}"), expires);
    let urls = serde_json::json!({
        "database": url(manifest::DATABASE_PART),
        "content": url(manifest::CONTENT_PART),
        "manifest": url(manifest::MANIFEST),
    })
    .to_string();
    let versions = store
        .status
        .as_ref()
        .and_then(|s| s.versions.clone())
        .unwrap_or_default();
    let subject = Subject {
        store: StoreIdentity {
            namespace: validated.tenant_namespace.clone(),
            name: validated.name.clone(),
            uid: validated.uid.clone(),
        },
        spec: serde_json::to_value(&store.spec).map_err(|source| Error::Json {
            what: "the store's spec",
            source,
        })?,
        versions: Versions {
            wordpress: versions.wordpress.unwrap_or_default(),
            woocommerce: versions.woocommerce.unwrap_or_default(),
            database: versions.database.unwrap_or_default(),
            nexus: env!("CARGO_PKG_VERSION").into(),
        },
    };
    let subject = serde_json::to_string(&subject).map_err(|source| Error::Json {
        what: "the backup's subject",
        source,
    })?;
    let children = &backups.context.children;
    // A Secret left by an earlier backup holds its URLs: replaced whole.
    write::delete::<Secret>(children, owned, BACKUP_JOB).await?;
    let secret = backup_secret(
        &validated,
        backup_settings,
        &backup_key,
        &backup_uid,
        urls,
        subject,
    );
    write::create::<Secret>(&children.client, owned, &secret).await?;
    let deadline = i64::try_from(BACKUP_DEADLINE.as_secs()).unwrap_or(i64::MAX);
    let store_recipient = keys::store_recipient(master, &validated.uid)
        .map_err(|_| Error::Bug("a master secret of the right length derives an identity"))?
        .to_string();
    let job = backup_job(
        &validated,
        backup_settings,
        &store_recipient,
        &backup_key,
        &backup_uid,
        deadline,
    );
    write::create::<Job>(&children.client, owned, &job).await?;
    info!(backup = %backup_key, store = %validated.key(), "backup started");
    status::write(backups, backup, &Outcome::running(&validated.uid)).await?;
    Ok(Action::requeue(RUNNING_POLL))
}

/// Our Job: still running, failed, or finished (then the manifest decides).
async fn observe(
    backups: &Backups,
    backup: &Backup,
    owned: &Owned,
    object_store: &ObjectStore,
    store: &Store,
    job: &Job,
) -> Result<Action> {
    let job_status = job.status.clone().unwrap_or_default();
    if let Some(deadline) = job_failed(job) {
        let message = if deadline {
            format!(
                "the backup did not finish within {}",
                crate::duration::human(BACKUP_DEADLINE)
            )
        } else {
            job_failure(&backups.context.children.client, owned, BACKUP_JOB)
                .await?
                .unwrap_or_else(|| "the backup Job failed without a message".into())
        };
        let outcome =
            failed_and_discarded(object_store, store, backup, "BackupFailed", message).await;
        let action = finish(backups, backup, outcome).await?;
        remove_job(backups, owned).await?;
        return Ok(action);
    }
    if job_status.succeeded.unwrap_or(0) == 0 {
        if backup.status.as_ref().and_then(|s| s.phase) != Some(BackupPhase::Running) {
            let uid = store.uid().unwrap_or_default();
            status::write(backups, backup, &Outcome::running(&uid)).await?;
        }
        return Ok(Action::requeue(RUNNING_POLL));
    }
    let outcome = match read_manifest(object_store, store, backup).await? {
        Ok(manifest) => Outcome::completed(&manifest),
        Err(problem) => {
            failed_and_discarded(object_store, store, backup, "ManifestMissing", problem).await
        }
    };
    let action = finish(backups, backup, outcome).await?;
    remove_job(backups, owned).await?;
    Ok(action)
}

/// The failure `outcome` of a backup, once what it stored before it stopped
/// (a part uploaded before its Job died) is deleted: without a manifest
/// nothing lists or restores it, and this way nothing of it stays in the
/// bucket either. When the object store refuses, the backup still fails,
/// and its message says what is left.
async fn failed_and_discarded(
    object_store: &ObjectStore,
    store: &Store,
    backup: &Backup,
    reason: &str,
    message: String,
) -> Outcome {
    let store_uid = store.uid().unwrap_or_default();
    for part in [
        manifest::DATABASE_PART,
        manifest::CONTENT_PART,
        manifest::MANIFEST,
    ] {
        let object = manifest::object_key(&store_uid, &backup.name_any(), part);
        if let Err(problem) = object_store.delete(&object).await {
            warn!(backup = %key(backup), error = %problem, "cannot delete a failed backup's part");
            let message = format!("{message}; what it stored could not be deleted: {problem}");
            return Outcome::failed(reason, message);
        }
    }
    Outcome::failed(reason, message)
}

/// The manifest as stored, checked against the backup; Err: why not usable.
async fn read_manifest(
    object_store: &ObjectStore,
    store: &Store,
    backup: &Backup,
) -> Result<std::result::Result<Manifest, String>> {
    let object = manifest::object_key(
        &store.uid().unwrap_or_default(),
        &backup.name_any(),
        manifest::MANIFEST,
    );
    let answer = object_store.send("GET", &object).await?;
    if answer.status == 404 {
        return Ok(Err(
            "the backup Job finished but stored no manifest: nothing of this backup is usable"
                .into(),
        ));
    }
    if answer.status != 200 {
        return Err(Error::ObjectStore {
            what: format!("GET {object}"),
            problem: format!("the object store answered {}", answer.status),
        });
    }
    let manifest: Manifest = match serde_json::from_slice(&answer.body) {
        Ok(manifest) => manifest,
        Err(e) => return Ok(Err(format!("the stored manifest is not readable: {e}"))),
    };
    let parts: Vec<&str> = manifest.parts.iter().map(|p| p.name.as_str()).collect();
    if manifest.subject.store.uid != store.uid().unwrap_or_default()
        || parts != [manifest::DATABASE_PART, manifest::CONTENT_PART]
    {
        return Ok(Err("the stored manifest is not this backup's".into()));
    }
    Ok(Ok(manifest))
}

/// What the failed container of the store's Job `job` said.
pub(super) async fn job_failure(
    client: &Client,
    owned: &Owned,
    job: &str,
) -> Result<Option<String>> {
    let pods = owned
        .api::<Pod>(client)
        .list(&ListParams::default().labels(&format!("batch.kubernetes.io/job-name={job}")))
        .await
        .map_err(Error::api(format!(
            "list the pods of Job {}/{job}",
            owned.namespace()
        )))?;
    Ok(termination_message(&pods.items))
}

/// A failed restore or verification Job's last words, whose containers end
/// with `Reason: message` (a word, then what happened); `fallback` is the
/// reason of anything else, which becomes the message whole.
pub(super) fn reason_and_message(said: &str, fallback: &str) -> (String, String) {
    let last = said.trim().lines().last().unwrap_or_default().trim();
    let last = last.strip_prefix("error: ").unwrap_or(last);
    match last.split_once(": ") {
        Some((reason, message))
            if !reason.is_empty()
                && reason.len() <= 40
                && reason.starts_with(|c: char| c.is_ascii_uppercase())
                && reason.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            (reason.to_string(), message.to_string())
        }
        _ => (fallback.to_string(), said.trim().to_string()),
    }
}

/// Whether a Job failed, and whether it was its deadline.
pub(super) fn job_failed(job: &Job) -> Option<bool> {
    let status = job.status.clone().unwrap_or_default();
    let conditions = status.conditions.unwrap_or_default();
    let failed = status.failed.unwrap_or(0) > 0
        || conditions
            .iter()
            .any(|c| c.type_ == "Failed" && c.status == "True");
    failed.then(|| {
        conditions
            .iter()
            .any(|c| c.reason.as_deref() == Some("DeadlineExceeded"))
    })
}

async fn remove_job(backups: &Backups, owned: &Owned) -> Result<()> {
    let children = &backups.context.children;
    write::delete::<Job>(children, owned, BACKUP_JOB).await?;
    write::delete::<Secret>(children, owned, BACKUP_JOB).await
}

async fn finish(backups: &Backups, backup: &Backup, outcome: Outcome) -> Result<Action> {
    info!(backup = %key(backup), phase = ?outcome.phase, reason = %outcome.reason, "backup finished");
    report::record(backups, backup, &outcome).await?;
    status::write(backups, backup, &outcome).await?;
    report::announce(backups, backup, &outcome).await;
    Ok(Action::await_change())
}

async fn wait(backups: &Backups, backup: &Backup, reason: &str, message: &str) -> Result<Action> {
    status::write(backups, backup, &Outcome::pending(reason, message)).await?;
    Ok(Action::requeue(WAITING_POLL))
}
