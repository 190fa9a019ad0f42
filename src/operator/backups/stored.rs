//! A completed backup as the object store holds it: its manifest, checked
//! against the one the Backup recorded when it completed, and the plan a
//! restore or a verification fetches its parts by (presigned GET URLs for
//! that backup's parts only, their sizes and SHA-256s, the row counts).

use crate::api::backup::ManifestSummary;
use crate::backup::manifest::{self, Manifest};
use crate::operator::error::{Error, Result};
use crate::operator::object_store::ObjectStore;

/// The manifest as the object store holds it, if it is the one the Backup
/// recorded when it completed (parts, sizes, hashes, rows); else the reason
/// and message that refuse it before anything is touched.
pub async fn stored_manifest(
    object_store: &ObjectStore,
    store_uid: &str,
    backup: &str,
    recorded: &ManifestSummary,
) -> Result<std::result::Result<Manifest, (&'static str, String)>> {
    let object = manifest::object_key(store_uid, backup, manifest::MANIFEST);
    let answer = object_store.send("GET", &object).await?;
    if answer.status == 404 {
        return Ok(Err((
            "BackupMissing",
            format!("the object store no longer holds backup {backup}'s manifest: it was removed"),
        )));
    }
    if answer.status != 200 {
        return Err(Error::ObjectStore {
            what: format!("GET {object}"),
            problem: format!("the object store answered {}", answer.status),
        });
    }
    let refused = |why: &str| {
        Ok(Err((
            "ManifestMismatch",
            format!(
                "backup {backup}'s stored manifest {why}: refused before anything of the store was touched"
            ),
        )))
    };
    let manifest: Manifest = match serde_json::from_slice(&answer.body) {
        Ok(manifest) => manifest,
        Err(e) => return refused(&format!("is not readable ({e})")),
    };
    let parts: Vec<(&str, u64, &str)> = manifest
        .parts
        .iter()
        .map(|p| (p.name.as_str(), p.size, p.sha256.as_str()))
        .collect();
    let expected: Vec<(&str, u64, &str)> = recorded
        .parts
        .iter()
        .map(|p| (p.name.as_str(), p.bytes, p.sha256.as_str()))
        .collect();
    if manifest.subject.store.uid != store_uid {
        return refused("is of another store");
    }
    if parts != expected || manifest.rows != recorded.rows {
        return refused("differs from the one recorded when the backup completed");
    }
    Ok(Ok(manifest))
}

/// The restore agent's plan (JSON): each part's presigned GET URL, valid
/// `expires` seconds, with its size and SHA-256, and the row counts.
pub fn fetch_plan(
    object_store: &ObjectStore,
    store_uid: &str,
    backup: &str,
    manifest: &Manifest,
    expires: u32,
) -> String {
    let fetch = |part: &str| {
        let stored = manifest.parts.iter().find(|p| p.name == part);
        serde_json::json!({
            "url": object_store.presign("GET", &manifest::object_key(store_uid, backup, part), expires),
            "size": stored.map(|p| p.size).unwrap_or_default(),
            "sha256": stored.map(|p| p.sha256.clone()).unwrap_or_default(),
        })
    };
    serde_json::json!({
        "database": fetch(manifest::DATABASE_PART),
        "content": fetch(manifest::CONTENT_PART),
        "rows": manifest.rows,
    })
    .to_string()
}
