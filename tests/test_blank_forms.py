"""`annual-report template` never writes a blank form into the submissions folder, nor over a file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from annual_report.cli import main

TITLE = "法律援助案件台账"
LEDGER = "案件编号,案件类别\nFY-1,民事\n"


@pytest.fixture
def inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A submissions folder of the test's own, holding one department's ledger."""
    folder = tmp_path / "inputs"
    (folder / "2021" / "法律援助中心").mkdir(parents=True)
    (folder / "2021" / "法律援助中心" / f"{TITLE}.csv").write_text(LEDGER, encoding="utf-8")
    monkeypatch.setenv("ANNUAL_REPORT_INPUTS", str(folder))
    return folder


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _chinese_only(message: str, *paths: Path) -> None:
    """No English in the message, once the paths it names and the option it mentions are taken out."""
    for path in sorted({str(p) for p in paths} | {str(p.resolve()) for p in paths}, key=len, reverse=True):
        message = message.replace(path, "")
    assert not re.search(r"[A-Za-z]", message.replace("--dir", "")), message


@pytest.mark.parametrize("where", ["2021/法律援助中心", "2021", ".", "2022/新单位"])
def test_no_blank_form_inside_the_submissions_folder(where: str, inputs: Path, capsys, tmp_path: Path) -> None:
    before = _files(inputs)
    folder = inputs / where
    assert main(["template", TITLE, "--dir", str(folder)]) == 2
    assert _files(inputs) == before  # the ledger as it was, no blank form beside it
    assert not (inputs / "2022").exists()
    out, err = capsys.readouterr()
    assert out == ""
    assert "报送文件夹" in err and "会被当成一份报送" in err and str(folder) in err
    assert "--dir " in err  # where to save instead
    _chinese_only(err, folder, inputs, Path.cwd(), inputs.parent)


def test_no_blank_form_through_a_link_into_the_submissions_folder(inputs: Path, capsys, tmp_path: Path) -> None:
    link = tmp_path / "desk"
    link.symlink_to(inputs / "2021" / "法律援助中心")
    before = _files(inputs)
    assert main(["template", TITLE, "--dir", str(link)]) == 2
    assert _files(inputs) == before
    assert "报送文件夹" in capsys.readouterr().err


@pytest.mark.parametrize("existing", [".csv", ".xlsx"])
def test_no_blank_form_over_an_existing_file(existing: str, inputs: Path, capsys, tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    folder.mkdir()
    (folder / f"{TITLE}{existing}").write_text("我的台账", encoding="utf-8")
    assert main(["template", TITLE, "--dir", str(folder)]) == 2
    assert _files(folder) == {f"{TITLE}{existing}": "我的台账".encode()}  # neither file of the pair written
    out, err = capsys.readouterr()
    assert out == ""
    assert f"{folder / TITLE}{existing} 已存在" in err and "未写入任何文件" in err
    _chinese_only(err, folder / f"{TITLE}{existing}")


def test_blank_forms_outside_the_submissions_folder(inputs: Path, capsys, tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    assert main(["template", TITLE, "--dir", str(folder)]) == 0
    assert sorted(_files(folder)) == [f"{TITLE}.csv", f"{TITLE}.xlsx"]
    assert capsys.readouterr().out.split() == [str(folder / f"{TITLE}.csv"), str(folder / f"{TITLE}.xlsx")]
