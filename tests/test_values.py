"""Cell values as departments type them: what loads as written, and what is refused with a reason in Chinese
(never rounded, guessed or changed unseen). Each case goes through the department's self-check,
`annual-report validate` (`self_check.check_file`), on a small ledger of its contract."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ledger_rows, take_inputs, write_csv

from annual_report.intake import self_check, submission, validate
from annual_report.intake.blank_forms import write_blank_forms
from annual_report.intake.contracts import Contract
from annual_report.settings import Settings

VISITS = ["接待编号", "参观日期", "参观单位", "参观人数"]  # 普法办: an integer column, 1 to 2000
RELIEF = ["救助编号", "执行案号", "核拨日期", "救助金额（元）"]  # 法院: a date of the year, a decimal 0.01 to 1000000
LEGAL_AID = ["案件编号", "案件类别", "援助事项", "受援人所在镇（街道）", "受理日期", "承办机构"]  # 法律援助中心
CASE = ["晋法援〔2021〕0007号", "刑事", "刑事辩护", "安海镇", "2021-05-20", "福建某律师事务所"]
NO_ENGLISH = re.compile(r"[A-Za-z]{2,}")  # a reason's Latin letters: only a value it quotes (E+07), never words


def checked(settings: Settings, name: str, header: list[str], rows: list[list[str]], department: str,
            year: int = 2021) -> submission.SubmissionResult:
    """The self-check's outcome for a CSV of these rows, as a department runs it."""
    path = write_csv(settings.inputs.parent / "checked" / name, [header, *rows])
    result, _ = self_check.check_file(settings, path, year, department)
    return result


def visits(settings: Settings, count: str) -> submission.SubmissionResult:
    return checked(settings, "非公企业法治教育基地参观台账.csv", VISITS,
                   [["JD-9001", "2021-03-05", "晋江市某鞋业有限公司", count]], "普法办")


def relief(settings: Settings, day: str = "2021-07-09", amount: str = "500") -> submission.SubmissionResult:
    return checked(settings, "执行慈善救助台账.csv", RELIEF, [["CS-9001", "（2021）闽0582执9号", day, amount]], "法院")


def legal_aid(settings: Settings, rows: list[list[str]], year: int = 2021) -> submission.SubmissionResult:
    return checked(settings, "法律援助案件台账.csv", LEGAL_AID, rows, "法律援助中心", year)


def refused(result: submission.SubmissionResult) -> list[tuple[int, str, str | None, str]]:
    return [(r.row, r.column, r.value, r.reason) for r in result.rejections]


def assert_refused(result: submission.SubmissionResult, row: int, column: str, value: str, reason: str) -> None:
    """The one row was refused, once, at that cell, for a reason in Chinese that says this."""
    assert result.rows_loaded == 0, refused(result)
    [(at, header, shown, why)] = refused(result)
    assert (at, header, shown) == (row, column, value)
    assert reason in why, why
    assert not NO_ENGLISH.search(why.replace("E+07", "")), why


# --- 1. numbers: plain decimal notation, exact, or refused saying why

@pytest.mark.parametrize("count", ["12", "12.0", "12.00", "+5", "1,234", "１２", "１，２３４", "007"])
def test_a_whole_number_in_plain_notation_loads(settings: Settings, count: str) -> None:
    result = visits(settings, count)
    assert (result.rows_loaded, refused(result)) == (1, [])


@pytest.mark.parametrize(("count", "reason"), [
    ("12.5", "应填写整数，不能带小数"),    # was loaded as 13
    ("1.5", "应填写整数，不能带小数"),     # was loaded as 2
    ("1999.5", "应填写整数，不能带小数"),  # was loaded as 2000, the column's maximum
    ("0x20", "不是整数"),                 # was loaded as 32
    ("1e2", "请不要用科学计数法"),         # was loaded as 100
    ("1.2E+07", "请不要用科学计数法"),
    ("2_0", "不是整数"),                  # was loaded as 20
    ("12,34", "千位分隔符的位置不对"),
    ("1,2345", "千位分隔符的位置不对"),
    ("3件", "请只填写数字，不要带单位（“件”）"),
    ("5 人", "请只填写数字，不要带单位（“人”）"),
    ("85人次", "请只填写数字，不要带单位（“人次”）"),
    ("1.2万", "请填写完整的数字，不要用“万”"),
    ("一百", "不是整数，请填写阿拉伯数字"),
])
def test_an_integer_cell_that_is_not_a_plain_whole_number_is_refused(settings: Settings, count: str,
                                                                     reason: str) -> None:
    assert_refused(visits(settings, count), 2, "参观人数", count, reason)


