"""The metric catalogue: every metric a declaration in YAML, compiled to SQL over the staging views.

A metric is one of:
- a **measure** of a dataset: `measure` (count, count_distinct, sum, mean) `of` a dataset (`legal_aid_cases`) or
  of one of its columns (`legal_advice_app.value`), on the rows `where` keeps (SQL over the dataset's columns;
  `report_year` is the year reported on), placed in the year by the date `dated_by` names (without it, every
  row of the year's ledger counts). With `by: <column>` it is a series: one metric `<id>.<category>` per value
  of the column, its label the `label` with `{category}` filled in;
- a **ratio**: `numerator` (a metric, or a list of metrics added up) over `denominator`, unit %;
- a **share** by a category: `share_of` a measure, `by` a column: `<id>.<category>` is the category's part of the
  measure, unit %.

The shared library is `sql/metrics/*.yaml` (region-neutral); a region's own metrics are
`reports/<region>/metrics/*.yaml`. A region's entry with a library metric's id replaces it; an entry holding
only `variant: <name>` takes the library metric with one of its named `variants` (keys that replace the
library's). Hand-written `*.sql` models beside them say what a declaration cannot: rows of (metric_id, label,
value, unit). The datasets a metric reads are derived, from the declaration or from the tables a hand model
reads, never typed beside it.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass as plain_dataclass
from dataclasses import field, fields
from pathlib import Path
from typing import Any, Literal

import duckdb
import yaml
from pydantic import ValidationError, field_validator, model_validator
from pydantic.dataclasses import dataclass

from annual_report.intake.contracts import (
    IDENTIFIER,
    MODEL,
    SAFE_LOADER,
    Contract,
    problems,
    yaml_problem,
)
from annual_report.intake.validate import literal

# a sum over no rows is 0 (the ledger was submitted and has none); a mean over no rows has no value
AGGREGATES = {"count": "count(*)", "count_distinct": "count(distinct {column})", "sum": "coalesce(sum({column}), 0)",
              "mean": "avg({column})"}
RATE = "%"


class CatalogueError(ValueError):
    """A metric declaration is malformed or names what does not exist."""


def _identifiers(value: Any) -> Any:
    return (value,) if isinstance(value, str) else tuple(value) if isinstance(value, list) else value


@dataclass(frozen=True, config=MODEL)
class Metric:
    """One declared metric (see the module's docstring for its three kinds)."""

    id: str
    label: str
    unit: str = ""
    description: str = ""
    measure: Literal["count", "count_distinct", "sum", "mean"] | None = None
    of: str | None = None
    where: str | None = None
    dated_by: str | None = None
    by: str | None = None
    numerator: tuple[str, ...] = ()
    denominator: str | None = None
    share_of: str | None = None
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)

    @field_validator("numerator", mode="before")
    @classmethod
    def _metric_list(cls, value: Any) -> Any:
        return _identifiers(value)

    @model_validator(mode="after")
    def _one_kind(self) -> Metric:
        kinds = [name for name, given in (("measure", self.measure or self.of),
                                          ("ratio", self.numerator or self.denominator),
                                          ("share", self.share_of)) if given]
        if len(kinds) != 1:
            raise ValueError("a metric is one of: a measure (measure, of), a ratio (numerator, denominator) or a "
                             f"share (share_of, by); {'this one is ' + ' and '.join(kinds) if kinds else 'none given'}")
        if kinds == ["measure"] and not (self.measure and self.of):
            raise ValueError("a measure needs both `measure` (count, count_distinct, sum, mean) and `of`")
        if kinds == ["measure"] and (self.measure == "count") == ("." in self.of):
            raise ValueError(f"`of: {self.of}`: count takes a dataset, the other measures a dataset's column "
                             "(dataset.column)")
        if kinds == ["ratio"] and not (self.numerator and self.denominator):
            raise ValueError("a ratio needs both `numerator` and `denominator`")
        if kinds == ["share"] and not self.by:
            raise ValueError("a share needs `by`, the column whose values are its categories")
        if kinds != ["measure"] and (self.where or self.dated_by):
            raise ValueError("`where` and `dated_by` belong to a measure; a ratio or a share takes its measures'")
        if self.by and "{category}" not in self.label:
            raise ValueError("a metric by category needs `{category}` in its label (e.g. \"{category}案件\")")
        return self

    @property
    def kind(self) -> str:
        return "measure" if self.measure else "ratio" if self.numerator else "share"

    @property
    def dataset(self) -> str:
        return self.of.partition(".")[0]

    @property
    def components(self) -> tuple[str, ...]:
        """The metrics this one is computed from."""
        return (*self.numerator, self.denominator) if self.kind == "ratio" else \
            (self.share_of,) if self.kind == "share" else ()


