"""Build the metrics table from the SQL models in `sql/`.

Layers run in order: `sql/staging/stg_dataset.sql` is rendered once per contract into a view
`stg_<dataset>`; every `sql/metrics/*.sql` model returns rows of
(metric_id, label, value, unit, datasets) for `getvariable('report_year')`. A metric whose
datasets were not submitted for that year has no value (never a silent zero). The year-on-year
step joins each metric to the prior year's value with Polars.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import jinja2
import polars as pl

from annual_report.intake.contracts import Contract
from annual_report.warehouse.database import transaction

METRICS_SCHEMA = """
create table if not exists metrics (
    metric_id varchar not null,
    year integer not null,
    label varchar not null,
    value double,
    unit varchar not null,
    prior_value double,
    change double,             -- (value - prior_value) / prior_value
    datasets varchar[] not null,
    submission_ids integer[] not null,
    primary key (metric_id, year)
)
"""


def build_staging(con: duckdb.DuckDBPyConnection, sql_dir: Path, contracts: dict[str, Contract]) -> None:
    """Create the `stg_<dataset>` view of every contract from the staging template."""
    template = jinja2.Template((sql_dir / "staging" / "stg_dataset.sql").read_text(encoding="utf-8"))
    for contract in contracts.values():
        con.execute(f"create or replace view stg_{contract.dataset} as {template.render(contract=contract)}")


def metric_models(sql_dir: Path) -> list[Path]:
    return sorted((sql_dir / "metrics").glob("*.sql"))


def metrics_for_year(con: duckdb.DuckDBPyConnection, sql_dir: Path, year: int) -> pl.DataFrame:
    """Every metric of one year, with the current submissions that fed it (value null when none did)."""
    con.execute(f"set variable report_year = {int(year)}")
    models = "\nunion all by name\n".join(f"({path.read_text(encoding='utf-8')})" for path in metric_models(sql_dir))
    return con.sql(
        f"""with computed as ({models}),
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
                  year: int) -> pl.DataFrame:
    """Compute the year's metrics and store them, replacing that year's earlier rows; when they cannot be stored,
    the earlier rows stay and the connection is left usable."""
    build_staging(con, sql_dir, contracts)
    metrics = with_prior_year(metrics_for_year(con, sql_dir, year), metrics_for_year(con, sql_dir, year - 1))
    con.execute(METRICS_SCHEMA)
    con.register("computed_metrics", metrics)
    try:
        with transaction(con):
            con.execute("delete from metrics where year = ?", [year])
            con.execute("insert into metrics by name select * from computed_metrics")
    finally:
        con.unregister("computed_metrics")
    return metrics
