#!/usr/bin/python3
"""Prototype of issue 16's "full logistic regression" route (kept for the record).

For each outer fold (example i in fold i % 5, after quality.c's --seed
shuffle), learns the log-odds lexicon with `speechwatch learn` on the other
folds, fits an L2-regularised, class-balanced multinomial logistic regression
(Debian's python3-sklearn, no intercept: the engine has no per-theme bias;
"Other" is the no-theme class, its logit is subtracted so that it is 0) over
every stemmed feature seen in >= 2 training examples, and scores the held-out
examples with theme files whose weights are lexicon + ALPHA x LR. Scoring
emulates analyze/themes/themes_score.c for sentences (longest match per
theme, contained hits dropped, k-th occurrence 1/k, length normalisation and
squash); on fold 0 it agrees with `speechwatch classify --themes` on 9,008
of 9,009 theme scores. Per-theme thresholds (best-theme rule) and, with
several ALPHA, the alpha come from a 5-fold cross-validation inside the
training folds, as in learn_cv.c; the outer folds are only scored.

Features: `uni` (stemmed unigrams) or `bi` (unigrams and bigrams; a bigram's
phrase weight is its own plus its two words', because the engine drops the
words' hits inside a matched bigram). CAP keeps each theme's CAP largest
|LR weights| (0: all).

usage: lr_ensemble.py CORPUS.jsonl uni|bi C ALPHA[,ALPHA...] SEED[,SEED...] [CAP[,CAP...]]
Environment: SPEECHWATCH (default build/speechwatch). Takes minutes.
"""
import collections
import ctypes
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import unicodedata

import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

IGN = "Other"
BIN = os.environ.get("SPEECHWATCH", "build/speechwatch")
TOK = re.compile(r"[^\W_]+")  # text.c: runs of letters, digits and marks

_sb = ctypes.CDLL("libstemmer.so.0d")  # the engine's Snowball stemmers
_sb.sb_stemmer_new.restype = ctypes.c_void_p
_sb.sb_stemmer_new.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
_sb.sb_stemmer_stem.restype = ctypes.c_void_p
_sb.sb_stemmer_stem.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
_sb.sb_stemmer_length.argtypes = [ctypes.c_void_p]
_EN = _sb.sb_stemmer_new(b"english", b"UTF_8")
_stems = {}


def stem(w):
    if w not in _stems:
        b = w.encode()
        p = _sb.sb_stemmer_stem(_EN, b, len(b))
        _stems[w] = ctypes.string_at(p, _sb.sb_stemmer_length(_EN)).decode()
    return _stems[w]


def stems(text):
    return [stem(w) for w in TOK.findall(unicodedata.normalize("NFKC", text).casefold())]


def shuffle(v, seed):
    """quality.c's --seed: Fisher-Yates with the same LCG."""
    x, v = seed, list(v)
    for i in range(len(v), 1, -1):
        x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        j = (x >> 33) % i
        v[i - 1], v[j] = v[j], v[i - 1]
    return v


def features(st, bigrams):
    return list(st) + (list(zip(st, st[1:])) if bigrams else [])


def fit_lr(exs, idx, c, bigrams):
    """Per theme {feature: weight}, Other's logit subtracted; bigrams folded."""
    cnt = collections.Counter()
    for i in idx:
        cnt.update(set(features(exs[i]["st"], bigrams)))
    fl = sorted((f for f, n in cnt.items() if n >= 2), key=str)
    fi = {f: k for k, f in enumerate(fl)}
    rows, cols, vals = [], [], []
    for r, i in enumerate(idx):
        seen = collections.Counter()
        for f in features(exs[i]["st"], bigrams):
            if f in fi:
                seen[f] += 1
                rows.append(r), cols.append(fi[f]), vals.append(1.0 / seen[f])
    x = sp.csr_matrix((vals, (rows, cols)), shape=(len(idx), len(fl)))
    m = LogisticRegression(C=c, max_iter=3000, class_weight="balanced", fit_intercept=False)
    m.fit(x, [exs[i]["lab"] for i in idx])
    cls = list(m.classes_)
    w = m.coef_ - m.coef_[cls.index(IGN)]
    out = {}
    for k, lab in enumerate(cls):
        if lab == IGN:
            continue
        t = {f: w[k, j] for j, f in enumerate(fl)}
        for f in fl:
            if not isinstance(f, str):
                t[f] += t.get(f[0], 0) + t.get(f[1], 0)
        out[lab] = t
    return out


