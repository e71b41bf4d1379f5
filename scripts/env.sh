# The environment every service script runs in (sourced, not run): the checkout, its venv, and Prefect's
# settings, each overridable by the variable Prefect itself reads:
#   PREFECT_HOME             Prefect's state: outputs/prefect (its SQLite database, unless
#                            PREFECT_API_DATABASE_CONNECTION_URL names PostgreSQL)
#   PREFECT_SERVER_API_HOST  the address the server binds: 127.0.0.1 (0.0.0.0 for workers on other machines)
#   PREFECT_SERVER_API_PORT  its port: 4200
#   PREFECT_API_URL          the server workers and commands talk to: this machine's, on that port
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=$PWD/.venv/bin
export PREFECT_HOME=${PREFECT_HOME:-$PWD/outputs/prefect}
export PREFECT_SERVER_ANALYTICS_ENABLED=false
export PREFECT_SERVER_API_HOST=${PREFECT_SERVER_API_HOST:-127.0.0.1}
export PREFECT_SERVER_API_PORT=${PREFECT_SERVER_API_PORT:-4200}
# workers ask for runs every half second (Prefect: 10 s): a dropped file is a run the watcher asked for, waiting
export PREFECT_WORKER_QUERY_SECONDS=${PREFECT_WORKER_QUERY_SECONDS:-0.5}
# a run beats every 30 s (Prefect: 180 s): three beats missed and the server marks it Crashed (annual_report/notify.py)
export PREFECT_FLOWS_HEARTBEAT_FREQUENCY=${PREFECT_FLOWS_HEARTBEAT_FREQUENCY:-30}
if [[ $PREFECT_SERVER_API_HOST == 0.0.0.0 ]]; then local_host=127.0.0.1; else local_host=$PREFECT_SERVER_API_HOST; fi
export PREFECT_API_URL=${PREFECT_API_URL:-http://$local_host:$PREFECT_SERVER_API_PORT/api}
# retention: Prefect deletes flow runs ended more than 400 days ago (last year's report run is still there when
# this year's is made) and events older than 7 days (its default), hourly
export PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED=${PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED:-events,flow_runs}
export PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD=${PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD:-34560000}
mkdir -p "$PREFECT_HOME"

# Whether the server at PREFECT_API_URL answers.
healthy() {
  "$bin/python" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1] + '/health', timeout=2)" \
    "$PREFECT_API_URL" 2>/dev/null
}

# Wait up to $1 seconds for the server to answer; fail naming it.
wait_for_server() {
  for _ in $(seq "$1"); do healthy && return 0; sleep 1; done
  echo "no Prefect server answers at $PREFECT_API_URL after $1 s" >&2
  return 1
}
