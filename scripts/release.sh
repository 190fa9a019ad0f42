#!/usr/bin/env bash
# Builds the release archives of a commit (default HEAD) from a clean checkout
# of it: static kubectl-nexus for linux/amd64, and linux/arm64 when its Rust
# target and cross linker are installed (it tries to install them). Builds are
# reproducible: paths are remapped, times and owners fixed, and the commit
# and its date stamped in, so the same commit gives the same archives here,
# in CI and on any machine with the same toolchain.
#
#   scripts/release.sh [COMMIT]       # archives and sha256 sums in target/release-artifacts/
#   scripts/release.sh --manifest     # ... and write plugins/nexus.yaml (krew) for them
#   scripts/release.sh --check        # rebuild the commit plugins/nexus.yaml names and
#                                     # check every sha256 it lists that this machine
#                                     # can build (CI runs this; it says which it could not)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
manifest=$root/plugins/nexus.yaml
mode=build commit=HEAD
while (($#)); do
  case $1 in
    --manifest) mode=manifest; shift ;;
    --check) mode=check; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "release: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) commit=$1; shift ;;
  esac
done
if [[ $mode == check ]]; then
  commit=$(sed -n 's/^# source-commit: \([0-9a-f]*\)$/\1/p' "$manifest")
  [[ -n $commit ]] || { echo "release: $manifest names no source-commit" >&2; exit 1; }
fi
commit=$(git -C "$root" rev-parse --verify "$commit^{commit}")
short=${commit:0:12}
version=$(git -C "$root" show "$commit:Cargo.toml" | sed -n 's/^version = "\(.*\)"/\1/p' | head -n1)
date=$(git -C "$root" log -1 --format=%cI "$commit")
epoch=$(git -C "$root" log -1 --format=%ct "$commit")
out=$root/target/release-artifacts
target_dir=$root/target/release-build
source=$target_dir/source-$short
mkdir -p "$out" "$target_dir"

# A clean checkout of the commit: nothing uncommitted goes into a release.
if [[ ! -d $source ]]; then
  git -C "$root" worktree prune
  git -C "$root" worktree add --detach "$source" "$commit" >/dev/null
fi
trap 'git -C "$root" worktree remove --force "$source" >/dev/null 2>&1 || true' EXIT

cargo_home=${CARGO_HOME:-$HOME/.cargo}
rustup_home=${RUSTUP_HOME:-$HOME/.rustup}
remap="--remap-path-prefix=$source=/nexus --remap-path-prefix=$target_dir=/target --remap-path-prefix=$cargo_home=/cargo --remap-path-prefix=$rustup_home=/rustup"

# attempts WHAT COMMAND...: up to three tries, 10 s then 60 s apart (a
# download that breaks for a while must not fail a release check); each
# failure is said by its error lines (a panic's message, not its backtrace).
attempts() {
  local what=$1 try log said
  shift
  log=$(mktemp)
  for try in 1 2 3; do
    if RUST_BACKTRACE=0 "$@" >"$log" 2>&1; then
      rm -f "$log"
      return 0
    fi
    said=$(grep -iE -m 3 "error|panicked|failed|could not" "$log" || tail -n 3 "$log")
    echo "release: $what failed (try $try of 3): $(tr '\n' ' ' <<<"$said")" >&2
    case $try in
      1) sleep 10 ;;
      2) sleep 60 ;;
    esac
  done
  rm -f "$log"
  return 1
}

