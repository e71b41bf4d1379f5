"""Render the report: spec + metrics -> HTML page (Jinja) -> PDF (WeasyPrint)."""

from __future__ import annotations

import logging
from pathlib import Path

import jinja2
import polars as pl
from weasyprint import HTML

from annual_report.contracts import Contract
from annual_report.figures import Figures, Formatter, cn_date
from annual_report.narrative import fill_placeholders, narrative_html
from annual_report.spec import ReportSpec

TEMPLATE = "report/report.html.j2"


def report_html(spec: ReportSpec, metrics: pl.DataFrame, contracts: dict[str, Contract], year: int,
                templates: Path) -> str:
    """The whole report as one HTML page, every figure filled from the metrics table."""
    formatter = Formatter(spec.rounding)
    narrative = fill_placeholders(
        spec.narrative,
        {"m": Figures(metrics, contracts, year), "facts": spec.facts, "year": year},
        formatter.filters(),
    )
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(templates), autoescape=True,
                                     undefined=jinja2.StrictUndefined)
    environment.filters["cn_date"] = cn_date
    return environment.get_template(TEMPLATE).render(spec=spec, body=narrative_html(narrative))


class _WarningsAsErrors(logging.Handler):
    """Collects WeasyPrint's warnings: a CSS rule it ignored is a layout bug, not noise."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class RenderError(RuntimeError):
    """WeasyPrint could not render the report as written."""


def write_pdf(html: str, templates: Path, pdf_path: Path) -> Path:
    """Render the HTML to PDF beside it; fail on any WeasyPrint warning."""
    handler = _WarningsAsErrors()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        document = HTML(string=html, base_url=str(templates / "report") + "/").render()
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        document.write_pdf(pdf_path)
    finally:
        logger.removeHandler(handler)
    if handler.messages:
        raise RenderError("WeasyPrint warned while rendering:\n" + "\n".join(handler.messages))
    return pdf_path
