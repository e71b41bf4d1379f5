"""A command killed outright leaves no Prefect API server (about 220 MB) behind."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import pytest

from annual_report.settings import ROOT

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")

COMMAND = """
import time
from annual_report.prefect_server import prefect_api, wait_until_ready
with prefect_api():
    wait_until_ready()
    print("ready", flush=True)
    time.sleep(120)
"""
READY_SECONDS = 90  # a cold start on a busy machine; a few seconds when warm
GONE_SECONDS = 10


def _stat(pid: int) -> tuple[str, int] | None:
    """A process's state letter and parent pid, or None if there is no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    state, ppid = text[text.rindex(")") + 2:].split()[:2]
    return state, int(ppid)


def _descendants(pid: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))):
            parents[int(entry.name)] = stat[1]
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"  # a zombie holds no memory; whoever adopted it reaps it


def test_server_dies_with_a_killed_command() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    command = subprocess.Popen([sys.executable, "-c", COMMAND], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
    server: list[int] = []
    try:
        ready, _, _ = select.select([command.stdout], [], [], READY_SECONDS)
        assert ready and command.stdout.readline() == b"ready\n", "the server did not start"
        server = _descendants(command.pid)
        assert server, "no server process was started"
        command.kill()
        command.wait()
        deadline = time.monotonic() + GONE_SECONDS
        while (left := [pid for pid in server if _alive(pid)]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not left, f"still running {GONE_SECONDS} s after the command was killed: {left}"
    finally:
        command.kill()
        command.wait()
        for pid in server:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
