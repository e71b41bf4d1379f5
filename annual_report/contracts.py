"""Data contracts: one YAML description per dataset a department submits.

Everything about a dataset is derived from its contract: header matching, validation,
the warehouse table, the staging view and the blank template a department fills in.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# contract type -> DuckDB column type
SQL_TYPES = {
    "text": "VARCHAR",
    "enum": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DECIMAL(18, 2)",
    "date": "DATE",
    "boolean": "BOOLEAN",
}

ON_ERROR = ("reject_rows", "hold_file")
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when PyYAML was built with it
IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")


class ContractError(ValueError):
    """A contract file is not a valid description of a dataset."""


def normalize_header(text: str) -> str:
    """Fold a header cell for matching: full-width to half-width, no spaces."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


@dataclass(frozen=True)
class Column:
    name: str
    header: str
    type: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    synonyms: dict[str, str] = field(default_factory=dict)
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    within_year: bool = False
    example: str = ""

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    def header_forms(self) -> set[str]:
        return {normalize_header(h) for h in (self.header, self.name, *self.aliases)}


@dataclass(frozen=True)
class Check:
    """A rule over one row's typed values (a SQL predicate) that must hold."""

    column: str
    rule: str
    message: str


@dataclass(frozen=True)
class Contract:
    dataset: str
    title: str
    department: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    checks: tuple[Check, ...] = ()
    # reject_rows: valid rows load and each bad row is listed; hold_file: one bad row holds the
    # whole file back (for registers whose every row is a denominator, e.g. all villages)
    on_error: str = "reject_rows"
    # a case ledger's key may not repeat one the department submitted for another year
    key_across_years: bool = False

    @property
    def table(self) -> str:
        """The warehouse table holding every loaded row of every submission."""
        return f"raw_{self.dataset}"

    @property
    def required_columns(self) -> list[Column]:
        return [c for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def match_headers(self, headers: list[str]) -> dict[str, int]:
        """Map column name -> position in the file, for the headers this contract knows."""
        positions: dict[str, int] = {}
        for position, header in enumerate(headers):
            folded = normalize_header(header)
            for column in self.columns:
                if folded in column.header_forms() and column.name not in positions:
                    positions[column.name] = position
                    break
        return positions


def _column(raw: dict[str, Any], source: Path) -> Column:
    kind = raw.get("type")
    if kind not in SQL_TYPES:
        raise ContractError(f"{source}: column {raw.get('name')!r} has unknown type {kind!r}")
    values = tuple(str(v) for v in raw.get("values", ()))
    if kind == "enum" and not values:
        raise ContractError(f"{source}: enum column {raw['name']!r} lists no values")
    synonyms = {str(k): str(v) for k, v in (raw.get("synonyms") or {}).items()}
    unknown = set(synonyms.values()) - set(values)
    if unknown:
        raise ContractError(f"{source}: synonyms of {raw['name']!r} map to unknown values {unknown}")
    return Column(
        name=raw["name"],
        header=raw["header"],
        type=kind,
        required=bool(raw.get("required", False)),
        aliases=tuple(raw.get("aliases", ())),
        values=values,
        synonyms=synonyms,
        min=raw.get("min"),
        max=raw.get("max"),
        pattern=raw.get("pattern"),
        within_year=bool(raw.get("within_year", False)),
        example=str(raw.get("example", "")),
    )


def load_contract(path: Path) -> Contract:
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    try:
        columns = tuple(_column(c, path) for c in raw["columns"])
        contract = Contract(
            dataset=raw["dataset"],
            title=raw["title"],
            department=raw["department"],
            description=raw.get("description", ""),
            key=tuple(raw["key"]),
            columns=columns,
            checks=tuple(Check(**c) for c in raw.get("checks", ())),
            on_error=raw.get("on_error", "reject_rows"),
            key_across_years=bool(raw.get("key_across_years", False)),
        )
    except (KeyError, TypeError) as exc:
        raise ContractError(f"{path}: missing or malformed entry {exc}") from exc
    names = [c.name for c in columns]
    bad = [n for n in (contract.dataset, *names) if not IDENTIFIER.fullmatch(n)]
    if bad:
        raise ContractError(f"{path}: names must be lower-case identifiers: {bad}")
    if len(set(names)) != len(names):
        raise ContractError(f"{path}: duplicate column names")
    for name in (*contract.key, *(c.column for c in contract.checks)):
        if name not in names:
            raise ContractError(f"{path}: {name!r} is not a column")
    if contract.on_error not in ON_ERROR:
        raise ContractError(f"{path}: on_error must be one of {ON_ERROR}")
    if path.stem != contract.dataset:
        raise ContractError(f"{path}: file name must be the dataset id {contract.dataset!r}")
    return contract


def load_contracts(directory: Path) -> dict[str, Contract]:
    """Every contract in a folder, by dataset id."""
    contracts = {}
    for path in sorted(directory.glob("*.yaml")):
        contract = load_contract(path)
        contracts[contract.dataset] = contract
    if not contracts:
        raise ContractError(f"no contracts in {directory}")
    return contracts
