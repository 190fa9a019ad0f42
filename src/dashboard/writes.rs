//! What the dashboard's pages change: a store made, suspended, resumed,
//! retried or deleted, each through the very command the CLI runs (its
//! checks, its words), acting as the person who runs the dashboard. No
//! write waits: the page follows the store live.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use clap::ValueEnum;
use serde_json::json;

use super::{App, failed};
use crate::api::validation::Invalid;
use crate::cli::{CreateArgs, DeleteArgs, PlanArg, WaitArgs};
use crate::commands::store::{self, CreateOutcome, Progress, WriteOptions};
use crate::error::Error;

/// What a write said besides its answer: the API server's warnings
/// (admission's notes on the person's quota), shown on the page as the CLI
/// prints them.
#[derive(Default)]
struct Said {
    warnings: Vec<String>,
}

impl Progress for Said {
    fn update(&mut self, _line: &str) {}
    fn finish(&mut self) {}
    fn warn(&mut self, message: &str) {
        self.warnings.push(message.to_string());
    }
}

/// Suspend, resume or retry, as `kubectl nexus store suspend|resume|retry`.
pub(super) async fn store_action(
    State(app): State<Arc<App>>,
    Path((namespace, name, action)): Path<(String, String, String)>,
) -> Response {
    let session = app.session_in(namespace);
    let mut said = Said::default();
    let done = match action.as_str() {
        "suspend" | "resume" => {
            let suspend = action == "suspend";
            let options = WriteOptions {
                dry_run: false,
                force_conflicts: false,
                wait: None,
            };
            store::set_suspended(&session, &name, suspend, options, &mut said)
                .await
                .map(|outcome| outcome.store)
        }
        "retry" => store::retry(&session, &name).await,
        _ => {
            let why = format!("no action {action:?}: suspend, resume or retry");
            return (StatusCode::NOT_FOUND, axum::Json(json!({ "error": why }))).into_response();
        }
    };
    match done {
        Ok(store) => {
            axum::Json(json!({ "store": store, "warnings": said.warnings })).into_response()
        }
        Err(error) => failed(error),
    }
}

/// What the page sends to delete a store: its name, typed by the person.
#[derive(serde::Deserialize)]
pub(super) struct Confirmation {
    confirm: String,
}

/// Deletes a store, as `kubectl nexus store delete`, once the person typed
/// its name (the page asks; the dashboard checks, so that no other caller
/// skips it). The operator's finalizer takes the final backup and cleans up.
pub(super) async fn delete_store(
    State(app): State<Arc<App>>,
    Path((namespace, name)): Path<(String, String)>,
    confirmation: Result<axum::Json<Confirmation>, JsonRejection>,
) -> Response {
    let typed = confirmation.ok().map(|c| c.0.confirm);
    if typed.as_deref() != Some(name.as_str()) {
        let why = format!("type the store's name, {name}, to delete it");
        return (StatusCode::BAD_REQUEST, axum::Json(json!({ "error": why }))).into_response();
    }
    let session = app.session_in(namespace);
    let args = DeleteArgs {
        name,
        yes: true,
        skip_final_backup: false,
        wait: no_wait(),
    };
    let mut said = Said::default();
    match store::delete(&session, &args, &mut said).await {
        Ok(outcome) => {
            axum::Json(json!({ "deleted": outcome, "warnings": said.warnings })).into_response()
        }
        Err(error) => failed(error),
    }
}

/// A new store as the page's form gives it; a blank field is one not given.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct NewStore {
    name: String,
    plan: Option<String>,
    domain: Option<String>,
    admin_email: Option<String>,
    currency: Option<String>,
    #[serde(default = "yes")]
    sample_products: bool,
    backup_schedule: Option<String>,
    /// KEY=VALUE pairs, separated by commas or spaces.
    labels: Option<String>,
}

fn yes() -> bool {
    true
}

/// The plans a store may have, as `store create --plan` names them.
pub(super) fn plan_names() -> Vec<String> {
    PlanArg::value_variants()
        .iter()
        .filter_map(|plan| plan.to_possible_value())
        .map(|value| value.get_name().to_string())
        .collect()
}

