//! A clone's data. A store made from a backup (`spec.source`) has that
//! backup loaded into it before its first setup runs: the step asks for the
//! store's clone Restore, which the Restore controller runs as any restore
//! (the backup's manifest checked first, its parts fetched and checked, the
//! dump loaded and its rows counted before anything is switched), and the
//! setup then gives the site this store's address and administrator.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Api;
use kube::api::{DeleteParams, PostParams};

use super::Run;
use crate::api::restore::{Restore, RestorePhase, RestoreSpec, clone_restore_name};
use crate::operator::error::{Error, Result};
use crate::operator::reconcile::step::StepState;

/// The reason the setup step gives while the backup loads.
const CLONING: &str = "Cloning";

/// How the store's data stands before its first setup: None once loaded
/// (or when the store is no clone, or has been Ready: its data is its own).
pub async fn loaded(run: &Run<'_>) -> Result<Option<StepState>> {
    let store = run.store;
    let Some(backup) = &store.setup.cloned_from else {
        return Ok(None);
    };
    if run.installed() {
        return Ok(None);
    }
    let name = clone_restore_name(&store.name, &store.uid);
    let namespace = &store.tenant_namespace;
    let api: Api<Restore> = Api::namespaced(run.client().clone(), namespace);
    let found = api
        .get_opt(&name)
        .await
        .map_err(Error::api(format!("read Restore {namespace}/{name}")))?;
    let loading = |detail: &str| {
        StepState::waiting(
            CLONING,
            format!("loading backup {backup} (restore {name}): {detail}"),
        )
    };
    let Some(found) = found else {
        let restore = Restore {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: Some(namespace.clone()),
                labels: Some(store.labels(None)),
                ..ObjectMeta::default()
            },
            spec: RestoreSpec {
                store: store.name.clone(),
                backup: backup.clone(),
            },
            status: None,
        };
        match api.create(&PostParams::default(), &restore).await {
            Ok(_) => {}
            // Asked for by an earlier reconcile.
            Err(kube::Error::Api(status)) if status.code == 409 => {}
            Err(e) => return Err(Error::api(format!("create Restore {namespace}/{name}"))(e)),
        }
        return Ok(Some(loading("waiting for the operator")));
    };
    let status = found.status.unwrap_or_default();
    let said = || {
        format!(
            "{}: {}",
            status.reason.as_deref().unwrap_or_default(),
            status.message.as_deref().unwrap_or_default()
        )
    };
    Ok(match status.phase {
        Some(RestorePhase::Completed) => None,
        // A retry loads the backup again, from a new Restore; the failed
        // one's audit record stays.
        Some(RestorePhase::Failed) if run.restart => {
            api.delete(&name, &DeleteParams::default())
                .await
                .map(|_| ())
                .or_else(|e| match e {
                    kube::Error::Api(status) if status.code == 404 => Ok(()),
                    e => Err(e),
                })
                .map_err(Error::api(format!("delete Restore {namespace}/{name}")))?;
            Some(StepState::waiting(
                "Restarting",
                format!("backup {backup} is loaded again"),
            ))
        }
        Some(RestorePhase::Failed) => Some(StepState::failed(
            "CloneFailed",
            format!(
                "backup {backup} was not loaded ({}); fix the cause, then `kubectl nexus store retry {}` loads it again",
                said(),
                store.name
            ),
        )),
        Some(RestorePhase::Pending | RestorePhase::Running) => Some(loading(&said())),
        None => Some(loading("waiting for the operator")),
    })
}
