//! The webhook's certificates. When cert-manager (or anyone) fills the
//! Secret with `ca.crt`, `tls.crt` and `tls.key`, they are served as they
//! are and re-read as the issuer renews them. Otherwise: a CA and a serving
//! certificate, made once and kept in the Secret that every replica shares,
//! the serving certificate renewed a month before it expires (by the same
//! CA, so the webhook configurations' caBundle stays valid).

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::jiff::Timestamp;
use kube::{Api, Client};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::operator::error::{Error, Result};

const CA_CERT: &str = "ca.crt";
const CA_KEY: &str = "ca.key";
const TLS_CERT: &str = "tls.crt";
const TLS_KEY: &str = "tls.key";
/// When the serving certificate expires, and which hosts it names.
const NOT_AFTER_ANNOTATION: &str = "nexus.dev/serving-not-after";
const HOSTS_ANNOTATION: &str = "nexus.dev/serving-hosts";

const CA_VALIDITY: Duration = Duration::days(3650);
const SERVING_VALIDITY: Duration = Duration::days(365);
pub const RENEW_BEFORE: Duration = Duration::days(30);

/// What the webhook serves with, and the CA the API server is told to trust.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Material {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

/// Writers of the Secret may race (every replica starts at once).
const ATTEMPTS: usize = 5;

fn tls_error(context: &str) -> impl FnOnce(rcgen::Error) -> Error + '_ {
    move |e| Error::Tls {
        what: context.to_string(),
        source: Box::new(e),
    }
}

fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "nexus-webhook-ca");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params
}

/// A new CA: its certificate and key, PEM.
pub fn new_ca(now: OffsetDateTime) -> Result<(String, String)> {
    let key = KeyPair::generate().map_err(tls_error("generate the CA key"))?;
    let mut params = ca_params();
    params.not_before = now - Duration::hours(1);
    params.not_after = now + CA_VALIDITY;
    let cert = params
        .self_signed(&key)
        .map_err(tls_error("sign the CA certificate"))?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// A serving certificate for `hosts` (DNS names or IPs), signed by the CA whose
/// key is `ca_key_pem`; returns it, its key, and when it expires.
pub fn serving(
    hosts: &[String],
    ca_key_pem: &str,
    now: OffsetDateTime,
) -> Result<(String, String, OffsetDateTime)> {
    let ca_key = KeyPair::from_pem(ca_key_pem).map_err(tls_error("read the CA key"))?;
    let issuer = Issuer::new(ca_params(), ca_key);
    let key = KeyPair::generate().map_err(tls_error("generate the serving key"))?;
    let mut params =
        CertificateParams::new(hosts.to_vec()).map_err(tls_error("name the serving hosts"))?;
    let mut name = DistinguishedName::new();
    name.push(
        DnType::CommonName,
        hosts.first().map(String::as_str).unwrap_or("nexus-webhook"),
    );
    params.distinguished_name = name;
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.not_before = now - Duration::hours(1);
    params.not_after = now + SERVING_VALIDITY;
    let cert = params
        .signed_by(&key, &issuer)
        .map_err(tls_error("sign the serving certificate"))?;
    Ok((cert.pem(), key.serialize_pem(), params.not_after))
}

fn text(secret: &Secret, key: &str) -> Option<String> {
    let bytes = secret.data.as_ref()?.get(key)?;
    String::from_utf8(bytes.0.clone()).ok()
}

fn annotation<'a>(secret: &'a Secret, key: &str) -> Option<&'a str> {
    secret
        .metadata
        .annotations
        .as_ref()?
        .get(key)
        .map(String::as_str)
}

/// What a Secret that another issuer fills (cert-manager: `ca.crt`,
/// `tls.crt`, `tls.key`, and no CA key of ours) holds. That issuer renews it.
pub fn provided(secret: &Secret) -> Option<Material> {
    if text(secret, CA_KEY).is_some() {
        return None;
    }
    Some(Material {
        ca_pem: text(secret, CA_CERT)?,
        cert_pem: text(secret, TLS_CERT)?,
        key_pem: text(secret, TLS_KEY)?,
    })
}

