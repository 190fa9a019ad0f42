//! The answer to a QuotaReview: a user's limits under the StorePolicy and
//! their usage, from the same ledgers admission enforces with (or, where no
//! limit keeps a ledger, from the stores themselves).

use std::sync::Arc;

use k8s_openapi::jiff::Timestamp;

use super::ledger::Ledger;
use crate::api::Store;
use crate::api::labels::OWNER_ANNOTATION;
use crate::api::policy::StorePolicySpec;
use crate::api::quota::{QuotaReport, Usage};

/// What the answer is computed from.
pub struct QuotaFacts<'a> {
    pub user: &'a str,
    pub groups: &'a [String],
    /// The review's (tenant) namespace.
    pub namespace: &'a str,
    pub policy_name: &'a str,
    pub policy: &'a StorePolicySpec,
    pub user_ledger: Option<Ledger>,
    pub namespace_ledger: Option<Ledger>,
    /// Every Store in the cluster.
    pub stores: &'a [Arc<Store>],
    /// Unix seconds.
    pub now: i64,
}

fn owner(store: &Store) -> Option<&str> {
    store
        .metadata
        .annotations
        .as_ref()?
        .get(OWNER_ANNOTATION)
        .map(String::as_str)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub fn report(facts: QuotaFacts<'_>) -> QuotaReport {
    let limits = facts.policy.limits(facts.user, facts.groups);
    let exists = |ns: &str, name: &str| {
        facts.stores.iter().any(|s| {
            s.metadata.namespace.as_deref() == Some(ns) && s.metadata.name.as_deref() == Some(name)
        })
    };
    let (stores_held, creations) = match facts.user_ledger {
        Some(mut ledger) => {
            ledger.prune(exists, facts.now, limits.window);
            (count(ledger.stores.len()), ledger.creations)
        }
        None => {
            let owned = facts.stores.iter().filter(|s| owner(s) == Some(facts.user));
            (count(owned.count()), Vec::new())
        }
    };
    let next_creation_at = limits
        .max_creations
        .filter(|max| creations.len() >= *max as usize)
        .and_then(|_| creations.iter().min())
        .and_then(|oldest| Timestamp::from_second(oldest + limits.window.as_secs() as i64).ok())
        .map(|t| t.to_string());
    let namespace_held = match facts.namespace_ledger {
        Some(mut ledger) => {
            ledger.prune(exists, facts.now, limits.window);
            count(ledger.stores.len())
        }
        None => count(
            facts
                .stores
                .iter()
                .filter(|s| s.metadata.namespace.as_deref() == Some(facts.namespace))
                .count(),
        ),
    };
    QuotaReport {
        user: facts.user.to_string(),
        policy: facts.policy_name.to_string(),
        allowed_plans: facts
            .policy
            .allowed_plans(facts.user, facts.groups)
            .map(|p| p.to_vec()),
        stores: Usage {
            used: stores_held,
            limit: limits.max_stores,
        },
        creations: Usage {
            used: count(creations.len()),
            limit: limits.max_creations,
        },
        window: crate::duration::human(limits.window),
        next_creation_at,
        namespace_stores: Usage {
            used: namespace_held,
            limit: facts.policy.max_stores_per_namespace,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::ledger::Entry;
    use crate::api::policy::PolicyRules;
    use serde_json::json;

    fn store(namespace: &str, name: &str, owner: &str) -> Arc<Store> {
        Arc::new(
            serde_json::from_value(json!({"apiVersion": "nexus.dev/v1alpha1", "kind": "Store",
                "metadata": {"name": name, "namespace": namespace, "annotations": {"nexus.dev/owner": owner}},
                "spec": {"engine": "woocommerce"}}))
            .unwrap(),
        )
    }

    #[test]
    fn usage_comes_from_the_ledger_and_says_when_the_window_frees_up() {
        let policy = StorePolicySpec {
            defaults: PolicyRules {
                max_stores: Some(3),
                max_creations: Some(2),
                window: Some("1h".into()),
                ..PolicyRules::default()
            },
            max_stores_per_namespace: Some(10),
            ..StorePolicySpec::default()
        };
        let stores = [
            store("team-a", "one", "alice"),
            store("team-a", "two", "alice"),
            store("team-b", "x", "bob"),
        ];
        let ledger = Ledger {
            stores: vec![
                Entry {
                    namespace: "team-a".into(),
                    name: "one".into(),
                    at: 1000,
                },
                Entry {
                    namespace: "team-a".into(),
                    name: "two".into(),
                    at: 1600,
                },
            ],
            creations: vec![1000, 1600],
        };
        let report = report(QuotaFacts {
            user: "alice",
            groups: &[],
            namespace: "team-a",
            policy_name: "default",
            policy: &policy,
            user_ledger: Some(ledger),
            namespace_ledger: None,
            stores: &stores,
            now: 2000,
        });
        assert_eq!(
            report.stores,
            Usage {
                used: 2,
                limit: Some(3)
            }
        );
        assert_eq!(
            report.creations,
            Usage {
                used: 2,
                limit: Some(2)
            }
        );
        assert_eq!(report.window, "1h");
        assert_eq!(
            report.next_creation_at.as_deref(),
            Some("1970-01-01T01:16:40Z")
        );
        assert_eq!(
            report.namespace_stores,
            Usage {
                used: 2,
                limit: Some(10)
            },
            "bob's store is not counted"
        );
    }

    #[test]
    fn without_limits_the_stores_the_user_owns_are_counted() {
        let stores = [store("team-a", "one", "alice"), store("team-b", "x", "bob")];
        let report = report(QuotaFacts {
            user: "bob",
            groups: &[],
            namespace: "team-b",
            policy_name: "default",
            policy: &StorePolicySpec::default(),
            user_ledger: None,
            namespace_ledger: None,
            stores: &stores,
            now: 0,
        });
        assert_eq!(
            report.stores,
            Usage {
                used: 1,
                limit: None
            }
        );
        assert_eq!(report.next_creation_at, None);
        assert_eq!(report.allowed_plans, None);
    }
}
