#!/usr/bin/env bash
# Builds the Nexus image without Docker: the static release binary (what the
# Dockerfile builds) packed as an OCI image layout and archive, reproducibly
# (fixed timestamps and owners: the same binary gives the same digest), and
# prints the image's digest.
#
#   scripts/build-image.sh                       # release build, target/image/
#   scripts/build-image.sh --binary PATH --out DIR --tag TAG
#
# Import it: `ctr -n k8s.io images import target/image/kubectl-nexus-<version>.oci.tar`
# (containerd, k3s), `k3d image import` after `skopeo copy oci-archive:... docker-archive:...`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)
binary="" out="$root/target/image" tag="nexus.dev/kubectl-nexus:$version"
while (($#)); do
  case $1 in
    --binary) binary=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "build-image: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
command -v python3 >/dev/null || { echo "build-image: python3 is required" >&2; exit 1; }

commit=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
created=$(git -C "$root" log -1 --format=%cI 2>/dev/null || echo 1970-01-01T00:00:00Z)
if [[ -z $binary ]]; then
  echo "build-image: building the static release binary (glibc linked statically)" >&2
  (cd "$root" && NEXUS_GIT_COMMIT=$commit NEXUS_BUILD_DATE=$created \
    RUSTFLAGS="-C target-feature=+crt-static" \
    cargo build --release --locked --target x86_64-unknown-linux-gnu --bin kubectl-nexus >&2)
  binary=$root/target/x86_64-unknown-linux-gnu/release/kubectl-nexus
fi
[[ -x $binary ]] || { echo "build-image: $binary is not an executable" >&2; exit 1; }

mkdir -p "$out"
python3 - "$binary" "$out" "$tag" "$version" "$commit" "$created" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile

binary, out, tag, version, commit, created = sys.argv[1:]
layout = os.path.join(out, "kubectl-nexus-%s" % version)
blobs = os.path.join(layout, "blobs", "sha256")
os.makedirs(blobs, exist_ok=True)

def blob(data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, digest), "wb") as f:
        f.write(data)
    return "sha256:" + digest

# The one layer: /kubectl-nexus, root-owned, 0755, at time 0.
raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
    info = tarfile.TarInfo("kubectl-nexus")
    info.size = os.path.getsize(binary)
    info.mode = 0o755
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with open(binary, "rb") as f:
        tar.addfile(info, f)
layer_tar = raw.getvalue()
zipped = io.BytesIO()
with gzip.GzipFile(fileobj=zipped, mode="wb", mtime=0, compresslevel=6) as z:
    z.write(layer_tar)
layer = zipped.getvalue()

labels = {
    "org.opencontainers.image.title": "kubectl-nexus",
    "org.opencontainers.image.version": version,
    "org.opencontainers.image.revision": commit,
    "org.opencontainers.image.created": created,
    "org.opencontainers.image.source": "https://nexus.dev/nexus",
    "org.opencontainers.image.licenses": "Apache-2.0",
}
config = {
    "created": created,
    "architecture": "amd64",
    "os": "linux",
    "config": {
        "User": "65532:65532",
        "Entrypoint": ["/kubectl-nexus"],
        "Cmd": ["operator"],
        "Labels": labels,
    },
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer_tar).hexdigest()]},
    "history": [{"created": created, "created_by": "scripts/build-image.sh"}],
}
config_bytes = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
manifest = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": blob(config_bytes), "size": len(config_bytes)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": blob(layer), "size": len(layer)}],
    "annotations": labels,
}
manifest_bytes = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
digest = blob(manifest_bytes)
index = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": digest,
        "size": len(manifest_bytes),
        "platform": {"architecture": "amd64", "os": "linux"},
        "annotations": {"org.opencontainers.image.ref.name": tag, "io.containerd.image.name": tag},
    }],
}
with open(os.path.join(layout, "index.json"), "w") as f:
    json.dump(index, f, sort_keys=True, separators=(",", ":"))
with open(os.path.join(layout, "oci-layout"), "w") as f:
    json.dump({"imageLayoutVersion": "1.0.0"}, f)

# The same layout as one archive, with fixed order, owners and times.
archive = os.path.join(out, "kubectl-nexus-%s.oci.tar" % version)
with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tar:
    for name in ["oci-layout", "index.json"] + ["blobs/sha256/" + b for b in sorted(os.listdir(blobs))]:
        path = os.path.join(layout, name)
        info = tar.gettarinfo(path, arcname=name)
        info.mtime = 0
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mode = 0o644
        with open(path, "rb") as f:
            tar.addfile(info, f)
print(digest)
print("image %s: layout %s, archive %s" % (tag, layout, archive), file=sys.stderr)
PY
