"""speechwatch import urlwatch|opml FILE: [source] sections on stdout that
pass `check`; ids safe and unique; feeds kind = rss, pages items = auto;
what cannot be imported named on stderr; hostile inputs (huge, deeply
nested, broken, entity-declaring) refused with a FILE:LINE error."""
import os
import re

import swtest

URLS_YAML = """# urlwatch jobs of the press office
name: "Ministry of Foreign Affairs \u2014 news"
url: "https://www.mfa.example.org/en/news"
filter:
  - xpath: '//div[@id=''main'']'   # the list
  - html2text
---
url: https://example.com/feed.xml  # a feed: kind auto finds it out
kind: url
---
name: 'It''s a page'
url: https://example.com/page?a=1&b=2
filter: css:.news,html2text
---
command: ls -l
name: a shell job
---
# same name as the first: the id must differ
name: "Ministry of Foreign Affairs \u2014 news"
navigate: https://mfa.example.org/fr/
max_tries: 3
headers:
  User-Agent: "x"
---
name: "Министерство"
url: https://mid.example.ru/ru/press/
---
url: ftp://files.example.org/list
"""

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>subscriptions</title></head>
<body>
  <outline text="Government">
    <outline text="Ministries">
      <outline type="rss" text="MFA" title="MFA news &amp; statements"
               xmlUrl="https://mfa.example.org/rss.xml" htmlUrl="https://mfa.example.org/"/>
      <outline text="Press room" htmlUrl="https://gov.example.org/press?x=1&amp;y=2"/>
      <outline text="MFA" xmlUrl="https://mfa.example.org/atom.xml"/>
    </outline>
  </outline>
  <outline text="not web" xmlUrl="javascript:alert(1)"/>
