//! WordPress: one replica (Recreate: the volume is ReadWriteOnce), its
//! wp-content on a claim of its own, and a ClusterIP Service for the Ingress.
//! It runs as the image's www-data user with a read-only root filesystem, and
//! reports Ready only once the site is installed: an uninstalled WordPress
//! offers its installer to whoever comes first.

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStrategy};
use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EnvVar, EnvVarSource, ExecAction, HTTPGetAction, ObjectFieldSelector,
    PersistentVolumeClaim, PersistentVolumeClaimVolumeSource, PodSpec, PodTemplateSpec, Probe,
    Service, Sysctl, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::secrets::SALT_KEYS;
use super::{
    DATABASE_SECRET, SALTS_SECRET, claim_spec, component_service, container_security, env, mount,
    pod_security, resources, scratch, secret_env,
};
use crate::api::labels::{DATABASE, DATABASE_PORT, WORDPRESS, WORDPRESS_PORT};
use crate::settings::ContainerSize;
use crate::validated::ValidatedStore;

/// Places core and the image's plugins and themes before the pod's own
/// containers start (see the script's header for why not the entrypoint).
pub const COPY_WORDPRESS: &str = include_str!("copy-wordpress.sh");

pub const WORDPRESS_VOLUME: &str = "wordpress-content";
/// The uid of the image's www-data user.
pub const WWW_DATA_UID: i64 = 33;

/// Ready means: Apache answers, the database answers, and WordPress is
/// installed there (its siteurl option exists). An HTTP probe cannot tell: an
/// uninstalled WordPress redirects to its installer, and a redirect counts as
/// success. Credentials come from the container's environment, never the
/// command line. A failure prints one short line, which the kubelet puts in
/// the pod's event: mysqli's errors are turned off (on PHP 8.1+ they throw,
/// and the event carried a stack trace while the site was not installed).
pub const INSTALLED_PROBE: &str = r#"mysqli_report(MYSQLI_REPORT_OFF);
if (!@fsockopen("127.0.0.1", 80, $errno, $error, 2)) { echo "Apache does not answer on port 80\n"; exit(1); }
$host = explode(":", getenv("WORDPRESS_DB_HOST"), 2);
$db = @new mysqli($host[0], getenv("WORDPRESS_DB_USER"), getenv("WORDPRESS_DB_PASSWORD"), getenv("WORDPRESS_DB_NAME"), (int) ($host[1] ?? 3306));
if ($db->connect_errno) { echo "the database does not answer WordPress: ", $db->connect_error, "\n"; exit(1); }
$prefix = getenv("WORDPRESS_TABLE_PREFIX") ?: "wp_";
$found = $db->query("SELECT 1 FROM `{$prefix}options` WHERE option_name = 'siteurl' AND option_value <> ''");
if ($found && $found->num_rows > 0) exit(0);
if ($found || $db->errno == 1146) { echo "WordPress is not installed yet (the setup Job installs it)\n"; exit(1); }
echo "the database refused the check: ", $db->error, "\n"; exit(1);"#;

fn meta(store: &ValidatedStore, name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.into()),
        namespace: Some(store.namespace.clone()),
        labels: Some(store.labels(Some(WORDPRESS))),
        ..ObjectMeta::default()
    }
}

pub fn wordpress_volume(store: &ValidatedStore) -> PersistentVolumeClaim {
    PersistentVolumeClaim {
        metadata: meta(store, WORDPRESS_VOLUME),
        spec: Some(claim_spec(store, &store.plan.wordpress_volume)),
        ..PersistentVolumeClaim::default()
    }
}

fn probe_timing(initial_delay: i32) -> Probe {
    Probe {
        initial_delay_seconds: Some(initial_delay),
        period_seconds: Some(10),
        timeout_seconds: Some(5),
        failure_threshold: Some(6),
        ..Probe::default()
    }
}

/// Alive: Apache answers (an installer page counts).
fn liveness() -> Probe {
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some("/wp-login.php".into()),
            port: IntOrString::String("http".into()),
            ..HTTPGetAction::default()
        }),
        ..probe_timing(60)
    }
}

