<?php
// A stand-in for wp-cli in the real-node test images. wp-cli and WooCommerce
// are packaged nowhere reachable from this machine, so the setup image
// carries this instead. It answers exactly the commands Nexus's setup script
// sends, with the same arguments and exit codes:
//  - WordPress itself is real: `config create` writes wp-config.php, `db
//    query` asks the database, `core install` runs WordPress's installer,
//    `option` and `rewrite` change the site, pages and the sample product are
//    real posts;
//  - WooCommerce is not installed: its version, activation, order tables,
//    payment gateway and shipping methods are recorded as options named
//    nexus_standin_*, so a second run sees them and changes nothing;
//  - where real WooCommerce 10.2.2 refuses or says more, so does this
//    (shared/notes/woocommerce-facts.md; WooCommerce's CLIRunner::enable):
//    activation sets woocommerce_version and makes the shop's pages, as
//    WooCommerce's installer does, so `wc hpos enable --for-new-shop` is
//    refused afterwards ("This is not a new shop"); the plain command creates
//    the order tables and, run again, warns "HPOS is already enabled." with
//    exit 0; updating Cash on Delivery without sendmail prints sendmail's
//    complaint and succeeds;
//  - `search-replace` (every table of the prefix, serialized values kept
//    valid, the output and counts of wp-cli 2.10), `user get/update/create`
//    `transient delete --all [--network]` and `eval` work on the real site
//    as wp-cli's do, with its words on success and refusal;
//  - `option update NAME VALUE --autoload=no` of the value the option has is
//    refused ("Could not update option"), as wp-cli 2.10 refuses it (without
//    --autoload it is "unchanged"); `wc product create` of a SKU a product
//    has is refused "Invalid or duplicated SKU." (both measured on
//    WooCommerce 10.0.2; a private product is counted by `wc product list
//    --sku`);
//  - the order tables are a real table, wp_wc_orders, where the Store API
//    stand-in (store-api-standin.php, a must-use plugin of the WordPress
//    image) writes a guest's Cash on Delivery order.
// The real images (wordpress, wordpress:cli) remain the defaults for real
// clusters.

$path = '/var/www/html';
$words = array();
$opts = array();
foreach (array_slice($argv, 1) as $arg) {
	if (preg_match('/^--([^=]+)=(.*)$/s', $arg, $m)) {
		$opts[$m[1]] = $m[2];
	} elseif (substr($arg, 0, 2) === '--') {
		$opts[substr($arg, 2)] = true;
	} else {
		$words[] = $arg;
	}
}
if (isset($opts['path'])) {
	$path = rtrim($opts['path'], '/');
}
$command = implode(' ', array_slice($words, 0, 2));
if (in_array($words[0] ?? '', array('search-replace', 'eval'), true)) {
	$command = $words[0];
}

function standin_fail($message) {
	fwrite(STDERR, "Error: $message\n");
	exit(1);
}

function standin_option($name) {
	return 'nexus_standin_' . $name;
}

if ($command === 'config create') {
	$define = function ($name, $value) {
		return 'define(' . var_export($name, true) . ', ' . var_export((string) $value, true) . ");\n";
	};
	$config = "<?php\n// Written by the stand-in `wp config create`.\n"
		. $define('DB_NAME', $opts['dbname'] ?? '')
		. $define('DB_USER', $opts['dbuser'] ?? '')
		. $define('DB_PASSWORD', $opts['dbpass'] ?? '')
		. $define('DB_HOST', $opts['dbhost'] ?? 'localhost')
		. $define('DB_CHARSET', 'utf8mb4')
		. $define('DB_COLLATE', '')
		. "\$table_prefix = 'wp_';\n"
		. "if (!defined('ABSPATH')) { define('ABSPATH', __DIR__ . '/'); }\n"
		. "if (!defined('NEXUS_STANDIN_CONFIG_ONLY')) { require_once ABSPATH . 'wp-settings.php'; }\n";
	if (file_put_contents("$path/wp-config.php", $config) === false) {
		standin_fail("could not write $path/wp-config.php");
	}
	echo "Success: Generated 'wp-config.php' file.\n";
	exit(0);
}

if (!is_file("$path/wp-config.php")) {
	standin_fail("'wp-config.php' not found in $path");
}

