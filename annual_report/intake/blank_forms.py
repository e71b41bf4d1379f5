"""Ledgers as departments write them: blank forms a department downloads (the contract's headers and one example
row, as CSV and XLSX), and `write_ledger`, the one writer of a ledger's CSV (the sample, the examples, the bench).

A blank form is never written into the submissions folder, where it would be received as a submission (and,
named as it is, take the place of the department's ledger), nor over a file already there."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook

from annual_report.files import neutralise, replacing
from annual_report.intake.contracts import Contract


class BlankFormRefused(ValueError):
    """Nothing was written; the message, in Chinese, says why and what to do instead."""


def blank_form_paths(contract: Contract, folder: Path) -> tuple[Path, Path]:
    """`<title>.csv` and `<title>.xlsx` in folder."""
    return folder / f"{contract.title}.csv", folder / f"{contract.title}.xlsx"


def _inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or path.is_relative_to(folder)


def check_blank_forms(contract: Contract, folder: Path, inputs: Path | None = None) -> None:
    """BlankFormRefused if the forms may not be written to folder: it lies in the submissions folder `inputs`,
    or a file of the pair is there already (the pair is checked before either is written)."""
    if inputs is not None and _inside(folder, inputs):
        elsewhere = Path.cwd() if not _inside(Path.cwd(), inputs) else inputs.resolve().parent
        raise BlankFormRefused(
            f"不能把空白模板保存到 {folder}：这里在报送文件夹 {inputs} 之内，放在其中的文件都会被当作单位的报送接收，"
            f"空白模板会被当成一份报送（还会替换同名的已报送台账）。请保存到报送文件夹以外的地方，例如 --dir {elsewhere}；"
            f"填好后再放入 {inputs}/年度/单位名称/ 报送")
    taken = [path for path in blank_form_paths(contract, folder) if os.path.lexists(path)]
    if taken:
        raise BlankFormRefused(
            f"{'、'.join(str(path) for path in taken)} 已存在，未写入任何文件（以免覆盖已有内容）："
            "请先移走或改名，或用 --dir 保存到其他文件夹")


def write_blank_forms(contract: Contract, folder: Path, inputs: Path | None = None) -> tuple[Path, Path]:
    """`<title>.csv` (UTF-8 with BOM, so Excel opens it) and `<title>.xlsx` in folder, every cell plain text;
    BlankFormRefused, with nothing written, where check_blank_forms refuses."""
    check_blank_forms(contract, folder, inputs)
    csv_path, xlsx_path = blank_form_paths(contract, folder)
    header = [neutralise(c.header) for c in contract.columns]
    example = [neutralise(c.example) for c in contract.columns]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = contract.title[:31]  # Excel's limit on sheet names
    sheet.append(header)
    sheet.append(example)
    for cell, column in zip(sheet[1], contract.columns):
        sheet.column_dimensions[cell.column_letter].width = max(12, 2 * len(column.header) + 2)
    write_ledger(csv_path, contract, [example], header=header)
    with replacing(xlsx_path) as partial:
        workbook.save(partial)
    return csv_path, xlsx_path


def write_ledger(path: Path, contract: Contract, rows: Iterable[Sequence[object]],
                 header: Sequence[str] | None = None, line_ending: str = "\r\n",
                 columns: Sequence[str] | None = None) -> Path:
    """A ledger as a department's CSV, atomically: UTF-8 with a BOM and CR LF line endings (Excel's "CSV UTF-8"),
    the header row of the contract's columns (or the one given), then each row's cells in that order (None an
    empty cell). `columns` names the contract's columns the ledger keeps, by default all of them (a department
    need not keep the optional ones). A cell holding a line break is quoted whatever the line ending."""
    path.parent.mkdir(parents=True, exist_ok=True)
    kept = [contract.column(name) for name in columns] if columns else contract.columns
    with replacing(path) as partial, partial.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream, lineterminator=line_ending)
        writer.writerow(header or [column.header for column in kept])
        writer.writerows(["" if cell is None else cell for cell in row] for row in rows)
    return path
