"""Ingest at national scale against DuckDB's bare read_csv of the same file, and how its cost grows."""

from __future__ import annotations

import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

from annual_report.intake.contracts import load_contracts
from annual_report.settings import ROOT
from bench.generate import Ledger, mediation_ledger
from bench.measure import Sample, Stats, run_step
from bench.results import GB, Section, Target, gigabytes, ratio, seconds

RATIO_TARGET = 2.0  # issue 12: at most 2x DuckDB's bare read_csv
MEMORY_TARGET = 2 * GB
LINEAR_TOLERANCE = 1.25  # the cost of a further row may differ this much between sizes and still be linear


@dataclass(frozen=True)
class IngestRuns:
    """Pipeline and baseline runs on one ledger, each pair measured back to back."""

    ledger: Ledger
    pipeline: list[Sample]
    baseline: list[Sample]

    def seconds(self, samples: list[Sample]) -> Stats:
        return Stats.of([s.seconds for s in samples])

    def ratios(self) -> Stats:
        return Stats.of([p.seconds / b.seconds for p, b in zip(self.pipeline, self.baseline)])

    def peak(self, samples: list[Sample]) -> Stats:
        return Stats.of([s.peak_rss for s in samples])

    def rows_as_expected(self) -> bool:
        return all(s.detail["rows_loaded"] == self.ledger.expected_loaded for s in self.pipeline) and \
            all(s.detail["rows_loaded"] == self.ledger.rows for s in self.baseline)


def _department(dataset: str) -> str:
    return load_contracts(ROOT / "contracts")[dataset].department


def _pipeline_run(path: Path, ledger: Ledger) -> Sample:
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as workdir:
        return run_step("ingest_pipeline", csv=str(path), year=ledger.year, department=_department(ledger.dataset),
                        workdir=workdir)


def _pair(path: Path, ledger: Ledger) -> tuple[Sample, Sample]:
    """A bare read_csv of the file into a new database, then the pipeline's load_file into a new warehouse."""
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as workdir:
        baseline = run_step("ingest_baseline", csv=str(path), workdir=workdir)
    return baseline, _pipeline_run(path, ledger)


def measure_sizes(sizes: tuple[int, ...], runs: int) -> dict[int, IngestRuns]:
    """`runs` rounds over the ledger sizes, one (baseline, pipeline) pair per size in each round, so that
    what else runs on the shared machine falls on every size alike."""
    ledgers = {rows: mediation_ledger(rows) for rows in sizes}
    pairs: dict[int, list[tuple[Sample, Sample]]] = {rows: [] for rows in sizes}
    for _ in range(runs):
        for rows, (path, ledger) in ledgers.items():
            pairs[rows].append(_pair(path, ledger))
    return {rows: IngestRuns(ledgers[rows][1], [p for _, p in pairs[rows]], [b for b, _ in pairs[rows]])
            for rows in sizes}


def _statement_rows(runs: IngestRuns) -> list[list[str]]:
    """Where load_file's time goes: median seconds per statement, the costliest first."""
    total = runs.seconds(runs.pipeline).median
    labels = runs.pipeline[0].detail["statements"]
    medians = {label: _statement_median(runs, label) for label in labels}
    medians["(Python between statements: encoding check, quote and empty-line scan, header match, rejections)"] = max(
        0.0, total - sum(medians.values()))
    return [[f"`{label}`", f"{value:.2f} s", f"{value / total:.0%}"]
            for label, value in sorted(medians.items(), key=lambda item: -item[1]) if value >= 0.01]


def _statement_median(runs: IngestRuns, label: str) -> float:
    return statistics.median(s.detail["statements"].get(label, 0.0) for s in runs.pipeline)


