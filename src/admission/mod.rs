//! Admission of Stores: pure decisions on an `AdmissionRequest` and the
//! state they need, served by the operator's webhook. The API server is the
//! only place that knows who asked for a write, so the owner of a store, the
//! finalizer that protects its data, names and hosts, the reserved labels and
//! the StorePolicy are enforced here (the limits' ledgers in `ledger`).

pub mod ledger;
pub mod quota;

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::authentication::v1::UserInfo;
use kube::ResourceExt;
use kube::core::DynamicObject;
use kube::core::admission::{AdmissionRequest, AdmissionResponse, Operation};
use serde_json::json;

use crate::api::Store;
use crate::api::labels::{
    FINALIZER, OWNER_ANNOTATION, OWNER_ANNOTATIONS, OWNER_GROUPS_ANNOTATION, OWNER_UID_ANNOTATION,
};
use crate::api::policy::StorePolicySpec;
use crate::api::validation;
use crate::quantity::bytes;
use crate::settings::Plans;

/// What the validating decisions need besides the request.
pub struct Facts {
    /// The operator's own username: the one identity that removes the finalizer.
    pub operator: String,
    pub base_domain: String,
    /// Every Store in the cluster (the webhook's watch cache).
    pub stores: Vec<Arc<Store>>,
    /// The platform's StorePolicy (empty: no restrictions).
    pub policy: StorePolicySpec,
    /// The label keys the operator's store selector reads: they choose which
    /// operator (and which webhook) serves a store.
    pub selector_keys: Vec<String>,
    /// The plans the operator sizes stores by.
    pub plans: Plans,
    /// On a plan change, the storage the store's volume claims request.
    pub storage_held: Option<String>,
}

/// Label keys under `kubernetes.io/`, `k8s.io/` and `nexus.dev/` are kept
/// for Kubernetes and Nexus (the operator selects and shards by them), and
/// so are the keys the operator's store selector reads (they decide which
/// operator and webhook serve the store): a tenant may not add, change or
/// remove one on an existing store (a removal would take the store out of a
/// selector, and out of a webhook that follows it). Says which.
pub fn reserved_label(
    me: &Store,
    old: Option<&Store>,
    user: &UserInfo,
    facts: &Facts,
) -> Option<String> {
    let admin = user.groups.iter().flatten().any(|g| g == CLUSTER_ADMINS);
    if admin || user.username.as_deref() == Some(facts.operator.as_str()) {
        return None;
    }
    let before = old.map(|o| o.labels().clone()).unwrap_or_default();
    let after = me.labels();
    let changed = after
        .iter()
        .filter(|(key, value)| before.get(*key) != Some(*value))
        .map(|(key, _)| key)
        .chain(before.keys().filter(|key| !after.contains_key(*key)));
    let mut changed: Vec<&String> = changed.collect();
    changed.sort();
    changed.into_iter().find_map(|key| {
        let verb = if after.contains_key(key) { "set" } else { "removed" };
        if let Some(prefix) = validation::reserved_prefix(key) {
            return Some(format!(
                "the label {key} uses the reserved prefix {prefix}/ (kept for Kubernetes and Nexus) and cannot be {verb} by you; use a prefix of your own, such as example.com/tier"
            ));
        }
        (old.is_some() && facts.selector_keys.contains(key)).then(|| {
            format!(
                "the label {key} chooses which Nexus operator serves this store (its store selector); only the platform changes it, so it cannot be {verb} by you"
            )
        })
    })
}

/// What the StorePolicy refuses: a reserved name (on create), a plan the
/// requester may not use (on create, and when the plan changes). Cluster
/// admins are not held to it.
pub fn policy_refusal(
    me: &Store,
    old: Option<&Store>,
    user: &UserInfo,
    policy: &StorePolicySpec,
) -> Option<String> {
    let groups = user.groups.clone().unwrap_or_default();
    if groups.iter().any(|g| g == CLUSTER_ADMINS) {
        return None;
    }
    let name = me.metadata.name.as_deref().unwrap_or_default();
    if old.is_none() && policy.reserved_names.iter().any(|r| r == name) {
        return Some(format!(
            "the store name {name:?} is reserved by the platform (StorePolicy); pick another name"
        ));
    }
    let plan = me.spec.plan;
    let changed = old.is_none_or(|old| old.spec.plan != plan);
    let username = user.username.as_deref().unwrap_or_default();
    match policy.allowed_plans(username, &groups) {
        Some(allowed) if changed && !allowed.contains(&plan) => {
            let names: Vec<&str> = allowed.iter().map(|p| p.as_str()).collect();
            Some(format!(
                "the plan {plan} is not allowed for {username} (allowed: {}); pick one of those, or ask the platform team",
                names.join(", ")
            ))
        }
        _ => None,
    }
}

