"""Fault injection for the reliability tests, and the proof they leave (docs/reliability.md).

A report run is started in a child process and killed (SIGKILL) at a random moment of one of its steps;
the tests then run it again to completion and compare the warehouse with that of a run never interrupted
(`warehouse_state`), and check that every output is the previous complete file or a complete new one
(`torn_outputs`). Other faults hold the warehouse from another process (`holding_warehouse`) or limit the
size a child may write (`file_size_limit`); `measured_ingest` takes files in a child process and reports
its time and its peak memory.

`python tests/reliability.py prove` (`make reliability`) runs the reliability tests with 20 kill trials
and writes docs/reliability.md from what they did: each test, how many times it ran, and its result.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from annual_report import pipeline
from annual_report.files import PARTIAL
from annual_report.intake.submission import sha256_of
from annual_report.prefect_server import prefect_api, wait_until_ready
from annual_report.settings import ROOT
from annual_report.warehouse import database

if TYPE_CHECKING:
    import pytest

STEP_FUNCTIONS = {"ingest": "look", "metrics": "build_metrics", "render": "render_report"}  # the first of each
STEPS = tuple(STEP_FUNCTIONS)
FINISHED = "finished"
REGION, YEAR = "jinjiang", 2021
TRIALS_VARIABLE, EXAMPLES_VARIABLE = "ANNUAL_REPORT_RELIABILITY_TRIALS", "ANNUAL_REPORT_RELIABILITY_EXAMPLES"
TRIALS, SUITE_TRIALS = 20, 3        # kill trials of `make reliability`, and of `make test`
EXAMPLES, SUITE_EXAMPLES = 300, 25  # examples of each property
TEST_FILES = {
    "Faults": "tests/test_reliability.py",
    "Hostile and broken input": "tests/test_hostile_input.py",
    "Properties (hypothesis)": "tests/test_properties.py",
    "Submissions you can trust: the folder is the truth": "tests/test_submissions.py",
    "Values never changed silently": "tests/test_values.py",
    "Workbooks as departments send them": "tests/test_workbooks.py",
    "Contracts and headers": "tests/test_contracts.py",
    "Blank forms": "tests/test_blank_forms.py",
    "No orphan processes": "tests/test_orphans.py",
}
DOC = ROOT / "docs" / "reliability.md"
DOC_TEST = "test_reliability_doc_lists_every_reliability_test"  # run by `make test`, not by `make reliability`
METHOD = [
    "How the faults are made: a report run (the report flow on a copy of the sample inputs, over a finished",
    "run on last week's versions of every ledger) is started in a child process and killed with SIGKILL after a",
    "delay drawn from a seeded generator over the step it is aimed at; another process holds the warehouse;",
    "the child may write no file past 1 MB (RLIMIT_FSIZE), so DuckDB's own writes fail as on a full disk; the",
    "function writing each output writes part of it and raises ENOSPC; a file stands where the outputs folder",
    "should be (this stops root, which a chmod does not); the warehouse file is overwritten, zeroed, cut or",
    "flipped. After each, the run is checked against one never interrupted: the same submissions, rows per",
    "file, rejections and metrics; nothing half-loaded or loaded twice; every output the previous complete file",
    "or a complete new one; no partial file left. Oversized inputs are taken in a child process whose time and",
    "peak memory (VmHWM) are measured. *Seen* is what the runs recorded: the step each kill landed in, the",
    "peak memory and time of each oversized input.",
]


def trials() -> int:
    """How many kill trials to run: ANNUAL_REPORT_RELIABILITY_TRIALS, else the suite's number."""
    return int(os.environ.get(TRIALS_VARIABLE, SUITE_TRIALS))


def examples() -> int:
    """How many examples of each property to try: ANNUAL_REPORT_RELIABILITY_EXAMPLES, else the suite's number."""
    return int(os.environ.get(EXAMPLES_VARIABLE, SUITE_EXAMPLES))


