//! What a pod's status says: whether it is stopping, why it does not run,
//! the message a failed container left. Pure; the watches use these to
//! decide which pods to keep and when a store is worth a look, and the
//! steps to explain a waiting step.

use k8s_openapi::api::core::v1::Pod;

/// The latest message a failed container of these pods left in its
/// termination log (init containers included), at most 1000 characters.
pub fn termination_message(pods: &[Pod]) -> Option<String> {
    let mut messages: Vec<_> = pods
        .iter()
        .filter_map(|pod| pod.status.as_ref())
        .flat_map(|s| {
            s.init_container_statuses
                .iter()
                .flatten()
                .chain(s.container_statuses.iter().flatten())
        })
        .filter_map(|c| c.state.as_ref()?.terminated.as_ref())
        .filter(|t| t.exit_code != 0)
        .filter_map(|t| {
            Some((
                t.finished_at.clone(),
                t.message.as_ref()?.trim().to_string(),
            ))
        })
        .filter(|(_, message)| !message.is_empty())
        .collect();
    messages.sort_by(|a, b| a.0.cmp(&b.0));
    messages
        .pop()
        .map(|(_, message)| message.chars().take(1000).collect())
}

/// Whether a pod may explain a waiting step, now or once its grace passed:
/// not scheduled, a container stuck or killed, a failure's message, or
/// stopping (a suspended store waits for it).
pub fn pod_worth_a_look(pod: &Pod) -> bool {
    if stopping(pod) {
        return true;
    }
    let unscheduled = pod
        .status
        .iter()
        .flat_map(|s| s.conditions.iter().flatten())
        .any(|c| c.type_ == "PodScheduled" && c.status == "False");
    unscheduled
        || pod_trouble(pod).is_some()
        || termination_message(std::slice::from_ref(pod)).is_some()
}

/// Whether a pod is being deleted (its containers may still run).
pub fn stopping(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_some()
}

/// How long a pod may stay unschedulable before it counts as trouble.
const UNSCHEDULABLE_GRACE: k8s_openapi::jiff::SignedDuration =
    k8s_openapi::jiff::SignedDuration::from_secs(10);

