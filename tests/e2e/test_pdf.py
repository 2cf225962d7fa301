"""`speechwatch extract` on PDF documents (issue 19, deliver 1).

Statements generated here with python3-cairo (tests/pdfgen.py) in four
scripts — Latin, Cyrillic, Chinese, Arabic — in two columns (right to left
for Arabic), with a title over both columns, a running header, a page
number footer and, for the alphabetic scripts, words hyphenated at line
ends: the text read back is the source text (same words in the same order,
the same paragraphs), without the header, the footer or a page number, with
every hyphenated word joined and every compound's own hyphen kept. A groff
-ms document in two columns (another producer: Type 1 fonts, its own
hyphenation, a "- N -" footer) is read to its source paragraphs too. Hostile documents made here (truncated, junk, encrypted, a
self-referencing object stream, 10,000 pages, a 4 GiB compression bomb, a
2 GiB string) each end alone, within the child's time cap, with a clear
error or a bounded reading, and memory bounded by the child's rlimit.

Run with /usr/bin/python3 (python3-cairo is Debian's).
"""
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time

import swtest

sys.path.insert(0, os.path.join(swtest.ROOT, "tests"))
try:
    import pdfgen
except ImportError:  # python3-cairo missing
    pdfgen = None

TIME_CAP = 20  # daemon/pdf_child.h PDF_CHILD_TIMEOUT

LANGS = {
    "en": dict(
        font="DejaVu Sans",
        header="MINISTRY OF FOREIGN AFFAIRS - PRESS RELEASE 12/2024",
        footer="Page %d",
        title="Joint statement on the consultations",
        sentences=[
            "The minister welcomed the delegation and reaffirmed the commitment of both "
            "governments to the peaceful settlement of disputes.",
            "Both sides discussed cooperation in trade, energy, education and the protection "
            "of the environment.",
            "The Franco-German initiative on maritime security was presented by the "
            "representatives of the participating states.",
            "They agreed to strengthen consultations between their foreign ministries at "
            "every level.",
        ],
        first="The Ministry of Foreign Affairs announces the outcome of the consultations.",
        last="The next round of consultations will take place in the spring of next year.",
    ),
    "ru": dict(
        font="DejaVu Sans",
        header="МИНИСТЕРСТВО ИНОСТРАННЫХ ДЕЛ - СООБЩЕНИЕ ДЛЯ ПЕЧАТИ",
        footer="Страница %d",
        title="Совместное заявление по итогам консультаций",
        sentences=[
            "Министр приветствовал делегацию и подтвердил приверженность правительств "
            "мирному урегулированию споров.",
            "Стороны обсудили сотрудничество в области торговли, энергетики, образования "
            "и охраны окружающей среды.",
            "Российско-Китайская инициатива по морской безопасности была представлена "
            "представителями участвующих государств.",
            "Они договорились укреплять консультации между министерствами иностранных "
            "дел на всех уровнях.",
        ],
        first="Министерство иностранных дел сообщает об итогах консультаций.",
        last="Следующий раунд консультаций состоится весной следующего года.",
    ),
    "zh": dict(
        font="Noto Sans CJK SC",
        cjk=True,
        paragraphs=64,
        header="外交部新闻公报",
        footer="第 %d 页",
        title="关于双边磋商的联合声明",
        sentences=[
            "外交部长会见了代表团，重申两国政府致力于和平解决争端。",
            "双方讨论了贸易、能源、教育和环境保护领域的合作。",
            "与会各国代表介绍了关于海上安全的共同倡议。",
            "双方同意在各个层级加强两国外交部之间的磋商。",
        ],
        first="外交部宣布双边磋商的结果。",
        last="下一轮磋商将于明年春季举行。",
    ),
    "ar": dict(
        font="DejaVu Sans",
        rtl=True,
        header="وزارة الخارجية - بيان صحفي",
        footer="صفحة %d",
        title="بيان مشترك حول المشاورات الثنائية",
        sentences=[
            "رحب الوزير بالوفد وأكد التزام الحكومتين بالتسوية السلمية للنزاعات.",
            "وناقش الجانبان التعاون في مجالات التجارة والطاقة والتعليم وحماية البيئة.",
            "وقدم ممثلو الدول المشاركة مبادرة مشتركة بشأن الأمن البحري.",
            "واتفق الجانبان على تعزيز المشاورات بين وزارتي الخارجية على جميع المستويات.",
        ],
        first="تعلن وزارة الخارجية نتائج المشاورات الثنائية.",
        last="وستعقد الجولة القادمة من المشاورات في ربيع العام المقبل.",
    ),
}
PARAGRAPHS = 36  # about four pages of two columns


