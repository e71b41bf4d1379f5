"""Shared fixtures: the sample report run once per session, tiny warehouses per test."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from annual_report import pipeline
from annual_report.contracts import Contract, load_contracts
from annual_report.settings import ROOT, Settings

DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="session")
def contracts() -> dict[str, Contract]:
    return load_contracts(ROOT / "contracts")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at an empty inputs folder and a fresh warehouse under tmp_path."""
    (tmp_path / "inputs").mkdir()
    return Settings.from_env().with_paths(inputs=tmp_path / "inputs", outputs=tmp_path / "outputs",
                                          warehouse=tmp_path / "outputs" / "warehouse.duckdb")


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> pipeline.RunSummary:
    """The main job on the committed sample inputs, without Prefect, into a temporary outputs folder."""
    outputs = tmp_path_factory.mktemp("outputs")
    settings = Settings.from_env().with_paths(inputs=ROOT / "inputs", outputs=outputs,
                                              warehouse=outputs / "warehouse.duckdb")
    return pipeline.run_report(settings, "jinjiang", 2021)


def golden_figures() -> list[dict[str, str]]:
    with (GOLDEN / "jinjiang-2021-figures.csv").open(encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    """A submission file as a department's spreadsheet program would write it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as stream:
        csv.writer(stream).writerows(rows)
    return path
