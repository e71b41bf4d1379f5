"""The PDF measured against GB/T 9704-2012: page, type area, grid, faces, masthead, title, closing,
colophon and page numbers, in millimetres, within 1 mm (lines flush to 0.3 mm).

The CJK faces' em box spans 0.88 em above the baseline and 0.12 below; positions of text are taken
from its em box, computed from the baseline pdfplumber reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest

from annual_report.pipeline import RunSummary

MM = 72 / 25.4
TOP, BINDING, OUTER, BOTTOM = 37.0, 28.0, 26.0, 35.0
WIDTH, HEIGHT = 156.0, 225.0
PITCH = HEIGHT / 22
BODY, SIZE_4, TITLE = 16 / MM, 14 / MM, 22 / MM   # em sizes in mm
CELL = BODY + (WIDTH - 28 * BODY) / 27   # an indent character: a 16 pt character and the grid's spacing
RED = (1.0, 0.0, 0.0)
TOLERANCE = 1.0
FLUSH = 0.3


@dataclass(frozen=True)
class Line:
    """Characters of one size sharing a baseline, in page millimetres."""

    text: str
    fonts: frozenset[str]
    size: float      # mm
    top: float       # em box top
    x0: float
    x1: float
    colour: tuple

    @property
    def bottom(self) -> float:
        return self.top + self.size


def lines(page: pdfplumber.page.Page, size_pt: float | None = None) -> list[Line]:
    """The page's text lines (optionally only those of one size), top to bottom."""
    rows: dict[tuple[float, float], list[dict]] = {}
    for char in page.chars:
        if size_pt is None or abs(char["size"] - size_pt) < 0.1:
            rows.setdefault((round(char["matrix"][5], 1), round(char["size"], 1)), []).append(char)
    found = []
    for (baseline, size), chars in rows.items():
        chars.sort(key=lambda c: c["x0"])
        ink = [c for c in chars if c["text"].strip()]
        size_mm = size / MM
        fonts = frozenset(re.sub(r"^[A-Z]+\+", "", c["fontname"]) for c in ink)   # without the subset prefix
        em_top = (page.height - baseline) / MM - 0.88 * size_mm
        found.append(Line("".join(c["text"] for c in chars).strip(), fonts, size_mm, em_top,
                          ink[0]["x0"] / MM, ink[-1]["x1"] / MM, tuple(ink[0]["non_stroking_color"])))
    return sorted(found, key=lambda line: (line.top, line.x0))


def edges(number: int) -> tuple[float, float]:
    """Left and right edge of the type area on a page: the binding edge is left on odd pages."""
    left = BINDING if number % 2 else OUTER
    return left, left + WIDTH


def full_width(page: pdfplumber.page.Page) -> list[dict]:
    """Filled rectangles as wide as the type area: rules, and the frames borders are drawn as."""
    return [r for r in page.rects if abs((r["x1"] - r["x0"]) / MM - WIDTH) < TOLERANCE]


def rules(page: pdfplumber.page.Page) -> list[dict]:
    """Horizontal rules as wide as the type area."""
    return [r for r in full_width(page) if r["height"] / MM < 1]


def colophon_rules(page: pdfplumber.page.Page) -> tuple[tuple[float, float], tuple[float, float], float]:
    """The colophon's first and last rule (top and bottom, in mm from the top of the page) and its left edge:
    a border is drawn as the frame between an outer and an inner rectangle."""
    frames = sorted({(r["top"] / MM, r["bottom"] / MM, r["x0"] / MM) for r in full_width(page)
                     if max(r["non_stroking_color"]) < 0.1}, key=lambda f: f[0] - f[1])
    (outer_top, outer_bottom, x0), (inner_top, inner_bottom, _) = frames[:2]
    return (outer_top, inner_top), (inner_bottom, outer_bottom), x0


@pytest.fixture(scope="module")
def pdf(sample_run: RunSummary):
    with pdfplumber.open(sample_run.files.pdf) as document:
        yield document


def test_pages_are_a4(pdf) -> None:
    for page in pdf.pages:
        assert page.width / MM == pytest.approx(210, abs=0.5) and page.height / MM == pytest.approx(297, abs=0.5)


