//! What a request on a Store, or the operator's report of a phase or of a
//! finished backup, becomes as an audit record: the action, and the details
//! a reader needs (what changed, why it was refused or failed). Nothing
//! secret goes in: a Store holds no secret, details name fields, not whole
//! objects, and a backup's failure is its container's words (no URL).

use kube::core::DynamicObject;
use kube::core::admission::{AdmissionRequest, Operation};

use crate::api::audit::{Actor, AuditAction, AuditOutcome};
use crate::api::backup::BackupPhase;
use crate::api::restore::RestorePhase;
use crate::api::{CREDENTIALS_ANNOTATION, Phase, REPORT_ANNOTATION, RETRY_ANNOTATION, Store};

/// A record before it takes its place in the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub store: String,
    pub action: AuditAction,
    pub outcome: AuditOutcome,
    pub actor: Actor,
    pub details: String,
    pub request_uid: Option<String>,
}

/// The actor of a request, as the API server authenticated it.
pub fn actor_of(request: &AdmissionRequest<DynamicObject>) -> Actor {
    let user = &request.user_info;
    Actor {
        username: user.username.clone().unwrap_or_default(),
        groups: user.groups.clone().unwrap_or_default(),
        uid: user.uid.clone().unwrap_or_default(),
    }
}

fn store_of(object: Option<&DynamicObject>) -> Option<Store> {
    object.and_then(|o| o.clone().try_parse::<Store>().ok())
}

/// The record of an admission decision on a Store, or None for an admitted
/// update that changes nothing a person asked for (the operator adding its
/// finalizer, a no-op apply). Refusals are always recorded.
pub fn from_admission(
    request: &AdmissionRequest<DynamicObject>,
    refusal: Option<&str>,
) -> Option<Entry> {
    let new = store_of(request.object.as_ref());
    let old = store_of(request.old_object.as_ref());
    let (action, mut details) = match request.operation {
        Operation::Create => (AuditAction::Create, created(new.as_ref())),
        Operation::Delete => (AuditAction::Delete, String::new()),
        Operation::Update => {
            let changed = old.as_ref().zip(new.as_ref());
            match changed.and_then(|(old, new)| updated(old, new)) {
                Some(update) => update,
                None if refusal.is_some() => (AuditAction::Update, String::new()),
                None => return None,
            }
        }
        Operation::Connect => return None,
    };
    let outcome = match refusal {
        Some(reason) => {
            details = if details.is_empty() {
                reason.to_string()
            } else {
                format!("{details}; refused: {reason}")
            };
            AuditOutcome::Denied
        }
        None => AuditOutcome::Admitted,
    };
    Some(Entry {
        store: request.name.clone(),
        action,
        outcome,
        actor: actor_of(request),
        details,
        request_uid: Some(request.uid.clone()),
    })
}

fn created(store: Option<&Store>) -> String {
    let Some(store) = store else {
        return String::new();
    };
    let mut parts = vec![format!("plan {}", store.spec.plan)];
    if let Some(domain) = &store.spec.domain {
        parts.push(format!("domain {domain}"));
    }
    if store.spec.suspend {
        parts.push("suspended".into());
    }
    parts.join(", ")
}

/// The action and what changed; None when nothing a person asked for changed.
fn updated(old: &Store, new: &Store) -> Option<(AuditAction, String)> {
    let annotation = |s: &Store, key: &str| s.metadata.annotations.as_ref()?.get(key).cloned();
    let asked =
        |key: &str| annotation(new, key).is_some() && annotation(old, key) != annotation(new, key);
    let mut changes = Vec::new();
    if old.spec.plan != new.spec.plan {
        changes.push(format!("plan {} -> {}", old.spec.plan, new.spec.plan));
    }
    if old.spec.domain != new.spec.domain {
        let show = |d: &Option<String>| d.clone().unwrap_or_else(|| "(default)".into());
        changes.push(format!(
            "domain {} -> {}",
            show(&old.spec.domain),
            show(&new.spec.domain)
        ));
    }
    if old.spec.admin_email != new.spec.admin_email {
        changes.push("adminEmail changed".into());
    }
    if old.spec.woocommerce != new.spec.woocommerce {
        changes.push("woocommerce options changed".into());
    }
    if old.metadata.labels != new.metadata.labels {
        changes.push("labels changed".into());
    }
    let details = changes.join(", ");
    let action = if !old.spec.suspend && new.spec.suspend {
        AuditAction::Suspend
    } else if old.spec.suspend && !new.spec.suspend {
        AuditAction::Resume
    } else if asked(RETRY_ANNOTATION) {
        AuditAction::Retry
    } else if !changes.is_empty() {
        AuditAction::Update
    } else if asked(REPORT_ANNOTATION) {
        return Some((AuditAction::Report, "report requested".into()));
    } else if asked(CREDENTIALS_ANNOTATION) {
        return Some((AuditAction::Credentials, "credentials requested".into()));
    } else {
        return None;
    };
    Some((action, details))
}

