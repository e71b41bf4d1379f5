"""The main command end to end (cold and warm, with Prefect's share), and a batch of regions' reports."""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annual_report.prefect_server import prefect_api, wait_until_ready
from bench.generate import YEAR
from bench.measure import Sample, Stats, child_env, run_command, run_step
from bench.results import Section, Target, ratio, seconds

END_TO_END_TARGET = 1.5  # warm run through Prefect against the same steps called directly
PREFECT_QUIET = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
DIRECT_STEPS = ("ingest", "metrics", "render")
BATCH_ROUNDS = 4
POOL_WORKERS = 2


@dataclass(frozen=True)
class EndToEndRun:
    """One round: the main command cold then warm, then warm against a running server; the direct steps cold then
    warm; an empty flow."""

    flow_cold: float
    flow_warm: float
    flow_served: float
    direct_cold: Sample
    direct_warm: Sample
    empty_flow: float


def _main_command(outputs: str, prefect_home: str, **variables: str) -> float:
    """Wall time of `annual-report run --year YEAR --outputs DIR` with its own PREFECT_HOME."""
    command = [str(Path(sys.executable).with_name("annual-report")), "run", "--year", str(YEAR), "--outputs", outputs]
    wall, _ = run_command(command, "annual-report-run",
                          child_env(PREFECT_HOME=prefect_home, **PREFECT_QUIET, **variables))
    return wall


def _round() -> EndToEndRun:
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as root:
        home, flow_outputs, direct_outputs = (str(Path(root) / name) for name in ("prefect", "flow", "direct"))
        flow_cold = _main_command(flow_outputs, home)
        flow_warm = _main_command(flow_outputs, home)
        with prefect_api():  # a server already running, as `make serve` leaves one
            wait_until_ready()
            flow_served = _main_command(flow_outputs, home, PREFECT_API_URL=os.environ["PREFECT_API_URL"])
        direct_cold = run_step("direct_report", outputs=direct_outputs, year=YEAR)
        direct_warm = run_step("direct_report", outputs=direct_outputs, year=YEAR)
        empty = run_step("empty_flow", env=child_env(PREFECT_HOME=home, **PREFECT_QUIET))
    return EndToEndRun(flow_cold, flow_warm, flow_served, direct_cold, direct_warm, empty.wall)


def _overhead(flow: list[float], direct: list[Sample]) -> str:
    differences = Stats.of([f - d.wall for f, d in zip(flow, direct)])
    shares = Stats.of([(f - d.wall) / f for f, d in zip(flow, direct)])
    return f"{seconds(differences)}, {shares.median:.0%} of the run ({shares.low:.0%}–{shares.high:.0%})"


def _step_times(samples: list[Sample]) -> str:
    return ", ".join(f"{step} {Stats.of([s.detail['steps'][step] for s in samples]).median:.2f} s"
                     for step in DIRECT_STEPS)


def end_to_end_section(runs: int) -> Section:
    """`annual-report run` through Prefect, cold and warm, against the same steps called directly."""
    rounds = [_round() for _ in range(runs)]
    flow_cold, flow_warm = [r.flow_cold for r in rounds], [r.flow_warm for r in rounds]
    direct_cold, direct_warm = [r.direct_cold for r in rounds], [r.direct_warm for r in rounds]
    empty = Stats.of([r.empty_flow for r in rounds])
    section = Section("End to end: the main command on the sample inputs")
    section.paragraph(
        f"Wall time of `annual-report run --year {YEAR} --outputs DIR` (with the Prefect API server the command "
        "starts for itself, as a report office runs it): cold = a new PREFECT_HOME and an empty outputs folder (new warehouse), warm = the same "
        "command again on both. Direct = the same steps (taking the files, the folders' look, cross-checks and receipts, `build_metrics`, "
        "`render_report`) in a new Python process without Prefect, cold and warm alike. "
        f"Each time includes the interpreter's start-up and imports. Rounds: {runs}.")
    served = [r.flow_served for r in rounds]
    section.table(["", "cold", "warm"], [
        ["main command, through Prefect (its own server)", seconds(Stats.of(flow_cold)), seconds(Stats.of(flow_warm))],
        ["main command, through a Prefect server already running (`PREFECT_API_URL`)", "", seconds(Stats.of(served))],
        ["same steps called directly", seconds(Stats.of([s.wall for s in direct_cold])),
         seconds(Stats.of([s.wall for s in direct_warm]))],
        ["  of which (inside the process)", _step_times(direct_cold), _step_times(direct_warm)],
        ["Prefect's share (difference), its own server", _overhead(flow_cold, direct_cold),
         _overhead(flow_warm, direct_warm)],
        ["Prefect's share (difference), a running server", "", _overhead(served, direct_warm)],
        ["a flow that does nothing, same Prefect set-up (warm PREFECT_HOME)", "", seconds(empty)],
    ])
    own = Stats.of([f / d.wall for f, d in zip(flow_warm, direct_warm)])
    running = Stats.of([f / d.wall for f, d in zip(served, direct_warm)])
    section.targets.append(Target("Warm run through Prefect against the steps called directly (its own server)",
                                  ratio(own), f"≤ {END_TO_END_TARGET:g}×", own.median <= END_TO_END_TARGET))
    section.targets.append(Target("Warm run through Prefect against the steps called directly (a running server)",
                                  ratio(running), f"≤ {END_TO_END_TARGET:g}×", running.median <= END_TO_END_TARGET))
    section.notes += _end_to_end_notes(Stats.of(flow_warm), Stats.of(served), direct_warm, empty)
    return section


