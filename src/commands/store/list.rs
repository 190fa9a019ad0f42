use kube::Api;
use kube::api::ListParams;

use super::{StoreList, StoreSummary, stores};
use crate::api::Store;
use crate::commands::Session;
use crate::error::{Action, Result};

pub async fn list(session: &Session, all_namespaces: bool) -> Result<StoreList> {
    let (api, scope) = if all_namespaces {
        (Api::<Store>::all(session.client.clone()), None)
    } else {
        (stores(session), Some(session.namespace.clone()))
    };
    let action = Action {
        verb: "list",
        resource: "stores",
        namespace: scope.as_deref().unwrap_or_default(),
        name: None,
    };
    let found = api
        .list(&ListParams::default())
        .await
        .map_err(|e| action.error(e))?;
    let mut items: Vec<StoreSummary> = found.items.iter().map(StoreSummary::from).collect();
    items.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    Ok(StoreList { items, scope })
}
