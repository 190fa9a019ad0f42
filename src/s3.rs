//! S3 over HTTPS, as Nexus speaks it: one request on a connection of its
//! own to a presigned URL (whoever signed it decides what it allows), the
//! body empty or streamed from a file of known length (S3 wants the length
//! of a PUT up front), the answer's body read up to a limit.

use std::path::Path;
use std::sync::Arc;

use http_body_util::{BodyExt, Empty, Full, Limited, StreamBody, combinators::UnsyncBoxBody};
use hyper::body::{Bytes, Frame};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::AsyncReadExt;

/// The most of an answer's body read back (manifests, S3's error documents).
const BODY_LIMIT: usize = 1 << 20;
/// How much of a file is sent at a time.
const CHUNK: usize = 256 * 1024;

/// What the object store answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Bytes,
}

/// What a request sends.
pub enum Body<'a> {
    Empty,
    Bytes(Bytes),
    File(&'a Path),
}

/// TLS for the object store: the given CA only, or the system's roots.
pub fn tls(ca: Option<&[CertificateDer<'static>]>) -> Result<tokio_rustls::TlsConnector, String> {
    let mut roots = rustls::RootCertStore::empty();
    match ca {
        Some(ca) => {
            for cert in ca {
                roots
                    .add(cert.clone())
                    .map_err(|e| format!("the CA: {e}"))?;
            }
        }
        None => {
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

/// `https://host[:port]/path?query` as host, port and the request target.
fn split_url(url: &str) -> Result<(String, u16, &str), String> {
    let rest = url.strip_prefix("https://").ok_or("not an https URL")?;
    let (authority, target) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let target = if target.is_empty() { "/" } else { target };
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (
            host,
            port.parse().map_err(|_| format!("bad port {port:?}"))?,
        ),
        _ => (authority, 443),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok((host.to_string(), port, target))
}

/// Sends `method` to `url` with `body`; errors are in words (no secret:
/// the URL's signature is never part of them).
pub async fn send(
    tls: &tokio_rustls::TlsConnector,
    method: &str,
    url: &str,
    body: Body<'_>,
) -> Result<Answer, String> {
    let response = request(tls, method, url, body).await?;
    let status = response.status().as_u16();
    let body = read_limited(response).await?;
    Ok(Answer { status, body })
}

/// What a GET streamed into a file: its length and hex SHA-256.
#[derive(Debug, PartialEq)]
pub struct Downloaded {
    pub size: u64,
    pub sha256: String,
}

/// GETs `url` into the file `to`, a frame at a time (never whole), hashing
/// as it writes; Err(Answer): the object store did not answer 200 (its
/// error document in the body); the outer Err: the exchange failed.
pub async fn download(
    tls: &tokio_rustls::TlsConnector,
    url: &str,
    to: &Path,
) -> Result<Result<Downloaded, Answer>, String> {
    use tokio::io::AsyncWriteExt;
    let mut response = request(tls, "GET", url, Body::Empty).await?;
    let status = response.status().as_u16();
    if status != 200 {
        let body = read_limited(response).await?;
        return Ok(Err(Answer { status, body }));
    }
    let file = tokio::fs::File::create(to)
        .await
        .map_err(|e| format!("{}: {e}", to.display()))?;
    let mut file = tokio::io::BufWriter::with_capacity(CHUNK, file);
    let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
    let mut size = 0u64;
    let written = |e: std::io::Error| format!("{}: {e}", to.display());
    while let Some(frame) = response.body_mut().frame().await {
        let frame = frame.map_err(|e| format!("reading the object: {e}"))?;
        if let Ok(data) = frame.into_data() {
            digest.update(&data);
            size += data.len() as u64;
            file.write_all(&data).await.map_err(written)?;
        }
    }
    file.flush().await.map_err(written)?;
    file.get_ref().sync_all().await.map_err(written)?;
    let sha256 = digest
        .finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Ok(Downloaded { size, sha256 }))
}

async fn read_limited(response: hyper::Response<hyper::body::Incoming>) -> Result<Bytes, String> {
    Ok(Limited::new(response.into_body(), BODY_LIMIT)
        .collect()
        .await
        .map_err(|e| format!("reading the answer: {e}"))?
        .to_bytes())
}

/// Sends the request; the answer's head, its body still to read.
async fn request(
    tls: &tokio_rustls::TlsConnector,
    method: &str,
    url: &str,
    body: Body<'_>,
) -> Result<hyper::Response<hyper::body::Incoming>, String> {
    let (host, port, target) = split_url(url)?;
    let (body, length): (UnsyncBoxBody<Bytes, std::io::Error>, u64) = match body {
        Body::Empty => (Empty::new().map_err(|e| match e {}).boxed_unsync(), 0),
        Body::Bytes(bytes) => {
            let length = bytes.len() as u64;
            (
                Full::new(bytes).map_err(|e| match e {}).boxed_unsync(),
                length,
            )
        }
        Body::File(path) => {
            let file = tokio::fs::File::open(path)
                .await
                .map_err(|e| format!("{}: {e}", path.display()))?;
            let length = file.metadata().await.map_err(|e| e.to_string())?.len();
            (StreamBody::new(chunks(file)).boxed_unsync(), length)
        }
    };
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| format!("cannot connect to {host}:{port}: {e}"))?;
    let name = ServerName::try_from(host.clone()).map_err(|e| format!("{host:?}: {e}"))?;
    let tls = tls
        .connect(name, tcp)
        .await
        .map_err(|e| format!("TLS with {host}: {e}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .map_err(|e| format!("HTTP with {host}: {e}"))?;
    tokio::spawn(connection);
    let authority = if port == 443 {
        host.clone()
    } else {
        format!("{host}:{port}")
    };
    let mut request = hyper::Request::builder()
        .method(method)
        .uri(target)
        .header(hyper::header::HOST, authority);
    if method == "PUT" {
        request = request.header(hyper::header::CONTENT_LENGTH, length);
    }
    let request = request
        .body(body)
        .map_err(|e| format!("the request: {e}"))?;
    sender
        .send_request(request)
        .await
        .map_err(|e| format!("HTTP with {host}: {e}"))
}

/// A file as a stream of body frames, a chunk at a time (never whole).
fn chunks(
    file: tokio::fs::File,
) -> impl futures::Stream<Item = Result<Frame<Bytes>, std::io::Error>> + Send + 'static {
    futures::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buffer = vec![0u8; CHUNK];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok(Frame::data(Bytes::from(buffer))), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}

/// `<Code>...</Code>` of an S3 error document.
pub fn error_code(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let start = text.find("<Code>")? + "<Code>".len();
    let end = start + text[start..].find("</Code>")?;
    Some(text[start..end].to_string()).filter(|c| c.len() < 64 && !c.contains('<'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_splits_into_host_port_and_target() {
        assert_eq!(
            split_url("https://127.0.0.1:9000/b/k?X-Amz-Date=1").unwrap(),
            ("127.0.0.1".to_string(), 9000, "/b/k?X-Amz-Date=1")
        );
        assert_eq!(
            split_url("https://s3.example.com/b").unwrap(),
            ("s3.example.com".to_string(), 443, "/b")
        );
        assert_eq!(
            split_url("https://[::1]:9/x").unwrap(),
            ("::1".to_string(), 9, "/x")
        );
        assert!(split_url("http://s3.example.com/b").is_err());
    }

    #[test]
    fn an_s3_error_document_names_its_code() {
        let body =
            b"<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code><Message>x</Message></Error>";
        assert_eq!(error_code(body).as_deref(), Some("NoSuchBucket"));
        assert_eq!(error_code(b""), None);
        assert_eq!(error_code(b"<Code>unterminated"), None);
    }
}
