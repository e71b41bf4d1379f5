#!/usr/bin/env bash
# A worker of the `annual-report` pool, in the foreground: the command the annual-report-worker@ unit runs,
# `make serve`, and `make worker` on another machine (PREFECT_API_URL=http://<server>:4200/api).
# Usage: scripts/worker.sh [NAME, default <host>-1]. It takes one run at a time.
# Stop it with one SIGINT (the unit's KillSignal): it takes no new run and ends when the run in flight has.
set -euo pipefail
source "$(dirname "$0")/env.sh"
name=${1:-$(hostname)-1}
wait_for_server 120
exec "$bin/python" -m annual_report.worker --name "$name"
