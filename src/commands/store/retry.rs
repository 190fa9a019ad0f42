use kube::api::{Patch, PatchParams};
use serde_json::json;

use super::{StoreSummary, stores};
use crate::api::{Phase, RETRY_ANNOTATION};
use crate::commands::Session;
use crate::error::{Action, Error, Result};

/// Asks the operator to provision a Failed store again, by a new value of
/// the `nexus.dev/retry` annotation (the operator acts on each value once).
pub async fn retry(session: &Session, name: &str) -> Result<StoreSummary> {
    let details = super::get::get(session, name).await?;
    if details.summary.phase != Phase::Failed {
        return Err(Error::Other(format!(
            "store {name:?} is {}, not Failed: there is nothing to retry",
            details.summary.phase
        )));
    }
    let token = k8s_openapi::jiff::Timestamp::now().to_string();
    let patch = json!({ "metadata": { "annotations": { RETRY_ANNOTATION: token } } });
    let action = Action {
        verb: "patch",
        resource: "stores",
        namespace: &session.namespace,
        name: Some(name),
    };
    let store = stores(session)
        .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .map_err(|e| action.error(e))?;
    Ok(StoreSummary::from(&store))
}
