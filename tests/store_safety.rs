//! A store's safety against strangers and other tenants, on the real control
//! plane: no public route before the setup installed the site, no write in a
//! namespace that is not the store's, access that follows the tenant in every
//! phase, Degraded instead of Failed for a store that was Ready, egress that
//! never reaches cloud metadata, TLS that is Ready only with a certificate,
//! Pod Security `restricted`, and no setup re-run on an operator upgrade.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::Finished;
use common::stores::*;
use common::{TestNamespace, kubeconfig, wait_for};
use common::{find_child, read_child};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::{Api, Client, ResourceExt};
use nexus::api::{Phase, Store};
use serde_json::json;

const SLOW_SETUP: &str = "--setup-image=example.invalid/nexus-test-slow:1";
const FAILING_SETUP: &str = "--setup-image=example.invalid/nexus-test-fail:1";

/// The store's condition of a step: (status, reason, message).
fn step_condition(store: &Store, step: &str) -> (String, String, String) {
    let c = condition(store, step)
        .unwrap_or_else(|| panic!("no {step} condition in {:?}", store.status));
    (c.status.clone(), c.reason.clone(), c.message.clone())
}

/// Whether the store's namespace has a route for the public: an Ingress, or a
/// policy that admits the ingress controller.
async fn public_route(admin: &Client, workload: &str) -> (bool, bool) {
    let ingress = find_child::<Ingress>(admin, workload, "wordpress")
        .await
        .is_some();
    let allow = find_child::<NetworkPolicy>(admin, workload, "allow-ingress-to-wordpress")
        .await
        .is_some();
    (ingress, allow)
}

#[tokio::test]
async fn nobody_reaches_a_store_before_its_setup_installed_it() {
    let fixture = new_store("safe-route", "route", woocommerce(), &[SLOW_SETUP]).await;
    let (admin, ns, name, workload) = (
        &fixture.admin,
        &fixture.ns,
        &fixture.name,
        &fixture.workload,
    );
    fixture.wait_setup_job().await;
    let jobs = Api::<Job>::namespaced(admin.clone(), workload);

    // The setup runs (its pod takes 20 s to start): WordPress is up, the
    // site is not installed, and the public has no way in.
    let stores = Api::<Store>::namespaced(admin.clone(), &ns.name);
    let not_routed = |s: Option<&Store>| has_reason(s, "Ingress", "NotRouted");
    let store = wait_for(&stores, name, 30, "Ingress NotRouted", not_routed).await;
    assert_eq!(store.phase(), Phase::Provisioning);
    assert_eq!(public_route(admin, workload).await, (false, false));
    let succeeded = jobs
        .get("setup")
        .await
        .unwrap()
        .status
        .and_then(|s| s.succeeded);
    assert_eq!(succeeded, None, "the setup is still running");

    // WordPress's readiness is the site being installed, not Apache answering.
    let deployment = read_child::<Deployment>(admin, workload, "wordpress").await;
    let container = &deployment.spec.unwrap().template.spec.unwrap().containers[0];
    let probe = container.readiness_probe.as_ref().unwrap();
    assert!(
        probe.http_get.is_none(),
        "an HTTP probe passes on the installer's redirect"
    );
    let command = probe
        .exec
        .as_ref()
        .unwrap()
        .command
        .as_ref()
        .unwrap()
        .join(" ");
    assert!(command.contains("siteurl"), "{command}");

    let store = wait_phase(admin, &ns.name, name, Phase::Ready, 90).await;
    assert_eq!(step_condition(&store, "Ingress").1, "Routed");
    assert_eq!(public_route(admin, workload).await, (true, true));

    // Egress never reaches cloud metadata or provider services, whatever the port.
    let egress = read_child::<NetworkPolicy>(admin, workload, "allow-store-egress").await;
    let text = serde_json::to_string(&egress).unwrap();
    for cidr in ["169.254.0.0/16", "100.64.0.0/10", "168.63.129.16/32"] {
        assert!(text.contains(cidr), "{cidr} is reachable: {text}");
    }

    // Pod Security `restricted` is enforced, and every store pod met it.
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "root-shell"},
        "spec": {"containers": [{"name": "sh", "image": "busybox",
            "securityContext": {"runAsUser": 0, "privileged": true}}]}
    }))
    .unwrap();
    let refused = Api::<Pod>::namespaced(admin.clone(), workload)
        .create(&PostParams::default(), &pod)
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("violates PodSecurity \"restricted"),
        "{refused}"
    );
}

