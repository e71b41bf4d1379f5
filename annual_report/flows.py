"""Prefect flows: the report of a year (yearly schedule and manual runs), files dropped into inputs/,
and many regions at once. The logic lives in `annual_report.pipeline`; these are thin wrappers."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from pathlib import Path
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)
from prefect.client.schemas.objects import FlowRun, TaskRun
from prefect.deployments import run_deployment
from prefect.flow_runs import wait_for_flow_run
from prefect.runtime import flow_run
from prefect.states import State
from prefect.task_runners import ProcessPoolTaskRunner
from prefect.tasks import Task
from prefect.utilities.annotations import quote

from annual_report import notify, outputs_server, pipeline
from annual_report.intake.contracts import Contract, region_contracts
from annual_report.intake.listing import YEAR_FOLDER
from annual_report.intake.submission import SubmissionResult
from annual_report.settings import Settings
from annual_report.warehouse.database import WarehouseBusyError

REPORT_TIME_ZONE = ZoneInfo("Asia/Shanghai")


def previous_year() -> int:
    """The year a report run without a year is for: last year, by the calendar in Beijing time."""
    return datetime.now(REPORT_TIME_ZONE).year - 1


def _report_run_name() -> str:
    parameters = flow_run.parameters
    return f"{parameters.get('region', 'jinjiang')}-{parameters.get('year') or previous_year()}"


def _preflight_run_name() -> str:
    return f"preflight-{_report_run_name()}"


def _busy(task: Task, task_run: TaskRun, state: State) -> bool:
    """Retry only what is transient: another process holding the warehouse. A damaged file or warehouse fails."""
    try:
        state.result()
    except WarehouseBusyError:
        return True
    except Exception:  # noqa: BLE001 - any other failure is not retried
        return False
    return False


@task(retries=2, retry_delay_seconds=3, retry_condition_fn=_busy, task_run_name="take {year}'s files")
def take_files(settings: Settings, year: int, paths: list[Path], contracts: dict[str, Contract]) -> list[SubmissionResult]:
    """Archive, validate and load each of the year's files (its earlier outcome when these bytes were taken
    before); a log line for each."""
    results = pipeline.take_files(settings, year, paths, contracts)
    logger = get_run_logger()
    for result in results:
        logger.info("%s: %s, %d of %d rows loaded%s", result.file, result.status, result.rows_loaded,
                    result.rows_read, f" ({result.problem})" if result.problem else "")
    return results


@task(retries=2, retry_delay_seconds=3, retry_condition_fn=_busy)
def reconcile(settings: Settings, years: tuple[int, ...], results: list[SubmissionResult],
              contracts: dict[str, Contract]) -> list[SubmissionResult]:
    """Make what the departments' folders hold now the versions in force; held, superseded and withdrawn files."""
    return pipeline.reconcile(settings, years, results, contracts)


@task(retries=2, retry_delay_seconds=3, retry_condition_fn=_busy)
def cross_check(settings: Settings, year: int, results: list[SubmissionResult],
                contracts: dict[str, Contract]) -> pipeline.IngestReport:
    """Cross-check the year's ledgers and write the receipts."""
    return pipeline.write_receipts(settings, year, results, pipeline.cross_check(settings, year, contracts), contracts)


@task
def require_complete(settings: Settings, region: str, year: int, ingest: pipeline.IngestReport,
                     accept_incomplete: bool) -> list[str]:
    """Strict mode: stop, naming every required ledger no department has submitted, and every file the report
    would be computed without (rows rejected, held back, unreadable, still being written) unless the operator
    accepted them; the accepted files, a line each."""
    missing = pipeline.missing_datasets(settings, region, year)
    if missing:
        raise pipeline.MissingSubmissionsError(missing, year)
    incomplete = pipeline.not_wholly_taken(ingest)
    if incomplete and not accept_incomplete:
        raise pipeline.IncompleteSubmissionsError(incomplete)
    return pipeline.accepted_lines(incomplete)


@task
def provisional_notes(settings: Settings, region: str, year: int, ingest: pipeline.IngestReport,
                      contracts: dict[str, Contract]) -> list[str]:
    """Draft mode: the ledgers its figures are incomplete for, printed on its first page."""
    return pipeline.provisional_notes(pipeline.not_wholly_taken(ingest),
                                      pipeline.missing_datasets(settings, region, year), contracts)


