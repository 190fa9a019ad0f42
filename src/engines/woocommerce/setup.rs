//! The setup Job: wp-cli runs `setup.sh` once the database is ready and
//! WordPress's pod is placed. WordPress core, and the plugins and themes the
//! WordPress image ships, come from that image itself (the same init
//! container as WordPress's places them), so the versions match by
//! construction and the setup finds what the image ships whichever pod starts
//! first. The script is fixed text; the store's values reach it only through
//! environment variables.

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Affinity, Container, PodAffinity, PodAffinityTerm, PodSpec, PodTemplateSpec,
    ResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::wordpress::{WWW_DATA_UID, content_volume, copy_wordpress, wordpress_env};
use super::{
    CHECK_TOKEN_SECRET, container_security, env, mount, pod_security, resources, scratch,
    secret_env, secret_env_of,
};
use crate::api::labels::{ADMIN_SECRET, SETUP, WORDPRESS};
use crate::fingerprint::fnv1a;
use crate::quantity::add_cpu;
use crate::validated::{SetupRequest, ValidatedStore};

/// Fingerprint of what the owner asked the setup for, to tell when it must
/// run again. (Operators before it wrote `nexus.dev/setup-hash`, a hash of the
/// whole pod template; a Job with only that one is adopted, not re-run.)
pub const SETUP_HASH_ANNOTATION: &str = "nexus.dev/setup-request";
pub const SETUP_SCRIPT: &str = include_str!("setup.sh");
/// The must-use plugin the setup puts in every store: its check product is
/// for sale to a request carrying the store's check token alone, and the
/// order such a request places sends no email and is deleted at once.
pub const CHECK_PLUGIN: &str = include_str!("nexus-check.php");

/// Whom the setup Job runs for: a store not yet installed, or a live one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetupRound {
    /// The first install: nobody shops yet, so the setup may also use the
    /// CPU the quota keeps for a replacement WordPress pod (its limit, not
    /// its request). Every wp-cli call boots WordPress and WooCommerce, which
    /// is CPU-bound: at the plan's 200m the setup was most of the time to
    /// Ready. A WordPress pod replaced during the install waits for the
    /// setup to end: it serves no one yet.
    FirstInstall,
    /// A live store whose owner asked for a change: the plan's own size, so
    /// a replacement WordPress pod is never refused meanwhile.
    Live,
}

