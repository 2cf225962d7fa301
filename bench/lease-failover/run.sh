#!/bin/bash
# The lease failover soak (tests/unit/test_store_pg_failover.c) run longer:
# KILLS SIGKILLs of one of two instances at random moments (default 30),
# then the server restarted under two instances (a 3-s outage, then three
# quick crash restarts), on a throw-away PostgreSQL (tests/pgcluster.py).
# Prints the program's summary lines and appends them, with the date and
# commit, to bench/lease-failover/results.md.
# Usage: bench/lease-failover/run.sh [KILLS] [SEED]     (run `make tests` first)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KILLS=${1:-30}
SEED=${2:-$(date +%s)}
PROG=${SW_BUILD:-$ROOT/build}/tests/test_store_pg_failover
[ -x "$PROG" ] || make -C "$ROOT" -j2 "$PROG"
log=$(mktemp /tmp/sw-lease-failover.XXXXXX)
trap 'rm -f "$log"' EXIT
start=$SECONDS
rc=0
SW_TEST_PG=1 SW_FAILOVER_ITERATIONS=$KILLS SW_FAILOVER_SEED=$SEED CK_DEFAULT_TIMEOUT=600 \
	/usr/bin/python3 "$ROOT/tests/pgcluster.py" run -- "$PROG" >"$log" 2>&1 || rc=$?
summary=$(grep -E '^(failover|restart|quick restarts): ' "$log" || true)
if [ "$rc" -ne 0 ]; then
	tail -n 60 "$log"
	echo "FAILED (exit $rc) after $((SECONDS - start)) s, seed $SEED"
	exit 1
fi
echo "$summary"
{
	printf -- '- %s, commit %s, %d s wall:\n' "$(date -u +%FT%TZ)" \
		"$(git -C "$ROOT" rev-parse --short HEAD)" "$((SECONDS - start))"
	sed 's/^/  `/; s/$/`/' <<<"$summary"
} >>"$ROOT/bench/lease-failover/results.md"
