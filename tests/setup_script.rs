//! The setup script itself, run by /bin/sh against a stand-in `wp` that
//! records its calls and keeps a little state: every step runs once, a second
//! run changes nothing, hostile values stay data, a failure names its step.

mod common;

use common::Finished;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nexus::engines::woocommerce::SETUP_SCRIPT;

/// A stand-in for wp-cli: logs each call, one line of arguments separated by
/// '|', answers the checks the script makes from files in $STUB_STATE, and
/// fails the call whose first two words are $STUB_FAIL. The database answers
/// with $STUB_DB_ERROR for its first $STUB_DB_FAILURES queries (all of them
/// when no count is set); a zip source installs $STUB_ZIP_VERSION.
///
/// Where real WooCommerce 10.2.2 refuses or says more, so does this
/// (../shared/notes/woocommerce-facts.md): `wc hpos enable --for-new-shop`
/// fails once WooCommerce is active (its activation sets woocommerce_version
/// and makes its pages, so `WC_Install::is_new_install()` is false: fact 1,
/// and the command's source, `CLIRunner::enable`); the plain command creates
/// the order tables, and run again warns "HPOS is already enabled." with exit
/// 0; updating Cash on Delivery on an image without sendmail prints
/// sendmail's complaint and succeeds (fact 3). A call it does not model
/// fails, so the script cannot come to rely on behaviour nobody checked.
///
/// A clone's calls answer as wp-cli 2.10 answers them on a site with
/// WooCommerce (checked by hand against both): `search-replace` says how
/// many it made, `user get` of a missing login is an error, `transient
/// delete --all` says what it deleted.
///
/// Every fact of the notes and the test that holds Nexus to it:
/// 1 (`--for-new-shop` refused) `the_stand_in_refuses_what_woocommerce_refuses`
///   here and `tests/real_node.rs` with the image's stand-in;
/// 2 (setup CPU-bound) the setup's own step timeline, printed by the script
///   (`a_setup_says_how_long_each_step_took`), figures in docs/operator.md;
/// 3 (sendmail) `cash_on_delivery_succeeds_without_sendmail`;
/// 4 (probe's PHP error) `tests/installed_probe.rs`;
/// 5, 6 (image files, the setup's race) the `copy-wordpress.sh` tests below
///   and the real node's "no restart" check;
/// 7 (Store API checkout) the WordPress test image's Store API stand-in
///   (`store-api-standin.php`: Nonce and Cart-Token, its refusals, the order
///   in wp_wc_orders), `guest_checkout` in `tests/real_node.rs`;
/// 8 (events by UID) `tests/store_cli.rs`; 9 (a replacement pod fits the
///   quota) `src/guardrails.rs` and the real node's pod-loss test; 10
///   (`Suspended` once pods are gone, a re-run keeps Ready) `src/operator/reconcile/status.rs`
///   and `tests/operator.rs`.
const FAKE_WP: &str = r#"#!/bin/sh
printf '%s|' "$@" >>"$STUB_LOG"; echo >>"$STUB_LOG"
shift 2   # --path and --allow-root
if [ -n "${STUB_FAIL:-}" ] && [ "$1 $2" = "$STUB_FAIL" ]; then echo "Error: download failed (HTTP 404)" >&2; exit 1; fi
option() { cat "$STUB_STATE/option-$1" 2>/dev/null || { echo "Error: Could not get '$1' option. Does it exist?" >&2; exit 1; }; }
case "$1 $2 ${3:-}" in
"db query "*)
	if [ -n "${STUB_DB_ERROR:-}" ]; then
		n=$(cat "$STUB_STATE/db-queries" 2>/dev/null || echo 0); echo $((n + 1)) >"$STUB_STATE/db-queries"
		if [ -z "${STUB_DB_FAILURES:-}" ] || [ "$n" -lt "$STUB_DB_FAILURES" ]; then echo "$STUB_DB_ERROR" >&2; exit 1; fi
	fi
	echo 1 ;;
"config create "*) touch "$WP_PATH/wp-config.php" ;;
"core is-installed ") [ -f "$STUB_STATE/installed" ] ;;
"core install "*)
	touch "$STUB_STATE/installed"
	for a; do case $a in --admin_password=*) printf '%s' "${a#--admin_password=}" >"$STUB_STATE/user-admin" ;; esac; done ;;
"search-replace "*)
	# The site's address is the stand-in's one absolute address.
	if [ "$(cat "$STUB_STATE/option-home" 2>/dev/null)" = "$2" ]; then printf '%s' "$3" >"$STUB_STATE/option-home"; fi
	echo "Success: Made 1 replacements." ;;
"user get "?*)
	[ -f "$STUB_STATE/user-$3" ] || { echo "Error: Invalid user ID, email or login: '$3'" >&2; exit 1; }
	echo 1 ;;
