//! Store names and custom domains claimed at admission, atomically: each is a
//! ConfigMap `nexus-claim-<kind>-<key>` in the operator's namespace, created
//! by the first request that wants it. Creates racing on one name or domain
//! (through any replica) conflict on that ConfigMap, so exactly one wins: the
//! watch cache alone cannot decide that, it lags behind a create admitted a
//! moment ago.
//!
//! A claim is never released by hand: one whose store is gone, or no longer
//! has that name or domain, is stale and taken over (compare-and-swap) by
//! the next request that wants it. A claim younger than `SETTLING` whose
//! store the cache does not show yet belongs to a create still under way
//! (or refused after it claimed): it is refused, with a word to try again.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::jiff::Timestamp;
use kube::api::{ObjectMeta, PostParams};
use kube::{Api, Client};
use serde_json::json;

use crate::api::Store;
use crate::api::labels::{MANAGED_BY, MANAGER};
use crate::operator::error::{Error, Result};

/// How long a fresh claim is held for a store the cache does not show yet.
const SETTLING_SECONDS: i64 = 30;
/// The label that says what a claim is of (`name` or `domain`).
pub const CLAIM_LABEL: &str = "nexus.dev/claim";

/// What a store holds alone in the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Name,
    Domain,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Name => "name",
            Kind::Domain => "domain",
        }
    }

    /// Whether `store` has `value` as its name or its custom domain.
    fn held_by(self, store: &Store, value: &str) -> bool {
        match self {
            Kind::Name => store.metadata.name.as_deref() == Some(value),
            Kind::Domain => store.spec.domain.as_deref() == Some(value),
        }
    }

    fn refusal(self, value: &str, base_domain: &str, settling: bool) -> String {
        let again = if settling {
            " (a store created a moment ago took it; if that create was refused, it is free again within 30 seconds)"
        } else {
            ""
        };
        match self {
            Kind::Name => format!(
                "the store name {value:?} is taken{again}: store names are unique in the cluster (each names its namespace store-{value} and its host {value}.{base_domain}); pick another name"
            ),
            Kind::Domain => format!(
                "the domain {value} is already claimed by another store{again}: a host belongs to one store at a time; use another domain"
            ),
        }
    }
}

/// The ConfigMap name of a claim: a store name is a DNS label already; a
/// domain is hashed (it may be longer than a name allows).
fn object_name(kind: Kind, value: &str) -> String {
    match kind {
        Kind::Name => format!("nexus-claim-name-{value}"),
        Kind::Domain => {
            let digest = ring::digest::digest(&ring::digest::SHA256, value.as_bytes());
            let hex: String = digest.as_ref()[..16]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("nexus-claim-domain-{hex}")
        }
    }
}

/// What a create or update of `store` must hold alone: its name when it is
/// created, its custom domain when it is set or changed.
fn wanted(store: &Store, old: Option<&Store>) -> Vec<(Kind, String)> {
    let mut wanted = Vec::new();
    if old.is_none()
        && let Some(name) = &store.metadata.name
    {
        wanted.push((Kind::Name, name.clone()));
    }
    let changed = old.is_none_or(|old| old.spec.domain != store.spec.domain);
    if let Some(domain) = store.spec.domain.as_ref().filter(|_| changed) {
        wanted.push((Kind::Domain, domain.clone()));
    }
    wanted
}

/// Claims what `store` must hold alone, or says who holds it. `stores` is the
/// webhook's cache of every Store; `namespace` the operator's own.
pub async fn claim(
    client: &Client,
    namespace: &str,
    (store, old): (&Store, Option<&Store>),
    stores: &[Arc<Store>],
    base_domain: &str,
) -> Result<std::result::Result<(), String>> {
    let claims: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
    let me = (
        store.metadata.namespace.clone().unwrap_or_default(),
        store.metadata.name.clone().unwrap_or_default(),
    );
    for (kind, value) in wanted(store, old) {
        if let Err(refusal) = claim_one(&claims, kind, &value, &me, stores, base_domain).await? {
            return Ok(Err(refusal));
        }
    }
    Ok(Ok(()))
}

