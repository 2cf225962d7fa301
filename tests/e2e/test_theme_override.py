"""Theme override by id (issue 17, deliver 7): a later [theme "x"] (in the
main file after the include of the shipped pack) replaces the pack's theme
x as a whole, `check` says so in a notice naming both places, and the
override is what `classify` (--themes and -c) and the daemon score with;
the daemon logs the notice at start and on a reload. A theme defined twice
in one file stays an error."""
import json
import os
import signal
import time

import swtest

PACK = os.path.join(swtest.ROOT, "config", "themes", "diplomacy.conf")

OVERRIDE = """[theme "climate"]
label = Zebra crossings
phrase = 3 zebra crossing
"""

TEXT = ("The zebra crossing outside the school was repainted. Every zebra crossing "
        "in the district will be checked before the winter, the council said.")

LIST_PAGE = ("<!DOCTYPE html><html><head><meta charset=utf-8><title>News</title></head><body>"
             "<ul class=news><li><a href='a1.html'>Zebra crossings repainted</a>"
             "<span>2026-12-01</span></li></ul></body></html>")
ARTICLE = ("<!DOCTYPE html><html><head><meta charset=utf-8><title>Zebra crossings repainted"
           "</title></head><body><article><h1>Zebra crossings repainted</h1><p>1 December 2026"
           "</p><p>%s</p><p>%s</p></article></body></html>" % (TEXT, TEXT))


def pack_themes():
    with open(PACK, encoding="utf-8") as f:
        return sum(1 for line in f if line.startswith("[theme "))


def pack_line(theme):
    with open(PACK, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip() == '[theme "%s"]' % theme:
                return n
    raise AssertionError("no theme %s in the pack" % theme)


class ThemeOverrideTest(swtest.TestCase):
    def main_conf(self, extra=""):
        return self.write("main.conf", "include = %s\n\n%s%s" % (PACK, OVERRIDE, extra))

    def test_check_names_both_places_and_passes(self):
        conf = self.main_conf()
        r = self.sw("check", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("ok: 0 sources, %d themes" % pack_themes()), r.stdout)
        want = "%s:3: notice: theme 'climate' at %s:3 replaces the one from %s:%d" % (
            conf, conf, PACK, pack_line("climate"))
        self.assertIn(want, r.stderr.splitlines())

    def test_the_override_wins_in_classify(self):
        conf = self.main_conf()
        page = self.write("page.txt", "<p>%s</p>" % TEXT)
        for args in (["--themes", conf], ["-c", conf]):
            with self.subTest(args=args):
                r = self.sw("classify", "--json", page, *args)
                self.assertEqual(r.returncode, 0, r.stderr)
                themes = {t["id"]: t for t in json.loads(r.stdout)["themes"]}
                self.assertEqual(len(themes), pack_themes())
                self.assertEqual(themes["climate"]["label"], "Zebra crossings")
                self.assertTrue(themes["climate"]["above"], themes["climate"])
                # the pack's other themes are still there, untouched
                self.assertIn("Arms control", themes["arms-control"]["label"])

    def test_the_daemon_scores_with_the_override(self):
        site = os.path.join(self.tmp, "site")
        os.makedirs(site)
        for name, text in (("index.html", LIST_PAGE), ("a1.html", ARTICLE)):
            with open(os.path.join(site, name), "w", encoding="utf-8") as f:
                f.write(text)
        server, port = swtest.start_static_server(site)
        self.procs.append(server)
        conf = self.main_conf(
            "\n[daemon]\nstate_dir = %s\nfirst_poll = alert\nallow_private = yes\n\n"
            "[source \"council\"]\nurl = http://127.0.0.1:%d/index.html\nkind = html\n"
            "items = //ul/li\nlink = a/@href\ntitle = a\nlanguage = en\n\n"
            "[notify \"out\"]\ntype = stdout\n" % (os.path.join(self.tmp, "state"), port))
        r = self.sw("once", "-c", conf, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        events = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
        self.assertEqual(len(events), 1, r.stdout)
        self.assertIn("config: %s:3: notice: theme 'climate' at %s:3 replaces the one from %s:%d"
                      % (conf, conf, PACK, pack_line("climate")), r.stderr)
        ids = [t["id"] for t in events[0]["themes"]]
        self.assertEqual(ids, ["climate"], events[0]["themes"])
        self.assertEqual(events[0]["themes"][0]["label"], "Zebra crossings")

    def test_a_reload_logs_the_override(self):
        daemon = "[daemon]\nstate_dir = %s\n[notify \"out\"]\ntype = stdout\n" % (
            os.path.join(self.tmp, "state"))
        conf = self.write("main.conf", "include = %s\n" % PACK + daemon)
        d = self.spawn([swtest.BIN, "run", "-c", conf])
        self.wait_for(d, "started")
        self.assertNotIn("notice", d.output())
        self.write("main.conf", "include = %s\n" % PACK + OVERRIDE + daemon)
        d.signal(signal.SIGHUP)
        self.wait_for(d, "reload: %s:2: notice: theme 'climate' at %s:2 replaces the one from %s:%d"
                      % (conf, conf, PACK, pack_line("climate")))
        self.wait_for(d, "reload: done")
        d.signal(signal.SIGTERM)

    def wait_for(self, proc, text, timeout=20):
        deadline = time.time() + timeout
        while text not in proc.output() and time.time() < deadline:
            time.sleep(0.05)
        self.assertIn(text, proc.output())

    def test_twice_in_one_file_is_still_an_error(self):
        conf = self.main_conf(OVERRIDE)
        r = self.sw("check", "-c", conf)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("%s:6: duplicate theme 'climate' (first defined at line 3)" % conf,
                      r.stderr)

    def test_a_later_include_replaces_an_earlier_one(self):
        self.write("mine.conf", OVERRIDE)
        conf = self.write("main.conf", "include = %s\ninclude = mine.conf\n" % PACK)
        r = self.sw("check", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("theme 'climate' at %s:1 replaces the one from %s:%d" % (
            os.path.join(self.tmp, "mine.conf"), PACK, pack_line("climate")), r.stderr)


if __name__ == "__main__":
    swtest.main()
