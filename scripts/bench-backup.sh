#!/usr/bin/env bash
# The backup benchmark on the test cluster's real node: for each size S (MiB),
# a store with S of database rows and S of uploads; what the machine does
# without Nexus (mariadb-dump | gzip and tar | gzip to local disk, a plain
# upload of as many bytes to the same S3 server, a load of the dump) beside
# what Nexus does (store backup --wait, store restore --wait), and the peak
# memory of every container that streams the data. Prints a table.
#
#   scripts/bench-backup.sh [S,S,...]      (default 256,1024)
#
# Needs what the real node needs (scripts/test-cluster.sh up --real-node) and
# about 8 S of free disk. Not run by CI: it takes long (the fill alone is a
# few minutes a GiB). See bench_backup_and_restore in tests/real_node.rs.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
sizes=${1:-256,1024}
[[ $sizes =~ ^[0-9]+(,[0-9]+)*$ ]] || {
  echo "bench-backup: sizes are MiB, comma-separated, such as 256,1024 (got: $sizes)" >&2
  exit 2
}
export NEXUS_TEST_CLUSTER_DIR=${NEXUS_TEST_CLUSTER_DIR:-$root/target/test-cluster-real}
scripts/test-cluster.sh up --real-node >/dev/null
# The backup and restore agents are the operator's image.
scripts/build-image.sh >/dev/null
NEXUS_BENCH_BACKUP_MIB=$sizes exec cargo test --locked --test real_node bench_backup_and_restore \
  -- --ignored --nocapture --test-threads=1