impl NewStore {
    /// The `store create` this form amounts to.
    fn args(self) -> Result<CreateArgs, Invalid> {
        let given =
            |text: Option<String>| text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        let plan = match given(self.plan) {
            None => PlanArg::Small,
            Some(plan) => PlanArg::from_str(&plan, false).map_err(|_| Invalid {
                field: "plan",
                message: format!("{plan:?} is no plan: {}", plan_names().join(", ")),
            })?,
        };
        Ok(CreateArgs {
            name: self.name,
            plan,
            domain: given(self.domain),
            admin_email: given(self.admin_email),
            currency: given(self.currency),
            no_sample_products: !self.sample_products,
            labels: self
                .labels
                .unwrap_or_default()
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|label| !label.is_empty())
                .map(str::to_string)
                .collect(),
            backup_schedule: given(self.backup_schedule),
            keep_backups: None,
            keep_backups_for: None,
            check_interval: None,
            from_backup: None,
            wait: no_wait(),
            dry_run: false,
        })
    }
}

fn no_wait() -> WaitArgs {
    WaitArgs {
        wait: false,
        timeout: Duration::ZERO,
    }
}

/// Makes a store, as `kubectl nexus store create`: the CLI's checks first
/// (an error names its field, for the page to show beside it), then
/// admission's (shown as the webhook words it).
pub(super) async fn create_store(
    State(app): State<Arc<App>>,
    Path(namespace): Path<String>,
    form: Result<axum::Json<NewStore>, JsonRejection>,
) -> Response {
    let form = match form {
        Ok(axum::Json(form)) => form,
        Err(rejection) => {
            let why = format!("the form could not be read: {}", rejection.body_text());
            return (StatusCode::BAD_REQUEST, axum::Json(json!({ "error": why }))).into_response();
        }
    };
    let args = match form.args() {
        Ok(args) => args,
        Err(invalid) => return failed(Error::Invalid(invalid)),
    };
    let session = app.session_in(namespace);
    let mut said = Said::default();
    match store::create(&session, &args, &mut said).await {
        Ok(CreateOutcome::Created(store)) => {
            let body = json!({ "store": store, "warnings": said.warnings });
            (StatusCode::CREATED, axum::Json(body)).into_response()
        }
        // Only --dry-run answers so, and the form never asks for one.
        Ok(CreateOutcome::DryRun(_)) => failed(Error::Other("nothing was created".into())),
        Err(error) => failed(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(fields: serde_json::Value) -> Result<NewStore, serde_json::Error> {
        serde_json::from_value(fields)
    }

    #[test]
    fn a_form_is_the_create_it_amounts_to_and_a_blank_field_is_one_not_given() {
        let args = form(json!({
            "name": "shop", "plan": "medium", "domain": " ", "adminEmail": "",
            "currency": " EUR ", "sampleProducts": false, "backupSchedule": "",
            "labels": "team=payments, example.com/tier=gold"
        }))
        .unwrap()
        .args()
        .unwrap();
        assert_eq!(args.name, "shop");
        assert_eq!(args.plan, PlanArg::Medium);
        assert_eq!(args.domain, None);
        assert_eq!(args.admin_email, None);
        assert_eq!(args.currency.as_deref(), Some("EUR"));
        assert!(args.no_sample_products);
        assert_eq!(args.backup_schedule, None);
        assert_eq!(args.labels, ["team=payments", "example.com/tier=gold"]);
        assert!(
            !args.wait.wait && !args.dry_run,
            "a page's create never waits"
        );
        // What the page leaves out is the CLI's default.
        let plain = form(json!({"name": "shop"})).unwrap().args().unwrap();
        assert_eq!(plain.plan, PlanArg::Small);
        assert!(!plain.no_sample_products);
    }

    #[test]
    fn an_unknown_plan_is_refused_naming_its_field_and_the_plans() {
        let Err(refused) = form(json!({"name": "shop", "plan": "huge"}))
            .unwrap()
            .args()
        else {
            panic!("huge is no plan");
        };
        assert_eq!(refused.field, "plan");
        assert!(
            refused.message.contains("small, medium, large"),
            "{refused}"
        );
    }

    #[test]
    fn a_field_the_form_does_not_have_is_refused() {
        // Not dropped quietly: a page that sends "plna" learns it.
        assert!(form(json!({"name": "shop", "plna": "medium"})).is_err());
    }
}
