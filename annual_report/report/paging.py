"""Page breaks of the body: no widow and no orphan line, and every full page the grid's 22 lines.

The body flows on the grid: each block (the addressee, a heading, a paragraph, the attachment note, the closing)
takes whole lines, some a blank line before them that a page top swallows. The template's CSS keeps a
paragraph's first line from the foot of a page and its last from the head of the next (orphans, widows: 2), a
heading with what follows it, and the closing whole and with the paragraph before it, but only by moving lines
to the next page, which leaves a page short. A typesetter sets a paragraph one line longer or shorter instead:
typeset.settings gives the counts of lines each paragraph can be set in and what each costs, and `paginate`
chooses a count for every block, a dynamic programme whose state is the line of the page the next block starts
on, so that the pages come out full at least cost. Where no choice keeps every rule, it counts the page the CSS
leaves short (SHORT_PAGE), following the lines where WeasyPrint moves them (near enough: a heading moved with the
paragraph it keeps with is not followed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from annual_report.report.typeset import GRID

ORPHANS = 2   # the fewest lines of a paragraph at the foot of a page (report.css)
WIDOWS = 2    # the fewest at the head of a page
SHORT_PAGE = 10.0   # the cost of a page the CSS leaves short of a line or more


@dataclass(frozen=True)
class Block:
    """A block as the page breaker sees it: the line counts it can be set in, each with its cost."""

    costs: Mapping[int, float] = field(default_factory=dict)
    space_before: int = 0           # blank lines before it, none at the top of a page
    keep_with_next: bool = False    # a heading: never the last line of a page
    keep_together: bool = False     # never broken across pages
    keep_with_previous: bool = False  # never the first on a page


def place(block: Block, count: int, line: int, lines: int = GRID.lines) -> tuple[int, int]:
    """The line of its page the block, set in `count` lines from `line` of a page (from 0), leaves the next block
    at, and how many pages it leaves short."""
    short = 0
    if line and block.space_before:
        line = line + block.space_before if line + block.space_before < lines else 0
    if block.keep_with_previous and line == 0:   # the lines of the block before come over with it
        short, line = 1, WIDOWS + block.space_before
    remaining = count
    while line + remaining > lines:
        here = lines - line
        if line and (block.keep_together or here < ORPHANS or remaining - WIDOWS < ORPHANS and remaining - here < WIDOWS):
            short, line = short + 1, 0   # the block starts the next page
        elif remaining - here < WIDOWS:   # one line more goes over, with the last
            short, line, remaining = short + 1, 0, WIDOWS
        else:
            line, remaining = 0, remaining - here
    line += remaining
    if block.keep_with_next and line == lines:   # a heading at the foot goes over to the next page
        short, line = short + 1, count
    return line % lines, short


def paginate(blocks: Sequence[Block], first_line: int, lines: int = GRID.lines) -> list[int]:
    """The line count for each block that costs least, each page left short costing SHORT_PAGE; the first block
    starts at `first_line` (from 0) of its page."""
    states: dict[int, tuple[float, tuple[int, ...]]] = {first_line: (0.0, ())}
    for block in blocks:
        following: dict[int, tuple[float, tuple[int, ...]]] = {}
        for line, (cost, counts) in states.items():
            for count, setting in block.costs.items():
                after, short = place(block, count, line, lines)
                candidate = (cost + setting + short * SHORT_PAGE, (*counts, count))
                following[after] = min(following.get(after, candidate), candidate)
        states = following
    return list(min(states.values())[1])
