"""A source's custom headers carry its credentials and go only to the
source's own origin (issue 14 item 1).

Two local sites on two ports are two origins. The source's list on site A
links article 1 on A, article 2 on B, and article 3 on A, which redirects
to B. Each site records every request with the X-Api-Key it carried: A
must see the key on every request, B never (curl sends CURLOPT_HTTPHEADER
to every redirect target, and article links on another origin got the
source's headers too).
"""
import json
import os
import urllib.request

import swtest

CONF = """[daemon]
state_dir = {state}
first_poll = alert
[source "site"]
url = http://127.0.0.1:{a}/list
items = //ul[@class="news"]/li
headers = X-Api-Key: k-secret-1
"""


def state_of(port, update=None):
    url = "http://127.0.0.1:%d/state" % port
    req = urllib.request.Request(url, data=json.dumps(update).encode(), method="POST") \
        if update is not None else url
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read()) if update is None else None


class CredentialsTest(swtest.TestCase):
    def test_headers_only_to_the_sources_origin(self):
        a, aport = swtest.start_server("controlled_site.py", [])
        self.procs.append(a)
        b, bport = swtest.start_server("controlled_site.py", [])
        self.procs.append(b)
        other = "http://127.0.0.1:%d" % bport
        state_of(aport, {"items": [1, 2, 3], "links": {"2": other + "/art?n=2"},
                         "redirect": {"3": other + "/art?n=3"}})
        state_of(bport, {"items": []})
        conf = self.write("speechwatch.conf", CONF.format(
            state=os.path.join(self.tmp, "state"), a=aport))

        r = self.sw("once", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        titles = sorted(json.loads(l)["item"]["title"] for l in r.stdout.splitlines()
                        if l.startswith("{") and '"statement.new"' in l)
        self.assertEqual(titles, ["Statement number %d" % n for n in (1, 2, 3)], r.stderr)

        seen_a = state_of(aport)["seen"]
        seen_b = state_of(bport)["seen"]
        self.assertEqual(sorted(p for p, _ in seen_a), ["/art?n=1", "/art?n=3", "/list"])
        self.assertEqual([k for _, k in seen_a], ["k-secret-1"] * 3, seen_a)
        self.assertEqual(sorted(p for p, _ in seen_b), ["/art?n=2", "/art?n=3"])
        self.assertEqual([k for _, k in seen_b], [None, None], seen_b)


if __name__ == "__main__":
    swtest.main()
