#!/usr/bin/python3
"""Prototype for issue 16: expand each learned theme with WordNet relations.

Idea: 14 % of the labelled sentences match no phrase of any theme, because
their topic word was never (or once) seen in training. WordNet (Princeton
WordNet 3.0 as Debian's `wordnet-base` ships it: /usr/share/wordnet/data.*
and index.*) knows that "freeway" is a kind of "highway". So each label's
*strong* learned phrases (weight >= WMIN) lend a reduced weight (w x BETA)
to the WordNet lemmas related to them; the expanded phrases would be ordinary
weighted phrases of the theme file with a comment naming their source
(`--show` prints such a file; `speechwatch classify --themes` reads it,
inline comments and all, and agrees with this script's scoring on 45,025 of
45,045 theme scores of the dev corpus).

Relations (REL, '+'-joined): `syn` (the other lemmas of the same synset),
`hypo` (direct hyponyms and instances), `hyper` (direct hypernyms), `dom`
(WordNet's topic domain `;c`: the other members of the domain of the
phrase's synset, or the members of the domain the phrase names, e.g.
"medicine"). A phrase's WordNet lemmas are found by stem (the engine's
Snowball stemmer, so "highways" and "highway" meet), nouns, verbs,
adjectives and adverbs, only each lemma's first (most frequent) sense.
Expanded phrases have at most two words. A candidate is dropped when it
is already a phrase (positive or negative) of the theme or a positive
phrase of another theme; with FILTER `unseen` only candidates seen in fewer
than 2 training examples are added (the words the lexicon could not learn),
`strict` also needs the related synset to be the candidate's own first
sense ("net" is a kind of "income" only in its fifth), `any` adds all.

Evaluation: as lr_ensemble.py (whose code this imports: the engine's
scoring re-implemented, `speechwatch learn` for the lexicon, quality.c's
folds and --seed shuffle). For each outer fold the lexicon is learned on
the other folds and expanded; per-theme thresholds (best-theme rule) come
from a 5-fold cross-validation inside the training folds, and the setting
"by inner CV" is the grid point with the best inner mean of micro- and
macro-F1. `rel=none beta=0` is the lexicon alone, scored the same way.
Each line also counts the held-out labelled sentences that no learned
phrase reaches, how many of them an added phrase reaches, and on how many
of those the best theme is then the right one.

Run from the worktree's top (cd there; `make build/speechwatch` first):

    bench/themes-quality/wordnet_expand.py ../shared/corpus/themes-dev/cap_sotu_dev.jsonl 0,1
    bench/themes-quality/wordnet_expand.py ../shared/corpus/themes-dev/cap_sotu_dev.jsonl \
        --show syn+hypo 0.5 strict 2 > /tmp/expanded.ini

usage: wordnet_expand.py CORPUS.jsonl SEED[,SEED...]        # the grid below
       wordnet_expand.py CORPUS.jsonl --show REL BETA FILTER [WMIN]  # expanded file of the whole corpus
Needs: build/speechwatch (or $SPEECHWATCH), apt packages wordnet-base and
libstemmer0d (python3-sklearn is not needed: lr_ensemble's LR is unused).
Takes about four minutes per seed (five outer folds x six `learn` runs,
33 settings scored in Python). Figures: docs/themes.md, "## Learning".
"""
import collections
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import lr_ensemble as lr  # noqa: E402
except ImportError:  # its scipy/sklearn are only for the LR, unused here
    import types
    for m in ("scipy", "scipy.sparse", "sklearn", "sklearn.linear_model"):
        sys.modules[m] = types.ModuleType(m)
    sys.modules["scipy"].sparse = sys.modules["scipy.sparse"]
    sys.modules["sklearn.linear_model"].LogisticRegression = None
    import lr_ensemble as lr  # noqa: E402

WN = "/usr/share/wordnet"
# The grid (first run, seeds 0 and 1: also syn+hypo+hyper, BETA 1 and
# filter `any`, all clearly worse, so left out of the second).
GRID_REL = ["syn", "syn+hypo", "dom", "syn+hypo+dom"]
GRID_BETA = [0.25, 0.5]
GRID_FILTER = ["unseen", "strict"]
GRID_WMIN = [1.0, 2.0]
PTR = {"hypo": ("~", "~i"), "hyper": ("@", "@i")}