if ($command === 'db query') {
	define('NEXUS_STANDIN_CONFIG_ONLY', true);
	require "$path/wp-config.php";
	mysqli_report(MYSQLI_REPORT_OFF);
	$host = explode(':', DB_HOST, 2);
	$db = @new mysqli($host[0], DB_USER, DB_PASSWORD, DB_NAME, (int) ($host[1] ?? 3306));
	if ($db->connect_errno) {
		standin_fail(sprintf('ERROR %d: %s', $db->connect_errno, $db->connect_error));
	}
	$result = $db->query($words[2] ?? '');
	if ($result === false) {
		standin_fail(sprintf('ERROR %d: %s', $db->errno, $db->error));
	}
	if ($result instanceof mysqli_result) {
		while ($row = $result->fetch_row()) {
			echo implode("\t", $row), "\n";
		}
	}
	exit(0);
}

// Everything else runs inside WordPress, loaded as a request to the site.
$_SERVER['HTTP_HOST'] = $_SERVER['HTTP_HOST'] ?? 'localhost';
$_SERVER['SERVER_NAME'] = $_SERVER['SERVER_NAME'] ?? 'localhost';
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['REQUEST_METHOD'] = 'GET';
if (in_array($command, array('core is-installed', 'core install'), true)) {
	define('WP_INSTALLING', true);
}
// The installer mails the admin; a store's setup never does.
function wp_new_blog_notification($blog_title, $blog_url, $user_id, $password) {
}
require "$path/wp-load.php";

