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
        .filter(|b| b.role_ref.kind == "ClusterRole" && b.role_ref.name == "nexus-tenant")
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
