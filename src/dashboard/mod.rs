//! `kubectl nexus dashboard`: the fleet and each store in a browser, served
//! from this binary on this machine and acting as the person who runs it
//! (their kubeconfig identity): RBAC, admission and audit apply exactly as
//! to the CLI, and the pages are drawn from the very models `-o json`
//! prints. Every asset is in the binary (no CDN; works offline). One watch
//! of the Stores (`live`) feeds every page, pushed as server-sent events.

pub mod guard;
pub mod live;
mod parts;
mod writes;

use std::convert::Infallible;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{self, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::{Stream, StreamExt};
use serde_json::json;
use tokio::sync::watch;

use crate::commands::Session;
use crate::commands::store;
use crate::error::{Error, Result};
use guard::{Asked, Guard, Verdict};
use live::Fleet;

const INDEX: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/app.js");
const STYLE: &str = include_str!("assets/app.css");

/// Where and how to serve.
#[derive(Debug, Clone)]
pub struct Options {
    pub address: IpAddr,
    /// 0: any free port.
    pub port: u16,
    /// Serve on an address other machines reach (asked for explicitly).
    pub allow_remote: bool,
    pub open_browser: bool,
    /// Where the audit chains' anchors are (`audit --platform-namespace`).
    pub platform_namespace: String,
}

struct App {
    session: Session,
    platform_namespace: String,
    guard: Guard,
    /// The fleet, as the dashboard's one watch of the Stores knows it.
    fleet: watch::Receiver<Arc<Fleet>>,
    /// True once the dashboard stops: pages' event streams end, so that the
    /// server can finish.
    stopping: watch::Receiver<bool>,
}

impl App {
    /// The person's session, in the namespace a page names.
    fn session_in(&self, namespace: String) -> Session {
        Session {
            client: self.session.client.clone(),
            namespace,
        }
    }
}

/// Serves until interrupted.
pub async fn serve(session: Session, options: Options) -> Result<()> {
    if !options.address.is_loopback() && !options.allow_remote {
        return Err(Error::Usage(format!(
            "--address {} is reachable from other machines, and the dashboard acts with your credentials\nhint: keep the default 127.0.0.1, or pass --allow-remote if you mean it",
            options.address
        )));
    }
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(options.address, options.port))
        .await
        .map_err(|e| {
            Error::Usage(format!(
                "cannot listen on {}:{}: {e}",
                options.address, options.port
            ))
        })?;
    let bound = listener.local_addr().map_err(crate::error::io_error)?;
    let secret = |what| {
        random_token().map_err(|e| Error::Other(format!("cannot make the dashboard's {what}: {e}")))
    };
    let guard = Guard::new(
        secret("token")?,
        secret("session")?,
        secret("CSRF token")?,
        hosts(bound),
    );
    let fleet = live::follow(&session).await;
    let url = format!("http://{}/?token={}", host_of(bound), guard.token());
    // Whoever reads the address may stop reading: the dashboard goes on.
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "Nexus dashboard: {url}").and_then(|()| stdout.flush());
    eprintln!("(it acts as you, with your kubeconfig; stop it with Ctrl-C)");
    if options.open_browser {
        open_browser(&url);
    }
    let (stop, stopping) = watch::channel(false);
    let app = Arc::new(App {
        session,
        platform_namespace: options.platform_namespace.clone(),
        guard,
        fleet,
        stopping,
    });
    axum::serve(listener, router(app))
        .with_graceful_shutdown(async move {
            let _ = tokio::signal::ctrl_c().await;
            stop.send_replace(true);
        })
        .await
        .map_err(crate::error::io_error)
}

/// 32 random letters and digits from the OS CSPRNG (hex of 16 bytes).
fn random_token() -> std::result::Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The Host values that name the dashboard at `bound`.
fn hosts(bound: SocketAddr) -> Vec<String> {
    let mut hosts = vec![host_of(bound)];
    if bound.ip().is_loopback() {
        hosts.push(format!("localhost:{}", bound.port()));
    }
    hosts
}

fn host_of(bound: SocketAddr) -> String {
    match bound.ip() {
        IpAddr::V6(ip) => format!("[{ip}]:{}", bound.port()),
        IpAddr::V4(ip) => format!("{ip}:{}", bound.port()),
    }
}

/// Where there is a desktop, its browser opens the dashboard.
fn open_browser(url: &str) {
    let desktop = std::env::var_os("DISPLAY").is_some()
        || std::env::var_os("WAYLAND_DISPLAY").is_some()
        || cfg!(target_os = "macos");
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if desktop {
        let _ = std::process::Command::new(opener)
            .arg(url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
    }
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { asset(INDEX, "text/html; charset=utf-8") }),
        )
        .route(
            "/app.js",
            get(|| async { asset(SCRIPT, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/app.css",
            get(|| async { asset(STYLE, "text/css; charset=utf-8") }),
        )
        .route("/api/session", get(session))
        .route("/api/stores", get(fleet))
        .route("/api/events", get(events))
        .route(
            "/api/stores/{namespace}/{name}",
            get(store_details).delete(writes::delete_store),
        )
        .route("/api/stores/{namespace}", post(writes::create_store))
        .route("/api/stores/{namespace}/{name}/quota", get(parts::quota))
        .route("/api/stores/{namespace}/{name}/audit", get(parts::audit))
        .route(
            "/api/stores/{namespace}/{name}/backups",
            get(parts::backups),
        )
        .route(
            "/api/stores/{namespace}/{name}/credentials",
            post(parts::credentials),
        )
        .route(
            "/api/stores/{namespace}/{name}/{action}",
            post(writes::store_action),
        )
        // Before the layer: the guard answers for unknown paths too.
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                axum::Json(json!({ "error": "no such page" })),
            )
        })
        .layer(middleware::from_fn_with_state(app.clone(), guarded))
        .with_state(app)
}

