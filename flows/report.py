"""Prefect flows: the report of a year (yearly schedule and manual runs), files dropped into inputs/,
and many regions at once. The logic lives in `annual_report.pipeline`; these are thin wrappers."""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import polars as pl
from prefect import flow, task
from prefect.artifacts import create_link_artifact, create_table_artifact
from prefect.client.orchestration import get_client
from prefect.context import TaskRunContext
from prefect.deployments import run_deployment
from prefect.runtime import flow_run
from prefect.states import State
from prefect.task_runners import ProcessPoolTaskRunner

from annual_report import pipeline
from annual_report.contracts import Contract, load_contracts
from annual_report.ingest import SubmissionResult, sha256_of
from annual_report.settings import Settings

REPORT_TIME_ZONE = ZoneInfo("Asia/Shanghai")


def previous_year() -> int:
    """The year a report run without a year is for: last year, by the calendar in Beijing time."""
    return datetime.now(REPORT_TIME_ZONE).year - 1


def _report_run_name() -> str:
    parameters = flow_run.parameters
    return f"{parameters.get('region', 'jinjiang')}-{parameters.get('year') or previous_year()}"


def _submission_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    """Cache key of taking a file: the warehouse it goes into, the contracts, where the file sits, its content."""
    path: Path = parameters["path"]
    return "-".join([parameters["warehouse_id"], parameters["contracts_digest"], str(parameters["year"]),
                     hashlib.sha256(str(path).encode()).hexdigest()[:16], sha256_of(path)])


@task(retries=2, retry_delay_seconds=3, cache_key_fn=_submission_key, persist_result=True,
      task_run_name="take {path.name}")
def take_submission(settings: Settings, year: int, path: Path, contracts: dict[str, Contract],
                    warehouse_id: str, contracts_digest: str) -> SubmissionResult:
    """Archive, validate and load one submitted file (cached by its content, per warehouse and contracts)."""
    return pipeline.take_file(settings, year, path, contracts)


@task(retries=2, retry_delay_seconds=3)
def cross_check(settings: Settings, year: int, results: list[SubmissionResult],
                contracts: dict[str, Contract]) -> pipeline.IngestReport:
    """Cross-check the year's ledgers and write the receipts."""
    return pipeline.cross_check(settings, year, results, contracts)


@task
def require_datasets(settings: Settings, region: str, year: int) -> None:
    """Strict mode: stop, naming every required ledger no department has submitted."""
    missing = pipeline.missing_datasets(settings, region, year)
    if missing:
        raise pipeline.MissingSubmissionsError(missing, year)


@task
def build_metrics(settings: Settings, year: int) -> pl.DataFrame:
    """Compute the metrics table from the current submissions."""
    return pipeline.build_metrics(settings, year)


@task
def render_report(settings: Settings, region: str, year: int, metrics: pl.DataFrame, draft: bool,
                  pdf_variant: str | None) -> pipeline.ReportFiles:
    """Render the report to HTML and PDF."""
    return pipeline.render_report(settings, region, year, metrics, draft=draft, pdf_variant=pdf_variant)


@task
def publish_artifacts(region: str, year: int, ingest: pipeline.IngestReport, metrics: pl.DataFrame,
                      files: pipeline.ReportFiles) -> None:
    """The run's submissions, metrics and PDF as Prefect artifacts."""
    key = f"{region}-{year}".lower()
    create_table_artifact(key=f"{key}-submissions", table=pipeline.submissions_table(ingest),
                          description=f"{region} {year}: submissions by department")
    create_table_artifact(key=f"{key}-metrics", table=pipeline.metrics_table(metrics),
                          description=f"{region} {year}: metrics with the prior year and the change")
    create_link_artifact(key=f"{key}-report", link=files.pdf.as_uri(), link_text=files.pdf.name,
                         description=f"{region} {year}: the report as PDF")


def _taken(state: State) -> SubmissionResult:
    """The outcome of taking a file; one served from the cache was taken before: unchanged now."""
    result = state.result()
    return replace(result, status="unchanged") if state.name == "Cached" and result.status == "loaded" else result