fn readiness() -> Probe {
    Probe {
        exec: Some(ExecAction {
            command: Some(vec!["php".into(), "-r".into(), INSTALLED_PROBE.into()]),
        }),
        ..probe_timing(5)
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

pub fn wordpress_deployment(store: &ValidatedStore) -> Deployment {
    let replicas = if store.suspend { 0 } else { 1 };
    let mut env = wordpress_env();
    env.extend(
        SALT_KEYS
            .iter()
            .map(|key| secret_env(key, SALTS_SECRET, key)),
    );
    let labels = store.template_labels(Some(WORDPRESS));
    let mut security = pod_security(WWW_DATA_UID);
    // Apache keeps its port 80 without root or NET_BIND_SERVICE: the pod's
    // own network namespace lets unprivileged users bind from 80 up.
    security.sysctls = Some(vec![Sysctl {
        name: "net.ipv4.ip_unprivileged_port_start".into(),
        value: WORDPRESS_PORT.to_string(),
    }]);
    Deployment {
        metadata: meta(store, WORDPRESS),
        spec: Some(DeploymentSpec {
            replicas: Some(replicas),
            strategy: Some(DeploymentStrategy {
                type_: Some("Recreate".into()),
                ..DeploymentStrategy::default()
            }),
            selector: LabelSelector {
                match_labels: Some(store.selector(WORDPRESS)),
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
                    security_context: Some(security),
                    init_containers: Some(vec![copy_wordpress(store, &store.plan.wordpress)]),
                    containers: vec![Container {
                        name: WORDPRESS.into(),
                        image: Some(store.settings.wordpress_image.clone()),
                        ports: Some(vec![ContainerPort {
                            name: Some("http".into()),
                            container_port: WORDPRESS_PORT,
                            ..ContainerPort::default()
                        }]),
                        env: Some(env),
                        resources: Some(resources(&store.plan.wordpress)),
                        security_context: Some(container_security()),
                        readiness_probe: Some(readiness()),
                        liveness_probe: Some(liveness()),
                        // Core is in place before the image's entrypoint runs;
                        // Apache keeps its pid and lock files and PHP its
                        // sessions and uploads in flight on scratch volumes.
                        volume_mounts: Some(vec![
                            mount("core", "/var/www/html"),
                            mount("content", "/var/www/html/wp-content"),
                            mount("apache-run", "/var/run/apache2"),
                            mount("apache-lock", "/var/lock/apache2"),
                            mount("tmp", "/tmp"),
                        ]),
                        ..Container::default()
                    }],
                    volumes: Some(vec![
                        scratch("core"),
                        content_volume(),
                        scratch("apache-run"),
                        scratch("apache-lock"),
                        scratch("tmp"),
                    ]),
                    ..PodSpec::default()
                }),
            },
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    }
}

/// The init container that runs `copy-wordpress.sh` in the WordPress image:
/// core into the pod's `core` scratch volume, the image's plugins and themes
/// into the store's `content` volume. Sized like the container it precedes,
/// so the pod asks the quota for nothing more.
pub fn copy_wordpress(store: &ValidatedStore, size: &ContainerSize) -> Container {
    Container {
        name: "wordpress-files".into(),
        image: Some(store.settings.wordpress_image.clone()),
        command: Some(vec!["/bin/sh".into(), "-c".into(), COPY_WORDPRESS.into()]),
        env: Some(vec![EnvVar {
            name: "POD_NAME".into(),
            value_from: Some(EnvVarSource {
                field_ref: Some(ObjectFieldSelector {
                    field_path: "metadata.name".into(),
                    ..ObjectFieldSelector::default()
                }),
                ..EnvVarSource::default()
            }),
            ..EnvVar::default()
        }]),
        resources: Some(resources(size)),
        security_context: Some(container_security()),
        termination_message_policy: Some("FallbackToLogsOnError".into()),
        volume_mounts: Some(vec![
            mount("core", "/var/www/html"),
            mount("content", "/var/www/html/wp-content"),
        ]),
        ..Container::default()
    }
}

/// The store's wp-content claim as a pod volume named `content`.
pub fn content_volume() -> Volume {
    Volume {
        name: "content".into(),
        persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
            claim_name: WORDPRESS_VOLUME.into(),
            read_only: Some(false),
        }),
        ..Volume::default()
    }
}

