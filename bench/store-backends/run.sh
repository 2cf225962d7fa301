#!/bin/sh
# Replays the store calls of N sources' poll cycles on SQLite (a temporary
# file), on PostgreSQL with one instance and with two (a throw-away server
# from tests/pgcluster.py, Unix socket), then EXPLAINs the hot statements
# on the PostgreSQL store the one-instance run filled. README.md: what it
# measures and what it does not.
# usage: bench/store-backends/run.sh [--sources N] [--items M] [--changed PCT] [--flush G] [--channels C]
set -e
cd "$(dirname "$0")/../.."
B=build/bench-store
make -s build/libspeechwatch.a
mkdir -p $B
LIBS="$(pkg-config --libs libcurl libxml-2.0 sqlite3 jansson inih libutf8proc libsystemd \
	libcrypto zlib libmicrohttpd poppler-glib libpq) -lev -lstemmer -lm"
cc -std=c11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -I. $(pkg-config --cflags libpq libxml-2.0) \
	bench/store-backends/store_bench.c build/libspeechwatch.a -o $B/store_bench $LIBS
PG="/usr/bin/python3 tests/pgcluster.py run --"
tmp=$(mktemp -d /tmp/sw-bench-store-XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "## SQLite, one instance ($tmp)"
$B/store_bench "$tmp/speechwatch.db" "$@"
echo
echo "## PostgreSQL, one instance; then EXPLAIN of the hot statements"
$PG sh bench/store-backends/explain.sh $B/store_bench "$@"
echo
echo "## PostgreSQL, two instances (each half of the sources)"
$PG $B/store_bench postgresql: "$@" --instances 2
