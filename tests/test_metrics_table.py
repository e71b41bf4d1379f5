"""The metrics table the office opens in Excel or WPS: CSV with a BOM and XLSX, as the report prints its figures."""

from __future__ import annotations

import codecs
import csv
import io
from decimal import Decimal

import polars as pl
import pytest
from openpyxl import load_workbook

from annual_report.pipeline import RunSummary
from annual_report.report import render
from annual_report.report.metrics_table import (
    NOT_PRINTED,
    MetricLine,
    headers,
    metric_lines,
    write_metrics_csv,
)
from annual_report.report.spec import load_spec
from annual_report.settings import Settings

HEADERS = ["序号", "指标", "单位", "2021年（报告所印）", "2021年（未舍入）", "2020年（报告所印）", "2020年（未舍入）",
           "印于", "数据来源", "指标编号"]


def _csv_rows(sample_run: RunSummary) -> list[dict[str, str]]:
    raw = sample_run.files.metrics_csv.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)   # Excel on a Chinese Windows machine reads it as UTF-8
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    assert reader.fieldnames == HEADERS == headers(2021)
    return list(reader)


def _by_id(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["指标编号"]: row for row in rows}


def test_csv_rows_are_in_the_order_the_report_prints_them(sample_run: RunSummary) -> None:
    rows = _csv_rows(sample_run)
    ids = [row["指标编号"] for row in rows]
    places = [row["印于"] for row in rows]
    assert ids[0] == "legality_reviews"   # the narrative's first figure, not the first id in order
    assert [row["序号"] for row in rows] == [str(n) for n in range(1, len(rows) + 1)]
    # the narrative's figures, then those only the attachment prints, then those printed nowhere
    rank = {"正文": 0, "正文、附件": 0, "附件": 1, NOT_PRINTED: 2}
    assert [rank[place] for place in places] == sorted(rank[place] for place in places)
    assert ids.index("permit_online_share") < ids.index("mediation_cases") < ids.index("charity_relief_amount")
    assert _by_id(rows)["villages"]["印于"] == NOT_PRINTED    # a denominator: computed, printed nowhere
    series = [i for i in ids if i.startswith("mediation_cases_by_type.")]
    assert series[0] == "mediation_cases_by_type.邻里纠纷" and series[-1].endswith("其他纠纷")   # as the chart draws it
    assert len(ids) == len(set(ids)) == sample_run.metrics.height


def test_csv_prints_rates_as_percentages_money_as_printed_and_counts_as_integers(sample_run: RunSummary) -> None:
    rows = _by_id(_csv_rows(sample_run))
    rate = rows["permit_online_share"]
    assert rate["单位"] == "%" and rate["2021年（未舍入）"] == "99.20556107249255"
    assert abs(Decimal(rate["2021年（报告所印）"]) - Decimal("99.2056")) < Decimal("0.05")   # not 0.99
    money = rows["charity_relief_amount"]
    assert (money["单位"], money["2021年（报告所印）"], money["2021年（未舍入）"]) == ("万元", "118.3", "118.3")
    count = rows["advisor_points_new"]
    assert (count["单位"], count["2021年（报告所印）"], count["2021年（未舍入）"]) == ("个", "36", "36")
    prior = rows["legal_aid_cases"]
    assert (prior["2020年（报告所印）"], prior["2020年（未舍入）"]) == ("2433", "2433")
    none = rows["mediation_cases"]
    assert (none["2020年（报告所印）"], none["2020年（未舍入）"]) == ("—", "")
    assert rows["advisor_points_coverage"]["数据来源"] == "村（社区）法律顾问示范点台账、村（社区）名册"


def test_xlsx_is_the_same_table_with_numbers_as_numbers(sample_run: RunSummary) -> None:
    csv_rows = _csv_rows(sample_run)
    sheet = load_workbook(sample_run.files.metrics_xlsx).active
    assert sheet.title == "2021年主要指标"
    assert sheet.freeze_panes == "A2"   # the header row stays in view
    assert [cell.value for cell in sheet[1]] == HEADERS
    for cells, row in zip(sheet.iter_rows(min_row=2), csv_rows, strict=True):
        for cell, header in zip(cells, HEADERS, strict=True):
            text = row[header]
            if isinstance(cell.value, int | float) and header != "序号":
                assert cell.value == pytest.approx(float(text))
                if "报告所印" in header:   # shown with the decimals the report prints: 100.0, not 100
                    assert cell.number_format == ("0." + "0" * len(text.partition(".")[2])).rstrip(".")
            else:
                assert ("" if cell.value is None else str(cell.value)) == text
    cells = {row[9].value: row for row in sheet.iter_rows(min_row=2)}
    count, rate = cells["advisor_points_new"], cells["permit_online_share"]
    assert count[3].value == 36 and isinstance(count[3].value, int) and count[3].number_format == "0"
    assert isinstance(rate[3].value, float) and rate[3].number_format.startswith("0.0")
    assert isinstance(rate[4].value, float) and rate[4].value == pytest.approx(99.20556107249255)
    assert cells["charity_relief_amount"][3].value == pytest.approx(118.3)
    labels = sheet.column_dimensions["B"].width
    assert labels >= 2 * max(len(row["指标"]) for row in csv_rows)   # the longest label fits on one line


def test_a_draft_table_leaves_the_gaps_empty(sample_run: RunSummary, contracts) -> None:
    """A draft without the legal aid ledger: its figures are printed as "—" and have no unrounded value."""
    spec = load_spec(Settings.from_env().spec_path("jinjiang", 2021))
    metrics = sample_run.metrics.with_columns(
        value=pl.when(pl.col("metric_id").str.starts_with("legal_aid_cases")).then(None).otherwise(pl.col("value")))
    context = render.report_context(spec, metrics, contracts, 2021, draft=True)
    lines = {line.metric_id: line for line in
             metric_lines(spec, context["figures"], context["formatter"], metrics, contracts)}
    assert (lines["legal_aid_cases"].printed, lines["legal_aid_cases"].unrounded) == ("—", None)
    assert lines["legal_aid_cases_by_type.民事"].printed == "—"
    assert lines["legality_reviews"].printed == "197"


def test_a_negative_value_stays_a_number_and_text_like_a_formula_does_not(tmp_path) -> None:
    """-3 is a number to Excel and WPS, written as it is; a label starting like a formula is neutralised."""
    line = MetricLine(label="=HYPERLINK(1)", unit="件", printed="-3", unrounded=Decimal(-3), prior_printed="—",
                      prior_unrounded=None, change="—", printed_in=NOT_PRINTED, ledgers="测试台账", metric_id="x")
    [row] = list(csv.reader(io.StringIO(write_metrics_csv([line], 2021, tmp_path / "m.csv").read_text("utf-8-sig"))))[1:]
    assert row[:5] == ["1", "'=HYPERLINK(1)", "件", "-3", "-3"]
