"""The pipeline's steps as plain functions: what the Prefect tasks call and tests can call directly."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from annual_report import audit, ingest, metrics, receipts, render, warehouse
from annual_report.archive import Archive
from annual_report.audit import CheckWarning
from annual_report.contracts import Contract, load_contracts
from annual_report.files import write_csv
from annual_report.ingest import SubmissionResult
from annual_report.settings import Settings
from annual_report.spec import load_spec


@dataclass(frozen=True)
class ReportFiles:
    pdf: Path
    html: Path
    metrics_csv: Path
    attachment: Path | None = None  # the attachment's PDF when the spec publishes it separately


@dataclass(frozen=True)
class IngestReport:
    submissions: list[SubmissionResult]
    checks: list[CheckWarning]


@dataclass(frozen=True)
class RunSummary:
    ingest: IngestReport
    metrics: pl.DataFrame
    files: ReportFiles


class MissingSubmissionsError(RuntimeError):
    """A strict run stopped: ledgers the report requires have not been submitted."""

    def __init__(self, missing: list[Contract], year: int) -> None:
        self.missing = missing
        names = "; ".join(f"{c.title} ({c.dataset}) from {c.department}: inputs/{year}/{c.department}/"
                          for c in missing)
        super().__init__(f"{len(missing)} required ledger(s) not submitted for {year}: {names}")


def _checks_for(result: SubmissionResult, checks: list[CheckWarning], year: int) -> list[CheckWarning]:
    return [c for c in checks if result.year == year and c.dataset == result.dataset]


def submission_files(settings: Settings, years: tuple[int, ...],
                     settle_seconds: float = 0) -> tuple[list[tuple[int, Path]], list[SubmissionResult]]:
    """The (year, file) pairs to take, and the files skipped: temporary ones, and ones written to
    in the last settle_seconds (a copy may still be under way; the next look takes them)."""
    files, skipped = [], []
    now = time.time()
    for year in years:
        found, temporary = ingest.submitted_files(settings.inputs, year)
        skipped += temporary
        for path in found:
            if now - path.stat().st_mtime < settle_seconds:
                skipped.append(ingest.received(settings.inputs, path, year, status="skipped",
                                               problem=ingest.STILL_WRITTEN))
            else:
                files.append((year, path))
    return files, skipped


def warehouse_identity(settings: Settings, contracts: dict[str, Contract]) -> str:
    """The warehouse's id (creating the warehouse if need be): new with every new or rebuilt warehouse."""
    with warehouse.connect(settings.warehouse, contracts.values()) as con:
        return warehouse.identity(con)


def take_file(settings: Settings, year: int, path: Path, contracts: dict[str, Contract]) -> SubmissionResult:
    """Take one file into the warehouse: archived and loaded, or a no-op when it is already current."""
    with tempfile.TemporaryDirectory(prefix="annual-report-") as workdir, \
            warehouse.connect(settings.warehouse, contracts.values()) as con:
        return ingest.receive(con, contracts, path, settings.inputs, year, Archive(settings.archive), Path(workdir))


def cross_check(settings: Settings, year: int, results: list[SubmissionResult],
                contracts: dict[str, Contract]) -> IngestReport:
    """Cross-check the year's ledgers and write a receipt for every file taken."""
    with warehouse.connect(settings.warehouse, contracts.values()) as con:
        metrics.build_staging(con, settings.sql, contracts)
        checks = audit.run_checks(con, settings.sql, year)
    for result in results:
        if result.status != "skipped":
            receipts.write_receipt(result, contracts, _checks_for(result, checks, year),
                                   settings.receipts(result.year), settings.templates)
    return IngestReport(submissions=results, checks=checks)


def ingest_submissions(settings: Settings, year: int) -> IngestReport:
    """Take the prior year's and the year's files (the prior year feeds year-on-year figures),
    cross-check the year, and write a receipt for every file."""
    contracts = load_contracts(settings.contracts)
    files, skipped = submission_files(settings, (year - 1, year))
    results = skipped + [take_file(settings, y, path, contracts) for y, path in files]
    return cross_check(settings, year, results, contracts)


def missing_datasets(settings: Settings, region: str, year: int) -> list[Contract]:
    """The ledgers the report spec requires that have no loaded submission for the year."""
    spec = load_spec(settings.spec_path(region, year))
    contracts = load_contracts(settings.contracts)
    with warehouse.connect(settings.warehouse, contracts.values()) as con:
        present = {d for (d,) in con.execute("select dataset from current_submissions where year = ?", [year]).fetchall()}
    return [contracts[d] for d in spec.required_datasets if d not in present]


def submissions_table(report: IngestReport) -> list[dict[str, object]]:
    """A row per file taken: department, ledger, outcome, rows and problems (for a run's artifact)."""
    return [{"year": r.year, "department": r.department, "file": r.file, "dataset": r.dataset or "",
             "status": r.status, "rows_read": r.rows_read, "rows_loaded": r.rows_loaded,
             "rows_rejected": r.rows_rejected, "problem": r.problem or ""} for r in report.submissions]


def metrics_table(year_metrics: pl.DataFrame) -> list[dict[str, object]]:
    """A row per metric with the prior year and the change (for a run's artifact)."""
    return year_metrics.select("metric_id", "label", "value", "unit", "prior_value", "change").to_dicts()


