"""Turn what a department sends into a UTF-8 CSV file the warehouse can read.

DuckDB's CSV reader only reads UTF-8 (and UTF-16/Latin-1), so the project decodes:
UTF-8 (with or without BOM) is read in place; UTF-16 with BOM and GB18030 (which covers GBK
and GB2312, what Excel and WPS write on a Chinese Windows machine) are transcoded by streaming;
an .xlsx workbook's sheet is written out as CSV, Excel dates as ISO dates.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

CHUNK = 1 << 20
HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common in department sheets
HEAD_BYTES = 1 << 20     # the header is looked for in the first megabyte, whatever the line lengths
MAX_XLSX_UNPACKED = 1 << 30  # a workbook that unpacks to more than this is refused (zip bomb)


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
    with path.open("r", encoding=encoding, newline="") as source, target.open("w", encoding="utf-8", newline="") as sink:
        while text := source.read(CHUNK):
            sink.write(text)
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


def _xlsx_to_csv(path: Path, sheet_names: tuple[str, ...], target: Path) -> Path:
    """The workbook's sheet named like the dataset, else its first sheet, as a UTF-8 CSV."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        unpacked = 0
    if unpacked > MAX_XLSX_UNPACKED:
        raise DecodeError(f"Excel 文件解压后有 {unpacked >> 20} MB，超过 {MAX_XLSX_UNPACKED >> 20} MB 的上限："
                          "请删除多余的工作表或另存为 CSV 后重新报送")
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise DecodeError(f"无法打开 Excel 文件（{type(error).__name__}）：请确认文件未损坏，另存为 .xlsx 后重新报送") from None
    try:
        names = [n for n in sheet_names if n in workbook.sheetnames]
        sheet = workbook[names[0]] if names else workbook.worksheets[0]
        with target.open("w", encoding="utf-8", newline="") as sink:
            writer = csv.writer(sink)
            for row in sheet.iter_rows(values_only=True):
                writer.writerow([_cell(value) for value in row])
    finally:
        workbook.close()
    return target


def to_csv(path: Path, workdir: Path, sheet_names: tuple[str, ...] = ()) -> tuple[Path, str]:
    """A UTF-8 CSV with the submission's table (the file itself when it already is one), and its encoding."""
    workdir.mkdir(parents=True, exist_ok=True)
    target = workdir / f"{path.name}.utf8.csv"
    with path.open("rb") as stream:
        if stream.read(4) == b"PK\x03\x04":  # a zip container: an .xlsx workbook, whatever its name
            return _xlsx_to_csv(path, sheet_names, target), "xlsx"
    encoding = detect_encoding(path)
    if encoding in ("utf-8", "utf-8-sig"):
        return path, encoding
    return _transcode(path, encoding, target), encoding


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
