"""Receipts as the department's clerk reads them: what became of the file, in the department's terms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import LEGAL_AID_HEADER, ledger_rows, write_csv

from annual_report import pipeline
from annual_report.cli import main, print_submission
from annual_report.intake.contracts import Contract
from annual_report.intake.receipts import receipt_path
from annual_report.intake.submission import SubmissionResult
from annual_report.settings import Settings

GOOD = [
    ["晋法援〔2021〕0001号", "民事", "追索劳动报酬", "青阳街道", "2021-02-03", "福建某律师事务所"],
    ["晋法援〔2021〕0002号", "刑事", "刑事辩护", "安海镇", "2021-05-20", "福建某律师事务所"],
]
BAD = [
    ["晋法援〔2021〕0003号", "军事", "离婚", "安海镇", "2021-03-05", "某所"],
    ["晋法援〔2021〕0004号", "民事", "离婚", "安海镇", "2021-02-30", "某所"],
    ["", "民事", "离婚", "安海镇", "2021-03-05", "某所"],
]


def _legal_aid(settings: Settings, rows: list[list[str]]) -> Path:
    return write_csv(settings.inputs / "2021" / "法律援助中心" / "法律援助案件台账.csv", [LEGAL_AID_HEADER, *rows])


def _received(settings: Settings, contracts: dict[str, Contract], path: Path) -> tuple[SubmissionResult, str]:
    """The file taken as a run takes it (archived, loaded, made the version in force), and its receipt's HTML."""
    [result] = pipeline.reconcile(settings, (2021,), pipeline.take_files(settings, 2021, [path], contracts), contracts)
    pipeline.write_receipts(settings, 2021, [result], [], contracts)
    return result, receipt_path(result, settings.receipts(2021)).read_text(encoding="utf-8")


def _visible(page: str) -> str:
    """The receipt's text as a clerk sees it before opening the details: no markup, no style, no details."""
    body = page[page.index("<body>"):page.index("<details>")] if "<details>" in page else page[page.index("<body>"):]
    return re.sub(r"<[^>]+>", "", body)


def _footer(page: str) -> str | None:
    """The receipt's closing advice, if any."""
    found = re.search(r'<p class="next-step">(.*?)</p>', page, re.DOTALL)
    return found.group(1) if found else None


def test_a_file_with_rows_rejected_reads_partly_taken(settings: Settings, contracts, capsys) -> None:
    result, page = _received(settings, contracts, _legal_aid(settings, GOOD + BAD))
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 2, 3)
    assert 'class="status-partial">部分入库：有问题的 3 行未入库，其余 2 行计入报告<' in page
    assert "已入库" not in _visible(page) and 'class="status-loaded"' not in page   # not the green "taken"
    print_submission(result)
    assert capsys.readouterr().out.startswith("  部分入库  2021/法律援助中心/法律援助案件台账.csv  2/5 行")


def test_a_clean_file_reads_taken_and_has_no_footer(settings: Settings, contracts) -> None:
    _, page = _received(settings, contracts, _legal_aid(settings, GOOD))
    assert 'class="status-loaded">已入库，数据计入报告<' in page
    assert _footer(page) is None
    text = _visible(page)
    assert "inputs/" not in text and "annual-report" not in text and "validate" not in text


def test_internal_ids_and_the_fingerprint_are_in_the_details_only(settings: Settings, contracts) -> None:
    result, page = _received(settings, contracts, _legal_aid(settings, GOOD + BAD))
    text = _visible(page)
    assert "识别为法律援助案件台账" in re.sub(r"\s+", "", text)
    assert "legal_aid_cases" not in text and result.sha256[:16] not in text
    details = page[page.index("<details>"):page.index("</details>")]
    assert "<summary>技术信息" in details and "legal_aid_cases" in details and result.sha256 in details


@pytest.mark.parametrize("rows", [GOOD + BAD, BAD], ids=["partly-taken", "not-taken"])
def test_the_footer_says_what_to_do_in_the_departments_terms(settings: Settings, contracts,
                                                             rows: list[list[str]]) -> None:
    _, page = _received(settings, contracts, _legal_aid(settings, rows))
    footer = _footer(page)
    assert footer is not None and "改正" in footer and "重新放入原来的报送文件夹" in footer
    assert not re.search(r"[A-Za-z/]", footer)   # no path, no command, no English


def test_an_unrecognised_file_names_no_command(settings: Settings, contracts) -> None:
    path = write_csv(settings.inputs / "2021" / "法律援助中心" / "a.csv", [["甲", "乙"], ["1", "2"]])
    result, page = _received(settings, contracts, path)
    assert result.status == "failed" and "空白模板" in result.problem
    assert "annual-report" not in page and _footer(page) is not None


@pytest.mark.parametrize(("value", "suggested"), [("邻居纠纷", "邻里纠纷"), ("合同纠份", "合同纠纷"), ("口角", None)])
def test_a_value_not_allowed_suggests_the_nearest_allowed_one(settings: Settings, contracts, value: str,
                                                              suggested: str | None) -> None:
    """Only when it is close: one character of four differs, and no other allowed value is as near."""
    case = {"case_no": "TJ-2021-00001", "org": "青阳街道人民调解委员会", "accepted_on": "2021-03-02",
            "result": "调解成功", "closed_on": "2021-03-12"}
    rows = ledger_rows("mediation_cases", [case | {"dispute_type": "邻里纠纷"},
                                           case | {"case_no": "TJ-2021-00002", "dispute_type": value}])
    path = write_csv(settings.inputs / "2021" / "司法局" / "人民调解案件台账.csv", rows)
    result, page = _received(settings, contracts, path)
    [rejection] = result.rejections
    assert (rejection.row, rejection.column, rejection.value) == (3, "纠纷类型", value)
    if suggested:
        assert rejection.reason.startswith(f"不是允许的取值，是否应为“{suggested}”？允许的取值为：婚姻家庭纠纷、邻里纠纷")
        assert f"是否应为“{suggested}”" in page
    else:
        assert rejection.reason.startswith("不是允许的取值，应为：婚姻家庭纠纷") and "是否应为" not in rejection.reason


def test_a_two_character_value_one_off_two_allowed_ones_suggests_neither(settings: Settings, contracts) -> None:
    """军事 is one character from 民事 and from 刑事: half of it, and no nearer one: no guess."""
    result, _ = _received(settings, contracts, _legal_aid(settings, [*GOOD, BAD[0]]))
    assert [r.reason for r in result.rejections] == ["不是允许的取值，应为：民事、刑事、行政"]


@pytest.mark.parametrize(("rows", "said", "code"), [
    (GOOD, "处理结果：将入库，数据将计入报告（读取 2 行，可入库 2 行，有问题 0 行）", 0),
    (GOOD + BAD, "处理结果：将部分入库：有问题的 3 行不会入库，其余 2 行将计入报告（读取 5 行，可入库 2 行，有问题 3 行）", 1),
    (BAD, "处理结果：将不入库，数据不会计入报告（读取 3 行，可入库 0 行，有问题 3 行）", 1),
], ids=["taken", "partly-taken", "not-taken"])
def test_validate_says_what_would_happen_never_that_it_happened(tmp_path: Path, capsys, rows: list[list[str]],
                                                                said: str, code: int) -> None:
    path = write_csv(tmp_path / "2021" / "法律援助中心" / "台账.csv", [LEGAL_AID_HEADER, *rows])
    assert main(["validate", str(path)]) == code
    out = capsys.readouterr().out
    assert said in out.splitlines()
    assert "已入库" not in out and "识别为：法律援助案件台账\n" in out
