"""Line breaking on the document grid and balanced titles, measured in the report's faces; adversarial paragraphs
for each glitch the greedy breaker printed (issue 14): a number parted from its unit, a date split, a paragraph
ending in one or two characters, a line spread far beyond the grid's pitch, adjacent punctuation left wide."""

from __future__ import annotations

import itertools
import re

import pytest

from annual_report.report.fonts import faces
from annual_report.report.narrative import Run
from annual_report.report.render import face_of
from annual_report.report.typeset import GRID, set_lines, settings, title_lines

PARTED = re.compile(r"[0-9]\|(?:个|件|人|家|次|场|万元|元|%|名|户|项|所|条|篇|天|小时|余|起|年|月|日)|[0-9][年月]\|[0-9]")


def _widths(lines) -> list[float]:
    """Each line's width with its letter-spacing, as printed (the last character's own width included), a
    half-width character half an em narrower."""
    widths = []
    for line in lines:
        text = "".join(run.text for run in line.runs)
        natural = sum(face_of(run.style).width(run.text) * GRID.size for run in line.runs)
        widths.append(natural + (len(text) - 1) * line.spacing - len(line.halved) * GRID.size / 2)
    return widths


def _printed(lines) -> list[str]:
    return ["".join(run.text for run in line.runs) for line in lines]


def test_full_lines_fill_the_measure_and_keep_punctuation_rules() -> None:
    text = "认真落实党中央、国务院关于法治政府建设的决策部署，" * 6 + "平均压缩91.6%，网上可办率99.21%。"
    lines = set_lines([Run(text)], face_of)
    widths = _widths(lines)
    assert widths[0] == pytest.approx(GRID.width - 2 * GRID.cell, abs=0.01)
    assert all(w == pytest.approx(GRID.width, abs=0.01) for w in widths[1:-1])
    printed = ["".join(run.text for run in line.runs) for line in lines]
    assert "".join(printed) == text
    assert not any(line[0] in "，。、；：）》”%" or line[-1] in "（《“" for line in printed)
    assert not any(line.startswith(("1.6", "6%", ".21", "21%")) for line in printed)   # numbers stay whole
    assert lines[-1].spacing == pytest.approx(GRID.spacing)   # the last line is not stretched


def test_runs_keep_their_styles_across_lines() -> None:
    lines = set_lines([Run("（一）依法履职尽责。", "level-2"), Run("市委、市政府主要领导严格执行有关规定。" * 3)], face_of)
    assert lines[0].runs[0] == Run("（一）依法履职尽责。", "level-2")
    assert {run.style for line in lines[1:] for run in line.runs} == {"body"}


@pytest.mark.parametrize(("title", "expected"), [
    ("关于晋江市2021年法治政府工作的报告", ["关于晋江市2021年法治政府工作的报告"]),
    ("青岚县司法局关于2021年度法治政府建设工作情况的报告", ["青岚县司法局关于2021年度", "法治政府建设工作情况的报告"]),
])
def test_titles_break_at_words_into_a_trapezoid(title: str, expected: list[str]) -> None:
    assert title_lines(title, faces()["xiaobiaosong"], 22) == expected


def test_a_long_title_is_a_diamond_or_trapezoid_of_whole_words() -> None:
    face = faces()["xiaobiaosong"]
    title = "中共青岚县委全面依法治县委员会办公室关于印发县司法局2021年行政复议和行政应诉工作情况的通报"
    lines = title_lines(title, face, 22)
    widths = [face.width(line) for line in lines]
    assert len(lines) == 3 and "".join(lines) == title
    assert widths[1] >= max(widths[0], widths[2]) or widths == sorted(widths)
    assert all(not line.startswith(("治县", "员会")) for line in lines)


@pytest.mark.parametrize("lead", range(28))
def test_a_number_keeps_its_unit_and_a_date_stays_whole(lead: int) -> None:
    # the greedy breaker printed 问题721 | 个。 and 2021 | 年11月9日
    text = "字" * lead + "解答问题721个，2021年11月9日命名，核拨118.3万元，接待22000余人次，办结率100%。" + "字" * 40 + "。"
    printed = _printed(set_lines([Run(text)], face_of))
    assert "".join(printed) == text
    assert not [f"{a}|{b}" for a, b in itertools.pairwise(printed) if PARTED.search(f"{a[-6:]}|{b[:6]}")]
    assert any("2021年11月9日" in line for line in printed)


@pytest.mark.parametrize("tail", [1, 2])
@pytest.mark.parametrize("full_lines", [1, 2, 5])
def test_no_last_line_of_one_or_two_characters_where_it_can_be_avoided(tail: int, full_lines: int) -> None:
    # the greedy breaker ended paragraphs in 化。 and 务。: the lines before are loosened to bring more down
    text = ("认真落实党中央国务院关于法治政府建设的决策部署" * 12)[:26 + 28 * full_lines + tail - 1] + "。"
    lines = set_lines([Run(text)], face_of)
    assert len(_printed(lines)[-1]) >= 3
    assert all(abs(width - GRID.width) < 0.01 for width in _widths(lines)[1:-1])


@pytest.mark.parametrize("lead", range(0, 28, 3))
def test_justified_lines_stay_within_a_tenth_of_an_em_of_the_grid(lead: int) -> None:
    # an unbreakable unit at a line's end left the greedy breaker a line spread to 17 pt a character and more
    text = ("字" * lead + "，忠诚拥护“两个确立”，增强“四个意识”、坚定“四个自信”，累计接待参观学习210场22000余人次，"
            "举报电话12345678901，并于2021年5月获确定为“福建省防范经济犯罪宣传基地”。" + "字" * 30 + "。")
    lines = set_lines([Run(text)], face_of)
    for line in lines[:-1]:
        assert -0.02 * GRID.size - 1e-9 <= line.spacing - GRID.spacing <= 0.1 * GRID.size + 1e-9, _printed([line])
    assert all(abs(width - GRID.width) < 0.01 for width in _widths(lines)[1:-1])


def test_adjacent_punctuation_is_set_half_width_and_lines_still_fill_the_measure() -> None:
    text = ("出台《法治晋江建设规划（2021-2025年）》（晋委发〔2021〕9号），查找“难点”“痛点”“堵点”，"
            "他说：“好。”——" * 4)
    lines = set_lines([Run(text)], face_of)
    halved = {line_text[i:i + 2] for line, line_text in zip(lines, _printed(lines)) for i in line.halved}
    assert halved == {"）》", "》（", "），", "”“", "”，", "：“", "。”"}   # not ——, nor a mark beside a character
    assert all(abs(width - GRID.width) < 0.01 for width in _widths(lines)[1:-1])
    assert "".join(_printed(lines)) == text


def test_a_word_wider_than_the_measure_is_set_least_badly() -> None:
    text = "网址" + "a" * 120 + "，其余照常。"
    lines = set_lines([Run(text)], face_of)
    assert "".join(_printed(lines)) == text


def test_settings_give_each_count_of_lines_the_paragraph_can_be_set_in() -> None:
    text = ("认真落实党中央国务院关于法治政府建设的决策部署" * 20)[:26 + 28 * 9 + 20] + "。"
    found = settings([Run(text)], face_of)
    assert set(found) == {11, 12}
    assert found[11].cost < found[12].cost
    for count, setting in found.items():
        assert len(setting.lines) == count and "".join(_printed(setting.lines)) == text
