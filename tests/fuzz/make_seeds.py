#!/usr/bin/env python3
"""Writes the small seed corpora of the fuzz targets into tests/fuzz/seeds/.
Hand-made inputs (no fixture is copied): each target's seeds exercise its
main forms once. The first byte of page/list/feed/date seeds is the
variant selector the targets read. Run again after editing; the output is
deterministic and committed."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

HTML_LIST = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>News</title>
<base href="/news/"></head><body>
<ul><li><a href="2024/05/statement-1.html">Statement on the summit</a> <span class="date">12/05/2024</span></li>
<li><a href="/news/2024/05/statement-2.html#top">Remarks &amp; answers</a><time datetime="2024-05-13">13 May</time></li></ul>
<div class="item big"><h3>Press release</h3><a href="p3.html">more</a><span class="date">14/05/2024</span></div>
<table><tr><td>2024-05-15</td><td><a href="t.html">Table item</a></td></tr></table>
<article><h2>Article</h2><a href="../a.html">link</a><time>2024-05-16</time></article>
<script>var x = "<a href='no'>";</script><style>a{}</style></body></html>
"""
HTML_DISCOVER = """<!DOCTYPE html><html><head><title>Press releases</title>
<link rel="alternate" type="application/rss+xml" href="/feed/"><link rel="Alternate nofollow" type="application/atom+xml" href="atom.xml">
<link rel="alternate stylesheet" href="x.css"><meta name="generator" content="WordPress 6.1"></head><body>
<nav><ul class="menu"><li><a href="/">Home</a></li><li><a href="/news/">News</a></li></ul></nav>
<main><h1>Press releases</h1><ul class="news-list">
<li><a href="/news/2/28/statement-on-the-summit">Statement by the Minister on the summit in Geneva</a> <span class="date">2/28/22</span></li>
<li><a href="/news/1/8/remarks">Remarks at the Security Council open debate on cyber security</a> <span class="date">1/8/22</span></li>
<li><a href="/doc/speech.pdf">Speech of the Prime Minister (PDF)</a> <span class="date">1/2/22</span></li>
</ul><div class="pagination"><a href="?page=2">2</a><a href="?page=3">3</a></div></main>
<aside class="sidebar related"><h3>Most read</h3><a href="/news/x">Another long title of a related story here</a></aside>
<footer><a href="/contact">Contact</a><a href="/rss">RSS</a></footer></body></html>
"""
HTML_LATIN1 = ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\">"
               "</head><body><p>D\xe9claration du minist\xe8re, 1er octobre 2019</p></body></html>").encode("latin-1")
HTML_SJIS = ("<html><head><meta charset=\"shift_jis\"></head><body><a href=\"/n/1\">外務大臣会見 2019年10月24日</a>"
             "</body></html>").encode("shift_jis")
HTML_BROKEN = b"<html><body><div><p>unclosed <b>bold <i>nested</div></p>&nbsp;&#x41;&#0;&bogus;<!-- c -- d --><a href=javascript:x>j</a>"
RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Ministry</title><link>https://example.org/</link>
<item><title>First statement</title><link>https://example.org/s/1</link><guid>s-1</guid>
<pubDate>Thu, 24 Oct 2019 14:06:00 +0800</pubDate><description>&lt;p&gt;Text&lt;/p&gt;</description></item>
<item><title><![CDATA[Second <b>one</b>]]></title><link>/s/2</link><guid isPermaLink="false">s-2</guid></item>
</channel></rss>
"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>FCDO</title>
<entry><title type="html">Foreign Secretary &amp;amp; partners</title><link rel="alternate" href="https://example.org/g/1"/>
<id>tag:example.org,2019:1</id><updated>2019-10-24T14:06:00Z</updated><summary>Summary</summary></entry>
<entry><title>Two</title><link href="/g/2"/><id>tag:example.org,2019:2</id><published>2019-10-25</published></entry>
</feed>
"""
RDF = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"><channel rdf:about="https://example.org/"><title>RDF</title></channel>
<item rdf:about="https://example.org/r/1"><title>Item</title><link>https://example.org/r/1</link><dc:date>2019-10-24</dc:date></item>
</rdf:RDF>
"""
RSS_1252 = ("<?xml version=\"1.0\" encoding=\"windows-1252\"?><rss version=\"0.91\"><channel><title>\u201cQuotes\u201d</title>"
            "<item><title>Caf\xe9</title><link>https://example.org/c</link></item></channel></rss>").encode("cp1252")
ENTITIES = b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaa">]><rss><channel><item><title>&a;</title></item></channel></rss>'

