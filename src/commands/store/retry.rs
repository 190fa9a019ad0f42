use kube::Api;
use kube::api::{Patch, PatchParams};
use serde_json::json;

use super::{StoreList, StoreSummary};
use crate::api::{Phase, RETRY_ANNOTATION, Store};
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
    ask_again(session, &session.namespace, name).await
}

/// What `retry --all-failed` did: the stores it asked to provision again, and
/// those it could not ask (each with the API server's answer).
#[derive(Debug)]
pub struct RetriedStores {
    pub retried: StoreList,
    pub refused: Vec<(String, String, Error)>,
}

/// Retries every Failed store of the namespace, or of every namespace the
/// user may list. One refusal does not stop the others; all are reported.
pub async fn retry_all_failed(session: &Session, all_namespaces: bool) -> Result<RetriedStores> {
    let stores = super::list(session, all_namespaces, 500).await?;
    let mut retried = Vec::new();
    let mut refused = Vec::new();
    for store in stores
        .items
        .into_iter()
        .filter(|s| s.phase == Phase::Failed)
    {
        match ask_again(session, &store.namespace, &store.name).await {
            Ok(summary) => retried.push(summary),
            Err(error) => refused.push((store.namespace, store.name, error)),
        }
    }
    Ok(RetriedStores {
        retried: StoreList {
            items: retried,
            scope: stores.scope,
        },
        refused,
    })
}

async fn ask_again(session: &Session, namespace: &str, name: &str) -> Result<StoreSummary> {
    let token = k8s_openapi::jiff::Timestamp::now().to_string();
    let patch = json!({ "metadata": { "annotations": { RETRY_ANNOTATION: token } } });
    let action = Action {
        verb: "patch",
        resource: "stores",
        namespace,
        name: Some(name),
    };
    let store = Api::<Store>::namespaced(session.client.clone(), namespace)
        .patch(
            name,
            &PatchParams {
                field_manager: Some(super::fields::FIELD_MANAGER.into()),
                ..PatchParams::default()
            },
            &Patch::Merge(&patch),
        )
        .await
        .map_err(|e| action.error(e))?;
    Ok(StoreSummary::from(&store))
}
