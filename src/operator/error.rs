//! The operator's one error type. Categories are a fixed set, safe as metric
//! labels and event reasons.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("kubernetes API: {0}")]
    Kube(#[from] kube::Error),

    #[error("finalizer: {0}")]
    Finalizer(String),

    #[error("cannot generate secrets: {0}")]
    Random(String),

    #[error("the Store has no {0}")]
    Invalid(&'static str),

    /// Not a failure: cleanup goes on until the namespace is gone.
    #[error("waiting: {0}")]
    Waiting(String),
}

impl Error {
    pub fn category(&self) -> &'static str {
        match self {
            Error::Kube(kube::Error::Api(status)) if status.code == 409 => "conflict",
            Error::Kube(kube::Error::Api(status)) if status.code == 403 => "forbidden",
            Error::Kube(kube::Error::Api(_)) => "api",
            Error::Kube(_) => "connection",
            Error::Finalizer(_) => "finalizer",
            Error::Random(_) => "random",
            Error::Invalid(_) => "invalid",
            Error::Waiting(_) => "waiting",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
