//! Stores on a node that runs real containers (`scripts/test-cluster.sh up
//! --real-node`): MariaDB, WordPress (Apache + PHP) and the setup Job run for
//! real from images built out of Debian packages (tests/cluster/images), with
//! NetworkPolicies enforced by kube-router, CoreDNS, and `local` volumes.
//!
//! Ignored in the fast suite (kwok): `.ci/run` runs them on their own cluster
//! with `cargo test --test real_node -- --ignored --test-threads=1`. One at a
//! time: a small store's pods request 0.9 CPU (requests are limits), and the
//! node has 2.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Output;
use std::time::{Duration, Instant};

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim, Pod, Secret, Service};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::api::{ListParams, Patch, PatchParams};
use kube::{Api, Client};
use nexus::api::{Phase, Store};

use common::Finished;
use common::operator::{Operator, Scope};
use common::read_child;
use common::stores::{store_yaml, wait_phase};
use common::{TestNamespace, cluster_dir, kubectl_output, kubectl_stdin, wait_for};

/// The images tests/cluster/images/build.sh makes and the node imports.
const WORDPRESS_IMAGE: &str = "nexus.local/wordpress:6.1";
const DATABASE_IMAGE: &str = "nexus.local/mariadb:10.11";
const SETUP_IMAGE: &str = "nexus.local/wordpress-cli:standin";
const NETCHECK_IMAGE: &str = "nexus.local/netcheck:1";
/// Where the real node keeps its `local` volumes (scripts/real-node.sh).
const VOLUMES: &str = "/var/lib/nexus-real-node/volumes";
const READY_WITHIN: u64 = 300;

/// Opens a TCP connection from wherever it runs: `open` or `closed: why`.
const CONNECT: &str = r#"$s = @fsockopen($argv[1], (int) $argv[2], $errno, $error, 3); echo $s ? "open" : "closed: $error ($errno)";"#;

fn node_ip() -> String {
    common::cluster_value(cluster_dir(), "node_ip")
}

/// A tenant namespace with alice, an ingress-controller namespace, and an
/// operator of the test's own that runs the node's images.
struct RealTenant {
    operator: Operator,
    scope: Scope,
    tenant: TestNamespace,
    ingress: TestNamespace,
    admin: Client,
}

/// A failing test shows the node's pods, Jobs and warnings as they were
/// when it failed (before its operator and namespaces go): on a slow CI
/// machine a wait that runs out is explained by what did not run.
impl Drop for RealTenant {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        let show = |title: &str, args: &[&str]| {
            let out = kubectl_output("admin", args, "");
            eprintln!("--- {title} ---");
            eprint!("{}", String::from_utf8_lossy(&out.stdout));
            eprint!("{}", String::from_utf8_lossy(&out.stderr));
        };
        show(
            "pods and Jobs on the node when the test failed",
            &["get", "pods,jobs", "-A", "-o", "wide", "--no-headers"],
        );
        let events = kubectl_output(
            "admin",
            &[
                "get",
                "events",
                "-A",
                "--field-selector=type=Warning",
                "--sort-by=.lastTimestamp",
                "--no-headers",
            ],
            "",
        );
        let events = String::from_utf8_lossy(&events.stdout).to_string();
        let lines: Vec<&str> = events.lines().collect();
        eprintln!("--- the last warning events ---");
        for line in &lines[lines.len().saturating_sub(20)..] {
            eprintln!("{line}");
        }
    }
}

impl RealTenant {
    async fn new(test: &str) -> Self {
        Self::with_setup_image(test, SETUP_IMAGE).await
    }

    async fn with_setup_image(test: &str, setup_image: &str) -> Self {
        Self::with_operator_flags(test, setup_image, &[]).await
    }

    async fn with_operator_flags(test: &str, setup_image: &str, extra: &[String]) -> Self {
        common::use_real_node();
        // Every store's first check runs the agent from the operator's image.
        import_operator_image();
        common::platform_installed().await;
        let admin = common::admin().await;
        let tenant = TestNamespace::new(&admin, test).await;
        tenant.grant(&admin, "alice", "nexus-tenant").await;
        let ingress = TestNamespace::new(&admin, &format!("{test}-ingress")).await;
        let scope = Scope::new();
        let operator = start_operator(&scope, &ingress.name, "a", setup_image, extra);
        RealTenant {
            operator,
            scope,
            tenant,
            ingress,
            admin,
        }
    }

    /// alice creates a store with `kubectl apply`.
    fn create_as_alice(&self, name: &str) {
        let yaml = store_yaml(&self.scope, &self.tenant.name, name, "");
        kubectl_stdin("alice", &["apply", "-f", "-"], &yaml);
    }

    async fn wait_ready(&self, name: &str) -> Store {
        wait_phase(
            &self.admin,
            &self.tenant.name,
            name,
            Phase::Ready,
            READY_WITHIN,
        )
        .await
    }

    fn stores(&self) -> Api<Store> {
        Api::namespaced(self.admin.clone(), &self.tenant.name)
    }
}

fn start_operator(
    scope: &Scope,
    ingress_namespace: &str,
    name: &str,
    setup_image: &str,
    extra: &[String],
) -> Operator {
    let ingress = format!("--ingress-namespace={ingress_namespace}");
    // The pod and service ranges only: the node's address, where the API
    // server listens on 443 as on managed clusters, is named by no flag. The
    // operator finds it (and the API server's endpoints) itself.
    let cluster = "--cluster-cidrs=10.0.0.0/8".to_string();
    let mut flags = vec![
        format!("--wordpress-image={WORDPRESS_IMAGE}"),
        format!("--database-image={DATABASE_IMAGE}"),
        format!("--setup-image={setup_image}"),
        "--wordpress-version=6.1.9".to_string(),
        // A store is Ready only once a shopper's check passed, as in production.
        "--check-before-ready=true".to_string(),
        ingress,
        cluster,
    ];
    flags.extend(extra.iter().cloned());
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    scope.start(name, &flags)
}

fn exec(namespace: &str, pod: &str, command: &[&str]) -> Output {
    let mut args = vec!["exec", "-n", namespace, pod, "--"];
    args.extend_from_slice(command);
    kubectl_output("admin", &args, "")
}

fn exec_ok(namespace: &str, pod: &str, command: &[&str]) -> String {
    exec(namespace, pod, command)
        .succeeded(&format!("exec {command:?} in {namespace}/{pod}"))
        .trim()
        .to_string()
}

/// Whether a TCP connection from `pod` to `host:port` opens.
fn connects(namespace: &str, pod: &str, host: &str, port: u16) -> String {
    exec_ok(
        namespace,
        pod,
        &["php", "-r", CONNECT, "--", host, &port.to_string()],
    )
}