arm64_ready() {
  rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-linux-gnu ||
    attempts "rustup target add aarch64-unknown-linux-gnu" rustup target add aarch64-unknown-linux-gnu || return 1
  command -v aarch64-linux-gnu-gcc >/dev/null && return 0
  [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null || return 1
  attempts "installing gcc-aarch64-linux-gnu" bash -c \
    'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc-aarch64-linux-gnu libc6-dev-arm64-cross'
  command -v aarch64-linux-gnu-gcc >/dev/null
}

# build TRIPLE ARCH : the static binary, packed as kubectl-nexus-vVERSION-linux-ARCH.tar.gz
build() {
  local triple=$1 arch=$2 upper
  upper=$(tr '[:lower:]-' '[:upper:]_' <<<"$triple")
  echo "release: building $short for linux/$arch" >&2
  local -a env=(
    "NEXUS_GIT_COMMIT=$short" "NEXUS_BUILD_DATE=$date" "SOURCE_DATE_EPOCH=$epoch"
    "CARGO_TARGET_DIR=$target_dir" "RUSTFLAGS=-C target-feature=+crt-static $remap"
  )
  if [[ $arch == arm64 ]]; then
    env+=("CARGO_TARGET_${upper}_LINKER=aarch64-linux-gnu-gcc" "CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc")
  fi
  (cd "$source" && env "${env[@]}" cargo build --release --locked --target "$triple" --bin kubectl-nexus >&2)
  python3 - "$target_dir/$triple/release/kubectl-nexus" "$source/README.md" \
    "$out/kubectl-nexus-v$version-linux-$arch.tar.gz" "$epoch" <<'PY'
import gzip, io, sys, tarfile
binary, readme, archive, epoch = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
    for path, name, mode in [(binary, "kubectl-nexus", 0o755), (readme, "README.md", 0o644)]:
        info = tar.gettarinfo(path, arcname=name)
        info.mtime, info.uid, info.gid, info.uname, info.gname, info.mode = epoch, 0, 0, "", "", mode
        with open(path, "rb") as f:
            tar.addfile(info, f)
with open(archive, "wb") as f:
    with gzip.GzipFile(fileobj=f, mode="wb", mtime=epoch, compresslevel=9, filename="") as z:
        z.write(raw.getvalue())
PY
  (cd "$out" && sha256sum "kubectl-nexus-v$version-linux-$arch.tar.gz" >"kubectl-nexus-v$version-linux-$arch.tar.gz.sha256")
}

built=(amd64)
build x86_64-unknown-linux-gnu amd64
if arm64_ready; then
  build aarch64-unknown-linux-gnu arm64
  built+=(arm64)
else
  echo "release: linux/arm64 NOT built: the aarch64-unknown-linux-gnu Rust target or the aarch64-linux-gnu-gcc cross linker is missing and could not be installed" >&2
fi
sha() { cut -d' ' -f1 "$out/kubectl-nexus-v$version-linux-$1.tar.gz.sha256"; }

case $mode in
  build)
    for arch in "${built[@]}"; do echo "$(sha "$arch")  kubectl-nexus-v$version-linux-$arch.tar.gz"; done
    ;;
  manifest)
    mkdir -p "$(dirname "$manifest")"
    python3 - "$manifest" "$version" "$commit" "${built[@]}" <<'PY'
import sys
manifest, version, commit, archs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
out = "target/release-artifacts"
lines = [
    "# The krew plugin manifest of kubectl-nexus, written by scripts/release.sh",
    "# --manifest; CI rebuilds the source commit and checks every sha256.",
    "# source-commit: %s" % commit,
    "apiVersion: krew.googlecontainertools.github.com/v1alpha2",
    "kind: Plugin",
    "metadata:",
    "  name: nexus",
    "spec:",
    "  version: v%s" % version,
    "  homepage: https://nexus.dev",
    "  shortDescription: Provision and manage multi-tenant WooCommerce stores",
    "  description: |",
    "    Creates, lists, inspects and deletes WooCommerce stores (the Store",
    "    custom resource) provisioned by the Nexus operator, and reads their",
    "    audit trail and quotas. The same binary runs the operator.",
    "  caveats: |",
    "    The cluster needs the Nexus platform: helm install nexus charts/nexus,",
    "    or kubectl nexus install --apply.",
    "  platforms:",
]
for arch in archs:
    name = "kubectl-nexus-v%s-linux-%s.tar.gz" % (version, arch)
    sha = open("%s/%s.sha256" % (out, name)).read().split()[0]
    lines += [
        "  - selector:",
        "      matchLabels: {os: linux, arch: %s}" % arch,
        "    uri: https://nexus.dev/releases/v%s/%s" % (version, name),
        "    sha256: %s" % sha,
        "    bin: kubectl-nexus",
        "    files:",
        "    - {from: kubectl-nexus, to: .}",
        "    - {from: README.md, to: .}",
    ]
open(manifest, "w").write("\n".join(lines) + "\n")
PY
    echo "release: wrote $manifest for ${built[*]}" >&2
    ;;
  check)
    status=0 checked=0
    while read -r arch want; do
      if [[ ! -f $out/kubectl-nexus-v$version-linux-$arch.tar.gz.sha256 ]]; then
        # A machine without the cross toolchain (its Rust target comes from
        # outside the package registries, which a fresh CI machine cannot
        # reach) cannot rebuild that archive: said, not passed off as checked.
        echo "release: linux/$arch is listed but NOT checked here: this machine could not build it (see above)" >&2
      elif [[ $(sha "$arch") != "$want" ]]; then
        echo "release: linux/$arch of $short rebuilt as $(sha "$arch"), the manifest says $want" >&2
        status=1
      else
        echo "release: linux/$arch of $short matches the manifest ($want)" >&2
        checked=$((checked + 1))
      fi
    done < <(python3 - "$manifest" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for arch, sha in re.findall(r"arch: (\w+)\}\n.*\n    sha256: ([0-9a-f]{64})", text):
    print(arch, sha)
PY
)
    ((checked > 0)) || { echo "release: no archive the manifest lists could be checked" >&2; status=1; }
    listing=$(tar -tzf "$out/kubectl-nexus-v$version-linux-amd64.tar.gz")
    grep -qx kubectl-nexus <<<"$listing" ||
      { echo "release: the archive has no kubectl-nexus, which the manifest's bin names" >&2; status=1; }
    exit $status
    ;;
esac
