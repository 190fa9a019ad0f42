//! The proof that a backup restores: a short-lived Job in the platform's own
//! namespace (never a store's) that fetches the backup's parts with
//! presigned GET URLs, refuses them unless they match the manifest, opens
//! them with that store's identity (the restore agent, as a restore does),
//! loads the dump into a scratch MariaDB of its own (a second container,
//! its data in the pod's scratch space) and compares the row counts with
//! the manifest. Nothing of it outlives the pod.

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Container, PodSpec, PodTemplateSpec, Secret, SecretVolumeSource, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::database::MYSQL_UID;
use super::{container_security, env, mount, pod_security, resources, scratch};
use crate::api::labels::{COMPONENT, MANAGED_BY, MANAGER};
use crate::settings::{BackupSettings, ContainerSize};

/// The component label of verification pods.
pub const VERIFY_COMPONENT: &str = "backup-verify";
/// The Backup (namespace/name) and UID a verification Job works for.
pub const VERIFY_ANNOTATION: &str = "nexus.dev/verify-of";
pub const VERIFY_UID_ANNOTATION: &str = "nexus.dev/verify-of-uid";

/// The scratch server, made without the image's entrypoint: on an empty
/// data directory the entrypoint first runs a temporary server on the same
/// socket to set the root password, and a check that reached that one
/// (once the password was set, before it stopped) loaded into a server
/// about to go, or shut it down and left the real one running: the pod never
/// ended, and the verification waited for its deadline. Here the only server
/// is the final one, its root password-less on a socket no other pod can
/// reach (no network at all).
const SCRATCH_SERVER_SCRIPT: &str = r#"set -eu
mariadb-install-db --datadir=/var/lib/mysql --auth-root-authentication-method=normal \
  --skip-test-db --skip-name-resolve >/dev/null
exec mariadbd --datadir=/var/lib/mysql --socket=/run/mysqld/mysqld.sock \
  --pid-file=/run/mysqld/mysqld.pid --skip-networking --innodb-buffer-pool-size=64M
"#;

/// The load and the count against the scratch server, then the server
/// stopped (the pod ends with this container). Its last line on failure is
/// `Reason: message`.
const CHECK_SCRIPT: &str = r#"set -u
# The server's socket, in the scratch space both containers share.
connect="--socket=/run/mysqld/mysqld.sock --user=root"
sql() { mariadb $connect --skip-column-names --batch -e "$1"; }
# The server stops with the check, whatever happened (the pod shares its
# process namespace, so its pid file names it when it cannot be asked).
stop() {
  mariadb-admin $connect shutdown >/dev/null 2>&1 ||
    { [ -s /run/mysqld/mysqld.pid ] && kill "$(cat /run/mysqld/mysqld.pid)"; }
}
fail() { stop; echo "$1: $2" >&2; exit 1; }
tries=0
until output=$(sql 'SELECT 1' 2>&1); do
  tries=$((tries + 1))
  [ "$tries" -lt 120 ] || fail ScratchDatabaseDown "the scratch MariaDB did not start: $output"
  sleep 1
done
sql 'CREATE DATABASE verify CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci' ||
  fail VerifyFailed "cannot create the scratch database"
if ! output=$(mariadb $connect verify </work/database.sql 2>&1); then
  fail LoadFailed "the dump does not load into MariaDB: $(printf '%s' "$output" | tail -n 1)"
fi
while read -r table expected; do
  got=$(sql "SELECT COUNT(*) FROM verify.\`$table\`" 2>&1) || fail RowsMismatch "$table did not load: $got"
  [ "$got" = "$expected" ] || fail RowsMismatch "$table has $got rows loaded where the manifest counted $expected"
done </work/rows
stop
echo "restorable: $(tr '\n' ' ' </work/rows)"
"#;

const AGENT_FILES: &str = "/etc/nexus-restore";

fn size(memory: &str) -> ContainerSize {
    ContainerSize {
        cpu: "100m".into(),
        memory: memory.into(),
    }
}

fn labels() -> BTreeMap<String, String> {
    BTreeMap::from([
        (MANAGED_BY.to_string(), MANAGER.to_string()),
        (COMPONENT.to_string(), VERIFY_COMPONENT.to_string()),
    ])
}

fn meta(namespace: &str, name: &str, backup_key: &str, backup_uid: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.into()),
        namespace: Some(namespace.into()),
        labels: Some(labels()),
        annotations: Some(BTreeMap::from([
            (VERIFY_ANNOTATION.to_string(), backup_key.to_string()),
            (VERIFY_UID_ANNOTATION.to_string(), backup_uid.to_string()),
        ])),
        ..ObjectMeta::default()
    }
}