@pytest.mark.parametrize("amount", ["18000.12", "18000.120", "18,000.5", "１８０００．１２", "+0.01", "18000"])
def test_an_amount_with_at_most_two_places_loads(settings: Settings, amount: str) -> None:
    result = relief(settings, amount=amount)
    assert (result.rows_loaded, refused(result)) == (1, [])


@pytest.mark.parametrize(("amount", "reason"), [
    ("18000.129", "最多保留 2 位小数"),  # was loaded as 18000.13
    ("0.005", "最多保留 2 位小数"),      # was loaded as 0.01, the column's minimum
    ("12元", "请只填写数字，不要带单位（“元”）"),
    ("1.5万元", "请填写完整的数字，不要用“万”"),
    ("1e3", "请不要用科学计数法"),
    ("18,00", "千位分隔符的位置不对"),
    ("一万元", "不是数字"),
])
def test_an_amount_that_is_not_a_plain_number_of_yuan_and_fen_is_refused(settings: Settings, amount: str,
                                                                         reason: str) -> None:
    assert_refused(relief(settings, amount=amount), 2, "救助金额（元）", amount, reason)


# --- 2. dates: with a time of day as systems export them; never a guessed year, month or day

@pytest.mark.parametrize("day", [
    "2021-03-05 10:30:00", "2021-03-05 00:00:00", "2021-03-05T10:30", "2021/3/5 0:00", "2021/3/5 10:30:15",
    "2021-03-05 10:30:00.500000",  # a workbook's date-time cell with a fraction of a second
    "2021/3/5", "2021-3-5", "2021年3月5日", "20210305", "2021.03.05", "２０２１－０３－０５ １０：３０",
    "44260", "44260.4375",  # an Excel serial, and one with a time of day (10:30)
])
def test_a_date_loads_with_or_without_its_time_of_day(settings: Settings, day: str) -> None:
    result = relief(settings, day=day)
    assert (result.rows_loaded, refused(result)) == (1, [])


@pytest.mark.parametrize(("day", "reason"), [
    ("2021111", "7 位数字的日期分不清月和日"),  # was loaded as 2021-11-01
    ("2021123", "7 位数字的日期分不清月和日"),
    ("21/3/5", "请写四位年份，如 2021-03-05"),    # was said to lie outside the year (year 21)
    ("21-3-5 10:30", "请写四位年份"),
    ("0021/3/5", "请写四位年份"),
    ("21年3月5日", "请写四位年份"),
    ("3/5/2021", "年份应写在最前面"),
    ("20211301", "不是有效日期"),
    ("20210230", "不是有效日期"),
    ("2021-02-30", "不是有效日期"),
    ("2021-02-30 10:00", "不是有效日期"),
    ("2021-03-05 25:00", "不是有效日期"),
    ("明天", "不是有效日期，请按 2021-03-05 的格式填写"),
])
def test_an_ambiguous_or_impossible_date_is_refused_saying_why(settings: Settings, day: str, reason: str) -> None:
    assert_refused(relief(settings, day=day), 2, "核拨日期", day, reason)


# --- 3. the blank form's example row

def _writable(contract: Contract) -> bool:
    return not all(contract.column(k).type == "enum" for k in contract.key)


@pytest.mark.parametrize("dataset", ["legal_aid_cases", "charity_relief", "permit_items", "villages",
                                     "education_base_visits", "compliance_checks", "mediation_cases",
                                     "reconsiderations", "litigations"])
def test_the_blank_forms_example_row_is_refused_as_such(settings: Settings, contracts, dataset: str,
                                                        tmp_path: Path) -> None:
    """The blank form as downloaded, filled in below its example row: the example row is refused, and only it."""
    contract = contracts[dataset]
    csv_path, _ = write_blank_forms(contract, tmp_path)
    result, _ = self_check.check_file(settings, csv_path, 2021, contract.department)
    key = " / ".join(contract.column(k).example for k in contract.key)
    assert refused(result) == [(2, "(整行)", key, validate.EXAMPLE_ROW)]


