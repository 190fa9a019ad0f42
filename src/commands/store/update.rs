//! `store update`, `store suspend` and `store resume`: changes to a live
//! store. Each is a server-side apply under the CLI's field manager that
//! names the fields the user changed and those the CLI applied before (so
//! nothing else moves), checked by the API server and admission exactly as
//! a `kubectl apply` would be.
//!
//! Server-side apply never removes a field another manager set (such as
//! the CLI's own create, or someone's `kubectl apply`): a removal the apply
//! cannot make is a JSON patch that first tests the value the user saw.

use kube::Api;
use kube::api::{Patch, PatchParams};
use serde::Serialize;
use serde_json::{Value, json};

use super::fields::{FIELD_MANAGER, Field, Manager, applied_by_cli, managers};
use super::wait::{self, Progress};
use super::{StoreSummary, stores};
use crate::api::{Phase, Store, validation};
use crate::cli::UpdateArgs;
use crate::commands::Session;
use crate::error::{Action, Error, Result};

/// One field to change: its new value, or None to remove it.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub field: Field,
    pub value: Option<Value>,
}

/// What an update did (or, on a dry run, would do).
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UpdateOutcome {
    pub dry_run: bool,
    /// The fields that change, with their values before and after.
    pub changes: Vec<FieldChange>,
    /// What the operator does about them, in words.
    pub effects: Vec<String>,
    /// The store as the API server answered (after `--wait`, as it settled).
    pub store: StoreSummary,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub field: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Value>,
}

/// How a write is made.
#[derive(Clone, Copy, Debug, Default)]
pub struct WriteOptions {
    pub dry_run: bool,
    pub force_conflicts: bool,
    /// Wait until the store settles with the change, at most this long.
    pub wait: Option<std::time::Duration>,
}

/// The changes the arguments ask for, checked as `store create` checks
/// them, before anything is sent.
pub fn requested_changes(args: &UpdateArgs) -> Result<Vec<Change>> {
    let mut changes = Vec::new();
    let mut set = |field: Field, value: Option<Value>| changes.push(Change { field, value });
    if let Some(plan) = args.plan {
        set(Field::Plan, Some(json!(crate::api::Plan::from(plan))));
    }
    if let Some(domain) = &args.domain {
        validation::domain(domain)?;
        set(Field::Domain, Some(json!(domain)));
    }
    if args.default_domain {
        set(Field::Domain, None);
    }
    if let Some(email) = &args.admin_email {
        validation::admin_email(email)?;
        set(Field::AdminEmail, Some(json!(email)));
    }
    if let Some(currency) = &args.currency {
        validation::currency(currency)?;
        set(Field::Currency, Some(json!(currency)));
    }
    if args.sample_products || args.no_sample_products {
        set(Field::SampleProducts, Some(json!(args.sample_products)));
    }
    if let Some(interval) = &args.check_interval {
        let policy = crate::api::CheckPolicy {
            interval: interval.clone(),
        };
        policy.interval()?;
        set(Field::Check, Some(json!(policy)));
    }
    if args.no_check {
        set(Field::Check, None);
    }
    for label in &args.labels {
        match label.strip_suffix('-').filter(|_| !label.contains('=')) {
            Some(key) => {
                // The key alone, held to the rules of KEY=VALUE.
                validation::label(&format!("{key}="))?;
                set(Field::Label(key.to_string()), None);
            }
            None => {
                let (key, value) = validation::label(label)?;
                set(Field::Label(key.to_string()), Some(json!(value)));
            }
        }
    }
    if changes.is_empty() {
        return Err(Error::Usage(
            "nothing to change: name at least one of --plan, --domain, --default-domain, --admin-email, --currency, --sample-products, --no-sample-products, --check-interval, --no-check, -l KEY=VALUE or -l KEY-\nhint: kubectl nexus store update --help".into(),
        ));
    }
    let mut fields: Vec<&Field> = changes.iter().map(|c| &c.field).collect();
    fields.sort();
    if let Some(twice) = fields.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(Error::Usage(format!(
            "{} is named twice: name each field once",
            twice[0].name()
        )));
    }
    Ok(changes)
}

pub async fn update(
    session: &Session,
    args: &UpdateArgs,
    progress: &mut dyn Progress,
) -> Result<UpdateOutcome> {
    let changes = requested_changes(args)?;
    let options = WriteOptions {
        dry_run: args.dry_run,
        force_conflicts: args.force_conflicts,
        wait: args.wait.wait.then_some(args.wait.timeout),
    };
    write(session, &args.name, changes, options, progress).await
}