"user update "?*)
	[ -f "$STUB_STATE/user-$3" ] || { echo "Error: Invalid user ID, email or login: '$3'" >&2; exit 1; }
	for a; do case $a in --user_pass=*) printf '%s' "${a#--user_pass=}" >"$STUB_STATE/user-$3" ;; esac; done
	echo "Success: Updated user 1." ;;
"user create "?*)
	for a; do case $a in --user_pass=*) printf '%s' "${a#--user_pass=}" >"$STUB_STATE/user-$3" ;; esac; done
	echo "Success: Created user 2." ;;
"transient delete --all") echo "Success: No transients found." ;;
"eval "*)
	case $2 in
	*'update_option("admin_email", getenv("ADMIN_EMAIL"))'*) printf '%s' "$ADMIN_EMAIL" >"$STUB_STATE/option-admin_email" ;;
	*) echo "Error: the stand-in wp does not model this eval: $2" >&2; exit 1 ;;
	esac ;;
"option get "?*) option "$3" ;;
"option update "?*)
	# wp-cli 2.10 (measured): the same value again is "unchanged", but with
	# --autoload update_option() answers false and wp-cli refuses.
	if [ -f "$STUB_STATE/option-$3" ] && [ "$(cat "$STUB_STATE/option-$3")" = "$4" ]; then
		case " $* " in *" --autoload="*) echo "Error: Could not update option '$3'." >&2; exit 1 ;; esac
	fi
	printf '%s' "$4" >"$STUB_STATE/option-$3" ;;
"rewrite structure "?*) echo "Success: Rewrite structure set." ;;
"plugin get woocommerce") cat "$STUB_STATE/wc-version" 2>/dev/null || { echo "Error: The 'woocommerce' plugin could not be found." >&2; exit 1; } ;;
"plugin install "?*)
	case $3 in *.zip) echo "${STUB_ZIP_VERSION:-10.2.2}" >"$STUB_STATE/wc-version" ;; esac
	for a; do case $a in --version=*) echo "${a#--version=}" >"$STUB_STATE/wc-version" ;; esac; done ;;
"plugin is-active woocommerce") [ -f "$STUB_STATE/wc-active" ] ;;
"plugin activate woocommerce")
	[ -f "$STUB_STATE/wc-version" ] || { echo "Warning: The 'woocommerce' plugin could not be found." >&2; echo "Error: No plugins activated." >&2; exit 1; }
	touch "$STUB_STATE/wc-active"; [ -f "$STUB_STATE/option-woocommerce_shop_page_id" ] || printf 7 >"$STUB_STATE/option-woocommerce_shop_page_id" ;;
"wc hpos enable")
	echo "Running pre-enable checks..."
	for a; do
		if [ "$a" = --for-new-shop ] && [ -f "$STUB_STATE/wc-active" ]; then
			echo "Error: [Failed] This is not a new shop, but --for-new-shop flag was passed." >&2; exit 1
		fi
	done
	if [ -f "$STUB_STATE/hpos" ]; then echo "Warning: HPOS is already enabled." >&2; exit 0; fi
	touch "$STUB_STATE/hpos"; echo "Warning: Orders table does not exist. Creating..." >&2
	echo "Orders table created."; echo "Success: HPOS enabled." ;;
"wc payment_gateway update")
	[ "$4" = cod ] || { echo "Error: Invalid ID." >&2; exit 1; }
	echo "sh: 1: /usr/sbin/sendmail: not found" >&2 ;;
