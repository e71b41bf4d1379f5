"""The metric catalogue: declarations given rows give values (on staging tables directly, no ingest), a region's
entries replace or vary the library's, lineage is derived, and malformed declarations are refused by name."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from annual_report.settings import ROOT
from annual_report.warehouse import metrics
from annual_report.warehouse.catalogue import CatalogueError, load_catalogue

LIBRARY = """
cases:
  label: 受理案件
  unit: 件
  measure: count
  of: legal_aid_cases
  dated_by: accepted_on
civil:
  label: 民事案件
  unit: 件
  measure: count
  of: legal_aid_cases
  where: case_type = '民事'
  dated_by: accepted_on
criminal:
  label: 刑事案件
  unit: 件
  measure: count
  of: legal_aid_cases
  where: case_type = '刑事'
  dated_by: accepted_on
civil_or_criminal_rate:
  label: 民事和刑事案件占比
  numerator: [civil, criminal]
  denominator: cases
by_type:
  label: "{category}案件"
  unit: 件
  measure: count
  of: legal_aid_cases
  by: case_type
type_share:
  label: "{category}案件占比"
  share_of: cases
  by: case_type
civil_share:
  label: 民事案件占比
  numerator: civil
  denominator: cases
  variants:
    over_criminal: {label: 民事与刑事案件之比, denominator: criminal}
