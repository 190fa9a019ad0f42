#!/usr/bin/env bash
# Builds the real test node's container images from Debian packages, with no
# registry and no Docker, into one OCI archive that the node imports at start:
#   nexus.local/pause:1                sandbox (pause.c, static)
#   nexus.local/coredns:1.15.0         cluster DNS (target/cluster-bin/coredns)
#   nexus.local/mariadb:10.11          Debian's MariaDB, the official image's MARIADB_* contract, uid 999
#   nexus.local/wordpress:6.1          Debian's WordPress, Apache and PHP, the official image's contract,
#                                      and a stand-in for WooCommerce's Store API (a must-use plugin)
#   nexus.local/wordpress-cli:standin  the setup image: a stand-in `wp` (no wp-cli or WooCommerce here)
#   nexus.local/netcheck:1             busybox, for the isolation tests' probes
# The Debian base (debootstrap + packages, ~2-4 minutes, the only step that
# needs Debian's mirror) is kept in this machine's cache, beside cargo's and
# Go's downloads ($NEXUS_IMAGE_CACHE, default ~/.cache/nexus/debian-base), so
# a fresh clone on a machine that built it once needs no network; it is
# rebuilt only when its package list or base.sh changes. Layers are written
# with fixed times, owners and order.
#
#   tests/cluster/images/build.sh    # prints the archive's path last
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
out=${NEXUS_NODE_IMAGES:-$root/target/node-images}
bin=${NEXUS_CLUSTER_BIN:-$root/target/cluster-bin}
mirror=${NEXUS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=(mariadb-server apache2 libapache2-mod-php php-mysql php-cli wordpress wordpress-theme-twentytwentythree busybox)
mkdir -p "$out"

say() { printf 'node-images: %s\n' "$*" >&2; }
for tool in debootstrap chroot gcc tar python3; do
  command -v "$tool" >/dev/null || { say "missing $tool (apt-get install debootstrap gcc tar python3)"; exit 1; }
done
[[ -x $bin/coredns ]] || { say "missing $bin/coredns: run tests/cluster/build.sh --real-node"; exit 1; }

# layer_tar DIR FILE: DIR's content as a tar with fixed times and order.
layer_tar() {
  tar --sort=name --mtime=@0 --numeric-owner --xattrs --format=pax \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    -C "$1" -cf "$2.tmp" . && mv "$2.tmp" "$2"
}

base_key=$( (printf '%s\n' "${packages[@]}" "$mirror"; cat "$here/base.sh") | sha256sum | cut -d' ' -f1)
base_cache=${NEXUS_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nexus/debian-base}
base=$base_cache/$base_key.tar
mkdir -p "$base_cache"
if [[ ! -f $base ]]; then
  say "building the Debian base (debootstrap bookworm from $mirror, then ${#packages[@]} packages)"
  started=$SECONDS
  rootfs=$out/base-rootfs
  rm -rf --one-file-system "$rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$out/base.log" 2>&1 ||
    { tail -n 20 "$out/base.log" >&2; say "debootstrap failed (log: $out/base.log)"; exit 1; }
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod 755 "$rootfs/usr/sbin/policy-rc.d"
  chroot "$rootfs" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${packages[@]}" >>"$out/base.log" 2>&1 ||
    { tail -n 20 "$out/base.log" >&2; say "installing packages failed (log: $out/base.log)"; exit 1; }
  rm -f "$rootfs/usr/sbin/policy-rc.d"
  cp "$here/base.sh" "$rootfs/base.sh"
  chroot "$rootfs" /bin/sh /base.sh >>"$out/base.log" 2>&1 ||
    { tail -n 20 "$out/base.log" >&2; say "base.sh failed (log: $out/base.log)"; exit 1; }
  rm -f "$rootfs/base.sh"
  layer_tar "$rootfs" "$base"
  rm -rf --one-file-system "$rootfs"
  # One base is kept: an older package list's is of no more use.
  find "$base_cache" -maxdepth 1 -name '*.tar' ! -name "$base_key.tar" -delete
  say "Debian base built in $((SECONDS - started))s ($(du -h "$base" | cut -f1)), kept in $base_cache"
fi

# The small layers: our scripts over the base, pause, CoreDNS.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/overlay" "$work/pause" "$work/coredns"
cp -a "$here/files/." "$work/overlay/"
mkdir -p "$work/overlay/usr/src/wordpress"
mv "$work/overlay/usr/local/lib/nexus/wp-config-image.php" "$work/overlay/usr/src/wordpress/wp-config-image.php"
# The Store API stand-in: a must-use plugin, so it is in every store's
# wp-content from the start (the WordPress init container places it).
mkdir -p "$work/overlay/usr/src/wordpress/wp-content/mu-plugins"
mv "$work/overlay/usr/local/lib/nexus/store-api-standin.php" "$work/overlay/usr/src/wordpress/wp-content/mu-plugins/nexus-store-api-standin.php"
chmod -R a+rX,go-w "$work/overlay"
gcc -static -Os -s -o "$work/pause/pause" "$here/pause.c"
cp "$bin/coredns" "$work/coredns/coredns"
for layer in overlay pause coredns; do layer_tar "$work/$layer" "$work/$layer.tar"; done

cat >"$work/spec.json" <<JSON
{
  "layers": {"base": "$base", "overlay": "$work/overlay.tar", "pause": "$work/pause.tar", "coredns": "$work/coredns.tar"},
  "images": [
    {"tag": "nexus.local/pause:1", "layers": ["pause"], "config": {"Entrypoint": ["/pause"], "User": "65535:65535"}},
    {"tag": "nexus.local/coredns:1.15.0", "layers": ["coredns"], "config": {"Entrypoint": ["/coredns"], "User": "65532:65532", "ExposedPorts": {"53/udp": {}, "53/tcp": {}}}},
    {"tag": "nexus.local/mariadb:10.11", "layers": ["base", "overlay"],
     "config": {"Entrypoint": ["mariadb-entrypoint"], "Cmd": ["mariadbd"], "User": "999:999",
                "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "ExposedPorts": {"3306/tcp": {}}}},
    {"tag": "nexus.local/wordpress:6.1", "layers": ["base", "overlay"],
     "config": {"Entrypoint": ["wordpress-entrypoint"], "Cmd": ["apache2-foreground"], "User": "33:33", "WorkingDir": "/var/www/html",
                "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "ExposedPorts": {"80/tcp": {}}}},
    {"tag": "nexus.local/wordpress-cli:standin", "layers": ["base", "overlay"],
     "config": {"Cmd": ["wp", "--info"], "User": "33:33", "WorkingDir": "/var/www/html",
                "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}},
    {"tag": "nexus.local/netcheck:1", "layers": ["base", "overlay"],
     "config": {"Cmd": ["sleep", "infinity"], "User": "65534:65534",
                "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}}
  ]
}
JSON
python3 "$here/oci.py" "$out/images.oci.tar" "$work/spec.json" >"$out/images.digests"
say "images: $(wc -l <"$out/images.digests") in $out/images.oci.tar"
echo "$out/images.oci.tar"
