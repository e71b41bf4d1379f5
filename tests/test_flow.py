"""The parent flow end to end under Prefect's test harness."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from annual_report.flows import annual_report, batch_reports, ingest_drops, preflight
from annual_report.pipeline import MissingSubmissionsError
from annual_report.settings import ROOT


def test_flow_renders_the_sample_report(prefect_harness, tmp_path: Path) -> None:
    summary = annual_report(year=2021, inputs=ROOT / "inputs", outputs=tmp_path,
                            warehouse=tmp_path / "warehouse.duckdb", settle_seconds=0)
    assert summary.files.pdf == tmp_path / "2021" / "jinjiang-2021-report.pdf"
    assert summary.files.pdf.stat().st_size > 50_000
    assert {s.status for s in summary.ingest.submissions} == {"loaded"}
    assert summary.metrics["value"].null_count() == 0


def test_batch_flow_renders_each_region_from_its_own_folder(prefect_harness, tmp_path: Path) -> None:
    """Two regions' reports, each from its own folder; a region named with an underscore (which an artifact key
    may not hold) publishes its artifacts too."""
    regions = {}
    for region in ("jinjiang", "jinjiang_copy"):
        root = tmp_path / region
        shutil.copytree(ROOT / "inputs", root / "inputs")
        shutil.copytree(ROOT / "reports" / "jinjiang", root / "reports" / region)  # the region's whole pack
        regions[region] = str(root)
    pdfs = batch_reports(year=2021, regions=regions)
    assert pdfs == {r: Path(root) / "outputs" / "2021" / f"{r}-2021-report.pdf" for r, root in regions.items()}
    assert all(pdf.stat().st_size > 50_000 for pdf in pdfs.values())


def test_strict_run_names_the_missing_ledgers(prefect_harness, tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    shutil.copytree(ROOT / "inputs", inputs)
    shutil.rmtree(inputs / "2021" / "法院")
    with pytest.raises(MissingSubmissionsError, match=r"执行慈善救助台账 \(charity_relief\) from 法院: inputs/2021/法院/"):
        annual_report(year=2021, inputs=inputs, outputs=tmp_path / "outputs", settle_seconds=0)


def test_preflight_names_what_would_stop_the_yearly_run(prefect_harness, tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    shutil.copytree(ROOT / "inputs", inputs)
    shutil.rmtree(inputs / "2021" / "法院")
    folders = {"inputs": inputs, "outputs": tmp_path / "outputs"}
    ingest_drops(settle_seconds=0, **folders)
    assert preflight(year=2021, **folders) == ["法院：执行慈善救助台账尚未报送（放入 inputs/2021/法院/）"]
    assert preflight(year=2030, **folders) == [
        "尚无 2030 年度的报告规格（reports/jinjiang/2030.md）：请复制上一年度的规格并修改"]