# --- children: a report run that says which step it is in, and a process that holds the warehouse

def _announcing(step: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def announced(*args: Any, **kwargs: Any) -> Any:
        print(step, flush=True)
        return function(*args, **kwargs)
    return announced


def run_report_announcing_steps(inputs: Path, outputs: Path) -> None:
    """The report flow on these folders, printing each step's name as it starts and `finished` at the end (with
    the Prefect API of PREFECT_API_URL, else one started for this process, as `annual-report run` does)."""
    for step, name in STEP_FUNCTIONS.items():
        setattr(pipeline, name, _announcing(step, getattr(pipeline, name)))
    with prefect_api():
        from annual_report.flows import annual_report

        wait_until_ready()
        annual_report(year=YEAR, region=REGION, inputs=inputs, outputs=outputs, settle_seconds=0)
    print(FINISHED, flush=True)


def _peak_mb() -> float:
    """This process's peak resident memory since it started its program (VmHWM: unlike ru_maxrss, it does
    not count the parent's memory the process was forked with)."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def ingest_printing_results(inputs: Path, outputs: Path) -> None:
    """The drops flow on these folders' report year and the year before: each file's outcome printed as a line of
    JSON, then the peak memory it took."""
    with prefect_api():
        from annual_report.flows import ingest_drops

        wait_until_ready()
        reports = ingest_drops(settle_seconds=0, inputs=inputs, outputs=outputs, years=[YEAR - 1, YEAR])
    for report in reports:
        for r in report.submissions:
            print(json.dumps({"file": r.file, "status": r.status, "rows_read": r.rows_read,
                              "rows_loaded": r.rows_loaded, "problem": r.problem or ""}, ensure_ascii=False))
    print(json.dumps({"peak_mb": _peak_mb()}), flush=True)


def hold_warehouse(path: Path) -> None:
    """Hold the warehouse (its lock and the open file) until killed."""
    with database.connect(path):
        print("holding", flush=True)
        time.sleep(3600)


def child(command: str, *paths: Path) -> list[str]:
    """The command line of a child process running one of this module's commands."""
    return [sys.executable, str(Path(__file__).resolve()), command, *map(str, paths)]


# --- faults

@dataclass(frozen=True)
class Kill:
    """A run killed `delay` seconds after it started `step`; `died_in` is the step it was in at the time."""

    step: str
    delay: float
    died_in: str


def _announced_until(stream: Any, wanted: str) -> list[str]:
    """The steps a child announced, read up to `wanted` (or to its end, if it stopped before)."""
    seen = []
    for line in stream:
        seen.append(line.strip())
        if seen[-1] in (wanted, FINISHED):
            break
    return seen


def kill_during(step: str, delay: float, inputs: Path, outputs: Path, log: Path) -> Kill:
    """Start a report run in a child process and SIGKILL it `delay` seconds into `step`."""
    with log.open("w") as errors, subprocess.Popen(child("run", inputs, outputs), stdout=subprocess.PIPE,
                                                   stderr=errors, text=True) as process:
        seen = _announced_until(process.stdout, step)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        seen += process.stdout.read().split()
        process.wait()
    _revoke_report_slot()
    return Kill(step, delay, (seen or ["start"])[-1])


def _revoke_report_slot() -> None:
    """Free the report's concurrency slot a killed run held, as a server's repossessor does once its lease ends
    (within a minute and a quarter; the test harness's server runs no repossessor, and would hold it forever)."""
    from prefect import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate

    from annual_report.flows import _report_limit

    with get_client(sync_client=True) as client:
        client.update_global_concurrency_limit(_report_limit(REGION, YEAR), GlobalConcurrencyLimitUpdate(active_slots=0))


def step_seconds(inputs: Path, outputs: Path, log: Path) -> dict[str, float]:
    """How long each step of an uninterrupted report run in a child process takes."""
    started: dict[str, float] = {}
    with log.open("w") as errors, subprocess.Popen(child("run", inputs, outputs), stdout=subprocess.PIPE,
                                                   stderr=errors, text=True) as process:
        for line in process.stdout:
            started[line.strip()] = time.monotonic()
    if process.returncode != 0 or FINISHED not in started:
        raise RuntimeError(f"the report run failed: {log.read_text()}")
    ends = [*STEPS[1:], FINISHED]
    return {step: started[end] - started[step] for step, end in zip(STEPS, ends)}


@contextmanager
def holding_warehouse(path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the warehouse for as long as the block runs."""
    with subprocess.Popen(child("hold", path), stdout=subprocess.PIPE, text=True) as process:
        try:
            if process.stdout.readline().strip() != "holding":
                raise RuntimeError("the process meant to hold the warehouse did not start")
            yield process
        finally:
            process.kill()


def file_size_limit(limit: int) -> Callable[[], None]:
    """For `preexec_fn`: the child may write no file past `limit` bytes (a disk that fills, for one process)."""
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@dataclass(frozen=True)
class Measured:
    """An ingest in a child process: its exit code, time, peak memory, and each file's outcome."""

    returncode: int
    seconds: float
    peak_mb: float
    outcomes: list[dict[str, Any]]


def measured_ingest(inputs: Path, outputs: Path, env: dict[str, str]) -> Measured:
    """Take the files of inputs/ in a child process, timed, its peak memory measured."""
    started = time.monotonic()
    run = subprocess.run(child("ingest", inputs, outputs), capture_output=True, text=True, env=env)
    *outcomes, peak = [json.loads(line) for line in run.stdout.splitlines()] or [{"peak_mb": float("nan")}]
    return Measured(run.returncode, time.monotonic() - started, peak["peak_mb"], outcomes)


# --- what a run leaves behind

STATE_QUERIES = {
    "submissions": """select year, department, dataset, file, sha256, size_bytes, encoding, rows_read, rows_loaded,
                             rows_rejected, status, problem, warnings
                      from submissions order by all""",
    "current": "select year, department, dataset, sha256 from current_submissions order by all",
    "rejections": """select s.sha256, r.row_number, r.column_header, r.value, r.reason
                     from rejections r join submissions s using (submission_id) order by all""",
    "metrics": f"""select metric_id, label, value, unit, prior_value, change, datasets
                   from metrics where year = {YEAR} order by all""",
}


def _dataset_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [t for (t,) in con.execute(
        "select table_name from duckdb_tables() where table_name like 'raw\\_%' escape '\\' order by 1").fetchall()]


def warehouse_state(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """What the warehouse holds, without ids and times: the submissions, which are current, the rejected
    cells, the report year's metrics, and the rows loaded per dataset and submitted file."""
    with duckdb.connect(str(path), read_only=True) as con:
        state = {name: con.execute(sql).fetchall() for name, sql in STATE_QUERIES.items()}
        state["rows"] = sorted(row for table in _dataset_tables(con) for row in con.execute(
            f"select '{table}', s.sha256, count(*) from {table} join submissions s using (submission_id) "
            f"group by all").fetchall())
    return state


def misloaded(path: Path) -> list[tuple[Any, ...]]:
    """Submissions whose rows in their dataset's table are not the rows the ledger says were loaded
    (a submission half-loaded, or loaded twice)."""
    with duckdb.connect(str(path), read_only=True) as con:
        return [row for table in _dataset_tables(con) for row in con.execute(
            f"""select s.submission_id, s.file, s.rows_loaded, count(t.submission_id) from submissions s
                left join {table} t using (submission_id) where 'raw_' || s.dataset = '{table}'
                group by all having count(t.submission_id) <> s.rows_loaded""").fetchall()]


def output_files(outputs: Path) -> dict[Path, bytes]:
    """Every output of the report years (PDF, HTML, metrics CSV and XLSX, receipts), by path under outputs/."""
    return {path.relative_to(outputs): path.read_bytes() for path in sorted(outputs.glob("[0-9]*/**/*"))
            if path.is_file() and not path.name.endswith(PARTIAL)}


def complete(name: Path, content: bytes) -> bool:
    """Whether an output is whole: a PDF from %PDF- to %%EOF, an HTML page to </html>, a workbook or a Word
    document a zip whose members all read back, a CSV to its last line."""
    match name.suffix:
        case ".pdf":
            return content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
        case ".xlsx" | ".docx":
            try:
                return zipfile.ZipFile(io.BytesIO(content)).testzip() is None
            except zipfile.BadZipFile:
                return False
        case ".html":
            return content.rstrip().endswith(b"</html>")
        case _:
            return content.endswith(b"\n")


def torn_outputs(outputs: Path, previous: dict[Path, bytes]) -> list[Path]:
    """Outputs that are neither the previous file, byte for byte, nor a complete new one."""
    return [name for name, content in output_files(outputs).items()
            if content != previous.get(name) and not complete(name, content)]


def unsound_objects(archive: Path) -> list[Path]:
    """Archived files whose content is not what their name (the sha256 they were stored under) says."""
    return [path for path in sorted((archive / "objects").glob("*/*"))
            if not path.name.endswith(PARTIAL) and sha256_of(path) != path.name]


def partial_files(outputs: Path) -> list[Path]:
    """Partial files left anywhere under outputs/ (the warehouse's, the archive's, the reports')."""
    return sorted(outputs.rglob(f"*{PARTIAL}"))


# --- the proof: run the reliability tests, write docs/reliability.md

@dataclass
class Tried:
    """One test: what it tries (its docstring), how often, with what result, and what it recorded."""

    section: str
    name: str
    what: str
    times: int = 0
    failed: int = 0
    seconds: float = 0.0
    examples: int = 0
    seen: Counter[str] = field(default_factory=Counter)

    @property
    def count(self) -> str:
        return f"{self.times} × {self.examples // self.times} examples" if self.examples else str(self.times)

    @property
    def result(self) -> str:
        return "passed" if not self.failed else f"**{self.failed} failed**"


class Collector:
    """A pytest plugin noting what each test function of the reliability modules did."""

    def __init__(self) -> None:
        self.tried: dict[str, Tried] = {}

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        sections = {path: section for section, path in TEST_FILES.items()}
        for item in items:
            section = sections.get(Path(item.path).relative_to(ROOT).as_posix())
            key = item.nodeid.split("[")[0]
            if section and key not in self.tried:
                what = " ".join((item.function.__doc__ or item.name).split())
                self.tried[key] = Tried(section, item.originalname, what)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        tried = self.tried.get(report.nodeid.split("[")[0])
        if tried is None:
            return
        stats = report.__dict__.get("_hypothesis_stats", "")
        tried.examples += sum(int(n) for n in re.findall(r"- (\d+) passing", stats))  # over every phase
        if report.when == "call" or (report.when == "setup" and not report.passed):
            tried.times += 1
            tried.failed += report.failed
            tried.seconds += report.duration
            tried.seen.update(f"{name}: {value}" for name, value in report.user_properties)


def _cell(text: str) -> str:
    """Text for a Markdown table's cell: a pipe would end the cell, and <img> would be an image."""
    return text.replace("|", "\\|").replace("<", "&lt;")


def _row(tried: Tried) -> str:
    seen = "; ".join(f"{what} ×{n}" if n > 1 else what for what, n in sorted(tried.seen.items()))
    return (f"| {_cell(tried.what)} (`{tried.name}`) | {tried.count} | {tried.result} | {tried.seconds:.0f} s "
            f"| {_cell(seen)} |")


def doc(tried: list[Tried], kill_trials: int, property_examples: int, exit_code: int) -> str:
    """docs/reliability.md: the headline, then each section's table (of the tests that ran)."""
    tried = [t for t in tried if t.times]
    cases, failed, generated = (sum(t.times for t in tried), sum(t.failed for t in tried),
                                sum(t.examples for t in tried))
    lines = [
        "# Reliability: faults and hostile input tried",
        "",
        f"Regenerated by `make reliability` (`python tests/reliability.py prove --trials {kill_trials} "
        f"--examples {property_examples}`), "
        f"{datetime.now():%Y-%m-%d}. Every line is a test in "
        + ", ".join(f"`{path}`" for path in TEST_FILES.values())
        + f"; `make test` runs the same tests with {SUITE_TRIALS} kill trials and {SUITE_EXAMPLES} examples of each "
        f"property ({TRIALS_VARIABLE}, {EXAMPLES_VARIABLE}).",
        "",
        f"**{len(tried)} faults and inputs, {cases} test cases ({generated} generated examples in the properties): "
        f"{cases - failed} passed, {failed} failed** (pytest exit code {exit_code}).",
        "",
        *METHOD,
    ]
    for section, path in TEST_FILES.items():
        lines += ["", f"## {section} (`{path}`)", "", "| tried | times | result | time | seen |",
                  "|---|---|---|---|---|"]
        lines += [_row(t) for t in tried if t.section == section]
    return "\n".join(lines) + "\n"


def documented_tests(text: str) -> set[str]:
    """The test names docs/reliability.md lists."""
    return set(re.findall(r"\(`(test_\w+)`\) \|", text))


def reliability_tests() -> set[str]:
    """The test functions of the reliability modules (but the one checking this document)."""
    return {node.name for path in TEST_FILES.values()
            for node in ast.parse((ROOT / path).read_text(encoding="utf-8")).body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_") and node.name != DOC_TEST}


def prove(kill_trials: int, property_examples: int, target: Path) -> int:
    """Run the reliability tests with `kill_trials` kill trials and `property_examples` examples of each
    property, and write what they did to `target`."""
    import pytest

    os.environ |= {TRIALS_VARIABLE: str(kill_trials), EXAMPLES_VARIABLE: str(property_examples)}
    collector = Collector()
    exit_code = pytest.main(["-q", "-p", "no:cacheprovider", "-n", "0", "--deselect", f"{TEST_FILES['Faults']}::{DOC_TEST}",
                             *(str(ROOT / path) for path in TEST_FILES.values())], plugins=[collector])
    text = doc(list(collector.tried.values()), kill_trials, property_examples, int(exit_code))
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return int(exit_code)


def main(argv: list[str] | None = None) -> int:
    """`prove` (the default), and the commands of the child processes the tests start."""
    parser = argparse.ArgumentParser(prog="python tests/reliability.py", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command")
    proof = commands.add_parser("prove", help="run the reliability tests and write docs/reliability.md (default)")
    proof.add_argument("--trials", type=int, default=TRIALS, help="kill trials (default %(default)s)")
    proof.add_argument("--examples", type=int, default=EXAMPLES, help="examples per property (default %(default)s)")
    proof.add_argument("--output", type=Path, default=DOC)
    for name, help_text in (("run", "a report run announcing its steps"), ("ingest", "an ingest printing outcomes")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("inputs", type=Path)
        command.add_argument("outputs", type=Path)
    commands.add_parser("hold", help="hold a warehouse until killed").add_argument("warehouse", type=Path)
    args = parser.parse_args(argv)
    match args.command:
        case "run":
            run_report_announcing_steps(args.inputs, args.outputs)
        case "ingest":
            ingest_printing_results(args.inputs, args.outputs)
        case "hold":
            hold_warehouse(args.warehouse)
        case _:
            return prove(getattr(args, "trials", TRIALS), getattr(args, "examples", EXAMPLES),
                         getattr(args, "output", DOC))
    return 0


if __name__ == "__main__":
    sys.exit(main())
