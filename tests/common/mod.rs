//! Shared by the integration tests: the real test control plane
//! (`scripts/test-cluster.sh`), clients for its identities, a namespace per test.
//!
//! The cluster is started once for all test binaries (under a file lock) and
//! left running for the next test binary; `.ci/run` stops it at the end. Set
//! NEXUS_TEST_CLUSTER_DIR to use a cluster that is already up elsewhere.
#![allow(dead_code)] // each test binary uses a different part of this module

pub mod backups;
pub mod finished;
pub mod http;
pub mod operator;
pub mod s3;
pub mod stores;
pub mod webdriver;

#[allow(unused_imports)] // not every test binary checks a command's output
pub use finished::Finished;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::api::rbac::v1::{RoleBinding, RoleRef, Subject};
use kube::api::{DeleteParams, ObjectMeta, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::wait::{Condition, await_condition};
use kube::{Api, Client, Config, Resource};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

static REAL_NODE: AtomicBool = AtomicBool::new(false);

/// Called first by the tests that need containers to run for real: their
/// cluster is one with the real node (`scripts/test-cluster.sh up
/// --real-node`, in target/test-cluster-real unless NEXUS_TEST_CLUSTER_DIR
/// names another), never the kwok cluster of the fast suite.
pub fn use_real_node() {
    REAL_NODE.store(true, Ordering::SeqCst);
}

/// The directory of the running test cluster, started on first use.
pub fn cluster_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let real = REAL_NODE.load(Ordering::SeqCst);
        let default = if real {
            "target/test-cluster-real"
        } else {
            "target/test-cluster"
        };
        let dir = std::env::var_os("NEXUS_TEST_CLUSTER_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo_root().join(default));
        ensure_cluster(&dir, real);
        dir
    })
}

fn ensure_cluster(dir: &Path, real_node: bool) {
    let script = repo_root().join("scripts/test-cluster.sh");
    let parent = dir.parent().expect("cluster dir has a parent");
    std::fs::create_dir_all(parent).expect("create the cluster dir's parent");
    // One test binary starts the cluster; the others wait on the lock, then find it up.
    let lock = File::create(parent.join(".test-cluster.lock")).expect("create lock file");
    lock.lock().expect("lock the test cluster");
    let status = Command::new(&script)
        .arg("status")
        .env("NEXUS_TEST_CLUSTER_DIR", dir)
        .output()
        .expect("run test-cluster.sh status");
    if !status.status.success() {
        let up = Command::new(&script)
            .arg("up")
            .args(real_node.then_some("--real-node"))
            .env("NEXUS_TEST_CLUSTER_DIR", dir)
            .status()
            .expect("run test-cluster.sh up");
        assert!(up.success(), "scripts/test-cluster.sh up failed");
    }
}

/// A port a cluster's `ports.env` names (`api_port`, `audit_sink_port`, ...).
pub fn cluster_port(dir: &Path, key: &str) -> u16 {
    let value = cluster_value(dir, key);
    value
        .parse()
        .unwrap_or_else(|_| panic!("{key}={value} in {} is no port", dir.display()))
}

/// A value a cluster's `ports.env` names (ports, `node_ip`, `internet_ip`).
pub fn cluster_value(dir: &Path, key: &str) -> String {
    let ports = std::fs::read_to_string(dir.join("ports.env")).unwrap();
    ports
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("{} names no {key} (restart the cluster)", dir.display()))
}

pub fn kubeconfig(user: &str) -> PathBuf {
    cluster_dir().join(format!("{user}.kubeconfig"))
}

pub async fn client(user: &str) -> Client {
    let path = kubeconfig(user);
    let kubeconfig = Kubeconfig::read_from(&path).expect("read kubeconfig");
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("kubeconfig is valid");
    Client::try_from(config).expect("build client")
}

pub async fn admin() -> Client {
    client("admin").await
}

/// A namespace of the test's own, deleted (without waiting) when dropped.
pub struct TestNamespace {
    pub name: String,
}

