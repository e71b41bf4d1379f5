"""The report spec parses into typed models: misspelt or unknown settings fail loading, one line per problem."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from annual_report.report.spec import ChartSpec, SpecError, load_spec
from annual_report.settings import ROOT

FRONT = ("title: 关于测试的报告\nissuers: [测试县人民政府]\naddressee: 测试市人民政府\nsignature: [测试县人民政府]\n"
         "date: 2022-02-28\nprinting_office: 测试县人民政府办公室\nprinting_date: 2022-02-28\n")
ATTACHMENT = "attachment:\n  title: 主要指标\n  metrics: [legal_aid_cases]\n"


def _spec(tmp_path: Path, front: str) -> Path:
    path = tmp_path / "2021.md"
    path.write_text(f"---\n{front}---\n\n正文。\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("front", "message"), [
    (FRONT + "copied_too: [市司法局]\n",
     r"2021\.md: front matter: unknown key 'copied_too' \(did you mean 'copied_to'\?\)"),
    (FRONT + "narrative: x\n", r"2021\.md: front matter: unknown key 'narrative'"),
    (FRONT + ATTACHMENT + "  placment: separate\n",
     r"2021\.md: attachment: unknown key 'placment' \(did you mean 'placement'\?\)"),
    (FRONT + ATTACHMENT + "  charts:\n    - {title: 类型, series: legal_aid_cases_by_type, prior_yaer: true}\n",
     r"2021\.md: attachment chart 1 \(类型\): unknown key 'prior_yaer' \(did you mean 'prior_year'\?\)"),
    (FRONT + ATTACHMENT + "  charts:\n    - {title: 类型}\n", r"2021\.md: attachment chart 1 \(类型\): lacks 'series'"),
    (FRONT + ATTACHMENT + "  placement: apart\n", r"2021\.md: attachment: placement must be one of"),
    (FRONT.replace("addressee: 测试市人民政府\n", ""), r"2021\.md: front matter: lacks 'addressee'"),
    (FRONT.replace("date: 2022-02-28\nprinting", "date: 2022年2月28日\nprinting"),
     r"2021\.md: front matter: date must be a date such as 2022-02-28"),
    (FRONT + "rounding: up\n", r"2021\.md: front matter: rounding must be one of"),
    (FRONT + "title_lines: [关于, 测试]\n", r"2021\.md: front matter: title_lines must join up to the title"),
])
def test_malformed_specs_are_refused_naming_file_and_entry(tmp_path: Path, front: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        load_spec(_spec(tmp_path, front))


def test_every_problem_is_one_line_and_no_pydantic_dump(tmp_path: Path) -> None:
    path = _spec(tmp_path, FRONT.replace("addressee: 测试市人民政府\n", "") + ATTACHMENT + "  metrcs: [x]\n")
    with pytest.raises(SpecError) as raised:
        load_spec(path)
    lines = str(raised.value).splitlines()
    assert len(lines) == 2 and all(line.startswith(f"{path}: ") for line in lines), lines
    assert "validation error" not in str(raised.value) and "pydantic" not in str(raised.value)


def test_a_spec_loads_into_frozen_typed_fields(tmp_path: Path) -> None:
    spec = load_spec(_spec(tmp_path, FRONT + "copied_to:\n" + ATTACHMENT
                           + "  charts:\n    - {title: 类型, series: legal_aid_cases_by_type, prior_year: true}\n"))
    assert spec.date == dt.date(2022, 2, 28) and spec.issuers == ("测试县人民政府",) and spec.copied_to == ()
    assert spec.attachment.charts == (ChartSpec("类型", "legal_aid_cases_by_type", True),)
    assert spec.narrative == "正文。\n" and spec.document_number == "" and spec.facts == {}
    assert dataclasses.replace(spec, narrative="别的。\n").narrative == "别的。\n"
    with pytest.raises(AttributeError):
        spec.title = "x"  # type: ignore[misc]


@pytest.mark.parametrize("path", sorted([*ROOT.glob("reports/*/*.md"), *ROOT.glob("examples/*/reports/*/*.md")]))
def test_every_committed_spec_loads(path: Path) -> None:
    assert load_spec(path).title
