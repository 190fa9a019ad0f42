//! The admission webhook for Stores, served over TLS by every replica (not
//! only the leader), so admission keeps working through a leader change. Its
//! certificates come from `certs`; its configurations (mutating and
//! validating, `failurePolicy: Fail` for stores only) are applied at start
//! with the CA and the caller token in them (`register`). Only the API server
//! may call it (`caller`); a user's requests are held to a rate (`rate`) and
//! their refusals recorded within bounds (`refusals`). Decisions live in
//! `crate::admission`.

mod caller;
pub mod certs;
mod claims;
mod limits;
mod quota;
mod rate;
mod refusals;
mod register;
pub mod sink;

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use futures::StreamExt;
use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use kube::api::PostParams;
use kube::core::DynamicObject;
use kube::core::admission::{AdmissionRequest, AdmissionResponse, AdmissionReview, Operation};
use kube::runtime::{WatchStreamExt, reflector, watcher};
use kube::{Api, Client};
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tracing::{info, warn};

use super::audit::AuditLog;
use super::error::{Error, Result};
use crate::admission;
use crate::api::Store;
use crate::api::policy::StorePolicy;
use crate::audit;
pub use caller::ClientAuth;
use caller::common_name;
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
}

/// Makes or loads the certificates, starts serving, and registers the webhook.
/// Returns once admission is served; serving and renewal go on in the background.
pub async fn start(client: Client, config: Config, audit: Arc<AuditLog>) -> Result<()> {
    let operator = audit.operator.username.clone();
    let stores = cache(
        Api::<Store>::all(client.clone()),
        watcher::Config::default(),
        crate::api::slim_store,
        "Store",
    )
    .await?;
    let only_policy =
        watcher::Config::default().fields(&format!("metadata.name={}", config.policy));
    let policies = cache(
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
    let tls = Arc::new(RwLock::new(Arc::new(server_config(
        &material,
        client_auth.as_ref(),
    )?)));
    let address: SocketAddr = config
        .address
        .parse()
        .map_err(|e| Error::Webhook(format!("--webhook-address {}: {e}", config.address)))?;
    let listener = TcpListener::bind(address)
        .await
        .map_err(|e| Error::Webhook(format!("cannot listen on {address} for the webhook: {e}")))?;
    info!(
        address = %address,
        operator = %operator,
        client_certificates = client_auth.is_some(),
        "serving admission for stores"
    );
    let state = Arc::new(AdmissionState {
        client: client.clone(),
        namespace: config.secret_namespace.clone(),
        policy_name: config.policy.clone(),
        operator,
        base_domain: config.base_domain.clone(),
        stores,
        policies,
        audit,
        selector_keys: config.selector_keys.clone(),
        rate: rate::UserRate::new(config.user_request_rate, config.user_request_burst),
        refusals: refusals::Refusals::new(config.refusal_window),
    });
    tokio::spawn(write_coalesced_refusals(state.clone()));
    let mut routes = router(state, token.as_str().into());
    if let Some(sink_token) = &config.audit_sink_token {
        info!("serving /audit for the API server's audit backend");
        routes = routes.merge(sink::router(client.clone(), sink_token.clone()));
    }
    tokio::spawn(serve(listener, tls.clone(), client_auth, routes));
    let caller = Caller {
        ca_pem: &material.ca_pem,
        token: &token,
    };
    register::write_configurations(&client, &config, &caller).await?;
    tokio::spawn(renew(client, config, hosts, token, material, tls));
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
        .ok_or_else(|| Error::Webhook("the API server did not say who the operator is".into()))
}

fn server_config(
    material: &certs::Material,
    client_auth: Option<&ClientAuth>,
) -> Result<ServerConfig> {
    let bad = |what: &str| {
        let what = what.to_string();
        move |e: rustls::pki_types::pem::Error| Error::Webhook(format!("{what}: {e}"))
    };
    let chain = CertificateDer::pem_slice_iter(material.cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad("the serving certificate"))?;
    let key = PrivateKeyDer::from_pem_slice(material.key_pem.as_bytes())
        .map_err(bad("the serving key"))?;
    let builder =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Webhook(e.to_string()))?;
    let builder = match client_auth {
        Some(auth) => builder.with_client_cert_verifier(
            auth.verifier()
                .map_err(|e| Error::Webhook(format!("--webhook-client-ca: {e}")))?,
        ),
        None => builder.with_no_client_auth(),
    };
    builder
        .with_single_cert(chain, key)
        .map_err(|e| Error::Webhook(e.to_string()))
}

