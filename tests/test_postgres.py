"""Prefect's own database on PostgreSQL, as production runs it (scripts/install-service.sh --postgres), once: a private
cluster on a free loopback port, its role and database made by scripts/postgres.sh, and the stack `make serve`
brings up (tests/stack.py) with the setting that script prints; a drops run through the worker. PostgreSQL runs as
the user postgres when the tests run as root (it refuses root)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from stack import Stack, free_port, served_stack, wait_for

from annual_report.settings import ROOT

AS_POSTGRES = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@dataclass(frozen=True)
class Cluster:
    port: int
    socket: Path  # the folder of its Unix socket

    def query(self, sql: str) -> str:
        return subprocess.run([*AS_POSTGRES, "psql", "--no-psqlrc", "--tuples-only", "--no-align", "--host",
                               str(self.socket), "--port", str(self.port), "--username", "postgres", "--dbname",
                               "prefect", "--command", sql], check=True, capture_output=True, text=True).stdout.strip()


def _postgres_bin() -> Path:
    """The newest installed PostgreSQL's programs (Debian keeps pg_ctl out of PATH)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    pg_ctl = found[-1] if found else Path(shutil.which("pg_ctl") or "/nonexistent")
    if not pg_ctl.exists():
        raise RuntimeError("PostgreSQL is not installed: scripts/install-system-packages.sh installs it")
    return pg_ctl.parent


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A PostgreSQL cluster of its own in a temporary folder (trusting its own socket, passwords over TCP),
    on a free port of 127.0.0.1; stopped and removed at the end."""
    programs = _postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="annual-report-pg-"))  # not under pytest's root-only tmp: postgres enters it
    if AS_POSTGRES:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", free_port()
    subprocess.run([*AS_POSTGRES, str(programs / "initdb"), "--pgdata", str(data), "--username", "postgres",
                    "--auth-local", "trust", "--auth-host", "scram-sha-256", "--encoding", "UTF8", "--no-locale"],
                   check=True, capture_output=True)
    pg_ctl = [*AS_POSTGRES, str(programs / "pg_ctl"), "--pgdata", str(data)]
    subprocess.run([*pg_ctl, "--wait", "--log", str(folder / "postgres.log"), "--options",
                    f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "start"], check=True, capture_output=True)
    try:
        yield Cluster(port=port, socket=folder)
    finally:
        subprocess.run([*pg_ctl, "--wait", "--mode", "fast", "stop"], check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def stack(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The stack `make serve` brings up, its server on the cluster's database `prefect` as the setting
    scripts/postgres.sh prints (the one install-service.sh --postgres writes to /etc/annual-report/env)."""
    setting = subprocess.run([str(ROOT / "scripts" / "postgres.sh"), "--port", str(cluster.port), "--socket",
                              str(cluster.socket)], check=True, capture_output=True, text=True).stdout.strip()
    name, _, url = setting.partition("=")
    assert name == "PREFECT_API_DATABASE_CONNECTION_URL" and url.startswith("postgresql+asyncpg://prefect:")
    with served_stack(tmp_path_factory.mktemp("prefect-home"), env={name: url}) as served:
        yield served


def test_the_server_on_postgresql_runs_a_drops_run_through_the_worker(stack: Stack, cluster: Cluster) -> None:
    stack.prefect("deployment", "run", "ingest-drops/drops", "-p", "settle_seconds=0")
    wait_for(lambda: stack.runs("ingest-drops", "COMPLETED"), 300, "completed drops run")
    assert (stack.outputs / "2021" / "receipts" / "法院" / "执行慈善救助台账.csv.html").exists()
    # the run is in PostgreSQL, and Prefect made no SQLite database of its own
    assert int(cluster.query("select count(*) from flow_run where state_type = 'COMPLETED'")) >= 1
    assert not list(stack.home.glob("*.db"))
