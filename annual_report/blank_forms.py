"""Blank forms a department downloads: the contract's headers and one example row, as CSV and XLSX."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook

from annual_report.contracts import Contract

FORMULA_STARTS = ("=", "+", "-", "@")


def neutralise(value: str) -> str:
    """A cell that a spreadsheet program would run as a formula, made plain text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def write_blank_forms(contract: Contract, folder: Path) -> tuple[Path, Path]:
    """`<title>.csv` (UTF-8 with BOM, so Excel opens it) and `<title>.xlsx` in folder."""
    folder.mkdir(parents=True, exist_ok=True)
    header = [c.header for c in contract.columns]
    example = [neutralise(c.example) for c in contract.columns]
    csv_path = folder / f"{contract.title}.csv"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as stream:
        csv.writer(stream).writerows([header, example])
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = contract.title[:31]  # Excel's limit on sheet names
    sheet.append(header)
    sheet.append(example)
    for cell, column in zip(sheet[1], contract.columns):
        sheet.column_dimensions[cell.column_letter].width = max(12, 2 * len(column.header) + 2)
    xlsx_path = folder / f"{contract.title}.xlsx"
    workbook.save(xlsx_path)
    return csv_path, xlsx_path
