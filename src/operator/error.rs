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

    #[error("finalizer: {0}")]
    Finalizer(String),

    #[error("cannot generate secrets: {0}")]
    Random(String),

    #[error("the Store has no {0}")]
    Invalid(&'static str),

    /// The admission webhook: its certificates, caches or ledgers.
    #[error("webhook: {0}")]
    Webhook(String),

    /// The audit trail's own bookkeeping (its chain, its anchors).
    #[error("audit trail: {0}")]
    Audit(String),

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
            Error::Finalizer(_) => "finalizer",
            Error::Random(_) => "random",
            Error::Invalid(_) => "invalid",
            Error::Webhook(_) => "webhook",
            Error::Audit(_) => "audit",
            Error::Waiting(_) => "waiting",
            Error::Client(_) | Error::Listen { .. } | Error::LeaderElection { .. } => "start",
            Error::CrdMissing | Error::ListStores(_) => "start",
            Error::LeaseLost => "lease",
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
