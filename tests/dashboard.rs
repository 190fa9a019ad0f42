//! `kubectl nexus dashboard` as alice on the test control plane: only her
//! browser gets in (the printed token, its own Host and Origin), and a real
//! browser (Debian's Chromium, headless, driven over WebDriver) shows her
//! stores and not bob's, live: a store made or suspended meanwhile shows
//! its new phase without a reload.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use assert_cmd::cargo::cargo_bin;
use common::operator::Scope;
use common::stores::nexus_as;
use common::webdriver::{self, Browser};
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

    /// One request to the dashboard: status, head, body.
    fn exchange(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (u16, String, String) {
        let answer = common::http::exchange(&self.host, method, path, headers, "")
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        (answer.status, answer.head, answer.body)
    }
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A store of `user`'s in `namespace`, made with the CLI, in `scope` (its
/// operator makes it).
fn create_store(user: &str, namespace: &str, name: &str, scope: &Scope) {
    let (key, value) = scope.label();
    let out = nexus_as(user, namespace)
        .args(["store", "create", name, "-l", &format!("{key}={value}")])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The fleet table's row of store `name` in the page's text.
fn row_of<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.lines()
        .find(|line| line.split('\t').next() == Some(name))
}

#[tokio::test]
async fn only_the_browser_with_the_printed_token_gets_in() {
    let ns = tenant("alice").await;
    let dashboard = Dashboard::start("alice", &ns.name);
    // Nothing without the token; the token signs one browser in, once.
    let (status, _, body) = dashboard.exchange("GET", "/api/stores", &[]);
    assert_eq!(status, 401, "{body}");
    assert!(
        body.contains("open the address kubectl nexus dashboard printed"),
        "{body}"
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
    let cookie_line = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .expect("a cookie");
    assert!(
        cookie_line.contains("HttpOnly") && cookie_line.contains("SameSite=Strict"),
        "{cookie_line}"
    );
    assert!(
        !cookie_line.contains(dashboard.token()),
        "the cookie is not the printed token: {cookie_line}"
    );
    let cookie = cookie_line
        .split_once(':')
        .and_then(|(_, v)| v.split(';').next())
        .unwrap()
        .trim()
        .to_string();
    // The printed address again (another browser, a copy of it): spent.
    let (status, _, body) =
        dashboard.exchange("GET", &format!("/?token={}", dashboard.token()), &[]);
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("once"), "{body}");
    let token_as_cookie = format!("nexus_dashboard={}", dashboard.token());
    let (status, _, _) = dashboard.exchange("GET", "/api/stores", &[("Cookie", &token_as_cookie)]);
    assert_eq!(status, 401);
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
async fn alice_sees_her_stores_live_and_not_bobs_in_a_real_browser() {
    let alice = tenant("alice").await;
    let bob = tenant("bob").await;
    // An operator for this test's stores: they become Ready as on a cluster.
    let scope = Scope::new();
    let _operator = scope.start("dashboard", &[]);
    let hers = common::stores::store_name("hers");
    let his = common::stores::store_name("his");
    create_store("alice", &alice.name, &hers, &scope);
    create_store("bob", &bob.name, &his, &scope);
    let dashboard = Dashboard::start("alice", &alice.name);
    let browser = Browser::start();
    browser.goto(&dashboard.url);
    let page = browser.wait_for_text("her store listed", 60, |t| t.contains(&hers));
    assert!(
        page.contains(&format!("In namespace {}", alice.name)),
        "{page}"
    );
    assert!(!page.contains(&his), "bob's store is not listed: {page}");
    for drawn_wrong in ["null", "undefined", "[object"] {
        assert!(!page.contains(drawn_wrong), "{drawn_wrong}: {page}");
    }
    let address = browser.run("return location.href;");
    assert!(
        !address.as_str().unwrap().contains("token"),
        "the token left the address bar: {address}"
    );

    // A store made now appears and becomes Ready on the page as it is. A
    // keyboard's focus on her store's link stays there meanwhile.
    browser.run("window.notReloaded = true; return null;");
    let focus_hers = format!(
        "document.querySelector('tr[data-store=\"{}/{hers}\"] a').focus(); return null;",
        alice.name
    );
    browser.run(&focus_hers);
    let new = common::stores::store_name("new");
    create_store("alice", &alice.name, &new, &scope);
    browser.wait_for_text("the new store listed", 60, |t| row_of(t, &new).is_some());
    let page = browser.wait_for_text("both stores Ready", 120, |t| {
        [&hers, &new]
            .iter()
            .all(|name| row_of(t, name).is_some_and(|row| row.contains("Ready")))
    });
    assert!(page.contains("Ready 2"), "the counts: {page}");
    assert_eq!(
        browser.run("return document.activeElement.textContent;"),
        serde_json::json!(hers),
        "the focus left her store's link"
    );
    assert_eq!(
        browser.run("return window.notReloaded === true;"),
        serde_json::json!(true),
        "the page was loaded again"
    );
    browser.run("document.activeElement.blur(); return null;");
    // Pictures for the README, from the run.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard");
    std::fs::create_dir_all(&dir).unwrap();
    browser.screenshot(&dir.join("fleet.png"));

    // Her store's page, by its link: its conditions and its provisioning;
    // suspended from the CLI meanwhile, it says so without a reload.
    browser.click_link(&hers);
    let page = browser.wait_for_text("the store's page", 30, |t| {
        t.contains("Conditions") && t.contains("Provisioning")
    });
    assert!(page.contains(&format!("store-{hers}")), "{page}");
    // Every part of the page is drawn as itself, not as a word for a
    // missing value or an element.
    for drawn_wrong in ["null", "undefined", "[object"] {
        assert!(!page.contains(drawn_wrong), "{drawn_wrong}: {page}");
    }
    // The timeline: a row per step (its name, a bar, how long it took).
    let bars = browser.run("return document.querySelectorAll('.timeline .bar').length;");
    assert!(bars.as_u64().unwrap_or(0) >= 5, "timeline bars: {bars}");
    // Tall enough for the timeline below the conditions.
    browser.resize(1280, 1250);
    browser.run("window.scrollTo(0, 0); return null;");
    browser.screenshot(&dir.join("store.png"));
    browser.run("window.notReloaded = true; return null;");
    let suspend = nexus_as("alice", &alice.name)
        .args(["store", "suspend", &hers])
        .output()
        .unwrap();
    assert!(suspend.status.success(), "{suspend:?}");
    // The heading names the store and its phase.
    browser.wait_for_text("the store suspending", 60, |t| {
        t.lines()
            .any(|line| line.starts_with(hers.as_str()) && line.contains("Suspend"))
    });
    assert_eq!(
        browser.run("return window.notReloaded === true;"),
        serde_json::json!(true),
        "the page was loaded again"
    );
    for picture in ["fleet.png", "store.png"] {
        assert!(std::fs::metadata(dir.join(picture)).unwrap().len() > 1000);
    }
}

/// Signed in as `browser` is: its cookie, the dashboard's own Origin and
/// the CSRF token a write needs.
fn signed_in(dashboard: &Dashboard, browser: &Browser) -> (String, String, String) {
    let cookie = browser.cookie("nexus_dashboard");
    let origin = format!("http://{}", dashboard.host);
    let (status, _, body) = dashboard.exchange("GET", "/api/session", &[("Cookie", &cookie)]);
    assert_eq!(status, 200, "{body}");
    let session: serde_json::Value = serde_json::from_str(&body).unwrap();
    let csrf = session["csrf"].as_str().unwrap().to_string();
    (cookie, origin, csrf)
}

#[tokio::test]
async fn alice_suspends_resumes_and_deletes_her_store_from_its_page() {
    use kube::Api;
    use nexus::api::Store;
    let alice = tenant("alice").await;
    let scope = Scope::new();
    let _operator = scope.start("dashboard-writes", &[]);
    let name = common::stores::store_name("page");
    create_store("alice", &alice.name, &name, &scope);
    let stores = Api::<Store>::namespaced(admin().await, &alice.name);
    let dashboard = Dashboard::start("alice", &alice.name);
    let browser = Browser::start();
    browser.goto(&dashboard.url);
    browser.wait_for_text("her store listed", 60, |t| row_of(t, &name).is_some());
    browser.click_link(&name);
    browser.run("window.notReloaded = true; return null;");
    let heading = |phase: &'static str| {
        let name = name.clone();
        move |t: &str| {
            t.lines()
                .any(|line| line.starts_with(name.as_str()) && line.ends_with(phase))
        }
    };
    browser.wait_for_text("the store Ready", 120, heading("Ready"));

    // Suspend and resume, by their buttons; the page follows on its own.
    browser.click("#suspend");
    browser.wait_for_text("the store suspended", 60, heading("Suspended"));
    let suspended = stores.get(&name).await.unwrap();
    assert!(
        suspended.spec.suspend,
        "the page's Suspend reached the Store"
    );
    browser.click("#resume");
    browser.wait_for_text("the store Ready again", 120, heading("Ready"));
    let page = browser.text();
    assert!(page.contains("Resume: asked."), "{page}");
    // Retry is for a Failed store: no button, and the dashboard refuses it
    // in the CLI's words.
    assert_eq!(
        browser.run("return document.getElementById('retry') === null;"),
        serde_json::json!(true)
    );
    let (cookie, origin, csrf) = signed_in(&dashboard, &browser);
    let writing = [
        ("Cookie", cookie.as_str()),
        ("Origin", origin.as_str()),
        ("X-CSRF-Token", csrf.as_str()),
    ];
    let path = format!("/api/stores/{}/{name}", alice.name);
    let (status, _, body) = dashboard.exchange("POST", &format!("{path}/retry"), &writing);
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("nothing to retry"), "{body}");
    let (status, _, body) = dashboard.exchange("POST", &format!("{path}/explode"), &writing);
    assert_eq!(status, 404, "{body}");

    // Deleting needs the name typed: the button stays disabled until it is,
    // and the dashboard refuses a delete without it.
    let disabled = || browser.property("#delete", "disabled");
    assert_eq!(disabled(), serde_json::json!(true));
    browser.type_into("#confirm-delete", &name[..name.len() - 1]);
    assert_eq!(disabled(), serde_json::json!(true), "a name typed in part");
    let (status, _, body) = dashboard.exchange("DELETE", &path, &writing);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("type the store's name"), "{body}");
    assert!(stores.get_opt(&name).await.unwrap().is_some());
    browser.type_into("#confirm-delete", &name[name.len() - 1..]);
    assert_eq!(disabled(), serde_json::json!(false));
    // A live redraw (the store changed) keeps what was typed and the focus.
    // The heading drawn before it is marked, to see that the page was drawn
    // anew.
    browser.run("document.querySelector('h1').dataset.before = 'yes'; return null;");
    let patch = serde_json::json!({"metadata": {"annotations": {"example.com/touched": "yes"}}});
    stores
        .patch(
            &name,
            &kube::api::PatchParams::default(),
            &kube::api::Patch::Merge(&patch),
        )
        .await
        .unwrap();
    let redrawn = "return document.querySelector('h1').dataset.before === undefined;";
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while browser.run(redrawn) != serde_json::json!(true) {
        assert!(
            std::time::Instant::now() < deadline,
            "the page was not drawn again"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        browser.property("#confirm-delete", "value"),
        serde_json::json!(name)
    );
    assert_eq!(
        browser.run("return document.activeElement.id;"),
        serde_json::json!("confirm-delete")
    );
    browser.click("#delete");
    let uid = stores
        .get_opt(&name)
        .await
        .unwrap()
        .and_then(|s| s.metadata.uid);
    if let Some(uid) = uid {
        common::wait_deleted(&stores, &name, &uid, 120).await;
    }
    // The page says so, without a reload.
    let gone = format!("Store {name} was deleted");
    browser.wait_for_text("the store gone", 60, |t| t.contains(&gone));
    assert_eq!(
        browser.run("return window.notReloaded === true;"),
        serde_json::json!(true),
        "the page was loaded again"
    );
}