#[tokio::test]
async fn a_failed_store_has_no_route_and_access_still_follows_the_tenant() {
    let fixture = new_store("safe-failed", "broken", woocommerce(), &[FAILING_SETUP]).await;
    let (admin, ns, name, workload) = (
        &fixture.admin,
        &fixture.ns,
        &fixture.name,
        &fixture.workload,
    );
    let failed = fixture.wait_phase(Phase::Failed, 120).await;
    assert_eq!(ready_condition(&failed).0, "SetupFailed");
    assert_eq!(
        public_route(admin, workload).await,
        (false, false),
        "a Failed store keeps no route to an uninstalled site"
    );

    // Bob joins the tenant, then leaves: the Failed store follows both ways.
    ns.grant(admin, "bob", "nexus-tenant").await;
    wait_tenant_reader(admin, workload, "bob", true).await;
    ns.revoke(admin, "bob", "nexus-tenant").await;
    wait_tenant_reader(admin, workload, "bob", false).await;
    let store = read_child::<Store>(admin, &ns.name, name).await;
    assert_eq!(
        store.phase(),
        Phase::Failed,
        "access changes do not hide the failure"
    );
    assert_eq!(ready_condition(&store).0, "SetupFailed");
}

#[tokio::test]
async fn a_colliding_store_never_touches_the_other_tenants_namespace() {
    let (admin, alice_ns, scope) = tenant("safe-alice").await;
    let bob_ns = TestNamespace::new(&admin, "safe-bob").await;
    bob_ns.grant(&admin, "bob", "nexus-tenant").await;
    let _operator = scope.start("a", &[SLOW_SETUP]);
    let name = store_name("shop");
    create_store(&admin, &alice_ns.name, &scope, &name, woocommerce()).await;
    let workload = format!("store-{name}");
    let jobs = Api::<Job>::namespaced(admin.clone(), &workload);
    let alices_job = wait_for(&jobs, "setup", 60, "created", |j: Option<&Job>| j.is_some())
        .await
        .uid();

    // Bob takes the same name in his own namespace, as bob.
    let (key, value) = scope.label();
    nexus_as("bob", &bob_ns.name)
        .args(["store", "create", &name, "-l", &format!("{key}={value}")])
        .assert()
        .success();
    let bobs = Api::<Store>::namespaced(admin.clone(), &bob_ns.name);
    let failed = wait_phase(&admin, &bob_ns.name, &name, Phase::Failed, 30).await;
    assert_eq!(ready_condition(&failed).0, "NameConflict");

    // While alice's setup runs, bob retries: alice's Job must survive.
    bob_retries_and_edits(&bobs, &bob_ns.name, &name, "EUR").await;
    assert_eq!(jobs.get("setup").await.unwrap().uid(), alices_job);
    wait_phase(&admin, &alice_ns.name, &name, Phase::Ready, 90).await;
    assert_eq!(
        jobs.get("setup").await.unwrap().uid(),
        alices_job,
        "alice's setup was restarted"
    );

    // With alice's store Ready, nothing of hers changes at all.
    let before = versions(&admin, &workload).await;
    bob_retries_and_edits(&bobs, &bob_ns.name, &name, "JPY").await;
    assert_eq!(
        before,
        versions(&admin, &workload).await,
        "bob's store wrote in alice's namespace"
    );
    let bobs_store = bobs.get(&name).await.unwrap();
    assert_eq!(bobs_store.phase(), Phase::Failed);
    assert_eq!(ready_condition(&bobs_store).0, "NameConflict");
}

