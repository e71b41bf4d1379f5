"""Formatting filters, rounding rules, the attachment's table cells, heading numbering, missing-figure errors and
filters refusing a figure of a unit they do not print."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from annual_report.report.figures import (
    Figure,
    Figures,
    FilterError,
    Formatter,
    Gap,
    MissingFigureError,
    UnknownMetricError,
    cn_date,
)
from annual_report.report.narrative import (
    Block,
    NarrativeError,
    Run,
    chinese_numeral,
    fill_placeholders,
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


@pytest.mark.parametrize(("wording", "value", "prior", "printed"), [
    ("上升/下降", 2433, 3501, "下降30.5%"),
    ("增加/减少", 3501, 2433, "增加43.9%"),
    ("增加/减少", 2433, 3501, "减少30.5%"),
    ("提高/降低", 3501, 2433, "提高43.9%"),
    ("提高/降低", 2433, 3501, "降低30.5%"),
    ("增加/减少", 100, 100, "持平"),
])
def test_yoy_in_each_wording(wording: str, value: float, prior: float, printed: str) -> None:
    assert Formatter("half_up").yoy(figure(value, prior=prior), 1, wording) == printed


@pytest.mark.parametrize(("rounding", "f", "arguments", "printed"), [
    ("half_up", figure(209, "件", 197), (), "增加12件"),
    ("half_up", figure(194, "件", 197), (), "减少3件"),
    ("half_up", figure(197, "件", 197), (), "持平"),
    ("half_up", figure(194, "件", 197), (0, "上升/下降"), "下降3件"),
    ("half_up", figure(209, "件", 197), (0, "提高/降低"), "提高12件"),
    ("half_up", figure(3501, "件", 0), (), "增加3501件"),  # from zero: no relative change, but a difference
    ("half_up", figure(1183000.5, "元", 1183000), (), "增加1元"),
    ("truncate", figure(1183000.5, "元", 1183000), (), "持平"),  # 0.5 truncated to 0
    ("truncate", figure(1183000.5, "元", 1183000), (1,), "增加0.5元"),
    ("half_up", figure(80.25, "人次", 81), (1,), "减少0.8人次"),  # half-up on the difference, 0.75
])
def test_diff_is_the_change_in_the_figures_own_unit(rounding: str, f: Figure, arguments: tuple, printed: str) -> None:
    assert Formatter(rounding).diff(f, *arguments) == printed


def test_diff_without_prior_year_names_the_metric() -> None:
    with pytest.raises(MissingFigureError, match="'x'.*prior-year"):
        Formatter("half_up").diff(figure(5))


def test_an_unknown_wording_is_refused_naming_the_metric_and_the_wordings() -> None:
    formatter = Formatter("half_up")
    with pytest.raises(FilterError, match=r"'x' \(测试\) with `yoy` in the wording '增加', which is none of "
                                          r"上升/下降, 增加/减少, 提高/降低, 提高/下降"):
        formatter.yoy(figure(5, prior=4), 1, "增加")
    with pytest.raises(FilterError, match="`diff` in the wording '减少/增加'"):
        formatter.diff(figure(5, prior=4), 0, "减少/增加")
    with pytest.raises(FilterError, match="`points` in the wording '上升'"):
        formatter.points(figure(0.5, "%", 0.4), 1, wording="上升")


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


def test_points_in_another_wording() -> None:
    formatter = Formatter("half_up")
    assert formatter.points(figure(0.098, "%", 0.121), 1, wording="提高/降低") == "降低2.3个百分点"
    assert formatter.points(figure(0.998, "%", 0.975), 1, wording="上升/下降") == "上升2.3个百分点"


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


def test_count_and_number_round_to_the_decimals_given() -> None:
    assert Formatter("half_up").count(figure(3.45, "件")) == "3件"
    assert Formatter("half_up").count(figure(3.45, "件"), 1) == "3.5件"
    assert Formatter("truncate").count(figure(3.45, "件"), 1) == "3.4件"
    assert Formatter("half_up").number(figure(3.45, "件"), 1) == "3.5"


def test_count_prints_the_phrase_for_zero_where_the_value_prints_as_zero() -> None:
    formatter = Formatter("half_up")
    assert formatter.count(figure(0), zero="暂无") == "暂无"
    assert formatter.count(figure(3), zero="暂无") == "3件"
    assert formatter.count(figure(0)) == "0件"           # without a phrase, a zero prints as one
    assert formatter.count(figure(0.04, "件"), 1, zero="暂无") == "暂无"
    assert formatter.count(figure(0.05, "件"), 1, zero="暂无") == "0.1件"


RATE, COUNT, YUAN = figure(0.5, "%", 0.4), figure(5, "件", 4), figure(1183000, "元", 1000000)


@pytest.mark.parametrize(("name", "arguments", "unit", "refusal"), [
    ("pct", (COUNT,), "件", "prints only figures in '%'"),
    ("pct", (YUAN, 1), "元", "prints only figures in '%'"),
    ("points", (COUNT, 1), "件", "prints only figures in '%'"),
    ("points", (RATE, 1, COUNT), "件", "prints only figures in '%'"),   # against a count
    ("count", (RATE,), "%", "does not print figures in '%'"),
    ("number", (RATE,), "%", "does not print figures in '%'"),
    ("approx", (RATE, 1000), "%", "does not print figures in '%'"),
    ("diff", (RATE,), "%", "does not print figures in '%'"),
    ("yoy", (RATE, 1), "%", "does not print figures in '%'"),
    ("wan", (COUNT, 1), "件", "prints only figures in '元'"),
    ("wan", (RATE, 1), "%", "prints only figures in '元'"),
])
@pytest.mark.parametrize("draft", [False, True])
def test_a_filter_refuses_a_figure_of_a_unit_it_does_not_print(name: str, arguments: tuple, unit: str,
                                                               refusal: str, draft: bool) -> None:
    """In a draft too: a wrong unit is the narrative's mistake, not a gap in the data."""
    filter_ = Formatter("half_up").filters(draft)[name]
    with pytest.raises(FilterError, match=rf"metric 'x' \(测试\), whose unit is '{unit}', with `{name}`, which {refusal}"):
        filter_(*arguments)


