"""Properties of decoding, parsing and validation, over inputs Hypothesis makes up.

Whatever bytes a file holds, taking it never raises, and its rows add up: every row read is loaded,
rejected, or (for a register held whole) held back, and the warehouse holds exactly the rows the ledger
says. A table written out as a department's program would is read back row for row, in any accepted
encoding, each row numbered as Excel shows it. A date or an amount written in any accepted form loads
as its value. `make test` tries 50 examples of each; `make reliability` 300, and writes docs/reliability.md.
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import reliability
from conftest import LEGAL_AID_HEADER
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annual_report.intake import land, submission
from annual_report.intake.contracts import Contract
from annual_report.intake.land import TOTAL_WORDS, TRIMMED
from annual_report.intake.receipts import receipt_path
from annual_report.intake.submission import SubmissionResult
from annual_report.intake.validate import FULL_WIDTH, HALF_WIDTH
from annual_report.warehouse import database

PROPERTY = settings(max_examples=reliability.examples(), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
LEGAL_AID = LEGAL_AID_HEADER
VALID = [["晋法援〔2021〕0001号", "TJ-1"], ["民事", "刑事", "行政"], ["追索劳动报酬"], ["青阳街道", "安海镇"],
         ["2021-02-03", "2021年5月20日", "20210816"], ["福建某律师事务所"]]
ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "utf-16"]


class Taker:
    """One warehouse for all examples of the module, and a folder to write their files in."""

    def __init__(self, con: duckdb.DuckDBPyConnection, contracts: dict[str, Contract], folder: Path) -> None:
        self.con, self.contracts, self.folder = con, contracts, folder

    def __repr__(self) -> str:
        return f"Taker({self.folder})"

    def take(self, content: bytes, department: str = "法律援助中心",
             name: str = "台账.csv") -> tuple[SubmissionResult, int]:
        """Take a file as ingest does; its outcome and its submission id."""
        path = self.folder / name
        path.write_bytes(content)
        result = SubmissionResult(file=f"2021/{department}/{name}", year=2021, department=department, status="failed",
                                  sha256=submission.sha256_of(path), received_at=dt.datetime.now())
        land.load_file(self.con, self.contracts, path, result, self.folder / "work")
        return result, self.con.execute("select max(submission_id) from submissions").fetchone()[0]

    def loaded(self, table: str, submission_id: int, columns: str) -> list[tuple]:
        return self.con.execute(f"select source_row, {columns} from {table} where submission_id = ? order by 1",
                                [submission_id]).fetchall()

    def rejected_rows(self, submission_id: int) -> set[int]:
        return {row for (row,) in self.con.execute(
            "select distinct row_number from rejections where submission_id = ?", [submission_id]).fetchall()}


@pytest.fixture(scope="module")
def taker(tmp_path_factory: pytest.TempPathFactory, contracts: dict[str, Contract]) -> Iterator[Taker]:
    folder = tmp_path_factory.mktemp("properties")
    with database.connect(folder / "warehouse.duckdb", contracts.values()) as con:
        yield Taker(con, contracts, folder)


# --- any bytes

def csv_line(cells: list[str]) -> bytes:
    return (",".join(cells) + "\n").encode()


ANY_FILE = st.one_of(
    st.binary(max_size=2048),
    st.tuples(st.sampled_from([codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"PK\x03\x04"]),
              st.binary(max_size=2048)).map(b"".join),
    st.tuples(st.just(csv_line(LEGAL_AID)), st.binary(max_size=2048)).map(b"".join),
    st.tuples(st.just(csv_line(["事项编码", "事项名称", "实施部门", "法定时限（工作日）", "承诺时限（工作日）",
                                "跑动次数", "网上可办", "全流程网办"])), st.binary(max_size=2048)).map(b"".join),
)


@PROPERTY
@given(content=ANY_FILE, department=st.sampled_from(["法律援助中心", "行政审批局"]))
def test_any_bytes_are_taken_and_their_rows_add_up(taker: Taker, content: bytes, department: str) -> None:
    """Arbitrary bytes as a file (bare, after a byte-order mark or a zip signature, after a ledger's
    header): taking it never raises; rows loaded + rejected + held back = rows read; the warehouse holds
    exactly the rows loaded and the rows rejected the outcome gives."""
    result, submission_id = taker.take(content, department)
    assert result.status in ("loaded", "failed") and (result.status == "loaded") == (result.problem is None)
    held = result.rows_read - result.rows_rejected if result.status == "failed" else 0
    assert result.rows_loaded + result.rows_rejected + held == result.rows_read
    assert 0 <= result.rows_rejected <= result.rows_read
    table = f"raw_{result.dataset}" if result.dataset else None
    loaded = taker.loaded(table, submission_id, "1") if table else []
    assert len(loaded) == result.rows_loaded
    assert len(taker.rejected_rows(submission_id)) == result.rows_rejected


# --- tables as a department's program writes them

TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=8)
CELL_TEXT = st.one_of(TEXT, st.sampled_from(['"', ",", "\n", "\r\n", " ", "\t", "\u3000", "\u00a0", "\u2003", "'",
                                             "=1+1", "合计", '""x"']))


def cell(column: int) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(VALID[column]), CELL_TEXT)


ROW = st.integers(min_value=0, max_value=len(LEGAL_AID) + 2).flatmap(
    lambda width: st.tuples(*(cell(i) if i < len(LEGAL_AID) else CELL_TEXT for i in range(width))).map(list))


@dataclass(frozen=True)
class Table:
    """A ledger as written: an optional title row, the header, the rows, in an encoding, lines ending so."""

    title: str | None
    rows: list[list[str]]
    encoding: str
    newline: str

    @property
    def records(self) -> list[list[str]]:
        return ([[self.title]] if self.title is not None else []) + [LEGAL_AID, *self.rows]

    def content(self, encoding: str | None = None) -> bytes:
        """The file, each cell quoted when it holds a comma, a quote or a line break, as Excel writes it."""
        text = "".join(",".join(quoted(c) for c in record) + self.newline for record in self.records)
        return text.encode(encoding or self.encoding)

    def data_rows(self) -> dict[int, list[str]]:
        """The rows a reader must read, by their row number as Excel shows it: not blank, not a total row."""
        first = len(self.records) - len(self.rows) + 1
        trimmed = {first + i: [c.strip(TRIMMED) for c in row] for i, row in enumerate(self.rows)}
        return {number: cells for number, cells in trimmed.items()
                if any(cells) and not any(c.replace(" ", "") in TOTAL_WORDS for c in cells[:len(LEGAL_AID)])}


def quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\r\n') else cell


TABLES = st.builds(Table, title=st.one_of(st.none(), st.just("2021年法律援助案件台账"), st.just('"标题\n第二行"')),
                   rows=st.lists(ROW, max_size=12), encoding=st.sampled_from(ENCODINGS),
                   newline=st.sampled_from(["\n", "\r\n"]))


@PROPERTY
@given(table=TABLES)
def test_every_row_written_is_read_once_loaded_or_rejected(taker: Taker, table: Table) -> None:
    """A ledger as a spreadsheet program writes it (cells with quotes, commas, line breaks, spaces,
    formulas, rows short or long, blank and total rows, a title row, any accepted encoding): the rows
    read are exactly its non-blank, non-total rows, each numbered as Excel shows it, each either loaded
    with its cells as written (trimmed) or rejected, never both."""
    result, submission_id = taker.take(table.content())
    expected = table.data_rows()
    assert result.rows_read == len(expected), result.problem
    loaded = {row: case for row, case in taker.loaded("raw_legal_aid_cases", submission_id, "case_no")}
    rejected = taker.rejected_rows(submission_id)
    assert loaded.keys() | rejected == expected.keys() and not loaded.keys() & rejected
    assert loaded == {row: expected[row][0] for row in loaded}
    assert result.rows_loaded + result.rows_rejected == result.rows_read


@PROPERTY
@given(table=TABLES, encodings=st.permutations(ENCODINGS).map(lambda e: e[:2]))
def test_the_encoding_does_not_change_what_loads(taker: Taker, table: Table, encodings: list[str]) -> None:
    """The same ledger saved in two accepted encodings (UTF-8 with or without BOM, GB18030, UTF-16):
    the same rows read, loaded and rejected, for the same reasons."""
    outcomes = []
    for encoding in encodings:
        result, submission_id = taker.take(table.content(encoding))
        outcomes.append((result.rows_read, result.rows_loaded, result.rows_rejected, result.rejections,
                         taker.loaded("raw_legal_aid_cases", submission_id, "* exclude (submission_id, source_row)")))
    assert outcomes[0] == outcomes[1]


# --- dates and amounts as people type them

def full_width(text: str) -> str:
    return text.translate(str.maketrans(HALF_WIDTH, FULL_WIDTH))


def written_date(day: dt.date) -> st.SearchStrategy[str]:
    """The forms of a date the contracts accept, as typed or as a spreadsheet exports them."""
    forms = [f"{day:%Y-%m-%d}", f"{day.year}/{day.month}/{day.day}", f"{day:%Y/%m/%d}",
             f"{day.year}年{day.month}月{day.day}日", f"{day:%Y%m%d}", f"{day:%Y.%m.%d}",
             str((day - dt.date(1899, 12, 30)).days)]
    return st.sampled_from(forms).flatmap(lambda form: st.sampled_from([form, full_width(form)]))


def written_amount(cents: int) -> st.SearchStrategy[str]:
    """An amount of yuan as typed: plain, with thousands separators, with decimals, in full-width digits."""
    yuan, fen = divmod(cents, 100)
    forms = [f"{yuan}.{fen:02d}", f"{yuan:,}.{fen:02d}"] + ([f"{yuan}", f"{yuan:,}"] if not fen else [])
    return st.sampled_from(forms).flatmap(lambda form: st.sampled_from([form, full_width(form)]))


DAYS = st.dates(min_value=dt.date(2021, 1, 1), max_value=dt.date(2021, 12, 31))
CENTS = st.integers(min_value=1, max_value=100_000_000)  # the contract: 0.01 to 1,000,000 yuan


@PROPERTY
@given(data=st.data(), day=DAYS, cents=CENTS)
def test_dates_and_amounts_load_as_their_value_in_any_accepted_form(taker: Taker, data: st.DataObject,
                                                                    day: dt.date, cents: int) -> None:
    """A date of the report year and an amount in yuan, written in any form the contracts accept
    (2021-03-05, 2021/3/5, 2021年3月5日, 20210305, 2021.03.05, an Excel serial; thousands separators;
    full-width digits): the row loads, with that date and that amount."""
    date_text, amount_text = data.draw(written_date(day)), data.draw(written_amount(cents))
    content = csv_line(["救助编号", "执行案号", "核拨日期", "救助金额（元）"]) + csv_line(
        ["CS-1", "（2021）闽0582执1号", f'"{date_text}"', f'"{amount_text}"'])
    result, submission_id = taker.take(content, "法院", "执行慈善救助台账.csv")
    assert (result.status, result.rows_loaded) == ("loaded", 1), result.rejections
    assert taker.loaded("raw_charity_relief", submission_id, "granted_on, amount_yuan") == [
        (2, day, Decimal(cents) / 100)]


# --- names

@PROPERTY
@given(department=st.text(max_size=90), file=st.text(max_size=300))
def test_a_receipt_stays_in_its_folder_whatever_the_names(department: str, file: str) -> None:
    """Any department and file name (.., slashes, NUL, 300 characters): the receipt's path lies inside the
    receipts folder, and its file name fits the file system's 255 bytes."""
    folder = Path("/outputs/2021/receipts")
    path = receipt_path(SubmissionResult(file=file, year=2021, department=department, status="failed"), folder)
    assert Path(os.path.normpath(path)).is_relative_to(folder) and Path(os.path.normpath(path)) != folder
    assert len(path.name.encode()) <= 255
