"""Files dropped into inputs/, told to Prefect once they settle: `python -m annual_report.watch`.

watchfiles (inotify) reports every change under inputs/; once nothing there has changed for QUIET seconds,
one Prefect event `annual-report.inputs.settled` goes out with the files that changed, so a batch copied at
once is one event. The drops deployment's trigger (prefect.yaml) runs `ingest_drops` on it, which looks at
every file as it always does (a file changed within its settle time waits, and its next change is a new
event). Names that are never a submission (a download's `.part`, Excel's `~$` lock file, hidden files) make no
event; a file renamed from `.part` to its own name does. Events missed (the watcher down, a network share
where inotify is silent) are caught by the drops deployment's hourly sweep.
The watcher needs the server PREFECT_API_URL names; systemd's annual-report-watcher unit runs it.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterable
from pathlib import Path

import watchfiles
from prefect.events import Event, emit_event

from annual_report.intake.listing import by_name
from annual_report.settings import Settings

EVENT = "annual-report.inputs.settled"
RESOURCE = "annual-report.inputs"  # a region's inputs/ is the resource annual-report.inputs.<region>
QUIET = 0.5            # seconds without a change under inputs/ before the event goes out
LONGEST_BATCH = 60.0   # seconds: a copy still going after this long is told in parts
log = logging.getLogger("annual_report.watch")


def worth_a_look(change: watchfiles.Change, path: str) -> bool:
    """A change that may alter a submission: not of a name that is never one."""
    return by_name(Path(path).name) is None


def settled_event(inputs: Path, region: str, changes: Iterable[tuple[watchfiles.Change, str]],
                  started: bool = False) -> Event | None:
    """Emit the event for a batch of changes: the files (relative to inputs/) and what happened to each; or, as
    the watcher starts, the event with no files."""
    changed = {Path(path).relative_to(inputs).as_posix(): change.name for change, path in changes}
    if not changed and not started:
        return None
    return emit_event(EVENT, resource={"prefect.resource.id": f"{RESOURCE}.{region}",
                                       "prefect.resource.name": f"{region} inputs"},
                      payload={"files": dict(sorted(changed.items()))})


def watch(settings: Settings, quiet: float = QUIET) -> None:
    """Watch the region's inputs/ until interrupted, one event per settled batch of changes."""
    inputs = settings.inputs.resolve()
    log.info("watching %s (an event %s s after the last change)", inputs, quiet)
    settled_event(inputs, settings.region, (), started=True)
    log.info("%s: on start, for what changed while the watcher was down", EVENT)
    for changes in watchfiles.watch(inputs, watch_filter=worth_a_look, step=int(quiet * 1000),
                                    debounce=int(LONGEST_BATCH * 1000), recursive=True):
        event = settled_event(inputs, settings.region, changes)
        if event:
            log.info("%s: %s", EVENT, ", ".join(event.payload["files"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m annual_report.watch", description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", type=float, default=QUIET, help=f"seconds of no change before the event ({QUIET})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        watch(Settings.from_env(), args.quiet)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