def run_report(settings: Settings, region: str, year: int, draft: bool = False) -> RunSummary:
    """The whole job without Prefect: take the files, check, compute, render."""
    settings.spec_path(region, year)  # no spec, no run: say so before taking any file
    ingest_report = ingest_submissions(settings, year)
    if not draft and (missing := missing_datasets(settings, region, year)):
        raise MissingSubmissionsError(missing, year)
    year_metrics = build_metrics(settings, year)
    files = render_report(settings, region, year, year_metrics, draft=draft)
    return RunSummary(ingest=ingest_report, metrics=year_metrics, files=files)


def validate_file(settings: Settings, path: Path, year: int, department: str) -> tuple[SubmissionResult, str]:
    """A department's self-check: the same checks as ingest, in a throwaway warehouse; the receipt text."""
    contracts = load_contracts(settings.contracts)
    with tempfile.TemporaryDirectory(prefix="annual-report-") as workdir, \
            warehouse.connect(Path(workdir) / "check.duckdb", contracts.values()) as con:
        result = SubmissionResult(file=path.name, year=year, department=department, status="failed",
                                  sha256=ingest.sha256_of(path), received_at=datetime.now())
        ingest.load_file(con, contracts, path, result, Path(workdir))
    return result, receipts.receipt_text(result, contracts, [])


def _replay(con: duckdb.DuckDBPyConnection, contracts: dict[str, Contract], archive: Archive,
            workdir: Path) -> list[SubmissionResult]:
    results = []
    for entry in archive.entries():
        result = SubmissionResult(file=entry.file, year=entry.year, department=entry.department, status="failed",
                                  sha256=entry.sha256, received_at=entry.received)
        if not ingest.previous_outcome(con, result, arrived_at=entry.received):
            results.append(ingest.load_file(con, contracts, archive.object_path(entry.sha256), result, workdir))
    return results


def rebuild_warehouse(settings: Settings) -> list[SubmissionResult]:
    """A new warehouse from the archive alone: every receipt replayed in order, metrics rebuilt.

    The new warehouse is built beside the old one and replaces it only when complete; the old one's lock is
    held throughout, so no run writes to a file that is about to be replaced.
    """
    contracts = load_contracts(settings.contracts)
    archive = Archive(settings.archive)
    if not archive.entries():
        raise FileNotFoundError(f"no archived submissions in {settings.archive}")
    building = settings.warehouse.with_name(settings.warehouse.name + ".rebuilding")
    with warehouse.exclusive(settings.warehouse):
        _remove_database(building)  # what an interrupted rebuild left
        with tempfile.TemporaryDirectory(prefix="annual-report-") as workdir, \
                warehouse.connect(building, contracts.values()) as con:
            results = _replay(con, contracts, archive, Path(workdir))
            for year in sorted({r.year for r in results}):
                metrics.build_metrics(con, settings.sql, contracts, year)
        # a write-ahead log left by the old file would be replayed into the new one
        _write_ahead_log(settings.warehouse).unlink(missing_ok=True)
        os.replace(building, settings.warehouse)
    building.with_name(building.name + ".lock").unlink(missing_ok=True)
    return results


def _write_ahead_log(database: Path) -> Path:
    return database.with_name(database.name + ".wal")


def _remove_database(database: Path) -> None:
    """A DuckDB file and its write-ahead log, gone."""
    database.unlink(missing_ok=True)
    _write_ahead_log(database).unlink(missing_ok=True)


def build_metrics(settings: Settings, year: int) -> pl.DataFrame:
    """Compute and store the year's metrics from the current submissions."""
    contracts = load_contracts(settings.contracts)
    with warehouse.connect(settings.warehouse, contracts.values()) as con:
        return metrics.build_metrics(con, settings.sql, contracts, year)


def render_report(settings: Settings, region: str, year: int, year_metrics: pl.DataFrame, draft: bool = False,
                  pdf_variant: str | None = None) -> ReportFiles:
    """Write the report's PDF (a variant such as pdf/a-3u on request), its HTML preview and the metrics CSV
    under outputs/<year>/, and the attachment's PDF when the spec publishes it separately.
    A draft prints the figures that have no data as marked gaps instead of stopping."""
    spec = load_spec(settings.spec_path(region, year))
    context = render.report_context(spec, year_metrics, load_contracts(settings.contracts), year, draft)
    stem = settings.year_outputs(year) / f"{region}-{year}-report"
    metrics_csv = stem.parent / f"{region}-{year}-metrics.csv"
    write_csv(year_metrics.with_columns(
        datasets=pl.col("datasets").list.join(";"),
        submission_ids=pl.col("submission_ids").cast(pl.List(pl.String)).list.join(";"),
    ), metrics_csv)
    pdf = render.write_pdf(render.render(context, settings.templates), stem.with_suffix(".pdf"), pdf_variant)
    attachment = None
    if spec.attachment and spec.attachment.placement == "separate":
        attachment = render.write_pdf(render.render(context | {"part": "attachment"}, settings.templates),
                                      stem.parent / f"{region}-{year}-attachment.pdf", pdf_variant)
    return ReportFiles(pdf=pdf, html=stem.with_suffix(".html"), metrics_csv=metrics_csv, attachment=attachment)
