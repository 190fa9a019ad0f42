//! The operator as a process of its own, out of cluster with the admin's
//! kubeconfig, as a platform engineer would run it to try it. Each test gets
//! its own Store selector and Lease, so tests running at once do not meet.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use assert_cmd::cargo::cargo_bin;

use super::{kubeconfig, unique_suffix};

pub const TEST_LABEL: &str = "nexus-tests/scope";

pub struct Operator {
    child: Option<Child>,
    pub log: PathBuf,
    pub metrics_port: u16,
    pub identity: String,
    _dir: tempfile::TempDir,
}

/// One test's operators: their Store selector and Lease. Dropped at the end
/// of the test (after its operators), it removes the test's stores and their
/// namespaces, so a shared cluster does not fill up with workloads.
pub struct Scope {
    pub id: String,
}

impl Drop for Scope {
    fn drop(&mut self) {
        // A webhook of the test's own goes first: with no operator left to
        // answer it, it would refuse the cleanup below.
        let webhook = format!("nexus-{}", self.id);
        for kind in [
            "mutatingwebhookconfiguration",
            "validatingwebhookconfiguration",
        ] {
            let _ = Command::new("kubectl")
                .arg(format!("--kubeconfig={}", kubeconfig("admin").display()))
                .args(["delete", kind, &webhook, "--ignore-not-found"])
                .output();
        }
        let _ = Command::new("kubectl")
            .arg(format!("--kubeconfig={}", kubeconfig("admin").display()))
            .args(["delete", "storepolicy", &webhook, "--ignore-not-found"])
            .output();
        let _ = Command::new("kubectl")
            .arg(format!("--kubeconfig={}", kubeconfig("admin").display()))
            .args(["-n", "default", "delete", "configmap", "-l"])
            .arg(format!("nexus.dev/policy={webhook}"))
            .output();
        let _ = Command::new("kubectl")
            .arg(format!("--kubeconfig={}", kubeconfig("admin").display()))
            .args(["-n", "default", "delete", "secret"])
            .arg(format!("nexus-webhook-{}", self.id))
            .arg(format!("nexus-webhook-token-{}", self.id))
            .arg("--ignore-not-found")
            .output();
        let selector = format!("{TEST_LABEL}={}", self.id);
        let kubectl = |args: &[&str]| {
            Command::new("kubectl")
                .arg(format!("--kubeconfig={}", kubeconfig("admin").display()))
                .args(args)
                .output()
        };
        let Ok(listed) = kubectl(&[
            "get",
            "stores",
            "-A",
            "-l",
            &selector,
            "-o",
            "jsonpath={range .items[*]}{.metadata.namespace} {.metadata.name}{\"\\n\"}{end}",
        ]) else {
            return;
        };
        for line in String::from_utf8_lossy(&listed.stdout).lines() {
            let Some((namespace, name)) = line.split_once(' ') else {
                continue;
            };
            // No operator is left to run the finalizer: do its work by hand.
            let _ = kubectl(&[
                "delete",
                "namespace",
                &format!("store-{name}"),
                "--wait=false",
                "--ignore-not-found",
            ]);
            let _ = kubectl(&[
                "patch",
                "store",
                name,
                "-n",
                namespace,
                "--type=merge",
                "-p",
                r#"{"metadata":{"finalizers":null}}"#,
            ]);
            let _ = kubectl(&[
                "delete",
                "store",
                name,
                "-n",
                namespace,
                "--wait=false",
                "--ignore-not-found",
            ]);
        }
    }
}

impl Scope {
    pub fn new() -> Self {
        Scope {
            id: format!("t{}", unique_suffix()),
        }
    }

    /// Flags that make an operator serve admission for this scope's stores
    /// on `port` (configurations, certificate Secret and StorePolicy
    /// `nexus-<scope>` of the scope's own).
    pub fn webhook_args(&self, port: u16) -> Vec<String> {
        vec![
            format!("--webhook-address=127.0.0.1:{port}"),
            format!("--webhook-url=https://127.0.0.1:{port}"),
            format!("--webhook-configuration=nexus-{}", self.id),
            format!("--webhook-secret=nexus-webhook-{}", self.id),
            format!("--policy=nexus-{}", self.id),
            format!("--webhook-token-secret=nexus-webhook-token-{}", self.id),
        ]
    }

    /// The token in the paths of this scope's webhook (an operator started
    /// with `webhook_args` made it in namespace `default`), as the API server
    /// is told it by the webhook configurations.
    pub async fn webhook_token(&self, admin: &kube::Client) -> String {
        let secrets =
            kube::Api::<k8s_openapi::api::core::v1::Secret>::namespaced(admin.clone(), "default");
        let secret = secrets
            .get(&format!("nexus-webhook-token-{}", self.id))
            .await
            .unwrap();
        String::from_utf8(secret.data.unwrap()["token"].0.clone()).unwrap()
    }

