//! The synthetic shopper: what `kubectl nexus store check` runs against a
//! live store, through its Service with the store's Host header, from a
//! short-lived pod in the store's namespace. Step by step, as a guest would:
//! the home page is the shop, a product is listed, and it goes into a cart
//! (which is emptied again, so nothing is left behind). With `--checkout`
//! it also buys the store's hidden check product with Cash on Delivery (the
//! store deletes that order at once and sends no email for it; see
//! `engines/woocommerce/nexus-check.php`). The first failing step ends the
//! run, with its HTTP status and a short excerpt of the answer.
//!
//! Built on WooCommerce's Store API (`/wp-json/wc/store/v1`), as measured on
//! WooCommerce 10.0.2: the products list carries no cart headers; `GET cart`
//! answers with `Nonce` and `Cart-Token`; a cart write without the Nonce is
//! refused 401 (`woocommerce_rest_missing_nonce`); `add-item` answers 201
//! with the cart, `remove-item` 200.

use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The steps of a light check, in order.
pub const STEPS: [&str; 3] = [HOME, PRODUCT, ADD_TO_CART];
/// The home page answers 200 and is the shop.
pub const HOME: &str = "home";
/// The Store API lists a product a guest can buy.
pub const PRODUCT: &str = "product";
/// That product goes into a guest's cart (and out again).
pub const ADD_TO_CART: &str = "add-to-cart";
/// A guest buys the check product with Cash on Delivery (`--checkout`).
pub const CHECKOUT: &str = "checkout";

/// The slug and SKU of the product a checkout check buys: private (no
/// shopper sees it), free, virtual (no stock, no shipping), and for sale
/// only to a request carrying the store's check token.
pub const CHECK_PRODUCT: &str = "nexus-check";
/// The header that carries the store's check token.
pub const CHECK_TOKEN_HEADER: &str = "X-Nexus-Check";
/// The check order's buyer: an address no mail can reach.
const CHECK_EMAIL: &str = "nexus-check@example.invalid";

/// Where the shopper goes.
#[derive(Debug, Clone)]
pub struct Target {
    /// host:port of the store's WordPress Service.
    pub address: String,
    /// The store's URL (its scheme and host are sent as the Ingress would:
    /// Host, X-Forwarded-Proto).
    pub url: String,
    /// How long one request may take, connection included.
    pub timeout: Duration,
    /// How long the first connection is tried again while it is refused or
    /// unreachable: a new pod's NetworkPolicies are programmed by the
    /// network plugin after it starts (kube-router refuses its first
    /// connections for a moment). Later connections are not.
    pub connect_grace: Duration,
    /// The store's check token: with one, the shopper also checks out.
    pub checkout: Option<String>,
}

pub use crate::api::CheckStep as StepOutcome;

/// A whole run: the steps taken, up to the first that failed.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Report {
    pub steps: Vec<StepOutcome>,
    /// Whether the check was to check out too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub checkout: bool,
    /// Why the checkout was not tried, when the store has nothing for a
    /// check to buy (its setup ran before checkout checks, or does not know
    /// the token): no finding about the shop, which sold up to there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub untried: Option<String>,
}

impl Report {
    pub fn passed(&self) -> bool {
        let steps = STEPS.len() + usize::from(self.checkout);
        self.untried.is_none() && self.steps.len() == steps && self.steps.iter().all(|s| s.passed)
    }

    /// The step that failed, if one did.
    pub fn failure(&self) -> Option<&StepOutcome> {
        self.steps.iter().find(|s| !s.passed)
    }
}

/// The most characters of an answer kept in a report.
pub const EXCERPT: usize = 200;
/// The most bytes of an answer read: a page bigger than this is not read
/// on (a shop's home page is a few hundred KiB).
const MAX_BODY: usize = 4 << 20;
/// Redirects followed on the store's own host (http to https, a slash).
const MAX_REDIRECTS: usize = 3;

/// One HTTP answer.
struct Answer {
    status: StatusCode,
    headers: hyper::HeaderMap,
    body: String,
}

/// A guest's cart, as `GET cart` answered.
struct Cart {
    nonce: String,
    token: String,
    body: Value,
}

