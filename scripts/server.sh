#!/usr/bin/env bash
# The Prefect server, in the foreground: the command the annual-report-server unit runs, and `make serve`.
# Binds PREFECT_SERVER_API_HOST:PREFECT_SERVER_API_PORT (127.0.0.1:4200; see scripts/env.sh).
set -euo pipefail
source "$(dirname "$0")/env.sh"
exec "$bin/prefect" server start
