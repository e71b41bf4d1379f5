"""Faults: a run killed at random moments, two runs at once, a full disk, an outputs folder that cannot be
written, a damaged warehouse. Nothing a department sent may be lost, half-loaded or loaded twice, and
every output is either the previous complete file or a complete new one.

Each test starts from `before`: a finished run on last week's inputs (every ledger in an older version,
kept in last-week/), with this week's inputs in place; `reference` is what running them, never
interrupted, leaves.
`make reliability` runs this module with 20 kill trials and writes docs/reliability.md.
"""

from __future__ import annotations

import csv
import dataclasses
import errno
import json
import os
import random
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import polars as pl
import pytest
import reliability
import weasyprint
from conftest import run_report, write_csv
from reliability import FINISHED, REGION, STEPS, YEAR

from annual_report import pipeline
from annual_report.cli import main
from annual_report.files import HOST, PARTIAL, write_text
from annual_report.intake import archive as archive_module
from annual_report.intake.archive import Archive, ArchivedFile
from annual_report.intake.submission import sha256_of
from annual_report.settings import ROOT, Settings
from annual_report.warehouse.database import WarehouseBusyError, WarehouseDamagedError

pytestmark = pytest.mark.usefixtures("prefect_harness")  # the flows run as users run them

SEED = 7


def settings_of(root: Path, inputs: str = "inputs") -> Settings:
    return Settings.from_env().with_paths(inputs=root / inputs, outputs=root / "outputs")


def warehouse_of(root: Path) -> Path:
    return root / "outputs" / "warehouse.duckdb"


def older_inputs(target: Path) -> None:
    """Last week's inputs: every ledger as a Chinese Windows machine saves it (GB18030, CRLF, columns
    reversed), the legal aid ledger 50 cases shorter; so this week every file is taken again."""
    for path in (ROOT / "inputs").rglob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as stream:
            rows = [row[::-1] for row in csv.reader(stream)]
        if path.match("2021/法律援助中心/*.csv"):
            rows = rows[:-50]
        write_csv(target / path.relative_to(ROOT / "inputs"), rows, encoding="gb18030")


def copy_of(before: Path, target: Path) -> Path:
    shutil.copytree(before, target / "run")
    return target / "run"


