"""Shared fixtures: the sample report run once per session, tiny warehouses per test."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL
from prefect.testing.utilities import prefect_test_harness

from annual_report import pipeline
from annual_report.flows import annual_report, ingest_drops
from annual_report.intake.contracts import Contract, region_contracts
from annual_report.prefect_server import without_heartbeats
from annual_report.settings import ROOT, Settings

DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parent / "golden"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that runs the Prefect flows (on the test harness, or on the stack `make serve` brings up:
    tests/stack.py) is an end-to-end test: marked slow."""
    for item in items:
        if {"prefect_harness", "stack"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def contracts() -> dict[str, Contract]:
    """The contracts the sample region (Jinjiang) takes its files by: the shared ones with its local values."""
    return region_contracts(Settings.from_env())


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at an empty inputs folder and a fresh warehouse under tmp_path."""
    (tmp_path / "inputs").mkdir()
    return Settings.from_env().with_paths(inputs=tmp_path / "inputs", outputs=tmp_path / "outputs",
                                          warehouse=tmp_path / "outputs" / "warehouse.duckdb")


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One Prefect test server for the session: the flows run as users run them (Prefect's testing guide)."""
    with prefect_test_harness(server_startup_timeout=120), without_heartbeats():  # a temporary server, as the CLI's
        # child processes a test starts (a run to kill, a large file to measure) use the same server
        os.environ["PREFECT_API_URL"] = PREFECT_API_URL.value()
        try:
            yield
        finally:
            del os.environ["PREFECT_API_URL"]


@pytest.fixture(scope="session")
def sample_run(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> pipeline.RunSummary:
    """The main job (the report flow) on the committed sample inputs, into a temporary outputs folder."""
    outputs = tmp_path_factory.mktemp("outputs")
    return annual_report(year=2021, inputs=ROOT / "inputs", outputs=outputs, settle_seconds=0)


def run_report(settings: Settings, region: str, year: int, **options: object) -> pipeline.RunSummary:
    """The report flow on these settings' folders (files are taken at once: no settle time)."""
    options.setdefault("settle_seconds", 0)
    return annual_report(year=year, region=region, inputs=settings.inputs, outputs=settings.outputs,
                         warehouse=settings.warehouse, reports=settings.reports, **options)


def take_inputs(settings: Settings, year: int) -> pipeline.IngestReport:
    """The drops flow on the year and the prior year, as the report flow takes them: both years' files, the
    year's cross-checks."""
    return pipeline.both_years(*ingest_drops(settle_seconds=0, inputs=settings.inputs, outputs=settings.outputs,
                                             warehouse=settings.warehouse, years=[year - 1, year]))


def header(dataset: str) -> list[str]:
    """A ledger's header row as its blank form has it, from its contract (never typed in a test)."""
    return [column.header for column in region_contracts(Settings.from_env())[dataset].columns]


LEGAL_AID_HEADER = header("legal_aid_cases")


def golden_figures() -> list[dict[str, str]]:
    with (GOLDEN / "jinjiang-2021-figures.csv").open(encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    """A submission file as a department's spreadsheet program would write it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as stream:
        csv.writer(stream).writerows(rows)
    return path


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8", newline: str = "\n") -> bytes:
    """A CSV file as Excel writes it: a cell quoted when it holds a comma, a quote or a line break."""
    def quoted(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\r\n') else cell
    return "".join(",".join(map(quoted, row)) + newline for row in rows).encode(encoding)


def ledger_rows(dataset: str, rows: list[dict[str, str]]) -> list[list[str]]:
    """A ledger's header row and rows, each row's cells by column name: in the contract's columns the rows name,
    in its order (a department need not keep the optional ones), the headers from the contract."""
    columns = [c for c in region_contracts(Settings.from_env())[dataset].columns if c.name in rows[0]]
    return [[c.header for c in columns], *([row[c.name] for c in columns] for row in rows)]
