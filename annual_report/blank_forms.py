"""Blank forms a department downloads: the contract's headers and one example row, as CSV and XLSX."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook

from annual_report.contracts import Contract
from annual_report.files import neutralise, replacing


def write_blank_forms(contract: Contract, folder: Path) -> tuple[Path, Path]:
    """`<title>.csv` (UTF-8 with BOM, so Excel opens it) and `<title>.xlsx` in folder, every cell plain text."""
    header = [neutralise(c.header) for c in contract.columns]
    example = [neutralise(c.example) for c in contract.columns]
    csv_path = folder / f"{contract.title}.csv"
    with replacing(csv_path) as partial, partial.open("w", encoding="utf-8-sig", newline="") as stream:
        csv.writer(stream).writerows([header, example])
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = contract.title[:31]  # Excel's limit on sheet names
    sheet.append(header)
    sheet.append(example)
    for cell, column in zip(sheet[1], contract.columns):
        sheet.column_dimensions[cell.column_letter].width = max(12, 2 * len(column.header) + 2)
    xlsx_path = folder / f"{contract.title}.xlsx"
    with replacing(xlsx_path) as partial:
        workbook.save(partial)
    return csv_path, xlsx_path
