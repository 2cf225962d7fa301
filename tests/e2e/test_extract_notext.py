"""`speechwatch extract` on pages and documents with no main text (issue 15,
failure 1): the real Timor-Leste PDF of ../shared/corpus/realpages-dev over
HTTP (served as application/pdf) and from a file is read as a PDF (issue 19)
instead of its bytes read as HTML, and a page whose statement
is only a PDF link beside a sidebar of names answers with the link. The
daemon reads the PDF item's text (issue 19) and says "format": "pdf"."""
import json
import os

import swtest

REALPAGES = swtest.shared_path("corpus", "realpages-dev")
PDF = "timor-leste.gov.tl/2021-09-28-discurso-PM-EE-181.pdf"

MEMBERS = "".join(
    "<li>%s, %s</li>" % pair
    for pair in [
        ("Joseph Ngute", "Prime Minister, Head of Government"),
        ("Laurent Esso", "Minister of State, Minister of Justice, Keeper of the Seals"),
        ("Lejeune Mbella", "Minister of External Relations"),
        ("Louis Motaze", "Minister of Finance"),
        ("Manaouda Malachie", "Minister of Public Health"),
        ("Nalova Lyonga", "Minister of Secondary Education"),
        ("Jacques Fame", "Minister of Scientific Research and Innovation"),
        ("Gabriel Dodo", "Minister of Mines, Industry and Technological Development"),
    ]
)

PDF_LINK_PAGE = (
    "<!DOCTYPE html><html><head><meta charset=utf-8><title>Speeches</title></head><body>"
    "<div class=main><h1>Speech of the Prime Minister on the budget</h1><p>12 March 2024</p>"
    "<p><a href='docs/budget-speech.pdf'>Download the speech (PDF)</a></p></div>"
    "<div class=col><h3>Members of the Government</h3><ul>" + MEMBERS + "</ul></div>"
    "</body></html>"
)


DAEMON_CONF = """[daemon]
state_dir = {state}
first_poll = alert
allow_private = yes

[source "tl"]
url = http://127.0.0.1:{port}/timor-leste.gov.tl/?cat=27&lang=en
kind = html
items = //ul[has-class("docs_list")]/li
link = .//a[has-class("title")]/@href
title = .//a[has-class("title")]
language = en

[notify "out"]
type = stdout

include = {themes}
"""


class ExtractNoTextTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        if REALPAGES is None:
            self.skipTest("skipped: ../shared not found")
        self.site = os.path.join(REALPAGES, "site")
        self.server, self.port = swtest.start_static_server(self.site)
        self.procs.append(self.server)

    def test_pdf_over_http_and_from_file(self):
        # issue 19 reads PDFs: the speech's text in place of issue 15's
        # "no main text: a PDF document" (which the daemon still stores until
        # the PDF reader is wired into its article path)
        url = "http://127.0.0.1:%d/%s" % (self.port, PDF)
        for arg in (url, os.path.join(self.site, PDF)):
            r = self.sw("extract", "--json", arg)
            self.assertEqual(r.returncode, 0, r.stderr)
            doc = json.loads(r.stdout)
            self.assertEqual(doc["format"], "pdf")
            self.assertGreater(doc["words"], 1500)
            self.assertIsNone(doc["no_text"])
            self.assertEqual(doc["title"], "")  # "Microsoft Word - ....docx" is no title
            self.assertEqual(doc["date"], "2021-09-28T01:41:06+00:00")
            self.assertIn("Vice-Presidentes, Secretária e Vice-Secretários", doc["text"])
            self.assertTrue(doc["text"].rstrip().endswith("Que Deus nos abençoe a todos!"),
                            doc["text"][-200:])
            self.assertNotIn("\t", doc["text"])
            self.assertNotIn("\r", doc["text"])
            r = self.sw("extract", arg)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("Povo de Timor-Leste.", r.stdout)

    def test_page_with_only_a_pdf_link(self):
        path = self.write("speech.html", PDF_LINK_PAGE)
        r = self.sw("extract", "--json", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["text"], "")
        self.assertEqual(doc["words"], 0)
        self.assertEqual(doc["title"], "Speech of the Prime Minister on the budget")
        self.assertEqual(doc["no_text"],
                         "no main text: the page links to a document (docs/budget-speech.pdf)")

    def test_a_statement_has_no_reason(self):
        art = "www.fmprc.gov.cn/web/zyxw/t1638506.shtml"
        r = self.sw("extract", "--json", os.path.join(self.site, art))
        doc = json.loads(r.stdout)
        self.assertGreater(doc["words"], 500)
        self.assertIsNone(doc["no_text"])

    def test_daemon_reads_the_pdf_item(self):
        # issue 15 stored this item without text ("no main text: a PDF
        # document"); issue 19 reads it in the PDF child: the event carries
        # the speech's text, the list's title and "format": "pdf"
        conf = self.write("sw.conf", DAEMON_CONF.format(
            state=os.path.join(self.tmp, "state"), port=self.port,
            themes=os.path.join(swtest.ROOT, "config", "themes", "diplomacy.conf")))
        r = self.sw("once", "-c", conf, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        self.assertNotIn("no main text", r.stderr)
        events = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
        self.assertEqual(len(events), 1, r.stdout)
        ev = events[0]
        self.assertEqual(ev["type"], "statement.new")
        self.assertTrue(ev["item"]["url"].endswith(PDF))
        self.assertEqual(ev["item"]["format"], "pdf")
        self.assertGreater(ev["item"]["words"], 1500)
        self.assertTrue(ev["item"]["title"].startswith("Brief words on the Debate"),
                        ev["item"]["title"])
        self.assertIn("DISCURSO DO PRIMEIRO-MINISTRO", ev["item"]["excerpt"])


if __name__ == "__main__":
    swtest.main()
