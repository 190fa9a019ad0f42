//! MariaDB: one replica with its own volume, reachable only inside the store.

use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{
    Container, ContainerPort, ExecAction, PersistentVolumeClaim, PodSpec, PodTemplateSpec, Probe,
    Service,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::{
    DATABASE_SECRET, claim_spec, component_service, container_security, mount, pod_security,
    resources, scratch, secret_env,
};
use crate::api::labels::{DATABASE, DATABASE_PORT};
use crate::validated::ValidatedStore;

/// The uid of the image's mysql user.
pub(super) const MYSQL_UID: i64 = 999;

fn meta(store: &ValidatedStore) -> ObjectMeta {
    ObjectMeta {
        name: Some(DATABASE.into()),
        namespace: Some(store.namespace.clone()),
        labels: Some(store.labels(Some(DATABASE))),
        ..ObjectMeta::default()
    }
}

fn probe(command: &str, initial_delay: i32) -> Probe {
    Probe {
        exec: Some(ExecAction {
            command: Some(vec!["healthcheck.sh".into(), command.into()]),
        }),
        initial_delay_seconds: Some(initial_delay),
        period_seconds: Some(10),
        timeout_seconds: Some(5),
        failure_threshold: Some(6),
        ..Probe::default()
    }
}

pub fn database_statefulset(store: &ValidatedStore) -> StatefulSet {
    let replicas = if store.suspend { 0 } else { 1 };
    let labels = store.template_labels(Some(DATABASE));
    StatefulSet {
        metadata: meta(store),
        spec: Some(StatefulSetSpec {
            replicas: Some(replicas),
            service_name: Some(DATABASE.into()),
            selector: LabelSelector {
                match_labels: Some(store.selector(DATABASE)),
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
                    // The image's mysql user; the volumes are made writable for it.
                    security_context: Some(pod_security(MYSQL_UID)),
                    containers: vec![Container {
                        name: DATABASE.into(),
                        image: Some(store.settings.database_image.clone()),
                        ports: Some(vec![ContainerPort {
                            name: Some("mysql".into()),
                            container_port: DATABASE_PORT,
                            ..ContainerPort::default()
                        }]),
                        env: Some(vec![
                            secret_env("MARIADB_ROOT_PASSWORD", DATABASE_SECRET, "root-password"),
                            secret_env("MARIADB_DATABASE", DATABASE_SECRET, "database"),
                            secret_env("MARIADB_USER", DATABASE_SECRET, "user"),
                            secret_env("MARIADB_PASSWORD", DATABASE_SECRET, "password"),
                        ]),
                        resources: Some(resources(&store.plan.database)),
                        security_context: Some(container_security()),
                        readiness_probe: Some(probe("--connect", 10)),
                        liveness_probe: Some(probe("--innodb_initialized", 60)),
                        // The socket and pid file, and temporary tables.
                        volume_mounts: Some(vec![
                            mount("data", "/var/lib/mysql"),
                            mount("run", "/run/mysqld"),
                            mount("tmp", "/tmp"),
                        ]),
                        ..Container::default()
                    }],
                    volumes: Some(vec![scratch("run"), scratch("tmp")]),
                    ..PodSpec::default()
                }),
            },
            volume_claim_templates: Some(vec![PersistentVolumeClaim {
                metadata: ObjectMeta {
                    name: Some("data".into()),
                    labels: Some(store.template_labels(Some(DATABASE))),
                    ..ObjectMeta::default()
                },
                spec: Some(claim_spec(store, &store.plan.database_volume)),
                ..PersistentVolumeClaim::default()
            }]),
            ..StatefulSetSpec::default()
        }),
        ..StatefulSet::default()
    }
}

pub fn database_service(store: &ValidatedStore) -> Service {
    component_service(store, DATABASE, "mysql", DATABASE_PORT)
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
    fn the_database_is_one_pinned_replica_with_a_volume_probes_and_the_plan_size() {
        let settings = Settings::for_tests();
        let store = store("demo", Plan::Small);
        let set = database_statefulset(&ValidatedStore::new(&store, &settings).unwrap());
        let container = json!({
            "image": "mariadb:test",
            "resources": {"limits": {"cpu": "300m", "memory": "384Mi"}},
            "securityContext": {"readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}},
        });
        assert_includes(
            &set,
            json!({"spec": {
                "replicas": 1,
                "template": {"spec": {
                    "securityContext": {"runAsNonRoot": true},
                    "containers": [container],
                }},
                "volumeClaimTemplates": [{"spec": {"resources": {"requests": {"storage": "2Gi"}}}}],
            }}),
        );
        let pod = set.spec.unwrap().template.spec.unwrap();
        let container = &pod.containers[0];
        assert!(container.readiness_probe.is_some() && container.liveness_probe.is_some());
        assert_eq!(
            container
                .security_context
                .as_ref()
                .and_then(|s| s.capabilities.as_ref())
                .and_then(|c| c.add.as_ref()),
            None
        );
        // Passwords come from the Secret, never as literal values.
        assert!(container.env.iter().flatten().all(|e| e.value.is_none()));
    }

    #[test]
    fn a_suspended_store_has_no_database_replica() {
        let settings = Settings::for_tests();
        let mut store = store("demo", Plan::Small);
        store.spec.suspend = true;
        let set = database_statefulset(&ValidatedStore::new(&store, &settings).unwrap());
        assert_includes(&set, json!({"spec": {"replicas": 0}}));
    }
}
