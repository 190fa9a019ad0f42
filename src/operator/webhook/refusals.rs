//! Refusals are recorded, but not without bound: a tenant's script refused
//! dozens of times a second would otherwise write as many records. Per
//! namespace and user, within a window that opens at their first refusal:
//! the first few refusals of distinct kinds (action, store, reason) are
//! recorded one by one; a refusal of a kind already recorded in the window,
//! or any after those few, is counted instead. When the window ends, one
//! record says how many were counted, when the first and last were, and
//! gives the last one's reason. Counts live in this replica's memory: a
//! replica that stops loses at most one window's counts, never the first
//! refusal of a kind.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use k8s_openapi::jiff::Timestamp;

use crate::api::audit::{AuditAction, Coalesced};
use crate::audit::event::Entry;

/// Refusals of distinct kinds recorded one by one per window.
pub const RECORDED_PER_WINDOW: usize = 5;

/// What to do with one refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Record,
    Count,
}

/// A window's counted refusals, due to be written as one record.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub namespace: String,
    pub entry: Entry,
    pub coalesced: Coalesced,
}

#[derive(Debug)]
struct Window {
    opened: Instant,
    kinds: HashSet<(AuditAction, String, String)>,
    count: u64,
    first: String,
    last: String,
    /// The last refusal counted: the summary's actor, store and reason.
    sample: Option<Entry>,
}

impl Window {
    fn new(opened: Instant) -> Self {
        Window {
            opened,
            kinds: HashSet::new(),
            count: 0,
            first: String::new(),
            last: String::new(),
            sample: None,
        }
    }

    fn summary(self, namespace: String) -> Option<Summary> {
        let mut entry = self.sample?;
        entry.request_uid = None;
        entry.details = format!(
            "{} more refused requests of {} in this namespace were counted, not recorded one by one; the last: {}",
            self.count, entry.actor.username, entry.details
        );
        Some(Summary {
            namespace,
            entry,
            coalesced: Coalesced {
                count: self.count,
                first: self.first,
                last: self.last,
            },
        })
    }
}

/// The windows of one replica, by (namespace, user).
pub struct Refusals {
    window: Duration,
    open: Mutex<HashMap<(String, String), Window>>,
    /// Windows that ended while refusals came in, waiting for `due`.
    ended: Mutex<Vec<Summary>>,
}

impl Refusals {
    pub fn new(window: Duration) -> Self {
        Refusals {
            window,
            open: Mutex::new(HashMap::new()),
            ended: Mutex::new(Vec::new()),
        }
    }

    /// How often `due` should be asked: a few times per window.
    pub fn flush_interval(&self) -> Duration {
        (self.window / 4).clamp(Duration::from_millis(250), Duration::from_secs(10))
    }

    /// Records `entry` (a refusal in `namespace`) or counts it.
    pub fn note(&self, namespace: &str, entry: &Entry, now: Instant) -> Verdict {
        let key = (namespace.to_string(), entry.actor.username.clone());
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let expired = open
            .get(&key)
            .is_some_and(|w| now.duration_since(w.opened) >= self.window);
        if expired && let Some(window) = open.remove(&key) {
            self.end(window, namespace);
        }
        let window = open.entry(key).or_insert_with(|| Window::new(now));
        let kind = (entry.action, entry.store.clone(), entry.details.clone());
        if window.kinds.len() < RECORDED_PER_WINDOW && !window.kinds.contains(&kind) {
            window.kinds.insert(kind);
            return Verdict::Record;
        }
        let time = Timestamp::now().to_string();
        if window.count == 0 {
            window.first = time.clone();
        }
        window.count += 1;
        window.last = time;
        window.sample = Some(entry.clone());
        Verdict::Count
    }

    fn end(&self, window: Window, namespace: &str) {
        if let Some(summary) = window.summary(namespace.to_string()) {
            self.ended
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(summary);
        }
    }

    /// The summaries of every window ended by `now`, each handed out once.
    pub fn due(&self, now: Instant) -> Vec<Summary> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let ended: Vec<(String, String)> = open
            .iter()
            .filter(|(_, w)| now.duration_since(w.opened) >= self.window)
            .map(|(key, _)| key.clone())
            .collect();
        for key in ended {
            if let Some(window) = open.remove(&key) {
                self.end(window, &key.0);
            }
        }
        drop(open);
        std::mem::take(&mut *self.ended.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Summaries that could not be written go back, to be tried again.
    pub fn retry(&self, summaries: Vec<Summary>) {
        self.ended
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(summaries);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::audit::{Actor, AuditOutcome};

    fn refusal(user: &str, store: &str, reason: &str) -> Entry {
        Entry {
            store: store.into(),
            action: AuditAction::Create,
            outcome: AuditOutcome::Denied,
            actor: Actor {
                username: user.into(),
                ..Actor::default()
            },
            details: reason.into(),
            request_uid: Some(format!("{user}-{store}")),
        }
    }

    #[test]
    fn a_repeated_refusal_is_recorded_once_and_counted_after() {
        let refusals = Refusals::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let www = refusal("alice", "www", "reserved");
        assert_eq!(refusals.note("ns", &www, t0), Verdict::Record);
        for _ in 0..73 {
            assert_eq!(refusals.note("ns", &www, t0), Verdict::Count);
        }
        // Another user, another namespace: windows of their own.
        assert_eq!(
            refusals.note("ns", &refusal("bob", "www", "reserved"), t0),
            Verdict::Record
        );
        assert_eq!(refusals.note("other", &www, t0), Verdict::Record);
        assert!(refusals.due(t0 + Duration::from_secs(59)).is_empty());
        let due = refusals.due(t0 + Duration::from_secs(60));
        assert_eq!(due.len(), 1, "{due:?}");
        assert_eq!(due[0].namespace, "ns");
        assert_eq!(due[0].coalesced.count, 73);
        assert_eq!(due[0].entry.actor.username, "alice");
        assert_eq!(due[0].entry.request_uid, None);
        assert!(
            due[0]
                .entry
                .details
                .starts_with("73 more refused requests of alice")
        );
        assert!(due[0].entry.details.ends_with("the last: reserved"));
        assert!(
            refusals.due(t0 + Duration::from_secs(61)).is_empty(),
            "handed out once"
        );
        // A new window records the kind again.
        assert_eq!(
            refusals.note("ns", &www, t0 + Duration::from_secs(61)),
            Verdict::Record
        );
    }

    #[test]
    fn only_a_few_distinct_refusals_per_window_are_recorded_one_by_one() {
        let refusals = Refusals::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let verdicts: Vec<Verdict> = (0..100)
            .map(|i| refusals.note("ns", &refusal("mallory", &format!("s{i}"), "taken"), t0))
            .collect();
        let recorded = verdicts.iter().filter(|v| **v == Verdict::Record).count();
        assert_eq!(recorded, RECORDED_PER_WINDOW);
        // A refusal after the window ended ends it: its summary waits for due.
        let later = t0 + Duration::from_secs(60);
        assert_eq!(
            refusals.note("ns", &refusal("mallory", "s0", "taken"), later),
            Verdict::Record
        );
        let due = refusals.due(later);
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].coalesced.count, 95);
        refusals.retry(due.clone());
        assert_eq!(refusals.due(later), due, "what failed is handed out again");
    }
}