/// What the handlers share: who the operator is, the base domain, and a
/// watch cache of every Store in the cluster (names and hosts are unique
/// cluster-wide, whatever the operator's `--store-selector`).
struct AdmissionState {
    client: Client,
    /// Where the ledgers of the limits live (the operator's namespace).
    namespace: String,
    policy_name: String,
    operator: String,
    base_domain: String,
    stores: reflector::Store<Store>,
    policies: reflector::Store<StorePolicy>,
    audit: Arc<AuditLog>,
    selector_keys: Vec<String>,
    rate: rate::UserRate,
    refusals: refusals::Refusals,
}

/// A watch cache of `api` (filtered by `config`, each object slimmed by
/// `slim`); returns once it has synced.
async fn cache<K>(
    api: Api<K>,
    config: watcher::Config,
    slim: impl FnMut(&mut K) + Send + 'static,
    what: &str,
) -> Result<reflector::Store<K>>
where
    K: kube::Resource<DynamicType = ()>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug
        + Send
        + Sync
        + 'static,
{
    let (reader, writer) = reflector::store();
    let stream = reflector(writer, watcher::watcher(api, config).modify(slim))
        .default_backoff()
        .for_each(|_| futures::future::ready(()));
    tokio::spawn(stream);
    tokio::time::timeout(Duration::from_secs(60), reader.wait_until_ready())
        .await
        .map_err(|_| {
            Error::Webhook(format!(
                "the {what} cache for admission did not sync within 60s (is its CRD installed?)"
            ))
        })?
        .map_err(|e| Error::Webhook(format!("the {what} cache for admission: {e}")))?;
    Ok(reader)
}

/// The admission routes, each below the caller token: a request without the
/// token is answered 404 before its body is read.
fn router(state: Arc<AdmissionState>, token: Arc<str>) -> Router {
    Router::new()
        .route("/{caller}/mutate", post(mutate))
        .route("/{caller}/validate", post(validate))
        .route("/{caller}/quota", post(quota::answer))
        .route_layer(axum::middleware::from_fn_with_state(token, only_the_caller))
        .with_state(state)
}

async fn only_the_caller(
    State(token): State<Arc<str>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if caller::strip_token(request.uri().path(), &token).is_some() {
        return next.run(request).await;
    }
    warn!(
        path_length = request.uri().path().len(),
        "refused an admission request without the webhook's path token (not from the API server)"
    );
    axum::http::StatusCode::NOT_FOUND.into_response()
}

type Review = AdmissionReview<DynamicObject>;

/// The request in a review, or why it is malformed.
fn request_of(review: Review) -> std::result::Result<AdmissionRequest<DynamicObject>, String> {
    review
        .try_into()
        .map_err(|e: kube::core::admission::ConvertAdmissionReviewError| e.to_string())
}

fn malformed(reason: String) -> Json<Review> {
    Json(AdmissionResponse::invalid(reason).into_review())
}

async fn mutate(Json(review): Json<Review>) -> Json<Review> {
    match request_of(review) {
        Ok(request) => Json(admission::mutate(&request).into_review()),
        Err(reason) => malformed(reason),
    }
}

async fn validate(
    State(state): State<Arc<AdmissionState>>,
    Json(review): Json<Review>,
) -> Json<Review> {
    let request = match request_of(review) {
        Ok(request) => request,
        Err(reason) => return malformed(reason),
    };
    if let Some(refusal) = over_rate(&state, &request) {
        let response = AdmissionResponse::from(&request).deny(refusal);
        return Json(record(&state, &request, response).await.into_review());
    }
    let facts = admission::Facts {
        operator: state.operator.clone(),
        base_domain: state.base_domain.clone(),
        stores: state.stores.state(),
        policy: state
            .policies
            .state()
            .first()
            .map(|p| p.spec.clone())
            .unwrap_or_default(),
        selector_keys: state.selector_keys.clone(),
    };
    let mut response = admission::validate(&request, &facts);
    if response.allowed {
        response = claim(&state, &request, &facts, response).await;
    }
    if response.allowed {
        // Limits last: only a write that is otherwise allowed takes a place.
        let policy = (state.policy_name.as_str(), &facts.policy);
        match limits::admit(
            &state.client,
            &state.namespace,
            &request,
            policy,
            &facts.stores,
        )
        .await
        {
            Ok(Ok(warnings)) if !warnings.is_empty() => response.warnings = Some(warnings),
            Ok(Ok(_)) => {}
            Ok(Err(refusal)) => response = response.deny(refusal),
            Err(e) => {
                warn!(error = %e, "cannot check store limits");
                response = response.deny(format!(
                    "cannot check the store limits now ({e}); try again"
                ));
            }
        }
    }
    Json(record(&state, &request, response).await.into_review())
}