@plain_dataclass(frozen=True)
class RowSet:
    """Rows behind a figure, or behind one part of it (a ratio's numerator or denominator): the measure they are
    rows of (None for a hand-written model's, which are every row of the year of a dataset it reads), and the query
    that selects them from the staged rows given."""

    part: str               # 明细, 分子 or 分母
    label: str
    dataset: str
    measure: Metric | None
    sql: str


@plain_dataclass(frozen=True)
class Catalogue:
    """A region's metrics: the declarations in force and the hand-written models, from the library and the region."""

    metrics: dict[str, Metric]
    models: tuple[Path, ...] = ()
    sources: dict[str, Path] = field(default_factory=dict)  # the file declaring each metric

    def check(self, contracts: dict[str, Contract], needed: set[str] | None = None, spec: Path | None = None) -> None:
        """Every declaration names metrics, datasets and columns that exist, and the SQL (`where`) of each needed
        one (all by default) runs on its dataset's columns: tried on empty tables shaped by the contracts,
        before any ledger is read."""
        lines = []
        for metric in self.metrics.values():
            lines += [f"{self.sources.get(metric.id, '')}: metric {metric.id!r}: {line}"
                      for line in _unknown_names(metric, self.metrics, contracts)]
        if not lines:
            lines = self._sql_problems(contracts, set(self.metrics) if needed is None else needed, spec)
        if lines:
            raise CatalogueError("\n".join(lines))

    def _sql_problems(self, contracts: dict[str, Contract], needed: set[str], spec: Path | None) -> list[str]:
        lines = []
        with duckdb.connect() as con:
            for contract in contracts.values():
                columns = ", ".join(contract.column_definitions)
                con.execute(f"create table stg_{contract.dataset} (report_year integer, {columns})")
            con.execute("set variable report_year = 2000")
            lines += [f"{spec or 'the spec'}: {line}" for line in self._unknown(con, needed)]
            for metric in (m for m in self.metrics.values() if m.kind == "measure" and m.id in needed):
                try:
                    con.execute(f"{_measure_sql(metric)} limit 0")
                except duckdb.Error as error:
                    columns = ", ".join(c.name for c in contracts[metric.dataset].columns)
                    lines.append(f"{self.sources.get(metric.id, '')}: metric {metric.id!r}: "
                                 f"`where: {metric.where}` does not run on {metric.dataset} "
                                 f"({str(error).splitlines()[0]}; its columns: {columns})")
        return lines

    def needed(self, used: Iterable[str]) -> set[str]:
        """The metric ids a report using `used` needs computed: those, and every metric they are computed from."""
        needed, todo = set(), list(used)
        while todo:
            metric_id = todo.pop()
            if metric_id not in needed:
                needed.add(metric_id)
                todo += self.metrics[metric_id].components if metric_id in self.metrics else ()
        return needed

    def row_sets(self, metric_id: str, datasets: list[str], staged: dict[str, str]) -> list[RowSet]:
        """The rows behind a metric's figure (`<id>.<category>` for a series' or a share's category): a measure's
        rows, a ratio's numerators' and its denominator's, a share's category's rows over all the categorised
        rows; a hand-written metric's, every row of the year of each of its datasets. `staged` gives each
        dataset's staged rows (metrics.staged)."""
        base, _, category = metric_id.partition(".")
        metric = self.metrics.get(metric_id) or self.metrics.get(base)
        if metric is None:  # a hand-written model's
            return [RowSet("明细", metric_id, dataset, None,
                           f"select * from ({staged[dataset]}) where report_year = getvariable('report_year')")
                    for dataset in datasets]
        if metric.kind == "ratio":
            parts = [("分子", self.metrics.get(n), n) for n in metric.numerator]
            parts.append(("分母", self.metrics.get(metric.denominator), metric.denominator))
            return [RowSet(part, row_set.label, row_set.dataset, row_set.measure, row_set.sql)
                    for part, component, component_id in parts
                    for row_set in (self.row_sets(component_id, [component.dataset] if component else datasets,
                                                  staged))]
        if metric.kind == "share":
            base_measure = self.metrics[metric.share_of]
            rows = _rows(base_measure, staged[base_measure.dataset])
            return [RowSet("分子", metric.label.replace("{category}", category), base_measure.dataset, base_measure,
                           f"select * from ({rows}) where {metric.by} = {literal(category)}"),
                    RowSet("分母", base_measure.label, base_measure.dataset, base_measure,
                           f"select * from ({rows}) where {metric.by} is not null")]
        rows = _rows(metric, staged[metric.dataset])
        if metric.by:
            return [RowSet("明细", metric.label.replace("{category}", category), metric.dataset, metric,
                           f"select * from ({rows}) where {metric.by} = {literal(category)}")]
        return [RowSet("明细", metric.label, metric.dataset, metric, rows)]

    def sql(self, needed: set[str]) -> str:
        """One query of (metric_id, label, value, unit, datasets) for `getvariable('report_year')`: the needed
        declared metrics and the rows of the hand-written models whose ids (or series) are needed."""
        selects = [_measure_sql(m) for m in self.metrics.values() if m.id in needed and m.kind == "measure"]
        selects += [_hand_sql(path) for path in self.models]
        computed = "\nunion all by name\n".join(f"({select})" for select in selects) or \
            "select null::varchar as metric_id, null::varchar as label, null::double as value, " \
            "null::varchar as unit, []::varchar[] as datasets where false"
        derived = [_ratio_sql(m) if m.kind == "ratio" else _share_sql(m, self.metrics[m.share_of])
                   for m in self.metrics.values() if m.id in needed and m.kind != "measure"]
        ids = ", ".join(literal(i) for i in sorted(needed)) or "null"
        return (f"with computed as (\n{computed}\n),\n\nfinal as (\n"
                + "\nunion all by name\n".join(["select * from computed", *derived])
                + f"\n)\n\nselect * from final\nwhere metric_id in ({ids}) or split_part(metric_id, '.', 1) in ({ids})")


    def _unknown(self, con: duckdb.DuckDBPyConnection, needed: set[str]) -> list[str]:
        """The needed metrics nothing computes: neither declared nor an id a hand-written model returns (known
        when each model returns its ids on empty tables, as one computing a total does; a model whose ids come
        from its rows leaves the question to the render, which names the metric then)."""
        unknown = sorted(needed - set(self.metrics))
        returned: set[str] = set()
        for path in self.models if unknown else ():
            ids = {i for (i,) in con.execute(f"select distinct metric_id from ({_hand_sql(path)})").fetchall()}
            if not ids:
                return []
            returned |= ids
        known = sorted(set(self.metrics) | returned)
        lines = []
        for metric_id in (i for i in unknown if i not in returned):
            hint = difflib.get_close_matches(metric_id, known, n=1)
            lines.append(f"the report prints metric {metric_id!r}, which no declaration or model computes"
                         + (f" (did you mean {hint[0]!r}?)" if hint else ""))
        return lines


