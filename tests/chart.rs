//! The Helm chart (charts/nexus) with the real Helm (built from its Go
//! module by tests/cluster/build.sh): lint, the schema's refusals, the
//! manifests `kubectl nexus install` prints, and on the test cluster an
//! install, an upgrade, a rollback and an uninstall around a store the
//! chart's ServiceAccount provisions, confined by the chart's admission
//! policy. The cluster tests take turns: both install cluster-wide objects.

mod common;

use std::process::{Command, Output};
use std::time::Duration;

use common::Finished;
use common::operator::free_port;
use common::stores::*;
use common::{
    HelmRelease, helm, helm_bin, kubeconfig, repo_root, restore_platform_roles, wait_for,
};
use k8s_openapi::api::admissionregistration::v1::{
    MutatingWebhookConfiguration, ValidatingWebhookConfiguration,
};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::ListParams;
use kube::{Api, ResourceExt};
use nexus::api::Phase;
use nexus::api::policy::StorePolicy;
use serde_json::Value;

/// Cluster tests that install cluster-wide objects run one at a time.
static CLUSTER_WIDE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn helm_ok(args: &[&str]) -> String {
    helm(args).succeeded(&format!("helm {args:?}"))
}

fn chart() -> String {
    repo_root().join("charts/nexus").display().to_string()
}

/// The chart rendered as release `nexus` in `nexus-system` with `values`.
fn render(values: &str) -> String {
    helm_ok(&[
        "template",
        "nexus",
        &chart(),
        "-n",
        "nexus-system",
        "-f",
        values,
    ])
}

fn values_file(dir: &tempfile::TempDir, name: &str, yaml: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, yaml).unwrap();
    path.display().to_string()
}

#[test]
fn the_chart_lints_for_both_worlds_and_renders_what_install_prints() {
    let chart = chart();
    for values in ["values.yaml", "values-local.yaml", "values-prod.yaml"] {
        let file = format!("{chart}/{values}");
        helm_ok(&["lint", "--strict", &chart, "-f", &file]);
    }
    // deploy/nexus.yaml is the chart as rendered now.
    let fresh = tempfile::tempdir().unwrap();
    let rendered = fresh.path().join("nexus.yaml");
    let out = Command::new(repo_root().join("scripts/render-install.sh"))
        .arg(&rendered)
        .env("HELM", helm_bin())
        .output()
        .unwrap();
    out.succeeded("");
    let checked_in = std::fs::read_to_string(repo_root().join("deploy/nexus.yaml")).unwrap();
    assert!(
        std::fs::read_to_string(&rendered).unwrap() == checked_in,
        "deploy/nexus.yaml is stale: run scripts/render-install.sh"
    );
    // What the install command prints is that file.
    let printed = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin("kubectl-nexus"))
        .arg("install")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&printed.stdout), checked_in);

    // Production renders cert-manager's certificates and the ServiceMonitor,
    // three replicas; local renders no PDB for its one replica.
    let prod = render(&format!("{chart}/values-prod.yaml"));
    for expected in [
        "kind: Certificate",
        "kind: ServiceMonitor",
        "replicas: 3",
        "NEXUS_TLS_ISSUER",
        "NEXUS_AUDIT_SINK_TOKEN_FILE",
    ] {
        assert!(prod.contains(expected), "values-prod.yaml: no {expected}");
    }
    let local = render(&format!("{chart}/values-local.yaml"));
    assert!(!local.contains("kind: PodDisruptionBudget"));
    assert!(local.contains("value: \"local-path\""));
}

#[test]
fn wrong_values_are_refused_saying_which_and_why() {
    let chart = chart();
    let cases = [
        ("replicas=0", "replicas"),
        ("replica=3", "replica"),
        ("operator.baseDomain=Shops_Example", "baseDomain"),
        (
            "operator.provisioningTimeout=ten minutes",
            "provisioningTimeout",
        ),
        ("webhook.url=http://127.0.0.1:9443", "url"),
        (
            "engines.woocommerceSource=ftp://example.org/woo.zip",
            "woocommerceSource",
        ),
        ("image.pullPolicy=Sometimes", "pullPolicy"),
    ];
    for (set, field) in cases {
        let out = helm(&["template", "nexus", &chart, "--set", set]);
        let stderr = out.stderr_text();
        assert!(!out.status.success(), "{set} was accepted");
        assert!(
            stderr.contains("values don't meet the specifications of the schema")
                && stderr.contains(field),
            "{set}: {stderr}"
        );
    }
}

