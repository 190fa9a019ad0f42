//! One host, one store. The API server lets two tenants ask for the same
//! `spec.domain`; the operator routes a host for one store only: the one
//! already routed at it, else the oldest that asks. Pure, over the
//! controller's cache of Stores.

use std::sync::Arc;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::step::Step;
use crate::api::conditions;
use crate::api::{Store, StoreStatus};

/// A store that asks for a host: its UID, when it was created, and whether
/// its status says it is routed there already.
pub struct Claimant<'a> {
    pub uid: &'a str,
    pub created: Option<&'a Time>,
    pub routed: bool,
}

/// Whether a store other than `me` holds `host`.
pub fn taken_by_another(me: &Claimant, host: &str, base_domain: &str, all: &[Arc<Store>]) -> bool {
    if me.routed {
        return false;
    }
    all.iter()
        .filter(|other| other.metadata.uid.as_deref() != Some(me.uid))
        .any(|other| {
            let routed = other
                .status
                .as_ref()
                .is_some_and(|status| routed_at(status, host));
            routed || (other.host(base_domain) == host && older(other, me))
        })
}

/// The status says the store is served at `host` (its Ingress step holds).
pub fn routed_at(status: &StoreStatus, host: &str) -> bool {
    let url_host = status.url.as_deref().and_then(|u| u.split("://").nth(1));
    let routed = conditions::find(&status.conditions, Step::Ingress.as_str())
        .is_some_and(|c| c.status == "True");
    routed && url_host == Some(host)
}

/// Created earlier; the UID breaks a tie within the API server's one-second clock.
fn older(other: &Store, me: &Claimant) -> bool {
    let theirs = (
        other.metadata.creation_timestamp.as_ref(),
        other.metadata.uid.as_deref().unwrap_or_default(),
    );
    theirs < (me.created, me.uid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Plan;
    use crate::api::StoreStatus;
    use crate::validated::testing::store;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
    use k8s_openapi::jiff::Timestamp;

    fn at(name: &str, uid: &str, created: i64, domain: Option<&str>) -> Store {
        let mut s = store(name, Plan::Small);
        s.metadata.uid = Some(uid.into());
        s.metadata.creation_timestamp = Some(Time(Timestamp::from_second(created).unwrap()));
        s.spec.domain = domain.map(String::from);
        s
    }

    fn routed(mut s: Store, url: &str) -> Store {
        s.status = Some(StoreStatus {
            url: Some(url.into()),
            conditions: vec![Condition {
                type_: "Ingress".into(),
                status: "True".into(),
                reason: "Routed".into(),
                message: String::new(),
                observed_generation: None,
                last_transition_time: Time(Timestamp::UNIX_EPOCH),
            }],
            ..StoreStatus::default()
        });
        s
    }

    fn me(s: &Store) -> Claimant<'_> {
        let host = s.host("shops.test");
        Claimant {
            uid: s.metadata.uid.as_deref().unwrap(),
            created: s.metadata.creation_timestamp.as_ref(),
            routed: s.status.as_ref().is_some_and(|st| routed_at(st, &host)),
        }
    }

    #[test]
    fn the_oldest_claimant_wins_until_one_is_routed() {
        let base = "shops.test";
        let alice = at("alice", "a", 100, Some("shop.example.org"));
        let bob = at("bob", "b", 200, Some("shop.example.org"));
        let all = vec![Arc::new(alice.clone()), Arc::new(bob.clone())];
        assert!(!taken_by_another(
            &me(&alice),
            "shop.example.org",
            base,
            &all
        ));
        assert!(taken_by_another(&me(&bob), "shop.example.org", base, &all));

        // A routed store keeps its host even against an older newcomer.
        let bob = routed(bob, "https://shop.example.org");
        let all = vec![Arc::new(alice.clone()), Arc::new(bob.clone())];
        assert!(taken_by_another(
            &me(&alice),
            "shop.example.org",
            base,
            &all
        ));
        assert!(!taken_by_another(&me(&bob), "shop.example.org", base, &all));
    }

    #[test]
    fn default_hosts_and_other_domains_do_not_collide() {
        let base = "shops.test";
        let alice = at("alice", "a", 100, None);
        let bob = at("bob", "b", 50, Some("bob.example.org"));
        let all = vec![Arc::new(alice.clone()), Arc::new(bob)];
        assert_eq!(alice.host(base), "alice.shops.test");
        assert!(!taken_by_another(
            &me(&alice),
            "alice.shops.test",
            base,
            &all
        ));
    }
}