/// Bob runs `store retry`, then edits the spec, and waits until the operator
/// has acted on both.
async fn bob_retries_and_edits(bobs: &Api<Store>, namespace: &str, name: &str, currency: &str) {
    nexus_as("bob", namespace)
        .args(["store", "retry", name])
        .assert()
        .success();
    let token = bobs.get(name).await.unwrap().annotations()["nexus.dev/retry"].clone();
    let acted = move |s: Option<&Store>| {
        s.and_then(|s| s.status.as_ref())
            .is_some_and(|st| st.retry_token.as_deref() == Some(token.as_str()))
    };
    wait_for(bobs, name, 30, "the retry acted on", acted).await;
    let patch = json!({"spec": {"woocommerce": {"currency": currency}}});
    let out = std::process::Command::new("kubectl")
        .arg(format!("--kubeconfig={}", kubeconfig("bob").display()))
        .args([
            "-n",
            namespace,
            "patch",
            "store",
            name,
            "--type=merge",
            "-p",
        ])
        .arg(patch.to_string())
        .output()
        .unwrap();
    out.succeeded("");
    let generation = bobs.get(name).await.unwrap().metadata.generation;
    let observed = move |s: Option<&Store>| {
        s.and_then(|s| s.status.as_ref())
            .is_some_and(|st| st.observed_generation == generation)
    };
    wait_for(bobs, name, 30, "the edit observed", observed).await;
}

#[tokio::test]
async fn a_ready_store_that_loses_a_component_is_degraded_and_recovers_by_itself() {
    let fixture = ready_store_with(
        "safe-degraded",
        "flaky",
        woocommerce(),
        &["--provisioning-timeout=5s"],
    )
    .await;
    let (admin, ns, name) = (&fixture.admin, &fixture.ns, &fixture.name);
    let workload = format!("store-{name}");
    let pods = Api::<Pod>::namespaced(admin.clone(), &workload);

    set_pod_ready(&pods, "database-0", false).await;
    let stores = Api::<Store>::namespaced(admin.clone(), &ns.name);
    let degraded = wait_phase(admin, &ns.name, name, Phase::Degraded, 30).await;
    let (reason, message) = ready_condition(&degraded);
    assert_eq!(reason, "Starting");
    assert!(message.starts_with("Database: Starting"), "{message}");
    // Twice the provisioning timeout later it is still Degraded, not Failed.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::time::Instant::now() < deadline {
        let phase = stores.get(name).await.unwrap().phase();
        assert_eq!(
            phase,
            Phase::Degraded,
            "a store that was Ready went {phase}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Still routed: the site is installed.
    assert_eq!(public_route(admin, &workload).await, (true, true));

    set_pod_ready(&pods, "database-0", true).await;
    wait_phase(admin, &ns.name, name, Phase::Ready, 60).await;
}

/// What a node reports when a container's readiness probe fails (or passes).
async fn set_pod_ready(pods: &Api<Pod>, name: &str, ready: bool) {
    let status = if ready { "True" } else { "False" };
    let pod = pods.get_status(name).await.unwrap();
    let mut containers = pod.status.unwrap().container_statuses.unwrap();
    for container in &mut containers {
        container.ready = ready;
    }
    let now = k8s_openapi::jiff::Timestamp::now().to_string();
    let patch = json!({"status": {
        "conditions": [
            {"type": "Ready", "status": status, "lastTransitionTime": now},
            {"type": "ContainersReady", "status": status, "lastTransitionTime": now},
        ],
        "containerStatuses": containers,
    }});
    pods.patch_status(name, &PatchParams::default(), &Patch::Strategic(patch))
        .await
        .unwrap();
}

#[tokio::test]
async fn with_tls_a_store_is_ready_only_with_its_certificate() {
    let certificates = common::repo_root().join("tests/fixtures/certificate-crd.yaml");
    common::kubectl(
        "admin",
        &[
            "apply",
            "--server-side",
            "-f",
            certificates.to_str().unwrap(),
        ],
    );
    let (admin, ns, scope) = tenant("safe-tls").await;
    let _operator = scope.start(
        "a",
        &[
            "--tls-issuer=letsencrypt-test",
            "--egress-deny-cidrs=169.254.0.0/16,192.0.2.0/24",
        ],
    );
    let name = store_name("secure");
    create_store(&admin, &ns.name, &scope, &name, woocommerce()).await;
    let workload = format!("store-{name}");
    let stores = Api::<Store>::namespaced(admin.clone(), &ns.name);
    let pending = |s: Option<&Store>| has_reason(s, "Ingress", "CertificatePending");
    let store = wait_for(&stores, &name, 60, "waiting for the certificate", pending).await;
    assert_eq!(
        store.phase(),
        Phase::Provisioning,
        "an https URL without a certificate is not Ready"
    );
    assert_eq!(step_condition(&store, "Setup").0, "True");
    let url = store.status.as_ref().unwrap().url.clone().unwrap();
    assert!(url.starts_with("https://"), "{url}");

    // The ingress controller may reach cert-manager's HTTP-01 solver.
    let solver =
        read_child::<NetworkPolicy>(&admin, &workload, "allow-ingress-to-acme-solver").await;
    let text = serde_json::to_string(&solver).unwrap();
    assert!(
        text.contains("acme.cert-manager.io/http01-solver") && text.contains("8089"),
        "{text}"
    );
    let ingress = read_child::<Ingress>(&admin, &workload, "wordpress").await;
    assert_eq!(
        ingress.annotations()["cert-manager.io/cluster-issuer"],
        "letsencrypt-test"
    );

    // The egress exceptions are what the operator was told.
    let egress = read_child::<NetworkPolicy>(&admin, &workload, "allow-store-egress").await;
    let except = egress.spec.unwrap().egress.unwrap()[1].to.as_ref().unwrap()[0]
        .ip_block
        .clone()
        .unwrap()
        .except
        .unwrap();
    assert_eq!(except[..2], ["169.254.0.0/16", "192.0.2.0/24"]);

    // cert-manager (played by the test) issues the certificate.
    common::kubectl_stdin(
        "admin",
        &["apply", "-f", "-"],
        &serde_json::to_string(&json!({
            "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": {"name": format!("{name}-tls"), "namespace": workload},
            "spec": {"secretName": format!("{name}-tls"), "dnsNames": [format!("{name}.shops.test")]},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "Ready",
                "message": "Certificate is up to date and has not expired"}]}
        }))
        .unwrap(),
    );
    let ready = wait_phase(&admin, &ns.name, &name, Phase::Ready, 30).await;
    assert_eq!(step_condition(&ready, "Ingress").1, "Routed");
}

