use kube::api::{DeleteParams, Patch, PatchParams};
use serde::Serialize;

use super::stores;
use super::wait::{self, Progress};
use crate::api::store::SKIP_FINAL_BACKUP_ANNOTATION;
use crate::cli::DeleteArgs;
use crate::commands::Session;
use crate::error::{Action, Result};

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct DeleteOutcome {
    pub name: String,
    pub namespace: String,
    /// True when the store is gone; false when the operator is still cleaning up.
    pub gone: bool,
}

/// Deletes the store; the caller has already confirmed.
pub async fn delete(
    session: &Session,
    args: &DeleteArgs,
    progress: &mut dyn Progress,
) -> Result<DeleteOutcome> {
    let action = Action {
        verb: "delete",
        resource: "stores",
        namespace: &session.namespace,
        name: Some(&args.name),
    };
    let api = stores(session);
    if args.skip_final_backup {
        // Said on the Store itself, where the operator's finalizer reads it
        // (also of a store whose deletion waits on a failed final backup).
        let patch = serde_json::json!({"metadata": {"annotations": {SKIP_FINAL_BACKUP_ANNOTATION: "true"}}});
        api.patch(&args.name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map_err(|e| {
                Action {
                    verb: "patch",
                    ..action
                }
                .error(e)
            })?;
    }
    let response = api
        .delete(&args.name, &DeleteParams::default())
        .await
        .map_err(|e| action.error(e))?;
    let mut gone = response.is_right();
    if args.wait.wait && !gone {
        wait::until_gone(&api, &args.name, args.wait.timeout, progress).await?;
        gone = true;
    }
    Ok(DeleteOutcome {
        name: args.name.clone(),
        namespace: session.namespace.clone(),
        gone,
    })
}
