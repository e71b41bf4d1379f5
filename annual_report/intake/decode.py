"""Turn what a department sends into a UTF-8 CSV file the warehouse can read.

DuckDB's CSV reader only reads UTF-8 (and UTF-16/Latin-1), so the project decodes:
UTF-8 (with or without BOM) is read in place; UTF-16 with BOM and GB18030 (which covers GBK
and GB2312, what Excel and WPS write on a Chinese Windows machine) are transcoded by streaming;
an .xlsx workbook's sheet is written out as CSV, Excel dates as ISO dates: the visible sheet named like a
ledger, else the first visible sheet (a hidden sheet is what the department does not see it sends).

Whatever a file holds, this takes bounded memory and time: the header is looked for in the first
megabyte, a workbook that unpacks to more than a gigabyte is refused before it is opened, and a sheet
may not reach past Excel's last row or MAX_COLUMNS columns (a tiny workbook can name a far cell).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # openpyxl itself is imported when a workbook is read
    from openpyxl import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

CHUNK = 1 << 20
HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common in department sheets
HEAD_BYTES = 1 << 20     # the header is looked for in the first megabyte, whatever the line lengths
MAX_XLSX_UNPACKED = 1 << 30  # a workbook that unpacks to more than this is refused (zip bomb)
MAX_COLUMNS = 1024           # cells in a row; no ledger comes near, and each column costs the loader
EXCEL_ROWS = 1_048_576       # Excel's last row
MAX_LINE_BYTES = 2_000_000   # DuckDB's longest CSV line
SUBMISSION_CSV = "submission.csv"  # the name the CSV reader sees, whatever the file was called
BLANK_LINE = re.compile(rb"\n(?=\r?\n)")  # the end of a line that an empty line follows
HIDDEN = ("hidden", "veryHidden")  # a sheet's states other than visible
SHOWN_SHEETS = 5                   # hidden sheets named in a note, at most
SHEET_NAME_MAX = 31                # Excel's longest sheet name; a crafted workbook's may be longer


class DecodeError(ValueError):
    """The file cannot be read as a table; the message is for the department."""


def _decodes_as(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path) -> str:
    """The encoding of a submitted text file, or DecodeError with a message for the department."""
    with path.open("rb") as stream:
        start = stream.read(CHUNK)
    if not start:
        raise DecodeError("文件是空的（0 字节）：请确认保存成功后重新报送")
    if start.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in start:
        raise DecodeError("不是文本格式的 CSV 文件（含有二进制内容）：请在 Excel 或 WPS 中“另存为”CSV 或 .xlsx 后重新报送")
    for encoding in ("utf-8", "gb18030"):
        if _decodes_as(path, encoding):
            return encoding
    raise DecodeError("无法识别文件编码：请在 Excel 或 WPS 中“另存为”CSV UTF-8（逗号分隔）格式后重新报送")


def _transcode(path: Path, encoding: str, target: Path) -> Path:
    try:
        with path.open("r", encoding=encoding, newline="") as source, \
                target.open("w", encoding="utf-8", newline="") as sink:
            while text := source.read(CHUNK):
                sink.write(text)
    except UnicodeDecodeError:  # a UTF-16 mark on a file that is not UTF-16 all through
        raise DecodeError("无法识别文件编码：请在 Excel 或 WPS 中“另存为”CSV UTF-8（逗号分隔）格式后重新报送") from None
    return target


def _cell(value: object) -> str:
    """A spreadsheet cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_unpacked_size(path: Path) -> None:
    """Refuse a workbook that unpacks to more than MAX_XLSX_UNPACKED (the sizes it declares bound what
    Python's zipfile will unpack, so a lying entry cannot unpack more)."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        return  # not a sound zip: opening it says so
    if unpacked > MAX_XLSX_UNPACKED:
        raise DecodeError(f"Excel 文件解压后有 {unpacked >> 20} MB，超过 {MAX_XLSX_UNPACKED >> 20} MB 的上限："
                          "请删除多余的工作表或另存为 CSV 后重新报送")


def _sheet_rows(rows: Iterable[tuple[object, ...]]) -> Iterator[list[str]]:
    """A sheet's rows as CSV cells, trailing empty cells dropped; a row past Excel's last row or a cell past
    MAX_COLUMNS (which only a crafted workbook has) stops it."""
    for number, row in enumerate(rows, start=1):
        if number > EXCEL_ROWS:
            raise DecodeError(f"工作表超过 Excel 的最大行数 {EXCEL_ROWS}：请确认文件未损坏，另存为 .xlsx 后重新报送")
        if len(row) > MAX_COLUMNS and row[MAX_COLUMNS:].count(None) < len(row) - MAX_COLUMNS:
            raise DecodeError(f"第{number}行的单元格超过 {MAX_COLUMNS} 列：请删除表格右侧多余的内容后重新报送")
        cells = [_cell(value) for value in row[:MAX_COLUMNS]]
        while len(cells) > 1 and not cells[-1]:
            cells.pop()
        yield cells or [""]  # an empty row as one empty cell: the CSV reader skips an empty line


def _unreadable(error: Exception) -> DecodeError:
    """What the department is told of a workbook the parser could not read."""
    return DecodeError(f"无法打开 Excel 文件（{type(error).__name__}）：请确认文件未损坏，另存为 .xlsx 后重新报送")


def _sheet_name(name: str) -> str:
    return f"“{name[:SHEET_NAME_MAX]}{'…' if len(name) > SHEET_NAME_MAX else ''}”"


def _choose_sheet(workbook: Workbook, sheet_names: tuple[str, ...]) -> tuple[ReadOnlyWorksheet, str | None]:
    """The worksheet to read, and a note saying which it is when that is not plain: it is not the workbook's
    first sheet, or a hidden sheet was passed over for it.

    The visible worksheet named like a ledger (the first of sheet_names that one is named), else the first
    visible worksheet; a hidden one is read only if every worksheet is hidden (Excel keeps one visible; a
    crafted workbook need not). IndexError for a workbook without a worksheet."""
    worksheets = workbook.worksheets  # not chartsheets
    if not worksheets:
        raise IndexError("no worksheet")
    candidates = [s for s in worksheets if s.sheet_state not in HIDDEN] or worksheets
    by_name = {s.title: s for s in reversed(candidates)}  # a name given twice (a crafted workbook): the first
    sheet = next((by_name[name] for name in sheet_names if name in by_name), candidates[0])
    chosen = worksheets.index(sheet)
    passed = [s.title for i, s in enumerate(worksheets)
              if s is not sheet and s.sheet_state in HIDDEN and (i < chosen or s.title in sheet_names)]
    if workbook.sheetnames[0] == sheet.title and not passed:
        return sheet, None
    place = workbook.sheetnames.index(sheet.title) + 1
    note = f"读取的是第{place}个工作表{_sheet_name(sheet.title)}"
    if passed:
        more = f"等 {len(passed)} 个" if len(passed) > SHOWN_SHEETS else ""
        note += f"，未读取隐藏的工作表{'、'.join(map(_sheet_name, passed[:SHOWN_SHEETS]))}{more}"
    if sheet.title not in sheet_names:  # taken for its place, not its name: it may not be the ledger
        note += "：如果台账不在这个工作表中，请把台账放在第一个工作表并取消隐藏后重新报送"
    return sheet, note


@contextmanager
def _sheet(path: Path, sheet_names: tuple[str, ...]) -> Iterator[tuple[Iterator[tuple[object, ...]], str | None]]:
    """The rows of the workbook's sheet that _choose_sheet chooses, and its note. A damaged or crafted
    workbook can make the parser raise almost any error: each is said to the department as one problem."""
    from openpyxl import load_workbook

    with path.open("rb") as stream:  # opened here: openpyxl refuses a path whose name does not end in .xlsx
        try:
            workbook = load_workbook(stream, read_only=True, data_only=True)
        except Exception as error:  # a hostile file must not stop the run
            raise _unreadable(error) from None
        try:
            sheet, note = _choose_sheet(workbook, sheet_names)
            sheet.reset_dimensions()  # the size a sheet declares is not to be trusted: rows end where cells do
        except (IndexError, KeyError, AttributeError) as error:  # no worksheet, or not a worksheet
            workbook.close()
            raise _unreadable(error) from None
        try:
            yield _guarded(sheet.iter_rows(values_only=True)), note
        finally:
            workbook.close()


def _guarded(rows: Iterator[tuple[object, ...]]) -> Iterator[tuple[object, ...]]:
    """The rows as the parser reads them, any error it raises on the way a DecodeError."""
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as error:  # a hostile file must not stop the run
            raise _unreadable(error) from None
        yield row


def _xlsx_to_csv(path: Path, sheet_names: tuple[str, ...], target: Path) -> str | None:
    """The workbook's sheet that _choose_sheet chooses, as a UTF-8 CSV; its note."""
    _check_unpacked_size(path)
    with _sheet(path, sheet_names) as (rows, note), target.open("w", encoding="utf-8", newline="") as sink:
        csv.writer(sink).writerows(_sheet_rows(rows))
    return note


