//! WordPress: one replica (Recreate: the volume is ReadWriteOnce), its
//! wp-content on a claim of its own, and a ClusterIP Service for the Ingress.

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStrategy};
use k8s_openapi::api::core::v1::{
    Container, ContainerPort, HTTPGetAction, PersistentVolumeClaim,
    PersistentVolumeClaimVolumeSource, PodSpec, PodTemplateSpec, Probe, Service, Volume,
    VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::secrets::SALT_KEYS;
use super::{
    DATABASE, DATABASE_SECRET, SALTS_SECRET, claim_spec, component_service, container_security,
    env, resources, secret_env,
};
use crate::engines::StoreContext;
use crate::guardrails::{DATABASE_PORT, WORDPRESS_PORT};

pub const WORDPRESS: &str = "wordpress";
pub const WORDPRESS_VOLUME: &str = "wordpress-content";

fn meta(ctx: &StoreContext, name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.into()),
        namespace: Some(ctx.namespace.clone()),
        labels: Some(ctx.labels(Some(WORDPRESS))),
        ..ObjectMeta::default()
    }
}

pub fn wordpress_volume(ctx: &StoreContext) -> PersistentVolumeClaim {
    PersistentVolumeClaim {
        metadata: meta(ctx, WORDPRESS_VOLUME),
        spec: Some(claim_spec(ctx, &ctx.plan.wordpress_volume)),
        ..PersistentVolumeClaim::default()
    }
}

fn http_probe(initial_delay: i32) -> Probe {
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some("/wp-login.php".into()),
            port: IntOrString::String("http".into()),
            ..HTTPGetAction::default()
        }),
        initial_delay_seconds: Some(initial_delay),
        period_seconds: Some(10),
        timeout_seconds: Some(5),
        failure_threshold: Some(6),
        ..Probe::default()
    }
}

/// The environment WordPress and the setup Job share: database and site.
pub fn wordpress_env() -> Vec<k8s_openapi::api::core::v1::EnvVar> {
    vec![
        env("WORDPRESS_DB_HOST", &format!("{DATABASE}:{DATABASE_PORT}")),
        secret_env("WORDPRESS_DB_NAME", DATABASE_SECRET, "database"),
        secret_env("WORDPRESS_DB_USER", DATABASE_SECRET, "user"),
        secret_env("WORDPRESS_DB_PASSWORD", DATABASE_SECRET, "password"),
    ]
}

pub fn wordpress_deployment(ctx: &StoreContext) -> Deployment {
    let replicas = if ctx.store.spec.suspend { 0 } else { 1 };
    let mut env = wordpress_env();
    env.extend(
        SALT_KEYS
            .iter()
            .map(|key| secret_env(key, SALTS_SECRET, key)),
    );
    let mut labels = ctx.labels(Some(WORDPRESS));
    labels.extend(ctx.selector(WORDPRESS));
    Deployment {
        metadata: meta(ctx, WORDPRESS),
        spec: Some(DeploymentSpec {
            replicas: Some(replicas),
            strategy: Some(DeploymentStrategy {
                type_: Some("Recreate".into()),
                ..DeploymentStrategy::default()
            }),
            selector: LabelSelector {
                match_labels: Some(ctx.selector(WORDPRESS)),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    automount_service_account_token: Some(false),
                    enable_service_links: Some(false),
                    containers: vec![Container {
                        name: WORDPRESS.into(),
                        image: Some(ctx.settings.wordpress_image.clone()),
                        ports: Some(vec![ContainerPort {
                            name: Some("http".into()),
                            container_port: WORDPRESS_PORT,
                            ..ContainerPort::default()
                        }]),
                        env: Some(env),
                        resources: Some(resources(&ctx.plan.wordpress)),
                        // Apache binds port 80 as root, then runs as www-data.
                        security_context: Some(container_security(&[
                            "CHOWN",
                            "DAC_OVERRIDE",
                            "FOWNER",
                            "NET_BIND_SERVICE",
                            "SETGID",
                            "SETUID",
                        ])),
                        readiness_probe: Some(http_probe(10)),
                        liveness_probe: Some(http_probe(60)),
                        volume_mounts: Some(vec![VolumeMount {
                            name: "content".into(),
                            mount_path: "/var/www/html/wp-content".into(),
                            ..VolumeMount::default()
                        }]),
                        ..Container::default()
                    }],
                    volumes: Some(vec![Volume {
                        name: "content".into(),
                        persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                            claim_name: WORDPRESS_VOLUME.into(),
                            read_only: Some(false),
                        }),
                        ..Volume::default()
                    }]),
                    ..PodSpec::default()
                }),
            },
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    }
}

pub fn wordpress_service(ctx: &StoreContext) -> Service {
    component_service(ctx, WORDPRESS, "http", WORDPRESS_PORT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Plan;
    use crate::engines::testing::store;
    use crate::operator::config::Settings;

    #[test]
    fn wordpress_is_one_recreated_replica_with_its_content_volume() {
        let settings = Settings::for_tests();
        let store = store("demo", Plan::Medium);
        let ctx = StoreContext::new(&store, &settings);
        let spec = wordpress_deployment(&ctx).spec.unwrap();
        assert_eq!(spec.replicas, Some(1));
        assert_eq!(spec.strategy.unwrap().type_.as_deref(), Some("Recreate"));
        let pod = spec.template.spec.unwrap();
        assert_eq!(
            pod.volumes.unwrap()[0]
                .persistent_volume_claim
                .as_ref()
                .unwrap()
                .claim_name,
            "wordpress-content"
        );
        let container = &pod.containers[0];
        assert_eq!(container.image.as_deref(), Some("wordpress:test"));
        assert_eq!(
            container
                .resources
                .as_ref()
                .unwrap()
                .limits
                .as_ref()
                .unwrap()["memory"]
                .0,
            "1Gi"
        );
        assert!(
            container
                .env
                .as_ref()
                .unwrap()
                .iter()
                .all(|e| e.value.is_none() || e.name == "WORDPRESS_DB_HOST")
        );
        assert_eq!(
            wordpress_service(&ctx).spec.unwrap().type_.as_deref(),
            Some("ClusterIP")
        );
    }
}