#[tokio::test]
async fn alice_makes_a_store_from_the_page_and_sees_it_become_ready() {
    use kube::Api;
    use kube::api::ListParams;
    use nexus::api::Store;
    let alice = tenant("alice").await;
    let scope = Scope::new();
    // An operator serving admission under a policy that keeps a name for
    // the platform: the page shows its refusal as the webhook words it.
    let policy = format!(
        "apiVersion: nexus.dev/v1alpha1\nkind: StorePolicy\nmetadata: {{name: nexus-{}}}\nspec:\n  defaults: {{allowedPlans: [small]}}\n  reservedNames: [admin]\n",
        scope.id
    );
    common::kubectl_stdin("admin", &["apply", "-f", "-"], &policy);
    let args = scope.webhook_args(common::operator::free_port());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let _operator = scope.start("dashboard-create", &args);
    common::stores::wait_until_admitting(&scope, &alice.name).await;
    let (key, value) = scope.label();
    let stores = Api::<Store>::namespaced(admin().await, &alice.name);
    let dashboard = Dashboard::start("alice", &alice.name);
    let browser = Browser::start();
    browser.goto(&dashboard.url);
    browser.wait_for_text("the fleet page", 60, |t| t.contains("0 of 0 stores"));
    browser.click_link("New store");
    browser.wait_for_text("the form", 30, |t| t.contains("Administrator's email"));
    // The page starts in the dashboard's namespace, with the name to type.
    assert_eq!(
        browser.property("#namespace", "value"),
        serde_json::json!(alice.name)
    );
    assert_eq!(
        browser.run("return document.activeElement.id;"),
        serde_json::json!("name")
    );

    // A bad name: the CLI's words beside the field, and nothing made.
    browser.type_into("#name", "Bad_Shop");
    browser.type_into("#labels", &format!("{key}={value}"));
    browser.click("form button[type=submit]");
    browser.wait_for_text("the name's error", 30, |t| t.contains("invalid store name"));
    let beside = browser.run(
        "const e = document.getElementById('name-error'); \
         return !e.hidden && e.closest('.field').contains(document.getElementById('name'));",
    );
    assert_eq!(
        beside,
        serde_json::json!(true),
        "the error is beside its field"
    );
    assert_eq!(
        browser.run("return document.getElementById('name').getAttribute('aria-invalid');"),
        serde_json::json!("true")
    );
    let listed = stores.list(&ListParams::default()).await.unwrap();
    assert!(listed.items.is_empty(), "a store was made: {listed:?}");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard");
    std::fs::create_dir_all(&dir).unwrap();
    browser.screenshot(&dir.join("new-store.png"));

    // A name the CLI allows and the platform's policy keeps: admission's
    // words, above the form, and nothing made.
    browser.clear("#name");
    browser.type_into("#name", "admin");
    browser.click("form button[type=submit]");
    let page = browser.wait_for_text("admission's refusal", 30, |t| t.contains("is reserved"));
    assert!(
        page.contains(
            "the store name \"admin\" is reserved by the platform (StorePolicy); pick another name"
        ),
        "{page}"
    );
    let listed = stores.list(&ListParams::default()).await.unwrap();
    assert!(listed.items.is_empty(), "a store was made: {listed:?}");

    // A good one: its page follows it to Ready, without a reload. The phases
    // the heading shows are noted as they are drawn.
    browser.run(
        "window.notReloaded = true; window.phases = []; \
         new MutationObserver(() => { \
           const p = document.querySelector('h1 .phase'); \
           if (p && window.phases[window.phases.length - 1] !== p.textContent) \
             window.phases.push(p.textContent); \
         }).observe(document.getElementById('main'), { childList: true, subtree: true }); \
         return null;",
    );
    let name = common::stores::store_name("made");
    browser.clear("#name");
    browser.type_into("#name", &name);
    browser.click("form button[type=submit]");
    browser.wait_for_text("its page", 30, |t| t.contains("Created."));
    browser.wait_for_text("it Ready", 120, |t| {
        t.lines()
            .any(|line| line.starts_with(name.as_str()) && line.ends_with("Ready"))
    });
    let phases = browser.run("return window.phases;");
    let phases: Vec<String> = serde_json::from_value(phases).unwrap();
    assert!(
        phases.iter().any(|p| p == "Provisioning")
            && phases.last().map(String::as_str) == Some("Ready"),
        "the phases drawn: {phases:?}"
    );
    assert_eq!(
        browser.run("return window.notReloaded === true;"),
        serde_json::json!(true),
        "the page was loaded again"
    );
    let made = stores.get(&name).await.unwrap();
    assert_eq!(
        made.metadata.labels.unwrap_or_default().get(&key),
        Some(&value)
    );

    // Its page's parts: its quota as bars with words, its audit trail with
    // the chain's verdict (her create is in it), no backups yet.
    let page = browser.wait_for_text("the store's parts", 60, |t| {
        t.contains("Chain verified") && t.contains("Quota and usage") && t.contains("none yet")
    });
    assert!(page.contains("requests.storage"), "{page}");
    let meters = browser.run("return document.querySelectorAll('.bars meter').length;");
    assert!(meters.as_u64().unwrap_or(0) >= 3, "quota bars: {meters}");
    let audit_row = |action: &str| {
        format!(
            "return [...document.querySelectorAll('tr')].some((tr) => \
               [...tr.cells].map((c) => c.textContent).join('|').includes('|{action}|admitted|alice|'));"
        )
    };
    assert_eq!(
        browser.run(&audit_row("create")),
        serde_json::json!(true),
        "{page}"
    );
    // The credentials only on a click, which is itself in the trail.
    assert!(!page.contains("Password"), "credentials shown unasked");
    browser.click("#show-credentials");
    let page = browser.wait_for_text("the credentials", 30, |t| t.contains("Password"));
    assert!(page.contains("admin"), "{page}");
    browser.wait_for_text("the read in the trail", 60, |_| {
        browser.run(&audit_row("credentials")) == serde_json::json!(true)
    });
    browser.click("#hide-credentials");
    browser.wait_for_text("the credentials hidden", 30, |t| !t.contains("Password"));
    // The whole page, for the README.
    browser.resize(1280, 2600);
    browser.run("document.activeElement.blur(); window.scrollTo(0, 0); return null;");
    browser.screenshot(&dir.join("store-parts.png"));

    // The same name again: refused in the CLI's words, above the form.
    browser.click_link("New store");
    browser.wait_for_text("the form", 30, |t| t.contains("Administrator's email"));
    browser.type_into("#name", &name);
    browser.click("form button[type=submit]");
    let page = browser.wait_for_text("the refusal", 30, |t| t.contains("already exists"));
    assert!(
        page.contains(&format!("store \"{name}\" already exists")),
        "{page}"
    );
}

