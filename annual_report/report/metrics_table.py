"""The metrics table for the office (指标表): every metric of the report, as CSV and as an Excel workbook.

A row a metric, in the order the report prints them (the narrative's, then the attachment's), then the metrics
printed nowhere but computed (the numerators and denominators of its rates). Each gives its value as the report's
table prints it (the unit printed: a rate as a percentage, the relief fund in 万元) beside the value unrounded, in
the same unit, for both years; where it is printed; and the ledgers it is computed from. The CSV is UTF-8 with a
BOM, which Excel on a Chinese Windows machine needs to read it as UTF-8.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import polars as pl
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from annual_report.files import write_csv, write_xlsx
from annual_report.intake.contracts import Contract
from annual_report.report.figures import NO_VALUE, RATE, Figure, Figures, Formatter
from annual_report.report.spec import ReportSpec

NOT_PRINTED = "未印出（用于计算）"
SHEET_TITLE = "主要指标"


@dataclass(frozen=True)
class MetricLine:
    """One metric as the office reads it: the printed value (text, "—" for none) beside the unrounded one."""

    label: str
    unit: str
    printed: str
    unrounded: Decimal | None
    prior_printed: str
    prior_unrounded: Decimal | None
    change: str      # the change against the prior year as the attachment's table prints it ("—" for none)
    printed_in: str
    ledgers: str
    metric_id: str


def headers(year: int) -> list[str]:
    """The table's header row."""
    return ["序号", "指标", "单位", f"{year}年（报告所印）", f"{year}年（未舍入）", f"{year - 1}年（报告所印）",
            f"{year - 1}年（未舍入）", "印于", "数据来源", "指标编号"]


def report_order(spec: ReportSpec, figures: Figures, metric_ids: list[str]) -> list[str]:
    """The metric ids in the order the report prints them, a series' rows as its chart draws them (largest first),
    then the metrics printed nowhere, in id order."""
    placed: list[str] = []
    for used in spec.metrics_used:
        if used in metric_ids:
            placed.append(used)
        elif members := [m for m in metric_ids if m.startswith(f"{used}.")]:
            drawn = [figure.metric_id for figure in figures.series(used)]
            placed += drawn + [m for m in members if m not in drawn]  # (a draft's rows without data last)
    order = list(dict.fromkeys(placed))
    return order + sorted(m for m in metric_ids if m not in order)


def _printed_in(spec: ReportSpec, metric_id: str) -> str:
    """正文, 附件, both, or NOT_PRINTED: where the report prints the metric (a series' row by its series)."""
    names = {metric_id, metric_id.partition(".")[0]}
    parts = [part for part, used in (("正文", spec.narrative_metrics), ("附件", spec.attachment_metrics))
             if names & set(used)]
    return "、".join(parts) or NOT_PRINTED


def _scale(unit: str, printed_unit: str) -> Decimal:
    """How many of the printed unit one of the metric's unit makes: a rate (a share of 1) prints as a percentage,
    yuan may print as 万元; any other unit prints as it is."""
    if unit == RATE:
        return Decimal(100)
    if printed_unit == f"万{unit}":
        return Decimal("0.0001")
    if printed_unit != unit:
        raise ValueError(f"no scale from {unit!r} to the printed unit {printed_unit!r}")
    return Decimal(1)


def _unrounded(value: float | None, scale: Decimal) -> Decimal | None:
    """A value in the unit the table prints it in, unrounded (a count stays a whole number: 36, not 36.0)."""
    if value is None:
        return None
    scaled = Decimal(str(value)) * scale
    return scaled.quantize(Decimal(1)) if scaled == scaled.to_integral_value() else scaled.normalize()


def metric_lines(spec: ReportSpec, figures: Figures, formatter: Formatter, metrics: pl.DataFrame,
                 contracts: dict[str, Contract]) -> list[MetricLine]:
    """Every metric of the year's table, in the report's order, printed by the Formatter the report was filled
    with (so at the precision and in the unit the report prints it)."""
    rows = {row["metric_id"]: row for row in metrics.iter_rows(named=True)}
    lines = []
    for metric_id in report_order(spec, figures, list(rows)):
        row = rows[metric_id]
        unit, printed, prior_printed, change = row["unit"], NO_VALUE, NO_VALUE, NO_VALUE
        figure = figures.get(metric_id) if row["value"] is not None else None
        if isinstance(figure, Figure):
            unit, printed, prior_printed, change = formatter.table_cells(figure)
        scale = _scale(row["unit"], unit)
        lines.append(MetricLine(
            label=row["label"], unit=unit, printed=printed, unrounded=_unrounded(row["value"], scale),
            prior_printed=prior_printed, prior_unrounded=_unrounded(row["prior_value"], scale), change=change,
            printed_in=_printed_in(spec, metric_id),
            ledgers="、".join(contracts[d].title if d in contracts else d for d in row["datasets"]),
            metric_id=metric_id))
    return lines


def _cells(number: int, line: MetricLine) -> list[object]:
    """A line's cells: text as text, numbers as numbers (a printed value that is a number is one)."""
    def printed(text: str) -> object:
        return text if text == NO_VALUE else Decimal(text)

    return [number, line.label, line.unit, printed(line.printed), line.unrounded, printed(line.prior_printed),
            line.prior_unrounded, line.printed_in, line.ledgers, line.metric_id]


def write_metrics_csv(lines: list[MetricLine], year: int, path: Path) -> Path:
    """The table as CSV (UTF-8 with BOM), atomically; an empty cell where a year has no value."""
    rows = [[None if cell is None else str(cell) for cell in _cells(number, line)]
            for number, line in enumerate(lines, start=1)]
    return write_csv(pl.DataFrame(rows, schema=dict.fromkeys(headers(year), pl.String), orient="row"), path)


def _printed_decimals(sheet: Worksheet) -> None:
    """Numbers as numbers, a printed value shown with the decimals the report prints (99.20, not 99.2); a dash
    centred."""
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, Decimal):
                places = max(0, -cell.value.as_tuple().exponent)
                cell.value = int(cell.value) if places == 0 else float(cell.value)
                if cell.column in (4, 6):  # the printed values
                    cell.number_format = "0." + "0" * places if places else "0"
            elif cell.value == NO_VALUE:
                cell.alignment = Alignment(horizontal="center")


def write_metrics_xlsx(lines: list[MetricLine], year: int, path: Path) -> Path:
    """The table as an Excel workbook, atomically (files.write_xlsx), numbers as numbers."""
    rows = [_cells(number, line) for number, line in enumerate(lines, start=1)]
    return write_xlsx(path, [(f"{year}年{SHEET_TITLE}", headers(year), rows)], _printed_decimals)


def write_metrics_tables(lines: list[MetricLine], year: int, stem: Path) -> tuple[Path, Path]:
    """`<stem>.csv` and `<stem>.xlsx`: the year's metrics table for the office."""
    return (write_metrics_csv(lines, year, stem.with_suffix(".csv")),
            write_metrics_xlsx(lines, year, stem.with_suffix(".xlsx")))


def printed_table(lines: list[MetricLine], year: int) -> list[dict[str, str]]:
    """The table as the report prints it, narrow enough for a screen (a run's artifact): each metric's label, unit,
    printed values for the year and the prior year, and where it is printed."""
    return [{"序号": str(number), "指标": line.label, "单位": line.unit, f"{year}年": line.printed,
             f"{year - 1}年": line.prior_printed, "印于": line.printed_in}
            for number, line in enumerate(lines, start=1)]
