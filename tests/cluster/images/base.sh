#!/bin/sh
# Runs inside the chroot of the images' Debian base (see build.sh): makes the
# packaged software honour the official images' contracts where the
# packages differ, and drops what a container never uses.
set -eu

# The official mariadb image's mysql user is uid/gid 999 (pods set it).
old_uid=$(id -u mysql)
old_gid=$(id -g mysql)
groupmod -g 999 mysql
usermod -u 999 -g 999 mysql
find / -xdev \( -uid "$old_uid" -o -gid "$old_gid" \) -exec chown -h mysql:mysql {} +
# Debian's postinst made system tables: the entrypoint makes them per store.
rm -rf /var/lib/mysql && mkdir -m 0755 /var/lib/mysql && chown mysql:mysql /var/lib/mysql
cat >/etc/mysql/mariadb.conf.d/99-image.cnf <<'CNF'
[mariadbd]
bind-address = 0.0.0.0
skip-name-resolve
datadir = /var/lib/mysql
socket = /run/mysqld/mysqld.sock
pid-file = /run/mysqld/mysqld.pid
[client-server]
socket = /run/mysqld/mysqld.sock
CNF

# WordPress core where the official image keeps it, self-contained (Debian's
# package links into other packages and reads /etc/wordpress).
cp -rL /usr/share/wordpress /usr/src/wordpress
# Debian ships its own wp-config.php (reads /etc/wordpress) and a commented-out
# .htaccess: the entrypoint writes both.
rm -f /usr/src/wordpress/wp-config.php /usr/src/wordpress/.htaccess
chown -R www-data:www-data /usr/src/wordpress

# Apache: the document root takes .htaccess (permalinks), logs go to the
# container's output, no Debian welcome page.
a2enmod rewrite >/dev/null
cat >/etc/apache2/conf-available/nexus-image.conf <<'CONF'
ServerName localhost
<Directory /var/www/html>
	AllowOverride All
</Directory>
CONF
a2enconf nexus-image >/dev/null
# A non-root Apache cannot reopen the container's output (/dev/stdout is a
# FIFO of root's under containerd): log through a pipe to a child that keeps
# the output Apache started with.
# shellcheck disable=SC2016 # ${APACHE_LOG_DIR} is Apache's variable
sed -i -e 's#^ErrorLog .*#ErrorLog "|/bin/cat"#' -e 's#^\(\s*\)ErrorLog .*#\1ErrorLog "|/bin/cat"#' \
	-e 's#^\(\s*\)CustomLog .*#\1CustomLog "|/bin/cat" combined#' \
	/etc/apache2/apache2.conf /etc/apache2/sites-available/000-default.conf
a2disconf other-vhosts-access-log >/dev/null
rm -rf /var/www/html && mkdir -p /var/www/html && chown www-data:www-data /var/www/html

# What differs from one build to the next: logs, ldconfig's cache of file
# times, and the day each user was created (shadow's last-change field).
rm -rf /var/cache/apt/* /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* /usr/share/info/* \
	/var/log/apt /var/log/dpkg.log /var/log/alternatives.log /var/log/bootstrap.log \
	/var/cache/ldconfig/aux-cache /var/cache/debconf/*-old /var/lib/dpkg/*-old /etc/shadow- /etc/gshadow- \
	/etc/passwd- /etc/group-
sed -i -E 's/^([^:]*:[^:]*:)[0-9]*:/\1:/' /etc/shadow
