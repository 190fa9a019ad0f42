//! `StorePolicy`: the platform's rules for stores, one cluster-scoped object
//! (named `default` unless the operator is told otherwise) with defaults and
//! overrides per group and per user. The admission webhook enforces it.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Plan;

/// Rules for stores, enforced when a store is created or changed.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "nexus.dev",
    version = "v1alpha1",
    kind = "StorePolicy",
    shortname = "nsp",
    category = "nexus",
    doc = "Rules for Nexus stores: allowed plans and reserved names, with overrides per group and user",
    derive = "PartialEq",
    derive = "Default"
)]
#[serde(rename_all = "camelCase")]
pub struct StorePolicySpec {
    /// Rules for everyone, unless a group or user rule says otherwise.
    #[serde(default)]
    pub defaults: PolicyRules,
    /// Rules for members of a group; the first group rule that matches applies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<SubjectRules>,
    /// Rules for one user; they win over group rules and the defaults.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<SubjectRules>,
    /// Store names nobody may take (they name hosts under the base domain:
    /// www, admin, api, mail, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 1000))]
    pub reserved_names: Vec<String>,
    /// Stores one tenant namespace may hold at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_stores_per_namespace: Option<u32>,
}

/// What a rule can say; a field left out inherits from the level below.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRules {
    /// The plans stores may use (all when not set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_plans: Option<Vec<Plan>>,
    /// Stores one user may own at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_stores: Option<u32>,
    /// Stores one user may create within `window` (a sliding window).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_creations: Option<u32>,
    /// The sliding window of `maxCreations`, such as 1h or 10m (default 1h).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 16))]
    pub window: Option<String>,
    /// The shortest time a store's backup schedule may leave between two
    /// backups, such as 1h (every schedule when not set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 16))]
    pub min_backup_interval: Option<String>,
    /// Manual backups one store may take within an hour (a sliding hour),
    /// by the rules of the store's owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_manual_backups_per_hour: Option<u32>,
}

/// The limits that hold for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserLimits {
    pub max_stores: Option<u32>,
    pub max_creations: Option<u32>,
    pub window: std::time::Duration,
}

/// The window when a rule gives none.
pub const DEFAULT_WINDOW: std::time::Duration = std::time::Duration::from_secs(3600);

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubjectRules {
    /// The user name or group name, as the API server authenticates it.
    pub name: String,
    #[serde(flatten)]
    pub rules: PolicyRules,
}

impl StorePolicySpec {
    /// The plans `user` (in `groups`) may use: the user's rule, else the first
    /// group rule that says, else the defaults; None means every plan.
    pub fn allowed_plans(&self, user: &str, groups: &[String]) -> Option<&[Plan]> {
        self.resolve(user, groups, |r| r.allowed_plans.as_deref())
    }

    /// The user's limits, each from the first rule that says (user, groups,
    /// defaults). A window that does not parse counts as the default.
    pub fn limits(&self, user: &str, groups: &[String]) -> UserLimits {
        UserLimits {
            max_stores: self.resolve(user, groups, |r| r.max_stores),
            max_creations: self.resolve(user, groups, |r| r.max_creations),
            window: self
                .resolve(user, groups, |r| r.window.as_deref())
                .and_then(|w| crate::duration::parse(w).ok())
                .unwrap_or(DEFAULT_WINDOW),
        }
    }

    /// The shortest interval a schedule of `user`'s may have; None: any.
    /// An interval that does not parse counts as none set.
    pub fn min_backup_interval(
        &self,
        user: &str,
        groups: &[String],
    ) -> Option<std::time::Duration> {
        self.resolve(user, groups, |r| r.min_backup_interval.as_deref())
            .and_then(|i| crate::duration::parse(i).ok())
    }

    /// The manual backups a store of `user`'s may take in an hour; None: any.
    pub fn max_manual_backups_per_hour(&self, user: &str, groups: &[String]) -> Option<u32> {
        self.resolve(user, groups, |r| r.max_manual_backups_per_hour)
    }

    fn resolve<'a, T>(
        &'a self,
        user: &str,
        groups: &[String],
        field: impl Fn(&'a PolicyRules) -> Option<T>,
    ) -> Option<T> {
        let users = self.users.iter().filter(|r| r.name == user);
        let in_groups = self.groups.iter().filter(|r| groups.contains(&r.name));
        users
            .chain(in_groups)
            .find_map(|r| field(&r.rules))
            .or_else(|| field(&self.defaults))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(plans: &[Plan]) -> PolicyRules {
        PolicyRules {
            allowed_plans: Some(plans.to_vec()),
            ..PolicyRules::default()
        }
    }

    #[test]
    fn a_user_rule_wins_over_groups_and_groups_over_the_defaults() {
        let policy = StorePolicySpec {
            defaults: rules(&[Plan::Small]),
            groups: vec![SubjectRules {
                name: "team-alice".into(),
                rules: rules(&[Plan::Small, Plan::Medium]),
            }],
            users: vec![SubjectRules {
                name: "carol".into(),
                rules: rules(&[Plan::Large]),
            }],
            ..StorePolicySpec::default()
        };
        let team = ["team-alice".to_string()];
        assert_eq!(
            policy.allowed_plans("alice", &team),
            Some(&[Plan::Small, Plan::Medium][..])
        );
        assert_eq!(policy.allowed_plans("bob", &[]), Some(&[Plan::Small][..]));
        assert_eq!(
            policy.allowed_plans("carol", &team),
            Some(&[Plan::Large][..])
        );
        assert_eq!(StorePolicySpec::default().allowed_plans("bob", &[]), None);
    }

    #[test]
    fn limits_come_from_the_first_rule_that_says() {
        let policy = StorePolicySpec {
            defaults: PolicyRules {
                max_stores: Some(3),
                max_creations: Some(10),
                window: Some("1h".into()),
                ..PolicyRules::default()
            },
            users: vec![SubjectRules {
                name: "alice".into(),
                rules: PolicyRules {
                    max_stores: Some(5),
                    window: Some("10m".into()),
                    ..PolicyRules::default()
                },
            }],
            ..StorePolicySpec::default()
        };
        let alice = policy.limits("alice", &[]);
        assert_eq!(alice.max_stores, Some(5));
        assert_eq!(alice.max_creations, Some(10), "inherited from the defaults");
        assert_eq!(alice.window, std::time::Duration::from_secs(600));
        assert_eq!(policy.limits("bob", &[]).max_stores, Some(3));
        assert_eq!(
            StorePolicySpec::default().limits("bob", &[]).max_stores,
            None
        );
    }
}
