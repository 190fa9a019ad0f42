#!/usr/bin/env python3
"""Packs layer tars into one OCI image archive holding several images.

    oci.py ARCHIVE SPEC.json

SPEC: {"layers": {"NAME": "path/to/layer.tar", ...},
       "images": [{"tag": "...", "layers": ["NAME", ...], "config": {...}}]}
Layers are stored uncompressed (containerd takes them as they are); blobs
shared by several images are stored once. Fixed times and sorted JSON: the
same layers and spec give the same digests.
"""
import hashlib, json, os, sys, tarfile, tempfile

archive, spec_path = sys.argv[1:]
with open(spec_path) as f:
    spec = json.load(f)

blobs = {}  # digest -> (path or bytes)

def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()

def add_bytes(data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    blobs[digest] = data
    return digest

layers = {}
for name, path in spec["layers"].items():
    digest = sha256_file(path)
    blobs[digest] = path
    layers[name] = {"digest": digest, "size": os.path.getsize(path)}

manifests = []
for image in spec["images"]:
    used = [layers[n] for n in image["layers"]]
    config = {
        "created": "1970-01-01T00:00:00Z",
        "architecture": "amd64",
        "os": "linux",
        "config": image["config"],
        "rootfs": {"type": "layers", "diff_ids": [l["digest"] for l in used]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "tests/cluster/images/build.sh"}],
    }
    config_bytes = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": add_bytes(config_bytes), "size": len(config_bytes)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": l["digest"], "size": l["size"]} for l in used],
    }
    manifest_bytes = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    manifests.append({
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": add_bytes(manifest_bytes),
        "size": len(manifest_bytes),
        "platform": {"architecture": "amd64", "os": "linux"},
        "annotations": {"io.containerd.image.name": image["tag"], "org.opencontainers.image.ref.name": image["tag"]},
    })
    print("%s %s" % (image["tag"], manifests[-1]["digest"]))

index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests},
                   sort_keys=True, separators=(",", ":")).encode()

def entry(name, size):
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode, info.uid, info.gid = size, 0, 0o644, 0, 0
    return info

tmp = tempfile.NamedTemporaryFile(dir=os.path.dirname(os.path.abspath(archive)), delete=False)
with tarfile.open(fileobj=tmp, mode="w", format=tarfile.PAX_FORMAT) as tar:
    import io
    for name, data in [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", index)]:
        tar.addfile(entry(name, len(data)), io.BytesIO(data))
    for digest in sorted(blobs):
        source = blobs[digest]
        name = "blobs/sha256/" + digest.split(":", 1)[1]
        if isinstance(source, bytes):
            tar.addfile(entry(name, len(source)), io.BytesIO(source))
        else:
            with open(source, "rb") as f:
                tar.addfile(entry(name, os.path.getsize(source)), f)
tmp.close()
os.chmod(tmp.name, 0o644)
os.replace(tmp.name, archive)
