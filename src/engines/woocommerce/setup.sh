#!/bin/sh
# Sets up WooCommerce in a Nexus store: the site on the WordPress core that
# the WordPress image ships (copied in by the Job's init container), the
# pinned WooCommerce, its pages, the shop as the front page, order tables,
# Cash on Delivery with a shipping method, guest checkout, pretty permalinks,
# a sample product and the check product. Idempotent: every step checks
# before it acts, so the Job can run again after any failure.
#
# What the owner asked for (address, currency, sample products) is applied on
# every run. A clone (CLONED_FROM) starts from its source's site, loaded from
# a backup before this runs: it is given this store's address and admin. Choices the owner may change later in wp-admin (front page,
# permalinks, checkout options) are made on the first run only, so a later
# run never undoes them, and an installed WooCommerce is never replaced:
# engine upgrades are explicit, not a side effect of a setup run.
#
# Every user value (store name, URL, email, currency) arrives in the
# environment and is only ever expanded inside double quotes: none of it is
# part of this text, so none of it can become a command.
set -eu

WP_PATH=${WP_PATH:-/var/www/html}
TERMINATION_LOG=${TERMINATION_LOG:-/dev/termination-log}
DB_WAIT_TRIES=${DB_WAIT_TRIES:-60}
DB_WAIT_SECONDS=${DB_WAIT_SECONDS:-5}
WOOCOMMERCE_SOURCE=${WOOCOMMERCE_SOURCE:-}

# fail STEP OUTPUT: name the step in the pod's termination message (read
# back by the operator into the store's condition) and stop.
fail() {
	printf '%s\n' "$2" >&2
	printf 'setup step %s failed: %s\n' "$1" "$(printf '%s' "$2" | tail -n 3)" >"$TERMINATION_LOG"
	exit 1
}

# run STEP COMMAND...: run a wp-cli command; on failure, fail naming the
# step. Says how long each step took: the Job's log is the setup's profile.
run() {
	step=$1
	shift
	began=$(date +%s)
	if ! output=$("$@" 2>&1); then
		fail "$step" "$output"
	fi
	[ -z "$output" ] || printf '%s\n' "$output"
	printf 'nexus setup: step %s took %ss\n' "$step" "$(($(date +%s) - began))"
}

wp() { command wp --path="$WP_PATH" --allow-root "$@"; }

started=$(date +%s)
printf 'nexus setup: store %s at %s\n' "$STORE_NAME" "$STORE_URL"

if [ ! -f "$WP_PATH/wp-load.php" ]; then
	fail wordpress-core "no WordPress core in $WP_PATH: the Job's init container copies it from the WordPress image"
fi
if [ ! -f "$WP_PATH/wp-config.php" ]; then
	run config wp config create --dbname="$WORDPRESS_DB_NAME" --dbuser="$WORDPRESS_DB_USER" \
		--dbpass="$WORDPRESS_DB_PASSWORD" --dbhost="$WORDPRESS_DB_HOST" --skip-check --skip-salts
fi

# Wait for the database with the cheapest query. Errors that waiting cannot
# fix (a refused password, a TLS mismatch between client and server) fail at
# once with the client's own words; the rest are retried for a while.
tries=0
began=$(date +%s)
until output=$(wp db query 'SELECT 1' --skip-column-names 2>&1); do
	case $output in
	*"Access denied"* | *SSL* | *TLS* | *certificate*)
		fail database-connect "$output"
		;;
	esac
	tries=$((tries + 1))
	if [ "$tries" -ge "$DB_WAIT_TRIES" ]; then
		fail wait-for-database "no answer after $tries tries: $output"
	fi
	sleep "$DB_WAIT_SECONDS"
done
printf 'nexus setup: step wait-for-database took %ss\n' "$(($(date +%s) - began))"

if ! wp core is-installed >/dev/null 2>&1; then
	run core-install wp core install --url="$STORE_URL" --title="$STORE_NAME" \
		--admin_user="$ADMIN_USER" --admin_password="$ADMIN_PASSWORD" --admin_email="$ADMIN_EMAIL" --skip-email
