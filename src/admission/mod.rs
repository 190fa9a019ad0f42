//! Admission of Stores: pure decisions on an `AdmissionRequest`, served by
//! the operator's webhook. The API server is the only place that knows who
//! asked for a write, so the owner of a store and the finalizer that protects
//! its data are guarded here.

use std::collections::BTreeMap;

use k8s_openapi::api::authentication::v1::UserInfo;
use kube::core::DynamicObject;
use kube::core::admission::{AdmissionRequest, AdmissionResponse, Operation};
use serde_json::json;

use crate::api::labels::{
    FINALIZER, OWNER_ANNOTATION, OWNER_ANNOTATIONS, OWNER_GROUPS_ANNOTATION, OWNER_UID_ANNOTATION,
};

/// The group whose members may do anything, a forced cleanup included.
pub const CLUSTER_ADMINS: &str = "system:masters";

/// The owner annotations for the requester, as the API server authenticated them.
pub fn owner_annotations(user: &UserInfo) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        (OWNER_ANNOTATION, user.username.clone().unwrap_or_default()),
        (
            OWNER_GROUPS_ANNOTATION,
            user.groups.clone().unwrap_or_default().join(","),
        ),
        (OWNER_UID_ANNOTATION, user.uid.clone().unwrap_or_default()),
    ])
}

fn annotation<'a>(object: Option<&'a DynamicObject>, key: &str) -> Option<&'a str> {
    object?
        .metadata
        .annotations
        .as_ref()?
        .get(key)
        .map(String::as_str)
}

