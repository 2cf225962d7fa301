#!/usr/bin/python3
"""readability-lxml over an extraction corpus, in one process, for comparison.

usage: compare-readability.py [CORPUS_DIR] [OUT.json] [--repeat N]
                              [--input text|bytes] [--no-title] [--no-output]

Runs readability-lxml's Document(html).summary(html_partial=True) and
.title() on every html/<id>.html.gz of the corpus (default
../shared/corpus/extraction-dev), REPEAT times per page (default 1), and
prints one line in the same form as bench-extraction:

  pages N  extract S s  X ms/page  Y pages/s  cpu C s  peak RSS M MiB

Only Document() + summary() + title() are timed, as run.c times only
page_parse + article_extract. Reading and gunzipping the file are not timed;
neither is turning the summary HTML into text for scoring (done once per
page, after the timed runs).

--input text (default) decodes each page as UTF-8 before the clock starts,
which is what the upstream benchmark's run_readability.py does; readability
then skips its own charset sniffing. This favours readability: speechwatch
is handed raw bytes and sniffs and converts the charset inside its timed
region. --input bytes hands readability the raw bytes so that it sniffs the
charset itself (readability.encoding.get_encoding), like speechwatch.
--no-title times summary() alone (title() re-parses the whole page).
--no-output skips the text conversion and OUT.json, so that whole-process
time holds only what readability itself does (compare.sh times rounds so).

"cpu" is user + system time of the whole process so far (interpreter start,
imports, reading included), from resource.getrusage; "peak RSS" is its
ru_maxrss. OUT.json (default build/bench/readability-output.json) maps each
id to {"articleBody": text, "title": title}, for score.py.

Benchmark helper, run by hand: needs python3-readability (Debian) or
readability-lxml (pip). Not a dependency of speechwatch.
"""
import gzip
import json
import os
import resource
import sys
import time

import lxml.html
from readability import Document

# Elements after which html-text (used by the upstream benchmark) starts a
# new line; text inside them is joined with spaces, as a browser would.
BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
    "pre", "section", "table", "td", "th", "tr", "ul",
}


def html_to_text(html):
    """Block-aware text of an HTML fragment (a small html-text equivalent)."""
    if not html or not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    parts = []

    def walk(el):
        # iterative: readability output may be deeply nested
        stack = [(el, False)]
        while stack:
            node, closing = stack.pop()
            tag = node.tag if isinstance(node.tag, str) else ""
            if closing:
                if tag in BLOCKS:
                    parts.append("\n")
                if node.tail:
                    parts.append(node.tail)
                continue
            if tag in ("script", "style"):
                if node.tail:
                    parts.append(node.tail)
                continue
            if tag in BLOCKS:
                parts.append("\n")
            if node.text and tag:
                parts.append(node.text)
            stack.append((node, True))
            for child in reversed(node):
                stack.append((child, False))

    walk(root)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n\n".join(line for line in lines if line)


def parse_args(argv):
    opts = {"repeat": 1, "input": "text", "title": True, "output": True}
    pos = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--repeat":
            opts["repeat"] = int(argv[i + 1])
            i += 1
        elif a == "--input":
            opts["input"] = argv[i + 1]
            i += 1
        elif a == "--no-title":
            opts["title"] = False
        elif a == "--no-output":
            opts["output"] = False
        elif a.startswith("-"):
            sys.exit(__doc__)
        else:
            pos.append(a)
        i += 1
    if opts["input"] not in ("text", "bytes") or len(pos) > 2 or opts["repeat"] < 1:
        sys.exit(__doc__)
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    opts["corpus"] = pos[0] if pos else os.path.join(root, "..", "shared", "corpus",
                                                     "extraction-dev")
    opts["out"] = pos[1] if len(pos) > 1 else os.path.join(root, "build", "bench",
                                                           "readability-output.json")
    return opts


def load_pages(corpus, mode):
    with open(os.path.join(corpus, "ground-truth.json"), encoding="utf-8") as f:
        ids = list(json.load(f))
    pages = []
    for page_id in ids:
        with gzip.open(os.path.join(corpus, "html", page_id + ".html.gz"), "rb") as f:
            raw = f.read()
        pages.append((page_id, raw.decode("utf-8", "replace") if mode == "text" else raw))
    return pages


def extract(html, with_title):
    doc = Document(html)
    summary = doc.summary(html_partial=True)
    return summary, (doc.title() if with_title else "")


def main():
    opts = parse_args(sys.argv[1:])
    pages = load_pages(opts["corpus"], opts["input"])
    results = {}
    spent = 0.0
    count = 0
    for page_id, html in pages:
        for _ in range(opts["repeat"]):
            t0 = time.perf_counter()
            summary, title = extract(html, opts["title"])
            spent += time.perf_counter() - t0
            count += 1
        results[page_id] = (summary, title)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    if opts["output"]:
        out = {k: {"articleBody": html_to_text(s), "title": t} for k, (s, t) in results.items()}
        os.makedirs(os.path.dirname(os.path.abspath(opts["out"])), exist_ok=True)
        with open(opts["out"], "w", encoding="utf-8") as f:
            json.dump(out, f, ensure_ascii=False, indent=1, sort_keys=True)
    print(f"pages {count}  extract {spent:.3f} s  {spent * 1000 / count:.2f} ms/page  "
          f"{count / spent:.1f} pages/s  cpu {ru.ru_utime + ru.ru_stime:.3f} s  "
          f"peak RSS {ru.ru_maxrss / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
