#!/usr/bin/env bash
# The Prefect UI's page of one flow run, as docs/orchestration.md shows it: its logs and its artifacts, taken by
# headless Chromium from the server PREFECT_API_URL names (scripts/env.sh).
#   scripts/screenshot-run.sh FLOW_RUN_ID [OUT_PREFIX]   → OUT_PREFIX-logs.png, OUT_PREFIX-artifacts.png
set -euo pipefail
source "$(dirname "$0")/env.sh"
run=$1 out=${2:-docs/ui-report-run}
ui=${PREFECT_API_URL%/api}
for tab in Logs Artifacts; do
  name=$(tr '[:upper:]' '[:lower:]' <<<"$tab")
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,1500 \
    --virtual-time-budget=20000 --screenshot="$out-$name.png" "$ui/runs/flow-run/$run?tab=$tab" 2>/dev/null
  echo "$out-$name.png"
done