def test_a_case_with_the_examples_number_is_no_repeat_of_the_example_row(settings: Settings, contracts) -> None:
    """A department's first real case may well have the number the example shows: it loads; the example does not."""
    example = [c.example for c in contracts["legal_aid_cases"].columns]
    result = legal_aid(settings, [example, [example[0], *CASE[1:]]])
    assert result.rows_loaded == 1
    assert refused(result) == [(2, "(整行)", example[0], "这是模板中的示例行，请删除后再报送")]


@pytest.mark.parametrize("day", ["2021/2/3", "20210203", "2021-02-03 00:00:00"])
def test_the_example_row_is_known_when_a_spreadsheet_rewrote_its_date(settings: Settings, contracts,
                                                                      day: str) -> None:
    example = [c.example for c in contracts["legal_aid_cases"].columns]
    result = legal_aid(settings, [[*example[:4], day, example[5]], CASE])
    assert result.rows_loaded == 1 and [r.reason for r in result.rejections] == [validate.EXAMPLE_ROW]


def test_a_row_differing_from_the_example_in_one_cell_is_data(settings: Settings, contracts) -> None:
    example = [c.example for c in contracts["legal_aid_cases"].columns]
    result = legal_aid(settings, [[*example[:5], "福建另一律师事务所"]])
    assert (result.rows_loaded, refused(result)) == (1, [])


def test_an_indicator_returns_example_is_one_of_its_real_rows(settings: Settings, contracts, tmp_path: Path) -> None:
    """The legal-advice app return's key is a closed list of indicators: its example row (注册用户数 as of the
    year's end) is a real row, and loads; left beside the department's own row it is a repeated key."""
    contract = contracts["legal_advice_app"]
    assert not _writable(contract)
    csv_path, _ = write_blank_forms(contract, tmp_path)
    result, _ = self_check.check_file(settings, csv_path, 2021, contract.department)
    assert (result.rows_loaded, refused(result)) == (1, [])


# --- 4. keys compare without zero-width characters and with full-width ASCII folded

@pytest.mark.parametrize(("first", "second"), [
    ("晋法援〔2021〕0001号", "晋法援〔2021〕\u200b0001号"),
    ("晋法援〔2021〕0001号", "晋法援〔2021〕0001号\u200c"),
    ("晋法援〔2021〕0001号", "晋\u200d法援〔2021〕0001号"),
    ("晋法援〔2021〕0001号", "晋法援〔2021〕00\u206001号"),
    ("晋法援〔2021〕0001号", "\ufeff晋法援〔2021〕0001号"),
    ("晋法援〔2021〕0001号", "晋法援〔２０２１〕０００１号"),  # full-width digits
    ("JFY-2021-AB12", "ＪＦＹ－２０２１－ＡＢ１２"),         # full-width letters, digits and hyphens
    ("JFY-2021-ab12", "ＪＦＹ－2021－ａｂ12"),
    ("晋法援 2021 0001", "晋法援\u30002021\u30000001"),     # the ideographic space
    ("（2021）闽05行初3号", "(2021)闽05行初3号"),           # full-width brackets, as courts write them
])
def test_keys_differing_only_unseen_or_in_width_are_the_same_key(settings: Settings, first: str,
                                                                  second: str) -> None:
    result = legal_aid(settings, [[first, *CASE[1:]], [second, *CASE[1:]]])
    assert result.rows_loaded == 1
    [(row, column, shown, reason)] = refused(result)
    assert (row, column, shown) == (3, "案件编号", second.translate(dict.fromkeys(map(ord, validate.ZERO_WIDTH))))
    assert reason.startswith("与第2行重复"), reason


def test_keys_differing_in_a_visible_character_are_two_keys(settings: Settings) -> None:
    result = legal_aid(settings, [["晋法援〔2021〕0001号", *CASE[1:]], ["晋法援〔2021〕0002号", *CASE[1:]],
                                  ["（2021）0003号", *CASE[1:]], ["〔2021〕0003号", *CASE[1:]]])
    assert (result.rows_loaded, refused(result)) == (4, [])


@pytest.mark.parametrize("cell", ["85\u200b", "\u200b85", "8\u20605"])
def test_a_zero_width_character_does_not_make_a_number_unreadable(settings: Settings, cell: str) -> None:
    result = visits(settings, cell)
    assert (result.rows_loaded, refused(result)) == (1, [])


