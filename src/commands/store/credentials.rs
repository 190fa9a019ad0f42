use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use serde::Serialize;

use crate::api::CREDENTIALS_ANNOTATION;
use crate::commands::Session;
use crate::error::{Action, Error, Result};

/// A store's WordPress admin credentials. Only ever produced on the user's
/// explicit request; Debug hides the password so logs never carry it.
#[derive(Serialize, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    pub store: String,
    pub namespace: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_url: Option<String>,
    pub username: String,
    pub password: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Where the password was also saved, when --save-to-keyring was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved_to_keyring: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("store", &self.store)
            .field("namespace", &self.namespace)
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .finish()
    }
}

/// The keyring service name the CLI saves passwords under.
pub const KEYRING_SERVICE: &str = "nexus";

pub async fn credentials(
    session: &Session,
    name: &str,
    save_to_keyring: bool,
) -> Result<Credentials> {
    let details = super::get::get(session, name).await?;
    let Some(secret_ref) = details.admin_secret_ref else {
        return Err(Error::Other(format!(
            "store {name:?} has no admin credentials yet (phase {})\nhint: they appear once the operator has provisioned the store; kubectl nexus store get {name}",
            details.summary.phase
        )));
    };
    record_request(session, name).await?;
    let secrets: Api<Secret> = Api::namespaced(session.client.clone(), &secret_ref.namespace);
    let action = Action {
        verb: "get",
        resource: "secrets",
        namespace: &secret_ref.namespace,
        name: Some(&secret_ref.name),
    };
    let secret = secrets
        .get(&secret_ref.name)
        .await
        .map_err(|e| action.error(e))?;
    let field = |key: &str| -> Option<String> {
        secret
            .data
            .as_ref()?
            .get(key)
            .and_then(|v| String::from_utf8(v.0.clone()).ok())
    };
    let (Some(username), Some(password)) = (field("username"), field("password")) else {
        return Err(Error::Other(format!(
            "the credentials Secret {}/{} lacks a username or password",
            secret_ref.namespace, secret_ref.name
        )));
    };
    let url = details.summary.url.clone();
    let mut credentials = Credentials {
        store: name.to_string(),
        namespace: session.namespace.clone(),
        login_url: url
            .as_ref()
            .map(|u| format!("{}/wp-admin/", u.trim_end_matches('/'))),
        url,
        username,
        password,
        email: field("email"),
        saved_to_keyring: None,
    };
    if save_to_keyring {
        let account = format!("{}/{}", session.namespace, name);
        save_password(&account, &credentials.password)?;
        credentials.saved_to_keyring =
            Some(format!("service {KEYRING_SERVICE:?}, user {account:?}"));
    }
    Ok(credentials)
}

/// Marks the Store with when its credentials were asked for, before the
/// Secret is read: a write admission sees and records (action
/// `credentials`), so who read a store's password is in its audit trail.
/// No record, no password: a caller who may not patch the Store is told so.
async fn record_request(session: &Session, name: &str) -> Result<()> {
    let now = k8s_openapi::jiff::Timestamp::now().to_string();
    let patch =
        serde_json::json!({ "metadata": { "annotations": { CREDENTIALS_ANNOTATION: now } } });
    let params = kube::api::PatchParams {
        field_manager: Some(super::fields::FIELD_MANAGER.into()),
        ..Default::default()
    };
    let action = Action {
        verb: "patch",
        resource: "stores",
        namespace: &session.namespace,
        name: Some(name),
    };
    match super::stores(session)
        .patch(name, &params, &kube::api::Patch::Merge(&patch))
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => Err(match action.error(e) {
            Error::Forbidden { who, namespace, .. } => Error::Other(format!(
                "{who} may not patch store {name:?} in namespace {namespace:?}, and reading its credentials is recorded on the Store (its audit trail says who read them)\nhint: ask a platform admin for the nexus-tenant role in that namespace"
            )),
            other => other,
        }),
    }
}

fn save_password(account: &str, password: &str) -> Result<()> {
    let unavailable = |e: keyring::Error| {
        Error::Other(format!(
            "cannot save to the OS keyring: {e}\nhint: no keyring backend is available here (on Linux a Secret Service such as GNOME Keyring must run in your session); the credentials were not saved"
        ))
    };
    let entry = keyring::Entry::new(KEYRING_SERVICE, account).map_err(unavailable)?;
    entry.set_password(password).map_err(unavailable)
}
