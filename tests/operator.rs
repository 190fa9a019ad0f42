//! The operator on the real control plane: provisioning, idempotency, repair,
//! failure, timeout, retry, suspend, deletion, restarts and leader election.

mod common;

use std::time::Duration;

use common::stores::*;
use common::wait_for;
use common::{list_children, read_child};
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{
    Event, LimitRange, Namespace, PersistentVolumeClaim, Pod, ResourceQuota, Secret,
};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::{Api, ResourceExt};
use nexus::api::{Phase, Store};
use nexus::testing::assert_includes;
use serde_json::json;

#[tokio::test]
async fn a_store_becomes_ready_with_every_guardrail() {
    let fixture = ready_store(
        "op-ready",
        "ready",
        json!({"engine": "woocommerce", "adminEmail": "owner@example.com"}),
    )
    .await;
    let (admin, ns, name) = (&fixture.admin, &fixture.ns, &fixture.name);
    let operator = &fixture.operator;
    let store = fixture.store.clone();
    let workload = format!("store-{name}");

    let status = store.status.clone().unwrap();
    assert_eq!(
        status.url.as_deref(),
        Some(format!("http://{name}.shops.test").as_str())
    );
    assert_eq!(status.namespace.as_deref(), Some(workload.as_str()));
    assert_eq!(
        status.admin_secret_ref.as_ref().unwrap().name,
        "wordpress-admin"
    );
    assert_eq!(status.observed_generation, store.metadata.generation);
    assert!(status.ready_at.is_some());
    let steps = nexus::api::conditions::STEPS;
    for step in steps.iter().chain([&nexus::api::conditions::READY]) {
        let c = nexus::api::conditions::find(&status.conditions, step)
            .unwrap_or_else(|| panic!("condition {step}"));
        assert_eq!(c.status, "True", "{step}: {}", c.message);
    }
    assert!(
        store
            .finalizers()
            .contains(&"nexus.dev/cleanup".to_string())
    );

    let namespace = Api::<Namespace>::all(admin.clone())
        .get(&workload)
        .await
        .unwrap();
    let labels = namespace.labels();
    assert_eq!(labels["nexus.dev/store-uid"], store.uid().unwrap());
    assert_eq!(labels["pod-security.kubernetes.io/enforce"], "restricted");

    let quota = read_child::<ResourceQuota>(admin, &workload, "store-quota").await;
    // The small plan's 1 CPU and 1 GiB, and room for a replacement
    // WordPress pod while the one it replaces stops.
    assert_includes(
        &quota,
        json!({"spec": {"hard": {"limits.cpu": "1400m", "limits.memory": "1408Mi"}}}),
    );
    read_child::<LimitRange>(admin, &workload, "store-limits").await;

    let policies = list_children::<NetworkPolicy>(admin, &workload).await;
    let deny = policies
        .iter()
        .find(|p| p.name_any() == "default-deny")
        .expect("default-deny");
    let deny_spec = deny.spec.clone().unwrap();
    assert_eq!(deny_spec.policy_types.unwrap(), ["Ingress", "Egress"]);
    assert!(
        deny_spec.ingress.is_none() && deny_spec.egress.is_none(),
        "deny means no rules"
    );
    let egress = policies
        .iter()
        .find(|p| p.name_any() == "allow-store-egress")
        .unwrap();
    let text = serde_json::to_string(egress).unwrap();
    assert!(
        text.contains("169.254.0.0/16") && text.contains("0.0.0.0/0"),
        "{text}"
    );
    let ingress_policy = serde_json::to_string(
        policies
            .iter()
            .find(|p| p.name_any() == "allow-ingress-to-wordpress")
            .unwrap(),
    )
    .unwrap();
    assert!(ingress_policy.contains("kube-system"), "{ingress_policy}");
    assert!(
        policies
            .iter()
            .any(|p| p.name_any() == "allow-check-to-wordpress")
    );
    assert_eq!(policies.len(), 6);

    let binding = read_child::<RoleBinding>(admin, &workload, "nexus-tenant-read").await;
    let subjects: Vec<String> = binding
        .subjects
        .unwrap()
        .iter()
        .map(|s| s.name.clone())
        .collect();
    assert_eq!(subjects, ["alice"]);

    let secrets = Api::<Secret>::namespaced(admin.clone(), &workload);
    for secret in [
        "database-credentials",
        "wordpress-admin",
        "wordpress-salts",
        "check-token",
    ] {
        secrets
            .get(secret)
            .await
            .unwrap_or_else(|e| panic!("{secret}: {e}"));
    }
    let set = read_child::<StatefulSet>(admin, &workload, "database").await;
    assert_includes(&set, json!({"spec": {"replicas": 1}}));
    let claim = read_child::<PersistentVolumeClaim>(admin, &workload, "data-database-0").await;
    assert_includes(&claim, json!({"status": {"phase": "Bound"}}));
    let deployment = read_child::<Deployment>(admin, &workload, "wordpress").await;
    assert_includes(
        &deployment,
        json!({"spec": {"strategy": {"type": "Recreate"}}}),
    );
    let job = read_child::<Job>(admin, &workload, "setup").await;
    assert_includes(&job, json!({"status": {"succeeded": 1}}));
    let ingress = read_child::<Ingress>(admin, &workload, "wordpress").await;
    let host = format!("{name}.shops.test");
    assert_includes(&ingress, json!({"spec": {"rules": [{"host": host}]}}));

    // The tenant reads the credentials and the logs; bob does neither.
    let out = nexus_as("alice", &ns.name)
        .args(["store", "credentials", name, "-o", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let credentials: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(credentials["username"], "admin");
    assert_eq!(credentials["password"].as_str().unwrap().len(), 24);
    nexus_as("alice", &ns.name)
        .args(["store", "logs", name])
        .assert()
        .success();
    nexus_as("bob", &ns.name)
        .args(["store", "credentials", name])
        .assert()
        .code(1);

    let (code, body) = operator.http_get("/metrics").await.expect("metrics answer");
    assert_eq!(code, 200);
    assert!(body.contains("nexus_reconciles_total"), "{body}");
    assert!(body.contains("nexus_stores{phase=\"Ready\"} 1"), "{body}");
    assert!(
        body.contains("nexus_provisioning_duration_seconds_count 1"),
        "{body}"
    );
    assert_eq!(operator.http_get("/healthz").await.map(|r| r.0), Some(200));
    assert_eq!(operator.http_get("/readyz").await.map(|r| r.0), Some(200));
}

#[tokio::test]
async fn a_second_reconcile_writes_nothing_and_secrets_never_change_or_leak() {
    let fixture = ready_store("op-idem", "idem", woocommerce()).await;
    let (admin, ns, name) = (&fixture.admin, &fixture.ns, &fixture.name);
    let operator = &fixture.operator;
    let workload = format!("store-{name}");
    let secrets = Api::<Secret>::namespaced(admin.clone(), &workload);
    let secret_data = |s: Secret| s.data.unwrap_or_default();
    let before_secrets = secret_data(secrets.get("database-credentials").await.unwrap());
    // Let the operator and Kubernetes's controllers settle on their own
    // writes (Deployment and Job status) before the baseline is taken.
    operator.wait_finished_above(0.0, 30).await;
    let before = settled_versions(admin, &workload).await;

    let stores = Api::<Store>::namespaced(admin.clone(), &ns.name);
    let writes = operator.metric_sum("nexus_child_writes_total").await;
    let skipped = operator
        .metric_sum("nexus_child_writes_skipped_total")
        .await;
    assert!(
        writes > 10.0,
        "the provisioning wrote its children: {writes}"
    );
    for round in 0..3 {
        let finished = operator
            .metric("nexus_reconcile_duration_seconds_count")
            .await;
        let patch = json!({"metadata": {"annotations": {"test/poke": round.to_string()}}});
        let poked = stores
            .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .unwrap();
        // The poke's reconcile has run to its end (status write included).
        operator.wait_finished_above(finished, 30).await;
        let after = stores.get(name).await.unwrap();
        assert_eq!(
            after.resource_version(),
            poked.resource_version(),
            "round {round}: the reconcile rewrote the Store"
        );
    }
    let after = versions(admin, &workload).await;
    assert_eq!(
        before, after,
        "a reconcile of an unchanged store changed objects"
    );
    // Not even a no-op write: nothing was sent for children at rest.
    assert_eq!(
        operator.metric_sum("nexus_child_writes_total").await,
        writes,
        "a reconcile of an unchanged store sent writes"
    );
    assert!(
        operator
            .metric_sum("nexus_child_writes_skipped_total")
            .await
            >= skipped + 30.0
    );
    assert_eq!(
        before_secrets,
        secret_data(secrets.get("database-credentials").await.unwrap())
    );

    // No secret value in the operator's logs, the Store's status or its events.
    let mut values: Vec<String> = Vec::new();
    for secret in secrets.list(&ListParams::default()).await.unwrap() {
        for (key, value) in secret.data.unwrap_or_default() {
            if key.contains("password") || key.contains("KEY") || key.contains("SALT") {
                values.push(String::from_utf8(value.0).unwrap());
            }
        }
    }
    assert!(values.len() >= 11, "{values:?}");
    let status = serde_json::to_string(&stores.get(name).await.unwrap()).unwrap();
    let events = serde_json::to_string(&list_children::<Event>(admin, &ns.name).await).unwrap();
    let logs = operator.logs();
    assert!(
        logs.contains("phase changed"),
        "the log is captured: {logs}"
    );
    for value in &values {
        assert!(
            !logs.contains(value),
            "a secret value is in the operator log"
        );
        assert!(!status.contains(value), "a secret value is in the Store");
        assert!(!events.contains(value), "a secret value is in the events");
    }
}

#[tokio::test]
async fn deleted_children_are_put_back_but_lost_credentials_are_reported() {
    let mut fixture = ready_store("op-repair", "repair", woocommerce()).await;
    let (admin, ns, name) = (
        fixture.admin.clone(),
        fixture.ns.name.clone(),
        fixture.name.clone(),
    );
    let (admin, ns, name) = (&admin, ns.as_str(), name.as_str());
    let workload = format!("store-{name}");

    let policies = Api::<NetworkPolicy>::namespaced(admin.clone(), &workload);
    let old = policies.get("default-deny").await.unwrap().uid();
    policies
        .delete("default-deny", &DeleteParams::default())
        .await
        .unwrap();
    let back = move |p: Option<&NetworkPolicy>| p.is_some_and(|p| p.uid() != old);
    wait_for(&policies, "default-deny", 30, "recreated", back).await;

    let deployments = Api::<Deployment>::namespaced(admin.clone(), &workload);
    let old = deployments.get("wordpress").await.unwrap().uid();
    deployments
        .delete("wordpress", &DeleteParams::background())
        .await
        .unwrap();
    let back = move |d: Option<&Deployment>| d.is_some_and(|d| d.uid() != old);
    wait_for(&deployments, "wordpress", 30, "recreated", back).await;
    wait_phase(admin, ns, name, Phase::Ready, 60).await;

    // No watch reports a Secret (the operator reads none across the
    // cluster): each operator process checks a store's Secrets once, so the
    // next one to start finds one gone. The check token alone is made again
    // (a store made before checkout checks had none; nothing depends on its
    // old value).
    let secrets = Api::<Secret>::namespaced(admin.clone(), &workload);
    let token = |s: &Secret| s.data.as_ref().unwrap()["token"].0.clone();
    let old_token = token(&secrets.get("check-token").await.unwrap());
    secrets
        .delete("check-token", &DeleteParams::default())
        .await
        .unwrap();
    fixture.operator.stop();
    fixture.operator = fixture.scope.start("again", &[]);
    let made = |s: Option<&Secret>| s.is_some();
    let remade = wait_for(&secrets, "check-token", 30, "made again", made).await;
    assert_eq!(token(&remade).len(), 40);
    assert_ne!(token(&remade), old_token);
    wait_phase(admin, ns, name, Phase::Ready, 30).await;

    // Credentials deleted behind its back (the chart's policy refuses that;
    // this operator runs without it): lost, not made again.
    secrets
        .delete("database-credentials", &DeleteParams::default())
        .await
        .unwrap();
    fixture.operator.stop();
    fixture.operator = fixture.scope.start("restarted", &[]);
    let failed = wait_phase(admin, ns, name, Phase::Failed, 30).await;
    let (reason, message) = ready_condition(&failed);
    assert_eq!(reason, "CredentialsLost");
    assert_eq!(
        failed.status.as_ref().unwrap().admin_secret_ref,
        None,
        "the status no longer points at credentials that are gone"
    );
    assert!(
        message.contains("database-credentials") && message.contains("restore"),
        "{message}"
    );
    assert!(
        secrets
            .get_opt("database-credentials")
            .await
            .unwrap()
            .is_none(),
        "it was regenerated"
    );
}

#[tokio::test]
async fn a_failing_setup_fails_the_store_and_retry_brings_it_back() {
    let (admin, ns, scope) = tenant("op-fail").await;
    let mut failing = scope.start(
        "failing",
        &["--setup-image=example.invalid/nexus-test-fail:1"],
    );
    let name = store_name("fail");
    let other = store_name("fail2");
    create_store(&admin, &ns.name, &scope, &name, woocommerce()).await;
    create_store(&admin, &ns.name, &scope, &other, woocommerce()).await;
    let failed = wait_phase(&admin, &ns.name, &name, Phase::Failed, 120).await;
    wait_phase(&admin, &ns.name, &other, Phase::Failed, 120).await;
    let (reason, message) = ready_condition(&failed);
    assert_eq!(reason, "SetupFailed");
    assert!(
        message.contains("setup step woocommerce-install failed"),
        "{message}"
    );
    nexus_as("alice", &ns.name)
        .args(["store", "get", &name])
        .assert()
        .success()
        .stdout(predicates::str::contains("SetupFailed"));
    // A Warning event says so too.
    let events = Api::<Event>::namespaced(admin.clone(), &ns.name)
        .list(&ListParams::default().fields(&format!("involvedObject.name={name}")))
        .await
        .unwrap();
    assert!(events.iter().any(
        |e| e.type_.as_deref() == Some("Warning") && e.reason.as_deref() == Some("SetupFailed")
    ));

    // A name or --all-failed, and -A only with --all-failed.
    for wrong in [
        &["store", "retry"][..],
        &["store", "retry", &name, "--all-failed"],
        &["store", "retry", "-A"],
    ] {
        nexus_as("alice", &ns.name).args(wrong).assert().code(2);
    }

    // Fixed operator configuration, then the tenant retries every Failed
    // store at once: each failed Job (which pins the old image) is replaced
    // by the retry itself.
    failing.stop();
    let _fixed = scope.start("fixed", &[]);
    let retried = nexus_as("alice", &ns.name)
        .args(["store", "retry", "--all-failed", "-o", "name"])
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "2 Failed stores will be provisioned again",
        ));
    let printed = String::from_utf8_lossy(&retried.get_output().stdout).to_string();
    for store in [&name, &other] {
        assert!(
            printed.contains(&format!("store.nexus.dev/{store}")),
            "{printed}"
        );
    }
    wait_phase(&admin, &ns.name, &name, Phase::Ready, 90).await;
    wait_phase(&admin, &ns.name, &other, Phase::Ready, 90).await;
    nexus_as("alice", &ns.name)
        .args(["store", "retry", &name])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("nothing to retry"));
    nexus_as("alice", &ns.name)
        .args(["store", "retry", "--all-failed"])
        .assert()
        .success()
        .stderr(predicates::str::contains(format!(
            "No store is Failed in namespace {}",
            ns.name
        )));
}