async fn claim_one(
    claims: &Api<ConfigMap>,
    kind: Kind,
    value: &str,
    (namespace, name): &(String, String),
    stores: &[Arc<Store>],
    base_domain: &str,
) -> Result<std::result::Result<(), String>> {
    let object = object_name(kind, value);
    let now = Timestamp::now();
    let data = BTreeMap::from([
        ("namespace".to_string(), namespace.clone()),
        ("store".to_string(), name.clone()),
        ("value".to_string(), value.to_string()),
        ("since".to_string(), now.as_second().to_string()),
    ]);
    let fresh = ConfigMap {
        metadata: ObjectMeta {
            name: Some(object.clone()),
            labels: Some(BTreeMap::from([
                (MANAGED_BY.to_string(), MANAGER.to_string()),
                (CLAIM_LABEL.to_string(), kind.label().to_string()),
            ])),
            ..ObjectMeta::default()
        },
        data: Some(data.clone()),
        ..ConfigMap::default()
    };
    let action = |verb: &str| format!("{verb} ConfigMap {object} (the claim of {value})");
    match claims.create(&PostParams::default(), &fresh).await {
        Ok(_) => return Ok(Ok(())),
        Err(kube::Error::Api(status)) if status.code == 409 => {}
        Err(e) => return Err(Error::api(action("create"))(e)),
    }
    let Some(held) = claims
        .get_opt(&object)
        .await
        .map_err(Error::api(action("read")))?
    else {
        // Gone between the two calls: nobody holds it any more, but another
        // request may be taking it right now. Refused; a retry claims it.
        return Ok(Err(kind.refusal(value, base_domain, true)));
    };
    let field = |key: &str| {
        held.data
            .as_ref()
            .and_then(|d| d.get(key))
            .cloned()
            .unwrap_or_default()
    };
    let holder = (field("namespace"), field("store"));
    if holder == (namespace.clone(), name.clone()) {
        return Ok(Ok(()));
    }
    let alive = stores.iter().any(|s| {
        s.metadata.namespace.as_deref() == Some(holder.0.as_str())
            && s.metadata.name.as_deref() == Some(holder.1.as_str())
            && s.metadata.deletion_timestamp.is_none()
            && kind.held_by(s, value)
    });
    if alive {
        return Ok(Err(kind.refusal(value, base_domain, false)));
    }
    let since: i64 = field("since").parse().unwrap_or(0);
    if now.as_second() - since < SETTLING_SECONDS {
        return Ok(Err(kind.refusal(value, base_domain, true)));
    }
    // Stale: taken over only if nobody wrote it since it was read.
    let changes = json!({
        "metadata": {"resourceVersion": held.metadata.resource_version},
        "data": data,
    });
    match claims
        .patch(
            &object,
            &kube::api::PatchParams::default(),
            &kube::api::Patch::Merge(&changes),
        )
        .await
    {
        Ok(_) => Ok(Ok(())),
        Err(kube::Error::Api(status)) if status.code == 409 => {
            Ok(Err(kind.refusal(value, base_domain, true)))
        }
        Err(e) => Err(Error::api(action("take over"))(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(name: &str, domain: Option<&str>) -> Store {
        serde_json::from_value(json!({
            "apiVersion": "nexus.dev/v1alpha1", "kind": "Store",
            "metadata": {"name": name, "namespace": "team-a"},
            "spec": {"engine": "woocommerce", "domain": domain},
        }))
        .unwrap()
    }

    #[test]
    fn a_create_claims_its_name_and_domain_an_update_only_a_new_domain() {
        let created = store("shop", Some("shop.example.com"));
        assert_eq!(
            wanted(&created, None),
            [
                (Kind::Name, "shop".to_string()),
                (Kind::Domain, "shop.example.com".to_string())
            ]
        );
        assert!(wanted(&created, Some(&created)).is_empty());
        let moved = store("shop", Some("new.example.com"));
        assert_eq!(
            wanted(&moved, Some(&created)),
            [(Kind::Domain, "new.example.com".to_string())]
        );
        assert!(wanted(&store("shop", None), Some(&created)).is_empty());
    }

    #[test]
    fn claim_names_are_valid_and_distinct() {
        let long = format!("{}.example.com", "a".repeat(200));
        let name = object_name(Kind::Domain, &long);
        assert!(name.len() <= 63, "{name}");
        assert_ne!(name, object_name(Kind::Domain, "b.example.com"));
        assert_eq!(object_name(Kind::Name, "shop"), "nexus-claim-name-shop");
    }
}
