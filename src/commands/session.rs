//! Connecting to the cluster the way kubectl does: --kubeconfig, then
//! KUBECONFIG, then ~/.kube/config (or the in-cluster service account), with
//! --context and -n/--namespace on top.

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::cli::GlobalArgs;
use crate::error::{Error, Result, chain};

/// What requests say they come from: `kubectl-nexus/<version>`.
pub const USER_AGENT: &str = concat!("kubectl-nexus/", env!("CARGO_PKG_VERSION"));

/// A client plus the namespace the user means.
#[derive(Clone)]
pub struct Session {
    pub client: Client,
    pub namespace: String,
}

impl Session {
    pub async fn connect(global: &GlobalArgs) -> Result<Self> {
        let (config, namespace) = Self::config(global).await?;
        let client = Client::try_from(config).map_err(|e| Error::Kubeconfig(chain(&e)))?;
        Ok(Session { client, namespace })
    }

    /// The client configuration and the namespace the user means.
    pub async fn config(global: &GlobalArgs) -> Result<(Config, String)> {
        let options = KubeConfigOptions {
            context: global.context.clone(),
            ..Default::default()
        };
        let config = match &global.kubeconfig {
            Some(path) => {
                let kubeconfig = Kubeconfig::read_from(path)
                    .map_err(|e| Error::Kubeconfig(format!("{}: {}", path.display(), chain(&e))))?;
                Config::from_custom_kubeconfig(kubeconfig, &options)
                    .await
                    .map_err(|e| Error::Kubeconfig(chain(&e)))?
            }
            None if global.context.is_some() => Config::from_kubeconfig(&options)
                .await
                .map_err(|e| Error::Kubeconfig(chain(&e)))?,
            None => Config::infer()
                .await
                .map_err(|e| Error::Kubeconfig(chain(&e)))?,
        };
        let namespace = global
            .namespace
            .clone()
            .unwrap_or_else(|| config.default_namespace.clone());
        let mut config = config;
        // Like kubectl's: the API server's audit log (and Nexus's audit
        // records) say which client made a request.
        config.headers.push((
            axum::http::header::USER_AGENT,
            axum::http::HeaderValue::from_static(USER_AGENT),
        ));
        Ok((config, namespace))
    }
}
