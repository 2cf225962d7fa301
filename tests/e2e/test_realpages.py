"""Issue 15's acceptance on real saved ministry pages (../shared/corpus/realpages-dev,
served as saved: no charset in HTTP): with `items = auto` every list page
yields the expected items; `extract` gets the first and last sentence with no
listed chrome on >= 95 % of the statement pages and the date right on >= 90 %;
the statement that is only a PDF is "no main text", not the PDF's bytes read
as HTML. Each figure is printed, so a run shows where the engine stands."""
import json
import os
import re
import unicodedata
import urllib.parse

import swtest

CORPUS = swtest.shared_path("corpus", "realpages-dev")
WS = re.compile(r"[\s\u00a0\u3000]+")


def canon(text):
    """NFC, every run of white space as one space, trimmed (the corpus's rule)."""
    return WS.sub(" ", unicodedata.normalize("NFC", text or "")).strip()


def after_lead(text, art):
    """Drops what may come before the first sentence: a headline repeat, leading lines."""
    leads = [art.get("leading_title_in_body"), art.get("title")] + list(art.get("leading_lines") or [])
    for lead in leads:
        lead = canon(lead)
        if lead and text.startswith(lead):
            text = text[len(lead):].lstrip()
    return text


def before_tail(text, art):
    tail = canon(art.get("trailing_dateline"))
    return text[: -len(tail)].rstrip() if tail and text.endswith(tail) else text


def sentence_checks(text, art):
    """(first ok, last ok, chrome strings found) for one extracted text."""
    firsts = [canon(s) for s in (art.get("first_sentence"), art.get("first_prose_sentence")) if s]
    lasts = [canon(s) for s in (art.get("last_sentence"), art.get("last_prose_sentence")) if s]
    first = any(after_lead(text, art).startswith(s) for s in firsts)
    last = any(before_tail(text, art).endswith(s) for s in lasts)
    return first, last, [s for s in art["must_not_contain"] if canon(s) in text]


class RealPagesTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        if CORPUS is None:
            self.skipTest("skipped: ../shared not found")
        with open(os.path.join(CORPUS, "expected.json"), encoding="utf-8") as f:
            self.expected = json.load(f)
        self.server, port = swtest.start_static_server(os.path.join(CORPUS, "site"))
        self.procs.append(self.server)
        self.base = "http://127.0.0.1:%d" % port

    def auto_config(self):
        lines = ["[daemon]", "state_dir = " + os.path.join(self.tmp, "state"),
                 "allow_private = yes", ""]
        for sid, src in self.expected["sources"].items():
            lines += ['[source "%s"]' % sid, "url = " + self.base + src["list_url_path"],
                      "kind = html", "items = auto", ""]
        return self.write("auto.conf", "\n".join(lines) + "\n")

    def preview(self, conf, sid):
        r = self.sw("preview", "-c", conf, sid, "--json", timeout=60)
        return r, [json.loads(l) for l in r.stdout.splitlines() if l.strip()]

    def test_items_auto_finds_every_list(self):
        conf = self.auto_config()
        right = 0
        for sid, src in self.expected["sources"].items():
            r, rows = self.preview(conf, sid)
            page = self.base + src["list_url_path"]
            want = [urllib.parse.urljoin(page, it["link"]) for it in src["items"]]
            got = [row.get("url") for row in rows]
            ok = r.returncode == 0 and got == want
            right += ok
            print("auto %-28s %s  %d/%d items" % (sid, "ok" if ok else "NO", len(got), len(want)))
        share = right / len(self.expected["sources"])
        print("items = auto: %d of %d list pages right" % (right, len(self.expected["sources"])))
        self.assertGreaterEqual(share, 0.9)

    def extract(self, path):
        r = self.sw("extract", self.base + path, "--json", timeout=60)
        try:
            return r, json.loads(r.stdout)
        except ValueError:
            return r, {}

    def test_statements_text_and_dates(self):
        html = {p: a for p, a in self.expected["articles"].items() if a.get("kind") != "pdf"}
        text_ok = date_ok = 0
        for path, art in sorted(html.items()):
            r, doc = self.extract(art.get("url_path", path))
            first, last, chrome = sentence_checks(canon(doc.get("text")), art)
            text_ok += first and last and not chrome
            date_right = (doc.get("date") or "")[:10] == (art.get("date") or "")
            date_ok += date_right
            print("%-60s first %s last %s chrome %s date %s (%s, want %s)" % (
                path[-60:], first, last, chrome or "-", date_right, doc.get("date"),
                art.get("date")))
        n = len(html)
        print("text right on %d of %d statements, dates on %d of %d" % (text_ok, n, date_ok, n))
        self.assertGreaterEqual(text_ok / n, 0.95)
        self.assertGreaterEqual(date_ok / n, 0.9)

    def test_pdf_statement_is_read(self):
        # issue 19: the PDF's text (issue 15 asserted "no main text" here,
        # before there was a PDF reader); its pdf_text gives the truth
        pdfs = [p for p, a in self.expected["articles"].items() if a.get("kind") == "pdf"]
        self.assertTrue(pdfs)
        for path in pdfs:
            r, doc = self.extract(path)
            want = self.expected["articles"][path]["pdf_text"]
            text = canon(doc.get("text"))
            self.assertEqual(doc.get("format"), "pdf", (r.stdout[:300], r.stderr))
            self.assertIn(canon(want["first_prose_sentence"]), text)
            self.assertTrue(text.endswith(canon(want["last_sentence"])), text[-200:])
            # "ends each page with its page number": none is left
            self.assertNotRegex(doc["text"], r"(^|\n)\d+(\n|$)")


if __name__ == "__main__":
    swtest.main()
