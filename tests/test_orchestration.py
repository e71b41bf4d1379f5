"""The deployments of prefect.yaml on a real Prefect server with a process worker, brought up by `make serve`'s
script (scripts/serve.sh), which runs the commands the systemd units run (scripts/server.sh, deploy.sh,
worker.sh).

One server on a loopback port with a temporary PREFECT_HOME, the work pool, the deployments, a worker, the
watcher and the files server, all stopped at the end (tests/stack.py). The worker's runs read a copy of the sample inputs and write to a temporary outputs folder.
The last test stops the worker.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from stack import Stack, alive, served_stack, wait_for

from annual_report.settings import ROOT

LEDGER = ROOT / "inputs" / "2021" / "普法办" / "法治宣传活动台账.csv"
DROPPED_WHILE_DOWN = Path("2021") / "普法办" / "法治宣传活动台账（停机时补报）.csv"  # before the watcher starts


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The stack as `make serve` brings it up, on SQLite (tests/stack.py)."""
    with served_stack(tmp_path_factory.mktemp("prefect-home"), dropped={DROPPED_WHILE_DOWN: LEDGER}) as served:
        yield served


def test_a_file_dropped_while_the_watcher_was_down_is_taken_when_it_starts(stack: Stack) -> None:
    """(first: before the report run writes every receipt) The watcher's event at its start runs the drops
    deployment; its hourly sweep would come an hour later."""
    receipt = stack.outputs / "2021" / "receipts" / f"{DROPPED_WHILE_DOWN.relative_to('2021')}.html"
    wait_for(receipt.exists, 120, f"receipt at {receipt}")
    assert stack.runs("ingest-drops", "COMPLETED")


def test_manual_deployment_renders_the_2021_report(stack: Stack) -> None:
    stack.prefect("deployment", "run", "annual-report/manual", "-p", "year=2021")
    pdf = stack.outputs / "2021" / "jinjiang-2021-report.pdf"
    wait_for(pdf.exists, 300, f"report at {pdf}")
    wait_for(lambda: stack.runs("annual-report", "COMPLETED"), 60, "completed run")
    assert [run["name"] for run in stack.runs("annual-report", "COMPLETED")] == ["jinjiang-2021-strict"]
    assert pdf.read_bytes().startswith(b"%PDF")
    assert (stack.outputs / "2021" / "receipts" / "法院" / "执行慈善救助台账.csv.html").exists()


def test_the_reports_artifact_links_to_the_pdf_on_the_files_server(stack: Stack) -> None:
    """(after the report run) Not a file: link the browser refuses: the PDF as the files server serves it."""
    [link] = re.findall(r"\]\((.+)\)", stack.artifact("jinjiang-2021-report"))
    assert link == f"{stack.files_url}2021/jinjiang-2021-report.pdf"
    with urllib.request.urlopen(link, timeout=10) as response:
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.read() == (stack.outputs / "2021" / "jinjiang-2021-report.pdf").read_bytes()


def test_a_dropped_file_gets_its_receipt_in_seconds_by_the_watchers_event(stack: Stack) -> None:
    """The drops deployment's schedule is hourly: only the watcher's event and the trigger can take it this fast.
    bench/drops_bench.py measures the latency (median of several drops)."""
    folder = stack.inputs / "2021" / "普法办"
    rows = LEDGER.read_text(encoding="utf-8-sig").splitlines()
    arriving = folder / "法治宣传活动台账（补报）.csv.part"
    arriving.write_text("\n".join(rows[:50]), encoding="utf-8")  # still copying: no event
    dropped = folder / "法治宣传活动台账（补报）.csv"
    arriving.rename(dropped)
    receipt = stack.outputs / "2021" / "receipts" / "普法办" / f"{dropped.name}.html"
    latency = wait_for(receipt.exists, 60, f"receipt at {receipt}")
    print(f"drop-to-receipt latency: {latency:.1f} s")
    assert "读取 49 行，入库 49 行，有问题 0 行" in receipt.read_text(encoding="utf-8")


