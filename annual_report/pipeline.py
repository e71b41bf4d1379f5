"""The pipeline's steps as plain functions: what the Prefect tasks call and tests can call directly."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager as ContextManager
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import duckdb
import polars as pl

from annual_report.files import write_text
from annual_report.intake import (
    current,
    land,
    listing,
    receipts,
    record,
    take,
)
from annual_report.intake.archive import Archive
from annual_report.intake.contracts import Contract, region_contracts
from annual_report.intake.submission import SubmissionResult
from annual_report.report.metrics_table import (
    MetricLine,
    metric_lines,
    write_metrics_tables,
)
from annual_report.report.spec import SpecError, load_spec, unfilled
from annual_report.settings import Settings
from annual_report.warehouse import cross_checks, database, metrics, provenance
from annual_report.warehouse.catalogue import Catalogue, CatalogueError, load_catalogue
from annual_report.warehouse.cross_checks import CheckWarning


@dataclass(frozen=True)
class ReportFiles:
    pdf: Path
    html: Path
    docx: Path       # the editable document the office revises in Word or WPS
    metrics_csv: Path
    metrics_xlsx: Path
    figures_xlsx: Path  # the figures table for sign-off (数据审核表)
    review: Path        # the review preview (审核稿): the HTML with every figure marked and explained
    rows: Path          # the folder of the rows' workbooks, one per figure, the review links to
    attachment: Path | None = None  # the attachment's PDF when the spec publishes it separately
    metrics_table: list[MetricLine] = field(default_factory=list)  # what the metrics CSV and XLSX hold, as printed

    @property
    def written(self) -> list[Path]:
        """Every file of the report, the PDF first."""
        return [path for path in (self.pdf, self.docx, self.html, self.metrics_csv, self.metrics_xlsx,
                                  self.figures_xlsx, self.review, self.attachment) if path]


@dataclass(frozen=True)
class IngestReport:
    submissions: list[SubmissionResult]
    checks: list[CheckWarning]
    receipts: dict[str, Path] = field(default_factory=dict)  # a file's receipt, by the file (none when not taken)
    renewed: frozenset[str] = frozenset()  # the files whose receipt this look wrote: what became of them is new


def both_years(prior: IngestReport, current: IngestReport) -> IngestReport:
    """The look a report is computed from: the prior year's files and the year's (those outside every year's
    folder once), with the year's cross-checks."""
    return IngestReport(submissions=[r for r in prior.submissions if r.year] + current.submissions,
                        checks=current.checks, receipts=prior.receipts | current.receipts,
                        renewed=prior.renewed | current.renewed)


def news(report: IngestReport) -> list[SubmissionResult]:
    """What a look changed: the files whose receipt it wrote, taken, refused, held, withdrawn or superseded (not
    those taken before: a receipt that now says so, or names a new cross-check, is no news of the file), and
    those it found still being written."""
    return [r for r in report.submissions
            if (r.file in report.renewed and r.status != "unchanged") or r.status == "skipped"]


@dataclass(frozen=True)
class RunSummary:
    ingest: IngestReport
    metrics: pl.DataFrame
    files: ReportFiles
    accepted: list[str]  # the files the operator accepted the report to be computed without, a line each


class MissingSubmissionsError(RuntimeError):
    """A strict run stopped: ledgers the report requires have not been submitted."""

    def __init__(self, missing: list[Contract], year: int) -> None:
        self.missing = missing
        names = "; ".join(f"{c.title} ({c.dataset}) from {c.department}: inputs/{year}/{c.department}/"
                          for c in missing)
        super().__init__(f"{len(missing)} required ledger(s) not submitted for {year}: {names}")


def _warehouse(settings: Settings, path: Path,
               contracts: dict[str, Contract]) -> ContextManager[duckdb.DuckDBPyConnection]:
    """A warehouse (the settings' own, or a throwaway one at path) opened with the settings' lock timeout and
    memory limit."""
    return database.connect(path, contracts.values(), lock_timeout=settings.lock_timeout,
                            memory_limit=settings.memory_limit)


