"""The deck as a PDF (reportlab): one landscape 16:9 page per slide, same layout as the PPTX.

DejaVu Sans is embedded for Cyrillic; without the font files (Debian package
fonts-dejavu-core) the renderer stops with a Russian message instead of printing boxes.
"""

from __future__ import annotations

import io
from functools import lru_cache
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from dashboard.presentation.reports import theme
from dashboard.presentation.reports.deck import Chart, Deck, Picture, Rect, Table, Text
from dashboard.presentation.reports.theme import Box

FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
IN = 72.0
ALIGN = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT}


@lru_cache(maxsize=1)
def _register_fonts() -> None:
    theme.text_width("", 10)  # registers DejaVu Sans and DejaVu Sans Bold (or fails in Russian)
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)


class _Page:
    """Draw blocks on one page in slide inches (origin top-left)."""

    def __init__(self, canvas: Canvas):
        self.c = canvas

    def _y(self, y_in: float) -> float:
        return (theme.SLIDE_H - y_in) * IN

    def rect(self, box: Box, fill: str, line: str | None = None) -> None:
        self.c.setFillColor(HexColor("#" + fill))
        if line:
            self.c.setStrokeColor(HexColor("#" + line))
        self.c.rect(box.x * IN, self._y(box.y + box.h), box.w * IN, box.h * IN, stroke=1 if line else 0, fill=1)

    def text(self, box: Box, lines, align: str = "left", valign: str = "top") -> None:
        paras = []
        for line in lines:
            p = theme.paragraph(line.text, line.pt, line.bold, line.color, ALIGN[align], line.bullet)
            _, h = p.wrap((box.w - theme.TEXT_PAD_X) * IN, box.h * IN)
            paras.append((p, h, line.space_before if paras else 0))
        total = sum(h + sb for _, h, sb in paras)
        top = self._y(box.y) - 2
        if valign == "middle":
            top -= max(0.0, (box.h * IN - total) / 2)
        elif valign == "bottom":
            top -= max(0.0, box.h * IN - total)
        for p, h, sb in paras:
            top -= sb + h
            p.drawOn(self.c, box.x * IN + 3.5, top)

    def picture(self, block: Picture) -> None:
        b = block.box
        self.c.drawImage(ImageReader(io.BytesIO(block.png)), b.x * IN, self._y(b.y + b.h), b.w * IN, b.h * IN,
                         preserveAspectRatio=True, anchor="c", mask="auto")

    def table(self, block: Table) -> None:
        box, widths = block.box, block.widths
        header = Box(box.x, box.y, box.w, block.header_h)
        self.rect(header, theme.BLUE)
        x = box.x
        for col, w in zip(block.columns, widths):
            self._header_cell(Box(x, box.y, w, block.header_h), col.header, col.align, block.pt)
            x += w
        for i, row in enumerate(block.cells):
            y = box.y + block.header_h + i * block.row_h
            fill = theme.HIGHLIGHT if i in block.highlight else (theme.LIGHT if i % 2 else theme.WHITE)
            self.rect(Box(box.x, y, box.w, block.row_h), fill)
            x = box.x
            for col, w, cell in zip(block.columns, widths, row):
                self._cell(Box(x, y, w, block.row_h), cell.text, cell.color or theme.TEXT, cell.bold,
                           col.align, block.pt)
                x += w
        self.c.setStrokeColor(HexColor("#" + theme.GRID))
        self.c.setLineWidth(0.5)
        bottom = box.y + block.height
        self.c.line(box.x * IN, self._y(bottom), (box.x + box.w) * IN, self._y(bottom))

    def _header_cell(self, box: Box, text: str, align: str, pt: float) -> None:
        """Header text, wrapped to two lines if needed, centred vertically."""
        style = ParagraphStyle("h", fontName=FONT_BOLD, fontSize=pt, leading=pt * 1.15,
                               textColor=HexColor("#" + theme.WHITE), alignment=ALIGN[align])
        p = Paragraph(escape(text), style)
        _, h = p.wrap(box.w * IN - 0.12 * IN, box.h * IN)
        p.drawOn(self.c, box.x * IN + 0.06 * IN, self._y(box.y + box.h / 2) - h / 2)

    def _cell(self, box: Box, text: str, color: str, bold: bool, align: str, pt: float) -> None:
        font = FONT_BOLD if bold else FONT
        pad = 0.06 * IN
        self.c.setFont(font, pt)
        self.c.setFillColor(HexColor("#" + color))
        base = self._y(box.y + box.h / 2) - pt * 0.35
        if align == "right":
            self.c.drawRightString((box.x + box.w) * IN - pad, base, text)
        elif align == "center":
            self.c.drawCentredString((box.x + box.w / 2) * IN, base, text)
        else:
            self.c.drawString(box.x * IN + pad, base, text)


def render(deck: Deck) -> bytes:
    _register_fonts()
    out = io.BytesIO()
    c = Canvas(out, pagesize=(theme.SLIDE_W * IN, theme.SLIDE_H * IN), pageCompression=1)
    c.setTitle(deck.title)
    c.setAuthor("Дашборд госпабликов НСО")
    for s in deck.slides:
        page = _Page(c)
        for block in s.blocks:
            if isinstance(block, Rect):
                page.rect(block.box, block.fill, block.line)
            elif isinstance(block, Text):
                page.text(block.box, block.lines, block.align, block.valign)
            elif isinstance(block, (Picture, Chart)):  # a chart as its image: PDF has no native charts
                page.picture(block)
            elif isinstance(block, Table):
                page.table(block)
        c.showPage()
    c.save()
    return out.getvalue()
