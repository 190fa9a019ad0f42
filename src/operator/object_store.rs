//! The platform's backup bucket, as the operator reaches it. The operator
//! alone holds the bucket's key (read from a Secret in its own namespace);
//! it makes every request of its own through a URL it presigned a moment
//! before, the same way a backup Job is handed URLs for its own objects, so
//! there is one way of signing. TLS trusts the platform's CA when one is
//! given (and then only it), else the system's roots.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use k8s_openapi::api::core::v1::Secret;
use kube::{Api, Client};
use rustls::pki_types::{CertificateDer, ServerName};

use crate::backup::presign::{Request, Signer};
use crate::backup::target::Target;
use crate::operator::error::{Error, Result};

/// The keys of the credentials Secret.
pub const ACCESS_KEY_ID: &str = "access-key-id";
pub const SECRET_ACCESS_KEY: &str = "secret-access-key";

/// How long a URL the operator signs for itself stays valid.
const OWN_URL_VALIDITY: u32 = 60;
/// No answer within this: the object store is unreachable.
const TIMEOUT: Duration = Duration::from_secs(20);
/// The most of a body read back (manifests, S3's error documents).
const BODY_LIMIT: usize = 1 << 20;

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

/// What the object store answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Bytes,
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
        let tls = tls_config(config.ca.as_deref())?;
        Ok(ObjectStore {
            target: config.target,
            access_key,
            secret_key,
            tls: tokio_rustls::TlsConnector::from(Arc::new(tls)),
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

    /// Sends `method` on `key` through a freshly presigned URL.
    pub async fn send(&self, method: &str, key: &str) -> Result<Answer> {
        let url = self.presign(method, key, OWN_URL_VALIDITY);
        let what = format!("{method} {}", self.describe(key));
        tokio::time::timeout(TIMEOUT, self.exchange(method, &url))
            .await
            .map_err(|_| Error::ObjectStore {
                what: what.clone(),
                problem: format!("no answer within {}s", TIMEOUT.as_secs()),
            })?
            .map_err(|problem| Error::ObjectStore { what, problem })
    }

    /// One request on its own connection (the operator's requests are few).
    async fn exchange(&self, method: &str, url: &str) -> std::result::Result<Answer, String> {
        let host = &self.target.host;
        let tcp = tokio::net::TcpStream::connect((host.as_str(), self.target.port))
            .await
            .map_err(|e| format!("cannot connect to {host}:{}: {e}", self.target.port))?;
        let name = ServerName::try_from(host.clone()).map_err(|e| format!("{host:?}: {e}"))?;
        let tls = self.tls.connect(name, tcp).await.map_err(|e| {
            format!("TLS with {host}: {e} (a certificate from a private CA needs --backup-ca)")
        })?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| format!("HTTP with {host}: {e}"))?;
        tokio::spawn(connection);
        let path = url
            .strip_prefix(&self.target.endpoint)
            .ok_or("a presigned URL outside the endpoint")?;
        let authority = url
            .split_once("://")
            .and_then(|(_, rest)| rest.split('/').next())
            .unwrap_or(host);
        let request = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, authority)
            .body(Empty::<Bytes>::new())
            .map_err(|e| format!("the request: {e}"))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("HTTP with {host}: {e}"))?;
        let status = response.status().as_u16();
        let body = Limited::new(response.into_body(), BODY_LIMIT)
            .collect()
            .await
            .map_err(|e| format!("reading the answer: {e}"))?
            .to_bytes();
        Ok(Answer { status, body })
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
        let code = s3_error_code(body);
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

/// TLS for the object store: the given CA only, or the system's roots.
fn tls_config(ca: Option<&[CertificateDer<'static>]>) -> Result<rustls::ClientConfig> {
    let tls_error = |what: &str, problem: String| Error::ObjectStore {
        what: what.to_string(),
        problem,
    };
    let mut roots = rustls::RootCertStore::empty();
    match ca {
        Some(ca) => {
            for cert in ca {
                roots
                    .add(cert.clone())
                    .map_err(|e| tls_error("the backup CA (--backup-ca)", e.to_string()))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("TLS for the object store", e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// `<Code>...</Code>` of an S3 error document.
fn s3_error_code(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let start = text.find("<Code>")? + "<Code>".len();
    let end = start + text[start..].find("</Code>")?;
    Some(text[start..end].to_string()).filter(|c| c.len() < 64 && !c.contains('<'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_s3_error_document_names_its_code() {
        let body =
            b"<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code><Message>x</Message></Error>";
        assert_eq!(s3_error_code(body).as_deref(), Some("NoSuchBucket"));
        assert_eq!(s3_error_code(b""), None);
        assert_eq!(s3_error_code(b"<Code>unterminated"), None);
    }
}