def test_a_cell_of_nothing_but_zero_width_characters_is_empty(settings: Settings) -> None:
    result = legal_aid(settings, [["\u200b\u200b", *CASE[1:]]])
    assert refused(result) == [(2, "案件编号", None, "必填项为空")]


ZERO_WIDTH_ROWS = [[f"晋法援〔2021〕{n:04d}号" + ("\u200b" if n in (2, 6, 7) else ""), *CASE[1:3],
                    "安海镇\ufeff" if n == 3 else "安海镇", *CASE[4:]] for n in range(1, 9)]
ZERO_WIDTH_WARNINGS = ["“案件编号”列有 3 行含不可见字符（第3、7、8行），已去除",
                       "“受援人所在镇（街道）”列有 1 行含不可见字符（第4行），已去除"]


def test_the_receipt_says_which_cells_lost_zero_width_characters(settings: Settings) -> None:
    result = legal_aid(settings, ZERO_WIDTH_ROWS)
    assert (result.rows_loaded, refused(result)) == (8, [])
    assert [w for w in result.warnings if "不可见字符" in w] == ZERO_WIDTH_WARNINGS



@pytest.mark.parametrize("prior", ["晋法援〔2020〕0009号", "晋法援〔２０２０〕０００９号"])
@pytest.mark.usefixtures("prefect_harness")
def test_a_case_number_of_another_year_compares_folded_too(settings: Settings, prior: str) -> None:
    """A case submitted for 2020 (its number in ASCII or full-width digits) is the same case when 2021's ledger
    has its number with a zero-width space: refused as a case of another year (the drops flow, as runs take it)."""
    write_csv(settings.inputs / "2020" / "法律援助中心" / "法律援助案件台账.csv",
              [LEGAL_AID, [prior, "民事", "离婚", "安海镇", "2020-06-01", "某所"]])
    take_inputs(settings, 2020)
    write_csv(settings.inputs / "2021" / "法律援助中心" / "法律援助案件台账.csv",
              [LEGAL_AID, ["晋法援〔2020〕0009号\u200b", *CASE[1:]], CASE])
    [result] = [r for r in take_inputs(settings, 2021).submissions if r.year == 2021]
    assert result.rows_loaded == 1
    assert [(r.row, r.column, r.value) for r in result.rejections] == [(2, "案件编号", "晋法援〔2020〕0009号")]
    assert result.rejections[0].reason.startswith("与本单位2020年报送的记录重复")


# --- 5. case ledgers across years: each date where its contract says (a case received last year and concluded
# this year is this year's case), an application never accepted has no acceptance date

# Jinjiang's columns: the contract's optional 被申请人类别, 申请方式, 受理情况, 复议后起诉 and its outcome left out
CARRIED_OVER = {"case_no": "晋政复〔2021〕120号", "applicant_type": "自然人", "respondent": "市城管局", "matter": "行政处罚",
                "received_on": "2021-12-20", "accepted_on": "2021-12-24", "extended": "否", "concluded_on": "2022-02-10",
                "outcome": "维持"}
NOT_ACCEPTED = {**CARRIED_OVER, "case_no": "晋政复〔2022〕3号", "received_on": "2022-01-10", "accepted_status": "不予受理",
                "accepted_on": "", "extended": "", "concluded_on": "", "outcome": ""}
STILL_OPEN = {**CARRIED_OVER, "case_no": "晋政复〔2022〕90号", "received_on": "2022-12-26", "accepted_on": "2022-12-29",
              "concluded_on": "", "outcome": ""}
LITIGATION = {"case_no": "（2021）闽05行初301号", "instance": "一审", "cause": "土地征收", "court": "泉州市中级人民法院",
              "filed_on": "2021-11-03", "head_appeared": "是", "result": "驳回诉讼请求", "concluded_on": "2022-03-01"}


def case_ledger(settings: Settings, contracts, dataset: str, row: dict[str, str],
                year: int = 2022) -> submission.SubmissionResult:
    """The self-check of a one-case ledger for `year`, in the columns the row names."""
    contract = contracts[dataset]
    header, *rows = ledger_rows(dataset, [row])
    return checked(settings, f"{contract.title}.csv", header, rows, contract.department, year)