fn asset(text: &'static str, kind: &'static str) -> Response {
    ([(header::CONTENT_TYPE, kind)], text).into_response()
}

/// Every request passes the guard first; every answer carries headers that
/// keep it out of other sites' frames and caches.
async fn guarded(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let query_token = request
        .uri()
        .query()
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| pair.strip_prefix("token="));
    let asked = Asked {
        write: !matches!(*request.method(), Method::GET | Method::HEAD),
        host: text(header::HOST),
        origin: text(header::ORIGIN),
        cookie: text(header::COOKIE),
        query_token,
        csrf: headers
            .get(guard::CSRF_HEADER)
            .and_then(|v| v.to_str().ok()),
    };
    let mut response = match app.guard.check(&asked) {
        Verdict::Pass => next.run(request).await,
        Verdict::SignIn => {
            let path = guard::sign_in_location(request.uri().path()).to_string();
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::SEE_OTHER;
            let headers = response.headers_mut();
            headers.insert(header::LOCATION, header_value(&path));
            headers.insert(
                header::SET_COOKIE,
                header_value(&app.guard.sign_in_cookie()),
            );
            response
        }
        Verdict::Refuse(status, why) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
            (status, axum::Json(json!({ "error": why }))).into_response()
        }
    };
    protect(response.headers_mut());
    response
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("/"))
}

fn protect(headers: &mut HeaderMap) {
    for (name, value) in [
        (
            "content-security-policy",
            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

/// An error as the CLI words it. What the person asked for and may not
/// have (admission's refusal, a retry of a store that has not failed) is
/// theirs to change (422); what the cluster could not answer is not (502).
fn failed(error: Error) -> Response {
    let field = match &error {
        Error::Invalid(invalid) => Some(invalid.field),
        _ => None,
    };
    let status = match &error {
        Error::Forbidden { .. } => StatusCode::FORBIDDEN,
        Error::StoreNotFound { .. } | Error::NamespaceNotFound(_) => StatusCode::NOT_FOUND,
        Error::StoreExists { .. } => StatusCode::CONFLICT,
        Error::Rejected(_) | Error::Usage(_) | Error::Invalid(_) | Error::Other(_) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        _ => StatusCode::BAD_GATEWAY,
    };
    let body = json!({ "error": error.to_string(), "field": field });
    (status, axum::Json(body)).into_response()
}

/// What the page needs to know about this dashboard: the CSRF token its
/// writes carry, the namespace it was started in, the plans a store may have.
async fn session(State(app): State<Arc<App>>) -> Response {
    axum::Json(json!({
        "csrf": app.guard.csrf(),
        "namespace": app.session.namespace,
        "plans": writes::plan_names(),
    }))
    .into_response()
}

/// How long a request waits for the watch's first list.
const FIRST_LIST: Duration = Duration::from_secs(30);

/// The stores the person may list: in every namespace, or, when that is
/// not theirs to list, in their own (`namespace` names it).
async fn fleet(State(app): State<Arc<App>>) -> Response {
    let mut fleet = app.fleet.clone();
    let _ = tokio::time::timeout(FIRST_LIST, fleet.wait_for(|f| f.answered())).await;
    let fleet = fleet.borrow().clone();
    if !fleet.synced {
        let why = fleet.error.clone();
        let why = why.unwrap_or_else(|| "the stores are not listed yet: try again".into());
        return (StatusCode::BAD_GATEWAY, axum::Json(json!({ "error": why }))).into_response();
    }
    axum::Json(json!({ "items": fleet.items, "namespace": fleet.namespace })).into_response()
}

/// The fleet pushed to a page: once listed (or once the watch says why it
/// cannot list), then after each change, until the dashboard stops.
async fn events(
    State(app): State<Arc<App>>,
) -> Sse<impl Stream<Item = Result<sse::Event, Infallible>>> {
    let pushes = futures::stream::unfold(
        (app.fleet.clone(), true),
        move |(mut fleet, at_start)| async move {
            let next = match at_start {
                true => fleet.wait_for(|f| f.answered()).await.map(drop),
                false => fleet.changed().await,
            };
            next.ok()?;
            let data = serde_json::to_string(&**fleet.borrow_and_update()).unwrap_or_default();
            let push = sse::Event::default().event("fleet").data(data);
            Some((Ok(push), (fleet, false)))
        },
    );
    let mut stopping = app.stopping.clone();
    let stopped = async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    Sse::new(pushes.take_until(stopped)).keep_alive(KeepAlive::default())
}

async fn store_details(
    State(app): State<Arc<App>>,
    Path((namespace, name)): Path<(String, String)>,
) -> Response {
    match store::get(&app.session_in(namespace), &name).await {
        Ok(details) => axum::Json(details).into_response(),
        Err(error) => failed(error),
    }
}
