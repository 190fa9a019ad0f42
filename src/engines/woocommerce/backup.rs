//! A store's backup Job: two containers beside WordPress (its content volume
//! is ReadWriteOnce). The store's own database image runs `mariadb-dump` in
//! one transaction into a pipe, so the client matches the server; the
//! operator's image runs `kubectl-nexus backup-agent`, which counts, seals,
//! hashes and uploads what comes out of the pipe and then `wp-content`, with
//! presigned URLs for this backup's objects only. Neither holds a key to the
//! object store.

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Container, PersistentVolumeClaimVolumeSource, PodSpec, PodTemplateSpec, Secret,
    SecretVolumeSource, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::setup::beside;
use super::wordpress::WWW_DATA_UID;
use super::{container_security, env, mount, pod_security, resources, scratch, secret_env};
use crate::api::labels::{BACKUP, DATABASE, DATABASE_PORT, WORDPRESS};
use crate::engines::woocommerce::{DATABASE_SECRET, WORDPRESS_VOLUME};
use crate::settings::{BackupSettings, ContainerSize};
use crate::validated::ValidatedStore;

/// The Job's and its Secret's name: one backup of a store runs at a time.
pub const BACKUP_JOB: &str = BACKUP;
/// The Backup (namespace/name) and its UID a backup Job works for.
pub const BACKUP_ANNOTATION: &str = "nexus.dev/backup";
pub const BACKUP_UID_ANNOTATION: &str = "nexus.dev/backup-uid";

/// Each container's size: mariadb-dump and the agent stream, so a little
/// is enough whatever the store's size; together they fit the room the
/// store's quota keeps for a replacement WordPress pod.
fn container_size() -> ContainerSize {
    ContainerSize {
        cpu: "100m".into(),
        memory: "128Mi".into(),
    }
}

/// The dump, into the pipe the agent reads, then its exit status. It runs
/// as the store's own database user (all it needs is on its database), and
/// the password reaches mariadb-dump through MYSQL_PWD, never its command
/// line. Without `--databases` the dump names no database, so a restore or
/// a clone loads it into whichever it chooses.
const DUMP_SCRIPT: &str = r#"set -u
umask 077
mkfifo /work/dump
connect="--host=$DATABASE_HOST --port=$DATABASE_PORT --user=$DATABASE_USER"
# Says why in dump.err, the status in dump.exit, and closes the pipe so the
# agent stops waiting for it.
fail() {
  echo "$1" | tee /work/dump.err >&2
  echo 1 >/work/dump.exit
  : >/work/dump
  exit 1
}
# The database may take a moment to be reachable from a new pod (its network
# policy is programmed as the pod starts); a refused password fails at once.
tries=0
until output=$(mariadb $connect --skip-column-names -e 'SELECT 1' "$DATABASE" 2>&1); do
  case $output in
  *"Access denied"*) fail "$output" ;;
  esac
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || fail "the database did not answer after $tries tries: $output"
  sleep 1
done
status=0
mariadb-dump $connect --single-transaction --skip-extended-insert --routines --triggers \
  --events --hex-blob --default-character-set=utf8mb4 "$DATABASE" >/work/dump 2>/work/dump.err ||
  status=$?
cat /work/dump.err >&2
echo "$status" >/work/dump.exit
exit "$status"
"#;

/// What the agent reads from its Secret (presigned URLs, the store's
/// description, the object store's CA).
const AGENT_FILES: &str = "/etc/nexus-backup";