def _scan(path: Path) -> tuple[int, bool]:
    """The number of double quotes in a CSV file and whether it has an empty line, in one pass."""
    quotes, blank_line, last = 0, False, b""
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            quotes += chunk.count(b'"')
            blank_line = blank_line or bool(BLANK_LINE.search(chunk) or BLANK_LINE.search(last + chunk[:2]))
            last = chunk[-2:]
    return quotes, blank_line


def _unclosed_quote_line(path: Path) -> int | None:
    """The line where a cell opens with a double quote that never closes, or None.

    DuckDB's single-threaded CSV reader takes such a cell, and every line after it, as nothing, without an
    error."""
    previous_limit = csv.field_size_limit(MAX_LINE_BYTES)
    try:
        with path.open("r", encoding="utf-8-sig", newline="", errors="replace") as stream:
            reader = csv.reader(stream, strict=True)
            start = 1
            for _ in reader:
                start = reader.line_num + 1
    except csv.Error as error:
        # a quoted cell that runs to the end of the file, or past the longest line the warehouse reads
        return start if "unexpected end of data" in str(error) or "field larger than field limit" in str(error) \
            else None
    finally:
        csv.field_size_limit(previous_limit)
    return None


def widest_row(path: Path) -> int:
    """The most cells any row of the CSV file has, MAX_COLUMNS + 1 for a row past MAX_COLUMNS (the scan stops
    there) or for a file the csv module cannot read to its end (the warehouse's reader will say what is wrong).

    Read only for a file with a row wider than its header: each column the loader declares costs it time on
    every row, so it declares as many as the file needs, not MAX_COLUMNS."""
    previous_limit = csv.field_size_limit(MAX_LINE_BYTES)
    widest = 0
    try:
        with path.open("r", encoding="utf-8-sig", newline="", errors="replace") as stream:
            for row in csv.reader(stream):
                widest = max(widest, len(row))
                if widest > MAX_COLUMNS:
                    break
    except csv.Error:
        return MAX_COLUMNS + 1
    finally:
        csv.field_size_limit(previous_limit)
    return min(widest, MAX_COLUMNS + 1)


