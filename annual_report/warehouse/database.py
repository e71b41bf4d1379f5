"""The DuckDB warehouse: submission ledger, rejected rows, and one table per dataset."""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path

import duckdb

from annual_report.intake.contracts import Contract

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
alter table submissions add column if not exists contract_version varchar;  -- the contract it was validated against
-- the submission each department's dataset is currently represented by: what its folder held at the last look
-- (a warehouse made before this table existed starts from the latest loaded submission of each)
create table if not exists current_versions as
select year, department, dataset, submission_id, received_at as since from submissions
where status = 'loaded'
qualify row_number() over (partition by year, department, dataset order by submission_id desc) = 1;
create or replace view current_submissions as
select s.* from submissions s join current_versions using (submission_id);
-- what the last look at inputs/<year>/ found: each file there and what became of it (status, in force or not)
create table if not exists folder_files (
    year integer not null,
    department varchar not null,
    file varchar not null,
    dataset varchar,
    submission_id integer,
    status varchar not null,    -- loaded | unchanged | failed | held | skipped | ignored
    rows_rejected integer not null,
    problem varchar,
    seen_at timestamp not null
);
-- provenance: each report produced, every figure it printed, and the submissions each was computed from (their
-- file, fingerprint and contract version copied, so that what a report said, and from which files, can be told
-- after later resubmissions); rows are only ever added
create table if not exists report_runs (
    run_id integer primary key,  -- one more than the last (a rebuild carries the runs over, ids and all)
    region varchar not null,
    year integer not null,
    mode varchar not null,      -- strict | draft
    ran_at timestamp not null,
    flow_run_id varchar,        -- the Prefect flow run that produced it
    pdf varchar not null
);
create table if not exists report_run_figures (
    run_id integer not null,
    metric_id varchar not null,
    label varchar not null,
    unit varchar not null,
    value double,
    prior_value double,
    change double,
    printed_unit varchar not null,  -- the unit and the values as the report prints them (— for none)
    printed varchar not null,
    prior_printed varchar not null,
    change_printed varchar not null,
    datasets varchar[] not null,
    primary key (run_id, metric_id)
);
create table if not exists report_run_sources (
    run_id integer not null,
    metric_id varchar not null,
    submission_id integer,      -- null where a rebuild found no submission of these bytes
    year integer not null,
    department varchar not null,
    dataset varchar not null,
    file varchar not null,
    sha256 varchar not null,
    received_at timestamp not null,
    contract_version varchar,
    rows_read integer not null,
    rows_loaded integer not null,
    rows_rejected integer not null
);
"""


# what DuckDB says when the file is not, or no longer, a sound database (a torn or overwritten file)
DAMAGE_SIGNS = ("not a valid DuckDB database file", "Corrupt database file", "Could not read enough bytes")
# what DuckDB says when it cannot write the file or its log (a full disk, a quota, a file-size limit)
WRITE_SIGNS = ("Could not write file", "No space left on device")


LOCK_TIMEOUT = 300.0  # seconds; Settings.lock_timeout
MEMORY_LIMIT = "1GB"  # Settings.memory_limit


class WarehouseBusyError(RuntimeError):
    """Another process held the warehouse longer than this one would wait."""


class WarehouseDamagedError(RuntimeError):
    """The warehouse file is damaged; `annual-report rebuild` makes a new one from the archive."""


class WarehouseWriteError(RuntimeError):
    """The warehouse could not be written (a full disk); the transaction under way was rolled back."""


@contextmanager
def exclusive(path: Path, lock_timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold `<warehouse>.lock`: one process at a time uses the warehouse (DuckDB allows one writer
    process, and no reader beside it); the others wait lock_timeout seconds, then name the holder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    with lock_path.open("a+", encoding="utf-8") as lock:
        deadline = time.monotonic() + lock_timeout
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    lock.seek(0)
                    raise WarehouseBusyError(
                        f"{path} is in use by {lock.read().strip() or 'another process'}; "
                        f"waited {lock_timeout:g} s (ANNUAL_REPORT_LOCK_TIMEOUT)") from None
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
def connect(path: Path, contracts: Iterable[Contract] = (), read_only: bool = False, *,
            lock_timeout: float = LOCK_TIMEOUT,
            memory_limit: str = MEMORY_LIMIT) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse, held for this process, with the ledger and every dataset's table created if missing.

    Past memory_limit (DuckDB's), the temporary tables of a large ledger's validation spill to
    `<warehouse>.tmp/` instead of growing with the file."""
    with exclusive(path, lock_timeout), _opened(path, read_only, memory_limit) as con:
        if not read_only:
            con.execute(LEDGER_SCHEMA)
            for contract in contracts:
                columns = ",\n    ".join(contract.column_definitions)
                con.execute(
                    f"create table if not exists {contract.table} (\n"
                    f"    submission_id integer not null,\n    source_row integer not null,\n    {columns}\n)"
                )
            _follow_contracts(con, contracts)
        yield con


def _follow_contracts(con: duckdb.DuckDBPyConnection, contracts: Iterable[Contract]) -> None:
    """Dataset tables made under an earlier version of their contract get its new columns, and its new types
    (a value that does not cast becomes null: the files validated against the old version are taken again,
    see `record.previous_outcome`)."""
    existing = {(table, column): kind for table, column, kind in con.execute(
        "select table_name, column_name, data_type from duckdb_columns() where table_name like 'raw_%' "
        "and not internal and schema_name = 'main'").fetchall()}
    for contract in contracts:
        for column in contract.columns:
            kind = existing.get((contract.table, column.name))
            if kind is None:
                con.execute(f"alter table {contract.table} add column {column.name} {column.sql_type}")
            elif kind != column.sql_type.replace(" ", ""):
                con.execute(f"alter table {contract.table} alter column {column.name} type {column.sql_type} "
                            f"using try_cast({column.name} as {column.sql_type})")


@contextmanager
def _opened(path: Path, read_only: bool, memory_limit: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """The DuckDB connection; a damaged file, found on opening or on reading, and a file that cannot be
    written are said to be so, for the person running the pipeline."""
    try:
        with duckdb.connect(str(path), read_only=read_only, config={"memory_limit": memory_limit}) as con:
            yield con
    except duckdb.Error as error:
        known = _known_failure(path, error)
        if known is None:
            raise
        raise known from error


def _known_failure(path: Path, error: duckdb.Error) -> RuntimeError | None:
    """DuckDB's error about the warehouse file itself, as one a person can act on (None for any other)."""
    text = str(error)
    what = text.splitlines()[0]
    if any(sign in text for sign in DAMAGE_SIGNS):
        return WarehouseDamagedError(f"the warehouse {path} is damaged ({what}); rebuild it from the archive "
                                     f"of every file received: annual-report rebuild")
    if any(sign in text for sign in WRITE_SIGNS):
        return WarehouseWriteError(f"cannot write the warehouse {path} ({what}); the file being loaded was rolled "
                                   f"back and is taken again by the next run: make room, then run again")
    return None


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """A transaction, committed when the block ends and rolled back when it fails; the error raised is the
    one that made it fail (a commit that fails has already rolled itself back)."""
    con.execute("begin transaction")
    try:
        yield
        con.execute("commit")
    except BaseException:
        with suppress(duckdb.Error):
            con.execute("rollback")
        raise


def identity(con: duckdb.DuckDBPyConnection) -> str:
    """This warehouse's id, new with each warehouse file."""
    return con.execute("select warehouse_id from warehouse_info").fetchone()[0]
