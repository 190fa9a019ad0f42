//! Pure observers of what the children report: a StatefulSet's, Deployment's,
//! Job's, Pod's and Certificate's status turned into a step's state. No API
//! calls here, so each rule is tested from a literal object.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use kube::api::DynamicObject;

use super::step::StepState;

pub fn statefulset_state(set: &StatefulSet, suspended: bool) -> StepState {
    let status = set.status.clone().unwrap_or_default();
    let ready = status.ready_replicas.unwrap_or(0);
    if suspended {
        return if status.replicas == 0 {
            StepState::done("Suspended", "scaled to zero")
        } else {
            StepState::waiting(
                "ScalingDown",
                format!("{} replica(s) still running", status.replicas),
            )
        };
    }
    let rolled_out = rolled_out(
        set.metadata.generation,
        status.observed_generation,
        status.updated_replicas,
    );
    if ready >= 1 && !rolled_out {
        StepState::waiting("RollingOut", "a new MariaDB pod replaces the old one")
    } else if ready >= 1 {
        StepState::done("Ready", "1/1 replicas ready")
    } else {
        StepState::waiting("Starting", format!("{ready}/1 replicas ready"))
    }
}

/// Whether a workload's controller has seen its latest spec and made its pod
/// of it. Until then its status is the old pod's: right after a plan change
/// patched the resources, the old pod is still the ready one, and a change is
/// not applied yet. Both workloads run one pod, replaced (not surged), so an
/// updated pod is the only one.
fn rolled_out(generation: Option<i64>, observed: Option<i64>, updated: Option<i32>) -> bool {
    observed.unwrap_or(0) >= generation.unwrap_or(0) && updated.unwrap_or(0) >= 1
}

/// WordPress's state, and whether its pod exists (the setup Job runs beside it
/// before it is Ready: it reports Ready only once the site is installed).
pub fn deployment_state(deployment: &Deployment, suspended: bool) -> (StepState, bool) {
    let status = deployment.status.clone().unwrap_or_default();
    let replicas = status.replicas.unwrap_or(0);
    if suspended {
        let state = if replicas == 0 {
            StepState::done("Suspended", "scaled to zero")
        } else {
            StepState::waiting("ScalingDown", "pods still running")
        };
        return (state, false);
    }
    let rolled_out = rolled_out(
        deployment.metadata.generation,
        status.observed_generation,
        status.updated_replicas,
    );
    let available = status
        .conditions
        .unwrap_or_default()
        .iter()
        .any(|c| c.type_ == "Available" && c.status == "True")
        && status.available_replicas.unwrap_or(0) >= 1;
    if available && !rolled_out {
        let state = StepState::waiting("RollingOut", "a new WordPress pod replaces the old one");
        return (state, replicas >= 1);
    }
    let state = if available {
        StepState::done("Available", "1/1 replicas available")
    } else {
        StepState::waiting(
            "Starting",
            format!(
                "{}/1 replicas available (WordPress is ready once the setup installed the site)",
                status.available_replicas.unwrap_or(0)
            ),
        )
    };
    (state, replicas >= 1)
}

/// The setup Job's state; `message` is what its failed pod left behind.
pub fn job_state(job: &Job, message: Option<String>) -> StepState {
    let status = job.status.clone().unwrap_or_default();
    if status.succeeded.unwrap_or(0) >= 1 {
        return StepState::done("Completed", "WooCommerce is set up");
    }
    let failed = status
        .conditions
        .unwrap_or_default()
        .into_iter()
        .find(|c| c.type_ == "Failed" && c.status == "True");
    if let Some(condition) = failed {
        let message = message.unwrap_or_else(|| {
            condition
                .message
                .unwrap_or_else(|| "the setup Job failed".into())
        });
        return StepState::failed("SetupFailed", message);
    }
    // The Job controller sets the start time when it makes the first pod: a
    // busy control plane can take minutes, and a report at the deadline must
    // not say the setup ran when it never started.
    if status.start_time.is_none() && status.active.unwrap_or(0) == 0 {
        return StepState::waiting(
            "NotStarted",
            "setup Job not started yet: the cluster's Job controller has not made its pod",
        );
    }
    StepState::waiting(
        "Running",
        format!(
            "setup Job running ({} failed attempt(s))",
            status.failed.unwrap_or(0)
        ),
    )
}