def learn_lex(exs, idx):
    """The product's lexicon: `speechwatch learn` on these examples, parsed."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for i in idx:
            e = exs[i]
            f.write(json.dumps({"id": e["id"], "text": e["text"], "labels": e["labels"]}) + "\n")
    txt = subprocess.run([BIN, "learn", f.name, "--ignore-label", IGN],
                         capture_output=True, text=True, check=True).stdout
    os.unlink(f.name)
    themes, cur = {}, None
    for line in txt.splitlines():
        key, _, val = (s.strip() for s in line.partition("="))
        if key == "label":
            cur = val
            themes[cur] = {}
        elif key == "phrase" and cur:
            w, words = val.split(" ", 1)
            st = tuple(stems(words))
            themes[cur][st[0] if len(st) == 1 else st] = float(w)
    return themes


def combine(lex, lr, alpha, cap, labels):
    out = {}
    for t in labels:
        lx, r = lex.get(t, {}), lr.get(t, {})
        if cap:
            r = dict(sorted(r.items(), key=lambda kv: -abs(kv[1]))[:cap])
        w = {}
        for f in set(lx) | set(r):
            # a bigram of one side swallows the other side's word hits
            sw = (lambda d: d.get(f[0], 0) + d.get(f[1], 0)) if not isinstance(f, str) else (lambda d: 0)
            w[f] = lx.get(f, sw(lx)) + alpha * r.get(f, sw(r))
        out[t] = w
    return out


def score_theme(st, ph):
    """themes_score.c on one sentence: e, contained hits dropped, 1/k."""
    hits, cov = [], [False] * len(st)
    for i in range(len(st) - 1):
        if (st[i], st[i + 1]) in ph:
            hits.append((i, (st[i], st[i + 1])))
            cov[i] = cov[i + 1] = True
    hits += [(i, w) for i, w in enumerate(st) if not cov[i] and w in ph]
    hits.sort(key=lambda h: h[0])
    seen, e = collections.Counter(), 0.0
    for _, f in hits:
        seen[f] += 1
        e += ph[f] / seen[f]
    d = e / math.sqrt(max(len(st), 100.0) / 400.0)
    return 1 - math.exp(-d / 10) if d > 0 else 0.0


def top(exs, idx, themes):
    """(gold, best theme, its score) per example."""
    out = []
    for i in idx:
        sc = {t: score_theme(exs[i]["st"], ph) for t, ph in themes.items()}
        t = max(sc, key=sc.get)
        out.append((exs[i]["lab"], t, sc[t]))
    return out


def thresholds(res, labels):
    """learn_cv.c's single-label rule: per theme, the best F1 where it is top."""
    thr = {}
    for t in labels:
        ngold = sum(g == t for g, _, _ in res)
        cand = sorted(((s, g == t) for g, tt, s in res if tt == t and s > 0), reverse=True)
        best, tp, fp = 0, 0, 0
        for k, (s, ok) in enumerate(cand):
            tp, fp = tp + ok, fp + (not ok)
            if k + 1 < len(cand) and cand[k + 1][0] == s:
                continue
            if tp and 2 * tp / (tp + fp + ngold) > best:
                best, thr[t] = 2 * tp / (tp + fp + ngold), s
    med = sorted(thr.values())[len(thr) // 2] if thr else 0.3
    return {t: thr.get(t, med) for t in labels}


def counts(res, thr, labels):
    c = {t: [0, 0, 0] for t in labels}
    for g, t, s in res:
        p = t if s > 0 and s >= thr[t] else None
        if p:
            c[p][0 if p == g else 1] += 1
        if g != IGN and p != g:
            c[g][2] += 1
    return c


def f1s(c):
    f = lambda tp, fp, fn: 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    tp, fp, fn = (sum(v[k] for v in c.values()) for k in range(3))
    mac = [f(*v) for v in c.values() if v[0] + v[2]]
    return f(tp, fp, fn), sum(mac) / len(mac)


def add(a, b):
    for t in b:
        a[t] = [x + y for x, y in zip(a.get(t, [0, 0, 0]), b[t])]


def outer_fold(exs, train, test, args, labels, tot, chosen):
    mode, c, alphas, caps = args
    inner = []
    for g in range(5):
        itr = [train[k] for k in range(len(train)) if k % 5 != g]
        ite = [train[k] for k in range(len(train)) if k % 5 == g]
        inner.append((ite, learn_lex(exs, itr), fit_lr(exs, itr, c, mode == "bi")))
    lex, lr = learn_lex(exs, train), fit_lr(exs, train, c, mode == "bi")
    for cap in caps:
        best = None
        for a in alphas:
            res = [r for ite, il, ir in inner for r in top(exs, ite, combine(il, ir, a, cap, labels))]
            thr = thresholds(res, labels)
            inner_f = sum(f1s(counts(res, thr, labels))) / 2
            cnt = counts(top(exs, test, combine(lex, lr, a, cap, labels)), thr, labels)
            add(tot.setdefault((a, cap), {}), cnt)
            if best is None or inner_f > best[0]:
                best = (inner_f, a, cnt)
        add(chosen.setdefault(cap, ({}, []))[0], best[2])
        chosen[cap][1].append(best[1])


def main(argv):
    if len(argv) < 6:
        sys.exit(__doc__.strip().splitlines()[-2])
    exs0 = [json.loads(line) for line in open(argv[1])]
    for e in exs0:
        e["st"], e["lab"] = stems(e["text"]), e["labels"][0]
    labels = sorted({e["lab"] for e in exs0} - {IGN})
    args = (argv[2], float(argv[3]), [float(a) for a in argv[4].split(",")],
            [int(k) for k in (argv[6] if len(argv) > 6 else "0").split(",")])
    for seed in (int(s) for s in argv[5].split(",")):
        exs = shuffle(exs0, seed) if seed else exs0
        tot, chosen = {}, {}
        for f in range(5):
            train = [i for i in range(len(exs)) if i % 5 != f]
            test = [i for i in range(len(exs)) if i % 5 == f]
            outer_fold(exs, train, test, args, labels, tot, chosen)
        for (a, cap), cnt in tot.items():
            print("%s C=%g seed=%d cap=%d alpha=%g: micro-F1 %.3f macro-F1 %.3f"
                  % ((args[0], args[1], seed, cap, a) + f1s(cnt)), flush=True)
        for cap, (cnt, picks) in chosen.items():
            print("%s C=%g seed=%d cap=%d alpha by inner CV %s: micro-F1 %.3f macro-F1 %.3f"
                  % ((args[0], args[1], seed, cap, picks) + f1s(cnt)), flush=True)


if __name__ == "__main__":
    main(sys.argv)
