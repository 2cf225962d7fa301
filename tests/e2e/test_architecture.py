"""The architecture's rules, checked on the source tree (issue 12).

- Dependencies point one way: each module includes only the modules below
  it (daemon/ all; notify/ fetch/ and common/; the others only common/).
- fetch/ is transport only: no file fetch/http*.c names SMTP.
- daemon/ completes its pipeline through callbacks: no file in daemon/
  calls a function defined in a file that calls it back.
- The outbox is one state machine: daemon/outbox.c assigns an event state in
  exactly one function.
- The rooms stay small: no product .c file over 800 lines, no function over
  60 lines (from the line of its opening brace to that of its closing brace).
- Unit tests live where the promises are: unit-test lines per product line
  at least 0.3 for daemon/ and config/. A unit test counts for the module
  whose headers it includes most (common/ only when it includes nothing
  else; a tie goes to the higher layer).

The parsing leans on the project's layout (clang-format, Linux style):
function bodies open and close with a brace in column 0.
"""
import glob
import os
import re
import unittest

import swtest

ROOT = swtest.ROOT
MODULES = ["daemon", "notify", "fetch", "analyze", "config", "common"]  # top layer first
MAX_FILE_LINES = 800
MAX_FUNCTION_LINES = 60
MIN_TEST_RATIO = 0.3
C_KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof", "defined", "__attribute__",
              "offsetof", "va_arg", "_Alignof", "alignof", "do", "else", "case"}


def product_files(module, ext=".c"):
    return sorted(glob.glob(os.path.join(ROOT, module, "**", "*" + ext), recursive=True))


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def strip_comments_and_strings(src):
    """Blanks comments, string and character literals, keeping line breaks."""
    def blank(m):
        return re.sub(r"[^\n]", " ", m.group(0))
    pattern = r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\''
    return re.sub(pattern, blank, src, flags=re.S)


def functions(src):
    """[(name, first_line, last_line, body_text)] of the top-level function definitions."""
    lines = strip_comments_and_strings(src).split("\n")
    out = []
    i = 0
    while i < len(lines):
        if lines[i].startswith("{"):
            start = i
            head = " ".join(lines[max(0, i - 6):i])
            names = re.findall(r"([A-Za-z_]\w*)\s*\(", head)
            names = [n for n in names if n not in C_KEYWORDS and n != "__attribute__"]
            j = i + 1
            while j < len(lines) and not lines[j].startswith("}"):
                j += 1
            if names and not head.rstrip().endswith(("=", "]")):
                out.append((names[-1] if head.rstrip().endswith(")") else names[0],
                            start + 1, j + 1, "\n".join(lines[start:j + 1])))
            i = j + 1
        else:
            i += 1
    return out


def called_names(body):
    return {n for n in re.findall(r"\b([A-Za-z_]\w*)\s*\(", body) if n not in C_KEYWORDS}


def test_module(path):
    """The module a unit test file belongs to (see the module docstring)."""
    counts = {m: 0 for m in MODULES}
    for inc in re.findall(r'#include "(\w+)/', read(path)):
        if inc in counts:
            counts[inc] += 1
    best = None
    for m in MODULES:  # higher layers first: they win ties
        if m == "common":
            continue
        if counts[m] and (best is None or counts[m] > counts[best]):
            best = m
    return best or "common"


def count_lines(paths):
    return sum(read(p).count("\n") for p in paths)


ALLOWED_INCLUDES = {
    "daemon": set(MODULES),
    "notify": {"notify", "fetch", "common"},
    "fetch": {"fetch", "common"},
    "analyze": {"analyze", "common"},
    "config": {"config", "common"},
    "common": {"common"},
}


