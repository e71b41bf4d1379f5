"""Chinese text set on the document grid: 28 characters a line, flush both sides, and balanced titles.

WeasyPrint 70 justifies a line only by widening its spaces (it has no `text-justify:
inter-character`), and Chinese has no spaces, so CSS alone leaves every line ragged. Here a
paragraph is broken into lines as a whole, the way a typesetter sets it (Knuth and Plass's dynamic
programme over the paragraph's breakpoints, not first fit), measuring each character in its own face:

- where a line may break: no line starts with closing punctuation (，。、；：？！）》” …) nor ends with
  opening punctuation (（《“ …); numbers and Latin words stay whole, a number keeps its unit or measure
  word (721个, 118.3万元, 22000余人次) and a date is one unit (2021年11月9日);
- 标点挤压: of two adjacent punctuation marks whose blank halves face each other (），”，。”，“), the
  first is set half-width, its ink measured in its face;
- what a line costs: how far its letter-spacing strays from the grid's, squared, in em. A justified
  line may be loosened by STRETCH or tightened by SHRINK at most (the office's trick of tightening a
  line by a fraction of a point); a paragraph's last line keeps the grid's spacing and is not one or two
  characters long where the paragraph can be set otherwise. Where no setting keeps within the bounds,
  the least bad one is taken.

`settings` gives a paragraph's best setting for each number of lines it can be set in (the page
breaker, paging.py, trades them to keep widows and orphans off the pages), `set_lines` the best of all
(`best`).
Each line is printed unbroken (`white-space: nowrap`) with the letter-spacing that makes it exactly as
wide as the type area, half an em less after each half-width mark (`Line.pieces`).
"""

from __future__ import annotations

import bisect
import itertools
import logging
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from annual_report.report.fonts import Face
from annual_report.report.narrative import Run

MM = 72 / 25.4  # points per millimetre

NO_LINE_START = set("，。、；：？！）》〉」』】〕〗］｝”’…—·%‰,.;:?!)]}")
NO_LINE_END = set("（《〈「『【〔〖［｛“‘·([{")
HALVABLE = set("，。、；：？！）》〉」』】〕〗］｝”’（《〈「『【〔〖［｛“‘")  # marks that may be set in half an em (not —…·)
WORD = re.compile(r"[0-9A-Za-z]+(?:[.\-/:+][0-9A-Za-z]+)*%?")  # a number or a Latin word
NUMBER = r"[0-9]+(?:[.\-/:][0-9]+)*"
MEASURES = ("人次|万元|亿元|小时|个月|平方米|公里|余|个|件|人|家|次|场|元|名|户|项|所|条|篇|天|年|月|日|号|起|批|轮|"
            "届|倍|位|万|亿|岁|期|部|台|份|处|座|类|种|周|%|‰")
# a date, or a number with its unit or measure word (at most two: 22000余人次): each is set whole
GLUED = re.compile(rf"{NUMBER}年{NUMBER}月{NUMBER}日|{NUMBER}(?:年{NUMBER}月|月{NUMBER}日)|{NUMBER}(?:{MEASURES}){{1,2}}")
STRETCH = 0.1    # em a justified line's letter-spacing may exceed the grid's by
SHRINK = 0.02    # em it may fall short of the grid's by
SHORT_LAST_LINE = 10.0    # the cost of a paragraph's last line of one or two characters
OUT_OF_BOUNDS = 1000.0    # the least cost of a line looser or tighter than the bounds allow

# Words the title breaker must not split, beyond jieba's dictionary.
TITLE_WORDS = ("法治政府", "法治社会", "依法治国", "依法治省", "依法治市", "依法治县", "依法治区",
               "行政复议", "行政应诉", "行政诉讼", "法律援助", "人民调解", "司法局")


@dataclass(frozen=True)
class Grid:
    """The body grid of GB/T 9704: 22 lines of 28 characters of 16 pt in a 156 × 225 mm type area."""

    size: float = 16.0
    chars: int = 28
    lines: int = 22
    width: float = 156 * MM
    height: float = 225 * MM

    @property
    def pitch(self) -> float:
        """Line pitch in points."""
        return self.height / self.lines

    @property
    def spacing(self) -> float:
        """The letter-spacing that sets 28 full-width characters flush across the type area."""
        return (self.width - self.chars * self.size) / (self.chars - 1)

    @property
    def cell(self) -> float:
        """The advance of one full-width character on the grid (the width of an indent character)."""
        return self.size + self.spacing


GRID = Grid()