class WordNet:
    def __init__(self):
        self.syn = {}  # (pos, offset) -> (lemmas, [(symbol, (pos, offset))])
        self.first = collections.defaultdict(set)  # stem key -> first-sense synsets
        self.members = collections.defaultdict(set)  # topic synset -> members
        for pos, name in (("n", "noun"), ("v", "verb"), ("a", "adj"), ("r", "adv")):
            self._data(pos, os.path.join(WN, "data." + name))
            self._index(pos, os.path.join(WN, "index." + name))

    def _data(self, pos, path):
        for line in open(path, encoding="latin-1"):
            if line.startswith("  "):
                continue
            f = line.split(" | ")[0].split()
            n = int(f[3], 16)
            lemmas = [re.sub(r"\(.*\)$", "", f[4 + 2 * k]).lower() for k in range(n)]
            k = 4 + 2 * n
            ptrs = []
            for j in range(int(f[k])):
                sym, off, p = f[k + 1 + 4 * j : k + 4 + 4 * j]
                tgt = ("a" if p == "s" else p, off)
                ptrs.append((sym, tgt))
                if sym == "-c":
                    self.members[(pos, f[0])].add(tgt)
            self.syn[(pos, f[0])] = (lemmas, ptrs)

    def _index(self, pos, path):
        for line in open(path, encoding="latin-1"):
            if line.startswith("  "):
                continue
            f = line.split()
            key = self.key(f[0])
            if key:
                nptr = int(f[3])
                self.first[key].add((pos, f[6 + nptr]))

    @staticmethod
    def key(lemma):
        """A lemma's phrase key as lr_ensemble's themes store it, or None."""
        st = lr.stems(lemma.replace("_", " "))
        if len(st) == 1:
            return st[0]
        return tuple(st) if len(st) == 2 else None

    def related(self, key, rels):
        """{lemma: (relation, its synset)} of the first-sense synsets of a phrase key."""
        out = {}
        for s in self.first.get(key, ()):
            targets = []
            if "syn" in rels:
                targets.append((s, "synonym"))
            for r in ("hypo", "hyper"):
                if r in rels:
                    targets += [(t, r + "nym") for sym, t in self.syn[s][1] if sym in PTR[r]]
            if "dom" in rels:
                topics = [t for sym, t in self.syn[s][1] if sym == ";c"] + [s]
                targets += [(m, "same domain") for t in topics for m in self.members.get(t, ())]
            for t, how in targets:
                for lem in self.syn.get(t, ((), ()))[0]:
                    out.setdefault(lem, (how, t))
        return out


def expand(wn, lex, df, rel, beta, filt, wmin=1.0):
    """lex plus the WordNet phrases; also {theme: [(key, w, lemma, src, how)]}."""
    rels = set(rel.split("+"))
    pos_all = {k: t for t, ph in lex.items() for k, w in ph.items() if w > 0}
    out, added = {}, {}
    for t, ph in lex.items():
        new = {}
        for k, w in sorted(ph.items(), key=lambda kv: -kv[1]):
            if w < wmin:
                continue
            for lem, (how, syn) in wn.related(k, rels).items():
                c = wn.key(lem)
                if not c or c in ph or pos_all.get(c, t) != t:
                    continue
                if filt != "any" and df.get(c, 0) >= 2:
                    continue
                if filt == "strict" and syn not in wn.first.get(c, ()):
                    continue  # "net" is a kind of "income" only in its 5th sense
                if c not in new or new[c][1] < w * beta:
                    new[c] = (c, w * beta, lem, k, how)
        out[t] = {**ph, **{c: v[1] for c, v in new.items()}}
        added[t] = list(new.values())
    return out, added


def doc_freq(exs, idx):
    df = collections.Counter()
    for i in idx:
        st = exs[i]["st"]
        df.update(set(st) | set(zip(st, st[1:])))
    return df


def grid():
    yield ("none", 0.0, "any", 1.0)
    for r in GRID_REL:
        for b in GRID_BETA:
            for f in GRID_FILTER:
                for m in GRID_WMIN:
                    yield (r, b, f, m)