#[tokio::test]
async fn a_store_not_ready_in_time_fails_with_provisioning_timeout() {
    let (admin, ns, scope) = tenant("op-timeout").await;
    let slow = "--setup-image=example.invalid/nexus-test-slow:1";
    let mut hasty = scope.start("hasty", &["--provisioning-timeout=5s", slow]);
    let name = store_name("slow");
    create_store(&admin, &ns.name, &scope, &name, woocommerce()).await;
    let failed = wait_phase(&admin, &ns.name, &name, Phase::Failed, 60).await;
    let (reason, message) = ready_condition(&failed);
    assert_eq!(reason, "ProvisioningTimeout");
    assert!(
        message.starts_with("step Setup was not ready within 5s"),
        "{message}"
    );
    // With a timeout that fits, a retry runs the setup again and the store is Ready.
    hasty.stop();
    let _patient = scope.start("patient", &[slow]);
    nexus_as("alice", &ns.name)
        .args(["store", "retry", &name])
        .assert()
        .success();
    wait_phase(&admin, &ns.name, &name, Phase::Ready, 90).await;
}

#[tokio::test]
async fn a_store_whose_step_was_only_late_goes_on_to_ready_by_itself() {
    let (admin, ns, scope) = tenant("op-late").await;
    // Its claims name a StorageClass that does not exist yet: they stay
    // unbound past the store's deadline.
    let class = format!("late-{}", scope.id);
    let _operator = scope.start(
        "a",
        &[
            "--provisioning-timeout=10s",
            &format!("--storage-class={class}"),
        ],
    );
    let name = store_name("late");
    create_store(&admin, &ns.name, &scope, &name, woocommerce()).await;
    let failed = wait_phase(&admin, &ns.name, &name, Phase::Failed, 60).await;
    let (reason, message) = ready_condition(&failed);
    assert_eq!(reason, "ProvisioningTimeout");
    assert!(
        message.starts_with("step Database was not ready within 10s"),
        "{message}"
    );

    // The volumes come: the store goes on to Ready with no retry, and says so.
    common::kubectl_stdin(
        "admin",
        &["apply", "-f", "-"],
        &format!(
            "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {{name: {class}}}\n\
             provisioner: nexus.dev/test-hostpath\nreclaimPolicy: Delete\nvolumeBindingMode: Immediate\n"
        ),
    );
    struct Class(String);
    impl Drop for Class {
        fn drop(&mut self) {
            common::kubectl(
                "admin",
                &["delete", "storageclass", &self.0, "--ignore-not-found"],
            );
        }
    }
    let _class = Class(class);
    let ready = wait_phase(&admin, &ns.name, &name, Phase::Ready, 120).await;
    let (_, message) = ready_condition(&ready);
    assert!(
        message.contains("became Ready by itself after its provisioning timeout"),
        "{message}"
    );
    let events = list_children::<Event>(&admin, &ns.name).await;
    assert!(
        events.iter().any(|e| e.reason.as_deref() == Some("Ready")
            && e.message
                .as_deref()
                .is_some_and(|m| m.contains("by itself"))),
        "an Event says the store recovered"
    );
}

