//! The parts of a store's page read apart from its details: its quota and
//! usage, its audit trail with the chain's verdict, its backups, and, on an
//! explicit click, its admin credentials. Each is what the CLI's command
//! answers (`quota STORE`, `audit STORE --verify`, `store backups`, `store
//! credentials`), as the person who runs the dashboard.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{App, failed};
use crate::cli::AuditArgs;
use crate::commands::{audit as trail, quota as quotas, store};

/// The store's ResourceQuota, a line per resource with its share used.
pub(super) async fn quota(
    State(app): State<Arc<App>>,
    Path((namespace, name)): Path<(String, String)>,
) -> Response {
    match quotas::store_quota(&app.session_in(namespace), &name).await {
        Ok(quota) => axum::Json(quota).into_response(),
        Err(error) => failed(error),
    }
}

/// The store's audit records, and whether its namespace's chain holds (and
/// was compared with the platform's anchor), as `audit STORE --verify`.
pub(super) async fn audit(
    State(app): State<Arc<App>>,
    Path((namespace, name)): Path<(String, String)>,
) -> Response {
    let session = app.session_in(namespace);
    let args = AuditArgs {
        store: Some(name),
        user: None,
        since: None,
        action: None,
        all_namespaces: false,
        verify: true,
        platform_namespace: app.platform_namespace.clone(),
        follow: false,
    };
    let found = match trail::audit(&session, &args).await {
        Ok(found) => found,
        Err(error) => return failed(error),
    };
    match trail::verify_chains(&session, &args).await {
        Ok(verified) => {
            let chain = verified.chains.into_iter().next();
            axum::Json(json!({ "records": found.records, "chain": chain })).into_response()
        }
        Err(error) => failed(error),
    }
}

/// The store's backups, newest first.
pub(super) async fn backups(
    State(app): State<Arc<App>>,
    Path((namespace, name)): Path<(String, String)>,
) -> Response {
    match store::list_backups(&app.session_in(namespace), &name).await {
        Ok(backups) => axum::Json(backups).into_response(),
        Err(error) => failed(error),
    }
}

/// The admin credentials, only on the person's click: a POST (it carries the
/// CSRF token, and the read is recorded on the Store first, so the audit
/// trail says who read them). The answer is never cached.
pub(super) async fn credentials(
    State(app): State<Arc<App>>,
    Path((namespace, name)): Path<(String, String)>,
) -> Response {
    match store::credentials(&app.session_in(namespace), &name, false).await {
        Ok(credentials) => axum::Json(credentials).into_response(),
        Err(error) => failed(error),
    }
}
