"""The deck as a PowerPoint file (python-pptx), 16:9, our own template drawn in code.

Blocks from ``deck.py`` (content and the template frame: title bar, footer, slide
number, demo label) map to native shapes: rectangles, text boxes, pictures, real
PowerPoint tables and native charts (editable in PowerPoint: data, colours, labels); the
slide title goes into the layout's title placeholder, the KPI definitions into the notes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml import parse_xml
from pptx.oxml.ns import nsdecls, qn
from pptx.util import Inches, Pt

from dashboard.presentation.reports import theme
from dashboard.presentation.reports.deck import Chart, Deck, Line, Picture, Rect, Table, Text
from dashboard.presentation.reports.theme import Box

ALIGN = {"left": PP_ALIGN.LEFT, "center": PP_ALIGN.CENTER, "right": PP_ALIGN.RIGHT}
ANCHOR = {"top": MSO_ANCHOR.TOP, "middle": MSO_ANCHOR.MIDDLE, "bottom": MSO_ANCHOR.BOTTOM}


def _color(hex_: str) -> RGBColor:
    return RGBColor.from_string(hex_)


def _rect(slide, box: Box, fill: str, line: str | None = None):
    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(box.x), Inches(box.y), Inches(box.w), Inches(box.h))
    shape.fill.solid()
    shape.fill.fore_color.rgb = _color(fill)
    if line:
        shape.line.color.rgb = _color(line)
    else:
        shape.line.fill.background()
    shape.shadow.inherit = False
    return shape


def _style_run(run, line: Line) -> None:
    run.font.name = theme.PPTX_FONT
    run.font.size = Pt(line.pt)
    run.font.bold = line.bold
    run.font.color.rgb = _color(line.color)


def _fill(tf, lines, align: str = "left", valign: str = "top") -> None:
    """Write ``lines`` into a text frame, one paragraph each."""
    tf.word_wrap = True
    tf.vertical_anchor = ANCHOR[valign]
    tf.margin_left = tf.margin_right = Inches(0.05)
    tf.margin_top = tf.margin_bottom = Inches(0.03)
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.alignment = ALIGN[align]
        if line.space_before:
            p.space_before = Pt(line.space_before)
        run = p.add_run()
        run.text = ("•\u00a0" if line.bullet else "") + line.text
        _style_run(run, line)


def _text(slide, box: Box, lines, align: str = "left", valign: str = "top", name: str = ""):
    tb = slide.shapes.add_textbox(Inches(box.x), Inches(box.y), Inches(box.w), Inches(box.h))
    if name:
        tb.name = name
    _fill(tb.text_frame, lines, align, valign)
    return tb


def _picture(slide, block: Picture) -> None:
    """The image fitted into its box, keeping its aspect ratio, centred."""
    pic = slide.shapes.add_picture(io.BytesIO(block.png), Inches(block.box.x), Inches(block.box.y))
    scale = min(Inches(block.box.w) / pic.width, Inches(block.box.h) / pic.height)
    pic.width, pic.height = int(pic.width * scale), int(pic.height * scale)
    pic.left = int(Inches(block.box.x) + (Inches(block.box.w) - pic.width) / 2)
    pic.top = int(Inches(block.box.y) + (Inches(block.box.h) - pic.height) / 2)
    pic.name = f"chart:{block.name}"


def _cell(cell, text: str, fill: str, line: Line, align: str) -> None:
    cell.fill.solid()
    cell.fill.fore_color.rgb = _color(fill)
    cell.margin_left = cell.margin_right = Inches(0.06)
    cell.margin_top = cell.margin_bottom = Inches(0.01)
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    cell.text_frame.word_wrap = True
    p = cell.text_frame.paragraphs[0]
    p.alignment = ALIGN[align]
    run = p.add_run()
    run.text = text
    _style_run(run, line)


def _table(slide, block: Table) -> None:
    box = block.box
    shape = slide.shapes.add_table(len(block.rows) + 1, len(block.columns), Inches(box.x), Inches(box.y),
                                   Inches(box.w), Inches(block.height))
    table = shape.table
    # Plain look: our own fills instead of the built-in table style's banding.
    table.first_row = False
    table.horz_banding = False
    for j, w in enumerate(block.widths):
        table.columns[j].width = Inches(w)
    table.rows[0].height = Inches(block.header_h)
    for j, col in enumerate(block.columns):
        _cell(table.cell(0, j), col.header, theme.BLUE, Line(col.header, block.pt, True, theme.WHITE), col.align)
    for i, row in enumerate(block.cells, start=1):
        table.rows[i].height = Inches(block.row_h)
        fill = theme.HIGHLIGHT if (i - 1) in block.highlight else (theme.LIGHT if (i - 1) % 2 else theme.WHITE)
        for j, (col, c) in enumerate(zip(block.columns, row)):
            _cell(table.cell(i, j), c.text, fill, Line(c.text, block.pt, c.bold, c.color or theme.TEXT), col.align)


CHART_TYPES = {"line": XL_CHART_TYPE.LINE_MARKERS, "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
               "bar": XL_CHART_TYPE.BAR_CLUSTERED}
CHART_PT = 14
# pt: a line's marker, a lighter one, a hollow one and the white hole inside it (LibreOffice)
MARKER, MARKER_LIGHT, MARKER_HOLLOW, MARKER_HOLE = 6, 8, 10, 6


@dataclass(frozen=True)
class Overlay:
    """Markers without a line, drawn over a line series' own: LibreOffice paints a marker in
    one colour, its point's, which the series' line colour overrides, so the lighter and the
    hollow markers of a point (c:dPt, as PowerPoint reads them) came out filled in the line's
    colour. ``discs`` repeats the lighter markers, ``holes`` puts a white disc inside the
    hollow ones: both programs then draw the same. Or, with ``line``, a run of lighter
    segments drawn again in that colour without markers: LibreOffice draws a line in one
    colour whatever its points' (c:dPt) say. Not in the legend."""

    name: str
    values: tuple[float | None, ...]
    colours: tuple[str | None, ...]     # per point: the marker's fill (None: no marker)
    size: tuple[int, ...]
    line: str | None = None             # a line in this colour, no markers
    marker: str | None = None           # every point's marker in this colour (size[0])