"wc tool run") [ "$4" = install_pages ] || exit 1; [ -f "$STUB_STATE/option-woocommerce_shop_page_id" ] || printf 7 >"$STUB_STATE/option-woocommerce_shop_page_id" ;;
"wc shipping_zone_method list") cat "$STUB_STATE/methods" 2>/dev/null || echo 0 ;;
"wc shipping_zone_method create") echo 1 >"$STUB_STATE/methods" ;;
"wc product list"|"wc product create")
	sku=; for a; do case $a in --sku=*) sku=${a#--sku=} ;; esac; done
	if [ "$3" = list ]; then cat "$STUB_STATE/products-$sku" 2>/dev/null || echo 0; exit 0; fi
	# WooCommerce refuses a second product with a SKU (measured).
	if [ -f "$STUB_STATE/products-$sku" ]; then echo "Error: Invalid or duplicated SKU." >&2; exit 1; fi
	echo 1 >"$STUB_STATE/products-$sku"; echo "Success: Created product 11." ;;
*)
	# A call the script makes that this stand-in does not model fails the
	# test: model it here from WooCommerce's or wp-cli's source first.
	echo "Error: the stand-in wp does not model \`$*\`" >&2; exit 1 ;;
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
        // What the Job's init container copies from the WordPress image.
        std::fs::write(dir.path().join("www/wp-load.php"), "<?php\n").unwrap();
        Site { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, store_name: &str, fail: Option<&str>) -> Output {
        self.run_with(store_name, fail, &[])
    }

    fn run_with(&self, store_name: &str, fail: Option<&str>, extra: &[(&str, &str)]) -> Output {
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
            .env("WOOCOMMERCE_VERSION", "10.2.2")
            .env("DB_WAIT_SECONDS", "0")
            .env("CURRENCY", "EUR")
            .env("SAMPLE_PRODUCTS", "true")
            .env("WORDPRESS_DB_HOST", "database:3306")
            .env("WORDPRESS_DB_NAME", "wordpress")
            .env("WORDPRESS_DB_USER", "wordpress")
            .env("WORDPRESS_DB_PASSWORD", "secret");
        if let Some(fail) = fail {
            command.env("STUB_FAIL", fail);
        }
        command.envs(extra.iter().copied());
        command.output().unwrap()
    }

    fn option(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.path(&format!("state/option-{name}"))).ok()
    }

    fn termination(&self) -> String {
        std::fs::read_to_string(self.path("termination.log"))
            .unwrap_or_default()
            .trim()
            .to_string()
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
    first.succeeded("");
    let calls = site.calls();
    for step in [
        "config create",
        "db query SELECT 1",
        "core install --url=http://demo.shops.test --title=Demo shop --admin_user=admin",
        "plugin install woocommerce --version=10.2.2",
        "plugin activate woocommerce",
        "wc tool run install_pages",
        "option update show_on_front page",
        "option update page_on_front 7",
        "wc hpos enable",
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
    assert!(
        !called(&calls, "core download"),
        "core comes from the image"
    );
    assert!(!called(&calls, "db check"), "no check of every table");
    assert_eq!(site.option("page_on_front").as_deref(), Some("7"));

    let second = site.run("Demo shop", None);
    assert!(second.status.success());
    let calls = site.calls();
    for step in [
        "config create",
        "core install",
        "plugin install",
        "plugin activate",
        "option update show_on_front",
        "wc hpos enable",
        "rewrite structure",
        "wc shipping_zone_method create",
        "wc product create",
    ] {
        assert!(!called(&calls, step), "{step:?} ran again: {calls:#?}");
    }
}

/// Runs the stand-in `wp` of a site directly, as the script would.
fn wp(site: &Site, args: &[&str]) -> Output {
    Command::new(site.path("bin/wp"))
        .args(["--path=/var/www/html", "--allow-root"])
        .args(args)
        .env("STUB_LOG", site.path("calls.log"))
        .env("STUB_STATE", site.path("state"))
        .output()
        .unwrap()
}

#[test]
fn the_stand_in_refuses_what_woocommerce_refuses() {
    let site = Site::new();
    assert!(
        wp(
            &site,
            &["plugin", "install", "woocommerce", "--version=10.2.2"]
        )
        .status
        .success()
    );
    assert!(
        wp(&site, &["plugin", "activate", "woocommerce"])
            .status
            .success()
    );
    let refused = wp(&site, &["wc", "hpos", "enable", "--for-new-shop"]);
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(
        refused.stderr_text(),
        "Error: [Failed] This is not a new shop, but --for-new-shop flag was passed.\n"
    );
    let enabled = wp(&site, &["wc", "hpos", "enable"]);
    assert!(enabled.status.success());
    assert_eq!(
        String::from_utf8_lossy(&enabled.stdout),
        "Running pre-enable checks...\nOrders table created.\nSuccess: HPOS enabled.\n"
    );
    let again = wp(&site, &["wc", "hpos", "enable"]);
    assert!(again.status.success());
    assert_eq!(again.stderr_text(), "Warning: HPOS is already enabled.\n");
    // The setup as it was (with --for-new-shop) fails on such a shop, at
    // the step that names it.
    let old = SETUP_SCRIPT.replace("wp wc hpos enable\n", "wp wc hpos enable --for-new-shop\n");
    assert_ne!(old, SETUP_SCRIPT);
    let site = Site::new();
    std::fs::write(site.path("setup.sh"), old).unwrap();
    let out = site.run("demo", None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        site.termination(),
        "setup step order-tables failed: Running pre-enable checks...\nError: [Failed] This is not a new shop, but --for-new-shop flag was passed."
    );
}

#[test]
fn cash_on_delivery_succeeds_without_sendmail() {
    let site = Site::new();
    let out = site.run("demo", None);
    assert!(out.status.success());
    // wp-cli passes the plugin's stderr through; the step still succeeded.
    assert!(String::from_utf8_lossy(&out.stdout).contains("/usr/sbin/sendmail: not found"));
    assert!(site.termination().is_empty());
}

#[test]
fn the_stand_in_refuses_calls_it_does_not_model() {
    let site = Site::new();
    let out = wp(&site, &["wc", "hpos", "disable"]);
    assert_eq!(out.status.code(), Some(1));
    out.failed_saying("does not model `wc hpos disable`");
    // The script with a call nobody modelled fails, naming its step.
    let script = SETUP_SCRIPT.replace(
        "run coming-soon wp option update woocommerce_coming_soon no\n",
        "run coming-soon wp option update woocommerce_coming_soon no\nrun theme wp theme activate storefront\n",
    );
    assert_ne!(script, SETUP_SCRIPT);
    std::fs::write(site.path("setup.sh"), script).unwrap();
    assert_eq!(site.run("demo", None).status.code(), Some(1));
    assert!(
        site.termination().starts_with("setup step theme failed"),
        "{}",
        site.termination()
    );
}

#[test]
fn a_setup_says_how_long_each_step_took() {
    let site = Site::new();
    let out = site.run("demo", None);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    for step in [
        "core-install",
        "woocommerce-activate",
        "pages",
        "order-tables",
        "sample-product",
    ] {
        let line = format!("nexus setup: step {step} took ");
        assert!(stdout.contains(&line), "no timing for {step}: {stdout}");
    }
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("nexus setup: complete in ")),
        "{stdout}"
    );
}