#[tokio::test]
async fn an_operator_upgrade_does_not_run_the_setup_again() {
    let source = "--woocommerce-source=https://mirror.example.com/woocommerce.10.2.2.zip";
    let mut fixture = ready_store_with("safe-upgrade", "steady", woocommerce(), &[source]).await;
    let (admin, name) = (fixture.admin.clone(), fixture.name.clone());
    let workload = format!("store-{name}");
    let jobs = Api::<Job>::namespaced(admin.clone(), &workload);
    let job = jobs.get("setup").await.unwrap();

    // The Job downloads no WordPress core: an init container copies it out of
    // the WordPress image; WooCommerce comes from the configured zip.
    let pod = job.spec.clone().unwrap().template.spec.unwrap();
    let init = &pod.init_containers.unwrap()[0];
    assert_eq!(
        init.image.as_deref(),
        Some("docker.io/library/wordpress:6.8.3-php8.3-apache")
    );
    assert!(
        init.command
            .as_ref()
            .unwrap()
            .join(" ")
            .contains("/usr/src/wordpress")
    );
    let env: BTreeMap<String, String> = pod.containers[0]
        .env
        .clone()
        .unwrap()
        .into_iter()
        .filter_map(|e| Some((e.name, e.value?)))
        .collect();
    assert_eq!(
        env["WOOCOMMERCE_SOURCE"],
        "https://mirror.example.com/woocommerce.10.2.2.zip"
    );
    assert!(
        !env.contains_key("WORDPRESS_VERSION"),
        "no core version to download"
    );

    // A new operator release: other images, other labels in its templates.
    fixture.operator.stop();
    let upgraded = fixture.scope.start(
        "upgraded",
        &[
            "--setup-image=example.invalid/wp-cli:next",
            "--wordpress-image=example.invalid/wordpress:next",
        ],
    );
    // And the Job as the operator before this one left it: a fingerprint of
    // its whole pod template under the old annotation.
    common::kubectl(
        "admin",
        &[
            "-n",
            &workload,
            "annotate",
            "job",
            "setup",
            "nexus.dev/setup-request-",
            "nexus.dev/setup-hash=0123456789abcdef",
        ],
    );
    let stores = Api::<Store>::namespaced(admin.clone(), &fixture.ns.name);
    let reconciles = upgraded.wait_reconciles_above(0.0, 30).await;
    stores
        .patch(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"annotations": {"test/poke": "1"}}})),
        )
        .await
        .unwrap();
    upgraded.wait_finished_above(reconciles, 30).await;
    let fingerprint = job.annotations()["nexus.dev/setup-request"].clone();
    let adopted = move |j: Option<&Job>| {
        j.is_some_and(|j| j.annotations().get("nexus.dev/setup-request") == Some(&fingerprint))
    };
    let after = wait_for(
        &jobs,
        "setup",
        30,
        "adopted with the owner's fingerprint",
        adopted,
    )
    .await;
    assert_eq!(after.uid(), job.uid(), "the upgrade ran the setup again");
    // New images roll WordPress: it may be Degraded a moment, then Ready.
    wait_ready_at(
        &stores,
        &name,
        stores.get(&name).await.unwrap().metadata.generation,
    )
    .await;
    let still = Api::<Job>::namespaced(admin.clone(), &workload)
        .list(&ListParams::default())
        .await
        .unwrap();
    assert_eq!(still.items.len(), 1);
}

