//! Where backups go: an S3 bucket at an https endpoint, as the platform
//! configures it once. Pure: the flags' text in, a checked target out.

/// A checked object store target.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// `https://host[:port]`, no path, no trailing slash.
    pub endpoint: String,
    /// The host name or address to connect to and to check the certificate for.
    pub host: String,
    pub port: u16,
    pub bucket: String,
    pub region: String,
}

impl Target {
    pub fn new(endpoint: &str, bucket: &str, region: &str) -> Result<Target, String> {
        let (host, port) = parse_endpoint(endpoint)?;
        check_bucket(bucket)?;
        if region.is_empty()
            || !region
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(format!(
                "--backup-region {region:?} is not a region name (letters, digits and '-', e.g. us-east-1)"
            ));
        }
        Ok(Target {
            endpoint: endpoint.trim_end_matches('/').to_string(),
            host,
            port,
            bucket: bucket.to_string(),
            region: region.to_string(),
        })
    }
}

/// `https://host[:port]` as host and port. Plain http is refused: backups
/// and the URLs that allow writing them must not cross a network in clear.
fn parse_endpoint(endpoint: &str) -> Result<(String, u16), String> {
    let shape = "give https://HOST[:PORT], e.g. https://s3.eu-west-1.amazonaws.com";
    let rest = match endpoint.split_once("://") {
        Some(("https", rest)) => rest.trim_end_matches('/'),
        Some(("http", _)) => {
            return Err(format!(
                "--backup-endpoint {endpoint:?} is plain http: backups and their URLs travel only over TLS; {shape} (with --backup-ca for a private CA)"
            ));
        }
        _ => {
            return Err(format!(
                "--backup-endpoint {endpoint:?} is not an https URL; {shape}"
            ));
        }
    };
    if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
        return Err(format!(
            "--backup-endpoint {endpoint:?} must name only a host and port (path-style requests add the bucket); {shape}"
        ));
    }
    let (host, port) = match rest.rsplit_once(':') {
        // An IPv6 literal is bracketed; its colons are not a port.
        Some((host, port)) if !port.contains(']') => {
            let port = port.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                format!("--backup-endpoint {endpoint:?}: {port:?} is not a port; {shape}")
            })?;
            (host, port)
        }
        _ => (rest, 443),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(format!(
            "--backup-endpoint {endpoint:?} names no host; {shape}"
        ));
    }
    Ok((host.to_string(), port))
}

/// S3's bucket naming rules (3-63 characters: lower-case letters, digits,
/// '.' and '-', starting and ending with a letter or digit).
fn check_bucket(bucket: &str) -> Result<(), String> {
    let edge_ok = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let valid = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && edge_ok(bucket.as_bytes().first())
        && edge_ok(bucket.as_bytes().last())
        && !bucket.contains("..");
    if valid {
        Ok(())
    } else {
        Err(format!(
            "--backup-bucket {bucket:?} is not an S3 bucket name: 3 to 63 lower-case letters, digits, '.' and '-', starting and ending with a letter or digit"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_https_endpoint_with_or_without_a_port_is_a_target() {
        let target = Target::new("https://127.0.0.1:9443/", "nexus-backups", "us-east-1").unwrap();
        assert_eq!(
            (target.endpoint.as_str(), target.host.as_str(), target.port),
            ("https://127.0.0.1:9443", "127.0.0.1", 9443)
        );
        let target = Target::new("https://s3.example.com", "b.c-d", "eu-west-1").unwrap();
        assert_eq!((target.host.as_str(), target.port), ("s3.example.com", 443));
        let target = Target::new("https://[::1]:9000", "bkp", "x").unwrap();
        assert_eq!((target.host.as_str(), target.port), ("::1", 9000));
    }

    #[test]
    fn a_target_that_cannot_work_is_refused_naming_the_flag_and_the_fix() {
        for (endpoint, bucket, region, says) in [
            (
                "http://s3.local",
                "bkp",
                "r",
                "--backup-endpoint \"http://s3.local\" is plain http",
            ),
            ("s3.local", "bkp", "r", "is not an https URL"),
            (
                "https://s3.local/bucket",
                "bkp",
                "r",
                "must name only a host and port",
            ),
            (
                "https://s3.local:99999",
                "bkp",
                "r",
                "\"99999\" is not a port",
            ),
            ("https://", "bkp", "r", "must name only a host"),
            (
                "https://s3.local",
                "Backups",
                "r",
                "--backup-bucket \"Backups\" is not an S3 bucket name",
            ),
            ("https://s3.local", "b", "r", "is not an S3 bucket name"),
            ("https://s3.local", "-bkp", "r", "is not an S3 bucket name"),
            (
                "https://s3.local",
                "bkp",
                "",
                "--backup-region \"\" is not a region name",
            ),
        ] {
            let error = Target::new(endpoint, bucket, region).unwrap_err();
            assert!(
                error.contains(says),
                "{endpoint} {bucket} {region}: {error}"
            );
        }
    }
}
