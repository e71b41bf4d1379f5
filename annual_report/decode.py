"""Turn a department's CSV, in whatever encoding its spreadsheet program wrote, into UTF-8.

DuckDB's CSV reader only reads UTF-8 (and UTF-16/Latin-1), so the project decodes:
UTF-8 (with or without BOM) is read in place; UTF-16 with BOM and GB18030 (which covers GBK
and GB2312, what Excel and WPS write on a Chinese Windows machine) are transcoded by streaming.
"""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

CHUNK = 1 << 20


class DecodeError(ValueError):
    """The file is not text in any encoding departments use."""


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
        start = stream.read(4)
    if start.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        if _decodes_as(path, encoding):
            return encoding
    raise DecodeError("无法识别文件编码：请在 Excel 或 WPS 中“另存为”CSV UTF-8（逗号分隔）格式后重新报送")


def to_utf8(path: Path, encoding: str, workdir: Path) -> Path:
    """A UTF-8 file with the same text: the file itself when it already is one."""
    if encoding in ("utf-8", "utf-8-sig"):
        return path
    workdir.mkdir(parents=True, exist_ok=True)
    target = workdir / f"{path.stem}.utf8.csv"
    with path.open("r", encoding=encoding, newline="") as source, target.open("w", encoding="utf-8", newline="") as sink:
        while text := source.read(CHUNK):
            sink.write(text)
    return target


def read_header(path: Path) -> list[str]:
    """The cells of the first line of a UTF-8 CSV file."""
    with path.open("r", encoding="utf-8-sig", newline="") as stream:
        return next(csv.reader(stream), [])
