"""Metrics on the national-scale warehouse, and the render of the reference report against bare WeasyPrint."""

from __future__ import annotations

import statistics
import tempfile

from bench.generate import YEAR, national_inputs
from bench.measure import Stats, run_step
from bench.results import Section, Target, gigabytes, ratio, seconds

METRICS_TARGET = 2.0  # seconds
RENDER_TARGET = 1.0   # seconds, median
MIN_RENDER_RUNS = 5


def metrics_section(runs: int) -> Section:
    """`pipeline.build_metrics` on a warehouse holding the national-scale ledgers."""
    inputs, ledgers = national_inputs()
    section = Section("Metrics on the national-scale warehouse")
    with tempfile.TemporaryDirectory(prefix="bench-national-") as outputs:
        built = run_step("national_ingest", inputs=str(inputs), outputs=outputs, year=YEAR)
        samples = [run_step("build_metrics", inputs=str(inputs), outputs=outputs, year=YEAR) for _ in range(runs)]
    scale = ", ".join(f"{ledger.dataset} {ledger.year}: {ledger.rows:,} rows" for ledger in ledgers)
    section.paragraph(
        f"The warehouse: every sample ledger for {YEAR - 1}–{YEAR}, with {scale}, taken by "
        f"the drops flow ({built.detail['files']} files, {built.detail['rows_loaded']:,} rows loaded "
        f"in {built.seconds:.1f} s, 1 run, peak memory {gigabytes(built.peak_rss)}; files failed: "
        f"{', '.join(built.detail['failed']) or 'none'}). Then `pipeline.build_metrics(settings, REGION, {YEAR})`, "
        f"each run in a new process ({samples[0].detail['metrics']} metrics, "
        f"{samples[0].detail['with_value']} with a value).")
    time = Stats.of([s.seconds for s in samples])
    section.table(["", "time", "peak memory", "process wall time"], [
        ["`pipeline.build_metrics`", seconds(time), gigabytes(statistics.median(s.peak_rss for s in samples)),
         seconds(Stats.of([s.wall for s in samples]))],
    ])
    section.targets.append(Target("Metrics on the national warehouse", seconds(time), f"< {METRICS_TARGET:g} s",
                                  time.median < METRICS_TARGET))
    return section


def _profile_rows(profile: list[list[object]]) -> list[list[str]]:
    total = float(profile[0][2])
    return [[f"`{name}`", str(calls), f"{cumulative:.2f} s", f"{float(cumulative) / total:.0%}"]
            for name, calls, cumulative in profile]


def _render_notes(pipeline: Stats, layout: Stats, write: Stats, profile: list[list[object]]) -> list[str]:
    """What bounds the render (the layout, from the profile) and what would move it."""
    if pipeline.median < RENDER_TARGET:
        return []
    bare = layout.median + write.median
    layouts = next((calls for name, calls, _ in profile if name.endswith("render.py:_layout")), "several")
    if bare < RENDER_TARGET:
        move = (f"WeasyPrint's own {bare:.2f} s is under the target: what is left is the pipeline's work around "
                "the layout, which the profile breaks down.")
    else:
        move = (f"WeasyPrint's own {bare:.2f} s is above the target too: a cheaper layout from WeasyPrint itself "
                "(each line is its own `nowrap` span with letter-spacing, a few thousand inline boxes).")
    bounds = (f"WeasyPrint lays this 12-page document out in {layout.median:.2f} s and writes its PDF in "
              f"{write.median:.2f} s. `render.render` lays it out once and moves the colophon down in the laid-out "
              "document, or lays it out again where moving it cannot place it, as for a colophon on a page of its "
              f"own (`render._push_down`; here {layouts} layout(s) per render).")
    shares = {name.rpartition("/")[2]: float(cumulative) / float(profile[0][2]) for name, _, cumulative in profile}
    workbooks, layout_share = shares.get("review.py:write_rows_workbooks", 0.0), shares.get("render.py:_layout", 0.0)
    if workbooks > layout_share:
        return [f"**What bounds it.** The review's rows workbooks ({workbooks:.0%} of the profiled render against "
                f"{layout_share:.0%} for the layouts): a workbook per printed figure with every row behind it, "
                "written by openpyxl (`explain.write_rows`). " + bounds,
                ("**What would move it.** Fewer cells to write (the rows of a figure are written once per figure "
                 "they feed: a ratio's numerator again), or a faster writer than openpyxl's; the layout is next.")]
    return [f"**What bounds it.** The layout. {bounds} The profile shows the layout as most of its time.",
            f"**What would move it.** {move}"]


def render_section(runs: int) -> Section:
    """The reference report with its attachment, as `pipeline.render_report` writes it, against bare WeasyPrint."""
    runs = max(runs, MIN_RENDER_RUNS)
    with tempfile.TemporaryDirectory(prefix="bench-render-") as outputs:
        sample = run_step("render", outputs=outputs, year=YEAR, runs=runs)
    detail = sample.detail
    pipeline = Stats.of(detail["pipeline"])
    layout, write = Stats.of(detail["bare_layout"]), Stats.of(detail["bare_write"])
    bare_times = [a + b for a, b in zip(detail["bare_layout"], detail["bare_write"])]
    section = Section("Render: the reference report with its attachment")
    section.paragraph(
        f"`pipeline.render_report(settings, 'jinjiang', {YEAR}, metrics)` (PDF, HTML, DOCX, the metrics and "
        f"figures tables, the review preview and its rows' workbooks; "
        f"{detail['pages']} pages) against WeasyPrint alone on the same HTML "
        f"(`HTML(string=html, base_url=templates/report/).render().write_pdf(...)`, {detail['bare_pages']} pages), "
        f"alternately in one warm process, {runs} runs each.")
    section.table(["", "time", "ratio to bare WeasyPrint"], [
        ["pipeline `render_report`", seconds(pipeline),
         ratio(Stats.of([p / b for p, b in zip(detail["pipeline"], bare_times)]))],
        ["bare WeasyPrint: layout + PDF", seconds(Stats.of(bare_times)), "1"],
        ["  of which layout (`HTML.render`)", seconds(layout), ""],
        ["  of which PDF (`Document.write_pdf`)", seconds(write), ""],
        ["pipeline, first render in a new process (fonts, caches cold)", f"{sample.seconds:.2f} s (1 run)", ""],
    ])
    section.paragraph("Where one more pipeline render's time goes (cProfile; inclusive time, so rows nest; "
                      "the profiler slows everything down alike):")
    section.table(["function", "calls", "time", "share"], _profile_rows(detail["profile"]))
    section.targets.append(Target("Render: median", seconds(pipeline), f"< {RENDER_TARGET:g} s",
                                  pipeline.median < RENDER_TARGET))
    section.notes += _render_notes(pipeline, layout, write, detail["profile"])
    return section