pub fn wordpress_service(store: &ValidatedStore) -> Service {
    component_service(store, WORDPRESS, "http", WORDPRESS_PORT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Plan;
    use crate::settings::Settings;
    use crate::testing::assert_includes;
    use crate::validated::testing::store;
    use serde_json::json;

    #[test]
    fn wordpress_is_one_recreated_replica_with_its_content_volume() {
        let settings = Settings::for_tests();
        let store = store("demo", Plan::Medium);
        let validated = ValidatedStore::new(&store, &settings).unwrap();
        let deployment = wordpress_deployment(&validated);
        assert_includes(
            &deployment,
            json!({"spec": {
                "replicas": 1,
                "strategy": {"type": "Recreate"},
                "template": {"spec": {"containers": [{
                    "image": "wordpress:test",
                    "resources": {"limits": {"memory": "1Gi"}},
                }]}},
            }}),
        );
        let pod = deployment.spec.unwrap().template.spec.unwrap();
        let volumes = pod.volumes.clone().unwrap();
        assert!(volumes.iter().any(|v| {
            v.persistent_volume_claim
                .as_ref()
                .is_some_and(|c| c.claim_name == "wordpress-content")
        }));
        let container = &pod.containers[0];
        // The image's files are placed before its entrypoint runs, sized
        // like WordPress so the pod asks the quota for nothing more.
        let init = &pod.init_containers.as_ref().unwrap()[0];
        assert_eq!(init.image, container.image);
        assert_eq!(init.command.as_ref().unwrap()[2], COPY_WORDPRESS);
        assert_eq!(init.resources, container.resources);
        let mounts: Vec<_> = init
            .volume_mounts
            .iter()
            .flatten()
            .map(|m| (m.name.as_str(), m.mount_path.as_str()))
            .collect();
        assert_eq!(
            mounts,
            [
                ("core", "/var/www/html"),
                ("content", "/var/www/html/wp-content")
            ]
        );
        assert!(
            container
                .env
                .iter()
                .flatten()
                .all(|e| e.value.is_none() || e.name == "WORDPRESS_DB_HOST")
        );
        assert_includes(
            &wordpress_service(&validated),
            json!({"spec": {"type": "ClusterIP"}}),
        );
    }

    #[test]
    fn wordpress_runs_unprivileged_and_is_ready_only_when_installed() {
        let settings = Settings::for_tests();
        let store = store("demo", Plan::Small);
        let validated = ValidatedStore::new(&store, &settings).unwrap();
        let deployment = wordpress_deployment(&validated);
        assert_includes(
            &deployment,
            json!({"spec": {"template": {"spec": {
                "securityContext": {
                    "runAsUser": 33,
                    "runAsNonRoot": true,
                    "sysctls": [{"name": "net.ipv4.ip_unprivileged_port_start"}],
                },
                "containers": [{"securityContext": {
                    "readOnlyRootFilesystem": true,
                    "capabilities": {"drop": ["ALL"]},
                }}],
            }}}}),
        );
        let pod = deployment.spec.unwrap().template.spec.unwrap();
        let container = &pod.containers[0];
        let own = container.security_context.as_ref().unwrap();
        assert_eq!(own.capabilities.as_ref().and_then(|c| c.add.as_ref()), None);
        let ready = container.readiness_probe.as_ref().unwrap();
        let command = ready.exec.as_ref().unwrap().command.as_ref().unwrap();
        assert_eq!(command[..2], ["php", "-r"]);
        assert!(command[2].contains("option_name = 'siteurl'"));
        assert!(
            !command[2].contains("password="),
            "no secret on the command line"
        );
        assert!(
            container
                .liveness_probe
                .as_ref()
                .unwrap()
                .http_get
                .is_some()
        );
    }
}