#[tokio::test]
async fn a_step_that_the_api_refuses_says_which_call_and_why() {
    let (admin, ns, scope) = tenant("safe-apierror").await;
    // The operator's role without network policies: its Guardrails step fails.
    let role_name = format!("nexus-operator-nopolicy-{}", scope.id);
    let text = std::fs::read_to_string(common::repo_root().join("config/rbac/nexus-operator.yaml"))
        .unwrap();
    let mut role: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    role["metadata"]["name"] = role_name.clone().into();
    let rules = role["rules"].as_sequence_mut().unwrap();
    for rule in rules.iter_mut() {
        if let Some(resources) = rule["resources"].as_sequence_mut() {
            resources.retain(|r| r.as_str() != Some("networkpolicies"));
        }
    }
    common::kubectl_stdin(
        "admin",
        &["apply", "-f", "-"],
        &serde_yaml::to_string(&role).unwrap(),
    );
    let account = OperatorAccount::new(&admin, &role_name, &scope).await;
    let _operator = scope.start_as("sa", &account.kubeconfig, &[]);
    let name = store_name("refused");
    create_store(&admin, &ns.name, &scope, &name, woocommerce()).await;

    let stores = Api::<Store>::namespaced(admin.clone(), &ns.name);
    let refused = |s: Option<&Store>| has_reason(s, "Guardrails", "ApiError");
    let store = wait_for(&stores, &name, 30, "a Guardrails ApiError", refused).await;
    let (status, _, message) = step_condition(&store, "Guardrails");
    assert_eq!(status, "False");
    let object = format!("apply NetworkPolicy store-{name}/default-deny: ");
    assert!(message.starts_with(&object), "{message}");
    assert!(
        message.contains("forbidden") && message.contains("(403 Forbidden)"),
        "{message}"
    );
    assert_eq!(step_condition(&store, "Namespace").0, "True");
    assert_eq!(store.phase(), Phase::Provisioning);
    common::kubectl("admin", &["delete", "clusterrole", &role_name]);
}

