"""The review preview (审核稿): the HTML preview with every figure the report prints marked, and each one's
explanation a hover or a click away.

Before a report goes out the office checks it figure by figure. `outputs/<year>/<region>-<year>-review.html` is the
preview (preview.py: it stands alone, its faces, style and script in the file) with each figure of the narrative, each
row of the attachment's table and each bar of its charts marked. Hovering over a mark shows its explanation in a
panel beside the page, a click holds it there: the figure as printed, its definition, the files it was computed from
(rows taken and rejected), the rows behind it with a link to their workbook, the cross-checks: `explain.text`, the
lines `annual-report explain` prints, with the SQL folded away. The workbooks are written beside it, in
`<region>-<year>-rows/` (a draft's names end in -draft, as its other files do), one per figure, replaced whole; a
figure of more than ROWS_LIMIT rows (a national ledger's) has the command that writes them instead.

A draft's gaps (a ledger not submitted) are marked red and the figures computed from a ledger with rows missing
(rows rejected, or one of its ledgers not in) amber, and the banner above the page counts them.

The narrative's marks come from filling it again with each figure's filter output marked (`marked_narrative`); the
marked text, split into blocks as the narrative is, must be the printed blocks' text once the marks are out, and each
mark is laid on the lines it was set on (`Line.marks`), so the review's page is the preview's, line for line.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from annual_report.report.explain import Explanation, text, write_rows
from annual_report.report.figures_table import MARKED, Marked, SentenceError
from annual_report.report.narrative import narrative_blocks
from annual_report.report.render import Rendered, SetBlock
from annual_report.warehouse.catalogue import Catalogue

ROWS_LIMIT = 50_000  # rows a figure's workbook beside the review holds at most; `explain --rows` writes larger ones
STYLESHEET = "report/review.css"
SCRIPT = "report/review.js"
GAP, INCOMPLETE, COMPLETE = "gap", "incomplete", "complete"


@dataclass(frozen=True)
class Review:
    """What the template adds to the preview for a review: the metric and status of each narrative mark, the
    status of every printed metric, the banner's counts, and the explanations, style and script to inline."""

    marks: list[str]              # the metric each narrative mark prints, by the mark's number
    gaps: set[int]                # the narrative marks that print a draft's gap (a prior year's, too)
    statuses: dict[str, str]      # each printed metric's: GAP, INCOMPLETE or COMPLETE
    explanations: str             # JSON, by metric: what the panel shows
    css: str
    script: str

    @property
    def counts(self) -> dict[str, int]:
        return {status: sum(s == status for s in self.statuses.values()) for status in (GAP, INCOMPLETE)}


def marked_blocks(blocks: list[SetBlock], marked: str) -> list[SetBlock]:
    """The narrative's set blocks with each figure's mark laid on the lines it was set on; `marked` is the narrative
    filled with marks (`marked_narrative`)."""
    parsed = narrative_blocks(marked)
    if len(parsed) != len(blocks):
        raise SentenceError("the narrative filled with marks does not split into the blocks printed")
    return [_marked(block, parsed_block.text) for block, parsed_block in zip(blocks, parsed)]


def _marked(block: SetBlock, marked: str) -> SetBlock:
    spans, printed, end = [], [], 0
    for match in MARKED.finditer(marked):
        printed.append(marked[end:match.start()])
        start = len("".join(printed))
        printed.append(match.group(2))
        spans.append((start, start + len(match.group(2)), int(match.group(1))))
        end = match.end()
    printed.append(marked[end:])
    if "".join(printed) != "".join(line.text for line in block.lines):
        raise SentenceError(f"the marked block {''.join(printed)[:20]}… is not the block printed")
    lines, offset = [], 0
    for line in block.lines:
        length = len(line.text)
        lines.append(replace(line, marks=tuple((max(start, offset) - offset, min(stop, offset + length) - offset, n)
                                               for start, stop, n in spans if start < offset + length and stop > offset)))
        offset += length
    return replace(block, lines=tuple(lines))


