"""The report spec: one Markdown file per region and year, settings in YAML front matter.

`reports/<region>/<year>.md` holds who issues the report, to whom, the signature, dates,
the colophon, the rounding rule, the datasets the report needs, dated facts, and the
narrative (Markdown with `{{ m.<metric> | filter }}` placeholders).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROUNDING_RULES = ("half_up", "truncate")


class SpecError(ValueError):
    """The report spec is incomplete or malformed."""


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
    rounding: str = "half_up"
    required_datasets: tuple[str, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)


def load_spec(path: Path) -> ReportSpec:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise SpecError(f"{path}: must start with YAML front matter between '---' lines")
    front, _, narrative = text[4:].partition("\n---\n")
    settings = yaml.safe_load(front) or {}
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
            rounding=settings.get("rounding", "half_up"),
            required_datasets=tuple(settings.get("required_datasets", ())),
            facts=settings.get("facts") or {},
        )
    except KeyError as missing:
        raise SpecError(f"{path}: front matter lacks {missing}") from None
    if spec.rounding not in ROUNDING_RULES:
        raise SpecError(f"{path}: rounding must be one of {ROUNDING_RULES}, not {spec.rounding!r}")
    for name in ("date", "printing_date"):
        if not isinstance(getattr(spec, name), dt.date):
            raise SpecError(f"{path}: {name} must be a date such as 2022-02-28")
    return spec
