"""The measured steps, each run in its own child process by `bench.measure.run_step`.

    python -m bench.steps <step> '<json arguments>' <result.json>

A step times only its own work (imports and set-up excluded) and returns that as `seconds`, with
whatever else it observed (rows loaded, where the time went). Only the pipeline's public functions
are called: what is measured is the pipeline as it is.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import re
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import duckdb

from annual_report import pipeline
from annual_report.intake import land, submission
from annual_report.intake.contracts import load_contracts, region_contracts
from annual_report.intake.decode import read_head
from annual_report.prefect_server import prefect_api, wait_until_ready
from annual_report.settings import ROOT, Settings
from annual_report.warehouse import database

REGION = "jinjiang"
STATEMENT_LABELS = [
    (re.compile(r"^create (?:or replace )?(?:temp )?table (\w+)"), "create {}"),
    (re.compile(r"^insert into (\w+)"), "insert into {}"),
    (re.compile(r"^select .*? from (\w+)", re.DOTALL), "select from {}"),
]


class TimedConnection:
    """A DuckDB connection that records how long each statement it executes takes."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self._connection = connection
        self.seconds: dict[str, float] = {}

    def execute(self, query: str, parameters: object = None) -> duckdb.DuckDBPyConnection:
        start = time.perf_counter()
        result = self._connection.execute(query, parameters)
        label = statement_label(query)
        self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - start
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


def statement_label(query: str) -> str:
    """A short name for a SQL statement: what it creates, inserts into or reads."""
    text = " ".join(query.split()).lower()
    for pattern, label in STATEMENT_LABELS:
        if match := pattern.match(text):
            return label.format(match.group(1))
    return " ".join(text.split()[:2])


def _take(settings: Settings, year: int) -> pipeline.IngestReport:
    """The year's and the prior year's files taken as every run takes them: the drops flow (with the Prefect
    API of PREFECT_API_URL, else one started for this process); the year's outcome."""
    with prefect_api():
        from annual_report.flows import ingest_drops

        wait_until_ready()
        return ingest_drops(settle_seconds=0, inputs=settings.inputs, outputs=settings.outputs,
                            warehouse=settings.warehouse, years=[year - 1, year])[-1]


def _settings(outputs: str, inputs: str | None = None) -> Settings:
    return Settings.from_env().with_paths(inputs=Path(inputs) if inputs else ROOT / "inputs", outputs=Path(outputs))


# ---------------------------------------------------------------------------
# Ingest
# ---------------------------------------------------------------------------

def ingest_baseline(csv: str, workdir: str) -> dict[str, Any]:
    """DuckDB's bare read_csv of the ledger into a table of a new database file."""
    with duckdb.connect(str(Path(workdir) / "baseline.duckdb")) as con:
        start = time.perf_counter()
        con.execute("create table ledger as select * from read_csv(?)", [csv])
        seconds = time.perf_counter() - start
        rows = con.execute("select count(*) from ledger").fetchone()[0]
    return {"seconds": seconds, "rows_loaded": rows}


def ingest_pipeline(csv: str, year: int, department: str, workdir: str) -> dict[str, Any]:
    """`land.load_file` (decode, validate, load) of the ledger into a new warehouse, statement by statement."""
    source = Path(csv)
    contracts = load_contracts(ROOT / "contracts")
    start = time.perf_counter()
    sha256 = submission.sha256_of(source)
    sha256_seconds = time.perf_counter() - start
    result = submission.SubmissionResult(file=f"{year}/{department}/{source.name}", year=year, department=department,
                                     status="failed", sha256=sha256, received_at=datetime.now())
    with database.connect(Path(workdir) / "warehouse.duckdb", contracts.values()) as con:
        timed = TimedConnection(con)
        start = time.perf_counter()
        land.load_file(timed, contracts, source, result, Path(workdir))
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "status": result.status, "problem": result.problem, "rows_read": result.rows_read,
            "rows_loaded": result.rows_loaded, "rows_rejected": result.rows_rejected,
            "statements": timed.seconds, "sha256_seconds": sha256_seconds}


