//! Presigned S3 URLs (AWS Signature Version 4 in the query string): the
//! operator signs one URL per object and method, valid for a while, and a
//! Job that holds it may do exactly that and nothing else. Pure: the key,
//! the time and the request in, the URL out.

use ring::{digest, hmac};

/// Who signs, and for which service endpoint.
pub struct Signer<'a> {
    /// `https://host[:port]`, without a trailing slash (path-style URLs).
    pub endpoint: &'a str,
    pub region: &'a str,
    pub access_key: &'a str,
    pub secret_key: &'a str,
}

/// One request to allow.
pub struct Request<'a> {
    /// `GET`, `PUT`, `HEAD` or `DELETE`.
    pub method: &'a str,
    pub bucket: &'a str,
    /// The object; empty for the bucket itself.
    pub key: &'a str,
    /// When it is signed, as `YYYYMMDD'T'HHMMSS'Z'`.
    pub time: &'a str,
    /// For how long it is valid, in seconds (at most 7 days for S3).
    pub expires: u32,
}

impl Signer<'_> {
    /// The URL that allows `request`, and only it, until it expires.
    pub fn presign(&self, request: &Request) -> String {
        let host = self
            .endpoint
            .split_once("://")
            .map_or(self.endpoint, |(_, rest)| rest);
        let date = &request.time[..8];
        let scope = format!("{date}/{}/s3/aws4_request", self.region);
        // An empty key is the bucket itself.
        let path = match request.key {
            "" => format!("/{}", encode(request.bucket, false)),
            key => format!("/{}/{}", encode(request.bucket, false), encode(key, false)),
        };
        // Sorted by name, as the canonical request wants them.
        let query = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256".to_string()),
            ("X-Amz-Credential", format!("{}/{scope}", self.access_key)),
            ("X-Amz-Date", request.time.to_string()),
            ("X-Amz-Expires", request.expires.to_string()),
            ("X-Amz-SignedHeaders", "host".to_string()),
        ]
        .iter()
        .map(|(name, value)| format!("{name}={}", encode(value, true)))
        .collect::<Vec<_>>()
        .join("&");
        let canonical = format!(
            "{}\n{path}\n{query}\nhost:{host}\n\nhost\nUNSIGNED-PAYLOAD",
            request.method
        );
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
            request.time,
            hex(digest::digest(&digest::SHA256, canonical.as_bytes()).as_ref())
        );
        let mut key = format!("AWS4{}", self.secret_key).into_bytes();
        for part in [date, self.region, "s3", "aws4_request"] {
            key = sign(&key, part.as_bytes());
        }
        let signature = hex(&sign(&key, to_sign.as_bytes()));
        format!(
            "{}{path}?{query}&X-Amz-Signature={signature}",
            self.endpoint
        )
    }
}

fn sign(key: &[u8], data: &[u8]) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    hmac::sign(&key, data).as_ref().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// URI-encodes as SigV4 wants: unreserved characters stay, everything else
/// is `%XX` in upper case; `/` stays in a path and is encoded in a query.
fn encode(text: &str, in_query: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        let unreserved = byte.is_ascii_alphanumeric() || b"-._~".contains(&byte);
        if unreserved || (byte == b'/' && !in_query) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's own example of a presigned GET ("Authenticating Requests: Using
    /// Query Parameters", Signature Version 4): its documented signature.
    #[test]
    fn the_documented_example_signs_to_the_documented_signature() {
        let signer = Signer {
            endpoint: "https://examplebucket.s3.amazonaws.com",
            region: "us-east-1",
            access_key: "AKIAIOSFODNN7EXAMPLE",
            secret_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        };
        // The example is virtual-hosted (the bucket in the host), so sign its
        // path by hand: the same canonical request with `/test.txt`.
        let url = virtual_hosted(&signer, "test.txt", "20130524T000000Z", 86400);
        assert!(
            url.ends_with(
                "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
            ),
            "{url}"
        );
    }

    /// The documented example's URL, signed by the same steps as `presign`
    /// but with the bucket in the host.
    fn virtual_hosted(signer: &Signer, key: &str, time: &str, expires: u32) -> String {
        let host = "examplebucket.s3.amazonaws.com";
        let date = &time[..8];
        let scope = format!("{date}/{}/s3/aws4_request", signer.region);
        let query = format!(
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={}&X-Amz-Date={time}&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host",
            encode(&format!("{}/{scope}", signer.access_key), true)
        );
        let canonical = format!("GET\n/{key}\n{query}\nhost:{host}\n\nhost\nUNSIGNED-PAYLOAD");
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n{time}\n{scope}\n{}",
            hex(digest::digest(&digest::SHA256, canonical.as_bytes()).as_ref())
        );
        let mut signing = format!("AWS4{}", signer.secret_key).into_bytes();
        for part in [date, signer.region, "s3", "aws4_request"] {
            signing = sign(&signing, part.as_bytes());
        }
        format!(
            "https://{host}/{key}?{query}&X-Amz-Signature={}",
            hex(&sign(&signing, to_sign.as_bytes()))
        )
    }

    #[test]
    fn a_path_style_url_names_the_bucket_and_key_and_encodes_the_credential() {
        let signer = Signer {
            endpoint: "https://127.0.0.1:9000",
            region: "us-east-1",
            access_key: "key",
            secret_key: "secret",
        };
        let url = signer.presign(&Request {
            method: "PUT",
            bucket: "backups",
            key: "store-uid/shop-1/database.sql.age",
            time: "20261205T031500Z",
            expires: 3600,
        });
        assert!(
            url.starts_with("https://127.0.0.1:9000/backups/store-uid/shop-1/database.sql.age?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=key%2F20261205%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261205T031500Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature="),
            "{url}"
        );
        // Another method or key is another signature.
        let get = signer.presign(&Request {
            method: "GET",
            bucket: "backups",
            key: "store-uid/shop-1/database.sql.age",
            time: "20261205T031500Z",
            expires: 3600,
        });
        assert_ne!(url.rsplit('=').next(), get.rsplit('=').next());
    }
}
