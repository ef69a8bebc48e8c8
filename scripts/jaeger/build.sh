#!/bin/sh
# build.sh prints the path of the Jaeger v2 all-in-one binary pinned by this
# module, building it only when the cache has no binary for the current go.sum.
#
#   SQLSIGHT_JAEGER_BIN=$(scripts/jaeger/build.sh)
#
# The binary lives outside the repository, under
# ${SQLSIGHT_CACHE_DIR:-$HOME/.cache/sqlsight}/jaeger-<sha256(go.sum), 12 hex>,
# so a change of the pinned version (which changes go.sum) rebuilds it.
# Build output goes to stderr; stdout carries only the path.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${SQLSIGHT_CACHE_DIR:-${HOME:?HOME is not set}/.cache/sqlsight}
key=$(sha256sum "$here/go.sum" | cut -c1-12)
bin="$cache/jaeger-$key"

if [ ! -x "$bin" ]; then
	mkdir -p "$cache"
	tmp="$bin.tmp.$$"
	trap 'rm -f "$tmp"' EXIT
	echo "build.sh: building Jaeger into $bin (takes minutes)" >&2
	# go.sum is committed and -mod=readonly refuses anything it does not
	# list, so every download is verified against it. The checksum database
	# does not answer for many of Jaeger's dependencies, hence GOSUMDB=off:
	# it is never needed to add entries here.
	(
		cd "$here"
		GOFLAGS=-mod=readonly GOSUMDB=off CGO_ENABLED=0 \
			go build -trimpath -ldflags='-s -w' -o "$tmp" \
			github.com/jaegertracing/jaeger/cmd/jaeger
	) >&2
	# Rename is atomic: concurrent runs never see a half-written binary.
	mv -f "$tmp" "$bin"
fi

echo "$bin"