impl Cart {
    /// The headers of a write to this cart.
    fn headers(&self) -> Vec<(&str, &str)> {
        vec![("Nonce", &self.nonce), ("Cart-Token", &self.token)]
    }

    /// The check order's billing address: the cart's default country and
    /// state (the shop's own, which it sells to) and an email no mail
    /// reaches.
    fn billing_address(&self) -> Value {
        let default = &self.body["billing_address"];
        json!({
            "email": CHECK_EMAIL,
            "country": default["country"].as_str().unwrap_or_default(),
            "state": default["state"].as_str().unwrap_or_default(),
        })
    }
}

/// A failed step before it is timed.
struct Failed {
    http_status: Option<u16>,
    message: String,
    excerpt: Option<String>,
}

impl Failed {
    fn said(message: impl Into<String>) -> Self {
        Failed {
            http_status: None,
            message: message.into(),
            excerpt: None,
        }
    }

    fn answered(answer: &Answer, message: impl Into<String>) -> Self {
        Failed {
            http_status: Some(answer.status.as_u16()),
            message: message.into(),
            excerpt: Some(excerpt(&answer.body)),
        }
    }
}

type StepResult<T> = Result<(T, u16), Failed>;

/// Runs the steps against `target`, stopping at the first that fails.
pub async fn run(target: &Target) -> Report {
    let checkout = target.checkout.is_some();
    let shopper = match Shopper::new(target) {
        Ok(shopper) => shopper,
        Err(message) => {
            return Report {
                checkout,
                steps: vec![StepOutcome {
                    step: HOME.into(),
                    passed: false,
                    seconds: 0.0,
                    http_status: None,
                    message: Some(message),
                    excerpt: None,
                }],
                untried: None,
            };
        }
    };
    let mut report = Report {
        checkout,
        ..Report::default()
    };
    let started = Instant::now();
    let home = shopper.home().await;
    if !report.record(HOME, started, home.map(|(_, s)| ((), s))) {
        return report;
    }
    let started = Instant::now();
    let product = shopper.product().await;
    let id = match product {
        Ok((id, status)) => {
            report.record(PRODUCT, started, Ok(((), status)));
            id
        }
        Err(failed) => {
            report.record(PRODUCT, started, Err::<((), u16), _>(failed));
            return report;
        }
    };
    let started = Instant::now();
    let added = shopper.add_to_cart(id).await;
    if !report.record(ADD_TO_CART, started, added) {
        return report;
    }
    if let Some(token) = &target.checkout {
        let started = Instant::now();
        match shopper.check_product(token).await {
            Ok(id) => {
                let bought = shopper.checkout(token, id).await;
                report.record(CHECKOUT, started, bought);
            }
            Err(CheckProduct::Untried(why)) => report.untried = Some(why),
            Err(CheckProduct::Failed(failed)) => {
                report.record(CHECKOUT, started, Err(failed));
            }
        }
    }
    report
}

/// Why the check product cannot be bought.
enum CheckProduct {
    /// The store has none for this check: nothing is tried.
    Untried(String),
    /// The store did not answer as a shop does.
    Failed(Failed),
}

impl From<Failed> for CheckProduct {
    fn from(failed: Failed) -> Self {
        CheckProduct::Failed(failed)
    }
}

impl Report {
    /// Adds a step's outcome; whether it passed.
    fn record(&mut self, step: &str, started: Instant, result: StepResult<()>) -> bool {
        let seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
        let outcome = match result {
            Ok(((), status)) => StepOutcome {
                step: step.into(),
                passed: true,
                seconds,
                http_status: Some(status),
                message: None,
                excerpt: None,
            },
            Err(failed) => StepOutcome {
                step: step.into(),
                passed: false,
                seconds,
                http_status: failed.http_status,
                message: Some(failed.message),
                excerpt: failed.excerpt,
            },
        };
        let passed = outcome.passed;
        self.steps.push(outcome);
        passed
    }
}

struct Shopper {
    address: String,
    host: String,
    https: bool,
    timeout: Duration,
    /// Until the first connection is made: how long to keep trying.
    grace: std::cell::Cell<Duration>,
}

const STORE_API: &str = "/wp-json/wc/store/v1";

