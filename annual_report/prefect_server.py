"""A Prefect API server for one command, started before the command imports anything heavy.

Without PREFECT_API_URL, Prefect starts a temporary server itself, but only when the flow is first
called, after the importing process has loaded the server's code too (about 4 s here), and the server
then boots for about 7 s more while the command waits. Started first, as its own process, it boots on
the second core while the command imports the pipeline. With PREFECT_API_URL set (e.g. to the server
of `make serve`), that server is used and none is started.

The server dies with the command however the command ends: on Linux it asks the kernel, first thing, for
SIGTERM when its parent dies (PR_SET_PDEATHSIG), so a command killed with SIGKILL leaves no server behind;
it runs in a session of its own, so a Ctrl-C reaches the command only, which stops the server (and anything
the server started, in its process group) on its way out.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

STARTUP_SECONDS = 60
STOP_SECONDS = 30
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def prefect_api() -> Iterator[None]:
    """PREFECT_API_URL pointing at a server for the duration: the configured one, or one started here."""
    if os.environ.get("PREFECT_API_URL"):
        yield
        return
    api_url = f"http://127.0.0.1:{_free_port()}/api"
    server = subprocess.Popen(
        [sys.executable, "-m", "annual_report.prefect_server", str(os.getpid()),
         "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
         "--port", api_url.split(":")[2].split("/")[0], "--log-level", "error", "--lifespan", "on"],
        env={**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    os.environ["PREFECT_API_URL"] = api_url
    try:
        yield
    finally:
        del os.environ["PREFECT_API_URL"]
        _stop(server)


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Stop the server and its process group (its own session, so the group is its alone): SIGTERM, then
    SIGKILL if it has not ended within STOP_SECONDS."""
    try:
        os.killpg(server.pid, signal.SIGTERM)  # the server has not been waited for, so its group still exists
    except ProcessLookupError:
        pass
    try:
        server.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def _die_with(parent: int) -> None:
    """Have the kernel send this process SIGTERM when its parent dies (Linux; elsewhere nothing), and end now
    if the parent died already, before the request was made. The signal follows the thread that started this
    process, the command's main thread."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:
        sys.exit(0)


def wait_until_ready() -> None:
    """Block until the API answers (the server may still be booting)."""
    api_url = os.environ["PREFECT_API_URL"]
    deadline = time.monotonic() + STARTUP_SECONDS
    while not _healthy(api_url):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the Prefect API at {api_url} did not answer within {STARTUP_SECONDS} s")
        time.sleep(0.1)


if __name__ == "__main__":  # the server: python -m annual_report.prefect_server <parent pid> <uvicorn options>
    _die_with(int(sys.argv[1]))
    from uvicorn.main import main

    main(sys.argv[2:], prog_name="uvicorn")