@task
def build_metrics(settings: Settings, region: str, year: int) -> pl.DataFrame:
    """Compute the region's metrics from the current submissions."""
    return pipeline.build_metrics(settings, region, year)


@task
def render_report(settings: Settings, region: str, year: int, metrics: pl.DataFrame, provisional: list[str] | None,
                  pdf_variant: str | None) -> pipeline.ReportFiles:
    """Render the report to HTML and PDF (a draft when provisional notes are given), recorded as this flow run's."""
    return pipeline.render_report(settings, region, year, metrics, provisional=provisional, pdf_variant=pdf_variant,
                                  flow_run_id=flow_run.get_id())


def _artifact_key(region: str, year: int, *what: str) -> str:
    """An artifact key of a region and year: lower-case letters, digits and dashes, the only characters it takes."""
    return re.sub(r"[^a-z0-9-]+", "-", "-".join([region, str(year), *what]).lower())


@task
def publish_artifacts(region: str, year: int, ingest: pipeline.IngestReport, metrics: pl.DataFrame,
                      files: pipeline.ReportFiles, accepted: list[str]) -> None:
    """The run's submissions, metrics, PDF and what was accepted as incomplete, as Prefect artifacts."""
    key = _artifact_key(region, year)
    create_table_artifact(key=f"{key}-submissions", table=pipeline.submissions_table(ingest),
                          description=f"{region} {year}: submissions by department")
    create_table_artifact(key=f"{key}-metrics", table=pipeline.metrics_table(metrics),
                          description=f"{region} {year}: metrics with the prior year and the change")
    create_link_artifact(key=f"{key}-report", link=outputs_server.url_of(Settings.from_env(), files.pdf),
                         link_text=files.pdf.name, description=f"{region} {year}: the report as PDF")
    if accepted:
        create_markdown_artifact(key=f"{key}-accepted", markdown="\n".join(
            ["# Accepted as incomplete", "", "This report was computed without these rows, accepted by the operator "
             "(accept_incomplete):", "", *(f"- {line}" for line in accepted)]),
            description=f"{region} {year}: files the operator accepted the report to be computed without")


def take_submissions(settings: Settings, years: tuple[int, ...], settle_seconds: float = 0) -> list[pipeline.IngestReport]:
    """Look at the years' folders, take every settled file one by one (the warehouse has one writer), make what
    each year's folder holds its versions in force, then cross-check each year and write the receipts."""
    contracts = quote(region_contracts(settings))  # passed whole: Prefect need not walk every column
    look = pipeline.look(settings, years, settle_seconds)
    results = [r for r in look.not_taken if r.year == 0]  # outside every year's folder
    for year in sorted(years):  # a year in force before the next is taken: a case repeated across years is seen
        taken = take_files(settings, year, [path for y, path in look.files if y == year], contracts)
        results += reconcile(settings, (year,), [r for r in look.not_taken if r.year == year] + taken, contracts)
    return [cross_check(settings, year, [r for r in results if r.year in (year, 0)], contracts) for year in years]


@flow(name="annual-report", flow_run_name=_report_run_name)
def annual_report(year: int | None = None, region: str = "jinjiang", mode: Literal["strict", "draft"] = "strict",
                  inputs: Path | None = None, outputs: Path | None = None, warehouse: Path | None = None,
                  reports: Path | None = None, pdf_variant: str | None = None, accept_incomplete: bool = False,
                  settle_seconds: float = 5) -> pipeline.RunSummary:
    """One region's report for one year (last year by default). Strict mode stops when a required ledger is
    missing, or when rows of a file would be left out (rejected, held back, still being written) unless
    accept_incomplete records that the operator accepts it; draft mode renders with the gaps marked and says
    on its first page which ledgers are incomplete. pdf_variant: e.g. pdf/a-3u. Files changed within the last
    settle_seconds are waited for."""
    year = year or previous_year()
    settings = Settings.from_env().with_paths(inputs=inputs, outputs=outputs, warehouse=warehouse,
                                              reports=reports).for_region(region)
    # no spec, or a metric it prints that cannot be computed: say so before taking any file
    pipeline.region_metrics(settings, region, year, region_contracts(settings))
    if mode == "strict":
        pipeline.require_filled_spec(settings, region, year)
    prior, current = take_submissions(settings, (year - 1, year), settle_seconds)
    ingest = pipeline.IngestReport(submissions=[r for r in prior.submissions if r.year] + current.submissions,
                                   checks=current.checks)
    accepted, provisional = [], None
    if mode == "strict":
        accepted = require_complete(settings, region, year, ingest, accept_incomplete)
    else:
        provisional = provisional_notes(settings, region, year, ingest, quote(region_contracts(settings)))
    metrics = build_metrics(settings, region, year)
    files = render_report(settings, region, year, metrics, provisional, pdf_variant)
    publish_artifacts(region, year, ingest, metrics, files, accepted)
    return pipeline.RunSummary(ingest=ingest, metrics=metrics, files=files, accepted=accepted)


