//! Stores on the test cluster: a tenant, an operator of the test's own, a
//! store created, waited for and looked at. Shared by the operator tests.

use std::collections::BTreeMap;

use std::time::Duration;

use k8s_openapi::api::admissionregistration::v1::ValidatingWebhookConfiguration;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{
    LimitRange, Namespace, PersistentVolumeClaim, ResourceQuota, Secret, Service,
};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use kube::api::{ListParams, PostParams};
use kube::{Api, Client, ResourceExt};
use nexus::api::conditions;
use nexus::api::{Phase, Store};
use serde_json::json;

use super::operator::{Operator, Scope};
use super::{TestNamespace, admin, kubeconfig, wait_for};

/// A tenant namespace with alice bound to nexus-tenant, and the test's scope.
pub async fn tenant(scope_name: &str) -> (Client, TestNamespace, Scope) {
    super::platform_installed().await;
    let admin = admin().await;
    let ns = TestNamespace::new(&admin, scope_name).await;
    ns.grant(&admin, "alice", "nexus-tenant").await;
    (admin, ns, Scope::new())
}

/// A tenant namespace with alice bound to nexus-tenant, an operator of the
/// test's own, and a store of the test's. Fields drop in order: the operator
/// stops, the scope removes the store, the namespace goes.
pub struct TestStore {
    pub operator: Operator,
    pub scope: Scope,
    pub ns: TestNamespace,
    pub admin: Client,
    pub name: String,
    /// The store's own namespace, `store-<name>`.
    pub workload: String,
    /// The Store as last waited for (as created, for `new_store`).
    pub store: Store,
}

impl TestStore {
    pub fn stores(&self) -> Api<Store> {
        Api::namespaced(self.admin.clone(), &self.ns.name)
    }

    pub async fn wait_phase(&self, phase: Phase, seconds: u64) -> Store {
        wait_phase(&self.admin, &self.ns.name, &self.name, phase, seconds).await
    }

    /// Waits until the operator made the setup Job; returns it.
    pub async fn wait_setup_job(&self) -> Job {
        let jobs = Api::<Job>::namespaced(self.admin.clone(), &self.workload);
        wait_for(&jobs, "setup", 60, "created", |j: Option<&Job>| j.is_some()).await
    }
}

/// A new store of `spec` in a tenant of its own, with an operator started
/// with `operator_args`; not waited for.
pub async fn new_store(
    test: &str,
    prefix: &str,
    spec: serde_json::Value,
    operator_args: &[&str],
) -> TestStore {
    let (admin, ns, scope) = tenant(test).await;
    let operator = scope.start("a", operator_args);
    let name = store_name(prefix);
    let store = create_store(&admin, &ns.name, &scope, &name, spec).await;
    TestStore {
        operator,
        scope,
        ns,
        admin,
        workload: format!("store-{name}"),
        name,
        store,
    }
}

pub async fn ready_store(test: &str, prefix: &str, spec: serde_json::Value) -> TestStore {
    ready_store_with(test, prefix, spec, &[]).await
}

/// `new_store`, waited for until Ready.
pub async fn ready_store_with(
    test: &str,
    prefix: &str,
    spec: serde_json::Value,
    operator_args: &[&str],
) -> TestStore {
    let mut fixture = new_store(test, prefix, spec, operator_args).await;
    fixture.store = fixture.wait_phase(Phase::Ready, 90).await;
    fixture
}

/// Waits until the store is Ready again with the operator caught up with `generation`.
pub async fn wait_ready_at(stores: &Api<Store>, name: &str, generation: Option<i64>) -> Store {
    let caught_up = move |s: Option<&Store>| {
        s.is_some_and(|s| {
            s.phase() == Phase::Ready
                && s.status.as_ref().and_then(|st| st.observed_generation) == generation
        })
    };
    wait_for(stores, name, 90, "Ready at the new generation", caught_up).await
}

pub fn store_name(prefix: &str) -> String {
    format!("{prefix}-{}", super::unique_suffix())
}

pub async fn create_store(
    admin: &Client,
    ns: &str,
    scope: &Scope,
    name: &str,
    spec: serde_json::Value,
) -> Store {
    let (key, value) = scope.label();
    let store: Store = serde_json::from_value(json!({
        "apiVersion": "nexus.dev/v1alpha1",
        "kind": "Store",
        "metadata": {"name": name, "namespace": ns, "labels": {key: value}},
        "spec": spec,
    }))
    .unwrap();
    Api::<Store>::namespaced(admin.clone(), ns)
        .create(&PostParams::default(), &store)
        .await
        .expect("create store")
}

pub async fn wait_phase(admin: &Client, ns: &str, name: &str, phase: Phase, seconds: u64) -> Store {
    let stores = Api::<Store>::namespaced(admin.clone(), ns);
    let reached = move |s: Option<&Store>| s.is_some_and(|s| s.phase() == phase);
    wait_for(&stores, name, seconds, phase.as_str(), reached).await
}

/// The store's condition of that type, when its status has one.
pub fn condition<'a>(store: &'a Store, type_: &str) -> Option<&'a Condition> {
    let status = store.status.as_ref()?;
    conditions::find(&status.conditions, type_)
}