/// The refusal of a request over its user's rate. The operator, cluster
/// admins and the cluster's own components are not held to it (the
/// namespace controller deletes every store of a namespace being deleted).
fn over_rate(state: &AdmissionState, request: &AdmissionRequest<DynamicObject>) -> Option<String> {
    let user = request.user_info.username.as_deref().unwrap_or_default();
    let exempt_group =
        |g: &String| g == admission::CLUSTER_ADMINS || g == "system:serviceaccounts:kube-system";
    let admin = request.user_info.groups.iter().flatten().any(exempt_group);
    let component = user.starts_with("system:") && !user.starts_with("system:serviceaccount:");
    if user == state.operator || admin || component {
        return None;
    }
    let wait = state.rate.take(user, std::time::Instant::now()).err()?;
    Some(state.rate.refusal(user, wait))
}

/// Writes the records of counted refusals as their windows end; one that
/// cannot be written now is tried again at the next turn.
async fn write_coalesced_refusals(state: Arc<AdmissionState>) {
    let every = state.refusals.flush_interval();
    loop {
        tokio::time::sleep(every).await;
        let due = state.refusals.due(std::time::Instant::now());
        let mut failed = Vec::new();
        for summary in due {
            let extra = super::audit::Extra {
                checkpoint: None,
                coalesced: Some(summary.coalesced.clone()),
            };
            match state
                .audit
                .append(&summary.namespace, &summary.entry, extra)
                .await
            {
                Ok(record) => info!(
                    namespace = %summary.namespace,
                    user = %summary.entry.actor.username,
                    count = summary.coalesced.count,
                    record = %record,
                    "recorded refusals counted into one record"
                ),
                // Its namespace is going or gone, and its trail with it.
                Err(e) if e.is_namespace_terminating() || e.is_not_found() => {}
                Err(e) => {
                    warn!(error = %e, namespace = %summary.namespace, "cannot write the record of counted refusals; trying again");
                    failed.push(summary);
                }
            }
        }
        state.refusals.retry(failed);
    }
}

/// Claims the store's name (on create) and its custom domain (when set) for
/// it alone: the cache's answer in `admission::validate` made atomic. A dry
/// run decides from the cache only; the operator's own writes claim nothing.
async fn claim(
    state: &AdmissionState,
    request: &AdmissionRequest<DynamicObject>,
    facts: &admission::Facts,
    response: AdmissionResponse,
) -> AdmissionResponse {
    let writes = matches!(request.operation, Operation::Create | Operation::Update);
    let by_operator = request.user_info.username.as_deref() == Some(state.operator.as_str());
    if request.dry_run || !writes || by_operator {
        return response;
    }
    let parse = |o: Option<&DynamicObject>| o.and_then(|o| o.clone().try_parse::<Store>().ok());
    let Some(store) = parse(request.object.as_ref()) else {
        return response;
    };
    let old = parse(request.old_object.as_ref());
    let claimed = claims::claim(
        &state.client,
        &state.namespace,
        (&store, old.as_ref()),
        &facts.stores,
        &facts.base_domain,
    )
    .await;
    match claimed {
        Ok(Ok(())) => response,
        Ok(Err(refusal)) => response.deny(refusal),
        Err(e) => {
            warn!(error = %e, "cannot claim a store's name or domain");
            response.deny(format!(
                "cannot claim the store's name or domain now ({e}); try again"
            ))
        }
    }
}

