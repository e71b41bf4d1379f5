"""The DuckDB warehouse: submission ledger, rejected rows, and one table per dataset."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb

from annual_report.contracts import Contract

LEDGER_SCHEMA = """
create sequence if not exists submission_ids start 1;
create table if not exists submissions (
    submission_id integer primary key default nextval('submission_ids'),
    year integer not null,
    department varchar not null,
    dataset varchar,
    file varchar not null,
    sha256 varchar not null,
    size_bytes bigint not null,
    received_at timestamp not null,
    encoding varchar,
    rows_read integer not null,
    rows_loaded integer not null,
    rows_rejected integer not null,
    status varchar not null,   -- loaded | failed
    problem varchar,            -- why a failed file loaded nothing (Chinese)
    warnings varchar[]          -- ignored columns, total rows, declared totals that differ
);
create table if not exists rejections (
    submission_id integer not null,
    row_number integer not null,   -- the row as the department sees it in Excel
    column_header varchar not null,
    value varchar,
    reason varchar not null
);
-- the submission each department's dataset is currently represented by: the latest that loaded
create or replace view current_submissions as
select * from submissions
where status = 'loaded'
qualify row_number() over (partition by year, department, dataset order by submission_id desc) = 1;
"""


def connect(path: Path, contracts: Iterable[Contract], read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, creating the ledger and every dataset's table if missing."""
    if read_only:
        return duckdb.connect(str(path), read_only=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute(LEDGER_SCHEMA)
    for contract in contracts:
        columns = ",\n    ".join(f"{c.name} {c.sql_type}" for c in contract.columns)
        con.execute(
            f"create table if not exists {contract.table} (\n"
            f"    submission_id integer not null,\n    source_row integer not null,\n    {columns}\n)"
        )
    return con
