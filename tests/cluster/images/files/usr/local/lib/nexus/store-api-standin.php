<?php
/**
 * Plugin Name: Nexus test image: WooCommerce Store API stand-in
 * Description: The part of WooCommerce's Store API a guest checkout uses, for
 * the real-node test images, which carry no WooCommerce (it is packaged
 * nowhere reachable here). It answers only once the stand-in `wp` recorded
 * WooCommerce as active, and reads what the setup recorded: the currency,
 * guest checkout, Cash on Delivery, the products (real posts).
 *
 * Modelled on WooCommerce 10.0.2's own Store API (src/StoreApi: Routes/V1/
 * AbstractCartRoute::check_nonce, Checkout, Utilities/CartController and
 * OrderController) and measured on it (shared/notes/woocommerce-facts.md,
 * fact 7): GET /wc/store/v1/products; a Store API response carries the
 * `Nonce` and `Cart-Token` headers; POST cart/add-item and checkout need
 * both (no Nonce: 401 woocommerce_rest_missing_nonce, a wrong one: 403
 * woocommerce_rest_invalid_nonce); an empty cart, no or a disabled payment
 * method, a missing email and a missing address field are refused with
 * WooCommerce's codes and texts ("There was a problem with the provided
 * shipping address: State is required" for a US address without a state);
 * a Cash on Delivery order is `processing` and is a row of wp_wc_orders.
 * Measured again for `store check` (WooCommerce 10.0.2, twentytwentyfive):
 * the products list carries no Nonce or Cart-Token header (only cart
 * routes do); `cart/remove-item` with an item's key answers 200 with the
 * cart, and a key not in the cart 409 woocommerce_rest_cart_invalid_key;
 * the shop page as the front page has the body classes `woocommerce-shop
 * woocommerce woocommerce-page`.
 */

defined('ABSPATH') || exit;

if (get_option('nexus_standin_plugin_active_woocommerce') !== 'yes') {
	return;
}

/** A cart's key from its Cart-Token, when the token is one this site signed. */
function nexus_standin_cart_key($token) {
	$parts = explode('.', (string) $token, 2);
	if (count($parts) !== 2 || !hash_equals(hash_hmac('sha256', $parts[0], wp_salt('nonce')), $parts[1])) {
		return null;
	}
	return $parts[0];
}

function nexus_standin_nonce($key) {
	return substr(hash_hmac('sha256', "wc_store_api|$key", wp_salt('nonce')), 0, 10);
}

/** The request's cart: its key, and its items (product id => quantity). */
function nexus_standin_cart(WP_REST_Request $request) {
	$key = nexus_standin_cart_key($request->get_header('Cart-Token'));
	if ($key === null) {
		$key = wp_generate_password(20, false);
	}
	return array($key, (array) get_transient("nexus_standin_cart_$key"));
}

/** Prices in minor units as strings, as the Store API gives them. */
function nexus_standin_minor($amount) {
	return (string) (int) round(((float) $amount) * 100);
}

function nexus_standin_product_view($post) {
	$price = nexus_standin_minor(get_post_meta($post->ID, '_regular_price', true));
	return array(
		'id' => $post->ID,
		'name' => $post->post_title,
		'slug' => $post->post_name,
		'is_purchasable' => true,
		'prices' => array(
			'price' => $price,
			'regular_price' => $price,
			'currency_code' => get_option('woocommerce_currency', 'USD'),
			'currency_minor_unit' => 2,
		),
	);
}

function nexus_standin_gateways() {
	$cod = (array) get_option('woocommerce_cod_settings', array());
	return ($cod['enabled'] ?? 'no') === 'yes' ? array('cod') : array();
}

function nexus_standin_cart_view($key, $items) {
	$lines = array();
	$total = 0;
	foreach ($items as $id => $quantity) {
		$post = get_post($id);
		if (!$post) {
			continue;
		}
		$view = nexus_standin_product_view($post);
		$total += (int) $view['prices']['price'] * $quantity;
		$lines[] = array('key' => md5("$key|$id"), 'id' => $id, 'quantity' => $quantity, 'name' => $view['name'], 'prices' => $view['prices']);
	}
	return array(
		'items' => $lines,
		'items_count' => array_sum($items),
		'needs_payment' => $total > 0,
		'payment_methods' => nexus_standin_gateways(),
		'totals' => array('total_price' => (string) $total, 'currency_code' => get_option('woocommerce_currency', 'USD'), 'currency_minor_unit' => 2),
	);
}

