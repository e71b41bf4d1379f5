#!/usr/bin/env bash
# Prefect's own database on PostgreSQL (Prefect's advice for a server that runs all year; SQLite in PREFECT_HOME is
# the embedded default): the role `prefect`, with a new random password, and the database `prefect` it owns, on the
# cluster at PORT, made as the cluster's superuser `postgres` over its Unix socket in DIR (root runs psql as the
# user postgres). Prints the setting that points Prefect's server at it, for /etc/annual-report/env:
#   PREFECT_API_DATABASE_CONNECTION_URL=postgresql+asyncpg://prefect:<password>@127.0.0.1:PORT/prefect
# Usage: scripts/postgres.sh [--port PORT (5432)] [--socket DIR (/var/run/postgresql)]
# Run by scripts/install-service.sh --postgres for Debian's cluster; run again, it keeps the role and the database
# and gives the role a new password (restart the server with the new setting).
set -euo pipefail
port=5432 socket=/var/run/postgresql
while [[ $# -gt 0 ]]; do
  case $1 in
    --port) port=$2; shift 2 ;;
    --socket) socket=$2; shift 2 ;;
    *) echo "unknown option $1 (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
done
as_postgres=()
[[ $(id -u) -eq 0 ]] && as_postgres=(runuser -u postgres --)  # PostgreSQL's superuser is not root
# a cluster just started may take a few seconds to accept connections
for _ in $(seq 30); do pg_isready --quiet --host "$socket" --port "$port" && break; sleep 1; done
password=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
# the password goes in on standard input, never on a command line another user can read
"${as_postgres[@]}" psql --quiet --no-psqlrc --set ON_ERROR_STOP=1 \
  --host "$socket" --port "$port" --username postgres --dbname postgres >/dev/null <<SQL
\set password '$password'
select 'create role prefect login' where not exists (select from pg_roles where rolname = 'prefect') \gexec
alter role prefect password :'password';
select 'create database prefect owner prefect' where not exists (select from pg_database where datname = 'prefect') \gexec
SQL
echo "PREFECT_API_DATABASE_CONNECTION_URL=postgresql+asyncpg://prefect:$password@127.0.0.1:$port/prefect"