#[test]
fn a_setup_that_died_after_the_order_tables_completes_on_the_next_run() {
    let site = Site::new();
    assert!(site.run("demo", None).status.success());
    // As if the Job died after enabling the order tables and before it
    // marked its first run done: the next attempt enables them again.
    std::fs::remove_file(site.path("state/option-nexus_setup_first_run")).unwrap();
    let again = site.run("demo", None);
    again.succeeded("HPOS already enabled is no failure");
    assert!(called(&site.calls(), "wc hpos enable"));
    assert!(String::from_utf8_lossy(&again.stdout).contains("HPOS is already enabled"));
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
    out.succeeded("");
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
    assert_eq!(
        site.termination(),
        "setup step woocommerce-install failed: Error: download failed (HTTP 404)"
    );
    // Nothing after the failed step ran.
    assert!(!called(&site.calls(), "wc payment_gateway"));
}

#[test]
fn a_later_run_applies_the_owners_request_and_keeps_the_owners_choices() {
    let site = Site::new();
    assert!(site.run("demo", None).status.success());
    // The owner picks another front page and upgrades WooCommerce in wp-admin.
    std::fs::write(site.path("state/option-page_on_front"), "42").unwrap();
    std::fs::write(site.path("state/wc-version"), "10.3.1").unwrap();
    let again = site.run_with("demo", None, &[("CURRENCY", "JPY")]);
    again.succeeded("");
    assert_eq!(site.option("woocommerce_currency").as_deref(), Some("JPY"));
    assert_eq!(site.option("page_on_front").as_deref(), Some("42"));
    assert!(
        !called(&site.calls(), "plugin install"),
        "an upgraded WooCommerce is not replaced: {:#?}",
        site.calls()
    );
}

