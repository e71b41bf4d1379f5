"""The figures table for sign-off (数据审核表): every figure the report prints, where, in its sentence, with its value and
the files it was computed from, and a blank column for the checker's initials (审核人), as an Excel workbook.

A row each time the narrative prints a figure (a count and its change against the prior year are two rows), in the
order it prints them, then the attachment's table and its charts. The sentences are the narrative's own: it is
filled a second time with each filter's output marked, which, the marks taken out, must be the narrative as printed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from annual_report.files import write_xlsx
from annual_report.intake.contracts import Contract
from annual_report.report.figures import (
    GAP_OPENS,
    NO_VALUE,
    Figure,
    Figures,
    Formatter,
    Gap,
)
from annual_report.report.metrics_table import MetricLine
from annual_report.report.render import filled_narrative
from annual_report.report.spec import ReportSpec
from annual_report.warehouse.provenance import Source

HEADERS = ["序号", "印于", "所在句子", "所印文字", "指标", "指标编号", "报告所印数值", "数据来源", "审核人"]
SHEET_TITLE = "数据审核表"
OPEN, SPLIT, CLOSE = "\x01", "\x02", "\x03"  # around a marked filter's output: OPEN index SPLIT text CLOSE
MARKED = re.compile(f"{OPEN}(\\d+){SPLIT}(.*?){CLOSE}", re.DOTALL)
SENTENCE = re.compile(r"[^。！？\n]*(?:[。！？]|$)")  # a sentence ends at 。！？ or at the end of its line


@dataclass(frozen=True)
class PrintedFigure:
    """One place the report prints a figure."""

    place: str         # 正文, or the attachment's table or chart
    sentence: str
    text: str          # what is printed there (上升43.9%, 3501件)
    metric_id: str


class SentenceError(RuntimeError):
    """The narrative filled with marks is not the narrative as printed (a filter's output used other than printed)."""


@dataclass(frozen=True)
class Marked:
    """A filter's output in the narrative: the metric it prints, its text, and whether that is a draft's gap."""

    metric_id: str
    text: str
    gap: bool


def marked_narrative(spec: ReportSpec, metrics: pl.DataFrame, contracts: dict[str, Contract], year: int,
                     draft: bool, printed: str) -> tuple[str, list[Marked]]:
    """The narrative filled again with each filter's output that prints a figure (or a draft's gap for one) marked
    with its index in the list returned: OPEN index SPLIT text CLOSE. Its marks taken out (`unmarked`), it is
    `printed`, the narrative as the report filled it, or a SentenceError."""
    outputs: list[Marked] = []
    filters = {name: _marking(filter_, outputs) if name != "cn_date" else filter_
               for name, filter_ in Formatter(spec.rounding).filters(draft).items()}
    marked = filled_narrative(spec, Figures(metrics, contracts, year, draft), filters, year)
    if unmarked(marked) != printed:
        raise SentenceError(f"{spec.path}: the narrative filled with marks is not the narrative as printed")
    return marked, outputs


def unmarked(text: str) -> str:
    """Marked text as printed."""
    return MARKED.sub(lambda match: match.group(2), text)


def narrative_figures(spec: ReportSpec, metrics: pl.DataFrame, contracts: dict[str, Contract], year: int,
                      draft: bool, printed: str) -> list[PrintedFigure]:
    """Each figure the narrative prints (a draft's gaps among them), in order, with its sentence; `printed` is the
    narrative as the report filled it."""
    marked, outputs = marked_narrative(spec, metrics, contracts, year, draft, printed)
    figures = []
    for match in SENTENCE.finditer(marked):
        sentence = unmarked(match.group()).lstrip("# ").strip()
        figures += [PrintedFigure("正文", sentence, text, outputs[int(index)].metric_id)
                    for index, text in MARKED.findall(match.group())]
    return figures


def _marking(filter_: Callable[..., str], outputs: list[Marked]) -> Callable[..., str]:
    """A filter whose output, when it prints a figure or a gap for one, is marked with its index in outputs."""
    def marked(*arguments: Any, **keywords: Any) -> str:
        text = filter_(*arguments, **keywords)
        figure = next((a for a in (*arguments, *keywords.values()) if isinstance(a, Figure | Gap)), None)
        if figure is None or figure.metric_id is None:
            return text
        outputs.append(Marked(figure.metric_id, text, GAP_OPENS in text))
        return f"{OPEN}{len(outputs) - 1}{SPLIT}{text}{CLOSE}"

    return marked


def attachment_figures(spec: ReportSpec, lines: list[MetricLine]) -> list[PrintedFigure]:
    """The attachment's table rows, then each chart's bars, as printed."""
    if not spec.attachment:
        return []
    by_id = {line.metric_id: line for line in lines}
    table = [PrintedFigure("附件表格", spec.attachment.title, _value(by_id[m]), m)
             for m in spec.attachment.metrics if m in by_id]
    charts = [PrintedFigure("附件图表", chart.title, _value(line), line.metric_id)
              for chart in spec.attachment.charts for line in lines if line.metric_id.startswith(f"{chart.series}.")]
    return table + charts


def _value(line: MetricLine) -> str:
    return line.printed if line.printed == NO_VALUE else f"{line.printed}{line.unit}"


def _sources(sources: list[Source]) -> str:
    """The files a figure was computed from, a line each: file, when received, the start of its fingerprint."""
    return "\n".join(f"{s.file}（{s.received_at:%Y-%m-%d %H:%M} 接收，指纹 {s.sha256[:8]}）" for s in sources)


def write_figures_table(figures: list[PrintedFigure], lines: list[MetricLine], sources: dict[str, list[Source]],
                        path: Path) -> Path:
    """The figures table as an Excel workbook (files.write_xlsx), 审核人 left blank for the checker."""
    by_id = {line.metric_id: line for line in lines}
    rows = [[number, figure.place, figure.sentence, figure.text, by_id[figure.metric_id].label, figure.metric_id,
             _value(by_id[figure.metric_id]), _sources(sources.get(figure.metric_id, [])), None]
            for number, figure in enumerate(figures, start=1)]
    return write_xlsx(path, [(SHEET_TITLE, HEADERS, rows)])
