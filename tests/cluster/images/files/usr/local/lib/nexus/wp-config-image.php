<?php
// wp-config.php of the WordPress image: everything from the environment, as
// the official image's contract has it (WORDPRESS_DB_*, WORDPRESS_TABLE_PREFIX,
// WORDPRESS_<SALT>).
function nexus_env($name, $default = '') {
	$value = getenv($name);
	return $value === false ? $default : $value;
}
define('DB_NAME', nexus_env('WORDPRESS_DB_NAME', 'wordpress'));
define('DB_USER', nexus_env('WORDPRESS_DB_USER', 'wordpress'));
define('DB_PASSWORD', nexus_env('WORDPRESS_DB_PASSWORD'));
define('DB_HOST', nexus_env('WORDPRESS_DB_HOST', 'mysql'));
define('DB_CHARSET', nexus_env('WORDPRESS_DB_CHARSET', 'utf8mb4'));
define('DB_COLLATE', '');
foreach (array('AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT') as $salt) {
	define($salt, nexus_env('WORDPRESS_' . $salt, 'unset-' . $salt));
}
$table_prefix = nexus_env('WORDPRESS_TABLE_PREFIX', 'wp_');
define('WP_DEBUG', false);
// Behind an ingress that terminates TLS.
if (isset($_SERVER['HTTP_X_FORWARDED_PROTO']) && strpos($_SERVER['HTTP_X_FORWARDED_PROTO'], 'https') !== false) {
	$_SERVER['HTTPS'] = 'on';
}
if (!defined('ABSPATH')) {
	define('ABSPATH', __DIR__ . '/');
}
require_once ABSPATH . 'wp-settings.php';