/// Whether a store (as a wait sees it) has that condition with that reason.
pub fn has_reason(store: Option<&Store>, type_: &str, reason: &str) -> bool {
    store
        .and_then(|s| condition(s, type_))
        .is_some_and(|c| c.reason == reason)
}

pub fn ready_condition(store: &Store) -> (String, String) {
    let c = condition(store, "Ready").expect("a Ready condition");
    (c.reason.clone(), c.message.clone())
}

/// The resourceVersions of a store namespace once they stop changing (two
/// reads a second apart agree): the operator and Kubernetes's controllers
/// have settled on their own writes.
pub async fn settled_versions(admin: &Client, namespace: &str) -> BTreeMap<String, String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut last = versions(admin, namespace).await;
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = versions(admin, namespace).await;
        if now == last {
            return now;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "namespace {namespace} kept changing for 30 s"
        );
        last = now;
    }
}

/// resourceVersions of everything in the store's namespace, and of the namespace.
pub async fn versions(admin: &Client, namespace: &str) -> BTreeMap<String, String> {
    let mut all = BTreeMap::new();
    macro_rules! collect {
        ($($kind:ty),*) => {$(
            for object in Api::<$kind>::namespaced(admin.clone(), namespace).list(&ListParams::default()).await.unwrap() {
                all.insert(format!("{}/{}", stringify!($kind), object.name_any()), object.resource_version().unwrap_or_default());
            }
        )*};
    }
    collect!(
        Deployment,
        StatefulSet,
        Job,
        Secret,
        Service,
        PersistentVolumeClaim,
        NetworkPolicy,
        Ingress,
        ResourceQuota,
        LimitRange,
        Role,
        RoleBinding
    );
    let ns = Api::<Namespace>::all(admin.clone())
        .get(namespace)
        .await
        .unwrap();
    all.insert(
        "Namespace".into(),
        ns.resource_version().unwrap_or_default(),
    );
    all
}

/// How many objects of a kind a namespace holds.
pub async fn count<K>(admin: &Client, namespace: &str) -> usize
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
{
    let api = Api::<K>::namespaced(admin.clone(), namespace);
    api.list(&ListParams::default()).await.unwrap().items.len()
}

pub fn nexus_as(user: &str, namespace: &str) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin("kubectl-nexus"));
    cmd.arg(format!("--kubeconfig={}", kubeconfig(user).display()))
        .args(["-n", namespace])
        .env_remove("KUBECONFIG");
    cmd
}

/// A kubeconfig (written under `dir`) with a token of the ServiceAccount
/// `namespace/name`, as a pod of it has.
pub fn service_account_kubeconfig(
    namespace: &str,
    name: &str,
    dir: &std::path::Path,
) -> std::path::PathBuf {
    let token = super::kubectl(
        "admin",
        &["create", "token", name, "-n", namespace, "--duration=1h"],
    );
    let admin_config: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(kubeconfig("admin")).unwrap()).unwrap();
    let cluster = &admin_config["clusters"][0]["cluster"];
    let config = json!({
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": cluster["server"].as_str(), "certificate-authority-data": cluster["certificate-authority-data"].as_str()}}],
        "users": [{"name": "sa", "user": {"token": token.trim()}}],
        "contexts": [{"name": "sa", "context": {"cluster": "c", "user": "sa"}}],
        "current-context": "sa",
    });
    let path = dir.join(format!("{name}.kubeconfig"));
    std::fs::write(&path, serde_yaml::to_string(&config).unwrap()).unwrap();
    path
}

/// A ServiceAccount bound to a ClusterRole, and a kubeconfig with its token,
/// as the operator has in a pod. The binding is removed when dropped.
pub struct OperatorAccount {
    pub kubeconfig: std::path::PathBuf,
    /// The cluster-scoped objects made for it, as `kind/name` for kubectl.
    cluster_objects: Vec<String>,
    _home: TestNamespace,
    _dir: tempfile::TempDir,
}

/// The namespace test operators keep their Lease, ledgers and webhook
/// Secret in (`--lease-namespace=default`, see `Scope::start_as`).
const OPERATOR_HOME: &str = "default";