async fn pod_of(admin: &Client, namespace: &str, component: &str) -> Pod {
    let pods = Api::<Pod>::namespaced(admin.clone(), namespace);
    let selector = format!("app.kubernetes.io/component={component}");
    let deadline = Instant::now() + Duration::from_secs(READY_WITHIN);
    loop {
        let listed = pods.list(&ListParams::default().labels(&selector)).await;
        if let Some(pod) = listed.ok().and_then(|l| {
            l.items.into_iter().find(|p| {
                p.metadata.deletion_timestamp.is_none()
                    && p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
            })
        }) {
            return pod;
        }
        assert!(
            Instant::now() < deadline,
            "no running {component} pod in {namespace}"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn pod_name(pod: &Pod) -> String {
    pod.metadata.name.clone().unwrap()
}

fn pod_ip(pod: &Pod) -> String {
    pod.status.as_ref().unwrap().pod_ip.clone().unwrap()
}

async fn service_ip(admin: &Client, namespace: &str, name: &str) -> String {
    read_child::<Service>(admin, namespace, name)
        .await
        .spec
        .unwrap()
        .cluster_ip
        .unwrap()
}

/// A plain HTTP/1.0 GET from the host (kube-proxy serves ClusterIPs here
/// too), following one redirect on the same address: (status, body).
fn http_get(ip: &str, host: &str, path: &str) -> std::io::Result<(u16, String)> {
    let mut path = path.to_string();
    for _ in 0..2 {
        let mut stream = TcpStream::connect((ip, 80))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        write!(
            stream,
            "GET {path} HTTP/1.0\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        let status: u16 = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let location = head.lines().find_map(|l| {
            l.strip_prefix("Location: ")
                .or_else(|| l.strip_prefix("location: "))
        });
        match (status, location) {
            (301 | 302, Some(to)) => {
                let to = to.trim();
                let after_scheme = to.split_once("://").map_or(to, |(_, rest)| rest);
                path = after_scheme
                    .find('/')
                    .map_or("/".to_string(), |i| after_scheme[i..].to_string());
            }
            _ => return Ok((status, body.to_string())),
        }
    }
    panic!("too many redirects from {host}{path}")
}

/// One HTTP/1.0 exchange with WordPress at `ip`: status, headers (names in
/// lower case) and body. No redirects followed.
fn http_exchange(
    ip: &str,
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Vec<(String, String)>, String) {
    let mut stream = TcpStream::connect((ip, 80)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut request = format!("{method} {path} HTTP/1.0\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
}

/// A guest's checkout through WooCommerce's Store API, as measured on real
/// WooCommerce (the notes' fact 7): the cart's Nonce and Cart-Token from a
/// Store API response, add the product, check out with Cash on Delivery.
/// Returns the order's id; asserts the refusals on the way.
fn guest_checkout(ip: &str, host: &str, country_state: &str) -> u64 {
    let (status, _, body) =
        http_exchange(ip, host, "GET", "/wp-json/wc/store/v1/products", &[], "");
    assert_eq!(status, 200, "{body}");
    let products: serde_json::Value = serde_json::from_str(&body).unwrap();
    let product = &products[0];
    assert_eq!(product["name"], "Sample product", "{body}");
    let (status, headers, body) =
        http_exchange(ip, host, "GET", "/wp-json/wc/store/v1/cart", &[], "");
    assert_eq!(status, 200, "{body}");
    let nonce = header(&headers, "nonce").to_string();
    let token = header(&headers, "cart-token").to_string();
    let item = format!(r#"{{"id":{},"quantity":1}}"#, product["id"]);
    // A write without the Nonce is refused as WooCommerce refuses it.
    let (status, _, body) = http_exchange(
        ip,
        host,
        "POST",
        "/wp-json/wc/store/v1/cart/add-item",
        &[("Cart-Token", &token)],
        &item,
    );
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("woocommerce_rest_missing_nonce"), "{body}");
    let auth = [("Nonce", nonce.as_str()), ("Cart-Token", token.as_str())];
    let (status, _, body) = http_exchange(
        ip,
        host,
        "POST",
        "/wp-json/wc/store/v1/cart/add-item",
        &auth,
        &item,
    );
    assert_eq!(status, 201, "{body}");
    let cart: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(cart["items_count"], 1, "{body}");
    assert_eq!(
        cart["payment_methods"],
        serde_json::json!(["cod"]),
        "{body}"
    );
    let address = |state: &str| {
        format!(
            r#"{{"first_name":"Guest","last_name":"Shopper","address_1":"1 Main St","city":"Springfield","state":"{state}","postcode":"62701","country":"US","email":"guest@example.com","phone":"555"}}"#
        )
    };
    let order = |state: &str| {
        format!(
            r#"{{"billing_address":{},"shipping_address":{},"payment_method":"cod"}}"#,
            address(state),
            address(state)
        )
    };
    // A US address needs its state (measured on WooCommerce 10.0.2).
    let (status, _, body) = http_exchange(
        ip,
        host,
        "POST",
        "/wp-json/wc/store/v1/checkout",
        &auth,
        &order(""),
    );
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("There was a problem with the provided shipping address: State is required"),
        "{body}"
    );
    let (status, _, body) = http_exchange(
        ip,
        host,
        "POST",
        "/wp-json/wc/store/v1/checkout",
        &auth,
        &order(country_state),
    );
    assert_eq!(status, 200, "{body}");
    let placed: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(placed["status"], "processing", "{body}");
    assert_eq!(
        placed["payment_result"]["payment_status"], "success",
        "{body}"
    );
    placed["order_id"].as_u64().unwrap()
}

/// The store's setup Job (one at a time, made again for each run) and
/// whether it completed.
async fn setup_job(admin: &Client, workload: &str) -> (Option<String>, bool) {
    let job = Api::<Job>::namespaced(admin.clone(), workload)
        .get("setup")
        .await
        .unwrap();
    let succeeded = job.status.as_ref().and_then(|s| s.succeeded).unwrap_or(0) > 0;
    (job.metadata.uid, succeeded)
}

fn store_host(store: &Store) -> String {
    let url = store.status.as_ref().unwrap().url.clone().unwrap();
    url.split_once("://")
        .map_or(url.as_str(), |(_, rest)| rest)
        .trim_end_matches('/')
        .to_string()
}

/// A pod that listens on 8080 and carries PHP for connection probes.
fn netcheck_pod(namespace: &str) -> String {
    netcheck_pod_as(namespace, "netcheck", r#"{"app": "netcheck"}"#, "{}")
}

/// A netcheck pod named `name` with `labels` and `resources` (JSON objects):
/// with a store's setup labels, the store's policies treat it as its setup.
fn netcheck_pod_as(namespace: &str, name: &str, labels: &str, resources: &str) -> String {
    let yaml = format!(
        r#"apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: {namespace}, labels: {labels}}}
spec:
  securityContext: {{runAsNonRoot: true, runAsUser: 65534, seccompProfile: {{type: RuntimeDefault}}}}
  containers:
  - name: netcheck
    image: {NETCHECK_IMAGE}
    command: [sh, -c, "echo ok >/tmp/index.html && exec busybox httpd -f -p 8080 -h /tmp"]
    resources: {resources}
    securityContext: {{allowPrivilegeEscalation: false, capabilities: {{drop: [ALL]}}}}
"#
    );
    kubectl_stdin("admin", &["apply", "-f", "-"], &yaml);
    kubectl_stdin(
        "admin",
        &[
            "wait",
            "-n",
            namespace,
            "--for=condition=Ready",
            &format!("pod/{name}"),
            "--timeout=120s",
        ],
        "",
    );
    name.to_string()
}

/// A pod in the store's namespace that the store's policies treat as its
/// setup Job's (the Job's pod labels and resources), running netcheck.
async fn setup_like_pod(admin: &Client, workload: &str) -> String {
    let job = read_child::<Job>(admin, workload, "setup").await;
    let template = job.spec.unwrap().template;
    let labels: std::collections::BTreeMap<String, String> = template
        .metadata
        .unwrap()
        .labels
        .unwrap_or_default()
        .into_iter()
        .filter(|(key, _)| key.starts_with("app.kubernetes.io/") || key.starts_with("nexus.dev/"))
        .collect();
    let resources = template.spec.unwrap().containers[0]
        .resources
        .clone()
        .unwrap_or_default();
    netcheck_pod_as(
        workload,
        "setup-probe",
        &serde_json::to_string(&labels).unwrap(),
        &serde_json::to_string(&resources).unwrap(),
    )
}

/// Writes a post through WordPress's own code in its pod: its id.
fn write_post(namespace: &str, pod: &str, title: &str) -> String {
    let code = r#"$_SERVER["HTTP_HOST"] = "localhost"; define("WP_USE_THEMES", false);
require "/var/www/html/wp-load.php";
echo wp_insert_post(array("post_title" => $argv[1], "post_status" => "publish", "post_type" => "post"), true);"#;
    let id = exec_ok(namespace, pod, &["php", "-r", code, "--", title]);
    assert!(
        id.parse::<u64>().is_ok(),
        "WordPress did not store the post: {id}"
    );
    id
}

/// Waits until WordPress answers `path` with 200 and a page holding `text`
/// (a new pod takes a moment to be Ready and behind its Service).
async fn wait_page(ip: &str, host: &str, path: &str, text: &str, after: &str) {
    let deadline = Instant::now() + Duration::from_secs(READY_WITHIN);
    loop {
        let (ip, host, page) = (ip.to_string(), host.to_string(), path.to_string());
        let answer = tokio::task::spawn_blocking(move || http_get(&ip, &host, &page))
            .await
            .unwrap();
        match answer {
            Ok((200, body)) if body.contains(text) => return,
            other => assert!(
                Instant::now() < deadline,
                "{path} after {after} does not show {text:?}: {other:?}"
            ),
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the real node: scripts/test-cluster.sh up --real-node"]
async fn a_store_becomes_ready_with_real_pods_even_when_the_operator_restarts_mid_way() {
    let mut fixture = RealTenant::new("real-ready").await;
    let name = common::stores::store_name("real");
    let workload = format!("store-{name}");
    let started = Instant::now();
    fixture.create_as_alice(&name);

    // Mid-provisioning (the database runs, setup has not finished), the
    // operator dies; its successor finishes the work.
    let database = pod_of(&fixture.admin, &workload, "database").await;
    fixture.operator.kill();
    let _successor = start_operator(&fixture.scope, &fixture.ingress.name, "b", SETUP_IMAGE, &[]);
    let store = fixture.wait_ready(&name).await;
    let to_ready = started.elapsed();

    // MariaDB took the generated credentials: the store's own user reads the
    // site WordPress installed (the setup Job's work) with them.
    let blogname = exec_ok(
        &workload,
        &pod_name(&database),
        &[
            "sh",
            "-c",
            "mariadb -u\"$MARIADB_USER\" -p\"$MARIADB_PASSWORD\" \"$MARIADB_DATABASE\" --skip-column-names \
             -e \"SELECT option_value FROM wp_options WHERE option_name = 'blogname'\"",
        ],
    );
    assert_eq!(blogname, name, "the site's title as the setup installed it");
    let root_refused = exec(
        &workload,
        &pod_name(&database),
        &["mariadb", "-uroot", "-pwrong", "-e", "SELECT 1"],
    );
    assert!(
        !root_refused.status.success(),
        "root must need its generated password"
    );

    let jobs = Api::<Job>::namespaced(fixture.admin.clone(), &workload);
    let setup = jobs.get("setup").await.unwrap();
    assert_eq!(setup.status.unwrap().succeeded, Some(1), "setup completed");

    // WordPress started once: its init container placed core and the
    // image's themes and plugins in the volumes the kubelet made, without a
    // crash, and the image's entrypoint found them there.
    let wordpress = pod_of(&fixture.admin, &workload, "wordpress").await;
    let status = wordpress.status.clone().unwrap_or_default();
    let restarts: Vec<(String, i32)> = status
        .container_statuses
        .unwrap_or_default()
        .into_iter()
        .chain(status.init_container_statuses.unwrap_or_default())
        .map(|c| (c.name, c.restart_count))
        .collect();
    assert_eq!(
        restarts.len(),
        2,
        "WordPress and its init container: {restarts:?}"
    );
    assert!(
        restarts.iter().all(|(_, count)| *count == 0),
        "WordPress restarted: {restarts:?}"
    );
    let themes = exec_ok(
        &workload,
        &pod_name(&wordpress),
        &["ls", "-A", "/var/www/html/wp-content/themes"],
    );
    assert!(
        themes.contains("twentytwentythree"),
        "the image's theme: {themes}"
    );
    assert!(
        !themes.contains(".nexus-copy"),
        "no copy left half way: {themes}"
    );
    // The setup's own profile: how long each of its steps took.
    let log = common::kubectl(
        "admin",
        &["logs", "-n", &workload, "job/setup", "-c", "setup"],
    );
    let timeline: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with("nexus setup: step ") || l.starts_with("nexus setup: complete"))
        .collect();
    assert!(
        timeline
            .iter()
            .any(|l| l.starts_with("nexus setup: complete in ")),
        "{log}"
    );

    // WordPress serves pages rendered from the database, through its Service.
    let ip = service_ip(&fixture.admin, &workload, "wordpress").await;
    let (status, body) = http_get(&ip, &store_host(&store), "/").unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(&format!("<title>{name}")),
        "the title from the database: {body}"
    );
    assert!(
        body.contains(&format!("Shop of {name}")),
        "the shop page the setup made is the front page: {body}"
    );

    // A guest buys the sample product with Cash on Delivery; the order is a
    // row of WooCommerce's order table.
    let order = guest_checkout(&ip, &store_host(&store), "IL");
    let stored = exec_ok(
        &workload,
        &pod_name(&database),
        &[
            "sh",
            "-c",
            &format!(
                "mariadb -u\"$MARIADB_USER\" -p\"$MARIADB_PASSWORD\" \"$MARIADB_DATABASE\" --skip-column-names \
                 -e \"SELECT status, payment_method, billing_email FROM wp_wc_orders WHERE id = {order}\""
            ),
        ],
    );
    assert_eq!(
        stored, "wc-processing\tcod\tguest@example.com",
        "order {order}"
    );
    // Its emails go out (the image's Store API records each it would send;
    // a check's order sends none: see data_survives_...).
    let sent = store_sql(
        &workload,
        &pod_name(&database),
        "SELECT option_value FROM wp_options WHERE option_name = 'nexus_standin_emails'",
    );
    for email in ["new_order", "customer_processing_order"] {
        assert!(sent.contains(&format!("{email} {order}")), "{sent}");
    }
    println!(
        "real node: store {name} Ready {:.1}s after create (operator killed once); node processes' RSS: {}\nreal node: the setup's steps:\n  {}",
        to_ready.as_secs_f64(),
        node_memory(),
        timeline.join("\n  ")
    );
}

/// Resident memory of the node's own processes (containerd, kubelet,
/// kube-proxy, kube-router), from their pid files.
fn node_memory() -> String {
    let mut parts = Vec::new();
    for name in ["containerd", "kubelet", "proxy", "kube-router"] {
        let pid = std::fs::read_to_string(cluster_dir().join(format!("pids/{name}.pid")))
            .unwrap_or_default();
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", pid.trim())).unwrap_or_default();
        let rss = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| "?".into());
        parts.push(format!("{name} {rss}"));
    }
    parts.join(", ")
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the real node: scripts/test-cluster.sh up --real-node"]
async fn stores_are_isolated_from_each_other_the_cluster_and_strangers() {
    let fixture = RealTenant::new("real-isolation").await;
    let (a, b) = (
        common::stores::store_name("iso-a"),
        common::stores::store_name("iso-b"),
    );
    fixture.create_as_alice(&a);
    fixture.create_as_alice(&b);
    fixture.wait_ready(&a).await;
    fixture.wait_ready(&b).await;
    let (workload_a, workload_b) = (format!("store-{a}"), format!("store-{b}"));
    let admin = &fixture.admin;
    let wordpress_a = pod_name(&pod_of(admin, &workload_a, "wordpress").await);
    let database_b = pod_of(admin, &workload_b, "database").await;
    let wordpress_b_ip = service_ip(admin, &workload_b, "wordpress").await;
    let wordpress_a_ip = service_ip(admin, &workload_a, "wordpress").await;

    // A stranger in the tenant's namespace and the ingress controller.
    let stranger = netcheck_pod(&fixture.tenant.name);
    let ingress = netcheck_pod(&fixture.ingress.name);
    let stranger_ip = pod_ip(&read_child::<Pod>(admin, &fixture.tenant.name, &stranger).await);
    // The stranger's server answers where no policy stands in the way.
    assert_eq!(
        connects(&fixture.ingress.name, &ingress, &stranger_ip, 8080),
        "open"
    );

    // DNS works and WordPress reaches its own database.
    assert_eq!(
        connects(&workload_a, &wordpress_a, "database", 3306),
        "open"
    );

    // The operator left the node's address (where the API server listens)
    // out of the store's egress by itself: no flag names it.
    let node = node_ip();
    let egress = read_child::<NetworkPolicy>(admin, &workload_a, "allow-store-egress").await;
    let except: Vec<String> = egress.spec.unwrap().egress.unwrap()[1].to.as_ref().unwrap()[0]
        .ip_block
        .as_ref()
        .unwrap()
        .except
        .clone()
        .unwrap_or_default();
    assert!(
        except.contains(&format!("{node}/32")),
        "the store's egress does not leave out the node {node}: {except:?}"
    );

    // A port in the NodePort range on the node: kube-router accepts it from
    // every pod before any pod's policy (docs/security.md). The test cluster
    // keeps its own components out of that range for this reason.
    let node_port_listener = (30000..32768)
        .find_map(|port| std::net::TcpListener::bind((node.as_str(), port)).ok())
        .expect("a free port in the NodePort range");
    let node_port = node_port_listener.local_addr().unwrap().port();
    // A NodePort Service in front of the ingress namespace's pod: kube-proxy
    // forwards it to that pod, where the store's egress policy applies.
    let service = format!(
        r#"{{"apiVersion": "v1", "kind": "Service", "metadata": {{"name": "netcheck", "namespace": "{}"}},
"spec": {{"type": "NodePort", "selector": {{"app": "netcheck"}}, "ports": [{{"port": 8080, "targetPort": 8080}}]}}}}"#,
        fixture.ingress.name
    );
    kubectl_stdin("admin", &["apply", "-f", "-"], &service);
    let node_port_service = read_child::<Service>(admin, &fixture.ingress.name, "netcheck")
        .await
        .spec
        .unwrap()
        .ports
        .unwrap()[0]
        .node_port
        .unwrap();
    let node_port_service = u16::try_from(node_port_service).unwrap();

    let api_port = common::cluster_port(cluster_dir(), "api_port");
    let api_cluster_ip = service_ip(admin, "default", "kubernetes").await;
    let internet = common::cluster_value(cluster_dir(), "internet_ip");
    let database_b_dns = format!("database.{workload_b}.svc.cluster.local");
    let setup_a = setup_like_pod(admin, &workload_a).await;
    let ingress_ip = pod_ip(&read_child::<Pod>(admin, &fixture.ingress.name, &ingress).await);
    for probe in [&wordpress_a, &setup_a] {
        // A new pod is unfiltered until kube-router programs its chain
        // (about a second): wait for that once, on the other store's
        // database, then every path is checked once.
        let sentinel_deadline = Instant::now() + Duration::from_secs(30);
        while !connects(&workload_a, probe, &pod_ip(&database_b), 3306).starts_with("closed") {
            assert!(
                Instant::now() < sentinel_deadline,
                "{probe}'s firewall was not programmed within 30 s"
            );
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let paths: [(&str, &str, u16, &str); 14] = [
            (
                "the other store's database",
                &pod_ip(&database_b),
                3306,
                "closed",
            ),
            (
                "the other store's database by name",
                &database_b_dns,
                3306,
                "closed",
            ),
            ("the other store's WordPress", &wordpress_b_ip, 80, "closed"),
            (
                "the API server by Service name",
                "kubernetes.default.svc.cluster.local",
                443,
                "closed",
            ),
            (
                "the API server by ClusterIP",
                &api_cluster_ip,
                443,
                "closed",
            ),
            ("the API server at its endpoint", &node, api_port, "closed"),
            ("the kubelet", &node, 10250, "closed"),
            ("cloud metadata", "169.254.169.254", 80, "closed"),
            ("a stranger pod", &stranger_ip, 8080, "closed"),
            (
                "the ingress controller's namespace",
                &ingress_ip,
                8080,
                "closed",
            ),
            (
                "a NodePort Service to a pod out of reach",
                &node,
                node_port_service,
                "closed",
            ),
            (
                "a NodePort-range port on the node",
                &node,
                node_port,
                "open",
            ),
            ("the internet on 80", &internet, 80, "open"),
            ("the internet on 443", &internet, 443, "open"),
        ];
        for (what, host, port, expected) in paths {
            let answer = connects(&workload_a, probe, host, port);
            assert!(
                answer.starts_with(expected),
                "from store {a}'s {probe}, {what} ({host}:{port}) should be {expected}: {answer}"
            );
        }
    }
    drop(node_port_listener);
    // Store B's database does not take store A's WordPress, nor a stranger.
    assert!(
        connects(&fixture.tenant.name, &stranger, &pod_ip(&database_b), 3306).starts_with("closed")
    );

    // Only the ingress controller's namespace reaches WordPress.
    assert_eq!(
        connects(&fixture.ingress.name, &ingress, &wordpress_a_ip, 80),
        "open"
    );
    let answer = connects(&fixture.tenant.name, &stranger, &wordpress_a_ip, 80);
    assert!(
        answer.starts_with("closed"),
        "a pod outside the ingress namespace reached WordPress: {answer}"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the real node and the operator image: scripts/test-cluster.sh up --real-node; scripts/build-image.sh"]
async fn data_survives_pods_suspend_and_resume_and_goes_with_the_store() {
    // The check pod runs the agent from the operator's image.
    import_operator_image();
    let fixture = RealTenant::new("real-data").await;
    let name = common::stores::store_name("data");
    let workload = format!("store-{name}");
    fixture.create_as_alice(&name);
    let store = fixture.wait_ready(&name).await;
    let admin = &fixture.admin;
    let host = store_host(&store);
    let ip = service_ip(admin, &workload, "wordpress").await;

    let wordpress = pod_name(&pod_of(admin, &workload, "wordpress").await);
    let title = format!("kept-{}", common::unique_suffix());
    let post = write_post(&workload, &wordpress, &title);
    let path = format!("/?p={post}");
    wait_page(&ip, &host, &path, &title, "writing it").await;

    // alice checks her shop as a shopper would: every step passes, and the
    // store is Healthy.
    let tenant = fixture.tenant.name.clone();
    let database = pod_name(&pod_of(admin, &workload, "database").await);
    let check_with = |expect_pass: bool, extra: &[&str]| {
        let out = common::stores::nexus_as("alice", &tenant)
            .args(["store", "check", &name, "-o", "json", "--timeout", "5m"])
            .args(extra)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert_eq!(
            out.status.success(),
            expect_pass,
            "{stdout}{}",
            out.stderr_text()
        );
        serde_json::from_str::<serde_json::Value>(&stdout).unwrap()
    };
    let check = |expect_pass: bool| check_with(expect_pass, &[]);
    let passed = check(true);
    let steps: Vec<(String, u64)> = passed["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["step"].as_str().unwrap().to_string(),
                s["httpStatus"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [("home", 200), ("product", 200), ("add-to-cart", 201)];
    assert_eq!(steps, expected.map(|(s, h)| (s.to_string(), h)), "{passed}");
    let healthy = |store: &Store| {
        let conditions = &store.status.as_ref().unwrap().conditions;
        let c = nexus::api::conditions::find(conditions, "Healthy").expect("Healthy");
        (c.status.clone(), c.message.clone())
    };
    assert_eq!(
        healthy(&fixture.stores().get(&name).await.unwrap()).0,
        "True"
    );
    // Nothing left behind: the check's Job is gone, and the cart is empty.
    let jobs = Api::<Job>::namespaced(admin.clone(), &workload);
    let gone = Instant::now() + Duration::from_secs(30);
    while jobs.get_opt("check").await.unwrap().is_some() {
        assert!(Instant::now() < gone, "the check Job outlived its check");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }

    // With --checkout a guest also buys the store's hidden check product with
    // Cash on Delivery: the order is placed, deleted at once, and no email
    // goes out for it (the image's Store API records each email it would
    // send); to anyone without the store's check token the product is not
    // for sale, and no shopper sees it listed.
    let orders = || store_sql(&workload, &database, "SELECT COUNT(*) FROM wp_wc_orders");
    let emails = || {
        store_sql(
            &workload,
            &database,
            "SELECT COUNT(*) FROM wp_options WHERE option_name = 'nexus_standin_emails'",
        )
    };
    let (orders_before, emails_before) = (orders(), emails());
    let bought = check_with(true, &["--checkout"]);
    let last = bought["steps"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (
            last["step"].as_str(),
            last["passed"].as_bool(),
            last["httpStatus"].as_u64()
        ),
        (Some("checkout"), Some(true), Some(200)),
        "{bought}"
    );
    assert_eq!(orders(), orders_before, "the check's order was deleted");
    assert_eq!(emails(), emails_before, "no email for the check's order");
    let (status, _, body) = http_exchange(
        &ip,
        &host,
        "GET",
        "/wp-json/wc/store/v1/products/nexus-check",
        &[("X-Nexus-Check", "a-guess-at-the-token-0123456789abcdefghij")],
        "",
    );
    assert_eq!(status, 200, "{body}");
    let product: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(product["is_purchasable"], false, "{body}");
    let (status, _, body) =
        http_exchange(&ip, &host, "GET", "/wp-json/wc/store/v1/products", &[], "");
    assert_eq!(status, 200, "{body}");
    assert!(
        !body.contains("nexus-check"),
        "the check product is listed: {body}"
    );

    // Nothing to buy: the check fails at product, and says so.
    store_sql(
        &workload,
        &database,
        "UPDATE wp_posts SET post_status='draft' WHERE post_type='product' AND post_status='publish'",
    );
    let failed = check(false);
    let last = failed["steps"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["step"].as_str(), last["passed"].as_bool()),
        (Some("product"), Some(false)),
        "{failed}"
    );
    assert!(
        last["message"]
            .as_str()
            .unwrap()
            .contains("no product a guest can buy"),
        "{failed}"
    );
    let (status, message) = healthy(&fixture.stores().get(&name).await.unwrap());
    assert_eq!(status, "False");
    assert!(message.starts_with("step product (HTTP 200)"), "{message}");
    // A blog for a home page: the check fails at home.
    store_sql(
        &workload,
        &database,
        "UPDATE wp_posts SET post_status='publish' WHERE post_type='product' AND post_status='draft'",
    );
    store_sql(
        &workload,
        &database,
        "UPDATE wp_options SET option_value='posts' WHERE option_name='show_on_front'",
    );
    let failed = check(false);
    let first = &failed["steps"][0];
    assert_eq!(
        (first["step"].as_str(), first["httpStatus"].as_u64()),
        (Some("home"), Some(200)),
        "{failed}"
    );
    assert!(
        first["message"].as_str().unwrap().contains("not the shop"),
        "{failed}"
    );
    store_sql(
        &workload,
        &database,
        "UPDATE wp_options SET option_value='page' WHERE option_name='show_on_front'",
    );
    check(true);

    // Both pods go; their successors find the data on the volumes.
    let database = pod_name(&pod_of(admin, &workload, "database").await);
    kubectl_output(
        "admin",
        &["delete", "pod", "-n", &workload, &database, &wordpress],
        "",
    );
    wait_page(&ip, &host, &path, &title, "deleting both pods").await;

    // Suspend, as alice would from the README: no pods at all; resume: the
    // same data. The store says Suspended only once its pods are gone
    // (MariaDB takes seconds to stop; the workloads report zero replicas at
    // once).
    as_alice_waiting(&tenant, &["store", "suspend", &name]).succeeded("store suspend --wait");
    let left = Api::<Pod>::namespaced(admin.clone(), &workload)
        .list(&ListParams::default().labels("app.kubernetes.io/component in (database,wordpress)"))
        .await
        .unwrap()
        .items;
    let left: Vec<String> = left.iter().map(pod_name).collect();
    assert!(left.is_empty(), "Suspended with pods left: {left:?}");
    as_alice_waiting(&tenant, &["store", "resume", &name]).succeeded("store resume --wait");
    wait_page(&ip, &host, &path, &title, "suspend and resume").await;

    // A bigger plan reaches the running store: its WordPress and MariaDB
    // are replaced with the plan's sizes, on the same data, before --wait
    // returns.
    let components = ["wordpress", "database"];
    let mut before = Vec::new();
    for component in components {
        before.push(pod_of(admin, &workload, component).await);
    }
    // alice made the store with kubectl apply, whose manager got the
    // defaulted plan: the CLI takes it over only when told to.
    let update = ["store", "update", &name, "--plan", "medium"];
    let refused = as_alice_waiting(&tenant, &update);
    assert!(
        refused
            .stderr_text()
            .contains("spec.plan is managed by \"kubectl-client-side-apply\""),
        "{}",
        refused.stderr_text()
    );
    let update = [&update[..], &["--force-conflicts"]].concat();
    as_alice_waiting(&tenant, &update).succeeded("store update --plan medium --wait");
    let plans = nexus::settings::Plans::default();
    let medium = plans.get(nexus::api::Plan::Medium);
    for (component, before) in components.into_iter().zip(before) {
        let after = pod_of(admin, &workload, component).await;
        assert_ne!(
            after.metadata.uid, before.metadata.uid,
            "a new {component} pod"
        );
        let spec = after.spec.clone().unwrap();
        let container = spec
            .containers
            .into_iter()
            .find(|c| c.name == component)
            .expect("the component's container");
        let limits = container.resources.unwrap().limits.unwrap();
        let size = match component {
            "wordpress" => &medium.wordpress,
            _ => &medium.database,
        };
        assert_eq!(limits["cpu"].0, size.cpu, "{component}: {limits:?}");
        assert_eq!(limits["memory"].0, size.memory, "{component}: {limits:?}");
    }
    wait_page(&ip, &host, &path, &title, "the plan change").await;

    // Its own domain: the setup runs again, the Ingress moves to the new
    // host, and the shop's pages name it.
    let (setup_before, _) = setup_job(admin, &workload).await;
    let domain = format!("shop-{}.example.com", common::unique_suffix());
    as_alice_waiting(&tenant, &["store", "update", &name, "--domain", &domain])
        .succeeded("store update --domain --wait");
    let (setup_after, completed) = setup_job(admin, &workload).await;
    assert!(
        setup_after != setup_before && completed,
        "the setup ran again for the new domain"
    );
    let ingress: k8s_openapi::api::networking::v1::Ingress =
        read_child(admin, &workload, "wordpress").await;
    let hosts: Vec<String> = ingress
        .spec
        .unwrap()
        .rules
        .unwrap_or_default()
        .into_iter()
        .filter_map(|r| r.host)
        .collect();
    assert_eq!(hosts, std::slice::from_ref(&domain));
    wait_page(&ip, &domain, &path, &title, "the domain change").await;
    let (_, page) = http_get(&ip, &domain, &path).unwrap();
    assert!(
        page.contains(&format!("http://{domain}/")),
        "links name the new host: {page}"
    );
    assert!(
        !page.contains(&format!("http://{host}/")),
        "no link names the old host: {page}"
    );

    // Deleting the store removes its volumes, on the node too.
    let claims = Api::<PersistentVolumeClaim>::namespaced(admin.clone(), &workload)
        .list(&ListParams::default())
        .await
        .unwrap();
    let volumes: Vec<String> = claims
        .items
        .iter()
        .filter_map(|c| c.spec.as_ref()?.volume_name.clone())
        .collect();
    assert_eq!(volumes.len(), 2, "database and wp-content volumes");
    for volume in &volumes {
        assert!(std::path::Path::new(VOLUMES).join(volume).is_dir());
    }
    common::kubectl(
        "alice",
        &[
            "delete",
            "store",
            &name,
            "-n",
            &fixture.tenant.name,
            "--wait=true",
            "--timeout=300s",
        ],
    );
    let pvs = Api::<PersistentVolume>::all(admin.clone());
    let deadline = Instant::now() + Duration::from_secs(120);
    for volume in &volumes {
        while pvs.get_opt(volume).await.unwrap().is_some() {
            assert!(
                Instant::now() < deadline,
                "volume {volume} outlived its store"
            );
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let path = std::path::Path::new(VOLUMES).join(volume);
        assert!(!path.exists(), "{} is still on the node", path.display());
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the real node: scripts/test-cluster.sh up --real-node"]
async fn a_container_over_its_memory_limit_is_oom_killed_and_the_store_says_so() {
    let fixture = RealTenant::new("real-limits").await;
    let name = common::stores::store_name("oom");
    let workload = format!("store-{name}");
    fixture.create_as_alice(&name);
    fixture.wait_ready(&name).await;
    let admin = &fixture.admin;

    // MariaDB fills a MEMORY table far past the small plan's 384Mi: the
    // kernel kills the server, not the query.
    let database = pod_name(&pod_of(admin, &workload, "database").await);
    let hog = exec(
        &workload,
        &database,
        &[
            "sh",
            "-c",
            "mariadb -uroot -p\"$MARIADB_ROOT_PASSWORD\" \"$MARIADB_DATABASE\" -e \"SET SESSION max_heap_table_size = 4294967296; \
             CREATE TEMPORARY TABLE hog (v VARCHAR(4000)) ENGINE=MEMORY; \
             INSERT INTO hog SELECT REPEAT('x', 4000) FROM seq_1_to_400000\"",
        ],
    );
    assert!(
        !hog.status.success(),
        "the query outlived the memory limit: {}",
        String::from_utf8_lossy(&hog.stdout)
    );
    // The kubelet reports why the container ended.
    let pods = Api::<Pod>::namespaced(admin.clone(), &workload);
    let oom_killed = |p: Option<&Pod>| {
        p.and_then(|p| p.status.as_ref())
            .and_then(|s| s.container_statuses.as_ref())
            .into_iter()
            .flatten()
            .flat_map(|c| [c.state.as_ref(), c.last_state.as_ref()])
            .flatten()
            .filter_map(|s| s.terminated.as_ref())
            .any(|t| t.reason.as_deref() == Some("OOMKilled"))
    };
    wait_for(&pods, &database, 60, "its container OOM-killed", oom_killed).await;

    // The store says so while the database comes back, then is Ready again.
    let stores = fixture.stores();
    let says_oom = |s: Option<&Store>| {
        s.and_then(|s| s.status.as_ref())
            .map(|st| {
                st.conditions
                    .iter()
                    .any(|c| c.message.contains("OOM-killed"))
            })
            .unwrap_or(false)
    };
    let reported = wait_for(
        &stores,
        &name,
        120,
        "a condition naming the OOM kill",
        says_oom,
    )
    .await;
    assert_ne!(reported.phase(), Phase::Ready);
    fixture.wait_ready(&name).await;

    // The quota refuses a pod beyond the plan and the room it keeps for a
    // replacement WordPress pod (within the LimitRange's per-container
    // maximum, so the quota is what says no).
    let greedy = format!(
        r#"apiVersion: v1
kind: Pod
metadata: {{name: greedy, namespace: {workload}}}
spec:
  securityContext: {{runAsNonRoot: true, runAsUser: 65534, seccompProfile: {{type: RuntimeDefault}}}}
  containers:
  - name: greedy
    image: {NETCHECK_IMAGE}
    command: [sleep, "60"]
    resources: {{requests: {{cpu: "1", memory: 256Mi}}, limits: {{cpu: "1", memory: 256Mi}}}}
    securityContext: {{allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {{drop: [ALL]}}}}
"#
    );
    let refused = kubectl_output("admin", &["apply", "-f", "-"], &greedy);
    let error = refused.stderr_text();
    assert!(
        !refused.status.success() && error.contains("exceeded quota"),
        "a pod beyond the plan: {error}"
    );
}

/// The operator's image, as `scripts/build-image.sh` leaves it.
fn operator_image_archive() -> std::path::PathBuf {
    let version = env!("CARGO_PKG_VERSION");
    let root = common::repo_root();
    let archive = root.join(format!("target/image/kubectl-nexus-{version}.oci.tar"));
    assert!(
        archive.exists(),
        "no operator image: run scripts/build-image.sh (.ci/run does) to build {}",
        archive.display()
    );
    // Built from this commit, not an older one.
    let index: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root.join(format!("target/image/kubectl-nexus-{version}/index.json")))
            .unwrap(),
    )
    .unwrap();
    let manifest = index["manifests"][0]["digest"].as_str().unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root.join(format!(
            "target/image/kubectl-nexus-{version}/blobs/sha256/{}",
            manifest.trim_start_matches("sha256:")
        )))
        .unwrap(),
    )
    .unwrap();
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert_eq!(
        manifest["annotations"]["org.opencontainers.image.revision"].as_str(),
        Some(String::from_utf8_lossy(&head.stdout).trim()),
        "the operator image is from another commit: run scripts/build-image.sh"
    );
    archive
}

/// The operator's image (this commit's) in the node's image store.
fn import_operator_image() {
    let archive = operator_image_archive();
    let imported = std::process::Command::new("ctr")
        .args([
            "--address",
            "/run/nexus-real-node/containerd.sock",
            "-n",
            "k8s.io",
            "images",
            "import",
        ])
        .arg(&archive)
        .output()
        .unwrap();
    imported.succeeded("import the operator image");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the real node and the operator image: scripts/test-cluster.sh up --real-node; scripts/build-image.sh"]
async fn the_operator_runs_in_the_cluster_from_its_image_and_its_webhook_answers_through_its_service()
 {
    common::use_real_node();
    import_operator_image();
    common::platform_installed().await;
    let admin = common::admin().await;

    let tenant = TestNamespace::new(&admin, "real-platform-tenant").await;
    tenant.grant(&admin, "alice", "nexus-tenant").await;
    let ingress = TestNamespace::new(&admin, "real-platform-ingress").await;
    let platform = TestNamespace::new(&admin, "real-platform").await;
    let scope = Scope::new();
    let (key, value) = scope.label();
    let release = format!("nx{}", &platform.name[platform.name.len() - 6..]);
    let api_port = common::cluster_port(cluster_dir(), "api_port");
    let values = format!(
        r#"image: {{tag: "{version}", pullPolicy: Never}}
replicas: 1
operator:
  baseDomain: shops.test
  storeSelector: "{key}={value}"
  ingressNamespace: {ingress}
  clusterCidrs: "10.0.0.0/8,{node}/32"
engines:
  wordpressImage: {WORDPRESS_IMAGE}
  wordpressVersion: "6.1.9"
  databaseImage: {DATABASE_IMAGE}
  setupImage: {SETUP_IMAGE}
# The API server listens on {api_port} behind the kubernetes Service.
networkPolicy: {{apiServerPorts: [443, {api_port}]}}
podDisruptionBudget: {{enabled: false}}
"#,
        version = env!("CARGO_PKG_VERSION"),
        ingress = ingress.name,
        node = node_ip(),
    );
    let dir = tempfile::tempdir().unwrap();
    let values_path = dir.path().join("values.yaml");
    std::fs::write(&values_path, values).unwrap();
    let chart = common::repo_root().join("charts/nexus");
    let installed = common::helm(&[
        "install",
        &release,
        chart.to_str().unwrap(),
        "-n",
        &platform.name,
        "-f",
        values_path.to_str().unwrap(),
        "--take-ownership",
        "--force-conflicts",
        "--wait",
        "--timeout=180s",
    ]);
    let _release = common::HelmRelease {
        name: release.clone(),
        namespace: platform.name.clone(),
    };
    let operator_pods = || {
        kubectl_output(
            "admin",
            &["get", "pods", "-n", &platform.name, "-o", "wide"],
            "",
        )
    };
    assert!(
        installed.status.success(),
        "helm install: {}{}\n{}",
        String::from_utf8_lossy(&installed.stdout),
        installed.stderr_text(),
        String::from_utf8_lossy(&operator_pods().stdout)
    );

    // One real pod of the image, as the chart's ServiceAccount.
    let pods = Api::<Pod>::namespaced(admin.clone(), &platform.name);
    let running = pods.list(&ListParams::default()).await.unwrap().items;
    let operator = running
        .iter()
        .find(|p| {
            p.metadata
                .name
                .as_deref()
                .unwrap_or("")
                .starts_with(&release)
        })
        .expect("the operator's pod");
    let spec = operator.spec.as_ref().unwrap();
    assert_eq!(
        spec.service_account_name.as_deref(),
        Some(format!("{release}-operator").as_str())
    );
    assert_eq!(
        spec.containers[0].image.as_deref(),
        Some(format!("nexus.dev/kubectl-nexus:{}", env!("CARGO_PKG_VERSION")).as_str())
    );

    // alice's store goes through the webhook (the API server calls it at its
    // Service): the mutating webhook records her as the owner.
    let name = common::stores::store_name("incluster");
    let yaml = store_yaml(&scope, &tenant.name, &name, "");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        // The webhook's certificate reaches the API server once the
        // operator injected its CA: until then the webhook refuses.
        let out = kubectl_output("alice", &["create", "-f", "-"], &yaml);
        if out.status.success() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "alice's store was not admitted: {}\n{}",
            out.stderr_text(),
            String::from_utf8_lossy(&operator_pods().stdout)
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let store = wait_phase(&admin, &tenant.name, &name, Phase::Ready, READY_WITHIN).await;
    let annotations = store.metadata.annotations.clone().unwrap_or_default();
    assert_eq!(
        annotations.get("nexus.dev/owner").map(String::as_str),
        Some("alice")
    );
    let workload = format!("store-{name}");
    let ip = service_ip(&admin, &workload, "wordpress").await;
    wait_page(
        &ip,
        &store_host(&store),
        "/",
        &format!("Shop of {name}"),
        "provisioning by the in-cluster operator",
    )
    .await;
    drop(scope);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the real node: scripts/test-cluster.sh up --real-node"]
async fn a_new_store_whose_check_pod_cannot_run_says_why_while_it_waits() {
    // An agent image nobody can pull: every part runs, the first check
    // cannot, and the store says so rather than waiting in silence until
    // its provisioning timeout.
    let absent = "nexus.local/no-such-agent:1";
    let fixture = RealTenant::with_operator_flags(
        "real-check-stuck",
        SETUP_IMAGE,
        &[format!("--agent-image={absent}")],
    )
    .await;
    let name = common::stores::store_name("stuck");
    fixture.create_as_alice(&name);
    let ready = |s: Option<&Store>| {
        let status = s.and_then(|s| s.status.as_ref())?;
        nexus::api::conditions::find(&status.conditions, "Ready").cloned()
    };
    let stuck = |s: Option<&Store>| {
        ready(s).is_some_and(|c| c.reason == "Checking" && c.message.contains("cannot run"))
    };
    let store = common::wait_for(
        &fixture.stores(),
        &name,
        READY_WITHIN,
        "its check pod's trouble in its status",
        stuck,
    )
    .await;
    assert_eq!(store.phase(), Phase::Provisioning);
    let message = ready(Some(&store)).unwrap().message;
    assert!(
        message.starts_with("every part runs; its check cannot run: pod check-")
            && message.contains(absent),
        "{message}"
    );
    println!("real node: a store whose check cannot run says: {message}");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the real node: scripts/test-cluster.sh up --real-node"]
async fn wordpress_takes_no_traffic_before_its_setup_completed() {
    // A setup image with no shell: the setup never runs, so the site is
    // never installed and must never be offered to anyone.
    let fixture = RealTenant::with_setup_image("real-unrouted", "nexus.local/pause:1").await;
    let admin = fixture.admin.clone();
    let name = common::stores::store_name("unrouted");
    let workload = format!("store-{name}");
    fixture.create_as_alice(&name);
    let wordpress = pod_of(&admin, &workload, "wordpress").await;
    let wordpress_ip = pod_ip(&wordpress);
    // Apache answers inside its pod (the installer is up)...
    let deadline = Instant::now() + Duration::from_secs(120);
    let listening = || {
        let out = exec(
            &workload,
            &pod_name(&wordpress),
            &["php", "-r", CONNECT, "--", "127.0.0.1", "80"],
        );
        String::from_utf8_lossy(&out.stdout).trim() == "open"
    };
    // (A pod may be Running a moment before its container takes an exec.)
    while !listening() {
        assert!(Instant::now() < deadline, "Apache never listened");
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    // ...but not even the ingress controller reaches it.
    let controller = netcheck_pod(&fixture.ingress.name);
    let answer = connects(&fixture.ingress.name, &controller, &wordpress_ip, 80);
    assert!(
        answer.starts_with("closed"),
        "the ingress namespace reached an uninstalled WordPress: {answer}"
    );
    let store = fixture.stores().get(&name).await.unwrap();
    assert_ne!(store.phase(), Phase::Ready);
}

/// A platform with backups: the cluster's S3 server (reached by pods at the
/// node's address), a bucket of the test's own, the platform's identity,
/// and an operator configured for them running the node's images.
struct BackupPlatform {
    fixture: RealTenant,
    s3: common::s3::ObjectStore,
    bucket: String,
    /// The object store's port on the node.
    port: u16,
    identity: age::x25519::Identity,
}

impl BackupPlatform {
    async fn new(test: &str) -> Self {
        common::use_real_node();
        import_operator_image();
        common::platform_installed().await;
        let admin = common::admin().await;
        // Pods reach the object store at the node's address (its certificate names it).
        let mut s3 = common::s3::ObjectStore::of_cluster();
        let port = common::cluster_port(cluster_dir(), "s3_port");
        s3.endpoint = format!("https://{}:{port}", node_ip());
        let bucket = format!("nexus-real-{}", common::unique_suffix());
        s3.make_bucket(&bucket);
        let secret = format!("backup-real-{}", common::unique_suffix());
        common::backups::credentials(&admin, &secret, &s3.access_key, &s3.secret_key).await;
        let identity = age::x25519::Identity::generate();
        let flags = vec![
            format!("--backup-endpoint={}", s3.endpoint),
            format!("--backup-bucket={bucket}"),
            format!("--backup-credentials-secret={secret}"),
            format!("--backup-recipient={}", identity.to_public()),
            format!("--backup-ca={}", s3.ca),
            format!(
                "--backup-agent-image=nexus.dev/kubectl-nexus:{}",
                env!("CARGO_PKG_VERSION")
            ),
        ];
        let fixture = RealTenant::with_operator_flags(test, SETUP_IMAGE, &flags).await;
        BackupPlatform {
            fixture,
            s3,
            bucket,
            port,
            identity,
        }
    }
}

/// The master secret every store's own identity derives from (the test's
/// operators run in `default`).
async fn platform_master(admin: &Client) -> Vec<u8> {
    Api::<Secret>::namespaced(admin.clone(), "default")
        .get("nexus-backup-master")
        .await
        .unwrap()
        .data
        .unwrap()["master"]
        .0
        .clone()
}

/// A backup of a live store on the real node: the store's own MariaDB
/// dumps in one transaction, the agent (the operator's image) seals and
/// stores the parts with presigned URLs, and the operator reads the
/// manifest back. What is stored opens with the platform's identity to the
/// rows and files the store holds; WordPress itself cannot even open a
/// connection to the object store.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the real node and the operator image: scripts/test-cluster.sh up --real-node; scripts/build-image.sh"]
async fn a_backup_of_a_live_store_holds_its_rows_and_files_and_only_its_job_reaches_the_object_store()
 {
    use common::backups::{file_in_tar, open_part, wait_backup};
    use nexus::api::backup::BackupPhase;
    let BackupPlatform {
        fixture,
        s3,
        bucket,
        port,
        identity,
    } = BackupPlatform::new("real-backup").await;
    let admin = fixture.admin.clone();
    let name = common::stores::store_name("bk");
    let workload = format!("store-{name}");
    fixture.create_as_alice(&name);
    let store = fixture.wait_ready(&name).await;
    let uid = store.metadata.uid.clone().unwrap();

    // Rows through WordPress's own code, and an upload.
    let wordpress = pod_name(&pod_of(&admin, &workload, "wordpress").await);
    let titles: Vec<String> = (0..3)
        .map(|i| format!("backed-up-{i}-{}", common::unique_suffix()))
        .collect();
    for title in &titles {
        write_post(&workload, &wordpress, title);
    }
    let upload = r#"@mkdir("/var/www/html/wp-content/uploads/2026", 0775, true);
$bytes = ""; for ($i = 0; $i < 200000; $i++) { $bytes .= chr(($i * 7919) % 251); }
file_put_contents("/var/www/html/wp-content/uploads/2026/receipt.bin", $bytes);
echo hash("sha256", $bytes);"#;
    let uploaded = exec_ok(&workload, &wordpress, &["php", "-r", upload]);
    let database = pod_name(&pod_of(&admin, &workload, "database").await);
    let posts: u64 = exec_ok(
        &workload,
        &database,
        &[
            "sh",
            "-c",
            "mariadb -u\"$MARIADB_USER\" -p\"$MARIADB_PASSWORD\" \"$MARIADB_DATABASE\" --skip-column-names -e 'SELECT COUNT(*) FROM wp_posts'",
        ],
    )
    .parse()
    .unwrap();

    // alice takes the backup and waits for it.
    let taken = backup_as_alice(&fixture.tenant.name, &name);
    assert_eq!(taken["phase"], "Completed", "{taken}");
    let backup = taken["name"].as_str().unwrap().to_string();
    let done = wait_backup(
        &admin,
        &fixture.tenant.name,
        &backup,
        BackupPhase::Completed,
        READY_WITHIN,
    )
    .await;
    let status = done.status.unwrap();
    let complete = nexus::api::conditions::find(&status.conditions, "Complete");
    assert_eq!(
        complete.map(|c| c.status.as_str()),
        Some("True"),
        "{status:?}"
    );
    let manifest = status.manifest.expect("a manifest summary");
    assert_eq!(manifest.rows.get("wp_posts"), Some(&posts), "{manifest:?}");
    assert_eq!(manifest.mariadb_version, "10.11");
    // Its tenant reads the backup in the store's audit trail.
    let records = common::backups::backup_records("alice", &fixture.tenant.name, &name);
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["outcome"], "succeeded", "{records:?}");
    let completed = format!(
        "backup {backup} completed, {} bytes",
        status.size_bytes.unwrap()
    );
    assert!(
        records[0]["details"]
            .as_str()
            .unwrap()
            .starts_with(&completed),
        "{records:?}"
    );

    // What is stored is what the status says, and opens to the store's data.
    let get = |part: &str| {
        let file = tempfile::NamedTempFile::new().unwrap();
        let out = s3.signed(
            &s3.secret_key,
            "GET",
            &format!("/{bucket}/{uid}/{backup}/{part}"),
            b"",
            &["-o", file.path().to_str().unwrap()],
        );
        assert_eq!(common::s3::status(out), "200", "GET {part}");
        std::fs::read(file.path()).unwrap()
    };
    for part in &manifest.parts {
        let bytes = get(&part.name);
        assert_eq!(bytes.len() as u64, part.bytes, "{}", part.name);
        let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
        let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, part.sha256, "{}", part.name);
    }
    let sealed = get("database.sql.gz.age");
    let dump = String::from_utf8(open_part(&identity, &sealed)).unwrap();
    // The store's own identity, derived from the operator's master secret,
    // opens it too (a restore of this store is given that one).
    let master = platform_master(&admin).await;
    let own = nexus::backup::keys::store_identity(&master, &uid).unwrap();
    assert!(open_part(&own, &sealed) == dump.as_bytes());
    for title in &titles {
        assert!(dump.contains(title.as_str()), "the dump lacks {title}");
    }
    assert!(dump.contains("-- Dump completed"));
    let content = open_part(&identity, &get("content.tar.gz.age"));
    let receipt = file_in_tar(&content, "uploads/2026/receipt.bin").expect("the upload");
    let digest = ring::digest::digest(&ring::digest::SHA256, &receipt);
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, uploaded, "the upload came back changed");

    // The Job and its URLs are gone; WordPress cannot reach the object store.
    let jobs = Api::<Job>::namespaced(admin.clone(), &workload);
    assert!(jobs.get_opt("backup").await.unwrap().is_none());
    let reach = connects(&workload, &wordpress, &node_ip(), port);
    assert!(
        reach.starts_with("closed"),
        "WordPress reached the object store: {reach}"
    );
}

/// `query` as the store's own database user, its answer without headers.
fn store_sql(namespace: &str, pod: &str, query: &str) -> String {
    let script = r#"mariadb -u"$MARIADB_USER" -p"$MARIADB_PASSWORD" "$MARIADB_DATABASE" --skip-column-names -e "$1""#;
    exec_ok(namespace, pod, &["sh", "-c", script, "sh", query])
}

/// The databases of the store's server (as its root).
fn databases(namespace: &str, pod: &str) -> String {
    let script =
        r#"mariadb -uroot -p"$MARIADB_ROOT_PASSWORD" --skip-column-names -e 'SHOW DATABASES'"#;
    exec_ok(namespace, pod, &["sh", "-c", script])
}

/// CHECKSUM TABLE of the tables a shop's content lives in.
fn content_checksums(namespace: &str, pod: &str) -> String {
    store_sql(
        namespace,
        pod,
        "CHECKSUM TABLE wp_posts, wp_postmeta, wp_users, wp_terms, wp_term_relationships",
    )
}

/// Writes `bytes` (a pattern of `seed`) at `path` under wp-content as
/// WordPress would; its hex SHA-256.
fn upload(namespace: &str, pod: &str, path: &str, seed: u32) -> String {
    let code = r#"$path = "/var/www/html/wp-content/" . $argv[1];
@mkdir(dirname($path), 0775, true);
$bytes = ""; for ($i = 0; $i < 200000; $i++) { $bytes .= chr(($i * (int) $argv[2]) % 251); }
file_put_contents($path, $bytes);
echo hash("sha256", $bytes);"#;
    exec_ok(
        namespace,
        pod,
        &["php", "-r", code, "--", path, &seed.to_string()],
    )
}

/// The hex SHA-256 of a file under wp-content, or `absent`.
fn uploaded(namespace: &str, pod: &str, path: &str) -> String {
    let code = r#"$path = "/var/www/html/wp-content/" . $argv[1];
echo file_exists($path) ? hash_file("sha256", $path) : "absent";"#;
    exec_ok(namespace, pod, &["php", "-r", code, "--", path])
}

/// The data of the store's own Secrets (its database's, its salts, its
/// admin's), by name.
async fn store_secrets(admin: &Client, namespace: &str) -> Vec<(String, String)> {
    let mut secrets: Vec<(String, String)> = Api::<Secret>::namespaced(admin.clone(), namespace)
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        // Not the URLs' of a backup or restore on its way out.
        .filter(|s| !matches!(s.metadata.name.as_deref(), Some("backup" | "restore")))
        .map(|s| {
            let name = s.metadata.name.clone().unwrap();
            (name, serde_json::to_string(&s.data).unwrap())
        })
        .collect();
    secrets.sort();
    secrets
}

/// alice runs `kubectl nexus ARGS --wait --timeout 5m -o json`.
fn as_alice_waiting(tenant: &str, args: &[&str]) -> Output {
    common::stores::nexus_as("alice", tenant)
        .args(args)
        .args(["--wait", "--timeout", "5m", "-o", "json"])
        .output()
        .unwrap()
}

/// alice backs `store` up and waits; the backup as `-o json` prints it.
fn backup_as_alice(tenant: &str, store: &str) -> serde_json::Value {
    let taken = as_alice_waiting(tenant, &["store", "backup", store]);
    serde_json::from_str(&taken.succeeded("store backup --wait")).unwrap()
}

/// alice restores `store` from `backup` and waits; the command's output.
fn restore_as_alice(tenant: &str, store: &str, backup: &str) -> Output {
    as_alice_waiting(tenant, &["store", "restore", store, "--from", backup])
}

/// An in-place restore on the real node, against a real S3 server: after
/// more writes, the store is put back to its backup (the later posts and
/// files gone, the earlier ones byte for byte, CHECKSUM TABLE identical),
/// Ready at the same URL with the same secrets. A part that is not the one
/// stored is refused before anything is touched, and a dump whose load
/// fails half-way leaves the store on the data it had; both say why on the
/// Restore and on the store.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the real node and the operator image: scripts/test-cluster.sh up --real-node; scripts/build-image.sh"]
async fn a_store_restored_in_place_is_back_at_its_backup_and_a_failed_restore_leaves_it_as_it_was()
{
    use common::backups::{audit_records, open_part, seal_part, sha256};
    use nexus::api::backup::Backup;
    use nexus::api::restore::Restore;
    let BackupPlatform {
        fixture,
        s3,
        bucket,
        ..
    } = BackupPlatform::new("real-restore").await;
    let admin = fixture.admin.clone();
    let tenant = fixture.tenant.name.clone();
    let name = common::stores::store_name("rs");
    let workload = format!("store-{name}");
    fixture.create_as_alice(&name);
    let store = fixture.wait_ready(&name).await;
    let uid = store.metadata.uid.clone().unwrap();
    let host = store_host(&store);
    let ip = service_ip(&admin, &workload, "wordpress").await;
    let wordpress = pod_name(&pod_of(&admin, &workload, "wordpress").await);
    let database = pod_name(&pod_of(&admin, &workload, "database").await);

    // What the backup holds: posts, an upload.
    let kept = format!("kept-{}", common::unique_suffix());
    let kept_post = write_post(&workload, &wordpress, &kept);
    let receipt = upload(&workload, &wordpress, "uploads/2026/receipt.bin", 7919);
    let checksums = content_checksums(&workload, &database);
    let backup = backup_as_alice(&tenant, &name)["name"]
        .as_str()
        .unwrap()
        .to_string();
    let secrets = store_secrets(&admin, &workload).await;

    // Later writes: a post, the upload changed, another file.
    let later = format!("later-{}", common::unique_suffix());
    let later_post = write_post(&workload, &wordpress, &later);
    upload(&workload, &wordpress, "uploads/2026/receipt.bin", 104_729);
    upload(&workload, &wordpress, "uploads/2026/later.bin", 13);
    assert_ne!(content_checksums(&workload, &database), checksums);

    // alice restores: the store is back at its backup.
    let out = restore_as_alice(&tenant, &name, &backup);
    let restored: serde_json::Value =
        serde_json::from_str(&out.succeeded("store restore --wait")).unwrap();
    assert_eq!(restored["phase"], "Completed", "{restored}");
    assert_eq!(restored["backup"], backup.as_str());
    assert_eq!(content_checksums(&workload, &database), checksums);
    let titled = |title: &str| {
        store_sql(
            &workload,
            &database,
            &format!("SELECT COUNT(*) FROM wp_posts WHERE post_title = '{title}'"),
        )
    };
    assert_eq!(titled(&kept), "1");
    assert_eq!(titled(&later), "0");
    assert_eq!(
        uploaded(&workload, &wordpress, "uploads/2026/receipt.bin"),
        receipt
    );
    assert_eq!(
        uploaded(&workload, &wordpress, "uploads/2026/later.bin"),
        "absent"
    );
    // Ready, at the same address, with the same secrets, serving the kept
    // post and no longer the later one; nothing of the restore is left.
    let store = fixture.wait_ready(&name).await;
    assert_eq!(store_host(&store), host);
    assert_eq!(store_secrets(&admin, &workload).await, secrets);
    wait_page(
        &ip,
        &host,
        &format!("/?p={kept_post}"),
        &kept,
        "the restore",
    )
    .await;
    let later_page = http_get(&ip, &host, &format!("/?p={later_post}")).unwrap();
    assert_eq!(later_page.0, 404, "the later post is still served");
    let dbs = databases(&workload, &database);
    assert!(!dbs.contains("_restore"), "{dbs}");
    assert_eq!(uploaded(&workload, &wordpress, ".nexus-restore"), "absent");
    let condition = |store: &Store| {
        let c =
            nexus::api::conditions::find(&store.status.as_ref().unwrap().conditions, "Restored")
                .cloned()
                .expect("a Restored condition");
        (c.status, c.reason)
    };
    assert_eq!(condition(&store), ("True".into(), "Completed".into()));
    let records = audit_records("alice", &tenant, &name, "restore");
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["outcome"], "succeeded", "{records:?}");
    // The backup was proven to restore: loaded into a scratch MariaDB in the
    // platform's namespace, its rows matching the manifest.
    let backups = Api::<Backup>::namespaced(admin.clone(), &tenant);
    let verdict = |result: &'static str| {
        move |b: Option<&Backup>| {
            b.and_then(|b| b.status.as_ref()?.verified.as_ref())
                .is_some_and(|v| v.result == result)
        }
    };
    let verified = common::wait_for(
        &backups,
        &backup,
        READY_WITHIN,
        "Restorable",
        verdict("Restorable"),
    )
    .await;
    let verification = verified.status.unwrap().verified.unwrap();
    assert!(
        verification
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("rows matched the manifest"),
        "{verification:?}"
    );

    // A part that is not the one stored: refused before anything is touched.
    let database_part = format!("/{bucket}/{uid}/{backup}/database.sql.gz.age");
    let genuine = s3.get(&database_part).unwrap();
    let mut tampered = genuine.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 1;
    s3.put(&database_part, &tampered);
    write_post(
        &workload,
        &wordpress,
        &format!("after-{}", common::unique_suffix()),
    );
    let before = content_checksums(&workload, &database);
    let out = restore_as_alice(&tenant, &name, &backup);
    let said = out.failed_saying("PartTampered");
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("runs on its data from before"), "{said}");
    assert_eq!(content_checksums(&workload, &database), before);
    let store = fixture.wait_ready(&name).await;
    assert_eq!(condition(&store), ("False".into(), "PartTampered".into()));
    s3.put(&database_part, &genuine);

    // A dump that fails to load half-way (forged with the store's own key,
    // and recorded on its Backup as stored, as only the platform could):
    // the store stays on the data it had.
    let master = platform_master(&admin).await;
    let own = nexus::backup::keys::store_identity(&master, &uid).unwrap();
    let dump = String::from_utf8(open_part(&own, &genuine)).unwrap();
    let lines: Vec<&str> = dump.lines().collect();
    let half = lines.len() / 2;
    let broken = format!(
        "{}\nINSERT INTO `wp_posts` VALUES (this is not SQL;\n{}\n",
        lines[..half].join("\n"),
        lines[half..].join("\n")
    );
    let forged = seal_part(&own.to_public(), broken.as_bytes());
    s3.put(&database_part, &forged);
    let manifest_path = format!("/{bucket}/{uid}/{backup}/manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&s3.get(&manifest_path).unwrap()).unwrap();
    manifest["parts"][0]["size"] = serde_json::json!(forged.len());
    manifest["parts"][0]["sha256"] = serde_json::json!(sha256(&forged));
    s3.put(&manifest_path, &serde_json::to_vec(&manifest).unwrap());
    let mut summary = backups
        .get(&backup)
        .await
        .unwrap()
        .status
        .unwrap()
        .manifest
        .unwrap();
    summary.parts[0].bytes = forged.len() as u64;
    summary.parts[0].sha256 = sha256(&forged);
    backups
        .patch_status(
            &backup,
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"status": {"manifest": summary}})),
        )
        .await
        .unwrap();
    // Checked again on request: it does not restore, and says why.
    let asked =
        serde_json::json!({"metadata": {"annotations": {"nexus.dev/verify": "after-forging"}}});
    backups
        .patch(&backup, &PatchParams::default(), &Patch::Merge(&asked))
        .await
        .unwrap();
    let refused = common::wait_for(
        &backups,
        &backup,
        READY_WITHIN,
        "NotRestorable",
        verdict("NotRestorable"),
    )
    .await;
    let verification = refused.status.unwrap().verified.unwrap();
    assert_eq!(
        verification.reason.as_deref(),
        Some("LoadFailed"),
        "{verification:?}"
    );
    assert_eq!(verification.request.as_deref(), Some("after-forging"));
    let out = restore_as_alice(&tenant, &name, &backup);
    let said = out.failed_saying("LoadFailed");
    assert!(said.contains("ERROR 1064"), "{said}");
    assert_eq!(content_checksums(&workload, &database), before);
    let dbs = databases(&workload, &database);
    assert!(
        !dbs.contains("_restore") && !dbs.contains("_before_restore"),
        "{dbs}"
    );
    assert_eq!(uploaded(&workload, &wordpress, ".nexus-restore"), "absent");
    let store = fixture.wait_ready(&name).await;
    assert_eq!(condition(&store), ("False".into(), "LoadFailed".into()));
    wait_page(
        &ip,
        &host,
        &format!("/?p={kept_post}"),
        &kept,
        "a failed restore",
    )
    .await;
    let failed: Vec<Restore> = Api::<Restore>::namespaced(admin.clone(), &tenant)
        .list(&ListParams::default())
        .await
        .unwrap()
        .items;
    let reasons: Vec<Option<String>> = failed
        .iter()
        .map(|r| r.status.as_ref().and_then(|s| s.reason.clone()))
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    // Its Job and the Secret with the store's identity go.
    let jobs = Api::<Job>::namespaced(admin.clone(), &workload);
    let secrets = Api::<Secret>::namespaced(admin.clone(), &workload);
    let deadline = Instant::now() + Duration::from_secs(60);
    while jobs.get_opt("restore").await.unwrap().is_some()
        || secrets.get_opt("restore").await.unwrap().is_some()
    {
        assert!(
            Instant::now() < deadline,
            "the restore Job or its Secret stays"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Whether `password` signs the store's admin in, as WordPress checks it.
fn admin_signs_in(namespace: &str, pod: &str, password: &str) -> bool {
    let code = r#"$_SERVER["HTTP_HOST"] = "localhost"; define("WP_USE_THEMES", false);
require "/var/www/html/wp-load.php";
$user = get_user_by("login", "admin");
echo $user && wp_check_password($argv[1], $user->user_pass, $user->ID) ? "yes" : "no";"#;
    exec_ok(namespace, pod, &["php", "-r", code, "--", password]) == "yes"
}

/// The rows a clone keeps as they were: CHECKSUM TABLE of the shop's
/// tables the clone's setup does not rewrite (orders, product and post
/// meta, terms, comments), and a digest of every post with its links
/// mapped back from `to` to `from` (the only change a clone makes there).
fn kept_rows(namespace: &str, pod: &str, from: &str, to: &str) -> String {
    let checksums = store_sql(
        namespace,
        pod,
        "CHECKSUM TABLE wp_wc_orders, wp_postmeta, wp_terms, wp_term_taxonomy, wp_term_relationships, wp_comments",
    );
    let checksums: Vec<&str> = checksums
        .lines()
        .map(|line| line.split_once('\t').map_or(line, |(_, sum)| sum))
        .collect();
    let posts = store_sql(
        namespace,
        pod,
        &format!(
            "SELECT MD5(GROUP_CONCAT(ID, post_title, post_status, post_type, post_date, guid, REPLACE(post_content, '{to}', '{from}') ORDER BY ID SEPARATOR '|')) FROM wp_posts"
        ),
    );
    format!("{} {posts}", checksums.join(" "))
}

/// The issue's first case on the real node: posts, a Cash on Delivery order
/// and an upload written through WordPress; backed up; the store deleted; a
/// new store made from that backup holds the same rows (CHECKSUM TABLE) and
/// byte-identical files, at its own address (every link moved), with its
/// own secrets (its admin signs in with its own password, not the
/// source's), and nothing of the load left behind.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the real node and the operator image: scripts/test-cluster.sh up --real-node; scripts/build-image.sh"]
async fn a_store_cloned_from_a_deleted_stores_backup_has_its_data_at_its_own_address() {
    use common::backups::audit_records;
    let BackupPlatform { fixture, .. } = BackupPlatform::new("real-clone").await;
    let admin = fixture.admin.clone();
    let tenant = fixture.tenant.name.clone();
    let name = common::stores::store_name("src");
    let workload = format!("store-{name}");
    fixture.create_as_alice(&name);
    let store = fixture.wait_ready(&name).await;
    let host = store_host(&store);
    let ip = service_ip(&admin, &workload, "wordpress").await;
    let wordpress = pod_name(&pod_of(&admin, &workload, "wordpress").await);
    let database = pod_name(&pod_of(&admin, &workload, "database").await);

    let kept = format!("kept-{}", common::unique_suffix());
    let kept_post = write_post(&workload, &wordpress, &kept);
    store_sql(
        &workload,
        &database,
        &format!(
            "UPDATE wp_posts SET post_content = 'Our shop: <a href=\"http://{host}/shop/\">http://{host}/shop/</a>' WHERE ID = {kept_post}"
        ),
    );
    let order = guest_checkout(&ip, &host, "IL");
    let receipt = upload(&workload, &wordpress, "uploads/2026/receipt.bin", 7919);
    let rows = kept_rows(&workload, &database, "", "");
    let source_secrets = store_secrets(&admin, &workload).await;
    let source_password = admin_password(&admin, &workload).await;
    let backup = backup_as_alice(&tenant, &name)["name"]
        .as_str()
        .unwrap()
        .to_string();
    common::stores::nexus_as("alice", &tenant)
        .args([
            "store",
            "delete",
            &name,
            "--yes",
            "--skip-final-backup",
            "--wait",
            "--timeout",
            "5m",
        ])
        .output()
        .unwrap()
        .succeeded("store delete --wait");

    // The clone, under another name (and so another address).
    let copy = common::stores::store_name("copy");
    let copy_workload = format!("store-{copy}");
    let (key, value) = fixture.scope.label();
    let out = common::stores::nexus_as("alice", &tenant)
        .args([
            "store",
            "create",
            &copy,
            "--from-backup",
            &backup,
            "-l",
            &format!("{key}={value}"),
            "--wait",
            "--timeout",
            "10m",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let view: serde_json::Value = serde_json::from_str(&out.succeeded("clone --wait")).unwrap();
    assert_eq!(view["phase"], "Ready", "{view}");
    let clone = fixture.wait_ready(&copy).await;
    let copy_host = store_host(&clone);
    assert_ne!(copy_host, host);
    let copy_ip = service_ip(&admin, &copy_workload, "wordpress").await;
    let copy_wordpress = pod_name(&pod_of(&admin, &copy_workload, "wordpress").await);
    let copy_database = pod_name(&pod_of(&admin, &copy_workload, "database").await);

    // The same rows and files; only the links moved, to the clone's address.
    let from = format!("http://{host}");
    let to = format!("http://{copy_host}");
    assert_eq!(
        kept_rows(&copy_workload, &copy_database, &from, &to),
        rows,
        "the clone's rows differ from its backup's"
    );
    assert_eq!(
        uploaded(&copy_workload, &copy_wordpress, "uploads/2026/receipt.bin"),
        receipt
    );
    let orders = store_sql(
        &copy_workload,
        &copy_database,
        &format!("SELECT COUNT(*) FROM wp_wc_orders WHERE id = {order} AND payment_method = 'cod'"),
    );
    assert_eq!(orders, "1", "the order did not come with the clone");
    let old_address = store_sql(
        &copy_workload,
        &copy_database,
        &format!(
            "SELECT (SELECT COUNT(*) FROM wp_options WHERE option_value LIKE '%{host}%') + (SELECT COUNT(*) FROM wp_posts WHERE post_content LIKE '%{host}%')"
        ),
    );
    assert_eq!(
        old_address, "0",
        "the source's address is still in the clone"
    );
    assert_eq!(
        store_sql(
            &copy_workload,
            &copy_database,
            "SELECT option_value FROM wp_options WHERE option_name = 'home'"
        ),
        to
    );
    wait_page(
        &copy_ip,
        &copy_host,
        &format!("/?p={kept_post}"),
        &format!("{to}/shop/"),
        "the clone",
    )
    .await;

    // Its own secrets: nothing of the source's, and its admin signs in
    // with its own password only.
    let copy_secrets = store_secrets(&admin, &copy_workload).await;
    for ((name, theirs), (_, ours)) in source_secrets.iter().zip(&copy_secrets) {
        assert_ne!(theirs, ours, "the clone shares the source's Secret {name}");
    }
    let copy_password = admin_password(&admin, &copy_workload).await;
    assert!(admin_signs_in(
        &copy_workload,
        &copy_wordpress,
        &copy_password
    ));
    assert!(!admin_signs_in(
        &copy_workload,
        &copy_wordpress,
        &source_password
    ));
    let dbs = databases(&copy_workload, &copy_database);
    assert!(!dbs.contains("_restore"), "{dbs}");
    assert_eq!(
        uploaded(&copy_workload, &copy_wordpress, ".nexus-restore"),
        "absent"
    );
    let records = audit_records("alice", &tenant, &copy, "clone");
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["outcome"], "succeeded", "{records:?}");
}

/// The store's admin password, from its Secret.
async fn admin_password(admin: &Client, namespace: &str) -> String {
    let secret = Api::<Secret>::namespaced(admin.clone(), namespace)
        .get(nexus::api::labels::ADMIN_SECRET)
        .await
        .unwrap();
    String::from_utf8(secret.data.unwrap()["password"].0.clone()).unwrap()
}

/// Seconds `f` took, with what it returned.
fn timed<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let started = Instant::now();
    let value = f();
    (started.elapsed().as_secs_f64(), value)
}

/// The highest resident memory (cgroup v1 `memory.stat` `total_rss`: what
/// the process holds, not the page cache its writes leave behind) of each
/// container of the store's backup and restore pods, sampled every 200 ms
/// until `stop` (a container's cgroup goes with it: the last sample stands).
/// What the sampler saw of the backup or restore Job's containers: each
/// one's peak resident memory, and how long each ran (seconds, from its
/// terminated state).
#[derive(Default)]
struct Sampled {
    peaks: std::collections::BTreeMap<String, u64>,
    ran: std::collections::BTreeMap<String, (f64, f64)>,
}

fn sample_peaks(
    admin: Client,
    namespace: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<Sampled> {
    tokio::spawn(async move {
        let pods = Api::<Pod>::namespaced(admin, &namespace);
        let selector = "app.kubernetes.io/component=backup";
        let mut sampled = Sampled::default();
        let peaks = &mut sampled.peaks;
        while !stop.load(std::sync::atomic::Ordering::SeqCst) {
            let listed = pods.list(&ListParams::default().labels(selector)).await;
            for pod in listed.map(|l| l.items).unwrap_or_default() {
                let uid = pod.metadata.uid.clone().unwrap_or_default();
                let status = pod.status.unwrap_or_default();
                let containers = status
                    .init_container_statuses
                    .unwrap_or_default()
                    .into_iter()
                    .chain(status.container_statuses.unwrap_or_default());
                for container in containers {
                    let finished = container.state.as_ref().and_then(|s| s.terminated.as_ref());
                    if let Some((started, ended)) = finished
                        .and_then(|t| Some((t.started_at.as_ref()?, t.finished_at.as_ref()?)))
                    {
                        let at = |t: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time| {
                            t.0.as_millisecond() as f64 / 1000.0
                        };
                        sampled
                            .ran
                            .insert(container.name.clone(), (at(started), at(ended)));
                    }
                    let Some(id) = container.container_id.as_deref() else {
                        continue;
                    };
                    let id = id.rsplit("://").next().unwrap_or(id);
                    if let Some(bytes) = cgroup_peak(&uid, id) {
                        let peak = peaks.entry(container.name.clone()).or_default();
                        *peak = (*peak).max(bytes);
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        sampled
    })
}

/// A container's resident memory from its cgroup on the node, while it exists.
fn cgroup_peak(pod_uid: &str, container_id: &str) -> Option<u64> {
    let root = std::path::Path::new("/sys/fs/cgroup/memory/kubepods");
    let pod_dir = format!("pod{pod_uid}");
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).ok()?.flatten() {
            let path = entry.path();
            if !path.is_dir() {
                continue;
            }
            if path.file_name().is_some_and(|n| n == pod_dir.as_str()) {
                let stat =
                    std::fs::read_to_string(path.join(container_id).join("memory.stat")).ok()?;
                return stat
                    .lines()
                    .find_map(|line| line.strip_prefix("total_rss "))?
                    .trim()
                    .parse()
                    .ok();
            }
            if dir == root {
                dirs.push(path);
            }
        }
    }
    None
}

/// The backup benchmark (`scripts/bench-backup.sh`; CI skips it): for each
/// size S (MiB; NEXUS_BENCH_BACKUP_MIB, default "256,1024"), a store with S
/// of database rows (random hex, about as compressible as a shop's text)
/// and S of uploads (random bytes, as photos are) on the real node; then,
/// side by side on the same machine and data, what the hardware does
/// without Nexus (`mariadb-dump | gzip -1` and `tar | gzip -1` to local
/// disk in the store's own pods, a plain upload of the same number of bytes
/// to the same S3 server; then a plain download of them, a load of the dump
/// into a scratch database and an unpack of the archive onto the content
/// volume) and what Nexus does (`store backup --wait`, `store restore
/// --wait`), with how long each of its containers ran and the peak memory
/// of every container that streams the data. Prints a table.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark, run by scripts/bench-backup.sh on the real node (CI skips bench_)"]
async fn bench_backup_and_restore() {
    let sizes: Vec<u64> = std::env::var("NEXUS_BENCH_BACKUP_MIB")
        .unwrap_or_else(|_| "256,1024".into())
        .split(',')
        .map(|s| {
            s.trim()
                .parse()
                .expect("NEXUS_BENCH_BACKUP_MIB: MiB, comma-separated")
        })
        .collect();
    let BackupPlatform {
        fixture,
        s3,
        bucket,
        ..
    } = BackupPlatform::new("bench-backup").await;
    let admin = fixture.admin.clone();
    let tenant = fixture.tenant.name.clone();
    let mib = |bytes: f64| bytes / 1_048_576.0;
    let mut lines = vec![];
    for size in sizes {
        let name = common::stores::store_name("bench");
        let workload = format!("store-{name}");
        fixture.create_as_alice(&name);
        fixture.wait_ready(&name).await;
        let wordpress = pod_name(&pod_of(&admin, &workload, "wordpress").await);
        let database = pod_name(&pod_of(&admin, &workload, "database").await);
        eprintln!("bench: {size} MiB: filling the database and uploads");
        // Rows of 1 KiB of hex, 100,000 (about 100 MiB) per statement.
        let rows = size * 1024;
        store_sql(
            &workload,
            &database,
            "CREATE TABLE nexus_bench (id BIGINT AUTO_INCREMENT PRIMARY KEY, payload TEXT NOT NULL)",
        );
        let mut left = rows;
        while left > 0 {
            let batch = left.min(100_000);
            store_sql(
                &workload,
                &database,
                &format!(
                    "INSERT INTO nexus_bench (payload) SELECT CONCAT(SHA2(RAND(),512), SHA2(RAND(),512), SHA2(RAND(),512), SHA2(RAND(),512), SHA2(RAND(),512), SHA2(RAND(),512), SHA2(RAND(),512), SHA2(RAND(),512)) FROM seq_1_to_{batch}"
                ),
            );
            left -= batch;
        }
        let files = size.div_ceil(64);
        exec_ok(
            &workload,
            &wordpress,
            &[
                "sh",
                "-c",
                "mkdir -p /var/www/html/wp-content/uploads/bench && i=0; while [ $i -lt \"$1\" ]; do head -c 64M /dev/urandom > /var/www/html/wp-content/uploads/bench/photo-$i.bin; i=$((i + 1)); done",
                "sh",
                &files.to_string(),
            ],
        );
        let database_bytes: f64 = store_sql(
            &workload,
            &database,
            "SELECT SUM(data_length + index_length) FROM information_schema.tables WHERE table_schema = DATABASE()",
        )
        .parse()
        .unwrap();
        let content_bytes = (files * 64 * 1_048_576) as f64;

        // The hardware without Nexus, in the store's own pods.
        let (dump_s, dump_gz) = timed(|| {
            exec_ok(
                &workload,
                &database,
                &[
                    "sh",
                    "-c",
                    "mariadb-dump -uroot -p\"$MARIADB_ROOT_PASSWORD\" --single-transaction \"$MARIADB_DATABASE\" | gzip -1 > /tmp/bench.sql.gz && wc -c < /tmp/bench.sql.gz",
                ],
            )
        });
        let (tar_s, tar_gz) = timed(|| {
            exec_ok(
                &workload,
                &wordpress,
                &[
                    "sh",
                    "-c",
                    "tar -C /var/www/html/wp-content -cf - . | gzip -1 > /tmp/bench.tar.gz && wc -c < /tmp/bench.tar.gz",
                ],
            )
        });
        let stored: u64 = dump_gz.parse::<u64>().unwrap() + tar_gz.parse::<u64>().unwrap();
        let (load_s, _) = timed(|| {
            exec_ok(
                &workload,
                &database,
                &[
                    "sh",
                    "-c",
                    "mariadb -uroot -p\"$MARIADB_ROOT_PASSWORD\" -e 'DROP DATABASE IF EXISTS bench_load; CREATE DATABASE bench_load' && gunzip < /tmp/bench.sql.gz | mariadb -uroot -p\"$MARIADB_ROOT_PASSWORD\" bench_load && mariadb -uroot -p\"$MARIADB_ROOT_PASSWORD\" -e 'DROP DATABASE bench_load' && rm /tmp/bench.sql.gz",
                ],
            )
        });
        // Unpacked onto the same volume a restore unpacks to.
        let (untar_s, _) = timed(|| {
            exec_ok(
                &workload,
                &wordpress,
                &[
                    "sh",
                    "-c",
                    "d=/var/www/html/wp-content/.bench-untar && mkdir $d && gunzip < /tmp/bench.tar.gz | tar -C $d -xf - && rm -rf $d",
                ],
            )
        });
        exec_ok(&workload, &wordpress, &["rm", "/tmp/bench.tar.gz"]);
        // A plain upload of as many bytes to the same S3 server, from the node.
        let upload = tempfile::NamedTempFile::new().unwrap();
        let written = std::process::Command::new("head")
            .args(["-c", &stored.to_string(), "/dev/urandom"])
            .stdout(std::fs::File::create(upload.path()).unwrap())
            .status()
            .unwrap();
        assert!(written.success());
        let now = k8s_openapi::jiff::Timestamp::now()
            .strftime("%Y%m%dT%H%M%SZ")
            .to_string();
        let url = nexus::backup::presign::Signer {
            endpoint: &s3.endpoint,
            region: &s3.region,
            access_key: &s3.access_key,
            secret_key: &s3.secret_key,
        }
        .presign(&nexus::backup::presign::Request {
            method: "PUT",
            bucket: &bucket,
            key: &format!("bench/plain-{name}"),
            time: &now,
            expires: 3600,
        });
        let (put_s, put) = timed(|| {
            std::process::Command::new("curl")
                .args(["--silent", "--show-error", "--fail", "--cacert", &s3.ca])
                .args([
                    "-T",
                    upload.path().to_str().unwrap(),
                    &url,
                    "-o",
                    "/dev/null",
                ])
                .output()
                .unwrap()
        });
        put.succeeded("a plain upload to the S3 server");
        drop(upload);
        let get_url = nexus::backup::presign::Signer {
            endpoint: &s3.endpoint,
            region: &s3.region,
            access_key: &s3.access_key,
            secret_key: &s3.secret_key,
        }
        .presign(&nexus::backup::presign::Request {
            method: "GET",
            bucket: &bucket,
            key: &format!("bench/plain-{name}"),
            time: &now,
            expires: 3600,
        });
        let download = tempfile::NamedTempFile::new().unwrap();
        let (get_s, got) = timed(|| {
            std::process::Command::new("curl")
                .args(["--silent", "--show-error", "--fail", "--cacert", &s3.ca])
                .args([&get_url, "-o", download.path().to_str().unwrap()])
                .output()
                .unwrap()
        });
        got.succeeded("a plain download from the S3 server");
        drop(download);

        // Nexus: a backup, then a restore, each with its containers' peaks.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let sampler = sample_peaks(admin.clone(), workload.clone(), stop.clone());
        let (backup_s, taken) = timed(|| {
            common::stores::nexus_as("alice", &tenant)
                .args([
                    "store",
                    "backup",
                    &name,
                    "--wait",
                    "--timeout",
                    "60m",
                    "-o",
                    "json",
                ])
                .output()
                .unwrap()
        });
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let backup_peaks = sampler.await.unwrap();
        let taken: serde_json::Value =
            serde_json::from_str(&taken.succeeded("store backup --wait")).unwrap();
        let backup = taken["name"].as_str().unwrap().to_string();
        let backup_bytes = taken["sizeBytes"].as_u64().unwrap_or_default() as f64;
        // The operator proves every backup restores (a scratch MariaDB loads
        // it): the restore is timed once that is done, not beside it.
        let (verify_s, _) = timed(|| {
            let deadline = Instant::now() + Duration::from_secs(3600);
            loop {
                let verified = kubectl_output(
                    "admin",
                    &[
                        "-n",
                        &tenant,
                        "get",
                        "backup",
                        &backup,
                        "-o",
                        "jsonpath={.status.verified.result}",
                    ],
                    "",
                );
                if !verified.stdout.is_empty() {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "backup {backup} was never verified"
                );
                std::thread::sleep(Duration::from_secs(1));
            }
        });
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let sampler = sample_peaks(admin.clone(), workload.clone(), stop.clone());
        let (restore_s, restored) = timed(|| {
            common::stores::nexus_as("alice", &tenant)
                .args([
                    "store",
                    "restore",
                    &name,
                    "--from",
                    &backup,
                    "--wait",
                    "--timeout",
                    "60m",
                    "-o",
                    "json",
                ])
                .output()
                .unwrap()
        });
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let restore_peaks = sampler.await.unwrap();
        restored.succeeded("store restore --wait");

        let data = database_bytes + content_bytes;
        let rate = |seconds: f64| mib(data) / seconds;
        let peaks = |p: &Sampled| {
            p.peaks
                .iter()
                .map(|(name, bytes)| format!("{name} {:.0} MiB", mib(*bytes as f64)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        // Where a restore's time goes: each container's run, and the rest
        // (the Restore and its Job made, the pod started, the operator's
        // and the CLI's view of it).
        // (The backup's two containers run side by side: the rest is what
        // their span leaves.)
        let spent = |p: &Sampled, total: f64| {
            let ran: Vec<String> = p
                .ran
                .iter()
                .map(|(name, (from, to))| format!("{name} {:.1} s", to - from))
                .collect();
            let first = p.ran.values().map(|r| r.0).fold(f64::MAX, f64::min);
            let last = p.ran.values().map(|r| r.1).fold(f64::MIN, f64::max);
            let rest = total - (last - first).max(0.0);
            format!("{}, the rest {rest:.1} s", ran.join(", "))
        };
        let plain_restore = get_s + load_s + untar_s;
        lines.push(format!(
            "| {size} MiB + {size} MiB | database {:.0} MiB, uploads {:.0} MiB | dump+gzip {dump_s:.1} s, tar+gzip {tar_s:.1} s, together {:.1} s ({:.1} MiB/s); upload of {:.0} MiB {put_s:.1} s; download {get_s:.1} s, gunzip+load {load_s:.1} s, gunzip+untar {untar_s:.1} s, together {plain_restore:.1} s ({:.1} MiB/s) | backup {backup_s:.1} s ({:.1} MiB/s, stored {:.0} MiB: {}), then verified in {verify_s:.1} s; restore {restore_s:.1} s ({:.1} MiB/s: {}) | backup: {}; restore: {} |",
            mib(database_bytes),
            mib(content_bytes),
            dump_s + tar_s,
            rate(dump_s + tar_s),
            mib(stored as f64),
            rate(plain_restore),
            rate(backup_s),
            mib(backup_bytes),
            spent(&backup_peaks, backup_s),
            rate(restore_s),
            spent(&restore_peaks, restore_s),
            peaks(&backup_peaks),
            peaks(&restore_peaks),
        ));
        eprintln!("bench: {}", lines.last().unwrap());
        common::stores::nexus_as("alice", &tenant)
            .args([
                "store",
                "delete",
                &name,
                "--yes",
                "--skip-final-backup",
                "--wait",
                "--timeout",
                "10m",
            ])
            .output()
            .unwrap()
            .succeeded("store delete");
    }
    println!(
        "\n| data (rows + uploads) | measured | the machine without Nexus | Nexus | peak memory |"
    );
    println!("|---|---|---|---|---|");
    for line in lines {
        println!("{line}");
    }
}
