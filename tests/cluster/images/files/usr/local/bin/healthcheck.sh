#!/bin/sh
# The database image's health check, as the official `mariadb` image names
# it: --connect (a TCP connection is accepted and answers), --innodb_initialized
# (InnoDB is up). Uses the local healthcheck user the entrypoint created.
set -eu
config=/var/lib/mysql/.my-healthcheck.cnf
[ -f "$config" ] || { echo "healthcheck: not initialised" >&2; exit 1; }
client() { mariadb --defaults-extra-file="$config" --protocol=tcp -h 127.0.0.1 --skip-column-names -e "$1"; }
[ $# -gt 0 ] || set -- --connect
for check; do
	case $check in
	--connect) client 'SELECT 1' >/dev/null ;;
	--innodb_initialized)
		[ "$(client "SELECT 1 FROM information_schema.ENGINES WHERE engine='InnoDB' AND support IN ('YES','DEFAULT')")" = 1 ] ;;
	*) echo "healthcheck: unknown check $check" >&2; exit 2 ;;
	esac
done
