#!/usr/bin/env bash
# Runs the bench/ module: sqlsight against the raw driver, sqlmw with a null
# interceptor and XSAM/otelsql, on the in-process fake driver and on loopback
# MariaDB, PostgreSQL and SQLite; then prints the benchstat comparison and
# the Markdown tables of BENCHMARKS.md (medians, overhead over raw, targets).
#
# Usage: scripts/bench.sh            full run (-count 6; 15–20 minutes on 2 cores)
#        BENCH_QUICK=1 scripts/bench.sh   smoke run: one short round (CI)
#
# Environment:
#   SQLSIGHT_MYSQL_DSN, SQLSIGHT_POSTGRES_DSN  real databases; their
#       benchmarks are skipped when unset, e.g.
#       SQLSIGHT_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test'
#       SQLSIGHT_POSTGRES_DSN='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
#   BENCH_COUNT       rounds (default 6; each round runs every benchmark once,
#                     so the wrappers alternate in time and share the noise)
#   BENCH_FAKE_TIME   -benchtime of the fake-driver benchmarks (default 300ms)
#   BENCH_REAL_TIME   -benchtime of the real-database benchmarks (default 1s)
#   BENCH_FILTER      -bench regexp (default: all)
#   BENCH_WRAPPERS    comma-separated wrappers to run besides raw, e.g.
#                     "sqlsight" to re-measure only sqlsight against raw
#   BENCH_OUT         output folder (default bench/results/<time>)
#   BENCH_PROFILE     set to also write cpu.pprof / mem.pprof per round
#   BENCH_BIG         set to also run BenchmarkBigStatement (the 480 KB,
#                     80,000-literal statement) once, -benchtime BENCH_BIG_TIME
#                     (default 3x)
#
# Raw results go to $BENCH_OUT/raw.txt (compare two runs with
# `cd bench && go tool benchstat -col /wrapper A/raw.txt B/raw.txt`); a full
# unfiltered run also updates bench/results/latest.txt.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/bench"

count=${BENCH_COUNT:-6}
fake_time=${BENCH_FAKE_TIME:-300ms}
real_time=${BENCH_REAL_TIME:-1s}
quick=${BENCH_QUICK:-}
if [[ -n $quick && $quick != 0 ]]; then
	count=1
	fake_time=${BENCH_FAKE_TIME:-20ms}
	real_time=${BENCH_REAL_TIME:-50x}
else
	quick=
fi
filter=${BENCH_FILTER:-.}
out=${BENCH_OUT:-$root/bench/results/$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$out"
raw=$out/raw.txt
: >"$raw"

# The library may have grown a dependency since bench/go.mod was last
# updated; -mod=mod resolves it from the library's own go.mod.
export GOFLAGS="${GOFLAGS:-} -mod=mod"

for key in SQLSIGHT_MYSQL_DSN SQLSIGHT_POSTGRES_DSN; do
	if [[ -z ${!key:-} ]]; then
		echo "note: $key is unset: its real-database benchmarks are skipped" >&2
	fi
done

{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- sqltrace internal resource explain 2>/dev/null || echo ' (library has uncommitted changes)')"
	echo "go: $(go version)"
	echo "kernel: $(uname -sr)"
	echo "cpu: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //') × $(nproc)"
	echo "memory: $(free -h 2>/dev/null | awk '/^Mem:/ {print $2}')"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
	echo "command: BENCH_COUNT=$count BENCH_FAKE_TIME=$fake_time BENCH_REAL_TIME=$real_time BENCH_FILTER='$filter' BENCH_WRAPPERS='${BENCH_WRAPPERS:-}' scripts/bench.sh"
} >"$out/machine.txt"
cat "$out/machine.txt" >&2

go test -c -o "$out/bench.test" .

# One round runs every selected benchmark once; rounds repeat so that a
# burst of background load hits every wrapper alike rather than one.
round() {
	local i=$1 prof=()
	if [[ -n ${BENCH_PROFILE:-} ]]; then
		prof=(-test.cpuprofile "$out/cpu-$i.pprof" -test.memprofile "$out/mem-$i.pprof")
	fi
	"$out/bench.test" -test.run '^$' -test.bench "$filter" -test.benchmem \
		-test.benchtime "$fake_time" -test.skip 'BenchmarkRealDB|BenchmarkBigStatement' "${prof[@]}" | tee -a "$raw" | grep -E '^(Benchmark|FAIL|panic|--- )' >&2 || true
	"$out/bench.test" -test.run '^$' -test.bench "$filter" -test.benchmem \
		-test.benchtime "$real_time" -test.skip 'BenchmarkFake|BenchmarkBigStatement' | tee -a "$raw" | grep -E '^(Benchmark|FAIL|panic|--- |    )' >&2 || true
}

start=$SECONDS
for i in $(seq 1 "$count"); do
	echo "== round $i of $count ($((SECONDS - start)) s so far, load $(cut -d' ' -f1 /proc/loadavg 2>/dev/null))" >&2
	round "$i"
done
if [[ -n ${BENCH_BIG:-} ]]; then
	# The 480 KB statement: a few executions per wrapper are enough.
	"$out/bench.test" -test.run '^$' -test.bench 'BenchmarkBigStatement' -test.benchmem \
		-test.benchtime "${BENCH_BIG_TIME:-3x}" | tee -a "$raw" | grep -E '^(Benchmark|FAIL|panic|--- )' >&2 || true
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" >>"$out/machine.txt"
echo "duration: $((SECONDS - start)) s" >>"$out/machine.txt"

if grep -qE '^(FAIL|panic|--- FAIL)' "$raw"; then
	echo "bench: a benchmark failed; see $raw" >&2
	exit 1
fi
if ! grep -q '^Benchmark' "$raw"; then
	echo "bench: no benchmark ran (filter '$filter')" >&2
	exit 1
fi

go tool benchstat -col /wrapper "$raw" >"$out/benchstat.txt"
go run ./cmd/benchtable "$raw" >"$out/table.md"

if [[ -z $quick && $filter == . && -z ${BENCH_WRAPPERS:-} ]]; then
	cp "$raw" "$root/bench/results/latest.txt"
fi

echo
echo "## benchstat (columns: wrappers; deltas against raw)"
cat "$out/benchstat.txt"
echo
echo "## tables for BENCHMARKS.md"
cat "$out/machine.txt"
echo
cat "$out/table.md"
echo "results in $out" >&2
