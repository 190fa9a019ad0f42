//! The test cluster's object store (S3 over TLS with a CA and credentials of
//! its own), as the platform reaches it with its keys.

use std::process::{Command, Output};

use super::Finished;

pub struct ObjectStore {
    pub endpoint: String,
    pub region: String,
    /// The CA file its certificate chains to.
    pub ca: String,
    pub access_key: String,
    pub secret_key: String,
}

impl ObjectStore {
    /// The test cluster's.
    pub fn of_cluster() -> ObjectStore {
        let dir = super::cluster_dir();
        let credentials = std::fs::read_to_string(dir.join("s3-credentials.env")).unwrap();
        let value = |key: &str| {
            credentials
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{key}=")))
                .unwrap_or_else(|| panic!("s3-credentials.env has no {key}"))
                .to_string()
        };
        ObjectStore {
            endpoint: super::cluster_value(dir, "s3_endpoint"),
            region: super::cluster_value(dir, "s3_region"),
            ca: super::cluster_value(dir, "s3_ca"),
            access_key: value("access_key"),
            secret_key: value("secret_key"),
        }
    }

    /// A request signed with AWS Signature Version 4 by curl, as an S3
    /// client signs it; `body` is what is signed (its SHA-256), `extra` are
    /// curl's own arguments (what it sends, where the answer goes). Ends
    /// with the HTTP status (`--write-out`).
    pub fn signed(
        &self,
        secret: &str,
        method: &str,
        path: &str,
        body: &[u8],
        extra: &[&str],
    ) -> Output {
        let digest = ring::digest::digest(&ring::digest::SHA256, body);
        let hash: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        Command::new("curl")
            .args(["--silent", "--show-error", "--cacert", &self.ca])
            .args(["--aws-sigv4", &format!("aws:amz:{}:s3", self.region)])
            .args(["--user", &format!("{}:{secret}", self.access_key)])
            .args(["-H", &format!("x-amz-content-sha256: {hash}")])
            .args(["--write-out", "%{http_code}", "-X", method])
            .args(extra)
            .arg(format!("{}{path}", self.endpoint))
            .output()
            .expect("curl runs")
    }

    /// PUTs `bytes` at `path` (/bucket/key) with the platform's key.
    pub fn put(&self, path: &str, bytes: &[u8]) {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), bytes).unwrap();
        let upload = format!("@{}", file.path().display());
        let out = self.signed(
            &self.secret_key,
            "PUT",
            path,
            bytes,
            &["--data-binary", &upload, "-o", "/dev/null"],
        );
        assert_eq!(status(out), "200", "PUT {path}");
    }

    /// The object at `path` (/bucket/key), None when there is none.
    pub fn get(&self, path: &str) -> Option<Vec<u8>> {
        let file = tempfile::NamedTempFile::new().unwrap();
        let out = self.signed(
            &self.secret_key,
            "GET",
            path,
            b"",
            &["-o", file.path().to_str().unwrap()],
        );
        match status(out).as_str() {
            "200" => Some(std::fs::read(file.path()).unwrap()),
            "404" => None,
            other => panic!("GET {path}: {other}"),
        }
    }

    /// Makes a bucket of this name (the platform's one-time set-up).
    pub fn make_bucket(&self, bucket: &str) {
        let out = self.signed(
            &self.secret_key,
            "PUT",
            &format!("/{bucket}"),
            b"",
            &["-o", "/dev/null"],
        );
        assert_eq!(status(out), "200", "make bucket {bucket}");
    }
}

/// The HTTP status a `signed` request ended with.
pub fn status(out: Output) -> String {
    let text = out.succeeded("curl");
    text[text.len().saturating_sub(3)..].to_string()
}
