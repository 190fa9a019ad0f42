//! Backups as a platform admin and a tenant see them: the object store's
//! credentials Secret, Backups taken and waited for, parts opened with the
//! platform's identity.

use std::io::Read;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use kube::api::{ObjectMeta, PostParams};
use nexus::api::backup::{Backup, BackupPhase};

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
