//! `/audit`: the API server's audit webhook backend posts its events here.
//! Only the API server knows where a request came from; an event for a store
//! request carries, as an audit annotation our webhook set, the name of the
//! AuditRecord written at admission, and this fills in that record's source
//! (IPs, user agent, audit ID) once. Callers must send the shared bearer
//! token: anyone else could plant false sources.

use std::path::Path;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::post;
use axum::{Json, Router};
use kube::api::{Patch, PatchParams};
use kube::{Api, Client};
use serde::Deserialize;
use serde_json::json;
use tracing::{debug, warn};

use super::register::VALIDATING_WEBHOOK;
use super::review::AUDIT_RECORD_ANNOTATION;
use crate::api::audit::{AuditRecord, RequestSource};

/// Reads the token file: one line, not empty.
pub fn read_token(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("--audit-sink-token-file {}: {e}", path.display()))?;
    let token = text.trim().to_string();
    if token.is_empty() {
        return Err(format!(
            "--audit-sink-token-file {} is empty",
            path.display()
        ));
    }
    Ok(token)
}

#[derive(Clone)]
struct Sink {
    client: Client,
    token: String,
}

pub fn router(client: Client, token: String) -> Router {
    Router::new()
        .route("/audit", post(receive))
        .with_state(Sink { client, token })
}

/// The parts of an `audit.k8s.io/v1` EventList read here.
#[derive(Deserialize, Debug, Default)]
struct EventList {
    #[serde(default)]
    items: Vec<Event>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
struct Event {
    #[serde(default, rename = "auditID")]
    audit_id: String,
    #[serde(default, rename = "sourceIPs")]
    source_ips: Vec<String>,
    #[serde(default)]
    user_agent: String,
    #[serde(default)]
    annotations: std::collections::BTreeMap<String, String>,
}

/// Compares without stopping at the first difference.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

fn authorized(headers: &HeaderMap, token: &str) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| same_secret(given.as_bytes(), token.as_bytes()))
}

/// The record an event names, as (namespace, name).
fn record_of(event: &Event) -> Option<(&str, &str)> {
    let key = format!("{VALIDATING_WEBHOOK}/{AUDIT_RECORD_ANNOTATION}");
    event.annotations.get(&key)?.split_once('/')
}

async fn receive(
    State(sink): State<Sink>,
    headers: HeaderMap,
    Json(events): Json<EventList>,
) -> StatusCode {
    if !authorized(&headers, &sink.token) {
        return StatusCode::UNAUTHORIZED;
    }
    for event in &events.items {
        let Some((namespace, name)) = record_of(event) else {
            continue;
        };
        let source = RequestSource {
            audit_id: event.audit_id.clone(),
            source_ips: event.source_ips.clone(),
            user_agent: event.user_agent.clone(),
        };
        let records: Api<AuditRecord> = Api::namespaced(sink.client.clone(), namespace);
        let patch = json!({"status": source});
        match records
            .patch_status(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            Ok(_) => {}
            // Already filled (the API server sends each stage): set once.
            Err(kube::Error::Api(status)) if status.code == 422 => {
                debug!(record = %format!("{namespace}/{name}"), "the record's source is set already");
            }
            Err(e) => {
                warn!(record = %format!("{namespace}/{name}"), error = %e, "cannot record a request's source")
            }
        }
    }
    // Always accepted: the API server retries failures, and a retry would fail alike.
    StatusCode::OK
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_shared_token_is_accepted() {
        let mut headers = HeaderMap::new();
        assert!(!authorized(&headers, "s3cret"));
        headers.insert(header::AUTHORIZATION, "Bearer s3cret".parse().unwrap());
        assert!(authorized(&headers, "s3cret"));
        headers.insert(header::AUTHORIZATION, "Bearer s3creT".parse().unwrap());
        assert!(!authorized(&headers, "s3cret"));
        headers.insert(header::AUTHORIZATION, "Bearer s3cret2".parse().unwrap());
        assert!(!authorized(&headers, "s3cret"));
    }

    #[test]
    fn an_event_names_its_record_through_the_webhooks_annotation() {
        let list: EventList = serde_json::from_value(json!({
            "kind": "EventList", "apiVersion": "audit.k8s.io/v1",
            "items": [
                {"auditID": "a-1", "stage": "ResponseComplete", "sourceIPs": ["192.0.2.7"], "userAgent": "kubectl/v1.34",
                 "annotations": {"validate.stores.nexus.dev/record": "team-a/audit-000000000003", "authorization.k8s.io/decision": "allow"}},
                {"auditID": "a-2", "stage": "ResponseComplete", "annotations": {}}
            ]
        }))
        .unwrap();
        assert_eq!(
            record_of(&list.items[0]),
            Some(("team-a", "audit-000000000003"))
        );
        assert_eq!(record_of(&list.items[1]), None);
        assert_eq!(list.items[0].source_ips, ["192.0.2.7"]);
    }
}
