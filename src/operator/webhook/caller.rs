//! Who may call the admission webhook: only the API server. Two locks, so
//! that a request from anyone else on the network has no effect at all:
//!
//! - Always: a random token (lowercase hex), kept in a Secret of the operator's namespace and
//!   written into the webhook configurations' paths (`/<token>/validate`).
//!   Only the API server and those who may read the configurations or that
//!   Secret know it; a request without it is answered 404 before any
//!   handler reads its body.
//! - Where the platform gives the API server an admission client certificate
//!   (its `--admission-control-config-file`): TLS requires a client
//!   certificate signed by `--webhook-client-ca` whose common name is one of
//!   `--webhook-client-name`; any other connection ends in the handshake.

use std::sync::Arc;

use kube::Client;
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::ClientCertVerifier;

use crate::operator::error::{Error, Result};
use crate::operator::kept_secret::{self, Kept};

/// The Secret key holding the path token.
const TOKEN_KEY: &str = "token";
/// 31 random bytes in lowercase hex: a webhook Service path's segments must
/// be lowercase RFC 1123 labels (at most 63 characters).
const TOKEN_BYTES: usize = 31;
const TOKEN_CHARS: usize = 2 * TOKEN_BYTES;
const _: () = assert!(TOKEN_CHARS <= 63, "the token must fit one RFC 1123 label");

/// Reads the path token from `namespace/name`, making it when missing (every
/// replica settles on the first one written).
pub async fn ensure_token(client: &Client, namespace: &str, name: &str) -> Result<String> {
    let kept = Kept {
        namespace,
        name,
        key: TOKEN_KEY,
        what: "the webhook's path token",
        make: new_token,
        usable: well_formed,
    };
    let token = kept_secret::ensure(client, &kept).await?;
    String::from_utf8(token).map_err(|_| Error::Bug("a usable token is text"))
}

/// Lowercase letters and digits: ours are hex, the chart's (with a URL) are
/// lowercase alphanumerics.
fn well_formed(token: &[u8]) -> bool {
    token.len() == TOKEN_CHARS
        && token
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

fn new_token() -> Result<Vec<u8>> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).map_err(|source| Error::Random {
        what: "the webhook's path token",
        source,
    })?;
    Ok(bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .into_bytes())
}

/// The path below the token when `path` is `/<token>/...`; compared in
/// constant time so the answer's timing says nothing of the token.
pub fn strip_token<'p>(path: &'p str, token: &str) -> Option<&'p str> {
    let rest = path.strip_prefix('/')?;
    let (given, below) = rest.split_once('/')?;
    let same = same_bytes(given.as_bytes(), token.as_bytes());
    same.then(|| &path[given.len() + 1..])
        .filter(|_| !below.is_empty())
}

/// Equal bytes, looking at every byte whatever the first difference.
fn same_bytes(given: &[u8], expected: &[u8]) -> bool {
    let differences = given
        .iter()
        .zip(expected)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    given.len() == expected.len() && std::hint::black_box(differences) == 0
}

/// The client certificates the webhook accepts: signed by one of the CAs,
/// with one of the common names (any name when none is given).
#[derive(Debug, Clone)]
pub struct ClientAuth {
    pub ca_pem: String,
    pub names: Vec<String>,
}

impl ClientAuth {
    /// From `--webhook-client-ca FILE` and `--webhook-client-name`.
    pub fn load(path: &std::path::Path, names: &[String]) -> std::result::Result<Self, String> {
        let ca_pem = std::fs::read_to_string(path)
            .map_err(|e| format!("--webhook-client-ca {}: {e}", path.display()))?;
        let auth = ClientAuth {
            ca_pem,
            // `--webhook-client-name=` (nothing) accepts any name.
            names: names.iter().filter(|n| !n.is_empty()).cloned().collect(),
        };
        auth.verifier().map_err(|e| {
            format!(
                "--webhook-client-ca {}: {e} (give the PEM of the CA that signs the API server's admission client certificate)",
                path.display()
            )
        })?;
        Ok(auth)
    }

    /// Verifies the chain up to one of the CAs during the handshake.
    pub fn verifier(&self) -> std::result::Result<Arc<dyn ClientCertVerifier>, String> {
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(self.ca_pem.as_bytes()) {
            let cert = cert.map_err(|e| format!("not PEM certificates: {e}"))?;
            roots
                .add(cert)
                .map_err(|e| format!("not a usable CA certificate: {e}"))?;
        }
        if roots.is_empty() {
            return Err("no CA certificate in it".into());
        }
        WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            Arc::new(rustls::crypto::ring::default_provider()),
        )
        .build()
        .map_err(|e| e.to_string())
    }

    /// Whether a verified certificate (DER) names one of the accepted callers.
    pub fn names_caller(&self, der: &[u8]) -> bool {
        self.names.is_empty() || common_name(der).is_some_and(|name| self.names.contains(&name))
    }
}

