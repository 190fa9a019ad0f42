//! Namespace: `store-<name>`, created by this Store or a conflict left alone.
//! The only step that may hand out the `Owned` proof.

use k8s_openapi::api::core::v1::Namespace;
use kube::api::PostParams;
use kube::{Api, ResourceExt};

use super::Run;
use crate::api::labels::STORE_UID_LABEL;
use crate::guardrails;
use crate::operator::children::FIELD_MANAGER;
use crate::operator::children::write::{self, Owned};
use crate::operator::children::write_record::{Key, shape};
use crate::operator::error::{Error, Result};
use crate::operator::reconcile::step::StepState;
use crate::validated::ValidatedStore;

pub async fn ensure(run: &Run<'_>) -> Result<(StepState, Option<Owned>)> {
    let store = run.store;
    let namespaces: Api<Namespace> = Api::all(run.client().clone());
    let action = |verb: &str| format!("{verb} Namespace {}", store.namespace);
    let desired = guardrails::namespace(store);
    // Ours are in the watch cache; one that is not (somebody else's, or
    // ours a moment before the watch reports it) is read when creating it
    // finds it there.
    let existing = match run
        .children
        .caches
        .namespaces
        .lookup(None, &store.namespace)
    {
        Some(cached) => cached.map(|n| n.metadata),
        None => namespaces
            .get_opt(&store.namespace)
            .await
            .map_err(Error::api(action("read")))?
            .map(|n| n.metadata),
    };
    let key = Key {
        kind: "Namespace".into(),
        namespace: String::new(),
        name: store.namespace.clone(),
    };
    let fingerprint = write::fingerprint(&desired);
    let existing = match existing {
        Some(existing) => existing,
        None => match namespaces
            .create(&create_params(), &write::stamped(&desired, fingerprint))
            .await
        {
            Ok(created) => {
                // Recorded as written, so the next reconcile does not apply it again.
                run.children.writes.record(
                    key,
                    fingerprint,
                    &created.resource_version().unwrap_or_default(),
                    shape(&created.metadata),
                );
                // The next steps wait for the watch to report it: the API
                // server admits a create into a namespace its own cache
                // does not hold yet only after a 50 ms pause and a read of
                // the namespace, and both caches are fed by the same watch.
                return Ok((
                    StepState::waiting(
                        "Created",
                        format!(
                            "namespace {} was created; the next steps start once the watch reports it",
                            store.namespace
                        ),
                    ),
                    None,
                ));
            }
            // It exists: somebody else's, ours not yet in the cache, or ours
            // without the labels this operator's watch selects on (made
            // before the store moved to this shard): applied below, it is.
            Err(kube::Error::Api(status)) if status.code == 409 => {
                match namespaces
                    .get_opt(&store.namespace)
                    .await
                    .map_err(Error::api(action("read")))?
                {
                    Some(found) => found.metadata,
                    None => {
                        return Ok((
                            StepState::waiting(
                                "Creating",
                                "the namespace was there a moment ago and is gone; creating it again",
                            ),
                            None,
                        ));
                    }
                }
            }
            Err(e) => return Err(Error::api(action("create"))(e)),
        },
    };
    let owner = existing
        .labels
        .as_ref()
        .and_then(|l| l.get(STORE_UID_LABEL));
    if owner != Some(&store.uid) {
        return Ok((conflict(store, owner.is_some()), None));
    }
    if existing.deletion_timestamp.is_some() {
        return Ok((
            StepState::waiting(
                "Terminating",
                format!("namespace {} is still being deleted", store.namespace),
            ),
            None,
        ));
    }
    // Ours: keep its labels (Pod Security level included) as we want them
    // (written only when not as last written).
    write::apply_recorded(run.children, &namespaces, key, &desired, action("apply")).await?;
    Ok(created_here(store))
}

/// The step's outcome once the namespace is this store's.
fn created_here(store: &ValidatedStore<'_>) -> (StepState, Option<Owned>) {
    (
        StepState::done(
            "Created",
            format!("namespace {} belongs to this store", store.namespace),
        ),
        Some(Owned::checked(&store.namespace)),
    )
}

/// Created as the field manager that applies it later, so the fields it
/// set stay ours.
fn create_params() -> PostParams {
    PostParams {
        field_manager: Some(FIELD_MANAGER.into()),
        ..PostParams::default()
    }
}

fn conflict(store: &ValidatedStore<'_>, by_a_store: bool) -> StepState {
    let holder = if by_a_store {
        "another store"
    } else {
        "something other than Nexus"
    };
    StepState::failed(
        "NameConflict",
        format!(
            "namespace {} already exists and belongs to {holder}; store names are unique in the cluster: pick another name",
            store.namespace
        ),
    )
}
