"""`annual-report run`, the README's main command, as a user runs it: through Prefect, output short and clean."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from annual_report.settings import ROOT

COMMAND = str(Path(sys.executable).with_name("annual-report"))


@pytest.fixture(scope="module")
def prefect_home(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return {**env, "PREFECT_HOME": str(tmp_path_factory.mktemp("prefect-home"))}


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([COMMAND, "run", "--year", "2021", *args], env=env, capture_output=True, text=True,
                          timeout=300, cwd=ROOT)


def test_main_command_twice(prefect_home: dict[str, str], tmp_path: Path) -> None:
    first = run(prefect_home, "--outputs", str(tmp_path))
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0] == "Producing the 2021 report for jinjiang (strict)…"
    assert lines[-2:] == [f"PDF:     {tmp_path}/2021/jinjiang-2021-report.pdf",
                          f"DOCX:    {tmp_path}/2021/jinjiang-2021-report.docx"]
    assert sum("已入库" in line for line in lines) == 20
    assert first.stderr == "" and "Traceback" not in first.stdout
    second = run(prefect_home, "--outputs", str(tmp_path))
    assert second.returncode == 0 and second.stderr == ""
    assert sum("未变化" in line for line in second.stdout.splitlines()) == 20


def test_strict_run_stops_naming_the_missing_ledger(prefect_home: dict[str, str], tmp_path: Path) -> None:
    shutil.copytree(ROOT / "inputs", tmp_path / "inputs")
    shutil.rmtree(tmp_path / "inputs" / "2021" / "依法治市办")
    result = run(prefect_home, "--inputs", str(tmp_path / "inputs"), "--outputs", str(tmp_path / "outputs"))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Stopped: 1 required ledger(s) not submitted for 2021: 依法治市办会议台账 (rule_of_law_meetings) "
        "from 依法治市办: inputs/2021/依法治市办/",
        "Run with --mode draft to render with the gaps marked."]


def test_a_filter_on_a_figure_of_another_unit_stops_naming_both(prefect_home: dict[str, str], tmp_path: Path) -> None:
    """The narrative's mistake, not a gap in the data: the run stops without a traceback, naming the metric, its
    unit and the filter, and does not send the operator to the draft mode (which stops on it too)."""
    shutil.copytree(ROOT / "reports" / "jinjiang", tmp_path / "reports" / "jinjiang")  # the region's pack
    spec = (ROOT / "reports" / "jinjiang" / "2021.md").read_text(encoding="utf-8")
    (tmp_path / "reports" / "jinjiang" / "2021.md").write_text(
        spec.replace("{{ m.legal_aid_cases | yoy(1) }}", "{{ m.legal_aid_cases | pct(1) }}", 1), encoding="utf-8")
    result = run(prefect_home, "--reports", str(tmp_path / "reports"), "--outputs", str(tmp_path / "outputs"))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Stopped: the narrative prints metric 'legal_aid_cases' (受理法律援助案件), whose unit is '件', with `pct`, "
        "which prints only figures in '%'"]
