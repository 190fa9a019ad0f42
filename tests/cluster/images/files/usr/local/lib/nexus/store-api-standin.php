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
 * Measured by hand for `store check --checkout` on WooCommerce 10.0.2 with
 * wp-cli 2.10, after reading its source (src/StoreApi):
 * `GET products/<slug>` answers any product by its slug, a private one
 * too, which the list leaves out; a product is purchasable when published
 * (or editable by the user) with a price, as the `woocommerce_is_purchasable`
 * filter has it; add-item refuses another with 400
 * woocommerce_rest_product_not_purchasable; the cart's default billing
 * address is the shop's country and state; only a cart that needs shipping
 * has its shipping address checked; the address fields required are the
 * country locale's, as the `woocommerce_get_country_locale_default` and
 * `woocommerce_get_country_locale` filters leave them; a free order of
 * virtual products is `completed` at once; the `new_order` and customer
 * emails go out unless their `woocommerce_email_enabled_<id>` filter says
 * false (this image has no mail: each email that would go out is recorded
 * in the option nexus_standin_emails); `woocommerce_store_api_checkout_
 * order_processed` fires with the order, and `wc_get_order($id)->delete()`
 * removes it.
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

/** The part of WC_Product that Nexus's must-use plugin asks of a product. */
class Nexus_Standin_Product {
	private $post;

	public function __construct($post) {
		$this->post = $post;
	}

	public function get_id() {
		return $this->post->ID;
	}

	public function get_name() {
		return $this->post->post_title;
	}

	public function get_sku() {
		return (string) get_post_meta($this->post->ID, '_sku', true);
	}

	public function get_slug() {
		return $this->post->post_name;
	}

	public function is_virtual() {
		return get_post_meta($this->post->ID, '_virtual', true) === 'yes';
	}

	/** WC_Product::is_purchasable. */
	public function is_purchasable() {
		$published = $this->post->post_status === 'publish' || current_user_can('edit_post', $this->post->ID);
		$priced = get_post_meta($this->post->ID, '_regular_price', true) !== '';
		return (bool) apply_filters('woocommerce_is_purchasable', $published && $priced, $this);
	}
}

/** The part of WC_Order that Nexus's must-use plugin asks of an order. */
class Nexus_Standin_Order {
	private $id;

	public function __construct($id) {
		$this->id = (int) $id;
	}

	public function get_id() {
		return $this->id;
	}

	public function delete($force_delete = false) {
		global $wpdb;
		return (bool) $wpdb->delete("{$wpdb->prefix}wc_orders", array('id' => $this->id));
	}
}

if (!function_exists('wc_get_order')) {
	function wc_get_order($id) {
		global $wpdb;
		$found = $wpdb->get_var($wpdb->prepare("SELECT id FROM {$wpdb->prefix}wc_orders WHERE id = %d", $id));
		return $found ? new Nexus_Standin_Order($found) : false;
	}
}

/** The shop's country and state (WooCommerce's default: US:CA). */
function nexus_standin_base() {
	$base = explode(':', (string) get_option('woocommerce_default_country', 'US:CA'), 2);
	return array($base[0], $base[1] ?? '');
}

