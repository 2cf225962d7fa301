#!/bin/bash
# Issue 20's failover soak on the daemon: two `speechwatch run` instances on
# one throw-away PostgreSQL, one of them SIGKILLed at a random moment of a
# 10-s interval and started again, KILLS times (default 30), the server
# restarted under them once halfway, while every kill adds a statement to
# six lists. It is tests/e2e/test_instances.py's FailoverTest with more
# kills (CI runs 3). Prints the longest wait between two polls of a list.
#   bench/instances-failover/run.sh [KILLS] [SEED]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
[ -x build/speechwatch ] || make -j"$(nproc)" >/dev/null
export SPEECHWATCH_BIN="$ROOT/build/speechwatch" SW_ROOT="$ROOT" SW_BUILD=build
export SW_SHARED="$ROOT/../shared" SW_INSTANCE_KILLS="${1:-30}" SW_SEED="${2:-$RANDOM}"
echo "kills: $SW_INSTANCE_KILLS, seed: $SW_SEED" >&2
exec /usr/bin/python3 tests/e2e/test_instances.py FailoverTest
