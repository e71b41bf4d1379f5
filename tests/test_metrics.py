"""SQL models on tiny ledgers: each rule of a metric, missing data, and year-on-year."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import LEGAL_AID_HEADER, header, take_inputs, write_csv

from annual_report import pipeline
from annual_report.intake.contracts import region_contracts
from annual_report.settings import ROOT, Settings
from annual_report.warehouse import database, metrics

pytestmark = pytest.mark.usefixtures("prefect_harness")  # the flows run as users run them

RECONSIDERATION_HEADER = ["案号", "申请人类别", "被申请人", "案件类别", "收到申请日期", "受理日期", "是否延期", "审结日期", "审结结果"]
MEDIATION_HEADER = header("mediation_cases")


def values(settings: Settings, year: int = 2021) -> dict[str, float | None]:
    take_inputs(settings, year)
    metrics = pipeline.build_metrics(settings, "jinjiang", year)
    return dict(zip(metrics["metric_id"], metrics["value"], strict=True))


def test_reconsideration_time_limit_counts_the_extension(settings: Settings) -> None:
    write_csv(settings.inputs / "2021" / "司法局" / "复议.csv", [
        RECONSIDERATION_HEADER,
        ["A1", "自然人", "市场监管局", "行政处罚", "2021-01-04", "2021-01-05", "否", "2021-03-06", "维持"],  # 60 days
        ["A2", "自然人", "市场监管局", "行政处罚", "2021-01-04", "2021-01-05", "是", "2021-04-05", "撤销"],  # 90, extended
        ["A3", "法人", "住建局", "行政许可", "2021-01-04", "2021-01-05", "否", "2021-03-07", "驳回"],      # 61 days
        ["A4", "法人", "住建局", "行政许可", "2021-12-20", "2021-12-21", "否", "", ""],                   # pending
    ])
    v = values(settings)
    assert (v["reconsiderations_received"], v["reconsiderations_concluded"]) == (4, 3)
    assert v["reconsiderations_on_time_rate"] == 2 / 3


def test_a_case_received_last_year_counts_where_each_date_falls(settings: Settings, tmp_path: Path) -> None:
    """A case received in 2021 and still open at its end is in 2022's ledger again, concluded: received in 2021's
    figures, concluded in 2022's; an application not accepted is received all the same."""
    shutil.copytree(ROOT / "reports" / "jinjiang", tmp_path / "reports" / "jinjiang")  # and a 2022 spec
    shutil.copy(tmp_path / "reports" / "jinjiang" / "2021.md", tmp_path / "reports" / "jinjiang" / "2022.md")
    settings = settings.with_paths(reports=tmp_path / "reports")
    open_case = ["A1", "自然人", "市场监管局", "行政处罚", "2021-12-20", "2021-12-24", "否"]
    write_csv(settings.inputs / "2021" / "司法局" / "复议.csv", [RECONSIDERATION_HEADER, [*open_case, "", ""]])
    write_csv(settings.inputs / "2022" / "司法局" / "复议.csv", [
        RECONSIDERATION_HEADER,
        [*open_case, "2022-02-10", "维持"],
        ["A2", "法人", "住建局", "行政许可", "2022-03-01", "2022-03-02", "否", "2022-04-01", "撤销"],
        ["A3", "法人", "住建局", "行政许可", "2022-05-06", "", "", "", ""],  # not accepted
    ])
    v = values(settings, 2022)
    assert (v["reconsiderations_received"], v["reconsiderations_concluded"]) == (2, 2)
    v = values(settings, 2021)
    assert (v["reconsiderations_received"], v["reconsiderations_concluded"]) == (1, 0)


def test_mediation_success_rate_and_missing_datasets_have_no_value(settings: Settings) -> None:
    write_csv(settings.inputs / "2021" / "司法局" / "调解.csv", [
        MEDIATION_HEADER,
        ["T1", "青阳街道人民调解委员会", "邻里纠纷", "2021-03-01", "成功", "2021-03-02"],
        ["T2", "青阳街道人民调解委员会", "合同纠纷", "2021-03-01", "调解成功", "2021-03-05"],
        ["T3", "青阳街道人民调解委员会", "劳动争议", "2021-03-01", "调解不成功", "2021-03-09"],
    ])
    v = values(settings)
    assert (v["mediation_cases"], v["mediation_successes"]) == (3, 2)
    assert v["mediation_success_rate"] == 2 / 3
    assert v["legal_aid_cases"] is None and v["mediation_orgs_park"] is None  # not submitted: not zero


def test_year_on_year_uses_the_prior_years_submission(settings: Settings) -> None:
    header = LEGAL_AID_HEADER
    for year, count in ((2020, 4), (2021, 5)):
        write_csv(settings.inputs / str(year) / "法律援助中心" / "法援.csv",
                  [header, *[[f"F{year}-{i}", "民事", "离婚", "安海镇", f"{year}-06-01", "某所"] for i in range(count)]])
    take_inputs(settings, 2021)
    metrics = pipeline.build_metrics(settings, "jinjiang", 2021)
    row = metrics.filter(metrics["metric_id"] == "legal_aid_cases").row(0, named=True)
    assert (row["value"], row["prior_value"], row["change"]) == (5, 4, 0.25)
    assert len(row["submission_ids"]) == 2  # fed by both years' ledgers


def test_metrics_that_cannot_be_stored_leave_the_earlier_ones(settings: Settings, tmp_path: Path) -> None:
    """A hand-written model copied under a second name gives its metrics twice: storing them fails, the year's earlier
    metrics stay as they were and the connection goes on working."""
    write_csv(settings.inputs / "2021" / "司法局" / "调解.csv", [
        MEDIATION_HEADER, ["T1", "青阳街道人民调解委员会", "邻里纠纷", "2021-03-01", "成功", "2021-03-02"]])
    values(settings)
    sql = tmp_path / "sql"
    shutil.copytree(ROOT / "sql", sql)
    shutil.copy(sql / "metrics" / "permits.sql", sql / "metrics" / "permits_copy.sql")
    contracts = region_contracts(settings)
    catalogue, needed = pipeline.region_metrics(settings.with_paths(sql=sql), "jinjiang", 2021, contracts)
    with database.connect(settings.warehouse, contracts.values()) as con:
        stored = con.execute("select * from metrics order by year, metric_id").fetchall()
        with pytest.raises(duckdb.ConstraintException):
            metrics.build_metrics(con, sql, contracts, catalogue, needed, "jinjiang", 2021)
        assert con.execute("select * from metrics order by year, metric_id").fetchall() == stored
    assert ("jinjiang", "mediation_cases", 2021) in {row[:3] for row in stored}