def outer_fold(wn, exs, train, test, labels, tot, chosen):
    inner = []
    for g in range(5):
        itr = [train[k] for k in range(len(train)) if k % 5 != g]
        ite = [train[k] for k in range(len(train)) if k % 5 == g]
        inner.append((ite, lr.learn_lex(exs, itr), doc_freq(exs, itr)))
    lex, df = lr.learn_lex(exs, train), doc_freq(exs, train)
    base = lr.top(exs, test, lex)
    best = None
    for cfg in grid():
        res = [r for ite, il, idf in inner
               for r in lr.top(exs, ite, expand(wn, il, idf, *cfg)[0])]
        thr = lr.thresholds(res, labels)
        inner_f = sum(lr.f1s(lr.counts(res, thr, labels))) / 2
        themes, added = expand(wn, lex, df, *cfg)
        res = lr.top(exs, test, themes)
        cnt = lr.counts(res, thr, labels)
        acc = tot.setdefault(cfg, [{}, 0, 0, 0, 0])
        lr.add(acc[0], cnt)
        acc[1] += sum(len(v) for v in added.values())
        # sentences of a theme that no learned phrase reaches: reached now? right?
        for (g, _, s0), (_, t, s) in zip(base, res):
            if g != lr.IGN and s0 == 0:
                acc[2:] = [acc[2] + 1, acc[3] + (s > 0), acc[4] + (s > 0 and t == g)]
        if best is None or inner_f > best[0]:
            best = (inner_f, cfg, cnt)
    lr.add(chosen[0], best[2])
    chosen[1].append(best[1])


def show(wn, exs, rel, beta, filt, wmin="1"):
    """The whole corpus's learned file with the WordNet phrases appended."""
    txt = subprocess.run([lr.BIN, "learn", sys.argv[1], "--ignore-label", lr.IGN],
                         capture_output=True, text=True, check=True).stdout
    lex = lr.learn_lex(exs, range(len(exs)))
    _, added = expand(wn, lex, doc_freq(exs, range(len(exs))), rel, float(beta), filt, float(wmin))
    surface = {}  # stem key -> the file's wording, for the comments
    for line in txt.splitlines():
        key, _, val = (s.strip() for s in line.partition("="))
        if key == "phrase":
            words = val.split(" ", 1)[1]
            surface[WordNet.key(words)] = words
    cur = None
    for line in txt.splitlines():
        key, _, val = (s.strip() for s in line.partition("="))
        if cur and (line.startswith("[") or not line.strip()):
            for c, w, lem, src, how in sorted(added[cur], key=lambda a: -a[1]):
                print("phrase = %.2f %s  ; WordNet %s of learned \"%s\""
                      % (w, lem.replace("_", " "), how, surface.get(src, src)))
            cur = None
        if key == "label":
            cur = val
        print(line)


def main(argv):
    if len(argv) < 3:
        sys.exit("\n".join(l for l in __doc__.splitlines() if "wordnet_expand.py CORPUS" in l))
    wn = WordNet()
    exs0 = [lr.json.loads(line) for line in open(argv[1])]
    for e in exs0:
        e["st"], e["lab"] = lr.stems(e["text"]), e["labels"][0]
    if argv[2] == "--show":
        return show(wn, exs0, *argv[3:7])
    labels = sorted({e["lab"] for e in exs0} - {lr.IGN})
    for seed in (int(s) for s in argv[2].split(",")):
        exs = lr.shuffle(exs0, seed) if seed else exs0
        tot, chosen = {}, ({}, [])
        for f in range(5):
            train = [i for i in range(len(exs)) if i % 5 != f]
            test = [i for i in range(len(exs)) if i % 5 == f]
            outer_fold(wn, exs, train, test, labels, tot, chosen)
        for cfg, (cnt, nadd, n0, hit, ok) in tot.items():
            print("seed=%d rel=%s beta=%g %s wmin=%g: micro-F1 %.3f macro-F1 %.3f"
                  " (%d phrases added per fold; of %d unreached sentences %d reached, %d top right)"
                  % ((seed,) + cfg + lr.f1s(cnt) + (nadd // 5, n0, hit, ok)), flush=True)
        print("seed=%d by inner CV %s: micro-F1 %.3f macro-F1 %.3f"
              % ((seed, chosen[1]) + lr.f1s(chosen[0])), flush=True)


if __name__ == "__main__":
    main(sys.argv)
