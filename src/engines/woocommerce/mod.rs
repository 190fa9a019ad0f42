//! WooCommerce on WordPress with MariaDB: the objects of one store.

mod backup;
mod check;
mod database;
mod ingress;
mod restore;
mod secrets;
mod setup;
mod verify;
mod wordpress;

pub use backup::{
    BACKUP_ANNOTATION, BACKUP_JOB, BACKUP_UID_ANNOTATION, backup_job, backup_secret, backup_uid_of,
};
pub use check::{CHECK_DEADLINE_SECONDS, CHECK_JOB, CHECK_REQUEST_ANNOTATION, check_job};
pub use database::{database_service, database_statefulset};
pub use ingress::ingress;
pub use restore::{
    RESTORE_ANNOTATION, RESTORE_DEADLINE, RESTORE_JOB, RESTORE_UID_ANNOTATION, restore_job,
    restore_secret, restore_uid_of,
};
pub use secrets::{
    CHECK_TOKEN_SECRET, DATABASE_SECRET, SALTS_SECRET, check_token_secret, generate_secrets,
};
pub use setup::{SETUP_HASH_ANNOTATION, SETUP_SCRIPT, SetupRound, setup_hash, setup_job};
pub use verify::{
    VERIFY_ANNOTATION, VERIFY_COMPONENT, VERIFY_UID_ANNOTATION, verified_uid_of, verify_job,
    verify_secret,
};
pub use wordpress::{
    COPY_WORDPRESS, INSTALLED_PROBE, WORDPRESS_VOLUME, wordpress_deployment, wordpress_service,
    wordpress_volume,
};

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, EmptyDirVolumeSource, EnvVar, EnvVarSource, PersistentVolumeClaimSpec,
    PodSecurityContext, ResourceRequirements, SeccompProfile, SecretKeySelector, SecurityContext,
    Service, ServicePort, ServiceSpec, Volume, VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::settings::ContainerSize;
use crate::validated::ValidatedStore;

/// Requests equal limits: the plan's quota is exactly what the store may use.
fn resources(size: &ContainerSize) -> ResourceRequirements {
    let amounts: BTreeMap<String, Quantity> = BTreeMap::from([
        ("cpu".to_string(), Quantity(size.cpu.clone())),
        ("memory".to_string(), Quantity(size.memory.clone())),
    ]);
    ResourceRequirements {
        requests: Some(amounts.clone()),
        limits: Some(amounts),
        ..ResourceRequirements::default()
    }
}

fn env(name: &str, value: &str) -> EnvVar {
    EnvVar {
        name: name.into(),
        value: Some(value.into()),
        ..EnvVar::default()
    }
}

fn secret_env(name: &str, secret: &str, key: &str) -> EnvVar {
    secret_env_of(name, secret, key, false)
}

/// An environment variable from a Secret's key; empty (not a failed
/// container) when `optional` and the Secret or key is missing.
fn secret_env_of(name: &str, secret: &str, key: &str, optional: bool) -> EnvVar {
    EnvVar {
        name: name.into(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: secret.into(),
                key: key.into(),
                optional: Some(optional),
            }),
            ..EnvVarSource::default()
        }),
        ..EnvVar::default()
    }
}

/// What Pod Security `restricted` asks of every container: no privilege
/// escalation, no capabilities at all, the runtime's seccomp profile, and a
/// root filesystem nobody writes to (scratch space comes from emptyDirs).
fn container_security() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".into()]),
            add: None,
        }),
        seccomp_profile: Some(runtime_default()),
        ..SecurityContext::default()
    }
}

fn runtime_default() -> SeccompProfile {
    SeccompProfile {
        type_: "RuntimeDefault".into(),
        ..SeccompProfile::default()
    }
}

/// A pod that runs as the image's own unprivileged user, whose volumes that
/// user may write (fsGroup).
fn pod_security(uid: i64) -> PodSecurityContext {
    PodSecurityContext {
        run_as_user: Some(uid),
        run_as_group: Some(uid),
        run_as_non_root: Some(true),
        fs_group: Some(uid),
        seccomp_profile: Some(runtime_default()),
        ..PodSecurityContext::default()
    }
}

/// An emptyDir: scratch space a read-only root filesystem still needs.
fn scratch(name: &str) -> Volume {
    Volume {
        name: name.into(),
        empty_dir: Some(EmptyDirVolumeSource::default()),
        ..Volume::default()
    }
}

fn mount(name: &str, path: &str) -> VolumeMount {
    VolumeMount {
        name: name.into(),
        mount_path: path.into(),
        ..VolumeMount::default()
    }
}

/// A ClusterIP Service named after the component, to its named port.
fn component_service(
    store: &ValidatedStore,
    component: &str,
    port_name: &str,
    port: i32,
) -> Service {
    Service {
        metadata: ObjectMeta {
            name: Some(component.into()),
            namespace: Some(store.namespace.clone()),
            labels: Some(store.labels(Some(component))),
            ..ObjectMeta::default()
        },
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".into()),
            selector: Some(store.selector(component)),
            ports: Some(vec![ServicePort {
                name: Some(port_name.into()),
                port,
                target_port: Some(IntOrString::String(port_name.into())),
                ..ServicePort::default()
            }]),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    }
}

/// A ReadWriteOnce claim of `size` in the configured StorageClass.
fn claim_spec(store: &ValidatedStore, size: &str) -> PersistentVolumeClaimSpec {
    PersistentVolumeClaimSpec {
        access_modes: Some(vec!["ReadWriteOnce".into()]),
        storage_class_name: store.settings.storage_class.clone(),
        resources: Some(VolumeResourceRequirements {
            requests: Some(BTreeMap::from([(
                "storage".to_string(),
                Quantity(size.to_string()),
            )])),
            ..VolumeResourceRequirements::default()
        }),
        ..PersistentVolumeClaimSpec::default()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::api::Plan;
    use crate::api::labels::STORE_LABEL;
    use crate::settings::Settings;
    use crate::validated::ValidatedStore;
    use crate::validated::testing::store;

    #[test]
    fn a_sharded_store_labels_its_objects_but_never_pod_or_claim_templates() {
        let settings = Settings {
            shard_keys: vec!["nexus.dev/shard".into()],
            ..Settings::for_tests()
        };
        let mut raw = store("demo", Plan::Small);
        raw.metadata.labels = Some(BTreeMap::from([(
            "nexus.dev/shard".to_string(),
            "a".to_string(),
        )]));
        let sharded = ValidatedStore::new(&raw, &settings).unwrap();
        let deployment = wordpress_deployment(&sharded);
        let statefulset = database_statefulset(&sharded);
        let job = setup_job(&sharded, SetupRound::FirstInstall);
        let spec = statefulset.spec.as_ref().unwrap();
        let templates = [
            &deployment.spec.as_ref().unwrap().template.metadata,
            &spec.template.metadata,
            &job.spec.as_ref().unwrap().template.metadata,
            &Some(
                spec.volume_claim_templates.as_ref().unwrap()[0]
                    .metadata
                    .clone(),
            ),
        ];
        for template in templates {
            let labels = template.as_ref().unwrap().labels.as_ref().unwrap();
            assert!(!labels.contains_key("nexus.dev/shard"), "{labels:?}");
            assert_eq!(labels[STORE_LABEL], "demo");
        }
        for meta in [&deployment.metadata, &statefulset.metadata, &job.metadata] {
            assert_eq!(meta.labels.as_ref().unwrap()["nexus.dev/shard"], "a");
        }
    }
}
