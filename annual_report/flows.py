"""Prefect flows: the report of a year (yearly schedule and manual runs), files dropped into inputs/,
and many regions at once. The logic lives in `annual_report.pipeline`; these are thin wrappers."""

from __future__ import annotations

import asyncio
import re
import time
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

import polars as pl
from prefect import flow, get_client, get_run_logger, task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.client.schemas.objects import FlowRun, TaskRun
from prefect.concurrency.sync import concurrency
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectAlreadyExists
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
from annual_report.intake.summary import (
    details,
    look_summary,
    shown,
    submission_lines,
    table_row,
)
from annual_report.report.metrics_table import printed_table
from annual_report.settings import Settings
from annual_report.warehouse.database import WarehouseBusyError

REPORT_TIME_ZONE = ZoneInfo("Asia/Shanghai")
MODE_WORDS = {"strict": "正式", "draft": "征求意见稿"}
LEASE_SECONDS = 60  # a report run's hold on its region's and year's slot, renewed every 45 s while it runs
MARKDOWN_SPECIAL = re.compile(r"[\\`*_\[\]<>|~]")  # what Markdown would read as markup inside a table's cell


def previous_year() -> int:
    """The year a report run without a year is for: last year, by the calendar in Beijing time."""
    return datetime.now(REPORT_TIME_ZONE).year - 1


def _region_year() -> str:
    """<region>-<year> of the flow run starting (last year when it names none)."""
    parameters = flow_run.parameters
    return f"{parameters.get('region', 'jinjiang')}-{parameters.get('year') or previous_year()}"


def _report_run_name() -> str:
    """jinjiang-2021-strict, jinjiang-2021-draft."""
    return f"{_region_year()}-{flow_run.parameters.get('mode', 'strict')}"


def _preflight_run_name() -> str:
    return f"preflight-{_region_year()}"


def _busy(task: Task, task_run: TaskRun, state: State) -> bool:
    """Retry only what is transient: another process holding the warehouse. A damaged file or warehouse fails."""
    try:
        state.result()
    except WarehouseBusyError:
        return True
    except Exception:  # noqa: BLE001 - any other failure is not retried
        return False
    return False


def _file_task_name(parameters: dict[str, Any]) -> str:
    """take 司法局/行政复议案件台账.csv: the file, in its year's folder."""
    return f"take {parameters['path'].relative_to(parameters['folder']).as_posix()}"


@task(task_run_name=_file_task_name, cache_policy=NO_CACHE)  # its warehouse connection has no cache key
def take_file(take: pipeline.TakeFile, path: Path, folder: Path) -> SubmissionResult:
    """One file of the year's folder archived, validated and loaded (its earlier outcome when these bytes were
    taken before)."""
    return take(path)


@task(retries=2, retry_delay_seconds=3, retry_condition_fn=_busy, task_run_name="take {year}'s files")
def take_files(settings: Settings, year: int, paths: list[Path], contracts: dict[str, Contract]) -> list[SubmissionResult]:
    """Each of the year's files taken, a task each, in one warehouse connection."""
    with pipeline.taking(settings, year, contracts) as take:
        return [take_file(quote(take), path, settings.inputs / str(year)) for path in paths]


@task(retries=2, retry_delay_seconds=3, retry_condition_fn=_busy)
def reconcile(settings: Settings, years: tuple[int, ...], results: list[SubmissionResult],
              contracts: dict[str, Contract]) -> list[SubmissionResult]:
    """Make what the departments' folders hold now the versions in force; held, superseded and withdrawn files."""
    return pipeline.reconcile(settings, years, results, contracts)


@task(retries=2, retry_delay_seconds=3, retry_condition_fn=_busy, task_run_name="cross-check {year}, receipts")
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
    """Render the report's PDF, DOCX, HTML and metrics table (a draft when provisional notes are given), recorded
    as this flow run's; their paths logged."""
    files = pipeline.render_report(settings, region, year, metrics, provisional=provisional, pdf_variant=pdf_variant,
                                   flow_run_id=flow_run.get_id())
    get_run_logger().info("\n".join(["报告文件：", *(f"  {path}" for path in files.written)]))
    return files