/// One line on why a pod does not run, when its status says.
pub fn pod_trouble(pod: &Pod) -> Option<String> {
    let name = pod.metadata.name.as_deref().unwrap_or_default();
    let status = pod.status.as_ref()?;
    // The scheduler retries a pod whose claim is not bound yet within a
    // second or two: only one that stays unschedulable is worth a word (and
    // a status write).
    let unschedulable = status
        .conditions
        .iter()
        .flatten()
        .filter(|c| c.type_ == "PodScheduled" && c.status == "False")
        .find(|c| {
            c.last_transition_time.as_ref().is_none_or(|since| {
                k8s_openapi::jiff::Timestamp::now().duration_since(since.0) >= UNSCHEDULABLE_GRACE
            })
        });
    if let Some(c) = unschedulable {
        return Some(format!(
            "pod {name} cannot be scheduled: {}",
            c.message.as_deref().unwrap_or("no reason given").trim()
        ));
    }
    let containers = || {
        status
            .init_container_statuses
            .iter()
            .flatten()
            .chain(status.container_statuses.iter().flatten())
    };
    // Killed for its memory: the plan's limit is too small for what it does
    // (a crash loop that follows says less than this).
    let oom_killed = containers().find(|c| {
        [c.state.as_ref(), c.last_state.as_ref()]
            .into_iter()
            .flatten()
            .filter_map(|s| s.terminated.as_ref())
            .any(|t| t.reason.as_deref() == Some("OOMKilled"))
    });
    if let Some(c) = oom_killed {
        return Some(format!(
            "pod {name} container {} was OOM-killed: it went over its memory limit (restarts: {}); a larger plan gives it more",
            c.name, c.restart_count
        ));
    }
    const STUCK: [&str; 6] = [
        "ImagePullBackOff",
        "ErrImagePull",
        "InvalidImageName",
        "CrashLoopBackOff",
        "CreateContainerConfigError",
        "CreateContainerError",
    ];
    containers().find_map(|c| {
        let waiting = c.state.as_ref()?.waiting.as_ref()?;
        let reason = waiting.reason.as_deref()?;
        STUCK.contains(&reason).then(|| {
            format!(
                "pod {name} container {}: {reason}: {}",
                c.name,
                waiting.message.as_deref().unwrap_or_default().trim()
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(status: serde_json::Value) -> Pod {
        serde_json::from_value(json!({"metadata": {"name": "setup-x"}, "status": status})).unwrap()
    }

    #[test]
    fn an_unschedulable_pod_says_why() {
        let pending = pod(json!({"phase": "Pending", "conditions": [{
            "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
            "message": "0/2 nodes are available: 2 Insufficient cpu."
        }]}));
        assert_eq!(
            pod_trouble(&pending).as_deref(),
            Some("pod setup-x cannot be scheduled: 0/2 nodes are available: 2 Insufficient cpu.")
        );
        let since = |seconds_ago: i64| {
            (k8s_openapi::jiff::Timestamp::now()
                - k8s_openapi::jiff::SignedDuration::from_secs(seconds_ago))
            .to_string()
        };
        let waiting_for_claim = |since: String| {
            pod(json!({"phase": "Pending", "conditions": [{
                "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                "lastTransitionTime": since,
                "message": "pod has unbound immediate PersistentVolumeClaims"
            }]}))
        };
        assert_eq!(
            pod_trouble(&waiting_for_claim(since(1))),
            None,
            "a pod the scheduler is about to retry is not trouble yet"
        );
        assert_eq!(
            pod_trouble(&waiting_for_claim(since(60))).as_deref(),
            Some(
                "pod setup-x cannot be scheduled: pod has unbound immediate PersistentVolumeClaims"
            )
        );
    }

    #[test]
    fn an_image_that_cannot_be_pulled_says_so() {
        let pulling = pod(json!({"phase": "Pending", "initContainerStatuses": [{
            "name": "wordpress-core", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"x\""}}
        }]}));
        assert_eq!(
            pod_trouble(&pulling).as_deref(),
            Some(
                "pod setup-x container wordpress-core: ImagePullBackOff: Back-off pulling image \"x\""
            )
        );
        let starting = pod(json!({"phase": "Pending", "containerStatuses": [{
            "name": "setup", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"waiting": {"reason": "ContainerCreating"}}
        }]}));
        assert_eq!(pod_trouble(&starting), None, "starting is not trouble");
    }

    #[test]
    fn a_container_killed_for_its_memory_says_so_even_once_restarted() {
        let restarted = pod(json!({"phase": "Running", "containerStatuses": [{
            "name": "database", "image": "x", "imageID": "", "ready": false, "restartCount": 1,
            "state": {"running": {}},
            "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}
        }]}));
        assert_eq!(
            pod_trouble(&restarted).as_deref(),
            Some(
                "pod setup-x container database was OOM-killed: it went over its memory limit (restarts: 1); a larger plan gives it more"
            )
        );
        let crashed = pod(json!({"phase": "Running", "containerStatuses": [{
            "name": "database", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"running": {}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}
        }]}));
        assert_eq!(
            pod_trouble(&crashed),
            None,
            "an ordinary exit is not an OOM kill"
        );
    }

    #[test]
    fn the_latest_failure_message_wins_and_init_containers_count() {
        let terminated = |name: &str, at: &str, code: i32, message: &str| {
            json!({"name": name, "image": "x", "imageID": "", "ready": false, "restartCount": 0,
                "state": {"terminated": {"exitCode": code, "finishedAt": at, "message": message}}})
        };
        let first = pod(json!({"containerStatuses": [
            terminated("setup", "2026-01-01T00:00:00Z", 1, "setup step pages failed: old\n")
        ]}));
        let second = pod(json!({"initContainerStatuses": [
            terminated("wordpress-core", "2026-01-01T00:05:00Z", 1, "setup step wordpress-core failed: no core")
        ]}));
        let fine = pod(json!({"containerStatuses": [
            terminated("setup", "2026-01-01T00:09:00Z", 0, "")
        ]}));
        assert_eq!(
            termination_message(&[first, second, fine]).as_deref(),
            Some("setup step wordpress-core failed: no core")
        );
        assert_eq!(termination_message(&[]), None);
    }
}
