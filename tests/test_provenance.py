"""Provenance: what a recorded report printed, and from which files, stays answerable after a resubmission."""

from __future__ import annotations

import polars as pl
from conftest import LEGAL_AID_HEADER, write_csv

from annual_report import pipeline
from annual_report.intake.contracts import region_contracts
from annual_report.settings import Settings
from annual_report.warehouse import database, provenance

CASE = ["民事", "工伤待遇", "西滨镇", "2021-01-04", "福建正晋律师事务所"]


def take(settings: Settings, year: int) -> None:
    """The year's folder taken and made the versions in force, by the pipeline's steps (no Prefect)."""
    contracts = region_contracts(settings)
    look = pipeline.look(settings, (year,))
    taken = pipeline.take_files(settings, year, [path for y, path in look.files if y == year], contracts)
    pipeline.reconcile(settings, (year,), taken, contracts)


def record(settings: Settings, mode: str) -> int:
    """The year's metrics built and recorded as a run (printed as the metrics table prints a count)."""
    year_metrics = pipeline.build_metrics(settings, "jinjiang", 2021)
    printed = year_metrics.with_columns(
        printed_unit=pl.col("unit"), printed=pl.col("value").cast(pl.Int64).cast(pl.String).fill_null("—"),
        prior_printed=pl.lit("—"), change_printed=pl.lit("—"))
    with database.connect(settings.warehouse) as con:
        return provenance.record_run(con, "jinjiang", 2021, mode, "report.pdf", None, printed)


def test_a_run_keeps_its_figures_and_files_after_a_resubmission(settings: Settings) -> None:
    ledger = settings.inputs / "2021" / "法律援助中心" / "援助.csv"
    write_csv(ledger, [LEGAL_AID_HEADER, ["A1", *CASE], ["A2", *CASE]])
    take(settings, 2021)
    first = record(settings, "draft")
    write_csv(ledger, [LEGAL_AID_HEADER, ["A1", *CASE], ["A2", *CASE], ["A3", *CASE]])  # resubmitted: a row more
    take(settings, 2021)
    second = record(settings, "strict")

    with database.connect(settings.warehouse) as con:
        assert provenance.report_run(con, "jinjiang", 2021).run_id == second   # the latest by default
        earlier = provenance.report_run(con, "jinjiang", 2021, first)
        assert (earlier.mode, earlier.pdf) == ("draft", "report.pdf")
        figures = {run: dict(zip(*provenance.run_figures(con, run).select("metric_id", "value"), strict=True))
                   for run in (first, second)}
        assert (figures[first]["legal_aid_cases"], figures[second]["legal_aid_cases"]) == (2, 3)
        [before] = provenance.sources(con, first, "legal_aid_cases")
        [after] = provenance.sources(con, second, "legal_aid_cases")
        current = con.execute("select sha256, contract_version from current_submissions "
                              "where dataset = 'legal_aid_cases'").fetchone()
    assert before.submission_id != after.submission_id and before.sha256 != after.sha256
    assert (after.sha256, after.contract_version) == current
    assert (before.file, before.department, before.rows_loaded) == ("2021/法律援助中心/援助.csv", "法律援助中心", 2)
    assert before.contract_version == region_contracts(settings)["legal_aid_cases"].version


def test_a_rebuild_carries_the_record_over_to_the_new_submissions(settings: Settings) -> None:
    with database.connect(settings.warehouse) as con:  # a submission the archive does not hold: ids shift in a rebuild
        con.execute("insert into submissions (year, department, file, sha256, size_bytes, received_at, rows_read, "
                    "rows_loaded, rows_rejected, status) values (2021, 'x', 'x', 'x', 0, now(), 0, 0, 0, 'failed')")
    ledger = settings.inputs / "2021" / "法律援助中心" / "援助.csv"
    write_csv(ledger, [LEGAL_AID_HEADER, ["A1", *CASE]])
    take(settings, 2021)
    first = record(settings, "draft")
    write_csv(ledger, [LEGAL_AID_HEADER, ["A1", *CASE], ["A2", *CASE]])
    take(settings, 2021)
    second = record(settings, "strict")
    with database.connect(settings.warehouse) as con:
        before = {run: provenance.sources(con, run, "legal_aid_cases") for run in (first, second)}
    pipeline.rebuild_warehouse(settings)
    with database.connect(settings.warehouse) as con:
        assert provenance.report_run(con, "jinjiang", 2021).run_id == second
        for run in (first, second):
            [old] = before[run]
            [new] = provenance.sources(con, run, "legal_aid_cases")
            assert (new.sha256, new.file, new.rows_loaded) == (old.sha256, old.file, old.rows_loaded)
            assert new.submission_id == old.submission_id - 1
            assert con.execute("select sha256 from submissions where submission_id = ?",
                               [new.submission_id]).fetchall() == [(old.sha256,)]
        assert provenance.run_figures(con, first).filter(pl.col("metric_id") == "legal_aid_cases")["value"][0] == 1
    assert record(settings, "strict") == second + 1   # numbered on from the runs carried over
