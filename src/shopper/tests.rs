//! The shopper against a shop that answers as WooCommerce 10.0.2's Store API
//! answered by hand (statuses, headers, error codes), served on a local port.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::*;

/// How the shop answers.
#[derive(Clone)]
struct Shop {
    home: (StatusCode, &'static str),
    products: Value,
    cart_headers: bool,
    /// Where `/` redirects first, if it does.
    redirect: Option<&'static str>,
    /// The check product, when the shop has one.
    check_product: bool,
    /// What the shop says of an order placed.
    order_status: &'static str,
}

const SHOP_PAGE: &str = r#"<!DOCTYPE html><html><head><title>shop</title></head><body class="home archive post-type-archive post-type-archive-product wp-theme-twentytwentyfive woocommerce-shop woocommerce woocommerce-page"><ul><li>Sample product</li></ul></body></html>"#;
const BLOG_PAGE: &str = r#"<html><head><title>shop &#8211; Just another WordPress site</title></head><body class="home blog wp-theme-twentytwentyfive"></body></html>"#;
const NOT_FOUND: &str = r#"<html><head><title>Page not found &#8211; shop</title></head><body class="error404"></body></html>"#;
const NONCE: &str = "07fc95fff7";
const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.cart.signature";
/// The shop's check token.
const CHECK_SECRET: &str = "Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8L9z0";
const CHECK_ID: u64 = 77;

fn shop() -> Shop {
    Shop {
        home: (StatusCode::OK, SHOP_PAGE),
        products: json!([{"id": 10, "name": "Sample product", "is_purchasable": true, "is_in_stock": true}]),
        cart_headers: true,
        redirect: None,
        check_product: true,
        order_status: "completed",
    }
}

/// Whether a request carries the shop's check token.
fn carries_token(headers: &HeaderMap) -> bool {
    headers
        .get("x-nexus-check")
        .is_some_and(|t| t == CHECK_SECRET)
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// A cart write: refused as WooCommerce refuses it without the cart's Nonce.
fn cart_write(headers: &HeaderMap) -> Option<Response> {
    match headers.get("nonce").map(|v| v.to_str().unwrap_or_default()) {
        None => Some(json_response(
            StatusCode::UNAUTHORIZED,
            json!({"code": "woocommerce_rest_missing_nonce", "message": "Missing the Nonce header. This endpoint requires a valid nonce.", "data": {"status": 401}}),
        )),
        Some(NONCE) if headers.get("cart-token").is_some_and(|t| t == TOKEN) => None,
        Some(_) => Some(json_response(
            StatusCode::FORBIDDEN,
            json!({"code": "woocommerce_rest_invalid_nonce", "message": "Nonce is invalid.", "data": {"status": 403}}),
        )),
    }
}

fn app(shop: Shop) -> Router {
    let shop = Arc::new(shop);
    Router::new()
        .route(
            "/",
            get(|State(shop): State<Arc<Shop>>, headers: HeaderMap| async move {
                assert_eq!(headers["host"], "shop.example.com");
                assert_eq!(headers["x-forwarded-proto"], "https");
                if let Some(to) = shop.redirect {
                    return (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, to)]).into_response();
                }
                (shop.home.0, shop.home.1).into_response()
            }),
        )
        .route(
            "/shop/",
            get(|State(shop): State<Arc<Shop>>| async move { (shop.home.0, shop.home.1).into_response() }),
        )
        .route(
            "/wp-json/wc/store/v1/products",
            get(|State(shop): State<Arc<Shop>>| async move {
                json_response(StatusCode::OK, shop.products.clone())
            }),
        )
        .route(
            "/wp-json/wc/store/v1/products/{slug}",
            get(|State(shop): State<Arc<Shop>>, Path(slug): Path<String>, headers: HeaderMap| async move {
                if slug != CHECK_PRODUCT || !shop.check_product {
                    return json_response(
                        StatusCode::NOT_FOUND,
                        json!({"code": "woocommerce_rest_product_invalid_slug", "message": "Invalid product slug.", "data": {"status": 404}}),
                    );
                }
                json_response(
                    StatusCode::OK,
                    json!({"id": CHECK_ID, "slug": CHECK_PRODUCT, "name": "Nexus check", "is_purchasable": carries_token(&headers)}),
                )
            }),
        )
        .route(
            "/wp-json/wc/store/v1/checkout",
            post(|State(shop): State<Arc<Shop>>, headers: HeaderMap, body: String| async move {
                if let Some(refused) = cart_write(&headers) {
                    return refused;
                }
                let order: Value = serde_json::from_str(&body).unwrap();
                // The shop's own country, from the cart; no mail reaches the buyer.
                assert_eq!(order["billing_address"]["country"], "DE", "{order}");
                assert!(order["billing_address"]["email"].as_str().unwrap().ends_with(".invalid"));
                assert_eq!(order["payment_method"], "cod");
                assert!(carries_token(&headers), "every checkout request carries the token");
                json_response(
                    StatusCode::OK,
                    json!({"order_id": 901, "status": shop.order_status, "payment_method": "cod", "payment_result": {"payment_status": "success"}}),
                )
            }),
        )
        .route(
            "/wp-json/wc/store/v1/cart",
            get(|State(shop): State<Arc<Shop>>| async move {
                let mut response = json_response(StatusCode::OK, json!({"items": [], "items_count": 0, "billing_address": {"country": "DE", "state": "", "email": ""}}));
                if shop.cart_headers {
                    let headers = response.headers_mut();
                    headers.insert("Nonce", NONCE.parse().unwrap());
                    headers.insert("Cart-Token", TOKEN.parse().unwrap());
                }
                response
            }),
        )
        .route(
            "/wp-json/wc/store/v1/cart/add-item",
            post(|headers: HeaderMap, body: String| async move {
                if let Some(refused) = cart_write(&headers) {
                    return refused;
                }
                let item: Value = serde_json::from_str(&body).unwrap();
                if item["id"] == CHECK_ID && !carries_token(&headers) {
                    return json_response(
                        StatusCode::BAD_REQUEST,
                        json!({"code": "woocommerce_rest_product_not_purchasable", "message": "&quot;Nexus check&quot; is not available for purchase."}),
                    );
                }
                if item["id"] != 10 && item["id"] != CHECK_ID {
                    return json_response(
                        StatusCode::BAD_REQUEST,
                        json!({"code": "woocommerce_rest_cart_invalid_product", "message": format!("Product with ID &quot;{}&quot; was not found and cannot be added to the cart.", item["id"])}),
                    );
                }
                json_response(
                    StatusCode::CREATED,
                    json!({"items": [{"key": "d3d9446802a44259755d38e6d163e820", "id": 10, "quantity": 1}], "items_count": 1, "payment_methods": ["cod"]}),
                )
            }),
        )
        .route(
            "/wp-json/wc/store/v1/cart/remove-item",
            post(|headers: HeaderMap, body: String| async move {
                if let Some(refused) = cart_write(&headers) {
                    return refused;
                }
                let item: Value = serde_json::from_str(&body).unwrap();
                if item["key"] != "d3d9446802a44259755d38e6d163e820" {
                    return json_response(
                        StatusCode::CONFLICT,
                        json!({"code": "woocommerce_rest_cart_invalid_key", "message": "Cart item no longer exists or is invalid."}),
                    );
                }
                json_response(StatusCode::OK, json!({"items": [], "items_count": 0}))
            }),
        )
        .with_state(shop)
}

