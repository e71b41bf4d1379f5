"""Nothing lost: the archive keeps every file received, and the warehouse can be rebuilt from it alone."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import take_inputs

from annual_report import pipeline
from annual_report.settings import ROOT, Settings

pytestmark = pytest.mark.usefixtures("prefect_harness")  # the flows run as users run them

METRICS = "select metric_id, year, value, prior_value, change from metrics where year = 2021 order by 1"


def metrics_of(settings: Settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(METRICS).fetchall()


def run(settings: Settings) -> list[tuple]:
    take_inputs(settings, 2021)
    pipeline.build_metrics(settings, "jinjiang", 2021)
    return metrics_of(settings)


def copy_reencoded(source: Path, target: Path) -> None:
    """The sample inputs as a Chinese Windows machine saves them: GB18030, CRLF, columns reversed."""
    for path in source.rglob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as stream:
            rows = [row[::-1] for row in csv.reader(stream)]
        out = target / path.relative_to(source)
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="gb18030", newline="") as stream:
            csv.writer(stream, lineterminator="\r\n").writerows(rows)


@pytest.fixture(scope="module")
def sample_metrics(tmp_path_factory: pytest.TempPathFactory) -> list[tuple]:
    outputs = tmp_path_factory.mktemp("outputs")
    return run(Settings.from_env().with_paths(inputs=ROOT / "inputs", outputs=outputs))


def test_reencoded_reordered_inputs_give_identical_metrics(settings: Settings, sample_metrics) -> None:
    copy_reencoded(ROOT / "inputs", settings.inputs)
    assert run(settings) == sample_metrics
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert {e for (e,) in con.execute("select distinct encoding from submissions").fetchall()} == {"gb18030"}


def test_every_received_file_is_archived_once_by_content(settings: Settings) -> None:
    shutil.copytree(ROOT / "inputs" / "2021" / "法院", settings.inputs / "2021" / "法院")
    take_inputs(settings, 2021)
    take_inputs(settings, 2021)  # unchanged: nothing new archived
    lines = (settings.archive / "index.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["event"] for line in lines] == ["received", "in_force"]  # it came, then counted
    assert all('"department": "法院"' in line for line in lines)
    objects = list((settings.archive / "objects").rglob("*"))
    assert [p.read_bytes() for p in objects if p.is_file()] == [
        (ROOT / "inputs" / "2021" / "法院" / "执行慈善救助台账.csv").read_bytes()]


def test_rebuild_from_archive_alone_gives_identical_metrics(settings: Settings, sample_metrics) -> None:
    shutil.copytree(ROOT / "inputs", settings.inputs, dirs_exist_ok=True)
    assert run(settings) == sample_metrics
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        ledger = con.execute("select * exclude (submission_id) from submissions order by all").fetchall()
    shutil.rmtree(settings.inputs)
    settings.warehouse.write_bytes(b"this warehouse was damaged")
    pipeline.rebuild_warehouse(settings)
    assert metrics_of(settings) == sample_metrics
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select * exclude (submission_id) from submissions order by all").fetchall() == ledger


def test_superseded_versions_survive_a_rebuild(settings: Settings) -> None:
    folder = settings.inputs / "2021" / "法院"
    shutil.copytree(ROOT / "inputs" / "2021" / "法院", folder)
    ledger = folder / "执行慈善救助台账.csv"
    take_inputs(settings, 2021)
    ledger.write_text("\n".join(ledger.read_text(encoding="utf-8-sig").splitlines()[:11]) + "\n", encoding="utf-8")
    take_inputs(settings, 2021)
    pipeline.rebuild_warehouse(settings)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select rows_loaded from submissions order by submission_id").fetchall() == [(66,), (10,)]
        assert con.execute("select rows_loaded from current_submissions").fetchall() == [(10,)]
