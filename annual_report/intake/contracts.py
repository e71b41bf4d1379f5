"""Data contracts: one YAML description per dataset a department submits.

Everything about a dataset is derived from its contract: header matching, validation,
the warehouse table, the staging view and the blank template a department fills in.

A contract parses into typed, frozen models that refuse unknown keys, so a misspelt key
(`requird: true`) fails loading instead of being silently ignored.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import field, fields
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import (
    ConfigDict,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.dataclasses import dataclass

if TYPE_CHECKING:
    from annual_report.settings import Settings

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
# where a date column's dates must fall (its `year`): inside the report year, or on or before its 31 December
# (a case received last year and still handled this year)
YEAR_RULES = ("within", "not_after")
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when PyYAML was built with it
IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")
# characters a header cell may carry unseen (pasted from a web page or a word processor): folded out
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
MODEL = ConfigDict(extra="forbid")


class ContractError(ValueError):
    """A contract file is not a valid description of a dataset."""


def normalize_header(text: str) -> str:
    """Fold a header cell for matching: full-width to half-width, no spaces, no zero-width characters."""
    return "".join(unicodedata.normalize("NFKC", text).translate(ZERO_WIDTH).split()).lower()


# headers of a row-number column (1, 2, 3 ...): never a key, which identifies the row itself.
# 编号 is not among them: it is the short form of a key's header (救助编号, 任务编号 ...).
ROW_NUMBER_HEADERS = frozenset(normalize_header(h) for h in ("序号", "行号", "顺序号", "序列号", "排序号", "No.", "No", "#"))


def _strings(value: Any) -> Any:
    """A YAML list of scalars as a tuple of strings (YAML reads 2021 as a number, 2021-07-08 as a date)."""
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return value


@dataclass(frozen=True, config=MODEL)
class Column:
    name: str
    header: str
    type: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    synonyms: dict[str, str] = field(default_factory=dict)
    min: int | float | None = None  # as YAML wrote it: 0 stays 0 in the SQL and the messages
    max: int | float | None = None
    pattern: str | None = None
    year: str | None = None  # one of YEAR_RULES; an empty date is the business of `required`
    example: str = ""

    @field_validator("aliases", "values", mode="before")
    @classmethod
    def _as_strings(cls, value: Any) -> Any:
        return _strings(value)

    @field_validator("synonyms", mode="before")
    @classmethod
    def _as_string_map(cls, value: Any) -> Any:
        if value is None:
            return {}
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else value

    @field_validator("example", mode="before")
    @classmethod
    def _as_string(cls, value: Any) -> Any:
        return "" if value is None else str(value)

    @field_validator("min", "max", mode="before")
    @classmethod
    def _a_number(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError(f"{info.field_name} must be a number, not {value!r}")
        return value

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not IDENTIFIER.fullmatch(value):
            raise ValueError(f"names must be lower-case identifiers ([a-z][a-z0-9_]*), not {value!r}")
        return value

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in SQL_TYPES:
            raise ValueError(f"unknown type {value!r} (known: {', '.join(SQL_TYPES)})")
        return value

    @field_validator("year", mode="before")
    @classmethod
    def _known_year_rule(cls, value: Any) -> Any:
        if value is not None and value not in YEAR_RULES:
            raise ValueError(f"year must be one of {YEAR_RULES}, not {value!r}")
        return value

    @model_validator(mode="after")
    def _enum(self) -> Column:
        if self.type == "enum" and not self.values:
            raise ValueError("enum column lists no values")
        unknown = sorted(set(self.synonyms.values()) - set(self.values))
        if unknown:
            raise ValueError(f"synonyms map to unknown values {unknown} (values: {list(self.values)})")
        return self

    @model_validator(mode="after")
    def _year_of_a_date(self) -> Column:
        if self.year is not None and self.type != "date":
            raise ValueError(f"year is for date columns, not a {self.type} column")
        return self

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    def header_forms(self) -> set[str]:
        return {normalize_header(h) for h in (self.header, self.name, *self.aliases)}

    @cached_property
    def _own_forms(self) -> frozenset[str]:
        """The column's own header and name, folded: these win over any other column's alias."""
        return frozenset((normalize_header(self.header), normalize_header(self.name)))

    @cached_property
    def _alias_forms(self) -> frozenset[str]:
        return frozenset(normalize_header(a) for a in self.aliases)


@dataclass(frozen=True, config=MODEL)
class Check:
    """A rule over one row's typed values (a SQL predicate) that must hold."""

    column: str
    rule: str
    message: str


