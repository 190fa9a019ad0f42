//! The admission webhook for Stores, served over TLS by every replica (not
//! only the leader), so admission keeps working through a leader change.
//! `start` wires it: certificates from `certs`, served by `serve` (only the
//! API server may call it: `caller`), each review answered by `review`
//! (a user's rate: `rate`; names and domains claimed: `claims`; limits'
//! ledgers: `limits`; refusals recorded within bounds: `refusals`; quota
//! reviews: `quota`), and the configurations (mutating and validating,
//! `failurePolicy: Fail` for stores only) written with the CA and the caller
//! token in them (`register`). Decisions live in `crate::admission`.

mod caller;
pub mod certs;
mod claims;
mod limits;
mod quota;
mod rate;
mod refusals;
mod register;
mod review;
mod serve;
pub mod sink;

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use kube::api::PostParams;
use kube::runtime::watcher;
use kube::{Api, Client};
use tokio::net::TcpListener;
use tracing::info;

use super::audit::AuditLog;
use super::error::{Error, Result};
use crate::api::Store;
use crate::api::policy::StorePolicy;
pub use caller::ClientAuth;
pub use register::{Caller, ClientConfig, VALIDATING_WEBHOOK};

/// The mutating and validating configurations the operator applies (the
/// chart renders the same; a test compares them).
pub fn configurations(
    config: &Config,
    caller: &Caller,
) -> Result<(
    k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration,
    k8s_openapi::api::admissionregistration::v1::ValidatingWebhookConfiguration,
)> {
    Ok((
        register::mutating(config, caller)?,
        register::validating(config, caller),
    ))
}

/// Writes `fresh` when nothing exists yet, else merges `changes` only if the
/// object is still the one read (its resourceVersion): a compare-and-swap.
/// A 409 means someone wrote first: read again and decide again.
async fn compare_and_swap<K>(
    api: &Api<K>,
    existing: Option<&K>,
    fresh: &K,
    mut changes: serde_json::Value,
) -> std::result::Result<(), kube::Error>
where
    K: kube::Resource + Clone + serde::Serialize + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let Some(current) = existing else {
        return api.create(&PostParams::default(), fresh).await.map(|_| ());
    };
    let name = current.meta().name.clone().unwrap_or_default();
    changes["metadata"]["resourceVersion"] = current.meta().resource_version.clone().into();
    api.patch(
        &name,
        &kube::api::PatchParams::default(),
        &kube::api::Patch::Merge(&changes),
    )
    .await
    .map(|_| ())
}

/// How often the certificates are checked for renewal (or, when another
/// issuer fills the Secret, re-read).
const RENEWAL_CHECK: Duration = Duration::from_secs(600);

/// Where and how the webhook is served (from the operator's flags: cli::operator).
#[derive(Debug, Clone)]
pub struct Config {
    pub address: String,
    pub client: ClientConfig,
    pub configuration: String,
    pub secret_namespace: String,
    pub secret: String,
    pub object_selector: Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector>,
    pub base_domain: String,
    /// The StorePolicy the webhook enforces.
    pub policy: String,
    /// The bearer token the API server's audit backend sends to /audit.
    pub audit_sink_token: Option<String>,
    /// The configurations exist (the chart made them): write only the CA.
    pub installed: bool,
    /// The label keys of the operator's `--store-selector`: tenants may not
    /// change them on a store (they choose its operator and webhook).
    pub selector_keys: Vec<String>,
    /// The Secret (lease namespace) holding the token in the webhook's paths.
    pub token_secret: String,
    /// The API server's client certificates, when the platform configured one.
    pub client_auth: Option<ClientAuth>,
    /// Store requests a user may make a second (per replica), and in a burst.
    pub user_request_rate: f64,
    pub user_request_burst: u32,
    /// Refusals of a user in a namespace beyond the first few per window are
    /// counted into one record.
    pub refusal_window: Duration,
    /// The plans stores are sized by: a plan change the store's volumes
    /// would not fit is refused.
    pub plans: crate::settings::Plans,
}

/// Makes or loads the certificates, starts serving, and registers the webhook.
/// Returns once admission is served; serving and renewal go on in the background.
pub async fn start(client: Client, config: Config, audit: Arc<AuditLog>) -> Result<()> {
    let operator = audit.operator.username.clone();
    let stores = review::cache(
        Api::<Store>::all(client.clone()),
        watcher::Config::default(),
        crate::api::slim_store,
        "Store",
    )
    .await?;
    let only_policy =
        watcher::Config::default().fields(&format!("metadata.name={}", config.policy));
    let policies = review::cache(
        Api::<StorePolicy>::all(client.clone()),
        only_policy,
        |_: &mut StorePolicy| {},
        "StorePolicy",
    )
    .await?;
    let hosts = config.client.hosts();
    let material = certs::ensure(&client, &config.secret_namespace, &config.secret, &hosts).await?;
    let token =
        caller::ensure_token(&client, &config.secret_namespace, &config.token_secret).await?;
    let client_auth = config.client_auth.clone();
    let tls = Arc::new(RwLock::new(Arc::new(serve::server_config(
        &material,
        client_auth.as_ref(),
    )?)));
    let address: SocketAddr = config
        .address
        .parse()
        .map_err(|source| Error::WebhookAddress {
            address: config.address.clone(),
            source,
        })?;
    let listener = TcpListener::bind(address)
        .await
        .map_err(|source| Error::Listen {
            what: "the webhook",
            address: address.to_string(),
            source,
        })?;
    info!(
        address = %address,
        operator = %operator,
        client_certificates = client_auth.is_some(),
        "serving admission for stores"
    );
    let state = Arc::new(review::AdmissionState {
        client: client.clone(),
        namespace: config.secret_namespace.clone(),
        policy_name: config.policy.clone(),
        operator,
        base_domain: config.base_domain.clone(),
        stores,
        policies,
        audit,
        selector_keys: config.selector_keys.clone(),
        plans: config.plans.clone(),
        rate: rate::UserRate::new(config.user_request_rate, config.user_request_burst),
        refusals: refusals::Refusals::new(config.refusal_window),
    });
    tokio::spawn(review::write_coalesced_refusals(state.clone()));
    let mut routes = serve::router(state, token.as_str().into());
    if let Some(sink_token) = &config.audit_sink_token {
        info!("serving /audit for the API server's audit backend");
        routes = routes.merge(sink::router(client.clone(), sink_token.clone()));
    }
    tokio::spawn(serve::serve(listener, tls.clone(), client_auth, routes));
    let caller = Caller {
        ca_pem: &material.ca_pem,
        token: &token,
    };
    register::write_configurations(&client, &config, &caller).await?;
    tokio::spawn(serve::renew(client, config, hosts, token, material, tls));
    Ok(())
}

/// The operator's own username, as the API server sees it: the one identity
/// allowed to remove the cleanup finalizer.
pub async fn whoami(client: &Client) -> Result<String> {
    let review = Api::<SelfSubjectReview>::all(client.clone())
        .create(&PostParams::default(), &SelfSubjectReview::default())
        .await
        .map_err(Error::api("create a SelfSubjectReview (who am I)"))?;
    review
        .status
        .and_then(|s| s.user_info)
        .and_then(|u| u.username)
        .ok_or(Error::Anonymous)
}
