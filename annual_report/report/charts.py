"""Charts of the attachment as vector graphics: horizontal bars, one row per category of a series.

The SVG is drawn here (no plotting library), in millimetres across the 156 mm type area, with its
labels in the report's 仿宋 face, whose coverage is checked like the rest of the report's text. Each row is a group
naming its metric (data-metric), which the review preview (review.py) marks. The charts of
one attachment share a baseline: their bars start at the same distance from the left edge (`label_room`).
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from annual_report.report.figures import Figure, Formatter
from annual_report.report.fonts import check_text, faces
from annual_report.report.typeset import GRID, MM

WIDTH = GRID.width / MM  # mm
TEXT = 3.7               # mm: 五号 (10.5 pt) labels
GAP = 2.0                # mm between a label and its bar, a bar and its value
VALUE_ROOM = 16.0        # mm kept right of the longest bar for its value
BAR = 4.6                # mm: height of one bar
ROW_GAP = 3.0            # mm between rows
LEGEND = 8.0             # mm: height of the legend row
YEAR_COLOUR = "#a61b1b"  # the year's bars: a dark red that prints as a dark grey
PRIOR_COLOUR = "#b4b4b4"


def _text(x: float, y: float, text: str, anchor: str = "start") -> str:
    return (f'<text x="{x:.2f}" y="{y:.2f}" font-size="{TEXT}" text-anchor="{anchor}" '
            f'dominant-baseline="central">{escape(text)}</text>')


def _legend(year: int) -> list[str]:
    parts = []
    x = WIDTH / 2 - 30
    for colour, label in ((PRIOR_COLOUR, f"{year - 1}年"), (YEAR_COLOUR, f"{year}年")):
        parts.append(f'<rect x="{x:.2f}" y="{LEGEND / 2 - 1.5:.2f}" width="6" height="3" fill="{colour}"/>')
        parts.append(_text(x + 8, LEGEND / 2, label))
        x += 30
    return parts


def label_room(title: str, series: list[Figure]) -> float:
    """The width (mm) the category labels of a series take left of its bars."""
    face = faces()["fangsong"]
    for figure in series:
        check_text(figure.label, face, f"chart “{title}”")
    return max(face.width(f.label) for f in series) * TEXT


def bar_chart(title: str, series: list[Figure], year: int, prior_year: bool, formatter: Formatter,
              label_width: float) -> str:
    """A horizontal bar chart of a series (with the prior year's bars when asked), as an <svg> element, its bars
    starting label_width (mm, at least the series' own `label_room`) from the left edge, plus a gap."""
    face = faces()["fangsong"]
    cells = [formatter.table_cells(figure) for figure in series]
    for text in [c[1] for c in cells] + ([c[2] for c in cells] if prior_year else []):
        check_text(text, face, f"chart “{title}”")
    left = label_width + GAP
    largest = max(max(f.value, (f.prior_value or 0) if prior_year else 0) for f in series) or 1
    scale = (WIDTH - left - GAP - VALUE_ROOM) / largest
    bars_per_row = 2 if prior_year else 1
    row = bars_per_row * BAR + ROW_GAP
    top = LEGEND if prior_year else 0.0
    parts = _legend(year) if prior_year else []
    for i, (figure, (_, value, prior, _)) in enumerate(zip(series, cells)):
        y = top + i * row
        parts.append(f'<g data-metric={quoteattr(figure.metric_id)}>')
        parts.append(_text(label_width, y + bars_per_row * BAR / 2, figure.label, "end"))
        bars = [(figure.prior_value or 0, prior, PRIOR_COLOUR)] if prior_year else []
        for j, (amount, printed, colour) in enumerate([*bars, (figure.value, value, YEAR_COLOUR)]):
            length = amount * scale
            parts.append(f'<rect x="{left:.2f}" y="{y + j * BAR:.2f}" width="{length:.2f}" '
                         f'height="{BAR - 0.6:.2f}" fill="{colour}"/>')
            parts.append(_text(left + length + GAP, y + j * BAR + (BAR - 0.6) / 2, printed))
        parts.append("</g>")
    height = top + len(series) * row
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label={quoteattr(title)} '
            f'width="{WIDTH:.2f}mm" height="{height:.2f}mm" viewBox="0 0 {WIDTH:.2f} {height:.2f}" '
            f'font-family={quoteattr(face.family)} fill="#000">{"".join(parts)}</svg>')