@dataclass(frozen=True, config=MODEL)
class Concluded:
    """The column that marks a case concluded (`concluded_by`): the case is concluded once the column holds a
    value other than one of `still_open` (a court's 审理中); while it is empty the case is open."""

    column: str
    still_open: tuple[str, ...] = ()

    @field_validator("still_open", mode="before")
    @classmethod
    def _as_strings(cls, value: Any) -> Any:
        return _strings(value)


@dataclass(frozen=True, kw_only=True, config=MODEL)
class Contract:
    dataset: str
    title: str
    department: str
    description: str = ""
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    checks: tuple[Check, ...] = ()
    # reject_rows: valid rows load and each bad row is listed; hold_file: one bad row holds the
    # whole file back (for registers whose every row is a denominator, e.g. all villages)
    on_error: str = "reject_rows"
    # a case ledger's key may not repeat one the department submitted for another year, unless concluded_by
    # names the column marking a case concluded: then a case still open in an earlier year's ledger may come
    # again in a later year's (the case moving on), and only a concluded case's key may not
    key_across_years: bool = False
    concluded_by: Concluded | None = None
    # not a YAML key: the first 16 hex digits of the sha256 of the contract file, set by load_contract
    version: str = ""

    @field_validator("dataset")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not IDENTIFIER.fullmatch(value):
            raise ValueError(f"dataset ids must be lower-case identifiers ([a-z][a-z0-9_]*), not {value!r}")
        return value

    @field_validator("key", "columns")
    @classmethod
    def _not_empty(cls, value: tuple[Any, ...], info: ValidationInfo) -> tuple[Any, ...]:
        if not value:
            raise ValueError(f"{info.field_name} lists nothing")
        return value

    @field_validator("on_error")
    @classmethod
    def _known_on_error(cls, value: str) -> str:
        if value not in ON_ERROR:
            raise ValueError(f"on_error must be one of {ON_ERROR}, not {value!r}")
        return value

    @field_validator("concluded_by", mode="before")
    @classmethod
    def _a_column_alone(cls, value: Any) -> Any:
        """`concluded_by: concluded_on` says `concluded_by: {column: concluded_on}`."""
        return {"column": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _consistent(self) -> Contract:
        names = [c.name for c in self.columns]
        if twice := sorted({n for n in names if names.count(n) > 1}):
            raise ValueError(f"duplicate column names {twice}")
        headed: dict[str, str] = {}
        for column in self.columns:
            form = normalize_header(column.header)
            if form in headed:
                raise ValueError(f"columns {headed[form]!r} and {column.name!r} have the same header {column.header!r}")
            headed[form] = column.name
        for name in self.key:
            if name not in names:
                raise ValueError(f"key {name!r} is not a column")
        for number, check in enumerate(self.checks, start=1):
            if check.column not in names:
                raise ValueError(f"check {number}: {check.column!r} is not a column")
        if self.concluded_by is not None:
            self._check_concluded_by(names)
        for name in self.key:
            column = self.column(name)
            if numbers := [h for h in (column.header, *column.aliases) if normalize_header(h) in ROW_NUMBER_HEADERS]:
                raise ValueError(f"key column {name!r} has the row-number header {numbers[0]!r}: a 序号 column "
                                 "numbers the rows, it does not identify them; remove it from the column's aliases")
        return self

    def _check_concluded_by(self, names: list[str]) -> None:
        concluded = self.concluded_by
        if not self.key_across_years:
            raise ValueError("concluded_by says when a case may come again in a later year's ledger: "
                             "it needs key_across_years: true")
        if concluded.column not in names:
            raise ValueError(f"concluded_by: {concluded.column!r} is not a column")
        column = self.column(concluded.column)
        if concluded.still_open and column.type != "enum":
            raise ValueError(f"concluded_by: still_open lists values of an enum column, and {column.name!r} "
                             f"is a {column.type} column")
        if unknown := sorted(set(concluded.still_open) - set(column.values)):
            raise ValueError(f"concluded_by: still_open lists unknown values {unknown} "
                             f"(values of {column.name!r}: {list(column.values)})")

    @property
    def table(self) -> str:
        """The warehouse table holding every loaded row of every submission."""
        return f"raw_{self.dataset}"

    @property
    def column_definitions(self) -> list[str]:
        """Each column as a table definition declares it: `name TYPE`."""
        return [f"{c.name} {c.sql_type}" for c in self.columns]

    @property
    def required_columns(self) -> list[Column]:
        return [c for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def match_headers(self, headers: list[str]) -> dict[str, int]:
        """Map column name -> position in the file, for the headers this contract knows.

        Two passes: first each column's own header (or name), then, for the columns still unmatched and the
        positions still free, the aliases. So a column's own header wins over another column's alias
        wherever the two sit in the file. Within a pass the leftmost position wins."""
        folded = [normalize_header(h) for h in headers]
        positions: dict[str, int] = {}
        for forms in ("_own_forms", "_alias_forms"):
            taken = set(positions.values())
            for position, header in enumerate(folded):
                if position in taken:
                    continue
                for column in self.columns:
                    if column.name not in positions and header in getattr(column, forms):
                        positions[column.name] = position
                        break
        return dict(sorted(positions.items(), key=lambda item: item[1]))


CONTRACT = TypeAdapter(Contract)
# the keys a contract file may have, per entry (version is the loader's, not the file's)
CONTRACT_KEYS = {"": tuple(f.name for f in fields(Contract) if f.name != "version"),
                 "columns": tuple(f.name for f in fields(Column)), "checks": tuple(f.name for f in fields(Check)),
                 "concluded_by": tuple(f.name for f in fields(Concluded))}


def problems(error: ValidationError, entry: Callable[[tuple[Any, ...]], str | None],
             known: Callable[[tuple[Any, ...]], Iterable[str]]) -> list[str]:
    """One readable line per problem pydantic found.

    entry(loc) names the entry a location is, or None when it is a field of an entry; known(loc) lists
    the keys the entry at loc may have (for unknown keys: did you mean ...?)."""
    lines = []
    for problem in error.errors(include_url=False):
        loc = tuple(problem["loc"])
        depth = next(d for d in range(len(loc), -1, -1) if entry(loc[:d]) is not None)
        where, rest = entry(loc[:depth]), loc[depth:]
        prefix = f"{where}: " if where else ""
        kind = problem["type"]
        if kind in ("unexpected_keyword_argument", "extra_forbidden") and len(rest) == 1:
            keys = list(known(loc[:depth]))
            hint = difflib.get_close_matches(str(rest[0]), keys, n=1)
            said = f"did you mean {hint[0]!r}?" if hint else f"known: {', '.join(keys)}"
            lines.append(f"{prefix}unknown key {rest[0]!r} ({said})")
        elif kind in ("missing", "missing_argument", "missing_keyword_only_argument") and len(rest) == 1:
            lines.append(f"{prefix}lacks {rest[0]!r}")
        elif kind in ("value_error", "assertion_error"):
            lines.append(f"{prefix}{problem['ctx']['error']}")
        else:
            field_name = ".".join(map(str, rest))
            given = repr(problem["input"])
            given = given if len(given) <= 80 else given[:77] + "..."
            lines.append(f"{prefix}{field_name + ': ' if field_name else ''}{problem['msg']} (got {given})")
    return lines


def yaml_problem(error: yaml.YAMLError, first_line: int = 1) -> str:
    """A YAML parser's complaint on one line, with where it is in the file (first_line: the text's first line)."""
    mark = getattr(error, "problem_mark", None)
    where = f" at line {mark.line + first_line}, column {mark.column + 1}" if mark else ""
    return f"not valid YAML: {getattr(error, 'problem', None) or ' '.join(str(error).split())}{where}"


def _contract_entry(raw: dict[str, Any]) -> Callable[[tuple[Any, ...]], str | None]:
    def entry(loc: tuple[Any, ...]) -> str | None:
        if not loc:
            return ""
        if loc == ("concluded_by",):
            return "concluded_by"
        if len(loc) == 2 and loc[0] in ("columns", "checks") and isinstance(loc[1], int):
            items = raw.get(loc[0])
            item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
            item = item if isinstance(item, dict) else {}
            if loc[0] == "columns":
                return f"column {item['name']!r}" if "name" in item else f"column {loc[1] + 1}"
            return f"check {loc[1] + 1}" + (f" on {item['column']!r}" if "column" in item else "")
        return None
    return entry


def _raw_contract(path: Path) -> tuple[dict[str, Any], bytes]:
    data = path.read_bytes()
    try:
        raw = yaml.load(data.decode("utf-8"), Loader=SAFE_LOADER)
    except UnicodeDecodeError as exc:
        raise ContractError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except yaml.YAMLError as exc:
        raise ContractError(f"{path}: {yaml_problem(exc)}") from None
    if not isinstance(raw, dict):
        raise ContractError(f"{path}: must be a YAML mapping (dataset, title, department, key, columns ...)")
    if "version" in raw:
        raise ContractError(f"{path}: unknown key 'version' (a contract's version is the sha256 of its file, "
                            "set when it loads)")
    return raw, data


def _validated(path: Path, raw: dict[str, Any], data: bytes) -> Contract:
    try:
        contract = CONTRACT.validate_python({**raw, "version": hashlib.sha256(data).hexdigest()[:16]})
    except ValidationError as exc:
        lines = problems(exc, _contract_entry(raw), lambda loc: CONTRACT_KEYS[loc[0] if loc else ""])
        raise ContractError("\n".join(f"{path}: {line}" for line in lines)) from None
    if path.stem != contract.dataset:
        raise ContractError(f"{path}: file name must be the dataset id {contract.dataset!r}")
    return contract


def load_contract(path: Path) -> Contract:
    return _validated(path, *_raw_contract(path))


def _local_values(path: Path, shared: dict[str, Any], local: dict[str, Any]) -> dict[str, Any]:
    """A shared contract with a region's local values: top-level keys replaced, and `columns` given as a
    mapping of column name -> the keys of that column to replace (e.g. the values a region's enum allows)."""
    columns = local.get("columns", {})
    names = [c.get("name") for c in shared["columns"]]
    if not isinstance(columns, dict) or not all(isinstance(v, dict) for v in columns.values()):
        raise ContractError(f"{path}: a region's local values give `columns` as a mapping of column name to "
                            "the keys it changes (e.g. `columns: {kind: {values: [...]}}`)")
    for name in columns:
        if name not in names:
            hint = difflib.get_close_matches(str(name), [str(n) for n in names], n=1)
            raise ContractError(f"{path}: the shared contract has no column {name!r}"
                                + (f" (did you mean {hint[0]!r}?)" if hint else f" (its columns: {', '.join(names)})"))
    return shared | {k: v for k, v in local.items() if k != "columns"} | {
        "columns": [column | columns.get(column.get("name"), {}) for column in shared["columns"]]}


def load_contracts(directory: Path, region: Path | None = None) -> dict[str, Contract]:
    """Every contract in a folder, by dataset id; with a region's folder of contracts, its own contracts added
    and, in a file named after a shared contract without a `dataset` key, its local values for that contract."""
    raws = {path.stem: (path, *_raw_contract(path)) for path in sorted(directory.glob("*.yaml"))}
    if not raws:
        raise ContractError(f"no contracts in {directory}")
    for path in sorted(region.glob("*.yaml")) if region and region.is_dir() else ():
        local, data = _raw_contract(path)
        if "dataset" in local or path.stem not in raws:
            raws[path.stem] = (path, local, data)
        else:
            _, shared, shared_data = raws[path.stem]
            raws[path.stem] = (path, _local_values(path, shared, local), shared_data + data)
    contracts = {}
    for path, raw, data in raws.values():
        contract = _validated(path, raw, data)
        contracts[contract.dataset] = contract
    return contracts


def region_contracts(settings: Settings) -> dict[str, Contract]:
    """The contracts the settings' region takes its files by: the shared ones, with the region's own contracts
    and its local values (reports/<region>/contracts/)."""
    return load_contracts(settings.contracts, settings.region_pack(settings.region) / "contracts")