/// Suspends (`suspend` true) or resumes a store.
pub async fn set_suspended(
    session: &Session,
    name: &str,
    suspend: bool,
    options: WriteOptions,
    progress: &mut dyn Progress,
) -> Result<UpdateOutcome> {
    let change = Change {
        field: Field::Suspend,
        value: Some(json!(suspend)),
    };
    write(session, name, vec![change], options, progress).await
}

async fn write(
    session: &Session,
    name: &str,
    changes: Vec<Change>,
    options: WriteOptions,
    progress: &mut dyn Progress,
) -> Result<UpdateOutcome> {
    let api = stores(session);
    let action = |verb| Action {
        verb,
        resource: "stores",
        namespace: &session.namespace,
        name: Some(name),
    };
    let current = api.get(name).await.map_err(|e| action("get").error(e))?;
    let before = to_json(&current)?;
    // What already holds is no change (a resume of a running store, say).
    let changes: Vec<Change> = changes
        .into_iter()
        .filter(|c| c.field.get(&before) != c.value.as_ref() && !unset_false(c, &before))
        .collect();
    if changes.is_empty() {
        return Ok(outcome(&current, &before, &[], options.dry_run));
    }
    let removals: Vec<&Field> = changes
        .iter()
        .filter(|c| c.value.is_none())
        .map(|c| &c.field)
        .collect();
    let foreign = foreign_managers(&current, &removals);
    if !foreign.is_empty() && !options.force_conflicts {
        return Err(Error::Other(conflict_message(name, &foreign, "removed")));
    }
    let body = apply_body(&current, &before, &changes);
    // A removal the apply cannot make goes in a second request: both are
    // first tried as dry runs, so admission refuses either before anything
    // changes.
    let patched = !removals.is_empty();
    if patched && !options.dry_run {
        apply(&api, &current, name, &body, true, options.force_conflicts).await?;
        remove(&api, name, &before, &removals, true).await?;
    }
    let mut after = apply(
        &api,
        &current,
        name,
        &body,
        options.dry_run,
        options.force_conflicts,
    )
    .await?;
    let left: Vec<&Field> = removals
        .iter()
        .copied()
        .filter(|f| f.get(&to_json(&after).unwrap_or_default()).is_some())
        .collect();
    if !left.is_empty() {
        let removed = remove(&api, name, &before, &left, options.dry_run).await?;
        after = if options.dry_run {
            let mut merged = to_json(&after)?;
            left.iter().for_each(|f| f.remove(&mut merged));
            serde_json::from_value(merged).map_err(|e| Error::Other(e.to_string()))?
        } else {
            removed
        };
    }
    let mut done = outcome(&after, &before, &changes, options.dry_run);
    if let (Some(timeout), false) = (options.wait, options.dry_run) {
        let generation = after.metadata.generation.unwrap_or_default();
        let target = if after.spec.suspend {
            Phase::Suspended
        } else {
            Phase::Ready
        };
        let settled =
            wait::until_settled_with(&api, name, generation, target, timeout, progress).await?;
        done.store = StoreSummary::from(&settled);
    }
    Ok(done)
}

fn to_json(store: &Store) -> Result<Value> {
    serde_json::to_value(store).map_err(|e| Error::Other(format!("cannot encode the store: {e}")))
}

/// `suspend: false` on a store whose spec leaves it out (false) is no change.
fn unset_false(change: &Change, before: &Value) -> bool {
    change.field == Field::Suspend
        && change.value == Some(json!(false))
        && change.field.get(before).is_none()
}

/// The managers other than the CLI that hold fields to be removed.
fn foreign_managers(store: &Store, fields: &[&Field]) -> Vec<(Field, Vec<Manager>)> {
    fields
        .iter()
        .map(|field| {
            let others: Vec<Manager> = managers(store, field)
                .into_iter()
                .filter(|m| !m.is_cli())
                .collect();
            ((*field).clone(), others)
        })
        .filter(|(_, others)| !others.is_empty())
        .collect()
}

/// Refuses a change of fields other managers hold, naming them.
fn conflict_message(name: &str, held: &[(Field, Vec<Manager>)], verb: &str) -> String {
    let lines: Vec<String> = held
        .iter()
        .map(|(field, managers)| {
            let names: Vec<String> = managers
                .iter()
                .map(|m| format!("{:?} ({})", m.name, m.operation))
                .collect();
            format!("  {} is managed by {}", field.name(), names.join(", "))
        })
        .collect();
    format!(
        "store {name:?} was not changed: what you asked would have {verb} fields another field manager set (someone's kubectl apply or edit, or a pipeline):\n{}\nhint: change them where they are managed, or pass --force-conflicts to take them over (their next apply will then conflict with yours)",
        lines.join("\n")
    )
}

