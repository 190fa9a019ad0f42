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

use crate::api::labels::{
    ACME_SOLVER_LABEL, ADMIN_SECRET, BACKUP, CHECK, COMPONENT, DATABASE, DATABASE_PORT, SETUP,
    STORE_LABEL, STORE_UID_LABEL, TENANT_CLUSTER_ROLE, WORDPRESS, WORDPRESS_PORT,
};
use crate::settings::BackupSettings;
use crate::validated::ValidatedStore;

/// The policies that route the public to a store: present only once its
/// setup completed, so nobody but the setup ever meets an uninstalled site.
pub const ALLOW_INGRESS_POLICY: &str = "allow-ingress-to-wordpress";
pub const ALLOW_ACME_SOLVER_POLICY: &str = "allow-ingress-to-acme-solver";
/// Check pods to WordPress.
pub const CHECK_POLICY: &str = "allow-check-to-wordpress";
/// The port of cert-manager's HTTP-01 solver pods.
pub const ACME_SOLVER_PORT: i32 = 8089;
/// The name of the store's read-only Role and RoleBinding for its tenant.
pub const TENANT_READ: &str = "nexus-tenant-read";

fn meta(store: &ValidatedStore, name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.into()),
        namespace: Some(store.namespace.clone()),
        labels: Some(store.labels(None)),
        ..ObjectMeta::default()
    }
}

fn quantities(pairs: &[(&str, &str)]) -> BTreeMap<String, Quantity> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Quantity(v.to_string())))
        .collect()
}

