//! The chain's anchor outside the tenant's namespace. The chain alone cannot
//! show its newest records deleted or rewritten (nothing after them names
//! them), nor a checkpoint forged to hide deleted old records. So the
//! operator keeps, per namespace, a ConfigMap in its own namespace naming
//! the newest record it wrote (sequence and hash) and the checkpoint record
//! that covers the chain's start; `audit --verify` compares the chain with it.

use std::collections::BTreeMap;

use super::chain::{Break, covering_checkpoint, hash};
use crate::api::audit::AuditRecordSpec;

/// The anchor ConfigMaps' name prefix; the namespace follows.
pub const PREFIX: &str = "nexus-audit-anchor-";
/// The label marking them, its value the namespace anchored.
pub const LABEL: &str = "nexus.dev/audit-anchor";

pub fn name(namespace: &str) -> String {
    format!("{PREFIX}{namespace}")
}

/// One record: where it is in the chain, and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub sequence: u64,
    pub hash: String,
}

impl Mark {
    pub fn of(spec: &AuditRecordSpec) -> Mark {
        Mark {
            sequence: spec.sequence,
            hash: hash(spec),
        }
    }

    fn parse(text: &str) -> Option<Mark> {
        let (sequence, hash) = text.split_once(':')?;
        let well_formed = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
        well_formed.then_some(Mark {
            sequence: sequence.parse().ok()?,
            hash: hash.to_string(),
        })
    }

    fn text(&self) -> String {
        format!("{}:{}", self.sequence, self.hash)
    }
}

/// What the operator anchored for one namespace.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Anchor {
    /// Record 1 of the chain: a namespace deleted and made again under the
    /// same name starts a chain of its own, and the anchor with it.
    pub first: Option<Mark>,
    /// The newest record it wrote (or saw) there.
    pub head: Option<Mark>,
    /// The checkpoint record that covers the chain's start, once pruned.
    pub checkpoint: Option<Mark>,
}

const FIRST: &str = "first";
const HEAD: &str = "head";
const CHECKPOINT: &str = "checkpoint";

impl Anchor {
    pub fn from_data(data: &BTreeMap<String, String>) -> Anchor {
        Anchor {
            first: data.get(FIRST).and_then(|t| Mark::parse(t)),
            head: data.get(HEAD).and_then(|t| Mark::parse(t)),
            checkpoint: data.get(CHECKPOINT).and_then(|t| Mark::parse(t)),
        }
    }

    pub fn to_data(&self) -> BTreeMap<String, String> {
        let marks = [
            (FIRST, &self.first),
            (HEAD, &self.head),
            (CHECKPOINT, &self.checkpoint),
        ];
        marks
            .into_iter()
            .filter_map(|(key, mark)| Some((key.to_string(), mark.as_ref()?.text())))
            .collect()
    }