def check_quotes(path: Path) -> None:
    """DecodeError if a cell of the CSV file opens with a double quote that never closes.

    Run on every file with an odd number of quotes, and by ingest on any file it must read on one core: a
    quote typed inside a cell (ab"c) can make the count even, and only the single-threaded reader says
    nothing of an unclosed quote."""
    if (line := _unclosed_quote_line(path)) is not None:
        raise DecodeError(f"第{line}行有一个英文双引号没有配对，从这里到文件末尾的内容都会被当作一个单元格："
                          "请删除或补齐这个引号后重新报送")


def _mark_blank_lines(source: Path, target: Path) -> None:
    """Copy a CSV file with each empty line outside a quoted cell written as `""` (one empty cell).

    DuckDB's CSV reader skips empty lines, so every row after one would be numbered short of the row Excel
    shows; a row of one empty cell is read, and left out as an empty row. Read by chunks, in bounded memory:
    the last two bytes of a chunk wait for the next one, which may hold the rest of an empty line."""
    quoted, pending = False, b""
    with source.open("rb") as reader, target.open("wb") as writer:
        while True:
            chunk = reader.read(CHUNK)
            data = pending + chunk
            end = len(data) - 2 if chunk else len(data)
            done = 0
            for match in BLANK_LINE.finditer(data):
                if match.start() >= end:
                    break
                quoted ^= data.count(b'"', done, match.start()) % 2 == 1
                writer.write(data[done:match.end()] + (b"" if quoted else b'""'))
                done = match.end()
            quoted ^= data.count(b'"', done, end) % 2 == 1
            writer.write(data[done:end])
            pending = data[end:]
            if not chunk:
                return


