"""Contracts load, match headers as departments write them, and refuse malformed descriptions."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import write_csv

from annual_report.intake import self_check
from annual_report.intake.contracts import (
    Concluded,
    ContractError,
    load_contract,
    load_contracts,
    normalize_header,
    region_contracts,
)
from annual_report.report.spec import load_spec
from annual_report.settings import ROOT, Settings


def test_every_contract_loads_and_has_a_key() -> None:
    contracts = load_contracts(ROOT / "contracts")
    assert sorted(contracts) == sorted(path.stem for path in (ROOT / "contracts").glob("*.yaml"))
    for contract in contracts.values():
        assert contract.key and all(contract.column(k).required for k in contract.key), contract.dataset


def test_every_dataset_the_sample_report_requires_has_sample_inputs(contracts) -> None:
    spec = load_spec(Settings.from_env().spec_path("jinjiang", 2021))
    assert spec.required_datasets
    for dataset in spec.required_datasets:
        contract = contracts[dataset]
        assert (ROOT / "inputs" / "2021" / contract.department / f"{contract.title}.csv").is_file()


def test_a_regions_local_values_apply_to_its_files_only(tmp_path: Path) -> None:
    """Jinjiang's pack lists the designations its village register allows; another region's register takes any."""
    jinjiang = region_contracts(Settings.from_env())["villages"].column("governance_designation")
    assert jinjiang.type == "enum" and "晋江市共建共享示范社区" in jinjiang.values
    (tmp_path / "elsewhere").mkdir()
    elsewhere = Settings.from_env().with_paths(reports=tmp_path).for_region("elsewhere")
    assert region_contracts(elsewhere)["villages"].column("governance_designation").type == "text"
    assert region_contracts(elsewhere)["villages"].version != region_contracts(Settings.from_env())["villages"].version


def test_local_values_for_a_column_the_shared_contract_lacks_are_refused(tmp_path: Path) -> None:
    (tmp_path / "x" / "contracts").mkdir(parents=True)
    (tmp_path / "x" / "contracts" / "villages.yaml").write_text("columns:\n  designation: {type: text}\n",
                                                                encoding="utf-8")
    with pytest.raises(ContractError, match=r"villages\.yaml: the shared contract has no column 'designation' "
                                            r"\(did you mean 'governance_designation'\?\)"):
        region_contracts(Settings.from_env().with_paths(reports=tmp_path).for_region("x"))


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


# --- typed models: unknown and misspelt keys are refused, naming the file and the entry

TOP = "dataset: x\ntitle: t\ndepartment: d\nkey: [a]\n"
CASE_COLUMNS = ("columns:\n  - {name: a, header: A, type: text}\n  - {name: b, header: B, type: date, year: within}\n"
                "  - {name: c, header: C, type: enum, values: [审理中, 驳回]}\n")


@pytest.mark.parametrize(("text", "message"), [
    (TOP + "columns:\n  - {name: a, header: A, type: text, requird: true}\n",
     r"x\.yaml: column 'a': unknown key 'requird' \(did you mean 'required'\?\)"),
    (TOP + "descripton: d\ncolumns:\n  - {name: a, header: A, type: text}\n",
     r"x\.yaml: unknown key 'descripton' \(did you mean 'description'\?\)"),
    (TOP + "columns:\n  - {name: a, header: A, type: text}\nchecks:\n  - {column: a, rule: a <> '', mesage: m}\n",
     r"x\.yaml: check 1 on 'a': unknown key 'mesage' \(did you mean 'message'\?\)"),
    (TOP + "version: '1'\ncolumns:\n  - {name: a, header: A, type: text}\n", r"x\.yaml: unknown key 'version'"),
    (TOP + "columns:\n  - {name: a, header: A, type: text, aliases: [编号, 序号]}\n",
     r"x\.yaml: key column 'a' has the row-number header '序号'"),
    (TOP + "on_error: hold\ncolumns:\n  - {name: a, header: A, type: text}\n", r"x\.yaml: on_error must be one of"),
    (TOP + "columns:\n  - {name: a, header: A, type: text, min: lots}\n",
     r"x\.yaml: column 'a': min must be a number, not 'lots'$"),
    ("dataset: x\ntitle: [t\n", r"x\.yaml: not valid YAML: .* at line 3, column 1$"),
    (TOP + "columns:\n  - {name: a, header: A, type: text}\n  - {name: b, header: B, type: date, year: inside}\n",
     r"x\.yaml: column 'b': year must be one of \('within', 'not_after'\), not 'inside'$"),
    (TOP + "columns:\n  - {name: a, header: A, type: text}\n  - {name: b, header: B, type: date, year: true}\n",
     r"x\.yaml: column 'b': year must be one of \('within', 'not_after'\), not True$"),
    (TOP + "columns:\n  - {name: a, header: A, type: text, year: within}\n",
     r"x\.yaml: column 'a': year is for date columns, not a text column$"),
    (TOP + "columns:\n  - {name: a, header: A, type: text}\n  - {name: b, header: B, type: date, within_year: true}\n",
     r"x\.yaml: column 'b': unknown key 'within_year' \(known: .*\byear\b"),
    (TOP + "key_across_years: true\nconcluded_by: closed_on\n" + CASE_COLUMNS,
     r"x\.yaml: concluded_by: 'closed_on' is not a column$"),
    (TOP + "concluded_by: b\n" + CASE_COLUMNS, r"x\.yaml: concluded_by .* needs key_across_years: true$"),
    (TOP + "key_across_years: true\nconcluded_by: {column: c, stil_open: [审理中]}\n" + CASE_COLUMNS,
     r"x\.yaml: concluded_by: unknown key 'stil_open' \(did you mean 'still_open'\?\)$"),
    (TOP + "key_across_years: true\nconcluded_by: {column: c, still_open: [审理]}\n" + CASE_COLUMNS,
     r"x\.yaml: concluded_by: still_open lists unknown values \['审理'\] \(values of 'c': \['审理中', '驳回'\]\)$"),
    (TOP + "key_across_years: true\nconcluded_by: {column: b, still_open: [审理中]}\n" + CASE_COLUMNS,
     r"x\.yaml: concluded_by: still_open lists values of an enum column, and 'b' is a date column$"),
])
def test_unknown_keys_and_bad_entries_are_refused_naming_file_and_entry(tmp_path: Path, text: str,
                                                                       message: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContractError, match=message):
        load_contract(path)


def test_every_problem_is_one_readable_line_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(TOP + "columns:\n  - {name: a, header: A, type: text, requird: true}\n"
                    "  - {name: b, header: B, type: money}\n", encoding="utf-8")
    with pytest.raises(ContractError) as raised:
        load_contract(path)
    lines = str(raised.value).splitlines()
    assert len(lines) == 2 and all(line.startswith(f"{path}: ") for line in lines), lines
    assert "column 'b': unknown type 'money'" in lines[1]
    assert "pydantic" not in str(raised.value) and "validation error" not in str(raised.value)


def test_concluded_by_names_a_column_alone_or_with_the_values_that_keep_a_case_open(contracts) -> None:
    assert contracts["reconsiderations"].concluded_by == Concluded(column="concluded_on")
    assert contracts["litigations"].concluded_by == Concluded(column="result", still_open=("审理中",))
    assert contracts["legal_aid_cases"].key_across_years and contracts["legal_aid_cases"].concluded_by is None


def test_models_are_frozen_and_keep_tuples(contracts) -> None:
    relief = contracts["charity_relief"]
    assert isinstance(relief.key, tuple) and isinstance(relief.columns, tuple)
    assert isinstance(relief.column("amount_yuan").aliases, tuple)
    with pytest.raises(AttributeError):
        relief.title = "x"  # type: ignore[misc]


def test_version_is_the_files_sha256_and_changes_with_its_bytes(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(TOP + "columns:\n  - {name: a, header: A, type: text}\n", encoding="utf-8")
    first = load_contract(path).version
    assert first == hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    assert load_contract(path).version == first
    path.write_text(TOP + "columns:\n  - {name: a, header: A, type: text}  # a comment\n", encoding="utf-8")
    assert load_contract(path).version != first


# --- headers: a column's own header wins over another's alias; row numbers never take a key


def test_own_header_wins_over_another_columns_alias_whatever_the_order(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("dataset: x\ntitle: t\ndepartment: d\nkey: [village]\ncolumns:\n"
                    "  - {name: village, header: 村名, aliases: [名称], type: text, required: true}\n"
                    "  - {name: name, header: 名称, type: text}\n", encoding="utf-8")
    contract = load_contract(path)
    assert contract.match_headers(["名称", "村名"]) == {"name": 0, "village": 1}
    assert contract.match_headers(["村名", "名称"]) == {"village": 0, "name": 1}
    assert contract.match_headers(["名称"]) == {"name": 0}  # its own header, not village's alias


def test_a_row_number_column_before_the_key_does_not_take_it(contracts) -> None:
    relief = contracts["charity_relief"]
    headers = ["序号", "救助编号", "执行案号", "核拨日期", "救助金额（元）"]
    assert relief.match_headers(headers) == {"grant_no": 1, "case_no": 2, "granted_on": 3, "amount_yuan": 4}
    assert relief.match_headers(["编号", "救助编号"]) == {"grant_no": 1}  # the own header wins over the alias


def test_no_contract_lets_a_row_number_name_its_key(contracts) -> None:
    for contract in contracts.values():
        for name in contract.key:
            assert not {"序号", "行号"} & contract.column(name).header_forms(), contract.dataset


def test_zero_width_characters_are_folded_out_of_headers(contracts) -> None:
    assert normalize_header("\ufeff救助\u200b编号\u200c\u200d\u2060") == normalize_header("救助编号")
    relief = contracts["charity_relief"]
    assert relief.match_headers(["救助编号", "执行\u200b案号", "核拨日期\u2060", "\ufeff救助金额（元）"]) == {
        "grant_no": 0, "case_no": 1, "granted_on": 2, "amount_yuan": 3}


RELIEF_ROWS = [["CS-2021-01", "（2021）闽0582执1号", "2021-03-01", "18000"],
               ["CS-2021-02", "（2021）闽0582执2号", "2021-03-09", "5000"],
               ["CS-2021-03", "（2021）闽0582执3号", "2021-04-02", "12000"],
               ["CS-2021-04", "（2021）闽0582执4号", "2021-04-20", "3000"]]


def test_a_relief_ledger_numbered_per_month_loads_every_row_by_its_grant_number(settings) -> None:
    """序号 restarts each month (1, 2, 1, 2): the key is the 救助编号 column after it, so no row is a duplicate."""
    rows = [["序号", "救助编号", "执行案号", "核拨日期", "救助金额（元）"],
            *([number, *row] for number, row in zip(["1", "2", "1", "2"], RELIEF_ROWS))]
    path = write_csv(settings.inputs / "2021" / "法院" / "执行慈善救助台账.csv", rows)
    result, receipt = self_check.check_file(settings, path, 2021, "法院")
    assert (result.status, result.dataset, result.rows_loaded, result.rows_rejected, result.problems) == \
        ("loaded", "charity_relief", 4, 0, 0), receipt
    assert "重复" not in receipt


def test_a_header_with_a_zero_width_space_matches(settings) -> None:
    rows = [["救助编号", "执行\u200b案号", "核拨日期", "救助金额（元）"], *RELIEF_ROWS]
    path = write_csv(settings.inputs / "2021" / "法院" / "执行慈善救助台账.csv", rows)
    result, receipt = self_check.check_file(settings, path, 2021, "法院")
    assert (result.status, result.rows_loaded, result.problems) == ("loaded", 4, 0), receipt
