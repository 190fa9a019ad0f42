//! `kubectl nexus store ...`: each function returns a model for `output`.

mod backups;
mod check;
mod create;
mod credentials;
mod delete;
mod fields;
mod get;
mod list;
mod logs;
mod models;
mod report;
mod restore;
mod retry;
mod update;
mod wait;

pub use backups::{BackupList, BackupView, list_backups, take_backup, verify_backup};
pub use check::{CheckOutcome, check};
pub use create::{CreateOutcome, create, desired_store};
pub use credentials::{Credentials, credentials};
pub use delete::{DeleteOutcome, delete};
pub use get::get;
pub use list::list;
pub use logs::logs;
pub use models::{ConditionView, EventView, StepView, StoreDetails, StoreList, StoreSummary};
pub use report::{ReportOutcome, ReportRequest, report};
pub use restore::{RestoreView, restore};
pub use retry::{RetriedStores, retry, retry_all_failed};
pub use update::{
    FieldChange, UpdateOutcome, WriteOptions, requested_changes, set_suspended, update,
};
pub use wait::{Progress, position};

use kube::Api;

use crate::api::Store;
use crate::commands::Session;
use crate::error::{Action, Result};

fn stores(session: &Session) -> Api<Store> {
    Api::namespaced(session.client.clone(), &session.namespace)
}

/// One Store of the session's namespace; a refusal or absence in the
/// words every command uses for a Store it cannot get.
pub(crate) async fn fetch(session: &Session, name: &str) -> Result<Store> {
    let action = Action {
        verb: "get",
        resource: "stores",
        namespace: &session.namespace,
        name: Some(name),
    };
    stores(session).get(name).await.map_err(|e| action.error(e))
}
