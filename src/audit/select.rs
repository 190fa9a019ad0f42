//! Which records a reader asked for, and which ones retention may prune.

use k8s_openapi::jiff::Timestamp;

use super::chain::hash;
use crate::api::audit::{AuditAction, AuditRecordSpec, Checkpoint};

/// `kubectl nexus audit` filters; None matches everything.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub store: Option<String>,
    pub user: Option<String>,
    pub since: Option<Timestamp>,
    pub action: Option<AuditAction>,
}

impl Query {
    pub fn matches(&self, record: &AuditRecordSpec) -> bool {
        self.store.as_ref().is_none_or(|s| &record.store == s)
            && self
                .user
                .as_ref()
                .is_none_or(|u| &record.actor.username == u)
            && self.action.is_none_or(|a| record.action == a)
            && self
                .since
                .is_none_or(|since| time_of(record).is_none_or(|t| t >= since))
    }
}

/// When a record says it happened.
pub fn time_of(record: &AuditRecordSpec) -> Option<Timestamp> {
    record.time.parse().ok()
}

/// The checkpoint that prunes every record older than `cutoff` from an intact
/// chain: the longest run from the oldest record whose records are all older,
/// if it holds a record worth pruning (not just an earlier checkpoint).
pub fn prune_through(records: &[AuditRecordSpec], cutoff: Timestamp) -> Option<Checkpoint> {
    let mut sorted: Vec<&AuditRecordSpec> = records.iter().collect();
    sorted.sort_by_key(|r| r.sequence);
    let old: Vec<&AuditRecordSpec> = sorted
        .into_iter()
        .take_while(|r| time_of(r).is_some_and(|t| t < cutoff))
        .collect();
    let last = old.last()?;
    if old.iter().all(|r| r.action == AuditAction::Checkpoint) {
        return None;
    }
    Some(Checkpoint {
        through: last.sequence,
        hash: hash(last),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::audit::{Actor, AuditOutcome};

    fn record(sequence: u64, time: &str, action: AuditAction, user: &str) -> AuditRecordSpec {
        AuditRecordSpec {
            sequence,
            previous: String::new(),
            time: time.into(),
            store: if sequence.is_multiple_of(2) {
                "a".into()
            } else {
                "b".into()
            },
            action,
            outcome: AuditOutcome::Admitted,
            actor: Actor {
                username: user.into(),
                ..Actor::default()
            },
            details: String::new(),
            request_uid: None,
            checkpoint: None,
            coalesced: None,
        }
    }

    #[test]
    fn queries_filter_by_store_user_action_and_time() {
        let r = record(2, "2026-11-29T10:00:00Z", AuditAction::Create, "alice");
        assert!(Query::default().matches(&r));
        let by = |store: Option<&str>, user: Option<&str>, action, since: Option<&str>| Query {
            store: store.map(String::from),
            user: user.map(String::from),
            action,
            since: since.map(|s| s.parse().unwrap()),
        };
        assert!(
            by(
                Some("a"),
                Some("alice"),
                Some(AuditAction::Create),
                Some("2026-11-29T09:00:00Z")
            )
            .matches(&r)
        );
        assert!(!by(Some("b"), None, None, None).matches(&r));
        assert!(!by(None, Some("bob"), None, None).matches(&r));
        assert!(!by(None, None, Some(AuditAction::Delete), None).matches(&r));
        assert!(!by(None, None, None, Some("2026-11-29T10:00:01Z")).matches(&r));
    }

    #[test]
    fn retention_prunes_the_old_run_and_not_a_lone_checkpoint() {
        let cutoff: Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
        let records = vec![
            record(1, "2026-09-01T00:00:00Z", AuditAction::Create, "alice"),
            record(2, "2026-10-01T00:00:00Z", AuditAction::Ready, "op"),
            record(3, "2026-11-20T00:00:00Z", AuditAction::Update, "alice"),
            record(4, "2026-10-02T00:00:00Z", AuditAction::Update, "alice"),
        ];
        let checkpoint = prune_through(&records, cutoff).unwrap();
        assert_eq!(checkpoint.through, 2, "stops at the first newer record");
        assert_eq!(checkpoint.hash, hash(&records[1]));
        assert_eq!(
            prune_through(&records, "2026-08-01T00:00:00Z".parse().unwrap()),
            None
        );
        let lone = vec![record(
            7,
            "2026-09-01T00:00:00Z",
            AuditAction::Checkpoint,
            "op",
        )];
        assert_eq!(prune_through(&lone, cutoff), None);
    }
}
