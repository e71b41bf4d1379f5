"""A Prefect API server for one command, started before the command imports anything heavy.

Without PREFECT_API_URL, Prefect starts a temporary server itself, but only when the flow is first
called, after the importing process has loaded the server's code too (about 4 s here), and the server
then boots for about 7 s more while the command waits. Started first, as its own process, it boots on
the second core while the command imports the pipeline. With PREFECT_API_URL set (e.g. to the server
of `make serve`), that server is used and none is started.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

STARTUP_SECONDS = 60


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
        [sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app",
         "--host", "127.0.0.1", "--port", api_url.split(":")[2].split("/")[0], "--log-level", "error",
         "--lifespan", "on"],
        env={**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.environ["PREFECT_API_URL"] = api_url
    try:
        yield
    finally:
        del os.environ["PREFECT_API_URL"]
        server.terminate()
        server.wait(timeout=30)


def wait_until_ready() -> None:
    """Block until the API answers (the server may still be booting)."""
    api_url = os.environ["PREFECT_API_URL"]
    deadline = time.monotonic() + STARTUP_SECONDS
    while not _healthy(api_url):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the Prefect API at {api_url} did not answer within {STARTUP_SECONDS} s")
        time.sleep(0.1)