def source_paragraphs(lang):
    """The statement's paragraphs: each a rotation of the four sentences (so
    that neighbours differ and an order error shows), numbered where the
    script allows, the first and last sentences added."""
    spec = LANGS[lang]
    s = spec["sentences"]
    sep = "" if spec.get("cjk") else " "
    paras = []
    for i in range(spec.get("paragraphs", PARAGRAPHS)):
        body = sep.join(s[(i + k) % 4] for k in range(3))
        paras.append(body if lang == "ar" else "(%d)%s%s" % (i + 1, sep, body))
    paras[0] = spec["first"] + sep + paras[0]
    paras[-1] = paras[-1] + sep + spec["last"]
    return paras


def squash(text, cjk):
    return re.sub(r"\s+", "" if cjk else " ", text).strip()


class PdfTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        if pdfgen is None:
            self.skipTest("skipped: python3-cairo not installed (run with /usr/bin/python3)")

    def extract(self, path, *extra):
        t0 = time.monotonic()
        r = self.sw("extract", "--json", path, *extra, timeout=TIME_CAP + 30)
        return r, time.monotonic() - t0

    def statement(self, lang):
        spec = LANGS[lang]
        path = os.path.join(self.tmp, "%s.pdf" % lang)
        paras = source_paragraphs(lang)
        lay = pdfgen.statement(
            path, spec["font"], paras, rtl=spec.get("rtl", False), cjk=spec.get("cjk", False),
            header=spec["header"], footer=spec["footer"], title=spec["title"],
            meta_title=spec["title"], meta_date="2024-03-12T10:00:00+08:00")
        self.assertGreaterEqual(lay.page, 3, "the statement should run over several pages")
        return path, [spec["title"]] + paras, lay

    def check_statement(self, lang):
        spec = LANGS[lang]
        cjk = spec.get("cjk", False)
        path, paras, lay = self.statement(lang)
        r, _ = self.extract(path)
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["format"], "pdf")
        self.assertEqual(doc["title"], spec["title"])
        self.assertEqual(doc["date"], "2024-03-12T10:00:00+08:00")
        text = doc["text"]
        got = [squash(p, cjk) for p in text.split("\n\n")]
        # first and last sentence, and nothing of the header or the footer
        self.assertTrue(got[1].startswith(spec["first"]), got[1][:200])
        self.assertTrue(got[-1].endswith(spec["last"]), got[-1][-200:])
        self.assertNotIn(spec["header"], text)
        self.assertNotIn(spec["footer"].split("%d")[0].strip(), text)
        # the whole text in order (columns read in order, hyphens joined), paragraph by paragraph
        want = [squash(p, cjk) for p in paras]
        self.assertEqual(" ".join(got), " ".join(want))
        self.assertEqual(got, want)
        # the page numbers are gone: no digit outside the paragraph numbers
        self.assertEqual(re.findall(r"\d+", re.sub(r"\(\d+\)", "", text)), [])
        return lay, text

    def test_latin_two_columns(self):
        lay, text = self.check_statement("en")
        self.assertGreater(len(lay.broken), 20)  # the generator did hyphenate
        self.assertIn("Franco-German", lay.compounds)
        for w in lay.broken:
            self.assertIn(w, text)
        self.assertNotRegex(text, r"[a-z]- [a-z]")

    def test_cyrillic_two_columns(self):
        lay, text = self.check_statement("ru")
        self.assertGreater(len(lay.broken), 20)
        self.assertIn("Российско-Китайская", lay.compounds)
        for w in lay.broken:
            self.assertIn(w, text)
        self.assertNotRegex(text, r"[а-я]- [а-я]")

    def test_chinese_two_columns(self):
        _, text = self.check_statement("zh")
        self.assertNotRegex(text, r"[\u4e00-\u9fff] [\u4e00-\u9fff]")  # no space inside a line

    def test_arabic_two_columns_right_to_left(self):
        self.check_statement("ar")

    def test_groff_ms_two_columns(self):
        if shutil.which("groff") is None:
            self.skipTest("skipped: groff not installed")
        # groff hyphenates on its own (.hy), in Type 1 fonts, two columns (.2C)
        sentence = ("The intergovernmental conference adopted a comprehensive declaration "
                    "on the responsibilities of states regarding international cooperation. ")
        paras = ["The minister opened the conference. " + sentence * 5] + \
            [("(%d) " % i) + sentence * 6 for i in range(2, 12)] + \
            [sentence * 3 + "The conference closed in the evening."]
        src = os.path.join(self.tmp, "speech.ms")
        with open(src, "w") as f:
            f.write(".ds CH Ministry of Foreign Affairs\n.ds CF - \\\\n(PN -\n"
                    ".TL\nAddress to the conference\n.2C\n" +
                    "".join(".PP\n%s\n" % p for p in paras))
        pdf = os.path.join(self.tmp, "speech.pdf")
        with open(pdf, "wb") as out:
            r = subprocess.run(["groff", "-Tpdf", "-ms", src], stdout=out,
                               stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        r, _ = self.extract(pdf)
        self.assertEqual(r.returncode, 0, r.stderr)
        text = json.loads(r.stdout)["text"]
        got = [squash(p, False) for p in text.split("\n\n")]
        self.assertEqual(got, ["Address to the conference"] + [squash(p, False) for p in paras])
        self.assertNotIn("Ministry of Foreign Affairs", text)

    # hostile documents: each ends alone, in time, with a clear message

    def hostile(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        r, took = self.extract(path)
        self.assertLess(took, TIME_CAP + 10, "%s: took %.0f s" % (name, took))
        peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        self.assertLess(peak, 600 * 1024, "%s: peak RSS %d KiB" % (name, peak))  # the rlimit
        self.assertNotIn("Traceback", r.stderr)
        return r, took

    def assert_failed(self, r, pattern):
        self.assertEqual(r.returncode, 1, r.stdout[:500])
        self.assertEqual(r.stdout, "")
        self.assertRegex(r.stderr, r"^speechwatch extract: .*: pdf: " + pattern)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)

    def test_truncated(self):
        path, _, _ = self.statement("en")
        with open(path, "rb") as f:
            data = f.read()
        r, _ = self.hostile("truncated.pdf", data[:600])
        self.assert_failed(r, r"damaged: ")

    def test_not_a_pdf_nor_encrypted_is_a_crash(self):
        r, _ = self.hostile("junk.pdf", b"%PDF-1.4\n" + os.urandom(4096))
        self.assert_failed(r, r"damaged: ")

    def test_encrypted(self):
        r, _ = self.hostile("encrypted.pdf", pdfgen.encrypted())
        self.assert_failed(r, r"encrypted: a password is needed$")

    def test_self_referencing_object_stream(self):
        r, _ = self.hostile("selfref.pdf", pdfgen.self_object_stream())
        if r.returncode == 0:  # Poppler may recover an empty page: then no text, no crash
            self.assertEqual(json.loads(r.stdout)["words"], 0)
        else:
            self.assert_failed(r, r"(damaged|parser)")

    def test_ten_thousand_pages(self):
        r, took = self.hostile("pages.pdf", pdfgen.many_pages(10000))
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        # the first 200 pages are read, the rest ignored (analyze/pdf PDF_MAX_PAGES)
        self.assertEqual((doc["pages"], doc["pages_read"]), (10000, 200))
        self.assertEqual(doc["words"], 200 * 7)

    def test_compression_bomb(self):
        # 4 GiB of spaces: Poppler streams through them until the CPU limit
        r, took = self.hostile("bomb.pdf", pdfgen.bomb(4))
        self.assert_failed(r, r"(killed after 20 s|CPU limit \(15 s\) reached)")

    def test_string_bomb_hits_the_memory_limit(self):
        with open(swtest.BIN, "rb") as f:
            if b"__asan_init" in f.read():
                self.skipTest("skipped: no RLIMIT_AS under AddressSanitizer")
        # one 2 GiB string the parser must hold: the child's RLIMIT_AS stops it
        r, took = self.hostile("strbomb.pdf", pdfgen.string_bomb(2))
        self.assert_failed(r, r"memory limit \(512 MiB\) reached")


if __name__ == "__main__":
    swtest.main()
