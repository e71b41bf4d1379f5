"""The parent flow end to end under Prefect's test harness."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import pytest
from prefect import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.client.schemas.objects import Artifact
from prefect.concurrency.sync import concurrency

from annual_report.flows import (
    _report_limit,
    annual_report,
    batch_reports,
    ingest_drops,
    preflight,
)
from annual_report.pipeline import MissingSubmissionsError
from annual_report.settings import ROOT

T = TypeVar("T")


def _polled(read: Callable[[], T], ready: Callable[[T], bool], what: str, timeout: float = 30) -> T:
    """What read gives once ready says it is complete (the server records logs and task runs a moment later)."""
    deadline = time.monotonic() + timeout
    while not ready(value := read()):
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} after {timeout:g} s: {value!r}")
        time.sleep(0.5)
    return value


def _run(flow: Callable[..., Any], **parameters: object) -> tuple[Any, UUID]:
    """A flow's result and its run's id."""
    state = flow(**parameters, return_state=True)
    return state.result(), state.state_details.flow_run_id


def _name(run_id: UUID) -> str:
    with get_client(sync_client=True) as client:
        return client.read_flow_run(run_id).name


def _logs(run_id: UUID, last: str) -> list[str]:
    """The run's log messages (its flow's and its tasks'), once the one containing `last` has arrived."""
    def read() -> list[str]:
        with get_client(sync_client=True) as client:
            return [log.message for log in client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
                    if log.level >= 20]
    return _polled(read, lambda messages: any(last in m for m in messages), f"log line {last!r}")


def _error_logs(run_id: UUID) -> list[str]:
    with get_client(sync_client=True) as client:
        return [log.message for log in client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
                if log.level >= 40]


def _artifacts(run_id: UUID) -> dict[str, Artifact]:
    """The run's artifacts by key."""
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])))
    return {artifact.key: artifact for artifact in artifacts}


def _task_names(run_id: UUID, expected: str) -> set[str]:
    def read() -> set[str]:
        with get_client(sync_client=True) as client:
            return {task_run.name for task_run in client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])), limit=200)}
    return _polled(read, lambda names: expected in names, f"task run {expected!r}")


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


def test_a_draft_and_the_final_report_are_runs_and_files_of_their_own(prefect_harness, tmp_path: Path) -> None:
    """Run names say region, year and mode; a draft's files end in -draft, so the final report does not overwrite it
    (nor it the final); each file is a task named after it and a log line as `annual-report run` prints it, with its
    ledger and receipt; the files written are logged; the artifacts are in Chinese, the metrics as printed, a draft's
    under keys of their own."""
    folders = {"inputs": ROOT / "inputs", "outputs": tmp_path, "settle_seconds": 0}
    draft, draft_run = _run(annual_report, year=2021, mode="draft", **folders)
    final, final_run = _run(annual_report, year=2021, **folders)
    assert (_name(draft_run), _name(final_run)) == ("jinjiang-2021-draft", "jinjiang-2021-strict")

    year = tmp_path / "2021"
    assert [path.name for path in draft.files.written] == [
        "jinjiang-2021-report-draft.pdf", "jinjiang-2021-report-draft.docx", "jinjiang-2021-report-draft.html",
        "jinjiang-2021-metrics-draft.csv", "jinjiang-2021-metrics-draft.xlsx", "jinjiang-2021-figures-draft.xlsx",
        "jinjiang-2021-review-draft.html"]
    assert [path.name for path in final.files.written] == [
        "jinjiang-2021-report.pdf", "jinjiang-2021-report.docx", "jinjiang-2021-report.html",
        "jinjiang-2021-metrics.csv", "jinjiang-2021-metrics.xlsx", "jinjiang-2021-figures.xlsx",
        "jinjiang-2021-review.html"]
    assert all(path.parent == year and path.stat().st_size for path in draft.files.written + final.files.written)

    receipt = year / "receipts" / "司法局" / "行政复议案件台账.csv.html"
    taken = f"已入库  2021/司法局/行政复议案件台账.csv  124/124 行  台账：行政复议案件台账  回执：{receipt}"
    assert taken in _logs(draft_run, "jinjiang-2021-report-draft.pdf")
    final_logs = _logs(final_run, "jinjiang-2021-report.pdf")
    assert taken.replace("已入库", "未变化") in final_logs  # taken by the draft: unchanged, and logged as such
    assert "\n".join(["报告文件：", *(f"  {path}" for path in final.files.written)]) in final_logs
    assert _error_logs(draft_run) == _error_logs(final_run) == []
    assert {"take 司法局/行政复议案件台账.csv", "take 法律援助中心/法律援助案件台账.csv"} <= _task_names(
        final_run, "take 司法局/行政复议案件台账.csv")

    artifacts = _artifacts(final_run)
    assert set(artifacts) == {"jinjiang-2021-submissions", "jinjiang-2021-metrics", "jinjiang-2021-report",
                              "jinjiang-2021-review"}
    assert set(_artifacts(draft_run)) == {"jinjiang-2021-draft-submissions", "jinjiang-2021-draft-metrics",
                                          "jinjiang-2021-draft-report", "jinjiang-2021-draft-review"}
    assert "2021/jinjiang-2021-review.html)" in artifacts["jinjiang-2021-review"].data
    submissions = artifacts["jinjiang-2021-submissions"].data
    assert "|司法局|行政复议案件台账|2021/司法局/行政复议案件台账.csv|未变化|124/124 行|—|" in submissions
    assert "unchanged" not in submissions
    metrics = {row["指标"]: row for row in json.loads(artifacts["jinjiang-2021-metrics"].data)}
    assert metrics["网上可办率"] == {"序号": "11", "指标": "网上可办率", "单位": "%", "2021年": "99.21", "2020年": "—",
                                  "印于": "正文、附件"}