switch ($command) {
	case 'core is-installed':
		exit(is_blog_installed() ? 0 : 1);

	case 'core install':
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		foreach (array('url', 'title', 'admin_user', 'admin_password', 'admin_email') as $required) {
			if (!isset($opts[$required]) || $opts[$required] === true) {
				standin_fail("missing --$required");
			}
		}
		$result = wp_install($opts['title'], $opts['admin_user'], $opts['admin_email'], true, '', wp_slash($opts['admin_password']));
		if (is_wp_error($result)) {
			standin_fail($result->get_error_message());
		}
		update_option('siteurl', $opts['url']);
		update_option('home', $opts['url']);
		echo "Success: WordPress installed successfully.\n";
		exit(0);

	case 'option get':
		$value = get_option($words[2] ?? '');
		if ($value === false) {
			standin_fail("Could not get '" . ($words[2] ?? '') . "' option. Does it exist?");
		}
		echo is_scalar($value) ? $value : json_encode($value), "\n";
		exit(0);

	case 'option update':
		$name = $words[2] ?? '';
		$autoload = $opts['autoload'] ?? null;
		// wp-cli 2.10 (measured): the same value is "unchanged" only
		// without --autoload; with it, update_option() answers false and
		// wp-cli says it could not update.
		if (get_option($name) === ($words[3] ?? '')) {
			if ($autoload !== null) {
				standin_fail("Could not update option '$name'.");
			}
			echo "Success: Value passed for '$name' option is unchanged.\n";
			exit(0);
		}
		update_option($name, $words[3] ?? '', $autoload === null ? null : $autoload !== 'no');
		echo "Success: Updated '$name' option.\n";
		exit(0);

	case 'rewrite structure':
		global $wp_rewrite;
		$wp_rewrite->set_permalink_structure($words[2] ?? '');
		flush_rewrite_rules(false);
		echo "Success: Rewrite structure set.\n";
		exit(0);

	case 'search-replace':
		standin_search_replace($words[1] ?? '', $words[2] ?? '', $opts);
		exit(0);

	case 'user get':
		$user = standin_user($words[2] ?? '');
		echo isset($opts['field']) ? $user->{$opts['field']} : $user->ID, "\n";
		exit(0);

	case 'user update':
		$user = standin_user($words[2] ?? '');
		if (isset($opts['skip-email'])) {
			add_filter('send_password_change_email', '__return_false');
			add_filter('send_email_change_email', '__return_false');
		}
		$fields = array('ID' => $user->ID);
		foreach (array('user_pass', 'user_email') as $field) {
			if (isset($opts[$field])) {
				$fields[$field] = $opts[$field];
			}
		}
		$updated = wp_update_user(wp_slash($fields));
		if (is_wp_error($updated)) {
			standin_fail($updated->get_error_message());
		}
		echo "Success: Updated user {$user->ID}.\n";
		exit(0);

	case 'user create':
		$created = wp_insert_user(wp_slash(array(
			'user_login' => $words[2] ?? '',
			'user_email' => $words[3] ?? '',
			'user_pass' => $opts['user_pass'] ?? wp_generate_password(24),
			'role' => $opts['role'] ?? get_option('default_role'),
		)));
		if (is_wp_error($created)) {
			standin_fail($created->get_error_message());
		}
		echo "Success: Created user $created.\n";
		exit(0);

	case 'eval':
		// As wp-cli's: the code runs inside the loaded WordPress, and prints
		// what it prints.
		eval($words[1] ?? '');
		exit(0);

	case 'transient delete':
		if (!isset($opts['all'])) {
			standin_fail('the stand-in wp models only `transient delete --all [--network]`');
		}
		// As wp-cli's Transient_Command::delete_all on a single site: the
		// site's transients, or with --network the site transients (also in
		// the options table); a transient and its timeout count once.
		global $wpdb;
		$prefix = isset($opts['network']) ? '_site_transient_' : '_transient_';
		$timeout = $prefix . 'timeout_';
		$pairs = $wpdb->query($wpdb->prepare(
			"DELETE a, b FROM {$wpdb->options} a, {$wpdb->options} b WHERE a.option_name LIKE %s AND a.option_name NOT LIKE %s AND b.option_name = CONCAT(%s, SUBSTRING(a.option_name, %d))",
			$wpdb->esc_like($prefix) . '%',
			$wpdb->esc_like($timeout) . '%',
			$timeout,
			strlen($prefix) + 1
		));
		$count = $pairs / 2 + $wpdb->query($wpdb->prepare("DELETE FROM {$wpdb->options} WHERE option_name LIKE %s", $wpdb->esc_like($prefix) . '%'));
		wp_cache_flush();
		echo $count > 0 ? sprintf("Success: %d %s deleted from the database.\n", $count, $count === 1 ? 'transient' : 'transients') : "Success: No transients found.\n";
		exit(0);

	case 'plugin get':
		$version = get_option(standin_option('plugin_version_' . ($words[2] ?? '')));
		if ($version === false) {
			standin_fail("The '" . ($words[2] ?? '') . "' plugin could not be found.");
		}
		echo $version, "\n";
		exit(0);

	case 'plugin install':
		$source = $words[2] ?? '';
		$version = $opts['version'] ?? getenv('WOOCOMMERCE_VERSION');
		update_option(standin_option('plugin_version_woocommerce'), $version);
		update_option(standin_option('plugin_source_woocommerce'), $source);
		echo "stand-in: WooCommerce is not packaged here; recorded woocommerce $version from $source without installing it\n";
		exit(0);

	case 'plugin is-active':
		exit(get_option(standin_option('plugin_active_' . ($words[2] ?? ''))) === 'yes' ? 0 : 1);

	case 'plugin activate':
		update_option(standin_option('plugin_active_' . ($words[2] ?? '')), 'yes');
		if (($words[2] ?? '') === 'woocommerce') {
			// WooCommerce's installer runs on activation: its version, its pages.
			update_option('woocommerce_version', get_option(standin_option('plugin_version_woocommerce')));
			standin_install_pages();
		}
		echo "Success: Activated 1 of 1 plugins.\n";
		exit(0);
}

// A user by login, email or ID, as wp-cli's user fetcher finds one.
function standin_user($key) {
	$user = ctype_digit((string) $key) ? get_user_by('id', (int) $key) : (get_user_by('login', $key) ?: get_user_by('email', $key));
	if (!$user) {
		standin_fail("Invalid user ID, email or login: '$key'");
	}
	return $user;
}

