#!/bin/sh
# start.sh runs Jaeger v2 in the foreground with in-memory storage, every
# endpoint on 127.0.0.1: OTLP gRPC on 4317, the query API and UI on 16686
# (16685 for its gRPC API). Override the ports with
# SQLSIGHT_JAEGER_OTLP_GRPC_PORT, SQLSIGHT_JAEGER_QUERY_HTTP_PORT and
# SQLSIGHT_JAEGER_QUERY_GRPC_PORT. The binary is $SQLSIGHT_JAEGER_BIN, or
# the one build.sh builds. Extra arguments go to Jaeger.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
bin=${SQLSIGHT_JAEGER_BIN:-$("$here/build.sh")}
exec "$bin" --config "$here/config.yaml" "$@"