impl Shopper {
    fn new(target: &Target) -> Result<Self, String> {
        let (scheme, rest) = target
            .url
            .split_once("://")
            .ok_or_else(|| format!("the store's URL {} has no scheme", target.url))?;
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() {
            return Err(format!("the store's URL {} has no host", target.url));
        }
        Ok(Shopper {
            address: target.address.clone(),
            host: host.to_string(),
            https: scheme == "https",
            timeout: target.timeout,
            grace: std::cell::Cell::new(target.connect_grace),
        })
    }

    /// The home page answers 200 and WooCommerce renders it as the shop
    /// (its body classes hold `woocommerce-shop`, as on real WooCommerce
    /// with the shop page as the front page).
    async fn home(&self) -> StepResult<()> {
        let answer = self.get_following("/").await?;
        if answer.status != StatusCode::OK {
            return Err(Failed::answered(
                &answer,
                format!("the home page answered {}", answer.status),
            ));
        }
        if !body_classes(&answer.body).contains(&"woocommerce-shop") {
            return Err(Failed::answered(
                &answer,
                "the home page is not the shop (its body has no woocommerce-shop class)",
            ));
        }
        Ok(((), answer.status.as_u16()))
    }

    /// The first product the Store API lists that a guest can buy.
    async fn product(&self) -> StepResult<u64> {
        let path = format!("{STORE_API}/products?per_page=20");
        let answer = self.exchange(Method::GET, &path, &[], None).await?;
        if answer.status != StatusCode::OK {
            return Err(Failed::answered(
                &answer,
                format!("the Store API's products answered {}", answer.status),
            ));
        }
        let products: Value = json_of(&answer)?;
        let id = products.as_array().and_then(|list| {
            list.iter()
                .filter(|p| p["is_purchasable"] == true && p["is_in_stock"] != false)
                .find_map(|p| p["id"].as_u64())
        });
        match id {
            Some(id) => Ok((id, answer.status.as_u16())),
            None => Err(Failed::answered(
                &answer,
                "the shop lists no product a guest can buy",
            )),
        }
    }

    /// Product `id` into a new guest cart, and out again: the cart's Nonce
    /// and Cart-Token come from `GET cart`, every write sends both.
    async fn add_to_cart(&self, id: u64) -> StepResult<()> {
        let cart = self.open_cart(&[]).await?;
        let auth = cart.headers();
        let added = self.add_item(&auth, id).await?;
        let cart: Value = json_of(&added)?;
        let key = cart["items"].as_array().and_then(|items| {
            items
                .iter()
                .find(|i| i["id"].as_u64() == Some(id))
                .and_then(|i| i["key"].as_str())
        });
        let Some(key) = key else {
            return Err(Failed::answered(
                &added,
                format!("product {id} is not in the cart it was added to"),
            ));
        };
        let path = format!("{STORE_API}/cart/remove-item");
        let removed = self
            .exchange(Method::POST, &path, &auth, Some(json!({ "key": key })))
            .await?;
        if removed.status != StatusCode::OK {
            return Err(Failed::answered(
                &removed,
                format!("emptying the cart again answered {}", removed.status),
            ));
        }
        Ok(((), added.status.as_u16()))
    }

    /// The check product's id: found by its slug (a private product is not
    /// listed, but is answered by slug), for sale to the store's check
    /// token (without it WooCommerce refuses to sell it).
    async fn check_product(&self, token: &str) -> Result<u64, CheckProduct> {
        let check = [(CHECK_TOKEN_HEADER, token)];
        let path = format!("{STORE_API}/products/{CHECK_PRODUCT}");
        let product = self.exchange(Method::GET, &path, &check, None).await?;
        if product.status == StatusCode::NOT_FOUND {
            return Err(CheckProduct::Untried(format!(
                "the store has no check product ({CHECK_PRODUCT}): its setup makes it, and this store's setup last ran before checkout checks existed (it runs again when the store's setup is changed, such as with kubectl nexus store update)"
            )));
        }
        if product.status != StatusCode::OK {
            return Err(Failed::answered(
                &product,
                format!("the check product answered {}", product.status),
            )
            .into());
        }
        let found: Value = json_of(&product)?;
        let Some(id) = found["id"].as_u64() else {
            return Err(Failed::answered(&product, "the check product has no id").into());
        };
        if found["is_purchasable"] != true {
            return Err(CheckProduct::Untried(
                "the store does not sell its check product to this check: it does not know the store's check token (its setup records it; a token made after its last setup run is not known yet)".into(),
            ));
        }
        Ok(id)
    }

