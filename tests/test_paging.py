"""The body's page breaks: a paragraph set a line longer or shorter, where that keeps widows and orphans off the
pages and the pages full; a page left short (as the CSS would leave it) only where nothing else can."""

from __future__ import annotations

import pytest

from annual_report.report.paging import SHORT_PAGE, Block, paginate, place

FIXED = {1: 0.0}


@pytest.mark.parametrize(("count", "line", "expected"), [
    (5, 0, (5, 0)),            # within the page
    (5, 17, (0, 0)),           # ends the page
    (5, 18, (2, 1)),           # its last line alone on the next page: the one before goes with it
    (4, 19, (2, 1)),           # 3 | 1: 2 | 2
    (5, 21, (5, 1)),           # its first line alone at the foot: it starts the next page
    (3, 20, (3, 1)),           # 2 | 1 cannot become 2 | 2: it starts the next page
    (30, 0, (8, 0)),           # longer than a page
])
def test_place_breaks_as_the_css_would(count: int, line: int, expected: tuple[int, int]) -> None:
    assert place(Block({count: 0.0}), count, line) == expected


def test_a_heading_at_the_foot_goes_over() -> None:
    assert place(Block(FIXED, keep_with_next=True), 1, 21) == (1, 1)
    assert place(Block(FIXED, keep_with_next=True), 1, 20) == (21, 0)


def test_the_blank_line_before_a_block_is_dropped_at_the_top_of_a_page() -> None:
    assert place(Block(FIXED, space_before=1), 1, 0) == (1, 0)
    assert place(Block(FIXED, space_before=1), 1, 5) == (7, 0)
    assert place(Block(FIXED, space_before=1), 1, 21) == (1, 0)


def test_the_closing_stays_whole_and_with_the_paragraph_before() -> None:
    closing = Block({3: 0.0}, space_before=1, keep_together=True, keep_with_previous=True)
    assert place(closing, 3, 10) == (14, 0)
    assert place(closing, 3, 19) == (3, 1)     # it does not fit: to the next page
    assert place(closing, 3, 0) == (6, 1)      # the paragraph's last two lines come over with it


def test_a_paragraph_is_set_a_line_longer_to_keep_its_last_line_off_the_next_page() -> None:
    # 18 lines, then a paragraph of 5 (its last line alone on page 2) or of 6 at a small cost
    blocks = [Block({18: 0.0}), Block({5: 0.0, 6: 0.01}), Block({3: 0.0})]
    assert paginate(blocks, 0) == [18, 6, 3]


def test_the_cheapest_paragraph_to_change_is_changed() -> None:
    blocks = [Block({10: 0.0, 11: 0.05}), Block({8: 0.0, 9: 0.02}), Block({5: 0.0})]
    assert paginate(blocks, 0) == [10, 9, 5]   # 10 + 8 + 5 strands the last line; 10 + 9 leaves 3 | 2


def test_a_heading_is_kept_with_what_follows() -> None:
    blocks = [Block({21: 0.0, 22: 0.03}), Block(FIXED, keep_with_next=True), Block({6: 0.0})]
    assert paginate(blocks, 0) == [22, 1, 6]


def test_where_nothing_helps_a_page_is_left_short_rather_than_strand_a_line() -> None:
    blocks = [Block({18: 0.0}), Block({5: 0.0, 6: SHORT_PAGE + 1}), Block({3: 0.0})]
    assert paginate(blocks, 0) == [18, 5, 3]   # a setting dearer than a short page is not taken


def test_the_first_page_starts_where_the_body_does() -> None:
    blocks = [Block({9: 0.0, 10: 0.02}), Block({4: 0.0})]
    assert paginate(blocks, 12) == [10, 4]    # page 1 holds 10 lines from line 12: 9 would strand the next's first
    assert paginate(blocks, 13) == [9, 4]     # it holds 9: the paragraph fills it
