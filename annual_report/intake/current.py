"""Which submission counts now: the department's folder is the truth, the archive keeps the history.

After every look at `inputs/<year>/`, each department's ledger (dataset) is represented by the one file of it
that lies in the department's folder now (subfolders included):
- one file that loaded: it counts, whether it is new, unchanged, or an earlier version put back (a revert);
- one file that did not load (held back, or unreadable): the version in force before stays, and its receipt
  says so;
- several different files of the same ledger (a backup, an older copy, a supplement beside the ledger): none
  of them replaces or adds to the version in force; each is held with a message naming the others. Identical
  copies count as one file;
- no file of it any more, in a folder where nothing is still arriving: the version in force is withdrawn.
A file whose version stops counting gets a receipt saying so (superseded or withdrawn).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime

import duckdb

from annual_report.intake.archive import Archive, ArchivedFile
from annual_report.intake.contracts import Contract
from annual_report.intake.submission import SubmissionResult
from annual_report.warehouse.database import transaction

TAKEN = ("loaded", "unchanged")


def _in_folder(result: SubmissionResult) -> str:
    """A file's path within its department's folder, as the department names it (`备份/台账.csv`)."""
    return result.file.split("/", 2)[-1]


def _version(result: SubmissionResult) -> str:
    """A version in force, for a receipt: its file and when it arrived."""
    return f"此前报送的版本（{_in_folder(result)}，{_when(result.received_at)}）"


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else "此前"


def make_current(con: duckdb.DuckDBPyConnection, result: SubmissionResult) -> None:
    """The result's submission becomes the one its department's dataset is represented by for its year."""
    con.execute("delete from current_versions where year = ? and department = ? and dataset = ?",
                [result.year, result.department, result.dataset])
    con.execute("insert into current_versions values (?, ?, ?, ?, now())",
                [result.year, result.department, result.dataset, result.submission_id])


def _event(archive: Archive, con: duckdb.DuckDBPyConnection, result: SubmissionResult, event: str) -> None:
    """The change in force written to the archive's index, so that a rebuild from the archive alone ends with
    the same versions in force."""
    size = con.execute("select size_bytes from submissions where submission_id = ?",
                       [result.submission_id]).fetchone()[0]
    archive.record(ArchivedFile(sha256=result.sha256, year=result.year, department=result.department,
                                file=result.file, size_bytes=size, received_at=datetime.now().isoformat(),
                                event=event))


def _baseline(con: duckdb.DuckDBPyConnection, archive: Archive) -> None:
    """An archive that records arrivals only (made before versions in force were recorded) first gets the
    versions in force now, every year's."""
    if archive.has_events():
        return
    for year, in con.execute("select distinct year from current_versions order by year").fetchall():
        for result in _in_force(con, year).values():
            _event(archive, con, result, "in_force")


def _in_force(con: duckdb.DuckDBPyConnection, year: int) -> dict[tuple[str, str], SubmissionResult]:
    rows = con.execute(
        """select department, dataset, submission_id, file, sha256, received_at, rows_read, rows_loaded,
                  rows_rejected
           from current_submissions where year = ?""", [year]).fetchall()
    return {(department, dataset): SubmissionResult(
        file=file, year=year, department=department, dataset=dataset, status="loaded", submission_id=submission_id,
        sha256=sha256, received_at=received_at, rows_read=read, rows_loaded=loaded, rows_rejected=rejected)
        for department, dataset, submission_id, file, sha256, received_at, read, loaded, rejected in rows}


def _hold(files: list[SubmissionResult], contract: Contract, in_force: SubmissionResult | None) -> None:
    names = "、".join(_in_folder(f) for f in files)
    stays = (f"{_version(in_force)}仍然有效"
             if in_force else "在此之前，该台账视为未报送")
    for result in files:
        result.status = "held"
        result.problem = (f"本单位文件夹中有 {len(files)} 个不同的“{contract.title}”文件（{names}），无法确定以哪一个"
                          f"为准，均未采用；{stays}。请只保留一个：备份和旧版本请移出 inputs 文件夹，"
                          "补报的行请并入原台账后整表报送")


def reconcile(con: duckdb.DuckDBPyConnection, contracts: dict[str, Contract], year: int,
              results: list[SubmissionResult], archive: Archive) -> list[SubmissionResult]:
    """Make the year's versions in force what the year's folder holds now (the results of this look at it, which
    are updated in place: held, reinstated, or still superseded by the version in force), record the look in
    `folder_files`, and return a result for each version that stopped counting (superseded or withdrawn)."""
    looked = [r for r in results if r.year == year]
    arriving = {r.department for r in looked if r.status == "skipped"}
    ledgers: dict[tuple[str, str], list[SubmissionResult]] = defaultdict(list)
    for result in looked:
        if result.dataset and result.department and result.status in (*TAKEN, "failed"):
            ledgers[(result.department, result.dataset)].append(result)
    _baseline(con, archive)
    in_force = _in_force(con, year)
    stopped = []
    with transaction(con):
        for key, files in ledgers.items():
            contract, before = contracts[key[1]], in_force.get(key)
            if len({f.sha256 for f in files}) > 1:
                _hold(files, contract, before)
                continue
            # of identical copies, the one in force stays the one named; else the one nearest the folder's top
            chosen, *copies = sorted(files, key=lambda f: (before is None or f.file != before.file,
                                                           f.file.count("/"), f.file))
            for copy in copies:
                copy.warnings.append(f"与 {_in_folder(chosen)} 内容完全相同，按同一份报送处理")
            if chosen.status not in TAKEN:
                if before:
                    chosen.warnings.append(f"{_version(before)}仍然有效")
                continue
            if before and before.submission_id == chosen.submission_id:
                continue
            make_current(con, chosen)
            _event(archive, con, chosen, "in_force")
            if chosen.status == "unchanged":  # an earlier version put back
                chosen.status = "loaded"
                chosen.warnings.append(f"与 {_when(chosen.received_at)} 报送的版本内容相同，已恢复为现行版本")
            if before and before.file not in {f.file for f in files}:
                stopped.append(replace(before, status="superseded", problem=(
                    f"已被 {_in_folder(chosen)} 取代，本文件的数据不再计入报告")))
        for key, before in in_force.items():
            if key not in ledgers and key[0] not in arriving:
                con.execute("delete from current_versions where submission_id = ?", [before.submission_id])
                _event(archive, con, before, "withdrawn")
                stopped.append(replace(before, status="withdrawn", problem=(
                    f"本文件已不在 inputs/{year}/{before.department}/ 中，已撤回：其数据不再计入报告")))
        _record_look(con, year, looked)
    return stopped


def _record_look(con: duckdb.DuckDBPyConnection, year: int, looked: list[SubmissionResult]) -> None:
    con.execute("delete from folder_files where year = ?", [year])
    if looked:
        con.executemany("insert into folder_files values (?, ?, ?, ?, ?, ?, ?, ?, now())", [
            [year, r.department, r.file, r.dataset, r.submission_id, r.status, r.rows_rejected, r.problem]
            for r in looked])
