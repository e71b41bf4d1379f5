#!/usr/bin/env bash
# make serve: the pipeline without systemd, in this terminal: the Prefect server (or the one already running),
# the work pool and every deployment of prefect.yaml, and WORKERS workers (default 1) named <host>-1 …
# Run it again and it reuses what runs: the server that answers, the workers whose pid files are live; logs
# are appended under PREFECT_HOME (outputs/prefect/*.log). Ctrl-C stops what this run started; a worker lets
# its run in flight finish first. Settings: scripts/env.sh. As a service: scripts/install-service.sh.
set -euo pipefail
source "$(dirname "$0")/env.sh"
workers=${1:-1}
server=() workers_started=()
# the workers first (each lets its run in flight finish and tells the server it stopped), then the server
stop() {
  [[ ${#workers_started[@]} -eq 0 ]] || { kill -TERM "${workers_started[@]}" 2>/dev/null; wait "${workers_started[@]}"; }
  [[ ${#server[@]} -eq 0 ]] || { kill -TERM "${server[@]}" 2>/dev/null; wait "${server[@]}"; }
}
trap stop EXIT INT TERM

if healthy; then
  echo "Prefect server: already answering at $PREFECT_API_URL, reused"
else
  scripts/server.sh >>"$PREFECT_HOME/server.log" 2>&1 &
  server+=($!)
  echo "Prefect server: started (log: $PREFECT_HOME/server.log)"
fi
scripts/deploy.sh >>"$PREFECT_HOME/deploy.log" 2>&1 || { echo "deploy failed: see $PREFECT_HOME/deploy.log" >&2; exit 1; }

for i in $(seq "$workers"); do
  name=$(hostname)-$i
  pidfile=$PREFECT_HOME/worker-$name.pid
  if [[ -e $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "worker $name: already running (pid $(cat "$pidfile")), reused"
    continue
  fi
  scripts/worker.sh "$name" >>"$PREFECT_HOME/worker-$name.log" 2>&1 &
  workers_started+=($!)
  echo $! >"$pidfile"
  echo "worker $name: started (log: $PREFECT_HOME/worker-$name.log)"
done
echo "Prefect UI: ${PREFECT_API_URL%/api}  (deployments: yearly, manual, drops, batch)"
[[ ${#server[@]} -eq 0 && ${#workers_started[@]} -eq 0 ]] && { trap - EXIT; exit 0; }
wait