#[tokio::test]
async fn a_killed_operator_resumes_without_duplicates() {
    let (admin, ns, scope) = tenant("op-kill").await;
    let slow = "--setup-image=example.invalid/nexus-test-slow:1";
    let mut first = scope.start("first", &[slow]);
    let name = store_name("kill");
    create_store(&admin, &ns.name, &scope, &name, woocommerce()).await;
    let workload = format!("store-{name}");
    let jobs = Api::<Job>::namespaced(admin.clone(), &workload);
    wait_for(&jobs, "setup", 60, "created", |j: Option<&Job>| j.is_some()).await;
    first.kill(); // mid-provisioning: the setup pod is still starting
    let provisioning = read_child::<Store>(&admin, &ns.name, &name).await;
    assert_eq!(provisioning.phase(), Phase::Provisioning);

    // The lease of the killed one must expire before the next one leads.
    let _second = scope.start("second", &[slow]);
    wait_phase(&admin, &ns.name, &name, Phase::Ready, 120).await;
    assert_eq!(count::<Job>(&admin, &workload).await, 1, "jobs");
    assert_eq!(
        count::<Deployment>(&admin, &workload).await,
        1,
        "deployments"
    );
    assert_eq!(
        count::<StatefulSet>(&admin, &workload).await,
        1,
        "statefulsets"
    );
    assert_eq!(count::<Ingress>(&admin, &workload).await, 1, "ingresses");
    // database, admin, salts, check token.
    assert_eq!(count::<Secret>(&admin, &workload).await, 4, "secrets");
}

