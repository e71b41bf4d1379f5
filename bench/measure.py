"""Measuring: each step in a fresh child process, its time and peak memory, and the statistics of runs.

A step is a function of `bench.steps`; the child runs it and writes what it measured as JSON. The
parent reaps the child with `os.wait4`, whose resource usage is that one child's: its max RSS is
the step's peak memory (the interpreter and its imports included, as in a real run).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annual_report.settings import ROOT
from bench.generate import DATA

LOGS = DATA / "logs"


@dataclass(frozen=True)
class Sample:
    """One run of a step: its time, the child's peak memory, and what the step reported."""

    seconds: float
    peak_rss: int  # bytes
    wall: float    # the child process's whole life, interpreter start-up included
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Stats:
    """Median, min and max of a figure over runs."""

    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        return cls(statistics.median(values), min(values), max(values), len(values))


class StepFailed(RuntimeError):
    """A measured step exited with an error; the message carries the end of its log."""


def _log_path(name: str) -> Path:
    LOGS.mkdir(parents=True, exist_ok=True)
    return LOGS / f"{name}.log"


def run_command(command: Sequence[str], name: str, env: dict[str, str] | None = None) -> tuple[float, int]:
    """Run a command to completion; its wall time in seconds and its max RSS in bytes.

    Output goes to bench/data/logs/<name>.log; a failure raises StepFailed with the log's tail.
    """
    log = _log_path(name)
    with log.open("w", encoding="utf-8") as stream:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=stream, stderr=subprocess.STDOUT, env=env,
                                   stdin=subprocess.DEVNULL, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise StepFailed(f"{' '.join(command)} exited {process.returncode}:\n{tail}")
    return wall, usage.ru_maxrss * 1024  # Linux reports kilobytes


def run_step(step: str, env: dict[str, str] | None = None, **arguments: Any) -> Sample:
    """Run `bench.steps.<step>(**arguments)` in a fresh interpreter and collect its sample."""
    env = env or child_env()
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        result = Path(handle.name)
    try:
        command = [sys.executable, "-m", "bench.steps", step, json.dumps(arguments), str(result)]
        wall, peak = run_command(command, step, env)
        detail = json.loads(result.read_text(encoding="utf-8"))
    finally:
        result.unlink(missing_ok=True)
    return Sample(seconds=detail.pop("seconds", wall), peak_rss=peak, wall=wall, detail=detail)


def child_env(**variables: str) -> dict[str, str]:
    """The environment of a measured child: this one's without the pipeline's path overrides
    (ANNUAL_REPORT_*), plus the given variables."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("ANNUAL_REPORT_")}
    return {**inherited, **variables}
