#!/usr/bin/env bash
# soak.sh runs the soak test (internal/soak) for 30 minutes, or for the
# duration given as the first argument, and prints the heap and goroutine
# series sampled every 10 s. It fails when either grows after warm-up.
#
#   scripts/soak.sh            # 30 minutes
#   scripts/soak.sh 5m         # shorter
#
# MariaDB takes a share of the load when SQLSIGHT_MYSQL_DSN is set, e.g.
# SQLSIGHT_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test'.
# SQLSIGHT_SOAK_PROFILE_DIR=dir writes heap profiles after warm-up and at the
# end (compare with go tool pprof -sample_index=inuse_space -base FIRST LAST).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
export SQLSIGHT_SOAK="${1:-30m}"
echo "soak: $SQLSIGHT_SOAK of mixed load${SQLSIGHT_MYSQL_DSN:+ (SQLite and MariaDB)}"
exec go test -run '^TestSoak$' -count=1 -v -timeout 0 ./internal/soak
