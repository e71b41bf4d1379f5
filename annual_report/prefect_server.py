"""A Prefect API server for one command (Prefect's own `prefect server start`), started before the command
imports anything heavy.

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
from collections.abc import Callable, Iterator
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
    """PREFECT_API_URL pointing at a server for the duration: the configured one, or one started here with
    Prefect's own `prefect server start` (API only: no UI, no background services)."""
    if os.environ.get("PREFECT_API_URL"):
        yield
        return
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port),
         "--no-ui", "--no-services", "--analytics-off", "--log-level", "ERROR", "--no-background"],
        preexec_fn=_dying_with(os.getpid()), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    os.environ["PREFECT_API_URL"] = api_url
    try:
        with without_heartbeats():
            yield
    finally:
        del os.environ["PREFECT_API_URL"]
        _stop(server)


@contextmanager
def without_heartbeats() -> Iterator[None]:
    """Flow runs that send no heartbeats, for a server that lives only as long as its runs. A heartbeat tells a
    long-lived server that a run is still alive (so that a run whose worker died can be marked crashed); a
    temporary server watches nothing once its command ends, and Prefect's engine holds every flow for up to a
    second at its end to stop the heartbeat thread."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


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


def _dying_with(parent: int) -> Callable[[], None]:
    """What the server's process runs before it starts Prefect: have the kernel send it SIGTERM when its parent
    dies (Linux; elsewhere nothing), and end now if the parent died already, before the request was made. The
    signal follows the thread that started the process, the command's main thread, and outlives the exec."""
    def die_with_parent() -> None:
        if sys.platform.startswith("linux"):
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != parent:
            os._exit(0)
    return die_with_parent


def wait_until_ready() -> None:
    """Block until the API answers (the server may still be booting)."""
    api_url = os.environ["PREFECT_API_URL"]
    deadline = time.monotonic() + STARTUP_SECONDS
    while not _healthy(api_url):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the Prefect API at {api_url} did not answer within {STARTUP_SECONDS} s")
        time.sleep(0.1)

