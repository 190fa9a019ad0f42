//! The check pod: `kubectl-nexus check-agent` shops once at the store
//! through its WordPress Service, from the store's own namespace (a
//! NetworkPolicy lets check pods reach WordPress and nothing else), and
//! leaves its report as the pod's termination message for the operator.
//! It is given the Service's cluster IP: the agent's image is the static
//! binary alone, with no resolver configuration to look a name up with.

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;

use super::{CHECK_TOKEN_SECRET, container_security, pod_security, resources, secret_env_of};
use crate::api::checkout_requested;
use crate::api::labels::{CHECK, WORDPRESS_PORT};
use crate::settings::ContainerSize;
use crate::validated::ValidatedStore;

/// The check Job's name: one at a time a store.
pub const CHECK_JOB: &str = "check";
/// The check request (`nexus.dev/check-requested`) the Job answers.
pub const CHECK_REQUEST_ANNOTATION: &str = "nexus.dev/check-request";
/// How long a check may take, waiting for room in the store's quota
/// included (a setup Job running takes it).
pub const CHECK_DEADLINE_SECONDS: i64 = 300;
/// Nobody: the agent needs no file and no privilege.
const NOBODY: i64 = 65534;

/// The check Job answering `request`, against the store's URL, through
/// the WordPress Service at `cluster_ip`.
pub fn check_job(store: &ValidatedStore, request: &str, cluster_ip: &str) -> Job {
    let address = match cluster_ip.contains(':') {
        true => format!("[{cluster_ip}]:{WORDPRESS_PORT}"),
        false => format!("{cluster_ip}:{WORDPRESS_PORT}"),
    };
    let labels = store.template_labels(Some(CHECK));
    let mut args = vec![
        "check-agent".into(),
        format!("--service={address}"),
        format!("--url={}", store.url),
    ];
    let mut environment = Vec::new();
    if checkout_requested(request) {
        args.push("--checkout".into());
        // Missing (a store made before checkout checks, not reconciled
        // since): the agent says so rather than the pod failing to start.
        environment.push(secret_env_of(
            "NEXUS_CHECK_TOKEN",
            CHECK_TOKEN_SECRET,
            "token",
            true,
        ));
    }
    let agent = Container {
        name: "shopper".into(),
        image: Some(store.settings.agent_image.clone()),
        args: Some(args),
        env: Some(environment),
        resources: Some(resources(&ContainerSize {
            cpu: "100m".into(),
            memory: "64Mi".into(),
        })),
        security_context: Some(container_security()),
        termination_message_policy: Some("FallbackToLogsOnError".into()),
        ..Container::default()
    };
    Job {
        metadata: ObjectMeta {
            name: Some(CHECK_JOB.into()),
            namespace: Some(store.namespace.clone()),
            labels: Some(store.labels(Some(CHECK))),
            annotations: Some(BTreeMap::from([(
                CHECK_REQUEST_ANNOTATION.to_string(),
                request.to_string(),
            )])),
            ..ObjectMeta::default()
        },
        spec: Some(JobSpec {
            // A failed check is a finding, not something to try again.
            backoff_limit: Some(0),
            active_deadline_seconds: Some(CHECK_DEADLINE_SECONDS),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    restart_policy: Some("Never".into()),
                    automount_service_account_token: Some(false),
                    enable_service_links: Some(false),
                    security_context: Some(pod_security(NOBODY)),
                    containers: vec![agent],
                    ..PodSpec::default()
                }),
            },
            ..JobSpec::default()
        }),
        ..Job::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Plan;

    #[test]
    fn the_check_pod_shops_through_the_service_as_nobody_with_no_token() {
        let settings = crate::settings::Settings::for_tests();
        let raw = crate::validated::testing::store("shop", Plan::Small);
        let store = ValidatedStore::new(&raw, &settings).unwrap();
        let job = check_job(&store, "r1", "10.43.0.17");
        assert_eq!(
            job.metadata.annotations.unwrap()[CHECK_REQUEST_ANNOTATION],
            "r1"
        );
        let spec = job.spec.unwrap();
        assert_eq!(spec.backoff_limit, Some(0));
        let pod = spec.template.spec.unwrap();
        assert_eq!(
            pod.containers[0].image.as_deref(),
            Some(settings.agent_image.as_str())
        );
        assert_eq!(pod.automount_service_account_token, Some(false));
        assert_eq!(pod.security_context.unwrap().run_as_user, Some(NOBODY));
        let args = pod.containers[0].args.clone().unwrap();
        assert_eq!(
            args,
            [
                "check-agent",
                "--service=10.43.0.17:80",
                "--url=http://shop.shops.example.com"
            ]
        );
        let labels = spec.template.metadata.unwrap().labels.unwrap();
        assert_eq!(labels["app.kubernetes.io/component"], "check");
        let job = check_job(&store, "r1", "fd00:10:43::17");
        let args = job.spec.unwrap().template.spec.unwrap().containers[0]
            .args
            .clone()
            .unwrap();
        assert_eq!(args[1], "--service=[fd00:10:43::17]:80");
    }

    #[test]
    fn a_checkout_check_carries_the_stores_check_token_from_its_secret_alone() {
        let settings = crate::settings::Settings::for_tests();
        let raw = crate::validated::testing::store("shop", Plan::Small);
        let store = ValidatedStore::new(&raw, &settings).unwrap();
        let container = |request: &str| {
            let job = check_job(&store, request, "10.43.0.17");
            job.spec.unwrap().template.spec.unwrap().containers[0].clone()
        };
        let light = container("2026-12-05T10:00:00Z");
        assert!(!light.args.unwrap().contains(&"--checkout".to_string()));
        assert_eq!(light.env, Some(Vec::new()), "a light check needs no token");
        let checkout = container("checkout 2026-12-05T10:00:00Z");
        assert_eq!(checkout.args.unwrap().last().unwrap(), "--checkout");
        let env = checkout.env.unwrap();
        assert_eq!(env.len(), 1);
        assert_eq!(env[0].name, "NEXUS_CHECK_TOKEN");
        assert_eq!(env[0].value, None, "never in the Job's text");
        let from = env[0].value_from.clone().unwrap().secret_key_ref.unwrap();
        assert_eq!(
            (from.name.as_str(), from.key.as_str()),
            ("check-token", "token")
        );
    }
}
