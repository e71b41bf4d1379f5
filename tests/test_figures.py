"""Formatting filters, rounding rules, heading numbering and missing-figure errors."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from annual_report.figures import Figure, Figures, Formatter, MissingFigureError, cn_date
from annual_report.narrative import NarrativeError, chinese_numeral, narrative_html


def figure(value: float, unit: str = "件", prior: float | None = None) -> Figure:
    change = None if prior is None else (value - prior) / prior
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


@pytest.mark.parametrize(("n", "numeral"), [(1, "一"), (5, "五"), (10, "十"), (12, "十二"), (20, "二十"), (23, "二十三")])
def test_chinese_numerals(n: int, numeral: str) -> None:
    assert chinese_numeral(n) == numeral


def test_headings_number_themselves_and_run_in() -> None:
    html = narrative_html("# 甲\n\n## 乙\n\n### 丙。\n\n正文。\n\n### 丁。\n\n正文。\n\n## 戊。\n\n正文。\n\n# 己\n\n## 庚\n")
    assert '<h2 class="level-1"><span class="number">一、</span>甲</h2>' in html
    assert '<h3 class="level-2"><span class="number">（一）</span>乙</h3>' in html
    assert '<p><span class="run-in level-3"><span class="number">2．</span>丁。</span>正文。</p>' in html
    assert '<span class="run-in level-2"><span class="number">（二）</span>戊。</span>' in html
    assert '<span class="number">二、</span>己' in html and '<span class="number">（一）</span>庚' in html


def test_narrative_escapes_markup_and_refuses_lists() -> None:
    assert "&lt;img src=x&gt;" in narrative_html("段落<img src=x>")
    with pytest.raises(NarrativeError, match="line 1"):
        narrative_html("- 列表\n")