/// The record of a check that changed the store's `Healthy` condition: a
/// failure where it was not failing (what failed), or a pass after one.
/// Checks that change nothing are not recorded (status and metrics have them).
pub fn from_health(
    previous: Option<&str>,
    status: &str,
    message: &str,
) -> Option<(AuditAction, AuditOutcome, String)> {
    match (previous, status) {
        (Some("False"), "False") => None,
        (_, "False") => Some((
            AuditAction::Check,
            AuditOutcome::Failed,
            message.to_string(),
        )),
        (Some("False"), "True") => Some((
            AuditAction::Check,
            AuditOutcome::Succeeded,
            format!("passes again: {message}"),
        )),
        _ => None,
    }
}

/// The record of a phase the operator reached, or None for phases that are
/// steps on the way (the request that led there is recorded already).
pub fn from_phase(
    phase: Phase,
    reason: &str,
    message: &str,
) -> Option<(AuditAction, AuditOutcome, String)> {
    let said = |r: &str, m: &str| {
        if m.is_empty() {
            r.to_string()
        } else {
            format!("{r}: {m}")
        }
    };
    match phase {
        Phase::Ready => Some((AuditAction::Ready, AuditOutcome::Succeeded, String::new())),
        Phase::Failed => Some((
            AuditAction::Failed,
            AuditOutcome::Failed,
            said(reason, message),
        )),
        Phase::Degraded => Some((
            AuditAction::Degraded,
            AuditOutcome::Failed,
            said(reason, message),
        )),
        _ => None,
    }
}

/// The record of a finished backup: which one, whether it was stored, and
/// its size or why it failed. None while it is still on its way.
pub fn from_backup(
    backup: &str,
    phase: BackupPhase,
    bytes: Option<u64>,
    reason: &str,
    message: &str,
) -> Option<(AuditAction, AuditOutcome, String)> {
    match phase {
        BackupPhase::Completed => {
            let size = bytes.map(|b| format!(", {b} bytes")).unwrap_or_default();
            Some((
                AuditAction::Backup,
                AuditOutcome::Succeeded,
                format!("backup {backup} completed{size}: {message}"),
            ))
        }
        BackupPhase::Failed => Some((
            AuditAction::Backup,
            AuditOutcome::Failed,
            format!("backup {backup} failed: {reason}: {message}"),
        )),
        BackupPhase::Pending | BackupPhase::Running => None,
    }
}