def test_body_lines_fill_the_type_area_flush_both_sides(pdf) -> None:
    body_pages = [n for n in range(2, len(pdf.pages)) if any(
        "Report-FangSong" in line.fonts for line in lines(pdf.pages[n - 1], 16))][:-1]
    assert len(body_pages) >= 6
    for number in body_pages:
        left, right = edges(number)
        page_lines = [line for line in lines(pdf.pages[number - 1], 16)
                      if line.top < TOP + HEIGHT and not line.text.startswith("附件")]
        flush = [line for line in page_lines if abs(line.x1 - right) < FLUSH]
        for line, following in zip(page_lines, page_lines[1:]):
            assert line.x0 == pytest.approx(left, abs=0.2) or line.x0 == pytest.approx(left + 2 * CELL, abs=0.2), line
            assert line.x1 < right + FLUSH, line
            if line not in flush:  # a paragraph's last line: the next line starts a paragraph, indented
                assert following.x0 == pytest.approx(left + 2 * CELL, abs=0.2), (line, following)
        assert len(flush) >= len(page_lines) * 0.6


def test_full_body_page_has_22_lines_of_28_characters_on_the_grid(pdf) -> None:
    page_lines = lines(pdf.pages[2], 16)   # page 3: body text only
    assert len(page_lines) == 22
    assert page_lines[0].top == pytest.approx(TOP + (PITCH - BODY) / 2, abs=0.3)
    for i, line in enumerate(page_lines):
        shift = 0.3 if "Noto-Sans-CJK-SC" in line.fonts else 0   # Noto's line box sets its em box 0.84 pt lower
        assert line.top == pytest.approx(TOP + i * PITCH + (PITCH - BODY) / 2 + shift, abs=0.3), line
    chinese_only = [line for line in page_lines if re.fullmatch(r"[\u4e00-\u9fff，。、；：“”（）《》]{28}", line.text)]
    assert chinese_only, "no line of 28 full-width characters"
    left, right = edges(3)
    for line in chinese_only:
        assert (line.x0, line.x1) == (pytest.approx(left, abs=0.2), pytest.approx(right, abs=FLUSH))


def test_faces_by_role(pdf) -> None:
    page = lines(pdf.pages[1], 16)
    fonts = {line.text[:3]: line.fonts for line in page}
    assert fonts["一、推"] == {"Noto-Sans-CJK-SC"}            # level 1: 黑体
    assert fonts["（一）"] == {"Report-Kai"}                   # level 2: 楷体
    body = [line for line in page if not line.text.startswith(("一、", "（"))]
    assert all(line.fonts == {"Report-FangSong"} for line in body)   # body and level 3: 仿宋
    title = lines(pdf.pages[0], 22)[0]
    assert title.fonts == {"Noto-Serif-CJK-SC-Bold"} and title.colour == (0, 0, 0)


def test_masthead_red_rule_title_and_addressee(pdf) -> None:
    page = pdf.pages[0]
    masthead = next(line for line in lines(page) if line.colour == RED)
    assert masthead.text.replace("　", "") == "中共晋江市委晋江市人民政府"
    assert masthead.fonts == {"Noto-Serif-CJK-SC-Bold"}
    assert masthead.top == pytest.approx(TOP + 35, abs=TOLERANCE)
    assert (masthead.x0 + masthead.x1) / 2 == pytest.approx(BINDING + WIDTH / 2, abs=TOLERANCE)
    assert masthead.x1 - masthead.x0 <= WIDTH
    red_rule = next(r for r in rules(page) if r["non_stroking_color"] == RED)
    assert red_rule["x0"] / MM == pytest.approx(BINDING, abs=TOLERANCE)
    # no document number: its line stays, the rule 4 mm below where the number's em box would end
    number_bottom = masthead.bottom + 3 * PITCH - (PITCH - BODY) / 2
    assert red_rule["top"] / MM == pytest.approx(number_bottom + 4, abs=TOLERANCE)
    title = lines(page, 22)
    assert [line.text for line in title] == ["关于晋江市2021年法治政府工作的报告"]
    assert title[0].top == pytest.approx(red_rule["bottom"] / MM + 2 * PITCH + (PITCH - TITLE) / 2, abs=TOLERANCE)
    assert (title[0].x0 + title[0].x1) / 2 == pytest.approx(BINDING + WIDTH / 2, abs=TOLERANCE)
    addressee = lines(page, 16)[0]
    assert addressee.text == "中共泉州市委、泉州市人民政府："
    assert addressee.x0 == pytest.approx(BINDING, abs=0.2)
    title_line_bottom = title[-1].top - (PITCH - TITLE) / 2 + PITCH
    assert addressee.top == pytest.approx(title_line_bottom + PITCH + (PITCH - BODY) / 2, abs=TOLERANCE)


