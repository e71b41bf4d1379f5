"""Line breaking on the document grid and balanced titles, measured in the report's faces."""

from __future__ import annotations

import pytest

from annual_report.report.fonts import faces
from annual_report.report.narrative import Run
from annual_report.report.render import face_of
from annual_report.report.typeset import GRID, set_lines, title_lines


def _widths(lines) -> list[float]:
    """Each line's width with its letter-spacing, as printed (the last character's own width included)."""
    widths = []
    for line in lines:
        text = "".join(run.text for run in line.runs)
        natural = sum(face_of(run.style).width(run.text) * GRID.size for run in line.runs)
        widths.append(natural + (len(text) - 1) * line.spacing)
    return widths


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
