"""Receipts (回执): what became of each submission, for the department that sent it, in Chinese."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import jinja2

from annual_report.files import write_text
from annual_report.intake.contracts import Contract
from annual_report.intake.submission import SubmissionResult
from annual_report.warehouse.cross_checks import CheckWarning

NAME_MAX = 255  # bytes in a file name, on every file system the outputs may live on
# what became of a file (`state`), for the department; a partly taken file says how many of its rows count
STATUS_WORDS = {"loaded": "已入库，数据计入报告", "unchanged": "与已入库的版本相同，数据计入报告",
                "partial": "部分入库：有问题的 {rejected} 行未入库，其余 {loaded} 行计入报告",
                "unchanged_partial": "与已报送的版本相同，部分入库：有问题的 {rejected} 行未入库，其余 {loaded} 行计入报告",
                "failed": "未入库，数据不计入报告", "held": "未采用，数据不计入报告",
                "withdrawn": "已撤回，数据不再计入报告", "superseded": "已被新版本取代，数据不再计入报告"}
# what would become of it: a self-check (`annual-report validate`) takes nothing
DRY_RUN_WORDS = {"loaded": "将入库，数据将计入报告",
                 "partial": "将部分入库：有问题的 {rejected} 行不会入库，其余 {loaded} 行将计入报告",
                 "failed": "将不入库，数据不会计入报告"}
# what to do next, on a receipt that asks for something to be corrected (none on a clean one)
CORRECT_ROWS = ("请改正以上各行，把改正后的整个文件重新放入原来的报送文件夹，替换原文件（不要只报送改正的几行）。"
                "重新报送后会收到新的回执。")
CORRECT_FILE = "请按以上原因处理后，重新报送整个文件。重新报送后会收到新的回执。"  # (the reason may name another folder)


def partly_taken(result: SubmissionResult) -> bool:
    """Whether the file counts without some of its rows (rows rejected, the rest taken)."""
    return result.status in ("loaded", "unchanged") and result.rows_rejected > 0


def state(result: SubmissionResult) -> str:
    """What became of the file, as STATUS_WORDS keys it: its status, or partial (partly taken)."""
    if partly_taken(result):
        return "partial" if result.status == "loaded" else "unchanged_partial"
    return result.status


def outcome(result: SubmissionResult, dry_run: bool = False) -> str:
    """What became of the file (dry run: what would) and whether its data count, in a sentence for the department."""
    words = (DRY_RUN_WORDS if dry_run else STATUS_WORDS)[state(result)]
    return words.format(rejected=result.rows_rejected, loaded=result.rows_loaded)


def next_step(result: SubmissionResult) -> str | None:
    """What the department should do now, when there is something to correct."""
    if result.status in ("held", "withdrawn", "superseded"):
        return None  # the receipt's reason says it (keep one file; nothing to correct)
    if result.rejections:
        return CORRECT_ROWS
    return CORRECT_FILE if result.status == "failed" else None


def _title(result: SubmissionResult, contracts: dict[str, Contract]) -> str:
    contract = contracts.get(result.dataset or "")
    return contract.title if contract else "未能识别"


def receipt_text(result: SubmissionResult, contracts: dict[str, Contract], checks: list[CheckWarning],
                 dry_run: bool = False) -> str:
    """The receipt as plain text, for the terminal; a dry run (a self-check) says what would become of the file."""
    taken = "可入库" if dry_run else "入库"
    lines = [
        f"文件：{result.file}",
        f"识别为：{_title(result, contracts)}",
        (f"处理结果：{outcome(result, dry_run)}（读取 {result.rows_read} 行，{taken} {result.rows_loaded} 行，"
         f"有问题 {result.rows_rejected} 行）"),
    ]
    if result.problem:
        lines.append(f"原因：{result.problem}")
    lines += [f"第{x.row}行“{x.column}”：{x.value if x.value is not None else '（空）'}，{x.reason}"
              for x in result.rejections]
    lines += [f"提示：{w}" for w in result.warnings]
    lines += [f"审核：{c.message}" for c in checks]
    return "\n".join(lines)


def receipt_path(result: SubmissionResult, folder: Path) -> Path:
    """folder/<department>/<file name>.html, inside folder whatever the names hold (a department that is not
    a plain folder name goes to folder/_/). A name too long for the file system once `.html` is added is
    shortened, and kept apart from other shortened names by a digest of the whole path."""
    department = result.department
    if department in ("", ".", "..") or "/" in department or "\0" in department:
        department = "_"
    name = "／".join(Path(result.file).parts[2:] or [Path(result.file).name]) + ".html"  # a subfolder's file apart
    if len(name.encode()) > NAME_MAX:
        digest = hashlib.sha256(result.file.encode()).hexdigest()[:8]
        stem = name.encode()[: NAME_MAX - 32].decode("utf-8", "ignore")
        name = f"{stem}…{digest}.html"
    return folder / department / name


@functools.cache
def _template(templates: Path) -> jinja2.Template:
    """The receipt's template, compiled once per process."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(templates), autoescape=True)
    return environment.get_template("receipt/receipt.html.j2")


def write_receipt(result: SubmissionResult, contracts: dict[str, Contract], checks: list[CheckWarning],
                  folder: Path, templates: Path) -> bool:
    """The receipt as HTML under folder/<department>/<file name>.html (`receipt_path`); whether it was written (a
    receipt already saying exactly this is left as it is)."""
    html = _template(templates).render(
        r=result, title=_title(result, contracts), state=state(result), status=outcome(result), checks=checks,
        next_step=next_step(result),
        received=result.received_at.strftime("%Y-%m-%d %H:%M:%S") if result.received_at else "—",
    )
    return write_text(receipt_path(result, folder), html)
