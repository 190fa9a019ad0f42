//! How many stores are reconciled at once. By default the number follows
//! what the API server sustains, measured on the operator's own requests:
//! it grows by one while reconciles wait for a slot and requests stay about
//! as fast as the fastest seen while busy (an idle operator sends only cheap
//! reads, so it is compared with itself busy), drops by one when they slow
//! down (the API
//! server queues them; not below `START`, the pace known to be safe), and
//! halves when the API server turns requests away (429: its priority and
//! fairness limits). It stays between `MIN` and `MAX`. `--concurrency N`
//! fixes it instead.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::http::{Request, Response, Uri};
use tokio::sync::Notify;
use tower::{Layer, Service};
use tracing::debug;

/// The bounds of the automatic concurrency, and where it starts.
pub const MIN: usize = 2;
pub const MAX: usize = 32;
pub const START: usize = 4;
/// How often the concurrency is reconsidered.
pub const WINDOW: Duration = Duration::from_secs(2);
/// Requests this many times slower than the baseline mean the API server
/// is queueing them.
const SLOWDOWN: f64 = 2.0;
/// A window needs this many requests to say anything about latency.
const MIN_SAMPLES: u32 = 5;
/// The baseline (the fastest busy window seen) drifts up by this factor
/// each window, so a cluster that became slower for good is learnt again.
const BASELINE_DRIFT: f64 = 1.01;

/// `--concurrency`: `auto` or a fixed number of reconciles at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concurrency {
    Auto,
    Fixed(usize),
}

impl std::str::FromStr for Concurrency {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        if text == "auto" {
            return Ok(Concurrency::Auto);
        }
        match text.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => Ok(Concurrency::Fixed(n)),
            _ => Err(format!(
                "{text:?} is not a concurrency: use auto (sized from the API server's pace) or a number from 1 to 1000"
            )),
        }
    }
}

impl std::fmt::Display for Concurrency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Concurrency::Auto => f.write_str("auto"),
            Concurrency::Fixed(n) => write!(f, "{n}"),
        }
    }
}

#[derive(Debug, Default)]
struct Window {
    requests: u32,
    latency: Duration,
    throttled: u32,
    /// Whether a reconcile waited for a slot.
    saturated: bool,
}

#[derive(Debug)]
struct State {
    limit: usize,
    in_flight: usize,
    window: Window,
    /// Mean request latency of the fastest busy window (one in which a
    /// reconcile waited for a slot), in seconds.
    baseline: Option<f64>,
}

pub struct Limiter {
    auto: bool,
    state: Mutex<State>,
    freed: Notify,
}

/// A reconcile's slot; dropping it frees the slot.
pub struct Permit<'a> {
    limiter: &'a Limiter,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.limiter.state().in_flight -= 1;
        self.limiter.freed.notify_waiters();
    }
}

impl Limiter {
    pub fn new(concurrency: Concurrency) -> Self {
        let (auto, limit) = match concurrency {
            Concurrency::Auto => (true, START),
            Concurrency::Fixed(n) => (false, n),
        };
        Limiter {
            auto,
            state: Mutex::new(State {
                limit,
                in_flight: 0,
                window: Window::default(),
                baseline: None,
            }),
            freed: Notify::new(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The most reconciles that may run at once: what the controller is
    /// given, so that the limit can grow up to it.
    pub fn ceiling(&self) -> usize {
        if self.auto { MAX } else { self.limit() }
    }

    pub fn limit(&self) -> usize {
        self.state().limit
    }

    /// Waits for a free slot.
    pub async fn permit(&self) -> Permit<'_> {
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            // Registered before the check, so a slot freed in between wakes us.
            freed.as_mut().enable();
            {
                let mut state = self.state();
                if state.in_flight < state.limit {
                    state.in_flight += 1;
                    return Permit { limiter: self };
                }
                state.window.saturated = true;
            }
            freed.await;
        }
    }

    /// One request to the API server answered (status None: no answer).
    pub fn observe(&self, latency: Duration, status: Option<u16>) {
        let mut state = self.state();
        state.window.requests += 1;
        state.window.latency += latency;
        if status == Some(429) {
            state.window.throttled += 1;
        }
    }

    /// Ends a window: sets the limit from what it saw. Returns the limit.
    pub fn adjust(&self) -> usize {
        let mut state = self.state();
        let window = std::mem::take(&mut state.window);
        if !self.auto {
            return state.limit;
        }
        let mean = (window.requests >= MIN_SAMPLES)
            .then(|| window.latency.as_secs_f64() / f64::from(window.requests));
        let slow = match (mean, state.baseline) {
            (Some(mean), Some(baseline)) => mean > SLOWDOWN * baseline,
            _ => false,
        };
        let drifted = state.baseline.map(|b| b * BASELINE_DRIFT);
        state.baseline = match (mean, drifted) {
            (Some(mean), Some(b)) if window.saturated => Some(b.min(mean)),
            (Some(mean), None) if window.saturated => Some(mean),
            _ => drifted,
        };
        let limit = state.limit;
        state.limit = if window.throttled > 0 {
            (limit / 2).max(MIN)
        } else if slow {
            limit.saturating_sub(1).max(START.min(limit))
        } else if window.saturated {
            (limit + 1).min(MAX)
        } else {
            limit
        };
        let grew = state.limit > limit;
        drop(state);
        if grew {
            self.freed.notify_waiters();
        }
        let now = self.limit();
        if now != limit {
            debug!(from = limit, to = now, mean_latency = ?mean, throttled = window.throttled, "reconcile concurrency changed");
        }
        now
    }

    /// Adjusts the limit every `WINDOW`, reporting it to `report`; runs
    /// until dropped.
    pub async fn run(self: Arc<Self>, report: impl Fn(usize)) {
        let mut ticks = tokio::time::interval(WINDOW);
        loop {
            ticks.tick().await;
            report(self.adjust());
        }
    }
}

/// Whether a request is a watch (long-lived: its latency says nothing).
fn is_watch(uri: &Uri) -> bool {
    uri.query()
        .is_some_and(|q| q.split('&').any(|p| p == "watch=true" || p == "watch=1"))
}

/// The client layer that times every request for `Limiter`.
#[derive(Clone)]
pub struct Observe(pub Arc<Limiter>);

impl<S> Layer<S> for Observe {
    type Service = Observed<S>;

