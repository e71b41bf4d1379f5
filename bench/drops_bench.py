"""Drops by event: from a file's copy finishing to its receipt, through the stack `make serve` brings up (server,
deployments, a worker, the watcher), and the runs made while nothing changes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from annual_report.settings import ROOT
from bench.measure import Stats, child_env
from bench.results import Section, Target, seconds

DROP_TARGET = 5.0     # seconds from the copy's end to the receipt (median)
IDLE_SECONDS = 60     # nothing changes for this long: no run
BATCH_FILES = 5       # copied at once: one run
LEDGER = ROOT / "inputs" / "2021" / "普法办" / "法治宣传活动台账.csv"


def _wait_for(condition, timeout: float) -> float:
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"nothing after {timeout:g} s")
        time.sleep(0.05)
    return time.perf_counter() - start


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _drop(folder: Path, name: str, rows: int) -> Path:
    """Copy a ledger in as a copier does: written under a temporary name, renamed when complete."""
    lines = LEDGER.read_text(encoding="utf-8-sig").splitlines()
    arriving = folder / f"{name}.part"
    arriving.write_text("\n".join(lines[: rows + 1]), encoding="utf-8")
    arriving.rename(folder / name)
    return folder / name


def _drops_runs(env: dict[str, str]) -> int:
    """The drops runs the server knows, whatever their state."""
    listed = subprocess.run([str(ROOT / ".venv" / "bin" / "prefect"), "flow-run", "ls", "--flow-name", "ingest-drops",
                             "--limit", "200", "--output", "json"], env=env, capture_output=True, text=True, check=True)
    return len(json.loads(listed.stdout))


def drops_section(runs: int) -> Section:
    with tempfile.TemporaryDirectory(prefix="bench-drops-") as root:
        home, inputs, outputs = Path(root) / "prefect", Path(root) / "inputs", Path(root) / "outputs"
        shutil.copytree(ROOT / "inputs", inputs)
        port, files_port = _free_port(), _free_port()
        env = child_env(PREFECT_HOME=str(home), PREFECT_SERVER_API_PORT=str(port),
                        PREFECT_API_URL=f"http://127.0.0.1:{port}/api", ANNUAL_REPORT_INPUTS=str(inputs),
                        ANNUAL_REPORT_OUTPUTS=str(outputs), ANNUAL_REPORT_FILES_PORT=str(files_port))
        home.mkdir()
        log = (home / "serve.log").open("w")
        serve = subprocess.Popen([str(ROOT / "scripts" / "serve.sh"), "1"], env=env, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT)
        try:
            _wait_for(lambda: "Prefect UI" in (home / "serve.log").read_text(), 300)
            folder = inputs / "2021" / "普法办"
            receipts = outputs / "2021" / "receipts" / "普法办"
            _drop(folder, "预热.csv", 5)  # the first run takes the whole sample and pays for the worker's imports
            _wait_for(lambda: (receipts / "预热.csv.html").exists(), 600)
            latencies = []
            for i in range(runs):
                dropped = _drop(folder, f"补报{i}.csv", 10 + i)
                latencies.append(_wait_for(lambda d=dropped: (receipts / f"{d.name}.html").exists(), 120))
                time.sleep(3)
            before = _drops_runs(env)
            time.sleep(IDLE_SECONDS)
            idle_runs = _drops_runs(env) - before
            batch = [f"同批{i}.csv" for i in range(BATCH_FILES)]
            for name in batch:
                _drop(folder, name, 20)
            _wait_for(lambda: all((receipts / f"{n}.html").exists() for n in batch), 120)
            time.sleep(5)
            batch_runs = _drops_runs(env) - before - idle_runs
        except TimeoutError:
            print((home / "serve.log").read_text()[-5000:])
            raise
        finally:
            os.kill(serve.pid, signal.SIGTERM)
            serve.wait(timeout=120)
            log.close()
    stats = Stats.of(latencies)
    section = Section("Drops by event: copy finished → receipt")
    section.paragraph(
        f"`scripts/serve.sh` on a copy of the sample inputs: the server, the deployments, one worker and the watcher. "
        f"A file is written under a `.part` name and renamed, as a copier does; the time is from the rename to its "
        f"receipt on disk, over {runs} drops one after another (after one drop to warm the worker). Then "
        f"{IDLE_SECONDS} s with nothing changing, then {BATCH_FILES} files copied at once.")
    section.table(["", "median (min–max)"], [["drop → receipt", seconds(stats)]])
    section.paragraph(f"Drops runs while nothing changed for {IDLE_SECONDS} s: **{idle_runs}**; "
                      f"for {BATCH_FILES} files copied at once: **{batch_runs}**.")
    section.targets.append(Target("a dropped file's receipt", seconds(stats), f"≤ {DROP_TARGET:g} s",
                                  stats.median <= DROP_TARGET))
    section.targets.append(Target("runs while nothing changes", str(idle_runs), "0", idle_runs == 0))
    return section