/// What is wrong with the store's check policy: an interval a check
/// cannot keep.
pub fn check_refusal(me: &Store) -> Option<String> {
    let policy = me.spec.check.as_ref()?;
    policy
        .interval()
        .err()
        .map(|invalid| format!("spec.check: {invalid}"))
}

/// What is wrong with the store's backup policy (on create, and when it
/// changes): a schedule or keep that cannot work, or a schedule more
/// frequent than the StorePolicy allows the requester. Cluster admins are
/// held to the first, not the second.
pub fn backup_refusal(
    me: &Store,
    old: Option<&Store>,
    user: &UserInfo,
    policy: &StorePolicySpec,
) -> Option<String> {
    let backup = me.spec.backup.as_ref()?;
    if old.is_some_and(|old| old.spec.backup.as_ref() == Some(backup)) {
        return None;
    }
    if let Err(invalid) = backup.check() {
        return Some(format!("spec.backup: {invalid}"));
    }
    let groups = user.groups.clone().unwrap_or_default();
    if groups.iter().any(|g| g == CLUSTER_ADMINS) {
        return None;
    }
    let username = user.username.as_deref().unwrap_or_default();
    let least = policy.min_backup_interval(username, &groups)?;
    let schedule = crate::schedule::Schedule::parse(&backup.schedule).ok()?;
    let gap = schedule.shortest_gap(k8s_openapi::jiff::Timestamp::now())?;
    (gap < least).then(|| {
        format!(
            "the backup schedule {:?} backs up every {} at its busiest; {username} may schedule backups at most every {} (StorePolicy minBackupInterval): choose a sparser schedule, such as \"0 3 * * *\"",
            backup.schedule,
            crate::duration::human(gap),
            crate::duration::human(least)
        )
    })
}

/// A plan change the store's volumes would not fit: a bound volume keeps
/// its size, so storage the store holds is not given back by a smaller plan.
/// `held` is the storage its volume claims request (its quota's
/// `requests.storage` used), when it has any.
pub fn plan_storage_refusal(
    me: &Store,
    old: Option<&Store>,
    plans: &Plans,
    held: Option<&str>,
) -> Option<String> {
    let old = old?;
    if old.spec.plan == me.spec.plan {
        return None;
    }
    let plan = me.spec.plan;
    let allowed = plans.get(plan).storage.as_str();
    let held_text = held?;
    let (held_bytes, allowed_bytes) = (bytes(held_text).ok()?, bytes(allowed).ok()?);
    (held_bytes > allowed_bytes).then(|| {
        format!(
            "the store's volumes hold {held_text} of storage and plan {plan} allows {allowed}: a volume keeps its size, so the store would not fit plan {plan}; keep plan {}, or make a new {plan} store from a backup of this one (kubectl nexus store create NEW --plan {plan} --from-backup BACKUP) if its data fits",
            old.spec.plan
        )
    })
}

/// Whether `other` is the store of this request (same object, possibly older).
fn same_store(other: &Store, me: &Store) -> bool {
    match (&other.metadata.uid, &me.metadata.uid) {
        (Some(a), Some(b)) => a == b,
        _ => {
            other.metadata.namespace == me.metadata.namespace
                && other.metadata.name == me.metadata.name
        }
    }
}

/// A store name is unique in the cluster (it names `store-<name>` and
/// `<name>.<base domain>`); a host belongs to one store. Says why not.
/// (Names are checked on create: a name cannot change afterwards.)
pub fn claims(me: &Store, old: Option<&Store>, facts: &Facts) -> Option<String> {
    let name = me.metadata.name.as_deref().unwrap_or_default();
    let mut others = facts.stores.iter().filter(|other| !same_store(other, me));
    let creating = old.is_none();
    if creating
        && others
            .clone()
            .any(|other| other.metadata.name.as_deref() == Some(name))
    {
        return Some(format!(
            "the store name {name:?} is taken: store names are unique in the cluster (each names its namespace store-{name} and its host {name}.{}); pick another name",
            facts.base_domain
        ));
    }
    // Only a domain being set is checked: a store that keeps its domain is
    // never refused for it, whatever else holds it (two stores admitted in a
    // race must each stay changeable and deletable).
    let kept = old.is_some_and(|old| old.spec.domain == me.spec.domain);
    if let Some(domain) = me.spec.domain.as_ref().filter(|_| !kept) {
        if let Err(invalid) = validation::domain_for_store(domain, name, &facts.base_domain) {
            return Some(invalid.to_string());
        }
        if others.any(|other| &other.host(&facts.base_domain) == domain) {
            return Some(format!(
                "the domain {domain} is already claimed by another store: a host belongs to one store at a time; use another domain"
            ));
        }
    }
    None
}

