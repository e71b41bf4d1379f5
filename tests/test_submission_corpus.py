"""A corpus of bad and awkward files as departments really send them.

Each case drops one file next to already accepted submissions (another department's ledger and the
prior year's legal aid ledger), takes it, and asserts the exact outcome, and that the accepted
submissions and their rows are untouched and still current.
"""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from conftest import LEGAL_AID_HEADER, csv_bytes, ledger_rows, take_inputs, write_csv
from openpyxl import Workbook

from annual_report import pipeline
from annual_report.intake.contracts import load_contracts
from annual_report.settings import ROOT, Settings

pytestmark = pytest.mark.usefixtures("prefect_harness")  # the flows run as users run them

HEADER = LEGAL_AID_HEADER
ENGLISH = ["case_no", "case_type", "matter", "town", "accepted_on", "handled_by"]
ALIASES = ["案号", "案件类型", "援助事项", "镇街", "受理日期", "承办机构"]
ROW1 = ["晋法援〔2021〕0001号", "民事", "追索劳动报酬", "青阳街道", "2021-02-03", "福建某律师事务所"]
ROW2 = ["晋法援〔2021〕0002号", "刑事", "刑事辩护", "安海镇", "2021-05-20", "福建某律师事务所"]
ROW3 = ["晋法援〔2021〕0003号", "行政", "工伤认定", "磁灶镇", "2021-08-16", "福建某律师事务所"]
PRIOR_KEY = "晋法援〔2020〕0007号"
LEGAL_AID = "法律援助中心"
# a reconsideration case with every column the ledger may keep
RECONSIDERATION = {"applicant_type": "法人", "respondent": "市城管局", "respondent_type": "县级政府部门", "matter": "行政处罚",
                   "application_channel": "邮寄", "received_on": "2021-01-04", "accepted_status": "受理",
                   "accepted_on": "2021-01-06", "extended": "否", "concluded_on": "2021-02-20", "outcome": "维持",
                   "sued_after": "否", "sued_after_outcome": ""}
THIS_YEAR = "stg_legal_aid_cases where report_year = 2021"
JUSTICE_LEDGERS = "、".join(c.title for c in load_contracts(ROOT / "contracts").values() if c.department == "司法局")


def with_cell(row: list[str], index: int, value: str) -> list[str]:
    return [value if i == index else cell for i, cell in enumerate(row)]


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Case:
    name: str
    content: bytes
    expect: str                                   # loaded | failed | skipped
    rows: tuple[int, int, int] = (0, 0, 0)        # read, loaded, rejected
    problem: str | None = None
    rejections: tuple[tuple[int, str, str], ...] = ()  # (row, column, part of the reason)
    warning: str | None = None
    file: str = f"2021/{LEGAL_AID}/法律援助案件台账.csv"
    loaded_sql: str | None = None                 # a query over the loaded rows, and its answer
    loaded: list[tuple] = field(default_factory=list)


def good(rows: list[list[str]] = (ROW1, ROW2), header: list[str] = HEADER, **kwargs) -> bytes:
    return csv_bytes([header, *rows], **kwargs)


def bad_row(row: list[str], column: str, reason: str, name: str) -> Case:
    return Case(name, good([ROW1, ROW2, row]), "loaded", (3, 2, 1), rejections=((4, column, reason),))


