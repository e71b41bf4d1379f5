"""Build a region's metrics table from the metric catalogue (`catalogue`) over the staging views.

`sql/staging/stg_dataset.sql` is rendered once per contract into a view `stg_<dataset>`; the catalogue's
query then gives rows of (metric_id, label, value, unit, datasets) for `getvariable('report_year')`, for the
metrics the region's report prints and those they are computed from. A metric whose datasets were not
submitted for that year has no value (never a silent zero). The year-on-year step joins each metric to the
prior year's value with Polars.
"""

from __future__ import annotations

import functools
from pathlib import Path

import duckdb
import jinja2
import polars as pl

from annual_report.intake.contracts import Contract
from annual_report.intake.validate import literal
from annual_report.warehouse.catalogue import Catalogue
from annual_report.warehouse.database import transaction

METRICS_SCHEMA = """
create table if not exists metrics (
    region varchar not null,
    metric_id varchar not null,
    year integer not null,
    label varchar not null,
    value double,
    unit varchar not null,
    prior_value double,
    change double,             -- (value - prior_value) / prior_value
    datasets varchar[] not null,
    submission_ids integer[] not null,
    primary key (region, metric_id, year)
)
"""


def staged(sql_dir: Path, contract: Contract, submission_ids: list[int] | None = None) -> str:
    """The staging query of a contract's dataset: its current submissions' rows, or those of the submissions
    given (what a recorded report was computed from)."""
    return _template(sql_dir / "staging" / "stg_dataset.sql").render(contract=contract, submission_ids=submission_ids)


@functools.cache
def _template(path: Path) -> jinja2.Template:
    return jinja2.Template(path.read_text(encoding="utf-8"))


def build_staging(con: duckdb.DuckDBPyConnection, sql_dir: Path, contracts: dict[str, Contract]) -> None:
    """Create the `stg_<dataset>` view of every contract from the staging template."""
    for contract in contracts.values():
        con.execute(f"create or replace view stg_{contract.dataset} as {staged(sql_dir, contract)}")


def metrics_for_year(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, needed: set[str],
                     year: int) -> pl.DataFrame:
    """The needed metrics of one year, with the current submissions that fed them (value null when none did)."""
    con.execute(f"set variable report_year = {int(year)}")
    return con.sql(
        f"""with computed as ({catalogue.sql(needed)}),
        fed as (
            select c.metric_id,
                   coalesce(list(s.submission_id order by s.submission_id) filter (where s.submission_id is not null), []) as submission_ids,
                   count(distinct s.dataset) = len(any_value(c.datasets)) as complete
            from computed c
            left join current_submissions s on s.year = {int(year)} and list_contains(c.datasets, s.dataset)
            group by c.metric_id
        )
        select c.metric_id, {int(year)}::integer as year, c.label,
               case when f.complete then c.value::double end as value, c.unit, c.datasets,
               f.submission_ids
        from computed c join fed f using (metric_id)
        order by c.metric_id"""
    ).pl()


def with_prior_year(current: pl.DataFrame, prior: pl.DataFrame) -> pl.DataFrame:
    """Add the prior year's value and the relative change to each metric."""
    previous = prior.select("metric_id", pl.col("value").alias("prior_value"),
                            pl.col("submission_ids").alias("prior_submission_ids"))
    return (
        current.join(previous, on="metric_id", how="left")
        .with_columns(
            change=pl.when(pl.col("prior_value") != 0)
            .then((pl.col("value") - pl.col("prior_value")) / pl.col("prior_value")),
            submission_ids=pl.when(pl.col("prior_value").is_not_null())
            .then(pl.concat_list("submission_ids", "prior_submission_ids"))
            .otherwise(pl.col("submission_ids")),
        )
        .select("metric_id", "year", "label", "value", "unit", "prior_value", "change", "datasets", "submission_ids")
    )


def build_metrics(con: duckdb.DuckDBPyConnection, sql_dir: Path, contracts: dict[str, Contract],
                  catalogue: Catalogue, needed: set[str], region: str, year: int) -> pl.DataFrame:
    """Compute the region's metrics of the year and store them, replacing its earlier rows for that year; when
    they cannot be stored, the earlier rows stay and the connection is left usable."""
    build_staging(con, sql_dir, contracts)
    metrics = with_prior_year(metrics_for_year(con, catalogue, needed, year),
                              metrics_for_year(con, catalogue, needed, year - 1))
    _metrics_table(con)
    con.register("computed_metrics", metrics)
    try:
        with transaction(con):
            con.execute("delete from metrics where region = ? and year = ?", [region, year])
            con.execute(f"insert into metrics by name select {literal(region)} as region, * from computed_metrics")
    finally:
        con.unregister("computed_metrics")
    return metrics


def _metrics_table(con: duckdb.DuckDBPyConnection) -> None:
    """The metrics table; one made before metrics were kept per region is dropped first (its rows are computed
    again by every run)."""
    columns = {name for (name,) in con.execute(
        "select column_name from duckdb_columns() where table_name = 'metrics' and schema_name = 'main'").fetchall()}
    if columns and "region" not in columns:
        con.execute("drop table metrics")
    con.execute(METRICS_SCHEMA)
