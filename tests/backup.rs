//! Backups: where they go (the platform's object store, configured once).

mod common;

use std::time::Duration;

use common::Finished;
use common::backups::{credentials, file_in_tar, open_part, take_backup, wait_backup};
use common::operator::{Operator, Scope};
use common::s3::ObjectStore;
use common::stores::{create_store, nexus_as, store_name, tenant, wait_phase, woocommerce};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, Secret};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::Api;
use kube::api::ListParams;
use nexus::api::backup::BackupPhase;
use nexus::api::{Phase, Store};

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
    let recipient = age::x25519::Identity::generate().to_public().to_string();
    let flags = |bucket: &str, secret: &str, ca: Option<&str>| {
        let mut flags = vec![
            format!("--backup-endpoint={}", s3.endpoint),
            format!("--backup-bucket={bucket}"),
            format!("--backup-region={}", s3.region),
            format!("--backup-credentials-secret={secret}"),
            format!("--backup-recipient={recipient}"),
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
    let recipient = format!(
        "--backup-recipient={}",
        age::x25519::Identity::generate().to_public()
    );
    let all = |endpoint: &str, bucket: &str| {
        operator(&[
            &format!("--backup-endpoint={endpoint}"),
            &format!("--backup-bucket={bucket}"),
            "--backup-credentials-secret=backup",
            &recipient,
            "--backup-egress-cidrs=192.0.2.10/32",
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
        &recipient,
        "--backup-egress-cidrs=192.0.2.10/32",
        &ca,
    ]);
    refused(with_ca, 2, "holds no certificate");
    refused(
        operator(&[
            "--backup-endpoint=https://s3.local",
            "--backup-bucket=nexus-backups",
            "--backup-credentials-secret=backup",
            "--backup-recipient=AGE-SECRET-KEY-1QQQ",
            "--backup-egress-cidrs=192.0.2.10/32",
        ]),
        2,
        "--backup-recipient: not an age X25519 recipient",
    );
    refused(
        operator(&[
            "--backup-endpoint=https://s3.invalid",
            "--backup-bucket=nexus-backups",
            "--backup-credentials-secret=backup",
            &recipient,
        ]),
        2,
        "--backup-endpoint: cannot resolve s3.invalid",
    );
    // Half a target: clap names what is missing.
    refused(
        operator(&["--backup-endpoint=https://s3.local"]),
        2,
        "--backup-bucket <NAME>",
    );
    refused(
        operator(&[
            "--backup-endpoint=https://s3.local",
            "--backup-bucket=nexus-backups",
            "--backup-credentials-secret=backup",
        ]),
        2,
        "--backup-recipient <RECIPIENT>",
    );
    refused(
        operator(&["--backup-bucket=nexus-backups"]),
        2,
        "--backup-endpoint <URL>",
    );
}

/// A backup agent run as a Job would run it: the dump arrives through a
/// pipe (written as mariadb-dump writes it), wp-content is a directory,
/// and the agent holds only presigned PUT URLs and the public key.
struct AgentRun {
    dir: tempfile::TempDir,
    bucket: String,
    prefix: String,
    /// The platform's identity, and the store's own (derived in the
    /// operator; any second recipient here).
    identity: age::x25519::Identity,
    store_identity: age::x25519::Identity,
}

impl AgentRun {
    fn new(s3: &ObjectStore) -> AgentRun {
        let bucket = format!("nexus-agent-{}", common::unique_suffix());
        s3.make_bucket(&bucket);
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("wp-content/uploads/2026/12");
        std::fs::create_dir_all(&content).unwrap();
        let photo: Vec<u8> = (0..300_000u32).map(|i| (i * 7919 % 251) as u8).collect();
        std::fs::write(content.join("photo.jpg"), photo).unwrap();
        std::fs::create_dir(dir.path().join("work")).unwrap();
        std::fs::write(
            dir.path().join("subject.json"),
            r#"{"store":{"namespace":"team-a","name":"shop","uid":"uid-1"},"spec":{"plan":"small"},"versions":{"wordpress":"6.8.3","woocommerce":"10.2.2","database":"11.4.8","nexus":"0.1.0"}}"#,
        )
        .unwrap();
        AgentRun {
            dir,
            bucket,
            prefix: "uid-1/shop-20261205".into(),
            identity: age::x25519::Identity::generate(),
            store_identity: nexus::backup::keys::store_identity(&[9u8; 32], "uid-1").unwrap(),
        }
    }

    fn urls(&self, s3: &ObjectStore, expires: u32) {
        use nexus::backup::presign::{Request, Signer};
        let signer = Signer {
            endpoint: &s3.endpoint,
            region: &s3.region,
            access_key: &s3.access_key,
            secret_key: &s3.secret_key,
        };
        let time = k8s_openapi::jiff::Timestamp::now()
            .strftime("%Y%m%dT%H%M%SZ")
            .to_string();
        let url = |part: &str| {
            signer.presign(&Request {
                method: "PUT",
                bucket: &self.bucket,
                key: &format!("{}/{part}", self.prefix),
                time: &time,
                expires,
            })
        };
        let urls = serde_json::json!({
            "database": url("database.sql.gz.age"),
            "content": url("content.tar.gz.age"),
            "manifest": url("manifest.json"),
        });
        std::fs::write(self.dir.path().join("urls.json"), urls.to_string()).unwrap();
    }

    /// Runs the agent while a thread writes `dump` into its pipe, then
    /// `exit` as the dump's exit status.
    fn run(&self, s3: &ObjectStore, dump: &str, exit: &str) -> std::process::Output {
        let path = |name: &str| self.dir.path().join(name);
        let pipe = path("dump");
        let _ = std::fs::remove_file(&pipe);
        let _ = std::fs::remove_file(path("dump.exit"));
        let _ = std::fs::remove_file(path("dump.err"));
        let made = std::process::Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .unwrap();
        assert!(made.success());
        let writer = {
            let (pipe, exit_file, dump, exit) = (
                pipe.clone(),
                path("dump.exit"),
                dump.to_string(),
                exit.to_string(),
            );
            std::thread::spawn(move || {
                let mut out = std::fs::OpenOptions::new().write(true).open(&pipe).unwrap();
                // A dump arrives a piece at a time.
                for piece in dump.as_bytes().chunks(4096) {
                    use std::io::Write;
                    if out.write_all(piece).is_err() {
                        break;
                    }
                }
                drop(out);
                if exit != "0" {
                    // What a dump that broke off writes beside its status.
                    let said = "mariadb-dump: Error 2013: Lost connection to server during query";
                    std::fs::write(exit_file.with_extension("err"), said).unwrap();
                }
                std::fs::write(exit_file, format!("{exit}\n")).unwrap();
            })
        };
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("kubectl-nexus"))
            .arg("backup-agent")
            .arg(format!("--database={}", pipe.display()))
            .arg(format!("--database-exit={}", path("dump.exit").display()))
            .arg(format!("--content={}", path("wp-content").display()))
            .arg(format!("--work={}", path("work").display()))
            .arg(format!("--urls={}", path("urls.json").display()))
            .arg(format!("--subject={}", path("subject.json").display()))
            .arg(format!("--recipient={}", self.identity.to_public()))
            .arg(format!("--recipient={}", self.store_identity.to_public()))
            .arg(format!("--ca={}", s3.ca))
            .output()
            .unwrap();
        writer.join().unwrap();
        out
    }

    /// An object of this backup as stored, read with the platform's key;
    /// None when it does not exist.
    fn get(&self, s3: &ObjectStore, part: &str) -> Option<Vec<u8>> {
        let file = self.dir.path().join(format!("got-{part}"));
        let out = s3.signed(
            &s3.secret_key,
            "GET",
            &format!("/{}/{}/{part}", self.bucket, self.prefix),
            b"",
            &["-o", file.to_str().unwrap()],
        );
        match common::s3::status(out).as_str() {
            "200" => Some(std::fs::read(file).unwrap()),
            "404" => None,
            other => panic!("GET {part}: {other}"),
        }
    }

    fn open(&self, sealed: &[u8]) -> Vec<u8> {
        open_part(&self.identity, sealed)
    }
}

fn dump_of(posts: usize) -> String {
    let mut dump = String::from("-- MariaDB dump 10.19\nCREATE TABLE `wp_posts` (`ID` bigint);\n");
    for i in 0..posts {
        dump.push_str(&format!(
            "INSERT INTO `wp_posts` VALUES ({i},'Product {i}','line one\\nline two');\n"
        ));
    }
    dump.push_str("INSERT INTO `wp_wc_orders` VALUES (1,'wc-processing');\n");
    dump.push_str("-- Dump completed on 2026-12-05  4:40:00\n");
    dump
}

/// The agent stores both parts encrypted to the platform's key, then the
/// manifest: its sizes and SHA-256s are those of the stored objects, its
/// row counts those of the dump, and the parts open to what went in.
#[test]
fn the_backup_agent_stores_sealed_parts_and_then_their_manifest() {
    let s3 = ObjectStore::of_cluster();
    let run = AgentRun::new(&s3);
    run.urls(&s3, 300);
    let dump = dump_of(5_000);
    let out = run.run(&s3, &dump, "0");
    let printed = out.succeeded("the backup agent");
    let manifest: serde_json::Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(
        manifest["rows"],
        serde_json::json!({"wp_posts": 5000, "wp_wc_orders": 1})
    );
    assert_eq!(manifest["store"]["uid"], "uid-1");
    let stored: serde_json::Value =
        serde_json::from_slice(&run.get(&s3, "manifest.json").expect("the manifest")).unwrap();
    assert_eq!(stored, manifest, "the manifest stored is the one printed");
    for part in manifest["parts"].as_array().unwrap() {
        let name = part["name"].as_str().unwrap();
        let bytes = run.get(&s3, name).expect(name);
        assert_eq!(part["size"], bytes.len() as u64, "{name}");
        let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
        let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(part["sha256"], hex.as_str(), "{name}");
    }
    let sealed = run.get(&s3, "database.sql.gz.age").unwrap();
    let database = run.open(&sealed);
    assert!(database == dump.as_bytes(), "the dump came back changed");
    // The store's own identity opens it too (a restore of this store gets
    // that one, never the platform's).
    assert!(open_part(&run.store_identity, &sealed) == dump.as_bytes());
    let content = run.open(&run.get(&s3, "content.tar.gz.age").unwrap());
    let photo =
        file_in_tar(&content, "uploads/2026/12/photo.jpg").expect("the upload is in the archive");
    assert_eq!(
        photo,
        std::fs::read(run.dir.path().join("wp-content/uploads/2026/12/photo.jpg")).unwrap()
    );
}

/// A dump that failed, or was cut short, and an object store that refuses
/// the upload: the agent fails saying why, and no manifest exists, so
/// nothing lists or restores from that backup.
#[test]
fn a_failed_backup_leaves_no_manifest() {
    let s3 = ObjectStore::of_cluster();
    let run = AgentRun::new(&s3);
    run.urls(&s3, 300);
    let out = run.run(&s3, &dump_of(10), "2");
    out.failed_saying(
        "mariadb-dump exited with status 2: mariadb-dump: Error 2013: Lost connection to server during query",
    );
    assert!(run.get(&s3, "manifest.json").is_none());

    let dump = dump_of(10);
    let cut = &dump[..dump.len() / 2];
    run.run(&s3, cut, "0")
        .failed_saying("the dump ended before mariadb-dump's closing line: it was cut short");
    assert!(run.get(&s3, "manifest.json").is_none());

    // URLs that expired before the upload: refused by the object store.
    run.urls(&s3, 1);
    std::thread::sleep(Duration::from_secs(2));
    run.run(&s3, &dump_of(10), "0")
        .failed_saying("upload the database.sql.gz.age: the object store answered 403");
    assert!(run.get(&s3, "manifest.json").is_none());
}

/// A Backup of a Ready store: the operator hands the store's backup Job
/// presigned URLs for this backup's objects only (never a key) and lets
/// its pods reach the object store; a Job that finished without storing a
/// manifest leaves a Failed backup ("no manifest, no backup"), a Job that
/// failed leaves its message; either way the Job and its Secret go.
#[tokio::test]
async fn a_backup_runs_the_stores_backup_job_and_counts_only_with_a_manifest() {
    let (admin, ns, scope) = tenant("bk-job").await;
    let s3 = ObjectStore::of_cluster();
    let bucket = format!("nexus-backups-{}", common::unique_suffix());
    s3.make_bucket(&bucket);
    let secret = format!("backup-{}", scope.label().1);
    credentials(&admin, &secret, &s3.access_key, &s3.secret_key).await;
    let recipient = age::x25519::Identity::generate().to_public().to_string();
    let backup_flags = |agent: &str| {
        vec![
            format!("--backup-endpoint={}", s3.endpoint),
            format!("--backup-bucket={bucket}"),
            format!("--backup-region={}", s3.region),
            format!("--backup-credentials-secret={secret}"),
            format!("--backup-recipient={recipient}"),
            format!("--backup-ca={}", s3.ca),
            format!("--backup-agent-image={agent}"),
        ]
    };
    let flags = backup_flags("nexus.dev/kubectl-nexus:test");
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let mut operator = scope.start("backups", &flags);
    let name = store_name("bk");
    create_store(&admin, &ns.name, &scope, &name, woocommerce()).await;
    wait_phase(&admin, &ns.name, &name, Phase::Ready, 120).await;
    let workload = nexus::api::store_namespace(&name);

    // Only backup pods reach the object store (on its port).
    let policy: NetworkPolicy = common::read_child(&admin, &workload, "allow-backup-egress").await;
    let text = serde_json::to_string(&policy).unwrap();
    assert!(text.contains("127.0.0.1/32"), "{text}");

    // A backup of a store that does not exist fails at once, saying so.
    take_backup(&admin, &ns.name, "of-nothing", "no-such-store").await;
    let failed = wait_backup(&admin, &ns.name, "of-nothing", BackupPhase::Failed, 90).await;
    let status = failed.status.unwrap();
    assert_eq!(status.reason.as_deref(), Some("StoreNotFound"));

    // alice asks for a backup and waits: the operator runs the store's
    // backup Job (kwok completes its pod at once, so nothing is stored) and
    // says the backup failed for want of a manifest; alice's command fails
    // saying so.
    let asked = nexus_as("alice", &ns.name)
        .args([
            "store",
            "backup",
            &name,
            "--wait",
            "--timeout",
            "2m",
            "-o",
            "name",
        ])
        .output()
        .unwrap();
    let said = asked
        .failed_saying("failed: ManifestMissing: the backup Job finished but stored no manifest");
    assert_eq!(asked.status.code(), Some(1), "{said}");
    let first = said
        .split('"')
        .nth(1)
        .expect("the backup's name in the message")
        .to_string();
    assert!(first.starts_with(&format!("{name}-")), "{first}");
    let failed = wait_backup(&admin, &ns.name, &first, BackupPhase::Failed, 90).await;
    let status = failed.status.unwrap();
    assert_eq!(
        status.reason.as_deref(),
        Some("ManifestMissing"),
        "{status:?}"
    );
    assert!(
        status
            .message
            .unwrap()
            .contains("stored no manifest: nothing of this backup is usable")
    );
    assert!(status.started_at.is_some() && status.finished_at.is_some());
    // Its Job and the Secret with the URLs are gone.
    let jobs = Api::<Job>::namespaced(admin.clone(), &workload);
    let secrets = Api::<Secret>::namespaced(admin.clone(), &workload);
    for _ in 0..100 {
        if jobs.get_opt("backup").await.unwrap().is_none()
            && secrets.get_opt("backup").await.unwrap().is_none()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(
        jobs.get_opt("backup").await.unwrap().is_none(),
        "the Job stays"
    );
    assert!(
        secrets.get_opt("backup").await.unwrap().is_none(),
        "the URLs' Secret stays"
    );

    // Listed as alice, newest first, in a table and as JSON.
    let listed = nexus_as("alice", &ns.name)
        .args(["store", "backups", &name])
        .output()
        .unwrap()
        .succeeded("store backups");
    assert!(listed.starts_with("NAME"), "{listed}");
    assert!(
        listed.contains(&first) && listed.contains("Failed"),
        "{listed}"
    );
    let json: serde_json::Value = serde_json::from_str(
        &nexus_as("alice", &ns.name)
            .args(["store", "backups", &name, "-o", "json"])
            .output()
            .unwrap()
            .succeeded("store backups -o json"),
    )
    .unwrap();
    assert_eq!(json["items"][0]["name"], first.as_str());
    assert_eq!(json["items"][0]["reason"], "ManifestMissing");

    // What a failed backup had stored (a part uploaded before its Job
    // died) is deleted with it: nothing of it stays in the bucket.
    let store: Store = Api::namespaced(admin.clone(), &ns.name)
        .get(&name)
        .await
        .unwrap();
    let part = format!(
        "/{bucket}/{}/half/database.sql.gz.age",
        store.metadata.uid.unwrap()
    );
    let sent = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(sent.path(), b"half a dump").unwrap();
    let upload = format!("@{}", sent.path().display());
    let put = s3.signed(
        &s3.secret_key,
        "PUT",
        &part,
        b"half a dump",
        &["--data-binary", &upload, "-o", "/dev/null"],
    );
    assert_eq!(common::s3::status(put), "200");
    take_backup(&admin, &ns.name, "half", &name).await;
    let failed = wait_backup(&admin, &ns.name, "half", BackupPhase::Failed, 90).await;
    let status = failed.status.unwrap();
    assert_eq!(
        status.reason.as_deref(),
        Some("ManifestMissing"),
        "{status:?}"
    );
    let get = s3.signed(&s3.secret_key, "GET", &part, b"", &["-o", "/dev/null"]);
    assert_eq!(
        common::s3::status(get),
        "404",
        "the failed backup's part stays"
    );

    // A store that does not exist is refused before anything is made.
    nexus_as("alice", &ns.name)
        .args(["store", "backup", "no-such-store"])
        .output()
        .unwrap()
        .failed_saying("no-such-store");

    // The master secret each store's backup identity derives from: made at
    // the first start, 32 random bytes, the same for every later start.
    let secrets = Api::<Secret>::namespaced(admin.clone(), "default");
    let master = |secret: Secret| secret.data.unwrap()["master"].0.clone();
    let made = master(secrets.get("nexus-backup-master").await.unwrap());
    assert_eq!(made.len(), 32);

    // A Job whose container fails: its message is the backup's.
    operator.stop();
    let flags = backup_flags("example.invalid/nexus-test-fail:1");
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let _failing = scope.start("failing-agent", &flags);
    take_backup(&admin, &ns.name, "second", &name).await;
    let failed = wait_backup(&admin, &ns.name, "second", BackupPhase::Failed, 90).await;
    let status = failed.status.unwrap();
    assert_eq!(status.reason.as_deref(), Some("BackupFailed"), "{status:?}");
    assert!(
        status
            .message
            .unwrap()
            .contains("simulated failure of the test image")
    );
    let kept = master(secrets.get("nexus-backup-master").await.unwrap());
    assert!(kept == made, "a restart made a new master secret");
}

/// A platform without an object store: a Backup fails at once, saying how
/// backups are configured.
#[tokio::test]
async fn without_an_object_store_a_backup_fails_saying_how_to_configure_one() {
    let (admin, ns, scope) = tenant("bk-none").await;
    let operator = scope.start("plain", &[]);
    let name = store_name("bk");
    create_store(&admin, &ns.name, &scope, &name, woocommerce()).await;
    wait_phase(&admin, &ns.name, &name, Phase::Ready, 120).await;
    take_backup(&admin, &ns.name, "unconfigured", &name).await;
    let failed = wait_backup(&admin, &ns.name, "unconfigured", BackupPhase::Failed, 90).await;
    let status = failed.status.unwrap();
    assert_eq!(status.reason.as_deref(), Some("NotConfigured"));
    assert!(status.message.unwrap().contains("--backup-endpoint"));

    // Scripts wait for it as for a Job: kubectl wait --for=condition=Failed.
    common::kubectl_output(
        "alice",
        &[
            "-n",
            &ns.name,
            "wait",
            "--for=condition=Failed",
            "backup/unconfigured",
            "--timeout=30s",
        ],
        "",
    )
    .succeeded("kubectl wait --for=condition=Failed");

    // As loud as a failed store: a Warning on the Backup, and a metric
    // (both follow the status write).
    let failed = r#"nexus_backups_finished_total{outcome="failed",reason="NotConfigured"}"#;
    assert_eq!(operator.wait_metric_above(failed, 0.0, 20).await, 1.0);
    let events = Api::<Event>::namespaced(admin.clone(), &ns.name);
    let warned = |list: &[Event]| {
        list.iter().any(|e| {
            e.type_.as_deref() == Some("Warning")
                && e.reason.as_deref() == Some("NotConfigured")
                && e.involved_object.kind.as_deref() == Some("Backup")
        })
    };
    let about = ListParams::default().fields("involvedObject.name=unconfigured");
    let mut found = events.list(&about).await.unwrap().items;
    for _ in 0..100 {
        if warned(&found) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        found = events.list(&about).await.unwrap().items;
    }
    assert!(
        warned(&found),
        "no Warning NotConfigured on the Backup: {found:?}"
    );

    // The outcome is in the store's audit trail, where its tenant reads it.
    let records = common::backups::backup_records("alice", &ns.name, &name);
    assert_eq!(records.len(), 1, "one record of one backup: {records:?}");
    assert_eq!(records[0]["outcome"], "failed", "{records:?}");
    let details = records[0]["details"].as_str().unwrap();
    assert!(
        details
            .starts_with("backup unconfigured failed: NotConfigured: backups are not configured"),
        "{details}"
    );
}
