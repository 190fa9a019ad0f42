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
}

/// What a rule can say; a field left out inherits from the level below.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRules {
    /// The plans stores may use (all when not set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_plans: Option<Vec<Plan>>,
}

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
        let users = self.users.iter().filter(|r| r.name == user);
        let in_groups = self.groups.iter().filter(|r| groups.contains(&r.name));
        users
            .chain(in_groups)
            .find_map(|r| r.rules.allowed_plans.as_deref())
            .or(self.defaults.allowed_plans.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(plans: &[Plan]) -> PolicyRules {
        PolicyRules {
            allowed_plans: Some(plans.to_vec()),
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
            reserved_names: vec![],
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
}
