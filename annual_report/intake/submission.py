"""A submission: one file as received, and what became of it (everything its receipt needs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from annual_report.intake.archive import copy_hashing


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
    # loaded | unchanged (these bytes were taken before) | failed | skipped (still arriving) | ignored (never a
    # submission); after the folder's look (`current.reconcile`) also held (another file of the same ledger lies
    # beside it), withdrawn (no longer in the folder) and superseded (another file now counts)
    status: str
    sha256: str = ""
    submission_id: int | None = None
    dataset: str | None = None
    encoding: str | None = None
    received_at: datetime | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    problems: int = 0  # every problem found; `rejections` lists the first LISTED_PROBLEMS of them
    problem: str | None = None
    warnings: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


def submission_for(inputs: Path, path: Path, year: int, **outcome: object) -> SubmissionResult:
    """What became of a file found under inputs/: named by its path there, its department the folder
    it sits in below the year's (none for a file straight in the year's folder)."""
    relative = path.relative_to(inputs)
    department = relative.parts[1] if len(relative.parts) > 2 else ""
    return SubmissionResult(file=relative.as_posix(), year=year, department=department, **outcome)


def sha256_of(path: Path) -> str:
    with path.open("rb") as stream:
        return copy_hashing(stream)