impl TestNamespace {
    pub async fn new(admin: &Client, prefix: &str) -> Self {
        let name = format!("{prefix}-{}", unique_suffix());
        let namespace = Namespace {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                labels: Some([("nexus.dev/test".to_string(), "true".to_string())].into()),
                ..Default::default()
            },
            ..Default::default()
        };
        Api::<Namespace>::all(admin.clone())
            .create(&PostParams::default(), &namespace)
            .await
            .expect("create test namespace");
        TestNamespace { name }
    }

    /// Lets `user` (alice, bob) act in this namespace with the given ClusterRole.
    pub async fn grant(&self, admin: &Client, user: &str, cluster_role: &str) {
        let binding = RoleBinding {
            metadata: ObjectMeta {
                name: Some(format!("{user}-{cluster_role}")),
                namespace: Some(self.name.clone()),
                ..Default::default()
            },
            role_ref: RoleRef {
                api_group: "rbac.authorization.k8s.io".into(),
                kind: "ClusterRole".into(),
                name: cluster_role.into(),
            },
            subjects: Some(vec![Subject {
                api_group: Some("rbac.authorization.k8s.io".into()),
                kind: "User".into(),
                name: user.into(),
                namespace: None,
            }]),
        };
        Api::<RoleBinding>::namespaced(admin.clone(), &self.name)
            .create(&PostParams::default(), &binding)
            .await
            .expect("create role binding");
        self.wait_until_authorized(admin, user, cluster_role).await;
    }

    /// Removes the RoleBinding `grant` made for `user`.
    pub async fn revoke(&self, admin: &Client, user: &str, cluster_role: &str) {
        Api::<RoleBinding>::namespaced(admin.clone(), &self.name)
            .delete(&format!("{user}-{cluster_role}"), &DeleteParams::default())
            .await
            .expect("delete role binding");
    }

    /// RBAC is eventually consistent: the authorizer sees a new RoleBinding a
    /// moment after it is stored. Wait until it does, as a user would retry.
    async fn wait_until_authorized(&self, admin: &Client, user: &str, cluster_role: &str) {
        use k8s_openapi::api::authorization::v1::{
            ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec,
        };
        let (group, resource) = match cluster_role {
            "nexus-tenant" => ("nexus.dev", "stores"),
            "edit" => ("", "secrets"),
            _ => ("", "pods"),
        };
        let review = SubjectAccessReview {
            spec: SubjectAccessReviewSpec {
                user: Some(user.into()),
                resource_attributes: Some(ResourceAttributes {
                    namespace: Some(self.name.clone()),
                    group: Some(group.into()),
                    resource: Some(resource.into()),
                    verb: Some("list".into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        };
        let reviews = Api::<SubjectAccessReview>::all(admin.clone());
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let answer = reviews.create(&PostParams::default(), &review).await;
            if answer.is_ok_and(|r| r.status.is_some_and(|s| s.allowed)) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{user} is still not allowed to list {resource} in {} 15s after the RoleBinding",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for TestNamespace {
    fn drop(&mut self) {
        let _ = Command::new("kubectl")
            .arg(format!("--kubeconfig={}", kubeconfig("admin").display()))
            .args([
                "delete",
                "namespace",
                &self.name,
                "--wait=false",
                "--ignore-not-found",
            ])
            .output();
    }
}

pub fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{:x}{:x}{}",
        std::process::id() % 4096,
        nanos % 65536,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Waits for a condition on one object, failing the test after `seconds`.
pub async fn wait_for<K>(
    api: &Api<K>,
    name: &str,
    seconds: u64,
    what: &str,
    condition: impl Condition<K>,
) -> K
where
    K: Resource + Clone + std::fmt::Debug + serde::de::DeserializeOwned + serde::Serialize,
    K: Send + 'static,
{
    match tokio::time::timeout(
        Duration::from_secs(seconds),
        await_condition(api.clone(), name, condition),
    )
    .await
    {
        Ok(Ok(Some(object))) => object,
        Ok(Ok(None)) => panic!("{name} was deleted while waiting for {what}"),
        Ok(Err(e)) => panic!("watching {name} for {what}: {e}"),
        Err(_) => {
            // What it is instead says why.
            let last = api.get_opt(name).await.ok().flatten();
            let status = last
                .and_then(|o| serde_json::to_value(o).ok())
                .map(|v| v["status"].to_string())
                .unwrap_or_default();
            panic!("{name} did not reach {what} within {seconds}s; status: {status}")
        }
    }
}

/// Waits until an object is gone.
pub async fn wait_deleted<K>(api: &Api<K>, name: &str, uid: &str, seconds: u64)
where
    K: Resource + Clone + std::fmt::Debug + serde::de::DeserializeOwned + Send + 'static,
{
    let deadline = tokio::time::timeout(
        Duration::from_secs(seconds),
        await_condition(
            api.clone(),
            name,
            kube::runtime::conditions::is_deleted(uid),
        ),
    );
    match deadline.await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => panic!("watching {name} for deletion: {e}"),
        Err(_) => panic!("{name} was not deleted within {seconds}s"),
    }
}

pub async fn delete_namespace(admin: &Client, name: &str) {
    let _ = Api::<Namespace>::all(admin.clone())
        .delete(name, &DeleteParams::default())
        .await;
}

/// Runs kubectl as `user` (admin, alice, bob); fails the test when it fails.
pub fn kubectl(user: &str, args: &[&str]) -> String {
    let out = Command::new("kubectl")
        .arg(format!("--kubeconfig={}", kubeconfig(user).display()))
        .args(args)
        .output()
        .expect("run kubectl");
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The API server's endpoint addresses and the nodes' InternalIPs (IPv4) as
/// the cluster reports them, each sorted and once: what every store's egress
/// must leave out.
pub fn cluster_addresses() -> (Vec<String>, Vec<String>) {
    let reported = |args: &[&str]| -> Vec<String> {
        let mut found: Vec<String> = kubectl("admin", args)
            .split_whitespace()
            .filter(|a| !a.contains(':'))
            .map(String::from)
            .collect();
        found.sort();
        found.dedup();
        found
    };
    let api_server = reported(&[
        "get",
        "endpointslice",
        "-n",
        "default",
        "--field-selector=metadata.name=kubernetes",
        "-o",
        "jsonpath={.items[*].endpoints[*].addresses[*]}",
    ]);
    let nodes = reported(&[
        "get",
        "nodes",
        "-o",
        r#"jsonpath={.items[*].status.addresses[?(@.type=="InternalIP")].address}"#,
    ]);
    (api_server, nodes)
}

/// Runs kubectl as `user` with `input` on its stdin; returns what it did.
pub fn kubectl_output(user: &str, args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new("kubectl")
        .arg(format!("--kubeconfig={}", kubeconfig(user).display()))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run kubectl");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write kubectl's stdin");
    child.wait_with_output().expect("wait for kubectl")
}

/// Runs kubectl as `user` with `input` on its stdin; fails the test when it fails.
pub fn kubectl_stdin(user: &str, args: &[&str], input: &str) -> String {
    let out = kubectl_output(user, args, input);
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Applies the operator's ClusterRole as checked in, as a platform admin would.
pub fn operator_role_installed() {
    for file in [
        "config/rbac/nexus-operator.yaml",
        "config/rbac/nexus-operator-home.yaml",
        "config/rbac/nexus-operator-store.yaml",
    ] {
        let role = repo_root().join(file);
        kubectl(
            "admin",
            &[
                "apply",
                "--server-side",
                "--force-conflicts",
                "-f",
                role.to_str().expect("a UTF-8 path"),
            ],
        );
    }
}

/// Installs the checked-in CRD and the tenant role, as a platform admin would.
pub async fn platform_installed() {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    static DONE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    DONE.get_or_init(|| async {
        // Every CRD of this version (what `--manage-crds` applies), then the
        // tenants' role.
        let plurals: Vec<&str> = nexus::api::crds()
            .iter()
            .map(|(plural, _)| *plural)
            .collect();
        let files = plurals
            .iter()
            .map(|plural| format!("crds/nexus.dev_{plural}.yaml"))
            .chain(["config/rbac/nexus-tenant.yaml".to_string()]);
        for file in files {
            let out = Command::new("kubectl")
                .arg(format!("--kubeconfig={}", kubeconfig("admin").display()))
                .args(["apply", "--server-side", "--force-conflicts", "-f"])
                .arg(repo_root().join(&file))
                .output()
                .expect("kubectl apply");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let crds = Api::<CustomResourceDefinition>::all(admin().await);
        for plural in plurals {
            let crd = format!("{plural}.nexus.dev");
            wait_for(
                &crds,
                &crd,
                30,
                "Established",
                kube::runtime::conditions::is_crd_established(),
            )
            .await;
        }
    })
    .await;
}

/// Helm as built with the test cluster, as the admin, with its caches under target/.
pub fn helm_bin() -> PathBuf {
    // The cluster's build step builds Helm too.
    let _ = cluster_dir();
    repo_root().join("target/cluster-bin/helm")
}

pub fn helm(args: &[&str]) -> std::process::Output {
    Command::new(helm_bin())
        .args(args)
        .env("KUBECONFIG", kubeconfig("admin"))
        .env("HELM_CACHE_HOME", repo_root().join("target/helm/cache"))
        .env("HELM_CONFIG_HOME", repo_root().join("target/helm/config"))
        .env("HELM_DATA_HOME", repo_root().join("target/helm/data"))
        .output()
        .expect("run helm")
}

/// Uninstalls a release when the test ends, passed or not, and puts back the
/// roles other tests use as the platform admin applies them.
pub struct HelmRelease {
    pub name: String,
    pub namespace: String,
}

impl Drop for HelmRelease {
    fn drop(&mut self) {
        let _ = helm(&[
            "uninstall",
            &self.name,
            "-n",
            &self.namespace,
            "--ignore-not-found",
        ]);
        // No panic here: this may run while a failed test unwinds.
        for out in apply_platform_roles() {
            if !out.status.success() {
                eprintln!(
                    "restore the platform roles: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
}

/// The operator and tenant roles as checked in (a chart install takes them over).
pub fn restore_platform_roles() {
    for out in apply_platform_roles() {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn apply_platform_roles() -> Vec<std::process::Output> {
    [
        "config/rbac/nexus-operator.yaml",
        "config/rbac/nexus-operator-home.yaml",
        "config/rbac/nexus-operator-store.yaml",
        "config/rbac/nexus-tenant.yaml",
    ]
    .iter()
    .map(|file| {
        let path = repo_root().join(file).display().to_string();
        kubectl_output(
            "admin",
            &["apply", "--server-side", "--force-conflicts", "-f", &path],
            "",
        )
    })
    .collect()
}

/// A namespaced kind the tests read back as JSON (every k8s-openapi kind).
pub trait Namespaced:
    kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
    + Clone
    + serde::de::DeserializeOwned
    + std::fmt::Debug
{
}

impl<K> Namespaced for K where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug
{
}

/// A store's child (or any namespaced object), read as `admin`; panics
/// naming it when it cannot be read.
pub async fn read_child<K>(admin: &Client, namespace: &str, name: &str) -> K
where
    K: Namespaced,
{
    Api::<K>::namespaced(admin.clone(), namespace)
        .get(name)
        .await
        .unwrap_or_else(|e| panic!("{} {namespace}/{name}: {e}", K::kind(&())))
}

/// The child of that name when it exists, read as `admin`.
pub async fn find_child<K>(admin: &Client, namespace: &str, name: &str) -> Option<K>
where
    K: Namespaced,
{
    Api::<K>::namespaced(admin.clone(), namespace)
        .get_opt(name)
        .await
        .unwrap_or_else(|e| panic!("{} {namespace}/{name}: {e}", K::kind(&())))
}

/// Every object of a kind in a namespace, read as `admin`.
pub async fn list_children<K>(admin: &Client, namespace: &str) -> Vec<K>
where
    K: Namespaced,
{
    Api::<K>::namespaced(admin.clone(), namespace)
        .list(&kube::api::ListParams::default())
        .await
        .unwrap_or_else(|e| panic!("list {} in {namespace}: {e}", K::kind(&())))
        .items
}
