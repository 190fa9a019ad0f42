#!/usr/bin/env bash
# Nexus on a local k3d cluster, from nothing to a store you can open:
# a k3d cluster (k3s with Traefik and local-path storage), the Nexus image
# built and imported, the chart installed with values-local.yaml, a tenant
# namespace, and a store; then the store's URL and how to log in.
#
#   scripts/setup-local.sh [--print] [--cluster NAME] [--tenant NAMESPACE] [--store NAME]
#
# --print shows the commands it would run and runs nothing (no Docker needed).
# Needs: docker (a running engine), k3d, kubectl, helm (or this repo's
# target/cluster-bin/helm), cargo.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)
print=false cluster=nexus tenant=team-demo store=demo
while (($#)); do
  case $1 in
    --print) print=true; shift ;;
    --cluster) cluster=$2; shift 2 ;;
    --tenant) tenant=$2; shift 2 ;;
    --store) store=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "setup-local: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
image=nexus.dev/kubectl-nexus:$version
helm=helm
if ! command -v helm >/dev/null && [[ -x $root/target/cluster-bin/helm ]]; then
  helm=$root/target/cluster-bin/helm
fi
nexus=$root/target/release/kubectl-nexus

# say TEXT : a step's heading (a comment among the commands with --print)
say() {
  if $print; then printf '# %s\n' "$1"; else printf '# %s\n' "$1" >&2; fi
}

# run COMMAND... : run it, or with --print show it
run() {
  if $print; then
    printf '%q ' "$@"
    printf '\n'
  else
    printf '+ %s\n' "$*" >&2
    "$@"
  fi
}

preflight() {
  local missing=()
  for tool in docker k3d kubectl cargo; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  command -v "$helm" >/dev/null || missing+=(helm)
  if ((${#missing[@]})); then
    echo "setup-local: missing ${missing[*]}: install them (k3d needs Docker: https://k3d.io), or see what would run with --print" >&2
    exit 1
  fi
  docker info >/dev/null 2>&1 || {
    echo "setup-local: the Docker engine is not running (docker info failed); start it and run again" >&2
    exit 1
  }
}

$print || preflight

say "1. a k3d cluster: k3s with Traefik on port 80 and local-path storage"
run k3d cluster create "$cluster" --agents 1 --port "80:80@loadbalancer" --wait
say "2. the Nexus image, imported into the cluster's nodes"
run docker build --build-arg "GIT_COMMIT=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)" -t "$image" "$root"
run k3d image import "$image" --cluster "$cluster"
say "3. the platform: CRDs, operator, webhook, RBAC, policy (values-local.yaml)"
run "$helm" upgrade --install nexus "$root/charts/nexus" --namespace nexus-system --create-namespace \
  --values "$root/charts/nexus/values-local.yaml" --set "image.tag=$version" --wait --timeout 5m
say "4. the plugin, a tenant namespace, and a store"
run cargo build --release --locked --manifest-path "$root/Cargo.toml" --bin kubectl-nexus
run kubectl create namespace "$tenant"
run "$nexus" store create "$store" --namespace "$tenant" --wait --timeout 15m
say "5. open it"
run "$nexus" store get "$store" --namespace "$tenant"
if ! $print; then
  cat >&2 <<MSG

The store is at http://$store.localhost (Traefik on port 80).
Log in at http://$store.localhost/wp-admin with:
  $nexus store credentials $store --namespace $tenant
Remove everything with: k3d cluster delete $cluster
MSG
fi
