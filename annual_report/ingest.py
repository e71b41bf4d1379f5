"""Ingest department submissions: match each file to its contract, validate, load, record.

A submission is one file as received. Each is recorded in the `submissions` ledger with its
sha256 and row counts; valid rows go to the dataset's table, invalid ones to `rejections`.
A file identical to the one currently loaded for its department and dataset is a no-op; a
changed file supersedes the earlier one (the earlier rows stay, see `current_submissions`).
Every problem is reported with file, row and column; no file can stop the run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from annual_report.contracts import Contract
from annual_report.decode import DecodeError, detect_encoding, read_header, to_utf8
from annual_report.validate import EXTRA, literal, problems_sql, typed_sql

TEMPORARY_SUFFIXES = (".part", ".crdownload", ".tmp", ".swp")


@dataclass(frozen=True)
class Rejection:
    row: int
    column: str
    value: str | None
    reason: str


@dataclass
class SubmissionResult:
    """What happened to one file; everything a receipt needs."""

    file: str
    year: int
    department: str
    status: str  # loaded | unchanged | failed | skipped
    sha256: str = ""
    dataset: str | None = None
    encoding: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    problem: str | None = None
    warnings: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


class FileProblem(Exception):
    """The whole file cannot be loaded; the message is for the department."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _skip_reason(path: Path, year_folder: Path) -> str | None:
    name = path.name
    if name.startswith((".", "~$")) or name.endswith(TEMPORARY_SUFFIXES):
        return "临时文件或隐藏文件，未处理；请在文件保存完成后重新放入"
    if path.parent == year_folder:
        return "文件应放在本单位的文件夹中（inputs/年度/单位名称/），未处理"
    if path.suffix.lower() != ".csv":
        return "不是 CSV 文件，未处理；请另存为 CSV UTF-8（逗号分隔）格式"
    return None


def match_contract(headers: list[str], file_stem: str, contracts: dict[str, Contract]) -> Contract:
    """The contract whose required columns the headers hold, preferring the most matched columns."""
    candidates = []
    for contract in contracts.values():
        matched = contract.match_headers(headers)
        missing = [c.header for c in contract.required_columns if c.name not in matched]
        named = file_stem in (contract.title, contract.dataset)
        candidates.append((not missing, named, len(matched), contract, missing))
    candidates.sort(key=lambda c: c[:3], reverse=True)
    complete, _, matched, contract, missing = candidates[0]
    if complete:
        return contract
    if matched == 0:
        raise FileProblem("表头与任何数据表都不匹配：请用 annual-report template 下载模板，保留第一行表头")
    raise FileProblem(f"看起来是“{contract.title}”，但缺少必填列：{'、'.join(missing)}")


def _land(con: duckdb.DuckDBPyConnection, csv_path: Path, headers: list[str], contract: Contract) -> None:
    """Load the file's cells as text into `_raw`, one row per record, numbered as in Excel."""
    positions = contract.match_headers(headers)
    columns = {f"c{i}": "VARCHAR" for i in range(len(headers) + 1)}
    cells = [f"nullif(trim(c{positions[c.name]}), '') as {c.name}" if c.name in positions else f"null::varchar as {c.name}"
             for c in contract.columns]
    cells.append(f"nullif(trim(c{len(headers)}), '') as {EXTRA}")
    all_empty = " and ".join(f"nullif(trim(c{i}), '') is null" for i in range(len(headers)))
    con.execute(
        f"""create or replace temp table _raw as
        select * exclude (_empty) from (
            select (row_number() over () + 1)::integer as _row, {", ".join(cells)}, ({all_empty}) as _empty
            from read_csv({literal(csv_path)}, header = false, skip = 1, auto_detect = false,
                          columns = {columns!r}, delim = ',', quote = '"', escape = '"',
                          null_padding = true, parallel = false)
        ) where not _empty"""
    )


def _validate(con: duckdb.DuckDBPyConnection, contract: Contract, year: int) -> None:
    con.execute(f"create or replace temp table _typed as {typed_sql(contract, year)}")
    con.execute(f"create or replace temp table _problems as {problems_sql(contract, year)}")


