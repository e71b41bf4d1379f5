"""Formatting filters, rounding rules, the attachment's table cells, heading numbering and missing-figure errors."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from annual_report.report.figures import (
    Figure,
    Figures,
    Formatter,
    Gap,
    MissingFigureError,
    cn_date,
)
from annual_report.report.narrative import (
    Block,
    NarrativeError,
    Run,
    chinese_numeral,
    narrative_blocks,
)


def figure(value: float, unit: str = "件", prior: float | None = None) -> Figure:
    change = None if prior is None or prior == 0 else (value - prior) / prior
    return Figure("x", "测试", value, unit, prior, change)


@pytest.mark.parametrize(("rounding", "value", "decimals", "printed"), [
    ("half_up", 0.99937, 1, "99.9%"),
    ("half_up", 0.45569, 1, "45.6%"),
    ("truncate", 0.45569, 1, "45.5%"),
    ("half_up", 0.9921, 2, "99.21%"),
    ("half_up", 0.91650, 1, "91.7%"),   # half-up, not banker's rounding
    ("half_up", 1.0, 0, "100%"),
])
def test_pct(rounding: str, value: float, decimals: int, printed: str) -> None:
    assert Formatter(rounding).pct(figure(value, "%"), decimals) == printed


@pytest.mark.parametrize(("value", "prior", "printed"), [
    (3501, 2433, "上升43.9%"),
    (2433, 3501, "下降30.5%"),
    (100, 100, "持平"),
    (10000, 9999, "持平"),  # +0.01% rounds to 0.0%
])
def test_yoy(value: float, prior: float, printed: str) -> None:
    assert Formatter("half_up").yoy(figure(value, prior=prior), 1) == printed


def test_yoy_without_prior_year_names_the_metric() -> None:
    with pytest.raises(MissingFigureError, match="'x'.*prior-year"):
        Formatter("half_up").yoy(figure(5), 1)


@pytest.mark.parametrize(("value", "prior", "printed"), [
    (0.998, 0.975, "提高2.3个百分点"),
    (0.098, 0.121, "下降2.3个百分点"),
    (0.5, 0.5, "持平"),
    (0.50004, 0.5, "持平"),   # +0.004 points rounds to 0.0
    (0.91650, 0.9, "提高1.7个百分点"),  # half-up on the difference
])
def test_points_against_the_prior_year(value: float, prior: float, printed: str) -> None:
    assert Formatter("half_up").points(figure(value, "%", prior), 1) == printed


def test_points_against_another_rate_and_without_a_prior_year() -> None:
    formatter = Formatter("truncate")
    assert formatter.points(figure(0.81, "%"), 1, figure(0.70, "%")) == "提高11.0个百分点"
    with pytest.raises(MissingFigureError, match="'x'.*prior-year.*percentage points"):
        formatter.points(figure(0.81, "%"), 1)


@pytest.mark.parametrize(("f", "cells"), [
    (figure(3501, "件", 2433), ("件", "3501", "2433", "+43.9%")),
    (figure(2433, "件", 3501), ("件", "2433", "3501", "-30.5%")),
    (figure(197, "件"), ("件", "197", "—", "—")),
    (figure(0.999, "%", 0.976), ("%", "99.9", "97.6", "+2.3个百分点")),
    (figure(1183000, "元"), ("万元", "118.3", "—", "—")),
    (figure(5, "件", 5), ("件", "5", "5", "持平")),
    (figure(5, "件", 0), ("件", "5", "0", "—")),  # no relative change from zero
])
def test_table_cells(f: Figure, cells: tuple[str, ...]) -> None:
    assert Formatter("half_up").table_cells(f) == cells


def test_count_wan_approx_and_dates() -> None:
    formatter = Formatter("half_up")
    assert formatter.count(figure(197)) == "197件"
    assert formatter.wan(figure(1183000, "元"), 1) == "118.3万元"
    assert formatter.approx(figure(22468, "人次"), 1000) == "22000余人次"
    assert cn_date(dt.date(2022, 2, 8)) == "2022年2月8日"


def _metrics(value: float | None) -> pl.DataFrame:
    return pl.DataFrame({"metric_id": ["legal_aid_cases"], "label": ["受理法律援助案件"], "value": [value],
                         "unit": ["件"], "prior_value": [None], "change": [None],
                         "datasets": [["legal_aid_cases"]]})


def test_metric_without_data_names_metric_and_dataset(contracts) -> None:
    with pytest.raises(MissingFigureError, match=r"legal_aid_cases.*法律援助案件台账.*inputs/2021/法律援助中心/"):
        Figures(_metrics(None), contracts, 2021).legal_aid_cases


def test_unknown_metric_is_named(contracts) -> None:
    with pytest.raises(MissingFigureError, match="'legal_aid_casez'"):
        Figures(_metrics(3.0), contracts, 2021).legal_aid_casez


def test_a_draft_marks_a_figure_without_data_as_a_gap(contracts) -> None:
    gap = Figures(_metrics(None), contracts, 2021, draft=True).legal_aid_cases
    assert gap == Gap("受理法律援助案件")
    filters = Formatter("half_up").filters(draft=True)
    assert filters["count"](gap) == "【待补：受理法律援助案件】"
    assert filters["yoy"](figure(5), 1) == "【待补：测试（x）上年数据】"
    with pytest.raises(MissingFigureError, match="'legal_aid_casez'"):  # a typo is not a gap
        Figures(_metrics(None), contracts, 2021, draft=True).legal_aid_casez


def test_series_is_largest_first_with_other_last(contracts) -> None:
    metrics = pl.DataFrame({"metric_id": ["s.甲", "s.其他", "s.乙", "t.丙"], "label": ["甲", "其他", "乙", "丙"],
                            "value": [1.0, 9.0, 5.0, 7.0], "unit": ["件"] * 4, "prior_value": [None] * 4,
                            "change": [None] * 4, "datasets": [["legal_aid_cases"]] * 4})
    assert [f.label for f in Figures(metrics, contracts, 2021).series("s")] == ["乙", "甲", "其他"]
    with pytest.raises(MissingFigureError, match="series 'u' has no rows"):
        Figures(metrics, contracts, 2021).series("u")


@pytest.mark.parametrize(("n", "numeral"), [(1, "一"), (5, "五"), (10, "十"), (12, "十二"), (20, "二十"), (23, "二十三")])
def test_chinese_numerals(n: int, numeral: str) -> None:
    assert chinese_numeral(n) == numeral


def test_headings_number_themselves_and_run_in() -> None:
    blocks = narrative_blocks("# 甲\n\n## 乙\n\n### 丙。\n\n正文。\n\n### 丁。\n\n正文。\n\n## 戊。\n\n正文。\n\n# 己\n\n## 庚\n")
    assert blocks[0] == Block(1, (Run("一、甲", "level-1"),))
    assert blocks[1] == Block(2, (Run("（一）乙", "level-2"),))
    assert blocks[3] == Block(0, (Run("2．丁。", "level-3"), Run("正文。")))
    assert blocks[4] == Block(0, (Run("（二）戊。", "level-2"), Run("正文。")))
    assert [b.text for b in blocks[5:]] == ["二、己", "（一）庚"]


def test_narrative_keeps_markup_as_text_and_refuses_lists_and_emphasis() -> None:
    assert narrative_blocks("段落<img src=x>\n接续")[0].text == "段落<img src=x>接续"  # escaped by the template
    with pytest.raises(NarrativeError, match="line 1"):
        narrative_blocks("- 列表\n")
    with pytest.raises(NarrativeError, match="line 3: only plain text.*em_open"):
        narrative_blocks("甲\n\n*强调*\n")
