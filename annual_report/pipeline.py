"""The pipeline's steps as plain functions: what the Prefect tasks call and tests can call directly."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from annual_report import ingest, metrics, render, warehouse
from annual_report.contracts import load_contracts
from annual_report.ingest import SubmissionResult
from annual_report.settings import Settings
from annual_report.spec import load_spec


@dataclass(frozen=True)
class ReportFiles:
    pdf: Path
    html: Path
    metrics_csv: Path


@dataclass(frozen=True)
class RunSummary:
    submissions: list[SubmissionResult]
    metrics: pl.DataFrame
    files: ReportFiles


def ingest_submissions(settings: Settings, year: int) -> list[SubmissionResult]:
    """Ingest the prior year's and the year's submissions (the prior year feeds year-on-year figures)."""
    contracts = load_contracts(settings.contracts)
    with tempfile.TemporaryDirectory(prefix="annual-report-") as workdir, \
            warehouse.connect(settings.warehouse, contracts.values()) as con:
        return [result for y in (year - 1, year)
                for result in ingest.ingest_year(con, contracts, settings.inputs, y, Path(workdir))]


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