</body></opml>
"""

DAEMON = """[daemon]
state_dir = {state}
"""


class ImportTest(swtest.TestCase):
    def run_import(self, kind, text, name):
        path = self.write(name, text)
        return path, self.sw("import", kind, path)

    def sections(self, out):
        return re.findall(r'^\[source "([^"]+)"\]\nurl = (\S+)\n(.*)\nenabled = no$', out, re.M)

    def passes_check(self, out, count):
        conf = self.write("speechwatch.conf", DAEMON.format(
            state=os.path.join(self.tmp, "state")) + out, 0o600)
        r = self.sw("check", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + out)
        self.assertIn("ok: %d sources (0 enabled)" % count, r.stdout)

    def test_urlwatch_documents_become_sections_that_pass_check(self):
        path, r = self.run_import("urlwatch", URLS_YAML, "urls.yaml")
        self.assertEqual(r.returncode, 0, r.stderr)
        got = self.sections(r.stdout)
        self.assertEqual(got, [
            ("ministry-of-foreign-affairs-news", "https://www.mfa.example.org/en/news",
             "items = auto"),
            ("example-com-feed-xml", "https://example.com/feed.xml", "items = auto"),
            ("it-s-a-page", "https://example.com/page?a=1&b=2", "items = auto"),
            ("ministry-of-foreign-affairs-news-2", "https://mfa.example.org/fr/",
             "items = auto"),
            ("mid-example-ru-ru-press", "https://mid.example.ru/ru/press/", "items = auto"),
        ])
        self.assertIn("# urlwatch filter: xpath //div[@id='main']", r.stdout)
        self.assertIn("# urlwatch filter: css:.news,html2text", r.stdout)
        self.assertIn("# from %s:2" % path, r.stdout)
        self.assertIn("%s:15: skipped: a command job" % path, r.stderr)
        self.assertIn("%s:28: skipped: not an http:// or https:// URL" % path, r.stderr)
        self.passes_check(r.stdout, 5)

    def test_opml_nested_outlines_feeds_and_pages(self):
        path, r = self.run_import("opml", OPML, "subs.opml")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.sections(r.stdout), [
            ("mfa-news-statements", "https://mfa.example.org/rss.xml", "kind = rss"),
            ("press-room", "https://gov.example.org/press?x=1&y=2", "items = auto"),
            ("mfa", "https://mfa.example.org/atom.xml", "kind = rss"),
        ])
        self.assertIn("%s:12: skipped: not an http:// or https:// URL" % path, r.stderr)
        self.passes_check(r.stdout, 3)
        # then one is turned on without editing what was imported
        conf = os.path.join(self.tmp, "speechwatch.conf")
        on = self.sw("sources", "enable", "press-room", "-c", conf)
        self.assertEqual(on.returncode, 0, on.stderr)
        self.assertIn("ok: 3 sources (1 enabled)", self.sw("check", "-c", conf).stdout)

    def test_yaml_it_does_not_read_is_an_error_at_its_line(self):
        cases = [
            ('url: "https://a.example/\n', ":1: unterminated quoted string"),
            ("url: https://a.example/\n---\nurl: *anchor\n", ":3: unsupported YAML"),
            ("url: https://a.example/\n  - stray\n---\n  indented: x\n",
             ":4: indented line outside any key"),
            ("- url: https://a.example/\n", ":1: expected 'key: value'"),
            ('name: "bad \\q escape"\n', ":1: unsupported escape"),
            ("url: https://a.example/\n\tfilter: x\n", ":2: a tab in indentation"),
            ("name: x\x00y\n", ":1: NUL byte"),
        ]
        for text, want in cases:
            with self.subTest(want=want):
                path, r = self.run_import("urlwatch", text, "bad.yaml")
                self.assertEqual(r.returncode, 1, r.stdout)
                self.assertIn(path + want, r.stderr)
                self.assertEqual(r.stdout, "")

    def test_hostile_inputs_are_refused_clearly(self):
        deep = ('<?xml version="1.0"?><opml><body>' + "<outline text='x'>" * 300 +
                "</outline>" * 300 + "</body></opml>")
        laughs = ('<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
                  '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                  '<opml><body><outline text="&b;" xmlUrl="https://a.example/"/></body></opml>')
        external = ('<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    '<opml><body><outline text="&x;" xmlUrl="https://a.example/"/></body></opml>')
        outlines = "<outline text='x' htmlUrl='https://a.example/'/>\n"
        cases = [
            ("opml", "<opml><body><outline text='a'></body></opml>", ":1: "),
            ("opml", "not xml at all", ":1: "),
            ("opml", "<rss><channel/></rss>", ":1: not an OPML list"),
            ("opml", deep, ":1: "),
            ("opml", laughs, "declares entities"),
            ("opml", external, "declares entities"),
            ("opml", "<opml><body>" + outlines * 10001 + "</body></opml>", "too many outlines"),
            ("urlwatch", "url: https://a.example/" + "x" * 9000 + "\n", ":1: line too long"),
            ("urlwatch", "# " + "x" * 100 + "\n" * 50000 + "y" * (5 << 20), "larger than"),
        ]
        for kind, text, want in cases:
            with self.subTest(kind=kind, want=want):
                path, r = self.run_import(kind, text, "hostile." + kind)
                self.assertNotEqual(r.returncode, 0, r.stdout[:200])
                self.assertIn(want, r.stderr)
                self.assertIn(path, r.stderr)
                self.assertEqual(r.stdout, "")
                self.assertNotIn("root:", r.stderr)

    def test_ids_of_the_configuration_are_not_given_again(self):
        conf = self.write("speechwatch.conf", DAEMON.format(state=self.tmp + "/st") +
                          '[source "mfa"]\nurl = https://x.example/\nkind = rss\n', 0o600)
        path = self.write("subs.opml", OPML)
        r = self.sw("import", "-c", conf, "opml", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([s[0] for s in self.sections(r.stdout)],
                         ["mfa-news-statements", "press-room", "mfa-2"])
        with open(conf, "a") as f:
            f.write(r.stdout)
        self.assertIn("ok: 4 sources (1 enabled)", self.sw("check", "-c", conf).stdout)

    def test_usage(self):
        r = self.sw("import", "netscape", "x")
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage: speechwatch import [-c FILE] urlwatch|opml FILE", r.stderr)
        r = self.sw("import", "opml", os.path.join(self.tmp, "absent.opml"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("absent.opml", r.stderr)


if __name__ == "__main__":
    swtest.main()