def reading_costs(csv: str, workdir: str) -> dict[str, Any]:
    """What reading the ledger into memory costs, every cell as text and nothing else done: on both cores, as
    ingest reads a file, and on one (as it reads a file with a line break in a cell), in a new database with
    the warehouse's memory limit. The rest of ingest's landing statement is trimming and typing."""
    columns = {f"c{i}": "VARCHAR" for i in range(len(read_head(Path(csv))[0]))}
    timed = {}
    with duckdb.connect(str(Path(workdir) / "probe.duckdb"), config={"memory_limit": Settings.from_env().memory_limit}) as con:
        for cores, parallel in (("both cores", "true"), ("one core", "false")):
            start = time.perf_counter()
            con.execute(f"create or replace temp table _probe as select * from read_csv(?, header = true, "
                        f"auto_detect = false, columns = {columns!r}, parallel = {parallel})", [csv])
            timed[cores] = time.perf_counter() - start
        rows = con.execute("select count(*) from _probe").fetchone()[0]
    return {"rows": rows, "reading": timed}


# ---------------------------------------------------------------------------
# Metrics and render
# ---------------------------------------------------------------------------

def national_ingest(inputs: str, outputs: str, year: int) -> dict[str, Any]:
    """The drops flow over a whole inputs tree (builds the warehouse the metrics read)."""
    settings = _settings(outputs, inputs)
    start = time.perf_counter()
    report = _take(settings, year)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "files": len(report.submissions),
            "rows_loaded": sum(r.rows_loaded for r in report.submissions),
            "failed": [r.file for r in report.submissions if r.status == "failed"]}


def build_metrics(inputs: str, outputs: str, year: int) -> dict[str, Any]:
    """`pipeline.build_metrics` on an existing warehouse."""
    settings = _settings(outputs, inputs)
    start = time.perf_counter()
    metrics = pipeline.build_metrics(settings, REGION, year)
    return {"seconds": time.perf_counter() - start, "metrics": metrics.height,
            "with_value": metrics.filter(metrics["value"].is_not_null()).height}


def _bare_weasyprint(html: str, templates: Path, pdf: Path) -> tuple[float, float]:
    """Seconds to lay the HTML out, and to write the PDF, with WeasyPrint alone."""
    from weasyprint import HTML

    start = time.perf_counter()
    document = HTML(string=html, base_url=str(templates / "report") + "/").render()
    laid_out = time.perf_counter()
    document.write_pdf(pdf)
    return laid_out - start, time.perf_counter() - laid_out


def _profile(call: Callable[[], object], top: int = 12) -> list[tuple[str, int, float]]:
    """(function, calls, inclusive seconds) of the pipeline's costliest functions in one profiled call,
    with WeasyPrint's two entry points: laying out (`render`) and writing the PDF (`write_pdf`)."""
    profiler = cProfile.Profile()
    profiler.runcall(call)
    entries = []
    for (file, _, name), (_, calls, _, cumulative, _) in pstats.Stats(profiler).stats.items():
        if "/annual_report/" in file or ("/weasyprint/" in file and name in ("render", "write_pdf")):
            entries.append((f"{Path(file).parent.name}/{Path(file).name}:{name}", calls, cumulative))
    return sorted(entries, key=lambda e: -e[2])[:top]