/// The apply configuration: the fields the CLI applied before at their
/// current values, then the changes.
pub fn apply_body(current: &Store, before: &Value, changes: &[Change]) -> Value {
    let mut body = json!({
        "apiVersion": "nexus.dev/v1alpha1",
        "kind": "Store",
        "metadata": {
            "name": current.metadata.name,
            "namespace": current.metadata.namespace,
        },
    });
    for field in applied_by_cli(current) {
        if let Some(value) = field.get(before) {
            field.set(&mut body, value.clone());
        }
    }
    for change in changes {
        match &change.value {
            Some(value) => change.field.set(&mut body, value.clone()),
            None => change.field.remove(&mut body),
        }
    }
    // An empty map would claim the map itself.
    for (parent, key) in [("metadata", "labels"), ("spec", "woocommerce")] {
        if body[parent].get(key).is_some_and(|v| v == &json!({})) {
            body[parent].as_object_mut().map(|m| m.remove(key));
        }
    }
    if body.get("spec").is_some_and(|v| v == &json!({})) {
        body.as_object_mut().map(|m| m.remove("spec"));
    }
    body
}

/// Applies `body`. A conflict only with the CLI's own earlier writes (the
/// store it created) is taken over; one with another manager is refused.
async fn apply(
    api: &Api<Store>,
    current: &Store,
    name: &str,
    body: &Value,
    dry_run: bool,
    force: bool,
) -> Result<Store> {
    let action = Action {
        verb: "patch",
        resource: "stores",
        namespace: api.namespace().unwrap_or_default(),
        name: Some(name),
    };
    let params = |force: bool| {
        let mut params = PatchParams::apply(FIELD_MANAGER);
        params.force = force;
        params.dry_run = dry_run;
        params
    };
    match api.patch(name, &params(force), &Patch::Apply(body)).await {
        Ok(store) => Ok(store),
        Err(kube::Error::Api(status)) if status.code == 409 => {
            let held = conflicts(&status);
            if held.iter().all(|(_, manager)| manager == FIELD_MANAGER) {
                return api
                    .patch(name, &params(true), &Patch::Apply(body))
                    .await
                    .map_err(|e| action.error(e));
            }
            // Named as the store's managedFields name them.
            let mut by_field: Vec<(Field, Vec<Manager>)> = Vec::new();
            for (field, manager) in held.into_iter().filter(|(_, m)| m != FIELD_MANAGER) {
                let known = managers(current, &field)
                    .into_iter()
                    .filter(|m| m.name == manager)
                    .collect::<Vec<_>>();
                let found = if known.is_empty() {
                    vec![Manager {
                        name: manager,
                        operation: "Apply".into(),
                    }]
                } else {
                    known
                };
                match by_field.iter_mut().find(|(f, _)| *f == field) {
                    Some((_, held_by)) => held_by.extend(found),
                    None => by_field.push((field, found)),
                }
            }
            Err(Error::Other(conflict_message(name, &by_field, "changed")))
        }
        Err(e) => Err(action.error(e)),
    }
}

/// The fields and managers of a server-side apply conflict, from the
/// causes the API server lists (`conflict with "kubectl" using v1`).
fn conflicts(status: &kube::core::Status) -> Vec<(Field, String)> {
    let causes = status.details.iter().flat_map(|d| d.causes.iter());
    causes
        .filter_map(|cause| {
            let manager = cause
                .message
                .split_once("conflict with \"")?
                .1
                .split_once('"')?
                .0
                .to_string();
            Some((field_named(&cause.field)?, manager))
        })
        .collect()
}

/// The field a conflict's path (`.spec.plan`, `.metadata.labels.tier`) names.
fn field_named(path: &str) -> Option<Field> {
    if let Some(key) = path.strip_prefix(".metadata.labels.") {
        return Some(Field::Label(key.to_string()));
    }
    Field::SPEC
        .into_iter()
        .find(|f| format!(".{}", f.path().join(".")) == path)
}