/// `operator.shards`: one operator Deployment per shard, each with its own
/// store selector, Lease and pod selector; one Service and one webhook for
/// every store; shards that would overlap by name or mix with
/// `operator.storeSelector` are refused.
#[test]
fn the_chart_runs_one_operator_per_shard() {
    let chart = chart();
    let dir = tempfile::tempdir().unwrap();
    let shards = values_file(
        &dir,
        "shards.yaml",
        "operator:\n  shards:\n  - {name: a, storeSelector: nexus.dev/shard=a}\n  - {name: b, storeSelector: \"nexus.dev/shard in (b,c)\"}\n",
    );
    let rendered = render(&shards);
    let objects: Vec<Value> = rendered
        .split("\n---")
        .filter_map(|doc| serde_yaml::from_str::<Value>(doc).ok())
        .filter(|o| o.is_object())
        .collect();
    let of_kind =
        |kind: &str| -> Vec<&Value> { objects.iter().filter(|o| o["kind"] == kind).collect() };
    let deployments = of_kind("Deployment");
    assert_eq!(deployments.len(), 2);
    for (deployment, (shard, selector)) in deployments.iter().zip([
        ("a", "nexus.dev/shard=a"),
        ("b", "nexus.dev/shard in (b,c)"),
    ]) {
        let name = format!("nexus-operator-{shard}");
        assert_eq!(deployment["metadata"]["name"], name.as_str());
        let env = &deployment["spec"]["template"]["spec"]["containers"][0]["env"];
        let var = |key: &str| {
            env.as_array()
                .unwrap()
                .iter()
                .find(|v| v["name"] == key)
                .map(|v| v["value"].clone())
        };
        assert_eq!(var("NEXUS_STORE_SELECTOR"), Some(Value::from(selector)));
        assert_eq!(var("NEXUS_LEASE_NAME"), Some(Value::from(name.as_str())));
        assert!(
            var("NEXUS_WEBHOOK_ADDRESS").is_some(),
            "every shard answers admission"
        );
        let pods = &deployment["spec"]["selector"]["matchLabels"];
        assert_eq!(pods["nexus.dev/operator-shard"], shard);
        assert_eq!(
            deployment["spec"]["template"]["metadata"]["labels"]["nexus.dev/operator-shard"],
            shard
        );
    }
    let budgets = of_kind("PodDisruptionBudget");
    assert_eq!(budgets.len(), 2);
    assert_eq!(
        budgets[1]["spec"]["selector"]["matchLabels"]["nexus.dev/operator-shard"],
        "b"
    );
    // The Service (admission, metrics) reaches every shard's pods.
    let services = of_kind("Service");
    assert_eq!(services.len(), 1);
    assert!(
        services[0]["spec"]["selector"]
            .get("nexus.dev/operator-shard")
            .is_none()
    );
    for kind in [
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
    ] {
        for hook in of_kind(kind)[0]["webhooks"].as_array().unwrap() {
            assert!(hook.get("objectSelector").is_none(), "{kind}: {hook}");
        }
    }

    for (set, expected) in [
        (
            "operator.storeSelector=nexus.dev/shard=a",
            "leave operator.storeSelector empty",
        ),
        (
            "operator.shards[1].name=a,operator.shards[1].storeSelector=x=y",
            "the name \"a\" is used twice",
        ),
    ] {
        let out = helm(&["template", "nexus", &chart, "-f", &shards, "--set", set]);
        let stderr = out.stderr_text();
        assert!(
            !out.status.success() && stderr.contains(expected),
            "{set}: {stderr}"
        );
    }
    let out = helm(&[
        "template",
        "nexus",
        &chart,
        "--set",
        "operator.shards[0].name=Shard_A,operator.shards[0].storeSelector=x=y",
    ]);
    let stderr = out.stderr_text();
    assert!(
        !out.status.success() && stderr.contains("/operator/shards/0/name"),
        "{stderr}"
    );
}

