//! The guardrails of a store's namespace, as pure builders: the namespace
//! itself, ResourceQuota, LimitRange, NetworkPolicies and the tenant's
//! read-only access.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    LimitRange, LimitRangeItem, LimitRangeSpec, Namespace, ResourceQuota, ResourceQuotaSpec,
};
use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::engines::{STORE_UID_LABEL, StoreContext};

/// The ClusterRole a tenant's people are bound to in their tenant namespace.
pub const TENANT_CLUSTER_ROLE: &str = "nexus-tenant";
/// The credentials Secret the tenant may read.
pub const ADMIN_SECRET: &str = "wordpress-admin";
pub const DATABASE_PORT: i32 = 3306;
pub const WORDPRESS_PORT: i32 = 80;

fn meta(ctx: &StoreContext, name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.into()),
        namespace: Some(ctx.namespace.clone()),
        labels: Some(ctx.labels(None)),
        ..ObjectMeta::default()
    }
}

fn quantities(pairs: &[(&str, &str)]) -> BTreeMap<String, Quantity> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Quantity(v.to_string())))
        .collect()
}

/// The store's namespace: labelled with its owner, Pod Security enforced.
pub fn namespace(ctx: &StoreContext) -> Namespace {
    let mut labels = ctx.labels(None);
    labels.insert(STORE_UID_LABEL.into(), ctx.uid.clone());
    // WordPress and MariaDB images start as root and drop privileges: baseline
    // is what they meet; warn and audit against restricted to show the gap.
    for (mode, level) in [
        ("enforce", "baseline"),
        ("warn", "restricted"),
        ("audit", "restricted"),
    ] {
        labels.insert(format!("pod-security.kubernetes.io/{mode}"), level.into());
    }
    Namespace {
        metadata: ObjectMeta {
            name: Some(ctx.namespace.clone()),
            labels: Some(labels),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    }
}

pub fn resource_quota(ctx: &StoreContext) -> ResourceQuota {
    let plan = ctx.plan;
    ResourceQuota {
        metadata: meta(ctx, "store-quota"),
        spec: Some(ResourceQuotaSpec {
            hard: Some(quantities(&[
                ("requests.cpu", &plan.cpu),
                ("limits.cpu", &plan.cpu),
                ("requests.memory", &plan.memory),
                ("limits.memory", &plan.memory),
                ("requests.storage", &plan.storage),
                ("persistentvolumeclaims", "4"),
                ("pods", "10"),
                ("services", "4"),
                ("services.loadbalancers", "0"),
                ("services.nodeports", "0"),
                ("secrets", "20"),
                ("configmaps", "20"),
            ])),
            ..ResourceQuotaSpec::default()
        }),
        ..ResourceQuota::default()
    }
}

/// Defaults for containers that name no resources, so every pod counts
/// against the quota; and a ceiling no single container may pass.
pub fn limit_range(ctx: &StoreContext) -> LimitRange {
    let plan = ctx.plan;
    LimitRange {
        metadata: meta(ctx, "store-limits"),
        spec: Some(LimitRangeSpec {
            limits: vec![LimitRangeItem {
                type_: "Container".into(),
                default: Some(quantities(&[("cpu", "200m"), ("memory", "256Mi")])),
                default_request: Some(quantities(&[("cpu", "100m"), ("memory", "128Mi")])),
                max: Some(quantities(&[("cpu", &plan.cpu), ("memory", &plan.memory)])),
                ..LimitRangeItem::default()
            }],
        }),
    }
}

fn selector(labels: BTreeMap<String, String>) -> LabelSelector {
    LabelSelector {
        match_labels: Some(labels),
        ..LabelSelector::default()
    }
}

fn port(protocol: &str, port: i32) -> NetworkPolicyPort {
    NetworkPolicyPort {
        protocol: Some(protocol.into()),
        port: Some(IntOrString::Int(port)),
        ..NetworkPolicyPort::default()
    }
}

fn policy(ctx: &StoreContext, name: &str, spec: NetworkPolicySpec) -> NetworkPolicy {
    NetworkPolicy {
        metadata: meta(ctx, name),
        spec: Some(spec),
    }
}

fn namespace_peer(namespace: &str, pods: Option<BTreeMap<String, String>>) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        namespace_selector: Some(selector(BTreeMap::from([(
            "kubernetes.io/metadata.name".to_string(),
            namespace.to_string(),
        )]))),
        pod_selector: pods.map(selector),
        ..NetworkPolicyPeer::default()
    }
}

