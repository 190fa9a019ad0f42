use kube::Api;
use kube::api::ListParams;

use super::{StoreList, StoreSummary, stores};
use crate::api::Store;
use crate::commands::Session;
use crate::error::{Action, Result};

/// The stores, asked for `chunk_size` at a time (0: in one request).
pub async fn list(session: &Session, all_namespaces: bool, chunk_size: u32) -> Result<StoreList> {
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
    // Page by page: only the summaries are kept, so memory stays flat
    // however many stores there are.
    let mut items: Vec<StoreSummary> = Vec::new();
    let mut params = ListParams::default();
    if chunk_size > 0 {
        params = params.limit(chunk_size);
    }
    loop {
        let page = api.list(&params).await.map_err(|e| action.error(e))?;
        items.extend(page.items.iter().map(StoreSummary::from));
        match page.metadata.continue_.filter(|token| !token.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => break,
        }
    }
    items.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    Ok(StoreList { items, scope })
}
