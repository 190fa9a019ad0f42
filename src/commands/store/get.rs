use k8s_openapi::api::core::v1::Event;
use kube::Api;
use kube::api::ListParams;

use super::{EventView, StoreDetails, fetch};
use crate::commands::Session;
use crate::error::{Action, Result};

/// How many of the newest events `store get` shows.
const RECENT_EVENTS: usize = 10;

pub async fn get(session: &Session, name: &str) -> Result<StoreDetails> {
    let store = fetch(session, name).await?;
    let mut warnings = Vec::new();
    let uid = store.metadata.uid.clone().unwrap_or_default();
    let events = match recent_events(session, &uid).await {
        Ok(events) => events,
        Err(e) => {
            warnings.push(format!("events could not be read: {e}"));
            Vec::new()
        }
    };
    Ok(StoreDetails::new(&store, events, warnings))
}

/// This store's events: by UID, so a deleted store of the same name (its
/// events live on for an hour) tells nothing about this one.
async fn recent_events(session: &Session, uid: &str) -> Result<Vec<EventView>> {
    let api: Api<Event> = Api::namespaced(session.client.clone(), &session.namespace);
    let params = ListParams::default().fields(&format!(
        "involvedObject.kind=Store,involvedObject.uid={uid}"
    ));
    let action = Action {
        verb: "list",
        resource: "events",
        namespace: &session.namespace,
        name: None,
    };
    let mut events: Vec<EventView> = api
        .list(&params)
        .await
        .map_err(|e| action.error(e))?
        .items
        .into_iter()
        .map(|e| EventView {
            type_: e.type_.unwrap_or_default(),
            reason: e.reason.unwrap_or_default(),
            message: e.message.unwrap_or_default(),
            count: e.count.unwrap_or(1),
            last_seen: e
                .last_timestamp
                .or(e
                    .event_time
                    .map(|t| k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(t.0)))
                .or(e.metadata.creation_timestamp),
        })
        .collect();
    events.sort_by(|a, b| a.last_seen.cmp(&b.last_seen));
    let skip = events.len().saturating_sub(RECENT_EVENTS);
    Ok(events.split_off(skip))
}