    /// The check product bought by a guest with Cash on Delivery, put into
    /// a new cart and ordered, every request with the store's check token.
    /// The billing address is the cart's own default (the shop's country);
    /// the store asks a check order for no other field and deletes it once
    /// placed.
    async fn checkout(&self, token: &str, id: u64) -> StepResult<()> {
        let check = [(CHECK_TOKEN_HEADER, token)];
        let cart = self.open_cart(&check).await?;
        let billing = cart.billing_address();
        let mut headers = cart.headers();
        headers.extend(check);
        self.add_item(&headers, id).await?;
        let order = json!({
            "billing_address": billing,
            "payment_method": "cod",
        });
        let path = format!("{STORE_API}/checkout");
        let placed = self
            .exchange(Method::POST, &path, &headers, Some(order))
            .await?;
        if placed.status != StatusCode::OK {
            return Err(Failed::answered(
                &placed,
                format!("placing the order answered {}", placed.status),
            ));
        }
        let placed_order: Value = json_of(&placed)?;
        let status = placed_order["status"].as_str().unwrap_or_default();
        if !["completed", "processing"].contains(&status)
            || placed_order["order_id"].as_u64().is_none()
        {
            return Err(Failed::answered(
                &placed,
                format!(
                    "the order was not placed (its status is {status:?}, not completed or processing)"
                ),
            ));
        }
        Ok(((), placed.status.as_u16()))
    }