async fn serve(shop: Shop) -> Target {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve_on(shop, listener)
}

fn serve_on(shop: Shop, listener: tokio::net::TcpListener) -> Target {
    let address = listener.local_addr().unwrap().to_string();
    let app = app(shop);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Target {
        address,
        url: "https://shop.example.com".into(),
        timeout: Duration::from_secs(5),
        connect_grace: Duration::ZERO,
        checkout: None,
    }
}

fn checking_out(target: Target, token: &str) -> Target {
    Target {
        checkout: Some(token.into()),
        ..target
    }
}

fn steps(report: &Report) -> Vec<(&str, bool, Option<u16>)> {
    report
        .steps
        .iter()
        .map(|s| (s.step.as_str(), s.passed, s.http_status))
        .collect()
}

#[tokio::test]
async fn a_working_shop_passes_every_step() {
    let report = run(&serve(shop()).await).await;
    assert!(report.passed(), "{report:?}");
    assert_eq!(
        steps(&report),
        [
            (HOME, true, Some(200)),
            (PRODUCT, true, Some(200)),
            (ADD_TO_CART, true, Some(201))
        ]
    );
    assert!(
        report
            .steps
            .iter()
            .all(|s| s.seconds >= 0.0 && s.message.is_none())
    );
}

#[tokio::test]
async fn a_missing_or_broken_home_page_stops_at_home_with_its_status_and_title() {
    for (status, page) in [
        (StatusCode::NOT_FOUND, NOT_FOUND),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "<p>There has been a critical error on this website.</p>",
        ),
    ] {
        let report = run(&serve(Shop {
            home: (status, page),
            ..shop()
        })
        .await)
        .await;
        assert!(!report.passed());
        assert_eq!(steps(&report), [(HOME, false, Some(status.as_u16()))]);
        let failed = report.failure().unwrap();
        assert_eq!(
            failed.message.as_deref(),
            Some(format!("the home page answered {status}").as_str())
        );
        let excerpt = failed.excerpt.as_deref().unwrap();
        if status == StatusCode::NOT_FOUND {
            assert_eq!(excerpt, "<title>Page not found &#8211; shop</title>");
        } else {
            assert!(excerpt.contains("critical error"), "{excerpt}");
        }
    }
}