CASES = [
    # encodings
    Case("utf8", good(), "loaded", (2, 2, 0)),
    Case("utf8-bom", codecs.BOM_UTF8 + good(), "loaded", (2, 2, 0)),
    Case("gb18030", good(encoding="gb18030"), "loaded", (2, 2, 0)),
    Case("gbk", good(encoding="gbk"), "loaded", (2, 2, 0)),
    Case("utf16-le-bom", good(encoding="utf-16"), "loaded", (2, 2, 0)),
    Case("utf16-be-bom", codecs.BOM_UTF16_BE + good(encoding="utf-16-be"), "loaded", (2, 2, 0)),
    Case("undecodable", b"\xa1\xff" * 200, "failed", problem="无法识别文件编码"),
    Case("binary-junk", bytes(range(256)) * 8, "failed", problem="不是文本格式"),
    Case("zero-bytes", b"", "failed", problem="文件是空的"),
    Case("old-xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "failed", problem="不是文本格式",
         file=f"2021/{LEGAL_AID}/台账.xls"),
    # workbooks
    Case("xlsx", xlsx_bytes({"Sheet1": [HEADER, ROW1, ROW2]}), "loaded", (2, 2, 0),
         file=f"2021/{LEGAL_AID}/台账.xlsx"),
    Case("xlsx-date-serials", xlsx_bytes({"Sheet1": [HEADER, with_cell(ROW1, 4, 44230), with_cell(ROW2, 4, 44336)]}),
         "loaded", (2, 2, 0), file=f"2021/{LEGAL_AID}/台账.xlsx",
         loaded_sql=f"select accepted_on::varchar from {THIS_YEAR} order by 1", loaded=[("2021-02-03",), ("2021-05-20",)]),
    Case("xlsx-named-sheet", xlsx_bytes({"说明": [["填表说明"]], "法律援助案件台账": [HEADER, ROW1, ROW2]}),
         "loaded", (2, 2, 0), file=f"2021/{LEGAL_AID}/台账.xlsx"),
    Case("xlsx-corrupt", b"PK\x03\x04" + b"\x00\x01" * 300, "failed", problem="无法打开 Excel 文件",
         file=f"2021/{LEGAL_AID}/台账.xlsx"),
    # headers
    Case("english-headers", good(header=ENGLISH), "loaded", (2, 2, 0)),
    Case("alias-headers", good(header=ALIASES), "loaded", (2, 2, 0)),
    Case("spaced-headers", good(header=[f" {h}\u3000" for h in HEADER]), "loaded", (2, 2, 0)),
    Case("half-width-brackets", good(header=with_cell(HEADER, 3, "受援人所在镇(街道)")), "loaded", (2, 2, 0)),
    Case("reversed-columns", csv_bytes([HEADER[::-1], ROW1[::-1], ROW2[::-1]]), "loaded", (2, 2, 0),
         loaded_sql=f"select case_no, town from {THIS_YEAR} order by 1",
         loaded=[(ROW1[0], ROW1[3]), (ROW2[0], ROW2[3])]),
    Case("extra-column", csv_bytes([[*HEADER, "备注"], [*ROW1, "无"], [*ROW2, ""]]), "loaded", (2, 2, 0),
         warning="“备注”列不属于“法律援助案件台账”"),
    Case("missing-required-column", csv_bytes([HEADER[:5], ROW1[:5]]), "failed", problem="缺少必填列：承办机构"),
    Case("title-row-above-header", csv_bytes([["2021年法律援助案件台账"], HEADER, ROW1, with_cell(ROW2, 1, "军事")]),
         "loaded", (2, 1, 1), rejections=((4, "案件类别", "不是允许的取值"),)),
    Case("header-only", good([]), "failed", (0, 0, 0), problem="只有表头"),
    Case("unknown-headers", csv_bytes([["甲", "乙", "丙"], ["1", "2", "3"]]), "failed",
         problem=f"未能识别为本单位（{LEGAL_AID}）应报送的台账：表头与以下台账都不完全匹配：法律援助案件台账。"),
    Case("unknown-ledger-sharing-a-header", csv_bytes([["咨询编号", "咨询人", "援助事项", "咨询日期"],
                                                       ["ZX-1", "张某", "追索劳动报酬", "2021-03-01"]]), "failed",
         problem=f"未能识别为本单位（司法局）应报送的台账：表头与以下台账都不完全匹配：{JUSTICE_LEDGERS}。",
         file="2021/司法局/法律援助咨询登记表.csv"),
    # values
    Case("date-slashes", good([with_cell(ROW1, 4, "2021/2/3"), ROW2]), "loaded", (2, 2, 0)),
    Case("date-chinese", good([with_cell(ROW1, 4, "2021年2月3日"), ROW2]), "loaded", (2, 2, 0)),
    Case("date-compact", good([with_cell(ROW1, 4, "20210203"), ROW2]), "loaded", (2, 2, 0)),
    Case("date-full-width", good([with_cell(ROW1, 4, "２０２１－０２－０３"), ROW2]), "loaded", (2, 2, 0),
         loaded_sql=f"select min(accepted_on)::varchar from {THIS_YEAR}", loaded=[("2021-02-03",)]),
    Case("category-synonym", good([with_cell(ROW1, 1, "民事案件"), ROW2]), "loaded", (2, 2, 0),
         loaded_sql=f"select case_type from {THIS_YEAR} order by case_no", loaded=[("民事",), ("刑事",)]),
    Case("cells-with-spaces", good([with_cell(ROW1, 3, "\u3000青阳街道 "), ROW2]), "loaded", (2, 2, 0),
         loaded_sql=f"select town from {THIS_YEAR} order by case_no", loaded=[("青阳街道",), ("安海镇",)]),
    Case("crlf", good(newline="\r\n"), "loaded", (2, 2, 0)),
    Case("trailing-empty-lines", good() + b"\n\n\n", "loaded", (2, 2, 0)),
    Case("empty-rows-of-commas", csv_bytes([HEADER, ROW1, [""] * 6, ROW2, [""] * 6]), "loaded", (2, 2, 0)),
    Case("trailing-total-row", good([ROW1, ROW2, ["合计", "", "", "", "", ""]]), "loaded", (2, 2, 0),
         warning="第4行是合计行，未计入数据"),
    # broken rows
    bad_row(with_cell(ROW3, 1, "军事"), "案件类别", "不是允许的取值，应为：民事、刑事、行政", "bad-category"),
    bad_row(with_cell(ROW3, 4, "2021-02-30"), "受理日期", "不是有效日期", "impossible-date"),
    bad_row(with_cell(ROW3, 4, "2020-12-31"), "受理日期", "日期不在 2021 年度内", "date-outside-year"),
    bad_row(with_cell(ROW3, 0, ""), "案件编号", "必填项为空", "required-empty"),
    bad_row(ROW1, "案件编号", "与第2行重复", "duplicate-key"),
    bad_row([*with_cell(ROW3, 0, "X-3"), "多余"], "(整行)", "单元格比表头多", "too-many-cells"),
    bad_row(with_cell(ROW3, 0, PRIOR_KEY), "案件编号", "与本单位2020年报送的记录重复", "key-of-prior-year"),
    Case("all-rows-bad", good([with_cell(ROW1, 1, "军事"), with_cell(ROW2, 4, "明天")]), "failed", (2, 0, 2),
         problem="所有数据行都有错误", rejections=((2, "案件类别", "不是允许的取值"), (3, "受理日期", "不是有效日期"))),
    # folders and file names
    Case("wrong-department", good(), "failed", problem="应由法律援助中心报送，请放在 inputs/2021/法律援助中心/ 下",
         file="2021/司法局/法律援助案件台账.csv"),
    Case("department-without-ledgers", csv_bytes([["甲", "乙"], ["1", "2"]]), "failed",
         problem="未能识别：没有应由“财政局”报送的台账。", file="2021/财政局/台账.csv"),
    Case("outside-department-folder", good(), "ignored", problem="应放在本单位的文件夹中", file="2021/法律援助案件台账.csv"),
    Case("excel-lock-file", b"\x00junk", "ignored", problem="临时文件", file=f"2021/{LEGAL_AID}/~$台账.xlsx"),
    Case("partial-download", good(), "skipped", problem="临时文件", file=f"2021/{LEGAL_AID}/台账.csv.part"),
    Case("browser-download", good(), "skipped", problem="临时文件", file=f"2021/{LEGAL_AID}/台账.csv.crdownload"),
    Case("hidden-file", good(), "ignored", problem="临时文件", file=f"2021/{LEGAL_AID}/.台账.csv"),
    # other contracts: a register held whole, numbers as typed, cross-field rules, declared totals
    Case("register-held-whole", csv_bytes([
        ["事项编码", "事项名称", "实施部门", "法定时限（工作日）", "承诺时限（工作日）", "跑动次数", "网上可办", "全流程网办"],
        ["XK-1", "食品经营许可", "市市场监管局", "20", "1", "0", "是", "是"],
        ["XK-2", "建筑施工许可", "市住建局", "20", "30", "0", "是", "否"]]),
        "failed", (2, 0, 1), problem="须整表无误才能入库", rejections=((3, "承诺时限（工作日）", "承诺时限长于法定时限"),),
        file="2021/行政审批局/行政许可事项清单.csv"),
    Case("numbers-as-typed", csv_bytes([
        ["救助编号", "执行案号", "核拨日期", "救助金额（元）"],
        ["CS-1", "（2021）闽0582执1号", "2021-07-08", "18,000"],
        ["CS-2", "（2021）闽0582执2号", "2021-07-09", "１２０００.５"],
        ["CS-3", "（2021）闽0582执3号", "2021-07-10", "一万元"]]),
        "loaded", (3, 2, 1), rejections=((4, "救助金额（元）", "不是数字"),), file="2021/法院/执行慈善救助台账.csv",
        loaded_sql="select sum(amount_yuan)::varchar from stg_charity_relief", loaded=[("30000.50",)]),
    Case("cross-field-rule", csv_bytes([
        ["案号", "申请人类别", "被申请人", "案件类别", "收到申请日期", "受理日期", "是否延期", "审结日期", "审结结果"],
        ["A1", "自然人", "市场监管局", "行政处罚", "2021-03-01", "2021-03-02", "否", "2021-04-01", "维持"],
        ["A2", "自然人", "市场监管局", "行政处罚", "2021-03-01", "2021-02-27", "否", "", ""],
        ["A3", "法人", "住建局", "行政许可", "2021-03-01", "2021-03-02", "否", "2021-04-01", ""]]),
        "loaded", (3, 1, 2), file="2021/司法局/行政复议案件台账.csv",
        rejections=((3, "受理日期", "受理日期早于收到申请日期"), (4, "审结结果", "已审结的案件须填写审结结果"))),
    Case("cases-across-the-years-end", csv_bytes(ledger_rows("reconsiderations", [
        {**RECONSIDERATION, "case_no": "晋政复〔2020〕131号", "received_on": "2020-12-28"},  # carried over from 2020
        {**RECONSIDERATION, "case_no": "晋政复〔2021〕9号", "accepted_status": "不予受理", "accepted_on": "",
         "extended": "", "concluded_on": "", "outcome": ""},
        {**RECONSIDERATION, "case_no": "晋政复〔2021〕130号", "received_on": "2022-01-04", "accepted_status": "",
         "accepted_on": "", "extended": "", "concluded_on": "", "outcome": ""}])),
        "loaded", (3, 2, 1), file="2021/司法局/行政复议案件台账.csv",
        rejections=((4, "收到申请日期", "日期晚于 2021 年度末"),),
        loaded_sql="select case_no, accepted_status, received_on::varchar from stg_reconsiderations order by 1",
        loaded=[("晋政复〔2020〕131号", "受理", "2020-12-28"), ("晋政复〔2021〕9号", "不予受理", "2021-01-04")]),
    Case("declared-total-differs", csv_bytes([
        ["救助编号", "执行案号", "核拨日期", "救助金额（元）"],
        ["CS-1", "（2021）闽0582执1号", "2021-07-08", "18000"],
        ["CS-2", "（2021）闽0582执2号", "2021-07-09", "12000"],
        ["合计", "", "", "31000"]]),
        "loaded", (2, 2, 0), file="2021/法院/执行慈善救助台账.csv",
        warning="第4行合计行的“救助金额（元）”为 31000，但各行相加为 30000.00，请核对"),
]