/** A response with the headers every Store API response carries. */
function nexus_standin_response($key, $data, $status = 200) {
	$response = new WP_REST_Response($data, $status);
	$response->header('Nonce', nexus_standin_nonce($key));
	$response->header('Cart-Token', $key . '.' . hash_hmac('sha256', $key, wp_salt('nonce')));
	return $response;
}

function nexus_standin_error($code, $message, $status) {
	return new WP_Error($code, $message, array('status' => $status));
}

/** AbstractCartRoute::check_nonce: every write needs the Nonce of its cart. */
function nexus_standin_check_nonce(WP_REST_Request $request, $key) {
	$nonce = $request->get_header('Nonce');
	if ($nonce === null) {
		return nexus_standin_error('woocommerce_rest_missing_nonce', 'Missing the Nonce header. This endpoint requires a valid nonce.', 401);
	}
	if (!hash_equals(nexus_standin_nonce($key), (string) $nonce)) {
		return nexus_standin_error('woocommerce_rest_invalid_nonce', 'Nonce is invalid.', 403);
	}
	return true;
}

/**
 * OrderController: the first address with a missing field names them, by
 * their labels (WC_Countries' defaults, with the US locale's ZIP Code and
 * State: the stand-in shop sells in the US by default).
 */
function nexus_standin_address_error($address, $which) {
	$labels = array('first_name' => 'First name', 'last_name' => 'Last name', 'country' => 'Country / Region', 'address_1' => 'Street address', 'city' => 'Town / City', 'postcode' => 'ZIP Code');
	$address = (array) $address;
	$missing = array();
	foreach ($labels as $field => $label) {
		if (trim((string) ($address[$field] ?? '')) === '') {
			$missing[] = "$label is required";
		}
	}
	// Countries whose addresses need a state, as WooCommerce's do.
	if (in_array($address['country'] ?? '', array('US', 'CA', 'AU', 'IN', 'BR', 'MX'), true) && trim((string) ($address['state'] ?? '')) === '') {
		$missing[] = 'State is required';
	}
	return $missing ? nexus_standin_error('woocommerce_rest_invalid_address', "There was a problem with the provided $which: " . implode(', ', $missing), 400) : null;
}

