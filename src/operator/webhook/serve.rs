//! Serving admission over TLS: the server's certificate (renewed in place),
//! the client certificate and path token that admit only the API server,
//! and the routes.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use kube::Client;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tracing::{info, warn};

use super::caller::{self, ClientAuth, common_name};
use super::register::{self, Caller};
use super::review::{self, AdmissionState};
use super::{Config, RENEWAL_CHECK, certs, quota};
use crate::operator::error::{Error, Result};

pub(super) fn server_config(
    material: &certs::Material,
    client_auth: Option<&ClientAuth>,
) -> Result<ServerConfig> {
    let chain = CertificateDer::pem_slice_iter(material.cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(tls::<rustls::pki_types::pem::Error>(
            "the serving certificate",
        ))?;
    let key = PrivateKeyDer::from_pem_slice(material.key_pem.as_bytes()).map_err(tls::<
        rustls::pki_types::pem::Error,
    >(
        "the serving key",
    ))?;
    let builder =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(tls("the TLS protocol versions"))?;
    let builder = match client_auth {
        Some(auth) => {
            builder.with_client_cert_verifier(auth.verifier().map_err(|e| Error::Tls {
                what: "--webhook-client-ca".into(),
                source: e.into(),
            })?)
        }
        None => builder.with_no_client_auth(),
    };
    builder
        .with_single_cert(chain, key)
        .map_err(tls("the serving certificate and key"))
}

/// A TLS error of `what`, with its source.
fn tls<E: std::error::Error + Send + Sync + 'static>(what: &str) -> impl FnOnce(E) -> Error + '_ {
    move |e| Error::Tls {
        what: what.to_string(),
        source: Box::new(e),
    }
}

/// The admission routes, each below the caller token: a request without the
/// token is answered 404 before its body is read.
pub(super) fn router(state: Arc<AdmissionState>, token: Arc<str>) -> Router {
    Router::new()
        .route("/{caller}/mutate", post(review::mutate))
        .route("/{caller}/validate", post(review::validate))
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

/// Accepts TLS connections with the current certificate and serves HTTP/1.1.
pub(super) async fn serve(
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
pub(super) async fn renew(
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
