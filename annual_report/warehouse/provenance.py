"""Provenance: each report produced is recorded with every figure it printed and the submissions each figure was
computed from (`report_runs`, `report_run_figures`, `report_run_sources`, made by `database.LEDGER_SCHEMA`).

A submission's file, fingerprint, contract version and row counts are copied into the record, and rows are only
ever added: what the report of a given day said, and from which files, can be told after any resubmission.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from annual_report.intake.validate import literal
from annual_report.warehouse.database import transaction

# the metrics table's columns a run's figures keep, and how the report printed each
FIGURE_COLUMNS = ("metric_id", "label", "unit", "value", "prior_value", "change", "datasets")
PRINTED_COLUMNS = ("printed_unit", "printed", "prior_printed", "change_printed")


@dataclass(frozen=True)
class ReportRun:
    run_id: int
    region: str
    year: int
    mode: str
    ran_at: datetime
    flow_run_id: str | None
    pdf: str


@dataclass(frozen=True)
class Source:
    """A submission a figure was computed from, as it was when the report was produced."""

    submission_id: int
    year: int
    department: str
    dataset: str
    file: str
    sha256: str
    received_at: datetime
    contract_version: str | None
    rows_read: int
    rows_loaded: int
    rows_rejected: int


class NoRecordedRunError(LookupError):
    """No report of the region and year has been recorded (or not the run asked for)."""


def record_run(con: duckdb.DuckDBPyConnection, region: str, year: int, mode: str, pdf: str,
               flow_run_id: str | None, figures: pl.DataFrame) -> int:
    """Record a report produced: `figures` holds a row per metric of the metrics table (FIGURE_COLUMNS and its
    submission_ids, both years') with how the report printed it (PRINTED_COLUMNS); the new run's id."""
    con.register("recorded_figures", figures.select(*FIGURE_COLUMNS, *PRINTED_COLUMNS, "submission_ids"))
    try:
        with transaction(con):
            run_id = con.execute(
                "insert into report_runs (run_id, region, year, mode, ran_at, flow_run_id, pdf) "
                "select coalesce(max(run_id), 0) + 1, ?, ?, ?, ?, ?, ? from report_runs returning run_id",
                [region, year, mode, datetime.now(), flow_run_id, pdf]).fetchall()[0][0]
            con.execute(f"insert into report_run_figures by name select {int(run_id)} as run_id, "
                        "* exclude (submission_ids) from recorded_figures")
            con.execute(
                f"""insert into report_run_sources
                    select {int(run_id)}, f.metric_id, s.submission_id, s.year, s.department, s.dataset, s.file,
                           s.sha256, s.received_at, s.contract_version, s.rows_read, s.rows_loaded, s.rows_rejected
                    from (select metric_id, unnest(submission_ids) as submission_id from recorded_figures) f
                    join submissions s using (submission_id)""")
    finally:
        con.unregister("recorded_figures")
    return run_id


def carry_over(con: duckdb.DuckDBPyConnection, earlier: Path) -> None:
    """Into a rebuilt warehouse, the record of every report the earlier one holds, each source matched to the
    submission of the same bytes from the same department for the same year (null where there is none); nothing
    when the earlier warehouse cannot be read (a damaged file, the reason to rebuild: its record is lost with it)."""
    try:
        con.execute(f"attach {literal(str(earlier))} as earlier (read_only)")
    except duckdb.Error:
        return
    try:
        tables = {name for (name,) in con.execute(
            "select table_name from duckdb_tables() where database_name = 'earlier'").fetchall()}
        if not {"report_runs", "report_run_figures", "report_run_sources"} <= tables:
            return  # made before reports were recorded: none to carry
        with transaction(con):
            con.execute("insert into report_runs select * from earlier.report_runs")
            con.execute("insert into report_run_figures select * from earlier.report_run_figures")
            con.execute(
                """insert into report_run_sources
                   select r.* replace (s.submission_id as submission_id) from earlier.report_run_sources r
                   left join (select sha256, year, department, max(submission_id) as submission_id from submissions
                              where status = 'loaded' group by all) s using (sha256, year, department)""")
    except duckdb.Error:
        return
    finally:
        con.execute("detach earlier")


def report_run(con: duckdb.DuckDBPyConnection, region: str, year: int, run_id: int | None = None) -> ReportRun:
    """The run asked for, or the latest recorded report of the region and year."""
    rows = con.execute(
        """select run_id, region, year, mode, ran_at, flow_run_id, pdf from report_runs
           where region = ? and year = ? and (? is null or run_id = ?) order by run_id desc limit 1""",
        [region, year, run_id, run_id]).fetchall()
    if not rows:
        which = f"第 {run_id} 次运行" if run_id is not None else "任何报告"
        raise NoRecordedRunError(f"仓库中没有 {region} {year} 年度{which}的记录：请先运行 annual-report run "
                                 f"--region {region} --year {year}")
    return ReportRun(*rows[0])


def run_figures(con: duckdb.DuckDBPyConnection, run_id: int) -> pl.DataFrame:
    """The figures a recorded run printed, as it printed them."""
    return con.sql(f"select * exclude (run_id) from report_run_figures where run_id = {int(run_id)} "
                   "order by metric_id").pl()


def sources(con: duckdb.DuckDBPyConnection, run_id: int, metric_id: str) -> list[Source]:
    """The submissions a figure of a recorded run was computed from, both years', by year and department."""
    return [Source(*row) for row in con.execute(
        """select submission_id, year, department, dataset, file, sha256, received_at, contract_version, rows_read,
                  rows_loaded, rows_rejected
           from report_run_sources where run_id = ? and metric_id = ? order by year desc, department, dataset""",
        [run_id, metric_id]).fetchall()]
