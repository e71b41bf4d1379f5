"""The review preview (审核稿) beside the PDF: every figure the report prints is marked, and explained in a browser
from the outputs folder alone: a click on a figure shows its definition, its files and its rows, with a link to them."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import lxml.html
import pytest
from conftest import run_report
from openpyxl import load_workbook
from test_submissions import FOLDER, legal_aid_rows, sample  # noqa: F401  (sample: a fixture)

from annual_report import pipeline
from annual_report.intake.contracts import region_contracts
from annual_report.report import review
from annual_report.report.explain import explain
from annual_report.report.review import COMPLETE, GAP, INCOMPLETE
from annual_report.settings import Settings
from annual_report.warehouse import database

CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM = shutil.which("chromium")
WINDOW = (1400, 1000)
SCREENSHOT = os.environ.get("REVIEW_SCREENSHOT")  # where scripts/screenshot-review.sh has the browser test save one


def page(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes())


def explanations(tree: lxml.html.HtmlElement) -> dict[str, dict]:
    return json.loads(tree.get_element_by_id("explanations").text)


def narrative_marks(tree: lxml.html.HtmlElement) -> list[tuple[str, str]]:
    """Each figure the narrative marks, in order: its text (put together from the lines it was set on) and metric."""
    marks: dict[str, list] = {}
    for span in tree.xpath("//main//span[@data-mark]"):
        marks.setdefault(span.get("data-mark"), [span.get("data-metric"), ""])[1] += span.text_content()
    return [(text, metric) for metric, text in marks.values()]


def figures_table(files: pipeline.ReportFiles) -> list[tuple[str, str, str]]:
    """The sign-off table's rows: where the figure is printed, the text printed, its metric."""
    sheet = load_workbook(files.figures_xlsx).active
    return [(place, text, metric) for _, place, _, text, _, metric, *_ in sheet.iter_rows(min_row=2, values_only=True)]


def test_the_review_marks_every_figure_the_report_prints(sample_run: pipeline.RunSummary) -> None:
    files = sample_run.files
    tree = page(files.review)
    printed = figures_table(files)
    assert narrative_marks(tree) == [(text, metric) for place, text, metric in printed if place == "正文"]
    assert len(narrative_marks(tree)) == 45  # the figures of jinjiang-2021-figures.md the body prints
    assert [tr.get("data-metric") for tr in tree.xpath("//table[@class='metrics']/tbody/tr")] == \
        [metric for place, _, metric in printed if place == "附件表格"]
    assert [g.get("data-metric") for g in tree.xpath("//figure//*[local-name()='g'][@data-metric]")] == \
        [metric for place, _, metric in printed if place == "附件图表"]
    entries = explanations(tree)
    assert set(entries) == {metric for *_, metric in printed}
    assert {entry["status"] for entry in entries.values()} == {COMPLETE}
    assert "所有数字均由完整入库的台账算得" in tree.find_class("review-banner")[0].text_content()


def test_each_figures_workbook_is_beside_the_review_and_holds_its_rows(sample_run: pipeline.RunSummary) -> None:
    review = sample_run.files.review
    entries = explanations(page(review))
    for metric, entry in entries.items():
        assert entry["rows"] is not None, metric
        workbook = load_workbook(review.parent / entry["rows"], read_only=True)
        assert sum(sheet.max_row - 1 for sheet in workbook.worksheets) == entry["count"], metric
    legal_aid = entries["legal_aid_cases"]
    assert legal_aid["rows"] == "jinjiang-2021-rows/legal_aid_cases.xlsx" and legal_aid["count"] == 3501
    assert legal_aid["lines"][:3] == ["受理法律援助案件（legal_aid_cases）", legal_aid["lines"][1], "所印数值：3501件"]
    assert "计算SQL：" not in legal_aid["lines"] and "legal_aid_cases" in legal_aid["sql"]


def test_a_figure_of_more_rows_than_the_review_carries_has_the_command_that_writes_them(
        sample_run: pipeline.RunSummary, tmp_path: Path) -> None:
    settings = Settings.from_env().with_paths(outputs=sample_run.files.pdf.parent.parent)
    contracts = region_contracts(settings)
    catalogue = pipeline.region_catalogue(settings, "jinjiang")
    with database.connect(settings.warehouse, contracts.values()) as con:
        counted = explain(con, settings.sql, contracts, catalogue, "jinjiang", 2021, "legal_aid_cases", row_limit=100)
    assert review.write_rows_workbooks({"legal_aid_cases": counted}, tmp_path / "rows") == {}
    assert list((tmp_path / "rows").iterdir()) == []
    shown = review.entry(counted, catalogue, None)
    assert shown["rows"] is None and shown["count"] == 3501
    assert f"annual-report explain legal_aid_cases --year 2021 --region jinjiang --run {counted.run.run_id} --rows" \
        in shown["note"]


