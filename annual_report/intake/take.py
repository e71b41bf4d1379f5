"""Take one file from inputs/: opened once, hashed and archived from that opening, then landed from the
archived copy (whether it counts is the folder's look's to say: see `current`)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import duckdb

from annual_report.intake.archive import (
    Archive,
    ArchivedFile,
    ChangedWhileReading,
    copy_hashing,
)
from annual_report.intake.contracts import Contract
from annual_report.intake.land import load_file
from annual_report.intake.listing import OUTSIDE_INPUTS, STILL_WRITTEN, outside
from annual_report.intake.record import previous_outcome
from annual_report.intake.submission import SubmissionResult, submission_for


def receive(con: duckdb.DuckDBPyConnection, contracts: dict[str, Contract], path: Path, inputs: Path,
            year: int, archive: Archive, workdir: Path) -> SubmissionResult:
    """Take one file from inputs/: its earlier outcome if these bytes were taken before, else archive it first,
    then load the archived copy (not yet in force: the folder's look decides that).

    The file is opened once, and what it is opened as is checked to lie inside inputs/: a file swapped for a
    link after it was listed is not read. Its bytes are hashed and archived from that one opening, and what is
    loaded is the archived copy, so the warehouse holds exactly the bytes its sha256 names; a file written to
    meanwhile is skipped until the next look. A file validated against a contract that has changed since is
    loaded again from its archived copy."""
    with path.open("rb") as stream:
        if outside(Path(os.readlink(f"/proc/self/fd/{stream.fileno()}")), inputs):
            return submission_for(inputs, path, year, status="ignored", problem=OUTSIDE_INPUTS)
        opened = os.fstat(stream.fileno())
        result = submission_for(inputs, path, year, status="failed", sha256=copy_hashing(stream),
                                received_at=datetime.now())
        taken = previous_outcome(con, contracts, result)
        if taken == "known":
            return result
        if taken == "outdated" and archive.object_path(result.sha256).exists():
            return load_file(con, contracts, archive.object_path(result.sha256), result, workdir)
        stream.seek(0)
        try:
            stored = archive.store(stream, ArchivedFile(
                sha256=result.sha256, year=year, department=result.department, file=result.file,
                size_bytes=opened.st_size, received_at=result.received_at.isoformat()))
        except ChangedWhileReading:
            return submission_for(inputs, path, year, status="skipped", problem=STILL_WRITTEN)
    return load_file(con, contracts, stored, result, workdir)