/// The material a Secret holds, if it is complete, names `hosts` and is not
/// due for renewal at `now`; or what another issuer put there.
pub fn usable(secret: &Secret, hosts: &[String], now: OffsetDateTime) -> Option<Material> {
    if let Some(material) = provided(secret) {
        return Some(material);
    }
    let not_after = annotation(secret, NOT_AFTER_ANNOTATION)
        .and_then(|t| t.parse::<Timestamp>().ok())
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t.as_second()).ok())?;
    if not_after - RENEW_BEFORE <= now
        || annotation(secret, HOSTS_ANNOTATION) != Some(&hosts.join(","))
    {
        return None;
    }
    Some(Material {
        ca_pem: text(secret, CA_CERT)?,
        cert_pem: text(secret, TLS_CERT)?,
        key_pem: text(secret, TLS_KEY)?,
    })
}

fn data(entries: &[(&str, &str)]) -> BTreeMap<String, ByteString> {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), ByteString(v.as_bytes().to_vec())))
        .collect()
}

fn rfc3339(t: OffsetDateTime) -> String {
    Timestamp::from_second(t.unix_timestamp())
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// The webhook's material from the Secret `namespace/name`: made when missing,
/// renewed when due or when the hosts changed. Replicas racing here settle on
/// one writer (create conflicts, resourceVersion preconditions) and re-read.
pub async fn ensure(
    client: &Client,
    namespace: &str,
    name: &str,
    hosts: &[String],
) -> Result<Material> {
    let secrets: Api<Secret> = Api::namespaced(client.clone(), namespace);
    let action = |verb: &str| format!("{verb} Secret {namespace}/{name}");
    for _ in 0..ATTEMPTS {
        let now = OffsetDateTime::now_utc();
        let existing = secrets
            .get_opt(name)
            .await
            .map_err(Error::api(action("read")))?;
        if let Some(material) = existing.as_ref().and_then(|s| usable(s, hosts, now)) {
            return Ok(material);
        }
        // Renew with the CA there is; make one only when there is none.
        let ca = existing
            .as_ref()
            .and_then(|s| Some((text(s, CA_CERT)?, text(s, CA_KEY)?)));
        let (ca_pem, ca_key) = match ca {
            Some(ca) => ca,
            None => new_ca(now)?,
        };
        let (cert_pem, key_pem, not_after) = serving(hosts, &ca_key, now)?;
        let annotations = BTreeMap::from([
            (NOT_AFTER_ANNOTATION.to_string(), rfc3339(not_after)),
            (HOSTS_ANNOTATION.to_string(), hosts.join(",")),
        ]);
        let entries = [
            (CA_CERT, ca_pem.as_str()),
            (CA_KEY, ca_key.as_str()),
            (TLS_CERT, cert_pem.as_str()),
            (TLS_KEY, key_pem.as_str()),
        ];
        let secret = Secret {
            metadata: kube::api::ObjectMeta {
                name: Some(name.into()),
                namespace: Some(namespace.into()),
                annotations: Some(annotations.clone()),
                labels: Some(BTreeMap::from([(
                    crate::api::labels::MANAGED_BY.to_string(),
                    crate::api::labels::MANAGER.to_string(),
                )])),
                ..Default::default()
            },
            type_: Some("Opaque".into()),
            data: Some(data(&entries)),
            ..Secret::default()
        };
        let changes = json!({"metadata": {"annotations": annotations}, "data": data(&entries)});
        let written = super::compare_and_swap(&secrets, existing.as_ref(), &secret, changes).await;
        match written {
            Ok(()) => {
                return Ok(Material {
                    ca_pem,
                    cert_pem,
                    key_pem,
                });
            }
            Err(kube::Error::Api(status)) if status.code == 409 => continue,
            Err(e) => return Err(Error::api(action("write"))(e)),
        }
    }
    Err(Error::Contended {
        what: action("write"),
        attempts: ATTEMPTS,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret_with(
        material: &Material,
        ca_key: &str,
        not_after: OffsetDateTime,
        hosts: &str,
    ) -> Secret {
        Secret {
            metadata: kube::api::ObjectMeta {
                annotations: Some(BTreeMap::from([
                    (NOT_AFTER_ANNOTATION.to_string(), rfc3339(not_after)),
                    (HOSTS_ANNOTATION.to_string(), hosts.to_string()),
                ])),
                ..Default::default()
            },
            data: Some(data(&[
                (CA_CERT, &material.ca_pem),
                (CA_KEY, ca_key),
                (TLS_CERT, &material.cert_pem),
                (TLS_KEY, &material.key_pem),
            ])),
            ..Secret::default()
        }
    }

    #[test]
    fn a_serving_certificate_is_renewed_a_month_before_it_expires_or_when_hosts_change() {
        let now = OffsetDateTime::now_utc();
        let (ca_pem, ca_key) = new_ca(now).unwrap();
        let hosts = vec![
            "127.0.0.1".to_string(),
            "nexus.nexus-system.svc".to_string(),
        ];
        let (cert_pem, key_pem, not_after) = serving(&hosts, &ca_key, now).unwrap();
        assert!(cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        let material = Material {
            ca_pem,
            cert_pem,
            key_pem,
        };
        let joined = hosts.join(",");
        let fresh = secret_with(&material, &ca_key, not_after, &joined);
        assert_eq!(usable(&fresh, &hosts, now), Some(material.clone()));
        let due = now + SERVING_VALIDITY - RENEW_BEFORE + Duration::days(1);
        assert_eq!(usable(&fresh, &hosts, due), None, "renewed before expiry");
        assert_eq!(
            usable(&fresh, &hosts[..1], now),
            None,
            "renewed for new hosts"
        );
    }

    #[test]
    fn a_secret_another_issuer_fills_is_served_as_it_is() {
        let now = OffsetDateTime::now_utc();
        let (ca_pem, ca_key) = new_ca(now).unwrap();
        let (cert_pem, key_pem, _) = serving(&["127.0.0.1".to_string()], &ca_key, now).unwrap();
        let issued = Secret {
            data: Some(data(&[
                (CA_CERT, &ca_pem),
                (TLS_CERT, &cert_pem),
                (TLS_KEY, &key_pem),
            ])),
            ..Secret::default()
        };
        let material = usable(&issued, &["other.host".to_string()], now).expect("served as is");
        assert_eq!(material.cert_pem, cert_pem);
        // Ours (with the CA key) is renewed by us instead.
        let ours = secret_with(&material, &ca_key, now, "127.0.0.1");
        assert_eq!(provided(&ours), None);
    }

    #[test]
    fn the_serving_certificate_verifies_against_the_ca() {
        use rustls::client::danger::ServerCertVerifier;
        use rustls::pki_types::{CertificateDer, pem::PemObject};
        let now = OffsetDateTime::now_utc();
        let (ca_pem, ca_key) = new_ca(now).unwrap();
        let (cert_pem, _, _) = serving(&["127.0.0.1".to_string()], &ca_key, now).unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap())
            .unwrap();
        let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
            std::sync::Arc::new(roots),
            std::sync::Arc::new(rustls::crypto::ring::default_provider()),
        )
        .build()
        .unwrap();
        let cert = CertificateDer::from_pem_slice(cert_pem.as_bytes()).unwrap();
        let ip = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
        let verified =
            verifier.verify_server_cert(&cert, &[], &ip, &[], rustls::pki_types::UnixTime::now());
        assert!(verified.is_ok(), "{verified:?}");
    }
}
