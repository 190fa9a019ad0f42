//! One backup, streamed: the dump (read from a pipe the database container
//! writes) is counted, compressed, encrypted to the platform's recipient
//! and hashed on its way to a file in the Job's scratch volume; then
//! `wp-content` the same way as a tar; each part is uploaded to its
//! presigned URL with its length (S3 wants it up front), and the manifest
//! last. Memory stays flat whatever the size: nothing is held whole.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use flate2::Compression;
use flate2::write::GzEncoder;
use ring::digest;
use rustls::pki_types::CertificateDer;
use serde::Deserialize;

use crate::backup::manifest::{
    CONTENT_PART, DATABASE_PART, FORMAT, Manifest, Part, RowCounter, Subject,
};
use crate::s3;

/// The presigned URLs of one backup's objects (PUT only). Not `Debug`:
/// each allows a write, so none is ever logged.
#[derive(Deserialize)]
pub struct Urls {
    pub database: String,
    pub content: String,
    pub manifest: String,
}

pub struct Config {
    /// The dump: a pipe (or file) the database container writes.
    pub database: PathBuf,
    /// Where the database container writes the dump's exit status.
    pub database_exit: Option<PathBuf>,
    /// The store's wp-content (its volume, read-only).
    pub content: PathBuf,
    /// Scratch space for the encrypted parts.
    pub work: PathBuf,
    pub urls: Urls,
    pub subject: Subject,
    /// Every part is sealed to each of them (the platform's, the store's).
    pub recipients: Vec<age::x25519::Recipient>,
    pub ca: Option<Vec<CertificateDer<'static>>>,
}

/// How long the dump's exit status may take to appear once its pipe closed,
/// and the pipe itself once the agent started (the containers start together).
const EXIT_STATUS_WAIT: Duration = Duration::from_secs(60);

/// Runs the backup; the manifest written, or what went wrong in words.
pub async fn run(config: Config) -> Result<Manifest, String> {
    let started_at = now();
    let tls =
        s3::tls(config.ca.as_deref()).map_err(|e| format!("TLS for the object store: {e}"))?;

    wait_for_file(&config.database, "the dump's pipe").await?;
    let database_file = config.work.join(DATABASE_PART);
    let dumped = {
        let (input, output, recipients) = (
            config.database.clone(),
            database_file.clone(),
            config.recipients.clone(),
        );
        tokio::task::spawn_blocking(move || dump_part(&input, &output, &recipients))
            .await
            .map_err(|e| format!("the database part: {e}"))?
    };
    // A dump that failed says why better than the stream it cut short.
    if let Some(exit) = &config.database_exit {
        dump_exit_status(exit).await?;
    }
    let (database, rows) = dumped?;
    let content_file = config.work.join(CONTENT_PART);
    let content = {
        let (input, output, recipients) = (
            config.content.clone(),
            content_file.clone(),
            config.recipients.clone(),
        );
        tokio::task::spawn_blocking(move || content_part(&input, &output, &recipients))
            .await
            .map_err(|e| format!("the content part: {e}"))??
    };
    upload(
        &tls,
        &config.urls.database,
        s3::Body::File(&database_file),
        DATABASE_PART,
    )
    .await?;
    upload(
        &tls,
        &config.urls.content,
        s3::Body::File(&content_file),
        CONTENT_PART,
    )
    .await?;
    let manifest = Manifest {
        format: FORMAT,
        subject: config.subject,
        started_at,
        finished_at: now(),
        parts: vec![database.part(DATABASE_PART), content.part(CONTENT_PART)],
        rows,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| format!("the manifest: {e}"))?;
    // Last: only a backup whose every part is stored has a manifest.
    upload(
        &tls,
        &config.urls.manifest,
        s3::Body::Bytes(json.into()),
        "manifest",
    )
    .await?;
    Ok(manifest)
}

