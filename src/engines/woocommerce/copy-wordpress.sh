#!/bin/sh
# Places what the WordPress image ships before anything else in the pod runs:
# core into the pod's own scratch volume, and the image's plugins and themes
# into the store's wp-content where the store has none of that name. Runs as
# the init container of the WordPress pod and of the setup Job's pod, in the
# WordPress image, as uid 33.
#
# Why not leave it to the image's entrypoint: the official image copies with
# `tar`, which as uid 33 exits 2 on the directory the kubelet makes (owned by
# root, setgid) after copying everything, so every pod start crashed once;
# and the setup Job must not start before the store's wp-content holds the
# image's plugins (an air-gapped cluster has no other source). The official
# entrypoint copies only when both index.php and wp-includes/version.php are
# missing, so once this has run it leaves /var/www/html alone.
#
# Only entries are copied, never a directory onto an existing one (no mode or
# time of a directory we do not own is touched). Each entry is copied under a
# hidden temporary name and renamed into place, so a copy cut short leaves no
# half entry under the real name, and the two pods that may run this at once
# on the same wp-content (the Job's and WordPress's) each end with one whole
# copy: the second rename finds the entry there and drops its own. WordPress
# ignores hidden entries in plugins/ and themes/.
set -eu

SOURCE=${WORDPRESS_SOURCE:-/usr/src/wordpress}
TARGET=${WP_PATH:-/var/www/html}
TERMINATION_LOG=${TERMINATION_LOG:-/dev/termination-log}
# Unique per pod (a pod's hostname is its name): the two pods never share a
# temporary name.
mark=".nexus-copy-${POD_NAME:-$(cat /proc/sys/kernel/hostname)}-"

if [ ! -f "$SOURCE/wp-load.php" ] || [ ! -f "$SOURCE/wp-includes/version.php" ]; then
	echo "setup step wordpress-core failed: the WordPress image has no WordPress core in $SOURCE" | tee "$TERMINATION_LOG" >&2
	exit 1
fi

# place FROM DIR NAME: copy FROM to DIR/NAME unless DIR/NAME exists.
place() {
	[ -e "$2/$3" ] && return 0
	rm -rf "${2:?}/$mark$3"
	cp -R "$1" "$2/$mark$3"
	# -T: never move into an entry another pod placed meanwhile.
	if ! mv -T "$2/$mark$3" "$2/$3" 2>/dev/null; then
		rm -rf "${2:?}/$mark$3"
		[ -e "$2/$3" ] || {
			echo "could not place $2/$3" >&2
			exit 1
		}
	fi
}

# entries DIR: the entries of DIR, hidden ones included, one per line.
entries() {
	for entry in "$1"/* "$1"/.[!.]* "$1"/..?*; do
		[ -e "$entry" ] && printf '%s\n' "${entry##*/}"
	done
	return 0
}

# Core: every entry but wp-content (the store's own volume). Version last, as
# the entrypoint takes it as the sign that core is complete.
entries "$SOURCE" | while IFS= read -r name; do
	case $name in wp-content | wp-includes) continue ;; esac
	place "$SOURCE/$name" "$TARGET" "$name"
done
place "$SOURCE/wp-includes" "$TARGET" wp-includes

# wp-content: its top-level files and folders, then each plugin and theme.
mkdir -p "$TARGET/wp-content"
entries "$SOURCE/wp-content" | while IFS= read -r part; do
	if [ -d "$SOURCE/wp-content/$part" ] && [ ! -L "$SOURCE/wp-content/$part" ]; then
		mkdir -p "$TARGET/wp-content/$part"
		entries "$SOURCE/wp-content/$part" | while IFS= read -r name; do
			place "$SOURCE/wp-content/$part/$name" "$TARGET/wp-content/$part" "$name"
		done
	else
		place "$SOURCE/wp-content/$part" "$TARGET/wp-content" "$part"
	fi
done
mkdir -p "$TARGET/wp-content/uploads"
echo "nexus: WordPress core and the image's plugins and themes are in place"
