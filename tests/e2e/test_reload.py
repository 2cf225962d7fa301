"""SIGHUP applies the [daemon] section, not only sources, themes and
channels: the address policy, proxy and timeouts of the fetch engine change
with a reload (they used to stay as at start, silently), and a change that
only a restart can apply (state_dir) refuses the reload, naming the key."""
import json
import os
import signal
import time

import swtest

CONF = """[daemon]
state_dir = {state}
first_poll = alert
{extra}
[source "site"]
url = http://127.0.0.1:{port}/{page}
items = //ul[@class="news"]/li
interval = 1h
offsite = yes
"""

ARTICLE = """<html><head><title>{t}</title></head><body><article><h1>{t}</h1>
<p>{t}: the minister said today that the statement was published in full,
with every paragraph of the text that the office released this morning.</p>
</article></body></html>"""


class ReloadTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        self.site = os.path.join(self.tmp, "site")
        os.makedirs(self.site)
        self.server, self.port = swtest.start_static_server(self.site)
        self.procs.append(self.server)
        self.state = os.path.join(self.tmp, "state")

    def page(self, name, arts):
        """A list whose links name the host 'localhost': not the source's own
        host, so reaching it needs allow_private (and offsite = yes lets the
        list hold such links at all)."""
        items = "".join('<li><a href="http://localhost:%d/%s.html">%s</a></li>' % (self.port, a, a)
                        for a in arts)
        with open(os.path.join(self.site, name), "w") as f:
            f.write('<html><body><ul class="news">%s</ul></body></html>' % items)
        for a in arts:
            with open(os.path.join(self.site, a + ".html"), "w") as f:
                f.write(ARTICLE.format(t="Statement " + a))

    def conf(self, page, extra="", state=None):
        return self.write("speechwatch.conf", CONF.format(
            state=state or self.state, port=self.port, page=page, extra=extra))

    def wait_for(self, proc, text, timeout=20, start=0):
        deadline = time.time() + timeout
        while text not in proc.output()[start:] and time.time() < deadline:
            time.sleep(0.05)
        self.assertIn(text, proc.output()[start:], proc.output())

    def alerts(self, out):
        return [json.loads(l)["item"]["title"] for l in out.splitlines()
                if l.startswith("{") and '"statement.new"' in l]

    def test_removing_allow_private_applies_on_the_next_poll(self):
        self.page("list1.html", ["one"])
        conf = self.conf("list1.html", "allow_private = yes")
        d = self.spawn([swtest.BIN, "run", "-c", conf])
        self.wait_for(d, "delivered attempt=1")
        self.assertNotIn("refused", d.output())
        self.assertEqual(self.alerts(d.output()), ["one"])
        # A changed url is polled at once after the reload: the next poll.
        self.page("list2.html", ["one", "two"])
        self.conf("list2.html")
        mark = len(d.output())
        d.signal(signal.SIGHUP)
        self.wait_for(d, "reload: done", start=mark)
        self.assertIn("reload: [daemon] allow_private applied", d.output()[mark:])
        self.wait_for(d, "connection to 127.0.0.1 refused", start=mark)
        self.assertNotIn("Statement two", d.output())
        d.signal(signal.SIGTERM)
        self.assertEqual(d.wait(15), 0, d.output())

    def test_proxy_and_timeouts_are_applied_and_named(self):
        self.page("list1.html", [])
        conf = self.conf("list1.html")
        d = self.spawn([swtest.BIN, "run", "-c", conf])
        self.wait_for(d, "poll=")
        mark = len(d.output())
        # A proxy that refuses connections: the next poll must go through it.
        dead = swtest.free_port()
        self.conf("list2.html", "proxy = http://127.0.0.1:%d\ntimeout = 30s\n"
                  "connect_timeout = 5s" % dead)
        d.signal(signal.SIGHUP)
        self.wait_for(d, "reload: done", start=mark)
        self.assertIn("reload: [daemon] proxy, timeout, connect_timeout applied",
                      d.output()[mark:])
        self.wait_for(d, "127.0.0.1 port %d" % dead, start=mark)
        d.signal(signal.SIGTERM)
        self.assertEqual(d.wait(15), 0, d.output())

    def test_a_new_state_dir_refuses_the_reload_naming_it(self):
        self.page("list1.html", ["one"])
        conf = self.conf("list1.html", "allow_private = yes")
        d = self.spawn([swtest.BIN, "run", "-c", conf])
        self.wait_for(d, "poll=ok")
        mark = len(d.output())
        self.conf("list2.html", state=os.path.join(self.tmp, "elsewhere"))
        d.signal(signal.SIGHUP)
        self.wait_for(d, "still running on the previous configuration", start=mark)
        out = d.output()[mark:]
        self.assertIn("state_dir changed", out)
        self.assertIn("only a restart can apply it", out)
        self.assertNotIn("reload: done", out)
        self.assertIsNone(d.p.poll())
        d.signal(signal.SIGTERM)
        self.assertEqual(d.wait(15), 0, d.output())


if __name__ == "__main__":
    swtest.main()
