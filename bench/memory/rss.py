"""Runs `speechwatch run` against bench/memory/churnsite.py and samples its
RSS (VmRSS) every STEP seconds; prints the samples as CSV and the slope.

Usage: rss.py BIN ROOT MINUTES SOURCES PERIOD [STEP] [MALLOC_ENV]
"""
import os
import subprocess
import sys
import tempfile
import time

BIN, ROOT = sys.argv[1], sys.argv[2]
MINUTES, SOURCES, PERIOD = float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
STEP = float(sys.argv[6]) if len(sys.argv) > 6 else 10.0


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def slope(samples):
    """Least-squares MiB per minute of (seconds, KiB) samples."""
    n = len(samples)
    if n < 2:
        return 0.0
    mx = sum(t for t, _ in samples) / n
    my = sum(r for _, r in samples) / n
    sxx = sum((t - mx) ** 2 for t, _ in samples)
    sxy = sum((t - mx) * (r - my) for t, r in samples)
    return (sxy / sxx) * 60 / 1024 if sxx else 0.0


def main():
    tmp = tempfile.mkdtemp(prefix="sw-mem-")
    port_file = os.path.join(tmp, "port")
    site = subprocess.Popen([sys.executable, os.path.join(ROOT, "bench/memory/churnsite.py"),
                             str(PERIOD), port_file])
    try:
        while not os.path.exists(port_file) or not open(port_file).read():
            time.sleep(0.1)
        port = int(open(port_file).read())
        conf = ["[daemon]", "state_dir = %s/state" % tmp,
                "include = %s/config/themes/*.conf" % ROOT]
        for k in range(SOURCES):
            conf += ['[source "s%d"]' % k, "url = http://127.0.0.1:%d/list/%d.html" % (port, k),
                     "items = //li", "body = //article", "interval = 10s", "allow_private = yes"]
        path = os.path.join(tmp, "speechwatch.conf")
        with open(path, "w") as f:
            f.write("\n".join(conf) + "\n")
        log = open(os.path.join(tmp, "daemon.log"), "w")
        d = subprocess.Popen([BIN, "run", "-c", path], stdout=subprocess.DEVNULL, stderr=log)
        t0, samples = time.time(), []
        print("seconds,rss_kib")
        while time.time() - t0 < MINUTES * 60 and d.poll() is None:
            time.sleep(STEP)
            s = (time.time() - t0, rss_kib(d.pid))
            samples.append(s)
            print("%.0f,%d" % s, flush=True)
        d.terminate()
        d.wait(30)
        log.close()
        news = sum(1 for l in open(os.path.join(tmp, "daemon.log")) if "statement.new" in l)
        half = samples[len(samples) // 2:]
        print("# statements alerted: %d" % news)
        print("# rss first %.1f MiB, last %.1f MiB, max %.1f MiB" % (
            samples[0][1] / 1024, samples[-1][1] / 1024, max(r for _, r in samples) / 1024))
        print("# slope %.3f MiB/min overall, %.3f MiB/min over the second half" % (
            slope(samples), slope(half)))
    finally:
        site.terminate()
        site.wait()


if __name__ == "__main__":
    main()
