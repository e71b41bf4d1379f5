"""The DuckDB warehouse: submission ledger, rejected rows, and one table per dataset."""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb

from annual_report.contracts import Contract

LEDGER_SCHEMA = """
-- a new warehouse (or one rebuilt from the archive) gets a new identity: caches keyed by it expire
create table if not exists warehouse_info as select uuid()::varchar as warehouse_id, now() as created_at;
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


class WarehouseBusyError(RuntimeError):
    """Another process held the warehouse longer than this one would wait."""


def _lock_timeout() -> float:
    return float(os.environ.get("ANNUAL_REPORT_LOCK_TIMEOUT", "300"))


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold `<warehouse>.lock`: one process at a time uses the warehouse (DuckDB allows one writer
    process, and no reader beside it); the others wait a bounded time, then name the holder."""
    lock_path = path.with_name(path.name + ".lock")
    with lock_path.open("a+", encoding="utf-8") as lock:
        deadline = time.monotonic() + _lock_timeout()
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    lock.seek(0)
                    raise WarehouseBusyError(
                        f"{path} is in use by {lock.read().strip() or 'another process'}; "
                        f"waited {_lock_timeout():g} s (ANNUAL_REPORT_LOCK_TIMEOUT)") from None
                time.sleep(0.2)
        lock.truncate(0)
        lock.write(f"pid {os.getpid()} ({' '.join(sys.argv)[:200]}) since {datetime.now():%Y-%m-%d %H:%M:%S}\n")
        lock.flush()
        try:
            yield
        finally:
            lock.truncate(0)
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def connect(path: Path, contracts: Iterable[Contract] = (),
            read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse, held for this process, with the ledger and every dataset's table created if missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(path), duckdb.connect(str(path), read_only=read_only) as con:
        if not read_only:
            con.execute(LEDGER_SCHEMA)
            for contract in contracts:
                columns = ",\n    ".join(f"{c.name} {c.sql_type}" for c in contract.columns)
                con.execute(
                    f"create table if not exists {contract.table} (\n"
                    f"    submission_id integer not null,\n    source_row integer not null,\n    {columns}\n)"
                )
        yield con


def identity(con: duckdb.DuckDBPyConnection) -> str:
    """This warehouse's id, new with each warehouse file."""
    return con.execute("select warehouse_id from warehouse_info").fetchone()[0]