def _lighter_runs(s) -> list[list[int]]:
    """The lighter segments of a line series (``into_colors``, each named by its end point),
    in runs of neighbours: one overlay line each, as a gap between two runs must stay a gap."""
    n = len(s.values)
    ends = [i for i in range(1, n) if i < len(s.into_colors) and s.into_colors[i]
            and s.values[i] is not None and s.values[i - 1] is not None]
    runs: list[list[int]] = []
    for i in ends:
        if runs and runs[-1][-1] == i - 1 and s.into_colors[i] == s.into_colors[i - 1]:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _overlays(s) -> list[Overlay]:
    """The overlays of a (solid) line series with lighter or hollow markers or lighter
    segments; none without. The lines first: the markers are drawn over them (a full marker
    at a lighter segment's end too)."""
    n = len(s.values)
    colours = s.point_colors or (s.color,) * n
    hollow = tuple(i < len(s.hollow) and s.hollow[i] and s.values[i] is not None for i in range(n))
    out = []
    ends: set[int] = set()
    for run in _lighter_runs(s):
        points = {run[0] - 1, *run}
        ends |= points
        out.append(Overlay(f"{s.name}: светлая линия", tuple(v if i in points else None for i, v in enumerate(s.values)),
                           (None,) * n, (MARKER,) * n, line=s.into_colors[run[0]]))
    light = tuple(colours[i] != s.color and s.values[i] is not None for i in range(n))
    for size in (MARKER, MARKER_HOLLOW):
        # The full markers at a lighter segment's end again, over it: in the series' marker
        # (LibreOffice drew a point's own one white).
        full = tuple(i in ends and not light[i] and (MARKER_HOLLOW if hollow[i] else MARKER) == size
                     for i in range(n))
        if any(full):
            out.append(Overlay(f"{s.name}: точки", tuple(v if f else None for v, f in zip(s.values, full)),
                               (None,) * n, (size,) * n, marker=s.color))
    if any(light):
        out.append(Overlay(f"{s.name}: светлые точки", tuple(v if f else None for v, f in zip(s.values, light)),
                           tuple(c if f else None for c, f in zip(colours, light)),
                           tuple(MARKER_HOLLOW if h else MARKER_LIGHT for h in hollow)))
    if any(hollow):
        out.append(Overlay(f"{s.name}: полые точки", tuple(v if f else None for v, f in zip(s.values, hollow)),
                           tuple(theme.WHITE if f else None for f in hollow), (MARKER_HOLE,) * n))
    return out


