//! `kubectl-nexus backup-agent`'s flags (hidden: the operator runs it in a
//! backup Job) and how they become the agent's checked configuration.

use std::path::PathBuf;
use std::str::FromStr;

use clap::Args;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::agent::backup::{Config, Urls};
use crate::backup::manifest::Subject;

#[derive(Args, Debug, Clone)]
pub struct BackupAgentArgs {
    /// The dump: a pipe the database container writes (or a file).
    #[arg(long, value_name = "PATH")]
    pub database: PathBuf,

    /// Where the database container writes mariadb-dump's exit status.
    #[arg(long, value_name = "FILE")]
    pub database_exit: Option<PathBuf>,

    /// The store's wp-content directory.
    #[arg(long, value_name = "DIR")]
    pub content: PathBuf,

    /// Scratch directory for the encrypted parts.
    #[arg(long, value_name = "DIR")]
    pub work: PathBuf,

    /// JSON file with the presigned PUT URLs: database, content, manifest.
    #[arg(long, value_name = "FILE")]
    pub urls: PathBuf,

    /// JSON file describing the store (namespace, name, uid, spec, versions).
    #[arg(long, value_name = "FILE")]
    pub subject: PathBuf,

    /// An age recipient (age1...) every part is encrypted to; repeated for
    /// each (the platform's, the store's own).
    #[arg(long, value_name = "RECIPIENT", required = true)]
    pub recipient: Vec<String>,

    /// PEM file of the CA the object store's certificate chains to.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
}

impl BackupAgentArgs {
    pub fn resolve(self) -> Result<Config, String> {
        let read = |flag: &str, path: &PathBuf| {
            std::fs::read(path).map_err(|e| format!("--{flag} {}: {e}", path.display()))
        };
        let urls: Urls = serde_json::from_slice(&read("urls", &self.urls)?)
            .map_err(|e| format!("--urls {}: {e}", self.urls.display()))?;
        let subject: Subject = serde_json::from_slice(&read("subject", &self.subject)?)
            .map_err(|e| format!("--subject {}: {e}", self.subject.display()))?;
        let recipients = self
            .recipient
            .iter()
            .map(|text| {
                age::x25519::Recipient::from_str(text.trim()).map_err(|e| {
                    format!("--recipient {text:?}: not an age X25519 recipient (age1...): {e}")
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let ca = match &self.ca {
            Some(path) => Some(
                CertificateDer::pem_slice_iter(&read("ca", path)?)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("--ca {}: {e}", path.display()))?,
            ),
            None => None,
        };
        Ok(Config {
            database: self.database,
            database_exit: self.database_exit,
            content: self.content,
            work: self.work,
            urls,
            subject,
            recipients,
            ca,
        })
    }
}
