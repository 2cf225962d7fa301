#!/bin/bash
# The issue-14 crash test run longer: tests/e2e/test_crash.py with many more
# SIGKILL moments (default 1000, in rounds of 40), against its slow and
# intermittently failing receiver. Prints the test's summary line
# ("crash: seed=... kills=... deliveries=... duplicates=... failed_answers=...")
# and appends it, with the date and commit, to bench/crash/results.md.
# Usage: bench/crash/run.sh [KILLS] [SEED]     (run `make` first)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KILLS=${1:-1000}
SEED=${2:-$(date +%s)}
ROUNDS=$(((KILLS + 39) / 40))
[ -x "$ROOT/build/speechwatch" ] || make -C "$ROOT" -j2 build/speechwatch
log=$(mktemp /tmp/sw-crash-bench.XXXXXX)
trap 'rm -f "$log"' EXIT
start=$SECONDS
rc=0
SPEECHWATCH_BIN="$ROOT/build/speechwatch" SW_ROOT="$ROOT" SW_SHARED="${SW_SHARED:-$ROOT/../shared}" \
	SW_CRASH_ITERATIONS=$KILLS SW_CRASH_ROUNDS=$ROUNDS SW_CRASH_SEED=$SEED \
	python3 "$ROOT/tests/e2e/test_crash.py" >"$log" 2>&1 || rc=$?
summary=$(grep '^crash: ' "$log" || true)
if [ "$rc" -ne 0 ]; then
	tail -n 80 "$log"
	echo "FAILED (exit $rc) after $((SECONDS - start)) s, seed $SEED"
	exit 1
fi
echo "$summary"
printf -- '- %s, commit %s, %d s wall: `%s`\n' "$(date -u +%FT%TZ)" \
	"$(git -C "$ROOT" rev-parse --short HEAD)" "$((SECONDS - start))" "$summary" \
	>>"$ROOT/bench/crash/results.md"