def _marker(marker, size: int, fill: str, line: str | None = None) -> None:
    marker.style = XL_MARKER_STYLE.CIRCLE
    marker.size = size
    marker.format.fill.solid()
    marker.format.fill.fore_color.rgb = _color(fill)
    if line is None:
        marker.format.line.fill.background()
    else:
        marker.format.line.color.rgb = _color(line)


def _drop_from_legend(chart, indices) -> None:
    """c:legendEntry/c:delete for the series at ``indices`` (their c:idx)."""
    legend = chart.legend._element
    after = legend.find(qn("c:legendPos"))
    for i in sorted(indices, reverse=True):
        entry = parse_xml(f'<c:legendEntry {nsdecls("c")}><c:idx val="{i}"/><c:delete val="1"/></c:legendEntry>')
        if after is not None:
            after.addnext(entry)
        else:
            legend.insert(0, entry)


def _chart(slide, block: Chart) -> None:
    """A native chart: categories and series as chart data, our colours, Russian numbers
    whatever the viewer's locale (deck.COUNT, deck.PCT_AXIS, Chart.label_texts)."""
    data = CategoryChartData(number_format=block.number_format)
    data.categories = block.categories
    for s in block.series:
        data.add_series(s.name, s.values)
    overlays = [o for s in block.series if block.kind == "line" and not s.dashed for o in _overlays(s)]
    overlays = [o for o in overlays if o.line] + [o for o in overlays if not o.line]   # lines under markers
    for o in overlays:
        data.add_series(o.name, o.values)
    b = block.box
    frame = slide.shapes.add_chart(CHART_TYPES[block.kind], Inches(b.x), Inches(b.y), Inches(b.w), Inches(b.h), data)
    frame.name = f"chart:{block.name}"
    chart = frame.chart
    chart.font.name = theme.PPTX_FONT
    chart.font.size = Pt(CHART_PT)
    chart.font.color.rgb = _color(theme.TEXT)
    chart.has_title = False  # PowerPoint would title a one-series chart with the series' name
    chart.has_legend = block.legend
    if block.legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        _drop_from_legend(chart, range(len(block.series), len(block.series) + len(overlays)))
    axis = chart.value_axis
    axis.tick_labels.number_format = block.number_format
    axis.tick_labels.number_format_is_linked = False
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = _color(theme.GRID)
    axis.format.line.fill.background()
    axis.minimum_scale = 0
    if block.axis_max is not None:
        axis.maximum_scale = block.axis_max
    if block.axis_title:
        axis.has_title = True
        axis.axis_title.text_frame.text = block.axis_title
        _style_run(axis.axis_title.text_frame.paragraphs[0].runs[0], Line(block.axis_title, CHART_PT, color=theme.MUTED))
    if block.kind == "bar":
        chart.category_axis.reverse_order = True  # the first category on top, as in the table
        axis.visible = False
        axis.has_major_gridlines = False
    plot = chart.plots[0]
    if block.kind != "line":
        plot.gap_width = 60
    for s, ps in zip(block.series, plot.series):
        if block.kind == "line":
            ps.smooth = False
            ps.format.line.color.rgb = _color(s.color)
            ps.format.line.width = Pt(2.5)
            if s.dashed:
                ps.format.line.dash_style = MSO_LINE_DASH_STYLE.DASH
                ps.marker.style = XL_MARKER_STYLE.NONE
            else:
                _marker(ps.marker, MARKER, s.color, s.color)
                for i, colour in enumerate(s.point_colors or (s.color,) * len(s.values)):
                    hollow = i < len(s.hollow) and s.hollow[i]
                    if (colour != s.color or hollow) and s.values[i] is not None:  # partial lighter, few hollow
                        # PowerPoint's own hollow marker: a white fill in a ring of the point's colour.
                        _marker(ps.points[i].marker, MARKER_HOLLOW if hollow else MARKER_LIGHT,
                                theme.WHITE if hollow else colour, colour)
                        ps.points[i].marker.format.line.width = Pt(1.5)
                    if i < len(s.into_colors) and s.into_colors[i] and s.values[i] is not None:
                        # PowerPoint draws the segment ending at a point in the point's line.
                        ps.points[i].format.line.color.rgb = _color(s.into_colors[i])
                        ps.points[i].format.line.width = Pt(2.5)
        else:
            ps.format.fill.solid()
            ps.format.fill.fore_color.rgb = _color(s.color)
            for i, colour in enumerate(s.point_colors):
                point = ps.points[i]
                point.format.fill.solid()
                point.format.fill.fore_color.rgb = _color(colour)
    for o, ps in zip(overlays, list(plot.series)[len(block.series):]):
        ps.smooth = False
        if o.line:
            ps.format.line.color.rgb = _color(o.line)
            ps.format.line.width = Pt(2.5)
            ps.marker.style = XL_MARKER_STYLE.NONE
            continue
        ps.format.line.fill.background()
        if o.marker:
            _marker(ps.marker, o.size[0], o.marker)
            continue
        _marker(ps.marker, MARKER_HOLE, theme.WHITE)
        for i, (colour, size) in enumerate(zip(o.colours, o.size)):
            if colour is not None and (colour, size) != (theme.WHITE, MARKER_HOLE):   # a point's own: a disc
                _marker(ps.points[i].marker, size, colour)
    if block.data_labels:
        plot.has_data_labels = True
        labels = plot.data_labels
        labels.number_format = block.number_format
        labels.number_format_is_linked = False
        labels.position = XL_LABEL_POSITION.OUTSIDE_END
        labels.font.size = Pt(CHART_PT)
        for i, text in enumerate(block.label_texts):  # a label a format cannot print: the text itself
            label = plot.series[0].points[i].data_label
            label.text_frame.text = text
            label.position = XL_LABEL_POSITION.OUTSIDE_END
            _style_run(label.text_frame.paragraphs[0].runs[0], Line(text, CHART_PT, color=theme.TEXT))