#[tokio::test]
async fn only_the_leader_reconciles_and_a_killed_leader_hands_over() {
    let (admin, ns, scope) = tenant("op-leader").await;
    let mut one = scope.start("one", &[]);
    let mut two = scope.start("two", &[]);
    let leases = Api::<Lease>::namespaced(admin.clone(), "default");
    let lease_name = format!("nexus-{}", scope.id);
    let held = |l: Option<&Lease>| {
        l.and_then(|l| l.spec.as_ref())
            .and_then(|s| s.holder_identity.as_ref())
            .is_some()
    };
    let lease = wait_for(&leases, &lease_name, 30, "a holder", held).await;
    let holder = lease.spec.unwrap().holder_identity.unwrap();
    let (leader, follower) = if holder == one.identity {
        (&mut one, &mut two)
    } else {
        (&mut two, &mut one)
    };

    let first = store_name("lead");
    create_store(&admin, &ns.name, &scope, &first, woocommerce()).await;
    wait_phase(&admin, &ns.name, &first, Phase::Ready, 90).await;
    assert!(leader.logs().contains("became the leader"));
    assert!(!follower.logs().contains("became the leader"));
    assert!(
        !follower.logs().contains("phase changed"),
        "the follower wrote: {}",
        follower.logs()
    );
    assert_eq!(follower.metric("nexus_reconciles_total").await, 0.0);

    leader.kill();
    let second = store_name("handover");
    create_store(&admin, &ns.name, &scope, &second, woocommerce()).await;
    wait_phase(&admin, &ns.name, &second, Phase::Ready, 90).await;
    assert!(follower.logs().contains("became the leader"));
    assert!(follower.is_running());

    // A graceful stop releases the lease at once.
    follower.stop();
    let lease = leases.get(&lease_name).await.unwrap();
    let holder = lease.spec.and_then(|s| s.holder_identity);
    assert!(
        holder.as_ref().is_none_or(|h| h.is_empty()),
        "lease still held by {holder:?}"
    );
}

