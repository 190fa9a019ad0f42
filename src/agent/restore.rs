//! The first half of a restore, inside the restore Job: fetch one backup's
//! parts with presigned GET URLs, refuse them unless each has the length and
//! SHA-256 its manifest gives (before anything of the store is touched),
//! then open them with the store's own identity: the dump into the Job's
//! scratch volume for the database container to load, `wp-content` into a
//! fresh directory on the store's volume beside the live one. The switch
//! itself is the database container's (the restore Job's script).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use rustls::pki_types::CertificateDer;
use serde::Deserialize;

use crate::backup::inserts::InsertJoiner;
use crate::backup::manifest::{CONTENT_PART, DATABASE_PART};
use crate::s3;

/// The directory on the store's volume the backup's `wp-content` is opened
/// into; the restore script moves it in place.
pub const FRESH_CONTENT: &str = ".nexus-restore";
/// The file the dump is opened into, in the Job's scratch volume.
pub const DUMP_FILE: &str = "database.sql";
/// The file the expected row counts are written to (`table count` lines).
pub const ROWS_FILE: &str = "rows";

/// One part to fetch: its presigned GET URL and what the manifest says of it.
#[derive(Deserialize)]
pub struct Fetch {
    pub url: String,
    pub size: u64,
    pub sha256: String,
}

/// What the operator gives the agent (not `Debug`: the URLs allow reads).
#[derive(Deserialize)]
pub struct Plan {
    pub database: Fetch,
    pub content: Fetch,
    /// The manifest's row counts, which the load must match.
    pub rows: BTreeMap<String, u64>,
}

pub struct Config {
    pub plan: Plan,
    /// The store's own identity (never another store's).
    pub identity: age::x25519::Identity,
    pub ca: Option<Vec<CertificateDer<'static>>>,
    /// The Job's scratch volume.
    pub work: PathBuf,
    /// The store's wp-content volume.
    pub content: PathBuf,
}

/// Why the agent stopped: a word the operator puts in the Restore's reason,
/// and the words for its message.
#[derive(Debug, PartialEq)]
pub struct Failure {
    pub reason: &'static str,
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.reason, self.message)
    }
}

fn failure(reason: &'static str, message: impl Into<String>) -> Failure {
    Failure {
        reason,
        message: message.into(),
    }
}

pub async fn run(config: Config) -> Result<(), Failure> {
    let tls = s3::tls(config.ca.as_deref())
        .map_err(|e| failure("ObjectStoreUnreachable", format!("TLS: {e}")))?;
    let sealed_database = config.work.join(DATABASE_PART);
    let sealed_content = config.work.join(CONTENT_PART);
    // Both parts are fetched and checked before either is opened.
    fetch(&tls, &config.plan.database, &sealed_database, "database").await?;
    fetch(&tls, &config.plan.content, &sealed_content, "content").await?;

    let identity = config.identity.clone();
    let dump = config.work.join(DUMP_FILE);
    let opened = tokio::task::spawn_blocking(move || open_dump(&sealed_database, &dump, &identity))
        .await
        .map_err(|e| failure("PartUnreadable", format!("the database part: {e}")))?;
    opened?;
    let fresh = config.content.join(FRESH_CONTENT);
    let identity = config.identity.clone();
    tokio::task::spawn_blocking(move || open_content(&sealed_content, &fresh, &identity))
        .await
        .map_err(|e| failure("PartUnreadable", format!("the content part: {e}")))??;
    let rows: String = config
        .plan
        .rows
        .iter()
        .map(|(table, count)| format!("{table} {count}\n"))
        .collect();
    std::fs::write(config.work.join(ROWS_FILE), rows)
        .map_err(|e| failure("RestoreFailed", format!("write the row counts: {e}")))?;
    Ok(())
}

/// Fetches one part and checks it against the manifest.
async fn fetch(
    tls: &tokio_rustls::TlsConnector,
    part: &Fetch,
    to: &Path,
    what: &str,
) -> Result<(), Failure> {
    let fetched = s3::download(tls, &part.url, to).await.map_err(|e| {
        failure(
            "ObjectStoreUnreachable",
            format!("fetch the {what} part: {e}"),
        )
    })?;
    let got = match fetched {
        Ok(got) => got,
        Err(answer) => {
            let code = s3::error_code(&answer.body)
                .map(|c| format!(" ({c})"))
                .unwrap_or_default();
            let reason = if answer.status == 404 {
                "PartMissing"
            } else {
                "ObjectStoreRefused"
            };
            return Err(failure(
                reason,
                format!(
                    "fetch the {what} part: the object store answered {}{code}",
                    answer.status
                ),
            ));
        }
    };
    if got.size != part.size || got.sha256 != part.sha256 {
        return Err(failure(
            "PartTampered",
            format!(
                "the {what} part is not the one the backup stored (manifest: {} bytes, SHA-256 {}; object store: {} bytes, SHA-256 {}): refused before anything of the store was touched",
                part.size, part.sha256, got.size, got.sha256
            ),
        ));
    }
    Ok(())
}

/// An age-sealed, gzip'd part, opened as a stream.
fn unsealed(
    sealed: &Path,
    identity: &age::x25519::Identity,
    what: &str,
) -> Result<impl Read, Failure> {
    let file = File::open(sealed)
        .map_err(|e| failure("RestoreFailed", format!("{}: {e}", sealed.display())))?;
    let unreadable = |e: age::DecryptError| {
        failure(
            "PartUnreadable",
            format!("the {what} part does not open with the store's identity: {e}"),
        )
    };
    let decryptor =
        age::Decryptor::new(BufReader::with_capacity(256 * 1024, file)).map_err(unreadable)?;
    let reader = decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .map_err(unreadable)?;
    Ok(flate2::read::GzDecoder::new(reader))
}