    /// Checks a chain that verified on its own against the anchor.
    pub fn check(&self, records: &[AuditRecordSpec]) -> Result<(), Break> {
        let at = |sequence: u64| records.iter().find(|r| r.sequence == sequence);
        let newest = records.iter().map(|r| r.sequence).max().unwrap_or(0);
        let oldest = records.iter().map(|r| r.sequence).min().unwrap_or(0);
        if let (Some(first), Some(record)) = (&self.first, at(1))
            && hash(record) != first.hash
        {
            return Err(Break {
                sequence: 1,
                reason: "it is not the first record the platform anchored: the chain was written anew from its start".into(),
            });
        }
        if let Some(head) = &self.head {
            if head.sequence > newest {
                let first = newest + 1;
                let missing = if head.sequence == first {
                    format!("record {first} is missing")
                } else {
                    format!("records {first}..{} are missing", head.sequence)
                };
                return Err(Break {
                    sequence: first,
                    reason: format!(
                        "{missing} (deleted?): the platform's anchor names record {} as written",
                        head.sequence
                    ),
                });
            }
            if let Some(record) = at(head.sequence)
                && hash(record) != head.hash
            {
                return Err(Break {
                    sequence: head.sequence,
                    reason: "it is not the record the platform anchored: changed or replaced"
                        .into(),
                });
            }
        }
        if let Some(anchored) = &self.checkpoint
            && oldest > 1
        {
            let covering = covering_checkpoint(records, oldest);
            let genuine = covering.is_some_and(|c| Mark::of(c) == *anchored);
            if !genuine {
                return Err(Break {
                    sequence: oldest - 1,
                    reason: format!(
                        "the records before {oldest} were pruned by {}, not by the checkpoint record {} the platform anchored (forged?)",
                        covering
                            .map(|c| format!("checkpoint record {}", c.sequence))
                            .unwrap_or_else(|| "no checkpoint".into()),
                        anchored.sequence
                    ),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::audit::{Actor, AuditAction, AuditOutcome, Checkpoint};

    fn chain(from: u64, to: u64, after: &str) -> Vec<AuditRecordSpec> {
        let mut previous = after.to_string();
        (from..=to)
            .map(|sequence| {
                let spec = AuditRecordSpec {
                    sequence,
                    previous: previous.clone(),
                    time: format!("2026-12-04T10:00:{sequence:02}Z"),
                    store: "shop".into(),
                    action: AuditAction::Update,
                    outcome: AuditOutcome::Admitted,
                    actor: Actor::default(),
                    details: String::new(),
                    request_uid: None,
                    checkpoint: None,
                    coalesced: None,
                };
                previous = hash(&spec);
                spec
            })
            .collect()
    }

    #[test]
    fn the_newest_records_deleted_or_rewritten_break_against_the_anchor() {
        let records = chain(1, 10, "");
        let anchor = Anchor {
            first: Some(Mark::of(&records[0])),
            head: Some(Mark::of(&records[9])),
            checkpoint: None,
        };
        assert_eq!(anchor.check(&records), Ok(()));
        // Records written after the anchor was last moved are fine.
        let mut longer = records.clone();
        longer.extend(chain(11, 12, &hash(&records[9])));
        assert_eq!(anchor.check(&longer), Ok(()));
        let broken = anchor.check(&records[..8]).unwrap_err();
        assert_eq!(broken.sequence, 9);
        assert!(
            broken.reason.starts_with("records 9..10 are missing"),
            "{broken}"
        );
        // The newest record replaced by one that chains as well.
        let mut rewritten = records.clone();
        rewritten[9].details = "nothing happened".into();
        let broken = anchor.check(&rewritten).unwrap_err();
        assert_eq!(broken.sequence, 10);
        assert!(broken.reason.contains("changed or replaced"));
        // The whole chain written anew, as long as the one anchored.
        let mut anew = chain(1, 10, "");
        anew[0].details = "written anew".into();
        for i in 1..anew.len() {
            anew[i].previous = hash(&anew[i - 1]);
        }
        assert_eq!(crate::audit::verify(&anew), Ok(10));
        let broken = anchor.check(&anew).unwrap_err();
        assert_eq!(broken.sequence, 1, "{broken}");
    }

    #[test]
    fn a_checkpoint_the_platform_did_not_anchor_is_forged() {
        let old = chain(1, 10, "");
        let mut genuine = chain(11, 11, &hash(&old[9]));
        genuine[0].action = AuditAction::Checkpoint;
        genuine[0].checkpoint = Some(Checkpoint {
            through: 5,
            hash: hash(&old[4]),
        });
        let mut pruned: Vec<AuditRecordSpec> = old[5..].to_vec();
        pruned.extend(genuine.clone());
        let anchor = Anchor {
            first: Some(Mark::of(&old[0])),
            head: Some(Mark::of(&genuine[0])),
            checkpoint: Some(Mark::of(&genuine[0])),
        };
        assert_eq!(anchor.check(&pruned), Ok(()));
        // Someone deletes records 6..8 and appends a checkpoint of their own
        // that says they were pruned: the chain verifies, the anchor does not.
        let mut forged = chain(12, 12, &hash(&genuine[0]));
        forged[0].action = AuditAction::Checkpoint;
        forged[0].checkpoint = Some(Checkpoint {
            through: 8,
            hash: hash(&old[7]),
        });
        let mut tampered: Vec<AuditRecordSpec> = old[8..].to_vec();
        tampered.extend(genuine);
        tampered.extend(forged);
        assert_eq!(crate::audit::verify(&tampered), Ok(4));
        let broken = anchor.check(&tampered).unwrap_err();
        assert!(broken.reason.contains("forged"), "{broken}");
    }

    #[test]
    fn anchors_round_trip_through_configmap_data_and_ignore_garbage() {
        let anchor = Anchor {
            first: None,
            head: Some(Mark {
                sequence: 42,
                hash: "a".repeat(64),
            }),
            checkpoint: None,
        };
        assert_eq!(Anchor::from_data(&anchor.to_data()), anchor);
        let garbage = BTreeMap::from([(HEAD.to_string(), "42:xyz".to_string())]);
        assert_eq!(Anchor::from_data(&garbage), Anchor::default());
    }
}