#[tokio::test]
async fn a_new_leader_writes_nothing_that_is_right_and_puts_back_what_was_changed() {
    let mut fixture = ready_store("op-failover", "failover", woocommerce()).await;
    let (admin, workload) = (fixture.admin.clone(), fixture.workload.clone());
    // The leader settles on its own writes, then goes.
    fixture.operator.wait_finished_above(0.0, 30).await;
    settled_versions(&admin, &workload).await;
    fixture.operator.stop();

    // While no operator runs, a person changes one child and leaves the rest.
    let quotas = Api::<ResourceQuota>::namespaced(admin.clone(), &workload);
    let hard = |q: &ResourceQuota| q.spec.as_ref().and_then(|s| s.hard.clone()).unwrap();
    let original = hard(&quotas.get("store-quota").await.unwrap())["limits.cpu"].clone();
    let edit = PatchParams {
        field_manager: Some("kubectl-edit".into()),
        ..PatchParams::default()
    };
    let raised = json!({"spec": {"hard": {"limits.cpu": "64"}}});
    quotas
        .patch("store-quota", &edit, &Patch::Merge(&raised))
        .await
        .unwrap();
    let before = versions(&admin, &workload).await;

    let successor = fixture.scope.start("b", &[]);
    wait_for(
        &quotas,
        "store-quota",
        60,
        "restored",
        |q: Option<&ResourceQuota>| q.is_some_and(|q| hard(q)["limits.cpu"] == original),
    )
    .await;
    successor.wait_finished_above(0.0, 30).await;
    let after = settled_versions(&admin, &workload).await;
    let changed: Vec<_> = after
        .iter()
        .filter(|(child, version)| before.get(*child) != Some(version))
        .map(|(child, _)| child.as_str())
        .collect();
    assert_eq!(
        changed,
        ["ResourceQuota/store-quota"],
        "the new leader changed more than the edited child"
    );
    // Not even a no-op write: one apply, for the edited quota.
    let metrics = successor.http_get("/metrics").await.unwrap().1;
    let writes: Vec<_> = metrics
        .lines()
        .filter(|l| l.starts_with("nexus_child_writes_total"))
        .collect();
    assert_eq!(
        writes,
        ["nexus_child_writes_total{kind=\"ResourceQuota\"} 1"],
        "the new leader's writes"
    );
    assert!(
        successor
            .metric_sum("nexus_child_writes_skipped_total")
            .await
            >= 15.0
    );
}

