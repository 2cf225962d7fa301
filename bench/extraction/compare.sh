#!/bin/bash
# Speed and quality of speechwatch's article_extract against readability-lxml
# on the same pages, in one invocation.
#   bench/extraction/compare.sh [ROUNDS] [REPEAT]
# ROUNDS (default 5) rounds, each running both sides back to back, the order
# alternating between rounds (the machine is shared: interleaving spreads its
# load over both sides). readability-lxml extracts every page REPEAT
# (default 3) times in one process, we SW_REPEAT times (default 8 x REPEAT,
# so that both sides run for about as long and see the same load). Prints
# both F1 scores, a line per round and the medians: pages/s, ms/page,
# whole-process wall and CPU (user + system) ms/page, peak RSS, the ratios.
#
# Environment: CORPUS (default ../shared/corpus/extraction-dev), BUILD
# (default build/bench), LIB_SRC (as for run.sh), PYTHON (default
# /usr/bin/python3, which needs Debian's python3-readability), SW_REPEAT,
# CALLGRIND=0 to skip the instruction counts of our side (valgrind),
# CALLGRIND_PY=1 to count readability's too (slow: several minutes).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${CORPUS:-$ROOT/../shared/corpus/extraction-dev}
ROUNDS=${1:-5}
REPEAT=${2:-3}
SW_REPEAT=${SW_REPEAT:-$((REPEAT * 8))}
BUILD=${BUILD:-build/bench}
PY=${PYTHON:-/usr/bin/python3}
CALLGRIND=${CALLGRIND:-1}
CALLGRIND_PY=${CALLGRIND_PY:-0}
HERE=bench/extraction
cd "$ROOT"

if ! "$PY" -c 'import readability' 2>/dev/null; then
	echo "readability-lxml not found for $PY: apt-get install python3-readability" >&2
	exit 2
