"""Cross-checks between datasets (审核公式): SQL models in `sql/checks/` that return the rows that fail.

Each model returns (dataset, message) rows for `getvariable('report_year')`; no row means the
check passed. Failures are warnings: they go into the receipts of the named dataset and the
run's summary, and never stop the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class CheckWarning:
    check: str
    dataset: str
    message: str


def run_checks(con: duckdb.DuckDBPyConnection, sql_dir: Path, year: int) -> list[CheckWarning]:
    """Every failing cross-check of the year (the staging views must exist)."""
    con.execute(f"set variable report_year = {int(year)}")
    warnings = []
    for path in sorted((sql_dir / "checks").glob("*.sql")):
        for dataset, message in con.execute(path.read_text(encoding="utf-8")).fetchall():
            warnings.append(CheckWarning(check=path.stem, dataset=dataset, message=message))
    return warnings