def _checks_for(result: SubmissionResult, checks: list[CheckWarning], year: int) -> list[CheckWarning]:
    return [c for c in checks if result.year == year and c.dataset == result.dataset]


def look(settings: Settings, years: tuple[int, ...], settle_seconds: float = 0) -> listing.Look:
    """The years' files to take, once settled, and every file looked at but not taken (see `listing`)."""
    return listing.look(settings.inputs, years, settle_seconds, settings.max_file_mb)


TakeFile = Callable[[Path], SubmissionResult]  # one file of a year's folder taken


@contextmanager
def taking(settings: Settings, year: int, contracts: dict[str, Contract]) -> Iterator[TakeFile]:
    """What takes the year's files into the warehouse one after another, in one connection: each archived and
    loaded, or its earlier outcome when these bytes were taken before (see `take.receive`)."""
    with tempfile.TemporaryDirectory(prefix="annual-report-") as workdir, \
            _warehouse(settings, settings.warehouse, contracts) as con:
        yield partial(take.receive, con, contracts, inputs=settings.inputs, year=year,
                      archive=Archive(settings.archive), workdir=Path(workdir))


def take_files(settings: Settings, year: int, paths: list[Path], contracts: dict[str, Contract]) -> list[SubmissionResult]:
    """Take the year's files into the warehouse (see `taking`)."""
    with taking(settings, year, contracts) as take_file:
        return [take_file(path) for path in paths]


def reconcile(settings: Settings, years: tuple[int, ...], results: list[SubmissionResult],
              contracts: dict[str, Contract]) -> list[SubmissionResult]:
    """After a look at the years' folders: make what they hold now the versions in force (see `current`); the
    results, updated, and one for each version that stopped counting."""
    with _warehouse(settings, settings.warehouse, contracts) as con:
        stopped = [notice for year in years
                   for notice in current.reconcile(con, contracts, year, results, Archive(settings.archive))]
    return results + stopped


def cross_check(settings: Settings, year: int, contracts: dict[str, Contract]) -> list[CheckWarning]:
    """The year's failing cross-checks between ledgers (see `cross_checks`)."""
    with _warehouse(settings, settings.warehouse, contracts) as con:
        metrics.build_staging(con, settings.sql, contracts)
        return cross_checks.run_checks(con, settings.sql, year)


def write_receipts(settings: Settings, year: int, results: list[SubmissionResult], checks: list[CheckWarning],
                   contracts: dict[str, Contract]) -> IngestReport:
    """A receipt for every file taken (with the cross-checks that name its ledger), and the look's report."""
    paths, renewed = {}, set()
    for result in results:
        if result.status not in ("skipped", "ignored"):
            if receipts.write_receipt(result, contracts, _checks_for(result, checks, year),
                                      settings.receipts(result.year), settings.templates):
                renewed.add(result.file)
            paths[result.file] = receipts.receipt_path(result, settings.receipts(result.year))
    return IngestReport(submissions=results, checks=checks, receipts=paths, renewed=frozenset(renewed))


def missing_datasets(settings: Settings, region: str, year: int) -> list[Contract]:
    """The ledgers the report spec requires that have no loaded submission for the year."""
    spec = load_spec(settings.spec_path(region, year))
    contracts = region_contracts(settings)
    with _warehouse(settings, settings.warehouse, contracts) as con:
        present = {d for (d,) in con.execute("select dataset from current_submissions where year = ?", [year]).fetchall()}
    return [contracts[d] for d in spec.required_datasets if d not in present]