    /// The label that puts a Store in this test's scope.
    pub fn label(&self) -> (String, String) {
        (TEST_LABEL.to_string(), self.id.clone())
    }

    pub fn start(&self, name: &str, extra: &[&str]) -> Operator {
        self.start_as(name, &kubeconfig("admin"), extra)
    }

    /// Runs the operator with another identity's kubeconfig.
    pub fn start_as(&self, name: &str, kubeconfig: &std::path::Path, extra: &[&str]) -> Operator {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join(format!("{name}.log"));
        let metrics_port = free_port();
        let identity = format!("{}-{name}", self.id);
        let child = Command::new(cargo_bin("kubectl-nexus"))
            .arg("operator")
            .arg(format!("--kubeconfig={}", kubeconfig.display()))
            .arg(format!("--store-selector={TEST_LABEL}={}", self.id))
            .arg(format!("--lease-name=nexus-{}", self.id))
            .args(
                (!extra.iter().any(|a| a.starts_with("--lease-namespace=")))
                    .then_some("--lease-namespace=default"),
            )
            .arg(format!("--identity={identity}"))
            .arg(format!("--metrics-address=127.0.0.1:{metrics_port}"))
            .arg("--base-domain=shops.test")
            // kwok's pods never run a shopper: a store would wait for a
            // check that never reports. The real node's tests check first.
            .args(
                (!extra.iter().any(|a| a.starts_with("--check-before-ready")))
                    .then_some("--check-before-ready=false"),
            )
            .args(extra)
            .env_remove("KUBECONFIG")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start the operator");
        Operator {
            child: Some(child),
            log,
            metrics_port,
            identity,
            _dir: dir,
        }
    }
}

impl Operator {
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: no chance to release the lease or finish a reconcile.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM and wait: a graceful shutdown.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            for _ in 0..100 {
                if child.try_wait().ok().flatten().is_some() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().ok().flatten().is_none())
    }

    /// GET a path of the metrics server, None while it does not answer.
    pub async fn http_get(&self, path: &str) -> Option<(u16, String)> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", self.metrics_port))
            .await
            .ok()?;
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).await.ok()?;
        let code = response.split_whitespace().nth(1)?.parse().ok()?;
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        Some((code, body))
    }

    /// The value of a metric line that starts with `prefix`, 0 when absent.
    pub async fn metric(&self, prefix: &str) -> f64 {
        let Some((_, body)) = self.http_get("/metrics").await else {
            return 0.0;
        };
        body.lines()
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    }

    /// The sum of every series of a metric (all its label sets).
    pub async fn metric_sum(&self, name: &str) -> f64 {
        let Some((_, body)) = self.http_get("/metrics").await else {
            return 0.0;
        };
        body.lines()
            .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    /// Waits until the count of finished reconciles passes `above`.
    pub async fn wait_finished_above(&self, above: f64, seconds: u64) -> f64 {
        self.wait_metric_above("nexus_reconcile_duration_seconds_count", above, seconds)
            .await
    }

    /// Waits until the reconcile counter passes `above`.
    pub async fn wait_reconciles_above(&self, above: f64, seconds: u64) -> f64 {
        self.wait_metric_above("nexus_reconciles_total", above, seconds)
            .await
    }

    pub async fn wait_metric_above(&self, metric: &str, above: f64, seconds: u64) -> f64 {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
        loop {
            let now = self.metric(metric).await;
            if now > above {
                return now;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{metric} did not pass {above} within {seconds}s"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for Operator {
    fn drop(&mut self) {
        self.kill();
        // A failing test shows what its operators said (the log goes with its directory).
        // Its warnings come first: a wait that ran out is most often
        // explained by a reconcile that kept failing minutes before the end.
        if std::thread::panicking() {
            let logs = self.logs();
            let last = |lines: Vec<&str>, n: usize| -> Vec<String> {
                lines[lines.len().saturating_sub(n)..]
                    .iter()
                    .map(|l| l.to_string())
                    .collect()
            };
            let warnings = logs
                .lines()
                .filter(|l| l.contains(r#""level":"WARN""#) || l.contains(r#""level":"ERROR""#))
                .collect();
            eprintln!("--- warnings of operator {} ---", self.identity);
            for line in last(warnings, 30) {
                eprintln!("{line}");
            }
            eprintln!("--- last lines of operator {} ---", self.identity);
            for line in last(logs.lines().collect(), 30) {
                eprintln!("{line}");
            }
        }
    }
}

/// Waits until something listens on each of `ports` (a replica's webhook
/// has bound its port): behind a round robin, one replica answering says
/// nothing of the other, and a connection the round robin hands to a port
/// nobody listens on ends at once (the API server reports `EOF`).
pub async fn wait_until_listening(ports: &[u16]) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(90);
    for port in ports {
        while tokio::net::TcpStream::connect(("127.0.0.1", *port))
            .await
            .is_err()
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "nothing listens on 127.0.0.1:{port} after 90s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
