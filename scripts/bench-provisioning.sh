#!/usr/bin/env bash
# Provisioning benchmark on the test control plane: create COUNT stores at
# once, wait until all are Ready, delete them, and print the figures: time to
# Ready per store (p50, p95, max), total time, reconciles, the operator's peak
# memory. kwok simulates the pods, so this measures the operator and the API
# round trips, not how fast MariaDB or WordPress start.
#
#   scripts/bench-provisioning.sh [COUNT] [CONCURRENCY]     (defaults: 10, 4)
#
# The test cluster's two nodes have 16 CPUs; a small store requests 0.9 CPU
# while its setup runs, so more than 17 stores at once cannot all be scheduled
# (their stores then say "cannot be scheduled: ... Insufficient cpu").
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
count=${1:-10}
concurrency=${2:-4}
export NEXUS_TEST_CLUSTER_DIR=${NEXUS_TEST_CLUSTER_DIR:-$root/target/test-cluster}
admin=$NEXUS_TEST_CLUSTER_DIR/admin.kubeconfig
id=bench$(date +%s)
k() { kubectl --kubeconfig="$admin" "$@"; }

scripts/test-cluster.sh up >/dev/null
cargo build --quiet --release --bin kubectl-nexus
bin=$root/target/release/kubectl-nexus
"$bin" generate crds --out - | k apply --server-side --force-conflicts -f - >/dev/null
k wait --for=condition=Established crd/stores.nexus.dev --timeout=30s >/dev/null
k create namespace "$id" >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
"$bin" operator --kubeconfig="$admin" --store-selector="nexus.dev/bench=$id" --lease-name="$id" \
  --lease-namespace=default --metrics-address="127.0.0.1:$port" --concurrency="$concurrency" 2>"$log" &
operator=$!
cleanup() {
  kill "$operator" 2>/dev/null || true
  wait "$operator" 2>/dev/null || true
  k delete namespace "$id" --wait=false >/dev/null 2>&1 || true
  rm -f "$log"
}
trap cleanup EXIT
until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.2; done

echo "creating $count stores (operator concurrency $concurrency)"
start=$(date +%s.%N)
for i in $(seq 1 "$count"); do
  cat <<EOF
---
apiVersion: nexus.dev/v1alpha1
kind: Store
metadata: {name: $id-$i, namespace: $id, labels: {nexus.dev/bench: $id}}
spec: {engine: woocommerce}
EOF
done | k apply -f - >/dev/null

ready_count() { k get stores -n "$id" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -c '^Ready$' || true; }
deadline=$((SECONDS + 600))
until [[ $(ready_count) -ge $count ]]; do
  if ((SECONDS >= deadline)); then
    echo "not all stores Ready within 10 minutes:" >&2
    k get stores -n "$id" >&2
    exit 1
  fi
  sleep 0.5
done
provisioned=$(date +%s.%N)
peak_kib=$(awk '/VmHWM/ {print $2}' "/proc/$operator/status")
metric() { curl -fsS "http://127.0.0.1:$port/metrics" | awk -v m="$1" '$1 == m || index($1, m "{") == 1 {s += $2} END {print s + 0}'; }
reconciles=$(metric nexus_reconciles_total)
writes=$(metric nexus_child_writes_total)
# At rest: one more reconcile of every Ready store (an annotation pokes it)
# must send no writes for its children.
k annotate stores -n "$id" --all bench.nexus.dev/poke="$(date +%s)" --overwrite >/dev/null
until (($(metric nexus_reconcile_duration_seconds_count | cut -d. -f1) >= ${reconciles%.*} + count)); do sleep 0.2; done
idle_writes=$(($(metric nexus_child_writes_total | cut -d. -f1) - ${writes%.*}))

k get stores -n "$id" -o json | python3 -c '
import json, sys
from datetime import datetime
def t(s): return datetime.fromisoformat(s.replace("Z", "+00:00"))
items = json.load(sys.stdin)["items"]
d = sorted((t(s["status"]["readyAt"]) - t(s["metadata"]["creationTimestamp"])).total_seconds() for s in items)
pick = lambda q: d[min(len(d) - 1, int(q * len(d)))]
print(f"time to Ready per store: p50 {pick(0.5):.1f}s  p95 {pick(0.95):.1f}s  max {d[-1]:.1f}s  (API timestamps have 1s resolution)")
'
k delete stores -n "$id" --all --wait=false >/dev/null
until [[ -z $(k get stores -n "$id" -o name) ]]; do sleep 0.5; done
deleted=$(date +%s.%N)
python3 - "$start" "$provisioned" "$deleted" "$count" "$peak_kib" "$reconciles" "$writes" "$idle_writes" <<'EOF'
import sys
start, provisioned, deleted = map(float, sys.argv[1:4])
count, peak_kib, reconciles = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
writes, idle_writes = float(sys.argv[7]), int(sys.argv[8])
print(f"all {count} Ready after {provisioned - start:.1f}s ({count / (provisioned - start):.2f} stores/s)")
print(f"all {count} deleted (namespaces gone) after {deleted - provisioned:.1f}s")
print(f"reconciles until all Ready: {reconciles:.0f} ({reconciles / count:.1f} per store)")
print(f"child writes until all Ready: {writes:.0f} ({writes / count:.1f} per store)")
print(f"child writes of one more reconcile of every Ready store: {idle_writes}")
print(f"operator peak memory (VmHWM): {peak_kib / 1024:.1f} MiB")
EOF