def _ingest_notes(runs: IngestRuns, reading: dict[str, float]) -> list[str]:
    """What bounds ingest, from the statement breakdown and the cost of reading alone, and what would move it."""
    total, baseline = runs.seconds(runs.pipeline).median, runs.seconds(runs.baseline).median
    landing = _statement_median(runs, "create _checked")
    insert = sum(_statement_median(runs, label) for label in runs.pipeline[0].detail["statements"]
                 if label.startswith("insert into raw_"))
    rest = total - landing - insert
    notes = []
    if runs.ratios().median > RATIO_TARGET:
        notes.append(
            f"**Time: what bounds it.** `load_file` reads the file once, in one statement that lands, trims and "
            f"types every cell into the temporary table `_checked` on both cores ({landing:.2f} s); every rule is "
            f"then a filter of that table, and the valid rows are inserted into the dataset's table "
            f"({insert:.2f} s); the rest ({rest:.2f} s) is the encoding check and the quote and empty-line scan in "
            f"Python, the rules, and the ledger's records. Reading the file into memory with nothing else done "
            f"takes {reading['both cores']:.2f} s on both cores ({reading['one core']:.2f} s on one; table above), "
            f"so trimming and typing the cells cost about {landing - reading['both cores']:.2f} s of the landing. "
            f"The baseline reads and writes each cell once; the pipeline reads it, holds it as text and as a typed "
            f"value, and writes it again: even a free landing would leave {(insert + rest) / baseline:.2f}× the "
            f"baseline.")
        notes.append(
            "**Time: what would move it.** The valid rows have to be written once, as the baseline writes them; "
            "what could go is the landing in memory before it. That needs each row's number as the file has it "
            "while reading on both cores: DuckDB's CSV reader does not give one (`read_csv(..., file_row_number = "
            "true)` is refused: \"not supported by this reader\"), and `row_number() over ()` would keep the "
            f"read on one core (reading alone: {reading['one core']:.2f} s on one core, "
            f"{reading['both cores']:.2f} s on both). With it, the rows could be inserted typed straight from the "
            "reader inside the load's transaction, the text kept only of rows that break a rule, and the rejected "
            "rows deleted before the commit. Cheaper trimming does not move it: guarding `trim()` with a test of the first and last "
            "character saved about 0.2 s per 3M rows (6 columns) in a trial. The duplicate-key rule (a grouping "
            "of every key) is most of `_problems`.")
    if runs.peak(runs.pipeline).median >= MEMORY_TARGET:
        notes.append(
            "**Memory: what bounds it.** The temporary table `_checked` holds every cell as text and typed; past "
            "the warehouse's memory limit (ANNUAL_REPORT_MEMORY_LIMIT, 1GB) DuckDB spills it to "
            "`<warehouse>.tmp/`. A lower limit trades time for memory.")
    return notes


def ingest_section(measured: IngestRuns) -> Section:
    """The 9M-row people's-mediation ledger: pipeline against baseline, where the time goes, memory."""
    path, ledger = mediation_ledger(measured.ledger.rows)
    runs = len(measured.pipeline)
    with tempfile.TemporaryDirectory(prefix="bench-reading-") as workdir:
        reading = run_step("reading_costs", csv=str(path), workdir=workdir).detail["reading"]
    section = Section(f"Ingest: {ledger.rows:,} rows of people's mediation cases")
    pipeline_rows = measured.pipeline[0].detail
    section.paragraph(
        f"`{path.relative_to(ROOT)}`: {path.stat().st_size / GB:.2f} GB, {ledger.rows:,} rows, one in a thousand "
        f"breaking one contract rule. Baseline: `create table ledger as select * from read_csv(file)` in a new "
        f"DuckDB file. Pipeline: `annual_report.land.load_file` (decode, validate, load) into a new warehouse "
        f"(the file's SHA-256, which `take.receive` computes before it, took "
        f"{statistics.median(s.detail['sha256_seconds'] for s in measured.pipeline):.2f} s and is not included). "
        f"Pairs of runs: {runs}.")
    section.table(["", "time", "peak memory", "rows loaded"], [
        ["DuckDB `read_csv` (baseline)", seconds(measured.seconds(measured.baseline)),
         gigabytes(measured.peak(measured.baseline).median), f"{measured.baseline[0].detail['rows_loaded']:,} (all)"],
        ["pipeline `load_file`", seconds(measured.seconds(measured.pipeline)),
         gigabytes(measured.peak(measured.pipeline).median),
         f"{pipeline_rows['rows_loaded']:,} ({pipeline_rows['rows_rejected']:,} rejected; "
         f"{ledger.expected_loaded:,} expected)"],
        ["ratio pipeline / baseline", ratio(measured.ratios()), "", ""],
    ])
    section.paragraph("Where `load_file`'s time goes (median over the runs, statement by statement):")
    section.table(["statement", "time", "share"], _statement_rows(measured))
    section.paragraph("Reading the file alone, every cell as text into a temporary table, nothing trimmed or typed "
                      "(1 run, a new database with the warehouse's memory limit):")
    section.table(["`read_csv`", "time"], [[cores, f"{value:.2f} s"] for cores, value in reading.items()])
    ratios, peak = measured.ratios(), measured.peak(measured.pipeline)
    section.targets += [
        Target("Ingest 9M rows: time against bare `read_csv`", ratio(ratios), f"≤ {RATIO_TARGET}×",
               ratios.median <= RATIO_TARGET),
        Target("Ingest 9M rows: peak memory", gigabytes(peak.median), f"< {gigabytes(MEMORY_TARGET)}",
               peak.median < MEMORY_TARGET),
        Target("Ingest 9M rows: rows loaded as the generator's count says", f"{pipeline_rows['rows_loaded']:,}",
               f"{ledger.expected_loaded:,}", measured.rows_as_expected()),
    ]
    section.notes += _ingest_notes(measured, reading)
    return section


