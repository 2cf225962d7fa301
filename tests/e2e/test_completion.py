"""Shell completion (issue 17, deliver 7): the bash file completes commands,
each command's options, events subcommands and --state values, and file
names for -c; `make install` puts the bash and zsh files where the shells
look; both list every command of `speechwatch --help` and every long option
of daemon/main.c, so they cannot fall behind. zsh, when installed, gives
the same completions as bash (tests/zsh_complete.zsh drives it on a pty)."""
import os
import re
import shutil
import subprocess

import swtest

BASH_FILE = os.path.join(swtest.ROOT, "config", "completion", "speechwatch.bash")
ZSH_FILE = os.path.join(swtest.ROOT, "config", "completion", "_speechwatch")
BUILD = os.environ.get("SW_BUILD", "build")

# (words on the line, the last one being completed; expected completions)
CASES = [
    (["ev"], ["events"]),
    (["c"], ["check", "classify"]),
    (["--conf"], ["--config"]),
    (["-c", "my.conf", "st"], ["status"]),
    (["check", "--j"], ["--json"]),
    (["events", ""], ["enable-channel", "list", "redeliver", "show"]),
    (["events", "list", "--state", "d"], ["dead", "delivered"]),
    (["events", "--since", "2026-01-01", "re"], ["redeliver"]),
    (["classify", "--th"], ["--themes"]),
    (["learn", "--ig"], ["--ignore-label"]),
    (["search", "--"], ["--config", "--help", "--json", "--since", "--theme", "--verbose"]),
    (["once", "--j"], []),
    (["-c", "my."], ["my.conf"]),
    (["sources", ""], ["disable", "enable"]),
    (["sources", "--j"], ["--json"]),
    (["import", ""], ["opml", "urlwatch"]),
    (["import", "opml", "my."], ["my.conf"]),
]


def bash_complete(cwd, words, script=BASH_FILE):
    """COMPREPLY for `speechwatch WORDS<TAB>`, through the function `complete` names."""
    prog = ('source "$1"; shift; COMP_WORDS=(speechwatch "$@"); COMP_CWORD=$#; '
            'f=$(complete -p speechwatch | sed -n "s/.*-F \\([^ ]*\\) .*/\\1/p"); '
            '"$f"; printf "%s\\n" "${COMPREPLY[@]}"')
    r = subprocess.run(["bash", "--norc", "-c", prog, "bash", script] + words, cwd=cwd,
                       capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise AssertionError(r.stderr)
    return sorted(l for l in r.stdout.splitlines() if l)


def commands_of_help():
    r = subprocess.run([swtest.BIN, "--help"], capture_output=True, text=True)
    block = r.stdout.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return sorted(l.split()[0] for l in block.splitlines())


def long_options():
    with open(os.path.join(swtest.ROOT, "daemon", "main.c")) as f:
        text = f.read()
    return sorted(set(re.findall(r'\{"([a-z-]+)", (?:required|no|optional)_argument', text)))


class CompletionTest(swtest.TestCase):
    def test_bash_completes_commands_options_and_values(self):
        self.write("my.conf", "")
        for words, want in CASES:
            with self.subTest(words=words):
                self.assertEqual(bash_complete(self.tmp, words), want)

    def test_bash_knows_every_command_and_long_option(self):
        self.assertEqual(bash_complete(self.tmp, [""]), commands_of_help())
        with open(BASH_FILE) as f:
            text = f.read()
        for opt in long_options():
            self.assertIn("--" + opt, text)

    def test_make_install_puts_both_files_where_the_shells_look(self):
        dest = os.path.join(self.tmp, "dest")
        r = subprocess.run(["make", "-s", "-C", swtest.ROOT, "BUILD=" + BUILD, "install",
                            "PREFIX=/usr/local", "DESTDIR=" + dest],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        bash = os.path.join(dest, "usr/local/share/bash-completion/completions/speechwatch")
        zsh = os.path.join(dest, "usr/local/share/zsh/site-functions/_speechwatch")
        self.assertEqual(bash_complete(self.tmp, ["ev"], script=bash), ["events"])
        with open(zsh) as f:
            self.assertEqual(f.readline().strip(), "#compdef speechwatch")

    def test_zsh_file(self):
        with open(ZSH_FILE) as f:
            text = f.read()
        listed = sorted(re.findall(r"^\t'([a-z-]+):", text, re.M))
        self.assertEqual(listed, commands_of_help())
        for opt in long_options():
            self.assertIn("--" + opt, text)

    def test_zsh_completes_as_bash_does(self):
        if shutil.which("zsh") is None:
            print("skipped: zsh not installed (tests/zsh_complete.zsh not run)")
            return
        self.write("my.conf", "")
        lines = ["speechwatch " + " ".join(words) for words, _ in CASES + [([""], None)]]
        r = subprocess.run(["zsh", "-f", os.path.join(swtest.ROOT, "tests", "zsh_complete.zsh"),
                            os.path.dirname(ZSH_FILE)] + lines,
                           cwd=self.tmp, capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        got, n = {}, 0
        for line in r.stdout.splitlines():
            if line.startswith("== "):
                n = int(line[3:])
                got[n] = set()
            else:
                got[n].add(line)
        for i, (words, want) in enumerate(CASES, 1):
            with self.subTest(words=words):
                self.assertEqual(sorted(got.get(i, ())), want)
        self.assertEqual(sorted(got[len(CASES) + 1]), commands_of_help())

if __name__ == "__main__":
    swtest.main()