function nexus_standin_product_view($post) {
	$price = nexus_standin_minor(get_post_meta($post->ID, '_regular_price', true));
	$product = new Nexus_Standin_Product($post);
	return array(
		'id' => $post->ID,
		'name' => $post->post_title,
		'slug' => $post->post_name,
		'is_purchasable' => $product->is_purchasable(),
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
	$needs_shipping = false;
	foreach ($items as $id => $quantity) {
		$post = get_post($id);
		if (!$post) {
			continue;
		}
		$needs_shipping = $needs_shipping || !(new Nexus_Standin_Product($post))->is_virtual();
		$view = nexus_standin_product_view($post);
		$total += (int) $view['prices']['price'] * $quantity;
		$lines[] = array('key' => md5("$key|$id"), 'id' => $id, 'quantity' => $quantity, 'name' => $view['name'], 'prices' => $view['prices']);
	}
	return array(
		'items' => $lines,
		'items_count' => array_sum($items),
		'needs_payment' => $total > 0,
		'needs_shipping' => $needs_shipping,
		'billing_address' => nexus_standin_default_address(),
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

/** A cart's address before the guest gives one: the shop's country and state. */
function nexus_standin_default_address() {
	list($country, $state) = nexus_standin_base();
	$address = array_fill_keys(array('first_name', 'last_name', 'company', 'address_1', 'address_2', 'city', 'state', 'postcode', 'country', 'email', 'phone'), '');
	$address['country'] = $country;
	$address['state'] = $state;
	return $address;
}

/**
 * WC_Countries::get_country_locale, as far as the checkout asks: the default
 * fields (its labels), and the countries whose addresses need a state with
 * the US's ZIP Code; each through WooCommerce's filter.
 */
function nexus_standin_locale($country) {
	$default = apply_filters('woocommerce_get_country_locale_default', array(
		'first_name' => array('label' => 'First name', 'required' => true),
		'last_name' => array('label' => 'Last name', 'required' => true),
		'country' => array('label' => 'Country / Region', 'required' => true),
		'address_1' => array('label' => 'Street address', 'required' => true),
		'city' => array('label' => 'Town / City', 'required' => true),
		'postcode' => array('label' => 'Postcode / ZIP', 'required' => true),
		'state' => array('label' => 'State / County', 'required' => false),
	));
	$state = array('state' => array('label' => 'State', 'required' => true));
	$locales = apply_filters('woocommerce_get_country_locale', array(
		'US' => $state + array('postcode' => array('label' => 'ZIP Code')),
		'CA' => $state,
		'AU' => $state,
		'IN' => $state,
		'BR' => $state,
		'MX' => $state,
	));
	$fields = array();
	foreach ($default as $key => $field) {
		$fields[$key] = !empty($locales[$country][$key]) ? wp_parse_args($locales[$country][$key], $field) : $field;
	}
	return $fields;
}

/**
 * OrderController: a country the shop does not sell to is refused; the
 * first address with a missing required field names them, by their labels.
 */
function nexus_standin_address_error($address, $which) {
	$address = (array) $address;
	$country = (string) ($address['country'] ?? '');
	if ($country === '') {
		return nexus_standin_error('woocommerce_rest_invalid_address_country', 'Sorry, we do not allow orders from the provided country ()', 400);
	}
	$order = array('postcode', 'first_name', 'last_name', 'address_1', 'city', 'state');
	$fields = nexus_standin_locale($country);
	$missing = array();
	foreach ($order as $key) {
		$field = $fields[$key] ?? array();
		if (!empty($field['required']) && trim((string) ($address[$key] ?? '')) === '') {
			$missing[] = $field['label'] . ' is required';
		}
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
	// ProductsBySlug: get_page_by_path, whatever the product's status.
	register_rest_route('wc/store/v1', '/products/(?P<slug>[\S]+)', array(
		'methods' => 'GET',
		'permission_callback' => '__return_true',
		'callback' => function (WP_REST_Request $request) {
			$post = get_page_by_path(sanitize_title($request['slug']), OBJECT, 'product');
			if (!$post) {
				return nexus_standin_error('woocommerce_rest_product_invalid_slug', 'Invalid product slug.', 404);
			}
			return new WP_REST_Response(nexus_standin_product_view($post), 200);
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
			if (!(new Nexus_Standin_Product($post))->is_purchasable()) {
				return nexus_standin_error('woocommerce_rest_product_not_purchasable', sprintf('&quot;%s&quot; is not available for purchase.', $post->post_title), 400);
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
			$cart = nexus_standin_cart_view($key, $items);
			$billing = (array) $request['billing_address'];
			$addresses = array('billing address' => $billing);
			if ($cart['needs_shipping']) {
				$addresses = array('shipping address' => $request['shipping_address'] ?? $billing) + $addresses;
			}
			foreach ($addresses as $which => $address) {
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
			$total = number_format((int) $cart['totals']['total_price'] / 100, 8, '.', '');
			// A Cash on Delivery order needs no payment now: it is
			// processing; a free one of virtual products is complete.
			$status = !$cart['needs_payment'] && !$cart['needs_shipping'] ? 'completed' : 'processing';
			$stored = $wpdb->insert("{$wpdb->prefix}wc_orders", array(
				'status' => "wc-$status",
				'currency' => $cart['totals']['currency_code'],
				'total_amount' => $total,
				'payment_method' => $method,
				'billing_email' => $billing['email'],
				'date_created_gmt' => gmdate('Y-m-d H:i:s'),
			));
			if (!$stored) {
				return nexus_standin_error('woocommerce_rest_checkout_error', 'The order could not be stored: ' . $wpdb->last_error, 500);
			}
			$id = (int) $wpdb->insert_id;
			$order = new Nexus_Standin_Order($id);
			foreach (array('new_order', "customer_{$status}_order") as $email) {
				if (apply_filters("woocommerce_email_enabled_$email", true, $order)) {
					$sent = (array) get_option('nexus_standin_emails', array());
					$sent[] = "$email $id";
					update_option('nexus_standin_emails', $sent, false);
				}
			}
			do_action('woocommerce_store_api_checkout_order_processed', $order);
			delete_transient("nexus_standin_cart_$key");
			return nexus_standin_response($key, array(
				'order_id' => $id,
				'status' => $status,
				'payment_method' => $method,
				'billing_address' => $billing,
				'payment_result' => array('payment_status' => 'success', 'payment_details' => array(), 'redirect_url' => home_url('/checkout/order-received/' . $id . '/')),
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
