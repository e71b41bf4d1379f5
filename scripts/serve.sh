#!/usr/bin/env bash
# A local Prefect server, the process work pool, every deployment of prefect.yaml, and worker(s).
# Usage: scripts/serve.sh [number of workers, default 1]. Stop with Ctrl-C (stops all it started).
# PREFECT_HOME defaults to outputs/prefect; PREFECT_PORT to 4200.
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${1:-1}
bin=.venv/bin
export PREFECT_HOME=${PREFECT_HOME:-$PWD/outputs/prefect}
export PREFECT_SERVER_ANALYTICS_ENABLED=false
port=${PREFECT_PORT:-4200}
export PREFECT_API_URL="http://127.0.0.1:$port/api"

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
"$bin/prefect" server start --host 127.0.0.1 --port "$port" >"$PREFECT_HOME.server.log" 2>&1 &
pids+=($!)
for _ in $(seq 60); do
  "$bin/python" -c "import urllib.request; urllib.request.urlopen('$PREFECT_API_URL/health')" 2>/dev/null && break
  sleep 1
done
"$bin/prefect" work-pool inspect annual-report >/dev/null 2>&1 \
  || "$bin/prefect" work-pool create annual-report --type process >/dev/null
"$bin/prefect" --no-prompt deploy --all
for i in $(seq "$workers"); do
  "$bin/prefect" worker start --pool annual-report --name "worker-$i" &
  pids+=($!)
done
echo "Prefect UI: http://127.0.0.1:$port  (deployments: yearly, manual, drops, batch)"
wait
