//! One error type for the CLI, with messages that say what went wrong and
//! what to do, and the exit code each maps to.

use std::time::Duration;

use crate::api::validation::Invalid;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How to install the CRD; said wherever its absence is found.
pub const INSTALL_CRD_HINT: &str = "kubectl-nexus generate crds --out - | kubectl apply -f -";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Invalid(#[from] Invalid),

    #[error("{0}")]
    Usage(String),

    #[error("cannot load the kubeconfig: {0}\nhint: pass --kubeconfig FILE or set KUBECONFIG")]
    Kubeconfig(String),

    #[error(
        "cannot reach the Kubernetes API server: {0}\nhint: check that the cluster runs and that your kubeconfig/--context point at it"
    )]
    Unreachable(String),

    #[error(
        "the Store CRD (stores.nexus.dev) is not installed in this cluster\nhint: install it with: {INSTALL_CRD_HINT}"
    )]
    CrdMissing,

    /// `namespace` is empty for a request across all namespaces.
    #[error("{}", forbidden(who, verb, resource, namespace))]
    Forbidden {
        who: String,
        verb: String,
        resource: String,
        namespace: String,
    },

    #[error(
        "namespace {0:?} does not exist\nhint: check -n/--namespace and your kubeconfig context; a platform admin creates tenant namespaces"
    )]
    NamespaceNotFound(String),

    #[error(
        "store {name:?} not found in namespace {namespace:?}\nhint: kubectl nexus store list -n {namespace}"
    )]
    StoreNotFound { name: String, namespace: String },

    #[error(
        "store {name:?} already exists in namespace {namespace:?}\nhint: pick another name, or see it with: kubectl nexus store get {name} -n {namespace}"
    )]
    StoreExists { name: String, namespace: String },

    #[error("the API server rejected the store: {0}")]
    Rejected(String),

    #[error(
        "store {name:?} failed: {reason}: {message}\nhint: kubectl nexus store get {name} tells the whole story"
    )]
    StoreFailed {
        name: String,
        reason: String,
        message: String,
    },

    #[error("timed out after {} waiting for backup {name:?}; {last}\nhint: the backup goes on; follow it with kubectl nexus store backups STORE", crate::duration::human(*.waited))]
    BackupTimeout {
        name: String,
        waited: Duration,
        last: String,
    },

    #[error("timed out after {} waiting for restore {name:?}; {last}\nhint: the restore goes on; follow it with kubectl get restore {name}", crate::duration::human(*.waited))]
    RestoreTimeout {
        name: String,
        waited: Duration,
        last: String,
    },

    #[error("timed out after {} waiting for store {name:?}; {last}", crate::duration::human(*.waited))]
    Timeout {
        name: String,
        waited: Duration,
        last: String,
    },

    #[error("{0}")]
    Api(String),

    #[error("{0}")]
    Other(String),

    /// stdout was closed by the reader (`| head`): not a failure.
    #[error("broken pipe")]
    BrokenPipe,
}

impl Error {
    /// 1 for failures, 2 for usage errors, 3 for a --wait that timed out.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Invalid(_) | Error::Usage(_) => 2,
            Error::Timeout { .. } | Error::BackupTimeout { .. } | Error::RestoreTimeout { .. } => 3,
            Error::BrokenPipe => 0,
            _ => 1,
        }
    }
}

fn forbidden(who: &str, verb: &str, resource: &str, namespace: &str) -> String {
    if namespace.is_empty() {
        format!(
            "{who} may not {verb} {resource} across all namespaces\nhint: leave out -A to work in one namespace where you are a tenant"
        )
    } else {
        format!(
            "{who} may not {verb} {resource} in namespace {namespace:?}\nhint: ask a platform admin for a RoleBinding to the nexus-tenant ClusterRole in that namespace, or pick another with -n"
        )
    }
}

/// What the CLI was doing when the API answered, for error messages.
/// An empty `namespace` means all namespaces.
#[derive(Debug, Clone)]
pub struct Action<'a> {
    pub verb: &'a str,
    pub resource: &'a str,
    pub namespace: &'a str,
    pub name: Option<&'a str>,
}

