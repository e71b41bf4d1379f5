"""The department-facing commands: contracts, template, validate, status."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from annual_report import pipeline
from annual_report.cli import main
from annual_report.settings import ROOT, Settings


def test_contracts_lists_every_dataset(capsys, contracts) -> None:
    assert main(["contracts"]) == 0
    out = capsys.readouterr().out
    assert all(c.dataset in out and c.title in out for c in contracts.values())


def test_template_writes_csv_and_xlsx_that_pass_validation(tmp_path: Path, capsys, contracts) -> None:
    assert main(["template", "法律援助案件台账", "--dir", str(tmp_path)]) == 0
    csv_path, xlsx_path = tmp_path / "法律援助案件台账.csv", tmp_path / "法律援助案件台账.xlsx"
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")
    header = [c.header for c in contracts["legal_aid_cases"].columns]
    assert [cell.value for cell in next(load_workbook(xlsx_path).active.iter_rows(max_row=1))] == header
    for path in (csv_path, xlsx_path):
        assert main(["validate", str(path), "--year", "2021", "--department", "法律援助中心"]) == 0
    assert "处理结果：已入库（读取 1 行，入库 1 行，有问题 0 行）" in capsys.readouterr().out


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
    assert "识别为：法律援助案件台账（legal_aid_cases）" in out
    assert "第3行“案件类别”：军事，不是允许的取值，应为：民事、刑事、行政" in out
    assert sorted(p for p in ROOT.joinpath("outputs").rglob("*")) == before


def test_status_shows_received_failed_and_missing(settings: Settings, capsys, monkeypatch) -> None:
    shutil.copytree(ROOT / "inputs" / "2021" / "法院", settings.inputs / "2021" / "法院")
    (settings.inputs / "2021" / "普法办").mkdir()
    (settings.inputs / "2021" / "普法办" / "活动.csv").write_text("甲,乙\n1,2\n", encoding="utf-8")
    pipeline.ingest_submissions(settings, 2021)
    monkeypatch.setenv("ANNUAL_REPORT_OUTPUTS", str(settings.outputs))
    assert main(["status", "--year", "2021"]) == 0
    out = capsys.readouterr().out
    assert "已入库  法院 执行慈善救助台账" in out and "入库 66/66 行" in out
    assert "未报送  司法局 行政复议案件台账" in out
    assert "未识别  2021/普法办/活动.csv：表头与任何数据表都不匹配" in out


def test_validate_outside_inputs_asks_for_year_and_department(tmp_path: Path, capsys) -> None:
    (tmp_path / "台账.csv").write_text("甲\n", encoding="utf-8")
    assert main(["validate", str(tmp_path / "台账.csv")]) == 2
    assert "--year" in capsys.readouterr().err