class ArchitectureTest(unittest.TestCase):
    def test_dependencies_point_one_way(self):
        wrong = []
        for module, allowed in ALLOWED_INCLUDES.items():
            for path in product_files(module) + product_files(module, ".h"):
                for inc in re.findall(r'^#include "(\w+)/', read(path), re.M):
                    if inc in MODULES and inc not in allowed:
                        wrong.append("%s includes %s/" % (os.path.relpath(path, ROOT), inc))
        self.assertEqual(wrong, [], "includes against the module rule")

    def test_fetch_http_knows_no_smtp(self):
        hits = []
        for path in glob.glob(os.path.join(ROOT, "fetch", "http*.[ch]")):
            for n, line in enumerate(read(path).split("\n"), 1):
                if "smtp" in line.lower():
                    hits.append("%s:%d: %s" % (os.path.relpath(path, ROOT), n, line.strip()))
        self.assertEqual(hits, [], "fetch/http* must not know SMTP")

    def test_daemon_files_do_not_call_back(self):
        defined, calls = {}, {}
        for path in product_files("daemon"):
            rel = os.path.relpath(path, ROOT)
            fns = functions(read(path))
            src = strip_comments_and_strings(read(path))
            statics = set(re.findall(r"^static\b[^;{]*?\b(\w+)\s*\(", src, re.M))
            defined[rel] = {name for name, _, _, _ in fns if name not in statics}
            calls[rel] = set()
            for _, _, _, body in fns:
                calls[rel] |= called_names(body)
        cycles = []
        files = sorted(defined)
        for i, a in enumerate(files):
            for b in files[i + 1:]:
                ab = calls[a] & defined[b]
                ba = calls[b] & defined[a]
                if ab and ba:
                    cycles.append("%s -> %s (%s) and back (%s)" % (
                        a, b, ", ".join(sorted(ab)), ", ".join(sorted(ba))))
        self.assertEqual(cycles, [], "files of daemon/ calling each other")

    def test_outbox_assigns_states_in_one_function(self):
        path = os.path.join(ROOT, "daemon", "outbox.c")
        owners = set()
        for name, _, _, body in functions(read(path)):
            if re.search(r"(\.|->)state\s*=[^=]", body):
                owners.add(name)
        self.assertEqual(len(owners), 1, "functions assigning an event state: %s" % sorted(owners))

    def test_files_and_functions_are_short(self):
        long_files, long_functions = [], []
        for module in MODULES:
            for path in product_files(module):
                rel = os.path.relpath(path, ROOT)
                src = read(path)
                n = src.count("\n")
                if n > MAX_FILE_LINES:
                    long_files.append("%s: %d lines" % (rel, n))
                for name, first, last, _ in functions(src):
                    if last - first + 1 > MAX_FUNCTION_LINES:
                        long_functions.append("%s:%d: %s, %d lines" % (rel, first, name,
                                                                       last - first + 1))
        self.assertEqual(long_files, [], "product files over %d lines" % MAX_FILE_LINES)
        self.assertEqual(long_functions, [], "functions over %d lines" % MAX_FUNCTION_LINES)

    def test_unit_test_ratio(self):
        tests = {}
        for path in glob.glob(os.path.join(ROOT, "tests", "unit", "test_*.c")):
            tests.setdefault(test_module(path), []).append(path)
        report = []
        for module in ("daemon", "config"):
            product = product_files(module) + product_files(module, ".h")
            ratio = count_lines(tests.get(module, [])) / max(1, count_lines(product))
            report.append("%s %.2f" % (module, ratio))
            self.assertGreaterEqual(ratio, MIN_TEST_RATIO, "%s: unit-test lines per product "
                                    "line %.2f (tests: %s)" % (module, ratio, sorted(
                                        os.path.basename(p) for p in tests.get(module, []))))
        print("unit-test lines per product line: " + ", ".join(report))


class ParserSelfTest(unittest.TestCase):
    """The checks above are only as good as their parser: it must see what it claims to."""

    def test_functions_found_with_their_lengths(self):
        src = ("static int a(int x)\n{\n\treturn x;\n}\n\n"
               "const char *const names[] = {\n\t\"x\",\n};\n\n"
               "void b(void)\n{\n\tif (1) {\n\t\ta(1);\n\t}\n\t/* c(2); */\n}\n")
        fns = functions(src)
        self.assertEqual([(n, f, l) for n, f, l, _ in fns], [("a", 2, 4), ("b", 11, 16)])
        self.assertEqual(called_names(fns[1][3]), {"a"})

    def test_multiline_signature(self):
        src = "int long_name(struct x *a,\n\t      int b)\n{\n\treturn other(a, b);\n}\n"
        fns = functions(src)
        self.assertEqual(fns[0][0], "long_name")
        self.assertEqual(called_names(fns[0][3]), {"other"})


if __name__ == "__main__":
    unittest.main(verbosity=2)
