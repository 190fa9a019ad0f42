#!/usr/bin/env bash
# The dashboard with a big fleet, on the test control plane (kwok): N Store
# objects (no operator), the dashboard as admin and headless Chromium over
# WebDriver. Prints how soon a fresh fleet page shows every store, the fleet
# JSON's size and time, and the dashboard's memory as every store changes,
# round after round, with the page open. See bench_the_fleet_page in
# tests/dashboard.rs.
#
#   scripts/bench-dashboard.sh [N]      (default 1000)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
count=${1:-1000}
[[ $count =~ ^[0-9]+$ ]] || {
  echo "bench-dashboard: N is a number of stores, such as 1000 (got: $count)" >&2
  exit 2
}
export NEXUS_TEST_CLUSTER_DIR=${NEXUS_TEST_CLUSTER_DIR:-$root/target/test-cluster}
scripts/test-cluster.sh up >/dev/null
NEXUS_BENCH_DASHBOARD_STORES=$count exec cargo test --locked --release --test dashboard bench_the_fleet_page \
  -- --ignored --nocapture --test-threads=1
