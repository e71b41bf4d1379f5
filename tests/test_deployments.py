"""prefect.yaml declares deployments of the real flow with parameters the flow accepts."""

from __future__ import annotations

import inspect

import yaml
from prefect.flows import load_flow_from_entrypoint

from annual_report.settings import ROOT


def test_every_deployment_points_at_the_flow_with_valid_parameters(monkeypatch) -> None:
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    deployments = {d["name"]: d for d in config["deployments"]}
    assert "manual" in deployments
    monkeypatch.chdir(ROOT)
    for deployment in deployments.values():
        flow = load_flow_from_entrypoint(deployment["entrypoint"])
        assert flow.name == "annual-report"
        signature = inspect.signature(flow.fn)
        signature.bind_partial(**deployment.get("parameters", {}))
        assert set(deployment.get("parameters", {})) <= set(signature.parameters)