/// The backup Job for `backup` (namespace/name, uid) of `store`.
pub fn backup_job(
    store: &ValidatedStore,
    backup: &BackupSettings,
    store_recipient: &str,
    backup_key: &str,
    backup_uid: &str,
    deadline_seconds: i64,
) -> Job {
    let labels = store.template_labels(Some(BACKUP));
    let size = container_size();
    let dump = Container {
        name: "dump".into(),
        image: Some(store.settings.database_image.clone()),
        command: Some(vec!["/bin/sh".into(), "-c".into(), DUMP_SCRIPT.into()]),
        env: Some(vec![
            env("DATABASE_HOST", DATABASE),
            env("DATABASE_PORT", &DATABASE_PORT.to_string()),
            secret_env("DATABASE", DATABASE_SECRET, "database"),
            secret_env("DATABASE_USER", DATABASE_SECRET, "user"),
            secret_env("MYSQL_PWD", DATABASE_SECRET, "password"),
        ]),
        resources: Some(resources(&size)),
        security_context: Some(container_security()),
        termination_message_policy: Some("FallbackToLogsOnError".into()),
        volume_mounts: Some(vec![mount("work", "/work")]),
        ..Container::default()
    };
    let mut agent_args: Vec<String> = [
        "backup-agent",
        "--database=/work/dump",
        "--database-exit=/work/dump.exit",
        "--content=/content",
        "--work=/work",
    ]
    .map(String::from)
    .to_vec();
    agent_args.extend([
        format!("--urls={AGENT_FILES}/urls.json"),
        format!("--subject={AGENT_FILES}/subject.json"),
        // The platform's offline recipient and the store's own (which a
        // restore of this store is given the identity of).
        format!("--recipient={}", backup.recipient),
        format!("--recipient={store_recipient}"),
    ]);
    if backup.ca_pem.is_some() {
        agent_args.push(format!("--ca={AGENT_FILES}/ca.crt"));
    }
    let agent = Container {
        name: "agent".into(),
        image: Some(backup.agent_image.clone()),
        args: Some(agent_args),
        resources: Some(resources(&size)),
        security_context: Some(container_security()),
        termination_message_policy: Some("FallbackToLogsOnError".into()),
        volume_mounts: Some(vec![
            mount("work", "/work"),
            VolumeMount {
                read_only: Some(true),
                ..mount("content", "/content")
            },
            VolumeMount {
                read_only: Some(true),
                ..mount("agent-files", AGENT_FILES)
            },
        ]),
        ..Container::default()
    };
    Job {
        metadata: backup_metadata(store, backup_key, backup_uid),
        spec: Some(JobSpec {
            // A failed backup is reported, not quietly tried again.
            backoff_limit: Some(0),
            active_deadline_seconds: Some(deadline_seconds),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    restart_policy: Some("Never".into()),
                    automount_service_account_token: Some(false),
                    enable_service_links: Some(false),
                    // Reads wp-content as WordPress writes it.
                    security_context: Some(pod_security(WWW_DATA_UID)),
                    affinity: Some(beside(store, WORDPRESS)),
                    containers: vec![dump, agent],
                    volumes: Some(vec![
                        scratch("work"),
                        Volume {
                            name: "content".into(),
                            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                                claim_name: WORDPRESS_VOLUME.into(),
                                read_only: Some(true),
                            }),
                            ..Volume::default()
                        },
                        Volume {
                            name: "agent-files".into(),
                            secret: Some(SecretVolumeSource {
                                secret_name: Some(BACKUP_JOB.into()),
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

/// The Job's and its Secret's own metadata: both named `backup`, both
/// saying which Backup they serve.
fn backup_metadata(store: &ValidatedStore, backup_key: &str, backup_uid: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(BACKUP_JOB.into()),
        namespace: Some(store.namespace.clone()),
        labels: Some(store.labels(Some(BACKUP))),
        annotations: Some(BTreeMap::from([
            (BACKUP_ANNOTATION.to_string(), backup_key.to_string()),
            (BACKUP_UID_ANNOTATION.to_string(), backup_uid.to_string()),
        ])),
        ..ObjectMeta::default()
    }
}

/// The Secret the agent reads: the presigned URLs (JSON), the store's
/// description (JSON) and the object store's CA when there is one.
pub fn backup_secret(
    store: &ValidatedStore,
    backup: &BackupSettings,
    backup_key: &str,
    backup_uid: &str,
    urls: String,
    subject: String,
) -> Secret {
    let mut data = BTreeMap::from([
        ("urls.json".to_string(), urls),
        ("subject.json".to_string(), subject),
    ]);
    if let Some(ca) = &backup.ca_pem {
        data.insert("ca.crt".into(), ca.clone());
    }
    Secret {
        metadata: backup_metadata(store, backup_key, backup_uid),
        string_data: Some(data),
        ..Secret::default()
    }
}

/// The Backup a backup Job or Secret works for (its UID), if any.
pub fn backup_uid_of(meta: &ObjectMeta) -> Option<&str> {
    meta.annotations
        .as_ref()?
        .get(BACKUP_UID_ANNOTATION)
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Plan;
    use crate::settings::Settings;
    use crate::testing::assert_includes;
    use crate::validated::testing::store;

    fn backup_settings() -> BackupSettings {
        BackupSettings {
            agent_image: "nexus.dev/kubectl-nexus:0.1.0".into(),
            recipient: "age1recipient".into(),
            object_store_cidrs: vec!["192.0.2.10/32".into()],
            object_store_port: 9000,
            ca_pem: Some("-----BEGIN CERTIFICATE-----\n".into()),
        }
    }

    #[test]
    fn the_backup_job_dumps_with_the_stores_own_image_and_holds_no_key() {
        let settings = Settings::for_tests();
        let raw = store("demo", Plan::Small);
        let validated = ValidatedStore::new(&raw, &settings).unwrap();
        let job = backup_job(
            &validated,
            &backup_settings(),
            "age1store",
            "team/demo-1",
            "uid-b",
            3600,
        );
        let value = serde_json::to_value(&job).unwrap();
        assert_includes(
            &value,
            serde_json::json!({
                "metadata": {"name": "backup", "annotations": {"nexus.dev/backup": "team/demo-1", "nexus.dev/backup-uid": "uid-b"}},
                "spec": {"backoffLimit": 0, "activeDeadlineSeconds": 3600, "template": {"spec": {
                    "automountServiceAccountToken": false,
                    "containers": [
                        {"name": "dump", "image": "mariadb:test",
                         "volumeMounts": [{"name": "work", "mountPath": "/work"}]},
                        {"name": "agent", "image": "nexus.dev/kubectl-nexus:0.1.0",
                         "args": ["backup-agent", "--database=/work/dump", "--database-exit=/work/dump.exit",
                                  "--content=/content", "--work=/work",
                                  "--urls=/etc/nexus-backup/urls.json", "--subject=/etc/nexus-backup/subject.json",
                                  "--recipient=age1recipient", "--recipient=age1store",
                                  "--ca=/etc/nexus-backup/ca.crt"]},
                    ],
                    "volumes": [{"name": "work"}, {"name": "content", "persistentVolumeClaim": {"readOnly": true}}, {"name": "agent-files", "secret": {"secretName": "backup"}}],
                }}},
            }),
        );
        let text = value.to_string();
        // The store's database user, its password from the Secret by
        // reference; no container is given the object store's key (the
        // operator has none to give).
        assert!(
            text.contains("\"MYSQL_PWD\"") && !text.contains("root-password"),
            "{text}"
        );
        assert!(
            !text.contains("access-key") && !text.contains("secret-access"),
            "{text}"
        );
        assert!(
            DUMP_SCRIPT.contains("--single-transaction")
                && DUMP_SCRIPT.contains("--skip-extended-insert")
        );
    }
}
