#!/usr/bin/env bash
# The Prefect UI's pages of one flow run, as docs/orchestration.md shows them: the run's page whole (graph and
# every log line: a tall window) and each of its artifacts, taken by headless Chromium from the server
# PREFECT_API_URL names (scripts/env.sh). The pictures in docs/ are crops of these.
#   scripts/screenshot-run.sh FLOW_RUN_ID [OUT_PREFIX]   → OUT_PREFIX-run.png, OUT_PREFIX-<artifact key>.png
set -euo pipefail
source "$(dirname "$0")/env.sh"
run=$1 out=${2:-outputs/prefect/screenshot}
ui=${PREFECT_API_URL%/api}
shot() {  # url, file, height
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="1400,$3" \
    --virtual-time-budget=20000 --screenshot="$2" "$1" 2>/dev/null
  echo "$2"
}
shot "$ui/runs/flow-run/$run" "$out-run.png" 7000
"$bin/python" - "$PREFECT_API_URL" "$run" <<'PY' | while read -r key id; do shot "$ui/artifacts/artifact/$id" "$out-$key.png" 2400; done
import json, sys, urllib.request
api, run = sys.argv[1:]
body = json.dumps({"artifacts": {"flow_run_id": {"any_": [run]}}}).encode()
request = urllib.request.Request(f"{api}/artifacts/filter", body, {"Content-Type": "application/json"})
for artifact in json.load(urllib.request.urlopen(request)):
    print(artifact["key"], artifact["id"])
PY