/// JSON Pointer escaping of one path segment (`/` and `~`).
fn pointer_segment(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// On create, records the requester as the owner, over whatever the client sent.
pub fn mutate(request: &AdmissionRequest<DynamicObject>) -> AdmissionResponse {
    let response = AdmissionResponse::from(request);
    let Some(object) = request.object.as_ref() else {
        return response;
    };
    if request.operation != Operation::Create {
        return response;
    }
    let mut operations = Vec::new();
    if object.metadata.annotations.is_none() {
        operations.push(json!({"op": "add", "path": "/metadata/annotations", "value": {}}));
    }
    for (key, value) in owner_annotations(&request.user_info) {
        let path = format!("/metadata/annotations/{}", pointer_segment(key));
        operations.push(json!({"op": "add", "path": path, "value": value}));
    }
    let patch = serde_json::from_value::<json_patch::Patch>(serde_json::Value::Array(operations));
    match patch.map(|patch| response.clone().with_patch(patch)) {
        Ok(Ok(patched)) => patched,
        _ => response.deny("cannot record the store's owner"),
    }
}

/// Refuses what a tenant must not do to a Store: forge or change its owner,
/// remove the finalizer that deletes its data in order.
pub fn validate(request: &AdmissionRequest<DynamicObject>, operator: &str) -> AdmissionResponse {
    let response = AdmissionResponse::from(request);
    let new = request.object.as_ref();
    let old = request.old_object.as_ref();
    let user = &request.user_info;
    let username = user.username.as_deref().unwrap_or_default();
    match request.operation {
        Operation::Create => {
            let expected = owner_annotations(user);
            let forged = expected
                .iter()
                .any(|(key, value)| annotation(new, key) != Some(value.as_str()));
            if forged {
                return response.deny(format!(
                    "the owner annotations ({}) are recorded by Nexus from your authenticated identity ({username}); leave them out",
                    OWNER_ANNOTATIONS.join(", ")
                ));
            }
            response
        }
        Operation::Update => {
            let changed: Vec<&str> = OWNER_ANNOTATIONS
                .into_iter()
                .filter(|key| annotation(old, key) != annotation(new, key))
                .collect();
            if !changed.is_empty() {
                return response.deny(format!(
                    "{} record who created the store and cannot be changed",
                    changed.join(", ")
                ));
            }
            let had = old.is_some_and(|o| {
                o.metadata
                    .finalizers
                    .iter()
                    .flatten()
                    .any(|f| f == FINALIZER)
            });
            let has = new.is_some_and(|n| {
                n.metadata
                    .finalizers
                    .iter()
                    .flatten()
                    .any(|f| f == FINALIZER)
            });
            let admin = user.groups.iter().flatten().any(|g| g == CLUSTER_ADMINS);
            if had && !has && username != operator && !admin {
                return response.deny(format!(
                    "only the Nexus operator removes the finalizer {FINALIZER}, once the store's namespace and data are gone; to remove a store, delete it (kubectl nexus store delete NAME)"
                ));
            }
            response
        }
        _ => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::core::admission::AdmissionReview;

    fn request(
        operation: &str,
        user: serde_json::Value,
        object: serde_json::Value,
        old: Option<serde_json::Value>,
    ) -> AdmissionRequest<DynamicObject> {
        let review: AdmissionReview<DynamicObject> = serde_json::from_value(json!({
            "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {
                "uid": "r-1", "operation": operation, "userInfo": user,
                "kind": {"group": "nexus.dev", "version": "v1alpha1", "kind": "Store"},
                "resource": {"group": "nexus.dev", "version": "v1alpha1", "resource": "stores"},
                "name": "shop", "namespace": "team-a",
                "object": object, "oldObject": old,
            }
        }))
        .unwrap();
        review.try_into().unwrap()
    }

    fn alice() -> serde_json::Value {
        json!({"username": "alice", "groups": ["nexus-users", "team-alice", "system:authenticated"]})
    }

    fn store(annotations: serde_json::Value, finalizers: serde_json::Value) -> serde_json::Value {
        json!({"apiVersion": "nexus.dev/v1alpha1", "kind": "Store",
            "metadata": {"name": "shop", "namespace": "team-a", "annotations": annotations, "finalizers": finalizers},
            "spec": {"engine": "woocommerce"}})
    }

    fn owned_by_alice() -> serde_json::Value {
        json!({"nexus.dev/owner": "alice", "nexus.dev/owner-groups": "nexus-users,team-alice,system:authenticated", "nexus.dev/owner-uid": ""})
    }

    fn patch_of(response: &AdmissionResponse) -> serde_json::Value {
        serde_json::from_slice(response.patch.as_ref().expect("a patch")).unwrap()
    }

    #[test]
    fn the_requester_is_recorded_over_what_the_client_sent() {
        let forged = request(
            "CREATE",
            alice(),
            store(json!({"nexus.dev/owner": "bob"}), json!([])),
            None,
        );
        let response = mutate(&forged);
        assert!(response.allowed);
        let patch = patch_of(&response);
        let ops = patch.as_array().unwrap();
        let owner = ops
            .iter()
            .find(|op| op["path"] == "/metadata/annotations/nexus.dev~1owner")
            .unwrap();
        assert_eq!(owner["value"], "alice");
        assert_eq!(owner["op"], "add", "add replaces a member that exists");
        let bare = request("CREATE", alice(), store(json!(null), json!([])), None);
        let ops = patch_of(&mutate(&bare));
        assert_eq!(ops[0]["path"], "/metadata/annotations");
    }

    #[test]
    fn a_create_must_carry_the_recorded_owner() {
        let recorded = request("CREATE", alice(), store(owned_by_alice(), json!([])), None);
        assert!(validate(&recorded, "nexus-operator").allowed);
        let forged = request(
            "CREATE",
            alice(),
            store(json!({"nexus.dev/owner": "bob"}), json!([])),
            None,
        );
        let response = validate(&forged, "nexus-operator");
        assert!(!response.allowed);
        assert!(
            response
                .result
                .message
                .contains("authenticated identity (alice)")
        );
    }

    #[test]
    fn nobody_changes_the_owner_afterwards() {
        let mut changed = owned_by_alice();
        changed["nexus.dev/owner"] = json!("bob");
        let update = request(
            "UPDATE",
            alice(),
            store(changed, json!(["nexus.dev/cleanup"])),
            Some(store(owned_by_alice(), json!(["nexus.dev/cleanup"]))),
        );
        let response = validate(&update, "nexus-operator");
        assert!(!response.allowed);
        assert!(
            response
                .result
                .message
                .starts_with("nexus.dev/owner record who created"),
            "{}",
            response.result.message
        );
        // Adding an owner to a store admitted before the webhook is changing it too.
        let added = request(
            "UPDATE",
            alice(),
            store(owned_by_alice(), json!([])),
            Some(store(json!({}), json!([]))),
        );
        assert!(!validate(&added, "nexus-operator").allowed);
    }

    #[test]
    fn only_the_operator_or_a_cluster_admin_removes_the_finalizer() {
        let removal = |user: serde_json::Value| {
            request(
                "UPDATE",
                user,
                store(owned_by_alice(), json!([])),
                Some(store(owned_by_alice(), json!(["nexus.dev/cleanup"]))),
            )
        };
        let tenant = validate(
            &removal(alice()),
            "system:serviceaccount:nexus:nexus-operator",
        );
        assert!(!tenant.allowed);
        assert!(tenant.result.message.contains("only the Nexus operator"));
        let operator = json!({"username": "system:serviceaccount:nexus:nexus-operator", "groups": ["system:serviceaccounts"]});
        assert!(
            validate(
                &removal(operator),
                "system:serviceaccount:nexus:nexus-operator"
            )
            .allowed
        );
        let admin = json!({"username": "admin", "groups": ["system:masters"]});
        assert!(
            validate(
                &removal(admin),
                "system:serviceaccount:nexus:nexus-operator"
            )
            .allowed
        );
        // Other updates by the tenant pass.
        let labelled = request(
            "UPDATE",
            alice(),
            store(owned_by_alice(), json!(["nexus.dev/cleanup"])),
            Some(store(owned_by_alice(), json!(["nexus.dev/cleanup"]))),
        );
        assert!(validate(&labelled, "op").allowed);
    }
}
