"""Every figure explains itself: `annual-report explain` on every figure of the sample report, its rows' workbook
reproducing the figure when counted, summed or divided as the office would in Excel."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from annual_report import pipeline
from annual_report.cli import main
from annual_report.intake.contracts import region_contracts
from annual_report.report.explain import (
    FILE_HEADER,
    ROW_HEADER,
    Explanation,
    TooManyRowsError,
    explain,
    text,
    write_rows,
)
from annual_report.settings import Settings
from annual_report.warehouse import database
from annual_report.warehouse.catalogue import Metric


def _measured(sheet: list[tuple[object, ...]], measure: Metric, header: str | None) -> float | None:
    """A sheet's rows measured as the office does in Excel: counted, a column summed, averaged or its values
    counted once each."""
    head, *rows = sheet
    if measure.measure == "count":
        return len(rows)
    values = [row[head.index(header)] for row in rows if row[head.index(header)] is not None]
    if measure.measure == "count_distinct":
        return len(set(values))
    total = sum(Decimal(str(value)) for value in values)
    return float(total) if measure.measure == "sum" else float(total / len(values)) if values else None


def _from_workbook(explanation: Explanation, path: Path) -> float | None:
    """The figure recomputed from the rows' workbook alone, a sheet per row set in its order (None: a hand-written
    model's, whose arithmetic is its own SQL)."""
    workbook = load_workbook(path, read_only=True)
    sheets = [list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets]
    assert len(sheets) == len(explanation.rows)
    measured = []
    for rows, sheet in zip(explanation.rows, sheets, strict=True):
        assert list(sheet[0][:2]) == [FILE_HEADER, ROW_HEADER]
        assert all(isinstance(row[1], int) and row[1] >= 2 for row in sheet[1:])   # below the header in the file
        if rows.row_set.measure is None:
            return None
        measured.append((rows.row_set.part, _measured(sheet, rows.row_set.measure, rows.column)))
    numerator = [value for part, value in measured if part != "分母"]
    denominator = [value for part, value in measured if part == "分母"]
    return sum(numerator) / denominator[0] if denominator else numerator[0]


def assert_every_figure_explains_itself(settings: Settings, region: str, year: int, metrics: pl.DataFrame,
                                        tmp_path: Path) -> None:
    """Every metric of a run explained, its rows written; a count's rows are as many as the figure, and every
    declared figure is recomputed from its workbook."""
    contracts = region_contracts(settings)
    catalogue = pipeline.region_catalogue(settings, region)
    with database.connect(settings.warehouse, contracts.values()) as con:
        for row in metrics.iter_rows(named=True):
            explanation = explain(con, settings.sql, contracts, catalogue, region, year, row["metric_id"])
            lines = text(explanation, catalogue)
            assert lines[0] == f"{row['label']}（{row['metric_id']}）"
            workbook = write_rows(explanation, tmp_path / f"{row['metric_id']}.xlsx")
            if row["value"] is None:
                continue
            assert {s.dataset for s in explanation.sources if s.year == year} == set(row["datasets"])
            metric = explanation.metric
            if metric is not None and metric.kind == "measure" and metric.measure == "count":
                [rows] = explanation.rows
                assert len(rows.rows) == row["value"], row["metric_id"]
            recomputed = _from_workbook(explanation, workbook)
            if metric is None:
                assert recomputed is None and explanation.reproduced is None   # a hand-written model's
            else:
                assert recomputed == pytest.approx(row["value"], rel=1e-12), row["metric_id"]
                assert explanation.reproduced == pytest.approx(row["value"], rel=1e-12)


def test_every_figure_of_the_sample_report_explains_itself(sample_run: pipeline.RunSummary, tmp_path: Path) -> None:
    outputs = sample_run.files.pdf.parent.parent
    settings = Settings.from_env().with_paths(outputs=outputs)
    assert_every_figure_explains_itself(settings, "jinjiang", 2021, sample_run.metrics, tmp_path)


def test_explain_prints_the_figure_its_sources_checks_and_rows(sample_run: pipeline.RunSummary, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    outputs = sample_run.files.pdf.parent.parent
    rows = tmp_path / "rows.xlsx"
    assert main(["explain", "mediation_success_rate", "--year", "2021", "--outputs", str(outputs),
                 "--rows", str(rows)]) == 0
    out = capsys.readouterr().out
    assert "调解成功率（mediation_success_rate）" in out
    assert "所印数值：99.9%" in out                               # as the report prints it
    assert "2021/司法局/人民调解案件台账.csv" in out and "入库 4798/4798 行" in out
    assert "分子：调解成功案件：共 4795 行" in out and "分母：人民调解案件：共 4798 行" in out
    assert "由明细算得（未舍入）：99.9375%" in out
    assert "审核：人民调解案件的调解组织应在人民调解组织名册中：通过" in out
    assert "count(*)" in out                                          # the compiled SQL
    assert [sheet.title for sheet in load_workbook(rows).worksheets] == ["分子", "分母"]


def test_explain_names_what_it_does_not_know(sample_run: pipeline.RunSummary,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    outputs = sample_run.files.pdf.parent.parent
    assert main(["explain", "mediation_sucess_rate", "--year", "2021", "--outputs", str(outputs)]) == 2
    assert "没有指标“mediation_sucess_rate”" in capsys.readouterr().err
    assert main(["explain", "legal_aid_cases", "--year", "2020", "--outputs", str(outputs)]) == 2
    assert "仓库中没有 jinjiang 2020 年度任何报告的记录" in capsys.readouterr().err


def test_rows_beyond_the_limit_are_counted_and_measured_without_being_read(sample_run: pipeline.RunSummary,
                                                                          tmp_path: Path) -> None:
    """A national ledger's figure: its explanation counts and measures its rows in DuckDB, and reads them only when
    asked for no more than they are; a workbook is refused rather than written short."""
    settings = Settings.from_env().with_paths(outputs=sample_run.files.pdf.parent.parent)
    contracts = region_contracts(settings)
    catalogue = pipeline.region_catalogue(settings, "jinjiang")
    with database.connect(settings.warehouse, contracts.values()) as con:
        whole = explain(con, settings.sql, contracts, catalogue, "jinjiang", 2021, "mediation_success_rate")
        counted = explain(con, settings.sql, contracts, catalogue, "jinjiang", 2021, "mediation_success_rate",
                          row_limit=4796)
    assert [(rows.count, len(rows.rows)) for rows in counted.rows] == [(4795, 4795), (4798, 0)]
    assert text(counted, catalogue) == text(whole, catalogue)
    assert counted.reproduced == whole.reproduced == pytest.approx(4795 / 4798)
    with pytest.raises(TooManyRowsError, match="人民调解案件共 4798 行"):
        write_rows(counted, tmp_path / "rows.xlsx")
    assert not (tmp_path / "rows.xlsx").exists()
