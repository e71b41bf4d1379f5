"""Run the benchmarks and rewrite bench/results.md: `python -m bench` (what `make bench` runs).

    python -m bench [--runs 3] [--regions 100] [--only loop ingest render ...] [--output bench/results.md]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bench.generate import (
    MEDIATION_ROWS,
    SCALING_ROWS,
    mediation_ledger,
    national_inputs,
)
from bench.drops_bench import drops_section
from bench.ingest_bench import ingest_section, measure_sizes, scaling_section
from bench.loop_bench import loop_section
from bench.report_bench import metrics_section, render_section
from bench.results import RESULTS, Section, machine_lines, write_results
from bench.run_bench import batch_section, end_to_end_section

SUITES = ("loop", "ingest", "scaling", "metrics", "render", "end-to-end", "batch", "drops")


def _log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def run_suites(only: tuple[str, ...], runs: int, regions: int) -> list[Section]:
    """The chosen benchmarks in the issue's order (ingest and scaling share their rounds)."""
    sections: list[Section] = []
    if "loop" in only:
        _log("the everyday loop: import cost of the light commands, the test suite")
        sections.append(loop_section(runs, suite=True))
    if "ingest" in only or "scaling" in only:
        sizes = SCALING_ROWS if "scaling" in only else (MEDIATION_ROWS,)
        _log(f"ingest: {', '.join(f'{rows:,}' for rows in sizes)} rows, pipeline against baseline")
        by_size = measure_sizes(sizes, runs)
        if "ingest" in only:
            sections.append(ingest_section(by_size[MEDIATION_ROWS]))
        if "scaling" in only:
            sections.append(scaling_section(by_size))
    later: dict[str, Callable[[], Section]] = {
        "metrics": lambda: metrics_section(runs),
        "render": lambda: render_section(runs),
        "end-to-end": lambda: end_to_end_section(runs),
        "batch": lambda: batch_section(regions),
        "drops": lambda: drops_section(max(runs, 5)),
    }
    for name, suite in later.items():
        if name in only:
            _log(name)
            sections.append(suite())
    return sections


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each measured figure (default 3)")
    parser.add_argument("--regions", type=int, default=100, help="regions in the batch benchmark (default 100)")
    parser.add_argument("--only", nargs="+", choices=SUITES, default=SUITES, help="benchmarks to run (default all)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="results file (default bench/results.md)")
    args = parser.parse_args(argv)
    started, load_before = datetime.now(), os.getloadavg()
    if set(args.only) - {"loop", "drops", "render"}:   # those run on the sample
        _log("generating the national-scale ledgers (once; kept in bench/data/)")
        national_inputs()
        for rows in SCALING_ROWS:
            mediation_ledger(rows)
    sections = run_suites(tuple(args.only), args.runs, args.regions)
    command = "python -m bench" + "".join(f" {a}" for a in (argv if argv is not None else sys.argv[1:]))
    path = write_results(sections, machine_lines(started, load_before, os.getloadavg()), command, args.output)
    _log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