def _title(slide, block: Text) -> None:
    """The slide title in the real title placeholder (outline view, accessibility), placed in the bar."""
    title = slide.shapes.title
    b = block.box
    title.left, title.top, title.width, title.height = Inches(b.x), Inches(b.y), Inches(b.w), Inches(b.h)
    title.text_frame.clear()
    _fill(title.text_frame, block.lines, block.align, block.valign)
    tree = slide.shapes._spTree
    tree.remove(title._element)
    tree.append(title._element)  # above the title bar


def render(deck: Deck) -> bytes:
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(theme.SLIDE_W), Inches(theme.SLIDE_H)
    prs.core_properties.title = deck.title
    prs.core_properties.author = "Дашборд госпабликов НСО"
    layout = prs.slide_layouts[5]  # "Title Only"
    for s in deck.slides:
        slide = prs.slides.add_slide(layout)
        if not s.title_bar:
            slide.shapes._spTree.remove(slide.shapes.title._element)
        for block in s.blocks:
            if isinstance(block, Rect):
                _rect(slide, block.box, block.fill, block.line)
            elif isinstance(block, Text) and block.role == "title":
                _title(slide, block)
            elif isinstance(block, Text):
                _text(slide, block.box, block.lines, block.align, block.valign)
            elif isinstance(block, Picture):
                _picture(slide, block)
            elif isinstance(block, Table):
                _table(slide, block)
            elif isinstance(block, Chart):
                _chart(slide, block)
        if s.notes:
            slide.notes_slide.notes_text_frame.text = s.notes
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
