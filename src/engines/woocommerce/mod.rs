//! WooCommerce on WordPress with MariaDB: the objects of one store.

mod database;
mod ingress;
mod secrets;
mod setup;
mod wordpress;

pub use database::{DATABASE, database_service, database_statefulset};
pub use ingress::ingress;
pub use secrets::{DATABASE_SECRET, SALTS_SECRET, generate_secrets};
pub use setup::{SETUP_JOB, SETUP_SCRIPT, setup_hash, setup_job};
pub use wordpress::{
    WORDPRESS, WORDPRESS_VOLUME, wordpress_deployment, wordpress_service, wordpress_volume,
};

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, EnvVar, EnvVarSource, PersistentVolumeClaimSpec, ResourceRequirements,
    SeccompProfile, SecretKeySelector, SecurityContext, Service, ServicePort, ServiceSpec,
    VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::engines::StoreContext;

use crate::operator::config::ContainerSize;

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
    EnvVar {
        name: name.into(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: secret.into(),
                key: key.into(),
                optional: Some(false),
            }),
            ..EnvVarSource::default()
        }),
        ..EnvVar::default()
    }
}

/// No privilege escalation, no extra capabilities beyond what the image's
/// entrypoint needs to drop to its own user, the runtime's seccomp profile.
fn container_security(add: &[&str]) -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".into()]),
            add: (!add.is_empty()).then(|| add.iter().map(|c| c.to_string()).collect()),
        }),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".into(),
            ..SeccompProfile::default()
        }),
        ..SecurityContext::default()
    }
}

/// A ClusterIP Service named after the component, to its named port.
fn component_service(ctx: &StoreContext, component: &str, port_name: &str, port: i32) -> Service {
    Service {
        metadata: ObjectMeta {
            name: Some(component.into()),
            namespace: Some(ctx.namespace.clone()),
            labels: Some(ctx.labels(Some(component))),
            ..ObjectMeta::default()
        },
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".into()),
            selector: Some(ctx.selector(component)),
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
fn claim_spec(ctx: &StoreContext, size: &str) -> PersistentVolumeClaimSpec {
    PersistentVolumeClaimSpec {
        access_modes: Some(vec!["ReadWriteOnce".into()]),
        storage_class_name: ctx.settings.storage_class.clone(),
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
