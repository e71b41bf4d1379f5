"""The figures table for sign-off: every figure the report prints, in its sentence, in the report's order, with its
value and its files, and a blank column for the checker's initials."""

from __future__ import annotations

import re

import polars as pl
import pytest
from openpyxl import load_workbook
from test_report import pdf_text

from annual_report.pipeline import RunSummary
from annual_report.report.figures import Figures, Formatter
from annual_report.report.figures_table import HEADERS, SentenceError, narrative_figures
from annual_report.report.render import filled_narrative
from annual_report.report.spec import load_spec
from annual_report.settings import Settings


@pytest.fixture(scope="module")
def table(sample_run: RunSummary) -> list[dict[str, object]]:
    sheet = load_workbook(sample_run.files.figures_xlsx).active
    head, *rows = sheet.iter_rows(values_only=True)
    assert list(head) == HEADERS and head[-1] == "审核人"
    return [dict(zip(head, row, strict=True)) for row in rows]


def test_every_printed_figure_is_a_row_in_its_sentence(sample_run: RunSummary, table: list[dict[str, object]]) -> None:
    assert sample_run.files.figures_xlsx == sample_run.files.metrics_xlsx.with_name("jinjiang-2021-figures.xlsx")
    body = [row for row in table if row["印于"] == "正文"]
    spec = load_spec(Settings.from_env().spec_path("jinjiang", 2021))
    assert len(body) == len(re.findall(r"\{\{\s*m\.", spec.narrative))     # a row for every figure the narrative prints
    text = pdf_text(sample_run.files.pdf)
    for row in body:
        assert row["所印文字"] in row["所在句子"]
        assert re.sub(r"\s+", "", row["所在句子"]) in text                   # the sentence as the PDF prints it
    assert [row["序号"] for row in table] == list(range(1, len(table) + 1))
    places = [row["印于"] for row in table]
    assert places == sorted(places, key=["正文", "附件表格", "附件图表"].index)  # the narrative, then the attachment
    assert body[0]["指标编号"] == "legality_reviews" and body[0]["所印文字"] == "197件"
    assert all(row["审核人"] is None for row in table)                       # left for the checker


def test_a_figures_value_and_files_are_the_metrics_tables_and_the_runs(sample_run: RunSummary,
                                                                       table: list[dict[str, object]]) -> None:
    metrics = pl.read_csv(sample_run.files.metrics_csv, infer_schema=False)  # as printed: text
    printed = {row["指标编号"]: f"{row['2021年（报告所印）']}{row['单位']}" for row in metrics.iter_rows(named=True)}
    files = {r.dataset: r.file for r in sample_run.ingest.submissions if r.year == 2021 and r.dataset}
    datasets = dict(zip(sample_run.metrics["metric_id"], sample_run.metrics["datasets"], strict=True))
    for row in table:
        assert row["报告所印数值"] == printed[row["指标编号"]]
        assert all(files[dataset] in row["数据来源"] for dataset in datasets[row["指标编号"]])
    rate = next(row for row in table if row["指标编号"] == "mediation_success_rate")
    assert rate["所印文字"] == "99.9%" and "人民调解案件台账" in rate["数据来源"]


def test_a_filter_whose_output_is_not_printed_stops_the_table(sample_run: RunSummary, contracts, tmp_path) -> None:
    """A narrative that tests a filter's output rather than printing it cannot say where the figure is printed."""
    path = tmp_path / "2021.md"
    original = Settings.from_env().spec_path("jinjiang", 2021).read_text(encoding="utf-8")
    path.write_text(original + "\n{% if (m.legal_aid_cases | count) == '3501件' %}案件较多。{% endif %}\n",
                    encoding="utf-8")
    spec = load_spec(path)
    figures = Figures(sample_run.metrics, contracts, 2021)
    printed = filled_narrative(spec, figures, Formatter(spec.rounding).filters(), 2021)
    assert "案件较多。" in printed
    with pytest.raises(SentenceError, match="not the narrative as printed"):
        narrative_figures(spec, sample_run.metrics, contracts, 2021, False, printed)
