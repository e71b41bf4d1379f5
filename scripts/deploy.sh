#!/usr/bin/env bash
# The process work pool `annual-report` (created once) and every deployment of prefect.yaml, on the server at
# PREFECT_API_URL; run again after prefect.yaml changes. Waits up to a minute for the server.
set -euo pipefail
source "$(dirname "$0")/env.sh"
wait_for_server 60
"$bin/prefect" work-pool inspect annual-report >/dev/null 2>&1 \
  || "$bin/prefect" work-pool create annual-report --type process >/dev/null
"$bin/prefect" --no-prompt deploy --all
