"""The parent flow: ingest the departments' submissions, build the metrics, render the report."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from prefect import flow, task

from annual_report import pipeline
from annual_report.settings import Settings


@task
def ingest_submissions(settings: Settings, year: int) -> pipeline.IngestReport:
    """Take every submission for the year and the prior year, with receipts and cross-checks."""
    return pipeline.ingest_submissions(settings, year)


@task
def build_metrics(settings: Settings, year: int) -> pl.DataFrame:
    """Compute the metrics table from the current submissions."""
    return pipeline.build_metrics(settings, year)


@task
def render_report(settings: Settings, region: str, year: int, metrics: pl.DataFrame) -> pipeline.ReportFiles:
    """Render the report to HTML and PDF."""
    return pipeline.render_report(settings, region, year, metrics)


@flow(name="annual-report", flow_run_name="{region}-{year}")
def annual_report(year: int, region: str = "jinjiang", inputs: Path | None = None,
                  outputs: Path | None = None, warehouse: Path | None = None) -> pipeline.RunSummary:
    """Produce one region's annual report for one year."""
    settings = Settings.from_env().with_paths(inputs=inputs, outputs=outputs, warehouse=warehouse)
    ingest = ingest_submissions(settings, year)
    metrics = build_metrics(settings, year)
    files = render_report(settings, region, year, metrics)
    return pipeline.RunSummary(ingest=ingest, metrics=metrics, files=files)