#[tokio::test]
async fn a_blog_as_the_home_page_is_not_the_shop() {
    let report = run(&serve(Shop {
        home: (StatusCode::OK, BLOG_PAGE),
        ..shop()
    })
    .await)
    .await;
    let failed = report.failure().unwrap();
    assert_eq!(failed.step, HOME);
    assert!(
        failed.message.as_deref().unwrap().contains("not the shop"),
        "{failed:?}"
    );
}

#[tokio::test]
async fn redirects_on_the_stores_host_are_followed_and_away_from_it_are_failures() {
    let report = run(&serve(Shop {
        redirect: Some("https://shop.example.com/shop/"),
        ..shop()
    })
    .await)
    .await;
    assert!(report.passed(), "{report:?}");
    let report = run(&serve(Shop {
        redirect: Some("https://elsewhere.example.net/"),
        ..shop()
    })
    .await)
    .await;
    let failed = report.failure().unwrap();
    assert_eq!(
        (failed.step.as_str(), failed.http_status),
        (HOME, Some(301))
    );
    assert!(
        failed
            .message
            .as_deref()
            .unwrap()
            .contains("elsewhere.example.net"),
        "{failed:?}"
    );
}

#[tokio::test]
async fn a_shop_with_nothing_to_buy_fails_at_product() {
    let sold_out = json!([{"id": 10, "is_purchasable": true, "is_in_stock": false}, {"id": 11, "is_purchasable": false}]);
    for products in [json!([]), sold_out] {
        let report = run(&serve(Shop { products, ..shop() }).await).await;
        assert_eq!(
            steps(&report),
            [(HOME, true, Some(200)), (PRODUCT, false, Some(200))]
        );
        assert!(
            report
                .failure()
                .unwrap()
                .message
                .as_deref()
                .unwrap()
                .contains("no product a guest can buy")
        );
    }
}

#[tokio::test]
async fn a_cart_without_its_nonce_fails_at_add_to_cart() {
    let report = run(&serve(Shop {
        cart_headers: false,
        ..shop()
    })
    .await)
    .await;
    let failed = report.failure().unwrap();
    assert_eq!(
        (failed.step.as_str(), failed.http_status),
        (ADD_TO_CART, Some(200))
    );
    assert!(
        failed.message.as_deref().unwrap().contains("Nonce"),
        "{failed:?}"
    );
    // A product the cart refuses: WooCommerce's code and words in the excerpt.
    let report = run(&serve(Shop {
        products: json!([{"id": 12, "is_purchasable": true}]),
        ..shop()
    })
    .await)
    .await;
    let failed = report.failure().unwrap();
    assert_eq!(
        (failed.step.as_str(), failed.http_status),
        (ADD_TO_CART, Some(400))
    );
    assert!(
        failed
            .excerpt
            .as_deref()
            .unwrap()
            .starts_with("woocommerce_rest_cart_invalid_product: "),
        "{failed:?}"
    );
}

