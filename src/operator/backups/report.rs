//! What a finished backup tells beyond its status: an audit record in its
//! namespace's chain, an Event on the Backup (a Warning when it failed, as
//! loud as a failed store), and the `nexus_backups_finished` metric.

use kube::runtime::events::{Event, EventType};
use kube::{Resource, ResourceExt};
use tracing::warn;

use super::Backups;
use super::status::Outcome;
use crate::api::backup::{Backup, BackupPhase};
use crate::operator::error::Result;
use crate::operator::metrics::OutcomeLabel;

/// The audit record of a backup's outcome, written before the status says
/// so (as a store's phases are): a finished status means its record exists
/// (a retry after a failed status write may record it twice, never zero
/// times).
pub async fn record(backups: &Backups, backup: &Backup, outcome: &Outcome) -> Result<()> {
    let Some(event) = crate::audit::event::from_backup(
        &backup.name_any(),
        outcome.phase,
        outcome.size_bytes(),
        &outcome.reason,
        &outcome.message,
    ) else {
        return Ok(());
    };
    let namespace = backup.namespace().unwrap_or_default();
    backups
        .context
        .audit
        .report(&namespace, &backup.spec.store, event)
        .await
        .map(|_| ())
}

/// The Event and the metric of a finished backup, once its status says so.
pub async fn announce(backups: &Backups, backup: &Backup, outcome: &Outcome) {
    let (type_, label) = match outcome.phase {
        BackupPhase::Completed => (EventType::Normal, "completed"),
        BackupPhase::Failed => (EventType::Warning, "failed"),
        BackupPhase::Pending | BackupPhase::Running => return,
    };
    let context = &backups.context;
    context
        .metrics
        .backups
        .get_or_create(&OutcomeLabel {
            outcome: label.into(),
            reason: outcome.reason.clone(),
        })
        .inc();
    let event = Event {
        type_,
        reason: outcome.reason.clone(),
        note: Some(note_of(&outcome.message)),
        action: "Backup".into(),
        secondary: None,
    };
    if let Err(e) = context
        .recorder
        .publish(&event, &backup.object_ref(&()))
        .await
    {
        warn!(error = %e, "cannot publish event");
    }
}

/// The API server takes an Event's note up to 1 KiB; a longer message (a
/// container's own words) is cut at a character boundary and says so.
pub fn note_of(message: &str) -> String {
    const MOST: usize = 1024;
    if message.len() <= MOST {
        return message.to_string();
    }
    let cut = "… (the status has it whole)";
    let mut end = MOST - cut.len();
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{cut}", &message[..end])
}

#[cfg(test)]
mod tests {
    use super::note_of;

    #[test]
    fn a_long_message_fits_an_events_note_and_says_where_the_rest_is() {
        assert_eq!(note_of("short"), "short");
        let long = "é".repeat(700);
        let note = note_of(&long);
        assert!(note.len() <= 1024, "{}", note.len());
        assert!(note.starts_with("éé"));
        assert!(note.ends_with("(the status has it whole)"));
    }
}
