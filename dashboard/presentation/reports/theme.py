"""The report template: page geometry, colours and type sizes shared by the PPTX and PDF.

Both renderers draw the same slide model (``deck.py``) into the same boxes, so a
slide looks the same in PowerPoint and in the PDF. Sizes are in inches and points.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# 16:9 slide.
SLIDE_W = 13.333
SLIDE_H = 7.5

MARGIN = 0.5
TITLE_BAR_H = 0.95
FOOTER_H = 0.4
CONTENT_TOP = TITLE_BAR_H + 0.3
CONTENT_BOTTOM = SLIDE_H - FOOTER_H - 0.2
CONTENT_W = SLIDE_W - 2 * MARGIN
CONTENT_H = CONTENT_BOTTOM - CONTENT_TOP

# Colours (hex without '#').
NAVY = "1F3A5F"        # title bar, headings
BLUE = "2E6DB4"        # accents, table header
LIGHT = "EEF3F9"       # card and zebra background
GRID = "C9D3E0"        # table rules
TEXT = "1E2430"
MUTED = "5F6B7A"
GOOD = "2E7D32"
BAD = "C62828"
NEUTRAL = "5F6B7A"
HIGHLIGHT = "FFF4CC"   # the selected municipality's row
WARN = "B45309"        # the period is not over: its figures are not final
DEMO = "C62828"
WHITE = "FFFFFF"

# Type sizes, points.
TITLE_PT = 28
SUBTITLE_PT = 16
BODY_PT = 16
TABLE_PT = 13
CARD_LABEL_PT = 15
CARD_VALUE_PT = 28
CARD_NOTE_PT = 13
FOOTER_PT = 10

# Fonts: PowerPoint text uses a font every office machine has; the PDF embeds DejaVu
# (Cyrillic, same metrics family as the chart images).
PPTX_FONT = "Arial"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
PDF_FONT_FILES = {"regular": FONT_DIR / "DejaVuSans.ttf", "bold": FONT_DIR / "DejaVuSans-Bold.ttf"}
CHART_FONT = "DejaVu Sans"

# Charts are rendered at this many pixels per slide inch (before the 2x scale factor),
# so chart font sizes in px map to points as px * 72 / CHART_PX_PER_IN.
CHART_PX_PER_IN = 96

SOURCE_NOTE = "Источник: официальные страницы органов власти НСО (ЦУР НСО)"
DEMO_LABEL = "Демонстрационные данные — цифры сгенерированы"


class ReportError(ValueError):
    """A report cannot be produced; the message is in Russian and says why."""


def check_fonts() -> None:
    """Fail clearly when the DejaVu fonts (Cyrillic in the PDF and in charts) are missing."""
    missing = [str(p) for p in PDF_FONT_FILES.values() if not p.exists()]
    if missing:
        raise ReportError(
            f"Не найдены шрифты {', '.join(missing)}: установите пакет fonts-dejavu-core "
            "(apt-get install fonts-dejavu-core) — без них кириллица в PDF и графиках не отображается.")


@lru_cache(maxsize=1)
def _measure_fonts() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    check_fonts()
    names = ("DejaVuSans", "DejaVuSans-Bold")
    for name, key in zip(names, ("regular", "bold")):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(PDF_FONT_FILES[key])))
    return names


def text_width(text: str, pt: float, bold: bool = False) -> float:
    """Width of a one-line text in inches, measured with DejaVu Sans (wider than Arial,
    so what fits in the PDF also fits in PowerPoint)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, _measure_fonts()[1 if bold else 0], pt) / 72


def fit_text(text: str, pt: float, bold: bool, width: float) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` inches on one line."""
    if text_width(text, pt, bold) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # longest prefix that fits with the ellipsis
        mid = (lo + hi + 1) // 2
        if text_width(text[:mid].rstrip() + "…", pt, bold) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…"


TEXT_PAD_X = 7 / 72      # inches: a text box's left + right inner margins (PPTX 0.05 in each, PDF 3.5 pt)
TEXT_PAD_Y = 5 / 72      # inches: top + bottom


def paragraph(text: str, pt: float, bold: bool = False, color: str = TEXT, align: int = 0, bullet: bool = False):
    """A reportlab paragraph as the PDF draws a text line: DejaVu, 1.2 leading, wrapped at spaces."""
    from xml.sax.saxutils import escape

    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    regular, heavy = _measure_fonts()
    style = ParagraphStyle("p", fontName=heavy if bold else regular, fontSize=pt, leading=pt * 1.2,
                           textColor=HexColor("#" + color), alignment=align)
    return Paragraph(escape(("•\u00a0" if bullet else "") + text), style)


def lines_height(lines, width: float) -> float:
    """Height in inches that text lines (deck.Line) take in a text box ``width`` inches wide,
    wrapped with the PDF's font metrics (DejaVu is wider than PowerPoint's Arial, so text
    that fits here fits in both)."""
    total = 0.0
    for i, line in enumerate(lines):
        _, h = paragraph(line.text, line.pt, line.bold, bullet=line.bullet).wrap((width - TEXT_PAD_X) * 72, 10 ** 6)
        total += h + (line.space_before if i else 0)
    return total / 72 + TEXT_PAD_Y


@dataclass(frozen=True)
class Box:
    """A rectangle on the slide, inches from the top-left corner."""

    x: float
    y: float
    w: float
    h: float

    def split_h(self, *weights: float, gap: float = 0.3) -> list["Box"]:
        """Split left-to-right in proportion to weights."""
        total = sum(weights)
        free = self.w - gap * (len(weights) - 1)
        out, x = [], self.x
        for wt in weights:
            w = free * wt / total
            out.append(Box(x, self.y, w, self.h))
            x += w + gap
        return out

    def split_v(self, *weights: float, gap: float = 0.2) -> list["Box"]:
        """Split top-to-bottom in proportion to weights."""
        total = sum(weights)
        free = self.h - gap * (len(weights) - 1)
        out, y = [], self.y
        for wt in weights:
            h = free * wt / total
            out.append(Box(self.x, y, self.w, h))
            y += h + gap
        return out


CONTENT = Box(MARGIN, CONTENT_TOP, CONTENT_W, CONTENT_H)


def rgb(hex_: str) -> tuple[int, int, int]:
    return tuple(int(hex_[i:i + 2], 16) for i in (0, 2, 4))
