"""The synthetic ministry site of the fleet bench: N list pages of about 30 KB
(20 items each, with the chrome a ministry page carries: inline styles and
scripts, navigation, a language menu, a sidebar, pagination, a footer) and
the article pages they link to.

Everything is deterministic from (page, article number), so the truth of
what is new after a change is known exactly: `Site.change()` puts two new
articles at the top of a page (the two oldest fall off, the list keeps 20
items) and returns their URLs.
"""
import datetime
import os
import random

ITEMS = 20
NEW_PER_CHANGED_PAGE = 2
LIST_XPATH = '//ul[@class="news-list"]/li'
DATE_XPATH = 'span[@class="date"]'

TOPICS = ["maritime cooperation", "the law of the sea", "trade and investment", "climate finance",
          "arms control and non-proliferation", "cyber sovereignty", "supply-chain security",
          "the reform of the Security Council", "development assistance", "consular protection",
          "the Arctic Council", "food security", "global health", "counter-terrorism",
          "nuclear disarmament", "digital economy", "energy transition", "humanitarian aid"]
EVENTS = ["the opening of the annual conference", "a press briefing", "the ministerial meeting",
          "the bilateral consultations", "the regional forum", "the General Assembly debate",
          "the signing ceremony", "a joint press conference", "the ambassadors' conference"]
SPEAKERS = ["the Minister", "the Deputy Minister", "the Spokesperson", "the Permanent Representative",
            "the State Secretary", "the Special Envoy"]
SENTENCES = [
    "The minister stressed that dialogue and consultation remain the only way to settle disputes.",
    "Our country respects cyber sovereignty and opposes the militarisation of cyberspace.",
    "We call on all parties to return to the negotiating table without preconditions.",
    "Arms control treaties have served international security for decades and must be preserved.",
    "Supply chains for critical minerals and semiconductors must stay open, stable and secure.",
    "The United Nations should remain at the centre of global governance and multilateralism.",
    "Climate finance commitments made by developed countries must be honoured in full.",
    "Both sides agreed to deepen cooperation in trade, investment, education and tourism.",
    "The spokesperson said that the embassy is following the situation closely.",
    "Freedom of navigation in international waters is guaranteed by the law of the sea.",
    "Humanitarian access must be granted to every civilian in need, without delay.",
    "The two ministers signed a memorandum of understanding on fisheries and ocean research.",
]
LANGS = [("en", "English"), ("fr", "Français"), ("es", "Español"), ("ru", "Русский"),
         ("zh", "中文"), ("ar", "العربية"), ("de", "Deutsch"), ("pt", "Português"),
         ("ja", "日本語"), ("ko", "한국어")]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def _css():
    rules = []
    for i in range(75):
        rules.append(".c%d{margin:%dpx %dpx;padding:%dpx;color:#%06x;font-size:%d%%}"
                     % (i, i % 7, i % 5, i % 9, (i * 0x1f3d5b) & 0xffffff, 80 + i % 40))
    return "\n".join(rules)


def _script():
    lines = ["window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}",
             "gtag('js',new Date());gtag('config','G-MINISTRY01',{anonymize_ip:true});"]
    for i in range(25):
        lines.append("document.querySelectorAll('.menu-%d a').forEach(function(a){a.addEventListener("
                     "'click',function(){gtag('event','nav',{id:%d,label:a.textContent});});});" % (i, i))
    return "\n".join(lines)


def _nav():
    out = ['<nav class="main-nav" aria-label="Main"><ul class="menu">']
    for s in range(8):
        out.append('<li class="menu-%d"><a href="/mfa/section-%d/">Section %d</a><ul class="sub">' % (s, s, s))
        for k in range(6):
            out.append('<li><a href="/mfa/section-%d/topic-%d.html">%s</a></li>'
                       % (s, k, TOPICS[(s * 6 + k) % len(TOPICS)].capitalize()))
        out.append("</ul></li>")
    out.append("</ul></nav>")
    return "".join(out)


def _langs():
    return ('<div class="lang-menu"><button aria-expanded="false">Language</button><ul>'
            + "".join('<li><a href="/%s/" hreflang="%s" lang="%s">%s</a></li>' % (c, c, c, n)
                      for c, n in LANGS) + "</ul></div>")


def _sidebar():
    out = ['<aside class="sidebar"><h2>Topics</h2><ul class="topics">']
    for k, t in enumerate(TOPICS):
        out.append('<li><a href="/mfa/topics/%d.html">%s</a></li>' % (k, t.capitalize()))
    out.append('</ul><h2>Most read</h2><ol class="most-read">')
    for k in range(10):
        out.append('<li><a href="/mfa/most-read/%d.html">Statement on %s</a></li>'
                   % (k, TOPICS[(k * 5) % len(TOPICS)]))
    out.append("</ol></aside>")
    return "".join(out)


def _footer():
    out = ['<footer class="site-footer"><div class="cols">']
    for c in range(4):
        out.append('<ul class="footer-col">')
        for k in range(10):
            out.append('<li><a href="/mfa/about/%d-%d.html">About the ministry %d.%d</a></li>' % (c, k, c, k))
        out.append("</ul>")
    out.append('</div><address>Ministry of Foreign Affairs, 1 Government Square, Capital City. '
               'Telephone +00 12 345 6789. Press office: press@mfa.example.</address>'
               '<p class="legal">&copy; Ministry of Foreign Affairs. Accessibility. Privacy. '
               'Cookies. Terms of use. Sitemap.</p></footer>')
    return "".join(out)


