"""Writing outputs so that a crash leaves either the previous complete file or the new complete one.

A file is written under a temporary name beside it (`.<pid>@<host>.<random>.partial`), synced, and renamed
over the target in one step. A process killed while writing leaves its partial file behind; the next
write into the same folder removes the partial files of processes of this machine that no longer run.

Every spreadsheet the project writes has its text cells neutralised: a cell starting with = + - @ (or a
tab or carriage return) would run as a formula when a department opens the file in Excel or WPS (a plain
number, -3 or -0.25, is a number to them, and stays one).
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl
    from openpyxl.worksheet.worksheet import Worksheet


PARTIAL = ".partial"
HOST = socket.gethostname()
PARTIAL_NAME = re.compile(r"\.(\d+)@(.*)\.[0-9a-f]{8}\.partial")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
WIDE = re.compile("[\u2e80-\U0010ffff]")  # the characters a spreadsheet column gives two widths (CJK)
XLSX_WIDTH = 80  # a spreadsheet column's widest, in Excel's character widths (40 Chinese characters)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but another user's
        return True
    return True


def sweep_partials(folder: Path) -> None:
    """Remove the partial files that processes of this machine left in folder when they died."""
    for partial in folder.glob(f".*{PARTIAL}"):
        name = PARTIAL_NAME.fullmatch(partial.name)
        if name and name.group(2) == HOST and not _running(int(name.group(1))):
            partial.unlink(missing_ok=True)


def _sync(path: Path) -> None:
    """Flush a file's, or a folder's, contents to the disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def cannot_write(path: Path, error: OSError) -> OSError:
    """The error, saying which output could not be written (the partial file's name means nothing to a reader)."""
    reason = error.strerror or str(error)
    if error.errno is None:
        return OSError(f"cannot write {path}: {reason}")
    return OSError(error.errno, f"cannot write {path}: {reason}")


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to write to; once written and synced, it replaces `path` in one step.

    A failure (a full disk, a folder that cannot be written) leaves `path` as it was and is raised naming it.
    """
    partial = path.with_name(f".{os.getpid()}@{HOST}.{uuid.uuid4().hex[:8]}{PARTIAL}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        sweep_partials(path.parent)
        yield partial
        _sync(partial)
        os.replace(partial, path)
        _sync(path.parent)  # the rename itself survives a power cut
    except OSError as error:
        raise cannot_write(path, error) from error
    finally:
        with suppress(OSError):  # a folder that could not be made holds no partial file
            partial.unlink(missing_ok=True)


def write_text(path: Path, text: str) -> bool:
    """`path.write_text`, atomically; a file that already holds exactly this text is left as it is (a look that
    changes nothing rewrites no receipt). Whether it was written."""
    with suppress(OSError, UnicodeDecodeError):
        if path.read_text(encoding="utf-8") == text:
            return False
    with replacing(path) as partial:
        partial.write_text(text, encoding="utf-8")
    return True


def neutralise(value: str) -> str:
    """A cell that a spreadsheet program would run as a formula, made plain text."""
    return "'" + value if value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value) else value


def _width(value: object) -> int:
    """A cell's width in Excel's character widths: a CJK character takes two."""
    text = str(value)
    return len(text) if text.isascii() else len(text) + len(WIDE.findall(text))


def write_xlsx(path: Path, sheets: Sequence[tuple[str, list[str], list[list[object]]]],
               style: Callable[[Worksheet], None] | None = None) -> Path:
    """A workbook, atomically: a sheet per (title, header row, rows), its text cells neutralised, `style` (number
    formats, say) applied to each, then the header row bold and frozen and the columns as wide as their contents
    (at most XLSX_WIDTH; longer text, a sentence, wraps), each line of a cell on a line of its own."""
    from openpyxl import Workbook  # only the spreadsheets need it
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append(header)
        for row in rows:
            sheet.append([neutralise(cell) if isinstance(cell, str) else cell for cell in row])
        if style is not None:
            style(sheet)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        widest = [0] * len(header)
        for number, row in enumerate([header, *rows], start=1):  # measured as given: a figure's rows are thousands
            for index, value in enumerate(row):
                text = "" if value is None else str(value)
                width = max(map(_width, text.split("\n"))) if "\n" in text else _width(text)
                widest[index] = max(widest[index], width)
                if isinstance(value, str) and (width > XLSX_WIDTH or "\n" in text):
                    sheet.cell(number, index + 1).alignment = Alignment(wrap_text=True, vertical="top")
        for index, width in enumerate(widest, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = min(width, XLSX_WIDTH) + 2
        sheet.freeze_panes = "A2"
    with replacing(path) as partial:
        workbook.save(partial)
    return path


def write_csv(frame: pl.DataFrame, path: Path) -> Path:
    """The frame as a CSV file, atomically, its text cells neutralised; UTF-8 with a BOM, without which Excel on a
    Chinese Windows machine reads it in the local code page (mojibake)."""
    import polars as pl  # only the report's outputs need it

    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    safe = frame.with_columns(
        pl.Series(name, [None if cell is None else neutralise(cell) for cell in frame[name]], dtype=pl.String)
        for name in text_columns
    )
    with replacing(path) as partial:
        safe.write_csv(partial, include_bom=True)
    return path