/// Every decision on a store but a dry run becomes an audit record in the
/// store's namespace, linked to the API server's audit event through an
/// audit annotation. A create, update or delete that cannot be recorded is
/// refused (it would leave no trace), except a delete in a namespace being
/// deleted: its records go with it, and its deletion must not wait.
async fn record(
    state: &AdmissionState,
    request: &AdmissionRequest<DynamicObject>,
    mut response: AdmissionResponse,
) -> AdmissionResponse {
    if request.dry_run {
        return response;
    }
    let refusal = (!response.allowed).then(|| response.result.message.clone());
    let Some(entry) = audit::event::from_admission(request, refusal.as_deref()) else {
        return response;
    };
    let namespace = request.namespace.clone().unwrap_or_default();
    let now = std::time::Instant::now();
    if refusal.is_some() && state.refusals.note(&namespace, &entry, now) == refusals::Verdict::Count
    {
        return response;
    }
    match state
        .audit
        .append(&namespace, &entry, Default::default())
        .await
    {
        Ok(name) => {
            response.audit_annotations.insert(
                AUDIT_RECORD_ANNOTATION.into(),
                format!("{namespace}/{name}"),
            );
        }
        Err(e) if e.is_namespace_terminating() && request.operation == Operation::Delete => {
            info!(store = %request.name, namespace = %namespace, "a store deleted with its namespace is not recorded: the namespace's trail goes with it");
        }
        Err(e) if response.allowed => {
            warn!(error = %e, "cannot write an audit record; refusing the request");
            response = response.deny(format!(
                "cannot write the audit record of this request ({e}); try again"
            ));
        }
        Err(e) => {
            warn!(error = %e, store = %request.name, "cannot write the audit record of a refused request")
        }
    }
    response
}

/// The audit annotation naming a request's record (`<namespace>/<record>`);
/// the API server prefixes it with the webhook's name.
pub const AUDIT_RECORD_ANNOTATION: &str = "record";

/// Accepts TLS connections with the current certificate and serves HTTP/1.1.
async fn serve(
    listener: TcpListener,
    tls: Arc<RwLock<Arc<ServerConfig>>>,
    client_auth: Option<ClientAuth>,
    router: Router,
) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                warn!(error = %e, "webhook accept failed");
                continue;
            }
        };
        let config = match tls.read() {
            Ok(config) => config.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        let router = router.clone();
        let client_auth = client_auth.clone();
        tokio::spawn(async move {
            let handshake = tokio::time::timeout(
                Duration::from_secs(10),
                TlsAcceptor::from(config).accept(stream),
            );
            let stream = match handshake.await {
                Ok(Ok(stream)) => stream,
                Ok(Err(e)) if client_auth.is_some() => {
                    warn!(%peer, error = %e, "refused a webhook connection (no valid client certificate)");
                    return;
                }
                _ => return,
            };
            // The chain was verified in the handshake; the name is ours to check.
            if let Some(auth) = &client_auth {
                let first = stream
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|c| c.first());
                if !first.is_some_and(|cert| auth.names_caller(cert)) {
                    let name = first.and_then(|cert| common_name(cert));
                    warn!(%peer, common_name = ?name, "refused a webhook connection: its client certificate names no accepted caller");
                    return;
                }
            }
            let service = hyper_util::service::TowerToHyperService::new(router);
            let io = hyper_util::rt::TokioIo::new(stream);
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await
            {
                warn!(error = %e, "webhook connection failed");
            }
        });
    }
}

/// Renews the serving certificate when due and serves the new one; writes
/// the registration again at every check, so a CA that changed (its Secret
/// was deleted) or a path an installer reset (a Helm upgrade from a chart
/// that rendered paths) is mended within one check. Unchanged, it writes nothing.
async fn renew(
    client: Client,
    config: Config,
    hosts: Vec<String>,
    token: String,
    mut current: certs::Material,
    tls: Arc<RwLock<Arc<ServerConfig>>>,
) {
    loop {
        tokio::time::sleep(RENEWAL_CHECK).await;
        let material =
            match certs::ensure(&client, &config.secret_namespace, &config.secret, &hosts).await {
                Ok(material) => material,
                Err(e) => {
                    warn!(error = %e, "cannot renew the webhook certificate");
                    continue;
                }
            };
        if material != current {
            match server_config(&material, config.client_auth.as_ref()) {
                Ok(next) => {
                    if let Ok(mut slot) = tls.write() {
                        *slot = Arc::new(next);
                    }
                    info!("renewed the webhook certificate");
                    current = material;
                }
                Err(e) => {
                    warn!(error = %e, "cannot use the renewed webhook certificate");
                    continue;
                }
            }
        }
        let caller = Caller {
            ca_pem: &current.ca_pem,
            token: &token,
        };
        if let Err(e) = register::write_configurations(&client, &config, &caller).await {
            warn!(error = %e, "cannot register the webhook");
        }
    }
}