@flow(name="preflight", flow_run_name=_preflight_run_name)
def preflight(year: int | None = None, region: str = "jinjiang", inputs: Path | None = None,
              outputs: Path | None = None, warehouse: Path | None = None, reports: Path | None = None) -> list[str]:
    """Weeks before the yearly run (last year by default): what would stop it, as an artifact and through the
    office's notification: the year's spec, and each required ledger not yet submitted (the 催报 list)."""
    year = year or previous_year()
    settings = Settings.from_env().with_paths(inputs=inputs, outputs=outputs, warehouse=warehouse,
                                              reports=reports).for_region(region)
    lines = pipeline.preflight(settings, region, year)
    verdict = (f"{region} {year} 年度报告：{len(lines)} 项待办，年度运行前须完成" if lines
               else f"{region} {year} 年度报告：规格齐备，所需台账均已报送")
    text = "\n".join([verdict, *(f"- {line}" for line in lines)])
    create_markdown_artifact(key=_artifact_key(region, year, "preflight"), markdown=f"# {text}",
                             description=verdict)
    sent = notify.notify(f"报送提醒：{verdict}", text)
    get_run_logger().info("%s%s", text, "" if sent else f"\n(no notification block {notify.BLOCK!r}: not sent)")
    return lines


@flow(name="ingest-drops")
def ingest_drops(settle_seconds: float = 10, inputs: Path | None = None, outputs: Path | None = None,
                 warehouse: Path | None = None, years: list[int] | None = None, region: str = "jinjiang",
                 reports: Path | None = None) -> list[pipeline.IngestReport]:
    """Take whatever the region's departments dropped into inputs/<year>/<department>/ since the last look
    (every year's folder, or the years given), waiting for files changed within the last settle_seconds.

    Idempotent: files already taken are no-ops, so it runs on every watcher event and as an hourly sweep."""
    settings = Settings.from_env().with_paths(inputs=inputs, outputs=outputs, warehouse=warehouse,
                                              reports=reports).for_region(region)
    found = sorted(int(p.name) for p in settings.inputs.iterdir() if p.is_dir() and YEAR_FOLDER.fullmatch(p.name))
    chosen = tuple(sorted(years)) if years else tuple(found)
    return take_submissions(settings, chosen, settle_seconds) if chosen else []


def _region_paths(root: Path) -> dict[str, Path]:
    """A region's own folder holds its inputs/, reports/ and outputs/."""
    return {"inputs": root / "inputs", "outputs": root / "outputs", "reports": root / "reports"}


@task
def region_report(year: int, region: str, root: Path, mode: Literal["strict", "draft"]) -> Path:
    """One region's whole report in this process: the report flow's body on the region's folders (its tasks
    run nested in this one)."""
    return annual_report.fn(year=year, region=region, mode=mode, **_region_paths(root)).files.pdf


async def _all_finished(flow_run_ids: list[UUID]) -> list[FlowRun]:
    """The flow runs once each has ended (Prefect's `wait_for_flow_run`, all at once)."""
    return list(await asyncio.gather(*(wait_for_flow_run(flow_run_id) for flow_run_id in flow_run_ids)))


def _reports_on_pool(year: int, regions: dict[str, Path], mode: str) -> dict[str, Path]:
    """Each region a run of the `manual` deployment, taken by whichever worker of the pool is free."""
    runs = {region: run_deployment("annual-report/manual", timeout=0, parameters={
        "year": year, "region": region, "mode": mode, **{k: str(v) for k, v in _region_paths(root).items()}})
        for region, root in regions.items()}
    finished = asyncio.run(_all_finished([run.id for run in runs.values()]))
    for region, run in zip(runs, finished):
        if not run.state.is_completed():
            raise RuntimeError(f"{region}: flow run {run.name} ended {run.state.name}")
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
