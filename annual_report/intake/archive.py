"""The archive of every file ever received: content-addressed, append-only, enough to rebuild from.

`objects/<sha[:2]>/<sha256>` holds each distinct file once; `index.jsonl` has one line per
receipt (sha256, year, department, file name, size, time received), in the order received.
Both are written before the file is validated or loaded: an object atomically, an index line synced.
A line torn by a crash (or a full disk) is ignored, and the next line starts on a line of its own.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from annual_report.files import cannot_write, replacing

SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class ArchivedFile:
    sha256: str
    year: int
    department: str
    file: str          # the path under inputs/ it arrived as, e.g. 2021/司法局/台账.csv
    size_bytes: int
    received_at: str   # ISO timestamp
    # received: the bytes arrived; in_force: they became the version their ledger is represented by;
    # withdrawn: that version stopped counting (its file left the folder). Lines without it were received.
    event: str = "received"

    def __post_init__(self) -> None:
        if not SHA256.fullmatch(self.sha256):  # it names the object's file: nothing else may pass as one
            raise ValueError(f"not a sha256: {self.sha256!r}")

    @property
    def received(self) -> datetime:
        return datetime.fromisoformat(self.received_at)


class ChangedWhileReading(Exception):
    """A received file's bytes changed between two reads: it is still being written, or was replaced."""


def copy_hashing(source: BinaryIO, sink: BinaryIO | None = None) -> str:
    """The SHA-256 of what is left to read from `source`, copied to `sink` on the way if one is given."""
    digest = hashlib.sha256()
    while chunk := source.read(1 << 20):
        digest.update(chunk)
        if sink is not None:
            sink.write(chunk)
    return digest.hexdigest()


class Archive:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.index = root / "index.jsonl"

    def object_path(self, sha256: str) -> Path:
        return self.root / "objects" / sha256[:2] / sha256

    def store(self, source: BinaryIO, entry: ArchivedFile) -> Path:
        """Keep the bytes read from `source` (once per content) and record that they were received; the
        object's path. ChangedWhileReading, with nothing kept or recorded, when they are not the bytes
        `entry.sha256` names (the file was written to after it was hashed)."""
        target = self.object_path(entry.sha256)
        if not target.exists():
            with replacing(target) as partial:
                with partial.open("wb") as sink:
                    digest = copy_hashing(source, sink)
                if digest != entry.sha256:
                    raise ChangedWhileReading(entry.file)
        self.record(entry)
        return target

    def record(self, entry: ArchivedFile) -> None:
        """Record an event of bytes already kept (see ArchivedFile.event)."""
        self._append(json.dumps(asdict(entry), ensure_ascii=False).encode() + b"\n")

    def _append(self, line: bytes) -> None:
        """Add a line to the index and sync it; after a torn line, on a line of its own."""
        try:
            with self.index.open("a+b") as stream:
                stream.write(b"\n" + line if _torn(stream) else line)
                stream.flush()
                os.fsync(stream.fileno())
        except OSError as error:
            raise cannot_write(self.index, error) from error

    def entries(self) -> list[ArchivedFile]:
        """Every receipt, oldest first (a line torn by a crash, or otherwise unreadable, is ignored)."""
        if not self.index.exists():
            return []
        entries = []
        for line in self.index.read_bytes().splitlines():
            try:
                entries.append(ArchivedFile(**json.loads(line.decode("utf-8"))))
            except (ValueError, TypeError):  # ValueError covers undecodable bytes and broken JSON
                continue
        return entries


    def has_events(self) -> bool:
        """Whether the index records which versions were in force (archives older than that record arrivals only)."""
        return any(entry.event != "received" for entry in self.entries())


def _torn(stream: BinaryIO) -> bool:
    """Whether the index ends inside a line: the last append was cut short."""
    if stream.seek(0, os.SEEK_END) == 0:
        return False
    stream.seek(-1, os.SEEK_END)
    return stream.read(1) != b"\n"
