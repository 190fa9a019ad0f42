#!/bin/sh
# Sets up WooCommerce in a Nexus store: WordPress core, the pinned WooCommerce,
# its pages, Cash on Delivery with a shipping method, guest checkout, pretty
# permalinks and a sample product. Idempotent: every step checks before it
# acts, so the Job can run again after any failure.
#
# Every user value (store name, URL, email, currency) arrives in the
# environment and is only ever expanded inside double quotes: none of it is
# part of this text, so none of it can become a command.
set -eu

WP_PATH=${WP_PATH:-/var/www/html}
TERMINATION_LOG=${TERMINATION_LOG:-/dev/termination-log}
export WP_CLI_CACHE_DIR=/tmp/wp-cli-cache
step=start

# run STEP COMMAND...: run a wp-cli command; on failure, name the step in the
# pod's termination message (read back by the operator) and stop.
run() {
	step=$1
	shift
	if ! output=$("$@" 2>&1); then
		printf '%s\n' "$output" >&2
		printf 'setup step %s failed: %s\n' "$step" "$(printf '%s' "$output" | tail -n 3)" >"$TERMINATION_LOG"
		exit 1
	fi
	[ -z "$output" ] || printf '%s\n' "$output"
}

wp() { command wp --path="$WP_PATH" --allow-root "$@"; }

printf 'nexus setup: store %s at %s\n' "$STORE_NAME" "$STORE_URL"

if [ ! -f "$WP_PATH/wp-load.php" ]; then
	run core-download wp core download --version="$WORDPRESS_VERSION" --skip-content --force
fi
if [ ! -f "$WP_PATH/wp-config.php" ]; then
	run config wp config create --dbname="$WORDPRESS_DB_NAME" --dbuser="$WORDPRESS_DB_USER" \
		--dbpass="$WORDPRESS_DB_PASSWORD" --dbhost="$WORDPRESS_DB_HOST" --skip-check --skip-salts
fi

tries=0
until wp db check >/dev/null 2>&1; do
	tries=$((tries + 1))
	if [ "$tries" -ge 60 ]; then
		run wait-for-database wp db check
	fi
	sleep 5
done

if ! wp core is-installed >/dev/null 2>&1; then
	run core-install wp core install --url="$STORE_URL" --title="$STORE_NAME" \
		--admin_user="$ADMIN_USER" --admin_password="$ADMIN_PASSWORD" --admin_email="$ADMIN_EMAIL" --skip-email
fi

# The store's address may have changed since the install (spec.domain).
run site-url wp option update home "$STORE_URL"
run site-url wp option update siteurl "$STORE_URL"

installed=$(wp plugin get woocommerce --field=version 2>/dev/null || true)
if [ "$installed" != "$WOOCOMMERCE_VERSION" ]; then
	run woocommerce-install wp plugin install woocommerce --version="$WOOCOMMERCE_VERSION" --force
fi
if ! wp plugin is-active woocommerce >/dev/null 2>&1; then
	run woocommerce-activate wp plugin activate woocommerce
fi

run pages wp wc tool run install_pages --user="$ADMIN_USER"
run coming-soon wp option update woocommerce_coming_soon no
run permalinks wp rewrite structure '/%postname%/'
run currency wp option update woocommerce_currency "$CURRENCY"
run guest-checkout wp option update woocommerce_enable_guest_checkout yes
run cash-on-delivery wp wc payment_gateway update cod --enabled=true --user="$ADMIN_USER"

# Cash on Delivery applies only with a shipping method: give the zone for
# "everywhere else" free shipping when it has no method yet.
methods=$(wp wc shipping_zone_method list 0 --format=count --user="$ADMIN_USER" 2>/dev/null || echo 0)
if [ "$methods" = "0" ]; then
	run shipping wp wc shipping_zone_method create 0 --method_id=free_shipping --enabled=true --user="$ADMIN_USER"
fi

if [ "$SAMPLE_PRODUCTS" = "true" ]; then
	found=$(wp wc product list --sku=nexus-sample --format=count --user="$ADMIN_USER" 2>/dev/null || echo 0)
	if [ "$found" = "0" ]; then
		run sample-product wp wc product create --name="Sample product" --sku=nexus-sample \
			--regular_price=10.00 --status=publish --user="$ADMIN_USER"
	fi
fi

step=done
echo "nexus setup: complete"
