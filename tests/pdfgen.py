"""PDFs for the tests of the PDF reader (tests/e2e/test_pdf.py), made with
Debian's own tools: python3-cairo (a two-column statement with a running
header, a page-number footer and words hyphenated at line ends, in Latin,
Cyrillic, Chinese or Arabic script) and hand-written PDF syntax for the
hostile documents.

The layout is deterministic, so a test knows which words were broken at a
line's end and can check that the reader joins them back.
"""
import zlib

import cairo

PAGE_W, PAGE_H = 595.0, 842.0  # A4 in points
MARGIN, GUTTER = 56.0, 28.0
TOP, BOTTOM = 96.0, 770.0  # the body's band; header above, footer below
SIZE, LEADING = 10.0, 13.0
INDENT, PARA_GAP = 18.0, 7.0


class Layout:
    """Writes paragraphs into two columns over as many pages as needed."""

    def __init__(self, path, font, rtl=False, cjk=False, header="", footer=None,
                 title=None, meta_title=None, meta_date=None):
        self.surface = cairo.PDFSurface(path, PAGE_W, PAGE_H)
        if meta_title:
            self.surface.set_metadata(cairo.PDFMetadata.TITLE, meta_title)
        if meta_date:
            self.surface.set_metadata(cairo.PDFMetadata.CREATE_DATE, meta_date)
        self.ctx = cairo.Context(self.surface)
        opts = cairo.FontOptions()  # unhinted advances: the widths the PDF carries
        opts.set_hint_metrics(cairo.HINT_METRICS_OFF)
        opts.set_hint_style(cairo.HINT_STYLE_NONE)
        self.ctx.set_font_options(opts)
        self.ctx.select_font_face(font)
        self.ctx.set_font_size(SIZE)
        self.rtl, self.cjk = rtl, cjk
        self.header, self.footer, self.title = header, footer, title
        self.col_w = (PAGE_W - 2 * MARGIN - GUTTER) / 2
        self.page = 0
        self.broken = []  # words split inside at a line's end ("statement")
        self.compounds = []  # compounds split at their own hyphen ("Franco-German")
        self.new_page()

    def width(self, s):
        return self.ctx.text_extents(s).x_advance

    def show(self, s, x, y):
        """Draws s with its start at x (its right edge when rtl)."""
        if not self.rtl:
            self.ctx.move_to(x, y)
            self.ctx.show_text(s)
            return
        # right-to-left text as word processors write it: the line's glyphs
        # in visual order, drawn left to right from the line's left end
        # (this text has no digits nor Latin, so visual order is reversed)
        self.ctx.move_to(x - self.width(s), y)
        self.ctx.show_text(s[::-1])

    def new_page(self):
        if self.page:
            self.ctx.show_page()
        self.page += 1
        self.col = 0
        self.y = self.top = TOP
        if self.header:
            self.centered(self.header, 50.0)
        if self.footer:
            self.centered(self.footer % self.page, 805.0)
        if self.title and self.page == 1:
            self.ctx.set_font_size(SIZE * 1.6)
            self.centered(self.title, TOP)
            self.ctx.set_font_size(SIZE)
            self.y = self.top = TOP + 3 * LEADING

    def centered(self, s, y):
        w = self.width(s)
        x = (PAGE_W - w) / 2
        self.show(s, x + w if self.rtl else x, y)

    def line_start(self, indent):
        """The x where a line starts in the current column."""
        if self.rtl:  # the first column is the right one
            right = PAGE_W - MARGIN - self.col * (self.col_w + GUTTER)
            return right - indent
        return MARGIN + self.col * (self.col_w + GUTTER) + indent

    def emit(self, s, indent):
        if self.y > BOTTOM:
            self.col += 1
            self.y = self.top
            if self.col == 2:
                self.new_page()
        self.show(s, self.line_start(indent), self.y)
        self.y += LEADING

    def split_word(self, line, word, room, probe=False):
        """(head, tail) breaking word at a line's end, or None."""
        sep = "" if not line else " "
        if "-" in word[1:-1]:  # a compound breaks at its own hyphen
            k = word.index("-", 1) + 1
            if word[k:k + 1].isupper() and self.width(line + sep + word[:k]) <= room:
                if not probe:
                    self.compounds.append(word.strip(".,;:"))
                return word[:k], word[k:]
        if probe:
            return None
        core = word.rstrip(".,;:")
        for k in range(len(core) - 3, 2, -1):
            if core[:k].isalpha() and core[k:].isalpha() and core[k].islower() and \
                    self.width(line + sep + core[:k] + "-") <= room:
                self.broken.append(core)
                return core[:k] + "-", word[k:]
        return None

    def paragraph(self, text):
        if self.y > self.top:
            self.y += PARA_GAP
        if self.cjk:
            return self.paragraph_cjk(text)
        words, line, indent = text.split(), "", INDENT
        while words:
            room = self.col_w - indent
            cand = (line + " " + words[0]) if line else words[0]
            # a compound on a line more than half full breaks at its hyphen
            compound = "-" in words[0][1:-1] and self.width(line) > room / 2
            if self.width(cand) <= room and not (compound and self.split_word(line, words[0],
                                                                              room, True)):
                line = cand
                words.pop(0)
                continue
            parts = self.split_word(line, words[0], room)
            if parts:
                line = (line + " " + parts[0]) if line else parts[0]
                words[0] = parts[1]
            self.emit(line, indent)
            line, indent = "", 0.0
        if line:
            self.emit(line, indent)

    def paragraph_cjk(self, text):
        line, indent = "", INDENT
        for ch in text:
            if self.width(line + ch) > self.col_w - indent:
                self.emit(line, indent)
                line, indent = "", 0.0
            line += ch
        if line:
            self.emit(line, indent)

    def close(self):
        self.surface.finish()