/// The verification Job `name` in the platform's `namespace`.
pub fn verify_job(
    namespace: &str,
    name: &str,
    database_image: &str,
    backup: &BackupSettings,
    (backup_key, backup_uid): (&str, &str),
    deadline_seconds: i64,
) -> Job {
    let mut agent_args: Vec<String> = vec![
        "restore-agent".into(),
        format!("--plan={AGENT_FILES}/plan.json"),
        format!("--identity={AGENT_FILES}/identity"),
        "--work=/work".into(),
        "--content=/content".into(),
    ];
    if backup.ca_pem.is_some() {
        agent_args.push(format!("--ca={AGENT_FILES}/ca.crt"));
    }
    let fetch = Container {
        name: "fetch".into(),
        image: Some(backup.agent_image.clone()),
        args: Some(agent_args),
        resources: Some(resources(&size("128Mi"))),
        security_context: Some(container_security()),
        termination_message_policy: Some("FallbackToLogsOnError".into()),
        volume_mounts: Some(vec![
            mount("work", "/work"),
            mount("content", "/content"),
            VolumeMount {
                read_only: Some(true),
                ..mount("agent-files", AGENT_FILES)
            },
        ]),
        ..Container::default()
    };
    let database = Container {
        name: "scratch-database".into(),
        image: Some(database_image.into()),
        // No network at all: the check talks to it through its socket.
        command: Some(vec![
            "/bin/sh".into(),
            "-c".into(),
            SCRATCH_SERVER_SCRIPT.into(),
        ]),
        resources: Some(resources(&size("384Mi"))),
        security_context: Some(container_security()),
        volume_mounts: Some(vec![
            mount("data", "/var/lib/mysql"),
            mount("run", "/run/mysqld"),
            mount("tmp", "/tmp"),
        ]),
        ..Container::default()
    };
    let check = Container {
        name: "check".into(),
        image: Some(database_image.into()),
        command: Some(vec!["/bin/sh".into(), "-c".into(), CHECK_SCRIPT.into()]),
        env: Some(vec![env("HOME", "/tmp")]),
        resources: Some(resources(&size("64Mi"))),
        security_context: Some(container_security()),
        termination_message_policy: Some("FallbackToLogsOnError".into()),
        volume_mounts: Some(vec![
            mount("work", "/work"),
            mount("run", "/run/mysqld"),
            mount("tmp", "/tmp"),
        ]),
        ..Container::default()
    };
    Job {
        metadata: meta(namespace, name, backup_key, backup_uid),
        spec: Some(JobSpec {
            backoff_limit: Some(0),
            active_deadline_seconds: Some(deadline_seconds),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels()),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    restart_policy: Some("Never".into()),
                    automount_service_account_token: Some(false),
                    enable_service_links: Some(false),
                    security_context: Some(pod_security(MYSQL_UID)),
                    share_process_namespace: Some(true),
                    init_containers: Some(vec![fetch]),
                    containers: vec![database, check],
                    volumes: Some(vec![
                        scratch("work"),
                        scratch("content"),
                        scratch("data"),
                        scratch("run"),
                        scratch("tmp"),
                        Volume {
                            name: "agent-files".into(),
                            secret: Some(SecretVolumeSource {
                                secret_name: Some(name.into()),
                                default_mode: Some(0o440),
                                ..SecretVolumeSource::default()
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
    }
}

/// The Job's Secret: the restore agent's plan and identity, and the CA.
pub fn verify_secret(
    namespace: &str,
    name: &str,
    backup: &BackupSettings,
    (backup_key, backup_uid): (&str, &str),
    plan: String,
    identity: String,
) -> Secret {
    let mut data = BTreeMap::from([
        ("plan.json".to_string(), plan),
        ("identity".to_string(), identity),
    ]);
    if let Some(ca) = &backup.ca_pem {
        data.insert("ca.crt".into(), ca.clone());
    }
    Secret {
        metadata: meta(namespace, name, backup_key, backup_uid),
        string_data: Some(data),
        ..Secret::default()
    }
}

/// The Backup a verification Job works for (its UID), if any.
pub fn verified_uid_of(meta: &ObjectMeta) -> Option<&str> {
    meta.annotations
        .as_ref()?
        .get(VERIFY_UID_ANNOTATION)
        .map(String::as_str)
}