def _fit(points: list[tuple[int, float]]) -> tuple[float, float, float]:
    """Least squares t = a + b·n: intercept, slope and R²."""
    slope, intercept = statistics.linear_regression([n for n, _ in points], [t for _, t in points])
    mean = statistics.fmean(t for _, t in points)
    residual = sum((t - intercept - slope * n) ** 2 for n, t in points)
    total = sum((t - mean) ** 2 for _, t in points) or 1.0
    return intercept, slope, 1 - residual / total


def scaling_section(by_size: dict[int, IngestRuns]) -> Section:
    """Ingest at 1M, 3M and 9M rows: whether a further row costs the same at every size."""
    measured = [by_size[rows] for rows in sorted(by_size)]
    section = Section("How ingest's cost grows: 1M, 3M and 9M rows")
    rows = []
    for m in measured:
        rows.append([f"{m.ledger.rows:,}", seconds(m.seconds(m.pipeline)),
                     f"{m.seconds(m.pipeline).low / m.ledger.rows * 1e6:.2f} s", seconds(m.seconds(m.baseline)),
                     ratio(m.ratios()), gigabytes(m.peak(m.pipeline).median), gigabytes(m.peak(m.baseline).median)])
    section.table(["rows", "pipeline", "pipeline per million rows (fastest run)", "baseline", "ratio",
                   "pipeline peak memory", "baseline peak memory"], rows)
    times = [(m.ledger.rows, m.seconds(m.pipeline).low) for m in measured]
    memory = [(m.ledger.rows, m.peak(m.pipeline).median) for m in measured]
    intercept, slope, r2 = _fit(times)
    (n1, t1), (n2, t2), (n3, t3) = times
    growth = ((t3 - t2) / (n3 - n2)) / ((t2 - t1) / (n2 - n1))
    _, memory_slope, memory_r2 = _fit(memory)
    section.paragraph(
        "Growth is judged on the fastest run at each size, the one least disturbed by other work on this "
        "shared machine (the rounds interleave the sizes, so each size gets its share of the disturbances). "
        f"Time: t ≈ {intercept:.2f} s + {slope * 1e6:.2f} s per million rows (R² = {r2:.4f}). A further row costs "
        f"{growth:.2f}× as much between {n2 / 1e6:.0f}M and {n3 / 1e6:.0f}M rows as between {n1 / 1e6:.0f}M and "
        f"{n2 / 1e6:.0f}M (1.00 is exactly linear). Peak memory grows by {memory_slope * 1e6 / GB:.2f} GB per "
        f"million rows (R² = {memory_r2:.4f}).")
    section.targets.append(Target("Ingest cost grows linearly (1M → 3M → 9M)",
                                  f"marginal cost ratio {growth:.2f}, R² {r2:.4f}",
                                  f"{1 / LINEAR_TOLERANCE:.2f}–{LINEAR_TOLERANCE:.2f}",
                                  1 / LINEAR_TOLERANCE <= growth <= LINEAR_TOLERANCE))
    section.notes.append(f"Rounds: {len(measured[0].pipeline)}, each a (baseline, pipeline) pair at every size.")
    return section
