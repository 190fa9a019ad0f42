//! A store's restore Job: first the operator's image runs
//! `kubectl-nexus restore-agent` (an init container), which fetches the
//! backup's parts with presigned GET URLs, refuses them unless they match
//! the manifest, and opens them with the store's own identity: the dump into
//! the Job's scratch volume, `wp-content` into a fresh directory beside the
//! live one. Then the store's database image loads the dump into a fresh
//! database, checks its rows against the manifest, and only then switches:
//! the live content moves aside and the backup's takes its place, and one
//! atomic `RENAME TABLE` swaps the tables. On any failure before the last
//! step everything is put back and the store runs on the data it had.

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

/// The Job's and its Secret's name: one restore of a store runs at a time,
/// and never beside a backup.
pub const RESTORE_JOB: &str = "restore";
/// How long a restore Job may run (a clone's load is one too).
pub const RESTORE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(3600);
/// The Restore (namespace/name) and its UID a restore Job works for.
pub const RESTORE_ANNOTATION: &str = "nexus.dev/restore";
pub const RESTORE_UID_ANNOTATION: &str = "nexus.dev/restore-uid";

/// Both stream; they run one after the other, so the pod needs the room of
/// one, and takes the room the store's quota keeps for a replacement
/// WordPress pod: a WordPress pod replaced meanwhile waits for the restore,
/// as it waits for a first install's setup. At 100m the load was held to a
/// tenth of a core and a restore took 6.7 times a plain load
/// (docs/benchmarks.md).
fn container_size(store: &ValidatedStore) -> ContainerSize {
    store.plan.wordpress.clone()
}

/// The load and the switch, as root of the store's own database server (it
/// makes and drops databases beside the store's). Its last line on failure
/// is `Reason: message`, which the Restore's status takes. Names reach SQL
/// quoted; the root password reaches the client through MYSQL_PWD.
const LOAD_SCRIPT: &str = r#"set -u
umask 077
live=$DATABASE
fresh="${DATABASE}_restore"
old="${DATABASE}_before_restore"
content=/content
incoming=$content/.nexus-restore
outgoing=$content/.nexus-before-restore
connect="--host=$DATABASE_HOST --port=$DATABASE_PORT --user=root"
# q NAME: NAME as a quoted SQL identifier; l VALUE: as a string literal.
# shellcheck disable=SC2016 # backquotes are SQL here
q() { printf '`%s`' "$(printf '%s' "$1" | sed 's/`/``/g')"; }
l() { printf "'%s'" "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g")"; }
sql() { mariadb $connect --skip-column-names --batch -e "$1"; }
# Says why in its last line and leaves the live data as it was.
fail() {
  sql "DROP DATABASE IF EXISTS $(q "$fresh")" >/dev/null 2>&1
  rm -rf "$incoming"
  echo "$1: $2" >&2
  exit 1
}
tries=0
until output=$(sql 'SELECT 1' 2>&1); do
  case $output in
  *"Access denied"*) fail DatabaseUnreachable "$output" ;;
  esac
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || fail DatabaseUnreachable "the database did not answer after $tries tries: $output"
  sleep 1
done
if [ -e "$outgoing" ]; then
  fail SwitchInterrupted "an earlier restore stopped while switching: $outgoing (on the store's wp-content volume) holds content from before it; move what belongs back into wp-content, remove the directory, and restore again"
fi

# Load into a fresh database; the store keeps serving from its own.
sql "DROP DATABASE IF EXISTS $(q "$fresh"); CREATE DATABASE $(q "$fresh") CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" ||
  fail RestoreFailed "cannot create the scratch database $fresh"
if ! output=$(mariadb $connect "$fresh" </work/database.sql 2>&1); then
  fail LoadFailed "the dump did not load, so nothing was switched and the store runs on its data from before: $(printf '%s' "$output" | tail -n 1)"
fi
while read -r table expected; do
  got=$(sql "SELECT COUNT(*) FROM $(q "$fresh").$(q "$table")" 2>&1) ||
    fail RowsMismatch "$table did not load: $got"
  [ "$got" = "$expected" ] ||
    fail RowsMismatch "$table has $got rows loaded where the manifest counted $expected"