def test_the_review_is_the_preview_line_for_line(sample_run: pipeline.RunSummary) -> None:
    def lines(path: Path) -> list[str]:
        return [line.text_content() for line in page(path).find_class("line")]

    assert lines(sample_run.files.review) == lines(sample_run.files.html)
    assert not page(sample_run.files.html).xpath("//*[@data-mark or @data-metric and not(ancestor::svg)]")


def test_a_drafts_gaps_and_figures_from_incomplete_ledgers_stand_out(sample: Settings) -> None:  # noqa: F811
    """法院 has not submitted, 法律援助中心's ledger has a row rejected: their figures are marked gap and incomplete."""
    shutil.rmtree(sample.inputs / "2021" / "法院")
    ledger = sample.inputs / FOLDER / "法律援助案件台账.csv"
    ledger.write_text(legal_aid_rows(3501).replace("2021-01-04", "2021-01-32", 1), encoding="utf-8")
    files = run_report(sample, "jinjiang", 2021, mode="draft").files
    assert files.review.name == "jinjiang-2021-review-draft.html" and files.rows.name == "jinjiang-2021-rows-draft"
    tree = page(files.review)
    entries = explanations(tree)
    assert entries["legal_aid_cases"]["status"] == INCOMPLETE
    assert entries["legal_aid_cases"]["warning"] == "数据不完整：2021/法律援助中心/法律援助案件台账.csv有 1 行未入库"
    assert entries["legal_aid_cases"]["count"] == 3500
    gaps = {metric for metric, entry in entries.items() if entry["status"] == GAP}
    assert gaps and all("《执行慈善救助台账》" in "".join(entries[m]["lines"]) for m in gaps)
    assert all(entries[m]["rows"] is None and "《执行慈善救助台账》（法院）未报送" in entries[m]["warning"] for m in gaps)
    gap_texts = [text for text, metric in narrative_marks(tree) if metric in gaps]
    assert gap_texts and all(text.startswith("【待补：") for text in gap_texts)
    banner = tree.find_class("review-banner")[0].text_content()
    incomplete = sum(entry["status"] == INCOMPLETE for entry in entries.values())
    assert f"待补 {len(gaps)} 项" in banner and f"数据不完整 {incomplete} 项" in banner
    assert entries["permit_online_share"]["status"] == COMPLETE


@pytest.fixture
def browser():
    """Debian's Chromium, headless, through its chromedriver (no Selenium Manager: nothing is downloaded)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                     f"--window-size={WINDOW[0]},{WINDOW[1]}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    yield driver
    driver.quit()


@pytest.mark.skipif(CHROMEDRIVER is None or CHROMIUM is None,
                    reason="chromium and chromium-driver are installed by scripts/install-system-packages.sh")
def test_a_click_on_a_figure_in_a_browser_shows_its_explanation(sample_run: pipeline.RunSummary, browser,
                                                               tmp_path: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    year = shutil.copytree(sample_run.files.review.parent, tmp_path / "2021")  # the outputs folder, on its own
    browser.get((year / sample_run.files.review.name).as_uri())
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    panel = browser.find_element(By.ID, "explanation")
    assert not panel.is_displayed()

    figure = browser.find_element(By.CSS_SELECTOR, "main [data-metric='legal_aid_cases']")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", figure)
    figure.click()
    assert panel.is_displayed() and "active" in figure.get_attribute("class")
    shown = panel.text
    for part in ("受理法律援助案件（legal_aid_cases）", "所印数值：3501件", "定义：当年受理的法律援助案件件数",
                 "2021/法律援助中心/法律援助案件台账.csv", "入库 3501/3501 行", "明细行（Excel，共 3501 行）"):
        assert part in shown
    link = panel.find_element(By.CSS_SELECTOR, "a.rows")
    assert Path(link.get_attribute("href").removeprefix("file://")) == year / "jinjiang-2021-rows/legal_aid_cases.xlsx"
    assert (year / "jinjiang-2021-rows/legal_aid_cases.xlsx").is_file()
    if SCREENSHOT:
        browser.save_screenshot(SCREENSHOT)

    other = browser.find_element(By.CSS_SELECTOR, "table.metrics tr[data-metric]")
    ActionChains(browser).scroll_to_element(other).move_to_element(other).perform()  # a hover shows another...
    assert f"（{other.get_attribute('data-metric')}）" in panel.text
    title = browser.find_element(By.CSS_SELECTOR, "h1.attachment-title")
    ActionChains(browser).move_to_element(title).perform()  # ...and off it, the panel shows the one clicked again
    assert "（legal_aid_cases）" in panel.text
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    assert not panel.is_displayed()