/// The dump, opened into the scratch volume; it must end with mariadb-dump's
/// closing line (a dump cut short is not loaded).
/// Its one-row inserts are joined into multi-row statements on the way
/// (`backup::inserts`): loaded one row a statement, a restore took six times
/// a plain load.
fn open_dump(sealed: &Path, to: &Path, identity: &age::x25519::Identity) -> Result<(), Failure> {
    let mut plain = BufReader::with_capacity(256 * 1024, unsealed(sealed, identity, "database")?);
    let unreadable =
        |e: std::io::Error| failure("PartUnreadable", format!("the database part: {e}"));
    let unwritable = |e: std::io::Error| failure("RestoreFailed", format!("{}: {e}", to.display()));
    let file = File::create(to).map_err(unwritable)?;
    let mut out = InsertJoiner::new(BufWriter::with_capacity(256 * 1024, file));
    let mut line = Vec::new();
    // mariadb-dump writes its closing line last, only when it finished.
    let mut completed = false;
    loop {
        line.clear();
        let n = plain.read_until(b'\n', &mut line).map_err(unreadable)?;
        if n == 0 {
            break;
        }
        completed |= line.starts_with(b"-- Dump completed");
        out.line(&line).map_err(unwritable)?;
    }
    out.finish()
        .and_then(|mut file| file.flush())
        .map_err(unwritable)?;
    if !completed {
        return Err(failure(
            "PartUnreadable",
            "the dump in the database part ends before mariadb-dump's closing line",
        ));
    }
    Ok(())
}

/// wp-content, opened into a fresh directory (anything left there by an
/// earlier attempt is removed first). Entries cannot land outside it: the
/// archive's paths are checked as they are unpacked.
fn open_content(
    sealed: &Path,
    fresh: &Path,
    identity: &age::x25519::Identity,
) -> Result<(), Failure> {
    let plain = unsealed(sealed, identity, "content")?;
    let failed = |e: std::io::Error| failure("RestoreFailed", format!("{}: {e}", fresh.display()));
    if fresh.exists() {
        std::fs::remove_dir_all(fresh).map_err(failed)?;
    }
    std::fs::create_dir(fresh).map_err(failed)?;
    let mut archive = tar::Archive::new(plain);
    archive.set_preserve_permissions(true);
    archive.set_preserve_mtime(true);
    archive.set_overwrite(false);
    archive
        .unpack(fresh)
        .map_err(|e| failure("PartUnreadable", format!("the content part: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;

    fn seal(plain: &[u8], recipient: &age::x25519::Recipient, to: &Path) {
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))
                .unwrap();
        let mut writer = encryptor.wrap_output(File::create(to).unwrap()).unwrap();
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        gz.write_all(plain).unwrap();
        writer.write_all(&gz.finish().unwrap()).unwrap();
        writer.finish().unwrap();
    }

    #[test]
    fn a_dump_opens_only_whole_and_only_with_the_stores_identity() {
        let dir = tempfile::tempdir().unwrap();
        let identity = age::x25519::Identity::generate();
        let sealed = dir.path().join("part");
        let dump = b"INSERT INTO `wp_posts` VALUES (1);\n-- Dump completed on 2026-12-05\n";
        seal(dump, &identity.to_public(), &sealed);
        let out = dir.path().join("dump.sql");
        open_dump(&sealed, &out, &identity).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), dump);

        let other = age::x25519::Identity::generate();
        let refused = open_dump(&sealed, &out, &other).unwrap_err();
        assert_eq!(refused.reason, "PartUnreadable", "{refused}");

        seal(
            b"INSERT INTO `wp_posts` VALUES (1);\n",
            &identity.to_public(),
            &sealed,
        );
        let cut = open_dump(&sealed, &out, &identity).unwrap_err();
        assert!(cut.message.contains("closing line"), "{cut}");
    }

    #[test]
    fn content_opens_into_a_fresh_directory_and_nothing_escapes_it() {
        let dir = tempfile::tempdir().unwrap();
        let identity = age::x25519::Identity::generate();
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        let body = [1u8, 2, 3];
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, "uploads/2026/a.bin", &body[..])
            .unwrap();
        let tarball = builder.into_inner().unwrap();
        let sealed = dir.path().join("part");
        seal(&tarball, &identity.to_public(), &sealed);
        let volume = dir.path().join("volume");
        let fresh = volume.join(FRESH_CONTENT);
        std::fs::create_dir_all(fresh.join("left-over")).unwrap();
        open_content(&sealed, &fresh, &identity).unwrap();
        assert_eq!(
            std::fs::read(fresh.join("uploads/2026/a.bin")).unwrap(),
            body
        );
        assert!(!fresh.join("left-over").exists());

        // An entry naming a path outside: the tar is refused or kept inside.
        let mut raw = tar::Header::new_gnu();
        raw.set_size(1);
        raw.set_mode(0o644);
        raw.as_gnu_mut().unwrap().name[..14].copy_from_slice(b"../outside.txt");
        raw.set_cksum();
        let mut builder = tar::Builder::new(Vec::new());
        builder.append(&raw, &b"x"[..]).unwrap();
        seal(
            &builder.into_inner().unwrap(),
            &identity.to_public(),
            &sealed,
        );
        let _ = open_content(&sealed, &fresh, &identity);
        assert!(!volume.join("outside.txt").exists());
    }
}
