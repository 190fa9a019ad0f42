//! A per-user rate for store requests at admission: a token bucket per user
//! in each replica (`--user-request-rate` a second, bursts of
//! `--user-request-burst`). A request over it is refused with when to try
//! again, before any other check, claim or ledger write (who is not held to
//! it: `over_rate` in the webhook).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

pub struct UserRate {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// Buckets kept before full ones (users at rest) are dropped.
const KEEP: usize = 10_000;

impl UserRate {
    pub fn new(per_second: f64, burst: u32) -> Self {
        UserRate {
            per_second,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request of `user` at `now`, or says how long until one is allowed.
    pub fn take(&self, user: &str, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= KEEP {
            let full = |b: &Bucket| self.refilled(b, now) >= self.burst;
            buckets.retain(|_, b| !full(b));
        }
        let bucket = buckets.entry(user.to_string()).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let tokens = self.refilled(bucket, now);
        if tokens >= 1.0 {
            *bucket = Bucket {
                tokens: tokens - 1.0,
                at: now,
            };
            return Ok(());
        }
        *bucket = Bucket { tokens, at: now };
        Err(Duration::from_secs_f64((1.0 - tokens) / self.per_second))
    }

    fn refilled(&self, bucket: &Bucket, now: Instant) -> f64 {
        let elapsed = now.duration_since(bucket.at).as_secs_f64();
        (bucket.tokens + elapsed * self.per_second).min(self.burst)
    }

    /// The refusal a user over the rate gets.
    pub fn refusal(&self, user: &str, wait: Duration) -> String {
        format!(
            "too many store requests from {user}: at most {} a second with bursts of {}; try again in {}s",
            self.per_second,
            self.burst,
            wait.as_secs_f64().ceil().max(1.0)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_rate_holds_per_user() {
        let rate = UserRate::new(2.0, 5);
        let t0 = Instant::now();
        for _ in 0..5 {
            assert_eq!(rate.take("alice", t0), Ok(()));
        }
        let wait = rate.take("alice", t0).unwrap_err();
        assert_eq!(wait, Duration::from_millis(500));
        assert_eq!(rate.take("bob", t0), Ok(()), "each user has a bucket");
        assert!(rate.take("alice", t0 + Duration::from_millis(400)).is_err());
        assert_eq!(rate.take("alice", t0 + Duration::from_millis(600)), Ok(()));
        // At rest the bucket fills up to the burst, no further.
        let later = t0 + Duration::from_secs(3600);
        for _ in 0..5 {
            assert_eq!(rate.take("alice", later), Ok(()));
        }
        assert!(rate.take("alice", later).is_err());
        assert_eq!(
            rate.refusal("alice", wait),
            "too many store requests from alice: at most 2 a second with bursts of 5; try again in 1s"
        );
    }
}
