use kube::api::{ObjectMeta, PostParams};

use super::wait::{self, Progress};
use super::{StoreSummary, stores};
use crate::api::store::{BackupKeep, BackupPolicy};
use crate::api::{
    CheckPolicy, Engine, Store, StoreSource, StoreSpec, WooCommerceOptions, validation,
};
use crate::cli::CreateArgs;
use crate::commands::Session;
use crate::error::{Action, Error, Result};

pub enum CreateOutcome {
    /// `--dry-run`: the object that would have been created.
    DryRun(Box<Store>),
    /// Created, and with `--wait`, Ready.
    Created(StoreSummary),
}

/// The Store the arguments describe, after the same checks the API server
/// makes, so bad input is refused before anything is sent.
pub fn desired_store(args: &CreateArgs, namespace: &str) -> Result<Store> {
    validation::store_name(&args.name)?;
    if let Some(domain) = &args.domain {
        validation::domain(domain)?;
    }
    if let Some(email) = &args.admin_email {
        validation::admin_email(email)?;
    }
    if let Some(currency) = &args.currency {
        validation::currency(currency)?;
    }
    if let Some(backup) = &args.from_backup {
        validation::object_reference("--from-backup", backup)?;
    }
    let source = args
        .from_backup
        .clone()
        .map(|backup| StoreSource { backup });
    let backup = match &args.backup_schedule {
        Some(schedule) => {
            let keep =
                (args.keep_backups.is_some() || args.keep_backups_for.is_some()).then(|| {
                    BackupKeep {
                        count: args.keep_backups,
                        age: args.keep_backups_for.clone(),
                    }
                });
            let policy = BackupPolicy {
                schedule: schedule.clone(),
                keep,
            };
            policy.check()?;
            Some(policy)
        }
        None => None,
    };
    let check = match &args.check_interval {
        Some(interval) => {
            let policy = CheckPolicy {
                interval: interval.clone(),
            };
            policy.interval()?;
            Some(policy)
        }
        None => None,
    };
    let mut labels = std::collections::BTreeMap::new();
    for label in &args.labels {
        let (key, value) = validation::label(label)?;
        labels.insert(key.to_string(), value.to_string());
    }
    let woocommerce =
        (args.currency.is_some() || args.no_sample_products).then(|| WooCommerceOptions {
            currency: args.currency.clone(),
            sample_products: args.no_sample_products.then_some(false),
        });
    let mut store = Store::new(
        &args.name,
        StoreSpec {
            engine: Engine::Woocommerce,
            plan: args.plan.into(),
            domain: args.domain.clone(),
            admin_email: args.admin_email.clone(),
            woocommerce,
            suspend: false,
            backup,
            check,
            source,
        },
    );
    store.metadata = ObjectMeta {
        name: Some(args.name.clone()),
        namespace: Some(namespace.to_string()),
        labels: (!labels.is_empty()).then_some(labels),
        ..ObjectMeta::default()
    };
    Ok(store)
}

pub async fn create(
    session: &Session,
    args: &CreateArgs,
    progress: &mut dyn Progress,
) -> Result<CreateOutcome> {
    let store = desired_store(args, &session.namespace)?;
    if let Some(backup) = &args.from_backup {
        cloneable(session, backup).await?;
    }
    let action = Action {
        verb: "create",
        resource: "stores",
        namespace: &session.namespace,
        name: Some(&args.name),
    };
    let api = stores(session);
    let (created, warnings) = create_telling_warnings(session, &api, &store)
        .await
        .map_err(|e| action.error(e))?;
    for warning in &warnings {
        progress.warn(warning);
    }
    if !args.wait.wait {
        return Ok(CreateOutcome::Created(StoreSummary::from(&created)));
    }
    let settled = wait::until_settled(&api, &args.name, args.wait.timeout, progress).await?;
    Ok(CreateOutcome::Created(StoreSummary::from(&settled)))
}

/// Refuses at once, before anything is made, a backup a clone cannot be made
/// from: none of that name here, one that is not Completed, or one too old
/// to say which store it is of.
async fn cloneable(session: &Session, backup: &str) -> Result<()> {
    let found = super::backups::completed_backup(session, backup, "cloned", None).await?;
    let status = found.status.unwrap_or_default();
    if status.store_uid.is_none() {
        return Err(Error::Usage(format!(
            "backup {backup:?} was taken by a Nexus that did not record its store's UID, so no new store can open it\nhint: restore it into its own store (kubectl nexus store restore {} --from {backup}), back that store up, and clone the new backup",
            found.spec.store
        )));
    }
    Ok(())
}

/// Creates the Store and returns the API server's warnings with it (admission
/// tells the owner's usage there), which kube's typed API does not surface.
async fn create_telling_warnings(
    session: &Session,
    api: &kube::Api<Store>,
    store: &Store,
) -> std::result::Result<(Store, Vec<String>), kube::Error> {
    let body = serde_json::to_vec(store).map_err(kube::Error::SerdeError)?;
    let request = kube::core::Request::new(api.resource_url())
        .create(
            &PostParams {
                field_manager: Some(super::fields::FIELD_MANAGER.into()),
                ..PostParams::default()
            },
            body,
        )
        .map_err(kube::Error::BuildRequest)?;
    let response = session
        .client
        .send(request.map(kube::client::Body::from))
        .await?;
    let status = response.status();
    let warnings = response
        .headers()
        .get_all("warning")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(warning_text)
        .collect();
    let bytes = response.into_body().collect_bytes().await?;
    if !status.is_success() {
        let status_object: kube::core::Status =
            serde_json::from_slice(&bytes).map_err(kube::Error::SerdeError)?;
        return Err(kube::Error::Api(Box::new(status_object)));
    }
    let created = serde_json::from_slice(&bytes).map_err(kube::Error::SerdeError)?;
    Ok((created, warnings))
}

/// The text of a `Warning: 299 - "text"` header.
fn warning_text(header: &str) -> String {
    header
        .split_once(" - ")
        .map(|(_, text)| text.trim().trim_matches('"').replace("\\\"", "\""))
        .unwrap_or_else(|| header.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_warning_header_reads_as_its_text() {
        assert_eq!(
            super::warning_text("299 - \"alice holds 1 of 5 stores\""),
            "alice holds 1 of 5 stores"
        );
        assert_eq!(super::warning_text("odd"), "odd");
    }
}
