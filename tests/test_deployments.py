"""prefect.yaml declares deployments of the real flows, with parameters the flows accept."""

from __future__ import annotations

import inspect
from datetime import datetime

import pytest
import yaml
from prefect.flows import load_flow_from_entrypoint

from annual_report.flows import REPORT_TIME_ZONE, previous_year
from annual_report.settings import ROOT
from annual_report.watch import EVENT, RESOURCE

DEPLOYMENTS = {d["name"]: d for d in yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]}


def test_the_three_ways_of_running_are_deployed() -> None:
    assert set(DEPLOYMENTS) == {"yearly", "preflight", "manual", "drops", "batch"}
    [yearly] = DEPLOYMENTS["yearly"]["schedules"]
    assert yearly == {"cron": "0 9 1 3 *", "timezone": "Asia/Shanghai"}
    [preflight] = DEPLOYMENTS["preflight"]["schedules"]  # four weeks before, for the same year
    assert preflight == {"cron": "0 9 1 2 *", "timezone": "Asia/Shanghai"}
    assert "year" not in DEPLOYMENTS["yearly"]["parameters"]  # resolved when the run starts
    assert DEPLOYMENTS["drops"]["schedules"] == [{"interval": 3600}]  # a sweep: the watcher's events come first
    [event] = DEPLOYMENTS["drops"]["triggers"]
    assert event["expect"] == [EVENT] and event["match"]["prefect.resource.id"] == f"{RESOURCE}.*"
    assert {d["work_pool"]["name"] for d in DEPLOYMENTS.values()} == {"annual-report"}


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_deployment_points_at_a_flow_that_accepts_its_parameters(name: str, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    deployment = DEPLOYMENTS[name]
    flow = load_flow_from_entrypoint(deployment["entrypoint"])
    inspect.signature(flow.fn).bind_partial(**deployment.get("parameters", {}))
    for trigger in deployment.get("triggers", []):
        inspect.signature(flow.fn).bind_partial(**trigger.get("parameters", {}))


def test_a_run_without_a_year_is_for_last_year_in_beijing_time() -> None:
    assert previous_year() == datetime.now(REPORT_TIME_ZONE).year - 1