#[tokio::test]
async fn a_host_belongs_to_one_store_and_the_base_domain_to_the_platform() {
    let domain = format!("shop-{}.example.org", common::unique_suffix());
    let alice = ready_store(
        "safe-host",
        "first",
        json!({"engine": "woocommerce", "domain": domain}),
    )
    .await;
    let before = versions(&alice.admin, &alice.workload).await;

    // Bob asks for the same host in his own namespace: his store is served nowhere.
    let bob_ns = TestNamespace::new(&alice.admin, "safe-host-bob").await;
    bob_ns.grant(&alice.admin, "bob", "nexus-tenant").await;
    let bobs = store_name("second");
    create_store(
        &alice.admin,
        &bob_ns.name,
        &alice.scope,
        &bobs,
        json!({"engine": "woocommerce", "domain": domain}),
    )
    .await;
    let failed = wait_phase(&alice.admin, &bob_ns.name, &bobs, Phase::Failed, 60).await;
    let (reason, message) = ready_condition(&failed);
    assert_eq!(reason, "DomainTaken");
    assert!(
        message.contains(&domain) && !message.contains("first-"),
        "{message}"
    );
    let bobs_ingress = Api::<Ingress>::namespaced(alice.admin.clone(), &format!("store-{bobs}"))
        .get_opt("wordpress")
        .await
        .unwrap();
    assert!(bobs_ingress.is_none(), "a second Ingress for {domain}");
    assert_eq!(before, versions(&alice.admin, &alice.workload).await);

    // Another store's host under the base domain, or the base domain itself,
    // is refused before anything is made.
    for taken in [
        format!("{}.shops.test", alice.name),
        "shops.test".to_string(),
    ] {
        let name = store_name("squat");
        create_store(
            &alice.admin,
            &bob_ns.name,
            &alice.scope,
            &name,
            json!({"engine": "woocommerce", "domain": taken}),
        )
        .await;
        let refused = wait_phase(&alice.admin, &bob_ns.name, &name, Phase::Failed, 30).await;
        let (reason, message) = ready_condition(&refused);
        assert_eq!(reason, "InvalidSpec", "{taken}: {message}");
        assert!(message.contains("base domain shops.test"), "{message}");
        let made = Api::<k8s_openapi::api::core::v1::Namespace>::all(alice.admin.clone())
            .get_opt(&format!("store-{name}"))
            .await
            .unwrap();
        assert!(made.is_none(), "a namespace was made for a refused store");
    }
}

#[tokio::test]
async fn a_store_forced_away_leaves_a_namespace_that_is_reported_not_kept_silently() {
    let mut fixture = ready_store("safe-orphan", "forced", woocommerce()).await;
    let (admin, name, workload) = (
        fixture.admin.clone(),
        fixture.name.clone(),
        fixture.workload.clone(),
    );
    // An admin forces the Store away while no operator runs: no finalizer,
    // so its namespace and data stay behind.
    fixture.operator.stop();
    let stores = fixture.stores();
    stores
        .delete(&name, &kube::api::DeleteParams::default())
        .await
        .unwrap();
    stores
        .patch(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"finalizers": null}})),
        )
        .await
        .unwrap();
    common::wait_deleted(&stores, &name, &fixture.store.uid().unwrap(), 30).await;

    let operator = fixture.scope.start("after", &["--orphan-scan-interval=1s"]);
    let events = Api::<k8s_openapi::api::core::v1::Event>::all(admin.clone());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let event = loop {
        let listed = events
            .list(&ListParams::default().fields(&format!("involvedObject.name={workload}")))
            .await
            .unwrap();
        if let Some(e) = listed
            .items
            .into_iter()
            .find(|e| e.reason.as_deref() == Some("OrphanedStoreNamespace"))
        {
            break e;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no OrphanedStoreNamespace event for {workload}; the operator said:\n{}",
            operator.logs()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(event.type_.as_deref(), Some("Warning"));
    let message = event.message.unwrap_or_default();
    assert!(
        message.contains(&format!("{}/{name}", fixture.ns.name))
            && message.contains("kubectl delete namespace"),
        "{message}"
    );
    assert!(operator.metric("nexus_orphaned_namespaces").await >= 1.0);
    assert!(
        operator.logs().contains("orphaned store namespace"),
        "{}",
        operator.logs()
    );
    let kept = Api::<k8s_openapi::api::core::v1::Namespace>::all(admin.clone())
        .get(&workload)
        .await
        .unwrap();
    assert!(
        kept.metadata.deletion_timestamp.is_none(),
        "the data was deleted"
    );
    common::delete_namespace(&admin, &workload).await;
}
