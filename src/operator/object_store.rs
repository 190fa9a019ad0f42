//! The platform's backup bucket, as the operator reaches it. The operator
//! alone holds the bucket's key (read from a Secret in its own namespace);
//! it makes every request of its own through a URL it presigned a moment
//! before, the same way a backup Job is handed URLs for its own objects, so
//! there is one way of signing. TLS trusts the platform's CA when one is
//! given (and then only it), else the system's roots.

use std::time::Duration;

use k8s_openapi::api::core::v1::Secret;
use kube::{Api, Client};
use rustls::pki_types::CertificateDer;

use crate::backup::presign::{Request, Signer};
use crate::backup::target::Target;
use crate::operator::error::{Error, Result};
use crate::s3;

/// The keys of the credentials Secret.
pub const ACCESS_KEY_ID: &str = "access-key-id";
pub const SECRET_ACCESS_KEY: &str = "secret-access-key";

/// How long a URL the operator signs for itself stays valid.
const OWN_URL_VALIDITY: u32 = 60;
/// No answer within this: the object store is unreachable.
const TIMEOUT: Duration = Duration::from_secs(20);

/// The object store as configured: where, which credentials Secret, which CA.
#[derive(Debug, Clone)]
pub struct Config {
    pub target: Target,
    /// Secret in the operator's namespace holding the bucket's key.
    pub credentials_secret: String,
    /// The CA certificates the endpoint's certificate must chain to (None: the system's).
    pub ca: Option<Vec<CertificateDer<'static>>>,
}

pub struct ObjectStore {
    target: Target,
    access_key: String,
    secret_key: String,
    tls: tokio_rustls::TlsConnector,
}

impl ObjectStore {
    /// Reads the credentials Secret and prepares TLS; nothing is sent yet.
    pub async fn connect(client: &Client, namespace: &str, config: Config) -> Result<ObjectStore> {
        let secret_name = format!("{namespace}/{}", config.credentials_secret);
        let missing = |what: &str| Error::BackupCredentials {
            secret: secret_name.clone(),
            problem: what.to_string(),
        };
        let secret = Api::<Secret>::namespaced(client.clone(), namespace)
            .get_opt(&config.credentials_secret)
            .await
            .map_err(Error::api(format!(
                "read the backup credentials Secret {secret_name}"
            )))?
            .ok_or_else(|| missing("it does not exist"))?;
        let value = |key: &str| {
            secret
                .data
                .as_ref()
                .and_then(|d| d.get(key))
                .and_then(|v| String::from_utf8(v.0.clone()).ok())
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| missing(&format!("it has no {key:?}")))
        };
        let access_key = value(ACCESS_KEY_ID)?;
        let secret_key = value(SECRET_ACCESS_KEY)?;
        let tls = s3::tls(config.ca.as_deref()).map_err(|problem| Error::ObjectStore {
            what: "TLS for the object store (--backup-ca)".into(),
            problem,
        })?;
        Ok(ObjectStore {
            target: config.target,
            access_key,
            secret_key,
            tls,
        })
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// A URL allowing `method` on `key` (empty: the bucket) for `expires` seconds.
    pub fn presign(&self, method: &str, key: &str, expires: u32) -> String {
        let signer = Signer {
            endpoint: &self.target.endpoint,
            region: &self.target.region,
            access_key: &self.access_key,
            secret_key: &self.secret_key,
        };
        let time = k8s_openapi::jiff::Timestamp::now()
            .strftime("%Y%m%dT%H%M%SZ")
            .to_string();
        signer.presign(&Request {
            method,
            bucket: &self.target.bucket,
            key,
            time: &time,
            expires,
        })
    }

    /// Whether the bucket exists and the key may use it (S3's HeadBucket).
    pub async fn check(&self) -> Result<()> {
        let answer = self.send("HEAD", "").await?;
        match answer.status {
            200 => Ok(()),
            status => Err(self.refused("HEAD", "", status, &answer.body)),
        }
    }

    /// Deletes the object `key`; one that is not there is deleted already.
    pub async fn delete(&self, key: &str) -> Result<()> {
        let answer = self.send("DELETE", key).await?;
        match answer.status {
            200 | 204 | 404 => Ok(()),
            status => Err(self.refused("DELETE", key, status, &answer.body)),
        }
    }

    /// Sends `method` on `key` through a freshly presigned URL.
    pub async fn send(&self, method: &str, key: &str) -> Result<s3::Answer> {
        let url = self.presign(method, key, OWN_URL_VALIDITY);
        let what = format!("{method} {}", self.describe(key));
        let problem =
            match tokio::time::timeout(TIMEOUT, s3::send(&self.tls, method, &url, s3::Body::Empty))
                .await
            {
                Ok(Ok(answer)) => return Ok(answer),
                Ok(Err(problem)) if problem.starts_with("TLS with") => {
                    format!("{problem} (a certificate from a private CA needs --backup-ca)")
                }
                Ok(Err(problem)) => problem,
                Err(_) => format!("no answer within {}s", TIMEOUT.as_secs()),
            };
        Err(Error::ObjectStore { what, problem })
    }

    fn describe(&self, key: &str) -> String {
        match key {
            "" => format!("bucket {} at {}", self.target.bucket, self.target.endpoint),
            key => format!("{}/{key} at {}", self.target.bucket, self.target.endpoint),
        }
    }

    /// An answer other than success, in words: S3's error code when the
    /// body carries one, and what to check.
    fn refused(&self, method: &str, key: &str, status: u16, body: &[u8]) -> Error {
        let code = s3::error_code(body);
        let hint = match (status, code.as_deref()) {
            (403, _) => {
                "check the access key in the credentials Secret and its rights on the bucket"
            }
            (404, _) | (_, Some("NoSuchBucket")) => "create the bucket, or fix --backup-bucket",
            (301 | 307 | 400, _) => "check --backup-region and --backup-endpoint",
            _ => "see the object store's own log",
        };
        let code = code.map(|c| format!(" ({c})")).unwrap_or_default();
        Error::ObjectStore {
            what: format!("{method} {}", self.describe(key)),
            problem: format!("the object store answered {status}{code}; {hint}"),
        }
    }
}
