//! Helpers for the standard Kubernetes `Condition` list in a Store's status.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};

/// The condition that sums up a store: True only when every step holds.
pub const READY: &str = "Ready";

/// How the store's last check as a shopper went: not `Ready`'s business
/// (a store can be Ready and not sell).
pub const HEALTHY: &str = "Healthy";

/// The conditions of the provisioning steps, in their order (the
/// operator's `Step::ALL`).
pub const STEPS: [&str; 7] = [
    "Namespace",
    "Guardrails",
    "Secrets",
    "Database",
    "WordPress",
    "Setup",
    "Ingress",
];

pub fn find<'a>(conditions: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.type_ == type_)
}

/// Sets a condition, keeping its lastTransitionTime unless its status changed,
/// so a reconcile that observes nothing new writes nothing new.
pub fn set(conditions: &mut Vec<Condition>, mut condition: Condition, now: Time) {
    match conditions.iter_mut().find(|c| c.type_ == condition.type_) {
        Some(existing) => {
            condition.last_transition_time = if existing.status == condition.status {
                existing.last_transition_time.clone()
            } else {
                now
            };
            *existing = condition;
        }
        None => {
            condition.last_transition_time = now;
            conditions.push(condition);
        }
    }
}

/// The condition users should look at first: the first one that does not hold,
/// else Ready.
pub fn most_relevant(conditions: &[Condition]) -> Option<&Condition> {
    conditions
        .iter()
        .find(|c| c.type_ != READY && c.status != "True")
        .or_else(|| find(conditions, READY))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn condition(type_: &str, status: &str, reason: &str) -> Condition {
        Condition {
            type_: type_.into(),
            status: status.into(),
            reason: reason.into(),
            message: String::new(),
            observed_generation: Some(1),
            last_transition_time: Time(k8s_openapi::jiff::Timestamp::UNIX_EPOCH),
        }
    }

    fn at(seconds: i64) -> Time {
        Time(k8s_openapi::jiff::Timestamp::from_second(seconds).unwrap())
    }

    #[test]
    fn transition_time_moves_only_when_status_changes() {
        let mut list = Vec::new();
        set(&mut list, condition("Database", "False", "Waiting"), at(10));
        set(
            &mut list,
            condition("Database", "False", "StillWaiting"),
            at(20),
        );
        assert_eq!(list[0].last_transition_time, at(10));
        assert_eq!(list[0].reason, "StillWaiting");
        set(&mut list, condition("Database", "True", "Ready"), at(30));
        assert_eq!(list[0].last_transition_time, at(30));
        assert_eq!(list.len(), 1);
    }

    #[test]
    fn most_relevant_is_the_first_failing_step() {
        let list = vec![
            condition("Namespace", "True", "Created"),
            condition("Database", "False", "Waiting"),
            condition(READY, "False", "Provisioning"),
        ];
        assert_eq!(most_relevant(&list).unwrap().type_, "Database");
        let list = vec![
            condition("Namespace", "True", "Created"),
            condition(READY, "True", "Ready"),
        ];
        assert_eq!(most_relevant(&list).unwrap().type_, READY);
    }
}
