"""The report spec: one Markdown file per region and year, settings in YAML front matter.

`reports/<region>/<year>.md` holds who issues the report, to whom, the document number, the
signature, dates, the colophon (printing office and date, copied-to), the rounding rule, the
datasets the report needs, dated facts, the title's line breaks if the automatic ones will not do,
the attachment (its metrics and charts), and the narrative (Markdown with `{{ m.<metric> | filter }}`
placeholders).

The front matter parses into typed, frozen models that refuse unknown keys, so a misspelt setting
fails loading instead of being silently ignored.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import field, fields
from pathlib import Path
from typing import Any

import jinja2
import yaml
from pydantic import (
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.dataclasses import dataclass

from annual_report.intake.contracts import MODEL, SAFE_LOADER, problems, yaml_problem

ROUNDING_RULES = ("half_up", "truncate")
PLACEMENTS = ("attached", "separate")
SETTINGS = {"title", "title_lines", "issuers", "document_number", "addressee", "signature", "date",
            "printing_office", "printing_date", "copied_to", "rounding", "required_datasets", "facts",
            "attachment"}
# settings a spec may leave empty (`copied_to:`): as if not given
OPTIONAL = {"document_number", "title_lines", "copied_to", "required_datasets", "facts", "attachment"}


# the marks `annual-report new-region` writes where the office fills in its own words
UNFILLED = re.compile(r"【[^】\n]{1,12}】|^……$", re.MULTILINE)


class SpecError(ValueError):
    """The report spec is incomplete or malformed."""


@dataclass(frozen=True, config=MODEL)
class ChartSpec:
    """One chart of the attachment: a series of metric rows `<series>.<category>`."""

    title: str
    series: str
    prior_year: bool = False  # draw the prior year's bars beside the year's


@dataclass(frozen=True, config=MODEL)
class AttachmentSpec:
    """The attachment (附件): a table of key metrics with the prior year, and charts."""

    title: str
    metrics: tuple[str, ...] = ()
    charts: tuple[ChartSpec, ...] = ()
    placement: str = "attached"  # attached: after the signature in the report; separate: its own PDF

    @field_validator("placement")
    @classmethod
    def _known_placement(cls, value: str) -> str:
        if value not in PLACEMENTS:
            raise ValueError(f"placement must be one of {PLACEMENTS}, not {value!r}")
        return value


@dataclass(frozen=True, config=MODEL)
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

    @field_validator("date", "printing_date", mode="before")
    @classmethod
    def _a_date(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, dt.date):  # YAML reads 2022-02-28 as a date; "2022年2月28日" stays text
            raise ValueError(f"{info.field_name} must be a date such as 2022-02-28, not {value!r}")
        return value

    @field_validator("rounding")
    @classmethod
    def _known_rounding(cls, value: str) -> str:
        if value not in ROUNDING_RULES:
            raise ValueError(f"rounding must be one of {ROUNDING_RULES}, not {value!r}")
        return value

    @model_validator(mode="after")
    def _title_lines_join(self) -> ReportSpec:
        if self.title_lines and "".join(self.title_lines) != self.title:
            raise ValueError(f"title_lines must join up to the title {self.title!r}")
        return self

    @property
    def narrative_metrics(self) -> tuple[str, ...]:
        """The metrics the narrative prints, each `m.<metric>` once, in the order it first prints them (a series
        `m.<series>['<category>']` by its name)."""
        try:
            tree = jinja2.Environment().parse(self.narrative)
        except jinja2.TemplateSyntaxError as error:
            raise SpecError(f"{self.path}: line {error.lineno} of the narrative: {error.message}") from None
        # find_all walks the tree depth first, each node's fields in order: the order the text prints them
        return tuple(dict.fromkeys(node.attr for node in tree.find_all(jinja2.nodes.Getattr)
                                   if isinstance(node.node, jinja2.nodes.Name) and node.node.name == "m"))

    @property
    def attachment_metrics(self) -> tuple[str, ...]:
        """The metrics the attachment prints: its table's rows, then the series of its charts, in order."""
        if not self.attachment:
            return ()
        return tuple(dict.fromkeys((*self.attachment.metrics, *(chart.series for chart in self.attachment.charts))))

    @property
    def metrics_used(self) -> tuple[str, ...]:
        """The metrics the report prints, once each in the order it prints them: the narrative's, then the
        attachment's."""
        return tuple(dict.fromkeys((*self.narrative_metrics, *self.attachment_metrics)))


SPEC = TypeAdapter(ReportSpec)
KEYS = {(): tuple(sorted(SETTINGS)), ("attachment",): tuple(f.name for f in fields(AttachmentSpec)),
        ("attachment", "charts"): tuple(f.name for f in fields(ChartSpec))}


def _entry(settings: dict[str, Any]):
    def entry(loc: tuple[Any, ...]) -> str | None:
        if not loc:
            return "front matter"
        if loc == ("attachment",):
            return "attachment"
        if len(loc) == 3 and loc[:2] == ("attachment", "charts") and isinstance(loc[2], int):
            attachment = settings.get("attachment")
            charts = attachment.get("charts") if isinstance(attachment, dict) else None
            chart = charts[loc[2]] if isinstance(charts, list) and loc[2] < len(charts) else None
            title = chart.get("title") if isinstance(chart, dict) else None
            return f"attachment chart {loc[2] + 1}" + (f" ({title})" if title else "")
        return None
    return entry


def unfilled(path: Path) -> list[str]:
    """What `annual-report new-region` left in a spec for the office to fill in: its 【…】 marks and "……"
    paragraphs, once each in order."""
    return list(dict.fromkeys(UNFILLED.findall(path.read_text(encoding="utf-8"))))


def load_spec(path: Path) -> ReportSpec:
    """Read and check a report spec."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise SpecError(f"{path}: must start with YAML front matter between '---' lines")
    front, _, narrative = text[4:].partition("\n---\n")
    try:
        settings = yaml.load(front, Loader=SAFE_LOADER) or {}
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: front matter: {yaml_problem(exc, first_line=2)}") from None
    if not isinstance(settings, dict):
        raise SpecError(f"{path}: front matter must be a YAML mapping (title: ..., issuers: [...] ...)")
    lines = []
    for key in (key for key in settings if key not in SETTINGS):
        hint = difflib.get_close_matches(str(key), sorted(SETTINGS), n=1)
        said = f"did you mean {hint[0]!r}?" if hint else f"known: {', '.join(sorted(SETTINGS))}"
        lines.append(f"front matter: unknown key {key!r} ({said})")
    given = {k: v for k, v in settings.items() if k in SETTINGS and not (k in OPTIONAL and v in (None, "", [], {}))}
    try:
        spec = SPEC.validate_python({**given, "path": path, "narrative": narrative.strip() + "\n"})
    except ValidationError as exc:
        lines += problems(exc, _entry(settings), lambda loc: KEYS.get(tuple(x for x in loc if isinstance(x, str)), ()))
    if lines:
        raise SpecError("\n".join(f"{path}: {line}" for line in lines))
    return spec
