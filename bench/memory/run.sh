#!/bin/sh
# bench/memory: RSS of `speechwatch run` over time while statements keep
# arriving (issue 14, item 22). See bench/memory/README.md.
# Usage: bench/memory/run.sh [MINUTES [SOURCES [PERIOD_SECONDS [BIN]]]]
#   defaults: 16 minutes, 50 sources, a new statement per source every 30 s
#   PERIOD_SECONDS 0: no new statements (the control run)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MINUTES=${1:-16}
SOURCES=${2:-50}
PERIOD=${3:-30}
BIN=${4:-$ROOT/build/speechwatch}
[ -x "$BIN" ] || make -C "$ROOT" build/speechwatch >&2
exec python3 "$ROOT/bench/memory/rss.py" "$BIN" "$ROOT" "$MINUTES" "$SOURCES" "$PERIOD"