def test_a_drops_run_is_named_by_what_it_did_and_publishes_only_a_change(prefect_harness, tmp_path: Path) -> None:
    inputs, outputs = tmp_path / "inputs", tmp_path / "outputs"
    shutil.copytree(ROOT / "inputs" / "2021" / "司法局", inputs / "2021" / "司法局")
    folders = {"inputs": inputs, "outputs": outputs, "settle_seconds": 0}
    _, first = _run(ingest_drops, **folders)
    assert _name(first) == "drops：9 个文件已入库"
    assert set(_artifacts(first)) == {"jinjiang-drops"}

    _, again = _run(ingest_drops, **folders)
    assert _name(again) == "drops：无变化"
    assert _artifacts(again) == {}
    unchanged = f"未变化  2021/司法局/行政复议案件台账.csv  124/124 行  台账：行政复议案件台账  回执：{outputs}/2021/receipts/"
    assert any(line.startswith(unchanged) for line in _logs(again, "drops：无变化"))  # every file, each time

    (inputs / "2021" / "司法局" / "说明.csv").write_text("甲,乙\n1,2\n", encoding="utf-8")
    _, refused = _run(ingest_drops, **folders)
    assert _name(refused) == "drops：1 个文件未入库"
    published = _artifacts(refused)["jinjiang-drops"].data
    assert published.startswith("|部门|台账|文件|结果|行数|问题|\n|---|---|---|---|---|---|\n|司法局|—|2021/司法局/说明.csv|未入库|—|见下|")
    assert published.count("\n|") == 2  # the one file that changed, only
    assert "请使用该台账的空白模板填写，保留模板第一行的表头" in published  # its problem in full


def test_one_report_run_per_region_and_year_at_a_time(prefect_harness, tmp_path: Path) -> None:
    """A second run of the same region and year waits for the first (here: the test holding the slot) and then
    goes ahead; the limit is created once, whoever asks first."""
    name = _report_limit("jinjiang", 2021)
    assert _report_limit("jinjiang", 2021) == name == "report-jinjiang-2021"
    with get_client(sync_client=True) as client:
        assert client.read_global_concurrency_limit_by_name(name).limit == 1
    with ThreadPoolExecutor(max_workers=1) as pool:
        with concurrency(name, occupy=1, strict=True):
            waiting = pool.submit(_run, annual_report, year=2021, mode="draft", inputs=ROOT / "inputs",
                                  outputs=tmp_path, settle_seconds=0)
            time.sleep(8)
            assert not waiting.done() and not (tmp_path / "2021").exists()  # it has not taken a single file
        summary, run = waiting.result(timeout=300)
    assert summary.files.pdf.exists()
    assert any(line.startswith("waited ") and line.endswith(f"for another run of the jinjiang 2021 report to end ({name})")
               for line in _logs(run, "报告文件："))
