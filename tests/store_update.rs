//! Day two from the CLI on the test control plane: `store update`, `store
//! suspend` and `store resume` as alice. Server-side apply changes only what
//! she names, a field someone else's apply set is not taken without
//! --force-conflicts, admission refuses a plan the store's volumes would not
//! fit, and with an operator the change is applied, waited for and audited.

mod common;

use common::Finished;
use common::backups::audit_records;
use common::operator::free_port;
use common::stores::{nexus_as, store_name, tenant, wait_until_admitting};
use common::wait_for;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::ResourceQuota;
use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::Api;
use nexus::api::Store;
use serde_json::Value;

fn json_of(out: &std::process::Output, what: &str) -> Value {
    let text = out.succeeded(what);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {text}"))
}

/// What `store get -o json` says of the store.
fn details(namespace: &str, name: &str) -> Value {
    let out = nexus_as("alice", namespace)
        .args(["store", "get", name, "-o", "json"])
        .output()
        .unwrap();
    json_of(&out, "store get")
}

fn update(namespace: &str, name: &str, args: &[&str]) -> std::process::Output {
    nexus_as("alice", namespace)
        .args(["store", "update", name])
        .args(args)
        .output()
        .unwrap()
}

fn labels(store: &Store) -> Vec<(String, String)> {
    store
        .metadata
        .labels
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect()
}

