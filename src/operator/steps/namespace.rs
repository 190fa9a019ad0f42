//! Namespace: `store-<name>`, created by this Store or a conflict left alone.
//! The only step that may hand out the `Owned` proof.

use k8s_openapi::api::core::v1::Namespace;
use kube::api::PostParams;
use kube::{Api, ResourceExt};

use super::Run;
use crate::api::labels::STORE_UID_LABEL;
use crate::guardrails;
use crate::operator::apply::{Owned, apply_recorded};
use crate::operator::error::{Error, Result};
use crate::operator::status::StepState;
use crate::operator::written::Key;

pub async fn ensure(run: &Run<'_>) -> Result<(StepState, Option<Owned>)> {
    let store = run.store;
    let namespaces: Api<Namespace> = Api::all(run.client().clone());
    let action = |verb: &str| format!("{verb} Namespace {}", store.namespace);
    let desired = guardrails::namespace(store);
    match namespaces
        .get_opt(&store.namespace)
        .await
        .map_err(Error::api(action("read")))?
    {
        Some(existing) => {
            let owner = existing.labels().get(STORE_UID_LABEL);
            if owner != Some(&store.uid) {
                let holder = if owner.is_some() {
                    "another store"
                } else {
                    "something other than Nexus"
                };
                return Ok((
                    StepState::failed(
                        "NameConflict",
                        format!(
                            "namespace {} already exists and belongs to {holder}; store names are unique in the cluster: pick another name",
                            store.namespace
                        ),
                    ),
                    None,
                ));
            }
            if existing.metadata.deletion_timestamp.is_some() {
                return Ok((
                    StepState::waiting(
                        "Terminating",
                        format!("namespace {} is still being deleted", store.namespace),
                    ),
                    None,
                ));
            }
            // Ours: keep its labels (Pod Security level included) as we want
            // them (written only when not as last written).
            let key = Key {
                kind: "Namespace".into(),
                namespace: String::new(),
                name: store.namespace.clone(),
            };
            apply_recorded(run.ctx, &namespaces, key, &desired, action("apply")).await?;
        }
        None => match namespaces.create(&PostParams::default(), &desired).await {
            Ok(_) => {}
            // Another store took the name between our read and our create.
            Err(kube::Error::Api(status)) if status.code == 409 => {
                return Ok((
                    StepState::waiting(
                        "Creating",
                        "the namespace was created concurrently; checking its owner",
                    ),
                    None,
                ));
            }
            Err(e) => return Err(Error::api(action("create"))(e)),
        },
    }
    Ok((
        StepState::done(
            "Created",
            format!("namespace {} belongs to this store", store.namespace),
        ),
        Some(Owned::checked(&store.namespace)),
    ))
}
