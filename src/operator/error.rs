//! The operator's one error type. Categories are a fixed set, safe as metric
//! labels and event reasons.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A call a step made, with what it was doing: `apply NetworkPolicy
    /// store-shop/default-deny`. Shown in the step's condition.
    #[error("{action}: {}", cause(.source))]
    Api {
        action: String,
        #[source]
        source: kube::Error,
    },

    #[error("kubernetes API: {0}")]
    Kube(#[from] kube::Error),

    /// A Store or child the API server handed over without a field it always
    /// sets (a namespace, a name): a broken invariant, not bad input.
    #[error("the API server sent a {kind} without its {field}")]
    Incomplete {
        kind: &'static str,
        field: &'static str,
    },

    /// A child built for a namespace other than the store's own: refused
    /// before any write (a bug in a builder, never written).
    #[error(
        "refused to write {kind} {name} into namespace {namespace:?}: not the store's own ({owned})"
    )]
    OutsideNamespace {
        kind: String,
        name: String,
        namespace: String,
        owned: String,
    },

    /// A state the code rules out (a bug in Nexus, reported as such).
    #[error("a bug in Nexus: {0}")]
    Bug(&'static str),

    /// The operating system gave no randomness.
    #[error("no randomness for {what}: {source}")]
    Random {
        what: &'static str,
        #[source]
        source: getrandom::Error,
    },

    /// Replicas kept writing the same object (a ledger, a chain, a Secret)
    /// under every attempt.
    #[error(
        "{what} kept changing under {attempts} attempts; another replica may be writing it, try again"
    )]
    Contended { what: String, attempts: usize },

    /// The webhook's TLS: making, reading or using its certificates.
    #[error("{what}: {source}")]
    Tls {
        what: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// JSON the operator builds itself (a patch, a ledger, a configuration).
    #[error("{what}: {source}")]
    Json {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },

    /// The admission response could not carry its patch.
    #[error("the admission patch: {0}")]
    AdmissionPatch(#[source] kube::core::admission::SerializePatchError),

    #[error("--webhook-address {address}: {source}")]
    WebhookAddress {
        address: String,
        #[source]
        source: std::net::AddrParseError,
    },

    /// A watch cache the webhook needs did not list.
    #[error("the {what} cache for admission did not sync within 60s (is its CRD installed?)")]
    CacheTimeout { what: &'static str },

    #[error("the {what} cache for admission: {source}")]
    Cache {
        what: &'static str,
        #[source]
        source: kube::runtime::reflector::store::WriterDropped,
    },

    #[error("the API server did not say who the operator is")]
    Anonymous,

    #[error(
        "Secret {namespace}/{name} holds no valid {what} under {key:?}; delete it to have a new one made"
    )]
    BadKeptSecret {
        namespace: String,
        name: String,
        key: &'static str,
        what: &'static str,
    },

    /// The kubeconfig's client could not be built.
    #[error("cannot build a client from the kubeconfig: {0}")]
    Client(#[source] kube::Error),

    /// The Store CRD is not installed: nothing to reconcile or admit.
    #[error("the Store CRD (stores.nexus.dev) is not installed")]
    CrdMissing,

    /// The first list of Stores failed (the CRD is there).
    #[error("cannot list stores: {}", cause(.0))]
    ListStores(#[source] kube::Error),

    #[error("cannot listen on {address} for {what}: {source}")]
    Listen {
        what: &'static str,
        address: String,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot set up leader election in namespace {namespace}: {source}")]
    LeaderElection {
        namespace: String,
        #[source]
        source: kube_lease_manager::LeaseManagerError,
    },

    /// Another replica holds the lease now: this one exits to compete afresh.
    #[error("lost the leader lease; exiting so a fresh start can compete again")]
    LeaseLost,

    /// The store selector cannot be read as a label selector.
    #[error("--store-selector: {0}")]
    StoreSelector(String),

    /// The backup credentials Secret cannot be used.
    #[error(
        "the backup credentials Secret {secret}: {problem}; it needs the keys access-key-id and secret-access-key (kubectl create secret generic ... --from-literal=access-key-id=... --from-literal=secret-access-key=...)"
    )]
    BackupCredentials { secret: String, problem: String },

    /// A request to the backup object store failed, or was refused.
    #[error("{what}: {problem}")]
    ObjectStore { what: String, problem: String },

    /// Not a failure: cleanup goes on until the namespace is gone.
    #[error("waiting: {0}")]
    Waiting(String),
}

impl Error {
    pub fn api(action: impl Into<String>) -> impl FnOnce(kube::Error) -> Error {
        let action = action.into();
        move |source| Error::Api { action, source }
    }

    /// What the API server answered, when it answered with an error.
    fn status(&self) -> Option<&kube::core::Status> {
        match self {
            Error::Api {
                source: kube::Error::Api(status),
                ..
            }
            | Error::Kube(kube::Error::Api(status)) => Some(status),
            _ => None,
        }
    }

    /// The API server refused the object as invalid (422), such as a change
    /// of an immutable field.
    pub fn is_invalid_object(&self) -> bool {
        self.status().is_some_and(|s| s.code == 422)
    }

    /// What was asked for does not exist (404): a namespace already gone.
    pub fn is_not_found(&self) -> bool {
        self.status().is_some_and(|s| s.code == 404)
    }

    /// The API server refused to create in a namespace being deleted.
    pub fn is_namespace_terminating(&self) -> bool {
        self.status()
            .is_some_and(|s| s.code == 403 && s.message.contains("because it is being terminated"))
    }

    pub fn category(&self) -> &'static str {
        match self {
            Error::Api { source, .. } | Error::Kube(source) => match source {
                kube::Error::Api(status) if status.code == 409 => "conflict",
                kube::Error::Api(status) if status.code == 403 => "forbidden",
                kube::Error::Api(_) => "api",
                _ => "connection",
            },
            Error::Incomplete { .. } | Error::OutsideNamespace { .. } | Error::Bug(_) => "invalid",
            Error::Random { .. } => "random",
            Error::Contended { .. } => "conflict",
            Error::Tls { .. }
            | Error::Json { .. }
            | Error::AdmissionPatch(_)
            | Error::WebhookAddress { .. }
            | Error::CacheTimeout { .. }
            | Error::Cache { .. }
            | Error::Anonymous
            | Error::BadKeptSecret { .. } => "webhook",
            Error::Waiting(_) => "waiting",
            Error::Client(_) | Error::Listen { .. } | Error::LeaderElection { .. } => "start",
            Error::CrdMissing | Error::ListStores(_) => "start",
            Error::LeaseLost => "lease",
            Error::StoreSelector(_) => "start",
            Error::BackupCredentials { .. } | Error::ObjectStore { .. } => "object_store",
        }
    }
}

/// The API server's own words for an error, without the client's wrapping.
pub fn cause(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) if !status.message.is_empty() => {
            format!("{} ({} {})", status.message, status.code, status.reason)
        }
        other => other.to_string(),
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_error_names_the_action_and_the_servers_reason() {
        let status = kube::core::Status::failure(
            "networkpolicies \"default-deny\" is forbidden: User \"x\" cannot patch",
            "Forbidden",
        )
        .with_code(403);
        let error = Error::api("apply NetworkPolicy store-shop/default-deny")(kube::Error::Api(
            Box::new(status),
        ));
        assert_eq!(
            error.to_string(),
            "apply NetworkPolicy store-shop/default-deny: networkpolicies \"default-deny\" is forbidden: User \"x\" cannot patch (403 Forbidden)"
        );
        assert_eq!(error.category(), "forbidden");
    }
}