pub fn setup_job(store: &ValidatedStore, round: SetupRound) -> Job {
    let request = &store.setup;
    let settings = store.settings;
    let mut environment = wordpress_env();
    environment.extend([
        env("STORE_NAME", &request.title),
        env("STORE_URL", &request.url),
        env("WOOCOMMERCE_VERSION", &settings.woocommerce_version),
        env("WOOCOMMERCE_SOURCE", settings.woocommerce_source.as_env()),
        // Empty: keep the site's currency.
        env("CURRENCY", request.currency.as_deref().unwrap_or_default()),
        env(
            "SAMPLE_PRODUCTS",
            if request.sample_products {
                "true"
            } else {
                "false"
            },
        ),
        env("ADMIN_EMAIL", &request.admin_email),
        env("WP_CLI_CACHE_DIR", "/tmp/wp-cli-cache"),
        env("STORE_UID", &store.uid),
        env(
            "CLONED_FROM",
            request.cloned_from.as_deref().unwrap_or_default(),
        ),
        secret_env("ADMIN_USER", ADMIN_SECRET, "username"),
        secret_env("ADMIN_PASSWORD", ADMIN_SECRET, "password"),
        // The check product and what sells it to the check alone.
        secret_env_of("CHECK_TOKEN", CHECK_TOKEN_SECRET, "token", true),
        env("CHECK_PLUGIN", CHECK_PLUGIN),
    ]);
    let labels = store.template_labels(Some(SETUP));
    Job {
        metadata: ObjectMeta {
            name: Some(SETUP.into()),
            namespace: Some(store.namespace.clone()),
            labels: Some(store.labels(Some(SETUP))),
            annotations: Some(BTreeMap::from([(
                SETUP_HASH_ANNOTATION.to_string(),
                request_hash(request),
            )])),
            ..ObjectMeta::default()
        },
        spec: Some(JobSpec {
            backoff_limit: Some(2),
            active_deadline_seconds: Some(settings.provisioning_timeout.as_secs() as i64),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    restart_policy: Some("Never".into()),
                    automount_service_account_token: Some(false),
                    enable_service_links: Some(false),
                    security_context: Some(pod_security(WWW_DATA_UID)),
                    // The content volume is ReadWriteOnce: run beside WordPress.
                    affinity: Some(beside(store, WORDPRESS)),
                    init_containers: Some(vec![copy_wordpress(store, &store.plan.setup)]),
                    containers: vec![Container {
                        name: SETUP.into(),
                        image: Some(settings.setup_image.clone()),
                        command: Some(vec!["/bin/sh".into(), "-c".into(), SETUP_SCRIPT.into()]),
                        env: Some(environment),
                        resources: Some(setup_resources(store, round)),
                        security_context: Some(container_security()),
                        termination_message_policy: Some("FallbackToLogsOnError".into()),
                        volume_mounts: Some(vec![
                            mount("core", "/var/www/html"),
                            mount("content", "/var/www/html/wp-content"),
                            mount("tmp", "/tmp"),
                        ]),
                        ..Container::default()
                    }],
                    volumes: Some(vec![scratch("core"), content_volume(), scratch("tmp")]),
                    ..PodSpec::default()
                }),
            },
            ..JobSpec::default()
        }),
        ..Job::default()
    }
}

/// The setup container's resources in a round (see `SetupRound`). It always
/// requests the plan's setup size, so it is placed wherever it was before;
/// on the first install its CPU limit also takes the room the quota keeps
/// for a replacement WordPress pod, so it runs faster where the node has CPU
/// to spare and no slower where it has none. The quota has room for that
/// limit: the plan's containers fit the plan (`Plans::check`), and the quota
/// adds one WordPress pod's worth.
fn setup_resources(store: &ValidatedStore, round: SetupRound) -> ResourceRequirements {
    let plan = &store.plan;
    let mut sized = resources(&plan.setup);
    if round == SetupRound::FirstInstall {
        let cpu = add_cpu(&[&plan.setup.cpu, &plan.wordpress.cpu])
            .unwrap_or_else(|_| plan.setup.cpu.clone());
        if let Some(limits) = sized.limits.as_mut() {
            limits.insert("cpu".into(), Quantity(cpu));
        }
    }
    sized
}

