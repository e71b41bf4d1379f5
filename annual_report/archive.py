"""The archive of every file ever received: content-addressed, append-only, enough to rebuild from.

`objects/<sha[:2]>/<sha256>` holds each distinct file once; `index.jsonl` has one line per
receipt (sha256, year, department, file name, size, time received), in the order received.
Both are written before the file is validated or loaded, and written atomically.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from annual_report.files import replacing


@dataclass(frozen=True)
class ArchivedFile:
    sha256: str
    year: int
    department: str
    file: str          # the path under inputs/ it arrived as, e.g. 2021/司法局/台账.csv
    size_bytes: int
    received_at: str   # ISO timestamp

    @property
    def received(self) -> datetime:
        return datetime.fromisoformat(self.received_at)


class Archive:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.index = root / "index.jsonl"

    def object_path(self, sha256: str) -> Path:
        return self.root / "objects" / sha256[:2] / sha256

    def store(self, source: Path, entry: ArchivedFile) -> Path:
        """Keep the file's bytes (once per content) and record that it was received."""
        target = self.object_path(entry.sha256)
        if not target.exists():
            with replacing(target) as partial:
                shutil.copyfile(source, partial)
        self.root.mkdir(parents=True, exist_ok=True)
        with self.index.open("a", encoding="utf-8") as stream:
            stream.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        return target

    def entries(self) -> list[ArchivedFile]:
        """Every receipt, oldest first (a torn last line from a crash is ignored)."""
        if not self.index.exists():
            return []
        entries = []
        for line in self.index.read_text(encoding="utf-8").splitlines():
            try:
                entries.append(ArchivedFile(**json.loads(line)))
            except (json.JSONDecodeError, TypeError):
                continue
        return entries