#[tokio::test]
async fn suspend_scales_to_zero_and_back_and_the_plan_can_grow() {
    let fixture = ready_store("op-suspend", "nap", woocommerce()).await;
    let (admin, ns, name) = (&fixture.admin, &fixture.ns, &fixture.name);
    let stores = Api::<Store>::namespaced(admin.clone(), &ns.name);
    let suspend = |on: bool| json!({"spec": {"suspend": on}});
    stores
        .patch(name, &PatchParams::default(), &Patch::Merge(suspend(true)))
        .await
        .unwrap();
    wait_phase(admin, &ns.name, name, Phase::Suspended, 60).await;
    let workload = format!("store-{name}");
    // Suspended means the shop's pods are gone, not just asked to go.
    let running = Api::<Pod>::namespaced(admin.clone(), &workload)
        .list(&ListParams::default().labels("app.kubernetes.io/component in (wordpress,database)"))
        .await
        .unwrap();
    let names: Vec<String> = running.items.iter().map(|p| p.name_any()).collect();
    assert!(names.is_empty(), "Suspended with pods left: {names:?}");
    let deployment = read_child::<Deployment>(admin, &workload, "wordpress").await;
    assert_includes(&deployment, json!({"spec": {"replicas": 0}}));
    let set = read_child::<StatefulSet>(admin, &workload, "database").await;
    assert_includes(&set, json!({"spec": {"replicas": 0}}));
    stores
        .patch(name, &PatchParams::default(), &Patch::Merge(suspend(false)))
        .await
        .unwrap();
    wait_phase(admin, &ns.name, name, Phase::Ready, 60).await;

    // A bigger plan: more quota and bigger containers; the volumes stay as they are.
    let medium = json!({"spec": {"plan": "medium"}});
    let changed = stores
        .patch(name, &PatchParams::default(), &Patch::Merge(medium))
        .await
        .unwrap();
    wait_ready_at(&stores, name, changed.metadata.generation).await;
    let quota = read_child::<ResourceQuota>(admin, &workload, "store-quota").await;
    // Medium's 2 CPU and room for a replacement WordPress pod (900m).
    assert_includes(&quota, json!({"spec": {"hard": {"limits.cpu": "2900m"}}}));
    let deployment = read_child::<Deployment>(admin, &workload, "wordpress").await;
    let memory = json!({"resources": {"limits": {"memory": "1Gi"}}});
    assert_includes(
        &deployment,
        json!({"spec": {"template": {"spec": {"containers": [memory]}}}}),
    );
}

