#!/bin/sh
# Builds the library (in build/bench) and this bench, then runs it.
# usage: bench/themes-quality/run.sh [CORPUS.jsonl] [quality options]
set -e
cd "$(dirname "$0")/../.."
B=build/bench
make -s BUILD=$B OPT=-O2 LIB_SRC="$(ls common/*.c config/*.c analyze/themes/*.c) daemon/themeset.c" $B/libspeechwatch.a
cc -std=c11 -O2 -D_GNU_SOURCE -I. -Ibench/themes-quality bench/themes-quality/quality.c \
	$B/libspeechwatch.a -o $B/quality \
	$(pkg-config --libs inih jansson libutf8proc libxml-2.0) -lstemmer -lm
CORPUS=${1:-../shared/corpus/themes-dev/cap_sotu_dev.jsonl}
[ $# -gt 0 ] && shift
exec $B/quality "$CORPUS" --ignore Other "$@"
