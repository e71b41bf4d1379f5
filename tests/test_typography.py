"""The report's typesetting as a proofreader checks it, measured on the PDF's characters (pdfplumber): no number
parted from its unit nor a date from itself across a line or a page, no widow or orphan line, no paragraph ending
in a line of one or two characters, justified lines within 0.1 em of the grid's character pitch, adjacent
punctuation compressed (标点挤压), and every page before the body's last full (issue 14's glitches)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import polars as pl
import pytest
from test_layout import CELL, HEIGHT, MM, TOP, edges
from test_report import _spec

from annual_report.pipeline import RunSummary
from annual_report.report import render
from annual_report.report.fonts import faces
from annual_report.report.spec import load_spec
from annual_report.settings import Settings

SIZE = 16.0                      # pt
GRID_PITCH = CELL * MM           # pt: a full-width character and the grid's letter-spacing
STRETCH, SHRINK = 0.1, 0.02      # em the justified lines may stray from the grid's pitch by
MEASURE_WORDS = "个|件|人|家|次|场|万元|元|%|名|户|项|所|条|篇|天|小时|余|起|年|月|日"
PARTED = re.compile(rf"[0-9]\|(?:{MEASURE_WORDS})|[0-9][年月]\|[0-9]")   # a line (or page) break shown as |
PUNCTUATION = "，。、；：？！）》」』】〕”’（《「『【〔“‘"
IDEOGRAPH = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class BodyLine:
    """A line of the body as printed: its page, its characters left to right, and whether it is indented (a
    paragraph's or a heading's first line)."""

    page: int
    chars: tuple[dict, ...]
    indented: bool

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars).strip()

    @property
    def top(self) -> float:
        return self.chars[0]["top"] / MM


def body_lines(pdf: pdfplumber.PDF) -> list[BodyLine]:
    """The body's lines in reading order, the addressee to the date: 16 pt lines in the type area that start at
    its left edge or two characters in (the signature and the date, set to the right, left out)."""
    found = []
    for number, page in enumerate(pdf.pages, start=1):
        rows: dict[float, list[dict]] = {}
        for char in page.chars:
            if abs(char["size"] - SIZE) < 0.1 and char["top"] / MM < TOP + HEIGHT:
                rows.setdefault(round(char["matrix"][5], 1), []).append(char)
        left, _ = edges(number)
        for _, chars in sorted(rows.items(), reverse=True):
            chars.sort(key=lambda c: c["x0"])
            x0 = chars[0]["x0"] / MM
            if chars[0]["text"] == "附" and "".join(c["text"] for c in chars).strip() == "附件":
                return found   # the attachment's pages
            if abs(x0 - left) < 0.3 or abs(x0 - left - 2 * CELL) < 0.3:
                found.append(BodyLine(number, tuple(chars), abs(x0 - left) > 0.3))
    return found


def paragraph_ends(body: list[BodyLine]) -> list[bool]:
    """For each line whether it ends its paragraph: the next line starts one (indented), or it is the last."""
    return [following is None or following.indented for following in [*body[1:], None]]


def widows_and_orphans(body: list[BodyLine]) -> list[str]:
    ends = paragraph_ends(body)
    found = []
    for i, (line, following) in enumerate(itertools.pairwise(body)):
        if following.page != line.page:
            if line.indented and not following.indented:
                found.append(f"orphan at the foot of page {line.page}: {line.text}")
            if not following.indented and ends[i + 1]:
                found.append(f"widow at the head of page {following.page}: {following.text}")
    return found


@pytest.fixture(scope="module")
def body(sample_run: RunSummary) -> list[BodyLine]:
    with pdfplumber.open(sample_run.files.pdf) as pdf:
        return body_lines(pdf)


def test_the_body_is_found(body: list[BodyLine]) -> None:
    text = "".join(line.text for line in body)
    assert text.startswith("中共泉州市委、泉州市人民政府：2021年，晋江市")
    assert text.endswith("附件：晋江市2021年法治政府建设主要指标")
    assert len({line.page for line in body}) >= 9


def test_no_number_parts_from_its_unit_nor_a_date_from_itself(body: list[BodyLine]) -> None:
    # page 5 ended "问题721" and page 6 began "个。"; a line ended "2021" and the next began "年11月9日"
    parted = [f"page {line.page}: {line.text[-6:]}|{following.text[:6]}" for line, following in itertools.pairwise(body)
              if PARTED.search(f"{line.text[-6:]}|{following.text[:6]}")]
    assert not parted


def test_no_widow_and_no_orphan(body: list[BodyLine]) -> None:
    # page 2 began with the last line of the opening paragraph alone: 报告如下：
    assert not widows_and_orphans(body)


def test_no_paragraph_ends_in_a_line_of_one_or_two_characters(body: list[BodyLine]) -> None:
    # paragraphs ended in 化。 and 务。
    short = [f"page {line.page}: {line.text}" for line, end in zip(body, paragraph_ends(body))
             if end and not line.indented and len(line.text) <= 2]
    assert not short


def _pitches(line: BodyLine) -> list[float]:
    """The advance from each ideograph to the next, where the next follows it directly (pt)."""
    return [b["x0"] - a["x0"] for a, b in zip(line.chars, line.chars[1:])
            if IDEOGRAPH.fullmatch(a["text"]) and IDEOGRAPH.fullmatch(b["text"])]


def test_justified_lines_stay_within_a_tenth_of_an_em_of_the_grid_pitch(body: list[BodyLine]) -> None:
    justified = [line for line, end in zip(body, paragraph_ends(body)) if not end]
    assert len(justified) > 150
    for line in justified:
        assert all(GRID_PITCH - SHRINK * SIZE - 0.05 < p < GRID_PITCH + STRETCH * SIZE + 0.05
                   for p in _pitches(line)), (line.page, line.text, max(_pitches(line)))


def punctuation_gaps(body: list[BodyLine]) -> list[str]:
    """Adjacent punctuation in 仿宋 left wide: the blank from one mark's ink to the next's wider than a character,
    or, where their blank halves face each other, the first not set half-width."""
    fangsong = faces()["fangsong"]
    found = []
    for line in body:
        for a, b in zip(line.chars, line.chars[1:]):
            if a["text"] in PUNCTUATION and b["text"] in PUNCTUATION and all(
                    "FangSong" in c["fontname"] for c in (a, b)):
                (_, a_right), (b_left, _) = fangsong.ink(a["text"]), fangsong.ink(b["text"])
                advance = b["x0"] - a["x0"]
                facing = a_right <= 0.5 or b_left >= 0.5
                if advance + (b_left - a_right) * SIZE > SIZE or facing and advance > (0.5 + STRETCH) * SIZE:
                    found.append(f"page {line.page}: {a['text']}{b['text']} {advance:.1f} pt in {line.text}")
    return found


def test_adjacent_punctuation_is_compressed(body: list[BodyLine]) -> None:
    # ）， and ”， left gaps of about a character and a half; “难点”“痛点” and ，“ more than a character
    pairs = [f"{a['text']}{b['text']}" for line in body for a, b in zip(line.chars, line.chars[1:])]
    assert {"），", "”“", "，“"} <= set(pairs)
    assert not punctuation_gaps(body)


def test_every_page_between_the_first_and_the_last_of_the_body_is_full(body: list[BodyLine]) -> None:
    # page 1 holds the addressee and 9 lines below it, and the opening paragraph cannot be set in 9 lines nor in 11
    # within the bounds: its last line goes to page 2 with the one before it, leaving page 1 a line short
    for page in sorted({line.page for line in body})[1:-1]:
        assert len([line for line in body if line.page == page]) == 22, page


# adversarial paragraphs: a page break that would leave a widow, an orphan, a heading at the foot
FULL = "这是一段用于测试版面的正文内容，"


def _rendered_body(tmp_path: Path, contracts, narrative: str) -> list[BodyLine]:
    spec = load_spec(_spec(tmp_path, narrative))
    rendered = render.render(render.report_context(spec, pl.DataFrame(), contracts, 2021),
                             Settings.from_env().templates)
    with pdfplumber.open(render.write_pdf(rendered, tmp_path / "out" / "test.pdf")) as pdf:
        return body_lines(pdf)


@pytest.mark.parametrize("lines", range(1, 10))
def test_a_paragraph_across_a_page_break_leaves_no_widow_nor_orphan(tmp_path: Path, contracts, lines: int) -> None:
    # page 1 holds the addressee and 9 lines below it: a paragraph of 1 to 9 lines puts the page break everywhere in
    # the next, of 8 lines (an orphan after 8, a widow after 2); a short paragraph ends the body
    narrative = (FULL * 20)[:lines * 28 - 4] + "。\n\n" + (FULL * 20)[:8 * 28 - 12] + "。\n\n以上报告。"
    body = _rendered_body(tmp_path, contracts, narrative)
    assert not widows_and_orphans(body)
    first = [line for line in body if line.page == 1]
    assert len(first) == 10   # page 1 full: a paragraph set a line longer where the break would strand one
    assert "".join(line.text for line in body).count("。") == 3


def test_a_heading_is_not_left_at_the_foot_of_a_page(tmp_path: Path, contracts) -> None:
    # 30 lines fill page 1 and 21 lines of page 2: the heading would be its last line
    narrative = (FULL * 60)[:30 * 28 - 4] + "。\n\n# 标题\n\n" + (FULL * 20)[:5 * 28 - 4] + "。"
    body = _rendered_body(tmp_path, contracts, narrative)
    heading = next(i for i, line in enumerate(body) if line.text == "一、标题")
    assert body[heading + 1].page == body[heading].page
    assert not widows_and_orphans(body)
    assert len([line for line in body if line.page == 2]) == 22
