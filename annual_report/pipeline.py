"""The pipeline's steps as plain functions: what the Prefect tasks call and tests can call directly."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from annual_report import audit, ingest, metrics, receipts, render, warehouse
from annual_report.archive import Archive
from annual_report.audit import CheckWarning
from annual_report.contracts import Contract, load_contracts
from annual_report.ingest import SubmissionResult
from annual_report.settings import Settings
from annual_report.spec import load_spec


@dataclass(frozen=True)
class ReportFiles:
    pdf: Path
    html: Path
    metrics_csv: Path


@dataclass(frozen=True)
class IngestReport:
    submissions: list[SubmissionResult]
    checks: list[CheckWarning]


@dataclass(frozen=True)
class RunSummary:
    ingest: IngestReport
    metrics: pl.DataFrame
    files: ReportFiles


def _checks_for(result: SubmissionResult, checks: list[CheckWarning], year: int) -> list[CheckWarning]:
    return [c for c in checks if result.year == year and c.dataset == result.dataset]


def ingest_submissions(settings: Settings, year: int) -> IngestReport:
    """Take the prior year's and the year's files (the prior year feeds year-on-year figures),
    cross-check the year, and write a receipt for every file."""
    contracts = load_contracts(settings.contracts)
    archive = Archive(settings.archive)
    results: list[SubmissionResult] = []
    with tempfile.TemporaryDirectory(prefix="annual-report-") as workdir, \
            warehouse.connect(settings.warehouse, contracts.values()) as con:
        for y in (year - 1, year):
            files, skipped = ingest.submitted_files(settings.inputs, y)
            results += skipped
            results += [ingest.receive(con, contracts, path, settings.inputs, y, archive, Path(workdir))
                        for path in files]
        metrics.build_staging(con, settings.sql, contracts)
        checks = audit.run_checks(con, settings.sql, year)
    for result in results:
        if result.status != "skipped":
            receipts.write_receipt(result, contracts, _checks_for(result, checks, year),
                                   settings.receipts(result.year), settings.templates)
    return IngestReport(submissions=results, checks=checks)


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
        if not ingest.previous_outcome(con, result):
            results.append(ingest.load_file(con, contracts, archive.object_path(entry.sha256), result, workdir))
    return results


def rebuild_warehouse(settings: Settings) -> list[SubmissionResult]:
    """A new warehouse from the archive alone: every receipt replayed in order, metrics rebuilt.

    The new warehouse is built beside the old one and replaces it only when complete.
    """
    contracts = load_contracts(settings.contracts)
    archive = Archive(settings.archive)
    if not archive.entries():
        raise FileNotFoundError(f"no archived submissions in {settings.archive}")
    building = settings.warehouse.with_name(settings.warehouse.name + ".rebuilding")
    building.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="annual-report-") as workdir, \
            warehouse.connect(building, contracts.values()) as con:
        results = _replay(con, contracts, archive, Path(workdir))
        for year in sorted({r.year for r in results}):
            metrics.build_metrics(con, settings.sql, contracts, year)
    # a write-ahead log left by the old file would be replayed into the new one
    settings.warehouse.with_name(settings.warehouse.name + ".wal").unlink(missing_ok=True)
    os.replace(building, settings.warehouse)
    return results


def build_metrics(settings: Settings, year: int) -> pl.DataFrame:
    """Compute and store the year's metrics from the current submissions."""
    contracts = load_contracts(settings.contracts)
    with warehouse.connect(settings.warehouse, contracts.values()) as con:
        return metrics.build_metrics(con, settings.sql, contracts, year)


def render_report(settings: Settings, region: str, year: int, year_metrics: pl.DataFrame) -> ReportFiles:
    """Write the report's HTML, PDF and metrics CSV under outputs/<year>/."""
    spec = load_spec(settings.spec_path(region, year))
    contracts = load_contracts(settings.contracts)
    html = render.report_html(spec, year_metrics, contracts, year, settings.templates)
    stem = settings.year_outputs(year) / f"{region}-{year}-report"
    stem.parent.mkdir(parents=True, exist_ok=True)
    html_path = stem.with_suffix(".html")
    html_path.write_text(html, encoding="utf-8")
    metrics_csv = stem.parent / f"{region}-{year}-metrics.csv"
    year_metrics.with_columns(
        datasets=pl.col("datasets").list.join(";"),
        submission_ids=pl.col("submission_ids").cast(pl.List(pl.String)).list.join(";"),
    ).write_csv(metrics_csv)
    pdf = render.write_pdf(html, settings.templates, stem.with_suffix(".pdf"))
    return ReportFiles(pdf=pdf, html=html_path, metrics_csv=metrics_csv)