def _artifact_key(*parts: str | int) -> str:
    """An artifact key (region, year, what): lower-case letters, digits and dashes, the only characters it takes."""
    return re.sub(r"[^a-z0-9-]+", "-", "-".join(map(str, parts)).lower())


def _ledger(result: SubmissionResult, contracts: dict[str, Contract]) -> str | None:
    """The ledger a file was recognised as."""
    return contracts[result.dataset].title if result.dataset in contracts else None


def _markdown(text: str) -> str:
    """Text as it is in Markdown (a file named a_b_.csv is no emphasis, a | no column)."""
    return MARKDOWN_SPECIAL.sub(r"\\\g<0>", text.replace("\n", " "))


def _markdown_table(rows: list[dict[str, str]]) -> str:
    """Rows (of the same columns) as a Markdown table."""
    header = list(rows[0]) if rows else []
    lines = ["|".join(["", *header, ""]), "|".join(["", *("---" for _ in header), ""])]
    return "\n".join(lines + ["|".join(["", *(_markdown(row[name]) for name in header), ""]) for row in rows])


def _submissions_table(results: list[SubmissionResult], contracts: dict[str, Contract]) -> str:
    """The files as a table (department, ledger, file, outcome, rows), then each one's problems in full below it:
    the UI does not wrap a table's cells, and cuts a long one off."""
    problems = [f"- {_markdown(shown(r.file))}\n" + "\n".join(f"  - {_markdown(line)}" for line in details(r))
                for r in results if details(r)]
    return "\n\n".join([_markdown_table([table_row(r, _ledger(r, contracts) or "—") for r in results]),
                        *(["## 问题", *problems] if problems else [])])


@task
def publish_artifacts(region: str, year: int, mode: str, ingest: pipeline.IngestReport, files: pipeline.ReportFiles,
                      accepted: list[str], contracts: dict[str, Contract]) -> None:
    """The run's submissions, metrics as printed, PDF, review preview and what was accepted as incomplete, as Prefect
    artifacts
    (a draft's keys apart from the final report's)."""
    key = _artifact_key(region, year, *(["draft"] if mode == "draft" else []))
    which = f"{region} {year} 年度报告（{MODE_WORDS[mode]}）"
    create_markdown_artifact(key=f"{key}-submissions", markdown=_submissions_table(ingest.submissions, contracts),
                             description=f"{which}：各单位报送情况")
    create_table_artifact(key=f"{key}-metrics", table=printed_table(files.metrics_table, year),
                          description=f"{which}：主要指标（报告所印数值，与上年对比）")
    served = Settings.from_env()
    create_link_artifact(key=f"{key}-report", link=outputs_server.url_of(served, files.pdf), link_text=files.pdf.name,
                         description=f"{which}：PDF")
    create_link_artifact(key=f"{key}-review", link=outputs_server.url_of(served, files.review),
                         link_text=files.review.name, description=f"{which}：审核稿（每个数字的定义、来源和明细）")
    if accepted:
        create_markdown_artifact(key=f"{key}-accepted",
                                 markdown=_submissions_table(pipeline.not_wholly_taken(ingest), contracts),
                                 description=f"{which}：经操作人员确认，在这些文件未完整入库的情况下出具")


def take_submissions(settings: Settings, years: tuple[int, ...], settle_seconds: float = 0) -> list[pipeline.IngestReport]:
    """Look at the years' folders, take every settled file one by one (the warehouse has one writer), make what
    each year's folder holds its versions in force, then cross-check each year and write the receipts."""
    contracts = region_contracts(settings)
    quoted = quote(contracts)  # passed whole: Prefect need not walk every column
    look = pipeline.look(settings, years, settle_seconds)
    results = [r for r in look.not_taken if r.year == 0]  # outside every year's folder
    for year in sorted(years):  # a year in force before the next is taken: a case repeated across years is seen
        taken = take_files(settings, year, [path for y, path in look.files if y == year], quoted)
        results += reconcile(settings, (year,), [r for r in look.not_taken if r.year == year] + taken, quoted)
    reports = [cross_check(settings, year, [r for r in results if r.year in (year, 0)], quoted) for year in years]
    _log_submissions(reports, contracts)
    return reports