def render(outputs: str, year: int, runs: int) -> dict[str, Any]:
    """`pipeline.render_report` of the reference report, against a bare WeasyPrint render of its HTML.

    The sample warehouse is built first; the first render (fonts and caches cold) is timed on its own;
    then the two are timed alternately, and one more pipeline render is profiled.
    """
    settings = _settings(outputs)
    _take(settings, year)
    metrics = pipeline.build_metrics(settings, REGION, year)
    first_start = time.perf_counter()
    files = pipeline.render_report(settings, REGION, year, metrics)
    first = time.perf_counter() - first_start
    html = files.html.read_text(encoding="utf-8")
    bare_pdf = Path(outputs) / "bare.pdf"
    pipeline_times, bare_layout, bare_write = [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        pipeline.render_report(settings, REGION, year, metrics)
        pipeline_times.append(time.perf_counter() - start)
        layout, write = _bare_weasyprint(html, settings.templates, bare_pdf)
        bare_layout.append(layout)
        bare_write.append(write)
    profile = _profile(lambda: pipeline.render_report(settings, REGION, year, metrics))
    return {"seconds": first, "pipeline": pipeline_times, "bare_layout": bare_layout, "bare_write": bare_write,
            "profile": profile, "pages": _pages(files.pdf), "bare_pages": _pages(bare_pdf)}


def _pages(pdf: Path) -> int:
    import pdfplumber

    with pdfplumber.open(pdf) as document:
        return len(document.pages)


# ---------------------------------------------------------------------------
# End to end and batch
# ---------------------------------------------------------------------------

def _take_directly(settings: Settings, year: int) -> None:
    """The report flow's taking of files (`flows.take_submissions`) with each of its steps called directly."""
    contracts = region_contracts(settings)
    years = (year - 1, year)
    look = pipeline.look(settings, years)
    for each in years:
        taken = pipeline.take_files(settings, each, [path for y, path in look.files if y == each], contracts)
        results = pipeline.reconcile(settings, (each,), [r for r in look.not_taken if r.year == each] + taken,
                                     contracts)
        pipeline.write_receipts(settings, each, results, pipeline.cross_check(settings, each, contracts), contracts)


def direct_report(outputs: str, year: int) -> dict[str, Any]:
    """The main command's steps called directly, without Prefect: ingest, metrics, render."""
    settings = _settings(outputs)
    times = [time.perf_counter()]
    _take_directly(settings, year)
    times.append(time.perf_counter())
    metrics = pipeline.build_metrics(settings, REGION, year)
    times.append(time.perf_counter())
    pipeline.render_report(settings, REGION, year, metrics)
    times.append(time.perf_counter())
    steps = dict(zip(("ingest", "metrics", "render"), (b - a for a, b in zip(times, times[1:]))))
    return {"seconds": times[-1] - times[0], "steps": steps}


def empty_flow() -> dict[str, Any]:
    """A flow that does nothing, with the main command's Prefect set-up (its API server started first, then
    Prefect imported): Prefect's own fixed cost."""
    from annual_report.prefect_server import prefect_api, wait_until_ready

    start = time.perf_counter()
    with prefect_api():
        from prefect import flow

        @flow(name="empty")
        def nothing() -> None:
            """Nothing."""

        wait_until_ready()
        nothing()
    return {"seconds": time.perf_counter() - start}


def region_report(root: str, year: int, region: str) -> dict[str, Any]:
    """One region's whole report in its own outputs folder (same inputs and spec): seconds, and per step."""
    return direct_report(str(Path(root) / region), year)


def batch(root: str, year: int, regions: int, rounds: int, workers: int) -> dict[str, Any]:
    """`regions` reports one after another in this process and `regions` in a pool of `workers` processes,
    in alternating rounds (so that what else runs on the machine falls on both alike), both warmed up first."""
    report = partial(region_report, root, year)
    size = regions // rounds
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        start = time.perf_counter()
        report("warm-up-sequential")
        list(pool.map(report, [f"warm-up-pool-{n}" for n in range(2 * workers)]))
        warm_up = time.perf_counter() - start
        sequential: list[dict[str, Any]] = []
        parallel: list[dict[str, Any]] = []
        for number in range(rounds):
            names = [f"round-{number}-region-{n:03d}" for n in range(size)]
            start = time.perf_counter()
            regions_done = [report(f"{name}-sequential") for name in names]
            sequential.append({"seconds": time.perf_counter() - start, "regions": regions_done})
            start = time.perf_counter()
            regions_done = list(pool.map(report, [f"{name}-pool" for name in names]))
            parallel.append({"seconds": time.perf_counter() - start, "regions": regions_done})
    return {"seconds": sum(r["seconds"] for r in sequential + parallel), "warm_up": warm_up,
            "sequential": sequential, "parallel": parallel}


STEPS: dict[str, Callable[..., dict[str, Any]]] = {
    step.__name__: step for step in (ingest_baseline, ingest_pipeline, reading_costs, national_ingest,
                                     build_metrics, render, direct_report, empty_flow, batch)
}


def main(argv: list[str]) -> None:
    step, arguments, result = argv
    detail = STEPS[step](**json.loads(arguments))
    Path(result).write_text(json.dumps(detail, ensure_ascii=False, default=str), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
