#!/usr/bin/env bash
# make serve: the pipeline without systemd, in this terminal: the Prefect server (or the one already running),
# the work pool and every deployment of prefect.yaml, WORKERS workers (default 1) named <host>-1 …, the
# watcher of inputs/, and the read-only server of outputs/<year>/ the run's artifacts link to.
# Run it again and it reuses what runs: the servers that answer, the workers whose pid files are live; logs
# are appended under PREFECT_HOME (outputs/prefect/*.log). Ctrl-C stops what this run started; a worker lets
# its run in flight finish first. Settings: scripts/env.sh. As a service: scripts/install-service.sh.
set -euo pipefail
source "$(dirname "$0")/env.sh"
workers=${1:-1}
server=() workers_started=() watcher=() files=()
# the watcher and the workers first (each worker lets its run in flight finish), then the servers; a process
# ended by the signal is no failure to stop at (set -e would leave the rest running)
stop() {
  set +e
  [[ ${#watcher[@]} -eq 0 ]] || { kill -TERM "${watcher[@]}" 2>/dev/null; wait "${watcher[@]}"; }
  [[ ${#files[@]} -eq 0 ]] || { kill -TERM "${files[@]}" 2>/dev/null; wait "${files[@]}"; }
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
pidfile=$PREFECT_HOME/watcher.pid
if [[ -e $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "watcher: already running (pid $(cat "$pidfile")), reused"
else
  scripts/watcher.sh >>"$PREFECT_HOME/watcher.log" 2>&1 &
  watcher+=($!)
  echo $! >"$pidfile"
  echo "watcher of ${ANNUAL_REPORT_INPUTS:-inputs/}: started (log: $PREFECT_HOME/watcher.log)"
fi
if "$bin/python" -m annual_report.outputs_server --answering; then
  echo "files server: already answering, reused"
else
  scripts/files.sh >>"$PREFECT_HOME/files.log" 2>&1 &
  files+=($!)
  echo "files server of outputs/<year>/: started (log: $PREFECT_HOME/files.log)"
fi
echo "Prefect UI: ${PREFECT_API_URL%/api}  (deployments: yearly, manual, drops, batch)"
[[ ${#server[@]} -eq 0 && ${#workers_started[@]} -eq 0 && ${#watcher[@]} -eq 0 && ${#files[@]} -eq 0 ]] \
  && { trap - EXIT; exit 0; }
wait