def _log_submissions(reports: list[pipeline.IngestReport], contracts: dict[str, Contract]) -> None:
    """A log line for each file looked at (those outside every year's folder once), as `annual-report run` prints
    it, with its ledger and its receipt."""
    logger = get_run_logger()
    receipts = {file: path for report in reports for file, path in report.receipts.items()}
    for result in {r.file: r for report in reports for r in report.submissions}.values():
        logger.info("\n".join(submission_lines(result, _ledger(result, contracts), receipts.get(result.file))))


def _report_limit(region: str, year: int) -> str:
    """The global concurrency limit of a region's report of a year, one run at a time, created if missing."""
    name = f"report-{region}-{year}"
    with get_client(sync_client=True) as client, suppress(ObjectAlreadyExists):
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
    return name


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
    contracts = region_contracts(settings)
    # no spec, or a metric it prints that cannot be computed: say so before taking any file
    pipeline.region_metrics(settings, region, year, contracts)
    if mode == "strict":
        pipeline.require_filled_spec(settings, region, year)
    limit, asked = _report_limit(region, year), time.monotonic()
    # a strict and a draft run of one report, one after the other; a run killed holding the slot holds it until
    # its lease ends (the shortest Prefect grants), a server restart does not stop the run holding it
    with concurrency(limit, occupy=1, strict=True, lease_duration=LEASE_SECONDS, raise_on_lease_renewal_failure=False):
        waited = time.monotonic() - asked
        if waited > 1:
            get_run_logger().info("waited %.0f s for another run of the %s %d report to end (%s)", waited, region,
                                  year, limit)
        ingest = pipeline.both_years(*take_submissions(settings, (year - 1, year), settle_seconds))
        accepted, provisional = [], None
        if mode == "strict":
            accepted = require_complete(settings, region, year, ingest, accept_incomplete)
        else:
            provisional = provisional_notes(settings, region, year, ingest, quote(contracts))
        metrics = build_metrics(settings, region, year)
        files = render_report(settings, region, year, metrics, provisional, pdf_variant)
    publish_artifacts(region, year, mode, ingest, files, accepted, quote(contracts))
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


@flow(name="ingest-drops", flow_run_name="drops")
def ingest_drops(settle_seconds: float = 10, inputs: Path | None = None, outputs: Path | None = None,
                 warehouse: Path | None = None, years: list[int] | None = None, region: str = "jinjiang",
                 reports: Path | None = None) -> list[pipeline.IngestReport]:
    """Take whatever the region's departments dropped into inputs/<year>/<department>/ since the last look
    (every year's folder, or the years given), waiting for files changed within the last settle_seconds.

    Idempotent: files already taken are no-ops, so it runs on every watcher event and as an hourly sweep. The run
    is renamed by what it did (drops：2 个文件已入库，1 个未入库; drops：无变化), and publishes what changed as an
    artifact (none when nothing did)."""
    settings = Settings.from_env().with_paths(inputs=inputs, outputs=outputs, warehouse=warehouse,
                                              reports=reports).for_region(region)
    found = sorted(int(p.name) for p in settings.inputs.iterdir() if p.is_dir() and YEAR_FOLDER.fullmatch(p.name))
    chosen = tuple(sorted(years)) if years else tuple(found)
    reports = take_submissions(settings, chosen, settle_seconds) if chosen else []
    news = list({r.file: r for report in reports for r in pipeline.news(report)}.values())
    name = f"drops：{look_summary(news)}"
    with get_client(sync_client=True) as client:
        client.update_flow_run(UUID(flow_run.id), name=name)
    if news:
        create_markdown_artifact(key=_artifact_key(region, "drops"),
                                 markdown=_submissions_table(news, region_contracts(settings)),
                                 description=f"{region} 报送：{look_summary(news)}")
    get_run_logger().info(name)
    return reports


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
    return {region: pipeline.report_stem(Settings.from_env().with_paths(**_region_paths(root)), region, year,
                                         mode == "draft").with_suffix(".pdf") for region, root in regions.items()}


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
