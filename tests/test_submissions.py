"""The submission model, through the flows users run: the department's folder is the truth of what it has
submitted, no file replaces or doubles a ledger by accident, and a strict run never publishes a report
computed without rows unless the operator accepted that on the record."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path

import duckdb
import pdfplumber
import pytest
from conftest import ledger_rows, run_report, take_inputs, write_csv

from annual_report import pipeline
from annual_report.settings import ROOT, Settings

pytestmark = pytest.mark.usefixtures("prefect_harness")  # the flows run as users run them

LEGAL_AID = ROOT / "inputs" / "2021" / "法律援助中心" / "法律援助案件台账.csv"
FOLDER = "2021/法律援助中心"


@pytest.fixture
def sample(settings: Settings) -> Settings:
    """Settings over a copy of the sample inputs (modification times kept, as a department's copy would)."""
    shutil.copytree(ROOT / "inputs", settings.inputs, dirs_exist_ok=True)
    return settings


def legal_aid_rows(count: int) -> str:
    """The sample legal-aid ledger cut to its first `count` cases (a version B of it)."""
    lines = LEGAL_AID.read_text(encoding="utf-8-sig").splitlines()
    return "\n".join(lines[:count + 1]) + "\n"


def in_force(settings: Settings, dataset: str = "legal_aid_cases", year: int = 2021) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute("select file, rows_loaded from current_submissions where dataset = ? and year = ?",
                           [dataset, year]).fetchall()


def by_file(report: pipeline.IngestReport) -> dict[str, object]:
    return {r.file: r for r in report.submissions}


def metric(summary: pipeline.RunSummary, metric_id: str) -> float:
    return summary.metrics.filter(summary.metrics["metric_id"] == metric_id)["value"].item()


def test_a_reverted_ledger_is_taken_again_by_the_report_run_and_by_a_rebuild(sample: Settings) -> None:
    """A ledger replaced by version B, then A put back with its old modification time: the report run prints A's figure again, and so does a rebuild."""
    ledger = sample.inputs / FOLDER / "法律援助案件台账.csv"
    version_a = ledger.read_bytes()
    stat = ledger.stat()
    assert metric(run_report(sample, "jinjiang", 2021), "legal_aid_cases") == 3501
    ledger.write_text(legal_aid_rows(3000), encoding="utf-8")
    os.utime(ledger, (time.time() - 60, time.time() - 60))
    assert metric(run_report(sample, "jinjiang", 2021, mode="draft"), "legal_aid_cases") == 3000
    ledger.write_bytes(version_a)  # put back, with its old modification time, as a restore from backup does
    os.utime(ledger, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    summary = run_report(sample, "jinjiang", 2021)
    assert metric(summary, "legal_aid_cases") == 3501
    result = by_file(summary.ingest)[f"{FOLDER}/法律援助案件台账.csv"]
    assert result.status == "loaded" and any("已恢复为现行版本" in w for w in result.warnings)
    pipeline.rebuild_warehouse(sample)
    assert in_force(sample) == [(f"{FOLDER}/法律援助案件台账.csv", 3501)]


@pytest.mark.parametrize("second", ["法律援助案件台账（补报）.csv", "法律援助案件台账-旧.csv", "备份/法律援助案件台账.csv"])
def test_a_second_file_of_a_ledger_neither_replaces_nor_doubles_it(sample: Settings, second: str) -> None:
    """A supplement, an older copy or a copy in 备份/ beside the ledger: none replaces or doubles it; both are held, the receipts say so, a strict run stops; removing the copy restores the ledger."""
    take_inputs(sample, 2021)
    extra = sample.inputs / FOLDER / second
    extra.parent.mkdir(exist_ok=True)
    extra.write_text(legal_aid_rows(11), encoding="utf-8")
    results = by_file(take_inputs(sample, 2021))
    assert in_force(sample) == [(f"{FOLDER}/法律援助案件台账.csv", 3501)]
    for name in ("法律援助案件台账.csv", second):
        result = results[f"{FOLDER}/{name}"]
        assert result.status == "held"
        assert "均未采用" in result.problem and "此前报送的版本（法律援助案件台账.csv" in result.problem
    receipt = sample.receipts(2021) / "法律援助中心" / "法律援助案件台账.csv.html"
    assert "未采用，数据不计入报告" in receipt.read_text(encoding="utf-8")
    with pytest.raises(pipeline.IncompleteSubmissionsError, match="held back"):
        run_report(sample, "jinjiang", 2021)
    extra.unlink()  # the department removes the copy: its ledger counts again, and says so
    assert by_file(take_inputs(sample, 2021))[f"{FOLDER}/法律援助案件台账.csv"].status == "unchanged"
    assert "数据计入报告" in receipt.read_text(encoding="utf-8")


def test_an_identical_copy_beside_the_ledger_is_one_submission(sample: Settings) -> None:
    """An identical copy of the ledger in a subfolder counts as the same submission, with a note."""
    take_inputs(sample, 2021)
    (sample.inputs / FOLDER / "备份").mkdir()
    shutil.copy2(LEGAL_AID, sample.inputs / FOLDER / "备份" / "台账副本.csv")
    results = by_file(take_inputs(sample, 2021))
    assert results[f"{FOLDER}/备份/台账副本.csv"].status == "unchanged"
    assert "内容完全相同" in results[f"{FOLDER}/备份/台账副本.csv"].warnings[-1]
    assert in_force(sample) == [(f"{FOLDER}/法律援助案件台账.csv", 3501)]


def test_a_renamed_ledger_supersedes_the_old_one_whose_receipt_says_so(sample: Settings) -> None:
    """A ledger saved under a new name replaces the old file: the old receipt says it no longer counts."""
    take_inputs(sample, 2021)
    (sample.inputs / FOLDER / "法律援助案件台账.csv").unlink()
    write_csv(sample.inputs / FOLDER / "2021年法律援助案件.csv", [line.split(",") for line in
                                                                 legal_aid_rows(20).splitlines()])
    results = by_file(take_inputs(sample, 2021))
    assert results[f"{FOLDER}/2021年法律援助案件.csv"].status == "loaded"
    assert results[f"{FOLDER}/法律援助案件台账.csv"].status == "superseded"
    assert in_force(sample) == [(f"{FOLDER}/2021年法律援助案件.csv", 20)]
    receipt = sample.receipts(2021) / "法律援助中心" / "法律援助案件台账.csv.html"
    assert "已被新版本取代，数据不再计入报告" in receipt.read_text(encoding="utf-8")


def test_a_deleted_ledger_is_withdrawn_with_a_notice(sample: Settings) -> None:
    """A deleted ledger is withdrawn with a notice, a strict run names it missing, and a rebuild keeps it withdrawn."""
    take_inputs(sample, 2021)
    (sample.inputs / FOLDER / "法律援助案件台账.csv").unlink()
    result = by_file(take_inputs(sample, 2021))[f"{FOLDER}/法律援助案件台账.csv"]
    assert result.status == "withdrawn" and "已撤回" in result.problem
    assert in_force(sample) == []
    with pytest.raises(pipeline.MissingSubmissionsError, match="法律援助案件台账"):
        run_report(sample, "jinjiang", 2021)
    pipeline.rebuild_warehouse(sample)  # the archive records the withdrawal
    assert in_force(sample) == []


def test_a_file_still_being_copied_waits_and_the_complete_version_stays(sample: Settings) -> None:
    """A ledger still being copied over the complete one during the run: not taken, the strict run stops naming it, the complete version stays in force."""
    take_inputs(sample, 2021)
    ledger = sample.inputs / FOLDER / "法律援助案件台账.csv"
    whole = legal_aid_rows(3501).encode()
    ledger.write_bytes(whole[: len(whole) * 6 // 10])
    done = threading.Event()

    def keep_copying() -> None:  # the copy goes on during the run's settle time, then ends
        for _ in range(6):
            time.sleep(0.25)
            with ledger.open("ab") as stream:
                stream.write(b"")
                os.utime(ledger)
        done.set()

    copier = threading.Thread(target=keep_copying)
    copier.start()
    with pytest.raises(pipeline.IncompleteSubmissionsError, match="still being written"):
        run_report(sample, "jinjiang", 2021, settle_seconds=1)
    copier.join()
    assert done.is_set()
    assert in_force(sample) == [(f"{FOLDER}/法律援助案件台账.csv", 3501)]


def test_a_strict_run_stops_on_rejected_rows_unless_accepted_on_the_record(sample: Settings) -> None:
    """A strict run with a rejected row stops naming the file and writes no PDF; --accept-incomplete publishes and records the acceptance."""
    ledger = sample.inputs / FOLDER / "法律援助案件台账.csv"
    lines = ledger.read_text(encoding="utf-8-sig").splitlines()
    lines[5] = lines[5].replace("2021-", "2021年13月")  # one impossible date
    ledger.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(pipeline.IncompleteSubmissionsError,
                       match=r"2021/法律援助中心/法律援助案件台账.csv: 1 of 3501 rows rejected"):
        run_report(sample, "jinjiang", 2021)
    assert not (sample.year_outputs(2021) / "jinjiang-2021-report.pdf").exists()
    summary = run_report(sample, "jinjiang", 2021, accept_incomplete=True)
    assert summary.accepted == ["2021/法律援助中心/法律援助案件台账.csv: 1 of 3501 rows rejected"]
    assert metric(summary, "legal_aid_cases") == 3500


def test_a_draft_says_on_its_first_page_which_ledgers_are_incomplete(sample: Settings) -> None:
    """A draft's first page says its figures are provisional and names the missing and incomplete ledgers."""
    shutil.rmtree(sample.inputs / "2021" / "法院")
    ledger = sample.inputs / FOLDER / "法律援助案件台账.csv"
    ledger.write_text(legal_aid_rows(3501).replace("2021-01-04", "2021-01-32", 1), encoding="utf-8")
    summary = run_report(sample, "jinjiang", 2021, mode="draft")
    with pdfplumber.open(summary.files.pdf) as pdf:
        first = "".join((pdf.pages[0].extract_text() or "").split())
        second = "".join((pdf.pages[1].extract_text() or "").split())
    assert "征求意见稿：本稿数字为暂定" in first
    assert "执行慈善救助台账（法院）未报送" in first and "法律援助案件台账（法律援助中心）有1行未入库" in first
    assert "征求意见稿" not in second


def test_files_outside_the_departments_folders_are_reported(sample: Settings) -> None:
    """Files straight in inputs/, year folders named 2021年 or FY2021, and system files are reported, not dropped silently."""
    write_csv(sample.inputs / "法律援助案件台账.csv", [["案件编号"]])
    shutil.copytree(sample.inputs / "2021", sample.inputs / "2021年")
    shutil.copytree(sample.inputs / "2021" / "法院", sample.inputs / "FY2021" / "法院")
    (sample.inputs / "2021" / "Thumbs.db").write_bytes(b"\0")
    results = by_file(take_inputs(sample, 2021))
    assert results["法律援助案件台账.csv"].status == "ignored"
    assert "直接放在 inputs 文件夹中" in results["法律援助案件台账.csv"].problem
    assert "年度文件夹应命名为“2021”" in results["2021年/"].problem
    assert "年度文件夹应命名为“2021”" in results["FY2021/"].problem
    assert "其中 1 个文件未处理" in results["FY2021/"].problem
    assert results["2021/Thumbs.db"].status == "ignored"


def test_status_lists_held_and_misplaced_files(sample: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    """`status` lists held files and misplaced folders."""
    from annual_report.cli import main

    (sample.inputs / FOLDER / "备份").mkdir()
    (sample.inputs / FOLDER / "备份" / "旧.csv").write_text(legal_aid_rows(11), encoding="utf-8")
    (sample.inputs / "2021年").mkdir()
    take_inputs(sample, 2021)
    capsys.readouterr()
    assert main(["status", "--year", "2021", "--inputs", str(sample.inputs), "--outputs", str(sample.outputs)]) == 0
    out = capsys.readouterr().out
    assert "未报送  法律援助中心 法律援助案件台账" in out  # nothing of it was in force before the copy came
    assert "未采用  2021/法律援助中心/备份/旧.csv" in out
    assert "未处理  2021年/：文件夹名“2021年”不是年度" in out


def own_contracts(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Settings]:
    """A copy of the contracts that the flows read (ANNUAL_REPORT_CONTRACTS), to change."""
    contracts = tmp_path / "contracts"
    shutil.copytree(ROOT / "contracts", contracts)
    monkeypatch.setenv("ANNUAL_REPORT_CONTRACTS", str(contracts))
    return contracts, Settings(**{**settings.__dict__, "contracts": contracts})


def test_a_changed_contract_retakes_its_files_without_a_rebuild(sample: Settings, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A contract that gains a column: the warehouse follows (no BinderException) and the files are validated again, with a line saying so."""
    contracts, changed = own_contracts(sample, tmp_path, monkeypatch)
    take_inputs(changed, 2021)
    path = contracts / "legal_aid_cases.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "columns:\n", "columns:\n  - name: remark\n    header: 备注\n    type: text\n", 1), encoding="utf-8")
    summary = run_report(changed, "jinjiang", 2021)
    result = by_file(summary.ingest)[f"{FOLDER}/法律援助案件台账.csv"]
    assert any("数据表规范已更新" in w for w in result.warnings)
    assert metric(summary, "legal_aid_cases") == 3501
    with duckdb.connect(str(changed.warehouse), read_only=True) as con:
        versions = con.execute("select count(*) from submissions where dataset = 'legal_aid_cases' and year = 2021"
                               ).fetchone()[0]
    assert versions == 2


def test_an_unrecognised_file_is_taken_again_when_its_contract_learns_its_header(
        sample: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file no contract recognised is taken again when a contract learns its header, without a rebuild."""
    contracts, changed = own_contracts(sample, tmp_path, monkeypatch)
    ledger = sample.inputs / FOLDER / "法律援助案件台账.csv"
    ledger.write_text(ledger.read_text(encoding="utf-8-sig").replace("承办机构", "承办律所", 1), encoding="utf-8")
    result = by_file(take_inputs(changed, 2021))[f"{FOLDER}/法律援助案件台账.csv"]
    assert result.status == "failed" and "缺少必填列：承办机构" in result.problem
    path = contracts / "legal_aid_cases.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("header: 承办机构,", "header: 承办机构, aliases: [承办律所],"),
                    encoding="utf-8")
    assert by_file(take_inputs(changed, 2021))[f"{FOLDER}/法律援助案件台账.csv"].status == "loaded"
    assert in_force(changed) == [(f"{FOLDER}/法律援助案件台账.csv", 3501)]


def test_the_archive_records_what_came_and_what_counted(sample: Settings) -> None:
    """The archive's index records each arrival and each version coming into force."""
    take_inputs(sample, 2021)
    events = [json.loads(line)["event"] for line in (sample.archive / "index.jsonl").read_text().splitlines()]
    assert events.count("received") == events.count("in_force") == 20


def test_a_case_repeated_across_years_is_caught_when_both_years_arrive_together(settings: Settings) -> None:
    """Last year's and this year's legal-aid ledgers dropped at once: a case number in both is rejected in the
    year taken second (the prior year is in force before this year is taken)."""
    header = LEGAL_AID.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    case = ["晋法援〔2020〕0099号", "民事", "离婚", "安海镇", "2020-06-01", "某所"]
    write_csv(settings.inputs / "2020" / "法律援助中心" / "台账.csv", [header, case])
    write_csv(settings.inputs / FOLDER / "台账.csv", [header, [*case[:4], "2021-02-01", "某所"]])
    result = by_file(take_inputs(settings, 2021))[f"{FOLDER}/台账.csv"]
    assert result.rows_rejected == 1 and "与本单位2020年报送的记录重复" in result.rejections[0].reason


# each case ledger: a case still open at the end of 2021 (A) and one concluded in 2021 (B), as its 2021 ledger and its
# 2022 ledger have them (B again in 2022, with a conclusion of 2022: a row that would load on its own)
RECONSIDERATION_A = {"case_no": "晋政复〔2021〕120号", "applicant_type": "自然人", "respondent": "市城管局",
                     "matter": "行政处罚", "received_on": "2021-12-20", "accepted_on": "2021-12-24", "extended": "否",
                     "concluded_on": "", "outcome": ""}
RECONSIDERATION_B = {**RECONSIDERATION_A, "case_no": "晋政复〔2021〕7号", "received_on": "2021-01-04",
                     "accepted_on": "2021-01-06", "concluded_on": "2021-02-10", "outcome": "撤销"}
LITIGATION_A = {"case_no": "（2021）闽05行初301号", "instance": "一审", "cause": "土地征收", "court": "泉州市中级人民法院",
                "filed_on": "2021-11-03", "head_appeared": "是", "result": "审理中", "concluded_on": ""}
LITIGATION_B = {**LITIGATION_A, "case_no": "（2021）闽05行初3号", "filed_on": "2021-01-12", "result": "驳回起诉"}
CASES_ACROSS_YEARS = {
    "reconsiderations": ([RECONSIDERATION_A, RECONSIDERATION_B],
                         [{**RECONSIDERATION_A, "concluded_on": "2022-02-10", "outcome": "维持"},
                          {**RECONSIDERATION_B, "concluded_on": "2022-01-20"}]),
    "litigations": ([LITIGATION_A, LITIGATION_B],
                    [{**LITIGATION_A, "result": "驳回诉讼请求", "concluded_on": "2022-03-01"},
                     {**LITIGATION_B, "concluded_on": "2022-01-20"}]),
}


def write_case_ledger(settings: Settings, dataset: str, year: int) -> str:
    """The year's ledger of CASES_ACROSS_YEARS, in 司法局's folder; its file as results name it."""
    rows = CASES_ACROSS_YEARS[dataset][year - 2021]
    title = {"reconsiderations": "行政复议案件台账", "litigations": "行政应诉案件台账"}[dataset]
    write_csv(settings.inputs / str(year) / "司法局" / f"{title}.csv", ledger_rows(dataset, rows))
    return f"{year}/司法局/{title}.csv"


def rejected(result: object) -> tuple[int, int, list[tuple[int, str, str]]]:
    return result.rows_loaded, result.rows_rejected, [(r.row, r.column, r.reason) for r in result.rejections]


@pytest.mark.parametrize("dataset", sorted(CASES_ACROSS_YEARS))
def test_a_case_open_last_year_moves_on_and_a_concluded_one_is_a_repeat(settings: Settings, dataset: str) -> None:
    """Both years' ledgers dropped at once: the case still open in 2021 and concluded in 2022 is taken in 2022; the
    case concluded in 2021 and found again in 2022 is rejected there, naming the year it was concluded."""
    earlier, later = (write_case_ledger(settings, dataset, year) for year in (2021, 2022))
    results = by_file(take_inputs(settings, 2022))
    assert rejected(results[earlier]) == (2, 0, [])
    assert rejected(results[later]) == (1, 1, [(3, "案号", "与本单位2021年报送的记录重复，该案件已于2021年审结")])


@pytest.mark.parametrize("dataset", sorted(CASES_ACROSS_YEARS))
def test_last_years_ledger_sent_after_this_years_has_the_repeat(settings: Settings, dataset: str) -> None:
    """2022's ledger taken first, then 2021's arrives: its row of the case still open is taken (2022's record of it
    is the later one), its row saying concluded a case 2022's ledger carries is the repeat."""
    later = write_case_ledger(settings, dataset, 2022)
    assert rejected(by_file(take_inputs(settings, 2022))[later]) == (2, 0, [])
    earlier = write_case_ledger(settings, dataset, 2021)
    assert rejected(by_file(take_inputs(settings, 2022))[earlier]) == (
        1, 1, [(3, "案号", "与本单位2022年报送的记录重复，本行的案件已审结，不应再列入2022年的台账")])