#[tokio::test]
async fn an_update_changes_only_what_alice_names_and_takes_nothing_another_manager_set() {
    let (admin, ns, _scope) = tenant("update-cli").await;
    let stores = Api::<Store>::namespaced(admin.clone(), &ns.name);
    let name = store_name("shop");
    nexus_as("alice", &ns.name)
        .args(["store", "create", &name, "--domain", "shop.example.com"])
        .args(["--admin-email", "owner@example.com", "-l", "team=a"])
        .output()
        .unwrap()
        .succeeded("store create");

    // One field changes; what she set at create stays.
    let out = update(&ns.name, &name, &["--plan", "medium", "-o", "json"]);
    let changed = json_of(&out, "update --plan");
    assert_eq!(
        changed["changes"],
        serde_json::json!([{"field": "spec.plan", "from": "small", "to": "medium"}])
    );
    assert!(
        changed["effects"][0]
            .as_str()
            .unwrap()
            .contains("resize the store's quota and limits to plan medium"),
        "{changed}"
    );
    let store = stores.get(&name).await.unwrap();
    assert_eq!(store.spec.plan.as_str(), "medium");
    assert_eq!(store.spec.domain.as_deref(), Some("shop.example.com"));
    assert_eq!(store.spec.admin_email.as_deref(), Some("owner@example.com"));
    assert_eq!(labels(&store), [("team".to_string(), "a".to_string())]);

    // A dry run shows the diff and what the operator would do, and changes nothing.
    let out = update(&ns.name, &name, &["--currency", "EUR", "--dry-run"]);
    let text = out.succeeded("update --dry-run");
    assert!(text.contains("a dry run"), "{text}");
    assert!(text.contains("+ spec.woocommerce.currency: EUR"), "{text}");
    assert!(
        text.contains("run the store's setup again for the changed settings"),
        "{text}"
    );
    let unchanged = stores.get(&name).await.unwrap();
    assert_eq!(unchanged.spec.woocommerce, None);
    assert_eq!(
        unchanged.metadata.resource_version,
        store.metadata.resource_version
    );

    // A later apply keeps what an earlier one set; removals take what the
    // CLI set at create too; the same again is no change.
    update(&ns.name, &name, &["--currency", "EUR"]).succeeded("update --currency");
    let out = update(
        &ns.name,
        &name,
        &["-l", "team-", "-l", "tier=gold", "--default-domain"],
    );
    let text = out.succeeded("update labels and domain");
    assert!(text.contains("- spec.domain: shop.example.com"), "{text}");
    let store = stores.get(&name).await.unwrap();
    assert_eq!(
        store.spec.plan.as_str(),
        "medium",
        "an earlier apply's plan"
    );
    assert_eq!(
        store
            .spec
            .woocommerce
            .as_ref()
            .and_then(|w| w.currency.as_deref()),
        Some("EUR")
    );
    assert_eq!(store.spec.domain, None);
    assert_eq!(labels(&store), [("tier".to_string(), "gold".to_string())]);
    let text = update(&ns.name, &name, &["--plan", "medium"]).succeeded("same plan");
    assert!(text.contains("unchanged"), "{text}");

    // Bad input is refused before anything is sent (exit 2).
    let out = update(&ns.name, &name, &["--admin-email", "nobody"]);
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr_text());
    assert!(out.stderr_text().contains("admin email"));
    let out = update(&ns.name, &name, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stderr_text().contains("nothing to change"));
    let out = update(&ns.name, "missing", &["--plan", "large"]);
    assert!(
        out.stderr_text().contains("store \"missing\" not found"),
        "{}",
        out.stderr_text()
    );

    // A pipeline's server-side apply owns the domain and a label now.
    let pipeline = format!(
        "apiVersion: nexus.dev/v1alpha1\nkind: Store\nmetadata: {{name: {name}, namespace: {}, labels: {{release: r1}}}}\nspec: {{engine: woocommerce, domain: pipeline.example.com, suspend: false}}\n",
        ns.name
    );
    let pipeline_applies = || {
        let apply = [
            "apply",
            "--server-side",
            "--field-manager=pipeline",
            "-f",
            "-",
        ];
        common::kubectl_output("alice", &apply, &pipeline)
    };
    pipeline_applies().succeeded("the pipeline's apply");
    let before = stores.get(&name).await.unwrap();
    for (args, field) in [
        (&["--domain", "alice.example.com"][..], "spec.domain"),
        (&["--default-domain"][..], "spec.domain"),
        (&["-l", "release-"][..], "label release"),
    ] {
        let out = update(&ns.name, &name, args);
        let stderr = out.stderr_text();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("{field} is managed by \"pipeline\"")),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("--force-conflicts"), "{stderr}");
    }
    let after = stores.get(&name).await.unwrap();
    assert_eq!(
        after.metadata.resource_version,
        before.metadata.resource_version
    );

    // Taken over on purpose.
    update(
        &ns.name,
        &name,
        &["--domain", "alice.example.com", "--force-conflicts"],
    )
    .succeeded("update --force-conflicts");
    update(&ns.name, &name, &["-l", "release-", "--force-conflicts"])
        .succeeded("remove a label --force-conflicts");
    let store = stores.get(&name).await.unwrap();
    assert_eq!(store.spec.domain.as_deref(), Some("alice.example.com"));
    assert!(!labels(&store).iter().any(|(k, _)| k == "release"));
    let out = pipeline_applies();
    assert!(
        !out.status.success() && out.stderr_text().contains("conflict"),
        "the pipeline is told: {}",
        out.stderr_text()
    );

    // Suspend and resume write spec.suspend; a suspended store is not backed
    // up. The pipeline set it too: taken over only on purpose.
    let out = nexus_as("alice", &ns.name)
        .args(["store", "suspend", &name])
        .output()
        .unwrap();
    let stderr = out.stderr_text();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("spec.suspend is managed by \"pipeline\"")
            && stderr.contains("--force-conflicts"),
        "{stderr}"
    );
    assert_eq!(details(&ns.name, &name)["suspend"], false);
    let out = nexus_as("alice", &ns.name)
        .args(["store", "suspend", &name, "--force-conflicts"])
        .output()
        .unwrap();
    let said = out.succeeded("suspend");
    assert!(said.contains("+ spec.suspend: true"), "{said}");
    assert_eq!(details(&ns.name, &name)["suspend"], true);
    let out = nexus_as("alice", &ns.name)
        .args(["store", "backup", &name])
        .output()
        .unwrap();
    assert!(
        out.stderr_text().contains("is suspended"),
        "{}",
        out.stderr_text()
    );
    nexus_as("alice", &ns.name)
        .args(["store", "resume", &name])
        .output()
        .unwrap()
        .succeeded("resume");
    assert_eq!(details(&ns.name, &name)["suspend"], false);
    let again = nexus_as("alice", &ns.name)
        .args(["store", "resume", &name])
        .output()
        .unwrap();
    assert!(again.succeeded("resume again").contains("unchanged"));
}

