"""The department-facing commands: contracts, template, validate, status."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import take_inputs
from openpyxl import load_workbook

from annual_report.cli import main, print_submission
from annual_report.intake.submission import Rejection, SubmissionResult
from annual_report.settings import ROOT, Settings

pytestmark = pytest.mark.usefixtures("prefect_harness")  # the flows run as users run them


def test_contracts_lists_every_dataset(capsys, contracts) -> None:
    assert main(["contracts"]) == 0
    out = capsys.readouterr().out
    assert all(c.dataset in out and c.title in out for c in contracts.values())


def test_template_writes_csv_and_xlsx_whose_example_row_cannot_load(tmp_path: Path, capsys, contracts) -> None:
    assert main(["template", "法律援助案件台账", "--dir", str(tmp_path)]) == 0
    csv_path, xlsx_path = tmp_path / "法律援助案件台账.csv", tmp_path / "法律援助案件台账.xlsx"
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")
    header = [c.header for c in contracts["legal_aid_cases"].columns]
    assert [cell.value for cell in next(load_workbook(xlsx_path).active.iter_rows(max_row=1))] == header
    for path in (csv_path, xlsx_path):
        assert main(["validate", str(path), "--year", "2021", "--department", "法律援助中心"]) == 1
        out = capsys.readouterr().out
        assert "读取 1 行，可入库 0 行，有问题 1 行" in out and "这是模板中的示例行" in out


def test_template_of_unknown_dataset_fails(capsys) -> None:
    assert main(["template", "nothing"]) == 2
    assert "annual-report contracts" in capsys.readouterr().err


def test_validate_reports_every_problem_and_writes_nothing(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "2021" / "法律援助中心"
    folder.mkdir(parents=True)
    source = ROOT / "inputs" / "2021" / "法律援助中心" / "法律援助案件台账.csv"
    lines = source.read_text(encoding="utf-8-sig").splitlines()
    lines[2] = lines[2].replace(",民事,", ",军事,").replace(",刑事,", ",军事,").replace(",行政,", ",军事,")
    (folder / "台账.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = sorted(p for p in ROOT.joinpath("outputs").rglob("*"))
    assert main(["validate", str(folder / "台账.csv")]) == 1
    out = capsys.readouterr().out
    assert "识别为：法律援助案件台账\n" in out
    assert "第3行“案件类别”：军事，不是允许的取值，应为：民事、刑事、行政" in out
    assert sorted(p for p in ROOT.joinpath("outputs").rglob("*")) == before


def test_status_shows_received_failed_and_missing(settings: Settings, capsys, monkeypatch) -> None:
    shutil.copytree(ROOT / "inputs" / "2021" / "法院", settings.inputs / "2021" / "法院")
    (settings.inputs / "2021" / "普法办").mkdir()
    (settings.inputs / "2021" / "普法办" / "活动.csv").write_text("甲,乙\n1,2\n", encoding="utf-8")
    take_inputs(settings, 2021)
    monkeypatch.setenv("ANNUAL_REPORT_OUTPUTS", str(settings.outputs))
    assert main(["status", "--year", "2021"]) == 0
    out = capsys.readouterr().out
    assert "有效    法院 执行慈善救助台账" in out and "入库 66/66 行" in out
    assert "未报送  司法局 行政复议案件台账" in out
    assert "未识别  2021/普法办/活动.csv：未能识别为本单位（普法办）应报送的台账：表头与以下台账都不完全匹配" in out


def test_status_lists_the_ledgers_the_regions_report_requires(settings: Settings, tmp_path: Path, capsys) -> None:
    """A region whose spec requires three ledgers is not asked for the other sixteen."""
    reports = tmp_path / "reports"
    assert main(["new-region", "lanxi", "--year", "2021", "--reports", str(reports)]) == 0
    shutil.copytree(ROOT / "inputs" / "2021" / "法律援助中心", settings.inputs / "2021" / "法律援助中心")
    take_inputs(settings, 2021)
    capsys.readouterr()
    assert main(["status", "--year", "2021", "--region", "lanxi", "--reports", str(reports),
                 "--inputs", str(settings.inputs), "--outputs", str(settings.outputs)]) == 0
    listed = [line.split()[:3] for line in capsys.readouterr().out.splitlines()[1:]]
    assert listed == [["未报送", "司法局", "行政应诉案件台账"], ["未报送", "司法局", "行政复议案件台账"],
                      ["有效", "法律援助中心", "法律援助案件台账"]]


DAMAGE = {
    "not a DuckDB file": lambda data: "部门报送情况\n".encode() * 100,
    "truncated": lambda data: data[:len(data) // 2],
    "filled with garbage past its header": lambda data: data[:8192] + bytes([0xAB]) * (len(data) - 8192),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_status_of_a_damaged_warehouse_says_so_and_how_to_rebuild(damage: str, settings: Settings, capsys) -> None:
    shutil.copytree(ROOT / "inputs" / "2021" / "法院", settings.inputs / "2021" / "法院")
    take_inputs(settings, 2021)
    settings.warehouse.write_bytes(DAMAGE[damage](settings.warehouse.read_bytes()))
    assert main(["status", "--year", "2021", "--outputs", str(settings.outputs)]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith(f"Stopped: the warehouse {settings.warehouse} is damaged (")
    assert captured.err.rstrip().endswith("annual-report rebuild") and captured.out == ""


HOSTILE = "\x1b]0;pwned\x07\x1b[2J\r\x9b1A"  # retitle the window, clear the screen, return, C1 cursor up
SHOWN = r"\x1b]0;pwned\x07\x1b[2J\r\x9b1A"


def test_status_shows_control_characters_of_submitted_names_escaped(settings: Settings, capsys) -> None:
    court = settings.inputs / "2021" / "法院"
    court.mkdir(parents=True)
    shutil.copy(ROOT / "inputs" / "2021" / "法院" / "执行慈善救助台账.csv", court / f"台账{HOSTILE}.csv")
    (settings.inputs / "2021" / f"普法办{HOSTILE}").mkdir()
    (settings.inputs / "2021" / f"普法办{HOSTILE}" / "活动.csv").write_text("甲,乙\n1,2\n", encoding="utf-8")
    take_inputs(settings, 2021)
    assert main(["status", "--year", "2021", "--outputs", str(settings.outputs)]) == 0
    out = capsys.readouterr().out
    assert f"2021/法院/台账{SHOWN}.csv  入库 66/66 行" in out
    assert f"未识别  2021/普法办{SHOWN}/活动.csv：未能识别：没有应由“普法办{SHOWN}”报送的台账" in out
    assert not any(c in out for c in "\x1b\x07\r\x9b")


def test_validate_shows_control_characters_of_submitted_cells_escaped(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "2021" / "法律援助中心"
    folder.mkdir(parents=True)
    source = ROOT / "inputs" / "2021" / "法律援助中心" / "法律援助案件台账.csv"
    lines = source.read_text(encoding="utf-8-sig").splitlines()
    lines[2] = lines[2].replace(",民事,", ",\x1b[2J军事\x9b1A,").replace(",刑事,", ",\x1b[2J军事\x9b1A,")
    (folder / f"台账{HOSTILE}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["validate", str(folder / f"台账{HOSTILE}.csv")]) == 1
    out = capsys.readouterr().out
    assert f"文件：台账{SHOWN}.csv" in out
    assert r"第3行“案件类别”：\x1b[2J军事\x9b1A，不是允许的取值" in out
    assert not any(c in out for c in "\x1b\x07\r\x9b")


def test_run_summary_shows_control_characters_of_submitted_text_escaped(capsys) -> None:
    print_submission(SubmissionResult(
        file=f"2021/法院/台账{HOSTILE}.csv", year=2021, department="法院", status="loaded", rows_read=2, rows_loaded=1,
        rows_rejected=1, warnings=[f"忽略了未知的列“{HOSTILE}”"], rejections=[Rejection(3, "案件类别", HOSTILE, "不是允许的取值")]))
    out = capsys.readouterr().out
    assert f"台账{SHOWN}.csv" in out and f"“{SHOWN}”" in out and f"：{SHOWN}，不是允许的取值" in out
    assert not any(c in out for c in "\x1b\x07\r\x9b")


def test_validate_outside_inputs_asks_for_year_and_department(tmp_path: Path, capsys) -> None:
    (tmp_path / "台账.csv").write_text("甲\n", encoding="utf-8")
    assert main(["validate", str(tmp_path / "台账.csv")]) == 2
    assert "--year" in capsys.readouterr().err