/// Deny everything in and out, then allow exactly what a store needs.
pub fn network_policies(ctx: &StoreContext) -> Vec<NetworkPolicy> {
    let wordpress = ctx.selector("wordpress");
    let database = ctx.selector("database");
    let setup = ctx.selector("setup");
    let dns_ports = vec![port("UDP", 53), port("TCP", 53)];
    let mut internet_except = vec!["169.254.169.254/32".to_string()];
    internet_except.extend(ctx.settings.cluster_cidrs.iter().cloned());
    vec![
        policy(
            ctx,
            "default-deny",
            NetworkPolicySpec {
                pod_selector: Some(LabelSelector::default()),
                policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
                ..NetworkPolicySpec::default()
            },
        ),
        policy(
            ctx,
            "allow-dns",
            NetworkPolicySpec {
                pod_selector: Some(LabelSelector::default()),
                policy_types: Some(vec!["Egress".into()]),
                egress: Some(vec![NetworkPolicyEgressRule {
                    to: Some(vec![namespace_peer(
                        "kube-system",
                        Some(BTreeMap::from([(
                            "k8s-app".to_string(),
                            "kube-dns".to_string(),
                        )])),
                    )]),
                    ports: Some(dns_ports),
                }]),
                ..NetworkPolicySpec::default()
            },
        ),
        policy(
            ctx,
            "allow-ingress-to-wordpress",
            NetworkPolicySpec {
                pod_selector: Some(selector(wordpress.clone())),
                policy_types: Some(vec!["Ingress".into()]),
                ingress: Some(vec![NetworkPolicyIngressRule {
                    from: Some(vec![namespace_peer(&ctx.settings.ingress_namespace, None)]),
                    ports: Some(vec![port("TCP", WORDPRESS_PORT)]),
                }]),
                ..NetworkPolicySpec::default()
            },
        ),
        policy(
            ctx,
            "allow-database-from-store",
            NetworkPolicySpec {
                pod_selector: Some(selector(database.clone())),
                policy_types: Some(vec!["Ingress".into()]),
                ingress: Some(vec![NetworkPolicyIngressRule {
                    from: Some(vec![
                        NetworkPolicyPeer {
                            pod_selector: Some(selector(wordpress.clone())),
                            ..NetworkPolicyPeer::default()
                        },
                        NetworkPolicyPeer {
                            pod_selector: Some(selector(setup.clone())),
                            ..NetworkPolicyPeer::default()
                        },
                    ]),
                    ports: Some(vec![port("TCP", DATABASE_PORT)]),
                }]),
                ..NetworkPolicySpec::default()
            },
        ),
        // WordPress and the setup Job talk to the database and to the internet
        // (updates, plugin downloads), never to the cluster or cloud metadata.
        policy(
            ctx,
            "allow-store-egress",
            NetworkPolicySpec {
                pod_selector: Some(LabelSelector {
                    match_expressions: Some(vec![
                        k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement {
                            key: crate::engines::COMPONENT.into(),
                            operator: "In".into(),
                            values: Some(vec!["wordpress".into(), "setup".into()]),
                        },
                    ]),
                    ..LabelSelector::default()
                }),
                policy_types: Some(vec!["Egress".into()]),
                egress: Some(vec![
                    NetworkPolicyEgressRule {
                        to: Some(vec![NetworkPolicyPeer {
                            pod_selector: Some(selector(database)),
                            ..NetworkPolicyPeer::default()
                        }]),
                        ports: Some(vec![port("TCP", DATABASE_PORT)]),
                    },
                    NetworkPolicyEgressRule {
                        to: Some(vec![NetworkPolicyPeer {
                            ip_block: Some(IPBlock {
                                cidr: "0.0.0.0/0".into(),
                                except: Some(internet_except),
                            }),
                            ..NetworkPolicyPeer::default()
                        }]),
                        ports: Some(vec![port("TCP", 80), port("TCP", 443)]),
                    },
                ]),
                ..NetworkPolicySpec::default()
            },
        ),
    ]
}

