"""The parent flow end to end under Prefect's test harness."""

from __future__ import annotations

from pathlib import Path

import pytest
from prefect.testing.utilities import prefect_test_harness

from annual_report.settings import ROOT
from flows.annual_report import annual_report


@pytest.fixture(scope="session")
def prefect_harness():
    with prefect_test_harness():
        yield


def test_flow_renders_the_sample_report(prefect_harness, tmp_path: Path) -> None:
    summary = annual_report(year=2021, inputs=ROOT / "inputs", outputs=tmp_path,
                            warehouse=tmp_path / "warehouse.duckdb")
    assert summary.files.pdf == tmp_path / "2021" / "jinjiang-2021-report.pdf"
    assert summary.files.pdf.stat().st_size > 50_000
    assert {s.status for s in summary.ingest.submissions} == {"loaded"}
    assert summary.metrics["value"].null_count() == 0