def load_catalogue(*folders: Path) -> Catalogue:
    """The metrics of the folders in order (the library first, then the region's), later entries replacing
    earlier ones with the same id."""
    metrics: dict[str, Metric] = {}
    sources: dict[str, Path] = {}
    models: list[Path] = []
    for folder in folders:
        for path in sorted(folder.glob("*.yaml")):
            for metric_id, raw in _entries(path).items():
                metrics[metric_id] = _declared(path, metric_id, raw, metrics.get(metric_id))
                sources[metric_id] = path
        models += sorted(folder.glob("*.sql"))
    return Catalogue(metrics, tuple(models), sources)


def _entries(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: {yaml_problem(exc)}") from None
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise CatalogueError(f"{path}: must map each metric id to its declaration (label, unit, measure, of ...)")
    for metric_id in raw:
        if not IDENTIFIER.fullmatch(str(metric_id)):
            raise CatalogueError(f"{path}: metric id {metric_id!r}: use lower-case letters, digits and '_'")
    return raw


def _declared(path: Path, metric_id: str, raw: dict[str, Any], library: Metric | None) -> Metric:
    """The metric an entry declares; `variant: <name>` alone takes a library metric's named variant."""
    if "variant" in raw:
        if set(raw) != {"variant"} or library is None or raw["variant"] not in library.variants:
            known = ", ".join(library.variants) if library else "none: no library metric has this id"
            raise CatalogueError(f"{path}: metric {metric_id!r}: `variant` alone picks one of the library "
                                 f"metric's variants (known: {known or 'none'})")
        changes = library.variants[raw["variant"]]
        return _validated(path, metric_id, {k.name: getattr(library, k.name) for k in fields(Metric)}
                          | {"variants": {}} | changes)
    return _validated(path, metric_id, {**raw, "id": metric_id})


def _validated(path: Path, metric_id: str, raw: dict[str, Any]) -> Metric:
    try:
        return Metric(**raw)
    except ValidationError as exc:
        keys = [f.name for f in fields(Metric) if f.name != "id"]
        lines = problems(exc, lambda loc: "" if not loc else None, lambda loc: keys)
        raise CatalogueError("\n".join(f"{path}: metric {metric_id!r}: {line}" for line in lines)) from None
    except TypeError as exc:  # an unknown key, as a dataclass says it
        raise CatalogueError(f"{path}: metric {metric_id!r}: {exc}") from None


def _unknown_names(metric: Metric, metrics: dict[str, Metric], contracts: dict[str, Contract]) -> list[str]:
    lines = []
    for component in metric.components:
        if component not in metrics:
            hint = difflib.get_close_matches(component, list(metrics), n=1)
            lines.append(f"no metric {component!r}" + (f" (did you mean {hint[0]!r}?)" if hint else ""))
        elif metrics[component].kind != "measure" and metric.kind == "share":
            lines.append(f"share_of {component!r}: a share is taken of a measure")
        elif metrics[component].kind != "measure":
            lines.append(f"{component!r} is a {metrics[component].kind}: a ratio is taken of measures (or of "
                         "hand-written metrics)")
    if metric.kind == "measure":
        contract = contracts.get(metric.dataset)
        if contract is None:
            hint = difflib.get_close_matches(metric.dataset, list(contracts), n=1)
            return [*lines, f"no dataset {metric.dataset!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")]
        columns = [c.name for c in contract.columns]
        named = [metric.of.partition(".")[2], metric.dated_by, metric.by]
        lines += [f"dataset {metric.dataset!r} has no column {name!r} (its columns: {', '.join(columns)})"
                  for name in named if name and name not in columns]
    return lines


