"""Chinese text set on the document grid: 28 characters a line, flush both sides, and balanced titles.

WeasyPrint 70 justifies a line only by widening its spaces (it has no `text-justify:
inter-character`), and Chinese has no spaces, so CSS alone leaves every line ragged. Here a
paragraph is broken into lines the way a word processor's document grid does, measuring each
character in its own face: no line starts with closing punctuation (，。、；：？！）》” …) nor ends
with opening punctuation (（《“ …), numbers and Latin words stay whole, and a line that a
punctuation mark would overflow by at most half a character is squeezed to keep it. Each line then
gets the letter-spacing that makes it exactly as wide as the type area, and is printed unbroken
(`white-space: nowrap`); a paragraph's last line keeps the grid's spacing.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from annual_report.report.fonts import Face
from annual_report.report.narrative import Run

MM = 72 / 25.4  # points per millimetre

NO_LINE_START = set("，。、；：？！）》〉」』】〕〗］｝”’…—·%‰,.;:?!)]}")
NO_LINE_END = set("（《〈「『【〔〖［｛“‘·([{")
ATOM = re.compile(r"[0-9A-Za-z]+(?:[.\-/:+][0-9A-Za-z]+)*%?|\s+|.", re.DOTALL)
SQUEEZE = 0.5  # em a line may be squeezed by to keep a closing punctuation mark

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
    """One printed line: its runs, and the letter-spacing (pt) that makes it fill the measure."""

    runs: tuple[Run, ...]
    spacing: float


@dataclass(frozen=True)
class _Atom:
    """The smallest piece a line may break around: a character, a number or Latin word, or a space."""

    text: str
    style: str
    width: float  # natural width in points, without letter-spacing

    @property
    def is_space(self) -> bool:
        return self.text.isspace()


def _atoms(runs: Sequence[Run], face_of: Callable[[str], Face], size: float) -> list[_Atom]:
    return [_Atom(match.group(), run.style, face_of(run.style).width(match.group()) * size)
            for run in runs for match in ATOM.finditer(run.text)]


def _units(atoms: list[_Atom]) -> list[list[_Atom]]:
    """Atoms glued into unbreakable units: closing punctuation to what precedes, opening to what follows."""
    units: list[list[_Atom]] = []
    glue_next = False
    for atom in atoms:
        if units and (glue_next or atom.text[0] in NO_LINE_START):
            units[-1].append(atom)
        else:
            units.append([atom])
        glue_next = atom.text[-1] in NO_LINE_END
    return units


def _without_leading_spaces(atoms: list[_Atom]) -> list[_Atom]:
    return list(itertools.dropwhile(lambda a: a.is_space, atoms))


def _natural(atoms: list[_Atom], spacing: float) -> float:
    chars = sum(len(a.text) for a in atoms)
    return sum(a.width for a in atoms) + (chars - 1) * spacing


def _line(atoms: list[_Atom], measure: float, justify: bool, grid: Grid) -> Line:
    """A line of atoms (spaces at its ends dropped), spaced to fill the measure when justified."""
    while atoms and atoms[-1].is_space:
        atoms = atoms[:-1]
    chars = sum(len(a.text) for a in atoms)
    spacing = (measure - sum(a.width for a in atoms)) / (chars - 1) if justify and chars > 1 else grid.spacing
    runs = tuple(Run("".join(a.text for a in group), style)
                 for style, group in itertools.groupby(atoms, key=lambda a: a.style))
    return Line(runs, spacing)


def set_lines(runs: Sequence[Run], face_of: Callable[[str], Face], indent: int = 2, grid: Grid = GRID,
              size: float | None = None) -> list[Line]:
    """Break runs into lines of the grid's measure, the first indented by `indent` characters."""
    size = size or grid.size
    lines: list[Line] = []
    current: list[_Atom] = []
    measure = grid.width - indent * grid.cell
    for unit in _units(_atoms(runs, face_of, size)):
        candidate = current + unit if current else _without_leading_spaces(unit)
        overflow = _natural(candidate, grid.spacing) - measure
        if current and overflow > 0:
            squeeze = overflow <= SQUEEZE * size and candidate[-1].text[-1] in NO_LINE_START
            lines.append(_line(candidate if squeeze else current, measure, True, grid))
            current = [] if squeeze else _without_leading_spaces(unit)
            measure = grid.width
        else:
            current = candidate
    if current:
        lines.append(_line(current, measure, False, grid))
    return lines


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