@dataclass(frozen=True)
class Line:
    """One printed line: its runs, the letter-spacing (pt) that makes it fill the measure, the offsets of the
    characters set half-width (标点挤压), and the figures a review marks on it (start, end, the mark's number)."""

    runs: tuple[Run, ...]
    spacing: float
    halved: frozenset[int] = frozenset()
    marks: tuple[tuple[int, int, int], ...] = ()

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)

    def pieces(self) -> Iterator[tuple[Run, bool, int | None]]:
        """The runs, each half-width character and each marked figure cut out as a run of its own: each piece,
        whether it is a half-width character (printed with half an em less letter-spacing), and the number of the
        mark it is in (None outside one)."""
        edges = {0, len(self.text)} | {i + d for i in self.halved for d in (0, 1)} \
            | {edge for start, end, _ in self.marks for edge in (start, end)}
        offset = 0
        for run in self.runs:
            cuts = sorted({0, len(run.text)} | {edge - offset for edge in edges if offset < edge < offset + len(run.text)})
            for start, end in itertools.pairwise(cuts):
                at = offset + start
                mark = next((number for first, last, number in self.marks if first <= at < last), None)
                yield Run(run.text[start:end], run.style), at in self.halved, mark
            offset += len(run.text)


@dataclass(frozen=True)
class Setting:
    """A paragraph set into lines, and what the setting costs (the sum of its lines' costs)."""

    lines: tuple[Line, ...]
    cost: float


@dataclass(frozen=True)
class _Paragraph:
    """A paragraph's characters as the breaker measures them, in points."""

    text: str
    styles: list[str]
    advances: list[float]   # running sum of the characters' natural widths: advances[i] for text[:i]
    halving: list[float]    # running sum of what setting a character half-width before the next saves
    breaks: list[int]       # where a line may end: before text[i] for each i listed, and at the end

    def width(self, start: int, end: int) -> float:
        """The natural width of text[start:end], its inner pairs of punctuation compressed."""
        return self.advances[end] - self.advances[start] - max(0.0, self.halving[end - 1] - self.halving[start])

    def halved(self, i: int) -> bool:
        return self.halving[i + 1] > self.halving[i]

    def line(self, start: int, end: int, spacing: float) -> Line:
        """The line of text[start:end], spaces at its ends left out."""
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        runs = tuple(Run("".join(self.text[i] for i in group), style) for style, group in
                     itertools.groupby(range(start, end), key=lambda i: self.styles[i]))
        return Line(runs, spacing, frozenset(i - start for i in range(start, end - 1) if self.halved(i)))


def _halved(first: str, second: str, first_face: Face, second_face: Face) -> bool:
    """Whether `first` is set half-width before `second` (标点挤压): two full-width punctuation marks, the first's
    ink in its left half or the second's in its right half, so that half an em between them is blank."""
    return (first in HALVABLE and second in HALVABLE
            and math.isclose(first_face.advance(first), 1) and math.isclose(second_face.advance(second), 1)
            and (first_face.ink(first)[1] <= 0.5 or second_face.ink(second)[0] >= 0.5))


def _breaks(text: str) -> list[int]:
    """Where a line of text may end: not inside a number, word, date or number with its unit, not before closing
    punctuation nor after opening punctuation."""
    whole = [False] * (len(text) + 1)
    for match in itertools.chain(WORD.finditer(text), GLUED.finditer(text)):
        whole[match.start() + 1:match.end()] = [True] * (match.end() - match.start() - 1)
    return [i for i in range(1, len(text)) if not whole[i] and text[i] not in NO_LINE_START
            and text[i - 1] not in NO_LINE_END] + [len(text)]


def _paragraph(runs: Sequence[Run], face_of: Callable[[str], Face], size: float) -> _Paragraph:
    text = "".join(run.text for run in runs)
    styles = [run.style for run in runs for _ in run.text]
    faces = [face_of(style) for style in styles]
    halving = [faces[i].advance(text[i]) * size / 2
               if i + 1 < len(text) and _halved(text[i], text[i + 1], faces[i], faces[i + 1]) else 0.0
               for i in range(len(text))]
    advances = [face.advance(c) * size for c, face in zip(text, faces)]
    return _Paragraph(text, styles, list(itertools.accumulate(advances, initial=0.0)),
                      list(itertools.accumulate(halving, initial=0.0)), _breaks(text))


def _candidates(paragraph: _Paragraph, start: int, measure: float, grid: Grid,
                size: float) -> Iterator[tuple[int, float, float]]:
    """Each line that may start at `start` (spaces at its ends left out): where it ends, its letter-spacing and
    its cost. Lines looser than the bounds come at OUT_OF_BOUNDS and more; of those tighter, only the shortest,
    when it is the only line there is (a word wider than the measure)."""
    text = paragraph.text
    first = start
    while first < len(text) and text[first].isspace():
        first += 1
    shortest = True
    for end in paragraph.breaks[bisect.bisect_right(paragraph.breaks, start):]:
        last = end
        while last > first and text[last - 1].isspace():
            last -= 1
        chars = last - first
        if chars <= 0:
            continue
        natural = paragraph.width(first, last)
        if end == len(text) and natural + (chars - 1) * grid.spacing <= measure + 1e-6:
            yield end, grid.spacing, SHORT_LAST_LINE if chars <= 2 and start > 0 else 0.0   # a ragged last line
            return
        spacing = (measure - natural) / (chars - 1) if chars > 1 else grid.spacing
        deviation = (spacing - grid.spacing) / size    # em
        if chars > 1 and deviation < -SHRINK:   # too tight, and so is every longer line
            if shortest:
                yield end, spacing, OUT_OF_BOUNDS + (-SHRINK - deviation) * (chars - 1)
            return
        if chars == 1 or deviation > STRETCH:
            yield end, spacing, OUT_OF_BOUNDS + (measure - natural) / size
        else:
            yield end, spacing, deviation ** 2
        shortest = False


