//! Backups as a platform admin and a tenant see them: the object store's
//! credentials Secret, Backups taken and waited for, parts opened with the
//! platform's identity.

use std::io::Read;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use kube::api::{ObjectMeta, PostParams};
use nexus::api::backup::{Backup, BackupPhase};
use nexus::backup::manifest::{
    CONTENT_PART, DATABASE_PART, FORMAT, MANIFEST, Manifest, Part, StoreIdentity, Subject, Versions,
};

/// A credentials Secret in the operator's namespace (`default` in the tests).
pub async fn credentials(admin: &kube::Client, name: &str, access_key: &str, secret_key: &str) {
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

/// Creates a Backup of `store` in `namespace`.
pub async fn take_backup(admin: &kube::Client, namespace: &str, name: &str, store: &str) {
    let backup: Backup = serde_json::from_value(serde_json::json!({
        "apiVersion": "nexus.dev/v1alpha1",
        "kind": "Backup",
        "metadata": {"name": name},
        "spec": {"store": store},
    }))
    .unwrap();
    Api::<Backup>::namespaced(admin.clone(), namespace)
        .create(&PostParams::default(), &backup)
        .await
        .unwrap();
}

pub async fn wait_backup(
    admin: &kube::Client,
    namespace: &str,
    name: &str,
    phase: BackupPhase,
    seconds: u64,
) -> Backup {
    let api = Api::<Backup>::namespaced(admin.clone(), namespace);
    super::wait_for(
        &api,
        name,
        seconds,
        &format!("{phase:?}"),
        move |b: Option<&Backup>| b.and_then(|b| b.status.as_ref()?.phase) == Some(phase),
    )
    .await
}

/// A stored part opened with the platform's identity: age, then gzip.
pub fn open_part(identity: &age::x25519::Identity, sealed: &[u8]) -> Vec<u8> {
    let decryptor = age::Decryptor::new(sealed).expect("an age file");
    let reader = decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .expect("sealed to the platform's recipient");
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(reader)
        .read_to_end(&mut plain)
        .unwrap();
    plain
}

/// The file at `path` in a tar archive, when it holds one.
pub fn file_in_tar(archive: &[u8], path: &str) -> Option<Vec<u8>> {
    let mut archive = tar::Archive::new(archive);
    let mut entry = archive
        .entries()
        .unwrap()
        .map(|e| e.unwrap())
        .find(|e| e.path().unwrap().to_string_lossy().trim_start_matches("./") == path)?;
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).unwrap();
    Some(bytes)
}

/// The `backup` records of a store's audit trail, as `user` reads them
/// with `kubectl nexus audit STORE --action backup -o json`.
pub fn backup_records(user: &str, namespace: &str, store: &str) -> Vec<serde_json::Value> {
    audit_records(user, namespace, store, "backup")
}

/// The records of one action in a store's audit trail, as `user` reads them.
pub fn audit_records(
    user: &str,
    namespace: &str,
    store: &str,
    action: &str,
) -> Vec<serde_json::Value> {
    use super::Finished;
    let out = super::stores::nexus_as(user, namespace)
        .args(["audit", store, "--action", action, "-o", "json"])
        .output()
        .unwrap();
    let trail: serde_json::Value =
        serde_json::from_str(&out.succeeded(&format!("audit --action {action}"))).unwrap();
    trail["records"].as_array().unwrap().clone()
}

/// `plain` sealed as a backup part is: gzip, then age to `recipient`.
pub fn seal_part(recipient: &age::x25519::Recipient, plain: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(plain).unwrap();
    let gz = gz.finish().unwrap();
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient)).unwrap();
    let mut sealed = Vec::new();
    let mut writer = encryptor.wrap_output(&mut sealed).unwrap();
    writer.write_all(&gz).unwrap();
    writer.finish().unwrap();
    sealed
}