add_action('rest_api_init', function () {
	register_rest_route('wc/store/v1', '/products', array(
		'methods' => 'GET',
		'permission_callback' => '__return_true',
		'callback' => function (WP_REST_Request $request) {
			$posts = get_posts(array('post_type' => 'product', 'post_status' => 'publish', 'numberposts' => 100, 'orderby' => 'ID', 'order' => 'ASC'));
			return new WP_REST_Response(array_map('nexus_standin_product_view', $posts), 200);
		},
	));
	register_rest_route('wc/store/v1', '/cart', array(
		'methods' => 'GET',
		'permission_callback' => '__return_true',
		'callback' => function (WP_REST_Request $request) {
			list($key, $items) = nexus_standin_cart($request);
			return nexus_standin_response($key, nexus_standin_cart_view($key, $items));
		},
	));
	register_rest_route('wc/store/v1', '/cart/add-item', array(
		'methods' => 'POST',
		'permission_callback' => '__return_true',
		'callback' => function (WP_REST_Request $request) {
			list($key, $items) = nexus_standin_cart($request);
			$allowed = nexus_standin_check_nonce($request, $key);
			if ($allowed !== true) {
				return $allowed;
			}
			$id = (int) $request['id'];
			$post = get_post($id);
			if (!$post || $post->post_type !== 'product' || $post->post_status === 'trash') {
				return nexus_standin_error('woocommerce_rest_cart_invalid_product', sprintf('Product with ID "%s" was not found and cannot be added to the cart.', $request['id']), 400);
			}
			$items[$id] = ($items[$id] ?? 0) + max(1, (int) ($request['quantity'] ?? 1));
			set_transient("nexus_standin_cart_$key", $items, DAY_IN_SECONDS);
			return nexus_standin_response($key, nexus_standin_cart_view($key, $items), 201);
		},
	));
	register_rest_route('wc/store/v1', '/cart/remove-item', array(
		'methods' => 'POST',
		'permission_callback' => '__return_true',
		'callback' => function (WP_REST_Request $request) {
			list($key, $items) = nexus_standin_cart($request);
			$allowed = nexus_standin_check_nonce($request, $key);
			if ($allowed !== true) {
				return $allowed;
			}
			foreach (array_keys($items) as $id) {
				if (md5("$key|$id") === (string) $request['key']) {
					unset($items[$id]);
					set_transient("nexus_standin_cart_$key", $items, DAY_IN_SECONDS);
					return nexus_standin_response($key, nexus_standin_cart_view($key, $items));
				}
			}
			return nexus_standin_error('woocommerce_rest_cart_invalid_key', 'Cart item no longer exists or is invalid.', 409);
		},
	));
	register_rest_route('wc/store/v1', '/checkout', array(
		'methods' => 'POST',
		'permission_callback' => '__return_true',
		'callback' => function (WP_REST_Request $request) {
			global $wpdb;
			list($key, $items) = nexus_standin_cart($request);
			$allowed = nexus_standin_check_nonce($request, $key);
			if ($allowed !== true) {
				return $allowed;
			}
			if (!$items) {
				return nexus_standin_error('woocommerce_rest_cart_empty', 'Cannot place an order, your cart is empty.', 400);
			}
			if (get_option('woocommerce_enable_guest_checkout') !== 'yes' && !is_user_logged_in()) {
				return nexus_standin_error('woocommerce_rest_guest_checkout_disabled', 'You must be logged in to checkout.', 403);
			}
			$billing = (array) $request['billing_address'];
			foreach (array('shipping address' => $request['shipping_address'] ?? $billing, 'billing address' => $billing) as $which => $address) {
				$error = nexus_standin_address_error($address, $which);
				if ($error) {
					return $error;
				}
			}
			if (!is_email($billing['email'] ?? '')) {
				return nexus_standin_error('woocommerce_rest_missing_email_address', 'A valid email address is required', 400);
			}
			$method = (string) ($request['payment_method'] ?? '');
			if ($method === '') {
				return nexus_standin_error('woocommerce_rest_checkout_missing_payment_method', 'No payment method provided.', 400);
			}
			if (!in_array($method, nexus_standin_gateways(), true)) {
				$title = $method === 'cod' ? 'Cash on delivery' : $method;
				return nexus_standin_error('woocommerce_rest_checkout_payment_method_disabled', "$title is not available for this order—please choose a different payment method", 400);
			}
			$cart = nexus_standin_cart_view($key, $items);
			$total = number_format((int) $cart['totals']['total_price'] / 100, 8, '.', '');
			// A Cash on Delivery order needs no payment now: it is processing.
			$stored = $wpdb->insert("{$wpdb->prefix}wc_orders", array(
				'status' => 'wc-processing',
				'currency' => $cart['totals']['currency_code'],
				'total_amount' => $total,
				'payment_method' => $method,
				'billing_email' => $billing['email'],
				'date_created_gmt' => gmdate('Y-m-d H:i:s'),
			));
			if (!$stored) {
				return nexus_standin_error('woocommerce_rest_checkout_error', 'The order could not be stored: ' . $wpdb->last_error, 500);
			}
			delete_transient("nexus_standin_cart_$key");
			return nexus_standin_response($key, array(
				'order_id' => (int) $wpdb->insert_id,
				'status' => 'processing',
				'payment_method' => $method,
				'billing_address' => $billing,
				'payment_result' => array('payment_status' => 'success', 'payment_details' => array(), 'redirect_url' => home_url('/checkout/order-received/' . $wpdb->insert_id . '/')),
			));
		},
	));
});

// The shop page's body classes, as WooCommerce renders its shop.
add_filter('body_class', function ($classes) {
	$shop = (int) get_option('woocommerce_shop_page_id');
	if ($shop && is_page($shop)) {
		array_push($classes, 'woocommerce-shop', 'woocommerce', 'woocommerce-page');
	}
	return $classes;
});