/// The most bytes (keys and values) a Store's labels, and its annotations,
/// may take. Every operator replica and webhook keeps every Store in memory,
/// and the API server allows about 256 KiB of annotations and any number of
/// labels: a few hostile Stores would otherwise exhaust the operator. The
/// annotations' bound leaves room for `kubectl apply`'s copy of the object.
pub const MAX_LABEL_BYTES: usize = 4 * 1024;
pub const MAX_ANNOTATION_BYTES: usize = 32 * 1024;

/// Labels or annotations past their bound, said with the numbers.
pub fn oversized(me: &Store) -> Option<String> {
    let bytes = |map: Option<&BTreeMap<String, String>>| {
        map.iter()
            .flat_map(|m| m.iter())
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>()
    };
    let labels = bytes(me.metadata.labels.as_ref());
    let annotations = bytes(me.metadata.annotations.as_ref());
    let over = |what: &str, used: usize, most: usize| {
        format!(
            "the store's {what} take {used} bytes; at most {most} are accepted (every Nexus operator replica keeps every store in memory): remove some"
        )
    };
    if labels > MAX_LABEL_BYTES {
        return Some(over("labels", labels, MAX_LABEL_BYTES));
    }
    (annotations > MAX_ANNOTATION_BYTES)
        .then(|| over("annotations", annotations, MAX_ANNOTATION_BYTES))
}

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