impl OperatorAccount {
    /// A ServiceAccount bound as a platform binds the operator's: `cluster_role`
    /// across the cluster, `nexus-operator-home` in its own namespace, and, as
    /// for any --webhook-configuration other than the default, a role naming
    /// the scope's webhook configurations.
    pub async fn new(admin: &Client, cluster_role: &str, scope: &Scope) -> Self {
        super::operator_role_installed();
        let home = TestNamespace::new(admin, "nexus-system").await;
        let kubectl = |args: &[&str]| super::kubectl("admin", args);
        kubectl(&[
            "create",
            "serviceaccount",
            "nexus-operator",
            "-n",
            &home.name,
        ]);
        let subject = format!("--serviceaccount={}:nexus-operator", home.name);
        let binding = format!("{cluster_role}-{}", home.name);
        kubectl(&[
            "create",
            "clusterrolebinding",
            &binding,
            &format!("--clusterrole={cluster_role}"),
            &subject,
        ]);
        let home_binding = format!("nexus-operator-home-{}", home.name);
        kubectl(&[
            "create",
            "rolebinding",
            &home_binding,
            "-n",
            OPERATOR_HOME,
            "--clusterrole=nexus-operator-home",
            &subject,
        ]);
        let webhook_role = format!("nexus-webhook-{}", scope.id);
        kubectl(&[
            "create",
            "clusterrole",
            &webhook_role,
            "--verb=get,create,patch",
            "--resource=mutatingwebhookconfigurations,validatingwebhookconfigurations",
            &format!("--resource-name=nexus-{}", scope.id),
        ]);
        let webhook_binding = format!("{webhook_role}-{}", home.name);
        kubectl(&[
            "create",
            "clusterrolebinding",
            &webhook_binding,
            &format!("--clusterrole={webhook_role}"),
            &subject,
        ]);
        let dir = tempfile::tempdir().unwrap();
        let path = service_account_kubeconfig(&home.name, "nexus-operator", dir.path());
        OperatorAccount {
            kubeconfig: path,
            cluster_objects: vec![
                format!("clusterrolebinding/{binding}"),
                format!("clusterrolebinding/{webhook_binding}"),
                format!("clusterrole/{webhook_role}"),
                format!("rolebinding/{home_binding}"),
            ],
            _home: home,
            _dir: dir,
        }
    }
}

impl Drop for OperatorAccount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kubectl")
            .arg(format!("--kubeconfig={}", kubeconfig("admin").display()))
            .args(["delete", "-n", OPERATOR_HOME, "--ignore-not-found"])
            .args(&self.cluster_objects)
            .output();
    }
}

/// The smallest spec: a WooCommerce store with every default.
pub fn woocommerce() -> serde_json::Value {
    json!({"engine": "woocommerce"})
}

/// Waits until `user` is (or is no longer) among the readers the operator
/// bound in the store's namespace.
pub async fn wait_tenant_reader(admin: &Client, workload: &str, user: &str, present: bool) {
    let bindings = Api::<RoleBinding>::namespaced(admin.clone(), workload);
    let user = user.to_string();
    let what = format!("{user} {}", if present { "added" } else { "removed" });
    let matches = move |b: Option<&RoleBinding>| {
        let listed = b
            .and_then(|b| b.subjects.as_ref())
            .is_some_and(|s| s.iter().any(|s| s.name == user));
        listed == present
    };
    wait_for(&bindings, "nexus-tenant-read", 20, &what, matches).await;
}

/// A Store in the scope as YAML, with these annotations (YAML flow map entries).
pub fn store_yaml(scope: &Scope, namespace: &str, name: &str, annotations: &str) -> String {
    let (key, value) = scope.label();
    format!(
        "apiVersion: nexus.dev/v1alpha1\nkind: Store\nmetadata:\n  name: {name}\n  namespace: {namespace}\n  labels: {{{key}: {value}}}\n  annotations: {{{annotations}}}\nspec: {{engine: woocommerce}}\n"
    )
}

/// Waits until the API server calls the scope's webhook: a server-side dry
/// run comes back with the owner recorded.
pub async fn wait_until_admitting(scope: &Scope, namespace: &str) {
    let configurations = Api::<ValidatingWebhookConfiguration>::all(super::admin().await);
    let name = format!("nexus-{}", scope.id);
    wait_for(
        &configurations,
        &name,
        30,
        "registered",
        |c: Option<&ValidatingWebhookConfiguration>| c.is_some(),
    )
    .await;
    let probe = store_yaml(scope, namespace, "admission-probe", "");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let out = super::kubectl_output(
            "alice",
            &[
                "create",
                "--dry-run=server",
                "-o",
                "jsonpath={.metadata.annotations.nexus\\.dev/owner}",
                "-f",
                "-",
            ],
            &probe,
        );
        if String::from_utf8_lossy(&out.stdout) == "alice" {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the webhook did not admit within 30s: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The body the API server posts to a Store webhook: `operation` (CREATE,
/// UPDATE or DELETE) of `store` (the object; the old object for a DELETE) by
/// `user` in the groups `nexus-users` and `system:authenticated`.
pub fn store_review(
    uid: &str,
    operation: &str,
    user: &str,
    store: serde_json::Value,
    dry_run: bool,
) -> Vec<u8> {
    let name = store["metadata"]["name"].clone();
    let namespace = store["metadata"]["namespace"].clone();
    let (object_key, options) = match operation {
        "DELETE" => ("oldObject", "DeleteOptions"),
        "UPDATE" => ("object", "UpdateOptions"),
        _ => ("object", "CreateOptions"),
    };
    let review = serde_json::json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "nexus.dev", "version": "v1alpha1", "kind": "Store"},
            "resource": {"group": "nexus.dev", "version": "v1alpha1", "resource": "stores"},
            "name": name,
            "namespace": namespace,
            "operation": operation,
            "userInfo": {"username": user, "groups": ["nexus-users", "system:authenticated"]},
            object_key: store,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": options},
            "dryRun": dry_run,
        },
    });
    serde_json::to_vec(&review).unwrap()
}
