"""A department's self-check (`annual-report validate`): a file checked as ingest would check it, in a throwaway
warehouse, nothing taken."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from annual_report.intake import receipts
from annual_report.intake.contracts import region_contracts
from annual_report.intake.land import load_file
from annual_report.intake.submission import SubmissionResult, sha256_of
from annual_report.settings import Settings
from annual_report.warehouse import database


def check_file(settings: Settings, path: Path, year: int, department: str) -> tuple[SubmissionResult, str]:
    """A department's self-check: the same checks as ingest, in a throwaway warehouse; the receipt text, saying
    what would become of the file (将入库, 将部分入库, 将不入库)."""
    contracts = region_contracts(settings)
    with tempfile.TemporaryDirectory(prefix="annual-report-") as workdir, \
            database.connect(Path(workdir) / "check.duckdb", contracts.values(),
                             memory_limit=settings.memory_limit) as con:
        result = SubmissionResult(file=path.name, year=year, department=department, status="failed",
                                  sha256=sha256_of(path), received_at=datetime.now())
        load_file(con, contracts, path, result, Path(workdir))
    return result, receipts.receipt_text(result, contracts, [], dry_run=True)
