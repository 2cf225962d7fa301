"""`speechwatch preview SOURCE --articles [N]` (issue 17, item 3) against a
real HTTP server on 127.0.0.1: each of the first N articles is fetched and
read as the daemon reads it (words, date and where it came from, language,
first and last sentence, themes above threshold); a body XPath that matches
nothing and a text under 20 words are warned about on stderr and in
--json; N is bounded. And the daemon warns, once per item, about a
statement it stored without text."""
import datetime
import json
import os
import re

import swtest

THEMES = os.path.join(swtest.ROOT, "config", "themes", "diplomacy.conf")
REALPAGES = swtest.shared_path("corpus", "realpages-dev")

CLIMATE = (
    "<p>The Minister of Foreign Affairs addressed the conference on climate change "
    "today in Geneva. She said that all nations must cut their emissions of greenhouse "
    "gases without further delay.</p>"
    "<p>The Paris Agreement remains the framework for global climate action, and "
    "adaptation finance for vulnerable countries must double by 2025. Our country will "
    "host a regional meeting on renewable energy next year.</p>")

ARTICLE = ("<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{title}</title>"
           "{meta}</head><body><nav><a href=/>Home</a> <a href=/news/>News</a></nav>"
           "<div class=content><h1>{title}</h1>{body}</div>"
           "<footer>Ministry of Foreign Affairs</footer></body></html>")


def page(title, body, published=None):
    meta = ('<meta property="article:published_time" content="%s">' % published
            if published else "")
    return ARTICLE.format(title=title, body=body, meta=meta)


CONF = """[daemon]
state_dir = {state}
first_poll = alert
allow_private = yes

[source "good"]
url = http://127.0.0.1:{port}/index.html
items = //ul[has-class("news")]/li
date = span
language = en

[source "wrong-body"]
url = http://127.0.0.1:{port}/index.html
items = //ul[has-class("news")]/li
date = span
body = //div[@id="speech"]
language = en

[source "many"]
url = http://127.0.0.1:{port}/many.html
items = //ul/li
enabled = no

[source "pdf"]
url = http://127.0.0.1:{port}/pdfs.html
items = //ul/li
body = //div[@id="speech"]
enabled = no

[notify "out"]
type = stdout

include = {themes}
"""


class PreviewArticlesTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        site = os.path.join(self.tmp, "site")
        self.write("site/news/climate.html",
                   page("Minister speaks on climate", CLIMATE, "2024-03-01T10:00:00+01:00"))
        self.write("site/news/short.html",
                   page("Embassy closed", "<p>The embassy is closed on Monday.</p>"))
        self.write("site/news/third.html", page("Third", CLIMATE))
        self.write("site/index.html",
                   "<!DOCTYPE html><html><head><meta charset=utf-8></head><body>"
                   "<ul class=news>"
                   "<li><a href=news/climate.html>Minister speaks on climate</a>"
                   "<span>2024-03-01</span></li>"
                   "<li><a href=news/short.html>Embassy closed</a><span>2024-03-02</span></li>"
                   "<li><a href=news/third.html>Third</a><span>2024-03-03</span></li>"
                   "</ul></body></html>")
        self.write("site/many.html", "<html><body><ul>%s</ul></body></html>" % "".join(
            "<li><a href=news/third.html?n=%d>Statement number %d</a></li>" % (i, i)
            for i in range(14)))
        self.write("site/pdfs.html",
                   "<html><body><ul><li><a href=news/speech.pdf>Speech (PDF)</a></li>"
                   "</ul></body></html>")
        self.write("site/news/speech.pdf", "%PDF-1.4\n% not a web page\n")
        self.server, self.port = swtest.start_static_server(site)
        self.procs.append(self.server)
        self.conf = self.write("sw.conf", CONF.format(
            state=os.path.join(self.tmp, "state"), port=self.port, themes=THEMES))

    def url(self, name):
        return "http://127.0.0.1:%d/news/%s.html" % (self.port, name)

    def preview_json(self, *args):
        r = self.sw("preview", "-c", self.conf, *args, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout), r.stderr

    def test_good_source_shows_words_sentences_and_themes(self):
        r = self.sw("preview", "-c", self.conf, "good", "--articles", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout
        self.assertIn("article 1: %s" % self.url("climate"), out)
        self.assertNotIn("article 2:", out)
        self.assertRegex(out, r"words: +6\d\n")
        self.assertIn("first:    The Minister of Foreign Affairs addressed the conference "
                      "on climate change today in Geneva.", out)
        self.assertIn("last:     Our country will host a regional meeting on renewable "
                      "energy next year.", out)
        self.assertRegex(out, r"themes: +climate 0\.\d\d \(threshold 0\.\d\d\)")
        self.assertIn("language: en", out)
        self.assertRegex(out, r"date: +2024-03-01T10:00:00\+01:00 \(from the page\)")
        self.assertNotIn("warning", r.stderr)

    def test_wrong_body_xpath_is_warned(self):
        r = self.sw("preview", "-c", self.conf, "wrong-body", "--articles")
        self.assertEqual(r.returncode, 0, r.stderr)
        for name in ("climate", "short", "third"):
            self.assertIn("speechwatch preview: warning: body XPath '//div[@id=\"speech\"]' "
                          "matched nothing on %s\n" % self.url(name), r.stderr)
        self.assertRegex(r.stdout, r"words: +0\n")
        doc, _ = self.preview_json("wrong-body", "--articles=1")
        self.assertEqual(doc["articles"][0]["words"], 0)
        self.assertEqual(doc["articles"][0]["warnings"], [
            "body XPath '//div[@id=\"speech\"]' matched nothing on %s" % self.url("climate")])

    def test_short_text_is_warned_with_its_word_count(self):
        doc, err = self.preview_json("good", "--articles", "2")
        short = doc["articles"][1]
        self.assertEqual(short["words"], 6)
        self.assertEqual(short["warnings"], ["only 6 words on %s" % self.url("short")])
        self.assertIn("warning: only 6 words on %s" % self.url("short"), err)
        self.assertEqual(doc["articles"][0]["warnings"], [])

    def test_document_is_no_wrong_xpath(self):
        doc, err = self.preview_json("pdf", "--articles")
        # read as a PDF (issue 19), as the daemon reads it: this one is no
        # real PDF, so it is the article's error, not a body XPath's miss
        url = "http://127.0.0.1:%d/news/speech.pdf" % self.port
        self.assertEqual(doc["articles"][0], {
            "url": url, "warnings": [], "error": "pdf: damaged: PDF document is damaged"})
        self.assertNotIn("matched nothing", err)

    def test_json_shape(self):
        doc, _ = self.preview_json("good", "--articles")
        self.assertEqual([i["url"] for i in doc["items"]],
                         [self.url(n) for n in ("climate", "short", "third")])
        self.assertEqual(len(doc["articles"]), 3)  # the default N
        art = doc["articles"][0]
        for key in ("url", "title", "words", "date", "date_from", "list_date", "page_date",
                    "language", "first_sentence", "last_sentence", "no_text", "themes",
                    "warnings"):
            self.assertIn(key, art)
        self.assertEqual(art["date_from"], "page")
        self.assertEqual(art["list_date"], "2024-03-01")
        self.assertEqual([t["id"] for t in art["themes"]][:1], ["climate"])
        self.assertTrue(all(t["score"] >= t["threshold"] for t in art["themes"]))
        self.assertEqual(doc["articles"][1]["themes"], [])
        # without --articles, --json stays one item per line
        r = self.sw("preview", "-c", self.conf, "good", "--json")
        self.assertEqual([json.loads(l)["url"] for l in r.stdout.splitlines()],
                         [self.url(n) for n in ("climate", "short", "third")])

    def test_n_is_bounded(self):
        doc, err = self.preview_json("many", "--articles", "50")
        self.assertEqual(len(doc["items"]), 14)
        self.assertEqual(len(doc["articles"]), 10)
        self.assertIn("at most 10 articles", err)
        r = self.sw("preview", "-c", self.conf, "--articles", "2", "many", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(json.loads(r.stdout)["articles"]), 2)
        for bad in ("0", "-1", "x"):
            r = self.sw("preview", "-c", self.conf, "many", "--articles=" + bad)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("--articles takes a number from 1 to 10", r.stderr)

    def test_missing_article_is_an_error_not_a_crash(self):
        os.unlink(os.path.join(self.tmp, "site", "news", "short.html"))
        doc, err = self.preview_json("good", "--articles", "3")
        self.assertEqual(doc["articles"][1]["error"], "HTTP 404")
        self.assertIn("%s: HTTP 404" % self.url("short"), err)
        self.assertEqual(doc["articles"][2]["words"], doc["articles"][0]["words"])

    def index(self, names, date):
        self.write("site/index.html", "<html><body><ul class=news>%s</ul></body></html>" % "".join(
            "<li><a href=news/%s.html>Statement %s</a><span>%s</span></li>" % (n, n, date)
            for n in names))

    def warned(self, stderr):
        return sorted(re.findall(r"^<4>source=wrong-body article=(\S+) no main text: "
                                 r"the body XPath .* selects no text$", stderr, re.M))

    def test_daemon_warns_once_per_statement_without_text(self):
        with open(self.conf, encoding="utf-8") as f:
            text = f.read()
        conf = self.write("daemon.conf",
                          text.replace('[source "good"]', '[source "good"]\nenabled = no'))
        today = datetime.date.today().isoformat()  # inside the re-check window
        self.index(["climate", "short", "third"], today)
        r = self.sw("once", "-c", conf, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        self.assertEqual(self.warned(r.stderr),
                         sorted(self.url(n) for n in ("climate", "short", "third")), r.stderr)
        # The next poll re-reads the known items (changed pages: no 304) and
        # reads a new one: only the new one is warned about.
        self.index(["fourth", "climate", "short", "third"], today)
        self.write("site/news/fourth.html", page("Fourth", CLIMATE))
        for n in ("climate", "short"):
            self.write("site/news/%s.html" % n, page("Edited " + n, CLIMATE + "<p>Edited.</p>"))
        r = self.sw("-v", "once", "-c", conf, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        self.assertEqual(self.warned(r.stderr), [self.url("fourth")], r.stderr)
        self.assertRegex(r.stderr, r"<6>source=wrong-body article=%s no main text"
                         % re.escape(self.url("climate")))


class RealPagesTest(swtest.TestCase):
    """The 28 real statements of ../shared/corpus/realpages-dev, automatic
    extraction: preview's first and last sentence are expected.json's."""

    def setUp(self):
        super().setUp()
        if REALPAGES is None:
            self.skipTest("skipped: ../shared not found")
        with open(os.path.join(REALPAGES, "expected.json"), encoding="utf-8") as f:
            self.articles = {k: v for k, v in json.load(f)["articles"].items()
                             if v.get("first_sentence")}
        self.site, self.site_port = swtest.start_static_server(os.path.join(REALPAGES, "site"))
        self.procs.append(self.site)

    def test_first_and_last_sentences(self):
        paths = sorted(self.articles)
        conf = "[daemon]\nstate_dir = %s/state\nallow_private = yes\n" % self.tmp
        for i in range(0, len(paths), 10):
            self.write("lists/%d.html" % i, "<html><body><ul>%s</ul></body></html>" % "".join(
                '<li><a href="http://127.0.0.1:%d%s">Statement %d</a></li>'
                % (self.site_port, p, k) for k, p in enumerate(paths[i:i + 10])))
        lists, port = swtest.start_static_server(os.path.join(self.tmp, "lists"))
        self.procs.append(lists)
        for i in range(0, len(paths), 10):
            conf += ('[source "s%d"]\nurl = http://127.0.0.1:%d/%d.html\nitems = //ul/li\n'
                     'offsite = yes\n' % (i, port, i))
        conf = self.write("real.conf", conf)
        seen = 0
        for i in range(0, len(paths), 10):
            r = self.sw("preview", "-c", conf, "s%d" % i, "--articles", "10", "--json")
            self.assertEqual(r.returncode, 0, r.stderr)
            for art in json.loads(r.stdout)["articles"]:
                want = self.articles["/" + art["url"].split("/", 3)[3]]
                with self.subTest(url=art["url"]):
                    self.assertEqual(art["first_sentence"], want["first_sentence"])
                    self.assertEqual(art["last_sentence"], want["last_sentence"])
                seen += 1
        self.assertEqual(seen, len(paths))


if __name__ == "__main__":
    swtest.main()
