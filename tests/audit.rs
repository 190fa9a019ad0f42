//! The audit trail and the quota answer on the real control plane: records
//! of who did what (with the source IPs the API server's audit backend
//! sends), readable by the tenant and nobody else, immutable, chained so
//! `--verify` names a deleted record, pruned by retention behind a
//! checkpoint; and `kubectl nexus quota` telling each caller their own usage.

mod common;

use std::time::Duration;

use common::Finished;
use common::operator::{Scope, free_port};
use common::stores::*;
use common::wait_for;
use kube::api::{DeleteParams, ObjectMeta, PostParams};
use kube::{Api, Client, ResourceExt};
use nexus::api::audit::{
    Actor, AuditAction, AuditOutcome, AuditRecord, AuditRecordSpec, record_name,
};
use nexus::api::{Phase, Store};
use predicates::prelude::*;
use serde_json::Value;

/// The port the test cluster's API server sends audit events to.
fn audit_sink_port() -> u16 {
    common::cluster_port(common::cluster_dir(), "audit_sink_port")
}

/// The certificate the API server's audit backend trusts, put where the
/// webhook reads it, as cert-manager would.
fn provided_certificate(scope: &Scope) {
    let pki = common::cluster_dir().join("pki");
    let file = |name: &str| {
        format!(
            "--from-file={name}={}",
            pki.join(match name {
                "ca.crt" => "ca.crt",
                "tls.crt" => "audit-sink.crt",
                _ => "audit-sink.key",
            })
            .display()
        )
    };
    common::kubectl(
        "admin",
        &[
            "-n",
            "default",
            "create",
            "secret",
            "generic",
            &format!("nexus-webhook-{}", scope.id),
            &file("ca.crt"),
            &file("tls.crt"),
            &file("tls.key"),
        ],
    );
}

fn audit_json(user: &str, namespace: &str, extra: &[&str]) -> Vec<Value> {
    let out = nexus_as(user, namespace)
        .args(["audit", "-o", "json"])
        .args(extra)
        .output()
        .unwrap();
    out.succeeded("");
    let trail: Value = serde_json::from_slice(&out.stdout).unwrap();
    trail["records"].as_array().unwrap().clone()
}