fi
PAGES=$(ls "$CORPUS"/html/*.html.gz | wc -l)
RB_VERSION=$("$PY" -c 'from importlib.metadata import version; print(version("readability-lxml"))' 2>/dev/null || echo '?')
echo "corpus $CORPUS: $PAGES pages; $ROUNDS rounds, each page $SW_REPEAT (speechwatch) / $REPEAT (readability) times per round"
echo "readability-lxml $RB_VERSION, lxml $("$PY" -c 'import lxml.etree as e; print(e.__version__, "libxml2 %d.%d.%d" % e.LIBXML_VERSION)')"

# Builds bench-extraction and scores our output (run.sh), then readability's.
echo "== F1 on this run (score.py)"
printf 'speechwatch:      '
BUILD="$BUILD" bench/extraction/run.sh "$CORPUS" 1 | grep '^pages .* F1'
printf 'readability-lxml: '
"$PY" $HERE/compare-readability.py "$CORPUS" "$BUILD/readability-output.json" >/dev/null
python3 $HERE/score.py "$CORPUS/ground-truth.json" "$BUILD/readability-output.json" --worst 0

RES=$(mktemp)
trap 'rm -f "$RES" "$RES.line"' EXIT

now() { date +%s.%N; }

# Runs one side; prints "pages_per_s whole_ms_per_page cpu_ms_per_page
# peak_rss_mib". Timed pages/s comes from the program's own line ("pages N
# ... S s"), whole-process wall time from the clock around it, CPU time
# (user + system of the child) from bash's time.
side() {
	local start end cpu TIMEFORMAT='%U %S'

	start=$(now)
	if [ "$1" = sw ]; then
		cpu=$({ time "$BUILD/bench-extraction" "$CORPUS" "$BUILD/extraction-output.json" \
			"$SW_REPEAT" >"$RES.line"; } 2>&1)
	else
		cpu=$({ time "$PY" $HERE/compare-readability.py "$CORPUS" --repeat "$REPEAT" \
			--no-output >"$RES.line"; } 2>&1)
	fi
	end=$(now)
	echo "$(cat "$RES.line") $cpu" | awk -v s="$start" -v e="$end" '{
		n = $2
		for (i = 3; i < NF; i++) if ($(i + 1) == "s") { secs = $i; break }
		for (i = 1; i < NF; i++) if ($i == "RSS") rss = $(i + 1)
		printf "%.3f %.3f %.3f %.1f\n", n / secs, (e - s) * 1000 / n, ($(NF - 1) + $NF) * 1000 / n, rss
	}'
}

echo "== rounds (pages/s, whole-process wall and CPU ms/page, peak RSS)"
for r in $(seq 1 "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then
		a=$(side sw)
		b=$(side rb)
	else
		b=$(side rb)
		a=$(side sw)
	fi
	echo "$a $b" >>"$RES"
	echo "$r $a $b" | awk '{ printf "round %d: speechwatch %.1f pages/s %.2f ms %.2f cpu-ms %.1f MiB | readability %.1f pages/s %.2f ms %.2f cpu-ms %.1f MiB | ratio %.1fx\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $2 / $6 }'
done

echo "== medians over $ROUNDS rounds"
python3 - "$RES" <<'PYEOF'
import statistics
import sys

rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]


def med(f):
    return statistics.median(f(r) for r in rows)


for name, k in (("speechwatch     ", 0), ("readability-lxml", 4)):
    print(f"{name}  {med(lambda r: r[k]):6.1f} pages/s  {med(lambda r: 1000 / r[k]):6.2f} ms/page  "
          f"whole process {med(lambda r: r[k + 1]):6.2f} ms/page, CPU {med(lambda r: r[k + 2]):6.2f} "
          f"ms/page  peak RSS {max(r[k + 3] for r in rows):.1f} MiB")
print(f"ratios (medians of per-round ratios): throughput {med(lambda r: r[0] / r[4]):.1f}x, "
      f"whole-process wall {med(lambda r: r[5] / r[1]):.1f}x, "
      f"whole-process CPU {med(lambda r: r[6] / r[2]):.1f}x   (target 20x)")
PYEOF

# Instruction counts do not move with machine load. Ours: only inside
# page_parse, article_extract and xmlFreeDoc (what run.c times), one pass.
if [ "$CALLGRIND" != 0 ] && command -v valgrind >/dev/null; then
	echo "== callgrind instruction counts, one pass over the corpus"
	CG="$BUILD/callgrind.sw.out"
	valgrind --tool=callgrind --callgrind-out-file="$CG" --toggle-collect=page_parse \
		--toggle-collect=article_extract --toggle-collect=xmlFreeDoc \
		"$BUILD/bench-extraction" "$CORPUS" /dev/null 1 >/dev/null 2>&1
	total() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'; }
	callgrind_annotate --inclusive=yes "$CG" 2>/dev/null | awk -v n="$PAGES" '
		/PROGRAM TOTALS/ { gsub(",", "", $1); t = $1 }
		/:page_parse \[/ && !p { gsub(",", "", $1); p = $1 }
		/:article_extract \[/ && !x { gsub(",", "", $1); x = $1 }
		END { printf "speechwatch: %.1f M instructions/page (page_parse %.1f M, article_extract %.1f M, rest xmlFreeDoc)\n", t / n / 1e6, p / n / 1e6, x / n / 1e6 }'
	if [ "$CALLGRIND_PY" != 0 ]; then
		# whole process with 2 passes minus with 1 pass = one pass of Document/summary/title
		for k in 1 2; do
			valgrind --tool=callgrind --callgrind-out-file="$BUILD/callgrind.rb$k.out" \
				"$PY" $HERE/compare-readability.py "$CORPUS" --repeat $k --no-output >/dev/null 2>&1
		done
		awk -v a="$(total "$BUILD/callgrind.rb1.out")" -v b="$(total "$BUILD/callgrind.rb2.out")" \
			-v t="$(total "$CG")" -v n="$PAGES" \
			'BEGIN { printf "readability-lxml: %.1f M instructions/page; instruction ratio %.1fx\n", (b - a) / n / 1e6, (b - a) / t }'
	fi
fi
