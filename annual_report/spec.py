"""The report spec: one Markdown file per region and year, settings in YAML front matter.

`reports/<region>/<year>.md` holds who issues the report, to whom, the document number, the
signature, dates, the colophon (printing office and date, copied-to), the rounding rule, the
datasets the report needs, dated facts, the title's line breaks if the automatic ones will not do,
the attachment (its metrics and charts), and the narrative (Markdown with `{{ m.<metric> | filter }}`
placeholders).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROUNDING_RULES = ("half_up", "truncate")
PLACEMENTS = ("attached", "separate")
SETTINGS = {"title", "title_lines", "issuers", "document_number", "addressee", "signature", "date",
            "printing_office", "printing_date", "copied_to", "rounding", "required_datasets", "facts",
            "attachment"}


class SpecError(ValueError):
    """The report spec is incomplete or malformed."""


@dataclass(frozen=True)
class ChartSpec:
    """One chart of the attachment: a series of metric rows `<series>.<category>`."""

    title: str
    series: str
    prior_year: bool = False  # draw the prior year's bars beside the year's


@dataclass(frozen=True)
class AttachmentSpec:
    """The attachment (附件): a table of key metrics with the prior year, and charts."""

    title: str
    metrics: tuple[str, ...]
    charts: tuple[ChartSpec, ...] = ()
    placement: str = "attached"  # attached: after the signature in the report; separate: its own PDF


@dataclass(frozen=True)
class ReportSpec:
    path: Path
    title: str
    issuers: tuple[str, ...]
    addressee: str
    signature: tuple[str, ...]
    date: dt.date
    printing_office: str
    printing_date: dt.date
    narrative: str
    document_number: str = ""
    title_lines: tuple[str, ...] = ()
    copied_to: tuple[str, ...] = ()
    rounding: str = "half_up"
    required_datasets: tuple[str, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)
    attachment: AttachmentSpec | None = None



def _attachment(settings: dict[str, Any]) -> AttachmentSpec:
    try:
        return AttachmentSpec(
            title=settings["title"],
            metrics=tuple(settings.get("metrics", ())),
            charts=tuple(ChartSpec(c["title"], c["series"], bool(c.get("prior_year", False)))
                         for c in settings.get("charts", ())),
            placement=settings.get("placement", "attached"),
        )
    except KeyError as missing:
        raise KeyError(f"attachment: {missing.args[0]}") from None


def load_spec(path: Path) -> ReportSpec:
    """Read and check a report spec."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise SpecError(f"{path}: must start with YAML front matter between '---' lines")
    front, _, narrative = text[4:].partition("\n---\n")
    settings = yaml.safe_load(front) or {}
    unknown = sorted(set(settings) - SETTINGS)
    if unknown:
        raise SpecError(f"{path}: unknown front matter {', '.join(unknown)} (known: {', '.join(sorted(SETTINGS))})")
    try:
        spec = ReportSpec(
            path=path,
            title=settings["title"],
            issuers=tuple(settings["issuers"]),
            addressee=settings["addressee"],
            signature=tuple(settings["signature"]),
            date=settings["date"],
            printing_office=settings["printing_office"],
            printing_date=settings["printing_date"],
            narrative=narrative.strip() + "\n",
            document_number=settings.get("document_number") or "",
            title_lines=tuple(settings.get("title_lines") or ()),
            copied_to=tuple(settings.get("copied_to") or ()),
            rounding=settings.get("rounding", "half_up"),
            required_datasets=tuple(settings.get("required_datasets", ())),
            facts=settings.get("facts") or {},
            attachment=_attachment(settings["attachment"]) if settings.get("attachment") else None,
        )
    except KeyError as missing:
        raise SpecError(f"{path}: front matter lacks {missing}") from None
    if spec.rounding not in ROUNDING_RULES:
        raise SpecError(f"{path}: rounding must be one of {ROUNDING_RULES}, not {spec.rounding!r}")
    for name in ("date", "printing_date"):
        if not isinstance(getattr(spec, name), dt.date):
            raise SpecError(f"{path}: {name} must be a date such as 2022-02-28")
    if spec.title_lines and "".join(spec.title_lines) != spec.title:
        raise SpecError(f"{path}: title_lines must join up to the title {spec.title!r}")
    if spec.attachment and spec.attachment.placement not in PLACEMENTS:
        raise SpecError(f"{path}: attachment placement must be one of {PLACEMENTS}, "
                        f"not {spec.attachment.placement!r}")
    return spec