impl Action<'_> {
    /// Turns an API error into one a user can act on.
    pub fn error(&self, err: kube::Error) -> Error {
        match err {
            kube::Error::Api(status) => self.status_error(&status),
            kube::Error::HyperError(e) => Error::Unreachable(chain(&e)),
            kube::Error::Service(e) => Error::Unreachable(chain(e.as_ref())),
            kube::Error::Auth(e) => Error::Kubeconfig(chain(&e)),
            other => Error::Api(format!(
                "cannot {} {}: {}",
                self.verb,
                self.resource,
                chain(&other)
            )),
        }
    }

    fn status_error(&self, status: &kube::core::Status) -> Error {
        match status.code {
            403 => Error::Forbidden {
                who: requesting_user(&status.message).unwrap_or_else(|| "you".into()),
                verb: self.verb.into(),
                resource: self.resource.into(),
                namespace: self.namespace.into(),
            },
            404 if names_kind(status, "namespaces") => {
                Error::NamespaceNotFound(self.namespace.into())
            }
            404 if self.resource == "stores" && self.name.is_some() && names_object(status) => {
                Error::StoreNotFound {
                    name: self.name.unwrap_or_default().into(),
                    namespace: self.namespace.into(),
                }
            }
            404 if self.resource == "stores" => Error::CrdMissing,
            409 if self.resource == "stores" && self.verb == "create" => Error::StoreExists {
                name: self.name.unwrap_or_default().into(),
                namespace: self.namespace.into(),
            },
            422 | 400 if self.resource == "stores" => Error::Rejected(status.message.clone()),
            401 => Error::Kubeconfig(format!(
                "the API server did not accept your credentials: {}",
                status.message
            )),
            _ => Error::Api(format!(
                "cannot {} {} in namespace {:?}: {} ({})",
                self.verb, self.resource, self.namespace, status.message, status.code
            )),
        }
    }
}

/// Whether a 404 is about a missing object of this kind (plural, as the API names it).
fn names_kind(status: &kube::core::Status, kind: &str) -> bool {
    status.details.as_ref().is_some_and(|d| d.kind == kind)
}

/// A 404 for a missing object names it; a 404 for a missing resource type does not.
fn names_object(status: &kube::core::Status) -> bool {
    status.details.as_ref().is_some_and(|d| !d.name.is_empty())
}

/// The API server's 403 message names the user: `User "alice" cannot ...`.
fn requesting_user(message: &str) -> Option<String> {
    let rest = message.split_once("User \"")?.1;
    Some(rest.split_once('"')?.0.to_string())
}

/// An error with its causes, on one line.
pub fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// A write error; a reader that went away (`| head`) ends us quietly.
pub fn io_error(err: std::io::Error) -> Error {
    if err.kind() == std::io::ErrorKind::BrokenPipe {
        Error::BrokenPipe
    } else {
        Error::Other(format!("cannot write output: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16, message: &str, name: &str) -> kube::Error {
        status_of_kind(code, message, name, "stores")
    }

    fn status_of_kind(code: u16, message: &str, name: &str, kind: &str) -> kube::Error {
        let mut status = kube::core::Status::failure(message, "").with_code(code);
        if !name.is_empty() {
            let details = serde_json::json!({"name": name, "kind": kind});
            status = status.with_details(serde_json::from_value(details).unwrap());
        }
        kube::Error::Api(status.boxed())
    }

    const GET: Action<'static> = Action {
        verb: "get",
        resource: "stores",
        namespace: "team-a",
        name: Some("demo"),
    };

    #[test]
    fn forbidden_names_the_user_and_the_fix() {
        let err = GET.error(status(
            403,
            r#"stores.nexus.dev "demo" is forbidden: User "alice" cannot get resource "stores""#,
            "demo",
        ));
        let text = err.to_string();
        assert!(
            text.starts_with(r#"alice may not get stores in namespace "team-a""#),
            "{text}"
        );
        assert!(text.contains("nexus-tenant"), "{text}");
        assert_eq!(err.exit_code(), 1);
    }

    #[test]
    fn a_missing_object_and_a_missing_crd_are_told_apart() {
        let missing_store = GET.error(status(404, "not found", "demo"));
        assert!(matches!(missing_store, Error::StoreNotFound { .. }));
        let missing_crd = GET.error(status(
            404,
            "the server could not find the requested resource",
            "",
        ));
        assert!(missing_crd.to_string().contains(INSTALL_CRD_HINT));
    }
}