def preflight(settings: Settings, region: str, year: int) -> list[str]:
    """What would stop the year's strict run today, a line each, for the office: no spec for the year, a spec
    still to fill in or printing what nothing computes, and each required ledger not yet submitted, with its
    department and folder (the 催报 list). None: the run would go ahead on what is in now."""
    try:
        settings.spec_path(region, year)
    except FileNotFoundError:
        return [f"尚无 {year} 年度的报告规格（reports/{region}/{year}.md）：请复制上一年度的规格并修改"]
    try:
        region_metrics(settings, region, year, region_contracts(settings))
        require_filled_spec(settings, region, year)
    except (SpecError, CatalogueError) as error:
        return [f"报告规格 reports/{region}/{year}.md 尚不能使用：{error}"]
    return [f"{c.department}：{c.title}尚未报送（放入 inputs/{year}/{c.department}/）"
            for c in missing_datasets(settings, region, year)]


def not_wholly_taken(report: IngestReport) -> list[SubmissionResult]:
    """The files of a look that the report would be computed without, wholly or in part: rows rejected, held
    back, unreadable, or still being written."""
    return [r for r in report.submissions
            if r.status in ("failed", "held", "skipped") or (r.status in current.TAKEN and r.rows_rejected)]


def _shortfall(result: SubmissionResult) -> str:
    """How much of a file is missing from the report, for the person running it."""
    if result.status in current.TAKEN:
        return f"{result.rows_rejected} of {result.rows_read} rows rejected"
    return {"held": "held back", "skipped": "still being written"}.get(result.status, "not loaded") + \
        f" ({result.problem})"


class IncompleteSubmissionsError(RuntimeError):
    """A strict run stopped: the report would be computed without rows some files hold."""

    def __init__(self, files: list[SubmissionResult]) -> None:
        self.files = files
        named = "; ".join(f"{r.file}: {_shortfall(r)}" for r in files)
        super().__init__(f"{len(files)} file(s) not wholly in the report: {named}. Correct them and run again, "
                         f"or accept them on the record (--accept-incomplete)")


def accepted_lines(files: list[SubmissionResult]) -> list[str]:
    """What an operator accepted the report to be computed without, a line a file (for the run's record)."""
    return [f"{r.file}: {_shortfall(r)}" for r in files]


def provisional_notes(files: list[SubmissionResult], missing: list[Contract],
                      contracts: dict[str, Contract]) -> list[str]:
    """For a draft's first page: each ledger its figures are incomplete for, and why (Chinese)."""
    notes = [f"{c.title}（{c.department}）未报送" for c in missing]
    for r in files:
        name = f"{contracts[r.dataset].title}（{r.department}）" if r.dataset in contracts else r.file
        if r.status in current.TAKEN:
            notes.append(f"{name}有 {r.rows_rejected} 行未入库")
        else:
            notes.append(f"{name}" + {"held": "有多个文件，均未采用", "skipped": "仍在写入"}.get(r.status, "未入库"))
    return list(dict.fromkeys(notes))


def _replay(con: duckdb.DuckDBPyConnection, contracts: dict[str, Contract], archive: Archive,
            workdir: Path) -> list[SubmissionResult]:
    """Every line of the archive's index in order: arrivals loaded (each distinct file once), and the versions in
    force set as recorded (in an archive that records arrivals only, the latest arrival that loaded)."""
    results, arrivals_only = [], not archive.has_events()
    for entry in archive.entries():
        result = SubmissionResult(file=entry.file, year=entry.year, department=entry.department, status="failed",
                                  sha256=entry.sha256, received_at=entry.received)
        if record.previous_outcome(con, contracts, result) != "known":
            results.append(land.load_file(con, contracts, archive.object_path(entry.sha256), result, workdir))
        if entry.event == "withdrawn":
            con.execute("delete from current_versions where submission_id = ?", [result.submission_id])
        elif result.status in current.TAKEN and (entry.event == "in_force" or arrivals_only):
            current.make_current(con, result)
    return results


