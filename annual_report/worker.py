"""A worker of the `annual-report` pool that one signal stops: `python -m annual_report.worker --name NAME`.

`prefect worker start` survives its first SIGTERM or SIGINT (it sends itself a SIGINT that its event loop
swallows, and goes on taking runs), and a second one kills it with SIGKILL, run in flight or not. This worker is
Prefect's own process worker that, on the first SIGTERM or SIGINT, takes no new run, lets the run in flight
finish, and exits 0; a second signal stops it at once (the run in flight is then left for Prefect to mark as
crashed). systemd's unit (deploy/systemd/annual-report-worker@.service) and scripts/worker.sh run it.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
from typing import Any

from prefect.workers.process import ProcessWorker

POOL = "annual-report"
DRAIN_POLL = 0.5  # seconds between looks at whether the run in flight has ended


class DrainingWorker(ProcessWorker):
    """A process worker that, once `drain()` is called, asks the server for no more runs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.draining = False

    async def get_and_submit_flow_runs(self) -> list[Any]:
        """Runs to take: none once draining."""
        if self.draining:
            return []
        return await super().get_and_submit_flow_runs()

    def drain(self) -> None:
        self.draining = True

    @property
    def runs_in_flight(self) -> int:
        return int(self.limiter.borrowed_tokens) if self._limiter else 0


async def serve(name: str, limit: int) -> None:
    """Run the worker until a signal; then drain it (or, on a second signal, stop it at once)."""
    worker = DrainingWorker(work_pool_name=POOL, name=name, limit=limit)
    loop = asyncio.get_running_loop()
    signals = asyncio.Queue[int]()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, signals.put_nowait, number)
    running = asyncio.create_task(worker.start())
    received = asyncio.create_task(signals.get())
    await asyncio.wait({running, received}, return_when=asyncio.FIRST_COMPLETED)
    if running.done():  # the worker ended by itself (the server refused it): its error is the answer
        received.cancel()
        return running.result()
    worker.drain()
    print(f"Worker {name!r}: {signal.Signals(received.result()).name} received; taking no new run, "
          f"{worker.runs_in_flight} in flight (a second signal stops at once)", flush=True)
    while worker.runs_in_flight and signals.empty():
        await asyncio.sleep(DRAIN_POLL)
    running.cancel()
    try:
        await running
    except asyncio.CancelledError:
        pass
    print(f"Worker {name!r} stopped", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m annual_report.worker", description=__doc__.splitlines()[0])
    parser.add_argument("--name", default=f"{socket.gethostname()}-1", help="the worker's name (default <host>-1)")
    parser.add_argument("--limit", type=int, default=1, help="runs it takes at a time (default 1)")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.name, args.limit))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