def _record(con: duckdb.DuckDBPyConnection, result: SubmissionResult, path: Path, contract: Contract | None) -> None:
    """Write the submission, its rejections and its valid rows in one transaction."""
    con.execute("begin transaction")
    try:
        submission_id = con.execute(
            """insert into submissions (year, department, dataset, file, sha256, size_bytes, received_at, encoding,
                   rows_read, rows_loaded, rows_rejected, status, problem)
               values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning submission_id""",
            [result.year, result.department, result.dataset, result.file, result.sha256, path.stat().st_size,
             datetime.now(), result.encoding, result.rows_read, result.rows_loaded, result.rows_rejected,
             result.status, result.problem],
        ).fetchone()[0]
        if contract is not None:
            names = ", ".join(c.name for c in contract.columns)
            con.execute(
                f"insert into {contract.table} (submission_id, source_row, {names}) "
                f"select {submission_id}, _row, {names} from _typed anti join (select distinct _row from _problems) using (_row)"
            )
            con.execute(f"insert into rejections select {submission_id}, _row, * exclude (_row) from _problems")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _previous(con: duckdb.DuckDBPyConnection, result: SubmissionResult) -> SubmissionResult | None:
    """The earlier outcome of this very file, when running it again would change nothing."""
    row = con.execute(
        """select s.status, s.dataset, s.problem, s.rows_read, s.rows_loaded, s.rows_rejected, s.encoding,
                  c.sha256 = s.sha256 as is_current
           from submissions s left join current_submissions c using (year, department, dataset)
           where s.sha256 = ? and s.year = ? and s.department = ?
           order by s.submission_id desc limit 1""",
        [result.sha256, result.year, result.department],
    ).fetchone()
    if row is None:
        return None
    status, dataset, problem, rows_read, rows_loaded, rows_rejected, encoding, is_current = row
    if status == "loaded" and not is_current:
        return None  # an older version sent again: load it again so that it becomes current
    result.status = "unchanged" if status == "loaded" else "failed"
    result.dataset, result.problem, result.encoding = dataset, problem, encoding
    result.rows_read, result.rows_loaded, result.rows_rejected = rows_read, rows_loaded, rows_rejected
    return result


def ingest_file(con: duckdb.DuckDBPyConnection, contracts: dict[str, Contract], path: Path, inputs: Path,
                year: int, workdir: Path) -> SubmissionResult:
    """Ingest one submitted file; never raises for anything wrong with the file itself."""
    department = path.parent.name
    result = SubmissionResult(file=str(path.relative_to(inputs)), year=year, department=department,
                              status="failed", sha256=sha256_of(path))
    if _previous(con, result):
        return result
    contract = None
    try:
        result.encoding = detect_encoding(path)
        csv_path = to_utf8(path, result.encoding, workdir)
        headers = read_header(csv_path)
        contract = match_contract(headers, path.stem, contracts)
        result.dataset = contract.dataset
        if contract.department != department:
            raise FileProblem(f"“{contract.title}”应由{contract.department}报送，请放在 inputs/{year}/{contract.department}/ 下")
        known = contract.match_headers(headers)
        result.warnings = [f"第1行“{h}”列不属于“{contract.title}”，已忽略"
                           for i, h in enumerate(headers) if i not in known.values()]
        _land(con, csv_path, headers, contract)
        _validate(con, contract, year)
    except (DecodeError, FileProblem) as problem:
        result.problem, contract = str(problem), None
    except duckdb.Error as error:
        result.problem, contract = f"文件无法按 CSV 读取：{str(error).splitlines()[0]}", None
    if contract is not None:
        result.rows_read = con.execute("select count(*) from _raw").fetchone()[0]
        result.rejections = [Rejection(*row) for row in con.execute(
            "select _row, column_header, value, reason from _problems order by _row, column_header").fetchall()]
        result.rows_rejected = len({r.row for r in result.rejections})
        result.rows_loaded = result.rows_read - result.rows_rejected
        if result.rows_loaded == 0:
            result.problem = "没有可以入库的数据行" if result.rows_read == 0 else "所有数据行都有错误，未入库"
            contract = None
        else:
            result.status = "loaded"
    _record(con, result, path, contract)
    return result


def ingest_year(con: duckdb.DuckDBPyConnection, contracts: dict[str, Contract], inputs: Path, year: int,
                workdir: Path) -> list[SubmissionResult]:
    """Ingest every file under inputs/<year>/, reporting (never dropping) the ones it skips."""
    year_folder = inputs / str(year)
    results = []
    for path in sorted(p for p in year_folder.rglob("*") if p.is_file()):
        reason = _skip_reason(path, year_folder)
        if reason:
            results.append(SubmissionResult(file=str(path.relative_to(inputs)), year=year,
                                            department=path.parent.name, status="skipped", problem=reason))
        else:
            results.append(ingest_file(con, contracts, path, inputs, year, workdir))
    return results
