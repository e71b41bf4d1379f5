"""The deployments of prefect.yaml on a real Prefect server with a process worker, brought up by `make serve`'s
script (scripts/serve.sh), which runs the commands the systemd units run (scripts/server.sh, deploy.sh,
worker.sh).

One server on a loopback port with a temporary PREFECT_HOME, the work pool, the deployments and a worker, all
stopped at the end. The worker's runs read a copy of the sample inputs and write to a temporary outputs folder.
The last test stops the worker.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from annual_report.settings import ROOT

PREFECT = str(Path(sys.executable).with_name("prefect"))


SERVE = ROOT / "scripts" / "serve.sh"


@dataclass(frozen=True)
class Stack:
    env: dict[str, str]
    home: Path
    inputs: Path
    outputs: Path

    def prefect(self, *args: str) -> str:
        return subprocess.run([PREFECT, *args], env=self.env, cwd=ROOT, check=True, capture_output=True,
                              text=True, timeout=120).stdout

    def serve(self) -> subprocess.CompletedProcess[str]:
        """`make serve`'s script once more, beside the one the fixture started."""
        return subprocess.run([str(SERVE), "1"], check=False, env=self.env, capture_output=True, text=True, timeout=180)

    @property
    def worker_pid(self) -> int:
        return int(next(self.home.glob("worker-*.pid")).read_text())


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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The stack as `make serve` brings it up (scripts/serve.sh: server, pool, deployments, one worker), on a
    free loopback port, with its own PREFECT_HOME, inputs and outputs; stopped as Ctrl-C stops it."""
    home = tmp_path_factory.mktemp("prefect-home")
    inputs, outputs = home / "inputs", home / "outputs"
    shutil.copytree(ROOT / "inputs", inputs)
    port = _free_port()
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_API_PORT": str(port),
           "PREFECT_API_URL": f"http://127.0.0.1:{port}/api", "PWD": str(ROOT),
           "ANNUAL_REPORT_INPUTS": str(inputs), "ANNUAL_REPORT_OUTPUTS": str(outputs)}
    log = (home / "serve.log").open("w")
    serve = subprocess.Popen([str(SERVE), "1"], env=env, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
    try:
        _wait_for(lambda: "Prefect UI" in (home / "serve.log").read_text(), 240, "stack up")
        yield Stack(env=env, home=home, inputs=inputs, outputs=outputs)
    finally:
        os.kill(serve.pid, signal.SIGTERM)
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
        log.close()


def _runs(stack: Stack, flow_name: str, state: str) -> list[dict]:
    return json.loads(stack.prefect("flow-run", "ls", "--flow-name", flow_name, "--state-type", state,
                                    "--output", "json"))


def _completed_runs(stack: Stack, flow_name: str) -> list[dict]:
    return _runs(stack, flow_name, "COMPLETED")


def test_manual_deployment_renders_the_2021_report(stack: Stack) -> None:
    stack.prefect("deployment", "run", "annual-report/manual", "-p", "year=2021")
    pdf = stack.outputs / "2021" / "jinjiang-2021-report.pdf"
    _wait_for(pdf.exists, 300, f"report at {pdf}")
    _wait_for(lambda: _completed_runs(stack, "annual-report"), 60, "completed run")
    assert [run["name"] for run in _completed_runs(stack, "annual-report")] == ["jinjiang-2021-strict"]
    assert pdf.read_bytes().startswith(b"%PDF")
    assert (stack.outputs / "2021" / "receipts" / "法院" / "执行慈善救助台账.csv.html").exists()


def test_a_dropped_file_gets_its_receipt_in_seconds_by_the_watchers_event(stack: Stack) -> None:
    """The drops deployment's schedule is hourly: only the watcher's event and the trigger can take it this fast.
    bench/drops_bench.py measures the latency (median of several drops)."""
    folder = stack.inputs / "2021" / "普法办"
    rows = (ROOT / "inputs" / "2021" / "普法办" / "法治宣传活动台账.csv").read_text(encoding="utf-8-sig").splitlines()
    arriving = folder / "法治宣传活动台账（补报）.csv.part"
    arriving.write_text("\n".join(rows[:50]), encoding="utf-8")  # still copying: no event
    dropped = folder / "法治宣传活动台账（补报）.csv"
    arriving.rename(dropped)
    receipt = stack.outputs / "2021" / "receipts" / "普法办" / f"{dropped.name}.html"
    latency = _wait_for(receipt.exists, 60, f"receipt at {receipt}")
    print(f"drop-to-receipt latency: {latency:.1f} s")
    assert "读取 49 行，入库 49 行，有问题 0 行" in receipt.read_text(encoding="utf-8")


def test_no_run_while_nothing_changes(stack: Stack) -> None:
    runs = len(_runs(stack, "ingest-drops", "COMPLETED"))
    time.sleep(15)
    assert len(_runs(stack, "ingest-drops", "COMPLETED")) == runs


def test_serve_again_reuses_the_server_and_the_worker(stack: Stack) -> None:
    server_log = stack.home / "server.log"
    logged = server_log.stat().st_size
    again = stack.serve()
    assert again.returncode == 0, again.stderr
    assert "already answering" in again.stdout and "already running" in again.stdout, again.stdout
    assert server_log.stat().st_size >= logged  # appended to, never truncated
    assert len(list(stack.home.glob("worker-*.pid"))) == 1 and _alive(stack.worker_pid)


def test_a_failed_report_run_is_told_at_the_offices_webhook(stack: Stack) -> None:
    received: list[dict] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        subprocess.run([sys.executable, "-m", "annual_report.notify", "--webhook",
                        f"http://127.0.0.1:{server.server_port}/hook"], env=stack.env, check=True, timeout=120)
        stack.prefect("deployment", "run", "annual-report/manual", "-p", "year=2030")  # no spec for 2030
        _wait_for(lambda: received, 180, "notification at the webhook")
    finally:
        server.shutdown()
    [message] = received
    assert message["subject"].startswith("年度报告运行未完成：jinjiang-2030")
    assert "失败" in message["text"] and "2030" in message["text"] and "/runs/flow-run/" in message["text"]


def test_one_signal_stops_the_worker_after_its_run_in_flight(stack: Stack) -> None:
    """(last: it stops the stack's worker) One SIGTERM, as systemd sends its KillSignal: the worker takes no new
    run, lets the one in flight finish, and exits; `prefect worker start` would keep taking runs."""
    pid = stack.worker_pid
    before = len(_completed_runs(stack, "annual-report"))
    stack.prefect("deployment", "run", "annual-report/manual", "-p", "year=2021", "-p", "mode=draft")
    _wait_for(lambda: _runs(stack, "annual-report", "RUNNING"), 120, "report run in flight")
    os.kill(pid, signal.SIGTERM)
    _wait_for(lambda: not _alive(pid), 300, "worker stopped")
    assert len(_completed_runs(stack, "annual-report")) == before + 1
    assert "taking no new run, 1 in flight" in next(stack.home.glob("worker-*.log")).read_text()
