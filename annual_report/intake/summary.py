"""What became of each file, in the few lines the person running the pipeline reads: `annual-report run` prints
them, and the flows log them (with the ledger and the receipt) and publish them as the run's artifacts."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from annual_report.intake.receipts import state
from annual_report.intake.submission import SubmissionResult

SHOWN_REJECTIONS = 5
# what became of a file, in a word or two (`outcome_word`)
SHORT_STATUS = {"loaded": "已入库", "partial": "部分入库", "unchanged": "未变化", "failed": "未入库", "skipped": "待处理",
                "ignored": "未处理", "held": "未采用", "withdrawn": "已撤回", "superseded": "已取代"}
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # C0, DEL and C1: what a terminal may take as a command


def shown(text: object) -> str:
    """Text that came from a submission (a file name, a cell, a problem quoting them), safe to print: a control
    character (an escape sequence, a carriage return) is written out as repr writes it (\\x1b, \\r), so it
    cannot rewrite the terminal of the person reading."""
    return CONTROL.sub(lambda match: repr(match.group())[1:-1], str(text))


def outcome_word(result: SubmissionResult) -> str:
    """已入库, 部分入库 (taken without some rows), 未变化, 未入库 …"""
    return SHORT_STATUS["partial" if state(result) == "partial" else result.status]


def rows(result: SubmissionResult) -> str:
    """Rows taken of rows read (8/8 行), nothing for a file with no rows read."""
    return f"{result.rows_loaded}/{result.rows_read} 行" if result.rows_read else ""


def details(result: SubmissionResult) -> list[str]:
    """The problem, the hints and the first rejected rows of a file, a line each."""
    lines = [shown(result.problem)] if result.problem else []
    lines += [f"提示：{shown(warning)}" for warning in result.warnings]
    lines += [f"第{x.row}行“{x.column}”：{shown(x.value or '（空）')}，{x.reason}"
              for x in result.rejections[:SHOWN_REJECTIONS]]
    if result.problems > SHOWN_REJECTIONS:
        lines.append(f"…… 另有 {result.problems - SHOWN_REJECTIONS} 处问题，详见回执")
    return lines


def submission_lines(result: SubmissionResult, ledger: str | None = None, receipt: Path | None = None) -> list[str]:
    """`已入库  2021/司法局/行政复议案件台账.csv  8/8 行` (then the ledger and the receipt, when given), and its
    details indented below it."""
    head = "  ".join(part for part in (outcome_word(result), shown(result.file), rows(result),
                                       ledger and f"台账：{ledger}", receipt and f"回执：{receipt}") if part)
    return [head, *(f"      {line}" for line in details(result))]


def table_row(result: SubmissionResult, ledger: str) -> dict[str, str]:
    """A file as a row of a run's table of submissions (its problems, if any, listed below the table)."""
    return {"部门": result.department or "—", "台账": ledger, "文件": shown(result.file), "结果": outcome_word(result),
            "行数": rows(result) or "—", "问题": "见下" if details(result) else "—"}


def look_summary(results: list[SubmissionResult]) -> str:
    """What a look at the folders changed, in a few words: 2 个文件已入库，1 个未入库 (无变化 when nothing)."""
    words = list(SHORT_STATUS.values())
    counts = Counter(outcome_word(result) for result in results)
    parts = [f"{counts[word]} 个{word}" for word in sorted(counts, key=words.index)]
    return "，".join([parts[0].replace(" 个", " 个文件", 1), *parts[1:]]) if parts else "无变化"
