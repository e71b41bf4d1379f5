#!/usr/bin/env bash
# The watcher of inputs/, in the foreground: it emits a Prefect event when dropped files settle, and the drops
# deployment's trigger takes them (annual_report/watch.py). The command the annual-report-watcher unit runs,
# and `make serve`. Needs the server at PREFECT_API_URL.
set -euo pipefail
source "$(dirname "$0")/env.sh"
wait_for_server 120
exec "$bin/python" -m annual_report.watch "$@"