fn now() -> String {
    k8s_openapi::jiff::Timestamp::now()
        .round(k8s_openapi::jiff::Unit::Second)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

async fn upload(
    tls: &tokio_rustls::TlsConnector,
    url: &str,
    body: s3::Body<'_>,
    what: &str,
) -> Result<(), String> {
    let answer = s3::send(tls, "PUT", url, body)
        .await
        .map_err(|e| format!("upload the {what}: {e}"))?;
    match answer.status {
        200 => Ok(()),
        status => {
            let code = s3::error_code(&answer.body)
                .map(|c| format!(" ({c})"))
                .unwrap_or_default();
            Err(format!(
                "upload the {what}: the object store answered {status}{code}"
            ))
        }
    }
}

/// Waits until `path` exists (the database container makes the pipe).
async fn wait_for_file(path: &Path, what: &str) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + EXIT_STATUS_WAIT;
    while tokio::fs::metadata(path).await.is_err() {
        if tokio::time::Instant::now() > deadline {
            return Err(format!(
                "{what} {} did not appear within {}s",
                path.display(),
                EXIT_STATUS_WAIT.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// The dump's exit status, written by the database container after the
/// dump: anything but 0 fails the backup (the pipe closing says nothing).
async fn dump_exit_status(path: &Path) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + EXIT_STATUS_WAIT;
    loop {
        if let Ok(text) = tokio::fs::read_to_string(path).await
            && !text.trim().is_empty()
        {
            return match text.trim() {
                "0" => Ok(()),
                code => {
                    // What the dump said, next to its status (dump.err).
                    let said = tokio::fs::read_to_string(path.with_extension("err"))
                        .await
                        .unwrap_or_default();
                    let said = said
                        .trim()
                        .lines()
                        .last()
                        .unwrap_or("no message")
                        .to_string();
                    Err(format!("mariadb-dump exited with status {code}: {said}"))
                }
            };
        }
        if tokio::time::Instant::now() > deadline {
            return Err(format!(
                "mariadb-dump's exit status did not appear in {} within {}s",
                path.display(),
                EXIT_STATUS_WAIT.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A part as stored: its length and hex SHA-256.
#[derive(Debug)]
struct Stored {
    size: u64,
    sha256: String,
}

impl Stored {
    fn part(self, name: &str) -> Part {
        Part {
            name: name.into(),
            size: self.size,
            sha256: self.sha256,
        }
    }
}

/// A file that hashes and counts what is written to it.
struct Hashing {
    file: BufWriter<File>,
    digest: digest::Context,
    size: u64,
}

impl Hashing {
    fn create(path: &Path) -> Result<Hashing, String> {
        let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Hashing {
            file: BufWriter::with_capacity(256 * 1024, file),
            digest: digest::Context::new(&digest::SHA256),
            size: 0,
        })
    }

    /// Flushed to disk: its size and hex SHA-256.
    fn finish(mut self) -> std::io::Result<Stored> {
        self.file.flush()?;
        self.file.get_ref().sync_all()?;
        let hash = self.digest.finish();
        Ok(Stored {
            size: self.size,
            sha256: hash.as_ref().iter().map(|b| format!("{b:02x}")).collect(),
        })
    }
}

impl Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.file.write(buf)?;
        self.digest.update(&buf[..written]);
        self.size += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// gzip, then age to the recipients, then the hashing file.
type Sealed = GzEncoder<age::stream::StreamWriter<Hashing>>;

fn seal(output: &Path, recipients: &[age::x25519::Recipient]) -> Result<Sealed, String> {
    let file = Hashing::create(output)?;
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| format!("encrypt: {e}"))?;
    let encrypted = encryptor
        .wrap_output(file)
        .map_err(|e| format!("encrypt: {e}"))?;
    Ok(GzEncoder::new(encrypted, Compression::fast()))
}

fn unseal(sealed: Sealed) -> std::io::Result<Stored> {
    sealed.finish()?.finish()?.finish()
}

/// The database part: the dump counted, sealed and hashed.
fn dump_part(
    input: &Path,
    output: &Path,
    recipients: &[age::x25519::Recipient],
) -> Result<(Stored, BTreeMap<String, u64>), String> {
    let failed = |e: std::io::Error| format!("the database part: {e}");
    let mut dump =
        File::open(input).map_err(|e| format!("open the dump {}: {e}", input.display()))?;
    let mut sealed = seal(output, recipients)?;
    let mut counter = RowCounter::default();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let n = dump.read(&mut buffer).map_err(failed)?;
        if n == 0 {
            break;
        }
        counter.feed(&buffer[..n]);
        sealed.write_all(&buffer[..n]).map_err(failed)?;
    }
    let (rows, completed) = counter.finish();
    if !completed {
        return Err("the dump ended before mariadb-dump's closing line: it was cut short".into());
    }
    Ok((unseal(sealed).map_err(failed)?, rows))
}

/// The content part: wp-content as a tar (symbolic links kept as links,
/// never followed out of the volume), sealed and hashed.
fn content_part(
    input: &Path,
    output: &Path,
    recipients: &[age::x25519::Recipient],
) -> Result<Stored, String> {
    let failed = |e: std::io::Error| format!("the content part ({}): {e}", input.display());
    let mut archive = tar::Builder::new(seal(output, recipients)?);
    archive.follow_symlinks(false);
    archive.mode(tar::HeaderMode::Complete);
    archive.append_dir_all(".", input).map_err(failed)?;
    unseal(archive.into_inner().map_err(failed)?).map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    fn open(path: &Path, identity: &age::x25519::Identity) -> Vec<u8> {
        let decryptor = age::Decryptor::new(BufReader::new(File::open(path).unwrap())).unwrap();
        let reader = decryptor
            .decrypt(std::iter::once(identity as &dyn age::Identity))
            .unwrap();
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(reader)
            .read_to_end(&mut plain)
            .unwrap();
        plain
    }

    #[test]
    fn the_database_part_is_the_dump_sealed_to_the_recipient_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let identity = age::x25519::Identity::generate();
        let dump = "INSERT INTO `wp_posts` VALUES (1);\nINSERT INTO `wp_posts` VALUES (2);\n-- Dump completed on 2026-12-05\n";
        std::fs::write(dir.path().join("dump"), dump).unwrap();
        let out = dir.path().join("part");
        let (Stored { size, sha256: sha }, rows) =
            dump_part(&dir.path().join("dump"), &out, &[identity.to_public()]).unwrap();
        let stored = std::fs::read(&out).unwrap();
        assert_eq!(size, stored.len() as u64);
        let expected: String = digest::digest(&digest::SHA256, &stored)
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(sha, expected);
        assert!(
            !stored.windows(9).any(|w| w == b"wp_posts`"),
            "stored in clear"
        );
        assert_eq!(open(&out, &identity), dump.as_bytes());
        assert_eq!(rows, BTreeMap::from([("wp_posts".into(), 2)]));
        // Another key opens nothing.
        let other = age::x25519::Identity::generate();
        let decryptor = age::Decryptor::new(BufReader::new(File::open(&out).unwrap())).unwrap();
        assert!(
            decryptor
                .decrypt(std::iter::once(&other as &dyn age::Identity))
                .is_err()
        );

        std::fs::write(
            dir.path().join("cut"),
            "INSERT INTO `wp_posts` VALUES (1);\n",
        )
        .unwrap();
        let error = dump_part(&dir.path().join("cut"), &out, &[identity.to_public()]).unwrap_err();
        assert!(error.contains("cut short"), "{error}");
    }

    #[test]
    fn the_content_part_keeps_files_and_links_without_following_them() {
        let dir = tempfile::tempdir().unwrap();
        let identity = age::x25519::Identity::generate();
        let content = dir.path().join("wp-content");
        std::fs::create_dir_all(content.join("uploads/2026/12")).unwrap();
        std::fs::write(content.join("uploads/2026/12/photo.jpg"), [0u8, 255, 7, 9]).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", content.join("uploads/escape")).unwrap();
        let out = dir.path().join("part");
        content_part(&content, &out, &[identity.to_public()]).unwrap();
        let plain = open(&out, &identity);
        let mut archive = tar::Archive::new(&plain[..]);
        let mut seen = BTreeMap::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let path = entry.path().unwrap().display().to_string();
            let path = path.trim_start_matches("./").to_string();
            let mut body = Vec::new();
            entry.read_to_end(&mut body).unwrap();
            let link = entry.link_name().unwrap().map(|l| l.display().to_string());
            seen.insert(path, (body, link));
        }
        assert_eq!(seen["uploads/2026/12/photo.jpg"].0, [0u8, 255, 7, 9]);
        assert_eq!(
            seen["uploads/escape"],
            (Vec::new(), Some("/etc/passwd".into()))
        );
    }
}
