"""What lies under inputs/: the files to take, the files that wait, and everything looked at but not taken.

Departments submit into `inputs/<year>/<department>/` (subfolders included). Everything else the run finds is
reported, never dropped without a word: a file straight in `inputs/` or in a year's folder, a folder that is not
a year (`2021年`, `FY2021`), operating-system and editor files, links. A file still arriving (a download's
`.part`, or one whose size or time changed during the settle time) waits: its department's folder is not
settled, so nothing of that department is withdrawn on this look.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from annual_report.intake.submission import SubmissionResult, submission_for

ARRIVING_SUFFIXES = (".part", ".crdownload", ".tmp", ".download")
SYSTEM_FILES = {".ds_store", "thumbs.db", "desktop.ini"}
YEAR_FOLDER = re.compile(r"[0-9]{4}")
MAX_FILE_MB = 4096  # Settings.max_file_mb: a larger file is not taken
ARRIVING = "文件仍在下载或复制中（临时文件），稍后处理"
STILL_WRITTEN = "文件仍在写入，稍后处理"
OUTSIDE_INPUTS = "这是指向 inputs 文件夹以外的链接，未处理；请放入文件本身"


@dataclass(frozen=True)
class Look:
    """One look at inputs/ for some years: the files to take, and what became of the rest."""

    files: list[tuple[int, Path]]
    not_taken: list[SubmissionResult]


def _walk(folder: Path) -> list[Path]:
    """Every file under a folder, and every link to a folder (listed, never followed)."""
    found = []
    for parent, folders, names in os.walk(folder):
        found += [Path(parent) / name for name in names]
        found += [Path(parent) / name for name in folders if (Path(parent) / name).is_symlink()]
    return sorted(found)


def by_name(name: str) -> tuple[str, str] | None:
    """(status, reason) for a file its name alone says is not (yet) a submission: `skipped` for a download or
    copy still arriving, `ignored` for a system, lock, hidden or editor file; None otherwise."""
    name = name.lower()
    if name.endswith(ARRIVING_SUFFIXES):
        return "skipped", ARRIVING
    if name in SYSTEM_FILES:
        return "ignored", "操作系统生成的文件，未处理"
    if name.startswith("~$"):
        return "ignored", "Excel 或 WPS 打开文件时生成的临时文件，未处理（文件本身照常处理）"
    if name.startswith(".") or name.endswith((".swp", "~")):
        return "ignored", "隐藏文件或编辑器的临时文件，未处理"
    return None


def _not_a_submission(path: Path, inputs: Path, max_file_mb: int) -> tuple[str, str] | None:
    """(status, reason) for a file that is not taken: `skipped` while it may still be arriving, `ignored`
    for what is never a submission; None for a file to take."""
    if (outcome := by_name(path.name)) is not None:
        return outcome
    if path.is_symlink() and outside(path, inputs):
        return "ignored", OUTSIDE_INPUTS
    if path.is_dir():
        return "ignored", "这是指向另一个文件夹的链接，未处理；请放入文件本身"
    if path.stat().st_size > max_file_mb << 20:
        return "ignored", f"文件超过 {max_file_mb} MB 的上限，未处理；请按年度或单位拆分后报送"
    if len(path.relative_to(inputs).parts) < 3:
        return "ignored", (f"文件应放在本单位的文件夹中（inputs/{path.parent.name}/单位名称/），未处理")
    return None


def misplaced(inputs: Path) -> list[SubmissionResult]:
    """What lies in inputs/ outside every year's folder: files straight in it, and folders not named as a year
    (one line for each, with the number of files it holds), as of year 0: whatever year a run is for."""
    found = []
    for entry in sorted(inputs.iterdir()) if inputs.is_dir() else []:
        if entry.is_dir() and not entry.is_symlink() and YEAR_FOLDER.fullmatch(entry.name):
            continue
        name = entry.name.lower()
        if name in SYSTEM_FILES or name.startswith("."):
            continue
        year = re.search(r"(?<![0-9])(19|20)[0-9]{2}(?![0-9])", entry.name)
        if entry.is_dir() and not entry.is_symlink():
            count = len(_walk(entry))
            reason = (f"文件夹名“{entry.name}”不是年度，其中 {count} 个文件未处理："
                      + (f"年度文件夹应命名为“{year.group()}”（四位数字）" if year else
                         "请放入 inputs/年度/单位名称/（如 inputs/2021/司法局/）"))
            file = f"{entry.name}/"
        else:
            reason = "文件直接放在 inputs 文件夹中，未处理：请放入 inputs/年度/单位名称/（如 inputs/2021/司法局/）"
            file = entry.name
        found.append(SubmissionResult(file=file, year=0, department="", status="ignored", problem=reason))
    return found


def _settled(paths: list[Path], settle_seconds: float) -> tuple[list[Path], list[Path]]:
    """The files whose size and time have held still for settle_seconds, and those still being written.

    A file changed within the settle time is looked at again once it would have settled (one wait, as long as
    the youngest file needs, never longer than settle_seconds): unchanged by then, it is taken."""
    stats = {path: path.stat() for path in paths}
    now = time.time()
    young = [path for path, stat in stats.items() if now - stat.st_mtime < settle_seconds]
    if not young:
        return paths, []
    youngest = max(stats[path].st_mtime for path in young)
    time.sleep(min(settle_seconds, max(0.0, settle_seconds - (now - youngest))))
    changing = []
    for path in young:
        try:
            stat = path.stat()
        except OSError:
            changing.append(path)
            continue
        if (stat.st_size, stat.st_mtime_ns) != (stats[path].st_size, stats[path].st_mtime_ns):
            changing.append(path)
    return [path for path in paths if path not in changing], changing


def look(inputs: Path, years: tuple[int, ...], settle_seconds: float = 0, max_file_mb: int = MAX_FILE_MB) -> Look:
    """The years' files to take (in `inputs/<year>/<department>/`, settled), and every file or folder looked
    at but not taken, with the reason."""
    files, not_taken = [], misplaced(inputs)
    for year in years:
        candidates = []
        for path in _walk(inputs / str(year)):
            if (outcome := _not_a_submission(path, inputs, max_file_mb)) is None:
                candidates.append(path)
            else:
                status, reason = outcome
                not_taken.append(submission_for(inputs, path, year, status=status, problem=reason))
        settled, changing = _settled(candidates, settle_seconds)
        files += [(year, path) for path in settled]
        not_taken += [submission_for(inputs, path, year, status="skipped", problem=STILL_WRITTEN) for path in changing]
    return Look(files=files, not_taken=not_taken)


def outside(path: Path, inputs: Path) -> bool:
    """A path (a link: what it leads to) outside inputs/, or leading nowhere."""
    try:
        return not path.resolve(strict=True).is_relative_to(inputs.resolve())
    except OSError:
        return True
