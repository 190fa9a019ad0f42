#!/usr/bin/env bash
# Fleet-scale provisioning benchmark on the test control plane (kwok nodes):
# for each N, the cluster's own ceiling (the object graph of N stores written
# without any operator logic), then N stores through Nexus, at rest, and
# deleted. Prints one line per phase and a table at the end. kwok simulates
# the pods, so this measures the operator and the API server, not how fast
# MariaDB or WordPress start. The operator runs with the release binary under
# its own identity (nexus-bench-operator, bound to config/rbac), so the API
# server's audit log counts its requests apart; kwok nodes with room for N
# stores are added for the run and removed after it.
#
#   scripts/bench-provisioning.sh [N...] [--concurrency C] [--fleet F [--burst B]] [--cli-stores M] [--profile]
#
# Default N: 50 200 500; the operator's own default concurrency; M = 10000
# Stores (objects only) for `store list -A` against `kubectl get stores -A`,
# 0 to skip. Operator logs go to target/bench/. --profile: CPU profiles of the
# API server during each run into target/bench/ (start the cluster with
# NEXUS_CLUSTER_PROFILING=true). See scripts/bench/provisioning.py.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export NEXUS_TEST_CLUSTER_DIR=${NEXUS_TEST_CLUSTER_DIR:-$root/target/test-cluster}

scripts/test-cluster.sh up >/dev/null
if [[ ! -f $NEXUS_TEST_CLUSTER_DIR/bench-operator.kubeconfig ]]; then
  echo "bench: this test cluster predates the benchmark's identity; run scripts/test-cluster.sh down, then again" >&2
  exit 1
fi
cargo build --quiet --release --bin kubectl-nexus
mkdir -p target/bench
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
exec python3 scripts/bench/provisioning.py --root="$root" --cluster-dir="$NEXUS_TEST_CLUSTER_DIR" \
  --binary="$root/target/release/kubectl-nexus" --out="$root/target/bench" --metrics-port="$port" "$@"