BASELINE = {
    "2021/民政局/村（社区）名册.csv": [
        ["村（社区）名称", "所属镇（街道）", "类型", "民主法治村（社区）", "三治融合示范创建"],
        ["跃进村", "西滨镇", "村", "是", ""], ["桂园社区", "青阳街道", "社区", "是", "晋江市共建共享示范社区"]],
    "2020/法律援助中心/法律援助案件台账.csv": [
        HEADER, [PRIOR_KEY, "民事", "离婚", "安海镇", "2020-06-01", "某所"]],
}


def snapshot(warehouse: Path) -> tuple:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return (
            con.execute("select * exclude (received_at) from submissions where submission_id <= 2 order by 1").fetchall(),
            con.execute("select * from raw_villages order by all").fetchall(),
            con.execute("select * from raw_legal_aid_cases where submission_id <= 2 order by all").fetchall(),
            con.execute("select submission_id from current_submissions where submission_id <= 2 order by 1").fetchall(),
        )


@pytest.fixture
def accepted(settings: Settings) -> Settings:
    for file, rows in BASELINE.items():
        write_csv(settings.inputs / file, rows)
    report = take_inputs(settings, 2021)
    assert [r.status for r in report.submissions] == ["loaded", "loaded"]
    return settings


def take(settings: Settings, case: Case):
    path = settings.inputs / case.file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(case.content)
    [result] = [r for r in take_inputs(settings, 2021).submissions if r.file == case.file]
    return result


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40 and len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_awkward_file(accepted: Settings, case: Case) -> None:
    before = snapshot(accepted.warehouse)
    result = take(accepted, case)
    assert result.status == case.expect, result.problem
    if case.expect not in ("skipped", "ignored"):
        assert (result.rows_read, result.rows_loaded, result.rows_rejected) == case.rows
    assert (case.problem is None) == (result.problem is None), result.problem
    if case.problem:
        assert case.problem in result.problem
    got = [(r.row, r.column, r.reason) for r in result.rejections]
    assert len(got) == len(case.rejections), got
    for (row, column, reason), expected in zip(got, case.rejections, strict=True):
        assert (row, column) == expected[:2] and expected[2] in reason
    if case.warning:
        assert any(case.warning in w for w in result.warnings), result.warnings
    if case.loaded_sql:
        pipeline.build_metrics(accepted, "jinjiang", 2021)
        with duckdb.connect(str(accepted.warehouse), read_only=True) as con:
            assert con.execute(case.loaded_sql).fetchall() == case.loaded
    assert snapshot(accepted.warehouse) == before
    if case.expect not in ("skipped", "ignored"):  # a receipt for each file a department sent
        receipt = accepted.receipts(2021) / (result.department or "_") / f"{Path(case.file).name}.html"
        assert "报送回执" in receipt.read_text(encoding="utf-8")
