"""Ingest on tiny submissions: what loads, what is rejected and why, and that nothing is lost."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import LEGAL_AID_HEADER, take_inputs, write_csv

from annual_report import pipeline
from annual_report.settings import Settings

pytestmark = pytest.mark.usefixtures("prefect_harness")  # the flows run as users run them

HEADER = LEGAL_AID_HEADER
GOOD = [
    ["晋法援〔2021〕0001号", "民事", "追索劳动报酬", "青阳街道", "2021-02-03", "福建某律师事务所"],
    ["晋法援〔2021〕0002号", "刑事", "刑事辩护", "安海镇", "2021-05-20", "福建某律师事务所"],
]


def legal_aid(settings: Settings, rows: list[list[str]], name: str = "法律援助案件台账.csv",
              department: str = "法律援助中心", year: int = 2021, **kwargs) -> Path:
    return write_csv(settings.inputs / str(year) / department / name, [HEADER, *rows], **kwargs)


def taken(settings: Settings, year: int = 2021):
    return [r for r in take_inputs(settings, year).submissions if r.year == year]


def only(settings: Settings, year: int = 2021):
    results = taken(settings, year)
    assert len(results) == 1
    return results[0]


def table(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_valid_file_loads_every_row(settings: Settings) -> None:
    legal_aid(settings, GOOD)
    result = only(settings)
    assert (result.status, result.dataset, result.rows_read, result.rows_loaded, result.rows_rejected) == \
        ("loaded", "legal_aid_cases", 2, 2, 0)
    assert table(settings, "select case_no, accepted_on::varchar from raw_legal_aid_cases order by 1") == [
        ("晋法援〔2021〕0001号", "2021-02-03"), ("晋法援〔2021〕0002号", "2021-05-20")]
    assert table(settings, "select dataset, rows_loaded, status from submissions") == [("legal_aid_cases", 2, "loaded")]


@pytest.mark.parametrize(("row", "column", "reason"), [
    (["晋法援〔2021〕0003号", "军事", "离婚", "安海镇", "2021-03-05", "某所"], "案件类别", "不是允许的取值"),
    (["晋法援〔2021〕0003号", "民事", "离婚", "安海镇", "2021-02-30", "某所"], "受理日期", "不是有效日期"),
    (["晋法援〔2021〕0003号", "民事", "离婚", "安海镇", "2020-12-31", "某所"], "受理日期", "日期不在 2021 年度内"),
    (["", "民事", "离婚", "安海镇", "2021-03-05", "某所"], "案件编号", "必填项为空"),
    (["晋法援〔2021〕0001号", "民事", "离婚", "安海镇", "2021-03-05", "某所"], "案件编号", "与第2行重复"),
    (["晋法援〔2021〕0003号", "民事", "离婚", "安海镇", "2021-03-05", "某所", "多余"], "(整行)", "单元格比表头多"),
])
def test_bad_row_is_rejected_with_row_column_and_reason(settings: Settings, row, column, reason) -> None:
    legal_aid(settings, [*GOOD, row])
    result = only(settings)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == ("loaded", 3, 2, 1)
    [rejection] = result.rejections
    assert (rejection.row, rejection.column) == (4, column)
    assert reason in rejection.reason
    assert table(settings, "select count(*) from raw_legal_aid_cases") == [(2,)]
    assert table(settings, "select row_number, column_header from rejections") == [(4, column)]


def test_rows_of_a_file_read_in_parallel_keep_their_numbers(settings: Settings) -> None:
    """A file of several of the CSV reader's buffers (32 MB each) is read on both cores, yet every rejected row
    keeps the number Excel shows for it, far into the file and at its end, and a file with a line break in a
    cell (read on one core) numbers the same."""
    rows = [[f"晋法援〔2021〕{n:07d}号", "民事", "追索劳动报酬" * 8, "青阳街道", "2021-02-03", "福建某律师事务所" * 4]
            for n in range(1, 400_001)]
    bad = [7, 123_456, 250_001, 399_999, 400_001]
    for index in bad:
        rows[index - 2][4] = "2021-02-30"  # row 1 is the header
    path = legal_aid(settings, rows)
    assert path.stat().st_size > 64 << 20
    result = only(settings)
    assert (result.rows_read, result.rows_loaded) == (400_000, 400_000 - len(bad))
    assert [r.row for r in result.rejections] == bad
    rows[0][5] = "福建某律师\n事务所"
    legal_aid(settings, rows)
    assert [r.row for r in only(settings).rejections] == bad


def test_receipt_counts_every_problem_and_lists_the_first_thousand(settings: Settings) -> None:
    from annual_report.intake.receipts import receipt_path

    rows = [[f"晋法援〔2021〕{n:04d}号", "民事", "离婚", "安海镇", "2021-02-30" if n <= 1500 else "2021-03-05", "某所"]
            for n in range(1, 1601)]
    legal_aid(settings, rows)
    for status in ("loaded", "unchanged"):  # counted as found, then as recorded
        result = only(settings)
        assert (result.status, result.problems, len(result.rejections), result.rows_loaded) == (status, 1500, 1000, 100)
        page = receipt_path(result, settings.receipts(2021)).read_text(encoding="utf-8")
        assert "需要改正的问题（1500 处，以下列出前 1000 处）" in page


@pytest.mark.parametrize(("line_break", "said"), [
    (False, "第7行的引号没有配对"),
    (True, "第8行有一个英文双引号没有配对"),  # row 2's cell takes two lines of the file
])
def test_unclosed_quote_beside_a_stray_one_fails_the_file(settings: Settings, line_break: bool, said: str) -> None:
    """A quote typed inside a cell (ab"c) makes the file's quotes even, so an unclosed one is not told by
    their count; it must not swallow the rows after it, whether the file is read on both cores or (with a
    line break in a cell) on one."""
    rows = [[f"晋法援〔2021〕{n:04d}号", "民事", "离婚", "安海镇", "2021-03-05", "某\n所" if line_break and n == 1 else "某所"]
            for n in range(1, 11)]
    path = legal_aid(settings, rows)
    text = path.read_text(encoding="utf-8-sig").replace("晋法援〔2021〕0003号", 'ab"c').replace(
        "晋法援〔2021〕0006号", '"晋法援〔2021〕0006号')
    path.write_text(text, encoding="utf-8")
    result = only(settings)
    assert (result.status, result.rows_loaded) == ("failed", 0)
    assert said in result.problem


def test_unclosed_quote_far_from_the_end_fails_the_file(settings: Settings) -> None:
    """An unclosed quote with more than the longest line (2 MB) after it: the cell it opens could never be
    read, and the rows after it are not dropped without a word."""
    rows = [[f"晋法援〔2021〕{n:05d}号", "民事", "追索劳动报酬", "青阳街道", "2021-02-03", "福建某律师事务所"]
            for n in range(1, 40_001)]
    path = legal_aid(settings, rows)
    path.write_text(path.read_text(encoding="utf-8-sig").replace("晋法援〔2021〕00005号", '"晋法援〔2021〕00005号'),
                    encoding="utf-8")
    assert path.stat().st_size > 3 << 20
    result = only(settings)
    assert (result.status, result.rows_loaded) == ("failed", 0)
    assert "第6行有一个英文双引号没有配对" in result.problem


def test_synonyms_date_forms_and_blank_lines_are_accepted(settings: Settings) -> None:
    rows = [
        ["晋法援〔2021〕0003号", "民事案件", "离婚", "安海镇", "2021/3/5", "某所"],
        ["晋法援〔2021〕0004号", "刑事", "辩护", "安海镇", "2021年3月6日", "某所"],
        ["", "", "", "", "", ""],
        ["晋法援〔2021〕0005号", "行政", "工伤", "安海镇", "20210307", "某所"],
    ]
    legal_aid(settings, rows)
    result = only(settings)
    assert (result.rows_read, result.rows_loaded) == (3, 3)
    assert table(settings, "select case_type, accepted_on::varchar from raw_legal_aid_cases order by case_no") == [
        ("民事", "2021-03-05"), ("刑事", "2021-03-06"), ("行政", "2021-03-07")]


def test_gb18030_file_loads_like_utf8(settings: Settings) -> None:
    legal_aid(settings, GOOD, encoding="gb18030")
    result = only(settings)
    assert (result.encoding, result.rows_loaded) == ("gb18030", 2)


def test_undecodable_file_fails_with_a_message(settings: Settings) -> None:
    path = settings.inputs / "2021" / "法律援助中心" / "台账.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xa1\xff" * 50)
    result = only(settings)
    assert result.status == "failed" and "无法识别文件编码" in result.problem


def test_unknown_headers_and_missing_columns_are_named(settings: Settings) -> None:
    write_csv(settings.inputs / "2021" / "法律援助中心" / "a.csv", [["甲", "乙"], ["1", "2"]])
    write_csv(settings.inputs / "2021" / "法律援助中心" / "b.csv", [HEADER[:4], GOOD[0][:4]])
    a, b = taken(settings)
    assert a.status == "failed" and a.problem == ("未能识别为本单位（法律援助中心）应报送的台账：表头与以下台账都不完全匹配："
                                                  "法律援助案件台账。请使用该台账的空白模板填写，保留模板第一行的表头")
    assert b.status == "failed" and b.problem == "看起来是“法律援助案件台账”，但缺少必填列：受理日期、承办机构"


def test_a_ledger_not_known_is_never_named_as_another_departments(settings: Settings, contracts) -> None:
    """A file of a ledger no contract describes, in the folder of a department that sends other ledgers, is not
    recognised, whatever header it shares with another department's ledger: the department is told which
    ledgers it is expected to send. A file in a folder no department of the contracts has says so."""
    write_csv(settings.inputs / "2021" / "司法局" / "法律援助咨询登记表.csv",
              [["咨询编号", "咨询人", "援助事项", "承办机构"], ["ZX-1", "张某", "追索劳动报酬", "福建某律师事务所"]])
    write_csv(settings.inputs / "2021" / "财政局" / "台账.csv", [["甲", "乙"], ["1", "2"]])
    results = {r.department: r for r in taken(settings)}
    expected = "、".join(c.title for c in contracts.values() if c.department == "司法局")
    assert "行政复议案件台账" in expected and "法律援助案件台账" not in expected
    assert results["司法局"].problem == (f"未能识别为本单位（司法局）应报送的台账：表头与以下台账都不完全匹配：{expected}。"
                                        "请使用该台账的空白模板填写，保留模板第一行的表头")
    assert results["财政局"].problem == ("未能识别：没有应由“财政局”报送的台账。请确认文件放在本单位的文件夹中"
                                        "（inputs/年度/单位名称/）；各单位应报送哪些台账，请向报告汇总部门询问")
    assert {r.status for r in results.values()} == {"failed"} and {r.dataset for r in results.values()} == {None}


def test_extra_column_is_reported_not_fatal(settings: Settings) -> None:
    write_csv(settings.inputs / "2021" / "法律援助中心" / "a.csv",
              [[*HEADER, "备注"], *[[*row, "无"] for row in GOOD]])
    result = only(settings)
    assert result.rows_loaded == 2 and result.warnings == ["第1行“备注”列不属于“法律援助案件台账”，已忽略"]


def test_wrong_department_folder_is_refused(settings: Settings) -> None:
    legal_aid(settings, GOOD, department="司法局")
    result = only(settings)
    assert result.status == "failed" and "应由法律援助中心报送" in result.problem
    assert table(settings, "select count(*) from raw_legal_aid_cases") == [(0,)]


def test_temporary_and_misplaced_files_are_reported(settings: Settings) -> None:
    legal_aid(settings, GOOD, name="~$法律援助案件台账.csv")
    write_csv(settings.inputs / "2021" / "loose.csv", [HEADER, GOOD[0]])
    write_csv(settings.inputs / "2021" / "法律援助中心" / "台账.xls", [HEADER])
    results = {r.file: r for r in taken(settings)}
    assert results["2021/法律援助中心/~$法律援助案件台账.csv"].status == "ignored"
    assert "应放在本单位的文件夹中" in results["2021/loose.csv"].problem
    assert "只有表头" in results["2021/法律援助中心/台账.xls"].problem  # a CSV, whatever its name
    assert all(r.status != "loaded" for r in results.values())


def test_same_file_again_is_a_no_op_and_a_new_one_supersedes(settings: Settings) -> None:
    path = legal_aid(settings, GOOD)
    assert only(settings).status == "loaded"
    assert only(settings).status == "unchanged"
    assert table(settings, "select count(*) from submissions") == [(1,)]
    legal_aid(settings, GOOD[:1])
    assert only(settings).status == "loaded"
    assert table(settings, "select count(*) from raw_legal_aid_cases") == [(3,)]  # history kept
    pipeline.build_metrics(settings, "jinjiang", 2021)
    assert table(settings, "select value from metrics where metric_id = 'legal_aid_cases'") == [(1.0,)]
    # sending the first version again makes it current again
    path.unlink()
    legal_aid(settings, GOOD)
    assert only(settings).status == "loaded"
    pipeline.build_metrics(settings, "jinjiang", 2021)
    assert table(settings, "select value from metrics where metric_id = 'legal_aid_cases'") == [(2.0,)]