def rebuild_warehouse(settings: Settings) -> list[SubmissionResult]:
    """A new warehouse from the archive alone: every receipt replayed in order, the record of the reports produced
    carried over from the old one where it can be read, metrics rebuilt.

    The new warehouse is built beside the old one and replaces it only when complete; the old one's lock is
    held throughout, so no run writes to a file that is about to be replaced.
    """
    contracts = region_contracts(settings)
    archive = Archive(settings.archive)
    if not archive.entries():
        raise FileNotFoundError(f"no archived submissions in {settings.archive}")
    building = settings.warehouse.with_name(settings.warehouse.name + ".rebuilding")
    with database.exclusive(settings.warehouse, settings.lock_timeout):
        _remove_database(building)  # what an interrupted rebuild left
        with tempfile.TemporaryDirectory(prefix="annual-report-") as workdir, \
                _warehouse(settings, building, contracts) as con:
            results = _replay(con, contracts, archive, Path(workdir))
            if settings.warehouse.exists():
                provenance.carry_over(con, settings.warehouse)
            for region, year in _specs(settings, {r.year for r in results}):
                catalogue, needed = region_metrics(settings, region, year, contracts)
                metrics.build_metrics(con, settings.sql, contracts, catalogue, needed, region, year)
        # a write-ahead log left by the old file would be replayed into the new one
        _write_ahead_log(settings.warehouse).unlink(missing_ok=True)
        os.replace(building, settings.warehouse)
    building.with_name(building.name + ".lock").unlink(missing_ok=True)
    return results


def _specs(settings: Settings, years: set[int]) -> list[tuple[str, int]]:
    """(region, year) of every region's spec for one of the years."""
    return sorted((path.parent.name, int(path.stem)) for path in settings.reports.glob("*/*.md")
                  if path.stem.isdigit() and int(path.stem) in years)


def _write_ahead_log(database: Path) -> Path:
    return database.with_name(database.name + ".wal")


def _remove_database(database: Path) -> None:
    """A DuckDB file and its write-ahead log, gone."""
    database.unlink(missing_ok=True)
    _write_ahead_log(database).unlink(missing_ok=True)


def require_filled_spec(settings: Settings, region: str, year: int) -> None:
    """A final report is never published with what `new-region` left for the office to write."""
    path = settings.spec_path(region, year)
    marks = unfilled(path)
    if marks:
        raise SpecError(f"{path} still holds what new-region left to fill in: {'、'.join(marks)}; fill them in "
                        "(a draft, --mode draft, renders them as they are)")


def region_catalogue(settings: Settings, region: str) -> Catalogue:
    """The region's catalogue: the shared library, then its own metrics."""
    return load_catalogue(settings.sql / "metrics", settings.region_pack(region) / "metrics")


def region_metrics(settings: Settings, region: str, year: int,
                   contracts: dict[str, Contract]) -> tuple[Catalogue, set[str]]:
    """The region's catalogue and the metrics its report of the year needs computed."""
    catalogue = region_catalogue(settings, region)
    spec = settings.spec_path(region, year)
    needed = catalogue.needed(load_spec(spec).metrics_used)
    catalogue.check(contracts, needed, spec)
    return catalogue, needed


def build_metrics(settings: Settings, region: str, year: int) -> pl.DataFrame:
    """Compute and store the region's metrics of the year from the current submissions."""
    contracts = region_contracts(settings)
    catalogue, needed = region_metrics(settings, region, year, contracts)
    with _warehouse(settings, settings.warehouse, contracts) as con:
        return metrics.build_metrics(con, settings.sql, contracts, catalogue, needed, region, year)