/// The chart's backup values become the operator's backup flags: the
/// endpoint, bucket, region and credentials Secret, the CA mounted from a
/// ConfigMap, and an egress rule to the endpoint's port; half a target and
/// plain http are refused when rendering.
#[test]
fn the_charts_backup_values_configure_the_operators_object_store() {
    let dir = tempfile::tempdir().unwrap();
    let values = values_file(
        &dir,
        "backup.yaml",
        "backup:\n  endpoint: https://s3.example.com:9000\n  bucket: shop-backups\n  region: eu-west-1\n  recipient: age1hsqw2f4dhj496uxlxpf9tmt94kkpfj2af5mkkspujdlz8nmlsfzs9pals3\n  caBundle: |\n    -----BEGIN CERTIFICATE-----\n    MIIB\n    -----END CERTIFICATE-----\n  egressCidrs: [192.0.2.0/24]\n",
    );
    let rendered = render(&values);
    let objects: Vec<Value> = rendered
        .split("\n---")
        .filter_map(|doc| serde_yaml::from_str::<Value>(doc).ok())
        .filter(|o| o.is_object())
        .collect();
    let one = |kind: &str, name: &str| {
        objects
            .iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {kind} {name}"))
    };
    let pod = &one("Deployment", "nexus-operator")["spec"]["template"]["spec"];
    let env: Vec<(String, String)> = pod["containers"][0]["env"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| {
            Some((
                v["name"].as_str()?.to_string(),
                v["value"].as_str()?.to_string(),
            ))
        })
        .collect();
    for (name, value) in [
        ("NEXUS_BACKUP_ENDPOINT", "https://s3.example.com:9000"),
        ("NEXUS_BACKUP_BUCKET", "shop-backups"),
        ("NEXUS_BACKUP_REGION", "eu-west-1"),
        ("NEXUS_BACKUP_CREDENTIALS_SECRET", "nexus-backup"),
        ("NEXUS_BACKUP_CA", "/var/run/nexus/backup-ca/ca.crt"),
        (
            "NEXUS_BACKUP_RECIPIENT",
            "age1hsqw2f4dhj496uxlxpf9tmt94kkpfj2af5mkkspujdlz8nmlsfzs9pals3",
        ),
        ("NEXUS_AGENT_IMAGE", "nexus.dev/kubectl-nexus:0.1.0"),
        ("NEXUS_BACKUP_EGRESS_CIDRS", "192.0.2.0/24"),
    ] {
        assert!(
            env.contains(&(name.into(), value.into())),
            "{name}={value} in {env:?}"
        );
    }
    // Every variable the chart sets is one the operator reads (NEXUS_LOG,
    // the log filter, is read before the flags are).
    let help = Command::new(assert_cmd::cargo::cargo_bin("kubectl-nexus"))
        .args(["operator", "--help"])
        .output()
        .unwrap()
        .succeeded("operator --help");
    for (name, _) in env
        .iter()
        .filter(|(n, _)| n.starts_with("NEXUS_") && n != "NEXUS_LOG")
    {
        assert!(
            help.contains(&format!("[env: {name}")),
            "the operator reads no {name}"
        );
    }
    let mounts = &pod["containers"][0]["volumeMounts"];
    assert!(
        mounts
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "backup-ca" && m["mountPath"] == "/var/run/nexus/backup-ca")
    );
    let ca = one("ConfigMap", "nexus-operator-backup-ca");
    assert!(
        ca["data"]["ca.crt"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    let egress = one("NetworkPolicy", "nexus-operator")["spec"]["egress"]
        .as_array()
        .unwrap();
    assert!(
        egress.iter().any(|rule| rule["ports"][0]["port"] == 9000
            && rule["to"][0]["ipBlock"]["cidr"] == "192.0.2.0/24"),
        "{egress:?}"
    );

    // No endpoint: nothing of backups is rendered.
    let plain = render(&values_file(&dir, "none.yaml", "{}\n"));
    assert!(!plain.contains("NEXUS_BACKUP") && !plain.contains("backup-ca"));
    // Refused before anything is installed.
    let half = values_file(
        &dir,
        "half.yaml",
        "backup: {endpoint: https://s3.example.com}\n",
    );
    helm(&["template", "nexus", &chart(), "-f", &half])
        .failed_saying("backup.endpoint is set but backup.bucket is not");
    let keyless = values_file(
        &dir,
        "keyless.yaml",
        "backup: {endpoint: https://s3.example.com, bucket: shop-backups}\n",
    );
    helm(&["template", "nexus", &chart(), "-f", &keyless])
        .failed_saying("backup.endpoint is set but backup.recipient is not");
    let http = values_file(
        &dir,
        "http.yaml",
        "backup: {endpoint: http://s3.example.com, bucket: shop-backups}\n",
    );
    helm(&["template", "nexus", &chart(), "-f", &http]).failed_saying("/backup/endpoint");
}

/// The chart's webhook configurations are the ones the operator applies
/// without the chart (same webhooks, rules, policies), but for what the
/// operator writes into the installed ones: the CA and each path (its token,
/// then the route).
#[test]
fn the_charts_webhooks_are_the_operators() {
    use nexus::operator::webhook::{ClientConfig, Config, configurations};
    let config = Config {
        address: "0.0.0.0:9443".into(),
        client: ClientConfig::service("nexus-system/nexus-operator").unwrap(),
        configuration: "nexus-stores".into(),
        secret_namespace: "nexus-system".into(),
        secret: "nexus-webhook-tls".into(),
        object_selector: None,
        base_domain: "localhost".into(),
        policy: "default".into(),
        audit_sink_token: None,
        installed: true,
        selector_keys: Vec::new(),
        token_secret: "nexus-webhook-token".into(),
        client_auth: None,
        user_request_rate: 10.0,
        user_request_burst: 50,
        refusal_window: std::time::Duration::from_secs(60),
        plans: nexus::settings::Plans::default(),
    };
    let caller = nexus::operator::webhook::Caller {
        ca_pem: "",
        token: "T",
    };
    let (mutating, validating) = configurations(&config, &caller).unwrap();
    // The webhooks without their CA and path, and the paths.
    let webhooks = |v: Value| {
        let mut hooks = v["webhooks"].clone();
        let mut paths = Vec::new();
        for hook in hooks.as_array_mut().unwrap() {
            let client_config = hook["clientConfig"].as_object_mut().unwrap();
            client_config.remove("caBundle");
            let service = client_config["service"].as_object_mut().unwrap();
            paths.extend(service.remove("path"));
        }
        (hooks, paths)
    };
    let chart = nexus::commands::install::objects().unwrap();
    let rendered = |kind: &str| {
        let object = chart
            .iter()
            .find(|o| o.types.as_ref().is_some_and(|t| t.kind == kind))
            .unwrap();
        serde_json::to_value(object).unwrap()
    };
    let (chart_mutating, none) = webhooks(rendered("MutatingWebhookConfiguration"));
    assert!(none.is_empty(), "the chart renders no path: {none:?}");
    let (chart_validating, none) = webhooks(rendered("ValidatingWebhookConfiguration"));
    assert!(none.is_empty(), "the chart renders no path: {none:?}");
    let (operator_mutating, mutating_paths) = webhooks(serde_json::to_value(mutating).unwrap());
    let (operator_validating, validating_paths) =
        webhooks(serde_json::to_value(validating).unwrap());
    assert_eq!(chart_mutating, operator_mutating);
    assert_eq!(chart_validating, operator_validating);
    assert_eq!(mutating_paths, ["/T/mutate", "/T/quota"]);
    assert_eq!(validating_paths, ["/T/validate"]);
}

fn kubectl_as_kubeconfig(config: &std::path::Path, args: &[&str]) -> Output {
    Command::new("kubectl")
        .arg(format!("--kubeconfig={}", config.display()))
        .args(args)
        .output()
        .unwrap()
}

async fn store_namespace_versions(admin: &kube::Client, namespace: &str) -> Vec<(String, String)> {
    let mut versions: Vec<(String, String)> =
        versions(admin, namespace).await.into_iter().collect();
    versions.sort();
    versions
}

#[tokio::test(flavor = "multi_thread")]
async fn helm_installs_upgrades_rolls_back_and_uninstalls_leaving_stores_alone() {
    let _turn = CLUSTER_WIDE.lock().await;
    let (admin, tenant_ns, scope) = tenant("chart-tenant").await;
    let platform = common::TestNamespace::new(&admin, "chart-nexus").await;
    let release = format!("nx{}", &platform.name[platform.name.len() - 6..]);
    let port = free_port();
    let (key, value) = scope.label();
    let dir = tempfile::tempdir().unwrap();
    let values = |max_stores: u32, concurrency: u32| {
        format!(
            "replicas: 1\noperator:\n  baseDomain: shops.test\n  storeSelector: \"{key}={value}\"\n  concurrency: {concurrency}\nwebhook:\n  url: https://127.0.0.1:{port}\npolicy:\n  create: true\n  spec:\n    defaults: {{maxStores: {max_stores}}}\n"
        )
    };
    let first = values_file(&dir, "first.yaml", &values(5, 4));
    let chart = chart();
    helm_ok(&[
        "install",
        &release,
        &chart,
        "-n",
        &platform.name,
        "-f",
        &first,
        "--take-ownership",
        "--force-conflicts",
    ]);
    let _uninstall = HelmRelease {
        name: release.clone(),
        namespace: platform.name.clone(),
    };

    // An old Store CRD (a printer column missing): the operator's --manage-crds upgrades it.
    let crds = Api::<CustomResourceDefinition>::all(admin.clone());
    common::kubectl(
        "admin",
        &[
            "patch",
            "crd",
            "stores.nexus.dev",
            "--type=json",
            "-p",
            r#"[{"op":"remove","path":"/spec/versions/0/additionalPrinterColumns/2"}]"#,
        ],
    );

    // The operator process with the chart's ServiceAccount, as its pod would run.
    let sa = service_account_kubeconfig(&platform.name, &format!("{release}-operator"), dir.path());
    let lease_namespace = format!("--lease-namespace={}", platform.name);
    let address = format!("--webhook-address=127.0.0.1:{port}");
    let url = format!("--webhook-url=https://127.0.0.1:{port}");
    let secret = format!("--webhook-secret={release}-webhook-tls");
    let token_secret = format!("--webhook-token-secret={release}-webhook-token");
    let args = [
        "--webhook-installed",
        "--manage-crds",
        "--webhook-configuration=nexus-stores",
        "--policy=default",
        &lease_namespace,
        &address,
        &url,
        &secret,
        &token_secret,
    ];
    let mut operator = scope.start_as("chart", &sa, &args);
    let columns = |c: Option<&CustomResourceDefinition>| {
        c.is_some_and(|c| {
            c.spec.versions[0]
                .additional_printer_columns
                .as_ref()
                .is_some_and(|p| p.len() == 4)
        })
    };
    wait_for(
        &crds,
        "stores.nexus.dev",
        30,
        "the printer column back",
        columns,
    )
    .await;

    // Alice's store, admitted by the chart's webhook and provisioned.
    let name = store_name("charted");
    let label = format!("{key}={value}");
    let admitted = |name: &str| {
        nexus_as("alice", &tenant_ns.name)
            .args(["store", "create", name, "-l", &label])
            .output()
            .unwrap()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let out = admitted(&name);
        let stderr = out.stderr_text();
        if out.status.success() {
            assert!(stderr.contains("alice holds 1 of 5 stores"), "{stderr}");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{stderr}\n{}",
            operator.logs()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    wait_phase(&admin, &tenant_ns.name, &name, Phase::Ready, 90).await;
    let workload = format!("store-{name}");

    // Only the operator says a backup is a scheduled one (which keep
    // removes) or a store's final one; alice asks for manual ones.
    let backup = |reason: &str| {
        format!(
            "apiVersion: nexus.dev/v1alpha1\nkind: Backup\nmetadata: {{name: {name}-{}}}\nspec: {{store: {name}, reason: {reason}}}\n",
            reason.to_lowercase()
        )
    };
    for reason in ["Scheduled", "BeforeDelete"] {
        let refused = common::kubectl_output(
            "alice",
            &["-n", &tenant_ns.name, "create", "-f", "-"],
            &backup(reason),
        );
        let stderr = refused.stderr_text();
        assert!(
            !refused.status.success()
                && stderr.contains(&format!(
                    "a Backup of reason {reason} is taken by the Nexus operator only"
                )),
            "{reason}: {stderr}"
        );
    }
    common::kubectl_output(
        "alice",
        &["-n", &tenant_ns.name, "create", "-f", "-"],
        &backup("Manual"),
    )
    .succeeded("alice asks for a manual backup");

    // Confined: the chart's ServiceAccount may not write outside store namespaces.
    let refused = kubectl_as_kubeconfig(
        &sa,
        &["-n", &tenant_ns.name, "create", "secret", "generic", "x"],
    );
    assert!(!refused.status.success());
    let stderr = refused.stderr_text();
    assert!(
        stderr.contains("may write secrets only in store namespaces"),
        "{stderr}"
    );
    let refused = kubectl_as_kubeconfig(
        &sa,
        &[
            "-n",
            &tenant_ns.name,
            "create",
            "deployment",
            "x",
            "--image=busybox",
        ],
    );
    refused.failed_saying("only in store namespaces");
    // Nor make a namespace a store namespace by labelling it afterwards (it
    // could then write workloads and RBAC there), nor relabel or unlabel one.
    let label_only_at_create = "may label a namespace nexus.dev/store-uid only when it creates it";
    for (namespace, label) in [
        (tenant_ns.name.as_str(), "nexus.dev/store-uid=forged"),
        ("kube-system", "nexus.dev/store-uid=forged"),
        (workload.as_str(), "nexus.dev/store-uid=another-store"),
        (workload.as_str(), "nexus.dev/store-uid-"),
    ] {
        let refused = kubectl_as_kubeconfig(
            &sa,
            &["label", "namespace", namespace, label, "--overwrite"],
        );
        let stderr = refused.stderr_text();
        assert!(
            !refused.status.success() && stderr.contains(label_only_at_create),
            "{namespace} {label}: {stderr}"
        );
    }
    // Its own label changes on its own namespaces still go through.
    let relabelled = kubectl_as_kubeconfig(
        &sa,
        &[
            "label",
            "namespace",
            &workload,
            "nexus.dev/confinement-check=1",
        ],
    );
    relabelled.succeeded("");
    // Outside its own namespace it holds no Lease, reads no ConfigMap, and
    // it may create or change no webhook configuration but its own: RBAC
    // refuses before any policy runs.
    let other_webhook = dir.path().join("other-webhook.yaml");
    std::fs::write(
        &other_webhook,
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata: {name: nexus-stores-but-not}\nwebhooks: []\n",
    )
    .unwrap();
    let other_webhook = other_webhook.display().to_string();
    let forged_lease = dir.path().join("forged-lease.yaml");
    std::fs::write(
        &forged_lease,
        "apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: nexus-forged, namespace: kube-system}\n",
    )
    .unwrap();
    let forged_lease = forged_lease.display().to_string();
    for attempt in [
        &["create", "-f", &forged_lease][..],
        &["-n", "kube-system", "get", "leases"],
        &["-n", &tenant_ns.name, "get", "configmaps"],
        &["-n", "kube-system", "get", "secrets"],
        &["-n", &tenant_ns.name, "get", "secrets"],
        &["get", "secrets", "-A"],
        &["apply", "--server-side", "-f", &other_webhook],
        &[
            "patch",
            "validatingwebhookconfiguration",
            "nexus-operator-confinement-check",
            "--type=merge",
            "-p",
            "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}",
        ],
    ] {
        let refused = kubectl_as_kubeconfig(&sa, attempt);
        let stderr = refused.stderr_text();
        assert!(
            !refused.status.success() && stderr.contains("forbidden"),
            "{attempt:?}: {stderr}"
        );
    }
    // Its own Lease, in its namespace, it holds; the Secrets it generated
    // it reads where it wrote them.
    for allowed in [
        &["-n", &platform.name, "get", "leases"][..],
        &["-n", &workload, "get", "secret", "database-credentials"],
    ] {
        let out = kubectl_as_kubeconfig(&sa, allowed);
        out.succeeded(&format!("{allowed:?}"));
    }
    // Those Secrets are what the store's database runs with: nobody, the
    // cluster's admin included, deletes or rewrites them while it lives.
    for change in [
        &["-n", &workload, "delete", "secret", "database-credentials"][..],
        &[
            "-n",
            &workload,
            "patch",
            "secret",
            "wordpress-admin",
            "-p",
            r#"{"stringData":{"password":"guessed"}}"#,
        ],
    ] {
        let refused = common::kubectl_output("admin", change, "");
        let stderr = refused.stderr_text();
        assert!(
            !refused.status.success()
                && stderr.contains("cannot be deleted or changed while the store exists"),
            "{change:?}: {stderr}"
        );
    }
    let relabelled = common::kubectl_output(
        "admin",
        &[
            "-n",
            &workload,
            "label",
            "secret",
            "wordpress-admin",
            "checked=yes",
        ],
        "",
    );
    relabelled.succeeded("a label is not the credentials");
    let before = store_namespace_versions(&admin, &workload).await;

    // Upgrade: new values, the webhook keeps its CA, no store object is touched.
    let second = values_file(&dir, "second.yaml", &values(6, 8));
    helm_ok(&[
        "upgrade",
        &release,
        &chart,
        "-n",
        &platform.name,
        "-f",
        &second,
    ]);
    let policies = Api::<StorePolicy>::all(admin.clone());
    let max_stores = || async {
        policies
            .get("default")
            .await
            .unwrap()
            .spec
            .defaults
            .max_stores
    };
    assert_eq!(max_stores().await, Some(6));
    let validating = Api::<ValidatingWebhookConfiguration>::all(admin.clone())
        .get("nexus-stores")
        .await
        .unwrap();
    assert!(
        validating.webhooks.unwrap()[0]
            .client_config
            .ca_bundle
            .as_ref()
            .is_some_and(|b| !b.0.is_empty()),
        "the upgrade dropped the CA the operator wrote"
    );
    let out = admitted(&store_name("after-upgrade"));
    assert!(
        out.stderr_text().contains("alice holds 2 of 6 stores"),
        "{}",
        out.stderr_text()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        store_namespace_versions(&admin, &workload).await,
        before,
        "the upgrade touched the store"
    );

    // Rollback: the first values again.
    helm_ok(&["rollback", &release, "1", "-n", &platform.name]);
    assert_eq!(max_stores().await, Some(5));
    let history = helm_ok(&["history", &release, "-n", &platform.name, "-o", "json"]);
    let history: Value = serde_json::from_str(&history).unwrap();
    assert_eq!(history.as_array().unwrap().len(), 3);

    // Uninstall: the platform goes, the tenants' stores and their data stay.
    operator.stop();
    helm_ok(&["uninstall", &release, "-n", &platform.name]);
    let mutating = Api::<MutatingWebhookConfiguration>::all(admin.clone());
    assert!(
        mutating.get_opt("nexus-stores").await.unwrap().is_none(),
        "the webhook outlived the chart"
    );
    assert!(
        crds.get_opt("stores.nexus.dev").await.unwrap().is_some(),
        "Helm deleted the CRD"
    );
    let stores = Api::<nexus::api::Store>::namespaced(admin.clone(), &tenant_ns.name);
    assert_eq!(
        stores
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    assert_eq!(
        store_namespace_versions(&admin, &workload).await,
        before,
        "uninstall touched the store"
    );

    restore_platform_roles();
    // A plain operator of the scope removes the stores (their finalizer needs one).
    let _cleanup = scope.start("cleanup", &[]);
    for store in stores.list(&ListParams::default()).await.unwrap() {
        let uid = store.uid().unwrap();
        nexus_as("alice", &tenant_ns.name)
            .args(["store", "delete", &store.name_any(), "--yes"])
            .assert()
            .success();
        common::wait_deleted(&stores, &store.name_any(), &uid, 90).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn install_applies_the_platform_a_second_apply_changes_nothing_and_it_provisions() {
    let _turn = CLUSTER_WIDE.lock().await;
    let (admin, tenant_ns, scope) = tenant("install-tenant").await;
    let install = |args: &[&str]| {
        assert_cmd::Command::new(assert_cmd::cargo::cargo_bin("kubectl-nexus"))
            .arg(format!("--kubeconfig={}", kubeconfig("admin").display()))
            .arg("install")
            .args(args)
            .env_remove("KUBECONFIG")
            .output()
            .unwrap()
    };
    let out = install(&["--apply", "-o", "json"]);
    out.succeeded("");
    let applied: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results: Vec<&str> = applied["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["result"].as_str().unwrap())
        .collect();
    assert!(
        results
            .iter()
            .all(|r| ["created", "configured", "unchanged"].contains(r)),
        "{results:?}"
    );
    // Whatever happens, the installed platform goes again (its webhook would
    // stop every store write in the cluster with no operator behind it).
    struct Remove;
    impl Drop for Remove {
        fn drop(&mut self) {
            remove_installed();
        }
    }
    let _remove = Remove;
    // It says what every store's egress leaves out: the ranges the manifest
    // configures, and the API server's endpoints and the nodes' addresses as
    // the cluster reports them now.
    let egress = &applied["storeEgress"];
    assert_eq!(
        egress["clusterCidrs"],
        serde_json::json!(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"])
    );
    assert_eq!(egress["denyCidrs"][0], "169.254.0.0/16");
    let (api_server, nodes) = common::cluster_addresses();
    assert_eq!(egress["apiServer"], serde_json::json!(api_server));
    assert_eq!(egress["nodes"], serde_json::json!(nodes));
    fn remove_installed() {
        for args in [
            &[
                "delete",
                "mutatingwebhookconfiguration,validatingwebhookconfiguration",
                "nexus-stores",
                "--ignore-not-found",
            ][..],
            &[
                "delete",
                "validatingadmissionpolicy,validatingadmissionpolicybinding",
                "nexus-operator-confinement",
                "--ignore-not-found",
            ],
            &[
                "delete",
                "validatingadmissionpolicy,validatingadmissionpolicybinding",
                "nexus-store-credentials",
                "--ignore-not-found",
            ],
            &[
                "delete",
                "validatingadmissionpolicy,validatingadmissionpolicybinding",
                "nexus-backup-reasons",
                "--ignore-not-found",
            ],
            &[
                "delete",
                "validatingadmissionpolicy,validatingadmissionpolicybinding",
                "nexus-quotareviews-are-questions",
                "--ignore-not-found",
            ],
            &[
                "delete",
                "clusterrolebinding",
                "nexus-operator-nexus-system",
                "--ignore-not-found",
            ],
            &["delete", "storepolicy", "default", "--ignore-not-found"],
            &[
                "delete",
                "namespace",
                "nexus-system",
                "--ignore-not-found",
                "--wait=false",
            ],
        ] {
            common::kubectl("admin", args);
        }
        restore_platform_roles();
    }
    let again = install(&["--dry-run", "-o", "json"]);
    let second: Value = serde_json::from_slice(&again.stdout).unwrap_or_default();
    again.succeeded("");
    let changed: Vec<&Value> = second["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["result"] != "would be unchanged")
        .collect();
    assert!(
        changed.is_empty(),
        "a second apply would change: {changed:?}"
    );

    // Provisioning with what was installed: its ServiceAccount, roles, policy
    // and webhook configurations. kwok runs no operator pod, so the
    // configurations are pointed at an operator process instead of the Service.
    let port = free_port();
    // No path: the operator writes each webhook's, below its token.
    let url = |_: &str| format!(r#"{{"url":"https://127.0.0.1:{port}"}}"#);
    let mutating_patch = format!(
        r#"[{{"op":"replace","path":"/webhooks/0/clientConfig","value":{}}},{{"op":"replace","path":"/webhooks/1/clientConfig","value":{}}}]"#,
        url("/mutate"),
        url("/quota")
    );
    let validating_patch = format!(
        r#"[{{"op":"replace","path":"/webhooks/0/clientConfig","value":{}}}]"#,
        url("/validate")
    );
    for (kind, patch) in [
        ("mutatingwebhookconfiguration", &mutating_patch),
        ("validatingwebhookconfiguration", &validating_patch),
    ] {
        common::kubectl(
            "admin",
            &["patch", kind, "nexus-stores", "--type=json", "-p", patch],
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let sa = service_account_kubeconfig("nexus-system", "nexus-operator", dir.path());
    let address = format!("--webhook-address=127.0.0.1:{port}");
    let webhook_url = format!("--webhook-url=https://127.0.0.1:{port}");
    let args = [
        "--webhook-installed",
        "--manage-crds",
        "--webhook-configuration=nexus-stores",
        "--webhook-secret=nexus-webhook-tls",
        "--policy=default",
        "--lease-namespace=nexus-system",
        &address,
        &webhook_url,
    ];
    let operator = scope.start_as("installed", &sa, &args);
    let (key, value) = scope.label();
    let label = format!("{key}={value}");
    let name = store_name("installed");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let out = nexus_as("alice", &tenant_ns.name)
            .args(["store", "create", &name, "-l", &label])
            .output()
            .unwrap();
        if out.status.success() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{}\n{}",
            out.stderr_text(),
            operator.logs()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let ready = wait_phase(&admin, &tenant_ns.name, &name, Phase::Ready, 90).await;
    assert_eq!(ready.annotations()["nexus.dev/owner"], "alice");
    // A QuotaReview is asked, never stored, whoever answers it.
    let question = format!(
        "apiVersion: nexus.dev/v1alpha1\nkind: QuotaReview\nmetadata: {{name: stored, namespace: {}}}\nspec: {{}}\n",
        tenant_ns.name
    );
    let stored = common::kubectl_output("alice", &["create", "-f", "-"], &question);
    let stderr = stored.stderr_text();
    assert!(
        !stored.status.success()
            && stderr.contains("a QuotaReview is a question and is never stored"),
        "{stderr}"
    );
    let asked = common::kubectl_output(
        "alice",
        &["create", "--dry-run=server", "-f", "-"],
        &question,
    );
    asked.succeeded("");
    // The default policy keeps the platform's own host names.
    for reserved in ["dashboard", "status", "login"] {
        let out = nexus_as("alice", &tenant_ns.name)
            .args(["store", "create", reserved, "-l", &label])
            .output()
            .unwrap();
        let stderr = out.stderr_text();
        assert!(
            !out.status.success() && stderr.contains("is reserved by the platform"),
            "{reserved}: {stderr}"
        );
    }
    let stores = Api::<nexus::api::Store>::namespaced(admin.clone(), &tenant_ns.name);
    nexus_as("alice", &tenant_ns.name)
        .args(["store", "delete", &name, "--yes"])
        .assert()
        .success();
    common::wait_deleted(&stores, &name, &ready.uid().unwrap(), 90).await;
}
