"""Render the report: spec + metrics -> typeset HTML page (Jinja) -> laid-out document -> PDF (WeasyPrint).

The first layout shows where the body starts on page 1; `paginated` then sets each paragraph in the number of
lines (of those it can be set in) that keeps widows and orphans off the pages (paging.py), and the document is
laid out again when that changed a paragraph.

The layout shows where the body ends, and so where the colophon must go: on the last even page with
its last rule on the bottom edge of the type area, or on a page of its own, unnumbered, when it does not
fit. Usually it is already on that page and only has to come down: the laid-out colophon is given its
margin, exactly as another layout would give it, without one. It is laid out
again, with the colophon placed in the HTML, only when the colophon needs a page of its own, or when a page
break puts it at the top of its even page (see `_push_down`). Every printed character is then checked
against the face meant for it, and any WeasyPrint warning fails the render.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import jinja2
import polars as pl
from weasyprint import HTML, Document
from weasyprint.formatting_structure import boxes
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from annual_report.files import replacing, write_text
from annual_report.intake.contracts import Contract
from annual_report.report import paging
from annual_report.report.attachment import TABLE_SIZE, build_attachment
from annual_report.report.figures import Figures, Formatter, cn_date
from annual_report.report.fonts import FANDOL, Face, check_document, check_text, faces
from annual_report.report.narrative import (
    Block,
    NarrativeError,
    Run,
    fill_placeholders,
    narrative_blocks,
)
from annual_report.report.preview import preview
from annual_report.report.spec import ReportSpec
from annual_report.report.typeset import (
    GRID,
    MM,
    Line,
    Setting,
    best,
    settings,
    title_lines,
)

TEMPLATE = "report/report.html.j2"
STYLE_FACES = {"body": "fangsong", "level-1": "hei", "level-2": "kai", "level-3": "fangsong", "level-4": "fangsong"}
HEADING_TAGS = {0: "p", 1: "h2", 2: "h3"}
MASTHEAD_SIZE = 36.0   # pt: the masthead's size, unless the issuers need less to fit 95% of the type area
TITLE_SIZE = 22.0      # pt: 二号
PX = 96 / 72           # CSS pixels per point: WeasyPrint lays out in CSS pixels
TYPE_AREA_BOTTOM = (37 + 225) * MM * PX  # from the top of the page
TYPE_AREA_HEIGHT = GRID.height * PX
HEADING_STOPS = "。：；"  # what ends a run-in heading in the text, and not in its bookmark


class RenderError(RuntimeError):
    """WeasyPrint could not render the report as written."""


@dataclass(frozen=True)
class SetBlock:
    """A narrative block set into lines, with the HTML element it prints as, and its best setting for each
    number of lines it can be set in (the page breaker's choice)."""

    tag: str
    level: int
    lines: tuple[Line, ...]
    settings: dict[int, Setting]


@dataclass(frozen=True)
class Colophon:
    """Where the colophon goes: pushed down by margin_top (CSS px), on a page of its own or not."""

    margin_top: float = 0.0
    own_page: bool = False


# A piece of the laid-out colophon: its page number, and the boxes from the page box down to it.
Fragment = tuple[int, list[boxes.Box]]


@dataclass(frozen=True)
class Rendered:
    """A laid-out document, the HTML it comes from, and what made the HTML (for its preview)."""

    html: str
    document: Document
    template: jinja2.Template
    context: dict[str, Any]
    templates: Path

    def preview(self, changes: dict[str, Any] | None = None) -> str:
        """The HTML as it opens in a browser from its folder, standing alone (see `preview`), the context changed
        as given (a review's: review.py)."""
        return self.template.render(self.context | {"preview": preview(self.document, self.html, self.templates)}
                                    | (changes or {}))


def provisional_notice(notes: list[str]) -> str:
    """What a draft's first page says above the masthead: its figures are provisional, and which ledgers are
    incomplete."""
    return "征求意见稿：本稿数字为暂定，不得作为正式数据引用。" + (f"以下台账不完整：{'；'.join(notes)}。" if notes else "")


def face_of(style: str) -> Face:
    """The face a run style is set in."""
    return faces()[STYLE_FACES[style]]


def _set_block(block: Block, where: str) -> SetBlock:
    for run in block.runs:
        check_text(run.text, face_of(run.style), where)
    options = settings(block.runs, face_of)
    return SetBlock(HEADING_TAGS[block.level], block.level, best(options), options)


def filled_narrative(spec: ReportSpec, figures: Figures, filters: dict[str, Any], year: int) -> str:
    """The spec's narrative, its placeholders filled from the figures by the filters."""
    try:
        return fill_placeholders(spec.narrative, {"m": figures, "facts": spec.facts, "year": year}, filters)
    except NarrativeError as error:
        raise NarrativeError(f"{spec.path}: {error}") from None


def report_context(spec: ReportSpec, metrics: pl.DataFrame, contracts: dict[str, Contract], year: int,
                   draft: bool = False, created: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the template prints, every figure filled from the metrics table and every line set; the PDF
    says it was created at `created` (the time of the run, by default now)."""
    formatter = Formatter(spec.rounding)
    figures = Figures(metrics, contracts, year, draft)
    narrative = filled_narrative(spec, figures, formatter.filters(draft), year)
    where = spec.path.name
    issuers = "　".join(spec.issuers)
    xiaobiaosong = faces()["xiaobiaosong"]
    check_text(issuers + spec.title, xiaobiaosong, where)
    attachment = spec.attachment and build_attachment(spec.attachment, figures, formatter, year, draft)
    return {
        "spec": spec,
        "year": year,
        "faces": faces(),
        "grid": GRID,
        "table_size": TABLE_SIZE,
        "part": "report",
        "masthead_size": min(MASTHEAD_SIZE, 0.95 * GRID.width / xiaobiaosong.width(issuers)),
        "title_lines": spec.title_lines or title_lines(spec.title, xiaobiaosong, TITLE_SIZE),
        "addressee": _set_block(Block(0, (Run(f"{spec.addressee}："),)), where).lines,
        "blocks": [_set_block(block, where) for block in narrative_blocks(narrative)],
        "attachment": attachment,
        "attachment_note": attachment and _set_block(Block(0, (Run(f"附件：{attachment.title}"),)), where).lines,
        "colophon": Colophon(),
        "provisional": [] if draft else None,  # a draft's first page says so (the ledgers it lacks: the caller's)
        "created": (created or dt.datetime.now(dt.UTC)).replace(microsecond=0),
        "figures": figures,  # the metrics table (metrics_table) prints the figures from these too
        "formatter": formatter,  # it has seen how the body prints each figure: the table, and any table, print so
        "narrative": narrative,  # as filled: the figures table (figures_table) finds each figure's sentence in it
    }


class _WarningsAsErrors(logging.Handler):
    """Collects WeasyPrint's warnings: a CSS rule it ignored is a layout bug, not noise."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _failing_on_warnings() -> Iterator[None]:
    handler = _WarningsAsErrors()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    if handler.messages:
        raise RenderError("WeasyPrint warned while rendering:\n" + "\n".join(handler.messages))


class ConfinedFetcher(URLFetcher):
    """WeasyPrint may load the project's templates and the report's font files, nothing else:
    no network, no other local file, whatever a cell or a narrative line says."""

    def __init__(self, templates: Path) -> None:
        super().__init__(allowed_protocols={"file"}, fail_on_errors=True)
        self.roots = (templates.resolve(), FANDOL)  # the @font-face files; fontconfig loads the rest

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        path = Path(url2pathname(urlsplit(url).path)).resolve() if url.startswith("file:") else None
        if path is None or not any(path.is_relative_to(root) for root in self.roots):
            raise FatalURLFetchingError(f"the report may not load {url}: only its templates and fonts")
        return super().fetch(url, headers)


def _layout(html: str, templates: Path) -> Document:
    """The laid-out document; a refused fetch stops the render as a RenderError (WeasyPrint raises it as a
    BaseException, which would pass every `except Exception` up to the command line as a traceback)."""
    try:
        with _failing_on_warnings():
            return HTML(string=html, base_url=str(templates / "report") + "/",
                        url_fetcher=ConfinedFetcher(templates)).render()
    except FatalURLFetchingError as refused:
        raise RenderError(str(refused)) from None


def _paths_to(path: list[boxes.Box], tag: str, name: str) -> Iterator[list[boxes.Box]]:
    """The boxes from path's last down to each box of a `tag` element of class `name`."""
    box = path[-1]
    element = getattr(box, "element", None)
    if box.element_tag == tag and name in (element.get("class") or "").split():
        yield path
        return
    for child in getattr(box, "children", ()):
        yield from _paths_to([*path, child], tag, name)


def _colophon_fragments(document: Document) -> list[Fragment]:
    """The pieces of the laid-out colophon (one, unless it is taller than a page)."""
    return [(number, path) for number, page in enumerate(document.pages, start=1)
            for path in _paths_to([page._page_box], "footer", "colophon")]


def _first_line(document: Document) -> int:
    """The line of page 1 the laid-out addressee is on (from 0), counting the lines left below it up from the
    bottom of the type area."""
    *_, addressee = next(_paths_to([document.pages[0]._page_box], "p", "addressee"))
    below = (TYPE_AREA_BOTTOM - addressee.content_box_y()) / (GRID.pitch * PX)
    return GRID.lines - math.floor(below + 1e-3)


def paginated(context: dict[str, Any], document: Document) -> dict[str, Any]:
    """The context with each narrative block set in the number of lines `paging.paginate` chooses, the body
    starting on page 1 where the document laid the addressee out."""
    blocks = context["blocks"]
    body = [paging.Block({len(context["addressee"]): 0.0}),
            *(paging.Block({count: setting.cost for count, setting in block.settings.items()},
                           keep_with_next=block.level > 0) for block in blocks)]
    if context["attachment"]:
        body.append(paging.Block({len(context["attachment_note"]): 0.0}, space_before=1))
    body.append(paging.Block({len(context["spec"].signature) + 1: 0.0}, space_before=1, keep_together=True,
                             keep_with_previous=True))   # the closing: the signatures and the date
    counts = paging.paginate(body, _first_line(document))[1:len(blocks) + 1]
    return context | {"blocks": [replace(block, lines=block.settings[count].lines)
                                 for block, count in zip(blocks, counts)]}


def place_colophon(fragments: list[Fragment]) -> Colophon:
    """Where the colophon must go, from where a layout with the colophon in the flow put it
    (rounded as the template prints it, so that the document and its HTML agree to the last digit)."""
    number, (*_, last) = fragments[-1]
    if len(fragments) == 1 and number % 2 == 0:
        # a hair's breadth short of the bottom, so rounding cannot push it onto the next page
        return Colophon(margin_top=round(TYPE_AREA_BOTTOM - (last.position_y + last.margin_height()) - 0.01, 3))
    height = sum(path[-1].border_height() for _, path in fragments)
    return Colophon(margin_top=round(TYPE_AREA_HEIGHT - height - 0.01, 3), own_page=True)


def _push_down(fragment: Fragment, colophon: Colophon) -> bool:
    """Give the laid-out colophon (its last fragment) its margin_top in place, as a layout of the HTML would:
    its content moves down by the margin and the boxes it is in grow by it; say whether it did. A layout does
    just that to a colophon below another box on its page: nothing the template puts before it has a bottom
    margin to collapse with its own (report.css). At the top of a page, where it keeps its margin
    (margin-break: keep), the margin collapses through the top of the body box, which then starts at the
    colophon instead of growing; that, and a colophon on a page of its own, are left to a second layout.
    (The colophon holds no link, anchor or bookmark, which WeasyPrint records as it makes the pages, before
    this move.)"""
    _, (*ancestors, box) = fragment
    if colophon.own_page or ancestors[-1].children[0] is box:
        return False
    box.margin_top = colophon.margin_top
    for child in box.children:
        child.translate(dy=colophon.margin_top)
    for ancestor in ancestors[1:]:   # not the page box
        ancestor.height += colophon.margin_top
    return True


def render(context: dict[str, Any], templates: Path) -> Rendered:
    """Lay the report out, break its pages, place its colophon, and check every glyph."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(templates), autoescape=True,
                                     undefined=jinja2.StrictUndefined)
    environment.filters["cn_date"] = cn_date
    environment.filters["provisional_notice"] = provisional_notice
    template = environment.get_template(TEMPLATE)
    context = context | {"preview": None, "review": None}
    html = template.render(context)
    document = _layout(html, templates)
    if context["part"] == "report":
        context = paginated(context, document)
        if (paged := template.render(context)) != html:
            html, document = paged, _layout(paged, templates)
        fragments = _colophon_fragments(document)
        context = context | {"colophon": place_colophon(fragments)}
        html = template.render(context)
        if not _push_down(fragments[-1], context["colophon"]):
            document = _layout(html, templates)
    check_document(document)
    _bookmarks_without_stops(document)
    return Rendered(html, document, template, context, templates)


def _bookmarks_without_stops(document: Document) -> None:
    """A run-in heading's bookmark without the stop that ends it in the text: （一）依法履职尽责。 is bookmarked
    （一）依法履职尽责."""
    for page in document.pages:
        page.bookmarks = [(level, label.rstrip(HEADING_STOPS), *rest) for level, label, *rest in page.bookmarks]


def write_pdf(rendered: Rendered, pdf_path: Path, pdf_variant: str | None = None) -> Path:
    """Write the PDF, tagged (its structure for screen readers and reflow), optionally a variant such as
    pdf/a-3u, and its HTML preview beside it, each atomically."""
    write_text(pdf_path.with_suffix(".html"), rendered.preview())
    with _failing_on_warnings(), replacing(pdf_path) as partial:
        rendered.document.write_pdf(partial, pdf_variant=pdf_variant, pdf_tags=True)
    return pdf_path