// `wp search-replace OLD NEW --all-tables-with-prefix --skip-columns=...
// --report-changed-only`, as wp-cli does it: every table of the prefix, each
// text column; a column holding serialized PHP anywhere is rewritten row by
// row with the values unserialized and serialized again (type PHP), any
// other with one SQL REPLACE (type SQL); a count is of rows changed.
function standin_search_replace($old, $new, $opts) {
	global $wpdb;
	if ($old === '') {
		standin_fail('Search string cannot be empty.');
	}
	if (!isset($opts['all-tables-with-prefix'])) {
		standin_fail('the stand-in wp models only `search-replace --all-tables-with-prefix`');
	}
	$skip = array_filter(explode(',', (string) ($opts['skip-columns'] ?? '')));
	$tables = $wpdb->get_col($wpdb->prepare('SHOW TABLES LIKE %s', $wpdb->esc_like($wpdb->prefix) . '%'));
	$report = array();
	$total = 0;
	foreach ($tables as $table) {
		$columns = $wpdb->get_results("SHOW COLUMNS FROM `$table`");
		$keys = array();
		foreach ($columns as $column) {
			if ($column->Key === 'PRI') {
				$keys[] = $column->Field;
			}
		}
		foreach ($columns as $column) {
			$name = $column->Field;
			if (in_array($name, $skip, true) || !preg_match('/char|text|blob|enum/i', $column->Type) || $keys === array()) {
				continue;
			}
			$like = '%' . $wpdb->esc_like($old) . '%';
			$serialized = (int) $wpdb->get_var($wpdb->prepare("SELECT COUNT(*) FROM `$table` WHERE `$name` LIKE %s AND `$name` REGEXP '^[aiO]:[1-9]'", $like)) > 0;
			if (!$serialized) {
				$count = (int) $wpdb->query($wpdb->prepare("UPDATE `$table` SET `$name` = REPLACE(`$name`, %s, %s) WHERE `$name` LIKE %s", $old, $new, $like));
				$type = 'SQL';
			} else {
				$count = 0;
				$type = 'PHP';
				$select = implode(', ', array_map(function ($k) { return "`$k`"; }, $keys));
				foreach ($wpdb->get_results($wpdb->prepare("SELECT $select, `$name` AS nexus_value FROM `$table` WHERE `$name` LIKE %s", $like), ARRAY_A) as $row) {
					$value = standin_replace_value(maybe_unserialize($row['nexus_value']), $old, $new);
					$value = is_serialized($row['nexus_value']) ? serialize($value) : $value;
					$where = array_intersect_key($row, array_flip($keys));
					if ($value !== $row['nexus_value'] && $wpdb->update($table, array($name => $value), $where)) {
						$count++;
					}
				}
			}
			if ($count > 0 || !isset($opts['report-changed-only'])) {
				$report[] = "$table\t$name\t$count\t$type";
			}
			$total += $count;
		}
	}
	wp_cache_flush();
	if ($report !== array()) {
		echo "Table\tColumn\tReplacements\tType\n", implode("\n", $report), "\n";
	}
	echo "Success: Made $total replacements.\n";
}

function standin_replace_value($value, $old, $new) {
	if (is_string($value)) {
		return str_replace($old, $new, $value);
	}
	if (is_array($value)) {
		foreach ($value as $key => $item) {
			$value[$key] = standin_replace_value($item, $old, $new);
		}
	}
	return $value;
}

// WooCommerce's pages, each made once (WC_Install::create_pages).
function standin_install_pages() {
	foreach (array('shop' => 'Shop', 'cart' => 'Cart', 'checkout' => 'Checkout', 'myaccount' => 'My account') as $key => $title) {
		if ((int) get_option("woocommerce_{$key}_page_id") > 0) {
			continue;
		}
		$page = wp_insert_post(array('post_title' => $title, 'post_type' => 'page', 'post_status' => 'publish', 'post_content' => "<p>$title of " . esc_html(get_option('blogname')) . '</p>'), true);
		if (is_wp_error($page)) {
			standin_fail($page->get_error_message());
		}
		update_option("woocommerce_{$key}_page_id", $page);
	}
}

// WC_Install::is_new_install(): no version yet, or no shop page and no product.
function standin_is_new_shop() {
	$products = get_posts(array('post_type' => 'product', 'post_status' => 'any', 'fields' => 'ids', 'numberposts' => 1));
	return get_option('woocommerce_version') === false
		|| ((int) get_option('woocommerce_shop_page_id') <= 0 && count($products) === 0);
}