/// Required placement on the node of the component's pod.
pub(super) fn beside(store: &ValidatedStore, component: &str) -> Affinity {
    Affinity {
        pod_affinity: Some(PodAffinity {
            required_during_scheduling_ignored_during_execution: Some(vec![PodAffinityTerm {
                label_selector: Some(LabelSelector {
                    match_labels: Some(store.selector(component)),
                    ..LabelSelector::default()
                }),
                topology_key: "kubernetes.io/hostname".into(),
                ..PodAffinityTerm::default()
            }]),
            ..PodAffinity::default()
        }),
        ..Affinity::default()
    }
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

/// Covers only what the owner asked for: an operator upgrade (images, labels,
/// the script) never re-runs the setup of a live store. The fields are
/// written out explicitly so the fingerprint never depends on std's hashing.
fn request_hash(request: &SetupRequest) -> String {
    let sample = if request.sample_products { "1" } else { "0" };
    let mut fields = vec![
        request.title.as_str(),
        &request.url,
        &request.admin_email,
        request.currency.as_deref().unwrap_or_default(),
        sample,
    ];
    // Only clones have it, so every other store's fingerprint is as before.
    if let Some(backup) = &request.cloned_from {
        fields.push(backup);
    }
    format!("{:016x}", fnv1a(fields.join("\0").as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Plan;
    use crate::settings::{Settings, WooCommerceSource};
    use crate::validated::testing::store;

    fn job_for(store: &crate::api::Store, settings: &Settings) -> Job {
        setup_job(
            &ValidatedStore::new(store, settings).unwrap(),
            SetupRound::FirstInstall,
        )
    }

    fn setup_container(job: &Job) -> &Container {
        &job.spec
            .as_ref()
            .unwrap()
            .template
            .spec
            .as_ref()
            .unwrap()
            .containers[0]
    }

    fn env_of(job: &Job) -> Vec<k8s_openapi::api::core::v1::EnvVar> {
        setup_container(job).env.clone().unwrap()
    }

    fn value(env: &[k8s_openapi::api::core::v1::EnvVar], name: &str) -> Option<String> {
        env.iter()
            .find(|e| e.name == name)
            .and_then(|e| e.value.clone())
    }

    #[test]
    fn the_setup_is_given_the_check_plugin_and_the_check_token_from_its_secret() {
        let job = job_for(&store("demo", Plan::Small), &Settings::for_tests());
        let env = env_of(&job);
        // The plugin reaches the script whole, as PHP.
        let plugin = value(&env, "CHECK_PLUGIN").unwrap();
        assert!(plugin.starts_with("<?php") && plugin.contains("woocommerce_is_purchasable"));
        // The kubelet expands $(NAME) in an env value: the plugin has none.
        assert!(!plugin.contains("$("));
        let token = env.iter().find(|e| e.name == "CHECK_TOKEN").unwrap();
        assert_eq!(token.value, None, "never in the Job's text");
        let from = token.value_from.clone().unwrap().secret_key_ref.unwrap();
        assert_eq!(
            (from.name.as_str(), from.key.as_str(), from.optional),
            ("check-token", "token", Some(true))
        );
    }

    #[test]
    fn user_values_reach_the_script_only_through_the_environment() {
        let settings = Settings::for_tests();
        let mut store = store("demo", Plan::Small);
        store.spec.admin_email = Some("a'$(reboot)'@example.com".into());
        // The CRD refuses such an email; the builder must not trust that.
        assert!(ValidatedStore::new(&store, &settings).is_err());
        store.spec.admin_email = Some("owner+shop@example.com".into());
        let job = job_for(&store, &settings);
        let container = setup_container(&job);
        let command = container.command.as_ref().unwrap();
        assert_eq!(command[2], SETUP_SCRIPT, "the script text is fixed");
        let env = env_of(&job);
        assert_eq!(
            value(&env, "ADMIN_EMAIL").as_deref(),
            Some("owner+shop@example.com")
        );
        let password = env.iter().find(|e| e.name == "ADMIN_PASSWORD").unwrap();
        assert!(
            password.value.is_none(),
            "the password comes from the Secret"
        );
        assert_eq!(
            value(&env, "STORE_URL").as_deref(),
            Some("http://demo.shops.example.com")
        );
    }

    #[test]
    fn core_comes_from_the_wordpress_image_and_woocommerce_from_the_configured_source() {
        let mut settings = Settings::for_tests();
        let store = store("demo", Plan::Small);
        let job = job_for(&store, &settings);
        let pod = job.spec.as_ref().unwrap().template.spec.clone().unwrap();
        let init = &pod.init_containers.unwrap()[0];
        assert_eq!(init.image.as_deref(), Some("wordpress:test"));
        assert_eq!(
            init.command.as_ref().unwrap()[2],
            super::super::wordpress::COPY_WORDPRESS
        );
        let mounts: Vec<_> = init
            .volume_mounts
            .iter()
            .flatten()
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(
            mounts,
            ["core", "content"],
            "plugins land in the store's wp-content"
        );
        assert_eq!(
            value(&env_of(&job), "WOOCOMMERCE_SOURCE").as_deref(),
            Some("")
        );
        settings.woocommerce_source = WooCommerceSource::Zip("https://m.example/wc.zip".into());
        let job = job_for(&store, &settings);
        assert_eq!(
            value(&env_of(&job), "WOOCOMMERCE_SOURCE").as_deref(),
            Some("https://m.example/wc.zip")
        );
        assert_eq!(
            value(&env_of(&job), "WOOCOMMERCE_VERSION").as_deref(),
            Some("10.2.2")
        );
    }

    #[test]
    fn the_first_install_gets_the_replacement_room_and_a_live_store_keeps_it() {
        let settings = Settings::for_tests();
        let store = store("demo", Plan::Small);
        let validated = ValidatedStore::new(&store, &settings).unwrap();
        let cpu = |round| {
            let job = setup_job(&validated, round);
            let resources = setup_container(&job).resources.clone().unwrap();
            (
                resources.requests.unwrap()["cpu"].0.clone(),
                resources.limits.unwrap()["cpu"].0.clone(),
            )
        };
        // It is placed as before (200m); on the first install it may use
        // WordPress's 400m that the quota keeps spare.
        assert_eq!(
            cpu(SetupRound::FirstInstall),
            ("200m".into(), "600m".into())
        );
        assert_eq!(cpu(SetupRound::Live), ("200m".into(), "200m".into()));
        // Database, WordPress and the first install's setup fit the quota.
        let plan = &validated.plan;
        let used = crate::quantity::millicores(&plan.database.cpu).unwrap()
            + crate::quantity::millicores(&plan.wordpress.cpu).unwrap()
            + crate::quantity::millicores(&cpu(SetupRound::FirstInstall).1).unwrap();
        assert!(used <= crate::quantity::millicores(&plan.quota_cpu()).unwrap());
        // The round never changes what the Job is for.
        assert_eq!(
            setup_hash(&setup_job(&validated, SetupRound::FirstInstall)),
            setup_hash(&setup_job(&validated, SetupRound::Live))
        );
    }

    #[test]
    fn every_container_meets_pod_security_restricted() {
        let settings = Settings::for_tests();
        let job = job_for(&store("demo", Plan::Small), &settings);
        let pod = job.spec.unwrap().template.spec.unwrap();
        assert_eq!(pod.security_context.unwrap().run_as_non_root, Some(true));
        for container in pod
            .containers
            .iter()
            .chain(pod.init_containers.iter().flatten())
        {
            let security = container.security_context.as_ref().unwrap();
            assert_eq!(security.allow_privilege_escalation, Some(false));
            assert_eq!(security.read_only_root_filesystem, Some(true));
            assert_eq!(
                security.capabilities.as_ref().unwrap().drop.as_deref(),
                Some(&["ALL".to_string()][..])
            );
        }
    }

    #[test]
    fn only_what_the_owner_asked_for_changes_the_fingerprint() {
        let settings = Settings::for_tests();
        let mut store = store("demo", Plan::Small);
        let first = job_for(&store, &settings);
        assert_eq!(setup_hash(&first), setup_hash(&job_for(&store, &settings)));
        assert_eq!(setup_hash(&first).len(), 16);

        // An operator upgrade: new images, another WooCommerce source.
        let mut upgraded = Settings::for_tests();
        upgraded.setup_image = "wpcli:next".into();
        upgraded.wordpress_image = "wordpress:next".into();
        upgraded.woocommerce_version = "10.3.0".into();
        assert_eq!(setup_hash(&first), setup_hash(&job_for(&store, &upgraded)));
        store.spec.plan = Plan::Medium;
        store.metadata.labels = Some([("team".to_string(), "x".to_string())].into());
        assert_eq!(setup_hash(&first), setup_hash(&job_for(&store, &settings)));

        store.spec.woocommerce = Some(crate::api::WooCommerceOptions {
            currency: Some("EUR".into()),
            sample_products: None,
        });
        let eur = job_for(&store, &settings);
        assert_ne!(setup_hash(&first), setup_hash(&eur));
        store.spec.domain = Some("shop.example.org".into());
        assert_ne!(setup_hash(&eur), setup_hash(&job_for(&store, &settings)));
    }
}