#[tokio::test]
async fn delete_removes_the_namespace_then_the_store() {
    let fixture = ready_store("op-delete", "bye", woocommerce()).await;
    let (admin, ns, name) = (&fixture.admin, &fixture.ns, &fixture.name);
    nexus_as("alice", &ns.name)
        .args([
            "store",
            "delete",
            name,
            "--yes",
            "--wait",
            "--timeout",
            "120s",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains("deleted"));
    let gone = Api::<Namespace>::all(admin.clone())
        .get_opt(&format!("store-{name}"))
        .await
        .unwrap();
    assert!(gone.is_none(), "the Store went before its namespace");
}

#[tokio::test]
async fn a_namespace_of_someone_else_is_a_name_conflict_and_is_left_alone() {
    let (admin, ns, scope) = tenant("op-conflict").await;
    let _operator = scope.start("a", &[]);
    let name = store_name("taken");
    let namespaces = Api::<Namespace>::all(admin.clone());
    let squatter: Namespace =
        serde_json::from_value(json!({"metadata": {"name": format!("store-{name}")}})).unwrap();
    namespaces
        .create(&PostParams::default(), &squatter)
        .await
        .unwrap();
    create_store(&admin, &ns.name, &scope, &name, woocommerce()).await;
    let failed = wait_phase(&admin, &ns.name, &name, Phase::Failed, 30).await;
    assert_eq!(ready_condition(&failed).0, "NameConflict");
    let untouched = namespaces.get(&format!("store-{name}")).await.unwrap();
    assert!(
        !untouched.labels().contains_key("nexus.dev/store-uid"),
        "the namespace was adopted"
    );

    Api::<Store>::namespaced(admin.clone(), &ns.name)
        .delete(&name, &DeleteParams::default())
        .await
        .unwrap();
    let stores = Api::<Store>::namespaced(admin.clone(), &ns.name);
    common::wait_deleted(&stores, &name, &failed.uid().unwrap(), 30).await;
    let still = namespaces.get(&format!("store-{name}")).await.unwrap();
    assert!(
        still.metadata.deletion_timestamp.is_none(),
        "someone else's namespace was deleted"
    );
    common::delete_namespace(&admin, &format!("store-{name}")).await;
}

/// In the cluster the operator runs as a ServiceAccount bound to the
/// nexus-operator ClusterRole: that role must be all it needs.
#[tokio::test]
async fn the_operator_needs_no_more_than_its_cluster_role() {
    let (admin, ns, scope) = tenant("op-rbac").await;
    let account = OperatorAccount::new(&admin, "nexus-operator", &scope).await;
    let operator = scope.start_as("sa", &account.kubeconfig, &[]);
    let name = store_name("least");
    create_store(&admin, &ns.name, &scope, &name, woocommerce()).await;
    let stores = Api::<Store>::namespaced(admin.clone(), &ns.name);
    let ready = move |s: Option<&Store>| s.is_some_and(|s| s.phase() == Phase::Ready);
    let waited = tokio::time::timeout(
        Duration::from_secs(90),
        kube::runtime::wait::await_condition(stores, &name, ready),
    )
    .await;
    assert!(
        waited.is_ok(),
        "not Ready; the operator said:\n{}",
        operator.logs()
    );
    assert!(
        !operator.logs().contains("forbidden"),
        "{}",
        operator.logs()
    );
    Api::<Store>::namespaced(admin.clone(), &ns.name)
        .delete(&name, &DeleteParams::default())
        .await
        .unwrap();
    let stores = Api::<Store>::namespaced(admin.clone(), &ns.name);
    let uid = stores
        .get(&name)
        .await
        .map(|s| s.uid().unwrap_or_default())
        .unwrap_or_default();
    if !uid.is_empty() {
        common::wait_deleted(&stores, &name, &uid, 90).await;
    }
}

#[tokio::test]
async fn a_new_tenant_member_gets_read_access_to_existing_stores() {
    let fixture = ready_store("op-members", "team", woocommerce()).await;
    let (admin, ns, name) = (&fixture.admin, &fixture.ns, &fixture.name);
    nexus_as("bob", &ns.name)
        .args(["store", "credentials", name])
        .assert()
        .code(1);

    ns.grant(admin, "bob", "nexus-tenant").await;
    // Well before the periodic resync: the binding itself triggers the update.
    let workload = format!("store-{name}");
    wait_tenant_reader(admin, &workload, "bob", true).await;
    nexus_as("bob", &ns.name)
        .args(["store", "credentials", name])
        .assert()
        .success();

    ns.revoke(admin, "bob", "nexus-tenant").await;
    wait_tenant_reader(admin, &workload, "bob", false).await;
}

#[tokio::test]
async fn changed_settings_run_the_setup_again() {
    let fixture = ready_store("op-settings", "move", woocommerce()).await;
    let (admin, ns, name) = (&fixture.admin, &fixture.ns, &fixture.name);
    let workload = format!("store-{name}");
    let jobs = Api::<Job>::namespaced(admin.clone(), &workload);
    let first_run = jobs.get("setup").await.unwrap().uid();

    let domain = format!("{name}.example.org");
    let stores = Api::<Store>::namespaced(admin.clone(), &ns.name);
    let change = json!({"spec": {"domain": domain, "woocommerce": {"currency": "EUR"}}});
    let changed = stores
        .patch(name, &PatchParams::default(), &Patch::Merge(change))
        .await
        .unwrap();
    // The shop stays Ready while the setup runs again (nothing is lost, as
    // a Deployment stays Available during a rollout); the Setup condition
    // at the new generation says when the change is applied.
    let generation = changed.metadata.generation;
    let applied = move |s: Option<&Store>| {
        s.is_some_and(|s| {
            s.phase() == Phase::Ready
                && condition(s, "Setup")
                    .is_some_and(|c| c.status == "True" && c.observed_generation == generation)
        })
    };
    let store = wait_for(&stores, name, 90, "Ready with its setup applied", applied).await;
    assert_eq!(store.status.unwrap().url, Some(format!("http://{domain}")));

    let job = jobs.get("setup").await.unwrap();
    assert_ne!(job.uid(), first_run, "the setup ran again");
    let env = job.spec.unwrap().template.spec.unwrap().containers[0]
        .env
        .clone()
        .unwrap();
    let value = |name: &str| {
        env.iter()
            .find(|e| e.name == name)
            .and_then(|e| e.value.clone())
    };
    assert_eq!(value("CURRENCY").as_deref(), Some("EUR"));
    assert_eq!(value("STORE_URL"), Some(format!("http://{domain}")));
    let ingress = read_child::<Ingress>(admin, &workload, "wordpress").await;
    assert_includes(&ingress, json!({"spec": {"rules": [{"host": domain}]}}));
}

/// Sharding: two operators on disjoint `--store-selector`s (each with its
/// own Lease) each reconcile their own stores and never the other's; a
/// store relabelled into the other shard is taken over without a restart.
#[tokio::test]
async fn two_shards_on_disjoint_selectors_each_reconcile_only_their_own() {
    let (admin, ns, shard_a) = tenant("op-shards").await;
    let shard_b = common::operator::Scope::new();
    let operator_a = shard_a.start("a", &[]);
    let operator_b = shard_b.start("b", &[]);
    let store_a = store_name("shard-a");
    let store_b = store_name("shard-b");
    create_store(&admin, &ns.name, &shard_a, &store_a, woocommerce()).await;
    create_store(&admin, &ns.name, &shard_b, &store_b, woocommerce()).await;
    wait_phase(&admin, &ns.name, &store_a, Phase::Ready, 90).await;
    wait_phase(&admin, &ns.name, &store_b, Phase::Ready, 90).await;
    let (logs_a, logs_b) = (operator_a.logs(), operator_b.logs());
    assert!(
        logs_a.contains(&store_a) && !logs_a.contains(&store_b),
        "{logs_a}"
    );
    assert!(
        logs_b.contains(&store_b) && !logs_b.contains(&store_a),
        "{logs_b}"
    );

    // With shard b's operator gone, its store waits for it: shard a's
    // operator does not take it over.
    drop(operator_b);
    let stores: Api<Store> = Api::namespaced(admin.clone(), &ns.name);
    for store in [&store_b, &store_a] {
        stores
            .patch(
                store,
                &PatchParams::default(),
                &Patch::Merge(json!({"spec": {"suspend": true}})),
            )
            .await
            .unwrap();
    }
    wait_phase(&admin, &ns.name, &store_a, Phase::Suspended, 60).await;
    let b = stores.get(&store_b).await.unwrap();
    assert_eq!(
        b.status.unwrap().phase,
        Some(Phase::Ready),
        "shard a took over store b"
    );
    assert!(!operator_a.logs().contains(&store_b));

    // Store b moved to shard a (relabelled): shard a takes it over. Its
    // objects made before, labelled for shard b and so outside shard a's
    // watches, are labelled for shard a (the namespace and the secrets
    // too), and its pods are not restarted: templates carry no shard label.
    stores
        .patch(
            &store_b,
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"suspend": false}})),
        )
        .await
        .unwrap();
    let workload = format!("store-{store_b}");
    let pods: Api<Pod> = Api::namespaced(admin.clone(), &workload);
    let uids = |list: kube::core::ObjectList<Pod>| {
        let mut uids: Vec<String> = list.items.iter().filter_map(|p| p.uid()).collect();
        uids.sort();
        uids
    };
    let before = uids(pods.list(&ListParams::default()).await.unwrap());
    assert!(!before.is_empty());
    let (key, shard) = shard_a.label();
    stores
        .patch(
            &store_b,
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {&key: &shard}}})),
        )
        .await
        .unwrap();
    let in_shard_a =
        |labels: &std::collections::BTreeMap<String, String>| labels.get(&key) == Some(&shard);
    let namespaces: Api<Namespace> = Api::all(admin.clone());
    wait_for(
        &namespaces,
        &workload,
        60,
        "shard a's label",
        |n: Option<&Namespace>| n.is_some_and(|n| in_shard_a(n.labels())),
    )
    .await;
    // (The Secrets keep the labels they were made with: no watch selects
    // them, so nothing reads those labels.)
    let deployments: Api<Deployment> = Api::namespaced(admin.clone(), &workload);
    let wordpress = wait_for(
        &deployments,
        "wordpress",
        60,
        "shard a's label",
        |d: Option<&Deployment>| d.is_some_and(|d| in_shard_a(d.labels())),
    )
    .await;
    let template = wordpress.spec.unwrap().template.metadata.unwrap();
    assert!(!template.labels.unwrap().contains_key(&key));
    // Only shard a's operator is left to write store b's status.
    wait_for(
        &stores,
        &store_b,
        60,
        "shard a's reconcile",
        |s: Option<&Store>| {
            s.is_some_and(|s| {
                s.status.as_ref().is_some_and(|status| {
                    status.phase == Some(Phase::Ready)
                        && status.observed_generation == s.metadata.generation
                })
            })
        },
    )
    .await;
    assert_eq!(
        uids(pods.list(&ListParams::default()).await.unwrap()),
        before
    );
}
