"""The HTML preview beside the PDF: the report's page as a browser shows it, opened from outputs/<year>/.

The HTML WeasyPrint lays out links the template's report.css and loads two faces from the system's font files
(through the confined fetcher), the others through fontconfig. The preview stands alone: the stylesheet is
inlined, and each face the report prints in is inlined as a WOFF2 font (fontTools, with brotli) subset to the
characters the laid-out report sets in it, so the preview loads nothing from system paths and needs no font
installed. report.css's screen rules show the type area as a column on a page.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from weasyprint import Document

from annual_report.report.fonts import Face, faces, printed_text

STYLESHEET = "report/report.css"
# the charts' labels and values: SVG text, set in the face charts.py gives them, not laid out as text boxes
SVG_TEXT = re.compile(r"<text\b[^>]*>([^<]*)</text>")


@dataclass(frozen=True)
class EmbeddedFace:
    """A face as the preview declares it: its CSS family and weight, the font as a data: URL."""

    family: str
    weight: int
    url: str


@dataclass(frozen=True)
class Preview:
    """What the preview's <head> holds instead of the stylesheet link and the system fonts."""

    css: str
    faces: tuple[EmbeddedFace, ...]


def printed_characters(document: Document, markup: str) -> dict[Face, set[str]]:
    """The characters the report prints in each face: its laid-out text and the charts' text."""
    characters: dict[Face, set[str]] = defaultdict(set)
    for _, face, text in printed_text(document):
        characters[face] |= set(text)
    for text in SVG_TEXT.findall(markup):
        characters[faces()["fangsong"]] |= set(html.unescape(text))
    return characters


@cache  # a report rendered again in one process (a flow run after another, the tests) subsets its faces once
def woff2(face: Face, characters: frozenset[str]) -> bytes:
    """The face subset to the characters, as a WOFF2 font."""
    font = TTFont(face.file, fontNumber=face.index)
    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False  # a screen preview: the browser's rasteriser does without
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(characters)))
    subsetter.subset(font)
    stream = io.BytesIO()
    font.flavor = "woff2"
    font.save(stream)
    return stream.getvalue()


def preview(document: Document, markup: str, templates: Path) -> Preview:
    """The stylesheet and the faces the preview of the laid-out document and its HTML (markup) inlines."""
    embedded = tuple(
        EmbeddedFace(face.family, face.weight,
                     "data:font/woff2;base64," + base64.b64encode(woff2(face, frozenset(characters))).decode("ascii"))
        for face, characters in printed_characters(document, markup).items())
    return Preview((templates / STYLESHEET).read_text(encoding="utf-8"), embedded)