/// Whether the page scrolls sideways (it must not, at 200 % zoom).
fn scrolls_sideways(browser: &Browser) -> bool {
    browser.run("return document.documentElement.scrollWidth > window.innerWidth + 1;")
        == serde_json::json!(true)
}

/// Presses Tab until `wanted` (a script's condition on the focused element
/// `e`) holds; each element reached must show that it has the focus.
fn tab_to(browser: &Browser, what: &str, wanted: &str) {
    for _ in 0..40 {
        browser.press(webdriver::TAB);
        let state = browser.run(&format!(
            "const e = document.activeElement; const s = getComputedStyle(e); \
             return [{wanted}, s.outlineStyle !== 'none' && s.outlineWidth !== '0px', e.outerHTML.slice(0, 80)];"
        ));
        assert_eq!(
            state[1],
            serde_json::json!(true),
            "no visible focus on {}",
            state[2]
        );
        if state[0] == serde_json::json!(true) {
            return;
        }
    }
    panic!("Tab never reached {what}");
}

/// A person with a keyboard alone, at 200 % zoom (a 1280-pixel screen is
/// 640 CSS pixels wide then): every page reflows without scrolling
/// sideways, every control shows its focus, and Tab and Enter reach a store,
/// open it and suspend it.
#[tokio::test]
async fn a_keyboard_alone_at_200_percent_zoom_reaches_and_suspends_a_store() {
    let alice = tenant("alice").await;
    let scope = Scope::new();
    let _operator = scope.start("dashboard-keys", &[]);
    let name = common::stores::store_name("keys");
    create_store("alice", &alice.name, &name, &scope);
    let dashboard = Dashboard::start("alice", &alice.name);
    let browser = Browser::start();
    browser.resize(640, 900);
    browser.goto(&dashboard.url);
    browser.wait_for_text("her store Ready", 120, |t| {
        row_of(t, &name).is_some_and(|row| row.contains("Ready"))
    });
    assert!(
        !scrolls_sideways(&browser),
        "the fleet page scrolls sideways"
    );

    let link = format!("e.textContent === '{name}' && e.tagName === 'A'");
    tab_to(&browser, "her store's link", &link);
    browser.press(webdriver::ENTER);
    browser.wait_for_text("her store's page", 30, |t| t.contains("Conditions"));
    browser.wait_for_text("its audit trail read", 60, |t| {
        t.contains("Audit trail") && !t.contains("Loading")
    });
    assert!(
        !scrolls_sideways(&browser),
        "the store page scrolls sideways"
    );
    tab_to(&browser, "Suspend", "e.id === 'suspend'");
    browser.press(webdriver::ENTER);
    browser.wait_for_text("the store suspended", 60, |t| {
        t.lines()
            .any(|line| line.starts_with(name.as_str()) && line.ends_with("Suspended"))
    });

    // The New store page, from the main navigation of a page just opened.
    browser.goto(&format!("http://{}/#/", dashboard.host));
    browser.wait_for_text("the fleet page", 30, |t| row_of(t, &name).is_some());
    tab_to(
        &browser,
        "New store",
        "e.textContent === 'New store' && e.tagName === 'A'",
    );
    browser.press(webdriver::ENTER);
    browser.wait_for_text("the form", 30, |t| t.contains("Administrator's email"));
    assert!(
        !scrolls_sideways(&browser),
        "the New store page scrolls sideways"
    );
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard");
    std::fs::create_dir_all(&dir).unwrap();
    browser.screenshot(&dir.join("zoomed-form.png"));
}