/// A port nothing listens on (now), tried with `grace`.
fn closed_port(grace: Duration) -> Target {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    drop(listener);
    Target {
        address,
        url: "https://shop.example.com".into(),
        timeout: Duration::from_secs(2),
        connect_grace: grace,
        checkout: None,
    }
}

#[tokio::test]
async fn a_store_that_does_not_answer_fails_at_home_without_a_status() {
    let target = closed_port(Duration::from_secs(1));
    let started = std::time::Instant::now();
    let report = run(&target).await;
    let failed = report.failure().unwrap();
    assert_eq!((failed.step.as_str(), failed.http_status), (HOME, None));
    let message = failed.message.as_deref().unwrap();
    assert!(message.starts_with("cannot connect to"), "{message}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "tried again within its grace"
    );
}

#[tokio::test]
async fn a_store_that_answers_within_the_grace_of_its_first_connection_is_checked() {
    // Its port refuses at first (as a network plugin refuses a new pod's
    // first connections for a moment), then the shop answers there.
    let target = closed_port(Duration::from_secs(10));
    let address: std::net::SocketAddr = target.address.parse().unwrap();
    let opens = async move {
        tokio::time::sleep(Duration::from_millis(700)).await;
        serve_on(
            shop(),
            tokio::net::TcpListener::bind(address).await.unwrap(),
        );
    };
    let ((), report) = tokio::join!(opens, run(&target));
    assert!(report.passed(), "{report:?}");
}

#[test]
fn an_excerpt_is_short_and_says_what_the_answer_said() {
    assert_eq!(excerpt(&"x ".repeat(500)).chars().count(), EXCERPT);
    assert_eq!(excerpt("{\"code\":\"c\",\"message\":\"m\"}"), "c: m");
    assert_eq!(excerpt("  Service\n\n Unavailable "), "Service Unavailable");
}

#[tokio::test]
async fn a_checkout_buys_the_check_product_with_the_stores_token() {
    let report = run(&checking_out(serve(shop()).await, CHECK_SECRET)).await;
    assert!(report.passed(), "{report:?}");
    assert_eq!(
        steps(&report),
        [
            (HOME, true, Some(200)),
            (PRODUCT, true, Some(200)),
            (ADD_TO_CART, true, Some(201)),
            (CHECKOUT, true, Some(200))
        ]
    );
    // A light check's report is not a passed checkout.
    let light = Report {
        checkout: true,
        steps: report.steps[..3].to_vec(),
        untried: None,
    };
    assert!(!light.passed());
}

#[tokio::test]
async fn a_store_with_nothing_for_a_check_to_buy_is_not_a_failed_shop() {
    // A store whose setup made no check product, or does not know the
    // token: the checkout is not tried, the light steps stand.
    for (shop, token, said) in [
        (
            Shop {
                check_product: false,
                ..shop()
            },
            CHECK_SECRET,
            "the store has no check product (nexus-check)",
        ),
        (
            shop(),
            "not-the-token",
            "the store does not sell its check product to this check",
        ),
    ] {
        let report = run(&checking_out(serve(shop).await, token)).await;
        assert!(!report.passed(), "{report:?}");
        assert!(report.failure().is_none(), "{report:?}");
        assert_eq!(report.steps.len(), 3);
        assert!(
            report.untried.as_deref().unwrap().starts_with(said),
            "{report:?}"
        );
    }
}

#[tokio::test]
async fn an_order_the_store_did_not_place_fails_the_checkout() {
    let report = run(&checking_out(
        serve(Shop {
            order_status: "failed",
            ..shop()
        })
        .await,
        CHECK_SECRET,
    ))
    .await;
    let failed = report.failure().unwrap();
    assert_eq!(
        (failed.step.as_str(), failed.http_status),
        (CHECKOUT, Some(200))
    );
    assert!(
        failed.message.as_deref().unwrap().contains("\"failed\""),
        "{failed:?}"
    );
}