/// The record of a finished restore: which backup it put back, or why the
/// store stayed on its data. None while it is still on its way.
pub fn from_restore(
    restore: &str,
    backup: &str,
    clone: bool,
    phase: RestorePhase,
    reason: &str,
    message: &str,
) -> Option<(AuditAction, AuditOutcome, String)> {
    let (action, what) = match clone {
        false => (
            AuditAction::Restore,
            format!("restore {restore} of backup {backup}"),
        ),
        true => (
            AuditAction::Clone,
            format!("clone from backup {backup} (restore {restore})"),
        ),
    };
    match phase {
        RestorePhase::Completed => Some((
            action,
            AuditOutcome::Succeeded,
            format!("{what} completed: {message}"),
        )),
        RestorePhase::Failed => Some((
            action,
            AuditOutcome::Failed,
            format!("{what} failed: {reason}: {message}"),
        )),
        RestorePhase::Pending | RestorePhase::Running => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store(spec: serde_json::Value, annotations: serde_json::Value) -> serde_json::Value {
        json!({"apiVersion": "nexus.dev/v1alpha1", "kind": "Store",
            "metadata": {"name": "shop", "namespace": "team-a", "annotations": annotations, "finalizers": ["nexus.dev/cleanup"]},
            "spec": spec})
    }

    fn request(
        operation: &str,
        object: serde_json::Value,
        old: serde_json::Value,
    ) -> AdmissionRequest<DynamicObject> {
        let alice = json!({"username": "alice", "groups": ["team-alice"], "uid": "u-1"});
        crate::admission::testing::store_request(operation, alice, object, Some(old))
    }

    #[test]
    fn a_check_is_recorded_when_it_changes_the_stores_health() {
        let failed = from_health(Some("True"), "False", "step product (HTTP 404): gone");
        assert_eq!(
            failed,
            Some((
                AuditAction::Check,
                AuditOutcome::Failed,
                "step product (HTTP 404): gone".into()
            ))
        );
        assert_eq!(
            from_health(None, "False", "x").map(|r| r.1),
            Some(AuditOutcome::Failed)
        );
        assert_eq!(from_health(Some("False"), "False", "again"), None);
        assert_eq!(
            from_health(
                Some("False"),
                "True",
                "home, product, add-to-cart passed in 0.41s"
            )
            .map(|r| r.2),
            Some("passes again: home, product, add-to-cart passed in 0.41s".into())
        );
        assert_eq!(from_health(Some("True"), "True", "x"), None);
        assert_eq!(from_health(None, "True", "x"), None);
        assert_eq!(from_health(Some("False"), "Unknown", "x"), None);
    }

    #[test]
    fn updates_are_named_by_what_they_do() {
        let base = json!({"engine": "woocommerce"});
        let suspended = json!({"engine": "woocommerce", "suspend": true});
        let medium = json!({"engine": "woocommerce", "plan": "medium"});
        let none = json!({});
        let cases = [
            (
                suspended.clone(),
                none.clone(),
                base.clone(),
                none.clone(),
                AuditAction::Suspend,
            ),
            (
                base.clone(),
                none.clone(),
                suspended,
                none.clone(),
                AuditAction::Resume,
            ),
            (
                base.clone(),
                json!({"nexus.dev/retry": "t2"}),
                base.clone(),
                none.clone(),
                AuditAction::Retry,
            ),
            (
                base.clone(),
                json!({"nexus.dev/report-requested": "t3"}),
                base.clone(),
                json!({"nexus.dev/report-requested": "t2"}),
                AuditAction::Report,
            ),
            (
                base.clone(),
                json!({"nexus.dev/credentials-requested": "t4"}),
                base.clone(),
                none.clone(),
                AuditAction::Credentials,
            ),
            (
                medium,
                none.clone(),
                base.clone(),
                none.clone(),
                AuditAction::Update,
            ),
        ];
        for (new, new_annotations, old, old_annotations, action) in cases {
            let entry = from_admission(
                &request(
                    "UPDATE",
                    store(new, new_annotations),
                    store(old, old_annotations),
                ),
                None,
            )
            .expect("recorded");
            assert_eq!(entry.action, action);
            assert_eq!(entry.outcome, AuditOutcome::Admitted);
            assert_eq!(entry.actor.username, "alice");
        }
        let medium = json!({"engine": "woocommerce", "plan": "medium"});
        let changed = from_admission(
            &request(
                "UPDATE",
                store(medium, none.clone()),
                store(base.clone(), none.clone()),
            ),
            None,
        )
        .unwrap();
        assert_eq!(changed.details, "plan small -> medium");
    }

    #[test]
    fn bookkeeping_updates_are_not_recorded_but_refusals_are() {
        let base = json!({"engine": "woocommerce"});
        let mut without_finalizer = store(base.clone(), json!({}));
        without_finalizer["metadata"]["finalizers"] = json!([]);
        let finalizer_only = request(
            "UPDATE",
            store(base.clone(), json!({})),
            without_finalizer.clone(),
        );
        assert_eq!(from_admission(&finalizer_only, None), None);
        let removal = request("UPDATE", without_finalizer, store(base, json!({})));
        let refused = from_admission(
            &removal,
            Some("only the Nexus operator removes the finalizer"),
        )
        .unwrap();
        assert_eq!(refused.outcome, AuditOutcome::Denied);
        assert!(refused.details.contains("only the Nexus operator"));
    }

    #[test]
    fn creates_and_deletes_are_recorded_with_the_request() {
        let spec = json!({"engine": "woocommerce", "plan": "large", "domain": "shop.example.org"});
        let created = from_admission(
            &request("CREATE", store(spec, json!({})), json!(null)),
            None,
        )
        .unwrap();
        assert_eq!(created.action, AuditAction::Create);
        assert_eq!(created.details, "plan large, domain shop.example.org");
        assert_eq!(created.request_uid.as_deref(), Some("r-1"));
        let deleted = from_admission(
            &request(
                "DELETE",
                json!(null),
                store(json!({"engine": "woocommerce"}), json!({})),
            ),
            None,
        )
        .unwrap();
        assert_eq!(deleted.action, AuditAction::Delete);
        assert_eq!(deleted.store, "shop");
    }

    #[test]
    fn a_finished_backup_is_recorded_with_its_size_or_its_reason() {
        let stored = from_backup(
            "shop-20261205t0600z",
            BackupPhase::Completed,
            Some(4096),
            "Completed",
            "stored 2 parts and the manifest; rows: wp_posts 12",
        );
        assert_eq!(
            stored,
            Some((
                AuditAction::Backup,
                AuditOutcome::Succeeded,
                "backup shop-20261205t0600z completed, 4096 bytes: stored 2 parts and the manifest; rows: wp_posts 12".to_string()
            ))
        );
        let failed = from_backup("b", BackupPhase::Failed, None, "StoreNotFound", "no store");
        assert_eq!(
            failed,
            Some((
                AuditAction::Backup,
                AuditOutcome::Failed,
                "backup b failed: StoreNotFound: no store".to_string()
            ))
        );
        for phase in [BackupPhase::Pending, BackupPhase::Running] {
            assert_eq!(from_backup("b", phase, None, "Running", ""), None);
        }
    }
}