/// Refuses what a tenant must not do to a Store: take a name or host another
/// store holds, forge or change its owner, remove the finalizer that deletes
/// its data in order.
pub fn validate(request: &AdmissionRequest<DynamicObject>, facts: &Facts) -> AdmissionResponse {
    let response = AdmissionResponse::from(request);
    let new = request.object.as_ref();
    let old = request.old_object.as_ref();
    let user = &request.user_info;
    let username = user.username.as_deref().unwrap_or_default();
    let operator = facts.operator.as_str();
    if matches!(request.operation, Operation::Create | Operation::Update)
        && let Some(store) = new.and_then(|o| o.clone().try_parse::<Store>().ok())
    {
        let before = old.and_then(|o| o.clone().try_parse::<Store>().ok());
        // The operator's own writes (its finalizer) are never refused for a
        // claim: a store must always be deletable.
        let claim = (username != operator)
            .then(|| claims(&store, before.as_ref(), facts))
            .flatten();
        let size = (username != operator).then(|| oversized(&store)).flatten();
        let refusal = size
            .or(claim)
            .or_else(|| reserved_label(&store, before.as_ref(), user, facts))
            .or_else(|| policy_refusal(&store, before.as_ref(), user, &facts.policy))
            .or_else(|| backup_refusal(&store, before.as_ref(), user, &facts.policy))
            .or_else(|| check_refusal(&store))
            .or_else(|| {
                let held = facts.storage_held.as_deref();
                plan_storage_refusal(&store, before.as_ref(), &facts.plans, held)
            });
        if let Some(reason) = refusal {
            return response.deny(reason);
        }
    }
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

/// Requests as the API server sends them, for the tests of admission and audit.
#[cfg(test)]
pub mod testing {
    use kube::core::DynamicObject;
    use kube::core::admission::{AdmissionRequest, AdmissionReview};
    use serde_json::json;

    /// A request on the Store team-a/shop by `user`.
    pub fn store_request(
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
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::testing::store_request;

    fn facts(operator: &str) -> Facts {
        Facts {
            operator: operator.into(),
            base_domain: "shops.test".into(),
            stores: Vec::new(),
            policy: StorePolicySpec::default(),
            selector_keys: vec!["example.com/shard".into()],
            plans: Plans::default(),
            storage_held: None,
        }
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
    fn a_backup_schedule_must_work_and_keep_to_the_policy() {
        let mut facts = facts("system:serviceaccount:nexus-system:nexus-operator");
        facts.policy.defaults.min_backup_interval = Some("1h".into());
        let with_schedule = |schedule: &str, keep: serde_json::Value| {
            let mut object = store(json!({}), json!([]));
            object["spec"]["backup"] = json!({"schedule": schedule, "keep": keep});
            object
        };
        // Owner annotations as the mutating webhook records them.
        let answer = |user: serde_json::Value, mut object: serde_json::Value| {
            let info: UserInfo = serde_json::from_value(user.clone()).unwrap();
            object["metadata"]["annotations"] = json!(owner_annotations(&info));
            validate(&store_request("CREATE", user, object, None), &facts)
        };
        let daily = answer(alice(), with_schedule("0 3 * * *", json!({"count": 7})));
        assert!(daily.allowed, "{:?}", daily.result);
        let often = answer(alice(), with_schedule("*/10 * * * *", json!({})));
        assert!(!often.allowed);
        assert!(
            often.result.message.contains("every 10m at its busiest")
                && often.result.message.contains("at most every 1h"),
            "{}",
            often.result.message
        );
        let broken = answer(alice(), with_schedule("0 25 * * *", json!({})));
        assert!(
            broken
                .result
                .message
                .contains("spec.backup: invalid backup schedule"),
            "{}",
            broken.result.message
        );
        let none_kept = answer(alice(), with_schedule("0 3 * * *", json!({"count": 0})));
        assert!(none_kept.result.message.contains("keep at least 1"));
        // A platform admin is held to a schedule that works, not to the policy.
        let admin = json!({"username": "root", "groups": ["system:masters"]});
        assert!(answer(admin.clone(), with_schedule("*/10 * * * *", json!({}))).allowed);
        assert!(!answer(admin, with_schedule("0 3 * *", json!({}))).allowed);
    }

    #[test]
    fn the_requester_is_recorded_over_what_the_client_sent() {
        let forged = store_request(
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
        let bare = store_request("CREATE", alice(), store(json!(null), json!([])), None);
        let ops = patch_of(&mutate(&bare));
        assert_eq!(ops[0]["path"], "/metadata/annotations");
    }

    #[test]
    fn a_create_must_carry_the_recorded_owner() {
        let recorded = store_request("CREATE", alice(), store(owned_by_alice(), json!([])), None);
        assert!(validate(&recorded, &facts("nexus-operator")).allowed);
        let forged = store_request(
            "CREATE",
            alice(),
            store(json!({"nexus.dev/owner": "bob"}), json!([])),
            None,
        );
        let response = validate(&forged, &facts("nexus-operator"));
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
        let update = store_request(
            "UPDATE",
            alice(),
            store(changed, json!(["nexus.dev/cleanup"])),
            Some(store(owned_by_alice(), json!(["nexus.dev/cleanup"]))),
        );
        let response = validate(&update, &facts("nexus-operator"));
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
        let added = store_request(
            "UPDATE",
            alice(),
            store(owned_by_alice(), json!([])),
            Some(store(json!({}), json!([]))),
        );
        assert!(!validate(&added, &facts("nexus-operator")).allowed);
    }

    #[test]
    fn a_taken_name_or_host_is_refused_at_admission() {
        let existing: Store =
            serde_json::from_value(json!({"apiVersion": "nexus.dev/v1alpha1", "kind": "Store",
            "metadata": {"name": "shop", "namespace": "team-b", "uid": "u-b"},
            "spec": {"engine": "woocommerce", "domain": "shop.example.org"}}))
            .unwrap();
        let mut known = facts("op");
        known.stores = vec![Arc::new(existing)];
        let same_name = store_request("CREATE", alice(), store(owned_by_alice(), json!([])), None);
        let refused = validate(&same_name, &known);
        assert!(!refused.allowed);
        assert!(
            refused
                .result
                .message
                .contains("the store name \"shop\" is taken"),
            "{}",
            refused.result.message
        );
        assert!(
            !refused.result.message.contains("team-b"),
            "another tenant's namespace is not told"
        );

        let mut other = store(owned_by_alice(), json!([]));
        other["metadata"]["name"] = json!("other");
        other["spec"]["domain"] = json!("shop.example.org");
        let taken_host = store_request("CREATE", alice(), other.clone(), None);
        let refused = validate(&taken_host, &known);
        assert!(
            refused
                .result
                .message
                .contains("already claimed by another store"),
            "{}",
            refused.result.message
        );

        other["spec"]["domain"] = json!("shop.shops.test");
        let under_base = validate(
            &store_request("CREATE", alice(), other.clone(), None),
            &known,
        );
        assert!(
            under_base.result.message.contains("base domain shops.test"),
            "{}",
            under_base.result.message
        );

        other["spec"]["domain"] = json!("mine.example.org");
        assert!(validate(&store_request("CREATE", alice(), other, None), &known).allowed);
    }

    #[test]
    fn labels_and_annotations_are_bounded_for_everyone_but_the_operator() {
        let mut big = store(owned_by_alice(), json!([]));
        let labels: serde_json::Map<String, serde_json::Value> = (0..100)
            .map(|i| (format!("example.com/label-{i:03}"), json!("x".repeat(30))))
            .collect();
        big["metadata"]["labels"] = serde_json::Value::Object(labels);
        let refused = validate(
            &store_request("CREATE", alice(), big.clone(), None),
            &facts("op"),
        );
        assert!(
            refused
                .result
                .message
                .contains("the store's labels take 5100 bytes; at most 4096 are accepted"),
            "{}",
            refused.result.message
        );
        let mut annotated = store(owned_by_alice(), json!([]));
        annotated["metadata"]["annotations"]["example.com/notes"] = json!("y".repeat(40_000));
        let small = store(owned_by_alice(), json!([]));
        let refused = validate(
            &store_request("UPDATE", alice(), annotated.clone(), Some(small)),
            &facts("op"),
        );
        assert!(
            refused
                .result
                .message
                .contains("the store's annotations take"),
            "{}",
            refused.result.message
        );
        let operator = json!({"username": "op", "groups": ["system:serviceaccounts"]});
        assert!(
            validate(
                &store_request("UPDATE", operator, annotated.clone(), Some(annotated)),
                &facts("op")
            )
            .allowed
        );
    }

    #[test]
    fn the_labels_that_choose_the_operator_are_the_platforms_once_the_store_exists() {
        let mut sharded = store(owned_by_alice(), json!([]));
        sharded["metadata"]["labels"] = json!({"example.com/shard": "a"});
        // Chosen at creation,
        assert!(
            validate(
                &store_request("CREATE", alice(), sharded.clone(), None),
                &facts("op")
            )
            .allowed
        );
        // then neither changed nor removed by the tenant.
        for labels in [json!({"example.com/shard": "b"}), json!({})] {
            let mut moved = sharded.clone();
            moved["metadata"]["labels"] = labels;
            let refused = validate(
                &store_request("UPDATE", alice(), moved.clone(), Some(sharded.clone())),
                &facts("op"),
            );
            assert!(
                refused.result.message.contains(
                    "the label example.com/shard chooses which Nexus operator serves this store"
                ),
                "{}",
                refused.result.message
            );
            let admin = json!({"username": "admin", "groups": ["system:masters"]});
            assert!(
                validate(
                    &store_request("UPDATE", admin, moved, Some(sharded.clone())),
                    &facts("op")
                )
                .allowed
            );
        }
    }

    #[test]
    fn a_tenant_may_not_set_reserved_labels() {
        let mut labelled = store(owned_by_alice(), json!([]));
        labelled["metadata"]["labels"] = json!({"shard.nexus.dev/id": "2", "team": "x"});
        let refused = validate(
            &store_request("CREATE", alice(), labelled.clone(), None),
            &facts("op"),
        );
        assert!(
            refused
                .result
                .message
                .contains("shard.nexus.dev/id uses the reserved prefix nexus.dev/"),
            "{}",
            refused.result.message
        );
        // Kept as it was (set by an admin): other changes pass.
        let mut changed = labelled.clone();
        changed["metadata"]["labels"]["team"] = json!("y");
        assert!(
            validate(
                &store_request("UPDATE", alice(), changed, Some(labelled.clone())),
                &facts("op")
            )
            .allowed
        );
        // Removing one is a change too: it would take the store out of a
        // selector (and a webhook) that reads it.
        let mut removed = labelled.clone();
        removed["metadata"]["labels"] = json!({"team": "x"});
        let refused = validate(
            &store_request("UPDATE", alice(), removed, Some(labelled.clone())),
            &facts("op"),
        );
        assert!(
            refused
                .result
                .message
                .contains("shard.nexus.dev/id uses the reserved prefix nexus.dev/ (kept for Kubernetes and Nexus) and cannot be removed"),
            "{}",
            refused.result.message
        );
        let admin = json!({"username": "admin", "groups": ["system:masters"]});
        let mut by_admin = labelled;
        by_admin["metadata"]["annotations"] = json!({"nexus.dev/owner": "admin", "nexus.dev/owner-groups": "system:masters", "nexus.dev/owner-uid": ""});
        assert!(
            validate(
                &store_request("CREATE", admin, by_admin, None),
                &facts("op")
            )
            .allowed
        );
    }

    #[test]
    fn the_policy_reserves_names_and_limits_plans() {
        use crate::api::Plan;
        use crate::api::policy::PolicyRules;
        let mut known = facts("op");
        known.policy = StorePolicySpec {
            defaults: PolicyRules {
                allowed_plans: Some(vec![Plan::Small]),
                ..PolicyRules::default()
            },
            reserved_names: vec!["www".into()],
            ..StorePolicySpec::default()
        };
        let mut www = store(owned_by_alice(), json!([]));
        www["metadata"]["name"] = json!("www");
        let refused = validate(&store_request("CREATE", alice(), www, None), &known);
        assert!(
            refused.result.message.contains("\"www\" is reserved"),
            "{}",
            refused.result.message
        );

        let mut large = store(owned_by_alice(), json!([]));
        large["spec"]["plan"] = json!("large");
        let refused = validate(
            &store_request("CREATE", alice(), large.clone(), None),
            &known,
        );
        assert!(
            refused
                .result
                .message
                .contains("the plan large is not allowed for alice (allowed: small)"),
            "{}",
            refused.result.message
        );
        // A store that already has the plan keeps it; a change to it is refused.
        let same = store_request("UPDATE", alice(), large.clone(), Some(large.clone()));
        assert!(validate(&same, &known).allowed);
        let grown = store_request(
            "UPDATE",
            alice(),
            large,
            Some(store(owned_by_alice(), json!([]))),
        );
        assert!(!validate(&grown, &known).allowed);
        let admin = json!({"username": "admin", "groups": ["system:masters"]});
        let mut big = store(
            json!({"nexus.dev/owner": "admin", "nexus.dev/owner-groups": "system:masters", "nexus.dev/owner-uid": ""}),
            json!([]),
        );
        big["spec"]["plan"] = json!("large");
        assert!(validate(&store_request("CREATE", admin, big, None), &known).allowed);
    }

    #[test]
    fn a_smaller_plan_the_stores_volumes_would_not_fit_is_refused_with_the_numbers() {
        let mut medium = store(owned_by_alice(), json!([]));
        medium["spec"]["plan"] = json!("medium");
        let small = store(owned_by_alice(), json!([]));
        let down = store_request("UPDATE", alice(), small, Some(medium.clone()));
        let mut known = facts("op");
        // medium's volumes (5Gi and 10Gi) are more than small's 10Gi.
        known.storage_held = Some("15Gi".into());
        let refused = validate(&down, &known);
        assert!(
            refused
                .result
                .message
                .contains("the store's volumes hold 15Gi of storage and plan small allows 10Gi"),
            "{}",
            refused.result.message
        );
        assert!(refused.result.message.contains("keep plan medium"));
        // Volumes that fit, or none yet, do not hold a downgrade back.
        known.storage_held = Some("4Gi".into());
        assert!(validate(&down, &known).allowed);
        known.storage_held = None;
        assert!(validate(&down, &known).allowed);
        // Nor does storage held when the plan stays.
        known.storage_held = Some("15Gi".into());
        let same = store_request("UPDATE", alice(), medium.clone(), Some(medium));
        assert!(validate(&same, &known).allowed);
    }

    #[test]
    fn only_the_operator_or_a_cluster_admin_removes_the_finalizer() {
        let removal = |user: serde_json::Value| {
            store_request(
                "UPDATE",
                user,
                store(owned_by_alice(), json!([])),
                Some(store(owned_by_alice(), json!(["nexus.dev/cleanup"]))),
            )
        };
        let operator_facts = facts("system:serviceaccount:nexus:nexus-operator");
        let tenant = validate(&removal(alice()), &operator_facts);
        assert!(!tenant.allowed);
        assert!(tenant.result.message.contains("only the Nexus operator"));
        let operator = json!({"username": "system:serviceaccount:nexus:nexus-operator", "groups": ["system:serviceaccounts"]});
        assert!(validate(&removal(operator), &operator_facts).allowed);
        let admin = json!({"username": "admin", "groups": ["system:masters"]});
        assert!(validate(&removal(admin), &operator_facts).allowed);
        // Other updates by the tenant pass.
        let labelled = store_request(
            "UPDATE",
            alice(),
            store(owned_by_alice(), json!(["nexus.dev/cleanup"])),
            Some(store(owned_by_alice(), json!(["nexus.dev/cleanup"]))),
        );
        assert!(validate(&labelled, &facts("op")).allowed);
    }
}