@pytest.mark.parametrize(("dataset", "row"), [
    ("reconsiderations", CARRIED_OVER),
    ("reconsiderations", {**CARRIED_OVER, "respondent_type": "县级政府部门", "application_channel": "邮寄",
                          "accepted_status": "受理", "sued_after": "是", "sued_after_outcome": "驳回诉讼请求"}),
    ("reconsiderations", {**CARRIED_OVER, "respondent_type": "街道办事处", "application_channel": "网上申请"}),
    ("reconsiderations", STILL_OPEN),
    ("reconsiderations", NOT_ACCEPTED),
    ("reconsiderations", {**NOT_ACCEPTED, "accepted_status": "告知"}),
    # Jinjiang's own columns: an application still being examined at the year's end has no acceptance date yet
    ("reconsiderations", {k: v for k, v in STILL_OPEN.items() if k != "accepted_status"} | {"accepted_on": "",
                                                                                          "extended": ""}),
    ("litigations", LITIGATION),
    ("litigations", {**LITIGATION, "result": "审理中", "concluded_on": ""}),
    ("litigations", {k: v for k, v in LITIGATION.items() if k != "concluded_on"}),  # a result, its date not kept
])
def test_a_case_of_the_year_loads(settings: Settings, contracts, dataset: str, row: dict[str, str]) -> None:
    result = case_ledger(settings, contracts, dataset, row)
    assert (result.rows_loaded, refused(result)) == (1, [])


@pytest.mark.parametrize(("dataset", "row", "column", "value", "reason"), [
    ("reconsiderations", {**STILL_OPEN, "received_on": "2023-01-03", "accepted_on": ""}, "收到申请日期", "2023-01-03",
     "日期晚于 2022 年度末"),
    ("reconsiderations", {**STILL_OPEN, "accepted_on": "2023-01-04"}, "受理日期", "2023-01-04", "日期晚于 2022 年度末"),
    ("reconsiderations", {**CARRIED_OVER, "concluded_on": "2021-12-30"}, "审结日期", "2021-12-30",
     "日期不在 2022 年度内"),
    ("litigations", {**LITIGATION, "filed_on": "2023-01-05", "concluded_on": ""}, "立案日期", "2023-01-05",
     "日期晚于 2022 年度末"),
    ("litigations", {**LITIGATION, "concluded_on": "2021-12-28"}, "审结日期", "2021-12-28", "日期不在 2022 年度内"),
    ("reconsiderations", {**STILL_OPEN, "accepted_status": "受理", "accepted_on": ""}, "受理日期", None,
     "受理情况为“受理”的须填写受理日期"),
    ("reconsiderations", {**NOT_ACCEPTED, "accepted_on": "2022-01-12", "extended": "否"}, "受理日期", "2022-01-12",
     "不予受理、告知向有关机关提出或申请人撤回的申请不填受理日期"),
    ("reconsiderations", {**CARRIED_OVER, "accepted_on": ""}, "受理日期", None, "已审结的案件须填写受理日期"),
    ("reconsiderations", {**STILL_OPEN, "extended": ""}, "是否延期", None, "已受理的案件须填写是否延期"),
    ("reconsiderations", {**CARRIED_OVER, "sued_after": "否", "sued_after_outcome": "撤销"}, "复议后起诉结果", "撤销",
     "“复议后起诉”应填“是”"),
    ("reconsiderations", {**CARRIED_OVER, "accepted_status": "正在审查"}, "受理情况", "正在审查",
     "不是允许的取值，应为：受理、不予受理、告知向有关机关提出、申请人撤回"),
    ("litigations", {**LITIGATION, "result": "审理中"}, "裁判结果", "审理中", "填写了审结日期的案件须填写裁判结果"),
    ("litigations", {**LITIGATION, "result": ""}, "裁判结果", None, "填写了审结日期的案件须填写裁判结果"),
    ("litigations", {**LITIGATION, "filed_on": "2022-03-02"}, "审结日期", "2022-03-01", "审结日期早于立案日期"),
])
def test_a_case_out_of_place_in_the_year_is_refused_saying_why(settings: Settings, contracts, dataset: str,
                                                               row: dict[str, str], column: str, value: str | None,
                                                               reason: str) -> None:
    assert_refused(case_ledger(settings, contracts, dataset, row), 2, column, value, reason)