/// One DER element: its tag, its contents, and what follows it.
fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let octets = usize::from(first & 0x7f);
        if octets == 0 || octets > 4 || rest.len() < octets {
            return None;
        }
        let length = rest[..octets]
            .iter()
            .fold(0usize, |n, b| n << 8 | usize::from(*b));
        (length, &rest[octets..])
    };
    (rest.len() >= length).then(|| (tag, &rest[..length], &rest[length..]))
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
/// 2.5.4.3, commonName.
const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];

/// The subject's common name of an X.509 certificate (DER), if it has one.
pub fn common_name(der: &[u8]) -> Option<String> {
    let (SEQUENCE, certificate, _) = element(der)? else {
        return None;
    };
    let (SEQUENCE, tbs, _) = element(certificate)? else {
        return None;
    };
    let mut fields = tbs;
    // version [0] (optional), serial, signature, issuer, validity, subject
    let (tag, _, rest) = element(fields)?;
    if tag == 0xa0 {
        fields = rest;
    }
    for _ in 0..4 {
        fields = element(fields)?.2;
    }
    let (SEQUENCE, mut names, _) = element(fields)? else {
        return None;
    };
    while !names.is_empty() {
        let (SET, mut attributes, rest) = element(names)? else {
            return None;
        };
        names = rest;
        while !attributes.is_empty() {
            let (SEQUENCE, attribute, rest) = element(attributes)? else {
                return None;
            };
            attributes = rest;
            let (OID, oid, value) = element(attribute)? else {
                return None;
            };
            if oid == COMMON_NAME {
                let (_, text, _) = element(value)?;
                return String::from_utf8(text.to_vec()).ok();
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};

    fn certificate(common_name: Option<&str>) -> Vec<u8> {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["caller.example".into()]).unwrap();
        let mut name = DistinguishedName::new();
        name.push(DnType::OrganizationName, "system:masters");
        if let Some(cn) = common_name {
            name.push(DnType::CommonName, cn);
        }
        name.push(DnType::CountryName, "DE");
        params.distinguished_name = name;
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn the_common_name_is_read_from_the_subject_not_the_issuer_or_the_alternative_names() {
        assert_eq!(
            common_name(&certificate(Some("kube-apiserver"))).as_deref(),
            Some("kube-apiserver")
        );
        assert_eq!(common_name(&certificate(None)), None);
        assert_eq!(common_name(b"\x30\x82\xff"), None);
        assert_eq!(common_name(&[]), None);
    }

    #[test]
    fn only_listed_callers_are_accepted_and_an_empty_list_accepts_any_the_ca_signed() {
        let auth = |names: &[&str]| ClientAuth {
            ca_pem: String::new(),
            names: names.iter().map(|n| n.to_string()).collect(),
        };
        let apiserver = certificate(Some("kube-apiserver"));
        let alice = certificate(Some("alice"));
        assert!(auth(&["kube-apiserver"]).names_caller(&apiserver));
        assert!(!auth(&["kube-apiserver"]).names_caller(&alice));
        assert!(!auth(&["kube-apiserver"]).names_caller(&certificate(None)));
        assert!(auth(&[]).names_caller(&alice));
    }

    #[test]
    fn a_path_passes_only_with_the_exact_token_in_front() {
        let token = "a".repeat(TOKEN_CHARS);
        let path = format!("/{token}/validate");
        assert_eq!(strip_token(&path, &token), Some("/validate"));
        assert_eq!(strip_token("/validate", &token), None);
        assert_eq!(strip_token(&format!("/{token}"), &token), None);
        assert_eq!(strip_token(&format!("/{token}/"), &token), None);
        assert_eq!(strip_token(&format!("/{token}b/validate"), &token), None);
        assert_eq!(
            strip_token(&format!("/{}/validate", &token[1..]), &token),
            None
        );
        assert_eq!(strip_token(&format!("//{token}/validate"), &token), None);
    }

    #[test]
    fn tokens_are_lowercase_labels_a_service_path_accepts() {
        let token = new_token().unwrap();
        assert_eq!(token.len(), TOKEN_CHARS);
        assert!(
            token
                .iter()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_ne!(token, new_token().unwrap());
        assert!(well_formed(&token));
        assert!(!well_formed(b"abc"));
        assert!(!well_formed(&token.to_ascii_uppercase()));
    }
}
