//! `kubectl nexus dashboard` as alice on the test control plane: only her
//! browser gets in (the printed token, its own Host and Origin), and a real
//! browser (Debian's Chromium, headless) shows her stores and not bob's.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use assert_cmd::cargo::cargo_bin;
use common::stores::nexus_as;
use common::{TestNamespace, admin, kubeconfig};

async fn tenant(user: &str) -> TestNamespace {
    common::platform_installed().await;
    let admin = admin().await;
    let ns = TestNamespace::new(&admin, &format!("dash-{user}")).await;
    ns.grant(&admin, user, "nexus-tenant").await;
    ns
}

/// A running dashboard and the address it printed.
struct Dashboard {
    child: Child,
    url: String,
    host: String,
}

impl Dashboard {
    fn start(user: &str, namespace: &str) -> Self {
        let mut child = Command::new(cargo_bin("kubectl-nexus"))
            .arg(format!("--kubeconfig={}", kubeconfig(user).display()))
            .args(["-n", namespace, "dashboard", "--no-browser"])
            .env_remove("KUBECONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the dashboard");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("Nexus dashboard: ")
            .unwrap_or_else(|| panic!("no address printed: {line:?}"))
            .to_string();
        let host = url
            .strip_prefix("http://")
            .and_then(|rest| rest.split('/').next())
            .unwrap()
            .to_string();
        Dashboard { child, url, host }
    }

    fn token(&self) -> &str {
        self.url.split_once("token=").unwrap().1
    }

    /// One HTTP/1.0 exchange: status, headers, body.
    fn exchange(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (u16, String, String) {
        let mut stream = TcpStream::connect(&self.host).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut request = format!("{method} {path} HTTP/1.0\r\n");
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("host"))
        {
            request.push_str(&format!("Host: {}\r\n", self.host));
        }
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("Content-Length: 0\r\n\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, head.to_string(), body.to_string())
    }
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What Chromium (headless) shows at `url` once its scripts ran; with
/// `screenshot`, a picture of it too.
fn browser(url: &str, screenshot: Option<&std::path::Path>) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut command = Command::new("chromium");
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        // A container's small /dev/shm crashes Chromium's renderer.
        "--disable-dev-shm-usage",
        "--window-size=1280,800",
        "--virtual-time-budget=10000",
    ]);
    command.arg(format!("--user-data-dir={}", profile.path().display()));
    match screenshot {
        Some(file) => command.arg(format!("--screenshot={}", file.display())),
        None => command.arg("--dump-dom"),
    };
    let out = command.arg(url).output().expect("run chromium");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn create_store(user: &str, namespace: &str, name: &str) {
    let out = nexus_as(user, namespace)
        .args(["store", "create", name])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn only_the_browser_with_the_printed_token_gets_in() {
    let ns = tenant("alice").await;
    let dashboard = Dashboard::start("alice", &ns.name);
    // Nothing without the token; the token once signs a browser in.
    let (status, _, body) = dashboard.exchange("GET", "/api/stores", &[]);
    assert_eq!(status, 401, "{body}");
    assert!(
        body.contains("open the address kubectl nexus dashboard printed"),
        "{body}"
    );
    let (status, head, _) =
        dashboard.exchange("GET", &format!("/?token={}", dashboard.token()), &[]);
    assert_eq!(status, 303, "{head}");
    let cookie_line = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .expect("a cookie");
    assert!(
        cookie_line.contains("HttpOnly") && cookie_line.contains("SameSite=Strict"),
        "{cookie_line}"
    );
    // The sign-in's redirect stays on the dashboard, whatever path it was
    // given (`//host` would be another site to the browser).
    let away = format!("//attacker.example/?token={}", dashboard.token());
    let (status, head, _) = dashboard.exchange("GET", &away, &[]);
    assert_eq!(status, 303, "{head}");
    let location = head.lines().find_map(|l| {
        l.to_ascii_lowercase()
            .strip_prefix("location:")
            .map(|v| v.trim().to_string())
    });
    assert_eq!(location.as_deref(), Some("/"), "{head}");
    let cookie = format!("nexus_dashboard={}", dashboard.token());
    let (status, head, body) = dashboard.exchange("GET", "/api/stores", &[("Cookie", &cookie)]);
    assert_eq!(status, 200, "{body}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-security-policy: default-src 'self'"),
        "{head}"
    );
    // alice may not list stores across namespaces: her own is listed, and
    // the answer says which.
    let fleet: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(fleet["namespace"], ns.name.as_str(), "{body}");
    // A rebound name, another site's page, a write without the CSRF token.
    let (status, _, _) = dashboard.exchange(
        "GET",
        "/api/stores",
        &[("Host", "attacker.example"), ("Cookie", &cookie)],
    );
    assert_eq!(status, 403);
    let (status, _, _) = dashboard.exchange(
        "GET",
        "/api/stores",
        &[("Origin", "https://attacker.example"), ("Cookie", &cookie)],
    );
    assert_eq!(status, 403);
    let own = format!("http://{}", dashboard.host);
    let (status, _, body) = dashboard.exchange(
        "POST",
        "/api/stores",
        &[("Origin", &own), ("Cookie", &cookie)],
    );
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("CSRF"), "{body}");
}

#[tokio::test]
async fn alice_sees_her_stores_and_not_bobs_in_a_real_browser() {
    let alice = tenant("alice").await;
    let bob = tenant("bob").await;
    let hers = common::stores::store_name("hers");
    let his = common::stores::store_name("his");
    create_store("alice", &alice.name, &hers);
    create_store("bob", &bob.name, &his);
    let dashboard = Dashboard::start("alice", &alice.name);
    let page = browser(&dashboard.url, None);
    assert!(page.contains("<h1>Stores</h1>"), "{page}");
    assert!(!page.contains("null"), "{page}");
    assert!(
        page.contains(&format!("In namespace {}", alice.name)),
        "{page}"
    );
    assert!(page.contains(&hers), "her store is listed: {page}");
    assert!(!page.contains(&his), "bob's store is not: {page}");
    let store_page = browser(
        &format!("{}#/store/{}/{hers}", dashboard.url, alice.name),
        None,
    );
    assert!(store_page.contains("Conditions"), "{store_page}");
    assert!(!store_page.contains("null"), "{store_page}");
    assert!(
        store_page.contains(&format!("store-{hers}")),
        "{store_page}"
    );
    // Pictures for the README, from the run.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard");
    std::fs::create_dir_all(&dir).unwrap();
    browser(&dashboard.url, Some(&dir.join("fleet.png")));
    let store_url = format!("{}#/store/{}/{hers}", dashboard.url, alice.name);
    browser(&store_url, Some(&dir.join("store.png")));
    for picture in ["fleet.png", "store.png"] {
        assert!(std::fs::metadata(dir.join(picture)).unwrap().len() > 1000);
    }
}