def _end_to_end_notes(warm: Stats, served: Stats, direct: list[Sample], empty: Stats) -> list[str]:
    """What bounds the warm run: the steps' own work, Prefect's fixed cost, and the rest (its task runs)."""
    work = Stats.of([sum(s.detail["steps"].values()) for s in direct]).median
    direct_wall = Stats.of([s.wall for s in direct]).median
    return [
        f"**Where Prefect's time goes.** Of the warm run's {warm.median:.1f} s, a flow that does nothing takes "
        f"{empty.median:.1f} s with the same set-up (starting Python, importing Prefect, starting the command's API "
        "server and waiting for it, creating and finishing the flow run); the steps' own work is about "
        f"{work:.1f} s (inside the direct process, {direct_wall:.1f} s with its start-up). Against a server already "
        f"running, the same run takes {served.median:.1f} s: the rest of Prefect's share is the flow's task runs "
        "(each a few calls to the server) and importing Prefect.",
        "**What bounds it.** A command that starts its own server pays for the server's start-up on every run; "
        "an office that runs `make serve` (or points `PREFECT_API_URL` at its server) does not.",
    ]


def _batch_rows(name: str, rounds: list[dict[str, Any]]) -> list[str]:
    total = sum(r["seconds"] for r in rounds)
    regions = [region for r in rounds for region in r["regions"]]
    steps = ", ".join(f"{step} {Stats.of([r['steps'][step] for r in regions]).median:.2f} s"
                      for step in DIRECT_STEPS)
    return [name, f"{total:.1f} s", f"{len(regions) / total * 60:.1f} reports/min",
            seconds(Stats.of([r["seconds"] for r in regions])), steps]


def batch_section(regions: int) -> Section:
    """`regions` reports from the plain pipeline functions: one after another against a pool of 2 processes."""
    rounds = BATCH_ROUNDS
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as root:
        detail = run_step("batch", root=root, year=YEAR, regions=regions, rounds=rounds, workers=POOL_WORKERS).detail
    sequential, parallel = detail["sequential"], detail["parallel"]
    speed_ups = Stats.of([s["seconds"] / p["seconds"] for s, p in zip(sequential, parallel)])
    measured = sum(len(r["regions"]) for r in sequential)
    section = Section(f"Batch: {measured} regions' reports")
    section.paragraph(
        "Each region: the same steps called directly (taking the files ... receipts), `build_metrics`, `render_report` into its own outputs folder "
        "(its own warehouse and archive), all on the sample inputs and the jinjiang spec. Sequential: one region "
        f"after another in one process. Parallel: a `ProcessPoolExecutor` of {POOL_WORKERS} (spawned) processes. "
        f"The two alternate in {rounds} rounds of {measured // rounds} regions each, so that other work on the shared "
        "machine falls on both alike. Both are warmed up first (process start, imports, fonts: one region in the "
        f"process and {2 * POOL_WORKERS} in the pool, {detail['warm_up']:.1f} s, not counted).")
    section.table(["", "total", "throughput", "one region (median, min–max over the regions)",
                   "one region, by step (median)"],
                  [_batch_rows("sequential", sequential), _batch_rows(f"process pool of {POOL_WORKERS}", parallel)])
    section.paragraph(f"Speed-up of the pool of {POOL_WORKERS} over sequential: **{ratio(speed_ups)}** (round by "
                      f"round; {os.cpu_count()} cores, DuckDB running a thread per core in each process).")
    section.notes.append("Measured with the plain pipeline functions; a Prefect batch flow is a separate issue, "
                         "and its overhead is not included here.")
    return section
