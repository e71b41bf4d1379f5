"""The stack as `make serve` brings it up (scripts/serve.sh: the Prefect server, the work pool and deployments, one
worker, the watcher, the files server), for the integration tests: on free loopback ports, with its own
PREFECT_HOME, a copy of the sample inputs and its own outputs; stopped as Ctrl-C stops it. Its database is SQLite
in PREFECT_HOME unless the environment given names another (tests/test_postgres.py)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from annual_report.settings import ROOT

PREFECT = str(Path(sys.executable).with_name("prefect"))
SERVE = ROOT / "scripts" / "serve.sh"


@dataclass(frozen=True)
class Stack:
    env: dict[str, str]
    home: Path
    inputs: Path
    outputs: Path
    files_url: str  # the files server, as the artifacts link to it

    def prefect(self, *args: str) -> str:
        return subprocess.run([PREFECT, *args], env=self.env, cwd=ROOT, check=True, capture_output=True,
                              text=True, timeout=120).stdout

    def serve(self) -> subprocess.CompletedProcess[str]:
        """`make serve`'s script once more, beside the one the fixture started."""
        return subprocess.run([str(SERVE), "1"], check=False, env=self.env, capture_output=True, text=True, timeout=180)

    def runs(self, flow_name: str, state: str) -> list[dict]:
        return json.loads(self.prefect("flow-run", "ls", "--flow-name", flow_name, "--state-type", state,
                                       "--output", "json"))

    def artifact(self, key: str) -> str:
        """The newest artifact of that key, as the UI shows it (Prefect's client: `prefect artifact inspect` prints
        its data through Rich, which takes a link's `[text]` for markup and drops it)."""
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
        from prefect.client.schemas.sorting import ArtifactSort
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: self.env["PREFECT_API_URL"]}), get_client(sync_client=True) as client:
            artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
                                              sort=ArtifactSort.CREATED_DESC, limit=1)
        return artifacts[0].data

    @property
    def worker_pid(self) -> int:
        return int(next(self.home.glob("worker-*.pid")).read_text())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> float:
    """Seconds until the condition holds; TimeoutError naming what was awaited after `timeout`."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"no {what} after {timeout:g} s")
        time.sleep(0.5)
    return time.monotonic() - start


def alive(pid: int) -> bool:
    """Whether the process runs (one that has ended but that its parent has not waited for does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def served_stack(home: Path, env: dict[str, str] | None = None,
                 dropped: dict[Path, Path] | None = None) -> Iterator[Stack]:
    """scripts/serve.sh with one worker, in `home`, until the block ends; `env` adds to the environment, `dropped`
    files to the inputs before the stack starts (path under inputs/ → the file copied there)."""
    inputs, outputs = home / "inputs", home / "outputs"
    shutil.copytree(ROOT / "inputs", inputs)
    for target, source in (dropped or {}).items():
        shutil.copy(source, inputs / target)
    port, files_port = free_port(), free_port()
    files_url = f"http://127.0.0.1:{files_port}/"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_API_PORT": str(port),
           "PREFECT_API_URL": f"http://127.0.0.1:{port}/api", "PWD": str(ROOT),
           "ANNUAL_REPORT_INPUTS": str(inputs), "ANNUAL_REPORT_OUTPUTS": str(outputs),
           "ANNUAL_REPORT_FILES_PORT": str(files_port), **(env or {})}
    log = (home / "serve.log").open("w")
    serve = subprocess.Popen([str(SERVE), "1"], env=env, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
    try:
        wait_for(lambda: "Prefect UI" in (home / "serve.log").read_text(), 240, "stack up")
        wait_for(lambda: answers(files_url), 60, f"files server at {files_url}")
        yield Stack(env=env, home=home, inputs=inputs, outputs=outputs, files_url=files_url)
    finally:
        os.kill(serve.pid, signal.SIGTERM)  # as Ctrl-C: serve.sh stops what it started, then itself
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
        log.close()
        left = _group_left(serve.pid)
        if left:
            os.killpg(serve.pid, signal.SIGKILL)
            raise AssertionError(f"serve.sh ended, leaving these running: {left}")


def _group_left(group: int) -> list[str]:
    """The command lines of the processes still in serve.sh's process group (its session, begun for it)."""
    try:
        wait_for(lambda: not _members(group), 30, "end of what serve.sh started")  # a server's last seconds
    except TimeoutError:
        return _members(group)
    return []


def _members(group: int) -> list[str]:
    listed = subprocess.run(["ps", "-o", "pgid=,args=", "-e"], check=True, capture_output=True, text=True).stdout
    return [args for pgid, _, args in (line.strip().partition(" ") for line in listed.splitlines())
            if pgid == str(group)]
