//! `store check`: the operator sends a shopper to the live store (a check
//! pod in its namespace) and this command shows what the shopper found,
//! step by step. Asked for with a new value of the Store's
//! `nexus.dev/check-requested` annotation; answered in `status.check`.

use std::time::Duration;

use kube::api::{Patch, PatchParams};
use serde::Serialize;

use super::{Progress, stores, wait};
use crate::api::{CHECK_ANNOTATION, CHECKOUT_REQUEST, CheckStep, Phase};
use crate::commands::Session;
use crate::error::{Action, Error, Result};

/// What `store check` found.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CheckOutcome {
    pub store: String,
    pub namespace: String,
    /// The store's address, as the shopper asked for it.
    pub url: Option<String>,
    pub passed: bool,
    /// The steps taken, up to the first that failed.
    pub steps: Vec<CheckStep>,
    /// Why no step was taken, when none was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl CheckOutcome {
    /// The error for the exit code of a failed check.
    pub fn failure(&self) -> Option<Error> {
        if self.passed {
            return None;
        }
        let what = match self.steps.iter().find(|s| !s.passed) {
            Some(step) => step.summary(),
            None => self.message.clone().unwrap_or_else(|| "no report".into()),
        };
        Some(Error::Other(format!(
            "store {} failed its check: {what}",
            self.store
        )))
    }
}

pub async fn check(
    session: &Session,
    name: &str,
    checkout: bool,
    timeout: Duration,
    progress: &mut dyn Progress,
) -> Result<CheckOutcome> {
    let api = stores(session);
    let action = Action {
        verb: "patch",
        resource: "stores",
        namespace: &session.namespace,
        name: Some(name),
    };
    let current = api.get(name).await.map_err(|e| action.error(e))?;
    if matches!(current.phase(), Phase::Suspended | Phase::Suspending) {
        return Err(Error::Usage(format!(
            "store {name} is suspended, so nothing answers at its address\nhint: kubectl nexus store resume {name} --wait, then check it"
        )));
    }
    // A new value each time: the operator answers each request once.
    let now = k8s_openapi::jiff::Timestamp::now();
    let request = match checkout {
        true => format!("{CHECKOUT_REQUEST}{now}"),
        false => now.to_string(),
    };
    let patch = serde_json::json!({ "metadata": { "annotations": { CHECK_ANNOTATION: request } } });
    let params = PatchParams {
        field_manager: Some(super::fields::FIELD_MANAGER.into()),
        ..PatchParams::default()
    };
    api.patch(name, &params, &Patch::Merge(&patch))
        .await
        .map_err(|e| action.error(e))?;
    progress.update(&format!("{name}: a shopper is on the way"));
    let store = wait::until_checked(&api, name, &request, timeout, progress).await?;
    let status = store.status.unwrap_or_default();
    let check = status
        .check
        .ok_or_else(|| Error::Other(format!("store {name} lost its check's answer")))?;
    Ok(CheckOutcome {
        store: name.to_string(),
        namespace: session.namespace.clone(),
        url: status.url,
        passed: check.passed,
        steps: check.steps,
        message: check.message,
    })
}
