<?php
/**
 * Plugin Name: Nexus store check
 * Description: Lets `kubectl nexus store check --checkout` buy this store's
 * check product (SKU nexus-check: private, free, virtual) and leaves no
 * trace of it. Put here by the Nexus setup, which also makes the product
 * and records the store's check token (option nexus_check_token).
 *
 * Only a request whose X-Nexus-Check header is the store's check token may
 * buy the check product (to everyone else WooCommerce says it is not for
 * sale). Such a request's order sends no email, asks for no address field
 * beyond the country (a check buyer has none), and is deleted once the
 * checkout has answered. Any other request is left exactly as it was.
 */

defined('ABSPATH') || exit;

const NEXUS_CHECK_SKU = 'nexus-check';

/** Whether this request carries the store's check token. */
function nexus_check_request() {
	static $carries = null;
	if ($carries === null) {
		$token = (string) get_option('nexus_check_token', '');
		$given = isset($_SERVER['HTTP_X_NEXUS_CHECK']) ? (string) $_SERVER['HTTP_X_NEXUS_CHECK'] : '';
		// An unset or short token sells to nobody.
		$carries = strlen($token) >= 32 && hash_equals($token, $given);
	}
	return $carries;
}

add_filter('woocommerce_is_purchasable', function ($purchasable, $product) {
	if (!is_object($product) || !method_exists($product, 'get_sku') || $product->get_sku() !== NEXUS_CHECK_SKU) {
		return $purchasable;
	}
	return nexus_check_request();
}, 10, 2);

if (nexus_check_request()) {
	foreach (array('new_order', 'customer_processing_order', 'customer_completed_order', 'customer_on_hold_order') as $nexus_check_email) {
		add_filter("woocommerce_email_enabled_$nexus_check_email", '__return_false');
	}

	// WooCommerce's Store API checks an order's address fields against the
	// country's locale: none is required of the check's buyer.
	$nexus_check_optional = function ($fields) {
		foreach ($fields as $key => $field) {
			if (is_array($field)) {
				$fields[$key]['required'] = false;
			}
		}
		return $fields;
	};
	add_filter('woocommerce_get_country_locale_default', $nexus_check_optional, 99);
	add_filter('woocommerce_get_country_locale', function ($locales) use ($nexus_check_optional) {
		return array_map($nexus_check_optional, (array) $locales);
	}, 99);

	// Deleted after the answer is sent: the checkout still answers with the
	// order it placed, and the check reads that.
	add_action('woocommerce_store_api_checkout_order_processed', function ($order) {
		$id = $order->get_id();
		add_action('shutdown', function () use ($id) {
			$placed = wc_get_order($id);
			if ($placed) {
				$placed->delete(true);
			}
		});
	});
}