#[tokio::test]
async fn an_update_is_admitted_applied_waited_for_and_audited() {
    let (admin, ns, scope) = tenant("update-op").await;
    let args = scope.webhook_args(free_port());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let operator = scope.start("a", &args);
    wait_until_admitting(&scope, &ns.name).await;
    let (key, value) = scope.label();
    let name = store_name("grow");
    let workload = format!("store-{name}");
    nexus_as("alice", &ns.name)
        .args(["store", "create", &name, "--plan", "medium"])
        .args(["-l", &format!("{key}={value}"), "--wait", "--timeout", "2m"])
        .output()
        .unwrap()
        .succeeded("store create --wait");

    // Its provisioning, step by step: in order, each from the end of the one
    // before, and in the operator's histogram.
    let got = details(&ns.name, &name);
    let steps = got["steps"].as_array().expect("steps").clone();
    let names: Vec<&str> = steps.iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(names, nexus::api::conditions::STEPS);
    for pair in steps.windows(2) {
        assert_eq!(pair[1]["startedAt"], pair[0]["finishedAt"], "{pair:?}");
        assert!(
            pair[1]["seconds"].as_f64().is_some_and(|s| s >= 0.0),
            "{pair:?}"
        );
    }
    let shown = nexus_as("alice", &ns.name)
        .args(["store", "get", &name])
        .output()
        .unwrap()
        .succeeded("store get");
    assert!(
        shown.contains("Provisioning (the last one, step by step):"),
        "{shown}"
    );
    assert!(shown.contains("STEP") && shown.contains("TOOK"), "{shown}");
    assert!(
        operator
            .metric("nexus_step_duration_seconds_count{step=\"Setup\"}")
            .await
            >= 1.0
    );

    // Medium's volumes (5Gi and 10Gi) are more than small allows (10Gi).
    let quotas = Api::<ResourceQuota>::namespaced(admin.clone(), &workload);
    wait_for(
        &quotas,
        "store-quota",
        60,
        "its volumes counted",
        |q: Option<&ResourceQuota>| {
            q.and_then(|q| {
                q.status
                    .as_ref()?
                    .used
                    .as_ref()?
                    .get("requests.storage")
                    .cloned()
            })
            .is_some_and(|used| used.0 == "15Gi")
        },
    )
    .await;
    let out = update(&ns.name, &name, &["--plan", "small"]);
    let stderr = out.stderr_text();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the store's volumes hold 15Gi of storage and plan small allows 10Gi"),
        "{stderr}"
    );
    assert_eq!(details(&ns.name, &name)["plan"], "medium");

    // A plan change reaches the pods and is waited for.
    let out = update(
        &ns.name,
        &name,
        &["--plan", "large", "--wait", "--timeout", "2m"],
    );
    assert!(out.succeeded("update --wait").contains("is Ready"));
    let stores = Api::<Store>::namespaced(admin.clone(), &ns.name);
    let store = stores.get(&name).await.unwrap();
    let status = store.status.clone().unwrap();
    assert_eq!(status.observed_generation, store.metadata.generation);
    let deployments = Api::<Deployment>::namespaced(admin.clone(), &workload);
    let wordpress = deployments.get("wordpress").await.unwrap();
    let limits = wordpress.spec.unwrap().template.spec.unwrap().containers[0]
        .resources
        .clone()
        .unwrap()
        .limits
        .unwrap();
    assert_eq!(limits["cpu"].0, "2", "large's WordPress size");

    // alice asks for a check: the operator runs the check pod in the store's
    // namespace (which a policy lets reach WordPress only) and answers. kwok
    // completes the pod without running the shopper, so the answer is that
    // no report came, and the store's health is Unknown; nothing stays.
    let policies = Api::<NetworkPolicy>::namespaced(admin.clone(), &workload);
    let check_policy = policies.get("allow-check-to-wordpress").await.unwrap();
    let allowed = serde_json::to_value(check_policy.spec.unwrap().egress).unwrap();
    assert_eq!(
        allowed[0]["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"],
        "wordpress"
    );
    // Checked on its own: spec.check.interval, from the CLI (a bad one is
    // refused before anything is sent, and by admission from kubectl).
    let out = update(&ns.name, &name, &["--check-interval", "30s"]);
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr_text());
    assert!(
        out.stderr_text().contains("invalid check interval"),
        "{}",
        out.stderr_text()
    );
    let patch = r#"{"spec":{"check":{"interval":"2d"}}}"#;
    let out = common::kubectl_output(
        "alice",
        &[
            "patch",
            "store",
            &name,
            "-n",
            &ns.name,
            "--type=merge",
            "-p",
            patch,
        ],
        "",
    );
    assert!(
        !out.status.success()
            && out
                .stderr_text()
                .contains("spec.check: invalid check interval"),
        "{}",
        out.stderr_text()
    );
    let out = update(&ns.name, &name, &["--check-interval", "1m"]);
    assert!(
        out.succeeded("update --check-interval")
            .contains("check the store as a shopper every 1m")
    );
    let periodic = |s: Option<&Store>| {
        let check = s.and_then(|s| s.status.as_ref()?.check.as_ref());
        check.is_some_and(|c| c.request.starts_with("every "))
    };
    wait_for(&stores, &name, 60, "a check of its own", periodic).await;
    update(&ns.name, &name, &["--no-check"]).succeeded("update --no-check");
    assert!(stores.get(&name).await.unwrap().spec.check.is_none());

    let out = nexus_as("alice", &ns.name)
        .args(["store", "check", &name, "--timeout", "2m"])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).to_string(),
        out.stderr_text(),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("was not checked: the check pod ended (exit code 0): no report"),
        "{stdout}"
    );
    assert!(stderr.contains("failed its check"), "{stderr}");
    let store = stores.get(&name).await.unwrap();
    let annotations = store.metadata.annotations.clone().unwrap_or_default();
    let status = store.status.clone().unwrap();
    let check = status.check.clone().expect("status.check");
    assert_eq!(
        Some(&check.request),
        annotations.get("nexus.dev/check-requested")
    );
    let healthy = nexus::api::conditions::find(&status.conditions, "Healthy").expect("Healthy");
    assert_eq!(
        (healthy.status.as_str(), healthy.reason.as_str()),
        ("Unknown", "CheckNotRun")
    );
    assert_eq!(
        store.phase(),
        nexus::api::Phase::Ready,
        "a check is not Ready's business"
    );
    // A checkout is asked for as such (kwok's pod ends without a report
    // either way).
    let out = nexus_as("alice", &ns.name)
        .args(["store", "check", &name, "--checkout", "--timeout", "2m"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr_text());
    let check = stores
        .get(&name)
        .await
        .unwrap()
        .status
        .unwrap()
        .check
        .unwrap();
    assert!(check.request.starts_with("checkout "), "{check:?}");
    let jobs = Api::<Job>::namespaced(admin.clone(), &workload);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while jobs.get_opt("check").await.unwrap().is_some() {
        assert!(
            std::time::Instant::now() < deadline,
            "the check Job outlived its check"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    // Suspended with everything kept, then back; a suspended store is not
    // checked (nothing answers).
    let out = nexus_as("alice", &ns.name)
        .args(["store", "suspend", &name, "--wait", "--timeout", "2m"])
        .output()
        .unwrap();
    assert!(out.succeeded("suspend --wait").contains("is Suspended"));
    let out = nexus_as("alice", &ns.name)
        .args(["store", "check", &name])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr_text());
    assert!(
        out.stderr_text().contains("is suspended"),
        "{}",
        out.stderr_text()
    );
    let sets = Api::<StatefulSet>::namespaced(admin.clone(), &workload);
    let database = sets.get("database").await.unwrap();
    assert_eq!(database.spec.unwrap().replicas, Some(0));
    assert!(
        Api::<k8s_openapi::api::core::v1::PersistentVolumeClaim>::namespaced(
            admin.clone(),
            &workload
        )
        .get_opt("data-database-0")
        .await
        .unwrap()
        .is_some(),
        "the database's volume is kept"
    );
    let out = nexus_as("alice", &ns.name)
        .args(["store", "resume", &name, "--wait", "--timeout", "2m"])
        .output()
        .unwrap();
    assert!(out.succeeded("resume --wait").contains("is Ready"));

    // A report alice can attach to a ticket: what she may read, what she
    // may not said, and no secret of the store anywhere in it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.tar.gz");
    let out = nexus_as("alice", &ns.name)
        .args(["store", "report", &name, "--file", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.succeeded("store report").contains("Wrote"));
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(
        std::fs::File::open(&file).unwrap(),
    ));
    let mut entries = std::collections::BTreeMap::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().display().to_string();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
        entries.insert(path, bytes);
    }
    let root = format!("nexus-report-{name}");
    for wanted in [
        "README.txt",
        "store.yaml",
        "store-details.json",
        "children/pods.yaml",
        "children/resourcequotas.yaml",
        "children/deployments.yaml",
        "children/statefulsets.yaml",
        "children/services.yaml",
        "children/persistentvolumeclaims.yaml",
        "children/ingresses.yaml",
        "children/events.yaml",
        "audit/records.json",
        "audit/verify.json",
        "versions.json",
    ] {
        assert!(
            entries.contains_key(&format!("{root}/{wanted}")),
            "{wanted} in {:?}",
            entries.keys()
        );
    }
    let readme = String::from_utf8_lossy(&entries[&format!("{root}/README.txt")]).to_string();
    assert!(
        readme.contains("children/secrets.txt: you may not read them"),
        "alice may not list the store's Secrets: {readme}"
    );
    let deployments =
        String::from_utf8_lossy(&entries[&format!("{root}/children/deployments.yaml")]);
    assert!(deployments.contains("name: wordpress"), "{deployments}");
    let records = String::from_utf8_lossy(&entries[&format!("{root}/audit/records.json")]);
    assert!(records.contains("plan medium -> large"), "{records}");
    assert!(
        records.contains("report requested"),
        "its own request: {records}"
    );
    let secrets = Api::<k8s_openapi::api::core::v1::Secret>::namespaced(admin.clone(), &workload)
        .list(&Default::default())
        .await
        .unwrap();
    let mut checked = 0;
    for secret in secrets.items {
        for (key, value) in secret.data.unwrap_or_default() {
            // Names and the store's own settings sit beside the generated
            // values (the database's name and user, the admin's username and
            // email): they are in the Store and the pod specs by design.
            if ["database", "user", "username", "email"].contains(&key.as_str()) {
                continue;
            }
            let value = String::from_utf8_lossy(&value.0).to_string();
            checked += 1;
            for (path, bytes) in &entries {
                assert!(
                    !String::from_utf8_lossy(bytes).contains(&value),
                    "{}/{key} is in {path}",
                    secret.metadata.name.as_deref().unwrap_or_default()
                );
            }
        }
    }
    assert!(
        checked >= 3,
        "the store's generated passwords were looked for"
    );

    // Each change, and the refusal, is a record of alice's.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let updates = audit_records("alice", &ns.name, &name, "update");
        let suspends = audit_records("alice", &ns.name, &name, "suspend");
        let resumes = audit_records("alice", &ns.name, &name, "resume");
        let reports = audit_records("alice", &ns.name, &name, "report");
        let said = |records: &[Value], outcome: &str, details: &str| {
            records.iter().any(|r| {
                r["outcome"] == outcome
                    && r["user"] == "alice"
                    && r["details"].as_str().is_some_and(|d| d.contains(details))
            })
        };
        if said(&updates, "admitted", "plan medium -> large")
            && said(&updates, "denied", "plan small allows 10Gi")
            && said(&suspends, "admitted", "")
            && said(&resumes, "admitted", "")
            && said(&reports, "admitted", "report requested")
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "records: {updates:?} {suspends:?} {resumes:?} {reports:?}"
        );
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

