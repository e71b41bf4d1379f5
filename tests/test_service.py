"""The systemd units scripts/install-service.sh installs: written for this checkout, and valid to systemd."""

from __future__ import annotations

import getpass
import subprocess
from pathlib import Path

from annual_report.settings import ROOT

UNITS = ("annual-report-server.service", "annual-report-watcher.service", "annual-report-files.service",
         "annual-report-worker@.service")


def test_the_units_are_written_for_this_checkout_and_systemd_accepts_them(tmp_path: Path) -> None:
    subprocess.run([str(ROOT / "scripts" / "install-service.sh"), "--units-dir", str(tmp_path), "--user", getpass.getuser()],
                   check=True, capture_output=True)
    for unit in UNITS:
        text = (tmp_path / unit).read_text()
        assert "@ROOT@" not in text and "@USER@" not in text
        assert f"ExecStart={ROOT}/scripts/" in text and f"User={getpass.getuser()}" in text and "Restart=always" in text
    # one SIGINT to the worker alone (systemd's default, SIGTERM to every process of the unit, would interrupt
    # the flow run in flight too); test_orchestration shows what the worker does with it
    assert {"KillSignal=SIGINT", "KillMode=mixed"} <= set((tmp_path / UNITS[-1]).read_text().splitlines())
    verified = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / unit) for unit in UNITS)],
                              check=False, capture_output=True, text=True)
    assert verified.returncode == 0 and not verified.stderr.strip(), verified.stderr

