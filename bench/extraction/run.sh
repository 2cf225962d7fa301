#!/bin/bash
# Builds bench/extraction/run against the library, extracts every page of a
# corpus in one process and scores the result.
#   bench/extraction/run.sh [CORPUS_DIR] [REPEAT]
# CORPUS_DIR defaults to ../shared/corpus/extraction-dev; REPEAT (default 1)
# extracts each page that many times for steadier timing.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${1:-$ROOT/../shared/corpus/extraction-dev}
REPEAT=${2:-1}
BUILD=${BUILD:-build/bench}
cd "$ROOT"
# LIB_SRC may be set to build only some modules (see the Makefile)
make -s BUILD="$BUILD" ${LIB_SRC:+LIB_SRC="$LIB_SRC"} "$BUILD/libspeechwatch.a"
PKGS="libxml-2.0 jansson libcurl zlib libutf8proc"
gcc -std=c11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -I. $(pkg-config --cflags $PKGS) \
	-o "$BUILD/bench-extraction" bench/extraction/run.c "$BUILD/libspeechwatch.a" \
	$(pkg-config --libs $PKGS) -lm
OUT="$BUILD/extraction-output.json"
start=$(date +%s.%N)
"$BUILD/bench-extraction" "$CORPUS" "$OUT" "$REPEAT"
end=$(date +%s.%N)
pages=$(ls "$CORPUS"/html/*.html.gz | wc -l)
awk -v s="$start" -v e="$end" -v n="$pages" -v r="$REPEAT" \
	'BEGIN { printf "whole process %.3f s, %.2f ms/page (reading and gunzip included)\n", e - s, (e - s) * 1000 / (n * r) }'
python3 bench/extraction/score.py "$CORPUS/ground-truth.json" "$OUT" --worst 10
