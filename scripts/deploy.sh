#!/usr/bin/env bash
# The process work pool `annual-report` (created once) and every deployment of prefect.yaml, on the server at
# PREFECT_API_URL, the automation that marks a run whose heartbeats stopped Crashed, and the notification of
# failed runs when ANNUAL_REPORT_NOTIFY_WEBHOOK is set; run again
# after prefect.yaml changes. Waits up to a minute for the server.
set -euo pipefail
source "$(dirname "$0")/env.sh"
wait_for_server 60
"$bin/prefect" work-pool inspect annual-report >/dev/null 2>&1 \
  || "$bin/prefect" work-pool create annual-report --type process >/dev/null
"$bin/prefect" --no-prompt deploy --all
# runs whose worker died marked Crashed, and where a failed report run is told when the office has given a
# webhook (annual_report/notify.py)
"$bin/python" -m annual_report.notify --crashes ${ANNUAL_REPORT_NOTIFY_WEBHOOK:+--webhook "$ANNUAL_REPORT_NOTIFY_WEBHOOK"}