/// Removes fields by a JSON patch that first tests each holds the value
/// the user saw (so a value changed meanwhile is not removed unseen).
async fn remove(
    api: &Api<Store>,
    name: &str,
    before: &Value,
    fields: &[&Field],
    dry_run: bool,
) -> Result<Store> {
    let mut operations = Vec::new();
    for field in fields {
        let Some(value) = field.get(before) else {
            continue;
        };
        operations.push(json!({"op": "test", "path": field.pointer(), "value": value}));
        operations.push(json!({"op": "remove", "path": field.pointer()}));
    }
    let patch: json_patch::Patch = serde_json::from_value(Value::Array(operations))
        .map_err(|e| Error::Other(format!("cannot build the patch: {e}")))?;
    let params = PatchParams {
        field_manager: Some(FIELD_MANAGER.into()),
        dry_run,
        ..PatchParams::default()
    };
    api.patch(name, &params, &Patch::<()>::Json(patch))
        .await
        .map_err(|e| match e {
            kube::Error::Api(status) if status.code == 422 && status.message.contains("test") => {
                Error::Other(format!(
                    "store {name:?} was not changed: it changed while the update was made; run it again"
                ))
            }
            e => Action {
                verb: "patch",
                resource: "stores",
                namespace: api.namespace().unwrap_or_default(),
                name: Some(name),
            }
            .error(e),
        })
}

fn outcome(after: &Store, before: &Value, changes: &[Change], dry_run: bool) -> UpdateOutcome {
    let after_json = to_json(after).unwrap_or_default();
    let changes: Vec<FieldChange> = changes
        .iter()
        .map(|c| FieldChange {
            field: c.field.name(),
            from: c.field.get(before).cloned(),
            to: c.field.get(&after_json).cloned(),
        })
        .filter(|c| c.from != c.to)
        .collect();
    UpdateOutcome {
        dry_run,
        effects: effects(after, &changes),
        changes,
        store: StoreSummary::from(after),
    }
}

