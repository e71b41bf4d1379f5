"""The second example, a county justice bureau's own report, renders from its own folder with no code of its own."""

from __future__ import annotations

import csv
from pathlib import Path

import pdfplumber
import pytest
from conftest import run_report
from test_explain import assert_every_figure_explains_itself
from test_layout import BODY, MM, PITCH, TOLERANCE, full_width, lines
from test_report import pdf_text

from annual_report import pipeline
from annual_report.cli import main
from annual_report.report.spec import SpecError
from annual_report.settings import ROOT, Settings

pytestmark = pytest.mark.usefixtures("prefect_harness")  # the flows run as users run them

EXAMPLE = ROOT / "examples" / "county-justice-bureau"


@pytest.fixture(scope="module")
def county_run(tmp_path_factory: pytest.TempPathFactory) -> pipeline.RunSummary:
    outputs = tmp_path_factory.mktemp("county")
    settings = Settings.from_env().with_paths(inputs=EXAMPLE / "inputs", outputs=outputs,
                                              warehouse=outputs / "warehouse.duckdb", reports=EXAMPLE / "reports")
    return run_report(settings, "qinglan", 2021)


def _ledger(year: int, department: str, name: str) -> list[dict[str, str]]:
    with (EXAMPLE / "inputs" / str(year) / department / f"{name}.csv").open(encoding="utf-8-sig") as stream:
        return list(csv.DictReader(stream))


def _rates(year: int) -> dict[str, float]:
    """The three rates computed straight from the CSV ledgers, as the SQL models define them."""
    litigations = _ledger(year, "司法局", "行政应诉案件台账")
    concluded = [row for row in litigations if row["裁判结果"] not in ("", "审理中")]
    reconsiderations = [row for row in _ledger(year, "司法局", "行政复议案件台账") if row["审结日期"]]
    return {
        "loss": sum(row["裁判结果"] in ("撤销", "确认违法") for row in concluded) / len(concluded),
        "head": sum(row["负责人出庭"] == "是" for row in litigations) / len(litigations),
        "correction": sum(row["审结结果"] in ("撤销", "变更", "确认违法", "责令履行") for row in reconsiderations)
        / len(reconsiderations),
    }


def _points(now: float, before: float) -> str:
    difference = round((now - before) * 100, 1)
    return f"{'提高' if difference > 0 else '下降'}{abs(difference)}个百分点"


def test_the_new_rates_match_the_ledgers(county_run: pipeline.RunSummary) -> None:
    text = pdf_text(county_run.files.pdf)
    now, before = _rates(2021), _rates(2020)
    assert f"败诉率为{now['loss'] * 100:.1f}%，较上年{_points(now['loss'], before['loss'])}" in text
    assert f"出庭应诉率达{now['head'] * 100:.1f}%，较上年{_points(now['head'], before['head'])}" in text
    assert f"纠错率为{now['correction'] * 100:.1f}%，较上年{_points(now['correction'], before['correction'])}" in text
    assert "同比上升26.2%" in text


def test_the_attachment_is_a_separate_pdf(county_run: pipeline.RunSummary) -> None:
    attachment = county_run.files.attachment
    assert attachment == county_run.files.pdf.with_name("qinglan-2021-attachment.pdf")
    assert "附件：青岚县司法局2021年法治政府建设主要指标" in pdf_text(county_run.files.pdf)
    text = pdf_text(attachment)
    assert text.startswith("附件青岚县司法局2021年法治政府建设主要指标")
    assert "行政诉讼败诉率%5.318.8-13.5个百分点" in text
    assert "图12020—2021年法律援助案件受理情况（单位：件）" in text and "图2" in text   # 图题 with its years


