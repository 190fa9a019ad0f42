//! The operator's admission webhook on the real control plane: the API
//! server calls it over TLS with the CA the operator made, records who
//! created a store, refuses a forged or changed owner and a tenant removing
//! the cleanup finalizer, and fails store writes (only those) when no
//! replica answers.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::Finished;
use common::operator::free_port;
use common::stores::*;
use common::wait_for;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Patch, PatchParams};
use kube::{Api, ResourceExt};
use nexus::api::{Phase, Store};
use serde_json::json;

/// kubectl as `user` with `input` on stdin; returns (success, stderr).
fn kubectl_as(user: &str, args: &[&str], input: &str) -> (bool, String) {
    let out = common::kubectl_output(user, args, input);
    (out.status.success(), out.stderr_text())
}

#[tokio::test]
async fn the_owner_is_recorded_at_admission_and_cannot_be_forged_or_changed() {
    let (admin, ns, scope) = tenant("adm-owner").await;
    // The operator as in a pod: its ServiceAccount and nothing more.
    let account = OperatorAccount::new(&admin, "nexus-operator", &scope).await;
    let policy = format!(
        "apiVersion: nexus.dev/v1alpha1\nkind: StorePolicy\nmetadata: {{name: nexus-{}}}\nspec: {{defaults: {{maxStores: 10}}}}\n",
        scope.id
    );
    common::kubectl_stdin("admin", &["apply", "-f", "-"], &policy);
    let args = scope.webhook_args(free_port());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let operator = scope.start_as("sa", &account.kubeconfig, &args);
    wait_until_admitting(&scope, &ns.name).await;

    // Created through the plugin: the owner is alice, as authenticated.
    let (key, value) = scope.label();
    // The plugin prints admission's warning: the usage under the policy.
    nexus_as("alice", &ns.name)
        .args(["store", "create", "owned", "-l", &format!("{key}={value}")])
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "Warning: alice holds 1 of 10 stores",
        ));
    let stores = Api::<Store>::namespaced(admin.clone(), &ns.name);
    let owned = stores.get("owned").await.unwrap();
    let annotations = owned.annotations();
    assert_eq!(annotations["nexus.dev/owner"], "alice");
    assert!(
        annotations["nexus.dev/owner-groups"]
            .split(',')
            .any(|g| g == "team-alice")
    );

    // A forged owner on create is replaced by the requester.
    let forged = store_yaml(
        &scope,
        &ns.name,
        "forged",
        "nexus.dev/owner: bob, nexus.dev/owner-groups: system:masters",
    );
    let (created, stderr) = kubectl_as("alice", &["create", "-f", "-"], &forged);
    assert!(created, "{stderr}");
    let forged = stores.get("forged").await.unwrap();
    assert_eq!(forged.annotations()["nexus.dev/owner"], "alice");
    assert!(!forged.annotations()["nexus.dev/owner-groups"].contains("system:masters"));

    // Nobody changes it afterwards.
    let (changed, stderr) = kubectl_as(
        "alice",
        &[
            "-n",
            &ns.name,
            "annotate",
            "store",
            "owned",
            "nexus.dev/owner=bob",
            "--overwrite",
        ],
        "",
    );
    assert!(!changed, "the owner was changed");
    assert!(
        stderr.contains("record who created the store and cannot be changed"),
        "{stderr}"
    );

    // Nor label it under a prefix kept for Kubernetes and Nexus.
    let (labelled, stderr) = kubectl_as(
        "alice",
        &[
            "-n",
            &ns.name,
            "label",
            "store",
            "owned",
            "nexus.dev/shard=b",
        ],
        "",
    );
    assert!(!labelled, "a reserved label was set");
    assert!(
        stderr.contains("uses the reserved prefix nexus.dev/"),
        "{stderr}"
    );

    // The tenant cannot remove the finalizer that deletes the data in order.
    let with_finalizer = |s: Option<&Store>| {
        s.is_some_and(|s| s.finalizers().iter().any(|f| f == "nexus.dev/cleanup"))
    };
    wait_for(
        &stores,
        "owned",
        30,
        "the cleanup finalizer",
        with_finalizer,
    )
    .await;
    let (removed, stderr) = kubectl_as(
        "alice",
        &[
            "-n",
            &ns.name,
            "patch",
            "store",
            "owned",
            "--type=merge",
            "-p",
            r#"{"metadata":{"finalizers":null}}"#,
        ],
        "",
    );
    assert!(!removed, "a tenant removed the finalizer");
    assert!(
        stderr.contains("only the Nexus operator removes the finalizer"),
        "{stderr}"
    );

    // The operator's own identity provisions and deletes through the webhook.
    wait_phase(&admin, &ns.name, "owned", Phase::Ready, 90).await;
    let uid = owned.uid().unwrap();
    nexus_as("alice", &ns.name)
        .args(["store", "delete", "owned", "--yes"])
        .assert()
        .success();
    common::wait_deleted(&stores, "owned", &uid, 90).await;
    assert!(
        !operator.logs().contains("forbidden"),
        "{}",
        operator.logs()
    );
}

