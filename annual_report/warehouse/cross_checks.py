"""Cross-checks between datasets (审核公式): SQL models in `sql/checks/` that return the rows that fail.

Each model returns (dataset, message) rows for `getvariable('report_year')`; no row means the
check passed. Failures are warnings: they go into the receipts of the named dataset and the
run's summary, and never stop the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from annual_report.warehouse.catalogue import datasets_read


@dataclass(frozen=True)
class CheckWarning:
    check: str
    dataset: str
    message: str


@dataclass(frozen=True)
class CrossCheck:
    """One model of `sql/checks/`: its name, the rule its first comment line states, the datasets it reads."""

    name: str
    rule: str
    datasets: tuple[str, ...]
    sql: str


def cross_checks(sql_dir: Path) -> list[CrossCheck]:
    """Every cross-check, by name."""
    checks = []
    for path in sorted((sql_dir / "checks").glob("*.sql")):
        sql = path.read_text(encoding="utf-8")
        rule = sql.splitlines()[0].removeprefix("--").strip() if sql.startswith("--") else path.stem
        checks.append(CrossCheck(path.stem, rule, tuple(datasets_read(sql, path)), sql))
    return checks


def failures(con: duckdb.DuckDBPyConnection, check: CrossCheck, year: int) -> list[CheckWarning]:
    """What a cross-check finds wrong in the year (nothing: it passed); the staging views must exist."""
    con.execute(f"set variable report_year = {int(year)}")
    return [CheckWarning(check=check.name, dataset=dataset, message=message)
            for dataset, message in con.execute(check.sql).fetchall()]


def run_checks(con: duckdb.DuckDBPyConnection, sql_dir: Path, year: int) -> list[CheckWarning]:
    """Every failing cross-check of the year (the staging views must exist)."""
    return [warning for check in cross_checks(sql_dir) for warning in failures(con, check, year)]