def statement(path, font, paragraphs, **kw):
    """A two-column statement; returns the Layout (its broken and compound words)."""
    lay = Layout(path, font, **kw)
    for p in paragraphs:
        lay.paragraph(p)
    lay.close()
    return lay


def raw_pdf(objects, root=1, trailer_extra=b""):
    """A PDF from object bodies (bytes; object i + 1 is objects[i]) with a correct xref."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, root, trailer_extra, xref)
    return bytes(out)


def stream(data, extra=b""):
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def many_pages(n):
    """n pages sharing one content stream, under one flat page tree."""
    kids = b" ".join(b"%d 0 R" % (i + 5) for i in range(n))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Count %d /Kids [%s] >>" % (n, kids),
            FONT,
            stream(b"BT /F1 12 Tf 72 720 Td (A page of a very long document.) Tj ET")]
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " \
           b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
    objs += [page] * n
    return raw_pdf(objs)


def bomb(gigabytes):
    """One page whose FlateDecode content stream inflates to `gigabytes` GiB
    of spaces: a few MB on disk. The deflate stream is built from one
    compressed megabyte repeated (each block ends with a full flush, so every
    copy decodes alike)."""
    mb = b" " * (1 << 20)
    z = zlib.compressobj(9)
    head = z.compress(mb) + z.flush(zlib.Z_FULL_FLUSH)
    block = z.compress(mb) + z.flush(zlib.Z_FULL_FLUSH)
    data = head + block * (gigabytes * 1024 - 1) + z.flush(zlib.Z_FINISH)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Count 1 /Kids [4 0 R] >>",
            stream(data, b"/Filter /FlateDecode "),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>"]
    return raw_pdf(objs)


def string_bomb(gigabytes):
    """One page whose content stream inflates to one string of `gigabytes`
    GiB: the parser must hold it whole, so memory, not time, runs out."""
    mb = b"A" * (1 << 20)
    z = zlib.compressobj(9)
    head = z.compress(b"BT /F1 12 Tf 72 720 Td (" + mb) + z.flush(zlib.Z_FULL_FLUSH)
    block = z.compress(mb) + z.flush(zlib.Z_FULL_FLUSH)
    data = head + block * (gigabytes * 1024 - 1) + z.compress(b") Tj ET") + \
        z.flush(zlib.Z_FINISH)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Count 1 /Kids [4 0 R] >>",
            stream(data, b"/Filter /FlateDecode "),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 5 0 R >> >> /Contents 3 0 R >>",
            FONT]
    return raw_pdf(objs)


def encrypted():
    """A document under the Standard security handler whose user password
    is not empty (its /U matches no empty password): unreadable without it."""
    h = b"00112233445566778899aabbccddeeff"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            stream(b"garbled"),
            b"<< /Filter /Standard /V 1 /R 2 /O <" + h * 2 + b"> /U <" + h * 2 + b"> /P -4 >>"]
    return raw_pdf(objs, trailer_extra=b"/Encrypt 5 0 R /ID [<" + h + b"> <" + h + b">] ")


def self_object_stream():
    """PDF 1.5 whose page tree sits in an object stream that the cross-reference
    stream says is stored inside itself (and whose /Extends names itself)."""
    inner = b"2 0 4 60 "
    objs_text = inner + b"<< /Type /Pages /Count 1 /Kids [4 0 R] >> " + b" " * (60 - 44) + \
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>"
    out = bytearray(b"%PDF-1.5\n")
    off1 = len(out)
    out += b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    off5 = len(out)
    out += b"5 0 obj\n" + stream(objs_text, b"/Type /ObjStm /N 2 /First %d /Extends 5 0 R "
                                 % len(inner)) + b"\nendobj\n"
    rows = [(0, 0, 65535), (1, off1, 0), (2, 5, 0), (2, 5, 0), (2, 5, 1), (2, 5, 2)]
    xref_data = b"".join(bytes([t]) + f.to_bytes(4, "big") + g.to_bytes(2, "big")
                         for t, f, g in rows)
    off6 = len(out)
    rows.append((1, off6, 0))
    xref_data += bytes([1]) + off6.to_bytes(4, "big") + (0).to_bytes(2, "big")
    out += b"6 0 obj\n" + stream(xref_data, b"/Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R ") + \
        b"\nendobj\nstartxref\n%d\n%%%%EOF\n" % off6
    return bytes(out)