fi

# The store's address may have changed since the install (spec.domain), and
# a clone's site still has its source's: every absolute address in the site's
# tables (WooCommerce's too) moves with it, serialized values kept valid, the
# posts' guid left alone as WordPress wants.
previous=$(wp option get home 2>/dev/null || true)
if [ -n "$previous" ] && [ "$previous" != "$STORE_URL" ]; then
	run addresses wp search-replace "$previous" "$STORE_URL" --all-tables-with-prefix --skip-columns=guid --report-changed-only
fi
run site-url wp option update home "$STORE_URL"
run site-url wp option update siteurl "$STORE_URL"

# A clone: the site came from another store's backup. This store's
# administrator signs in with this store's password and email (its salts,
# from its own Secret, already void every sign-in of the other store), the
# cached copies of the other store's pages and addresses go, and WooCommerce
# knows it as another shop. Once per store (nexus_store_uid), so a later run
# never undoes a password the owner changed since.
if [ -n "${CLONED_FROM:-}" ] && [ "$(wp option get nexus_store_uid 2>/dev/null || true)" != "$STORE_UID" ]; then
	printf 'nexus setup: a clone of backup %s\n' "$CLONED_FROM"
	if wp user get "$ADMIN_USER" --field=ID >/dev/null 2>&1; then
		run clone-admin wp user update "$ADMIN_USER" --user_pass="$ADMIN_PASSWORD" --user_email="$ADMIN_EMAIL" --skip-email
	else
		run clone-admin wp user create "$ADMIN_USER" "$ADMIN_EMAIL" --role=administrator --user_pass="$ADMIN_PASSWORD"
	fi
	# The site's address for notices is this store's admin; WooCommerce's
	# sender and stock alerts follow it where they followed the source's
	# (a shop owner who set their own keeps them).
	# Not with `option update`: WordPress would mail the source's admin
	# about the change, and a setup sends no email.
	source_email=$(wp option get admin_email 2>/dev/null || true)
	run clone-admin wp eval 'add_filter("send_site_admin_email_change_email", "__return_false"); update_option("admin_email", getenv("ADMIN_EMAIL"));'
	for option in woocommerce_email_from_address woocommerce_stock_email_recipient; do
		if [ -n "$source_email" ] && [ "$(wp option get "$option" 2>/dev/null || true)" = "$source_email" ]; then
			run clone-admin wp option update "$option" "$ADMIN_EMAIL"
		fi
	done
	# Both kinds: a site transient kept prefetching the old address after a
	# move (woocommerce#59049), and `--all` alone leaves those.
	run clone-transients wp transient delete --all
	run clone-transients wp transient delete --all --network
	run clone-store-id wp option update woocommerce_store_id "$(cat /proc/sys/kernel/random/uuid)"
	run clone-done wp option update nexus_store_uid "$STORE_UID"
fi

# WooCommerce: installed when missing, from the plugin directory at the pinned
# version or from the platform's zip; a present one is left as it is.
installed=$(wp plugin get woocommerce --field=version 2>/dev/null || true)
if [ -z "$installed" ]; then
	if [ -n "$WOOCOMMERCE_SOURCE" ]; then
		run woocommerce-install wp plugin install "$WOOCOMMERCE_SOURCE" --force
	else
		run woocommerce-install wp plugin install woocommerce --version="$WOOCOMMERCE_VERSION" --force
	fi
	installed=$(wp plugin get woocommerce --field=version 2>/dev/null || true)
	if [ "$installed" != "$WOOCOMMERCE_VERSION" ]; then
		fail woocommerce-version "the installed WooCommerce is ${installed:-missing}, not the pinned $WOOCOMMERCE_VERSION: check the WooCommerce source"
	fi
fi
if ! wp plugin is-active woocommerce >/dev/null 2>&1; then
	run woocommerce-activate wp plugin activate woocommerce
fi
run pages wp wc tool run install_pages --user="$ADMIN_USER"

