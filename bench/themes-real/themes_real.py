#!/usr/bin/python3
"""Theme quality on real statements and cross-language agreement.

Runs `speechwatch classify --themes PACK --json` on every saved statement page
of realpages-dev (expected.json -> articles) and on every text of a parallel
corpus (an index.json of statements, each with one plain-text file per
language), then prints:

- per theme TP / FP / FN, precision and recall, and the micro totals. A theme
  flagged on a page is a TP when it is in the page's `themes`, nothing when it
  is in its `acceptable_themes`, else an FP; an expected theme not flagged is
  an FN. PDF statements are skipped (classify reads HTML or text, not PDF).
- the cross-language agreement: for every group of parallel versions of one
  statement (articles.*.parallel, and the statements of the parallel corpus),
  whether the above-threshold theme SETS are equal in every language; the
  share of groups that agree, and each disagreement.

Standard library only. Exit status 0 when every classify call succeeded, 1
when one failed (its page is reported and left out), 2 on bad usage.

usage: themes_real.py [--binary PATH] [--pack PATH] [--corpus DIR]
                      [--parallel INDEX.json | --no-parallel] [--json] [--jobs N]
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SHARED = os.environ.get("SW_SHARED") or os.path.join(ROOT, "..", "shared")
DEFAULT_CORPUS = os.path.join(SHARED, "corpus", "realpages-dev")
# built by parallel/build.sh from the publishers' texts (not committed)
DEFAULT_PARALLEL = os.path.join(HERE, "..", "..", "build", "parallel", "index.json")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--binary", default=os.environ.get("SPEECHWATCH_BIN")
                   or os.path.join(ROOT, "build", "speechwatch"))
    p.add_argument("--pack", default=os.path.join(ROOT, "config", "themes", "diplomacy.conf"))
    p.add_argument("--corpus", default=DEFAULT_CORPUS,
                   help="a realpages-style directory: expected.json and site/")
    p.add_argument("--parallel", default=DEFAULT_PARALLEL,
                   help="index.json of a parallel corpus (default: build/parallel/index.json, which parallel/build.sh makes)")
    p.add_argument("--no-parallel", action="store_true", help="realpages pairs only")
    p.add_argument("--json", action="store_true", help="one JSON document instead of tables")
    p.add_argument("--jobs", type=int, default=2, help="classify processes at once")
    return p.parse_args(argv)


def classify(binary, pack, path):
    """((set of above-threshold theme ids, detected language), None) or
    (None, error text)."""
    try:
        r = subprocess.run([binary, "classify", "--themes", pack, "--json", path],
                           capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, str(e)
    if r.returncode != 0:
        return None, "exit %d: %s" % (r.returncode, r.stderr.decode("utf-8", "replace").strip())
    try:
        doc = json.loads(r.stdout)
    except ValueError as e:
        return None, "bad JSON: %s" % e
    return ({t["id"] for t in doc.get("themes", []) if t.get("above")}, doc.get("language")), None


def page_path(corpus, url_path):
    return os.path.join(corpus, "site", url_path.lstrip("/"))


def load_realpages(corpus):
    """(pages, groups): pages maps a statement path to its labels and file;
    groups lists the parallel versions ({lang: page key}) from `parallel`."""
    with open(os.path.join(corpus, "expected.json"), encoding="utf-8") as f:
        arts = json.load(f)["articles"]
    pages, skipped = {}, []
    for key, art in sorted(arts.items()):
        if art.get("kind") == "pdf":
            skipped.append(key)
            continue
        pages[key] = {"file": page_path(corpus, key), "lang": art.get("lang"),
                      "themes": set(art.get("themes") or []),
                      "acceptable": set(art.get("acceptable_themes") or [])}
    groups, seen = [], set()
    for key, art in sorted(arts.items()):
        other = art.get("parallel")
        if not other or key not in pages or other not in pages:
            continue
        pair = tuple(sorted((key, other)))
        if pair in seen:
            continue
        seen.add(pair)
        groups.append({"id": pair[0], "source": "realpages",
                       "versions": {"%s:%s" % (pages[k]["lang"], k): k for k in pair}})
    return pages, groups, skipped


def load_parallel(index_path):
    """Groups of the parallel corpus: {id, source, subject, versions {lang:
    file}}; source is the statement's "source" (udhr, sdg, europarl, ...),
    "parallel" when the index gives none; subject is optional free text."""
    with open(index_path, encoding="utf-8") as f:
        index = json.load(f)
    base = os.path.dirname(os.path.abspath(index_path))
    groups = []
    for st in index["statements"]:
        versions = {lang: os.path.join(base, rel) for lang, rel in sorted(st["files"].items())}
        groups.append({"id": st["id"], "source": st.get("source") or "parallel",
                       "subject": st.get("subject"), "versions": versions})
    return groups


def ratio(num, den):
    return round(num / den, 4) if den else None


def theme_scores(pages, flagged):
    """Per-theme and micro TP/FP/FN, precision and recall; `tolerated`
    counts flags on pages that list the theme as acceptable (neither way).

    pages: {key: {themes, acceptable}}; flagged: {key: set of flagged ids}
    (pages missing from flagged are left out). `wrong` lists the pages with a
    missed or a false theme, `right` counts the others."""
    per, wrong = {}, []
    for key, page in sorted(pages.items()):
        if key not in flagged:
            continue
        got = flagged[key]
        missed, false = page["themes"] - got, got - page["themes"] - page["acceptable"]
        if missed or false:
            wrong.append({"page": key, "missed": sorted(missed), "false": sorted(false)})
        for tid in page["themes"] | got:
            c = per.setdefault(tid, {"tp": 0, "fp": 0, "fn": 0, "tolerated": 0})
            if tid in page["themes"]:
                c["tp" if tid in got else "fn"] += 1
            else:
                c["tolerated" if tid in page["acceptable"] else "fp"] += 1
    micro = {k: sum(c[k] for c in per.values()) for k in ("tp", "fp", "fn", "tolerated")}
    for c in list(per.values()) + [micro]:
        c["precision"] = ratio(c["tp"], c["tp"] + c["fp"])
        c["recall"] = ratio(c["tp"], c["tp"] + c["fn"])
    return {"themes": dict(sorted(per.items())), "micro": micro,
            "right": sum(1 for k in pages if k in flagged) - len(wrong), "wrong": wrong}


def agreement(groups, flagged, detected=None):
    """Share of groups whose versions all flag the same theme set.

    groups: [{id, source, versions {name: key}}]; flagged: {key: set};
    detected: {key: language classify detected}, shown with a disagreement.
    A group with a version that could not be classified is left out.
    agree_nonempty counts the agreeing groups whose common set is not empty;
    by_source gives the same three counts per group source."""
    done, disagree, nonempty, by_source = 0, [], 0, {}
    for g in groups:
        sets = {name: flagged.get(key) for name, key in g["versions"].items()}
        if len(sets) < 2 or any(s is None for s in sets.values()):
            continue
        done += 1
        src = by_source.setdefault(g["source"], {"groups": 0, "agree": 0, "agree_nonempty": 0})
        src["groups"] += 1
        distinct = {frozenset(s) for s in sets.values()}
        if len(distinct) > 1:
            disagree.append({"id": g["id"], "source": g["source"],
                             "sets": {n: sorted(s) for n, s in sets.items()},
                             "detected": {n: (detected or {}).get(k)
                                          for n, k in g["versions"].items()}})
            continue
        src["agree"] += 1
        if distinct != {frozenset()}:
            nonempty += 1
            src["agree_nonempty"] += 1
    agreed = done - len(disagree)
    return {"groups": done, "agree": agreed, "agree_nonempty": nonempty,
            "share": ratio(agreed, done), "by_source": dict(sorted(by_source.items())),
            "disagreements": disagree}


def classify_all(args, files):
    """{file: (set, language)} for every file; errors as {file: message}."""
    flagged, errors = {}, {}
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        futs = {f: pool.submit(classify, args.binary, args.pack, f) for f in sorted(files)}
        for f, fut in futs.items():
            got, err = fut.result()
            if err is None:
                flagged[f] = got
            else:
                errors[f] = err
    return flagged, errors


def fmt(v):
    return "   -  " if v is None else "%6.3f" % v


def print_report(res):
    print("realpages: %d statement pages (%d PDF skipped), pack %s" %
          (res["pages"], len(res["skipped"]), res["pack"]))
    print("%-22s %4s %4s %4s %9s %6s  %s" %
          ("THEME", "TP", "FP", "FN", "PRECISION", "RECALL", "TOLERATED"))
    rows = list(res["scores"]["themes"].items()) + [("micro", res["scores"]["micro"])]
    for tid, c in rows:
        print("%-22s %4d %4d %4d    %s %s  %5d" % (tid, c["tp"], c["fp"], c["fn"],
                                                  fmt(c["precision"]), fmt(c["recall"]),
                                                  c["tolerated"]))
    sc = res["scores"]
    print("\nthemes right on %d of %d pages" % (sc["right"], sc["right"] + len(sc["wrong"])))
    for w in sc["wrong"]:
        print("  %s  missed: %s  false: %s" % (w["page"], ", ".join(w["missed"]) or "-",
                                              ", ".join(w["false"]) or "-"))
    a = res["agreement"]
    print("\nagreement: %d of %d parallel statements have the same theme set (%s), "
          "%d of them a non-empty one" %
          (a["agree"], a["groups"], "-" if a["share"] is None else "%.1f %%" % (100 * a["share"]),
           a["agree_nonempty"]))
    for name, c in a["by_source"].items():
        print("  %-10s %d of %d agree, %d on a non-empty set" %
              (name, c["agree"], c["groups"], c["agree_nonempty"]))
    for d in a["disagreements"]:
        print("  %s [%s]" % (d["id"], d["source"]))
        for name, s in d["sets"].items():
            print("    %-8s %-24s %s" % (name.split(":")[0], "(detected %s)" % d["detected"][name],
                                        ", ".join(s) or "(none)"))
    for f, err in sorted(res["errors"].items()):
        print("error: %s: %s" % (f, err), file=sys.stderr)


def run(args):
    pages, groups, skipped = load_realpages(args.corpus)
    par = []
    if not args.no_parallel and os.path.exists(args.parallel):
        par = load_parallel(args.parallel)
    elif not args.no_parallel:
        print("parallel corpus %s not found: build it with bench/themes-real/parallel/build.sh"
              % args.parallel, file=sys.stderr)
    files = {p["file"] for p in pages.values()}
    files |= {f for g in par for f in g["versions"].values()}
    by_file, errors = classify_all(args, files)
    keys = {k: p["file"] for k, p in pages.items()}
    keys.update({f: f for g in par for f in g["versions"].values()})
    flagged = {k: by_file[f][0] for k, f in keys.items() if f in by_file}
    detected = {k: by_file[f][1] for k, f in keys.items() if f in by_file}
    return {"pack": args.pack, "pages": len(pages), "skipped": skipped,
            "scores": theme_scores(pages, flagged),
            "agreement": agreement(groups + par, flagged, detected), "errors": errors}


def main(argv):
    args = parse_args(argv)
    if not os.path.exists(os.path.join(args.corpus, "expected.json")):
        print("themes_real: %s: no expected.json" % args.corpus, file=sys.stderr)
        return 2
    res = run(args)
    if args.json:
        res["skipped"] = sorted(res["skipped"])
        print(json.dumps(res, indent=1, ensure_ascii=False))
    else:
        print_report(res)
    return 1 if res["errors"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