/// The store's namespace: labelled with its owner, Pod Security `restricted`
/// enforced (every store pod runs unprivileged, so nothing else may).
pub fn namespace(store: &ValidatedStore) -> Namespace {
    let mut labels = store.labels(None);
    labels.insert(STORE_UID_LABEL.into(), store.uid.clone());
    for mode in ["enforce", "warn", "audit"] {
        labels.insert(
            format!("pod-security.kubernetes.io/{mode}"),
            "restricted".into(),
        );
    }
    Namespace {
        metadata: ObjectMeta {
            name: Some(store.namespace.clone()),
            labels: Some(labels),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    }
}

/// The store's ResourceQuota, in its namespace.
pub const RESOURCE_QUOTA: &str = "store-quota";

/// The quota holds what the store's pods and volumes may take, and no exposure
/// (no LoadBalancer or NodePort Service). It does not count the Secrets,
/// ConfigMaps and Services: only the operator (and the cluster's own
/// controllers) may write in a store's namespace, tenants read, so a count
/// would fence nobody, and the API server rewrites a quota's status for each
/// object created of a kind it counts: seven writes a new store would pay
/// for nothing (issue 25's bench measured them).
pub fn resource_quota(store: &ValidatedStore) -> ResourceQuota {
    let plan = store.plan;
    let (cpu, memory) = (plan.quota_cpu(), plan.quota_memory());
    ResourceQuota {
        metadata: meta(store, RESOURCE_QUOTA),
        spec: Some(ResourceQuotaSpec {
            hard: Some(quantities(&[
                ("requests.cpu", &cpu),
                ("limits.cpu", &cpu),
                ("requests.memory", &memory),
                ("limits.memory", &memory),
                ("requests.storage", &plan.storage),
                ("persistentvolumeclaims", "4"),
                ("pods", "10"),
                ("services.loadbalancers", "0"),
                ("services.nodeports", "0"),
            ])),
            ..ResourceQuotaSpec::default()
        }),
        ..ResourceQuota::default()
    }
}

/// Defaults for containers that name no resources, so every pod counts
/// against the quota; and a ceiling no single container may pass.
pub fn limit_range(store: &ValidatedStore) -> LimitRange {
    let plan = store.plan;
    LimitRange {
        metadata: meta(store, "store-limits"),
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

fn policy(store: &ValidatedStore, name: &str, spec: NetworkPolicySpec) -> NetworkPolicy {
    NetworkPolicy {
        metadata: meta(store, name),
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

/// Deny everything in and out, then allow exactly what a store needs inside
/// itself and towards the internet. The public's way in is `route_policies`.
/// `unreachable` are CIDRs found in the cluster (the API server's endpoints,
/// the nodes' addresses) that the internet rule leaves out beside the
/// configured ranges.
pub fn network_policies(store: &ValidatedStore, unreachable: &[String]) -> Vec<NetworkPolicy> {
    let wordpress = store.selector(WORDPRESS);
    let database = store.selector(DATABASE);
    let setup = store.selector(SETUP);
    let dns_ports = vec![port("UDP", 53), port("TCP", 53)];
    let mut internet_except = store.settings.egress_except();
    for cidr in unreachable {
        if !internet_except.contains(cidr) {
            internet_except.push(cidr.clone());
        }
    }
    let mut policies = vec![
        policy(
            store,
            "default-deny",
            NetworkPolicySpec {
                pod_selector: Some(LabelSelector::default()),
                policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
                ..NetworkPolicySpec::default()
            },
        ),
        policy(
            store,
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
            store,
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
        // (updates, plugin downloads), never to the cluster, its API server,
        // its nodes or cloud metadata: those are left out whatever the port.
        policy(
            store,
            "allow-store-egress",
            NetworkPolicySpec {
                pod_selector: Some(LabelSelector {
                    match_expressions: Some(vec![
                        k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement {
                            key: COMPONENT.into(),
                            operator: "In".into(),
                            values: Some(vec![WORDPRESS.into(), SETUP.into()]),
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
        check_policy(store),
    ];
    if let Some(backup) = &store.settings.backup {
        policies.extend(backup_policies(store, backup));
    }
    policies
}

/// The check pod (`kubectl nexus store check`) reaches WordPress on its
/// port and nothing else. One policy for both ends: it selects WordPress
/// and check pods, lets check pods in and lets them out, to WordPress only;
/// what it adds beyond that (check pods taking connections from check pods,
/// WordPress reaching its own port) nothing listens for or needs.
fn check_policy(store: &ValidatedStore) -> NetworkPolicy {
    let check_pods = NetworkPolicyPeer {
        pod_selector: Some(selector(store.selector(CHECK))),
        ..NetworkPolicyPeer::default()
    };
    let wordpress_pods = NetworkPolicyPeer {
        pod_selector: Some(selector(store.selector(WORDPRESS))),
        ..NetworkPolicyPeer::default()
    };
    policy(
        store,
        CHECK_POLICY,
        NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_labels: Some(BTreeMap::from([(
                    STORE_LABEL.to_string(),
                    store.name.clone(),
                )])),
                match_expressions: Some(vec![
                    k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement {
                        key: COMPONENT.into(),
                        operator: "In".into(),
                        values: Some(vec![WORDPRESS.into(), CHECK.into()]),
                    },
                ]),
            }),
            policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: Some(vec![check_pods]),
                ports: Some(vec![port("TCP", WORDPRESS_PORT)]),
            }]),
            egress: Some(vec![NetworkPolicyEgressRule {
                to: Some(vec![wordpress_pods]),
                ports: Some(vec![port("TCP", WORDPRESS_PORT)]),
            }]),
        },
    )
}

/// With backups configured: the backup Job's pods reach the database and
/// the object store, and nothing else (no other pod reaches the object
/// store: WordPress's internet rule leaves its addresses out).
fn backup_policies(store: &ValidatedStore, backup: &BackupSettings) -> Vec<NetworkPolicy> {
    let backup_pods = store.selector(BACKUP);
    let database = store.selector(DATABASE);
    let object_store = backup
        .object_store_cidrs
        .iter()
        .map(|cidr| NetworkPolicyPeer {
            ip_block: Some(IPBlock {
                cidr: cidr.clone(),
                except: None,
            }),
            ..NetworkPolicyPeer::default()
        })
        .collect();
    vec![
        policy(
            store,
            "allow-database-from-backup",
            NetworkPolicySpec {
                pod_selector: Some(selector(database.clone())),
                policy_types: Some(vec!["Ingress".into()]),
                ingress: Some(vec![NetworkPolicyIngressRule {
                    from: Some(vec![NetworkPolicyPeer {
                        pod_selector: Some(selector(backup_pods.clone())),
                        ..NetworkPolicyPeer::default()
                    }]),
                    ports: Some(vec![port("TCP", DATABASE_PORT)]),
                }]),
                ..NetworkPolicySpec::default()
            },
        ),
        policy(
            store,
            "allow-backup-egress",
            NetworkPolicySpec {
                pod_selector: Some(selector(backup_pods)),
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
                        to: Some(object_store),
                        ports: Some(vec![port("TCP", i32::from(backup.object_store_port))]),
                    },
                ]),
                ..NetworkPolicySpec::default()
            },
        ),
    ]
}

/// The ingress controller's way to WordPress and, with TLS, to cert-manager's
/// HTTP-01 solver pods (they answer the ACME challenge in the store's
/// namespace). Applied only once the store's setup completed.
pub fn route_policies(store: &ValidatedStore) -> Vec<NetworkPolicy> {
    let from_ingress = |pods: BTreeMap<String, String>, port_number: i32| NetworkPolicySpec {
        pod_selector: Some(selector(pods)),
        policy_types: Some(vec!["Ingress".into()]),
        ingress: Some(vec![NetworkPolicyIngressRule {
            from: Some(vec![namespace_peer(
                &store.settings.ingress_namespace,
                None,
            )]),
            ports: Some(vec![port("TCP", port_number)]),
        }]),
        ..NetworkPolicySpec::default()
    };
    let mut policies = vec![policy(
        store,
        ALLOW_INGRESS_POLICY,
        from_ingress(store.selector(WORDPRESS), WORDPRESS_PORT),
    )];
    if store.tls() {
        let solver = BTreeMap::from([(ACME_SOLVER_LABEL.to_string(), "true".to_string())]);
        policies.push(policy(
            store,
            ALLOW_ACME_SOLVER_POLICY,
            from_ingress(solver, ACME_SOLVER_PORT),
        ));
    }
    policies
}

/// The names of every policy `route_policies` may make, to remove them.
pub const ROUTE_POLICIES: [&str; 2] = [ALLOW_INGRESS_POLICY, ALLOW_ACME_SOLVER_POLICY];

/// Read access for the tenant's people: what the operator made in the
/// store's namespace (so `store report` and kubectl describe work for them),
/// pods' logs, events, the store's quota (`kubectl nexus quota STORE`), and
/// of the Secrets only the credentials. The operator holds each of these
/// rights itself (RBAC lets no one grant more): its ClusterRole, events
/// through `nexus-operator-store`.
pub fn tenant_role(store: &ValidatedStore) -> Role {
    let read = |group: &str, resources: &[&str]| PolicyRule {
        api_groups: Some(vec![group.to_string()]),
        resources: Some(resources.iter().map(|r| r.to_string()).collect()),
        verbs: vec!["get".into(), "list".into(), "watch".into()],
        ..PolicyRule::default()
    };
    Role {
        metadata: meta(store, TENANT_READ),
        rules: Some(vec![
            read(
                "",
                &[
                    "pods",
                    "pods/log",
                    "resourcequotas",
                    "limitranges",
                    "services",
                    "persistentvolumeclaims",
                    "events",
                ],
            ),
            read("apps", &["deployments", "statefulsets"]),
            read("batch", &["jobs"]),
            read("networking.k8s.io", &["ingresses", "networkpolicies"]),
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

/// The ClusterRole the operator binds to itself in each store namespace: the
/// Secrets it generated there, read nowhere else (config/rbac).
pub const OPERATOR_STORE_ROLE: &str = "nexus-operator-store";
/// The RoleBinding that binds it.
pub const OPERATOR_BINDING: &str = "nexus-operator";

/// The RBAC subject of a username as the API server authenticated it: a
/// ServiceAccount's (`system:serviceaccount:NAMESPACE:NAME`) or a user's.
pub fn subject_of(username: &str) -> Subject {
    match username
        .strip_prefix("system:serviceaccount:")
        .and_then(|rest| rest.split_once(':'))
    {
        Some((namespace, name)) => Subject {
            kind: "ServiceAccount".into(),
            name: name.into(),
            namespace: Some(namespace.into()),
            api_group: None,
        },
        None => Subject {
            kind: "User".into(),
            name: username.into(),
            api_group: Some("rbac.authorization.k8s.io".into()),
            namespace: None,
        },
    }
}

/// The operator's own read of the Secrets it generates in the store's
/// namespace (and what lets it grant the tenant the admin Secret).
pub fn operator_role_binding(store: &ValidatedStore, operator: &Subject) -> RoleBinding {
    RoleBinding {
        metadata: meta(store, OPERATOR_BINDING),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "ClusterRole".into(),
            name: OPERATOR_STORE_ROLE.into(),
        },
        subjects: Some(vec![operator.clone()]),
    }
}

/// Everyone bound to `nexus-tenant` in the Store's namespace, as subjects here.
pub fn tenant_role_binding(store: &ValidatedStore, tenant_bindings: &[RoleBinding]) -> RoleBinding {
    let mut subjects: Vec<Subject> = tenant_bindings
        .iter()
        .filter(|b| b.role_ref.kind == "ClusterRole" && b.role_ref.name == TENANT_CLUSTER_ROLE)
        .flat_map(|b| b.subjects.clone().unwrap_or_default())
        .map(|mut s| {
            // A ServiceAccount subject keeps its own namespace (defaulting to the tenant's).
            if s.kind == "ServiceAccount" && s.namespace.is_none() {
                s.namespace = Some(store.tenant_namespace.clone());
            }
            s
        })
        .collect();
    subjects
        .sort_by(|a, b| (&a.kind, &a.name, &a.namespace).cmp(&(&b.kind, &b.name, &b.namespace)));
    subjects.dedup();
    RoleBinding {
        metadata: meta(store, TENANT_READ),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "Role".into(),
            name: TENANT_READ.into(),
        },
        subjects: Some(subjects),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Plan;
    use crate::settings::Settings;
    use crate::testing::assert_includes;
    use crate::validated::testing::store;
    use serde_json::json;

    fn with_store<T>(plan: Plan, build: impl FnOnce(&ValidatedStore) -> T) -> T {
        let settings = Settings::for_tests();
        let store = store("demo", plan);
        build(&ValidatedStore::new(&store, &settings).unwrap())
    }

    #[test]
    fn the_namespace_names_its_owner_and_enforces_pod_security() {
        assert_includes(
            &with_store(Plan::Small, namespace),
            json!({"metadata": {"name": "store-demo", "labels": {
                "nexus.dev/store": "demo",
                "nexus.dev/store-namespace": "team-a",
                "nexus.dev/store-uid": "0000-uid",
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/warn": "restricted",
            }}}),
        );
    }

    #[test]
    fn the_quota_follows_the_plan() {
        // The plan's 1 CPU and 1 GiB, and room for a replacement WordPress
        // pod (400m, 384Mi) while the one it replaces still stops.
        assert_includes(
            &with_store(Plan::Small, resource_quota),
            json!({"spec": {"hard": {
                "limits.cpu": "1400m",
                "requests.cpu": "1400m",
                "requests.memory": "1408Mi",
                "services.loadbalancers": "0",
            }}}),
        );
        assert_includes(
            &with_store(Plan::Large, resource_quota),
            json!({"spec": {"hard": {"limits.cpu": "6", "limits.memory": "6400Mi"}}}),
        );
    }

    #[test]
    fn containers_without_resources_get_defaults() {
        assert_includes(
            &with_store(Plan::Small, limit_range),
            json!({"spec": {"limits": [{
                "type": "Container",
                "default": {"memory": "256Mi"},
                "max": {"cpu": "1"},
            }]}}),
        );
    }

    #[test]
    fn with_backups_only_the_backup_pods_reach_the_object_store() {
        let settings = Settings {
            backup: Some(crate::settings::BackupSettings {
                agent_image: "agent:test".into(),
                recipient: "age1x".into(),
                object_store_cidrs: vec!["192.0.2.10/32".into()],
                object_store_port: 9000,
                ca_pem: None,
            }),
            ..Settings::for_tests()
        };
        let raw = store("demo", Plan::Small);
        let validated = ValidatedStore::new(&raw, &settings).unwrap();
        let policies = network_policies(&validated, &[]);
        let named = |name: &str| {
            policies
                .iter()
                .find(|p| p.metadata.name.as_deref() == Some(name))
                .unwrap_or_else(|| panic!("no policy {name}"))
        };
        assert_includes(
            named("allow-backup-egress"),
            serde_json::json!({"spec": {
                "podSelector": {"matchLabels": {"app.kubernetes.io/component": "backup"}},
                "egress": [
                    {"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/component": "database"}}}], "ports": [{"port": 3306}]},
                    {"to": [{"ipBlock": {"cidr": "192.0.2.10/32"}}], "ports": [{"port": 9000}]},
                ],
            }}),
        );
        assert_includes(
            named("allow-database-from-backup"),
            serde_json::json!({"spec": {"ingress": [{"from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/component": "backup"}}}]}]}}),
        );
        // WordPress's way to the internet leaves the object store out.
        let wordpress = serde_json::to_value(named("allow-store-egress")).unwrap();
        let except = &wordpress["spec"]["egress"][1]["to"][0]["ipBlock"]["except"];
        assert!(
            except
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == "192.0.2.10/32"),
            "{except}"
        );
        // Without backups, neither policy exists.
        let plain = with_store(Plan::Small, |store| network_policies(store, &[]));
        assert!(
            plain
                .iter()
                .all(|p| !p.metadata.name.as_deref().unwrap().contains("backup"))
        );
    }

    #[test]
    fn network_policies_deny_everything_then_allow_what_a_store_needs() {
        let found = ["203.0.113.7/32".to_string(), "10.0.0.0/8".to_string()];
        let policies = with_store(Plan::Small, |store| network_policies(store, &found));
        let names: Vec<_> = policies
            .iter()
            .map(|p| p.metadata.name.clone().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "default-deny",
                "allow-dns",
                "allow-database-from-store",
                "allow-store-egress",
                "allow-check-to-wordpress"
            ]
        );
        // Check pods in to WordPress's port, and out to WordPress only.
        let check = serde_json::to_value(&policies[4]).unwrap()["spec"].clone();
        let component =
            |c: &str| json!({"nexus.dev/store": "demo", "app.kubernetes.io/component": c});
        assert_eq!(
            check["ingress"],
            json!([{"from": [{"podSelector": {"matchLabels": component("check")}}], "ports": [{"port": 80, "protocol": "TCP"}]}])
        );
        assert_eq!(
            check["egress"],
            json!([{"to": [{"podSelector": {"matchLabels": component("wordpress")}}], "ports": [{"port": 80, "protocol": "TCP"}]}])
        );
        assert_eq!(
            check["podSelector"]["matchExpressions"][0]["values"],
            json!(["wordpress", "check"])
        );
        // Every pod, no rule: nothing in or out but what the others allow.
        let deny = policies[0].spec.as_ref().expect("a spec");
        assert_eq!(deny.pod_selector, Some(LabelSelector::default()));
        assert!(deny.ingress.is_none() && deny.egress.is_none());
        assert_includes(
            &policies[2],
            json!({"spec": {"ingress": [{"ports": [{"port": 3306}]}]}}),
        );
        // The configured ranges, then each address found in the cluster once.
        let except = [
            "169.254.0.0/16",
            "100.64.0.0/10",
            "168.63.129.16/32",
            "10.0.0.0/8",
            "203.0.113.7/32",
        ];
        let internet = json!({
            "to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": except}}],
            "ports": [{"port": 80}, {"port": 443}],
        });
        assert_includes(&policies[3], json!({"spec": {"egress": [{}, internet]}}));
        let rule = serde_json::to_value(&policies[3]).unwrap()["spec"]["egress"][1].clone();
        assert_eq!(
            rule["to"][0]["ipBlock"]["except"].as_array().map(Vec::len),
            Some(5)
        );
        assert_eq!(rule["ports"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn the_public_route_admits_the_ingress_controller_and_with_tls_the_solver() {
        let plain = with_store(Plan::Small, route_policies);
        assert_eq!(plain.len(), 1);
        let text = serde_json::to_string(&plain[0]).unwrap();
        assert!(
            text.contains("kube-system") && text.contains("\"port\":80"),
            "{text}"
        );
        let settings = Settings {
            tls_issuer: Some("letsencrypt".into()),
            ..Settings::for_tests()
        };
        let raw = store("demo", Plan::Small);
        let tls = route_policies(&ValidatedStore::new(&raw, &settings).unwrap());
        let names: Vec<_> = tls
            .iter()
            .map(|p| p.metadata.name.clone().unwrap())
            .collect();
        assert_eq!(names, ROUTE_POLICIES);
        assert_includes(
            &tls[1],
            json!({"spec": {
                "podSelector": {"matchLabels": {"acme.cert-manager.io/http01-solver": "true"}},
                "ingress": [{"ports": [{"port": 8089}]}],
            }}),
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
        let secrets: Vec<_> = rules
            .iter()
            .filter(|r| r.resources.as_ref().unwrap().contains(&"secrets".into()))
            .collect();
        assert_eq!(secrets.len(), 1);
        assert_eq!(
            secrets[0].resource_names.as_deref(),
            Some(&["wordpress-admin".to_string()][..])
        );
    }

    #[test]
    fn the_operator_binds_itself_as_the_api_server_knows_it() {
        let account = subject_of("system:serviceaccount:nexus-system:nexus-operator");
        assert_eq!(
            (account.kind.as_str(), account.name.as_str()),
            ("ServiceAccount", "nexus-operator")
        );
        assert_eq!(account.namespace.as_deref(), Some("nexus-system"));
        let user = subject_of("nexus-bench-operator");
        assert_eq!((user.kind.as_str(), user.namespace), ("User", None));
        let binding = with_store(Plan::Small, |validated| {
            operator_role_binding(validated, &account)
        });
        assert_eq!(binding.role_ref.name, "nexus-operator-store");
        assert_eq!(binding.subjects.unwrap(), [account]);
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
        let result = with_store(Plan::Small, |validated| {
            tenant_role_binding(validated, &bindings)
        });
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
