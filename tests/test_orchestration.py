"""The deployments of prefect.yaml on a real Prefect server with a process worker, as `make serve` runs them.

One server on a loopback port with a temporary PREFECT_HOME, the work pool, `prefect deploy --all`
and a worker, all stopped at the end. The worker's runs read a copy of the sample inputs and write
to a temporary outputs folder.
"""

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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from annual_report.settings import ROOT

PREFECT = str(Path(sys.executable).with_name("prefect"))


@dataclass(frozen=True)
class Stack:
    env: dict[str, str]
    inputs: Path
    outputs: Path

    def prefect(self, *args: str) -> str:
        return subprocess.run([PREFECT, *args], env=self.env, cwd=ROOT, check=True, capture_output=True,
                              text=True, timeout=120).stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(condition, timeout: float, what: str) -> float:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"no {what} after {timeout:g} s")
        time.sleep(0.5)
    return time.monotonic() - start


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2):
            return True
    except OSError:
        return False


def _stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    home = tmp_path_factory.mktemp("prefect-home")
    inputs, outputs = home / "inputs", home / "outputs"
    shutil.copytree(ROOT / "inputs", inputs)
    api = f"http://127.0.0.1:{_free_port()}/api"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_API_URL": api, "PWD": str(ROOT),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "ANNUAL_REPORT_INPUTS": str(inputs),
           "ANNUAL_REPORT_OUTPUTS": str(outputs)}
    port = api.split(":")[2].split("/")[0]
    logs = (home / "server.log").open("w"), (home / "worker.log").open("w")
    server = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", port], env=env,
                              stdout=logs[0], stderr=subprocess.STDOUT, start_new_session=True)
    started = [server]
    try:
        _wait_for(lambda: _healthy(api), 120, "healthy Prefect server")
        stack = Stack(env=env, inputs=inputs, outputs=outputs)
        stack.prefect("work-pool", "create", "annual-report", "--type", "process")
        stack.prefect("--no-prompt", "deploy", "--all")
        started.append(subprocess.Popen([PREFECT, "worker", "start", "--pool", "annual-report"], env=env,
                                        stdout=logs[1], stderr=subprocess.STDOUT, start_new_session=True))
        yield stack
    finally:
        for process in reversed(started):
            _stop(process)
        for log in logs:
            log.close()


def _completed_runs(stack: Stack, flow_name: str) -> list[dict]:
    return json.loads(stack.prefect("flow-run", "ls", "--flow-name", flow_name, "--state-type", "COMPLETED",
                                    "--output", "json"))


def test_manual_deployment_renders_the_2021_report(stack: Stack) -> None:
    stack.prefect("deployment", "run", "annual-report/manual", "-p", "year=2021")
    pdf = stack.outputs / "2021" / "jinjiang-2021-report.pdf"
    _wait_for(pdf.exists, 300, f"report at {pdf}")
    _wait_for(lambda: _completed_runs(stack, "annual-report"), 60, "completed run")
    assert [run["name"] for run in _completed_runs(stack, "annual-report")] == ["jinjiang-2021"]
    assert pdf.read_bytes().startswith(b"%PDF")
    assert (stack.outputs / "2021" / "receipts" / "法院" / "执行慈善救助台账.csv.html").exists()


def test_a_dropped_file_gets_its_receipt_within_about_a_minute(stack: Stack) -> None:
    folder = stack.inputs / "2021" / "普法办"
    rows = (ROOT / "inputs" / "2021" / "普法办" / "法治宣传活动台账.csv").read_text(encoding="utf-8-sig").splitlines()
    (folder / "法治宣传活动台账（补报）.csv.part").write_text("\n".join(rows[:50]), encoding="utf-8")  # still copying
    dropped = folder / "法治宣传活动台账（补报）.csv"
    (folder / "法治宣传活动台账（补报）.csv.part").rename(dropped)
    receipt = stack.outputs / "2021" / "receipts" / "普法办" / f"{dropped.name}.html"
    latency = _wait_for(receipt.exists, 150, f"receipt at {receipt}")
    print(f"drop-to-receipt latency: {latency:.1f} s")
    assert "读取 49 行，入库 49 行，有问题 0 行" in receipt.read_text(encoding="utf-8")
