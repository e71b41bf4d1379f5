"""The attachment (附件): the year's key metrics beside the prior year, and charts, as the spec lists them."""

from __future__ import annotations

from dataclasses import dataclass

from annual_report.report.charts import bar_chart
from annual_report.report.figures import (
    NO_VALUE,
    Figures,
    Formatter,
    Gap,
    MissingFigureError,
)
from annual_report.report.spec import AttachmentSpec, ChartSpec


@dataclass(frozen=True)
class MetricRow:
    label: str
    unit: str
    value: str
    prior: str
    change: str


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
    rows: tuple[MetricRow, ...]
    charts: tuple[Chart, ...]


def _row(figures: Figures, formatter: Formatter, metric_id: str) -> MetricRow:
    figure = figures.get(metric_id)
    if isinstance(figure, Gap):
        return MetricRow(figure.label, NO_VALUE, str(figure), NO_VALUE, NO_VALUE)
    return MetricRow(figure.label, *formatter.table_cells(figure))


def _chart(chart: ChartSpec, figures: Figures, formatter: Formatter, year: int, draft: bool) -> Chart:
    try:
        series = figures.series(chart.series)
    except MissingFigureError:
        if not draft:
            raise
        series = []
    if not series:
        return Chart(chart.title, gap=str(Gap(chart.title)))
    title = f"{chart.title}（单位：{formatter.table_cells(series[0])[0]}）"
    return Chart(title, bar_chart(title, series, year, chart.prior_year, formatter))


def build_attachment(spec: AttachmentSpec, figures: Figures, formatter: Formatter, year: int,
                     draft: bool = False) -> Attachment:
    """The table rows and charts of the attachment, every number from the metrics table."""
    return Attachment(spec.title, spec.placement,
                      tuple(_row(figures, formatter, metric_id) for metric_id in spec.metrics),
                      tuple(_chart(chart, figures, formatter, year, draft) for chart in spec.charts))
