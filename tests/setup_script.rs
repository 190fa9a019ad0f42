//! The setup script itself, run by /bin/sh against a stand-in `wp` that
//! records its calls and keeps a little state: every step runs once, a second
//! run changes nothing, hostile values stay data, a failure names its step.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nexus::engines::woocommerce::SETUP_SCRIPT;

/// A stand-in for wp-cli: logs each call, one line of arguments separated by
/// '|', answers the checks the script makes from files in $STUB_STATE, and
/// fails the call whose first two words are $STUB_FAIL.
const FAKE_WP: &str = r#"#!/bin/sh
printf '%s|' "$@" >>"$STUB_LOG"; echo >>"$STUB_LOG"
shift 2   # --path and --allow-root
if [ -n "${STUB_FAIL:-}" ] && [ "$1 $2" = "$STUB_FAIL" ]; then echo "Error: download failed (HTTP 404)" >&2; exit 1; fi
case "$1 $2" in
"core download") touch "$WP_PATH/wp-load.php" ;;
"config create") touch "$WP_PATH/wp-config.php" ;;
"core is-installed") [ -f "$STUB_STATE/installed" ] ;;
"core install") touch "$STUB_STATE/installed" ;;
"plugin get") cat "$STUB_STATE/wc-version" 2>/dev/null || exit 1 ;;
"plugin install") for a; do case $a in --version=*) echo "${a#--version=}" >"$STUB_STATE/wc-version" ;; esac; done ;;
"plugin is-active") [ -f "$STUB_STATE/wc-active" ] ;;
"plugin activate") touch "$STUB_STATE/wc-active" ;;
"wc shipping_zone_method") if [ "$3" = list ]; then cat "$STUB_STATE/methods" 2>/dev/null || echo 0; else echo 1 >"$STUB_STATE/methods"; fi ;;
"wc product") if [ "$3" = list ]; then cat "$STUB_STATE/products" 2>/dev/null || echo 0; else echo 1 >"$STUB_STATE/products"; fi ;;
esac
"#;

struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["bin", "www", "state"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        let wp = dir.path().join("bin/wp");
        std::fs::write(&wp, FAKE_WP).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wp, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(dir.path().join("setup.sh"), SETUP_SCRIPT).unwrap();
        Site { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, store_name: &str, fail: Option<&str>) -> Output {
        let _ = std::fs::remove_file(self.path("calls.log"));
        let path = format!(
            "{}:{}",
            self.path("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut command = Command::new("/bin/sh");
        command
            .arg(self.path("setup.sh"))
            .env_clear()
            .env("PATH", path)
            .env("WP_PATH", self.path("www"))
            .env("TERMINATION_LOG", self.path("termination.log"))
            .env("STUB_LOG", self.path("calls.log"))
            .env("STUB_STATE", self.path("state"))
            .env("STORE_NAME", store_name)
            .env("STORE_URL", "http://demo.shops.test")
            .env("ADMIN_USER", "admin")
            .env("ADMIN_PASSWORD", "p4ss'word\"$(x)")
            .env("ADMIN_EMAIL", "owner@example.com")
            .env("WORDPRESS_VERSION", "6.8.3")
            .env("WOOCOMMERCE_VERSION", "10.2.2")
            .env("CURRENCY", "EUR")
            .env("SAMPLE_PRODUCTS", "true")
            .env("WORDPRESS_DB_HOST", "database:3306")
            .env("WORDPRESS_DB_NAME", "wordpress")
            .env("WORDPRESS_DB_USER", "wordpress")
            .env("WORDPRESS_DB_PASSWORD", "secret");
        if let Some(fail) = fail {
            command.env("STUB_FAIL", fail);
        }
        command.output().unwrap()
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.path("calls.log"))
            .unwrap_or_default()
            .lines()
            .map(|l| {
                l.replace("--path=", "")
                    .split('|')
                    .skip(2)
                    .collect::<Vec<_>>()
                    .join(" ")
                    .trim()
                    .to_string()
            })
            .collect()
    }
}

fn called(calls: &[String], start: &str) -> bool {
    calls.iter().any(|c| c.starts_with(start))
}

#[test]
fn every_step_runs_once_and_a_second_run_changes_nothing() {
    let site = Site::new();
    let first = site.run("Demo shop", None);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let calls = site.calls();
    for step in [
        "core download --version=6.8.3",
        "config create",
        "core install --url=http://demo.shops.test --title=Demo shop --admin_user=admin",
        "plugin install woocommerce --version=10.2.2",
        "plugin activate woocommerce",
        "wc tool run install_pages",
        "option update woocommerce_coming_soon no",
        "rewrite structure /%postname%/",
        "option update woocommerce_currency EUR",
        "option update woocommerce_enable_guest_checkout yes",
        "wc payment_gateway update cod --enabled=true",
        "wc shipping_zone_method create 0 --method_id=free_shipping",
        "wc product create --name=Sample product --sku=nexus-sample",
    ] {
        assert!(called(&calls, step), "missing {step:?} in {calls:#?}");
    }
    assert!(String::from_utf8_lossy(&first.stdout).contains("nexus setup: complete"));

    let second = site.run("Demo shop", None);
    assert!(second.status.success());
    let calls = site.calls();
    for step in [
        "core download",
        "config create",
        "core install",
        "plugin install",
        "plugin activate",
        "wc shipping_zone_method create",
        "wc product create",
    ] {
        assert!(!called(&calls, step), "{step:?} ran again: {calls:#?}");
    }
}

#[test]
fn hostile_values_stay_data() {
    let site = Site::new();
    let marker = site.path("pwned");
    let name = format!(
        "x\"; touch {}; echo \"$(touch {})`touch {}`",
        marker.display(),
        marker.display(),
        marker.display()
    );
    let out = site.run(&name, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!Path::new(&marker).exists(), "a store name ran a command");
    let log = std::fs::read_to_string(site.path("calls.log")).unwrap();
    assert!(
        log.contains(&format!("--title={name}|")),
        "the name reached wp-cli verbatim: {log}"
    );
    assert!(
        log.contains("--admin_password=p4ss'word\"$(x)|"),
        "the password reached wp-cli verbatim"
    );
}

#[test]
fn a_failing_step_is_named_in_the_termination_message() {
    let site = Site::new();
    let out = site.run("demo", Some("plugin install"));
    assert_eq!(out.status.code(), Some(1));
    let message = std::fs::read_to_string(site.path("termination.log")).unwrap();
    assert_eq!(
        message.trim(),
        "setup step woocommerce-install failed: Error: download failed (HTTP 404)"
    );
    // Nothing after the failed step ran.
    assert!(!called(&site.calls(), "wc payment_gateway"));
}