def test_signature_and_date_of_an_unsealed_report(pdf, sample_run: RunSummary) -> None:
    number, page = next((n, p) for n, p in enumerate(pdf.pages, start=1) if "2022年2月28日" in
                        [line.text for line in lines(p, 16)])
    left, right = edges(number)
    page_lines = lines(page, 16)
    date = next(line for line in page_lines if line.text == "2022年2月28日")
    signatures = page_lines[page_lines.index(date) - 2:page_lines.index(date)]
    assert [s.text for s in signatures] == ["中共晋江市委", "晋江市人民政府"]   # joint issuers, one a line
    assert max(s.x1 for s in signatures + [date]) == pytest.approx(right - 2 * CELL, abs=TOLERANCE)
    assert date.x0 == pytest.approx(signatures[0].x0 + 2 * CELL, abs=TOLERANCE)
    assert date.top - signatures[-1].top == pytest.approx(PITCH, abs=0.3)


def test_page_numbers_outer_edge_7mm_below_the_type_area(pdf) -> None:
    numbered = 0
    for number, page in enumerate(pdf.pages, start=1):
        footer = [line for line in lines(page, 14) if line.top > TOP + HEIGHT]
        page_number = [line for line in footer if line.text.startswith("—")]
        if not page_number:
            continue
        numbered += 1
        line = page_number[0]
        assert line.text.replace(" ", "") == f"—{number}—"
        assert line.fonts == {"Noto-Serif-CJK-SC"}
        assert line.top == pytest.approx(TOP + HEIGHT + 7, abs=TOLERANCE)
        left, right = edges(number)
        if number % 2:
            assert line.x1 == pytest.approx(right - SIZE_4, abs=TOLERANCE)
        else:
            assert line.x0 == pytest.approx(left + SIZE_4, abs=TOLERANCE)
    assert numbered >= len(pdf.pages) - 2


def test_colophon_on_the_last_even_page_with_its_rules(pdf) -> None:
    number = len(pdf.pages)
    assert number % 2 == 0
    page = pdf.pages[-1]
    left, right = edges(number)
    first, last, x0 = colophon_rules(page)
    assert last[1] == pytest.approx(TOP + HEIGHT, abs=0.3)        # the last rule on the type area's bottom edge
    for top, bottom in (first, last):
        assert bottom - top == pytest.approx(0.35, abs=0.05)
    assert x0 == pytest.approx(left, abs=0.3)
    printing = next(line for line in lines(page, 14) if line.text.endswith("印发"))
    assert printing.text.replace(" ", "").startswith("中共晋江市委办公室")
    assert printing.fonts == {"Report-FangSong"}
    assert printing.x0 == pytest.approx(left + SIZE_4, abs=TOLERANCE)
    assert printing.x1 == pytest.approx(right - SIZE_4, abs=TOLERANCE)
    assert first[1] < printing.top and printing.bottom < last[0]
    assert last[0] - printing.bottom < PITCH    # on the line just above the last rule


def test_attachment_follows_the_signature_on_its_own_page(pdf) -> None:
    number, page = next((n, p) for n, p in enumerate(pdf.pages, start=1)
                        if lines(p, 16) and lines(p, 16)[0].text == "附件")
    left, _ = edges(number)
    mark = lines(page, 16)[0]
    assert mark.fonts == {"Noto-Sans-CJK-SC"} and mark.x0 == pytest.approx(left, abs=0.2)
    title = lines(page, 22)[0]
    assert title.text == "晋江市2021年法治政府建设主要指标"
    assert title.top == pytest.approx(TOP + 2 * PITCH + (PITCH - TITLE) / 2, abs=TOLERANCE)   # on line 3


def test_html_preview_beside_the_pdf(sample_run: RunSummary) -> None:
    html = Path(sample_run.files.html).read_text(encoding="utf-8")
    assert 'class="line" style="letter-spacing:' in html and "<svg" in html