#[tokio::test]
async fn a_new_store_waits_for_a_shoppers_check_before_it_is_ready() {
    // kwok's check pods end without running the shopper, so no check ever
    // passes: the store waits, checked again and again, then fails at its
    // provisioning timeout saying why.
    let (admin, ns, scope) = tenant("first-check").await;
    let _operator = scope.start(
        "a",
        &["--check-before-ready=true", "--provisioning-timeout=40s"],
    );
    let name = store_name("first");
    let yaml = common::stores::store_yaml(&scope, &ns.name, &name, "");
    common::kubectl_stdin("alice", &["apply", "-f", "-"], &yaml);
    let stores = Api::<Store>::namespaced(admin.clone(), &ns.name);
    let reason = |s: Option<&Store>, wanted: &str| {
        let status = s.and_then(|s| s.status.as_ref());
        status
            .and_then(|s| nexus::api::conditions::find(&s.conditions, "Ready"))
            .is_some_and(|c| c.reason == wanted)
    };
    let waiting = wait_for(
        &stores,
        &name,
        60,
        "waiting for its check",
        |s: Option<&Store>| reason(s, "Checking"),
    )
    .await;
    assert_eq!(waiting.phase(), nexus::api::Phase::Provisioning);
    let failed = wait_for(
        &stores,
        &name,
        90,
        "failed at its timeout",
        |s: Option<&Store>| reason(s, "ProvisioningTimeout"),
    )
    .await;
    let status = failed.status.unwrap();
    let ready = nexus::api::conditions::find(&status.conditions, "Ready").unwrap();
    assert!(
        ready
            .message
            .starts_with("the store did not pass a shopper's check within 40s: its last check: "),
        "{}",
        ready.message
    );
    let first = status.check.unwrap().request;
    assert!(first.starts_with("first, "), "{first}");
    assert!(status.ready_at.is_none());
    // Late is not given up: it is still checked (every 30s), and stays
    // Failed while no check passes.
    let checked_again = |s: Option<&Store>| {
        let status = s.and_then(|s| s.status.as_ref());
        status
            .and_then(|s| s.check.as_ref())
            .is_some_and(|c| c.request != first)
    };
    let again = wait_for(
        &stores,
        &name,
        90,
        "checked after its timeout",
        checked_again,
    )
    .await;
    assert_eq!(again.phase(), nexus::api::Phase::Failed);
}
