"""The report's typefaces: which free face stands in for which official one, and its glyphs.

GB/T 9704 sets the body in 仿宋, level-1 headings in 黑体, level-2 in 楷体, the title and the
masthead in 小标宋 and the page numbers in 宋体. Debian's free faces stand in for them: FandolFang
and FandolKai (texlive-lang-chinese) are declared by file with @font-face, the Noto CJK faces
(fonts-noto-cjk) are found through fontconfig, as Pango finds them. Pango sets a character its
face lacks in some other installed face without a word, so every printed character is checked
against the face meant for it, and a missing glyph fails the render.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from weasyprint import Document
from weasyprint.formatting_structure import boxes

FANDOL = Path("/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol")
INSTALL_HINT = "run scripts/install-system-packages.sh"
FONTCONFIG_WEIGHTS = {400: 80, 700: 200}  # CSS font-weight -> fontconfig's weight scale


class FontError(RuntimeError):
    """A face the report needs is not installed, or lacks a glyph the report prints."""


@dataclass(frozen=True)
class Face:
    """One typeface in one weight, as CSS names it and as its font file holds it."""

    role: str        # the official face it stands in for, e.g. 仿宋
    family: str      # the CSS font-family
    weight: int      # the CSS font-weight
    file: Path
    index: int = 0   # the face's number inside a font collection (.ttc)
    declared: bool = False  # declared with @font-face, unknown to fontconfig

    @property
    def name(self) -> str:
        """How messages name the face: 仿宋 (FandolFang-Regular.otf)."""
        return f"{self.role} ({self.file.name}{f' #{self.index}' if self.index else ''})"

    @cached_property
    def _font(self) -> TTFont:
        if not self.file.exists():
            raise FontError(f"the {self.role} face {self.file} is not installed: {INSTALL_HINT}")
        return TTFont(self.file, fontNumber=self.index, lazy=True)

    @cached_property
    def _cmap(self) -> dict[int, str]:
        return self._font.getBestCmap()

    @cached_property
    def _advances(self) -> dict[str, float]:
        """Advance width of every glyph, in em."""
        units = self._font["head"].unitsPerEm
        return {glyph: advance / units for glyph, (advance, _) in self._font["hmtx"].metrics.items()}

    @cached_property
    def _inks(self) -> dict[str, tuple[float, float]]:
        return {}

    def ink(self, char: str) -> tuple[float, float]:
        """The left and right edge of a character's ink, in em from its origin ((0, 0) for a blank glyph)."""
        if char not in self._inks:
            self.advance(char)   # fails on a character the face lacks
            glyphs = self._font.getGlyphSet()
            pen = BoundsPen(glyphs)
            glyphs[self._cmap[ord(char)]].draw(pen)
            units = self._font["head"].unitsPerEm
            self._inks[char] = (pen.bounds[0] / units, pen.bounds[2] / units) if pen.bounds else (0.0, 0.0)
        return self._inks[char]

    def missing(self, text: str) -> list[str]:
        """The characters of text this face has no glyph for (whitespace aside), each once."""
        return sorted({c for c in text if not c.isspace() and ord(c) not in self._cmap})

    def advance(self, char: str) -> float:
        """The advance width of one character, in em (as Pango sets it without kerning)."""
        glyph = self._cmap.get(ord(char))
        if glyph is None:
            raise FontError(f"character {char!r} (U+{ord(char):04X}) has no glyph in the {self.name} face")
        return self._advances[glyph]

    def width(self, text: str) -> float:
        """The natural width of text, in em."""
        return sum(self.advance(c) for c in text)


def _fontconfig_face(role: str, family: str, weight: int) -> Face:
    """The installed face fontconfig (so Pango) gives for family and weight; a substitute fails."""
    pattern = f"{family}:weight={FONTCONFIG_WEIGHTS[weight]}"
    found = subprocess.run(["fc-match", "--format=%{file}|%{index}|%{family}", pattern],
                           check=True, capture_output=True, text=True).stdout
    file, index, families = found.split("|")
    if family not in families.split(","):
        raise FontError(f"the {role} face {family!r} is not installed (fontconfig offers {families!r}): {INSTALL_HINT}")
    return Face(role, family, weight, Path(file), int(index))


@cache
def faces() -> dict[str, Face]:
    """The report's faces by the CSS variable that names them (--fangsong and so on)."""
    return {
        "fangsong": Face("仿宋", "Report FangSong", 400, FANDOL / "FandolFang-Regular.otf", declared=True),
        "kai": Face("楷体", "Report Kai", 400, FANDOL / "FandolKai-Regular.otf", declared=True),
        "hei": _fontconfig_face("黑体", "Noto Sans CJK SC", 400),
        "xiaobiaosong": _fontconfig_face("小标宋", "Noto Serif CJK SC", 700),
        "song": _fontconfig_face("宋体", "Noto Serif CJK SC", 400),
    }


def face_for(family: str, weight: int) -> Face:
    """The report's face that CSS family and weight select; a family the report does not declare fails."""
    for face in faces().values():
        if face.family == family and face.weight == weight:
            return face
    raise FontError(f"text is set in {family!r} weight {weight}, which is none of the report's faces "
                    f"({', '.join(f'{f.family} {f.weight}' for f in faces().values())})")


def check_text(text: str, face: Face, where: str) -> None:
    """Fail naming the character, the face and where it is printed when face lacks a glyph of text."""
    missing = face.missing(text)
    if missing:
        listed = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in missing)
        raise FontError(f"{where}: {listed} has no glyph in the {face.name} face meant for “{text.strip()[:40]}”")


def _text_boxes(box: boxes.Box) -> Iterator[boxes.TextBox]:
    if isinstance(box, boxes.TextBox):
        yield box
    for child in getattr(box, "children", ()):
        yield from _text_boxes(child)


def printed_text(document: Document) -> Iterator[tuple[int, Face, str]]:
    """Each text the laid-out document prints, page numbers included: its page number, its face and the text."""
    for number, page in enumerate(document.pages, start=1):
        for box in _text_boxes(page._page_box):
            yield number, face_for(box.style["font_family"][0], box.style["font_weight"]), box.text


def check_document(document: Document) -> None:
    """Check every text the laid-out document prints, page numbers included, against its face."""
    for number, face, text in printed_text(document):
        check_text(text, face, f"page {number}")
