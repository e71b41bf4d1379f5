"""bench/results.md: the machine, the targets met or missed, and each benchmark's section."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

from annual_report.settings import ROOT
from bench.measure import Stats

RESULTS = Path(__file__).resolve().parent / "results.md"
PACKAGES = ("duckdb", "polars", "pyarrow", "weasyprint", "pydyf", "prefect", "annual-report")
GB = 10**9


@dataclass(frozen=True)
class Target:
    """A target of the issue, and whether this run met it."""

    name: str
    measured: str
    limit: str
    met: bool


@dataclass
class Section:
    """One benchmark's part of the results: its tables, targets and notes."""

    title: str
    lines: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        self.lines += [f"| {' | '.join(header)} |", f"|{'---|' * len(header)}"]
        self.lines += [f"| {' | '.join(str(cell) for cell in row)} |" for row in rows]
        self.lines.append("")

    def paragraph(self, text: str) -> None:
        self.lines += [text, ""]


def seconds(stats: Stats) -> str:
    """A time as median (min–max over runs)."""
    if stats.runs == 1:
        return f"{stats.median:.2f} s (1 run)"
    return f"{stats.median:.2f} s ({stats.low:.2f}–{stats.high:.2f})"


def ratio(stats: Stats) -> str:
    return f"{stats.median:.2f}× ({stats.low:.2f}–{stats.high:.2f})"


def gigabytes(value: float) -> str:
    return f"{value / GB:.2f} GB"


def _memory_bytes() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return 0


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _revision() -> str:
    """The commit measured, and whether the pipeline's code had uncommitted changes."""
    def git(*arguments: str) -> str:
        return subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    changed = git("status", "--porcelain", "--", "annual_report", "sql", "templates", "contracts")
    return f"{git('rev-parse', '--short', 'HEAD') or 'unknown'}{' with uncommitted changes' if changed else ''}"


def machine_lines(started: datetime, load_before: tuple[float, ...], load_after: tuple[float, ...]) -> list[str]:
    versions = ", ".join(f"{name} {version(name)}" for name in PACKAGES)
    return [
        f"- Pipeline: commit {_revision()}",
        f"- Machine: {os.cpu_count()} cores ({_cpu_model()}), {gigabytes(_memory_bytes())} memory, "
        f"{platform.system()} {platform.release()}",
        f"- Load average (1, 5, 15 min) at start {', '.join(f'{x:.2f}' for x in load_before)}; "
        f"at end {', '.join(f'{x:.2f}' for x in load_after)} (the machine is shared: other work runs beside)",
        f"- Python {sys.version.split()[0]}; {versions}",
        f"- Run {started:%Y-%m-%d %H:%M}, took {(datetime.now() - started).total_seconds() / 60:.1f} min",
    ]


def write_results(sections: list[Section], machine: list[str], command: str, path: Path = RESULTS) -> Path:
    """Write the results file: machine, summary of targets, then each section with its notes."""
    lines = [
        "# Benchmarks",
        "",
        f"Written by `{command}` (`make bench`); do not edit by hand. Each time is the median of the runs, "
        "with min–max; each ratio is taken run by run against its baseline measured in the same run, "
        "right before. Peak memory is the measured child process's max RSS (`os.wait4`), interpreter included.",
        "",
        *machine,
        "",
        "## Targets",
        "",
        "| target | measured | limit | met |",
        "|---|---|---|---|",
        *(f"| {t.name} | {t.measured} | {t.limit} | {'yes' if t.met else '**no**'} |"
          for s in sections for t in s.targets),
        "",
    ]
    for section in sections:
        lines += [f"## {section.title}", "", *section.lines]
        if section.notes:
            lines += ["Notes:", "", *(f"- {note}" for note in section.notes), ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
