"""The daemon reads statements published as PDF files (issue 19, deliver 1).

A local ministry site lists: a statement whose link answers a PDF (English,
two columns, running header, page numbers, hyphenated line ends; the list
gives no title, the document's metadata does), a page with only a heading
and a link to its Russian PDF (the page has no main text: the PDF it links
is read), an Arabic and a Chinese PDF, and hostile PDFs (truncated, a
self-referencing object stream, 10,000 pages, a compression bomb, a string
bomb). A second source on the same daemon is a plain web page.

The daemon, running, stores each good PDF's text as its source text (first
and last sentence, no header, no footer, no page number, hyphenated words
joined) and alerts it with "format": "pdf" and the document's title and
date; each hostile PDF fails alone with a clear article error naming it;
the web source is polled and alerted meanwhile, its poll not delayed by the
PDF children; the daemon's own peak RSS stays under the bound of the other
hostile-input tests (the children have their own rlimits).

Run with /usr/bin/python3 (python3-cairo is Debian's).
"""
import json
import os
import re
import signal
import sqlite3
import time

import swtest
import test_pdf

pdfgen = test_pdf.pdfgen
RSS_LIMIT_KIB = 64 * 1024  # tests/e2e/test_hostile.py's bound for the daemon

LIST = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Statements</title></head>
<body><ul class="statements">
<li><a href="docs/en.pdf"><span class="icon"></span></a> <span class="date">12.03.2024</span></li>
<li><a href="ru.html"><span class="t">Совместное заявление</span></a></li>
<li><a href="docs/ar.pdf"><span class="t">بيان مشترك</span></a></li>
<li><a href="docs/zh.pdf"><span class="t">联合声明</span></a></li>
%s
</ul></body></html>
"""
HOSTILE = ["truncated", "selfref", "pages", "bomb", "strbomb"]
RU_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>МИД</title></head><body>
<nav><a href="/">Главная</a> <a href="/news">Новости</a></nav>
<div class="main"><h1>Совместное заявление по итогам консультаций</h1>
<p><a href="docs/ru.pdf">Текст заявления (PDF, 120 КБ)</a></p></div></body></html>
"""
WEB_LIST = """<!DOCTYPE html><html><body><ul class="news">
<li><a href="a.html">Minister meets counterpart</a></li></ul></body></html>"""
WEB_ARTICLE = """<!DOCTYPE html><html><head><title>Minister meets counterpart</title></head>
<body><article><h1>Minister meets counterpart</h1>%s</article></body></html>""" % (
    "<p>The minister met her counterpart to discuss cooperation on climate, trade and "
    "the peaceful settlement of disputes in the region, and both agreed to meet again.</p>" * 6)
CONF = """[daemon]
state_dir = {state}
first_poll = alert
allow_private = yes

[source "docs"]
url = http://127.0.0.1:{port}/docs-site/index.html
items = //ul[@class="statements"]/li
link = a/@href
title = .//span[@class="t"]
date = span[@class="date"]
interval = 1h

[source "web"]
url = http://127.0.0.1:{port}/web/index.html
items = //ul[@class="news"]/li
interval = 1h

[notify "out"]
type = stdout
"""


class PdfDaemonTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        if pdfgen is None:
            self.skipTest("skipped: python3-cairo not installed (run with /usr/bin/python3)")
        self.site = os.path.join(self.tmp, "site")
        docs = os.path.join(self.site, "docs-site", "docs")
        os.makedirs(docs)
        self.paras = {}
        for lang in ("en", "ru", "ar", "zh"):
            spec = test_pdf.LANGS[lang]
            paras = test_pdf.source_paragraphs(lang)
            pdfgen.statement(os.path.join(docs, "%s.pdf" % lang), spec["font"], paras,
                             rtl=spec.get("rtl", False), cjk=spec.get("cjk", False),
                             header=spec["header"], footer=spec["footer"], title=spec["title"],
                             meta_title=spec["title"], meta_date="2024-03-12T10:00:00+08:00")
            self.paras[lang] = [spec["title"]] + paras
        with open(os.path.join(docs, "en.pdf"), "rb") as f:
            hostile = {"truncated": f.read()[:600], "selfref": pdfgen.self_object_stream(),
                       "pages": pdfgen.many_pages(10000), "bomb": pdfgen.bomb(4),
                       "strbomb": pdfgen.string_bomb(2)}
        for name, data in hostile.items():
            with open(os.path.join(docs, "%s.pdf" % name), "wb") as f:
                f.write(data)
        # without RLIMIT_AS (AddressSanitizer) the string bomb would take 2 GiB
        self.hostile = [n for n in HOSTILE if n != "strbomb" or not self.asan()]
        links = "".join('<li><a href="docs/%s.pdf"><span class="t">Document %s</span></a></li>\n'
                        % (n, n) for n in self.hostile)
        self.write("site/docs-site/index.html", LIST % links)
        self.write("site/docs-site/ru.html", RU_PAGE)
        self.write("site/web/index.html", WEB_LIST)
        self.write("site/web/a.html", WEB_ARTICLE)
        self.server, self.port = swtest.start_static_server(self.site)
        self.procs.append(self.server)
        self.state = os.path.join(self.tmp, "state")
        self.conf = self.write("sw.conf", CONF.format(state=self.state, port=self.port))

    def run_daemon(self):
        """Runs the daemon until both sources' first polls are done; returns
        (stdout events, stderr log, the daemon's peak RSS in KiB, seconds)."""
        log = os.path.join(self.tmp, "daemon.log")
        out = os.path.join(self.tmp, "daemon.out")
        t0 = time.monotonic()
        with open(log, "w") as err, open(out, "w") as so:
            p = swtest.subprocess.Popen([swtest.BIN, "run", "-c", self.conf], stdout=so,
                                        stderr=err, stdin=swtest.subprocess.DEVNULL)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        text = ""
        while time.monotonic() - t0 < 120:
            with open(log) as f:
                text = f.read()
            if "source=docs poll=" in text and "source=web poll=" in text:
                break
            self.assertIsNone(p.poll(), text[-2000:])
            time.sleep(0.2)
        took = time.monotonic() - t0
        with open("/proc/%d/status" % p.pid) as f:
            hwm = int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1))
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(timeout=30), 0)
        with open(log) as f:
            text = f.read()
        with open(out) as f:
            events = [json.loads(l) for l in f if l.startswith("{")]
        return events, text, hwm, took

    def stored_text(self, url_end):
        db = sqlite3.connect(os.path.join(self.state, "speechwatch.db"))
        try:
            rows = db.execute("SELECT text FROM items WHERE url LIKE ?",
                              ("%" + url_end,)).fetchall()
        finally:
            db.close()
        self.assertEqual(len(rows), 1, url_end)
        return rows[0][0]

    def check_text(self, lang, text):
        spec = test_pdf.LANGS[lang]
        cjk = spec.get("cjk", False)
        got = [test_pdf.squash(p, cjk) for p in text.split("\n\n")]
        want = [test_pdf.squash(p, cjk) for p in self.paras[lang]]
        self.assertTrue(got[1].startswith(spec["first"]), got[1][:200])
        self.assertTrue(got[-1].endswith(spec["last"]), got[-1][-200:])
        self.assertNotIn(spec["header"], text)
        self.assertNotIn(spec["footer"].split("%d")[0].strip(), text)
        self.assertEqual(got, want)

    def test_pdf_statements_and_hostile_documents(self):
        events, log, hwm, took = self.run_daemon()
        print("daemon: first polls done in %.1f s, peak RSS %d KiB" % (took, hwm))
        by_url = {ev["item"]["url"].rsplit("/", 1)[-1]: ev for ev in events}
        # the good documents: alerted as PDFs with their text
        for name in ("en.pdf", "ru.html", "ar.pdf", "zh.pdf", "a.html"):
            self.assertIn(name, by_url, sorted(by_url))
        en = by_url["en.pdf"]["item"]
        self.assertEqual(en["format"], "pdf")
        self.assertEqual(en["title"], test_pdf.LANGS["en"]["title"])  # the metadata's
        self.assertTrue(en["published"].startswith("2024-03-12"), en["published"])
        self.assertGreater(en["words"], 1000)
        self.assertTrue(en["excerpt"].startswith(test_pdf.LANGS["en"]["title"]), en["excerpt"])
        ru = by_url["ru.html"]["item"]
        self.assertEqual(ru["format"], "pdf")  # the page's statement is its PDF
        self.assertEqual(ru["title"], "Совместное заявление")  # the list's title comes first
        self.assertEqual(by_url["a.html"]["item"]["format"], "html")
        for lang, url_end in (("en", "en.pdf"), ("ru", "ru.html"), ("ar", "ar.pdf"),
                              ("zh", "zh.pdf")):
            with self.subTest(lang=lang):
                self.check_text(lang, self.stored_text(url_end))
        # the hostile ones: each alone, a clear article error or a bounded reading
        errors = {n: re.search(r"article=\S+/%s\.pdf (pdf: .*)" % n, log) for n in self.hostile}
        self.assertRegex(errors["truncated"].group(1), r"^pdf: damaged: ")
        self.assertRegex(errors["bomb"].group(1), r"killed after 20 s|CPU limit \(15 s\)")
        if "strbomb" in self.hostile:
            self.assertRegex(errors["strbomb"].group(1), r"memory limit \(512 MiB\) reached")
        for name in ("truncated", "bomb", "strbomb"):  # no event for them
            self.assertNotIn(name + ".pdf", by_url)
        self.assertEqual(by_url["pages.pdf"]["item"]["words"], 200 * 7)  # 200 pages read
        if errors["selfref"] is None:  # Poppler may recover an empty page: no text, no crash
            self.assertEqual(by_url["selfref.pdf"]["item"]["words"], 0)
        failed = len([e for e in errors.values() if e])
        self.assertRegex(log, r"source=docs poll=ok .* article_errors=%d " % failed)
        self.assertNotIn("Traceback", log)
        # the web source was not held up by the PDF children
        web_time = float(re.search(r"source=web poll=ok .* time=([\d.]+)s", log).group(1))
        self.assertLess(web_time, 5.0, log[-3000:])
        if not self.asan():
            self.assertLess(hwm, RSS_LIMIT_KIB)

    def test_preview_reads_the_pdfs_as_the_daemon_does(self):
        r = self.sw("preview", "-c", self.conf, "docs", "--articles", "4", "--json",
                    timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        arts = {a["url"].rsplit("/", 1)[-1]: a for a in json.loads(r.stdout)["articles"]}
        self.assertEqual(sorted(arts), ["ar.pdf", "en.pdf", "ru.html", "zh.pdf"])
        for name, art in arts.items():
            with self.subTest(name=name):
                self.assertEqual(art["format"], "pdf")
                self.assertGreater(art["words"], 1000)
                self.assertEqual(art["warnings"], [])
        self.assertEqual(arts["en.pdf"]["title"], test_pdf.LANGS["en"]["title"])
        self.assertTrue(arts["ru.html"]["first_sentence"].startswith("Совместное заявление"),
                        arts["ru.html"]["first_sentence"])
        r = self.sw("preview", "-c", self.conf, "docs", "--articles", "1")
        self.assertIn("(read from a PDF)", r.stdout)

    def asan(self):
        with open(swtest.BIN, "rb") as f:
            return b"__asan_init" in f.read()


if __name__ == "__main__":
    swtest.main()