def _feasible(entries: dict[int, tuple[float, int, float]]) -> dict[int, tuple[float, int, float]]:
    """The entries within the bounds, or the least bad one if none is."""
    within = {count: entry for count, entry in entries.items() if entry[0] < OUT_OF_BOUNDS}
    return within or dict([min(entries.items(), key=lambda item: item[1][0])])


def settings(runs: Sequence[Run], face_of: Callable[[str], Face], indent: int = 2, grid: Grid = GRID,
             size: float | None = None) -> dict[int, Setting]:
    """The runs' best setting on the grid's measure for each number of lines they can be set in within the
    bounds (or the least bad setting, if none keeps within them), the first line indented by `indent`
    characters."""
    size = size or grid.size
    paragraph = _paragraph(runs, face_of, size)
    if not paragraph.text.strip():
        return {}
    # table[end][count]: the least cost of setting text[:end] in count lines, where its last line starts, and
    # that line's letter-spacing
    table: dict[int, dict[int, tuple[float, int, float]]] = {0: {0: (0.0, -1, 0.0)}}
    for start in [0, *paragraph.breaks[:-1]]:
        if start not in table:
            continue
        table[start] = entries = _feasible(table[start])
        measure = grid.width - (indent * grid.cell if start == 0 else 0)
        for end, spacing, cost in _candidates(paragraph, start, measure, grid, size):
            following = table.setdefault(end, {})
            for count, (total, _, _) in entries.items():
                if count + 1 not in following or total + cost < following[count + 1][0]:
                    following[count + 1] = (total + cost, start, spacing)
    found: dict[int, Setting] = {}
    for count, (total, _, _) in sorted(_feasible(table[len(paragraph.text)]).items()):
        lines, end = [], len(paragraph.text)
        for remaining in range(count, 0, -1):
            _, start, spacing = table[end][remaining]
            lines.append(paragraph.line(start, end, spacing))
            end = start
        found[count] = Setting(tuple(reversed(lines)), total)
    return found


def best(found: dict[int, Setting]) -> tuple[Line, ...]:
    """The lines of the setting that costs least (the fewer lines, at equal cost); none for no setting."""
    return min(found.values(), key=lambda setting: (setting.cost, len(setting.lines))).lines if found else ()


def set_lines(runs: Sequence[Run], face_of: Callable[[str], Face], indent: int = 2, grid: Grid = GRID,
              size: float | None = None) -> list[Line]:
    """Break runs into lines of the grid's measure, the first indented by `indent` characters: the best of their
    `settings`."""
    return list(best(settings(runs, face_of, indent, grid, size)))


def title_lines(title: str, face: Face, size: float, width: float = GRID.width) -> list[str]:
    """The title broken at word boundaries into the fewest lines, shaped as a trapezoid or diamond."""
    if face.width(title) * size <= width:
        return [title]
    words = _title_words(title)
    widths = [face.width(w) * size for w in words]
    for count in range(2, len(words) + 1):
        best = min((_title_cost(widths, cuts, width), cuts)
                   for cuts in itertools.combinations(range(1, len(words)), count - 1))
        if best[0] < float("inf"):
            bounds = (0, *best[1], len(words))
            return ["".join(words[a:b]) for a, b in zip(bounds, bounds[1:])]
    raise ValueError(f"the title {title!r} has a word wider than the type area")


def _title_words(title: str) -> list[str]:
    """Words of the title (jieba), a number kept with the 年/月/日 after it."""
    import jieba  # loads its dictionary on first use: only long titles pay for it

    jieba.setLogLevel(logging.WARNING)
    for word in TITLE_WORDS:
        jieba.add_word(word)
    words: list[str] = []
    for word in jieba.lcut(title):
        if words and (words[-1][-1].isdigit() and word[0] in "年月日" or word[0] in NO_LINE_START):
            words[-1] += word
        else:
            words.append(word)
    return words


def _title_cost(widths: list[float], cuts: tuple[int, ...], width: float) -> float:
    """How unbalanced the lines the cuts make are; infinite if one overflows or the shape is wrong."""
    bounds = (0, *cuts, len(widths))
    lines = [sum(widths[a:b]) for a, b in zip(bounds, bounds[1:])]
    peak = lines.index(max(lines))
    shaped = all(a <= b for a, b in zip(lines[:peak], lines[1:peak + 1])) and \
        all(a >= b for a, b in zip(lines[peak:], lines[peak + 1:]))
    if max(lines) > width or not shaped or (len(lines) == 2 and lines[0] > lines[1]):
        return float("inf")
    return max(lines) - min(lines)