def status(explanation: Explanation) -> tuple[str, str | None]:
    """GAP for a figure without a value, INCOMPLETE for one computed from a ledger of the year with rows rejected or
    without a submission, COMPLETE otherwise; and what the panel says of it (Chinese): why it is a gap or incomplete."""
    figure, year = explanation.figure, explanation.run.year
    this_year = [s for s in explanation.sources if s.year == year]
    missing = [explanation.contracts[d] for d in figure["datasets"] if d not in {s.dataset for s in this_year}]
    reasons = [f"{s.file}有 {s.rows_rejected} 行未入库" for s in this_year if s.rows_rejected] + \
        [f"《{c.title}》（{c.department}）未报送" for c in missing]
    if figure["value"] is None:
        return GAP, "待补：" + ("；".join(reasons) or "本年度无数据") + "，本稿此处暂缺数字"
    if reasons:
        return INCOMPLETE, "数据不完整：" + "；".join(reasons)
    return COMPLETE, None


def entry(explanation: Explanation, catalogue: Catalogue, workbook: str | None) -> dict[str, Any]:
    """What the panel shows of a figure: its explanation's lines, its SQL, the link to its rows' workbook, or why
    there is none beside the review (more rows than ROWS_LIMIT: the command that writes them)."""
    run, figure = explanation.run, explanation.figure
    count = sum(rows.count for rows in explanation.rows)
    note = None
    if workbook is None and count:
        note = (f"明细共 {count} 行，多于审核稿随附的 {ROWS_LIMIT} 行，请用命令导出：annual-report explain "
                f"{figure['metric_id']} --year {run.year} --region {run.region} --run {run.run_id} --rows 明细.xlsx")
    state, warning = status(explanation)
    return {"status": state, "warning": warning, "lines": text(explanation, catalogue, with_sql=False),
            "sql": explanation.sql, "rows": workbook, "count": count, "note": note}


def write_rows_workbooks(explanations: dict[str, Explanation], folder: Path) -> dict[str, Path]:
    """Each figure's rows' workbook (`explain.write_rows`) in folder, replaced whole: a figure without rows, or with
    more than were read (ROWS_LIMIT), has none; the workbooks by metric."""
    building = folder.with_name(f".{folder.name}.partial")  # hidden, as a file being written is (files.py)
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    written = {metric_id: write_rows(explanation, building / f"{metric_id}.xlsx")
               for metric_id, explanation in explanations.items()
               if all(rows.complete for rows in explanation.rows) and any(rows.rows for rows in explanation.rows)}
    old = folder.with_name(f".{folder.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    building.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
    return {metric_id: folder / path.name for metric_id, path in written.items()}


def review(rendered: Rendered, marked: str, outputs: list[Marked], explanations: dict[str, Explanation],
           catalogue: Catalogue, workbooks: dict[str, Path], page: Path) -> str:
    """The review preview of a rendered report, whose narrative `marked_narrative` marked (marked, outputs), with
    the explanations of the figures it prints and their rows' workbooks, linked relative to the page's path."""
    entries = {metric_id: entry(explanation, catalogue,
                                 workbooks[metric_id].relative_to(page.parent).as_posix()
                                 if metric_id in workbooks else None)
               for metric_id, explanation in explanations.items()}
    templates = rendered.templates
    data = Review(marks=[output.metric_id for output in outputs],
                  gaps={number for number, output in enumerate(outputs) if output.gap},
                  statuses={metric_id: entry["status"] for metric_id, entry in entries.items()},
                  explanations=json.dumps(entries, ensure_ascii=False).replace("</", "<\\/"),
                  css=(templates / STYLESHEET).read_text(encoding="utf-8"),
                  script=(templates / SCRIPT).read_text(encoding="utf-8"))
    return rendered.preview({"blocks": marked_blocks(rendered.context["blocks"], marked), "review": data})