/// The hex SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The parts and manifest of a backup as the agent stores them (kwok runs
/// no agent): sealed to the store's own recipient, under its UID.
pub fn store_backup_objects(
    s3: &super::s3::ObjectStore,
    bucket: &str,
    master: &[u8],
    namespace: &str,
    store: &str,
    uid: &str,
    backup: &str,
) -> Manifest {
    let recipient = nexus::backup::keys::store_recipient(master, uid).unwrap();
    let dump = "CREATE TABLE `wp_posts` (`ID` bigint);\nINSERT INTO `wp_posts` VALUES (1);\n-- Dump completed on 2026-12-05\n";
    let database = seal_part(&recipient, dump.as_bytes());
    let mut tar = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(3);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, "uploads/a.bin", &b"abc"[..])
        .unwrap();
    let content = seal_part(&recipient, &tar.into_inner().unwrap());
    let path = |part: &str| format!("/{bucket}/{uid}/{backup}/{part}");
    s3.put(&path(DATABASE_PART), &database);
    s3.put(&path(CONTENT_PART), &content);
    let manifest = Manifest {
        format: FORMAT,
        subject: Subject {
            store: StoreIdentity {
                namespace: namespace.into(),
                name: store.into(),
                uid: uid.into(),
            },
            spec: serde_json::json!({}),
            versions: Versions::default(),
        },
        started_at: "2026-12-05T09:00:00Z".into(),
        finished_at: "2026-12-05T09:00:01Z".into(),
        parts: vec![
            Part {
                name: DATABASE_PART.into(),
                size: database.len() as u64,
                sha256: sha256(&database),
            },
            Part {
                name: CONTENT_PART.into(),
                size: content.len() as u64,
                sha256: sha256(&content),
            },
        ],
        rows: [("wp_posts".to_string(), 1u64)].into(),
    };
    s3.put(&path(MANIFEST), &serde_json::to_vec(&manifest).unwrap());
    manifest
}

/// A test's own bucket on the cluster's object store, its credentials
/// Secret, and an operator configured for backups (kwok: its Jobs run
/// nothing, so what a backup stores is put there by the test).
pub struct BackupSetup {
    pub s3: super::s3::ObjectStore,
    pub bucket: String,
    pub operator: super::operator::Operator,
}

impl BackupSetup {
    pub async fn start(admin: &kube::Client, scope: &super::operator::Scope, name: &str) -> Self {
        Self::start_with(admin, scope, name, &[]).await
    }

    /// With more flags for the operator (admission's, say).
    pub async fn start_with(
        admin: &kube::Client,
        scope: &super::operator::Scope,
        name: &str,
        extra: &[String],
    ) -> Self {
        let s3 = super::s3::ObjectStore::of_cluster();
        let bucket = format!("nexus-{name}-{}", super::unique_suffix());
        s3.make_bucket(&bucket);
        let secret = format!("{name}-{}", scope.label().1);
        credentials(admin, &secret, &s3.access_key, &s3.secret_key).await;
        let recipient = age::x25519::Identity::generate().to_public().to_string();
        let flags = [
            format!("--backup-endpoint={}", s3.endpoint),
            format!("--backup-bucket={bucket}"),
            format!("--backup-region={}", s3.region),
            format!("--backup-credentials-secret={secret}"),
            format!("--backup-recipient={recipient}"),
            format!("--backup-ca={}", s3.ca),
            "--backup-agent-image=nexus.dev/kubectl-nexus:test".to_string(),
        ];
        let flags: Vec<&str> = flags.iter().chain(extra).map(String::as_str).collect();
        let operator = scope.start(name, &flags);
        BackupSetup {
            s3,
            bucket,
            operator,
        }
    }

    /// The master secret every store's identity derives from (made by the
    /// operator at its start).
    pub async fn master(&self, admin: &kube::Client) -> Vec<u8> {
        let secrets = Api::<Secret>::namespaced(admin.clone(), "default");
        for _ in 0..100 {
            if let Some(secret) = secrets.get_opt("nexus-backup-master").await.unwrap() {
                return secret.data.unwrap()["master"].0.clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        panic!("the operator made no backup master secret");
    }
}