// `wc ...`: WooCommerce's commands, recorded or made of real posts.
$wc = implode(' ', array_slice($words, 0, 3));
switch (true) {
	case $wc === 'wc tool run' && ($words[3] ?? '') === 'install_pages':
		standin_install_pages();
		echo "Success: Pages installed.\n";
		exit(0);

	case $wc === 'wc hpos enable':
		echo "Running pre-enable checks...\n";
		if (isset($opts['for-new-shop']) && !standin_is_new_shop()) {
			standin_fail('[Failed] This is not a new shop, but --for-new-shop flag was passed.');
		}
		if (get_option('woocommerce_custom_orders_table_enabled') === 'yes') {
			fwrite(STDERR, "Warning: HPOS is already enabled.\n");
			exit(0);
		}
		// The order table the Store API stand-in writes orders to: the
		// columns of WooCommerce's wp_wc_orders that a checkout fills.
		global $wpdb;
		$created = $wpdb->query("CREATE TABLE IF NOT EXISTS {$wpdb->prefix}wc_orders (
			id bigint(20) unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
			status varchar(20) NULL, currency varchar(10) NULL, total_amount decimal(26,8) NULL,
			payment_method varchar(100) NULL, billing_email varchar(320) NULL, date_created_gmt datetime NULL
		) {$wpdb->get_charset_collate()}");
		if ($created === false) {
			standin_fail('could not create the orders table: ' . $wpdb->last_error);
		}
		update_option('woocommerce_custom_orders_table_enabled', 'yes');
		fwrite(STDERR, "Warning: Orders table does not exist. Creating...\n");
		echo "Orders table created.\nSuccess: HPOS enabled.\n";
		exit(0);

	case $wc === 'wc payment_gateway update':
		update_option('woocommerce_' . ($words[3] ?? '') . '_settings', array('enabled' => ($opts['enabled'] ?? '') === 'true' ? 'yes' : 'no'));
		if (!is_executable('/usr/sbin/sendmail')) {
			fwrite(STDERR, "sh: 1: /usr/sbin/sendmail: not found\n");
		}
		echo "Success: Updated payment_gateway cod.\n";
		exit(0);

	case $wc === 'wc shipping_zone_method list':
		echo count((array) get_option(standin_option('zone_methods_' . ($words[3] ?? '')), array())), "\n";
		exit(0);

	case $wc === 'wc shipping_zone_method create':
		$methods = (array) get_option(standin_option('zone_methods_' . ($words[3] ?? '')), array());
		$methods[] = $opts['method_id'] ?? '';
		update_option(standin_option('zone_methods_' . ($words[3] ?? '')), $methods);
		exit(0);

	case $wc === 'wc product list':
		$found = get_posts(array('post_type' => 'product', 'post_status' => 'any', 'meta_key' => '_sku', 'meta_value' => $opts['sku'] ?? '', 'fields' => 'ids'));
		echo count($found), "\n";
		exit(0);

	case $wc === 'wc product create':
		$sku = $opts['sku'] ?? '';
		$taken = $sku === '' ? array() : get_posts(array('post_type' => 'product', 'post_status' => 'any', 'meta_key' => '_sku', 'meta_value' => $sku, 'fields' => 'ids'));
		if ($taken) {
			// WooCommerce's REST answer to a second product with a SKU (measured).
			standin_fail('Invalid or duplicated SKU. ' . json_encode(array('status' => 400, 'resource_id' => $taken[0], 'unique_sku' => "$sku-1")));
		}
		$post = array('post_title' => $opts['name'] ?? '', 'post_type' => 'product', 'post_status' => $opts['status'] ?? 'publish', 'post_content' => $opts['description'] ?? '');
		if (isset($opts['slug'])) {
			$post['post_name'] = $opts['slug'];
		}
		$product = wp_insert_post($post, true);
		if (is_wp_error($product)) {
			standin_fail($product->get_error_message());
		}
		update_post_meta($product, '_sku', $sku);
		update_post_meta($product, '_regular_price', $opts['regular_price'] ?? '');
		update_post_meta($product, '_price', $opts['regular_price'] ?? '');
		update_post_meta($product, '_virtual', ($opts['virtual'] ?? 'false') === 'true' ? 'yes' : 'no');
		update_post_meta($product, '_nexus_standin_catalog_visibility', $opts['catalog_visibility'] ?? 'visible');
		echo "Success: Created product $product.\n";
		exit(0);
}
standin_fail('the stand-in wp does not know `' . implode(' ', $words) . '`');
