"""Record what became of a file in the warehouse: the `submissions` ledger (sha256, row counts, the contract
version it was validated under), its rejections and its valid rows, in one transaction; and what became of the
same bytes before."""

from __future__ import annotations

import hashlib

import duckdb

from annual_report.intake.contracts import Contract
from annual_report.intake.submission import Rejection, SubmissionResult
from annual_report.warehouse.database import transaction

REVALIDATED = "数据表规范已更新，本文件已按新规范重新校验"
LISTED_PROBLEMS = 1000  # problems a receipt lists: enough to correct a file by
LISTED_VALUE = 200      # characters of a cell's value a listed problem shows


def contract_version(contracts: dict[str, Contract], dataset: str | None) -> str:
    """The version a file's outcome was decided under: its contract's, or, for a file no contract recognised,
    that of the whole set (a contract added since may recognise it)."""
    if dataset in contracts:
        return contracts[dataset].version
    return "all:" + hashlib.sha256(" ".join(sorted(c.version for c in contracts.values())).encode()).hexdigest()[:16]


def record(con: duckdb.DuckDBPyConnection, result: SubmissionResult, size_bytes: int,
            contracts: dict[str, Contract], contract: Contract | None, load_rows: bool) -> None:
    """Write the submission, its rejections and (if it loads) its valid rows in one transaction."""
    with transaction(con):
        submission_id = result.submission_id = con.execute(
            """insert into submissions (year, department, dataset, file, sha256, size_bytes, received_at, encoding,
                   rows_read, rows_loaded, rows_rejected, status, problem, warnings, contract_version)
               values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning submission_id""",
            [result.year, result.department, result.dataset, result.file, result.sha256, size_bytes,
             result.received_at, result.encoding, result.rows_read, result.rows_loaded, result.rows_rejected,
             result.status, result.problem, result.warnings, contract_version(contracts, result.dataset)],
        ).fetchone()[0]
        if contract is not None:
            con.execute(f"insert into rejections select {submission_id}, _row, * exclude (_row) from _problems")
        if load_rows:
            names = ", ".join(c.name for c in contract.columns)
            con.execute(
                f"insert into {contract.table} (submission_id, source_row, {names}) select {submission_id}, _row, "
                f"{names} from _data anti join (select distinct _row from _problems) using (_row)"
            )


def listed(con: duckdb.DuckDBPyConnection, problems: str) -> list[Rejection]:
    """The first LISTED_PROBLEMS of the problems a query returns (row_number, column_header, value, reason),
    each value cut to LISTED_VALUE characters: what a receipt lists, in bounded memory however bad the file."""
    return [Rejection(*row) for row in con.execute(
        f"""select row_number, column_header, left(value, {LISTED_VALUE}), reason from ({problems})
            order by row_number, column_header limit {LISTED_PROBLEMS}"""
    ).fetchall()]


def previous_outcome(con: duckdb.DuckDBPyConnection, contracts: dict[str, Contract],
                     result: SubmissionResult) -> str:
    """What became of these bytes when this department last sent them for this year: `new` (never sent),
    `known` (the outcome is copied into result: `unchanged` for a file that loaded, `failed` for one that did
    not), or `outdated` (validated against a contract that has changed since: to be taken again). Whether a
    known file counts now is the folder's look's to say (`current.reconcile`)."""
    row = con.execute(
        """select submission_id, status, dataset, problem, rows_read, rows_loaded, rows_rejected, encoding,
                  received_at, warnings, contract_version
           from submissions where sha256 = ? and year = ? and department = ?
           order by submission_id desc limit 1""",
        [result.sha256, result.year, result.department],
    ).fetchone()
    if row is None:
        return "new"
    submission_id, status, dataset, *outcome, warnings, version = row
    if version != contract_version(contracts, dataset):
        result.warnings.append(REVALIDATED)
        return "outdated"
    result.submission_id, result.dataset = submission_id, dataset
    result.status = "unchanged" if status == "loaded" else "failed"
    (result.problem, result.rows_read, result.rows_loaded, result.rows_rejected, result.encoding,
     result.received_at) = outcome
    result.warnings = list(warnings or [])
    rejections = f"select * exclude (submission_id) from rejections where submission_id = {submission_id}"
    result.rejections = listed(con, rejections)
    result.problems = con.execute(f"select count(*) from ({rejections})").fetchone()[0]
    return "known"