#[test]
fn woocommerce_comes_from_the_platforms_zip_when_one_is_configured() {
    let site = Site::new();
    let zip = "https://mirror.internal.example/woocommerce.10.2.2.zip";
    let out = site.run_with("demo", None, &[("WOOCOMMERCE_SOURCE", zip)]);
    out.succeeded("");
    let calls = site.calls();
    assert!(
        called(&calls, &format!("plugin install {zip} --force")),
        "{calls:#?}"
    );
    assert!(
        !called(&calls, "plugin install woocommerce"),
        "nothing from wordpress.org"
    );

    // A zip of another version is named, not silently run.
    let site = Site::new();
    let out = site.run_with(
        "demo",
        None,
        &[("WOOCOMMERCE_SOURCE", zip), ("STUB_ZIP_VERSION", "9.0.0")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        site.termination().starts_with(
            "setup step woocommerce-version failed: the installed WooCommerce is 9.0.0, not the pinned 10.2.2"
        ),
        "{}",
        site.termination()
    );
}

#[test]
fn no_wordpress_core_is_named_instead_of_downloaded() {
    let site = Site::new();
    std::fs::remove_file(site.path("www/wp-load.php")).unwrap();
    let out = site.run("demo", None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        site.termination()
            .starts_with("setup step wordpress-core failed: no WordPress core")
    );
    assert!(site.calls().is_empty(), "nothing ran: {:#?}", site.calls());
}

#[test]
fn a_database_that_refuses_the_client_fails_at_once_naming_the_step() {
    let site = Site::new();
    let tls =
        "ERROR 2026 (HY000): TLS/SSL error: SSL is required, but the server does not support it";
    let out = site.run_with("demo", None, &[("STUB_DB_ERROR", tls)]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        site.termination(),
        format!("setup step database-connect failed: {tls}")
    );
    let queries = site
        .calls()
        .iter()
        .filter(|c| c.starts_with("db query"))
        .count();
    assert_eq!(queries, 1, "a TLS mismatch is not waited out");
}

#[test]
fn a_database_that_is_not_up_yet_is_waited_for_then_named() {
    let refused = "ERROR 2002 (HY000): Can't connect to server on 'database' (115)";
    let site = Site::new();
    let out = site.run_with(
        "demo",
        None,
        &[("STUB_DB_ERROR", refused), ("STUB_DB_FAILURES", "2")],
    );
    out.succeeded("");

    let site = Site::new();
    let out = site.run_with(
        "demo",
        None,
        &[("STUB_DB_ERROR", refused), ("DB_WAIT_TRIES", "3")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        site.termination(),
        format!("setup step wait-for-database failed: no answer after 3 tries: {refused}")
    );
}

// ---- copy-wordpress.sh: what the WordPress image ships, placed before the
// pods' own containers run (the init container of WordPress and the Job).

use nexus::engines::woocommerce::COPY_WORDPRESS;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

/// An image's /usr/src/wordpress and a pod's /var/www/html, with the
/// store's wp-content mounted inside it as the pod mounts its claim.
struct Pod {
    dir: tempfile::TempDir,
}

impl Pod {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let pod = Pod { dir };
        for (file, text) in [
            ("image/index.php", "<?php // front"),
            ("image/wp-load.php", "<?php // load"),
            ("image/.htaccess", "# rules"),
            (
                "image/wp-includes/version.php",
                "<?php $wp_version = '6.8.3';",
            ),
            ("image/wp-admin/install.php", "<?php"),
            ("image/wp-content/index.php", "<?php // Silence"),
            (
                "image/wp-content/plugins/akismet/akismet.php",
                "akismet 5.5",
            ),
            (
                "image/wp-content/plugins/woocommerce/woocommerce.php",
                "Version: 10.2.2",
            ),
            (
                "image/wp-content/themes/twentytwentyfive/style.css",
                "theme",
            ),
        ] {
            let path = pod.path(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        // The kubelet's emptyDir with the claim mounted at wp-content.
        std::fs::create_dir_all(pod.path("html/wp-content")).unwrap();
        pod
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn read(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.path(name)).ok()
    }

    /// Fails naming the first of `files` that is not a file in the pod.
    fn assert_files(&self, files: &[&str]) {
        for file in files {
            assert!(self.path(file).is_file(), "{file} was not placed");
        }
    }

    /// Runs the script as the pod would: as uid 33 when the test runs as
    /// root (CI does), on directories owned by root with the setgid mode the
    /// kubelet gives an emptyDir under fsGroup 33; as this user otherwise.
    fn copy(&self, pod_name: &str) -> std::process::Child {
        let mut command = if is_root() {
            let mut c = Command::new("setpriv");
            c.args([
                "--reuid=33",
                "--regid=33",
                "--clear-groups",
                "/bin/sh",
                "-c",
            ]);
            c
        } else {
            let mut c = Command::new("/bin/sh");
            c.arg("-c");
            c
        };
        command
            .arg(COPY_WORDPRESS)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("POD_NAME", pod_name)
            .env("WORDPRESS_SOURCE", self.path("image"))
            .env("WP_PATH", self.path("html"))
            .env("TERMINATION_LOG", self.path("termination.log"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }

    fn copy_and_wait(&self, pod_name: &str) -> Output {
        self.copy(pod_name).wait_with_output().unwrap()
    }

    /// The volumes' roots as the kubelet makes them (root:33, setgid, all
    /// may write), what is inside them as WordPress's user left it, the
    /// image readable by all (a no-op unless the test runs as root).
    fn as_the_kubelet_makes_them(&self) {
        if !is_root() {
            return;
        }
        let mut stack = vec![self.dir.path().to_path_buf()];
        while let Some(path) = stack.pop() {
            let inside = path.starts_with(self.path("html"));
            if inside {
                std::os::unix::fs::lchown(&path, Some(33), Some(33)).unwrap();
            }
            if path.is_dir() {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
                stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            }
        }
        // The termination log is written next to the volumes.
        std::fs::set_permissions(self.dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        for dir in ["html", "html/wp-content"] {
            let path = self.path(dir);
            std::os::unix::fs::chown(&path, Some(0), Some(33)).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o2777)).unwrap();
        }
    }

    /// Temporary copies left anywhere in the pod's files, nested ones
    /// included (a copy moved into the entry another pod placed): none.
    fn leftovers(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut stack = vec![self.path("html")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten() {
                let entry = entry.unwrap();
                if entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".nexus-copy-")
                {
                    found.push(entry.path());
                } else if entry.file_type().unwrap().is_dir() {
                    stack.push(entry.path());
                }
            }
        }
        found
    }
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self").unwrap().uid() == 0
}

#[test]
fn the_image_files_are_placed_without_touching_the_kubelets_directory() {
    let pod = Pod::new();
    pod.as_the_kubelet_makes_them();
    // The image's core is older than the pod: a copy that carried times over
    // would show on the kubelet's directory.
    let long_ago = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    std::fs::File::open(pod.path("image"))
        .and_then(|image| image.set_modified(long_ago))
        .unwrap();
    let before = std::fs::metadata(pod.path("html")).unwrap();
    let out = pod.copy_and_wait("wordpress-abc");
    out.succeeded("fact 5: the copy must not fail on the kubelet's directory");
    // Core, hidden files included; wp-content is the store's volume.
    assert_eq!(
        pod.read("html/index.php").as_deref(),
        Some("<?php // front")
    );
    assert_eq!(pod.read("html/.htaccess").as_deref(), Some("# rules"));
    pod.assert_files(&[
        "html/wp-includes/version.php",
        "html/wp-admin/install.php",
        "html/wp-content/plugins/akismet/akismet.php",
        "html/wp-content/themes/twentytwentyfive/style.css",
        "html/wp-content/index.php",
    ]);
    // The image's plugins and themes, in the store's wp-content (fact 6).
    assert_eq!(
        pod.read("html/wp-content/plugins/woocommerce/woocommerce.php")
            .as_deref(),
        Some("Version: 10.2.2")
    );
    assert!(pod.path("html/wp-content/uploads").is_dir());
    let after = std::fs::metadata(pod.path("html")).unwrap();
    assert_eq!(
        (before.mode(), before.uid(), before.gid()),
        (after.mode(), after.uid(), after.gid()),
        "the directory the kubelet made is not ours to change"
    );
    // Placing entries in it moves its mtime forward (the kernel does that);
    // a copy onto the directory itself would set the image's older time.
    assert!(
        after.mtime() >= before.mtime(),
        "the copy set the directory's time back to the image's"
    );
    if is_root() {
        let placed = std::fs::metadata(pod.path("html/wp-content/plugins/akismet")).unwrap();
        assert_eq!(placed.uid(), 33, "the files belong to WordPress's user");
    }
    assert!(pod.leftovers().is_empty(), "{:?}", pod.leftovers());
}

#[test]
fn the_stores_own_plugins_and_themes_are_never_replaced() {
    let pod = Pod::new();
    for (file, text) in [
        (
            "html/wp-content/plugins/woocommerce/woocommerce.php",
            "Version: 10.3.1",
        ),
        (
            "html/wp-content/plugins/woocommerce/owner-upgraded.txt",
            "yes",
        ),
        (
            "html/wp-content/themes/twentytwentyfive/style.css",
            "the owner's edit",
        ),
        ("html/wp-content/uploads/2026/12/logo.png", "png"),
    ] {
        std::fs::create_dir_all(pod.path(file).parent().unwrap()).unwrap();
        std::fs::write(pod.path(file), text).unwrap();
    }
    pod.as_the_kubelet_makes_them();
    let out = pod.copy_and_wait("wordpress-abc");
    out.succeeded("");
    assert_eq!(
        pod.read("html/wp-content/plugins/woocommerce/woocommerce.php")
            .as_deref(),
        Some("Version: 10.3.1")
    );
    assert_eq!(
        pod.read("html/wp-content/themes/twentytwentyfive/style.css")
            .as_deref(),
        Some("the owner's edit")
    );
    pod.assert_files(&[
        "html/wp-content/plugins/woocommerce/owner-upgraded.txt",
        "html/wp-content/uploads/2026/12/logo.png",
        // Missing ones still arrive.
        "html/wp-content/plugins/akismet/akismet.php",
    ]);
}

#[test]
fn the_job_and_wordpress_copying_at_once_each_end_with_one_whole_copy() {
    for round in 0..5 {
        let pod = Pod::new();
        // A plugin big enough that both copies are under way before either
        // is renamed into place: the race this test is about happens.
        for n in 0..1500 {
            let file = pod.path(&format!(
                "image/wp-content/plugins/woocommerce/src/f{n}.php"
            ));
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, "<?php").unwrap();
        }
        pod.as_the_kubelet_makes_them();
        // Both pods share the claim; each has its own core emptyDir, but the
        // race that matters is on the shared wp-content, so share it all.
        let job = pod.copy("setup-x7k2p");
        let wordpress = pod.copy("wordpress-5d9f8-q2w");
        for child in [job, wordpress] {
            let out = child.wait_with_output().unwrap();
            out.succeeded(&format!("round {round}"));
        }
        assert_eq!(
            pod.read("html/wp-content/plugins/woocommerce/woocommerce.php")
                .as_deref(),
            Some("Version: 10.2.2")
        );
        let nested = pod.path("html/wp-content/plugins/woocommerce/woocommerce");
        assert!(
            !nested.exists(),
            "round {round}: a copy moved into the other"
        );
        assert!(
            pod.leftovers().is_empty(),
            "round {round}: {:?}",
            pod.leftovers()
        );
    }
}

#[test]
fn a_copy_cut_short_is_never_taken_for_a_whole_one() {
    let pod = Pod::new();
    // What a killed init container of this same pod left: half a plugin
    // under its temporary name, no core version yet.
    let half = pod.path("html/wp-content/plugins/.nexus-copy-wordpress-abc-woocommerce");
    std::fs::create_dir_all(&half).unwrap();
    std::fs::write(half.join("partial.php"), "half").unwrap();
    pod.as_the_kubelet_makes_them();
    let out = pod.copy_and_wait("wordpress-abc");
    out.succeeded("");
    assert!(!half.exists());
    assert!(
        !pod.path("html/wp-content/plugins/woocommerce/partial.php")
            .exists()
    );
    assert!(
        pod.path("html/wp-content/plugins/woocommerce/woocommerce.php")
            .is_file()
    );
}

#[test]
fn an_image_without_core_is_named() {
    let pod = Pod::new();
    std::fs::remove_file(pod.path("image/wp-includes/version.php")).unwrap();
    pod.as_the_kubelet_makes_them();
    let out = pod.copy_and_wait("wordpress-abc");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        pod.read("termination.log").unwrap_or_default().starts_with(
            "setup step wordpress-core failed: the WordPress image has no WordPress core in"
        ),
        "{:?}",
        pod.read("termination.log")
    );
    assert!(!pod.path("html/index.php").exists(), "nothing half placed");
}

/// A site as a backup brought it into a new store: installed, WooCommerce
/// active and set up, at its source's address, with its source's admin.
fn cloned_site(admin: bool) -> Site {
    let site = Site::new();
    for (file, text) in [
        ("installed", ""),
        ("wc-version", "10.2.2"),
        ("wc-active", ""),
        ("hpos", ""),
        ("methods", "1"),
        ("products-nexus-sample", "1"),
        ("option-home", "http://shop.shops.test"),
        ("option-nexus_setup_first_run", "done"),
        ("option-woocommerce_shop_page_id", "7"),
        ("option-woocommerce_currency", "EUR"),
        ("option-woocommerce_store_id", "source-store-id"),
        ("option-admin_email", "admin@shop.shops.test"),
        (
            "option-woocommerce_email_from_address",
            "admin@shop.shops.test",
        ),
        (
            "option-woocommerce_stock_email_recipient",
            "stock@shop.example",
        ),
    ] {
        std::fs::write(site.path(&format!("state/{file}")), text).unwrap();
    }
    if admin {
        std::fs::write(site.path("state/user-admin"), "the source's password").unwrap();
    }
    std::fs::write(site.path("www/wp-config.php"), "<?php\n").unwrap();
    site
}

const CLONE: [(&str, &str); 5] = [
    ("CLONED_FROM", "shop-20261205-0300"),
    ("STORE_UID", "2222-uid"),
    ("CURRENCY", ""),
    ("SAMPLE_PRODUCTS", "false"),
    ("ADMIN_PASSWORD", "the clone's password"),
];

#[test]
fn a_clone_gets_this_stores_address_and_admin_once_and_keeps_the_shop() {
    let site = cloned_site(true);
    let first = site
        .run_with("copy", None, &CLONE)
        .succeeded("the clone's setup");
    assert!(
        first.contains("nexus setup: a clone of backup shop-20261205-0300"),
        "{first}"
    );
    let calls = site.calls();
    for step in [
        "search-replace http://shop.shops.test http://demo.shops.test --all-tables-with-prefix --skip-columns=guid",
        "user update admin --user_pass=the clone's password --user_email=owner@example.com --skip-email",
        "transient delete --all",
        "transient delete --all --network",
        "option update woocommerce_store_id ",
        "option update nexus_store_uid 2222-uid",
    ] {
        assert!(called(&calls, step), "missing {step:?} in {calls:#?}");
    }
    assert_eq!(
        site.option("home").as_deref(),
        Some("http://demo.shops.test")
    );
    assert_eq!(
        std::fs::read_to_string(site.path("state/user-admin")).unwrap(),
        "the clone's password"
    );
    assert_ne!(
        site.option("woocommerce_store_id").as_deref(),
        Some("source-store-id"),
        "WooCommerce knows the clone as another shop"
    );
    // Notices go to the clone's admin; the sender followed the source's
    // admin and follows the clone's, a recipient the owner chose stays.
    assert_eq!(
        site.option("admin_email").as_deref(),
        Some("owner@example.com")
    );
    assert_eq!(
        site.option("woocommerce_email_from_address").as_deref(),
        Some("owner@example.com")
    );
    assert_eq!(
        site.option("woocommerce_stock_email_recipient").as_deref(),
        Some("stock@shop.example")
    );
    // The shop stays its source's: installed, its currency, its products.
    for step in [
        "core install",
        "plugin install",
        "option update woocommerce_currency",
        "wc hpos enable",
        "wc product create --name=Sample product",
    ] {
        assert!(!called(&calls, step), "{step:?} ran on a clone: {calls:#?}");
    }
    // A source set up before checkout checks had no check product: the
    // clone gets one.
    assert!(called(&calls, "wc product create --name=Nexus check"));
    assert_eq!(site.option("woocommerce_currency").as_deref(), Some("EUR"));

    // The owner changes the password in wp-admin; a later run leaves it.
    std::fs::write(site.path("state/user-admin"), "the owner's own").unwrap();
    site.run_with("copy", None, &CLONE).succeeded("");
    let calls = site.calls();
    for step in ["search-replace", "user update", "transient delete"] {
        assert!(!called(&calls, step), "{step:?} ran again: {calls:#?}");
    }
    assert_eq!(
        std::fs::read_to_string(site.path("state/user-admin")).unwrap(),
        "the owner's own"
    );
}

#[test]
fn a_clone_whose_source_had_no_admin_of_that_name_gets_one() {
    let site = cloned_site(false);
    site.run_with("copy", None, &CLONE).succeeded("");
    assert!(called(
        &site.calls(),
        "user create admin owner@example.com --role=administrator --user_pass=the clone's password"
    ));
}

#[test]
fn a_new_domain_moves_every_address_of_the_site() {
    let site = Site::new();
    site.run("demo", None).succeeded("");
    assert!(
        !called(&site.calls(), "search-replace"),
        "{:#?}",
        site.calls()
    );
    site.run_with("demo", None, &[("STORE_URL", "https://www.demo.example")])
        .succeeded("");
    assert!(called(
        &site.calls(),
        "search-replace http://demo.shops.test https://www.demo.example --all-tables-with-prefix"
    ));
    assert_eq!(
        site.option("home").as_deref(),
        Some("https://www.demo.example")
    );
    assert!(
        !called(&site.calls(), "user update"),
        "only a clone's admin is reset"
    );
}

#[test]
fn the_check_product_its_plugin_and_the_token_are_set_up_and_kept_current() {
    let site = Site::new();
    let plugin = "<?php\n// the check plugin\n";
    let run = |token: &str| {
        let out = site.run_with(
            "Demo shop",
            None,
            &[("CHECK_TOKEN", token), ("CHECK_PLUGIN", plugin)],
        );
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{said}");
        assert!(!said.contains(token), "the token is never printed: {said}");
        site.calls()
    };
    let first = run("first-token-0123456789abcdefghijklmnopqrstuv");
    assert!(
        called(
            &first,
            "wc product create --name=Nexus check --slug=nexus-check --sku=nexus-check --regular_price=0 --status=private --virtual=true --catalog_visibility=hidden"
        ),
        "{first:#?}"
    );
    assert_eq!(
        site.option("nexus_check_token").as_deref(),
        Some("first-token-0123456789abcdefghijklmnopqrstuv")
    );
    let installed = site.path("www/wp-content/mu-plugins/nexus-check.php");
    assert_eq!(
        std::fs::read_to_string(&installed).unwrap(),
        format!("{plugin}\n")
    );
    // Again with the same token: nothing to write (wp-cli would refuse the
    // same value with --autoload), the product is there.
    std::fs::write(&installed, "<?php // an older plugin").unwrap();
    let second = run("first-token-0123456789abcdefghijklmnopqrstuv");
    assert!(
        !called(&second, "option update nexus_check_token"),
        "{second:#?}"
    );
    assert!(!called(&second, "wc product create"), "{second:#?}");
    assert_eq!(
        std::fs::read_to_string(&installed).unwrap(),
        format!("{plugin}\n"),
        "the platform's plugin is written on every run"
    );
    // A new token (its Secret was made again) is recorded.
    let third = run("second-token-0123456789abcdefghijklmnopqrstu");
    assert!(
        called(&third, "option update nexus_check_token"),
        "{third:#?}"
    );
    assert_eq!(
        site.option("nexus_check_token").as_deref(),
        Some("second-token-0123456789abcdefghijklmnopqrstu")
    );
}
