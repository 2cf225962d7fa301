#!/bin/bash
# Builds the parallel corpus of bench/themes-real into OUT_DIR (default
# build/parallel) from snapshots of the four public repositories it is cut
# from. The texts are not committed: they belong to their publishers (see
# README.md), so every checkout rebuilds them from the sources.
#
# usage: build.sh [OUT_DIR]
#   MIRROR (default /work/.mirror) holds one bare git directory per source,
#   MIRROR/<owner>+<name>/repo, as the tool library's `fetch` leaves them, or
#   as `git clone --bare https://github.com/<owner>/<name> MIRROR/<owner>+<name>/repo`
#   makes them. A missing source is reported and left out; exit 1 if none built.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out=${1:-$root/build/parallel}
mirror=${MIRROR:-/work/.mirror}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# export REPO COMMIT DEST PATH...: the paths of one commit of a mirrored repository
export_paths() {
	local name=$1 repo=$mirror/$1/repo commit=$2 dest=$3
	shift 3
	if ! git --git-dir="$repo" cat-file -e "$commit^{commit}" 2>/dev/null; then
		echo "build.sh: $1 at $commit not found under $mirror: left out" >&2
		return 1
	fi
	mkdir -p "$dest"
	# a snapshot may lack its largest blobs: git names each one it walks
	# past even outside the paths asked for, so only a missing path counts
	git --git-dir="$repo" archive "$commit" "$@" 2>/dev/null | tar -x -C "$dest"
	for p in "$@"; do
		[ -e "$dest/$p" ] || {
			echo "build.sh: $name: $p missing from the snapshot: left out" >&2
			return 1
		}
	done
}

mkdir -p "$out"
rm -f "$out/index.json"
built=0
if export_paths eric-muller+udhr f93dd614154c47fc4b85ec03d8d6f1abe97869ef "$tmp/udhr" \
	data/udhr/udhr_eng.xml data/udhr/udhr_fra.xml data/udhr/udhr_spa.xml \
	data/udhr/udhr_rus.xml data/udhr/udhr_cmn_hans.xml data/udhr/udhr_arb.xml; then
	python3 "$here/make_udhr.py" "$tmp/udhr/data/udhr" "$out" && built=$((built + 1))
fi
if export_paths open-sdg+sdg-translations 0cda5858 "$tmp/sdg" translations; then
	python3 "$here/make_sdg.py" "$tmp/sdg/translations" "$out" && built=$((built + 1))
fi
if export_paths mjlaali+europarl a796a50df6b8842b27cffeb250d92625055a41b3 "$tmp/ep" \
	europarl.uima/resources/sample; then
	python3 "$here/make_europarl.py" "$tmp/ep/europarl.uima/resources/sample" "$out" &&
		built=$((built + 1))
fi
canlaw=$(sed -n 's/^ *"\(eng\/[^"]*\.xml\)", "\(fra\/[^"]*\.xml\)".*/\1 \2/p' "$here/make_canlaw.py")
# shellcheck disable=SC2086 # one path per word
if export_paths justicecanada+laws-lois-xml d6853c4af2ae0b7ab8c205a0e95ee734b9945c31 \
	"$tmp/canlaw" $canlaw; then
	python3 "$here/make_canlaw.py" "$tmp/canlaw" "$out" && built=$((built + 1))
fi
echo "build.sh: $built of 4 sources built into $out"
[ "$built" -gt 0 ]