/// The CPU time (user and system) a process has used, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command's closing parenthesis: utime and stime
    // are the 12th and 13th of those, in clock ticks (100 a second here).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// The resident memory of a process, in MiB.
fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// The fleet page with many stores: how soon a fresh page shows all of them,
/// what the fleet's JSON weighs, and the dashboard's memory as the fleet
/// changes round after round. Prints figures; asserts only that it worked.
#[tokio::test]
#[ignore = "a benchmark, run by scripts/bench-dashboard.sh (CI skips bench_)"]
async fn bench_the_fleet_page() {
    use futures::StreamExt;
    use kube::api::{Patch, PatchParams};
    let count: usize = std::env::var("NEXUS_BENCH_DASHBOARD_STORES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    // A soak: rounds for this many minutes (a pause between them), instead
    // of five rounds back to back.
    let minutes: u64 = std::env::var("NEXUS_BENCH_DASHBOARD_MINUTES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    common::platform_installed().await;
    let admin = admin().await;
    let ns = TestNamespace::new(&admin, "dash-bench").await;
    let stores = kube::Api::<nexus::api::Store>::namespaced(admin.clone(), &ns.name);
    let names: Vec<String> = (0..count).map(|i| format!("shop-{i:05}")).collect();
    let made = std::time::Instant::now();
    futures::stream::iter(&names)
        .map(|name| {
            let stores = stores.clone();
            let store: nexus::api::Store = serde_json::from_value(serde_json::json!({
                "apiVersion": "nexus.dev/v1alpha1", "kind": "Store",
                "metadata": {"name": name}, "spec": {"engine": "woocommerce"}
            }))
            .unwrap();
            async move { stores.create(&Default::default(), &store).await.unwrap() }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
    println!(
        "{count} Stores (objects only) made in {:.1}s",
        made.elapsed().as_secs_f64()
    );

    let dashboard = Dashboard::start("admin", &ns.name);
    let pid = dashboard.child.id();
    let at_start = rss_mib(pid);
    let browser = Browser::start();
    // Signed in once; then a fresh page is timed.
    browser.goto(&dashboard.url);
    let rows = "return document.querySelectorAll('#main tbody tr').length;";
    let all_drawn = |browser: &Browser| browser.run(rows).as_u64().unwrap_or(0) as usize >= count;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !all_drawn(&browser) {
        assert!(
            std::time::Instant::now() < deadline,
            "the first page never showed every store"
        );
    }
    let after_sync = rss_mib(pid);
    let page = format!("http://{}/", dashboard.host);
    let mut drawn_ms = Vec::new();
    for _ in 0..5 {
        browser.goto(&page);
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        // Polled as fast as WebDriver answers (a few ms a call).
        loop {
            let now = browser.run(
                "return [document.querySelectorAll('#main tbody tr').length, performance.now()];",
            );
            if now[0].as_u64().unwrap_or(0) as usize >= count {
                drawn_ms.push(now[1].as_f64().unwrap());
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the page never showed every store"
            );
        }
    }
    drawn_ms.sort_by(f64::total_cmp);
    let cookie = browser.cookie("nexus_dashboard");
    let asked = std::time::Instant::now();
    let (status, _, body) = dashboard.exchange("GET", "/api/stores", &[("Cookie", &cookie)]);
    let json_ms = asked.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(status, 200);

    // The fleet changes: every store, round after round, with the page open.
    let heap_js = "return performance.memory ? performance.memory.usedJSHeapSize : 0;";
    let heap_at_start = browser.run(heap_js).as_f64().unwrap_or(0.0) / 1024.0 / 1024.0;
    let cpu_at_start = cpu_seconds(pid);
    let soak_started = std::time::Instant::now();
    let soaking = minutes > 0;
    let mut after_rounds = Vec::new();
    for round in 0.. {
        let done = match soaking {
            true => soak_started.elapsed() >= Duration::from_secs(minutes * 60),
            false => round == 5,
        };
        if done {
            break;
        }
        if soaking && round > 0 {
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
        futures::stream::iter(&names)
            .map(|name| {
                let stores = stores.clone();
                let patch =
                    serde_json::json!({"metadata": {"labels": {"bench-round": round.to_string()}}});
                async move {
                    stores
                        .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
                        .await
                        .unwrap()
                }
            })
            .buffer_unordered(16)
            .collect::<Vec<_>>()
            .await;
        // The last push reached the page (it redraws the table).
        tokio::time::sleep(Duration::from_secs(2)).await;
        after_rounds.push(rss_mib(pid));
    }
    let heap_mib = browser.run(heap_js).as_f64().unwrap_or(0.0) / 1024.0 / 1024.0;
    assert!(all_drawn(&browser), "the page still shows every store");
    if soaking {
        let spent = soak_started.elapsed().as_secs_f64();
        let cpu = cpu_seconds(pid) - cpu_at_start;
        let (low, high) = after_rounds
            .iter()
            .fold((f64::MAX, 0.0f64), |(l, h), m| (l.min(*m), h.max(*m)));
        println!();
        println!(
            "| soak | rounds of {count} changes | dashboard RSS: first / lowest / highest / last round | its CPU | page JS heap: before / after |"
        );
        println!("|---|---|---|---|---|");
        println!(
            "| {:.0} min | {} ({} changes) | {:.1} / {low:.1} / {high:.1} / {:.1} MiB | {:.1} % of a core | {heap_at_start:.1} / {heap_mib:.1} MiB |",
            spent / 60.0,
            after_rounds.len(),
            after_rounds.len() * count,
            after_rounds[0],
            after_rounds[after_rounds.len() - 1],
            cpu / spent * 100.0,
        );
        return;
    }

    println!();
    println!(
        "| stores | fresh page: every row drawn (min / median / max of 5) | /api/stores | dashboard RSS: started / fleet listed / after each round of {count} changes | page JS heap |"
    );
    println!("|---|---|---|---|---|");
    let rounds_rss: Vec<String> = after_rounds.iter().map(|m| format!("{m:.1}")).collect();
    println!(
        "| {count} | {:.0} / {:.0} / {:.0} ms | {:.0} ms, {} KiB | {at_start:.1} / {after_sync:.1} / {} MiB | {heap_mib:.1} MiB |",
        drawn_ms[0],
        drawn_ms[2],
        drawn_ms[4],
        json_ms,
        body.len() / 1024,
        rounds_rss.join(", "),
    );
}
