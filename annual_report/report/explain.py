"""Every figure explains itself (`annual-report explain`): from a figure of a recorded report to its definition,
the submissions it was computed from and the rows behind it.

The figure is the one the report printed (as `provenance` recorded it, by the Formatter's printing), its definition
the catalogue's (in words, and the compiled SQL), its submissions those the run recorded (file, fingerprint, rows
taken and rejected), the rows behind it those of exactly these submissions (`Catalogue.row_sets` over the staged
rows of each, `metrics.staged`), each with its row number in the file as the department submitted it. The rows'
workbook reproduces the figure: a count is its rows, a sum or a mean the column summed or averaged, a ratio its
numerator's over its denominator's (a sheet each). The cross-checks that read its ledgers are run on the versions
in force (the staging views each run leaves), which the explanation says when they are no longer the ones the
report was computed from.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from openpyxl.worksheet.worksheet import Worksheet

from annual_report.files import write_xlsx
from annual_report.intake.contracts import Contract
from annual_report.report.figures import NO_VALUE, RATE
from annual_report.settings import ROOT
from annual_report.warehouse import provenance
from annual_report.warehouse.catalogue import Catalogue, Metric, RowSet
from annual_report.warehouse.cross_checks import (
    CheckWarning,
    CrossCheck,
    cross_checks,
    failures,
)
from annual_report.warehouse.metrics import staged

MEASURE_WORDS = {"count": "计数", "count_distinct": "不重复计数", "sum": "求和", "mean": "平均值"}
FILE_HEADER, ROW_HEADER = "报送文件", "文件中的行号"  # the columns before a ledger's own in the rows' workbook
SHOWN_CHECK_FAILURES = 5
EXCEL_ROWS = 1_048_575  # the rows a worksheet holds below its header


class TooManyRowsError(ValueError):
    """A part of the figure has more rows than a worksheet holds, or than were read."""


class UnknownFigureError(LookupError):
    """The recorded report printed no figure of that id; the message lists those it did print."""


@dataclass(frozen=True)
class Rows:
    """The rows behind a figure, or one part of it, as read from the recorded submissions: how many there are and
    their measure (computed by DuckDB), and the rows themselves when there are no more than were asked for."""

    row_set: RowSet
    header: list[str]         # FILE_HEADER, ROW_HEADER, then the ledger's Chinese headers
    rows: list[list[Any]]     # all of them, or none (`complete`)
    column: str | None        # the header of the column a measure sums, averages or counts distinct values of
    count: int
    measured: float | None    # the measure over the rows: what the office gets from the workbook by counting, summing
                              # or averaging; None for a hand-written model's rows, whose measure is its own SQL

    @property
    def complete(self) -> bool:
        return len(self.rows) == self.count


@dataclass(frozen=True)
class Explanation:
    run: provenance.ReportRun
    figure: dict[str, Any]                # the run's row of report_run_figures
    metric: Metric | None                 # None for a hand-written model's metric
    source_file: Path | None              # the file declaring it, or the hand-written models'
    sql: str
    sources: list[provenance.Source]
    rows: list[Rows]
    checks: list[tuple[CrossCheck, list[CheckWarning]]]
    in_force: bool                        # the run's submissions of the year are still the versions in force
    contracts: dict[str, Contract]        # the ledgers' titles and headers, as departments know them

    @property
    def reproduced(self) -> float | None:
        """The figure computed from its rows (a ratio's numerators summed over its denominator)."""
        numerator = [r.measured for r in self.rows if r.row_set.part != "分母"]
        denominator = [r.measured for r in self.rows if r.row_set.part == "分母"]
        if None in numerator or None in denominator:
            return None
        if not denominator:
            return numerator[0] if len(numerator) == 1 else None
        return sum(numerator) / denominator[0] if denominator[0] else None


def explain(con: duckdb.DuckDBPyConnection, sql_dir: Path, contracts: dict[str, Contract], catalogue: Catalogue,
            region: str, year: int, metric_id: str, run_id: int | None = None,
            row_limit: int = EXCEL_ROWS) -> Explanation:
    """A figure of the region's latest recorded report of the year (or of the run given), explained: its rows read
    when a part of it has no more than row_limit (0: counted only)."""
    run = provenance.report_run(con, region, year, run_id)
    figures = provenance.run_figures(con, run.run_id)
    printed = {row["metric_id"]: row for row in figures.iter_rows(named=True)}
    if metric_id not in printed:
        raise UnknownFigureError(f"{region} {year} 年度报告（第 {run.run_id} 次运行）没有指标“{metric_id}”；"
                                 f"其指标为：{'、'.join(sorted(printed))}")
    figure = printed[metric_id]
    sources = provenance.sources(con, run.run_id, metric_id)
    this_year = [s for s in sources if s.year == year]
    staged_rows = {dataset: staged(sql_dir, contract, [s.submission_id for s in this_year if s.dataset == dataset])
                   for dataset, contract in contracts.items()}
    con.execute(f"set variable report_year = {int(year)}")
    row_sets = catalogue.row_sets(metric_id, list(figure["datasets"]), staged_rows)
    rows = [_rows(con, row_set, contracts[row_set.dataset], row_limit) for row_set in row_sets]
    in_force = {s.submission_id for s in this_year} == {sid for (sid,) in con.execute(
        "select submission_id from current_submissions where year = ? and list_contains(?, dataset)",
        [year, list(figure["datasets"])]).fetchall()}
    checks = [(check, failures(con, check, year)) for check in cross_checks(sql_dir)
              if set(check.datasets) & set(figure["datasets"])]
    base = metric_id.partition(".")[0]
    metric = catalogue.metrics.get(metric_id) or catalogue.metrics.get(base)
    source_file = catalogue.sources.get(metric.id) if metric else None
    compiling = replace(catalogue, models=()) if metric else catalogue  # a declared metric's SQL is its own
    return Explanation(run=run, figure=figure, metric=metric, source_file=source_file,
                       sql=compiling.sql(catalogue.needed([base])), sources=sources, rows=rows, checks=checks,
                       in_force=in_force, contracts=contracts)


def _rows(con: duckdb.DuckDBPyConnection, row_set: RowSet, contract: Contract, limit: int) -> Rows:
    """A row set's count and measure, and when they are no more than limit its rows, in the order of the file they
    came from, with its name and their row numbers in it."""
    measure = row_set.measure
    column, aggregate = None, "null"
    if measure is not None:
        name = measure.of.partition(".")[2]
        aggregate = {"count": "count(*)", "count_distinct": f"count(distinct r.{name})", "sum": f"sum(r.{name})",
                     "mean": f"avg(r.{name})"}[measure.measure]
        if measure.measure != "count":
            column = next(c.header for c in contract.columns if c.name == name)
    count, measured = con.execute(f"select count(*), {aggregate} from ({row_set.sql}) r").fetchone()
    rows = []
    if 0 < count <= limit:
        names = ", ".join(f"r.{c.name}" for c in contract.columns)
        rows = con.execute(f"select s.file, r.source_row, {names} from ({row_set.sql}) r "
                           "join submissions s using (submission_id) order by s.file, r.source_row").fetchall()
    return Rows(row_set, [FILE_HEADER, ROW_HEADER, *(c.header for c in contract.columns)],
                [[_cell(value) for value in row] for row in rows], column, count,
                None if measured is None else float(measured))


def _cell(value: Any) -> Any:
    """A value as the office's spreadsheet shows it: a yes/no as 是/否, a date as a date, numbers as numbers."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime | date | int | float | Decimal) or value is None:
        return value
    return str(value)


def _relative(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def _ledger(explanation: Explanation, dataset: str) -> str:
    contract = explanation.contracts.get(dataset)
    return f"《{contract.title}》" if contract else dataset


def _header(explanation: Explanation, dataset: str, column: str) -> str:
    """A column's header as the department's ledger has it."""
    return next(c.header for c in explanation.contracts[dataset].columns if c.name == column)


def _printed(value: str, unit: str) -> str:
    return f"{value}{unit}" if value != NO_VALUE else "—（无数据）"


def _definition(explanation: Explanation, catalogue: Catalogue) -> list[str]:
    """What the figure is, in words: its description, and how it is computed from what."""
    metric, figure = explanation.metric, explanation.figure
    if metric is None:
        ledgers = "、".join(_ledger(explanation, d) for d in figure["datasets"])
        return [f"定义：由手写模型（sql/metrics/ 或本地区 metrics/ 下的 .sql 文件）计算，读取{ledgers}"]
    lines = [f"定义：{metric.description or metric.label.replace('{category}', '')}"]
    if metric.kind == "ratio":
        numerator = " + ".join(catalogue.metrics[n].label if n in catalogue.metrics else n for n in metric.numerator)
        lines.append(f"计算：（{numerator}）÷ {catalogue.metrics[metric.denominator].label}")
    elif metric.kind == "share":
        base = catalogue.metrics[metric.share_of]
        by = _header(explanation, base.dataset, metric.by)
        lines.append(f"计算：本类别的{base.label} ÷ 各类别{base.label}之和（按“{by}”分类）")
    else:
        column = metric.of.partition(".")[2]
        lines.append(f"计算：{_ledger(explanation, metric.dataset)}"
                     + (f"中按“{_header(explanation, metric.dataset, metric.dated_by)}”计入本年度" if metric.dated_by
                        else "中本年度")
                     + ("、符合筛选条件" if metric.where else "") + "的行，"
                     + (f"“{_header(explanation, metric.dataset, column)}”的" if column else "")
                     + MEASURE_WORDS[metric.measure]
                     + (f"（按“{_header(explanation, metric.dataset, metric.by)}”分类）" if metric.by else ""))
        if metric.where:
            lines.append(f"筛选条件（SQL）：{metric.where}")
    if explanation.source_file:
        lines.append(f"声明：{_relative(explanation.source_file)}")
    return lines


def _how_reproduced(rows: Rows) -> str:
    """How the office gets the figure from a sheet of the rows' workbook."""
    measure = rows.row_set.measure
    if measure is None:
        return f"共 {rows.count} 行（手写模型读取的本年度全部行，其算法见下方计算SQL）"
    word = {"count": "行数", "count_distinct": f"“{rows.column}”的不重复值个数", "sum": f"“{rows.column}”之和",
            "mean": f"“{rows.column}”的平均值"}[measure.measure]
    return f"共 {rows.count} 行，{word}为 {_number(rows.measured)}"


def _number(value: float | None) -> str:
    if value is None:
        return NO_VALUE
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


def text(explanation: Explanation, catalogue: Catalogue, with_sql: bool = True) -> list[str]:
    """The explanation for the office, a line each (Chinese), the SQL that computes the figure last (with_sql)."""
    run, figure = explanation.run, explanation.figure
    unit = figure["printed_unit"]
    mode = "征求意见稿" if run.mode == "draft" else "正式稿"
    lines = [f"{figure['label']}（{figure['metric_id']}）",
             f"报告：{run.region} {run.year} 年度（{mode}，第 {run.run_id} 次运行，{run.ran_at:%Y-%m-%d %H:%M}）",
             f"所印数值：{_printed(figure['printed'], unit)}",
             f"上年：{_printed(figure['prior_printed'], unit)}；变化：{figure['change_printed']}",
             *_definition(explanation, catalogue), "", "数据来源（报送文件）："]
    for source in explanation.sources:
        lines.append(f"  {source.year} 年  {source.department}  {source.file}  接收于 {source.received_at:%Y-%m-%d %H:%M}"
                     f"  指纹 {source.sha256[:16]}  入库 {source.rows_loaded}/{source.rows_read} 行"
                     f"，未入库 {source.rows_rejected} 行  规范版本 {source.contract_version}")
    if not explanation.sources:
        lines.append("  （无：本指标所需台账未报送）")
    if not explanation.in_force:
        lines.append("  注意：上述文件已不是现行有效版本（其后有重新报送或撤回）；明细仍按上述文件，审核结果按现行版本")
    lines += ["", f"明细（{explanation.run.year} 年）："]
    for rows in explanation.rows:
        part = "" if rows.row_set.part == "明细" else f"{rows.row_set.part}："
        label = rows.row_set.label if rows.row_set.measure else _ledger(explanation, rows.row_set.dataset)
        lines.append(f"  {part}{label}：{_how_reproduced(rows)}")
    reproduced = explanation.reproduced
    if reproduced is not None and figure["value"] is not None:
        scale = 100 if figure["unit"] == RATE else 1
        lines.append(f"  由明细算得（未舍入）：{_number(reproduced * scale)}{'%' if scale == 100 else figure['unit']}")
    lines += ["", "审核公式："]
    for check, found in explanation.checks:
        verdict = "通过" if not found else "未通过：" + "；".join(w.message for w in found[:SHOWN_CHECK_FAILURES])
        lines.append(f"  {check.rule.rstrip('。')}：{verdict}")
    if not explanation.checks:
        lines.append("  （无审核公式涉及本指标的台账）")
    if with_sql:
        lines += ["", "计算SQL：", *("  " + line for line in explanation.sql.splitlines())]
    return lines


def write_rows(explanation: Explanation, path: Path) -> Path:
    """The rows behind the figure as a workbook the office opens: a sheet of them (a ratio's numerator and
    denominator each its own), each row with its file and its row number in the file as submitted."""
    if too_many := [rows for rows in explanation.rows if not rows.complete]:
        raise TooManyRowsError("；".join(f"{rows.row_set.label}共 {rows.count} 行" for rows in too_many)
                               + f"，多于一张工作表可容纳的 {EXCEL_ROWS} 行，无法写成 Excel 明细")
    names = [rows.row_set.part for rows in explanation.rows]
    sheets = []
    for index, rows in enumerate(explanation.rows):
        title = rows.row_set.part + (str(names[:index + 1].count(rows.row_set.part)) if names.count(rows.row_set.part) > 1
                                     else "")
        sheets.append((title, rows.header, rows.rows))
    return write_xlsx(path, sheets, _dates_as_dates)


def _dates_as_dates(sheet: Worksheet) -> None:
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, datetime | date):
                cell.number_format = "yyyy-mm-dd"
