//! The setup Job: wp-cli runs `setup.sh` once WordPress and the database are
//! up. The script is fixed text; the store's values reach it only through
//! environment variables.

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Affinity, Container, EmptyDirVolumeSource, PersistentVolumeClaimVolumeSource, PodAffinity,
    PodAffinityTerm, PodSpec, PodTemplateSpec, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::wordpress::wordpress_env;
use super::{WORDPRESS, WORDPRESS_VOLUME, container_security, env, resources, secret_env};
use crate::engines::StoreContext;
use crate::guardrails::ADMIN_SECRET;

pub const SETUP_JOB: &str = "setup";
/// Fingerprint of the Job's pod template, to tell when it must run again.
pub const SETUP_HASH_ANNOTATION: &str = "nexus.dev/setup-hash";
pub const SETUP_SCRIPT: &str = include_str!("setup.sh");

pub fn setup_job(ctx: &StoreContext) -> Job {
    let spec = &ctx.store.spec;
    let options = spec.woocommerce.clone().unwrap_or_default();
    let mut environment = wordpress_env();
    environment.extend([
        env("STORE_NAME", &ctx.name),
        env("STORE_URL", &ctx.url),
        env("WORDPRESS_VERSION", &ctx.settings.wordpress_version),
        env("WOOCOMMERCE_VERSION", &ctx.settings.woocommerce_version),
        env("CURRENCY", options.currency.as_deref().unwrap_or("USD")),
        env(
            "SAMPLE_PRODUCTS",
            if options.sample_products.unwrap_or(true) {
                "true"
            } else {
                "false"
            },
        ),
        env(
            "ADMIN_EMAIL",
            spec.admin_email
                .as_deref()
                .unwrap_or(&format!("admin@{}", ctx.host)),
        ),
        secret_env("ADMIN_USER", ADMIN_SECRET, "username"),
        secret_env("ADMIN_PASSWORD", ADMIN_SECRET, "password"),
    ]);
    let mut labels = ctx.labels(Some(SETUP_JOB));
    labels.extend(ctx.selector(SETUP_JOB));
    let mut job = Job {
        metadata: ObjectMeta {
            name: Some(SETUP_JOB.into()),
            namespace: Some(ctx.namespace.clone()),
            labels: Some(ctx.labels(Some(SETUP_JOB))),
            ..ObjectMeta::default()
        },
        spec: Some(JobSpec {
            backoff_limit: Some(2),
            active_deadline_seconds: Some(ctx.settings.provisioning_timeout.as_secs() as i64),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    restart_policy: Some("Never".into()),
                    automount_service_account_token: Some(false),
                    enable_service_links: Some(false),
                    // The content volume is ReadWriteOnce: run beside WordPress.
                    affinity: Some(Affinity {
                        pod_affinity: Some(PodAffinity {
                            required_during_scheduling_ignored_during_execution: Some(vec![
                                PodAffinityTerm {
                                    label_selector: Some(LabelSelector {
                                        match_labels: Some(ctx.selector(WORDPRESS)),
                                        ..LabelSelector::default()
                                    }),
                                    topology_key: "kubernetes.io/hostname".into(),
                                    ..PodAffinityTerm::default()
                                },
                            ]),
                            ..PodAffinity::default()
                        }),
                        ..Affinity::default()
                    }),
                    containers: vec![Container {
                        name: SETUP_JOB.into(),
                        image: Some(ctx.settings.setup_image.clone()),
                        command: Some(vec!["/bin/sh".into(), "-c".into(), SETUP_SCRIPT.into()]),
                        env: Some(environment),
                        resources: Some(resources(&ctx.plan.setup)),
                        security_context: Some(container_security(&[])),
                        termination_message_policy: Some("FallbackToLogsOnError".into()),
                        volume_mounts: Some(vec![
                            VolumeMount {
                                name: "core".into(),
                                mount_path: "/var/www/html".into(),
                                ..VolumeMount::default()
                            },
                            VolumeMount {
                                name: "content".into(),
                                mount_path: "/var/www/html/wp-content".into(),
                                ..VolumeMount::default()
                            },
                        ]),
                        ..Container::default()
                    }],
                    volumes: Some(vec![
                        Volume {
                            name: "core".into(),
                            empty_dir: Some(EmptyDirVolumeSource::default()),
                            ..Volume::default()
                        },
                        Volume {
                            name: "content".into(),
                            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                                claim_name: WORDPRESS_VOLUME.into(),
                                read_only: Some(false),
                            }),
                            ..Volume::default()
                        },
                    ]),
                    ..PodSpec::default()
                }),
            },
            ..JobSpec::default()
        }),
        ..Job::default()
    };
    let template = job.spec.as_ref().map(|s| &s.template);
    let hash = fnv1a(
        serde_json::to_string(&template)
            .unwrap_or_default()
            .as_bytes(),
    );
    job.metadata.annotations = Some(BTreeMap::from([(
        SETUP_HASH_ANNOTATION.to_string(),
        format!("{hash:016x}"),
    )]));
    job
}

/// The fingerprint a setup Job carries (empty when it has none).
pub fn setup_hash(job: &Job) -> &str {
    job.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(SETUP_HASH_ANNOTATION))
        .map(String::as_str)
        .unwrap_or_default()
}

/// FNV-1a: a small hash that is the same in every build, unlike std's.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Plan;
    use crate::engines::testing::store;
    use crate::operator::config::Settings;

    #[test]
    fn user_values_reach_the_script_only_through_the_environment() {
        let settings = Settings::for_tests();
        let mut store = store("demo", Plan::Small);
        store.spec.admin_email = Some("a'$(reboot)'@example.com".into());
        let job = setup_job(&StoreContext::new(&store, &settings));
        let container = &job.spec.unwrap().template.spec.unwrap().containers[0];
        let command = container.command.as_ref().unwrap();
        assert_eq!(command[2], SETUP_SCRIPT, "the script text is fixed");
        assert!(!SETUP_SCRIPT.contains("reboot"));
        let env = container.env.as_ref().unwrap();
        let email = env.iter().find(|e| e.name == "ADMIN_EMAIL").unwrap();
        assert_eq!(email.value.as_deref(), Some("a'$(reboot)'@example.com"));
        let password = env.iter().find(|e| e.name == "ADMIN_PASSWORD").unwrap();
        assert!(
            password.value.is_none(),
            "the password comes from the Secret"
        );
        assert_eq!(
            env.iter()
                .find(|e| e.name == "STORE_URL")
                .unwrap()
                .value
                .as_deref(),
            Some("http://demo.shops.example.com")
        );
    }

    #[test]
    fn the_fingerprint_follows_the_settings_the_job_runs_with() {
        let settings = Settings::for_tests();
        let mut store = store("demo", Plan::Small);
        let first = setup_job(&StoreContext::new(&store, &settings));
        let again = setup_job(&StoreContext::new(&store, &settings));
        assert_eq!(setup_hash(&first), setup_hash(&again));
        assert_eq!(setup_hash(&first).len(), 16);
        store.spec.plan = Plan::Medium; // the setup container is the same size in every plan
        assert_eq!(
            setup_hash(&first),
            setup_hash(&setup_job(&StoreContext::new(&store, &settings)))
        );
        store.spec.woocommerce = Some(crate::api::WooCommerceOptions {
            currency: Some("EUR".into()),
            sample_products: None,
        });
        assert_ne!(
            setup_hash(&first),
            setup_hash(&setup_job(&StoreContext::new(&store, &settings)))
        );
    }
}