class Site:
    """The site under root; page i is /mfa/press/list-NNNNN.html."""

    def __init__(self, root, n, seed=13):
        self.root = root
        self.n = n
        self.seed = seed
        self.today = datetime.date.today()
        # newest[i]: number of the newest article on page i (articles 0..newest, the top 20 listed).
        self.newest = [ITEMS - 1] * n
        css, js = _css(), _script()
        self.head = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
                     '<meta name="viewport" content="width=device-width, initial-scale=1">'
                     '<link rel="stylesheet" href="/static/site.css"><style>%s</style>'
                     '<script async src="/static/gtag.js"></script><script>%s</script>' % (css, js))
        self.top = ('<body><a class="skip" href="#main">Skip to content</a><header class="site-header">'
                    '<a class="logo" href="/mfa/"><img src="/static/logo.svg" alt="Ministry of Foreign Affairs">'
                    '</a>%s<form class="search" action="/mfa/search"><input name="q" type="search">'
                    '<button>Search</button></form></header>%s' % (_langs(), _nav()))
        self.sidebar = _sidebar()
        self.footer = _footer() + '<script src="/static/site.js" defer></script></body></html>\n'
        # Article pages carry lighter chrome, so that N=10,000 (200,000 articles) fits on disk.
        self.article_top = ('<body><header class="site-header"><a class="logo" href="/mfa/">Ministry of '
                            'Foreign Affairs</a>%s</header>%s' % (_langs(), _nav()))

    def list_path(self, i):
        return "/mfa/press/list-%05d.html" % i

    def article_path(self, i, k):
        return "/mfa/press/%05d/a%06d.html" % (i, k)

    def _title(self, i, k):
        r = random.Random(self.seed * 1000003 + i * 10007 + k)
        return "%s on %s at %s (%d/%d)" % (r.choice(SPEAKERS).capitalize(), r.choice(TOPICS),
                                           r.choice(EVENTS), i, k)

    def _date(self, i, k):
        """Old articles are months old (outside any re-check window); articles
        published by change() are dated today."""
        if k >= ITEMS:
            d = self.today
        else:
            d = self.today - datetime.timedelta(days=30 + (ITEMS - 1 - k) * 3 + i % 50)
        return "%d %s %d" % (d.day, MONTHS[d.month - 1], d.year), d.isoformat()

    def _item(self, i, k):
        text, iso = self._date(i, k)
        r = random.Random(self.seed * 7 + i * 131 + k)
        summary = " ".join(r.sample(SENTENCES, 2))
        return ('<li class="news-item c%d"><span class="date"><time datetime="%s">%s</time></span>'
                '<a href="%s">%s</a><p class="summary">%s</p><ul class="tags"><li>%s</li><li>%s</li>'
                '</ul></li>' % (k % 60, iso, text, self.article_path(i, k), self._title(i, k), summary,
                                r.choice(TOPICS), r.choice(TOPICS)))

    def list_html(self, i):
        items = "".join(self._item(i, k) for k in range(self.newest[i], self.newest[i] - ITEMS, -1))
        pages = "".join('<li><a href="?page=%d">%d</a></li>' % (p, p) for p in range(2, 12))
        return ('%s<title>Press releases (%d) - Ministry of Foreign Affairs</title></head>%s'
                '<main id="main"><nav class="breadcrumbs"><a href="/mfa/">Home</a> &gt; '
                '<a href="/mfa/press/">Press</a> &gt; Releases %d</nav><div class="layout"><section>'
                '<h1>Press releases, series %d</h1><ul class="news-list">%s</ul><ul class="pager">%s'
                '</ul></section>%s</div></main>%s'
                % (self.head, i, self.top, i, i, items, pages, self.sidebar, self.footer))

    def article_html(self, i, k):
        r = random.Random(self.seed * 31 + i * 977 + k)
        paras = "".join("<p>%s</p>" % " ".join(r.sample(SENTENCES, 4)) for _ in range(5))
        text, iso = self._date(i, k)
        return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>%s</title>'
                '<link rel="stylesheet" href="/static/site.css"></head>%s<main id="main">'
                '<article><h1>%s</h1><p class="meta"><time datetime="%s">%s</time></p>%s</article>'
                '<div class="share"><a href="#">Print</a> <a href="#">Share</a></div></main>%s'
                % (self._title(i, k), self.article_top, self._title(i, k), iso, text, paras,
                   self.footer))

    def _write(self, path, text, mtime):
        full = os.path.join(self.root, path.lstrip("/"))
        with open(full, "w", encoding="utf-8") as f:
            f.write(text)
        os.utime(full, (mtime, mtime))

    def generate(self):
        """Writes every list page and article. Files are dated a day back, so
        that a page changed later gets a different ETag and Last-Modified even
        within the same second."""
        old = datetime.datetime.now().timestamp() - 86400
        for i in range(self.n):
            os.makedirs(os.path.join(self.root, "mfa/press/%05d" % i), exist_ok=True)
            for k in range(ITEMS):
                self._write(self.article_path(i, k), self.article_html(i, k), old)
            self._write(self.list_path(i), self.list_html(i), old)

    def change(self, fraction):
        """Publishes NEW_PER_CHANGED_PAGE articles on an evenly spread
        `fraction` of the list pages; returns (changed list paths, new article
        paths)."""
        count = max(1, round(self.n * fraction))
        step = self.n / count
        pages = sorted({int(j * step) for j in range(count)})
        now = datetime.datetime.now().timestamp()
        new = []
        for i in pages:
            for _ in range(NEW_PER_CHANGED_PAGE):
                self.newest[i] += 1
                k = self.newest[i]
                self._write(self.article_path(i, k), self.article_html(i, k), now)
                new.append(self.article_path(i, k))
            self._write(self.list_path(i), self.list_html(i), now)
        return [self.list_path(i) for i in pages], new
