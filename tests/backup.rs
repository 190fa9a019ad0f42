//! Backups: where they go (the platform's object store, configured once).

mod common;

use std::time::Duration;

use common::Finished;
use common::operator::{Operator, Scope};
use common::s3::ObjectStore;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use kube::api::{ObjectMeta, PostParams};

/// The command failed with `code`, saying `needle` on stderr.
#[track_caller]
fn refused(out: std::process::Output, code: i32, needle: &str) {
    out.failed_saying(needle);
    assert_eq!(out.status.code(), Some(code), "{}", out.stderr_text());
}

/// Waits until the operator's log says `text`; panics with the log otherwise.
async fn wait_log(operator: &Operator, text: &str) -> String {
    for _ in 0..150 {
        let logs = operator.logs();
        if let Some(line) = logs.lines().find(|l| l.contains(text)) {
            return line.to_string();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the operator never said {text:?}:\n{}", operator.logs());
}

/// A credentials Secret in the operator's namespace (`default` in the tests).
async fn credentials(admin: &kube::Client, name: &str, access_key: &str, secret_key: &str) {
    let secret = Secret {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..Default::default()
        },
        data: Some(
            [
                ("access-key-id", access_key),
                ("secret-access-key", secret_key),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), ByteString(v.as_bytes().to_vec())))
            .collect(),
        ),
        ..Default::default()
    };
    Api::<Secret>::namespaced(admin.clone(), "default")
        .create(&PostParams::default(), &secret)
        .await
        .unwrap();
}

/// The operator reaches the configured bucket at start with the key only
/// it reads, and says so; a bucket it cannot use is named with what to fix,
/// and the operator goes on (stores do not wait on backups); credentials
/// that can never work stop it before it starts.
#[tokio::test]
async fn the_operator_checks_its_backup_object_store_at_start() {
    let admin = common::admin().await;
    let s3 = ObjectStore::of_cluster();
    let scope = Scope::new();
    let bucket = format!("nexus-backups-{}", common::unique_suffix());
    s3.make_bucket(&bucket);
    let good = format!("backup-{}", scope.label().1);
    let wrong = format!("backup-wrong-{}", scope.label().1);
    credentials(&admin, &good, &s3.access_key, &s3.secret_key).await;
    credentials(&admin, &wrong, &s3.access_key, "not-the-secret-key").await;
    let flags = |bucket: &str, secret: &str, ca: Option<&str>| {
        let mut flags = vec![
            format!("--backup-endpoint={}", s3.endpoint),
            format!("--backup-bucket={bucket}"),
            format!("--backup-region={}", s3.region),
            format!("--backup-credentials-secret={secret}"),
        ];
        flags.extend(ca.map(|ca| format!("--backup-ca={ca}")));
        flags
    };
    let start = |name: &str, flags: Vec<String>| {
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        scope.start(name, &flags)
    };

    let mut reaches = start("reaches", flags(&bucket, &good, Some(&s3.ca)));
    let line = wait_log(&reaches, "backups go to this object store").await;
    assert!(
        line.contains(&bucket) && line.contains(&s3.endpoint),
        "{line}"
    );
    reaches.stop();

    for (name, flags, says) in [
        (
            "wrong-key",
            flags(&bucket, &wrong, Some(&s3.ca)),
            "the object store answered 403; check the access key in the credentials Secret",
        ),
        (
            "no-bucket",
            flags("nexus-no-such-bucket", &good, Some(&s3.ca)),
            "the object store answered 404; create the bucket, or fix --backup-bucket",
        ),
        // Without --backup-ca the system's roots are trusted, and the test
        // store's own CA is not among them.
        (
            "untrusted",
            flags(&bucket, &good, None),
            "TLS with 127.0.0.1: invalid peer certificate",
        ),
    ] {
        let mut operator = start(name, flags);
        let line = wait_log(&operator, "backups fail until it does").await;
        assert!(line.contains(says), "{name}: {line}");
        assert!(
            !line.contains(&s3.secret_key),
            "{name}: the key leaked: {line}"
        );
        wait_log(&operator, "waiting for the leader lease").await;
        assert!(operator.is_running(), "{name}: the operator stopped");
        operator.stop();
    }

    // Credentials that can never work: no start, and the fix is named.
    let missing = format!("backup-missing-{}", scope.label().1);
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("kubectl-nexus"))
        .arg("operator")
        .arg(format!(
            "--kubeconfig={}",
            common::kubeconfig("admin").display()
        ))
        .args(["--lease-namespace=default", "--metrics-address=127.0.0.1:0"])
        .args(flags(&bucket, &missing, Some(&s3.ca)))
        .output()
        .unwrap();
    refused(
        out,
        1,
        &format!(
            "the backup credentials Secret default/{missing}: it does not exist; it needs the keys access-key-id and secret-access-key"
        ),
    );

    Api::<Secret>::namespaced(admin.clone(), "default")
        .delete(&good, &Default::default())
        .await
        .unwrap();
    Api::<Secret>::namespaced(admin, "default")
        .delete(&wrong, &Default::default())
        .await
        .unwrap();
}

/// Flags that cannot make a working target are refused before anything
/// starts, naming the flag and the fix.
#[test]
fn backup_flags_that_cannot_work_are_refused_naming_the_flag() {
    let operator = |args: &[&str]| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("kubectl-nexus"))
            .arg("operator")
            .arg(format!(
                "--kubeconfig={}",
                common::kubeconfig("admin").display()
            ))
            .args(args)
            .output()
            .unwrap()
    };
    let all = |endpoint: &str, bucket: &str| {
        operator(&[
            &format!("--backup-endpoint={endpoint}"),
            &format!("--backup-bucket={bucket}"),
            "--backup-credentials-secret=backup",
        ])
    };
    refused(
        all("http://s3.local:9000", "nexus-backups"),
        2,
        "--backup-endpoint \"http://s3.local:9000\" is plain http: backups and their URLs travel only over TLS",
    );
    refused(
        all("https://s3.local", "Backups"),
        2,
        "--backup-bucket \"Backups\" is not an S3 bucket name",
    );
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("ca.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let ca = format!("--backup-ca={}", empty.display());
    let with_ca = operator(&[
        "--backup-endpoint=https://s3.local",
        "--backup-bucket=nexus-backups",
        "--backup-credentials-secret=backup",
        &ca,
    ]);
    refused(with_ca, 2, "holds no certificate");
    // Half a target: clap names what is missing.
    refused(
        operator(&["--backup-endpoint=https://s3.local"]),
        2,
        "--backup-bucket <NAME>",
    );
    refused(
        operator(&["--backup-bucket=nexus-backups"]),
        2,
        "--backup-endpoint <URL>",
    );
}