done </work/rows

# The switch: content first (each step undone on failure), then the tables
# in one atomic RENAME TABLE, the live ones into a database kept aside.
tables() { sql "SELECT table_name FROM information_schema.tables WHERE table_schema = $(l "$1")"; }
renames=$(
  tables "$live" | while IFS= read -r t; do printf ', %s.%s TO %s.%s' "$(q "$live")" "$(q "$t")" "$(q "$old")" "$(q "$t")"; done
  tables "$fresh" | while IFS= read -r t; do printf ', %s.%s TO %s.%s' "$(q "$fresh")" "$(q "$t")" "$(q "$live")" "$(q "$t")"; done
)
renames=${renames#, }
sql "DROP DATABASE IF EXISTS $(q "$old"); CREATE DATABASE $(q "$old")" ||
  fail RestoreFailed "cannot create $old to keep the live tables aside"
entries() {
  for entry in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    [ -e "$entry" ] || [ -L "$entry" ] || continue
    case ${entry##*/} in .nexus-restore | .nexus-before-restore | lost+found) continue ;; esac
    printf '%s\n' "$entry"
  done
}
# back: the backup's entries out of wp-content, the live ones back in.
back() {
  if [ "$1" = in ]; then
    entries "$content" | while IFS= read -r entry; do mv "$entry" "$incoming/"; done
  fi
  entries "$outgoing" | while IFS= read -r entry; do mv "$entry" "$content/"; done
  rmdir "$outgoing"
  sql "DROP DATABASE IF EXISTS $(q "$old")" >/dev/null 2>&1
}
mkdir "$outgoing" || fail RestoreFailed "cannot make $outgoing"
if ! entries "$content" | while IFS= read -r entry; do mv "$entry" "$outgoing/" || exit 1; done; then
  back out
  fail SwitchFailed "cannot move the live wp-content aside; it is back in place"
fi
if ! entries "$incoming" | while IFS= read -r entry; do mv "$entry" "$content/" || exit 1; done; then
  back in
  fail SwitchFailed "cannot move the backup's wp-content in place; the live one is back"
fi
if ! output=$(sql "RENAME TABLE $renames" 2>&1); then
  back in
  fail SwitchFailed "cannot swap the tables ($output); the live data is back"
fi

# Switched: what was live is no longer needed.
sql "DROP DATABASE IF EXISTS $(q "$old"); DROP DATABASE IF EXISTS $(q "$fresh")" >/dev/null 2>&1
rm -rf "$outgoing" "$incoming"
echo "restored: $(tr '\n' ' ' </work/rows)"
"#;

/// What the agent reads from its Secret.
const AGENT_FILES: &str = "/etc/nexus-restore";

/// The restore Job for `restore` (namespace/name, uid) of `store`.
pub fn restore_job(
    store: &ValidatedStore,
    backup: &BackupSettings,
    restore_key: &str,
    restore_uid: &str,
    deadline_seconds: i64,
) -> Job {
    // The backup Job's label: the same network policies let it reach the
    // database and the object store, and nothing else.
    let labels = store.template_labels(Some(BACKUP));
    let size = container_size(store);
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
        resources: Some(resources(&size)),
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
    let load = Container {
        name: "load".into(),
        image: Some(store.settings.database_image.clone()),
        command: Some(vec!["/bin/sh".into(), "-c".into(), LOAD_SCRIPT.into()]),
        env: Some(vec![
            env("DATABASE_HOST", DATABASE),
            env("DATABASE_PORT", &DATABASE_PORT.to_string()),
            secret_env("DATABASE", DATABASE_SECRET, "database"),
            secret_env("MYSQL_PWD", DATABASE_SECRET, "root-password"),
        ]),
        resources: Some(resources(&size)),
        security_context: Some(container_security()),
        termination_message_policy: Some("FallbackToLogsOnError".into()),
        volume_mounts: Some(vec![mount("work", "/work"), mount("content", "/content")]),
        ..Container::default()
    };
    Job {
        metadata: restore_metadata(store, restore_key, restore_uid),
        spec: Some(JobSpec {
            // A failed restore is reported, not quietly tried again.
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
                    // Writes wp-content as WordPress does.
                    security_context: Some(pod_security(WWW_DATA_UID)),
                    affinity: Some(beside(store, WORDPRESS)),
                    init_containers: Some(vec![fetch]),
                    containers: vec![load],
                    volumes: Some(vec![
                        scratch("work"),
                        Volume {
                            name: "content".into(),
                            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                                claim_name: WORDPRESS_VOLUME.into(),
                                read_only: Some(false),
                            }),
                            ..Volume::default()
                        },
                        Volume {
                            name: "agent-files".into(),
                            secret: Some(SecretVolumeSource {
                                secret_name: Some(RESTORE_JOB.into()),
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

fn restore_metadata(store: &ValidatedStore, restore_key: &str, restore_uid: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(RESTORE_JOB.into()),
        namespace: Some(store.namespace.clone()),
        labels: Some(store.labels(Some(BACKUP))),
        annotations: Some(BTreeMap::from([
            (RESTORE_ANNOTATION.to_string(), restore_key.to_string()),
            (RESTORE_UID_ANNOTATION.to_string(), restore_uid.to_string()),
        ])),
        ..ObjectMeta::default()
    }
}

/// The Secret the agent reads: the plan (presigned GET URLs, sizes,
/// SHA-256s, row counts), the store's own identity, the object store's CA.
pub fn restore_secret(
    store: &ValidatedStore,
    backup: &BackupSettings,
    restore_key: &str,
    restore_uid: &str,
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
        metadata: restore_metadata(store, restore_key, restore_uid),
        string_data: Some(data),
        ..Secret::default()
    }
}

/// The Restore a restore Job works for (its UID), if any.
pub fn restore_uid_of(meta: &ObjectMeta) -> Option<&str> {
    meta.annotations
        .as_ref()?
        .get(RESTORE_UID_ANNOTATION)
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Plan;
    use crate::settings::Settings;
    use crate::testing::assert_includes;
    use crate::validated::testing::store;

    #[test]
    fn the_restore_job_fetches_first_then_loads_with_the_stores_own_image() {
        let settings = Settings::for_tests();
        let raw = store("demo", Plan::Small);
        let validated = ValidatedStore::new(&raw, &settings).unwrap();
        let backup = BackupSettings {
            agent_image: "nexus.dev/kubectl-nexus:0.1.0".into(),
            recipient: "age1recipient".into(),
            object_store_cidrs: vec!["192.0.2.10/32".into()],
            object_store_port: 9000,
            ca_pem: None,
        };
        let job = restore_job(&validated, &backup, "team/demo-r", "uid-r", 3600);
        let value = serde_json::to_value(&job).unwrap();
        assert_includes(
            &value,
            serde_json::json!({
                "metadata": {"name": "restore", "annotations": {"nexus.dev/restore": "team/demo-r", "nexus.dev/restore-uid": "uid-r"}},
                "spec": {"backoffLimit": 0, "template": {
                    "metadata": {"labels": {"app.kubernetes.io/component": "backup"}},
                    "spec": {
                    "automountServiceAccountToken": false,
                    "initContainers": [{"name": "fetch", "image": "nexus.dev/kubectl-nexus:0.1.0",
                        "args": ["restore-agent", "--plan=/etc/nexus-restore/plan.json", "--identity=/etc/nexus-restore/identity", "--work=/work", "--content=/content"]}],
                    "containers": [{"name": "load", "image": "mariadb:test"}],
                    "volumes": [{"name": "work"}, {"name": "content", "persistentVolumeClaim": {"claimName": "wordpress-content"}}, {"name": "agent-files", "secret": {"secretName": "restore"}}],
                }}},
            }),
        );
        // The load runs as the database's root (it makes databases beside
        // the store's); the agent, which talks to the object store, has no
        // database password at all.
        let text =
            serde_json::to_string(&value["spec"]["template"]["spec"]["initContainers"]).unwrap();
        assert!(!text.contains("password"), "{text}");
    }
}