if [ "$(wp option get nexus_setup_first_run 2>/dev/null || true)" != "done" ]; then
	# A shopper expects the shop, not a list of blog posts.
	shop_page=$(wp option get woocommerce_shop_page_id 2>/dev/null || true)
	case $shop_page in
	'' | 0 | *[!0-9]*) fail front-page "WooCommerce has no shop page (woocommerce_shop_page_id is '$shop_page')" ;;
	esac
	run front-page wp option update show_on_front page
	run front-page wp option update page_on_front "$shop_page"
	# WooCommerce moves a new shop to its own order tables (HPOS) only on an
	# admin's first visit; do it now, so every store stores orders alike.
	# Not with --for-new-shop: WooCommerce refuses it once the plugin is
	# active and its pages exist ("This is not a new shop"). On a shop with
	# no orders the plain command creates the tables and enables them, and
	# says "HPOS is already enabled" (exit 0) when run again.
	run order-tables wp wc hpos enable
	run coming-soon wp option update woocommerce_coming_soon no
	run permalinks wp rewrite structure '/%postname%/'
	run guest-checkout wp option update woocommerce_enable_guest_checkout yes
	run cash-on-delivery wp wc payment_gateway update cod --enabled=true --user="$ADMIN_USER"
	# Cash on Delivery applies only with a shipping method: give the zone for
	# "everywhere else" free shipping when it has no method yet.
	methods=$(wp wc shipping_zone_method list 0 --format=count --user="$ADMIN_USER" 2>/dev/null || echo 0)
	if [ "$methods" = "0" ]; then
		run shipping wp wc shipping_zone_method create 0 --method_id=free_shipping --enabled=true --user="$ADMIN_USER"
	fi
	run first-run wp option update nexus_setup_first_run "done"
fi

# A clone asked for no currency keeps its source's.
if [ -n "$CURRENCY" ]; then
	run currency wp option update woocommerce_currency "$CURRENCY"
fi
if [ "$SAMPLE_PRODUCTS" = "true" ]; then
	found=$(wp wc product list --sku=nexus-sample --format=count --user="$ADMIN_USER" 2>/dev/null || echo 0)
	if [ "$found" = "0" ]; then
		run sample-product wp wc product create --name="Sample product" --sku=nexus-sample \
			--regular_price=10.00 --status=publish --user="$ADMIN_USER"
	fi
fi

# What `kubectl nexus store check --checkout` buys: a private, free,
# virtual product (no shopper sees it, no stock moves), for sale only to a
# request carrying the store's check token, whose order sends no email and
# is deleted at once (the must-use plugin). The plugin and the token are
# the platform's and written on every run; the product is made once.
if [ -n "${CHECK_PLUGIN:-}" ]; then
	mkdir -p "$WP_PATH/wp-content/mu-plugins" 2>/dev/null || true
	if ! printf '%s\n' "$CHECK_PLUGIN" >"$WP_PATH/wp-content/mu-plugins/nexus-check.php"; then
		fail check-plugin "cannot write $WP_PATH/wp-content/mu-plugins/nexus-check.php"
	fi
fi
# Written only when it differs: wp-cli refuses to update an option to the
# value it has when --autoload is given ("Could not update option").
if [ -n "${CHECK_TOKEN:-}" ] && [ "$(wp option get nexus_check_token 2>/dev/null || true)" != "$CHECK_TOKEN" ]; then
	run check-token wp option update nexus_check_token "$CHECK_TOKEN" --autoload=no
fi
found=$(wp wc product list --sku=nexus-check --format=count --user="$ADMIN_USER" 2>/dev/null || echo 0)
if [ "$found" = "0" ]; then
	run check-product wp wc product create --name="Nexus check" --slug=nexus-check --sku=nexus-check \
		--regular_price=0 --status=private --virtual=true --catalog_visibility=hidden \
		--description="Bought by kubectl nexus store check --checkout; for sale to that check alone. Its orders are deleted at once." \
		--user="$ADMIN_USER"
fi

echo "nexus setup: complete in $(($(date +%s) - started))s"