@pytest.fixture(scope="module")
def before(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("before")
    older_inputs(root / "last-week")
    run_report(settings_of(root, "last-week"), REGION, YEAR)
    shutil.copytree(ROOT / "inputs", root / "inputs")
    return root


@dataclass(frozen=True)
class Reference:
    state: dict[str, list[tuple[Any, ...]]]
    seconds: dict[str, float]  # how long each step took


@pytest.fixture(scope="module")
def reference(before: Path, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """This week's run, never interrupted, in a child process as the killed runs are."""
    root = copy_of(before, tmp_path_factory.mktemp("reference"))
    seconds = reliability.step_seconds(root / "inputs", root / "outputs", root / "run.log")
    return Reference(reliability.warehouse_state(warehouse_of(root)), seconds)


def assert_as_if_never_interrupted(root: Path, reference: Reference) -> None:
    """The warehouse of an uninterrupted run, every output complete, no partial file, every archived file whole."""
    outputs = root / "outputs"
    assert reliability.warehouse_state(warehouse_of(root)) == reference.state
    assert reliability.misloaded(warehouse_of(root)) == []
    assert reliability.torn_outputs(outputs, previous={}) == []
    assert reliability.partial_files(outputs) == []
    assert reliability.unsound_objects(outputs / "archive") == []


@pytest.mark.parametrize("trial", range(reliability.trials()))
def test_killed_run_reruns_to_the_same_warehouse(trial: int, before: Path, reference: Reference, tmp_path: Path,
                                                 record_property: Callable[[str, object], None]) -> None:
    """The process killed (SIGKILL) at a random moment of ingest, metrics or render (seeded), then run
    again: every output was, right after the kill, the previous complete file or a complete new one; after
    the rerun the warehouse (submissions, rows loaded per file, rejections, metrics) is that of an
    uninterrupted run, nothing half-loaded or loaded twice, no partial file left; and a rebuild from the
    archive gives the same warehouse again."""
    step = STEPS[trial % len(STEPS)]
    delay = random.Random(SEED + trial).uniform(0, reference.seconds[step])
    root = copy_of(before, tmp_path)
    previous = reliability.output_files(root / "outputs")
    kill = reliability.kill_during(step, delay, root / "inputs", root / "outputs", root / "run.log")
    record_property("killed", "after the run ended" if kill.died_in == FINISHED else f"during {kill.died_in}")
    assert reliability.torn_outputs(root / "outputs", previous) == []
    run_report(settings_of(root), REGION, YEAR)
    assert_as_if_never_interrupted(root, reference)
    pipeline.rebuild_warehouse(settings_of(root))
    assert reliability.warehouse_state(warehouse_of(root)) == reference.state


def test_torn_index_line_spoils_only_itself(tmp_path: Path) -> None:
    """The archive's index cut off in the middle of a line, inside a Chinese character (a crash or a full
    disk during an append): the line is ignored, every other receipt is read, and the next one appended
    starts on a line of its own instead of being glued to the torn one."""
    archive = Archive(tmp_path / "archive")
    source = tmp_path / "台账.csv"
    source.write_text("案件编号\n1\n", encoding="utf-8")
    entry = ArchivedFile(sha256=sha256_of(source), year=YEAR, department="法律援助中心",
                         file="2021/法律援助中心/台账.csv", size_bytes=source.stat().st_size,
                         received_at="2021-03-01T09:00:00")
    with source.open("rb") as stream:
        archive.store(stream, entry)
    line = json.dumps(dataclasses.asdict(entry), ensure_ascii=False).encode()
    with archive.index.open("ab") as index:
        index.write(line[:line.index("法".encode()) + 1])  # the first byte of 法
    later = dataclasses.replace(entry, received_at="2021-03-02T09:00:00")
    with source.open("rb") as stream:
        archive.store(stream, later)
    assert archive.entries() == [entry, later]


def ended_pid() -> int:
    """The pid of a process that has ended."""
    with subprocess.Popen(["true"]) as process:
        process.wait()
    return process.pid


def test_partial_file_of_a_killed_writer_is_swept(tmp_path: Path) -> None:
    """A partial file left by a process killed while writing an output: the next write into that folder
    removes it; the partial file of a writer still running is left alone."""
    left = tmp_path / f".{ended_pid()}@{HOST}.0123abcd{PARTIAL}"
    running = tmp_path / f".{os.getpid()}@{HOST}.4567cdef{PARTIAL}"
    for partial in (left, running):
        partial.write_bytes(b"%PDF-1.7 cut short")
    write_text(tmp_path / "report.html", "<html></html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([running.name, "report.html"])


def test_second_run_stops_naming_the_holder(before: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two runs at once, the second waiting at most ANNUAL_REPORT_LOCK_TIMEOUT (1 s here): it stops with a
    message naming the process that holds the warehouse, and the warehouse is untouched."""
    root = copy_of(before, tmp_path)
    state = reliability.warehouse_state(warehouse_of(root))
    monkeypatch.setenv("ANNUAL_REPORT_LOCK_TIMEOUT", "1")
    with reliability.holding_warehouse(warehouse_of(root)) as holder, \
            pytest.raises(WarehouseBusyError, match=rf"in use by pid {holder.pid} .*ANNUAL_REPORT_LOCK_TIMEOUT"):
        run_report(settings_of(root), REGION, YEAR)
    assert reliability.warehouse_state(warehouse_of(root)) == state


def test_two_runs_at_once_both_finish(before: Path, reference: Reference, tmp_path: Path) -> None:
    """Two report runs started together on the same warehouse and outputs: each waits for the other file
    by file; both finish, and the warehouse and outputs are those of one run."""
    root = copy_of(before, tmp_path)
    logs = [(root / f"run-{i}.log").open("w") for i in range(2)]
    runs = [subprocess.Popen(reliability.child("run", root / "inputs", root / "outputs"),
                             stdout=subprocess.DEVNULL, stderr=log) for log in logs]
    assert [run.wait(timeout=600) for run in runs] == [0, 0]
    for log in logs:
        log.close()
    assert_as_if_never_interrupted(root, reference)


def test_disk_full_while_the_warehouse_grows(before: Path, reference: Reference, tmp_path: Path) -> None:
    """The disk full under the warehouse (the run may write no file past 1 MB, so DuckDB's own writes
    fail): the run stops saying it cannot write the warehouse, nothing is half-loaded, and a rerun with
    room gives the warehouse of an uninterrupted run."""
    root = copy_of(before, tmp_path)
    run = subprocess.run(reliability.child("run", root / "inputs", root / "outputs"), capture_output=True,
                         text=True, preexec_fn=reliability.file_size_limit(1 << 20), timeout=600)
    assert run.returncode != 0
    assert f"cannot write the warehouse {warehouse_of(root)}" in run.stderr, run.stderr[-2000:]
    assert reliability.misloaded(warehouse_of(root)) == []
    run_report(settings_of(root), REGION, YEAR)
    assert_as_if_never_interrupted(root, reference)


def out_of_room(written: Path) -> NoReturn:
    """What a write that runs out of room does: some bytes reach the file, then ENOSPC."""
    with Path(written).open("ab") as stream:
        stream.write(b"%PDF-1.7 \xe5\x8f")
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def index_out_of_room(descriptor: int) -> None:
    """`os.fsync` on a disk that filled up as the archive's index line was written."""
    path = Path(os.readlink(f"/proc/self/fd/{descriptor}"))
    if path.name == "index.jsonl":
        out_of_room(path)
    SYNC(descriptor)


SYNC = os.fsync
# each output: the function that writes it, made to run out of room, and the name the error must give
DISK_FULL = {
    "archived copy of a file": (archive_module, "copy_hashing", lambda source, sink=None: out_of_room(sink.name),
                                "archive/objects"),
    "archive index": (os, "fsync", index_out_of_room, "archive/index.jsonl"),
    "receipt": (Path, "write_text", lambda self, *_, **__: out_of_room(self), "receipts/"),
    "metrics CSV": (pl.DataFrame, "write_csv", lambda self, target, **_: out_of_room(target), "metrics.csv"),
    "report PDF": (weasyprint.Document, "write_pdf", lambda self, target, **_: out_of_room(target), "report.pdf"),
}


@pytest.mark.parametrize("output", DISK_FULL)
def test_disk_full_while_writing(output: str, before: Path, reference: Reference, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk full while writing each output (the write raises ENOSPC after writing part of it): the run
    stops with an error naming the file, which is still the previous complete one, as is every output
    not yet rewritten, and the archive keeps every line it had; a rerun with room gives the warehouse and
    outputs of an uninterrupted run."""
    owner, name, full, named = DISK_FULL[output]
    root = copy_of(before, tmp_path)
    previous = reliability.output_files(root / "outputs")
    archived = Archive(root / "outputs" / "archive").entries()
    monkeypatch.setattr(owner, name, full)
    with pytest.raises(OSError, match=rf"cannot write \S*{named}\S*: No space left on device"):
        run_report(settings_of(root), REGION, YEAR)
    monkeypatch.undo()
    assert reliability.torn_outputs(root / "outputs", previous) == []
    now = reliability.output_files(root / "outputs")
    assert all(now[path] == content for path, content in previous.items() if named in path.as_posix())
    assert Archive(root / "outputs" / "archive").entries()[:len(archived)] == archived
    run_report(settings_of(root), REGION, YEAR)
    assert_as_if_never_interrupted(root, reference)


def test_outputs_folder_that_cannot_be_written(before: Path, reference: Reference, tmp_path: Path) -> None:
    """An outputs folder that cannot be written (a file stands where it should be: this stops root too,
    which a chmod does not): the run stops naming the path; the warehouse keeps every file it loaded whole;
    once the folder can be written, a rerun completes as if nothing had happened."""
    root = copy_of(before, tmp_path)
    report_folder = root / "outputs" / str(YEAR)
    report_folder.rename(root / "reports-aside")
    report_folder.write_text("not a folder")
    with pytest.raises(OSError, match=rf"cannot write {report_folder}/"):
        run_report(settings_of(root), REGION, YEAR)
    assert reliability.misloaded(warehouse_of(root)) == []
    report_folder.unlink()
    (root / "reports-aside").rename(report_folder)
    run_report(settings_of(root), REGION, YEAR)
    assert_as_if_never_interrupted(root, reference)


def flipped(data: bytes, start: int, length: int) -> bytes:
    return data[:start] + bytes(b ^ 0xFF for b in data[start:start + length]) + data[start + length:]


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "overwritten with text": lambda data: b"this warehouse was damaged",
    "first 4 KiB zeroed": lambda data: bytes(4096) + data[4096:],
    "cut to half its length": lambda data: data[:len(data) // 2],
    "64 KiB flipped a third of the way in": lambda data: flipped(data, len(data) // 3, 1 << 16),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_damaged_warehouse_is_said_and_rebuilt(damage: str, before: Path, reference: Reference,
                                               tmp_path: Path) -> None:
    """The warehouse file damaged (overwritten, its header zeroed, cut short, bytes flipped), then last
    week's run again: it stops saying the warehouse is damaged and how to rebuild it; `annual-report
    rebuild` makes it again from the archive alone with identical metrics, and this week's run then gives
    the warehouse of an uninterrupted run."""
    root = copy_of(before, tmp_path)
    metrics = reliability.warehouse_state(warehouse_of(root))["metrics"]
    warehouse_of(root).write_bytes(DAMAGE[damage](warehouse_of(root).read_bytes()))
    with pytest.raises(WarehouseDamagedError, match="is damaged .*annual-report rebuild"):
        run_report(settings_of(root, "last-week"), REGION, YEAR)
    assert main(["rebuild", "--outputs", str(root / "outputs"), "--inputs", str(tmp_path / "nothing")]) == 0
    assert reliability.warehouse_state(warehouse_of(root))["metrics"] == metrics
    run_report(settings_of(root), REGION, YEAR)
    assert_as_if_never_interrupted(root, reference)


def test_rebuild_waits_for_the_warehouse(before: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`annual-report rebuild` while another process holds the warehouse: it waits, then stops naming the
    holder; the warehouse in use is not replaced under it."""
    root = copy_of(before, tmp_path)
    content = warehouse_of(root).read_bytes()
    monkeypatch.setenv("ANNUAL_REPORT_LOCK_TIMEOUT", "1")
    with reliability.holding_warehouse(warehouse_of(root)) as holder, \
            pytest.raises(WarehouseBusyError, match=f"in use by pid {holder.pid} "):
        pipeline.rebuild_warehouse(settings_of(root))
    assert warehouse_of(root).read_bytes() == content


def test_reliability_doc_lists_every_reliability_test() -> None:
    """docs/reliability.md, which `make reliability` writes, has a line for every test of the reliability
    modules (`reliability.TEST_FILES`, but this one), and no other."""
    text = reliability.DOC.read_text(encoding="utf-8")
    assert reliability.documented_tests(text) == reliability.reliability_tests()
