"""Which sheet of a workbook is read: the visible ledger, not a hidden sheet before it."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from annual_report import pipeline
from annual_report.intake import self_check
from annual_report.intake.decode import to_csv
from annual_report.settings import Settings

HEADER = ["案件编号", "案件类别", "援助事项", "受援人所在镇（街道）", "受理日期", "承办机构"]
LEDGER = [HEADER,
          ["晋法援〔2021〕0001号", "民事", "追索劳动报酬", "青阳街道", "2021-02-03", "福建某律师事务所"],
          ["晋法援〔2021〕0002号", "刑事", "刑事辩护", "安海镇", "2021-05-20", "福建某律师事务所"]]
JUNK = [["下拉选项"], ["民事"], ["刑事"], ["行政"]]
TITLE = "法律援助案件台账"
NAMES = (TITLE, "legal_aid_cases")


def workbook(path: Path, *sheets: tuple[str, str, list[list[str]]]) -> Path:
    """A workbook of (title, state, rows) sheets, in that order."""
    book = Workbook()
    book.remove(book.active)
    for title, state, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.sheet_state = state
        for row in rows:
            sheet.append(row)
    book.active = next(i for i, (_, state, _) in enumerate(sheets) if state == "visible")
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _validated(settings: Settings, path: Path) -> pipeline.SubmissionResult:
    result, _ = self_check.check_file(settings, path, 2021, "法律援助中心")
    assert result.problem is None, result.problem
    assert (result.status, result.dataset, result.rows_read, result.rows_loaded) == \
        ("loaded", "legal_aid_cases", 2, 2)
    return result


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_first_sheet_is_passed_over(state: str, settings: Settings, tmp_path: Path) -> None:
    path = workbook(tmp_path / "台账.xlsx", ("Sheet1", state, JUNK), ("Sheet2", "visible", LEDGER))
    _validated(settings, path)


def test_a_hidden_sheet_named_like_the_ledger_gives_way_to_the_visible_one(settings: Settings, tmp_path: Path) -> None:
    old = [HEADER, ["旧编号", "军事", "", "", "2019-01-01", ""]]  # an old copy, hidden: rows that would be refused
    path = workbook(tmp_path / "台账.xlsx", (TITLE, "hidden", old), ("Sheet1", "visible", LEDGER))
    _validated(settings, path)


def test_the_visible_ledger_named_sheet_is_read_wherever_it_is(settings: Settings, tmp_path: Path) -> None:
    path = workbook(tmp_path / "台账.xlsx", ("Sheet1", "hidden", JUNK), ("说明", "visible", [["填表说明"]]),
                    (TITLE, "visible", LEDGER))
    _validated(settings, path)


def test_which_sheet_was_read_is_noted_when_not_plain(tmp_path: Path) -> None:
    notes: list[str] = []
    path = workbook(tmp_path / "a.xlsx", ("Sheet1", "hidden", JUNK), ("Sheet2", "visible", LEDGER))
    csv_path, encoding = to_csv(path, tmp_path / "work-a", NAMES, notes=notes)
    assert encoding == "xlsx" and csv_path.read_text(encoding="utf-8").startswith(",".join(HEADER))
    assert len(notes) == 1 and notes[0].startswith("读取的是第2个工作表“Sheet2”，未读取隐藏的工作表“Sheet1”：")

    notes = []
    path = workbook(tmp_path / "b.xlsx", ("说明", "visible", [["填表说明"]]), (TITLE, "visible", LEDGER),
                    ("旧表", "hidden", JUNK))
    to_csv(path, tmp_path / "work-b", NAMES, notes=notes)
    assert notes == [f"读取的是第2个工作表“{TITLE}”"]  # chosen by its name; a hidden sheet after it is no matter

    notes = []
    path = workbook(tmp_path / "c.xlsx", ("Sheet1", "visible", LEDGER), ("选项", "hidden", JUNK))
    assert to_csv(path, tmp_path / "work-c", NAMES, notes=notes)[1] == "xlsx"
    assert notes == []  # the first sheet, visible: nothing to say
    assert to_csv(path, tmp_path / "work-d", NAMES) == (tmp_path / "work-d" / "submission.csv", "xlsx")
