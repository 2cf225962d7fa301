#!/usr/bin/python3
"""TF-IDF + logistic-regression reference for bench/themes-quality.

Same folds (example i is in fold i % K), same rule and same metric as
quality.c: single-label data, the model's best class is the prediction,
labels given with --ignore (e.g. Other) mean "no theme" and count only as
negatives; macro-F1 averages the labels that have gold examples.
Needs Debian's python3-sklearn (a bench, run by hand; not part of the product
or of make check).

usage: baseline.py CORPUS.jsonl [--folds K] [--ignore LABEL]... [--per-label]
"""
import json
import sys
import time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

# (ngram range, C, class weight): sklearn's defaults first, then the settings
# that did best on the themes-dev folds (chosen on the test folds, so the
# reference is, if anything, optimistic).
CONFIGS = [
    ((1, 1), 1.0, None),
    ((1, 1), 3.0, None),
    ((1, 1), 10.0, None),
    ((1, 1), 1.0, "balanced"),
    ((1, 1), 3.0, "balanced"),
    ((1, 1), 10.0, "balanced"),
    ((1, 2), 10.0, "balanced"),
]


def parse_args(argv):
    path, folds, ignore, per_label = None, 5, set(), False
    i = 1
    while i < len(argv):
        if argv[i] == "--folds" and i + 1 < len(argv):
            folds = int(argv[i + 1])
            i += 1
        elif argv[i] == "--ignore" and i + 1 < len(argv):
            ignore.add(argv[i + 1])
            i += 1
        elif argv[i] == "--per-label":
            per_label = True
        else:
            path = argv[i]
        i += 1
    if not path or folds < 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    return path, folds, ignore, per_label


def f1(tp, fp, fn):
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def cross_validate(texts, labels, folds, ignore, config):
    ngram, c, weight = config
    counts = {}  # label -> [tp, fp, fn]
    for f in range(folds):
        train = [i for i in range(len(texts)) if i % folds != f]
        test = [i for i in range(len(texts)) if i % folds == f]
        vec = TfidfVectorizer(ngram_range=ngram, sublinear_tf=True)
        x = vec.fit_transform([texts[i] for i in train])
        model = LogisticRegression(C=c, max_iter=2000, class_weight=weight)
        model.fit(x, [labels[i] for i in train])
        for i, p in zip(test, model.predict(vec.transform([texts[i] for i in test]))):
            gold = labels[i]
            if p not in ignore:
                counts.setdefault(p, [0, 0, 0])[0 if p == gold else 1] += 1
            if gold not in ignore and p != gold:
                counts.setdefault(gold, [0, 0, 0])[2] += 1
    return counts


def report(config, counts, per_label):
    tp = sum(c[0] for c in counts.values())
    fp = sum(c[1] for c in counts.values())
    fn = sum(c[2] for c in counts.values())
    gold = [c for c in counts.values() if c[0] + c[2] > 0]
    macro = sum(f1(*c) for c in gold) / len(gold) if gold else 0.0
    ngram, c, weight = config
    print(f"tfidf ngram {ngram[0]}-{ngram[1]} C {c:<4g} class_weight {str(weight):8}  "
          f"micro-F1 {f1(tp, fp, fn):.3f}  macro-F1 {macro:.3f}  ({len(gold)} labels)")
    if per_label:
        for label in sorted(counts):
            t, p, n = counts[label]
            print(f"  {label:28} F1 {f1(t, p, n):.3f}  tp {t:4} fp {p:4} fn {n:4}")


def main():
    path, folds, ignore, per_label = parse_args(sys.argv)
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    rows = [r for r in rows if isinstance(r.get("labels"), list) and len(r["labels"]) == 1]
    texts = [r["text"] for r in rows]
    labels = [r["labels"][0] for r in rows]
    print(f"{path}: {len(rows)} single-label examples, {folds}-fold cross-validation")
    start = time.process_time()
    for config in CONFIGS:
        report(config, cross_validate(texts, labels, folds, ignore, config), per_label)
    print(f"time {time.process_time() - start:.0f} s")


if __name__ == "__main__":
    main()
