#!/usr/bin/env bash
# Builds the test control plane from pinned Go modules into target/cluster-bin:
#   kube  (kube-apiserver, kube-controller-manager, kube-scheduler, a tiny PV provisioner)
#   etcd  (go.etcd.io/etcd/server/v3)
#   kwok  (sigs.k8s.io/kwok)
#   helm  (helm.sh/helm/v4: the chart's lint, template and install tests)
#   s3s-fs (the s3s-fs crate's S3 server over a directory: the backups' object
#          store; built with cargo, pinned with the crate's own Cargo.lock)
# With --real-node also what the real node runs beside the kubelet:
#   coredns      (github.com/coredns/coredns, a few plugins)
#   kube-router  (github.com/cloudnativelabs/kube-router/v2, its NetworkPolicy firewall)
# A binary is rebuilt only when its module's pinned inputs change: each one
# carries a stamp with the hash of go.mod, go.sum and its sources.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
bin_dir=${NEXUS_CLUSTER_BIN:-$root/target/cluster-bin}
mkdir -p "$bin_dir"

KUBE_VERSION=v1.34.4
kube_ldflags="-s -w \
 -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION \
 -X k8s.io/component-base/version.gitMajor=1 \
 -X k8s.io/component-base/version.gitMinor=34 \
 -X k8s.io/component-base/version.gitTreeState=clean"

command -v go >/dev/null || { echo "build: Go is not installed; install Go 1.24 or newer" >&2; exit 1; }

# A package registry that does not answer for a while (it happened in CI: no
# connection to the crate index for longer than cargo's own few quick
# retries) fails a build that would pass a minute later. A failed build whose
# log shows a network error is tried again after a pause, up to 4 times in
# all (waits of 30, 60 and 90 s); any other failure is final at once.
network_error='Could not connect|failed to download|failed to get|spurious network error|dial tcp|i/o timeout|connection refused|connection reset|TLS handshake timeout|Temporary failure in name resolution|no such host'
retry_on_network_error() { # NAME LOG ATTEMPT -> 0 when worth another try
  local name=$1 log=$2 attempt=$3
  ((attempt < 4)) && grep -Eqi "$network_error" "$log" || return 1
  echo "build: $name: a package registry did not answer (attempt $attempt of 4); trying again in $((attempt * 30))s" >&2
  grep -Ei "$network_error" "$log" | tail -n 2 >&2
  sleep $((attempt * 30))
}

inputs_hash() { # module dir -> hash of what decides the binary
  (cd "$1" && cat go.mod go.sum ./*.go 2>/dev/null; go env GOVERSION; echo "$2") | sha256sum | cut -d' ' -f1
}

# build NAME MODULE_DIR PACKAGE LDFLAGS [static]: static = no cgo, for a
# binary that runs in a container image with no libc.
build() {
  local name=$1 module=$here/$2 package=$3 ldflags=$4 cgo=${CGO_ENABLED:-1}
  local out=$bin_dir/$name stamp=$bin_dir/$name.stamp want
  [[ ${5:-} == static ]] && cgo=0
  want=$(inputs_hash "$module" "$ldflags${5:+ $5}")
  if [[ -x $out && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    echo "build: $name is current"
    return
  fi
  local log=$bin_dir/$name.build.log started=$SECONDS attempt=1
  echo "build: building $name ($package); the first build takes many minutes on 2 cores"
  while :; do
    (cd "$module" && CGO_ENABLED=$cgo go build -mod=readonly -trimpath -v -ldflags "$ldflags" -o "$out.tmp" "$package") >"$log" 2>&1 &
    local pid=$!
    while kill -0 "$pid" 2>/dev/null; do
      sleep 30
      kill -0 "$pid" 2>/dev/null && echo "build: $name: $(grep -c . "$log") packages compiled, $((SECONDS - started))s"
    done
    wait "$pid" && break
    retry_on_network_error "$name" "$log" "$attempt" && { attempt=$((attempt + 1)); continue; }
    echo "build: building $name failed; the end of $log:" >&2
    tail -n 30 "$log" >&2
    exit 1
  done
  mv "$out.tmp" "$out"
  echo "$want" >"$stamp"
  echo "build: $name built in $((SECONDS - started))s"
}

build etcd etcd . "-s -w"
build kwok kwok sigs.k8s.io/kwok/cmd/kwok "-s -w"
build kube kube . "$kube_ldflags"
HELM_VERSION=v4.3.1
build helm helm helm.sh/helm/v4/cmd/helm "-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION"
if [[ ${1:-} == --real-node ]]; then
  build coredns coredns . "-s -w" static
  build kube-router kube-router github.com/cloudnativelabs/kube-router/v2/cmd/kube-router "-s -w"
fi

# The object store backups go to: an existing S3 implementation, served over
# TLS by stunnel (scripts/test-cluster.sh). 0.14.1 is the newest release that
# builds with this Rust (0.17 asks for 1.96).
S3S_FS_VERSION=0.14.1
build_s3s_fs() {
  local out=$bin_dir/s3s-fs stamp=$bin_dir/s3s-fs.stamp want
  want="s3s-fs $S3S_FS_VERSION $(rustc --version)"
  if [[ -x $out && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    echo "build: s3s-fs is current"
    return
  fi
  local log=$bin_dir/s3s-fs.build.log started=$SECONDS attempt=1
  local -a install=(cargo install --quiet --locked --version "$S3S_FS_VERSION" --features binary
    --root "$bin_dir/s3s-fs.root" --target-dir "$root/target/s3s-fs-build" s3s-fs)
  echo "build: building s3s-fs $S3S_FS_VERSION (cargo install --locked)"
  # From what this machine's cargo already holds first: cargo install asks the
  # crate index even when every crate is in its cache, and a CI run lost the
  # index for its whole length (no connection at all). Offline fails at once
  # when a crate is missing; then the registry, with the retries above.
  if ! "${install[@]}" --offline >"$log" 2>&1; then
    until "${install[@]}" >"$log" 2>&1; do
      retry_on_network_error s3s-fs "$log" "$attempt" && { attempt=$((attempt + 1)); continue; }
      echo "build: building s3s-fs failed; the end of $log:" >&2
      tail -n 30 "$log" >&2
      exit 1
    done
  fi
  mv "$bin_dir/s3s-fs.root/bin/s3s-fs" "$out"
  echo "$want" >"$stamp"
  echo "build: s3s-fs built in $((SECONDS - started))s"
}
build_s3s_fs