def test_no_run_while_nothing_changes(stack: Stack) -> None:
    runs = len(stack.runs("ingest-drops", "COMPLETED"))
    time.sleep(15)
    assert len(stack.runs("ingest-drops", "COMPLETED")) == runs


def test_serve_again_reuses_the_servers_and_the_worker(stack: Stack) -> None:
    server_log = stack.home / "server.log"
    logged = server_log.stat().st_size
    again = stack.serve()
    assert again.returncode == 0, again.stderr
    assert "already answering" in again.stdout and "already running" in again.stdout, again.stdout
    assert "files server: already answering, reused" in again.stdout, again.stdout
    assert server_log.stat().st_size >= logged  # appended to, never truncated
    assert len(list(stack.home.glob("worker-*.pid"))) == 1 and alive(stack.worker_pid)


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
        wait_for(lambda: received, 180, "notification at the webhook")
    finally:
        server.shutdown()
    [message] = received
    assert message["subject"].startswith("年度报告运行未完成：jinjiang-2030")
    assert "失败" in message["text"] and "2030" in message["text"] and "/runs/flow-run/" in message["text"]


def _processes_under(pid: int) -> list[int]:
    """pid and every process below it."""
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], check=False, capture_output=True,
                              text=True).stdout.split()   # ps exits 1 when there is none
    return [pid, *(p for child in children for p in _processes_under(int(child)))]


def test_a_worker_killed_mid_run_crashes_the_run_and_the_next_run_succeeds(stack: Stack) -> None:
    """The worker and the run it started killed (SIGKILL: a machine lost): the server marks the run Crashed once
    its heartbeats stop (annual_report/notify.py), and a worker started again runs the next report."""
    pidfile = next(stack.home.glob("worker-*.pid"))
    stack.prefect("deployment", "run", "annual-report/manual", "-p", "year=2021", "-p", "mode=draft")
    wait_for(lambda: stack.runs("annual-report", "RUNNING"), 120, "report run in flight")
    for pid in _processes_under(stack.worker_pid):
        os.kill(pid, signal.SIGKILL)
    [killed] = stack.runs("annual-report", "RUNNING")
    wait_for(lambda: stack.runs("annual-report", "CRASHED"), 240, "the killed run crashed")  # 3 beats of 30 s
    assert [run["id"] for run in stack.runs("annual-report", "CRASHED")] == [killed["id"]]
    with (stack.home / f"{pidfile.stem}.log").open("a") as log:   # as systemd restarts the unit
        worker = subprocess.Popen([str(ROOT / "scripts" / "worker.sh"), pidfile.stem.removeprefix("worker-")],
                                  env=stack.env, stdout=log, stderr=subprocess.STDOUT)
    pidfile.write_text(str(worker.pid))  # the next test stops it
    before = len(stack.runs("annual-report", "COMPLETED"))
    # a draft: the drops before left three versions of one ledger in 普法办's folder, which a strict run refuses
    stack.prefect("deployment", "run", "annual-report/manual", "-p", "year=2021", "-p", "mode=draft")
    # the killed run's hold on the report's concurrency slot lapsed with its lease while it was being crashed
    wait_for(lambda: len(stack.runs("annual-report", "COMPLETED")) > before, 300, "the next report run")


def test_one_signal_stops_the_worker_after_its_run_in_flight(stack: Stack) -> None:
    """(last: it stops the stack's worker) One SIGTERM, as systemd sends its KillSignal: the worker takes no new
    run, lets the one in flight finish, and exits; `prefect worker start` would keep taking runs."""
    pid = stack.worker_pid
    before = len(stack.runs("annual-report", "COMPLETED"))
    stack.prefect("deployment", "run", "annual-report/manual", "-p", "year=2021", "-p", "mode=draft")
    wait_for(lambda: stack.runs("annual-report", "RUNNING"), 120, "report run in flight")
    os.kill(pid, signal.SIGTERM)
    wait_for(lambda: not alive(pid), 300, "worker stopped")
    assert len(stack.runs("annual-report", "COMPLETED")) == before + 1
    assert "taking no new run, 1 in flight" in next(stack.home.glob("worker-*.log")).read_text()
