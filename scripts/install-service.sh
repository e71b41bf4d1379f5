#!/usr/bin/env bash
# Install the pipeline as systemd services on this machine (root, or sudo): the Prefect server, WORKERS
# workers (default 1), the watcher of inputs/ and the read-only server of outputs/<year>/, started now and at
# every boot; then the work pool and the deployments of prefect.yaml.
# Usage: scripts/install-service.sh [--workers N] [--user USER] [--server URL] [--postgres] [--units-dir DIR]
#   --server URL   a machine that only runs workers, for the server at URL (http://<server>:4200/api),
#                  kept as PREFECT_API_URL in /etc/annual-report/env
#   --postgres     Prefect's database on this machine's PostgreSQL (Debian's postgresql, started and enabled):
#                  its role and database (scripts/postgres.sh), PREFECT_API_DATABASE_CONNECTION_URL in
#                  /etc/annual-report/env; kept when that file names a database already
#   --units-dir    write the units there and stop (to look at them, or to install them some other way)
# Settings (PREFECT_SERVER_API_HOST, PREFECT_API_URL, PREFECT_API_DATABASE_CONNECTION_URL …) go in
# /etc/annual-report/env, one VAR=value a line; see scripts/env.sh and docs/orchestration.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
workers=1 user=${SUDO_USER:-$(id -un)} server="" units_dir="" postgres=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --workers) workers=$2; shift 2 ;;
    --user) user=$2; shift 2 ;;
    --server) server=$2; shift 2 ;;
    --units-dir) units_dir=$2; shift 2 ;;
    --postgres) postgres=1; shift ;;
    *) echo "unknown option $1 (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
done
[[ -x $root/.venv/bin/python ]] || { echo "no virtual environment in $root/.venv: run make setup first" >&2; exit 1; }

install_dir=${units_dir:-/etc/systemd/system}
mkdir -p "$install_dir"
for unit in annual-report-server.service annual-report-watcher.service annual-report-worker@.service \
    annual-report-files.service; do
  sed -e "s|@ROOT@|$root|g" -e "s|@USER@|$user|g" "$root/deploy/systemd/$unit" >"$install_dir/$unit"
done
[[ -n $units_dir ]] && { echo "units written to $units_dir"; exit 0; }

mkdir -p /etc/annual-report
[[ -e /etc/annual-report/env ]] || cat >/etc/annual-report/env <<ENV
# Settings of the annual-report services (see $root/scripts/env.sh); restart them after a change:
#   systemctl restart annual-report-server 'annual-report-worker@*'
PREFECT_HOME=$root/outputs/prefect
#PREFECT_SERVER_API_HOST=0.0.0.0
#PREFECT_API_URL=http://<server>:4200/api
#PREFECT_API_DATABASE_CONNECTION_URL=postgresql+asyncpg://prefect:<password>@localhost:5432/prefect
#ANNUAL_REPORT_FILES_HOST=0.0.0.0
#ANNUAL_REPORT_FILES_URL=http://<server>:4300/
ENV
# it may hold the database's password: the services' user reads it, nobody else
chgrp "$(id -gn "$user")" /etc/annual-report/env
chmod 640 /etc/annual-report/env
if [[ -n $server ]]; then
  sed -i '/^PREFECT_API_URL=/d' /etc/annual-report/env
  echo "PREFECT_API_URL=$server" >>/etc/annual-report/env
fi
if [[ -n $postgres ]] && ! grep -q '^PREFECT_API_DATABASE_CONNECTION_URL=' /etc/annual-report/env; then
  systemctl enable --now postgresql.service
  "$root/scripts/postgres.sh" >>/etc/annual-report/env
fi
systemctl daemon-reload
if [[ -z $server ]]; then
  systemctl enable --now annual-report-server.service annual-report-files.service
  sudo -u "$user" --preserve-env=PATH bash -c "set -a; source /etc/annual-report/env; exec '$root/scripts/deploy.sh'"
  systemctl enable --now annual-report-watcher.service
fi
for i in $(seq "$workers"); do systemctl enable --now "annual-report-worker@$i.service"; done
systemctl --no-pager --lines=0 status 'annual-report-*' || true