def _rows(metric: Metric, staged: str | None = None) -> str:
    """The rows a measure counts: the year's ledger (`stg_<dataset>`, or the staged rows given), placed in the year
    by its date, filtered."""
    conditions = ["report_year = getvariable('report_year')"]
    if metric.dated_by:
        conditions.append(f"year({metric.dated_by}) = getvariable('report_year')")
    if metric.where:
        conditions.append(f"({metric.where})")
    source = f"({staged})" if staged else f"stg_{metric.dataset}"
    return f"select * from {source} where {' and '.join(conditions)}"


def _aggregate(metric: Metric) -> str:
    return AGGREGATES[metric.measure].format(column=metric.of.partition(".")[2])


def _measure_sql(metric: Metric) -> str:
    datasets = f"[{literal(metric.dataset)}]"
    if metric.by:
        return (f"select {literal(metric.id + '.')} || {metric.by} as metric_id, "
                f"replace({literal(metric.label)}, '{{category}}', {metric.by}) as label, "
                f"{_aggregate(metric)}::double as value, {literal(metric.unit)} as unit, {datasets} as datasets\n"
                f"from ({_rows(metric)}) where {metric.by} is not null group by {metric.by}")
    return (f"select {literal(metric.id)} as metric_id, {literal(metric.label)} as label, "
            f"{_aggregate(metric)}::double as value, {literal(metric.unit)} as unit, {datasets} as datasets\n"
            f"from ({_rows(metric)})")


