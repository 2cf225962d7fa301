#!/usr/bin/python3
"""render = browser under the real systemd unit (issue 19), by hand.

CI's booted-container test (tests/e2e/test_deb.py) has no browser: Debian's
chromium and its libraries are some 150 MB to download into the container
on every run. This check does it once when the render code or the unit
changes: it builds the .deb from this checkout, bootstraps Debian 12 with
the package's libraries, installs chromium into the root (chroot, with the
host's network), boots it under systemd-nspawn without network, installs
the package with apt-get, serves a list page whose items a script writes
one second after load (on the container's own loopback), runs the service
with a `render = browser` source and `first_poll = alert`, and checks the
journal: the poll is ok and the three script-written statements are
alerted. It prints the journal and exits 1 when a check fails.

    sudo bench/unit-render/run.py          # about 6 minutes (debootstrap, chromium)

Needs root, systemd-container, debootstrap, debhelper and a Debian mirror.
Last run: see docs/render.md ("Under the unit").
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("SW_ROOT", ROOT)
os.environ.setdefault("SPEECHWATCH_BIN", os.path.join(ROOT, "build", "speechwatch"))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import nspawn  # noqa: E402
import test_deb  # noqa: E402

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>News</title></head>
<body><ul id="list"></ul><script>
setTimeout(function () {
  var list = document.getElementById('list');
  for (var i = 1; i <= 3; i++) {
    var li = document.createElement('li'), a = document.createElement('a');
    a.href = 'a' + i + '.html';
    a.textContent = 'Statement number ' + i + ' on regional cooperation';
    li.appendChild(a);
    list.appendChild(li);
  }
}, 1000);
</script></body></html>"""
ARTICLE = ("<html><body><article><h1>Statement %d</h1>" +
           "<p>The ministers discussed the peaceful settlement of disputes and cooperation "
           "on climate and trade in the region today.</p>" * 5 + "</article></body></html>")
CONF = """[daemon]
state_dir = /var/lib/speechwatch

[source "rendered"]
url        = http://127.0.0.1:%d/index.html
items      = //ul[@id="list"]/li
render     = browser
first_poll = alert
interval   = 1h
"""


def install_chromium(ct):
    """apt-get in a chroot of the root before it boots (the booted container has no
    network; debootstrap --include=chromium fails configuring dconf-service)."""
    script = ("mount -t proc proc /proc; apt-get update -q && DEBIAN_FRONTEND=noninteractive "
              "apt-get install -y -q --no-install-recommends chromium; rc=$?; umount /proc; "
              "exit $rc")
    r = subprocess.run(["chroot", ct.root, "sh", "-c", script], capture_output=True, text=True,
                       timeout=1800)
    if r.returncode != 0:
        sys.exit("chromium install failed: " + r.stderr[-1500:])


def serve_site(ct, top):
    site = os.path.join(top, "site")
    os.makedirs(site)
    with open(os.path.join(site, "index.html"), "w") as f:
        f.write(PAGE)
    for i in range(1, 4):
        with open(os.path.join(site, "a%d.html" % i), "w") as f:
            f.write(ARTICLE % i)
    port_file = os.path.join(top, "port")
    ct.serve_in_netns(["/usr/bin/python3", os.path.join(ROOT, "tests", "servers",
                                                        "static_http.py"),
                       site, "--port-file", port_file], os.path.join(top, "server.log"))
    deadline = time.time() + 15
    while not (os.path.exists(port_file) and os.path.getsize(port_file)):
        if time.time() > deadline:
            sys.exit("the site did not start")
        time.sleep(0.2)
    with open(port_file) as f:
        return int(f.read())


def journal(ct):
    return ct.run(["journalctl", "-u", "speechwatch", "-o", "cat", "--no-pager"]).stdout


def run_service(ct, port):
    with open(ct.host_path("/etc/speechwatch/speechwatch.conf"), "w") as f:
        f.write(CONF % port)
    r = ct.run(["systemctl", "restart", "speechwatch"], timeout=90)
    if r.returncode != 0:
        sys.exit("the service did not start: " + r.stderr + journal(ct))
    deadline = time.time() + 120
    while time.time() < deadline and journal(ct).count("statement.new") < 3:
        if "source=rendered poll=" in journal(ct) and "poll=ok" not in journal(ct):
            break
        time.sleep(1)
    return journal(ct)


def main():
    why = nspawn.why_not()
    if why:
        sys.exit("cannot boot a container: " + why)
    top = tempfile.mkdtemp(prefix="sw-unit-render-", dir="/var/tmp")
    ct = nspawn.Container(top, test_deb.LIBS)
    try:
        ct.bootstrap_start()
        pkg = test_deb.Package.get()
        if pkg.deb is None:
            sys.exit("no package: %s" % (pkg.skip_reason or pkg.build.stderr[-1500:]))
        err = ct.bootstrap_wait(1800)
        if err:
            sys.exit(err)
        install_chromium(ct)
        shutil.copy(pkg.deb, ct.host_path("/root"))
        err = ct.boot()
        if err:
            sys.exit(err)
        r = ct.run(["apt-get", "install", "-y", "--no-install-recommends",
                    "/root/" + os.path.basename(pkg.deb)], timeout=300)
        if r.returncode != 0:
            sys.exit("apt-get install failed: " + r.stderr[-1500:])
        text = run_service(ct, serve_site(ct, top))
        print(text[-6000:])
        alerts = [l for l in text.splitlines()
                  if l.startswith("source=rendered statement.new")]
        ok = "source=rendered poll=ok" in text and len(alerts) == 3
        print("render under the unit: %s (%d of 3 statements alerted)"
              % ("ok" if ok else "FAILED", len(alerts)))
        return 0 if ok else 1
    finally:
        ct.stop()
        shutil.rmtree(top, ignore_errors=True)
        if test_deb.Package.top:
            shutil.rmtree(test_deb.Package.top, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
