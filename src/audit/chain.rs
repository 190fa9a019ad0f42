//! The chain of a namespace's records: record n names the SHA-256 of record
//! n-1's spec as its `previous`. Verifying walks the chain from the oldest
//! record present; records pruned by retention are vouched for by a
//! checkpoint record that names the last pruned record's hash.

use crate::api::audit::{AuditAction, AuditRecordSpec};

/// SHA-256 (hex) of a record's spec in its canonical form: its JSON with the
/// fields in declared order, as this type serializes it.
pub fn hash(spec: &AuditRecordSpec) -> String {
    let bytes = serde_json::to_vec(spec).unwrap_or_default();
    let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The first place the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The sequence number where it breaks.
    pub sequence: u64,
    pub reason: String,
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "record {}: {}", self.sequence, self.reason)
    }
}

/// Checks one namespace's records (any order). Returns how many records the
/// verified chain holds, or the first break.
pub fn verify(records: &[AuditRecordSpec]) -> Result<usize, Break> {
    let mut sorted: Vec<&AuditRecordSpec> = records.iter().collect();
    sorted.sort_by_key(|r| r.sequence);
    let Some(first) = sorted.first() else {
        return Ok(0);
    };
    if let Some(twice) = sorted.windows(2).find(|w| w[0].sequence == w[1].sequence) {
        return Err(Break {
            sequence: twice[0].sequence,
            reason: "two records carry this sequence number".into(),
        });
    }
    if first.sequence > 1 {
        pruned_start(first, &sorted)?;
    } else if !first.previous.is_empty() {
        return Err(Break {
            sequence: 1,
            reason: "the first record names a previous record".into(),
        });
    }
    for pair in sorted.windows(2) {
        let (before, after) = (pair[0], pair[1]);
        if after.sequence != before.sequence + 1 {
            let missing = before.sequence + 1;
            let range = if after.sequence - 1 == missing {
                format!("record {missing} is missing")
            } else {
                format!("records {missing}..{} are missing", after.sequence - 1)
            };
            return Err(Break {
                sequence: missing,
                reason: format!(
                    "{range} (deleted?): the chain jumps from {} to {}",
                    before.sequence, after.sequence
                ),
            });
        }
        if after.previous != hash(before) {
            return Err(Break {
                sequence: after.sequence,
                reason: format!(
                    "it does not follow record {}: that record was changed or replaced",
                    before.sequence
                ),
            });
        }
    }
    Ok(sorted.len())
}

/// The checkpoint record that says the records before `oldest` were pruned.
pub fn covering_checkpoint<'a, R>(records: R, oldest: u64) -> Option<&'a AuditRecordSpec>
where
    R: IntoIterator<Item = &'a AuditRecordSpec>,
{
    records
        .into_iter()
        .filter(|r| r.action == AuditAction::Checkpoint)
        .filter(|r| {
            r.checkpoint
                .as_ref()
                .is_some_and(|c| c.through + 1 >= oldest)
        })
        .min_by_key(|r| r.checkpoint.as_ref().map(|c| c.through))
}

/// The oldest record present is not the first: a checkpoint must say the
/// records before it were pruned, and name the hash it follows.
fn pruned_start(first: &AuditRecordSpec, sorted: &[&AuditRecordSpec]) -> Result<(), Break> {
    let covering = covering_checkpoint(sorted.iter().copied(), first.sequence)
        .and_then(|r| r.checkpoint.as_ref());
    match covering {
        None => Err(Break {
            sequence: first.sequence - 1,
            reason: format!(
                "records before {} are missing and no checkpoint says they were pruned (deleted?)",
                first.sequence
            ),
        }),
        Some(checkpoint) if checkpoint.through + 1 == first.sequence => {
            if first.previous == checkpoint.hash {
                Ok(())
            } else {
                Err(Break {
                    sequence: first.sequence,
                    reason: format!(
                        "it does not follow the pruned record {} the checkpoint names",
                        checkpoint.through
                    ),
                })
            }
        }
        // A prune that stopped part way: the records it left still chain,
        // and the one it names must hash as the checkpoint says.
        Some(checkpoint) => match sorted.iter().find(|r| r.sequence == checkpoint.through) {
            Some(record) if hash(record) == checkpoint.hash => Ok(()),
            _ => Err(Break {
                sequence: checkpoint.through,
                reason: "it does not hash as the checkpoint that pruned it says".into(),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::audit::{Actor, AuditOutcome, Checkpoint};

    fn record(sequence: u64, previous: &str) -> AuditRecordSpec {
        AuditRecordSpec {
            sequence,
            previous: previous.into(),
            time: format!("2026-11-29T10:00:{:02}Z", sequence % 60),
            store: "shop".into(),
            action: AuditAction::Update,
            outcome: AuditOutcome::Admitted,
            actor: Actor {
                username: "alice".into(),
                ..Actor::default()
            },
            details: String::new(),
            request_uid: None,
            checkpoint: None,
            coalesced: None,
        }
    }

    fn chain(n: u64) -> Vec<AuditRecordSpec> {
        let mut records: Vec<AuditRecordSpec> = Vec::new();
        for sequence in 1..=n {
            let previous = records.last().map(hash).unwrap_or_default();
            records.push(record(sequence, &previous));
        }
        records
    }

    #[test]
    fn an_intact_chain_verifies_in_any_order() {
        let mut records = chain(5);
        records.reverse();
        assert_eq!(verify(&records), Ok(5));
        assert_eq!(verify(&[]), Ok(0));
    }

    #[test]
    fn a_deleted_record_is_named() {
        let mut records = chain(5);
        records.remove(2);
        let broken = verify(&records).unwrap_err();
        assert_eq!(broken.sequence, 3);
        assert!(broken.reason.contains("record 3 is missing"), "{broken}");
        let mut head_gone = chain(5);
        head_gone.remove(0);
        assert_eq!(verify(&head_gone).unwrap_err().sequence, 1);
    }

    #[test]
    fn a_replaced_record_breaks_the_link_after_it() {
        let mut records = chain(4);
        records[1].details = "nothing happened here".into();
        let broken = verify(&records).unwrap_err();
        assert_eq!(broken.sequence, 3);
        assert!(
            broken.reason.contains("does not follow record 2"),
            "{broken}"
        );
    }

    #[test]
    fn a_checkpoint_vouches_for_pruned_records() {
        let mut records = chain(4);
        let through = hash(&records[2]);
        let mut checkpoint = record(5, &hash(&records[3]));
        checkpoint.action = AuditAction::Checkpoint;
        checkpoint.checkpoint = Some(Checkpoint {
            through: 3,
            hash: through,
        });
        records.push(checkpoint);
        // Pruned part way: 1 gone, 2 and 3 still there.
        assert_eq!(verify(&records[1..]), Ok(4));
        // Pruned fully.
        assert_eq!(verify(&records[3..]), Ok(2));
        // Pruned beyond what the checkpoint says.
        let broken = verify(&records[4..]).unwrap_err();
        assert_eq!(broken.sequence, 4);
        assert!(broken.reason.contains("no checkpoint"), "{broken}");
    }
}