/// Read access for the tenant's people: pods, their logs, the credentials.
pub fn tenant_role(ctx: &StoreContext) -> Role {
    Role {
        metadata: meta(ctx, "nexus-tenant-read"),
        rules: Some(vec![
            PolicyRule {
                api_groups: Some(vec![String::new()]),
                resources: Some(vec!["pods".into(), "pods/log".into()]),
                verbs: vec!["get".into(), "list".into(), "watch".into()],
                ..PolicyRule::default()
            },
            PolicyRule {
                api_groups: Some(vec![String::new()]),
                resources: Some(vec!["secrets".into()]),
                resource_names: Some(vec![ADMIN_SECRET.into()]),
                verbs: vec!["get".into()],
                ..PolicyRule::default()
            },
        ]),
    }
}

/// Everyone bound to `nexus-tenant` in the Store's namespace, as subjects here.
pub fn tenant_role_binding(ctx: &StoreContext, tenant_bindings: &[RoleBinding]) -> RoleBinding {
    let mut subjects: Vec<Subject> = tenant_bindings
        .iter()
        .filter(|b| b.role_ref.kind == "ClusterRole" && b.role_ref.name == TENANT_CLUSTER_ROLE)
        .flat_map(|b| b.subjects.clone().unwrap_or_default())
        .map(|mut s| {
            // A ServiceAccount subject keeps its own namespace (defaulting to the tenant's).
            if s.kind == "ServiceAccount" && s.namespace.is_none() {
                s.namespace = Some(ctx.tenant_namespace.clone());
            }
            s
        })
        .collect();
    subjects
        .sort_by(|a, b| (&a.kind, &a.name, &a.namespace).cmp(&(&b.kind, &b.name, &b.namespace)));
    subjects.dedup();
    RoleBinding {
        metadata: meta(ctx, "nexus-tenant-read"),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "Role".into(),
            name: "nexus-tenant-read".into(),
        },
        subjects: Some(subjects),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Plan;
    use crate::engines::testing::store;
    use crate::operator::config::Settings;

    fn with_store<T>(plan: Plan, build: impl FnOnce(&StoreContext) -> T) -> T {
        let settings = Settings::for_tests();
        let store = store("demo", plan);
        build(&StoreContext::new(&store, &settings))
    }

    #[test]
    fn the_namespace_names_its_owner_and_enforces_pod_security() {
        let ns = with_store(Plan::Small, namespace);
        assert_eq!(ns.metadata.name.as_deref(), Some("store-demo"));
        let labels = ns.metadata.labels.unwrap();
        assert_eq!(labels["nexus.dev/store"], "demo");
        assert_eq!(labels["nexus.dev/store-namespace"], "team-a");
        assert_eq!(labels["nexus.dev/store-uid"], "0000-uid");
        assert_eq!(labels["pod-security.kubernetes.io/enforce"], "baseline");
        assert_eq!(labels["pod-security.kubernetes.io/warn"], "restricted");
    }

    #[test]
    fn the_quota_follows_the_plan() {
        let small = with_store(Plan::Small, resource_quota)
            .spec
            .unwrap()
            .hard
            .unwrap();
        assert_eq!(small["limits.cpu"].0, "1");
        assert_eq!(small["requests.memory"].0, "1Gi");
        assert_eq!(small["services.loadbalancers"].0, "0");
        let large = with_store(Plan::Large, resource_quota)
            .spec
            .unwrap()
            .hard
            .unwrap();
        assert_eq!(large["limits.cpu"].0, "4");
        assert_eq!(large["limits.memory"].0, "4Gi");
    }

    #[test]
    fn containers_without_resources_get_defaults() {
        let limits = with_store(Plan::Small, limit_range).spec.unwrap().limits;
        assert_eq!(limits[0].type_, "Container");
        assert_eq!(limits[0].default.as_ref().unwrap()["memory"].0, "256Mi");
        assert_eq!(limits[0].max.as_ref().unwrap()["cpu"].0, "1");
    }

    #[test]
    fn network_policies_deny_everything_then_allow_what_a_store_needs() {
        let policies = with_store(Plan::Small, network_policies);
        let names: Vec<_> = policies
            .iter()
            .map(|p| p.metadata.name.clone().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "default-deny",
                "allow-dns",
                "allow-ingress-to-wordpress",
                "allow-database-from-store",
                "allow-store-egress"
            ]
        );
        let deny = policies[0].spec.as_ref().unwrap();
        assert_eq!(
            deny.pod_selector,
            Some(LabelSelector::default()),
            "every pod"
        );
        assert!(deny.ingress.is_none() && deny.egress.is_none());
        let database = policies[3].spec.as_ref().unwrap().ingress.as_ref().unwrap();
        assert_eq!(
            database[0].ports.as_ref().unwrap()[0].port,
            Some(IntOrString::Int(3306))
        );
        let internet = &policies[4].spec.as_ref().unwrap().egress.as_ref().unwrap()[1];
        let block = internet.to.as_ref().unwrap()[0].ip_block.as_ref().unwrap();
        assert_eq!(block.cidr, "0.0.0.0/0");
        assert_eq!(
            block.except.as_ref().unwrap(),
            &["169.254.169.254/32", "10.0.0.0/8"]
        );
        let ports: Vec<_> = internet
            .ports
            .as_ref()
            .unwrap()
            .iter()
            .map(|p| p.port.clone())
            .collect();
        assert_eq!(
            ports,
            [Some(IntOrString::Int(80)), Some(IntOrString::Int(443))]
        );
    }

    #[test]
    fn tenants_read_pods_logs_and_only_the_admin_secret() {
        let role = with_store(Plan::Small, tenant_role);
        let rules = role.rules.unwrap();
        assert!(rules.iter().all(|r| {
            r.verbs
                .iter()
                .all(|v| ["get", "list", "watch"].contains(&v.as_str()))
        }));
        assert_eq!(
            rules[1].resource_names.as_deref(),
            Some(&["wordpress-admin".to_string()][..])
        );
    }

    #[test]
    fn the_tenant_binding_copies_only_nexus_tenant_subjects() {
        let binding = |role: &str, user: &str| RoleBinding {
            metadata: ObjectMeta::default(),
            role_ref: RoleRef {
                api_group: "rbac.authorization.k8s.io".into(),
                kind: "ClusterRole".into(),
                name: role.into(),
            },
            subjects: Some(vec![Subject {
                kind: "User".into(),
                name: user.into(),
                api_group: Some("rbac.authorization.k8s.io".into()),
                namespace: None,
            }]),
        };
        let bindings = [
            binding("nexus-tenant", "alice"),
            binding("admin", "mallory"),
            binding("nexus-tenant", "alice"),
        ];
        let result = with_store(Plan::Small, |ctx| tenant_role_binding(ctx, &bindings));
        let names: Vec<_> = result
            .subjects
            .unwrap()
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["alice"]);
        assert_eq!(result.role_ref.name, "nexus-tenant-read");
    }
}