CONFIG = """[daemon]
state_dir = /tmp/sw-fuzz-state
log_level = info
user_agent = speechwatch-fuzz/1
allow_private = no
proxy = http://127.0.0.1:3128

[source "mfa-en"]
url = https://example.org/news/
items = //ul/li
link = a/@href
title = a
date = span[@class='date']
date_format = %d/%m/%Y
interval = 10m
language = en
max_items = 50
headers = X-Api-Key: abc
themes = cyber-*, *

[source "feed"]
url = https://example.org/feed.xml
type = feed
interval = 1h30m
encoding = windows-1252

[notify "hook"]
type = webhook
url = https://hooks.example.org/in
secret_file = hook.secret
retry_for = 2d
digest = 0

[notify "mail"]
type = mail
to = a@example.org, b@example.org
themes = *
"""
THEME = """; a theme pack
[theme "cyber-sovereignty"]
label = Cyber sovereignty
threshold = 0.30
phrase = 3 cyber sovereignty
phrase = 2 sovereignty in cyberspace
phrase = 1.5 non-interference in internal affairs
phrase = 3 网络主权
phrase = 2 souveraineté numérique
phrase = -1 sovereign wealth fund
requires = sovereignty within 20 words
excludes = football

[theme "arms-control"]
threshold = 0.5
phrase = 3 arms control
phrase = 2 non-proliferation treaty
phrase = 1 disarmament
phrase = 2 контроль над вооружениями
"""
DATES = [
    (0x00, "2019-10-24"), (0x01, "2019-10-24 14:06"), (0x01, "October 24, 2019"),
    (0x02, "1er octobre 2019"), (0x03, "24. Oktober 2019"), (0x04, "24 de octubre de 2019"),
    (0x05, "24 октября 2019 г."), (0x06, "2019年10月24日"), (0x07, "令和元年10月24日"),
    (0x10, "24/10/2019"), (0x20, "2019-10-24T14:06:00+08:00"), (0x00, "Thu, 24 Oct 2019 14:06:00 GMT"),
    (0x30, "24 October 2019"), (0x40, "October 24, 2019 14:06"), (0x00, "24.10.2019"),
    (0x08, "٢٤ أكتوبر ٢٠١٩"), (0x09, "24 de outubro de 2019"), (0x00, "Posted: 2019-13-45 99:99"),
]


def put(target, name, data):
    d = os.path.join(HERE, "seeds", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def main():
    pages = {"list.html": HTML_LIST.encode(), "latin1.html": HTML_LATIN1, "sjis.html": HTML_SJIS,
             "broken.html": HTML_BROKEN, "rss.xml": RSS.encode(), "atom.xml": ATOM.encode(),
             "rdf.xml": RDF.encode(), "rss1252.xml": RSS_1252, "entities.xml": ENTITIES}
    for i, (name, data) in enumerate(sorted(pages.items())):
        put("page", name, bytes([i * 29 % 256]) + data)
    for i, name in enumerate(["list.html", "latin1.html", "sjis.html", "broken.html"]):
        for sel in (0, 1, 2, 3, 4, 5):
            put("list", "%s.%d" % (name, sel), bytes([sel | (i % 3) << 4]) + pages[name])
    for i, name in enumerate(["rss.xml", "atom.xml", "rdf.xml", "rss1252.xml", "entities.xml"]):
        for sel in (0, 4 | 8):
            put("feed", "%s.%d" % (name, sel), bytes([sel | i % 4]) + pages[name])
    for i, name in enumerate(["list.html", "broken.html", "sjis.html"]):
        put("discover", name, bytes([i]) + pages[name])
    put("discover", "discover.html", b"\x00" + HTML_DISCOVER.encode())
    put("config", "full.conf", CONFIG)
    put("config", "themes.conf", THEME)
    put("config", "errors.conf", "[source \"x\"]\nurl = ftp://h\ninterval = 0x10\n[bogus]\nk=v\n")
    put("import", "urls.yaml", b"\x00name: 'A ''b'''\nurl: \"https://a.example/x\"\n"
        b"filter:\n  - xpath: //main  # c\n---\ncommand: ls\n---\nurl: https://b.example/\n")
    put("import", "subs.opml", b"\x01<?xml version='1.0'?><opml><body><outline text='F'>"
        b"<outline title='T' xmlUrl='https://a.example/rss'/>"
        b"<outline text='P' htmlUrl='https://b.example/?a=1&amp;b=2'/></outline></body></opml>")
    put("theme", "pack.conf", THEME)
    put("theme", "one.conf", "[theme \"t\"]\nphrase = 1 a\n")
    for i, (sel, text) in enumerate(DATES):
        put("date", "%02d" % i, bytes([sel]) + text.encode("utf-8"))


if __name__ == "__main__":
    main()
