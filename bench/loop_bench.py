"""The everyday loop: what a command costs before it starts working (its imports), and the test suite's time."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from annual_report.settings import ROOT
from bench.measure import Stats, child_env, run_command
from bench.results import Section, Target, seconds

IMPORT_TARGET = 0.3    # seconds of imports before a light command starts its work
SUITE_TARGET = 300.0   # seconds: `make test` on this machine
SMALL_FILE = ROOT / "inputs" / "2021" / "法律援助中心" / "法律援助案件台账.csv"
COMMANDS = {"--help": ["--help"], "contracts": ["contracts"], "validate (a 3,501-row file)": ["validate", str(SMALL_FILE)]}
TOP_LEVEL_IMPORT = re.compile(r"^import time:\s+\d+ \|\s+(\d+) \| {1,2}(\S+)$")


def import_seconds(arguments: list[str]) -> tuple[float, float]:
    """The command's imports (`python -X importtime`: the cumulative time of each top-level import, summed) and
    its whole wall time, in one run."""
    start = time.perf_counter()
    process = subprocess.run([sys.executable, "-X", "importtime", "-m", "annual_report.cli", *arguments],
                             capture_output=True, text=True, env=child_env(), cwd=ROOT)
    wall = time.perf_counter() - start
    micros = sum(int(m.group(1)) for line in process.stderr.splitlines() if (m := TOP_LEVEL_IMPORT.match(line)))
    return micros / 1e6, wall


def loop_section(runs: int, suite: bool) -> Section:
    """Import cost of the light commands (median of `runs`), and one run of the test suite, whole and fast part."""
    section = Section("The everyday loop: light commands and the test suite")
    section.paragraph(
        "Import cost = the summed cumulative time of a command's top-level imports under `python -X importtime` "
        "(interpreter start-up aside); wall = the whole command. Commands import what they use when they run "
        f"(`annual_report/cli.py`). Runs: {runs}.")
    rows = []
    for name, arguments in COMMANDS.items():
        samples = [import_seconds(arguments) for _ in range(runs)]
        imports, walls = Stats.of([s[0] for s in samples]), Stats.of([s[1] for s in samples])
        rows.append([f"`annual-report {name}`", seconds(imports), seconds(walls)])
        section.targets.append(Target(f"Import cost of `annual-report {name}`", seconds(imports),
                                      f"< {IMPORT_TARGET:g} s", imports.median < IMPORT_TARGET))
    section.table(["command", "imports", "wall"], rows)
    if any(not target.met for target in section.targets):
        section.notes.append(
            "**What bounds the imports.** `validate` needs DuckDB (to check the file as ingest does), pydantic (the "
            "contracts' models) and Jinja (the receipt it prints): pydantic alone is about 0.15 s of it, the "
            "contracts' models built at import about 0.03 s more. Prefect, WeasyPrint and Polars are not imported.")
    if not suite:
        return section
    pytest = str(Path(sys.executable).with_name("pytest"))
    whole, _ = run_command([pytest, "-q", "-p", "no:cacheprovider"], "test-suite", child_env())
    fast, _ = run_command([pytest, "-q", "-p", "no:cacheprovider", "-m", "not slow"], "test-suite-fast", child_env())
    section.paragraph(
        "The test suite as `make test` runs it (`pytest`: every test, on every core with pytest-xdist; the "
        "properties with the suite's Hypothesis examples and kill trials, `make reliability` runs the thorough "
        "ones), and its fast part (`pytest -m \"not slow\"`: all but the end-to-end tests through the Prefect "
        "flows). One run each: a suite run is minutes long.")
    section.table(["", "wall"], [["`make test` (`pytest`)", f"{whole:.0f} s"],
                                 ["`pytest -m \"not slow\"`", f"{fast:.0f} s"]])
    section.targets.append(Target("`make test` on this machine", f"{whole:.0f} s (1 run)", f"< {SUITE_TARGET:g} s",
                                  whole < SUITE_TARGET))
    if whole >= SUITE_TARGET:
        section.notes.append(
            f"**What bounds it.** The end-to-end tests: the suite without them takes {fast:.0f} s, so "
            f"{whole - fast:.0f} s of the {whole:.0f} s is the tests that run the Prefect flows on the sample's "
            "twenty ledgers (each report run takes, validates and renders them, several runs a test: a revert, a "
            "second file, a kill and its rerun), the server and worker of the deployment tests, and the command "
            "line's own runs. Two cores run two of them at a time beside their Prefect servers. What would move it: "
            "tests on a smaller sample where the case needs one ledger only, and one taken sample copied per test "
            "instead of taken again.")
    return section
