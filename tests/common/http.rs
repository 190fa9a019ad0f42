//! One HTTP/1.1 exchange on a connection of its own, for the tests that speak
//! to a local server directly (the dashboard, chromedriver): no client crate
//! for a handful of requests, and every byte of the request is the test's.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// What came back: the status, the head (status line and headers) and the body.
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Answer {
    /// A header's value, by a name in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
    }
}

/// Sends `method path` to `address` with `headers` and `body` (a Host header
/// of `address` unless one is given) and reads the answer. The body ends
/// where its Content-Length says, since a server may keep the connection open
/// whatever it is asked (chromedriver does), or at the connection's end when
/// it gives none.
pub fn exchange(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<Answer> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut request = format!("{method} {path} HTTP/1.1\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: {address}\r\n"));
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    stream.write_all(request.as_bytes())?;

    let mut received = Vec::new();
    let mut buffer = [0u8; 65536];
    let head_end = loop {
        if let Some(at) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let read = stream.read(&mut buffer)?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        received.extend_from_slice(&buffer[..read]);
    };
    let head = String::from_utf8_lossy(&received[..head_end]).into_owned();
    let mut answer = Answer {
        status: head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        head,
        body: String::new(),
    };
    let length: Option<usize> = answer.header("content-length").and_then(|v| v.parse().ok());
    let mut body = received.split_off(head_end + 4);
    while length.is_none_or(|length| body.len() < length) {
        let read = stream.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        body.extend_from_slice(&buffer[..read]);
    }
    answer.body = String::from_utf8_lossy(&body).into_owned();
    Ok(answer)
}