def test_document_number_red_rule_and_balanced_title(county_run: pipeline.RunSummary) -> None:
    with pdfplumber.open(county_run.files.pdf) as pdf:
        page = pdf.pages[0]
        masthead = next(line for line in lines(page) if line.colour == (1.0, 0.0, 0.0))
        number = next(line for line in lines(page, 16) if line.text == "岚司〔2022〕6号")
        rule = next(r for r in full_width(page) if r["non_stroking_color"] == (1.0, 0.0, 0.0))
        title = lines(page, 22)
    assert number.top == pytest.approx(masthead.bottom + 2 * PITCH + (PITCH - BODY) / 2, abs=TOLERANCE)
    assert (number.x0 + number.x1) / 2 == pytest.approx(28 + 78, abs=TOLERANCE)
    assert rule["top"] / MM == pytest.approx(number.bottom + 4, abs=TOLERANCE)
    assert [line.text for line in title] == ["青岚县司法局关于2021年度", "法治政府建设工作情况的报告"]
    assert title[0].x1 - title[0].x0 <= title[1].x1 - title[1].x0   # a trapezoid, the short line on top


def test_colophon_alone_on_an_even_page_with_copied_to_and_no_number(county_run: pipeline.RunSummary) -> None:
    with pdfplumber.open(county_run.files.pdf) as pdf:
        assert len(pdf.pages) % 2 == 0
        last = pdf.pages[-1]
        texts = [line.text for line in lines(last)]
        frames = {(round(r["top"] / MM, 2), round(r["bottom"] / MM, 2)) for r in full_width(last)}
        previous = [line.text.replace(" ", "") for line in lines(pdf.pages[-2])]
        previous_number = f"—{len(pdf.pages) - 1}—"
    assert texts[0] == "抄送：市司法局，县委全面依法治县委员会办公室。"
    assert not any(text.startswith("—") for text in texts)           # no number on a colophon-only page
    assert previous_number in previous
    # borders are frames between rectangles: a rule is the gap between two rectangles' bottom edges
    bottoms = sorted({bottom for _, bottom in frames})
    gaps = [round(b - a, 2) for a, b in zip(bottoms, bottoms[1:])]
    assert 0.25 in gaps and gaps[-1] == 0.35   # the middle rule 0.25 mm, the last 0.35 mm


def test_example_folder_is_self_contained() -> None:
    assert sorted(p.relative_to(EXAMPLE).as_posix() for p in EXAMPLE.rglob("*") if p.is_file()) == [
        "inputs/2020/司法局/行政复议案件台账.csv", "inputs/2020/司法局/行政应诉案件台账.csv",
        "inputs/2020/法律援助中心/法律援助案件台账.csv", "inputs/2021/司法局/人民调解案件台账.csv",
        "inputs/2021/司法局/合法性审查台账.csv", "inputs/2021/司法局/行政复议案件台账.csv",
        "inputs/2021/司法局/行政应诉案件台账.csv", "inputs/2021/法律援助中心/法律援助案件台账.csv",
        "make_inputs.py", "reports/qinglan/2021.md",
    ]


def test_a_new_regions_pack_renders_a_draft_from_its_first_command(tmp_path: Path, capsys) -> None:
    """`new-region`, then a draft run on empty inputs: the five required parts, each missing figure marked."""
    reports = tmp_path / "reports"
    assert main(["new-region", "lanxi", "--year", "2022", "--reports", str(reports)]) == 0
    assert sorted(p.relative_to(reports).as_posix() for p in reports.rglob("*.csv")) == [
        "lanxi/blank-forms/法律援助案件台账.csv", "lanxi/blank-forms/行政复议案件台账.csv",
        "lanxi/blank-forms/行政应诉案件台账.csv"]
    (tmp_path / "inputs").mkdir()
    settings = Settings.from_env().with_paths(inputs=tmp_path / "inputs", outputs=tmp_path / "outputs",
                                              reports=reports)
    text = pdf_text(run_report(settings, "lanxi", 2022, mode="draft").files.pdf)
    assert "征求意见稿" in text and "全年受理法律援助案件【待补：受理法律援助案件】" in text
    assert all(part in text for part in ("二、存在的不足和原因", "三、党政主要负责人履行推进法治建设第一责任人职责情况",
                                         "五、其他需要报告的情况"))
    with pytest.raises(SpecError, match=r"lanxi/2022\.md still holds what new-region left to fill in: 【地区】、"):
        pipeline.require_filled_spec(settings, "lanxi", 2022)  # the final report: never with the blanks
    assert main(["new-region", "lanxi", "--year", "2022", "--reports", str(reports)]) == 2
    assert "exists already" in capsys.readouterr().err