def render_report(settings: Settings, region: str, year: int, year_metrics: pl.DataFrame,
                  provisional: list[str] | None = None, pdf_variant: str | None = None,
                  flow_run_id: str | None = None) -> ReportFiles:
    """Write the report's PDF (a variant such as pdf/a-3u on request), its HTML preview, its DOCX and the metrics
    table (CSV and XLSX, see `metrics_table`) under outputs/<year>/, and the attachment's PDF when the spec
    publishes it separately, a draft's names ending in -draft (`report_stem`); then record the run in the
    warehouse (each figure as printed and the submissions it was computed from: `provenance`), and from the record
    write the figures table for sign-off (`figures_table`) and the review preview with its rows' workbooks
    (`review`, each figure explained as `annual-report explain` explains it).
    With provisional notes (a list, even empty) it is a draft: the figures that have no data are printed as
    marked gaps instead of stopping, and its first page says it is provisional and lists the notes."""
    # imported here: WeasyPrint and the rest cost a drops run (a fresh process for each dropped file) half a second
    from annual_report.report import render, review, word
    from annual_report.report.explain import explain
    from annual_report.report.figures_table import (
        attachment_figures,
        marked_narrative,
        narrative_figures,
        write_figures_table,
    )

    draft = provisional is not None
    spec = load_spec(settings.spec_path(region, year))
    contracts = region_contracts(settings)
    context = render.report_context(spec, year_metrics, contracts, year, draft)
    context["provisional"] = provisional
    stem = report_stem(settings, region, year, draft)
    lines = metric_lines(spec, context["figures"], context["formatter"], year_metrics, contracts)
    metrics_csv, metrics_xlsx = write_metrics_tables(lines, year, report_stem(settings, region, year, draft, "metrics"))
    rendered = render.render(context, settings.templates)
    pdf = render.write_pdf(rendered, stem.with_suffix(".pdf"), pdf_variant)
    document = word.write_docx(context, settings.templates, stem.with_suffix(".docx"))
    attachment = None
    if spec.attachment and spec.attachment.placement == "separate":
        attachment = render.write_pdf(render.render(context | {"part": "attachment"}, settings.templates),
                                      report_stem(settings, region, year, draft, "attachment").with_suffix(".pdf"),
                                      pdf_variant)
    marked, outputs = marked_narrative(spec, year_metrics, contracts, year, draft, context["narrative"])
    printed = narrative_figures(spec, year_metrics, contracts, year, draft, context["narrative"]) \
        + attachment_figures(spec, lines)
    catalogue = region_catalogue(settings, region)
    with _warehouse(settings, settings.warehouse, contracts) as con:
        run_id = provenance.record_run(con, region, year, "draft" if draft else "strict", str(pdf), flow_run_id,
                                       _as_printed(year_metrics, lines))
        sources = {line.metric_id: provenance.sources(con, run_id, line.metric_id) for line in lines}
        explanations = {metric_id: explain(con, settings.sql, contracts, catalogue, region, year, metric_id, run_id,
                                           row_limit=review.ROWS_LIMIT)
                        for metric_id in dict.fromkeys(figure.metric_id for figure in printed)}
    figures_xlsx = write_figures_table(printed, lines, sources,
                                       report_stem(settings, region, year, draft, "figures").with_suffix(".xlsx"))
    rows = report_stem(settings, region, year, draft, "rows")
    workbooks = review.write_rows_workbooks(explanations, rows)
    page = report_stem(settings, region, year, draft, "review").with_suffix(".html")
    write_text(page, review.review(rendered, marked, outputs, explanations, catalogue, workbooks, page))
    return ReportFiles(pdf=pdf, html=stem.with_suffix(".html"), docx=document, metrics_csv=metrics_csv,
                       metrics_xlsx=metrics_xlsx, figures_xlsx=figures_xlsx, review=page, rows=rows,
                       attachment=attachment, metrics_table=lines)


def report_stem(settings: Settings, region: str, year: int, draft: bool, part: str = "report") -> Path:
    """outputs/<year>/<region>-<year>-<part>, and -draft after it for a draft: a draft never overwrites the final
    report (part: report, metrics, figures, review, rows (a folder) or attachment; the suffix is the file's type)."""
    return settings.year_outputs(year) / f"{region}-{year}-{part}{'-draft' if draft else ''}"


def _as_printed(year_metrics: pl.DataFrame, lines: list[MetricLine]) -> pl.DataFrame:
    """The metrics table with how the report printed each metric (provenance.PRINTED_COLUMNS)."""
    printed = pl.DataFrame([(line.metric_id, line.unit, line.printed, line.prior_printed, line.change)
                            for line in lines], schema=["metric_id", *provenance.PRINTED_COLUMNS], orient="row")
    return year_metrics.join(printed, on="metric_id", how="left")
