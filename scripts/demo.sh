#!/usr/bin/env bash
# The main job on a fresh machine: start the test control plane, install the
# Nexus platform pieces (CRDs, tenant role, a StorePolicy), run the operator
# serving admission, make alice a tenant, and show through the plugin what
# she sees: a name the policy refuses, her store becoming Ready, her quota,
# the audit trail verified, and the dashboard's command.
#
#   scripts/demo.sh               # ends by printing how to open the dashboard
#   scripts/demo.sh --dashboard   # ... and serves it until Ctrl-C
#
# Pods are simulated by kwok here: they are scheduled and become Ready, Jobs
# complete, but no container runs. On a real cluster the same objects run
# MariaDB, WordPress and the wp-cli setup for real (see docs/install.md and docs/production.md).
set -euo pipefail
dashboard=false
case ${1:-} in
  "") ;;
  --dashboard) dashboard=true ;;
  *) echo "demo: unknown argument ${1}; the only one is --dashboard (keep the dashboard open)" >&2; exit 2 ;;
esac
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

step "platform: the CRDs, the nexus-tenant role and a StorePolicy (as the cluster admin)"
kubectl-nexus generate crds --out - | kubectl --kubeconfig="$admin" apply --server-side -f -
kubectl --kubeconfig="$admin" apply --server-side -f config/rbac/nexus-tenant.yaml
kubectl --kubeconfig="$admin" wait --for=condition=Established crd/stores.nexus.dev crd/auditrecords.nexus.dev \
  crd/quotareviews.nexus.dev crd/storepolicies.nexus.dev --timeout=30s
# What the webhook enforces: plans, how many stores a user may own and make
# an hour, names nobody may take (they are hosts under the base domain).
kubectl --kubeconfig="$admin" apply --server-side -f - <<'YAML'
apiVersion: nexus.dev/v1alpha1
kind: StorePolicy
metadata: {name: default}
spec:
  defaults: {allowedPlans: [small, medium], maxStores: 3, maxCreations: 20, window: 1h}
  reservedNames: [www, admin, api, mail]
YAML
kubectl --kubeconfig="$admin" create namespace "$tenant" --dry-run=client -o yaml |
  kubectl --kubeconfig="$admin" apply -f -
kubectl --kubeconfig="$admin" label namespace "$tenant" nexus.dev/tenant=demo --overwrite
kubectl --kubeconfig="$admin" create rolebinding alice-nexus-tenant -n "$tenant" \
  --clusterrole=nexus-tenant --user=alice --dry-run=client -o yaml |
  kubectl --kubeconfig="$admin" apply -f -

step "the operator, serving admission (out of cluster, as the admin; logs in $NEXUS_TEST_CLUSTER_DIR/logs/operator.log)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# kwok's pods run no program: no shopper's check could pass before Ready.
kubectl-nexus operator --kubeconfig="$admin" --base-domain=shops.localhost \
  --check-before-ready=false --metrics-address=127.0.0.1:0 \
  --webhook-address="127.0.0.1:$port" --webhook-url="https://127.0.0.1:$port" \
  >"$NEXUS_TEST_CLUSTER_DIR/logs/operator.log" 2>&1 &
operator=$!
# The webhook configurations name this operator: once it stops, they go too
# (else the API server would wait on a webhook nobody serves).
stop_operator() {
  kill "$operator" 2>/dev/null || true
  wait "$operator" 2>/dev/null || true
  kubectl --kubeconfig="$admin" delete --ignore-not-found --wait=false \
    validatingwebhookconfiguration/nexus-stores mutatingwebhookconfiguration/nexus-stores >/dev/null 2>&1 || true
}
trap stop_operator EXIT
# Admission answers once a server-side dry run comes back with the owner it
# records.
probe="apiVersion: nexus.dev/v1alpha1
kind: Store
metadata: {name: admission-probe, namespace: $tenant}
spec: {engine: woocommerce}"
for _ in $(seq 60); do
  owner=$(kubectl --kubeconfig="$alice" create --dry-run=server -o 'jsonpath={.metadata.annotations.nexus\.dev/owner}' \
    -f - <<<"$probe" 2>/dev/null || true)
  [[ $owner == alice ]] && break
  kill -0 "$operator" 2>/dev/null || { echo "demo: the operator stopped; see $NEXUS_TEST_CLUSTER_DIR/logs/operator.log" >&2; exit 1; }
  sleep 1
done
[[ $owner == alice ]] || { echo "demo: admission did not answer within 60s; see $NEXUS_TEST_CLUSTER_DIR/logs/operator.log" >&2; exit 1; }
echo "admission answers (the webhook records alice as the owner of what she creates)"

step "as alice: a name the policy keeps for the platform is refused"
if kubectl nexus --kubeconfig="$alice" -n "$tenant" store create admin; then
  echo "demo: the reserved name admin was accepted" >&2
  exit 1
fi

step "as alice: create a store and wait until it is Ready"
kubectl nexus --kubeconfig="$alice" -n "$tenant" store delete demo --yes --wait >/dev/null 2>&1 || true
kubectl nexus --kubeconfig="$alice" -n "$tenant" store create demo --plan small \
  --admin-email owner@example.com --wait --timeout 3m
kubectl nexus --kubeconfig="$alice" -n "$tenant" store list

step "as alice: the whole story of the store"
kubectl nexus --kubeconfig="$alice" -n "$tenant" store get demo

step "as alice: her limits and what she uses"
kubectl nexus --kubeconfig="$alice" -n "$tenant" quota

step "as alice: who did what to her store, and the audit chain verified"
kubectl nexus --kubeconfig="$alice" -n "$tenant" audit demo
kubectl nexus --kubeconfig="$alice" -n "$tenant" audit demo --verify

dashboard_command="kubectl nexus --kubeconfig=$alice -n $tenant dashboard"
if $dashboard; then
  step "the dashboard, as alice (Ctrl-C stops it and the operator)"
  $dashboard_command
  exit 0
fi

cat <<MSG

The fleet in a browser, as alice (with the operator running: scripts/demo.sh --dashboard):
  $dashboard_command

The operator stops with this script; the cluster keeps running. Clean up with:
  kubectl nexus --kubeconfig=$alice -n $tenant store delete demo --yes
  scripts/test-cluster.sh down
MSG