YUNXI = ROOT / "examples" / "yunxi-justice-bureau"


@pytest.fixture(scope="module")
def yunxi_run(tmp_path_factory: pytest.TempPathFactory) -> pipeline.RunSummary:
    outputs = tmp_path_factory.mktemp("yunxi")
    settings = Settings.from_env().with_paths(inputs=YUNXI / "inputs", outputs=outputs, reports=YUNXI / "reports")
    return run_report(settings, "yunxi", 2022)


def _figures_file() -> list[str]:
    """The `printed` column of the pack's figures.md."""
    rows = [line.split("|")[1].strip() for line in (YUNXI / "figures.md").read_text(encoding="utf-8").splitlines()
            if line.startswith("| ") and not line.startswith("| printed")]
    return [row for row in rows if row and not row.startswith("---")]


def test_the_third_pack_prints_every_figure_of_its_figures_file(yunxi_run: pipeline.RunSummary) -> None:
    text = pdf_text(yunxi_run.files.pdf)
    printed = _figures_file()
    assert len(printed) == 21
    assert [figure for figure in printed if figure not in text] == []
    assert {s.status for s in yunxi_run.ingest.submissions} == {"loaded"}  # every carried-over case taken


def test_the_carried_over_cases_and_shares_match_the_ledgers(yunxi_run: pipeline.RunSummary) -> None:
    """The pack's figures recomputed from its CSV ledgers, without the catalogue."""
    def ledger(year: int, name: str) -> list[dict[str, str]]:
        with (YUNXI / "inputs" / str(year) / "司法局" / f"{name}.csv").open(encoding="utf-8-sig") as stream:
            return list(csv.DictReader(stream))
    cases = ledger(2022, "行政复议案件台账")
    concluded = [row for row in cases if row["审结日期"].startswith("2022")]
    carried = [row for row in concluded if row["收到申请日期"] < "2022"]
    received = [row for row in cases if row["收到申请日期"].startswith("2022")]
    share = sum(row["被申请人类别"] == "县级政府部门" for row in received) / len(received)
    open_last_year = {row["案号"] for row in ledger(2021, "行政复议案件台账") if not row["审结日期"]}
    assert {row["案号"] for row in carried} <= open_last_year
    text = pdf_text(yunxi_run.files.pdf)
    assert f"审结{len(concluded)}件（含2021年结转{len(carried)}件）" in text
    assert f"县级政府部门的占{share * 100:.1f}%" in text
    lawsuits = ledger(2022, "行政应诉案件台账")
    decided = [row for row in lawsuits if row["审结日期"].startswith("2022")]
    assert f"审结行政诉讼案件{len(decided)}件（含2021年结转{sum(r['立案日期'] < '2022' for r in decided)}件）" in text


@pytest.mark.parametrize(("pack", "region", "year"), [(EXAMPLE, "qinglan", 2021), (YUNXI, "yunxi", 2022)])
def test_every_figure_of_the_example_packs_explains_itself(pack: Path, region: str, year: int, tmp_path: Path,
                                                           request: pytest.FixtureRequest) -> None:
    run = request.getfixturevalue("county_run" if region == "qinglan" else "yunxi_run")
    settings = Settings.from_env().with_paths(outputs=run.files.pdf.parent.parent, reports=pack / "reports")
    assert_every_figure_explains_itself(settings, region, year, run.metrics, tmp_path)
