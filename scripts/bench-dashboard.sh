#!/usr/bin/env bash
# The dashboard with a big fleet, on the test control plane (kwok): N Store
# objects (no operator), the dashboard as admin and headless Chromium over
# WebDriver. Prints how soon a fresh fleet page shows every store, the fleet
# JSON's size and time, and the dashboard's memory as every store changes,
# round after round, with the page open. See bench_the_fleet_page in
# tests/dashboard.rs.
#
# With --soak MINUTES the rounds go on for that long, ten seconds apart,
# and it prints the dashboard's memory (first, lowest, highest, last round),
# its CPU and the page's JavaScript heap before and after.
#
#   scripts/bench-dashboard.sh [N] [--soak MINUTES]     (default 1000 stores)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
count=1000 minutes=0
while (($#)); do
  case $1 in
    --soak)
      minutes=${2:-}
      shift $(($# < 2 ? 1 : 2))
      ;;
    *) count=$1; shift ;;
  esac
done
[[ $count =~ ^[0-9]+$ ]] || {
  echo "bench-dashboard: N is a number of stores, such as 1000 (got: $count)" >&2
  exit 2
}
[[ $minutes =~ ^[0-9]+$ ]] || {
  echo "bench-dashboard: --soak takes a number of minutes, such as 60 (got: $minutes)" >&2
  exit 2
}
export NEXUS_TEST_CLUSTER_DIR=${NEXUS_TEST_CLUSTER_DIR:-$root/target/test-cluster}
scripts/test-cluster.sh up >/dev/null
NEXUS_BENCH_DASHBOARD_STORES=$count NEXUS_BENCH_DASHBOARD_MINUTES=$minutes exec cargo test --locked --release --test dashboard bench_the_fleet_page \
  -- --ignored --nocapture --test-threads=1