"""
# (case_type, accepted_on, report_year): 2021's ledger holds a case accepted in 2020 (not counted in 2021)
ROWS = [("民事", "2021-02-01", 2021), ("民事", "2021-03-01", 2021), ("刑事", "2021-04-01", 2021),
        ("行政", "2021-05-01", 2021), ("民事", "2020-12-30", 2021), ("民事", "2020-06-01", 2020)]


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    """Staging as the warehouse has it: the legal aid ledgers of 2020 and 2021, both current."""
    con = duckdb.connect()
    con.execute("create table stg_legal_aid_cases (report_year integer, case_type varchar, accepted_on date)")
    con.executemany("insert into stg_legal_aid_cases values (?, ?, ?)", [(y, t, d) for t, d, y in ROWS])
    con.execute("create table current_submissions as select * from (values (1, 2020, 'legal_aid_cases'), "
                "(2, 2021, 'legal_aid_cases')) t(submission_id, year, dataset)")
    return con


def folder(root: Path, name: str, files: dict[str, str]) -> Path:
    (root / name).mkdir(parents=True, exist_ok=True)
    for file, text in files.items():
        (root / name / file).write_text(text, encoding="utf-8")
    return root / name


def values(con: duckdb.DuckDBPyConnection, catalogue, used: set[str], year: int = 2021) -> dict[str, float]:
    table = metrics.metrics_for_year(con, catalogue, catalogue.needed(used), year)
    return {row["metric_id"]: row["value"] for row in table.iter_rows(named=True)}


def test_measures_ratios_series_and_shares_give_their_values(con, tmp_path: Path, contracts) -> None:
    catalogue = load_catalogue(folder(tmp_path, "library", {"cases.yaml": LIBRARY}))
    catalogue.check(contracts)
    got = values(con, catalogue, {"civil_or_criminal_rate", "by_type", "type_share"})
    assert got == {"cases": 4, "civil": 2, "criminal": 1, "civil_or_criminal_rate": 0.75,
                   # a series counts every row of the year's ledger (no dated_by), a share over its measure's rows
                   "by_type.民事": 3, "by_type.刑事": 1, "by_type.行政": 1,
                   "type_share.民事": 0.5, "type_share.刑事": 0.25, "type_share.行政": 0.25}
    assert values(con, catalogue, {"cases"}, 2020) == {"cases": 1}


def test_a_region_replaces_a_library_metric_or_takes_its_variant(con, tmp_path: Path, contracts) -> None:
    library = folder(tmp_path, "library", {"cases.yaml": LIBRARY})
    region = folder(tmp_path, "region", {"own.yaml": "civil_share: {variant: over_criminal}\n"
                                                     "cases: {label: 全部案件, unit: 件, measure: count, "
                                                     "of: legal_aid_cases}\n"})
    catalogue = load_catalogue(library, region)
    catalogue.check(contracts)
    assert catalogue.metrics["civil_share"].label == "民事与刑事案件之比"
    assert values(con, catalogue, {"civil_share", "cases"}) == {"civil_share": 2.0, "civil": 2, "criminal": 1,
                                                               "cases": 5}


def test_only_what_the_report_uses_is_computed(con, tmp_path: Path) -> None:
    catalogue = load_catalogue(folder(tmp_path, "library", {"cases.yaml": LIBRARY}))
    assert set(values(con, catalogue, {"civil"})) == {"civil"}


def test_a_hand_written_models_lineage_is_what_it_reads(con, tmp_path: Path) -> None:
    model = ("with cases as (select * from stg_legal_aid_cases where report_year = getvariable('report_year'))\n"
             "select 'hand' as metric_id, '手写' as label, count(*) as value, '件' as unit from cases")
    catalogue = load_catalogue(folder(tmp_path, "library", {"hand.sql": model}))
    table = metrics.metrics_for_year(con, catalogue, {"hand"}, 2021)
    assert table.select("metric_id", "value", "datasets").rows() == [("hand", 5.0, ["legal_aid_cases"])]


def test_a_metric_without_its_ledger_has_no_value(con, tmp_path: Path) -> None:
    con.execute("delete from current_submissions where year = 2021")
    catalogue = load_catalogue(folder(tmp_path, "library", {"cases.yaml": LIBRARY}))
    assert values(con, catalogue, {"civil_or_criminal_rate"}) == dict.fromkeys(
        ["cases", "civil", "criminal", "civil_or_criminal_rate"])


@pytest.mark.parametrize(("text", "message"), [
    ("x: {label: X, unit: 件, measure: count, of: legal_aid_cases, numerator: a, denominator: b}\n",
     "a metric is one of: .*this one is measure and ratio"),
    ("x: {label: X, unit: 件, measure: sum, of: legal_aid_cases}\n", "count takes a dataset, the other measures"),
    ("x: {label: X, unit: 件, measure: total, of: legal_aid_cases}\n", "measure"),
    ("x: {label: X, unit: 件, measure: count, of: legal_aid_cases, by: case_type}\n", r"needs `\{category\}`"),
    ("x: {label: X, numerator: a, denominator: b, where: a > 1}\n", "`where` and `dated_by` belong to a measure"),
    ("x: {label: X, unit: 件, measure: count, of: legal_aid_cases, filter: a}\n", "filter"),
    ("X: {label: X, unit: 件, measure: count, of: legal_aid_cases}\n", "metric id 'X'"),
    ("x: {variant: fast}\n", "`variant` alone picks one of the library metric's variants"),
])
def test_malformed_declarations_are_refused_naming_the_metric(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CatalogueError, match=message):
        load_catalogue(folder(tmp_path, "library", {"bad.yaml": text}))


@pytest.mark.parametrize(("text", "message"), [
    ("x: {label: X, numerator: civl, denominator: cases}\ncases: {label: C, unit: 件, measure: count, "
     "of: legal_aid_cases}\n", r"metric 'x': no metric 'civl'"),
    ("x: {label: X, unit: 件, measure: count, of: legal_aid_case}\n", r"no dataset 'legal_aid_case' \(did you mean "
     r"'legal_aid_cases'\?\)"),
    ("x: {label: X, unit: 件, measure: count, of: legal_aid_cases, dated_by: accepted}\n",
     "dataset 'legal_aid_cases' has no column 'accepted'"),
])
def test_declarations_naming_what_does_not_exist_are_refused(tmp_path: Path, contracts, text: str,
                                                             message: str) -> None:
    with pytest.raises(CatalogueError, match=message):
        load_catalogue(folder(tmp_path, "library", {"bad.yaml": text})).check(contracts)


def test_a_ratio_of_a_ratio_is_refused(tmp_path: Path, contracts) -> None:
    text = LIBRARY + "odd:\n  label: 比之比\n  numerator: civil_share\n  denominator: cases\n"
    with pytest.raises(CatalogueError, match="'civil_share' is a ratio: a ratio is taken of measures"):
        load_catalogue(folder(tmp_path, "library", {"cases.yaml": text})).check(contracts)


def test_every_library_metric_and_variant_runs_on_the_contracts_staging(tmp_path: Path, contracts) -> None:
    """Each library metric, and each variant as a region takes it, names what exists and its SQL runs (on empty
    staging tables shaped by the contracts: no value is asserted, only that every declaration compiles and runs)."""
    library = ROOT / "sql" / "metrics"
    con = duckdb.connect()
    for contract in contracts.values():
        columns = ", ".join(contract.column_definitions)
        con.execute(f"create table stg_{contract.dataset} (report_year integer, submission_id integer, {columns})")
    con.execute("create table current_submissions (submission_id integer, year integer, dataset varchar)")
    catalogue = load_catalogue(library)
    catalogue.check(contracts)
    metrics.metrics_for_year(con, catalogue, set(catalogue.metrics), 2021)
    for metric in catalogue.metrics.values():
        for variant in metric.variants:
            region = folder(tmp_path / metric.id, variant, {"variant.yaml": f"{metric.id}: {{variant: {variant}}}\n"})
            varied = load_catalogue(library, region)
            varied.check(contracts)
            metrics.metrics_for_year(con, varied, varied.needed({metric.id}), 2021)


def test_a_where_that_does_not_run_on_its_dataset_is_refused_before_any_ledger_is_read(tmp_path: Path,
                                                                                        contracts) -> None:
    text = "online:\n  label: 网上申请\n  unit: 件\n  measure: count\n  of: reconsiderations\n  where: channel = '网上'\n"
    with pytest.raises(CatalogueError, match=r"own\.yaml: metric 'online': `where: channel = '网上'` does not run "
                                             r"on reconsiderations \(Binder Error.*its columns: case_no, "):
        load_catalogue(folder(tmp_path, "region", {"own.yaml": text})).check(contracts)


def test_a_metric_the_report_prints_that_nothing_computes_is_named_with_the_nearest(tmp_path: Path,
                                                                                     contracts) -> None:
    catalogue = load_catalogue(folder(tmp_path, "library", {"cases.yaml": LIBRARY}))
    with pytest.raises(CatalogueError, match="prints metric 'civl', which no declaration or model computes "
                                             r"\(did you mean 'civil'\?\)"):
        catalogue.check(contracts, catalogue.needed({"civl", "cases"}))
