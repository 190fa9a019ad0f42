#!/usr/bin/env bash
# The main job on a fresh machine: start the test control plane, install the
# Nexus platform pieces (CRD, tenant role), run the operator, make alice a
# tenant, and watch her store become Ready through the plugin.
#
# Pods are simulated by kwok here: they are scheduled and become Ready, Jobs
# complete, but no container runs. On a real cluster the same objects run
# MariaDB, WordPress and the wp-cli setup for real (see docs/install.md and docs/production.md).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export NEXUS_TEST_CLUSTER_DIR=${NEXUS_TEST_CLUSTER_DIR:-$root/target/test-cluster}
admin=$NEXUS_TEST_CLUSTER_DIR/admin.kubeconfig
alice=$NEXUS_TEST_CLUSTER_DIR/alice.kubeconfig
tenant=demo-tenant

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "test control plane"
scripts/test-cluster.sh up

step "kubectl-nexus"
cargo build --quiet --bin kubectl-nexus
export PATH=$root/target/debug:$PATH   # so `kubectl nexus` finds the plugin

step "platform: the Store CRD and the nexus-tenant role (as the cluster admin)"
kubectl-nexus generate crds --out - | kubectl --kubeconfig="$admin" apply --server-side -f -
kubectl --kubeconfig="$admin" apply --server-side -f config/rbac/nexus-tenant.yaml
kubectl --kubeconfig="$admin" wait --for=condition=Established crd/stores.nexus.dev crd/auditrecords.nexus.dev crd/quotareviews.nexus.dev --timeout=30s
kubectl --kubeconfig="$admin" create namespace "$tenant" --dry-run=client -o yaml |
  kubectl --kubeconfig="$admin" apply -f -
kubectl --kubeconfig="$admin" label namespace "$tenant" nexus.dev/tenant=demo --overwrite
kubectl --kubeconfig="$admin" create rolebinding alice-nexus-tenant -n "$tenant" \
  --clusterrole=nexus-tenant --user=alice --dry-run=client -o yaml |
  kubectl --kubeconfig="$admin" apply -f -

step "the operator (out of cluster, as the admin; logs in $NEXUS_TEST_CLUSTER_DIR/logs/operator.log)"
# kwok's pods run no program: no shopper's check could pass before Ready.
kubectl-nexus operator --kubeconfig="$admin" --base-domain=shops.localhost \
  --check-before-ready=false --metrics-address=127.0.0.1:0 >"$NEXUS_TEST_CLUSTER_DIR/logs/operator.log" 2>&1 &
operator=$!
trap 'kill $operator 2>/dev/null; wait $operator 2>/dev/null' EXIT

step "as alice: create a store and wait until it is Ready"
kubectl nexus --kubeconfig="$alice" -n "$tenant" store delete demo --yes --wait >/dev/null 2>&1 || true
kubectl nexus --kubeconfig="$alice" -n "$tenant" store create demo --plan small \
  --admin-email owner@example.com --wait --timeout 3m
kubectl nexus --kubeconfig="$alice" -n "$tenant" store list

step "as alice: the whole story of the store"
kubectl nexus --kubeconfig="$alice" -n "$tenant" store get demo

cat <<MSG

The operator stops with this script; the cluster keeps running. Clean up with:
  kubectl nexus --kubeconfig=$alice -n $tenant store delete demo --yes
  scripts/test-cluster.sh down
MSG