def take_submissions(settings: Settings, years: tuple[int, ...], settle_seconds: float = 0) -> list[pipeline.IngestReport]:
    """Take every file of the years one by one (the warehouse has one writer), then cross-check each year."""
    contracts = load_contracts(settings.contracts)
    warehouse_id = pipeline.warehouse_identity(settings, contracts)
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(settings.contracts.glob("*.yaml")))).hexdigest()
    files, skipped = pipeline.submission_files(settings, years, settle_seconds)
    results = skipped + [_taken(take_submission(settings, year, path, contracts, warehouse_id, digest[:16],
                                                return_state=True)) for year, path in files]
    return [cross_check(settings, year, [r for r in results if r.year == year], contracts) for year in years]


@flow(name="annual-report", flow_run_name=_report_run_name)
def annual_report(year: int | None = None, region: str = "jinjiang", mode: Literal["strict", "draft"] = "strict",
                  inputs: Path | None = None, outputs: Path | None = None, warehouse: Path | None = None,
                  reports: Path | None = None, pdf_variant: str | None = None) -> pipeline.RunSummary:
    """One region's report for one year (last year by default). Strict mode stops when a required ledger
    is missing; draft mode renders with the gaps marked. pdf_variant: e.g. pdf/a-3u."""
    year = year or previous_year()
    settings = Settings.from_env().with_paths(inputs=inputs, outputs=outputs, warehouse=warehouse, reports=reports)
    settings.spec_path(region, year)  # no spec, no run: say so before taking any file
    prior, current = take_submissions(settings, (year - 1, year))
    ingest = pipeline.IngestReport(submissions=prior.submissions + current.submissions, checks=current.checks)
    if mode == "strict":
        require_datasets(settings, region, year)
    metrics = build_metrics(settings, year)
    files = render_report(settings, region, year, metrics, draft=mode == "draft", pdf_variant=pdf_variant)
    publish_artifacts(region, year, ingest, metrics, files)
    return pipeline.RunSummary(ingest=ingest, metrics=metrics, files=files)


@flow(name="ingest-drops")
def ingest_drops(settle_seconds: float = 10, inputs: Path | None = None,
                 outputs: Path | None = None) -> list[pipeline.IngestReport]:
    """Take whatever departments dropped into inputs/<year>/<department>/ since the last look.

    Idempotent: files already taken are no-ops, so it runs on a short interval."""
    settings = Settings.from_env().with_paths(inputs=inputs, outputs=outputs)
    years = tuple(sorted(int(p.name) for p in settings.inputs.iterdir() if p.is_dir() and p.name.isdigit()))
    return take_submissions(settings, years, settle_seconds) if years else []


def _region_paths(root: Path) -> dict[str, Path]:
    """A region's own folder holds its inputs/, reports/ and outputs/."""
    return {"inputs": root / "inputs", "outputs": root / "outputs", "reports": root / "reports"}


@task
def region_report(year: int, region: str, root: Path, mode: Literal["strict", "draft"]) -> Path:
    """One region's whole report in this process."""
    settings = Settings.from_env().with_paths(**_region_paths(root))
    return pipeline.run_report(settings, region, year, draft=mode == "draft").files.pdf


def _reports_on_pool(year: int, regions: dict[str, Path], mode: str) -> dict[str, Path]:
    """Each region a run of the `manual` deployment, taken by whichever worker of the pool is free."""
    runs = {region: run_deployment("annual-report/manual", timeout=0, parameters={
        "year": year, "region": region, "mode": mode, **{k: str(v) for k, v in _region_paths(root).items()}})
        for region, root in regions.items()}
    with get_client(sync_client=True) as client:
        for region, run in runs.items():
            while not (state := client.read_flow_run(run.id).state).is_final():
                time.sleep(2)
            if not state.is_completed():
                raise RuntimeError(f"{region}: flow run {run.name} ended {state.name}")
    return {region: Settings.from_env().with_paths(**_region_paths(root)).year_outputs(year)
            / f"{region}-{year}-report.pdf" for region, root in regions.items()}


@flow(name="batch-reports", task_runner=ProcessPoolTaskRunner(max_workers=2))
def batch_reports(year: int, regions: dict[str, str], mode: Literal["strict", "draft"] = "strict",
                  on_pool: bool = False) -> dict[str, Path]:
    """Many regions' reports at once (region name -> its folder): over this machine's processes, or,
    with on_pool, as runs of the manual deployment spread over every worker of the pool."""
    roots = {region: Path(root).resolve() for region, root in regions.items()}
    if on_pool:
        return _reports_on_pool(year, roots, mode)
    futures = {region: region_report.submit(year, region, root, mode) for region, root in roots.items()}
    return {region: future.result() for region, future in futures.items()}
