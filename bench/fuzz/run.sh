#!/bin/sh
# Builds the library with ASan + UBSan (in build/fuzz) and the fuzzer, then runs it.
# usage: bench/fuzz/run.sh [fuzz options]        e.g. -s 1 -t 300 -o /tmp/fuzz-out
#        bench/fuzz/run.sh --replay FILE...
# The seeds are read in place from ../shared (SW_SHARED) and tests/fixtures.
set -e
cd "$(dirname "$0")/../.."
# PLAIN=1: no sanitizers, -O2 (build/fuzz-plain), for timing: ASan makes some linear
# work quadratic (its iconv interceptor checks the whole remaining input on every call).
if [ -n "$PLAIN" ]; then
	B=${BUILD:-build/fuzz-plain} SAN= OPT=-O2
else
	B=${BUILD:-build/fuzz} OPT=-O1
	SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
fi
rm -f $B/libspeechwatch.a # a LIB_SRC override may leave a stale archive
make -s BUILD=$B OPT=$OPT SAN="$SAN" LIB_SRC="$(ls common/*.c config/*.c analyze/*/*.c)" \
	$B/libspeechwatch.a
cc -std=c11 $OPT -g -Wall -Wextra -Werror -D_GNU_SOURCE $SAN -I. \
	$(pkg-config --cflags libxml-2.0) bench/fuzz/fuzz.c $B/libspeechwatch.a -o $B/fuzz \
	$(pkg-config --libs libcurl libxml-2.0 inih jansson libutf8proc) -lstemmer -lm
SHARED=${SW_SHARED:-../shared}
case "$1" in
--replay) exec $B/fuzz "$@" ;;
esac
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
case " $* " in
*" -C "*) exec nice $B/fuzz "$@" examples config/themes tests/fixtures/config ;;
esac
exec nice $B/fuzz "$@" "$SHARED/fixtures/site" "$SHARED/corpus/feeds" tests/fixtures