/// Whether a Job finished without success (it will not run again by itself).
pub fn job_failed(job: &Job) -> bool {
    matches!(job_state(job, None), StepState::Failed { .. })
}

pub fn job_succeeded(job: &Job) -> bool {
    job_state(job, None).is_done()
}

pub const CERTIFICATE_PENDING: &str = "CertificatePending";

/// A cert-manager Certificate's Ready condition as the Ingress step's state.
pub fn certificate_state(certificate: Option<&DynamicObject>, name: &str) -> StepState {
    let Some(certificate) = certificate else {
        return StepState::waiting(
            CERTIFICATE_PENDING,
            format!(
                "cert-manager has not made the Certificate {name} yet (is cert-manager installed?)"
            ),
        );
    };
    let ready = certificate.data["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Ready");
    match ready {
        Some(c) if c["status"] == "True" => {
            StepState::done("Routed", format!("certificate {name} is ready"))
        }
        Some(c) => StepState::waiting(
            CERTIFICATE_PENDING,
            format!(
                "certificate {name} is not ready: {}",
                c["message"].as_str().unwrap_or("no message").trim()
            ),
        ),
        None => StepState::waiting(
            CERTIFICATE_PENDING,
            format!("certificate {name} is being issued"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_job_is_done_failed_or_running() {
        let job = |status: serde_json::Value| -> Job {
            serde_json::from_value(json!({"metadata": {"name": "setup"}, "status": status}))
                .unwrap()
        };
        assert!(job_succeeded(&job(json!({"succeeded": 1}))));
        let failed = job(json!({"failed": 3, "conditions": [
            {"type": "Failed", "status": "True", "message": "Job has reached the specified backoff limit"}
        ]}));
        assert!(job_failed(&failed));
        assert_eq!(
            job_state(&failed, Some("setup step pages failed: x".into())),
            StepState::failed("SetupFailed", "setup step pages failed: x")
        );
        assert_eq!(
            job_state(&failed, None),
            StepState::failed("SetupFailed", "Job has reached the specified backoff limit")
        );
        assert_eq!(
            job_state(&job(json!({"active": 1, "failed": 1})), None),
            StepState::waiting("Running", "setup Job running (1 failed attempt(s))")
        );
        let created = job(json!({}));
        assert_eq!(
            job_state(&created, None),
            StepState::waiting(
                "NotStarted",
                "setup Job not started yet: the cluster's Job controller has not made its pod"
            )
        );
        let started = job(json!({"startTime": "2026-12-07T00:57:10Z"}));
        assert_eq!(
            job_state(&started, None),
            StepState::waiting("Running", "setup Job running (0 failed attempt(s))")
        );
    }

    #[test]
    fn workloads_are_ready_placed_or_scaled_down() {
        let set: StatefulSet = serde_json::from_value(json!({
            "metadata": {"name": "database", "generation": 2},
            "status": {"replicas": 1, "readyReplicas": 1, "updatedReplicas": 1, "observedGeneration": 2}}))
        .unwrap();
        assert!(statefulset_state(&set, false).is_done());
        // Just patched (a plan change), and then the controller saw it: the
        // ready pod is the old one until the new one is made.
        let mut patched = set.clone();
        patched.metadata.generation = Some(3);
        let rolling = StepState::waiting("RollingOut", "a new MariaDB pod replaces the old one");
        assert_eq!(statefulset_state(&patched, false), rolling);
        let status = patched.status.as_mut().unwrap();
        (status.observed_generation, status.updated_replicas) = (Some(3), Some(0));
        assert_eq!(statefulset_state(&patched, false), rolling);
        assert_eq!(
            statefulset_state(&set, true),
            StepState::waiting("ScalingDown", "1 replica(s) still running")
        );
        let placed: Deployment = serde_json::from_value(
            json!({"metadata": {"name": "wordpress"}, "status": {"replicas": 1, "availableReplicas": 0}}),
        )
        .unwrap();
        let (state, is_placed) = deployment_state(&placed, false);
        assert!(!state.is_done() && is_placed);
        let available: Deployment =
            serde_json::from_value(json!({"metadata": {"name": "wordpress", "generation": 2},
            "status": {"replicas": 1, "availableReplicas": 1, "updatedReplicas": 1, "observedGeneration": 2,
                "conditions": [{"type": "Available", "status": "True"}]}}))
            .unwrap();
        assert!(deployment_state(&available, false).0.is_done());
        // Just patched (a plan change): the old pod is still the available one.
        let patched: Deployment =
            serde_json::from_value(json!({"metadata": {"name": "wordpress", "generation": 3},
            "status": {"replicas": 1, "availableReplicas": 1, "updatedReplicas": 1, "observedGeneration": 2,
                "conditions": [{"type": "Available", "status": "True"}]}}))
            .unwrap();
        assert_eq!(
            deployment_state(&patched, false).0,
            StepState::waiting("RollingOut", "a new WordPress pod replaces the old one")
        );
        let empty: Deployment =
            serde_json::from_value(json!({"metadata": {"name": "wordpress"}})).unwrap();
        assert!(!deployment_state(&empty, false).1, "no pod yet");
    }

    #[test]
    fn a_certificate_is_ready_only_with_its_ready_condition() {
        let cert = |status: serde_json::Value| -> DynamicObject {
            serde_json::from_value(
                json!({"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
                "metadata": {"name": "shop-tls"}, "status": status}),
            )
            .unwrap()
        };
        assert!(certificate_state(None, "shop-tls").reason() == "CertificatePending");
        let issuing = cert(json!({"conditions": [{"type": "Ready", "status": "False",
            "message": "Issuing certificate as Secret does not exist"}]}));
        assert_eq!(
            certificate_state(Some(&issuing), "shop-tls"),
            StepState::waiting(
                "CertificatePending",
                "certificate shop-tls is not ready: Issuing certificate as Secret does not exist"
            )
        );
        let ready = cert(json!({"conditions": [{"type": "Ready", "status": "True"}]}));
        assert!(certificate_state(Some(&ready), "shop-tls").is_done());
    }

    /// A cache that keeps only some fields must answer every reader as the
    /// whole object would: each workload's state, in each state it can be in.
    #[test]
    fn what_a_cache_keeps_reads_as_the_whole_object() {
        use crate::operator::children::caches::Caches;
        use k8s_openapi::api::core::v1::PersistentVolumeClaim;
        use kube::runtime::watcher::Event;
        let meta = json!({
            "name": "x", "namespace": "store-a", "uid": "u-1", "generation": 3,
            "labels": {"app.kubernetes.io/name": "x"},
            "annotations": {"nexus.dev/setup-hash": "abc"},
            "creationTimestamp": "2026-12-06T10:00:00Z"
        });
        let time = "2026-12-06T10:00:00Z";
        let condition = |kind: &str, status: &str| {
            json!({"type": kind, "status": status, "reason": "Why", "message": format!("{kind} is {status}"),
                   "lastTransitionTime": time, "lastUpdateTime": time, "lastProbeTime": time})
        };
        let (caches, mut writers) = Caches::new();
        writers.statefulsets.apply_event(&Event::InitDone);
        writers.deployments.apply_event(&Event::InitDone);
        writers.jobs.apply_event(&Event::InitDone);
        writers.volume_claims.apply_event(&Event::InitDone);
        let claim_spec = json!({
            "accessModes": ["ReadWriteOnce"], "storageClassName": "standard", "volumeName": "pv-1",
            "resources": {"requests": {"storage": "2Gi"}}
        });

        for status in [
            json!({"replicas": 1, "readyReplicas": 1, "updatedReplicas": 1, "observedGeneration": 3,
                   "currentReplicas": 1, "availableReplicas": 1, "currentRevision": "r1", "updateRevision": "r1"}),
            json!({"replicas": 1, "readyReplicas": 1, "updatedReplicas": 0, "observedGeneration": 2}),
            json!({"replicas": 1, "readyReplicas": 0, "observedGeneration": 3}),
            json!({"replicas": 0}),
        ] {
            let set: StatefulSet = serde_json::from_value(json!({
                "metadata": meta.clone(),
                "spec": {"replicas": 1, "serviceName": "database", "selector": {"matchLabels": {"a": "b"}},
                         "template": {"spec": {"containers": [{"name": "mariadb", "image": "mariadb"}]}},
                         "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": claim_spec.clone()}]},
                "status": status
            }))
            .unwrap();
            writers.statefulsets.apply_event(&Event::Apply(set.clone()));
            let cached = caches
                .statefulsets
                .lookup(Some("store-a"), "x")
                .unwrap()
                .unwrap();
            for suspended in [false, true] {
                assert_eq!(
                    statefulset_state(&cached, suspended),
                    statefulset_state(&set, suspended)
                );
            }
            let sizes = |set: &StatefulSet| {
                let claims = set
                    .spec
                    .as_ref()
                    .unwrap()
                    .volume_claim_templates
                    .clone()
                    .unwrap();
                claims
                    .into_iter()
                    .map(|c| c.spec.unwrap().resources)
                    .collect::<Vec<_>>()
            };
            assert_eq!(
                sizes(&cached),
                sizes(&set),
                "a plan change keeps the volumes' sizes"
            );
            assert_eq!(cached.metadata.uid, set.metadata.uid);
        }

        for status in [
            json!({"replicas": 1, "updatedReplicas": 1, "availableReplicas": 1, "readyReplicas": 1,
                   "observedGeneration": 3,
                   "conditions": [condition("Available", "True"), condition("Progressing", "True")]}),
            json!({"replicas": 1, "updatedReplicas": 1, "availableReplicas": 1, "observedGeneration": 2,
                   "conditions": [condition("Available", "True")]}),
            json!({"replicas": 1, "availableReplicas": 0, "observedGeneration": 3,
                   "conditions": [condition("Available", "False"), condition("Progressing", "True")]}),
            json!({"replicas": 1, "availableReplicas": 1, "conditions": [condition("Progressing", "True")]}),
            json!({}),
        ] {
            let deployment: Deployment = serde_json::from_value(json!({
                "metadata": meta.clone(),
                "spec": {"replicas": 1, "selector": {"matchLabels": {"a": "b"}},
                         "template": {"spec": {"containers": [{"name": "wordpress", "image": "wordpress"}]}}},
                "status": status
            }))
            .unwrap();
            writers
                .deployments
                .apply_event(&Event::Apply(deployment.clone()));
            let cached = caches
                .deployments
                .lookup(Some("store-a"), "x")
                .unwrap()
                .unwrap();
            for suspended in [false, true] {
                assert_eq!(
                    deployment_state(&cached, suspended),
                    deployment_state(&deployment, suspended)
                );
            }
        }

        for status in [
            json!({"succeeded": 1, "startTime": time, "completionTime": time,
                   "conditions": [condition("SuccessCriteriaMet", "True"), condition("Complete", "True")]}),
            json!({"failed": 3, "startTime": time,
                   "conditions": [condition("FailureTarget", "True"), condition("Failed", "True")]}),
            json!({"active": 1, "failed": 2, "startTime": time, "ready": 1}),
            json!({"active": 0}),
            json!({}),
        ] {
            let job: Job = serde_json::from_value(json!({
                "metadata": meta.clone(),
                "spec": {"backoffLimit": 3, "template": {"spec": {"containers": [{"name": "setup", "image": "wp"}],
                         "restartPolicy": "Never"}}},
                "status": status
            }))
            .unwrap();
            writers.jobs.apply_event(&Event::Apply(job.clone()));
            let cached = caches.jobs.lookup(Some("store-a"), "x").unwrap().unwrap();
            for message in [None, Some("the pod's last words".to_string())] {
                assert_eq!(
                    job_state(&cached, message.clone()),
                    job_state(&job, message)
                );
            }
            assert_eq!(
                crate::engines::woocommerce::setup_hash(&cached),
                crate::engines::woocommerce::setup_hash(&job),
                "which request a Job runs"
            );
        }

        let claim: PersistentVolumeClaim = serde_json::from_value(json!({
            "metadata": meta.clone(), "spec": claim_spec,
            "status": {"phase": "Bound", "capacity": {"storage": "2Gi"}}
        }))
        .unwrap();
        writers
            .volume_claims
            .apply_event(&Event::Apply(claim.clone()));
        let cached = caches
            .volume_claims
            .lookup(Some("store-a"), "x")
            .unwrap()
            .unwrap();
        assert_eq!(
            cached.spec.unwrap().resources,
            claim.spec.unwrap().resources,
            "a bound claim keeps its size"
        );
    }
}
