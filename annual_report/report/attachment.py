"""The attachment (附件): the year's key metrics beside the prior year, and charts, as the spec lists them.

The table prints every figure as the body prints it (the Formatter records that while the narrative is filled,
so the attachment is built after it). Its columns are as wide as their widest cell, in the faces they are set
in, and 指标 (the labels) takes the rest of the type area; a label longer than its column is broken into lines
of even length (no last line of a character or two). A chart's caption (图题) goes below it and names its
years; the charts share one baseline, the left edge of their bars.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from annual_report.report.charts import bar_chart, label_room
from annual_report.report.figures import (
    NO_VALUE,
    Figure,
    Figures,
    Formatter,
    Gap,
    MissingFigureError,
)
from annual_report.report.fonts import faces
from annual_report.report.spec import AttachmentSpec, ChartSpec
from annual_report.report.typeset import GRID

TABLE_SIZE = 12.0   # pt: 小四, the table's text
CELL_PADDING = 0.4  # em on each side of a cell's text (report.css: table.metrics th, td)
CELL_SLACK = 0.3    # em for the cell's share of the rules and for rounding


@dataclass(frozen=True)
class MetricRow:
    metric_id: str
    label: str
    unit: str
    value: str
    prior: str
    change: str
    gap: bool = False  # a draft's row without data: its value cell is the gap, which may wrap
    lines: tuple[str, ...] = ()  # the label as the lines it is printed in

    @property
    def figures(self) -> tuple[tuple[str, str], ...]:
        """The value, prior-year and change cells, each with its alignment: a number right-aligned, a dash or
        a word (持平) centred."""
        aligned = tuple((cell, "number" if cell[:1].isdigit() or cell[:1] in "+-" else "word")
                        for cell in (self.value, self.prior, self.change))
        return ((self.value, "gap"), *aligned[1:]) if self.gap else aligned


@dataclass(frozen=True)
class Chart:
    """A chart's caption and SVG; in a draft, a chart without data has a gap instead of the SVG."""

    title: str
    svg: str = ""
    gap: str = ""


@dataclass(frozen=True)
class Attachment:
    title: str
    placement: str
    headings: tuple[str, ...]
    widths: tuple[float | None, ...]  # em of each column, None for the one that takes the rest (指标)
    rows: tuple[MetricRow, ...]
    charts: tuple[Chart, ...]


def _row(figures: Figures, formatter: Formatter, metric_id: str) -> MetricRow:
    figure = figures.get(metric_id)
    if isinstance(figure, Gap):
        return MetricRow(metric_id, figure.label, NO_VALUE, str(figure), NO_VALUE, NO_VALUE, gap=True)
    return MetricRow(metric_id, figure.label, *formatter.table_cells(figure))


def _widths(headings: tuple[str, ...], rows: tuple[MetricRow, ...]) -> tuple[float | None, ...]:
    """Each column as wide as its widest cell (headings in 黑体, cells in 仿宋), 指标 none: it takes the rest."""
    hei, fangsong = faces()["hei"], faces()["fangsong"]
    columns = [[str(n) for n in range(1, len(rows) + 1)], [], [r.unit for r in rows], [r.value for r in rows if not r.gap],
               [r.prior for r in rows], [r.change for r in rows]]
    return tuple(None if heading == "指标" else
                 round(max([hei.width(heading), *map(fangsong.width, cells)]) + 2 * CELL_PADDING + CELL_SLACK, 2)
                 for heading, cells in zip(headings, columns))


def label_lines(label: str, room: float) -> tuple[str, ...]:
    """A label in as few lines as fit room (em, in 仿宋), of even width: each line ends where the text passes
    its share of the label's width."""
    face = faces()["fangsong"]
    count = math.ceil(face.width(label) / room)
    if count <= 1:
        return (label,)
    share = face.width(label) / count
    lines, line, width = [], "", 0.0
    for char in label:
        if width >= share * (len(lines) + 1) and len(lines) < count - 1:
            lines.append(line)
            line = ""
        line += char
        width += face.advance(char)
    return (*lines, line)


def caption(chart: ChartSpec, year: int) -> str:
    """A chart's title naming its years (2021年…, 2020—2021年… with the prior year's bars), as the spec's
    title does or with them put before it."""
    if str(year) in chart.title:
        return chart.title
    return f"{f'{year - 1}—' if chart.prior_year else ''}{year}年{chart.title}"


def _series(chart: ChartSpec, figures: Figures, draft: bool) -> list[Figure]:
    try:
        return figures.series(chart.series)
    except MissingFigureError:
        if not draft:
            raise
        return []


def _charts(charts: tuple[ChartSpec, ...], figures: Figures, formatter: Formatter, year: int,
            draft: bool) -> tuple[Chart, ...]:
    """The charts, their bars on one baseline: right of the widest category label of them all."""
    series = [_series(chart, figures, draft) for chart in charts]
    titles = [caption(chart, year) for chart in charts]
    room = max((label_room(title, s) for title, s in zip(titles, series) if s), default=0.0)
    made = []
    for chart, title, figures_ in zip(charts, titles, series):
        if not figures_:
            made.append(Chart(title, gap=str(Gap(title))))
            continue
        title = f"{title}（单位：{formatter.table_cells(figures_[0])[0]}）"
        made.append(Chart(title, bar_chart(title, figures_, year, chart.prior_year, formatter, room)))
    return tuple(made)


def build_attachment(spec: AttachmentSpec, figures: Figures, formatter: Formatter, year: int,
                     draft: bool = False) -> Attachment:
    """The table rows and charts of the attachment, every number from the metrics table, printed as the body
    (filled before, through the same formatter) prints it."""
    headings = ("序号", "指标", "单位", f"{year}年", f"{year - 1}年", "增减")
    rows = tuple(_row(figures, formatter, metric_id) for metric_id in spec.metrics)
    widths = _widths(headings, rows)
    room = GRID.width / TABLE_SIZE - sum(w for w in widths if w) - 2 * CELL_PADDING - CELL_SLACK
    return Attachment(spec.title, spec.placement, headings, widths,
                      tuple(replace(row, lines=label_lines(row.label, room)) for row in rows),
                      _charts(spec.charts, figures, formatter, year, draft))