#[tokio::test]
async fn with_no_replica_answering_store_writes_fail_and_say_so() {
    let (_admin, ns, scope) = tenant("adm-down").await;
    let args = scope.webhook_args(free_port());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut operator = scope.start("a", &args);
    wait_until_admitting(&scope, &ns.name).await;
    operator.stop();

    let (created, stderr) = kubectl_as(
        "alice",
        &["create", "-f", "-"],
        &store_yaml(&scope, &ns.name, "while-down", ""),
    );
    assert!(!created, "a store was admitted with no webhook answering");
    assert!(
        stderr.contains("failed calling webhook \"owner.stores.nexus.dev\""),
        "{stderr}"
    );

    // Only the webhook's stores are affected: a store outside its selector is admitted.
    let outside = "apiVersion: nexus.dev/v1alpha1\nkind: Store\nmetadata: {name: outside}\nspec: {engine: woocommerce}\n";
    let (created, stderr) = kubectl_as("alice", &["-n", &ns.name, "create", "-f", "-"], outside);
    assert!(created, "{stderr}");

    // The documented way out (docs/admission-and-audit.md) with the operator gone: delete both configurations.
    let configurations = format!("nexus-{}", scope.id);
    common::kubectl(
        "admin",
        &[
            "delete",
            "mutatingwebhookconfiguration,validatingwebhookconfiguration",
            &configurations,
        ],
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let after = store_yaml(&scope, &ns.name, "after-delete", "");
    loop {
        let (created, stderr) = kubectl_as("alice", &["create", "-f", "-"], &after);
        if created {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "store writes still fail after the configurations were deleted: {stderr}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_serving_certificate_due_for_renewal_is_renewed_by_the_same_ca() {
    let (admin, ns, scope) = tenant("adm-renew").await;
    let secrets = Api::<Secret>::namespaced(admin.clone(), "default");
    let secret_name = format!("nexus-webhook-{}", scope.id);
    let args = scope.webhook_args(free_port());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut first = scope.start("first", &args);
    wait_until_admitting(&scope, &ns.name).await;
    first.stop();
    let before = secrets.get(&secret_name).await.unwrap();
    let data = |s: &Secret, key: &str| s.data.as_ref().unwrap()[key].0.clone();

    // Make it due: it expires in a day, well inside the 30 days of renewal.
    let soon = (k8s_openapi::jiff::Timestamp::now()
        + k8s_openapi::jiff::SignedDuration::from_hours(24))
    .to_string();
    let due = json!({"metadata": {"annotations": {"nexus.dev/serving-not-after": soon}}});
    secrets
        .patch(&secret_name, &PatchParams::default(), &Patch::Merge(&due))
        .await
        .unwrap();

    let args = scope.webhook_args(free_port());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let _second = scope.start("second", &args);
    let renewed = |s: Option<&Secret>| {
        s.and_then(|s| s.annotations().get("nexus.dev/serving-not-after"))
            .and_then(|t| t.parse::<k8s_openapi::jiff::Timestamp>().ok())
            .is_some_and(|t| {
                t > k8s_openapi::jiff::Timestamp::now()
                    + k8s_openapi::jiff::SignedDuration::from_hours(24 * 300)
            })
    };
    let after = wait_for(&secrets, &secret_name, 30, "a renewed certificate", renewed).await;
    assert_eq!(
        data(&after, "ca.crt"),
        data(&before, "ca.crt"),
        "the CA changed"
    );
    assert_eq!(data(&after, "ca.key"), data(&before, "ca.key"));
    assert_ne!(
        data(&after, "tls.crt"),
        data(&before, "tls.crt"),
        "not renewed"
    );
    // The API server, still trusting the same CA, admits through the renewed certificate.
    wait_until_admitting(&scope, &ns.name).await;
}

#[tokio::test]
async fn a_taken_name_or_host_is_refused_at_admission() {
    let (admin, alice_ns, scope) = tenant("adm-claims").await;
    let bob_ns = common::TestNamespace::new(&admin, "adm-claims-bob").await;
    bob_ns.grant(&admin, "bob", "nexus-tenant").await;
    let args = scope.webhook_args(free_port());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let _operator = scope.start("a", &args);
    wait_until_admitting(&scope, &alice_ns.name).await;

    let name = store_name("dup");
    let domain = format!("{name}.example.org");
    let with_domain = |namespace: &str, name: &str, domain: &str| {
        store_yaml(&scope, namespace, name, "").replace(
            "spec: {engine: woocommerce}",
            &format!("spec: {{engine: woocommerce, domain: {domain}}}"),
        )
    };
    let (created, stderr) = kubectl_as(
        "alice",
        &["create", "-f", "-"],
        &with_domain(&alice_ns.name, &name, &domain),
    );
    assert!(created, "{stderr}");

    // Bob, in his own namespace: the same name, the same host, a host under the base domain.
    let refusals = [
        (
            with_domain(&bob_ns.name, &name, &format!("{name}.example.net")),
            format!("the store name \"{name}\" is taken"),
        ),
        (
            with_domain(&bob_ns.name, &store_name("mine"), &domain),
            format!("the domain {domain} is already claimed by another store"),
        ),
        (
            with_domain(
                &bob_ns.name,
                &store_name("squat"),
                &format!("{name}.shops.test"),
            ),
            "lies under the platform's base domain shops.test".to_string(),
        ),
    ];
    for (yaml, reason) in refusals {
        let (created, stderr) = kubectl_as("bob", &["create", "-f", "-"], &yaml);
        assert!(!created, "admitted: {yaml}");
        assert!(stderr.contains(&reason), "{reason}: {stderr}");
        assert!(
            !stderr.contains(&alice_ns.name),
            "another tenant's namespace was told: {stderr}"
        );
    }
    let fine = with_domain(
        &bob_ns.name,
        &store_name("own"),
        &format!("{name}.example.net"),
    );
    let (created, stderr) = kubectl_as("bob", &["create", "-f", "-"], &fine);
    assert!(created, "{stderr}");
}

#[tokio::test]
async fn the_store_policy_reserves_names_and_decides_plans_per_group_and_user() {
    let (_admin, ns, scope) = tenant("adm-policy").await;
    let policy = |extra_user_rule: &str| {
        format!(
            "apiVersion: nexus.dev/v1alpha1\nkind: StorePolicy\nmetadata: {{name: nexus-{}}}\nspec:\n  defaults: {{allowedPlans: [small]}}\n  groups: [{{name: team-alice, allowedPlans: [small, medium]}}]\n  users: [{extra_user_rule}]\n  reservedNames: [www, admin]\n",
            scope.id
        )
    };
    common::kubectl_stdin("admin", &["apply", "-f", "-"], &policy(""));
    let args = scope.webhook_args(free_port());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let _operator = scope.start("a", &args);
    wait_until_admitting(&scope, &ns.name).await;

    let with_plan = |name: &str, plan: &str| {
        store_yaml(&scope, &ns.name, name, "").replace(
            "spec: {engine: woocommerce}",
            &format!("spec: {{engine: woocommerce, plan: {plan}}}"),
        )
    };
    let (created, stderr) = kubectl_as(
        "alice",
        &["create", "-f", "-"],
        &with_plan(&store_name("mid"), "medium"),
    );
    assert!(created, "her group allows medium: {stderr}");
    let large = with_plan(&store_name("big"), "large");
    let (created, stderr) = kubectl_as("alice", &["create", "-f", "-"], &large);
    assert!(!created, "large was admitted");
    assert!(
        stderr.contains("the plan large is not allowed for alice (allowed: small, medium)"),
        "{stderr}"
    );
    let (created, stderr) = kubectl_as("alice", &["create", "-f", "-"], &with_plan("www", "small"));
    assert!(!created, "a reserved name was admitted");
    assert!(
        stderr.contains("\"www\" is reserved by the platform"),
        "{stderr}"
    );

    // The platform team lets alice have large stores: the webhook follows the policy.
    common::kubectl_stdin(
        "admin",
        &["apply", "-f", "-"],
        &policy("{name: alice, allowedPlans: [large]}"),
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (created, stderr) = kubectl_as("alice", &["create", "-f", "-"], &large);
        if created {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the policy change did not apply: {stderr}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A TCP round robin in front of two webhook replicas, as a Service would
/// be: TLS passes through (both serve the certificate of the shared Secret).
/// Counts the connections each replica got.
struct RoundRobin {
    port: u16,
    served: Arc<[AtomicUsize; 2]>,
    task: tokio::task::JoinHandle<()>,
}

impl RoundRobin {
    async fn start(targets: [u16; 2]) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let served: Arc<[AtomicUsize; 2]> = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
        let counts = served.clone();
        let task = tokio::spawn(async move {
            let mut next = 0usize;
            while let Ok((mut inbound, _)) = listener.accept().await {
                let which = next % 2;
                next += 1;
                counts[which].fetch_add(1, Ordering::Relaxed);
                let target = targets[which];
                tokio::spawn(async move {
                    if let Ok(mut outbound) =
                        tokio::net::TcpStream::connect(("127.0.0.1", target)).await
                    {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        RoundRobin { port, served, task }
    }
}

impl Drop for RoundRobin {
    fn drop(&mut self) {
        self.task.abort();
    }
}

// Multi-threaded: the round robin runs while the test blocks on kubectl.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_limit_holds_exactly_under_concurrency_with_two_replicas() {
    let (_admin, ns, scope) = tenant("adm-limit").await;
    let policy = format!(
        "apiVersion: nexus.dev/v1alpha1\nkind: StorePolicy\nmetadata: {{name: nexus-{}}}\nspec:\n  users: [{{name: alice, maxStores: 5}}]\n",
        scope.id
    );
    common::kubectl_stdin("admin", &["apply", "-f", "-"], &policy);
    // Two replicas behind one address, as behind the operator's Service.
    let replicas = [free_port(), free_port()];
    let front = RoundRobin::start(replicas).await;
    let mut operators = Vec::new();
    for (i, port) in replicas.iter().enumerate() {
        let mut args = scope.webhook_args(*port);
        args[1] = format!("--webhook-url=https://127.0.0.1:{}", front.port);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        operators.push(scope.start(&format!("replica{i}"), &args));
    }
    common::operator::wait_until_listening(&replicas).await;
    wait_until_admitting(&scope, &ns.name).await;

    // Suspended stores: admission counts them, and they run no pods.
    let suspended = |name: &str| {
        store_yaml(&scope, &ns.name, name, "").replace(
            "spec: {engine: woocommerce}",
            "spec: {engine: woocommerce, suspend: true}",
        )
    };
    // A dry run is decided (and told) but takes no place.
    let first = suspended(&store_name("first"));
    let (ok, stderr) = kubectl_as("alice", &["create", "--dry-run=server", "-f", "-"], &first);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("Warning: alice holds 1 of 5 stores"),
        "{stderr}"
    );
    let (ok, stderr) = kubectl_as("alice", &["create", "-f", "-"], &first);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("Warning: alice holds 1 of 5 stores"),
        "the dry run counted: {stderr}"
    );

    // Twenty creates at once: exactly four more fit.
    let alice = common::client("alice").await;
    let stores = Api::<Store>::namespaced(alice, &ns.name);
    let creates = (0..20).map(|i| {
        let stores = stores.clone();
        let yaml = suspended(&format!("{}-{i}", store_name("race")));
        async move {
            let store: Store = serde_yaml::from_str(&yaml).unwrap();
            stores
                .create(&kube::api::PostParams::default(), &store)
                .await
        }
    });
    let results = futures::future::join_all(creates).await;
    let admitted = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(admitted, 4, "{results:#?}");
    for refused in results.iter().filter_map(|r| r.as_ref().err()) {
        let text = refused.to_string();
        assert!(text.contains("alice holds 5 of 5 stores allowed"), "{text}");
    }
    let served = [
        front.served[0].load(Ordering::Relaxed),
        front.served[1].load(Ordering::Relaxed),
    ];
    assert!(
        served[0] > 0 && served[1] > 0,
        "both replicas served: {served:?}"
    );
    drop(operators);
}

/// A tenant cannot take a store out of its operator's reach (and out of a
/// webhook that follows the operator's selector) through its labels: once the
/// store exists, neither the selector's label nor a reserved one can be
/// changed or removed by the tenant; labels of their own stay theirs.
#[tokio::test]
async fn a_tenant_cannot_move_a_store_away_from_its_operator_by_its_labels() {
    let (_admin, ns, scope) = tenant("adm-labels").await;
    let args = scope.webhook_args(free_port());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let operator = scope.start("a", &args);
    wait_until_admitting(&scope, &ns.name).await;
    let (key, value) = scope.label();
    let name = store_name("kept");
    nexus_as("alice", &ns.name)
        .args(["store", "create", &name, "-l", &format!("{key}={value}")])
        .assert()
        .success();
    // A platform label, set by the cluster's admin.
    common::kubectl(
        "admin",
        &[
            "-n",
            &ns.name,
            "label",
            "store",
            &name,
            "nexus.dev/tier=gold",
        ],
    );

    let label = |change: &str| {
        kubectl_as(
            "alice",
            &[
                "-n",
                &ns.name,
                "label",
                "store",
                &name,
                change,
                "--overwrite",
            ],
            "",
        )
    };
    for (change, says) in [
        (
            format!("{key}-"),
            format!("the label {key} chooses which Nexus operator serves this store"),
        ),
        (
            format!("{key}=elsewhere"),
            format!("the label {key} chooses which Nexus operator serves this store"),
        ),
        (
            "nexus.dev/tier-".to_string(),
            "the label nexus.dev/tier uses the reserved prefix nexus.dev/".to_string(),
        ),
    ] {
        let (ok, stderr) = label(&change);
        assert!(
            !ok && stderr.contains(&says),
            "{change}: {stderr}\n{}",
            operator.logs()
        );
    }
    let (ok, stderr) = label("example.com/team=shop");
    assert!(ok, "{stderr}");
}

/// Every replica keeps every Store in memory: a Store's labels and
/// annotations are bounded at admission, with the numbers in the refusal.
#[tokio::test]
async fn a_stores_labels_and_annotations_are_bounded() {
    let (_admin, ns, scope) = tenant("adm-size").await;
    let args = scope.webhook_args(free_port());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let _operator = scope.start("a", &args);
    wait_until_admitting(&scope, &ns.name).await;
    let (key, value) = scope.label();
    let many_labels: String = (0..100)
        .map(|i| format!(", example.com/label-{i:03}: {}", "x".repeat(30)))
        .collect();
    let labelled = format!(
        "apiVersion: nexus.dev/v1alpha1\nkind: Store\nmetadata:\n  name: {}\n  namespace: {}\n  labels: {{{key}: {value}{many_labels}}}\nspec: {{engine: woocommerce}}\n",
        store_name("labelled"),
        ns.name
    );
    let (ok, stderr) = kubectl_as("alice", &["create", "-f", "-"], &labelled);
    assert!(
        !ok && stderr.contains("labels take") && stderr.contains("at most 4096 are accepted"),
        "{stderr}"
    );
    let annotated = store_yaml(
        &scope,
        &ns.name,
        &store_name("annotated"),
        &format!("example.com/notes: {}", "y".repeat(40_000)),
    );
    let (ok, stderr) = kubectl_as("alice", &["create", "-f", "-"], &annotated);
    assert!(
        !ok && stderr.contains("annotations take") && stderr.contains("at most 32768"),
        "{stderr}"
    );
}

/// Two stores that hold one domain (admitted in a race, or before the
/// webhook was there) stay changeable by their tenant and deletable: a
/// domain is checked only when it is set, never on the operator's writes.
#[tokio::test]
async fn stores_sharing_a_domain_stay_changeable_and_deletable() {
    let (admin, ns, scope) = tenant("adm-shared").await;
    let (first, second) = (store_name("first"), store_name("second"));
    for name in [&first, &second] {
        let yaml = store_yaml(&scope, &ns.name, name, "").replace(
            "spec: {engine: woocommerce}",
            "spec: {engine: woocommerce, domain: shared.example.com}",
        );
        common::kubectl_stdin("admin", &["apply", "-f", "-"], &yaml);
    }
    let args = scope.webhook_args(free_port());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let operator = scope.start("a", &args);
    wait_until_admitting(&scope, &ns.name).await;
    let stores = Api::<Store>::namespaced(admin.clone(), &ns.name);
    // The operator serves the domain to one of them and says so on the other.
    let taken = |s: Option<&Store>| {
        s.is_some_and(|s| {
            s.status
                .as_ref()
                .is_some_and(|st| st.conditions.iter().any(|c| c.reason == "DomainTaken"))
        })
    };
    let told = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            for name in [&first, &second] {
                if taken(stores.get_opt(name).await.unwrap().as_ref()) {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    })
    .await;
    assert!(told.is_ok(), "no DomainTaken\n{}", operator.logs());

    for name in [&first, &second] {
        let (ok, stderr) = kubectl_as(
            "alice",
            &[
                "-n",
                &ns.name,
                "label",
                "store",
                name,
                "example.com/team=shop",
            ],
            "",
        );
        assert!(ok, "{name}: {stderr}");
    }
    for name in [&first, &second] {
        let uid = stores.get(name).await.unwrap().uid().unwrap();
        stores.delete(name, &Default::default()).await.unwrap();
        common::wait_deleted(&stores, name, &uid, 90).await;
    }
}

/// Exactly one of racing creates went through; every other says `refusal`.
fn exactly_one_admitted(results: &[kube::Result<Store>], refusal: &str) {
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:#?}"
    );
    for refused in results.iter().filter_map(|r| r.as_ref().err()) {
        let text = refused.to_string();
        assert!(text.contains(refusal), "{text}");
    }
}

/// Twenty creates at once with one domain, and five with one name in five
/// namespaces, through two replicas behind one address: exactly one of each
/// is admitted (the watch cache alone cannot decide a race; the claim does).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_or_domain_raced_for_is_admitted_exactly_once_with_two_replicas() {
    let (admin, ns, scope) = tenant("adm-claims").await;
    let replicas = [free_port(), free_port()];
    let front = RoundRobin::start(replicas).await;
    let mut operators = Vec::new();
    for (i, port) in replicas.iter().enumerate() {
        let mut args = scope.webhook_args(*port);
        args[1] = format!("--webhook-url=https://127.0.0.1:{}", front.port);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        operators.push(scope.start(&format!("replica{i}"), &args));
    }
    common::operator::wait_until_listening(&replicas).await;
    wait_until_admitting(&scope, &ns.name).await;
    let alice = common::client("alice").await;
    let suspended = |namespace: &str, name: &str, domain: &str| {
        let spec = if domain.is_empty() {
            "spec: {engine: woocommerce, suspend: true}".to_string()
        } else {
            format!("spec: {{engine: woocommerce, suspend: true, domain: {domain}}}")
        };
        let yaml =
            store_yaml(&scope, namespace, name, "").replace("spec: {engine: woocommerce}", &spec);
        serde_yaml::from_str::<Store>(&yaml).unwrap()
    };
    let domain = format!("{}.example.com", store_name("raced"));
    let stores = Api::<Store>::namespaced(alice.clone(), &ns.name);
    let creates = (0..20).map(|i| {
        let (stores, store) = (
            stores.clone(),
            suspended(&ns.name, &store_name(&format!("d{i}")), &domain),
        );
        async move { stores.create(&Default::default(), &store).await }
    });
    let results = futures::future::join_all(creates).await;
    exactly_one_admitted(&results, &format!("the domain {domain} is already claimed"));

    let mut namespaces = Vec::new();
    for i in 0..5 {
        let other = common::TestNamespace::new(&admin, &format!("adm-claims-{i}")).await;
        other.grant(&admin, "alice", "nexus-tenant").await;
        namespaces.push(other);
    }
    let name = store_name("samename");
    let creates = namespaces.iter().map(|other| {
        let stores = Api::<Store>::namespaced(alice.clone(), &other.name);
        let store = suspended(&other.name, &name, "");
        async move { stores.create(&Default::default(), &store).await }
    });
    let results = futures::future::join_all(creates).await;
    exactly_one_admitted(&results, &format!("the store name {name:?} is taken"));
    let served = [
        front.served[0].load(Ordering::Relaxed),
        front.served[1].load(Ordering::Relaxed),
    ];
    assert!(
        served[0] > 0 && served[1] > 0,
        "both replicas served: {served:?}"
    );
    drop(operators);
}

/// What a caller of the webhook got back.
#[derive(Debug)]
enum Answer {
    /// An AdmissionReview: allowed, or why not.
    Review(Result<(), String>),
    /// An HTTP status without a review.
    Status(u16),
    /// No HTTP at all: the TLS handshake or the connection ended.
    NoConnection(String),
}

/// Posts `body` to the webhook on `port` at `path`, presenting `identity`
/// (the names of a certificate and key under `pki`) if any.
async fn call_webhook(
    port: u16,
    path: &str,
    identity: Option<(&std::path::Path, &std::path::Path)>,
    body: &[u8],
) -> Answer {
    let mut config = kube::Config::new(format!("https://127.0.0.1:{port}").parse().unwrap());
    // Who the webhook is is not what this test is about; who calls it is.
    config.accept_invalid_certs = true;
    if let Some((cert, key)) = identity {
        config.auth_info.client_certificate = Some(cert.display().to_string());
        config.auth_info.client_key = Some(key.display().to_string());
    }
    let client = kube::Client::try_from(config).unwrap();
    let request = axum::http::Request::post(path)
        .header("content-type", "application/json")
        .body(body.to_vec())
        .unwrap();
    match client.request::<serde_json::Value>(request).await {
        Ok(review) if review["response"]["allowed"] == true => Answer::Review(Ok(())),
        Ok(review) => Answer::Review(Err(review["response"]["status"]["message"].to_string())),
        Err(kube::Error::Api(status)) => Answer::Status(status.code),
        Err(other) => Answer::NoConnection(other.to_string()),
    }
}

/// The API server's call for bob creating store `name` in `namespace`: it
/// would take one of bob's stores and write an audit record.
fn bobs_create(
    uid: &str,
    namespace: &str,
    name: &str,
    scope: &common::operator::Scope,
    dry_run: bool,
) -> Vec<u8> {
    let (key, value) = scope.label();
    let store = json!({
        "apiVersion": "nexus.dev/v1alpha1", "kind": "Store",
        "metadata": {
            "name": name, "namespace": namespace, "labels": {key: value},
            // As the mutating webhook records them for bob.
            "annotations": {"nexus.dev/owner": "bob", "nexus.dev/owner-groups": "nexus-users,system:authenticated", "nexus.dev/owner-uid": ""},
        },
        "spec": {"engine": "woocommerce"},
    });
    store_review(uid, "CREATE", "bob", store, dry_run)
}

/// Only the API server can call the webhook: it presents the admission
/// client certificate the test cluster gives it (its own CA, common name
/// kube-apiserver) and calls the paths with the token the operator wrote
/// into the configurations. Anyone else on the network (no certificate, a
/// user's certificate, that CA's certificate for another name, the right
/// certificate without the token or with a wrong one) gets no answer or a
/// 404, and nothing is written: no record, no ledger. Before, a review
/// posted straight to /validate was answered and recorded.
#[tokio::test]
async fn only_the_api_server_can_call_the_webhook_and_forgeries_change_nothing() {
    let (admin, ns, scope) = tenant("adm-caller").await;
    let pki = common::cluster_dir().join("pki");
    // Limits, so that admission keeps a ledger per user.
    let policy = format!(
        "apiVersion: nexus.dev/v1alpha1\nkind: StorePolicy\nmetadata: {{name: nexus-{}}}\nspec: {{defaults: {{maxStores: 10}}}}\n",
        scope.id
    );
    common::kubectl_stdin("admin", &["apply", "-f", "-"], &policy);
    let port = free_port();
    let mut args = scope.webhook_args(port);
    args.push(format!(
        "--webhook-client-ca={}",
        pki.join("admission-ca.crt").display()
    ));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let operator = scope.start("mtls", &args);
    wait_until_admitting(&scope, &ns.name).await;

    // Through the API server: admitted, and alice recorded as the owner.
    let (key, value) = scope.label();
    let real = store_name("real");
    nexus_as("alice", &ns.name)
        .args(["store", "create", &real, "-l", &format!("{key}={value}")])
        .assert()
        .success();
    let stores = Api::<Store>::namespaced(admin.clone(), &ns.name);
    assert_eq!(
        stores.get(&real).await.unwrap().annotations()["nexus.dev/owner"],
        "alice"
    );
    // Records of requests only: the operator adds its own (the real store
    // becoming Ready) whenever it gets there, which says nothing of the webhook.
    let records = Api::<nexus::api::audit::AuditRecord>::namespaced(admin.clone(), &ns.name);
    let of_requests = |items: Vec<nexus::api::audit::AuditRecord>| {
        items
            .into_iter()
            .filter(|r| r.spec.request_uid.is_some())
            .collect::<Vec<_>>()
    };
    let recorded = of_requests(records.list(&Default::default()).await.unwrap().items).len();
    assert!(recorded >= 1, "the real create is recorded");

    // A certificate signed by the admission CA for another name.
    let dir = tempfile::tempdir().unwrap();
    let (mallory_cert, mallory_key) = (dir.path().join("m.crt"), dir.path().join("m.key"));
    let ext = dir.path().join("m.ext");
    std::fs::write(&ext, "extendedKeyUsage=clientAuth\n").unwrap();
    let csr = dir.path().join("m.csr");
    let openssl = |args: &[&std::ffi::OsStr]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .output()
            .unwrap();
        out.succeeded("");
    };
    openssl(&[
        "req".as_ref(),
        "-new".as_ref(),
        "-newkey".as_ref(),
        "rsa:2048".as_ref(),
        "-nodes".as_ref(),
        "-subj".as_ref(),
        "/CN=mallory".as_ref(),
        "-keyout".as_ref(),
        mallory_key.as_os_str(),
        "-out".as_ref(),
        csr.as_os_str(),
    ]);
    let (ca_cert, ca_key) = (pki.join("admission-ca.crt"), pki.join("admission-ca.key"));
    openssl(&[
        "x509".as_ref(),
        "-req".as_ref(),
        "-in".as_ref(),
        csr.as_os_str(),
        "-CA".as_ref(),
        ca_cert.as_os_str(),
        "-CAkey".as_ref(),
        ca_key.as_os_str(),
        "-CAcreateserial".as_ref(),
        "-CAserial".as_ref(),
        dir.path().join("serial").as_os_str(),
        "-days".as_ref(),
        "1".as_ref(),
        "-extfile".as_ref(),
        ext.as_os_str(),
        "-out".as_ref(),
        mallory_cert.as_os_str(),
    ]);
    let apiserver = (
        pki.join("admission-client.crt"),
        pki.join("admission-client.key"),
    );
    let alice = (pki.join("alice.crt"), pki.join("alice.key"));
    let token = scope.webhook_token(&admin).await;
    let validate = format!("/{token}/validate");
    let wrong = format!("/{}/validate", "A".repeat(token.len()));
    let forged = |i: usize| {
        bobs_create(
            &format!("{}-forged-{i}", scope.id),
            &ns.name,
            "taken",
            &scope,
            false,
        )
    };

    let identity =
        |pair: &(std::path::PathBuf, std::path::PathBuf)| Some((pair.0.clone(), pair.1.clone()));
    let mallory = (mallory_cert.clone(), mallory_key.clone());
    let attempts = [
        ("no certificate", None, validate.as_str()),
        (
            "a user's certificate from the cluster CA",
            identity(&alice),
            validate.as_str(),
        ),
        (
            "the admission CA's certificate for mallory",
            identity(&mallory),
            validate.as_str(),
        ),
    ];
    for (i, (what, identity, path)) in attempts.iter().enumerate() {
        let identity = identity.as_ref().map(|(c, k)| (c.as_path(), k.as_path()));
        match call_webhook(port, path, identity, &forged(i)).await {
            Answer::NoConnection(why) => eprintln!("{what}: refused ({why})"),
            other => panic!("{what}: {other:?}\n{}", operator.logs()),
        }
    }
    let as_apiserver = Some((apiserver.0.as_path(), apiserver.1.as_path()));
    for (i, path) in ["/validate", wrong.as_str(), "/", "/quota"]
        .iter()
        .enumerate()
    {
        let answer = call_webhook(port, path, as_apiserver, &forged(10 + i)).await;
        assert!(matches!(answer, Answer::Status(404)), "{path}: {answer:?}");
    }
    // The same certificate and the token: answered (a dry run, which writes
    // nothing), so what was refused above was refused for who called.
    let dry_run = bobs_create(
        &format!("{}-dry", scope.id),
        &ns.name,
        "taken",
        &scope,
        true,
    );
    let answer = call_webhook(port, &validate, as_apiserver, &dry_run).await;
    assert!(matches!(answer, Answer::Review(Ok(()))), "{answer:?}");

    // Nothing was written: no record for bob, no ledger of bob's.
    let after = of_requests(records.list(&Default::default()).await.unwrap().items);
    assert_eq!(after.len(), recorded, "no record was added");
    assert!(after.iter().all(|r| r.spec.actor.username != "bob"));
    let ledgers =
        Api::<k8s_openapi::api::core::v1::ConfigMap>::namespaced(admin.clone(), "default")
            .list(&Default::default())
            .await
            .unwrap()
            .items;
    let user_ledgers = ledgers
        .iter()
        .filter(|c| {
            c.name_any()
                .starts_with(&format!("nexus-ledger-nexus-{}-user-", scope.id))
        })
        .count();
    assert_eq!(user_ledgers, 1, "alice's ledger only");
    assert!(
        operator.logs().contains(
            "refused a webhook connection: its client certificate names no accepted caller"
        ),
        "{}",
        operator.logs()
    );
}

/// Behind its Service (how the chart runs it), the webhook's paths carry
/// the token as a path segment, which the API server accepts only as a
/// lowercase RFC 1123 label: the operator's configurations are taken.
#[tokio::test]
async fn behind_a_service_the_webhooks_paths_carry_the_token_the_api_server_accepts() {
    let (admin, _ns, scope) = tenant("adm-service-path").await;
    let mut args = scope.webhook_args(free_port());
    args[1] = format!("--webhook-service=default/nexus-{}", scope.id);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let operator = scope.start("service", &args);
    use k8s_openapi::api::admissionregistration::v1::ValidatingWebhookConfiguration as Validating;
    let configurations = Api::<Validating>::all(admin.clone());
    let name = format!("nexus-{}", scope.id);
    let registered = wait_for(
        &configurations,
        &name,
        30,
        "registered",
        |c: Option<&Validating>| c.is_some(),
    )
    .await;
    let token = scope.webhook_token(&admin).await;
    let hooks = registered.webhooks.unwrap();
    let service = hooks[0].client_config.service.as_ref().unwrap();
    assert_eq!(
        service.path.as_deref(),
        Some(format!("/{token}/validate").as_str())
    );
    assert!(
        token.len() <= 63
            && token
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "{token}"
    );
    assert!(
        !operator.logs().contains("cannot start"),
        "{}",
        operator.logs()
    );
}
