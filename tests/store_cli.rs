//! `kubectl nexus store ...` against the real test control plane, as the
//! ordinary users alice and bob. No operator runs here: stores stay Pending.

mod common;

use assert_cmd::cargo::cargo_bin;
use common::Finished;
use common::stores::nexus_as;
use common::{TestNamespace, admin, kubeconfig};
use kube::Api;
use kube::runtime::conditions;
use nexus::api::validation::cases;
use predicates::prelude::*;
use serde_json::Value;

/// A tenant namespace where `user` holds the nexus-tenant role.
async fn tenant(user: &str) -> TestNamespace {
    common::platform_installed().await;
    let admin = admin().await;
    let ns = TestNamespace::new(&admin, &format!("tenant-{user}")).await;
    ns.grant(&admin, user, "nexus-tenant").await;
    ns
}

fn stdout_json(cmd: &mut assert_cmd::Command) -> Value {
    let out = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out)))
}

fn kubectl_apply_as(user: &str, yaml: &str) -> std::process::Output {
    common::kubectl_output(user, &["apply", "-f", "-"], yaml)
}

#[tokio::test]
async fn alice_creates_lists_gets_and_deletes_a_store() {
    let ns = tenant("alice").await;
    nexus_as("alice", &ns.name)
        .args([
            "store",
            "create",
            "shop",
            "--plan",
            "medium",
            "--admin-email",
            "owner@example.com",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("store.nexus.dev/shop created"));

    nexus_as("alice", &ns.name)
        .args(["store", "list"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"NAME\s+PLAN\s+PHASE\s+URL\s+AGE").unwrap())
        .stdout(predicate::str::is_match(r"shop\s+medium\s+Pending\s+-\s+\d+s").unwrap());

    let list = stdout_json(nexus_as("alice", &ns.name).args(["store", "list", "-o", "json"]));
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["name"], "shop");
    assert_eq!(items[0]["namespace"], ns.name.as_str());
    assert_eq!(items[0]["plan"], "medium");
    assert_eq!(items[0]["phase"], "Pending");

    nexus_as("alice", &ns.name)
        .args(["store", "get", "shop"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Phase:            Pending"))
        .stdout(predicate::str::contains("Store namespace:  store-shop"))
        .stdout(predicate::str::contains("no operator has reported"));
    let details =
        stdout_json(nexus_as("alice", &ns.name).args(["store", "get", "shop", "-o", "json"]));
    assert_eq!(details["name"], "shop");
    assert_eq!(details["adminEmail"], "owner@example.com");
    assert_eq!(details["storeNamespace"], "store-shop");
    assert!(
        details.get("warnings").is_none(),
        "alice may read events: {details}"
    );
    // Events of this store, never those a deleted store of the same name
    // left behind (they outlive it by an hour).
    let uid = common::kubectl(
        "admin",
        &[
            "get",
            "store",
            "shop",
            "-n",
            &ns.name,
            "-o",
            "jsonpath={.metadata.uid}",
        ],
    );
    for (event, about, message) in [
        (
            "old",
            "00000000-0000-0000-0000-000000000001",
            "the deleted shop failed",
        ),
        ("new", uid.as_str(), "this shop is provisioning"),
    ] {
        let yaml = format!(
            "apiVersion: v1\nkind: Event\nmetadata: {{name: shop.{event}, namespace: {ns}}}\n\
             involvedObject: {{apiVersion: nexus.dev/v1alpha1, kind: Store, name: shop, namespace: {ns}, uid: {about}}}\n\
             reason: Test\nmessage: {message}\ntype: Warning\nsource: {{component: test}}\n",
            ns = ns.name
        );
        common::kubectl_stdin("admin", &["apply", "-f", "-"], &yaml);
    }
    let details =
        stdout_json(nexus_as("alice", &ns.name).args(["store", "get", "shop", "-o", "json"]));
    let messages: Vec<&str> = details["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages, ["this shop is provisioning"], "{details}");

    nexus_as("alice", &ns.name)
        .args([
            "store",
            "delete",
            "shop",
            "--yes",
            "--wait",
            "--timeout",
            "30s",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("store.nexus.dev/shop deleted"));
    nexus_as("alice", &ns.name)
        .args(["store", "list"])
        .assert()
        .success()
        .stdout("")
        .stderr(
            predicate::str::contains("No stores found")
                .and(predicate::str::contains("store create")),
        );
    nexus_as("alice", &ns.name)
        .args(["store", "get", "shop"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("store \"shop\" not found"));
}

#[tokio::test]
async fn wait_without_an_operator_times_out_and_says_why() {
    let ns = tenant("alice").await;
    nexus_as("alice", &ns.name)
        .args(["store", "create", "lonely", "--wait", "--timeout", "3s"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("timed out after 3s"))
        .stderr(predicate::str::contains("phase Pending"))
        .stderr(predicate::str::contains("is the Nexus operator running?"));
    // The store was created all the same; only the wait gave up.
    nexus_as("alice", &ns.name)
        .args(["store", "get", "lonely", "-o", "name"])
        .assert()
        .success()
        .stdout("store.nexus.dev/lonely\n");
}

#[tokio::test]
async fn creating_a_store_twice_says_it_exists() {
    let ns = tenant("alice").await;
    nexus_as("alice", &ns.name)
        .args(["store", "create", "twice"])
        .assert()
        .success();
    nexus_as("alice", &ns.name)
        .args(["store", "create", "twice"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already exists"));
}

#[tokio::test]
async fn alice_without_rights_is_told_she_is_forbidden() {
    common::platform_installed().await;
    let admin = admin().await;
    let ns = TestNamespace::new(&admin, "nobody").await;
    for args in [
        vec!["store", "list"],
        vec!["store", "create", "x"],
        vec!["store", "get", "x"],
    ] {
        nexus_as("alice", &ns.name)
            .args(&args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("alice may not"))
            .stderr(predicate::str::contains(format!(
                "in namespace \"{}\"",
                ns.name
            )))
            .stderr(predicate::str::contains("nexus-tenant"));
    }
}

#[tokio::test]
async fn bob_cannot_see_or_delete_alices_stores() {
    let alice_ns = tenant("alice").await;
    let bob_ns = tenant("bob").await;
    nexus_as("alice", &alice_ns.name)
        .args(["store", "create", "private"])
        .assert()
        .success();

    nexus_as("bob", &alice_ns.name)
        .args(["store", "get", "private"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bob may not get stores"));
    nexus_as("bob", &alice_ns.name)
        .args(["store", "delete", "private", "--yes"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bob may not delete stores"));
    nexus_as("bob", &bob_ns.name)
        .args(["store", "list", "-o", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("private").not());
    nexus_as("alice", &alice_ns.name)
        .args(["store", "get", "private", "-o", "name"])
        .assert()
        .success();
}

#[tokio::test]
async fn the_api_server_rejects_what_the_cli_rejects() {
    let ns = tenant("alice").await;
    let store = |name: &str, email: &str| {
        format!(
            "apiVersion: nexus.dev/v1alpha1\nkind: Store\nmetadata: {{name: {name:?}, namespace: {ns:?}}}\nspec: {{engine: woocommerce, adminEmail: {email:?}}}\n",
            ns = ns.name
        )
    };
    for (name, valid) in cases::STORE_NAMES
        .iter()
        .filter(|(n, _)| !n.contains(['.', ';', 'D']))
    {
        let out = kubectl_apply_as("alice", &store(name, "owner@example.com"));
        let stderr = out.stderr_text();
        assert_eq!(out.status.success(), *valid, "{name:?}: {stderr}");
        if !valid {
            assert!(
                stderr.contains("DNS label of at most 40 characters")
                    || stderr.contains("internationalized (xn--) names"),
                "{name:?}: {stderr}"
            );
        }
    }
    for (email, valid) in cases::EMAILS {
        let out = kubectl_apply_as("alice", &store("mail-check", email));
        let stderr = out.stderr_text();
        assert_eq!(out.status.success(), *valid, "{email:?}: {stderr}");
        if !valid {
            assert!(
                stderr.contains("adminEmail must be an email address such as owner@example.com"),
                "{email:?}: {stderr}"
            );
        }
    }
    for (domain, valid) in cases::DOMAINS {
        let hosted = format!(
            "apiVersion: nexus.dev/v1alpha1\nkind: Store\nmetadata: {{name: host-check, namespace: {ns:?}}}\nspec: {{engine: woocommerce, domain: {domain:?}}}\n",
            ns = ns.name
        );
        let out = kubectl_apply_as("alice", &hosted);
        let stderr = out.stderr_text();
        assert_eq!(out.status.success(), *valid, "{domain:?}: {stderr}");
        if !valid {
            assert!(stderr.contains("domain "), "{domain:?}: {stderr}");
        }
    }
    for (code, valid) in cases::CURRENCIES {
        let priced = format!(
            "apiVersion: nexus.dev/v1alpha1\nkind: Store\nmetadata: {{name: money-check, namespace: {ns:?}}}\nspec: {{engine: woocommerce, woocommerce: {{currency: {code:?}}}}}\n",
            ns = ns.name
        );
        let out = kubectl_apply_as("alice", &priced);
        let stderr = out.stderr_text();
        assert_eq!(out.status.success(), *valid, "{code:?}: {stderr}");
        if !valid {
            // Too long a value is stopped by the schema's maxLength first.
            let too_long = code.len() > 3 && stderr.contains("may not be more than 3");
            assert!(
                stderr.contains("ISO 4217") || too_long,
                "{code:?}: {stderr}"
            );
        }
        nexus_as("alice", &ns.name)
            .args([
                "store",
                "create",
                "money-check",
                "--dry-run",
                "--currency",
                code,
            ])
            .assert()
            .code(if *valid { 0 } else { 2 });
    }
    let engine = format!(
        "apiVersion: nexus.dev/v1alpha1\nkind: Store\nmetadata: {{name: mail-check, namespace: {ns:?}}}\nspec: {{engine: shopify}}\n",
        ns = ns.name
    );
    let out = kubectl_apply_as("alice", &engine);
    out.failed_saying("woocommerce");
}

#[tokio::test]
async fn logs_reach_the_store_pods() {
    use k8s_openapi::api::core::v1::Pod;
    use kube::api::PostParams;
    let ns = tenant("alice").await;
    let admin = admin().await;
    let name = format!("logged-{}", common::unique_suffix());
    nexus_as("alice", &ns.name)
        .args(["store", "create", &name])
        .assert()
        .success();
    // Stand in for the operator: the store's namespace, a WordPress pod, read access for alice.
    let workload = format!("store-{name}");
    let kubectl_admin = |args: &[&str]| common::kubectl("admin", args);
    kubectl_admin(&["create", "namespace", &workload]);
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "wordpress-0", "labels": {"nexus.dev/store": name, "app.kubernetes.io/component": "wordpress"}},
        "spec": {"containers": [{"name": "wordpress", "image": "wordpress:6"}]}
    }))
    .unwrap();
    let pods = Api::<Pod>::namespaced(admin.clone(), &workload);
    pods.create(&PostParams::default(), &pod).await.unwrap();
    common::wait_for(
        &pods,
        "wordpress-0",
        60,
        "Running",
        conditions::is_pod_running(),
    )
    .await;
    kubectl_admin(&[
        "create",
        "rolebinding",
        "alice-view",
        "--clusterrole=view",
        "--user=alice",
        "-n",
        &workload,
    ]);

    nexus_as("alice", &ns.name)
        .args(["store", "logs", &name])
        .assert()
        .success()
        .stdout(predicate::str::contains("simulated log of a kwok pod"));
    nexus_as("alice", &ns.name)
        .args(["store", "logs", &name, "--component", "database"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("has no database pods yet"));
    nexus_as("bob", &ns.name)
        .args(["store", "logs", &name])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bob may not"));
    common::delete_namespace(&admin, &workload).await;
}

#[tokio::test]
async fn version_shows_the_server() {
    let ns = tenant("alice").await;
    nexus_as("alice", &ns.name)
        .arg("version")
        .assert()
        .success()
        .stdout(predicate::str::contains("Server Version: v1.34.4"));
}

#[tokio::test]
async fn a_missing_namespace_is_named_as_such() {
    common::platform_installed().await;
    nexus_as("admin", "no-such-namespace")
        .args(["store", "create", "x"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "namespace \"no-such-namespace\" does not exist",
        ));
}

#[tokio::test]
async fn completion_offers_the_stores_of_the_namespace() {
    let ns = tenant("alice").await;
    nexus_as("alice", &ns.name)
        .args(["store", "create", "completed-one"])
        .assert()
        .success();
    let kubeconfig = format!("--kubeconfig={}", kubeconfig("alice").display());
    let out = assert_cmd::Command::new(cargo_bin("kubectl-nexus"))
        .args([
            "__complete",
            &kubeconfig,
            "-n",
            &ns.name,
            "store",
            "get",
            "comp",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8_lossy(&out), "completed-one\n:4\n");
}

#[tokio::test]
async fn list_wide_and_across_namespaces() {
    let ns = tenant("alice").await;
    nexus_as("alice", &ns.name)
        .args(["store", "create", "wide-one"])
        .assert()
        .success();
    nexus_as("alice", &ns.name)
        .args(["store", "list", "-o", "wide"])
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(r"NAME\s+PLAN\s+PHASE\s+URL\s+AGE\s+ENGINE\s+REASON").unwrap(),
        )
        .stdout(
            predicate::str::is_match(r"wide-one\s+small\s+Pending\s+-\s+\d+s\s+woocommerce\s+-")
                .unwrap(),
        );
    nexus_as("admin", &ns.name)
        .args(["store", "list", "-A"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"NAMESPACE\s+NAME\s+PLAN").unwrap())
        // Columns are as wide as the longest namespace in the cluster: match the
        // row, not a count of spaces.
        .stdout(predicate::str::is_match(format!(r"(?m)^{}\s+wide-one\s", ns.name)).unwrap());
    nexus_as("alice", &ns.name)
        .args(["store", "list", "-A"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "alice may not list stores across all namespaces",
        ));
}

#[tokio::test]
async fn a_list_in_small_chunks_is_the_whole_list() {
    let ns = tenant("alice").await;
    for i in 0..5 {
        nexus_as("alice", &ns.name)
            .args(["store", "create", &format!("chunk-{i}")])
            .assert()
            .success();
    }
    let names = |chunk: &str| -> Vec<String> {
        let list = stdout_json(nexus_as("alice", &ns.name).args([
            "store",
            "list",
            "--chunk-size",
            chunk,
            "-o",
            "json",
        ]));
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_string())
            .collect()
    };
    let whole = names("0");
    assert_eq!(whole.len(), 5);
    assert_eq!(names("2"), whole, "pages of 2 lost or repeated a store");
}