    fn layer(&self, inner: S) -> Observed<S> {
        Observed {
            inner,
            limiter: self.0.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Observed<S> {
    inner: S,
    limiter: Arc<Limiter>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Observed<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let timed = (!is_watch(request.uri())).then(|| (self.limiter.clone(), Instant::now()));
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await;
            if let Some((limiter, start)) = timed {
                let status = response.as_ref().ok().map(|r| r.status().as_u16());
                limiter.observe(start.elapsed(), status);
            }
            response
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(limiter: &Limiter, requests: u32, each: Duration, throttled: u32, saturated: bool) {
        for i in 0..requests {
            let status = if i < throttled { 429 } else { 200 };
            limiter.observe(each, Some(status));
        }
        limiter.state().window.saturated = saturated;
    }

    /// `count` busy windows of 20 requests each taking `each`.
    fn busy_windows(limiter: &Limiter, count: usize, each: Duration, throttled: u32) {
        for _ in 0..count {
            window(limiter, 20, each, throttled, true);
            limiter.adjust();
        }
    }

    #[test]
    fn concurrency_parses_auto_or_a_number() {
        assert_eq!("auto".parse(), Ok(Concurrency::Auto));
        assert_eq!("8".parse(), Ok(Concurrency::Fixed(8)));
        assert!(
            "0".parse::<Concurrency>()
                .unwrap_err()
                .contains("1 to 1000")
        );
        assert!("many".parse::<Concurrency>().is_err());
    }

    #[test]
    fn grows_while_stores_wait_and_the_api_server_keeps_pace() {
        let limiter = Limiter::new(Concurrency::Auto);
        window(&limiter, 20, Duration::from_millis(10), 0, true);
        assert_eq!(limiter.adjust(), START + 1);
        window(&limiter, 20, Duration::from_millis(12), 0, true);
        assert_eq!(limiter.adjust(), START + 2);
        // Nobody waited: no reason to grow; and an idle operator's quick
        // reads are no yardstick for its busy ones.
        window(&limiter, 20, Duration::from_millis(1), 0, false);
        assert_eq!(limiter.adjust(), START + 2);
        window(&limiter, 20, Duration::from_millis(12), 0, true);
        assert_eq!(limiter.adjust(), START + 3);
        busy_windows(&limiter, 100, Duration::from_millis(10), 0);
        assert_eq!(limiter.limit(), MAX, "bounded");
    }

    #[test]
    fn shrinks_when_requests_slow_down_and_halves_when_turned_away() {
        let limiter = Limiter::new(Concurrency::Auto);
        busy_windows(&limiter, 6, Duration::from_millis(10), 0);
        assert_eq!(limiter.limit(), START + 6);
        window(&limiter, 20, Duration::from_millis(50), 0, true);
        assert_eq!(limiter.adjust(), START + 5, "queued by the API server");
        busy_windows(&limiter, 10, Duration::from_millis(50), 0);
        assert_eq!(
            limiter.limit(),
            START,
            "slow answers alone never go below the start"
        );
        window(&limiter, 20, Duration::from_millis(10), 1, true);
        assert_eq!(limiter.adjust(), START / 2, "throttled");
        busy_windows(&limiter, 10, Duration::from_millis(10), 5);
        assert_eq!(limiter.limit(), MIN, "bounded below");
    }

    #[test]
    fn a_fixed_concurrency_stays_put() {
        let limiter = Limiter::new(Concurrency::Fixed(7));
        window(&limiter, 20, Duration::from_millis(10), 3, true);
        assert_eq!(limiter.adjust(), 7);
        assert_eq!(limiter.ceiling(), 7);
    }

    #[tokio::test]
    async fn a_reconcile_waits_for_a_free_slot() {
        let limiter = Limiter::new(Concurrency::Fixed(1));
        let first = limiter.permit().await;
        let second = limiter.permit();
        tokio::pin!(second);
        assert!(
            tokio::time::timeout(Duration::from_millis(50), second.as_mut())
                .await
                .is_err(),
            "the only slot is taken"
        );
        drop(first);
        tokio::time::timeout(Duration::from_secs(5), second)
            .await
            .expect("the freed slot was not given to the waiting reconcile");
    }

    #[test]
    fn watches_are_not_timed() {
        assert!(is_watch(
            &"/api/v1/pods?watch=true&resourceVersion=1".parse().unwrap()
        ));
        assert!(!is_watch(&"/api/v1/pods?limit=500".parse().unwrap()));
    }
}