/// What the operator does about the changes, one line each.
fn effects(after: &Store, changes: &[FieldChange]) -> Vec<String> {
    let changed = |field: &Field| changes.iter().find(|c| c.field == field.name());
    let mut effects = Vec::new();
    if let Some(plan) = changed(&Field::Plan) {
        effects.push(format!(
            "resize the store's quota and limits to plan {}; WordPress and the database restart once with its sizes (their volumes keep their size)",
            plan.to.as_ref().and_then(Value::as_str).unwrap_or("small")
        ));
    }
    if let Some(domain) = changed(&Field::Domain) {
        let old = after
            .status
            .as_ref()
            .and_then(|s| s.url.as_deref())
            .map(|url| {
                url.trim_start_matches("https://")
                    .trim_start_matches("http://")
            })
            .map(|host| host.trim_end_matches('/').to_string())
            .unwrap_or_else(|| "its current host".into());
        let new = domain.to.as_ref().and_then(Value::as_str).map_or_else(
            || {
                format!(
                    "{} (the default host)",
                    after.metadata.name.as_deref().unwrap_or("NAME")
                )
            },
            str::to_string,
        );
        effects.push(format!(
            "move the store from {old} to {new}: its host claim and Ingress follow, and the setup rewrites the site's addresses"
        ));
    }
    let settings = [
        Field::Domain,
        Field::AdminEmail,
        Field::Currency,
        Field::SampleProducts,
    ];
    if settings.iter().any(|f| changed(f).is_some()) && !after.spec.suspend {
        effects.push(
            "run the store's setup again for the changed settings (the shop serves meanwhile)"
                .into(),
        );
    }
    if let Some(suspend) = changed(&Field::Suspend) {
        effects.push(if suspend.to == Some(json!(true)) {
            "scale WordPress and the database to zero, keeping every byte; the host stays the store's and answers 503 until it is resumed".into()
        } else {
            "start WordPress and the database again; the store is Ready once they serve".into()
        });
    }
    if let Some(check) = changed(&Field::Check) {
        effects.push(match check.to.as_ref().and_then(|to| to["interval"].as_str()) {
            Some(interval) => format!(
                "check the store as a shopper every {interval} (its Healthy condition; a Ready store that fails a check is Degraded)"
            ),
            None => "stop checking the store on its own (kubectl nexus store check still does)".into(),
        });
    }
    if !changes.is_empty() && effects.is_empty() {
        effects.push("labels only: nothing restarts".into());
    }
    effects
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command, StoreCommand};
    use clap::Parser;

    fn args(line: &str) -> UpdateArgs {
        let words = std::iter::once("kubectl-nexus").chain(line.split_whitespace());
        match Cli::parse_from(words).command {
            Command::Store(StoreCommand::Update(args)) => args,
            other => panic!("not an update: {other:?}"),
        }
    }

    #[test]
    fn an_update_is_checked_as_create_checks_before_anything_is_sent() {
        let changes = requested_changes(&args(
            "store update shop --plan medium --default-domain -l example.com/tier=gold -l campaign-",
        ))
        .unwrap();
        assert_eq!(
            changes,
            vec![
                Change {
                    field: Field::Plan,
                    value: Some(json!("medium"))
                },
                Change {
                    field: Field::Domain,
                    value: None
                },
                Change {
                    field: Field::Label("example.com/tier".into()),
                    value: Some(json!("gold"))
                },
                Change {
                    field: Field::Label("campaign".into()),
                    value: None
                },
            ]
        );
        for (line, says) in [
            ("store update shop", "nothing to change"),
            ("store update shop --domain Shop.Example", "domain"),
            ("store update shop --currency XYZ", "currency"),
            ("store update shop --admin-email nobody", "admin email"),
            ("store update shop -l nexus.dev/x=1", "reserved prefix"),
            ("store update shop -l bad^key-", "label"),
            ("store update shop -l a=1 -l a-", "label a is named twice"),
        ] {
            let error = requested_changes(&args(line)).unwrap_err().to_string();
            assert!(error.contains(says), "{line}: {error}");
        }
    }

    fn live(managed: Value, spec: Value) -> (Store, Value) {
        let store: Store = serde_json::from_value(json!({
            "apiVersion": "nexus.dev/v1alpha1", "kind": "Store",
            "metadata": {"name": "shop", "namespace": "team-a", "labels": {"team": "a", "tier": "gold"},
                "managedFields": managed},
            "spec": spec
        }))
        .unwrap();
        let json = serde_json::to_value(&store).unwrap();
        (store, json)
    }

    #[test]
    fn an_apply_names_what_the_cli_applied_before_and_the_changes_only() {
        let (store, before) = live(
            json!([
                {"manager": "kubectl-nexus", "operation": "Update", "apiVersion": "nexus.dev/v1alpha1",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {"f:team": {}}},
                    "f:spec": {"f:engine": {}, "f:plan": {}, "f:domain": {}}}},
                {"manager": "kubectl-nexus", "operation": "Apply", "apiVersion": "nexus.dev/v1alpha1",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {"f:tier": {}}},
                    "f:spec": {"f:adminEmail": {}}}}
            ]),
            json!({"engine": "woocommerce", "plan": "small", "domain": "shop.example.com", "adminEmail": "a@example.com"}),
        );
        let body = apply_body(
            &store,
            &before,
            &[
                Change {
                    field: Field::Plan,
                    value: Some(json!("medium")),
                },
                Change {
                    field: Field::Label("tier".into()),
                    value: None,
                },
            ],
        );
        assert_eq!(
            body,
            json!({"apiVersion": "nexus.dev/v1alpha1", "kind": "Store",
                "metadata": {"name": "shop", "namespace": "team-a"},
                "spec": {"plan": "medium", "adminEmail": "a@example.com"}})
        );
    }

    #[test]
    fn a_removal_of_a_field_another_manager_set_is_refused_naming_it() {
        let (store, _) = live(
            json!([
                {"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "nexus.dev/v1alpha1",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:domain": {}}}},
                {"manager": "kubectl-nexus", "operation": "Update", "apiVersion": "nexus.dev/v1alpha1",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {"f:team": {}}}}}
            ]),
            json!({"engine": "woocommerce", "domain": "shop.example.com"}),
        );
        let team = Field::Label("team".into());
        let foreign = foreign_managers(&store, &[&Field::Domain, &team]);
        assert_eq!(foreign.len(), 1, "the CLI's own create is not foreign");
        let message = conflict_message("shop", &foreign, "removed");
        assert!(
            message.contains("spec.domain is managed by \"kubectl-client-side-apply\" (Update)"),
            "{message}"
        );
        assert!(message.contains("--force-conflicts"), "{message}");
    }

    #[test]
    fn a_conflict_names_its_fields_and_managers() {
        let status: kube::core::Status = serde_json::from_value(json!({
            "status": "Failure", "code": 409, "reason": "Conflict",
            "message": "Apply failed with 2 conflicts",
            "details": {"causes": [
                {"reason": "FieldManagerConflict", "message": "conflict with \"kubectl-client-side-apply\" using nexus.dev/v1alpha1", "field": ".spec.plan"},
                {"reason": "FieldManagerConflict", "message": "conflict with \"kubectl-nexus\" using nexus.dev/v1alpha1", "field": ".metadata.labels.tier"}
            ]}
        }))
        .unwrap();
        assert_eq!(
            conflicts(&status),
            vec![
                (Field::Plan, "kubectl-client-side-apply".to_string()),
                (Field::Label("tier".into()), "kubectl-nexus".to_string())
            ]
        );
    }
}
