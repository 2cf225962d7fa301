"""The documentation states what the code does, and tests keep it so
(issue 17, item 10): the mail channel's defaults in docs/mail.md and
speechwatch.conf(5) are read from its key table (notify/mail_settings.c),
and the EXAMPLE of speechwatch.conf(5) passes `speechwatch check`."""
import os
import re

import swtest

DOCS = os.path.join(swtest.ROOT, "docs")
SECRET = "whsec_" + "A" * 43 + "="


def read(*parts):
    with open(os.path.join(swtest.ROOT, *parts), encoding="utf-8") as f:
        return f.read()


def mail_defaults():
    """{key: default} of the rows of mail_keys[] that have a default."""
    src = read("notify", "mail_settings.c")
    table = re.search(r"const struct notify_key mail_keys\[\] = \{(.*?)\n\};", src, re.S)
    rows = re.findall(r'\{"([a-z_]+)",\s*NOTIFY_KEY_\w+,\s*M\(\w+\),\s*(NULL|"[^"]*")',
                      table.group(1))
    return {k: d.strip('"') for k, d in rows if d != "NULL"}


def roman(text):
    """Man page source as read: font requests and escapes dropped."""
    text = re.sub(r"(?m)^\.(B|I|BR|RB|IR|RI|BI|IB)\s+", "", text)
    text = text.replace("\\-", "-").replace("\\(en", "-").replace("\\fR", "")
    return re.sub(r'"', "", text)


class MailDefaultsTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        self.defaults = mail_defaults()
        # the table is read: a change of its layout must not make this test vacuous
        self.assertEqual(self.defaults.get("tls"), "opportunistic", self.defaults)
        self.assertIn("timeout", self.defaults)

    def test_mail_md_shows_each_default_at_its_value(self):
        block = re.search(r"```ini\n(\[notify \"desk\"\]\ntype\s*=\s*mail\n.*?)```",
                          read("docs", "mail.md"), re.S).group(1)
        shown = dict(re.findall(r"(?m)^([a-z_]+)\s*=\s*(\S+)", block))
        for key, default in self.defaults.items():
            with self.subTest(key=key):
                self.assertIn(key, shown, "docs/mail.md's example lacks %s" % key)
                self.assertEqual(shown[key], default,
                                 "docs/mail.md shows %s = %s; the default is %s" % (
                                     key, shown[key], default))
        text = read("docs", "mail.md")
        claims = re.findall(r"`(\w+)` \(the default\)", text)
        self.assertEqual(claims, [self.defaults["tls"]], "the tls mode called the default")

    def test_man_page_states_each_default(self):
        page = read("docs", "speechwatch.conf.5")
        part = page[page.index('.BR "type = mail" :\n.TP\n.B smtp_url'):]
        part = part[:part.index("\n.PP\n")]
        checked = []
        for key, default in self.defaults.items():
            m = re.search(r"(?ms)^\.TP\n\.B %s\n(.*?)(?=^\.TP|\Z)" % key, part)
            if m is None:
                continue  # a key shared with other channel types, described with them
            checked.append(key)
            with self.subTest(key=key):
                said = re.search(r"\(default\s+(\S+?)\s*\)", roman(m.group(1)))
                self.assertIsNotNone(said, "speechwatch.conf(5): %s states no default" % key)
                self.assertEqual(said.group(1), default)
        self.assertIn("tls", checked)
        self.assertIn("html", checked)


class ManExampleTest(swtest.TestCase):
    def example(self):
        page = read("docs", "speechwatch.conf.5")
        m = re.search(r"(?ms)^\.SH EXAMPLE\n\.EX\n(.*?)^\.EE$", page)
        self.assertIsNotNone(m, "speechwatch.conf(5) has no EXAMPLE")
        return m.group(1).replace("\\-", "-").replace("\\(aq", "'").replace("\\e", "\\")

    def test_the_example_passes_check(self):
        """Only the paths outside the tree are moved: state, secret, installed packs."""
        text = self.example()
        secret = self.write("analysts.secret", SECRET + "\n", mode=0o600)
        os.makedirs(os.path.join(self.tmp, "conf.d"))
        moves = {"/var/lib/speechwatch": os.path.join(self.tmp, "state"),
                 "/run/credentials/speechwatch.service/analysts.secret": secret,
                 "/usr/local/share/speechwatch/themes": os.path.join(swtest.ROOT, "config",
                                                                     "themes")}
        for path, here in moves.items():
            self.assertIn(path, text)
            text = text.replace(path, here)
        conf = self.write("speechwatch.conf", text)
        r = self.sw("check", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^ok: 2 sources")
        # it overrides one of the pack's themes: allowed, and said (issue 17)
        self.assertIn(": notice: theme 'cyber-sovereignty' at %s:" % conf, r.stderr)


if __name__ == "__main__":
    swtest.main()
