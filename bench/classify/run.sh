#!/bin/sh
# Builds the library (in build/bench) and this bench, then runs it.
# usage: bench/classify/run.sh [--pack FILE] [--text FILE] [--mb N] [--chunk BYTES] [--only pack|gen] [--dump FILE]
set -e
cd "$(dirname "$0")/../.."
B=build/bench
make -s BUILD=$B OPT=-O2 LIB_SRC="$(ls common/*.c config/*.c analyze/themes/*.c) daemon/themeset.c" $B/libspeechwatch.a
cc -std=c11 -O2 -D_GNU_SOURCE -I. -Ibench/themes-quality bench/classify/classify_bench.c \
	$B/libspeechwatch.a -o $B/classify_bench \
	$(pkg-config --libs inih jansson libutf8proc libxml-2.0) -lstemmer -lm
exec $B/classify_bench "$@"