async fn wait_records(
    user: &str,
    namespace: &str,
    what: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let records = audit_json(user, namespace, &[]);
        if done(&records) {
            return records;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no {what} within 60s; records: {}",
            serde_json::to_string_pretty(&records).unwrap()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn has(records: &[Value], action: &str, outcome: &str, user: &str) -> bool {
    records
        .iter()
        .any(|r| r["action"] == action && r["outcome"] == outcome && r["user"] == user)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_trail_shows_who_did_what_from_where_and_verify_catches_a_deleted_record() {
    let (admin, ns, scope) = tenant("aud-trail").await;
    let bob_ns = common::TestNamespace::new(&admin, "aud-trail-bob").await;
    bob_ns.grant(&admin, "bob", "nexus-tenant").await;
    let account = OperatorAccount::new(&admin, "nexus-operator", &scope).await;
    provided_certificate(&scope);
    let token = common::cluster_dir().join("audit-sink.token");
    let mut args = scope.webhook_args(audit_sink_port());
    args.push(format!("--audit-sink-token-file={}", token.display()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let operator = scope.start_as("sa", &account.kubeconfig, &args);

    wait_until_admitting(&scope, &ns.name).await;
    let (key, value) = scope.label();
    let name = store_name("trail");
    let label = format!("{key}={value}");
    nexus_as("alice", &ns.name)
        .args(["store", "create", &name, "-l", &label])
        .assert()
        .success();
    // A server-side dry run records nothing.
    let dry = format!(
        "apiVersion: nexus.dev/v1alpha1\nkind: Store\nmetadata: {{name: dry, labels: {{{key}: {value}}}}}\nspec: {{engine: woocommerce}}\n"
    );
    let out = common::kubectl_output(
        "alice",
        &["-n", &ns.name, "create", "--dry-run=server", "-f", "-"],
        &dry,
    );
    out.succeeded("");
    wait_phase(&admin, &ns.name, &name, Phase::Ready, 90).await;
    // Suspended and refused a finalizer removal, as alice.
    common::kubectl(
        "alice",
        &[
            "-n",
            &ns.name,
            "patch",
            "store",
            &name,
            "--type=merge",
            "-p",
            r#"{"spec":{"suspend":true}}"#,
        ],
    );
    let refused = common::kubectl_output(
        "alice",
        &[
            "-n",
            &ns.name,
            "patch",
            "store",
            &name,
            "--type=merge",
            "-p",
            r#"{"metadata":{"finalizers":null}}"#,
        ],
        "",
    );
    assert!(!refused.status.success());

    let records = wait_records(
        "alice",
        &ns.name,
        "source IPs on alice's create",
        |records| {
            records.iter().any(|r| {
                r["action"] == "create"
                    && r["sourceIPs"]
                        .as_array()
                        .is_some_and(|ips| ips.iter().any(|ip| ip == "127.0.0.1"))
            }) && records.iter().any(|r| r["action"] == "ready")
                && has(records, "suspend", "admitted", "alice")
                && has(records, "update", "denied", "alice")
        },
    )
    .await;
    let create = records.iter().find(|r| r["action"] == "create").unwrap();
    assert_eq!(create["user"], "alice");
    assert_eq!(create["store"], name.as_str());
    assert!(
        create["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g == "team-alice")
    );
    assert!(
        !create["userAgent"].as_str().unwrap_or_default().is_empty(),
        "{create}"
    );
    let denied = records.iter().find(|r| r["outcome"] == "denied").unwrap();
    assert!(
        denied["details"]
            .as_str()
            .unwrap()
            .contains("only the Nexus operator"),
        "{denied}"
    );
    let ready = records.iter().find(|r| r["action"] == "ready").unwrap();
    assert!(
        ready["user"]
            .as_str()
            .unwrap()
            .starts_with("system:serviceaccount:"),
        "{ready}"
    );
    assert_eq!(
        records.iter().filter(|r| r["action"] == "create").count(),
        1,
        "the dry run was recorded"
    );
    // Oldest first, and filters narrow it.
    let sequences: Vec<u64> = records
        .iter()
        .map(|r| r["sequence"].as_u64().unwrap())
        .collect();
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");
    let suspends = audit_json(
        "alice",
        &ns.name,
        &[
            &name, "--action", "suspend", "--user", "alice", "--since", "1h",
        ],
    );
    assert_eq!(suspends.len(), 1);
    // The table shows the source.
    nexus_as("alice", &ns.name)
        .args(["audit", &name])
        .assert()
        .success()
        .stdout(predicates::str::contains("127.0.0.1").and(predicates::str::contains("suspend")));

    // Bob reads his own namespace's trail, not alice's.
    nexus_as("bob", &ns.name)
        .args(["audit"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("may not list auditrecords"));
    // Nobody rewrites a record, and tenants cannot delete one.
    let first = record_name(1);
    let rewrite = common::kubectl_output(
        "admin",
        &[
            "-n",
            &ns.name,
            "patch",
            "auditrecord",
            &first,
            "--type=merge",
            "-p",
            r#"{"spec":{"details":"nothing happened"}}"#,
        ],
        "",
    );
    rewrite.failed_saying("audit records are immutable");
    let source = common::kubectl_output(
        "admin",
        &[
            "-n",
            &ns.name,
            "patch",
            "auditrecord",
            &first,
            "--subresource=status",
            "--type=merge",
            "-p",
            r#"{"status":{"sourceIPs":["203.0.113.9"]}}"#,
        ],
        "",
    );
    assert!(!source.status.success(), "a recorded source was changed");
    let deleted = common::kubectl_output(
        "alice",
        &["-n", &ns.name, "delete", "auditrecord", &first],
        "",
    );
    assert!(!deleted.status.success());

    nexus_as("alice", &ns.name)
        .args(["audit", "--verify"])
        .assert()
        .success()
        .stdout(predicates::str::contains("intact"));
    // An admin deletes a record in the middle: --verify names it and fails.
    common::kubectl(
        "admin",
        &["-n", &ns.name, "delete", "auditrecord", &record_name(2)],
    );
    nexus_as("alice", &ns.name)
        .args(["audit", "--verify"])
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "BROKEN at record 2: record 2 is missing",
        ))
        .stderr(predicates::str::contains("is broken at record 2"));
    drop(operator);
}

/// A store that cannot be recorded is not created: without a trace there is
/// no store. (The operator here may do everything but write audit records.)
#[tokio::test(flavor = "multi_thread")]
async fn a_create_that_cannot_be_recorded_is_refused() {
    let (admin, ns, scope) = tenant("aud-unrecorded").await;
    let role: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(common::repo_root().join("config/rbac/nexus-operator.yaml"))
            .unwrap(),
    )
    .unwrap();
    let mut role = role;
    let name = format!("nexus-operator-no-audit-{}", scope.id);
    role["metadata"]["name"] = name.clone().into();
    let rules = role["rules"].as_sequence_mut().unwrap();
    rules.retain(|rule| {
        !rule["resources"]
            .as_sequence()
            .is_some_and(|r| r.iter().any(|r| r.as_str() == Some("auditrecords")))
    });
    common::kubectl_stdin(
        "admin",
        &["apply", "-f", "-"],
        &serde_yaml::to_string(&role).unwrap(),
    );
    let account = OperatorAccount::new(&admin, &name, &scope).await;
    common::kubectl_stdin(
        "admin",
        &["apply", "-f", "-"],
        &store_yaml(&scope, &ns.name, "kept", ""),
    );
    let args = scope.webhook_args(free_port());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let operator = scope.start_as("no-audit", &account.kubeconfig, &args);
    wait_until_admitting(&scope, &ns.name).await;

    let (key, value) = scope.label();
    nexus_as("alice", &ns.name)
        .args([
            "store",
            "create",
            "untraced",
            "-l",
            &format!("{key}={value}"),
        ])
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "cannot write the audit record of this request",
        ));
    let stores = Api::<Store>::namespaced(admin.clone(), &ns.name);
    assert!(
        stores.get_opt("untraced").await.unwrap().is_none(),
        "{}",
        operator.logs()
    );
    // Nor is a store deleted without a trace (this one was made before the
    // webhook was there).
    let deleted = common::kubectl_output("alice", &["-n", &ns.name, "delete", "store", "kept"], "");
    let stderr = deleted.stderr_text();
    assert!(
        !deleted.status.success()
            && stderr.contains("cannot write the audit record of this request"),
        "{stderr}"
    );
    assert!(stores.get_opt("kept").await.unwrap().is_some());
    common::kubectl("admin", &["delete", "clusterrole", &name]);
}

fn record(sequence: u64, previous: &str, time: &str, action: AuditAction) -> AuditRecordSpec {
    AuditRecordSpec {
        sequence,
        previous: previous.into(),
        time: time.into(),
        store: "old".into(),
        action,
        outcome: AuditOutcome::Admitted,
        actor: Actor {
            username: "alice".into(),
            ..Actor::default()
        },
        details: String::new(),
        request_uid: Some(format!("r-{sequence}")),
        checkpoint: None,
        coalesced: None,
    }
}

async fn write(admin: &Client, namespace: &str, spec: AuditRecordSpec) {
    let record = AuditRecord {
        metadata: ObjectMeta {
            name: Some(record_name(spec.sequence)),
            ..ObjectMeta::default()
        },
        spec,
        status: None,
    };
    Api::<AuditRecord>::namespaced(admin.clone(), namespace)
        .create(&PostParams::default(), &record)
        .await
        .unwrap();
}

#[tokio::test]
async fn retention_prunes_old_records_behind_a_checkpoint_that_still_verifies() {
    let (admin, ns, scope) = tenant("aud-retain").await;
    // A chain of three: two from last year, one from now.
    let old = record(1, "", "2025-01-01T00:00:00Z", AuditAction::Create);
    let older = record(
        2,
        &nexus::audit::hash(&old),
        "2025-01-02T00:00:00Z",
        AuditAction::Delete,
    );
    let now = k8s_openapi::jiff::Timestamp::now().to_string();
    let recent = record(3, &nexus::audit::hash(&older), &now, AuditAction::Create);
    for spec in [old, older, recent] {
        write(&admin, &ns.name, spec).await;
    }
    let _operator = scope.start("a", &["--audit-retention=720h"]);
    let records = Api::<AuditRecord>::namespaced(admin.clone(), &ns.name);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    for sequence in [1, 2] {
        while records
            .get_opt(&record_name(sequence))
            .await
            .unwrap()
            .is_some()
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "record {sequence} was not pruned"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    let checkpoint = wait_for(
        &records,
        &record_name(4),
        30,
        "a checkpoint",
        |r: Option<&AuditRecord>| r.is_some(),
    )
    .await;
    assert_eq!(checkpoint.spec.action, AuditAction::Checkpoint);
    assert_eq!(checkpoint.spec.checkpoint.as_ref().unwrap().through, 2);
    assert!(
        records.get_opt(&record_name(3)).await.unwrap().is_some(),
        "a recent record was pruned"
    );
    nexus_as("alice", &ns.name)
        .args(["audit", "--verify"])
        .assert()
        .success()
        .stdout(predicates::str::contains("intact"));
    // Deleting what the checkpoint does not cover is still caught.
    records
        .delete(&record_name(3), &DeleteParams::default())
        .await
        .unwrap();
    nexus_as("alice", &ns.name)
        .args(["audit", "--verify"])
        .assert()
        .code(1)
        .stdout(predicates::str::contains("record 3"));
}

fn quota_json(scope: &Scope, user: &str, namespace: &str, extra: &[&str]) -> Result<Value, String> {
    let (key, value) = scope.label();
    let out = nexus_as(user, namespace)
        .args(["quota", "-o", "json", "-l", &format!("{key}={value}")])
        .args(extra)
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(out.stderr_text());
    }
    Ok(serde_json::from_slice(&out.stdout).unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn quota_tells_each_caller_their_own_usage_and_nobody_elses() {
    let (admin, ns, scope) = tenant("aud-quota").await;
    let bob_ns = common::TestNamespace::new(&admin, "aud-quota-bob").await;
    bob_ns.grant(&admin, "bob", "nexus-tenant").await;
    ns.grant(&admin, "bob", "nexus-tenant").await;
    let policy = format!(
        "apiVersion: nexus.dev/v1alpha1\nkind: StorePolicy\nmetadata: {{name: nexus-{}}}\nspec: {{defaults: {{maxStores: 3, maxCreations: 2, window: 1h, allowedPlans: [small, medium]}}, maxStoresPerNamespace: 2}}\n",
        scope.id
    );
    common::kubectl_stdin("admin", &["apply", "-f", "-"], &policy);
    let args = scope.webhook_args(free_port());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let _operator = scope.start("a", &args);
    let (key, value) = scope.label();
    let label = format!("{key}={value}");
    wait_until_admitting(&scope, &ns.name).await;
    let names = [store_name("q1"), store_name("q2")];
    for name in &names {
        nexus_as("alice", &ns.name)
            .args(["store", "create", name, "-l", &label])
            .assert()
            .success();
    }
    // The window is full: a third creation (in a namespace with room) waits,
    // and says until when; the namespace's place it took is given back.
    bob_ns.grant(&admin, "alice", "nexus-tenant").await;
    nexus_as("alice", &bob_ns.name)
        .args(["store", "create", &store_name("q3"), "-l", &label])
        .assert()
        .failure()
        .stderr(
            predicates::str::contains("alice created 2 stores in the last 1h (2 allowed")
                .and(predicates::str::contains("the next one is allowed in")),
        );
    // The namespace is full: bob may not add a store to it.
    nexus_as("bob", &ns.name)
        .args(["store", "create", &store_name("qb"), "-l", &label])
        .assert()
        .failure()
        .stderr(predicates::str::contains(format!(
            "namespace {} holds 2 of 2 stores allowed",
            ns.name
        )));
    // A native quota on the namespace shows too.
    common::kubectl_stdin(
        "admin",
        &["-n", &ns.name, "apply", "-f", "-"],
        "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: stores}\nspec: {hard: {count/stores.nexus.dev: \"4\"}}\n",
    );

    let alice = quota_json(&scope, "alice", &ns.name, &[]).unwrap();
    let report = &alice["report"];
    assert_eq!(report["user"], "alice");
    assert_eq!(report["stores"], serde_json::json!({"used": 2, "limit": 3}));
    assert_eq!(
        report["creations"],
        serde_json::json!({"used": 2, "limit": 2})
    );
    assert!(report["nextCreationAt"].is_string(), "{report}");
    assert_eq!(
        report["namespaceStores"],
        serde_json::json!({"used": 2, "limit": 2})
    );
    assert_eq!(
        report["allowedPlans"],
        serde_json::json!(["small", "medium"])
    );

    // Bob sees his own usage (none), and may not ask about alice.
    let bob = quota_json(&scope, "bob", &bob_ns.name, &[]).unwrap();
    assert_eq!(
        bob["report"]["stores"]["used"], 0,
        "a refused create took a place"
    );
    assert_eq!(
        bob["report"]["namespaceStores"]["used"], 0,
        "alice's refused create kept its place in the namespace"
    );
    let refused = quota_json(&scope, "bob", &bob_ns.name, &["--user", "alice"]).unwrap_err();
    assert!(
        refused.contains("may not ask about another user's quota"),
        "{refused}"
    );
    // A store that is not there is named as such, not as a missing grant.
    let absent = store_name("absent");
    let refused = quota_json(&scope, "bob", &bob_ns.name, &[&absent]).unwrap_err();
    assert!(
        refused.contains(&format!(
            "store {absent:?} not found in namespace {:?}",
            bob_ns.name
        )),
        "{refused}"
    );
    // An admin may.
    let asked = quota_json(&scope, "admin", &ns.name, &["--user", "alice"]).unwrap();
    assert_eq!(asked["report"]["stores"]["used"], 2);

    // The table: usage, the native quota once its controller counted, and a store's quota.
    let store_quota = |out: &str| {
        out.contains(&format!("store {}", names[0])) && out.contains("count/stores.nexus.dev")
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let out = nexus_as("alice", &ns.name)
            .args(["quota", &names[0], "-l", &label])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if out.status.success() && store_quota(&text) {
            assert!(text.contains("creations per 1h"), "{text}");
            assert!(text.contains("next creation allowed at"), "{text}");
            break;
        }
        // Until then, the store's namespace is not open to her yet, or its
        // quota is not written yet: said so, not sent to a platform admin.
        let said = out.stderr_text();
        assert!(
            out.status.success()
                || said.contains(&format!(
                    "alice may not read store {:?}'s namespace",
                    names[0]
                ))
                || said.contains(&format!("store {:?} has no ResourceQuota yet", names[0])),
            "{said}"
        );
        assert!(
            tokio::time::Instant::now() < deadline,
            "{text}{}",
            out.stderr_text()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // A review is a question: stored, it is refused.
    let stored = common::kubectl_output(
        "alice",
        &["-n", &ns.name, "create", "-f", "-"],
        &format!(
            "apiVersion: nexus.dev/v1alpha1\nkind: QuotaReview\nmetadata: {{name: keep, labels: {{{key}: {value}}}}}\nspec: {{}}\n"
        ),
    );
    stored.failed_saying("never stored");
    let stores = Api::<Store>::namespaced(admin.clone(), &ns.name);
    assert_eq!(
        stores.list(&Default::default()).await.unwrap().items.len(),
        2
    );
}

/// A client that posts AdmissionReviews to one operator replica's webhook,
/// as the API server does (kept-alive connections, one replica each).
fn replica_client(port: u16) -> Client {
    let mut config = kube::Config::new(format!("https://127.0.0.1:{port}").parse().unwrap());
    // The webhook's own CA is not what this test is about.
    config.accept_invalid_certs = true;
    Client::try_from(config).unwrap()
}

/// The API server's call for `alice` deleting store `store` in `namespace`.
fn delete_review(uid: &str, namespace: &str, store: &str, scope: &Scope) -> Vec<u8> {
    let (key, value) = scope.label();
    let old = serde_json::json!({
        "apiVersion": "nexus.dev/v1alpha1",
        "kind": "Store",
        "metadata": {"name": store, "namespace": namespace, "labels": {key: value}},
        "spec": {"engine": "woocommerce"},
    });
    store_review(uid, "DELETE", "alice", old, false)
}

/// Whether the replica allowed the request, or what it said instead; `path`
/// holds the webhook's token, as the API server's calls do.
async fn review((client, path): &(Client, String), body: Vec<u8>) -> Result<(), String> {
    let request = axum::http::Request::post(path.as_str())
        .header("content-type", "application/json")
        .body(body)
        .unwrap();
    let answer: Value = client.request(request).await.map_err(|e| e.to_string())?;
    match answer["response"]["allowed"].as_bool() {
        Some(true) => Ok(()),
        _ => Err(answer["response"]["status"]["message"].to_string()),
    }
}

/// Two replicas append to one namespace's chain, each remembering the head it
/// last wrote: bursts of up to 200 records through one while the other waits
/// (its head falls that far behind), both at once, and one request sent to
/// both (the API server calling again). Every request is admitted and
/// recorded exactly once, and the chain has no gap.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_append_thousands_of_records_with_no_gap_duplicate_or_refusal() {
    let (admin, ns, scope) = tenant("aud-replicas").await;
    let replicas = [free_port(), free_port()];
    let mut operators = Vec::new();
    for (i, port) in replicas.iter().enumerate() {
        let mut args = scope.webhook_args(*port);
        // One configuration for both, as behind the operator's Service.
        args[1] = format!("--webhook-url=https://127.0.0.1:{}", replicas[0]);
        // Thousands of requests from alice: the rate is not what this is about.
        args.push("--user-request-rate=100000".into());
        args.push("--user-request-burst=100000".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        operators.push(scope.start(&format!("replica{i}"), &args));
    }
    common::operator::wait_until_listening(&replicas).await;
    wait_until_admitting(&scope, &ns.name).await;
    let path = format!("/{}/validate", scope.webhook_token(&admin).await);
    let clients = [
        (replica_client(replicas[0]), path.clone()),
        (replica_client(replicas[1]), path),
    ];
    let mut sent = 0usize;
    let mut next_uid = || {
        sent += 1;
        format!("{}-{sent:05}", scope.id)
    };

    // Alternating bursts: the idle replica's head is up to 200 records old.
    let bursts = [1, 200, 3, 150, 60, 1, 120, 7, 80, 1, 51, 90, 30, 2, 100, 40];
    for (i, burst) in bursts.iter().enumerate() {
        let client = &clients[i % 2];
        for _ in 0..*burst {
            let uid = next_uid();
            let body = delete_review(&uid, &ns.name, "gone", &scope);
            if let Err(refusal) = review(client, body).await {
                panic!(
                    "replica {} refused {uid}: {refusal}\n{}",
                    i % 2,
                    operators[i % 2].logs()
                );
            }
        }
    }
    // Both at once: four callers per replica.
    let uids: Vec<String> = (0..1000).map(|_| next_uid()).collect();
    let calls = uids.chunks(125).enumerate().map(|(i, chunk)| {
        let client = clients[i % 2].clone();
        let (namespace, chunk) = (ns.name.clone(), chunk.to_vec());
        let body = |uid: &str| delete_review(uid, &namespace, "gone", &scope);
        let bodies: Vec<(String, Vec<u8>)> = chunk.iter().map(|u| (u.clone(), body(u))).collect();
        async move {
            for (uid, body) in bodies {
                review(&client, body)
                    .await
                    .map_err(|refusal| format!("{uid}: {refusal}"))?;
            }
            Ok::<(), String>(())
        }
    });
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }
    // The same request again, through each replica: recorded once.
    let again = format!("{}-{:05}", scope.id, 1);
    for client in &clients {
        review(client, delete_review(&again, &ns.name, "gone", &scope))
            .await
            .unwrap();
    }

    let records = Api::<AuditRecord>::namespaced(admin.clone(), &ns.name)
        .list(&Default::default())
        .await
        .unwrap();
    let specs: Vec<AuditRecordSpec> = records.items.iter().map(|r| r.spec.clone()).collect();
    assert_eq!(nexus::audit::verify(&specs), Ok(sent), "no gap, no fork");
    let mut recorded: Vec<&str> = specs
        .iter()
        .filter_map(|s| s.request_uid.as_deref())
        .collect();
    recorded.sort();
    recorded.dedup();
    assert_eq!(recorded.len(), sent, "each request recorded exactly once");

    // The tenant namespace deleted with a store in it: the API server takes
    // no new record there any more, and the store's delete still goes
    // through (its trail goes with the namespace), so the namespace goes.
    let (key, value) = scope.label();
    let name = store_name("last");
    nexus_as("alice", &ns.name)
        .args(["store", "create", &name, "-l", &format!("{key}={value}")])
        .assert()
        .success();
    wait_phase(&admin, &ns.name, &name, Phase::Ready, 90).await;
    let namespaces = Api::<k8s_openapi::api::core::v1::Namespace>::all(admin.clone());
    let uid = namespaces.get(&ns.name).await.unwrap().uid().unwrap();
    common::delete_namespace(&admin, &ns.name).await;
    common::wait_deleted(&namespaces, &ns.name, &uid, 90).await;
    drop(operators);
}

/// A tenant's script refused again and again (a reserved name, 150 times at
/// once) is held to a rate at admission and fills the trail with a bounded
/// number of records that still account for every refusal: per window, the
/// first few refusals of distinct kinds one by one, the rest counted into one
/// record. Before, each of the 150 refusals became a record of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_refused_requests_is_rate_limited_and_recorded_in_a_bounded_count_of_records() {
    let (admin, ns, scope) = tenant("aud-flood").await;
    let policy = format!(
        "apiVersion: nexus.dev/v1alpha1\nkind: StorePolicy\nmetadata: {{name: nexus-{}}}\nspec: {{reservedNames: [www]}}\n",
        scope.id
    );
    common::kubectl_stdin("admin", &["apply", "-f", "-"], &policy);
    let mut args = scope.webhook_args(free_port());
    args.extend(
        [
            "--user-request-rate=5",
            "--user-request-burst=10",
            "--refusal-window=3s",
        ]
        .map(String::from),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let operator = scope.start("flood", &args);
    wait_until_admitting(&scope, &ns.name).await;
    let records = Api::<AuditRecord>::namespaced(admin.clone(), &ns.name);
    let before = records.list(&Default::default()).await.unwrap().items.len();

    let (key, value) = scope.label();
    let stores = Api::<Store>::namespaced(common::client("alice").await, &ns.name);
    let www: Store = serde_json::from_value(serde_json::json!({
        "apiVersion": "nexus.dev/v1alpha1", "kind": "Store",
        "metadata": {"name": "www", "labels": {key.clone(): value.clone()}},
        "spec": {"engine": "woocommerce"},
    }))
    .unwrap();
    const SENT: usize = 150;
    let streams = (0..10).map(|_| {
        let (stores, www) = (stores.clone(), www.clone());
        async move {
            let mut refusals = Vec::new();
            for _ in 0..SENT / 10 {
                match stores.create(&PostParams::default(), &www).await {
                    Err(kube::Error::Api(status)) => refusals.push(status.message),
                    other => panic!("not refused: {other:?}"),
                }
            }
            refusals
        }
    });
    let refusals: Vec<String> = futures::future::join_all(streams)
        .await
        .into_iter()
        .flatten()
        .collect();
    let over_rate = refusals
        .iter()
        .filter(|m| m.contains("too many store requests from alice: at most 5 a second"))
        .count();
    let reserved = refusals.iter().filter(|m| m.contains("reserved")).count();
    assert_eq!(over_rate + reserved, SENT, "{refusals:?}");
    assert!(
        over_rate > 0 && reserved >= 10,
        "{over_rate} over the rate, {reserved} reserved"
    );

    // Once the window has ended, the counted refusals have their record.
    let accounted = |specs: &[AuditRecordSpec]| -> u64 {
        specs
            .iter()
            .filter(|s| s.outcome == AuditOutcome::Denied && s.actor.username == "alice")
            .map(|s| s.coalesced.as_ref().map_or(1, |c| c.count))
            .sum()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let specs = loop {
        let items = records.list(&Default::default()).await.unwrap().items;
        let specs: Vec<AuditRecordSpec> = items.into_iter().map(|r| r.spec).collect();
        if accounted(&specs) >= SENT as u64 || tokio::time::Instant::now() > deadline {
            break specs;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(
        accounted(&specs),
        SENT as u64,
        "every refusal accounted for once\n{}",
        operator.logs()
    );
    let written = specs.len() - before;
    // The flood takes one window, perhaps two: at most 5 one by one and one
    // count each.
    assert!(
        written <= 12,
        "{written} records for {SENT} refusals: {specs:#?}"
    );
    let summary = specs
        .iter()
        .find_map(|s| s.coalesced.as_ref())
        .expect("a count");
    assert!(
        summary.count > 100 && summary.first <= summary.last,
        "{summary:?}"
    );
    assert_eq!(
        nexus::audit::verify(&specs),
        Ok(specs.len()),
        "the chain holds"
    );

    // The rate refills: alice's next ordinary create goes through.
    tokio::time::sleep(Duration::from_secs(1)).await;
    nexus_as("alice", &ns.name)
        .args([
            "store",
            "create",
            &store_name("after"),
            "-l",
            &format!("{key}={value}"),
        ])
        .assert()
        .success();
}

/// The chain alone cannot show its newest record deleted (nothing after it
/// names it): the operator anchors each chain's head in its own namespace,
/// and `--verify` compares the chain with it where it may read it. Before,
/// `--verify` called the chain without its newest record intact.
#[tokio::test]
async fn verify_against_the_platforms_anchor_catches_the_newest_record_deleted() {
    let (admin, ns, scope) = tenant("aud-anchor").await;
    let policy = format!(
        "apiVersion: nexus.dev/v1alpha1\nkind: StorePolicy\nmetadata: {{name: nexus-{}}}\nspec: {{reservedNames: [r1, r2, r3]}}\n",
        scope.id
    );
    common::kubectl_stdin("admin", &["apply", "-f", "-"], &policy);
    let args = scope.webhook_args(free_port());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let operator = scope.start("anchor", &args);
    wait_until_admitting(&scope, &ns.name).await;
    // Three refusals, three records, and nothing the operator adds later.
    let (key, value) = scope.label();
    for name in ["r1", "r2", "r3"] {
        nexus_as("alice", &ns.name)
            .args(["store", "create", name, "-l", &format!("{key}={value}")])
            .assert()
            .failure();
    }
    // The operator's anchor reaches record 3 (its namespace: default here).
    let anchors =
        Api::<k8s_openapi::api::core::v1::ConfigMap>::namespaced(admin.clone(), "default");
    let name = format!("nexus-audit-anchor-{}", ns.name);
    wait_for(
        &anchors,
        &name,
        30,
        "anchored at record 3",
        |c: Option<&k8s_openapi::api::core::v1::ConfigMap>| {
            c.and_then(|c| c.data.as_ref())
                .and_then(|d| d.get("head"))
                .is_some_and(|head| head.starts_with("3:"))
        },
    )
    .await;
    let verify = |user: &str| {
        let mut command = nexus_as(user, &ns.name);
        command.args(["audit", "--verify", "--platform-namespace", "default"]);
        command
    };
    verify("admin").assert().success().stdout(
        predicates::str::contains("intact")
            .and(predicates::str::contains("checked through record 3")),
    );

    // The newest record deleted: the chain still holds, the anchor does not.
    common::kubectl(
        "admin",
        &["-n", &ns.name, "delete", "auditrecord", &record_name(3)],
    );
    verify("admin")
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "BROKEN at record 3: record 3 is missing (deleted?): the platform's anchor names record 3",
        ));
    // A tenant may not read the platform's namespace: their --verify says
    // so, and checks the chain alone.
    verify("alice")
        .assert()
        .success()
        .stdout(
            predicates::str::contains("intact").and(predicates::str::contains(
                "not readable (you may not read ConfigMaps in namespace \"default\"",
            )),
        );
    drop(operator);
    let _ = anchors.delete(&name, &Default::default()).await;
}