def test_each_filter_prints_the_figures_of_its_units() -> None:
    filters = Formatter("half_up").filters()
    printed = [filters["pct"](RATE), filters["points"](RATE, 1, RATE), filters["count"](YUAN),
               filters["number"](COUNT), filters["approx"](YUAN, 10000), filters["diff"](YUAN),
               filters["yoy"](COUNT), filters["wan"](YUAN)]
    assert printed == ["50.0%", "持平", "1183000元", "5", "1180000余元", "增加183000元", "上升25.0%", "118.3万元"]


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
    assert gap == Gap("受理法律援助案件", "legal_aid_cases")
    filters = Formatter("half_up").filters(draft=True)
    assert filters["count"](gap) == "【待补：受理法律援助案件】"
    assert filters["yoy"](figure(5), 1) == "【待补：测试（x）上年数据】"
    with pytest.raises(MissingFigureError, match="'legal_aid_casez'"):  # a typo is not a gap
        Figures(_metrics(None), contracts, 2021, draft=True).legal_aid_casez


def test_a_draft_marks_gaps_for_the_new_filters_and_their_keywords() -> None:
    filters = Formatter("half_up").filters(draft=True)
    gap = Gap("受理法律援助案件")
    assert filters["count"](gap, zero="暂无") == "【待补：受理法律援助案件】"
    assert filters["diff"](figure(5)) == "【待补：测试（x）上年数据】"
    assert filters["points"](figure(0.5, "%"), 1, base=gap) == "【待补：受理法律援助案件】"


def test_the_narrative_passes_arguments_and_keywords_to_the_filters() -> None:
    text = ("{{ m.x | count(zero='暂无') }}，{{ m.y | count(zero='暂无') }}，{{ m.y | diff }}，"
            "{{ m.y | yoy(1, '增加/减少') }}，{{ m.r | points(1, wording='提高/降低') }}。")
    context = {"m": {"x": figure(0), "y": figure(12, "件", 15), "r": figure(0.4, "%", 0.5)}}
    for draft in (False, True):
        filled = fill_placeholders(text, context, Formatter("half_up").filters(draft))
        assert filled == "暂无，12件，减少3件，减少20.0%，降低10.0个百分点。"


def test_series_is_largest_first_with_other_last(contracts) -> None:
    metrics = pl.DataFrame({"metric_id": ["s.甲", "s.其他", "s.乙", "t.丙"], "label": ["甲", "其他", "乙", "丙"],
                            "value": [1.0, 9.0, 5.0, 7.0], "unit": ["件"] * 4, "prior_value": [None] * 4,
                            "change": [None] * 4, "datasets": [["legal_aid_cases"]] * 4})
    assert [f.label for f in Figures(metrics, contracts, 2021).series("s")] == ["乙", "甲", "其他"]
    with pytest.raises(MissingFigureError, match="series 'u' has no rows"):
        Figures(metrics, contracts, 2021).series("u")


def test_a_misspelt_metric_is_named_with_the_nearest_one(contracts) -> None:
    with pytest.raises(UnknownMetricError, match="'legal_aid_casez'.*did you mean 'legal_aid_cases'"):
        Figures(_metrics(3.0), contracts, 2021).legal_aid_casez


def test_a_figure_without_a_filter_is_refused_not_printed(contracts) -> None:
    with pytest.raises(FilterError, match="prints metric 'legal_aid_cases' .* without a filter"):
        fill_placeholders("共{{ m.legal_aid_cases }}。", {"m": Figures(_metrics(3.0), contracts, 2021)},
                          Formatter("half_up").filters())


@pytest.mark.parametrize(("text", "message"), [
    ("一\n\n共{{ m.x | pcnt(1) }}。", "line 3 of the narrative: No filter named 'pcnt'"),
    ("共{{ m.x | count }。", "line 1 of the narrative: unexpected '}'"),
])
def test_a_placeholder_jinja_cannot_read_names_its_line(text: str, message: str) -> None:
    with pytest.raises(NarrativeError, match=message):
        fill_placeholders(text, {"m": {}}, Formatter("half_up").filters())


def test_a_category_of_a_metric_by_category_is_addressed_by_its_name(contracts) -> None:
    metrics = pl.DataFrame({"metric_id": ["share.县级政府部门", "share.其他"], "label": ["县级政府部门", "其他"],
                            "value": [0.353, 0.647], "unit": ["%"] * 2, "prior_value": [None] * 2,
                            "change": [None] * 2, "datasets": [["reconsiderations"]] * 2})
    text = "{{ m.share['县级政府部门'] | pct(1) }}"
    filled = fill_placeholders(text, {"m": Figures(metrics, contracts, 2021)}, Formatter("half_up").filters())
    assert filled == "35.3%"
    with pytest.raises(MissingFigureError, match="'share.乡镇'"):
        Figures(metrics, contracts, 2021).share["乡镇"]


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
