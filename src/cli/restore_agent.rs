//! `kubectl-nexus restore-agent`'s flags (hidden: the operator runs it in a
//! restore Job) and how they become the agent's checked configuration.

use std::path::PathBuf;
use std::str::FromStr;

use clap::Args;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::agent::restore::{Config, Plan};

#[derive(Args, Debug, Clone)]
pub struct RestoreAgentArgs {
    /// JSON file with each part's presigned GET URL, size and SHA-256, and
    /// the manifest's row counts.
    #[arg(long, value_name = "FILE")]
    pub plan: PathBuf,

    /// File holding the store's own age identity (AGE-SECRET-KEY-1...).
    #[arg(long, value_name = "FILE")]
    pub identity: PathBuf,

    /// PEM file of the CA the object store's certificate chains to.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,

    /// Scratch directory: the fetched parts and the opened dump.
    #[arg(long, value_name = "DIR")]
    pub work: PathBuf,

    /// The store's wp-content volume (the backup's is opened beside it).
    #[arg(long, value_name = "DIR")]
    pub content: PathBuf,
}

impl RestoreAgentArgs {
    pub fn resolve(self) -> Result<Config, String> {
        let read = |flag: &str, path: &PathBuf| {
            std::fs::read(path).map_err(|e| format!("--{flag} {}: {e}", path.display()))
        };
        let plan: Plan = serde_json::from_slice(&read("plan", &self.plan)?)
            .map_err(|e| format!("--plan {}: {e}", self.plan.display()))?;
        let identity = String::from_utf8(read("identity", &self.identity)?)
            .map_err(|_| format!("--identity {}: not text", self.identity.display()))?;
        // The error would not quote the key; neither does this one.
        let identity = age::x25519::Identity::from_str(identity.trim()).map_err(|_| {
            format!(
                "--identity {}: not an age X25519 identity (AGE-SECRET-KEY-1...)",
                self.identity.display()
            )
        })?;
        let ca = match &self.ca {
            Some(path) => Some(
                CertificateDer::pem_slice_iter(&read("ca", path)?)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("--ca {}: {e}", path.display()))?,
            ),
            None => None,
        };
        Ok(Config {
            plan,
            identity,
            ca,
            work: self.work,
            content: self.content,
        })
    }
}