def to_csv(path: Path, workdir: Path, sheet_names: tuple[str, ...] = (),
           notes: list[str] | None = None) -> tuple[Path, str]:
    """The submission's table as workdir/submission.csv in UTF-8 (a link to the file itself when it already
    is one, and it needs no change), and its encoding. The file's own name never reaches the CSV reader,
    which would take * ? [ in it as a pattern and read the other files it matches.

    A workbook's sheet is the visible one named like one of sheet_names, else its first visible sheet; when
    that is not its first sheet, or hidden sheets were passed over, a note for the department saying which
    sheet was read is appended to `notes` (if given)."""
    workdir.mkdir(parents=True, exist_ok=True)
    target = workdir / SUBMISSION_CSV
    target.unlink(missing_ok=True)
    with path.open("rb") as stream:
        is_workbook = stream.read(4) == b"PK\x03\x04"  # a zip container: an .xlsx workbook, whatever its name
    if is_workbook:
        encoding = "xlsx"
        if (note := _xlsx_to_csv(path, sheet_names, target)) and notes is not None:
            notes.append(note)
    else:
        encoding = detect_encoding(path)
        if encoding in ("utf-8", "utf-8-sig"):
            target.symlink_to(path.resolve())
        else:
            _transcode(path, encoding, target)
    quotes, blank_line = _scan(target)
    if quotes % 2:
        check_quotes(target)
    if blank_line:
        _mark_blank_lines(target, workdir / "marked.csv")
        os.replace(workdir / "marked.csv", target)  # over the link, if it was one
    return target, encoding


def line_ending(path: Path) -> str | None:
    """How a UTF-8 CSV file ends its rows, as DuckDB's `new_line` option writes it (\\r\\n or \\n), from
    the first line break outside a quoted cell; None when its first megabyte has none.

    Excel on Windows ends rows with CR LF and the lines inside a cell (Alt+Enter) with LF; DuckDB, guessing
    from the first break it meets, takes a title cell's LF for the row ending and cannot read the file."""
    with path.open("rb") as stream:
        head = stream.read(HEAD_BYTES)
    quotes, counted = 0, 0
    for match in re.finditer(rb"\n", head):
        quotes, counted = quotes + head.count(b'"', counted, match.start()), match.start()
        if quotes % 2 == 0:
            return "\\r\\n" if head[match.start() - 1:match.start()] == b"\r" else "\\n"
    return None


def read_head(path: Path, rows: int = HEADER_SEARCH_ROWS) -> list[list[str]]:
    """The first rows of a UTF-8 CSV file, where the header row is looked for (read from its first
    megabyte only, so one enormous line cannot exhaust memory)."""
    with path.open("r", encoding="utf-8-sig", newline="", errors="replace") as stream:
        text = stream.read(HEAD_BYTES)
    complete = text if len(text) < HEAD_BYTES else text[: text.rfind("\n") + 1]
    if text and not complete:
        raise DecodeError("文件第1行超过 1 MB，不是正常的表头：请检查文件内容后重新报送")
    try:
        return [row for _, row in zip(range(rows), csv.reader(io.StringIO(complete)))]
    except csv.Error as error:
        raise DecodeError(f"文件开头几行无法按 CSV 读取（{error}）：请检查引号是否配对") from None