def _share_sql(metric: Metric, base: Metric) -> str:
    """Each category's part of the base measure, over the rows that have a category."""
    return (f"select {literal(metric.id + '.')} || {metric.by} as metric_id, "
            f"replace({literal(metric.label)}, '{{category}}', {metric.by}) as label, "
            f"{_aggregate(base)}::double / nullif(sum({_aggregate(base)}) over (), 0) as value, "
            f"{literal(metric.unit or RATE)} as unit, [{literal(base.dataset)}] as datasets\n"
            f"from ({_rows(base)}) where {metric.by} is not null group by {metric.by}")


def _ratio_sql(metric: Metric) -> str:
    numerator = ", ".join(literal(m) for m in metric.numerator)
    return (f"select {literal(metric.id)} as metric_id, {literal(metric.label)} as label,\n"
            f"       (select sum(value) from computed where metric_id in ({numerator}))\n"
            f"       / nullif((select any_value(value) from computed where metric_id = {literal(metric.denominator)}), 0)"
            f" as value,\n"
            f"       {literal(metric.unit or RATE)} as unit,\n"
            f"       (select list_sort(list_distinct(flatten(list(datasets)))) from computed\n"
            f"        where metric_id in ({', '.join(literal(m) for m in metric.components)})) as datasets")


@functools.cache
def datasets_read(sql: str, path: Path) -> list[str]:
    """The datasets a SQL model reads: every `stg_<dataset>` table its parse tree names (a model's lineage, never
    typed beside it). The parser's, not `duckdb.get_table_names`, which binds the query and fails on a join
    `using` columns of tables it does not have."""
    with duckdb.connect() as con:
        tree = json.loads(con.execute("select json_serialize_sql(?)", [sql]).fetchall()[0][0])
    if tree.get("error"):
        raise CatalogueError(f"{path}: not a valid SQL query ({tree.get('error_message', '').splitlines()[0]})")
    return sorted(t.removeprefix("stg_") for t in _base_tables(tree) if t.startswith("stg_"))


def _base_tables(node: Any) -> set[str]:
    """The names of the tables a parse tree reads (a CTE's name among them where it is read)."""
    if isinstance(node, dict):
        found = {node["table_name"]} if node.get("type") == "BASE_TABLE" else set()
        return found.union(*(_base_tables(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_base_tables(value) for value in node))
    return set()


def _hand_sql(path: Path) -> str:
    """A hand-written model's rows, with the datasets it reads as its lineage."""
    sql = path.read_text(encoding="utf-8")
    datasets = datasets_read(sql, path)
    return (f"select metric_id, label, value::double as value, unit, "
            f"[{', '.join(literal(d) for d in datasets)}]::varchar[] as datasets\nfrom (\n{sql}\n)")
