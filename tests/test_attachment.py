"""The attachment as the office reads it: each figure at the precision the body prints it, the prior year where
the prior year's ledgers are all there, labels that fit their column, centred 序号 and dashes, 图题 below each
chart naming its years, and one baseline for the charts' bars."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pdfplumber
import polars as pl
import pytest
from test_docx import open_in_libreoffice
from test_report import _spec

from annual_report.report import render, word
from annual_report.report.charts import BAR, YEAR_COLOUR
from annual_report.report.figures import Figures, Formatter
from annual_report.report.spec import load_spec
from annual_report.report.typeset import MM
from annual_report.settings import Settings
from annual_report.warehouse import metrics
from annual_report.warehouse.catalogue import load_catalogue

ATTACHMENT = ("{title: 测试县2021年法治政府建设主要指标, metrics: [certification_items, online_share, on_time_rate, "
              "correction_rate, relief_amount, meetings], charts: [{title: 2021年人民调解案件纠纷类型, series: mediation}, "
              "{title: 法律援助案件受理情况, series: legal_aid, prior_year: true}]}")
NARRATIVE = ("网上可办率达{{ m.online_share | pct(2) }}，法定期限内结案率为{{ m.on_time_rate | pct(0) }}，"
             "纠错率较上年{{ m.correction_rate | points(2) }}，核拨慈善救助金{{ m.relief_amount | wan(1) }}。")
# metric id, label, value, unit, prior-year value
ROWS = [
    ("certification_items", "证明事项告知承诺制目录事项（第一批、第二批）", 74, "项", None),
    ("online_share", "网上可办率", 0.9920556107249255, "%", None),
    ("on_time_rate", "法定期限内结案率", 1.0, "%", None),
    ("correction_rate", "行政复议纠错率", 0.14953271028037382, "%", 0.1),
    ("relief_amount", "核拨慈善救助金", 1183000, "元", None),
    ("meetings", "市委依法治市办召开会议", 8, "次", None),
    ("mediation.邻里纠纷", "邻里纠纷", 1053, "起", None),
    ("mediation.道路交通事故纠纷", "道路交通事故纠纷", 369, "起", None),
    ("legal_aid.民事", "民事案件", 2477, "件", 1764),
    ("legal_aid.刑事", "刑事案件", 965, "件", 638),
]


def _metrics() -> pl.DataFrame:
    return pl.DataFrame(
        [{"metric_id": metric_id, "label": label, "value": float(value), "unit": unit,
          "prior_value": None if prior is None else float(prior),
          "change": None if prior is None else (value - prior) / prior, "datasets": ["ledger"]}
         for metric_id, label, value, unit, prior in ROWS],
        schema={"metric_id": pl.String, "label": pl.String, "value": pl.Float64, "unit": pl.String,
                "prior_value": pl.Float64, "change": pl.Float64, "datasets": pl.List(pl.String)})


def _context(tmp_path: Path, contracts) -> dict:
    spec = load_spec(_spec(tmp_path, NARRATIVE, attachment=ATTACHMENT))
    return render.report_context(spec, _metrics(), contracts, 2021)


@pytest.fixture(scope="module")
def attachment_pdf(tmp_path_factory: pytest.TempPathFactory, contracts) -> pdfplumber.PDF:
    folder = tmp_path_factory.mktemp("attachment")
    rendered = render.render(_context(folder, contracts), Settings.from_env().templates)
    with pdfplumber.open(render.write_pdf(rendered, folder / "out" / "test.pdf")) as pdf:
        yield pdf


def test_the_table_prints_each_figure_as_the_body_does(tmp_path: Path, contracts) -> None:
    rows = {row.label: (row.unit, row.value, row.prior, row.change) for row in _context(tmp_path, contracts)["attachment"].rows}
    assert rows["网上可办率"] == ("%", "99.21", "—", "—")           # pct(2) in the body
    assert rows["法定期限内结案率"] == ("%", "100", "—", "—")       # pct(0): 100, not 100.0
    assert rows["行政复议纠错率"] == ("%", "15.0", "10.0", "+4.95个百分点")  # points(2); its value is not printed
    assert rows["核拨慈善救助金"] == ("万元", "118.3", "—", "—")    # wan(1)
    assert rows["市委依法治市办召开会议"] == ("次", "8", "—", "—")   # not in the body: the table's rule


def _chars(page: pdfplumber.page.Page, text: str) -> list[dict]:
    """The characters of a text the page prints in one piece (a table cell, a caption)."""
    chars = [c for c in page.chars if c["text"].strip()]
    joined = "".join(c["text"] for c in chars)
    start = joined.index(text)
    return chars[start:start + len(text)]


def _centre(chars: list[dict]) -> float:
    return (min(c["x0"] for c in chars) + max(c["x1"] for c in chars)) / 2


def _table_page(pdf: pdfplumber.PDF) -> pdfplumber.page.Page:
    return next(p for p in pdf.pages if "序号" in (p.extract_text() or ""))


def test_labels_fit_their_column_without_a_lone_character(table_pdf: pdfplumber.PDF) -> None:
    page = _table_page(table_pdf)
    assert len({round(c["top"]) for c in _chars(page, "市委依法治市办召开会议")}) == 1   # on one line, 议 too
    label = _chars(page, "证明事项告知承诺制目录事项（第一批、第二批）")
    lines = [[c for c in label if round(c["top"]) == top] for top in sorted({round(c["top"]) for c in label})]
    assert len(lines) == 2 and min(map(len, lines)) >= 8           # two even lines, not 20 characters and 2


def test_index_and_dashes_are_centred_in_their_columns(table_pdf: pdfplumber.PDF) -> None:
    page = _table_page(table_pdf)
    dashes = [c for c in page.chars if c["text"] == "—" and c["top"] > _chars(page, "序号")[0]["bottom"]]
    prior_year = _centre(_chars(page, "2020年"))
    in_prior_year = [c for c in dashes if abs(_centre([c]) - prior_year) < 20]
    assert in_prior_year and all(_centre([c]) == pytest.approx(prior_year, abs=0.5) for c in in_prior_year)
    label = _chars(page, "证明事项")[0]
    first = [c for c in page.chars if c["text"] == "1" and c["x1"] <= label["x0"] and c["top"] > label["top"] - 20]
    assert len(first) == 1 and _centre(first) == pytest.approx(_centre(_chars(page, "序号")), abs=0.5)


@pytest.fixture(scope="module", params=["pdf", "docx"])
def table_pdf(request: pytest.FixtureRequest, attachment_pdf: pdfplumber.PDF,
              tmp_path_factory: pytest.TempPathFactory, contracts) -> pdfplumber.PDF:
    """The attachment's table as printed: the report's PDF, and the DOCX as LibreOffice opens it."""
    if request.param == "pdf":
        yield attachment_pdf
        return
    folder = tmp_path_factory.mktemp("attachment-docx")
    document = word.write_docx(_context(folder, contracts), Settings.from_env().templates, folder / "test.docx")
    with pdfplumber.open(open_in_libreoffice(document, folder)) as pdf:
        yield pdf


def _bars(page: pdfplumber.page.Page) -> list[dict]:
    """The year's bars of the page's charts (not the legend's swatch, 3 mm high)."""
    red = tuple(int(YEAR_COLOUR[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return [r for r in page.rects
            if r["non_stroking_color"] == pytest.approx(red, abs=0.01) and r["height"] > (BAR - 1) * MM]


def test_headings_on_one_line_and_text_between_the_rules(table_pdf: pdfplumber.PDF) -> None:
    page = _table_page(table_pdf)
    for heading in ("序号", "指标", "单位", "2021年", "2020年", "增减"):
        assert len({round(c["top"]) for c in _chars(page, heading)}) == 1, heading   # not 2021 over 年
    top = min(c["top"] for c in _chars(page, "序号"))
    bottom = max(c["bottom"] for c in _chars(page, "市委依法治市办召开会议"))   # the last row's label
    rules = sorted({round(e["top"]) for e in page.horizontal_edges if top - 10 < e["top"] < bottom + 10})
    assert len(rules) == 2 + 6   # above and below the headings, and below each of ATTACHMENT's 6 metrics
    crossed = [c["text"] for c in page.chars if c["text"].strip() and c["top"] >= rules[0] and
               any(c["top"] + 0.5 < rule < c["bottom"] - 0.5 for rule in rules)]
    assert not crossed   # no character runs over a row's rules (rows as tall as their lines)


def test_captions_below_their_charts_with_the_years(attachment_pdf: pdfplumber.PDF) -> None:
    page = next(p for p in attachment_pdf.pages if "图1" in (p.extract_text() or ""))
    text = "".join(c["text"] for c in page.chars)
    assert "图2　2020—2021年法律援助案件受理情况（单位：件）" in text
    first, second = _chars(page, "图1"), _chars(page, "图2")
    bars = _bars(page)
    above_first = [b for b in bars if b["bottom"] < first[0]["top"]]
    above_second = [b for b in bars if first[0]["bottom"] < b["top"] and b["bottom"] < second[0]["top"]]
    assert len(above_first) == 2 and len(above_second) == 2   # each chart's year bars, above its caption


def test_the_charts_share_one_baseline(attachment_pdf: pdfplumber.PDF) -> None:
    page = next(p for p in attachment_pdf.pages if "图1" in (p.extract_text() or ""))
    assert len({round(bar["x0"], 2) for bar in _bars(page)}) == 1


PRIOR_CATALOGUE = """
points: {label: 法律顾问示范点, unit: 个, measure: count, of: legal_advisor_points}
villages: {label: 村（社区）, unit: 个, measure: count, of: villages}
coverage: {label: 法律顾问示范点覆盖率, numerator: points, denominator: villages}
"""


def test_the_prior_year_is_printed_only_from_the_prior_years_whole_set_of_ledgers(tmp_path: Path, contracts) -> None:
    """2020 has the points' ledger and not the village register: the points' 2020 value prints, the coverage's
    (points over villages) has no 2020 value rather than one over 2021's register or none."""
    con = duckdb.connect()
    for dataset, rows in (("legal_advisor_points", [2020, 2020, 2021, 2021, 2021]), ("villages", [2021] * 10)):
        con.execute(f"create table stg_{dataset} (report_year integer)")
        con.executemany(f"insert into stg_{dataset} values (?)", [(year,) for year in rows])
    con.execute("create table current_submissions as select * from (values (1, 2020, 'legal_advisor_points'), "
                "(2, 2021, 'legal_advisor_points'), (3, 2021, 'villages')) t(submission_id, year, dataset)")
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "points.yaml").write_text(PRIOR_CATALOGUE, encoding="utf-8")
    catalogue = load_catalogue(tmp_path / "metrics")
    needed = catalogue.needed({"coverage"})
    table = metrics.with_prior_year(metrics.metrics_for_year(con, catalogue, needed, 2021),
                                    metrics.metrics_for_year(con, catalogue, needed, 2020))
    figures, formatter = Figures(table, contracts, 2021), Formatter("half_up")
    assert formatter.table_cells(figures.get("points")) == ("个", "3", "2", "+50.0%")
    assert formatter.table_cells(figures.get("coverage")) == ("%", "30.0", "—", "—")
