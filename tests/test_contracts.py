"""Contracts load, match headers as departments write them, and refuse malformed descriptions."""

from __future__ import annotations

from pathlib import Path

import pytest

from annual_report.contracts import ContractError, load_contract, normalize_header
from annual_report.settings import ROOT


def test_every_contract_loads_and_has_a_key(contracts) -> None:
    assert len(contracts) == 19
    for contract in contracts.values():
        assert contract.key and all(contract.column(k).required for k in contract.key), contract.dataset


def test_every_dataset_has_sample_inputs(contracts) -> None:
    for contract in contracts.values():
        assert (ROOT / "inputs" / "2021" / contract.department / f"{contract.title}.csv").is_file()


def test_headers_match_with_aliases_full_width_and_spaces(contracts) -> None:
    permits = contracts["permit_items"]
    headers = [" 事项编码 ", "法定时限(工作日)", "承诺时限", "到现场次数", "online", "备注"]
    assert permits.match_headers(headers) == {"item_code": 0, "statutory_days": 1, "promised_days": 2,
                                              "trips": 3, "online": 4}
    assert normalize_header("受援人所在镇（街道）") == normalize_header("受援人所在镇(街道) ")


@pytest.mark.parametrize(("text", "message"), [
    ("dataset: x\ntitle: t\ndepartment: d\nkey: [a]\ncolumns:\n  - {name: a, header: A, type: money}\n", "unknown type"),
    ("dataset: x\ntitle: t\ndepartment: d\nkey: [b]\ncolumns:\n  - {name: a, header: A, type: text}\n", "'b' is not a column"),
    ("dataset: x\ntitle: t\ndepartment: d\nkey: [a]\ncolumns:\n  - {name: a, header: A, type: enum}\n", "lists no values"),
    ("dataset: x\ntitle: t\nkey: [a]\ncolumns:\n  - {name: a, header: A, type: text}\n", "department"),
    ("dataset: x\ntitle: t\ndepartment: d\nkey: [A]\ncolumns:\n  - {name: A, header: A, type: text}\n", "identifiers"),
])
def test_malformed_contracts_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContractError, match=message):
        load_contract(path)


def test_readme_lists_every_dataset(contracts) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for contract in contracts.values():
        assert f"| {contract.department} | {contract.title} | `{contract.dataset}` |" in readme
