#!/usr/bin/env bash
# Counts the instructions one operation of a bench/ benchmark executes,
# per wrapper, under valgrind's callgrind: a measure that does not move
# with the machine's load, unlike ns/op.
#
# Usage: scripts/callgrind.sh 'BENCHMARK PATTERN' [wrappers...]
#   e.g. scripts/callgrind.sh '^BenchmarkFake$/^op=QueryRow$/^sampling=sampled$' raw otelsql sqlsight
#
# Each benchmark runs twice under callgrind, with -test.benchtime N1x and
# N2x (CALLGRIND_N1, CALLGRIND_N2; default 2000 and 10000); instructions per
# operation are (Ir(N2) - Ir(N1)) / (N2 - N1), which leaves out the set-up
# (opening the database, the SDK, the first run) that dividing Ir by N
# would spread over the operations. The garbage collector's cycles fall
# differently in the two runs; with fewer than a few thousand operations
# between them that moves a row by 10 % or more. GOMAXPROCS=1 and asyncpreemptoff keep
# callgrind (which serialises threads and chokes on the preemption signal)
# working; the benchmark's background goroutines (the batch span
# processor, the garbage collector) are counted, as in cpu-ns/op.
# BENCH_TEST=path reuses a test binary built with `go test -c`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pattern=$1
shift
wrappers=("$@")
[[ ${#wrappers[@]} -gt 0 ]] || wrappers=(raw otelsql sqlsight)
n1=${CALLGRIND_N1:-2000}
n2=${CALLGRIND_N2:-10000}
bin=${BENCH_TEST:-}
if [[ -z $bin ]]; then
	bin=$(mktemp -d)/bench.test
	(cd "$root/bench" && GOFLAGS="${GOFLAGS:-} -mod=mod" go test -c -o "$bin" .)
fi
cd "$root/bench"
ir() { # pattern, N
	GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		"$bin" -test.run '^$' -test.bench "$1" -test.benchtime "${2}x" 2>&1 | sed -n 's/.*Collected : //p'
}
for w in "${wrappers[@]}"; do
	p="$pattern/^wrapper=$w\$"
	a=$(ir "$p" "$n1")
	b=$(ir "$p" "$n2")
	echo "$p $(((b - a) / (n2 - n1))) instructions/op"
done
