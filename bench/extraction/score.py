#!/usr/bin/env python3
"""Scores extracted article bodies against a ground truth.

The metric of the article-extraction benchmark (see the corpus README):
tokens are \\w+ matches; a text is the multiset of its 4-token shingles (a
text of fewer than 4 tokens is one shingle of all of them); per page, the
multiset overlap / extra / missing counts are normalised by their sum; P and
R are the means of the per-page precision and recall, F1 = 2PR/(P+R);
accuracy is the share of pages whose token sequence equals the truth's.

usage: score.py GROUND_TRUTH.json PREDICTIONS.json [--worst N]
"""
import json
import re
import sys
from collections import Counter

TOKEN = re.compile(r"\w+", re.UNICODE)
N = 4


def tokens(text):
    return TOKEN.findall(text or "")


def shingles(toks):
    if len(toks) < N:
        return Counter([tuple(toks)]) if toks else Counter()
    return Counter(tuple(toks[i:i + N]) for i in range(len(toks) - N + 1))


def page_counts(truth, pred):
    t, p = shingles(tokens(truth)), shingles(tokens(pred))
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s else (0.0, 0.0, 0.0)


def ratio(a, b, other):
    if b == other == 0:
        return 1.0
    if a == b == 0:
        return 0.0
    return a / (a + b)


def main():
    args = sys.argv[1:]
    worst = 8
    if "--worst" in args:
        i = args.index("--worst")
        worst = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    with open(args[0], encoding="utf-8") as f:
        truth = json.load(f)
    with open(args[1], encoding="utf-8") as f:
        pred = json.load(f)
    rows = []
    for key, t in truth.items():
        body = t.get("articleBody", "")
        guess = pred.get(key, {}).get("articleBody", "")
        tp, fp, fn = page_counts(body, guess)
        p = ratio(tp, fp, fn) if tp + fp > 0 else None
        r = ratio(tp, fn, fp) if tp + fn > 0 else None
        exact = tokens(body) == tokens(guess)
        rows.append((key, p, r, exact, t.get("url", "")))
    ps = [r[1] for r in rows if r[1] is not None]
    rs = [r[2] for r in rows if r[2] is not None]
    prec = sum(ps) / len(ps) if ps else 0.0
    rec = sum(rs) / len(rs) if rs else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    acc = sum(r[3] for r in rows) / len(rows)
    print(f"pages {len(rows)}  F1 {f1:.3f}  P {prec:.3f}  R {rec:.3f}  accuracy {acc:.3f}")
    rows.sort(key=lambda r: min(r[1] or 0, r[2] or 0))
    for key, p, r, _, url in rows[:worst]:
        print(f"  P {p or 0:.3f} R {r or 0:.3f}  {key[:12]}  {url[:70]}")


if __name__ == "__main__":
    main()