    /// A new guest cart: `GET cart`, whose answer carries the Nonce and
    /// Cart-Token every cart write sends.
    async fn open_cart(&self, headers: &[(&str, &str)]) -> Result<Cart, Failed> {
        let cart = self
            .exchange(Method::GET, &format!("{STORE_API}/cart"), headers, None)
            .await?;
        if cart.status != StatusCode::OK {
            return Err(Failed::answered(
                &cart,
                format!("the Store API's cart answered {}", cart.status),
            ));
        }
        let header = |name: &str| {
            cart.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let (Some(nonce), Some(token)) = (header("nonce"), header("cart-token")) else {
            return Err(Failed::answered(
                &cart,
                "the Store API's cart came without its Nonce and Cart-Token headers",
            ));
        };
        let body = serde_json::from_str(&cart.body).unwrap_or(Value::Null);
        Ok(Cart { nonce, token, body })
    }

    /// Product `id` into the cart of `auth`; the answer, 201.
    async fn add_item(&self, auth: &[(&str, &str)], id: u64) -> Result<Answer, Failed> {
        let item = json!({"id": id, "quantity": 1});
        let path = format!("{STORE_API}/cart/add-item");
        let added = self.exchange(Method::POST, &path, auth, Some(item)).await?;
        if added.status != StatusCode::CREATED {
            return Err(Failed::answered(
                &added,
                format!("adding product {id} to a cart answered {}", added.status),
            ));
        }
        Ok(added)
    }

    /// A GET that follows redirects on the store's own host.
    async fn get_following(&self, path: &str) -> Result<Answer, Failed> {
        let mut path = path.to_string();
        for _ in 0..=MAX_REDIRECTS {
            let answer = self.exchange(Method::GET, &path, &[], None).await?;
            if !answer.status.is_redirection() {
                return Ok(answer);
            }
            let location = answer
                .headers
                .get(hyper::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            match self.own_path(&location) {
                Some(next) => path = next,
                None => {
                    return Err(Failed::answered(
                        &answer,
                        format!("{path} redirects away from the store, to {location:?}"),
                    ));
                }
            }
        }
        Err(Failed::said(format!(
            "more than {MAX_REDIRECTS} redirects from {path}"
        )))
    }

    /// The path of a redirect that stays on the store's host.
    fn own_path(&self, location: &str) -> Option<String> {
        if location.starts_with('/') {
            return Some(location.to_string());
        }
        let rest = location
            .strip_prefix("https://")
            .or_else(|| location.strip_prefix("http://"))?;
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        (host == self.host).then(|| format!("/{path}"))
    }

    /// One request on a new connection.
    async fn exchange(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Result<Answer, Failed> {
        let within = |what: &str| format!("{what} took more than {:?}", self.timeout);
        let stream = self.connect().await?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| Failed::said(format!("HTTP with {}: {e}", self.address)))?;
        tokio::spawn(connection);
        let proto = if self.https { "https" } else { "http" };
        let mut request = Request::builder()
            .method(method.clone())
            .uri(path)
            .header(hyper::header::HOST, &self.host)
            .header("X-Forwarded-Proto", proto)
            .header(hyper::header::USER_AGENT, "nexus-store-check")
            .header(hyper::header::ACCEPT, "text/html,application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let bytes = match body {
            Some(body) => {
                request = request.header(hyper::header::CONTENT_TYPE, "application/json");
                Bytes::from(body.to_string())
            }
            None => Bytes::new(),
        };
        let request = request
            .body(Full::new(bytes))
            .map_err(|e| Failed::said(format!("cannot make the request {method} {path}: {e}")))?;
        let response = tokio::time::timeout(self.timeout, sender.send_request(request))
            .await
            .map_err(|_| Failed::said(within(&format!("{method} {path}"))))?
            .map_err(|e| Failed::said(format!("{method} {path}: {e}")))?;
        let status = response.status();
        let headers = response.headers().clone();
        let collected = tokio::time::timeout(
            self.timeout,
            Limited::new(response.into_body(), MAX_BODY).collect(),
        )
        .await
        .map_err(|_| Failed::said(within(&format!("reading {method} {path}"))))?
        .map_err(|e| Failed::said(format!("reading {method} {path}: {e}")))?;
        Ok(Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
        })
    }
}

impl Shopper {
    /// A connection to the store, tried again within the first one's grace.
    async fn connect(&self) -> Result<tokio::net::TcpStream, Failed> {
        let give_up = Instant::now() + self.grace.get();
        loop {
            let attempt =
                tokio::time::timeout(self.timeout, tokio::net::TcpStream::connect(&self.address))
                    .await;
            let error = match attempt {
                Ok(Ok(stream)) => {
                    self.grace.set(Duration::ZERO);
                    return Ok(stream);
                }
                Ok(Err(e)) => format!("cannot connect to {}: {e}", self.address),
                Err(_) => format!(
                    "connecting to {} took more than {:?}",
                    self.address, self.timeout
                ),
            };
            if Instant::now() >= give_up {
                return Err(Failed::said(error));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

fn json_of(answer: &Answer) -> Result<Value, Failed> {
    serde_json::from_str(&answer.body)
        .map_err(|e| Failed::answered(answer, format!("the answer is not JSON: {e}")))
}

/// The classes of a page's `<body>` tag.
fn body_classes(page: &str) -> Vec<&str> {
    let Some(start) = page.find("<body") else {
        return Vec::new();
    };
    let tag = &page[start..];
    let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
    let Some(class) = tag.find("class=\"") else {
        return Vec::new();
    };
    let value = &tag[class + 7..];
    value[..value.find('"').unwrap_or(value.len())]
        .split_whitespace()
        .collect()
}

/// A short text of an answer: a Store API error's code and message, a
/// page's title, or the start of the body with its whitespace collapsed.
pub fn excerpt(body: &str) -> String {
    let text = match serde_json::from_str::<Value>(body) {
        Ok(error) if error["code"].is_string() => format!(
            "{}: {}",
            error["code"].as_str().unwrap_or_default(),
            error["message"].as_str().unwrap_or_default()
        ),
        _ => match title(body) {
            Some(title) => format!("<title>{title}</title>"),
            None => body.split_whitespace().collect::<Vec<_>>().join(" "),
        },
    };
    text.chars().take(EXCERPT).collect()
}

fn title(page: &str) -> Option<String> {
    let start = page.find("<title>")? + "<title>".len();
    let end = page[start..].find("</title>")? + start;
    Some(
        page[start..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

#[cfg(test)]
mod tests;
