"""Hostile and broken input: markup in cells, URLs that would pull a local file into the PDF, names that
would reach outside inputs/, formulas in the spreadsheets the project writes, and inputs too large to read.

Every file is taken as the pipeline takes it; the oversized ones in a child process, whose time and peak
memory are measured. `make reliability` runs this module and writes docs/reliability.md.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import markupsafe
import pdfplumber
import polars as pl
import pytest
import reliability
from conftest import LEGAL_AID_HEADER, csv_bytes, take_inputs
from conftest import write_csv as write_ledger
from openpyxl import Workbook, load_workbook

from annual_report import pipeline
from annual_report.files import write_csv
from annual_report.intake import listing, submission, take
from annual_report.intake.archive import Archive
from annual_report.intake.blank_forms import write_blank_forms
from annual_report.intake.contracts import region_contracts
from annual_report.intake.receipts import receipt_path
from annual_report.intake.submission import SubmissionResult
from annual_report.report import render
from annual_report.report.fonts import FANDOL
from annual_report.report.narrative import NarrativeError
from annual_report.report.spec import load_spec
from annual_report.settings import ROOT, Settings

pytestmark = pytest.mark.usefixtures("prefect_harness")  # the flows run as users run them

HEADER = LEGAL_AID_HEADER
ROW = ["晋法援〔2021〕0001号", "民事", "追索劳动报酬", "青阳街道", "2021-02-03", "福建某律师事务所"]
LEGAL_AID = "2021/法律援助中心"
MARKUP = [
    '<img src="file:///etc/passwd">',
    "<script>alert(1)</script>",
    "<style>@import url(file:///etc/passwd);</style>",
    '</td></tr></table><h1 style="background: url(file:///etc/passwd)">伪造</h1>',
]
SECRET = "root:x:0:0"  # what /etc/passwd would bring into a page


def row(case: int, **cells: str) -> list[str]:
    """The sample row with case number `case`, some cells replaced (by header)."""
    values = dict(zip(HEADER, ROW)) | {"案件编号": f"晋法援〔2021〕{case:04d}号"} | cells
    return [values[h] for h in HEADER]


def taken(settings: Settings) -> list[SubmissionResult]:
    return [r for r in take_inputs(settings, 2021).submissions if r.year == 2021]


# --- markup and URLs in what is printed

@pytest.mark.parametrize("markup", MARKUP)
def test_markup_in_a_cell_or_a_name_is_text_in_the_receipt(markup: str, settings: Settings) -> None:
    """HTML, CSS or an <img> in a cell, in a file's name and in a department's folder name: the receipt
    shows it as text, escaped, and holds no element of it."""
    name = markup.replace("/", "／")  # a file name cannot hold a slash
    write_ledger(settings.inputs / LEGAL_AID / f"{name}.csv", [HEADER, row(1, 案件类别=markup)])
    write_ledger(settings.inputs / "2021" / name / "台账.csv", [HEADER, row(2)])
    results = taken(settings)
    assert {r.status for r in results} == {"failed"}
    for result in results:
        page = receipt_path(result, settings.receipts(2021)).read_text(encoding="utf-8")
        assert name not in page and markup not in page
        assert str(markupsafe.escape(name)) in page
    [rejected] = [r for r in results if r.department == "法律援助中心"]
    assert str(markupsafe.escape(markup)) in receipt_path(rejected, settings.receipts(2021)).read_text(encoding="utf-8")


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every URL WeasyPrint asks for while the test renders."""
    urls: list[str] = []
    fetch = render.ConfinedFetcher.fetch

    def noting(self: render.ConfinedFetcher, url: str, headers: dict[str, str] | None = None):
        urls.append(url)
        return fetch(self, url, headers)

    monkeypatch.setattr(render.ConfinedFetcher, "fetch", noting)
    return urls


def pdf_text(rendered: render.Rendered) -> str:
    with pdfplumber.open(io.BytesIO(rendered.document.write_pdf())) as pdf:
        return "".join((page.extract_text() or "").replace("\n", "") for page in pdf.pages)


def only_own_files(urls: list[str]) -> bool:
    roots = ((ROOT / "templates").as_uri(), FANDOL.as_uri())
    return bool(urls) and all(url.startswith(roots) for url in urls)


@pytest.mark.parametrize("markup", MARKUP)
def test_markup_in_a_cell_is_text_in_the_report(markup: str, sample_run: pipeline.RunSummary, contracts,
                                                fetched: list[str]) -> None:
    """HTML, CSS or an <img> in a cell that reaches the report (a category of a chart's series): printed
    as text in the PDF, escaped in the HTML; WeasyPrint fetched nothing but the templates and fonts."""
    category = sample_run.metrics.filter(pl.col("metric_id").str.starts_with("mediation_cases_by_type.")).head(1)
    metrics = pl.concat([sample_run.metrics, category.with_columns(
        metric_id=pl.lit(f"mediation_cases_by_type.{markup}"), label=pl.lit(markup))])
    spec = load_spec(ROOT / "reports" / "jinjiang" / "2021.md")
    rendered = render.render(render.report_context(spec, metrics, contracts, 2021), ROOT / "templates")
    assert markup not in rendered.html
    text = pdf_text(rendered)
    assert markup.replace(" ", "") in text.replace(" ", "")
    assert only_own_files(fetched) and SECRET not in text


NARRATIVES = {  # a narrative line -> None when it prints as text, else what the render's error names
    "raw HTML <img>": ('段落<img src="file:///etc/passwd">结束。', None),
    "raw HTML <style>": ("段落<style>@import url(file:///etc/passwd);</style>结束。", None),
    "Markdown image of a local file": ("段落![口令](file:///etc/passwd)结束。", None),  # markdown-it links no file:
    "Markdown link to a local file": ("段落[口令](file:///etc/passwd)结束。", None),
    "autolink to a local file": ("段落<file:///etc/passwd>结束。", None),
    "Markdown image by path": ("段落![口令](/etc/passwd)结束。", "not image"),
    "Markdown image over http": ("段落![口令](http://127.0.0.1:9/x.png)结束。", "not image"),
    "Markdown link over http": ("段落[口令](http://127.0.0.1:9/)结束。", "not link_open"),
    "autolink over http": ("段落<http://127.0.0.1:9/>结束。", "not link_open"),
}


@pytest.mark.parametrize("narrative", NARRATIVES)
def test_narrative_cannot_pull_a_local_file(narrative: str, sample_run: pipeline.RunSummary, contracts,
                                            fetched: list[str]) -> None:
    """A narrative line that would load a file (raw HTML; a Markdown image, link or autolink to a local
    file, by path or over http): it prints as text, or the render stops naming the line; nothing outside
    the templates and fonts is fetched."""
    text, refused = NARRATIVES[narrative]
    spec = dataclasses.replace(load_spec(ROOT / "reports" / "jinjiang" / "2021.md"), narrative=f"# 标题\n\n{text}\n")
    if refused:
        with pytest.raises(NarrativeError, match=f"line 3: .*{refused}"):
            render.report_context(spec, sample_run.metrics, contracts, 2021)
        return
    rendered = render.render(render.report_context(spec, sample_run.metrics, contracts, 2021), ROOT / "templates")
    printed = pdf_text(rendered)
    assert text.replace(" ", "") in printed.replace(" ", "")
    assert only_own_files(fetched) and SECRET not in printed


def leaking_templates(folder: Path) -> Path:
    """A copy of the templates with a style sheet that is a link to /etc/passwd."""
    shutil.copytree(ROOT / "templates", folder / "templates")
    (folder / "templates" / "report" / "leak.css").symlink_to("/etc/passwd")
    return folder / "templates"


URLS: dict[str, Callable[[Path], tuple[str, Path]]] = {
    "file outside": lambda tmp: ("file:///etc/passwd", ROOT / "templates"),
    "file outside by ..": lambda tmp: ((ROOT / "templates").as_uri() + "/report/../../../../../../etc/passwd",
                                       ROOT / "templates"),
    "relative path out": lambda tmp: ("../../../../../../../../etc/passwd", ROOT / "templates"),
    "link inside the templates": lambda tmp: ("leak.css", leaking_templates(tmp)),
    "http": lambda tmp: ("http://127.0.0.1:9/x.png", ROOT / "templates"),
    "https": lambda tmp: ("https://example.com/x.css", ROOT / "templates"),
    "data": lambda tmp: ("data:text/css,p{color:red}", ROOT / "templates"),
}


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("element", ['<img src="{}">', '<link rel="stylesheet" href="{}">',
                                     '<p style="background: url(\'{}\')">x</p>'])
def test_fetcher_refuses_all_but_templates_and_fonts(url: str, element: str, tmp_path: Path) -> None:
    """WeasyPrint asked for anything but the project's templates and fonts (a local file by path, by ..,
    through a link; http, https, data:) in an <img>, a style sheet or a CSS url(): the render stops with a
    RenderError naming the URL; nothing is fetched."""
    address, templates = URLS[url](tmp_path)
    with pytest.raises(render.RenderError, match="may not load .*only its templates and fonts"):
        render._layout(f"<html><body>{element.format(address)}</body></html>", templates)


# --- names that would reach outside inputs/

def test_links_out_of_inputs_are_skipped(settings: Settings, tmp_path: Path) -> None:
    """A link to a file outside inputs/, a department folder that is a link to a folder outside, and a
    link that points nowhere: each is reported as not taken (ignored), nothing behind it is read or archived."""
    outside = tmp_path / "outside"
    write_ledger(outside / "法律援助案件台账.csv", [HEADER, row(1)])
    (settings.inputs / LEGAL_AID).mkdir(parents=True)
    (settings.inputs / LEGAL_AID / "台账.csv").symlink_to(outside / "法律援助案件台账.csv")
    (settings.inputs / LEGAL_AID / "空链接.csv").symlink_to(tmp_path / "nowhere.csv")
    (settings.inputs / "2021" / "司法局").symlink_to(outside)
    results = taken(settings)
    assert sorted((r.file, r.status) for r in results) == [
        ("2021/司法局", "ignored"), (f"{LEGAL_AID}/台账.csv", "ignored"), (f"{LEGAL_AID}/空链接.csv", "ignored")]
    assert all("链接" in r.problem for r in results)
    assert not settings.archive.exists() or not Archive(settings.archive).entries()


def test_a_link_inside_inputs_is_taken(settings: Settings) -> None:
    """A link to another file inside inputs/ is taken like the file itself."""
    write_ledger(settings.inputs / "shared" / "台账.csv", [HEADER, row(1)])
    (settings.inputs / LEGAL_AID).mkdir(parents=True)
    (settings.inputs / LEGAL_AID / "台账.csv").symlink_to(settings.inputs / "shared" / "台账.csv")
    [result] = taken(settings)
    assert (result.status, result.rows_loaded) == ("loaded", 1)


def test_a_file_swapped_for_a_link_after_listing_is_not_read(settings: Settings, tmp_path: Path) -> None:
    """The file is listed, then replaced by a link to a file outside inputs/ before it is read: what is
    opened is checked, so the outside file is neither loaded nor archived."""
    outside = write_ledger(tmp_path / "outside" / "法律援助案件台账.csv", [HEADER, row(1)])
    listed = write_ledger(settings.inputs / LEGAL_AID / "台账.csv", [HEADER, row(2)])
    [(year, path)] = pipeline.look(settings, (2021,)).files
    listed.unlink()
    listed.symlink_to(outside)
    [result] = pipeline.take_files(settings, year, [path], region_contracts(settings))
    assert (result.status, result.rows_loaded) == ("ignored", 0)
    assert "inputs 文件夹以外的链接" in result.problem
    assert not Archive(settings.archive).entries()


def test_a_file_written_to_while_it_is_taken_waits_for_the_next_look(settings: Settings,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A department's program appends to the file between its hashing and its archiving: nothing is
    archived or loaded under a sha256 that is not the bytes', the file is skipped, and the next look takes
    it whole."""
    path = write_ledger(settings.inputs / LEGAL_AID / "台账.csv", [HEADER, row(1)])
    hashed = take.previous_outcome

    def appending(*args, **kwargs):
        with path.open("a", encoding="utf-8", newline="") as stream:
            csv.writer(stream).writerow(row(2))
        return hashed(*args, **kwargs)

    monkeypatch.setattr(take, "previous_outcome", appending)
    [result] = taken(settings)
    assert (result.status, result.problem) == ("skipped", listing.STILL_WRITTEN)
    assert not Archive(settings.archive).entries()
    monkeypatch.undo()
    [result] = taken(settings)
    assert (result.status, result.rows_loaded) == ("loaded", 2)
    [entry] = [e for e in Archive(settings.archive).entries() if e.event == "received"]
    assert entry.sha256 == result.sha256 == submission.sha256_of(path)


@pytest.mark.parametrize("name", ["*.csv", "?.csv", "[台账].csv", "台账*"])
def test_a_name_that_is_a_pattern_reads_only_its_own_file(name: str, settings: Settings) -> None:
    """A file named like a pattern (* ? [ ]) beside another ledger: it loads its own rows only (the CSV
    reader would take the name as a pattern and read every file it matches)."""
    write_ledger(settings.inputs / LEGAL_AID / "a.csv", [HEADER, row(1), row(2)])
    write_ledger(settings.inputs / LEGAL_AID / name, [HEADER, row(3)])
    results = {r.file: r for r in taken(settings)}
    assert results[f"{LEGAL_AID}/{name}"].rows_read == 1


@pytest.mark.parametrize("name", ["台" * 81 + ".csv", "-rf --help.csv", "换\n行.csv", "台账...csv", " 台账 .csv"])
def test_awkward_names_are_taken_and_get_a_receipt(name: str, settings: Settings) -> None:
    """File names the file system allows but tools trip on (255 bytes, so that `.html` no longer fits;
    leading dashes, a line break, dots, a leading space): the file loads and its receipt is written."""
    write_ledger(settings.inputs / LEGAL_AID / name, [HEADER, row(1)])
    [result] = taken(settings)
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    assert "报送回执" in receipt_path(result, settings.receipts(2021)).read_text(encoding="utf-8")


@pytest.mark.parametrize("sha256", ["../../../../../../etc/passwd", "/etc/passwd", "0" * 63 + "/"])
def test_archive_index_cannot_name_a_file_outside_the_archive(sha256: str, settings: Settings) -> None:
    """An archive index line whose sha256 is a path (.., absolute): ignored, like a torn line, so a rebuild
    never reads a file outside the archive."""
    write_ledger(settings.inputs / LEGAL_AID / "台账.csv", [HEADER, row(1)])
    taken(settings)
    entry = json.loads(Archive(settings.archive).index.read_text(encoding="utf-8").splitlines()[0])
    with Archive(settings.archive).index.open("a", encoding="utf-8") as index:
        index.write(json.dumps(entry | {"sha256": sha256, "file": "/etc/passwd"}, ensure_ascii=False) + "\n")
    assert {e.sha256 for e in Archive(settings.archive).entries()} == {entry["sha256"]}
    assert [r.rows_loaded for r in pipeline.rebuild_warehouse(settings)] == [1]


# --- formulas in the spreadsheets the project writes

FORMULAS = ["=HYPERLINK(\"http://example.com\",\"点击\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def hostile_contract(contract, formula: str):
    """The legal aid contract with a formula as a header and as an example."""
    first, *rest = contract.columns
    return dataclasses.replace(contract, columns=(dataclasses.replace(first, header=formula, example=formula), *rest))


@pytest.mark.parametrize("formula", FORMULAS)
def test_formula_cells_are_neutralised_in_blank_forms(formula: str, contracts, tmp_path: Path) -> None:
    """A cell starting with = + - @ (or a tab or carriage return) in a blank form's CSV or XLSX: written
    as text (a leading apostrophe), never as a formula."""
    csv_path, xlsx_path = write_blank_forms(hostile_contract(contracts["legal_aid_cases"], formula), tmp_path)
    with csv_path.open(encoding="utf-8-sig", newline="") as stream:
        header, example = csv.reader(stream)
    assert header[0] == example[0] == "'" + formula
    sheet = load_workbook(xlsx_path).active
    for cell in (sheet["A1"], sheet["A2"]):
        assert cell.data_type == "s" and cell.value.startswith("'")  # (XML keeps no carriage return)


@pytest.mark.parametrize("formula", FORMULAS)
def test_formula_cells_are_neutralised_in_the_metrics_csv(formula: str, sample_run: pipeline.RunSummary,
                                                          tmp_path: Path) -> None:
    """A text cell starting with = + - @ (or a tab or carriage return) in the metrics CSV: written with a
    leading apostrophe; numbers (negative changes included) stay numbers."""
    metrics = sample_run.metrics.head(3).with_columns(label=pl.lit(formula), change=pl.lit(-0.25))
    path = write_csv(metrics.select("metric_id", "label", "value", "change"), tmp_path / "metrics.csv")
    written = pl.read_csv(path)
    assert written["label"].to_list() == ["'" + formula] * 3
    assert written["change"].to_list() == [-0.25] * 3


def test_sample_metrics_csv_has_no_formula_cell(sample_run: pipeline.RunSummary) -> None:
    """The metrics CSV of the sample run: no cell of it starts like a formula, unless it is a number."""
    frame = pl.read_csv(sample_run.files.metrics_csv, infer_schema=False)
    cells = [cell for column in frame.columns for cell in frame[column].drop_nulls()]
    assert all(not cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells)
    assert all(not cell.startswith("-") or is_number(cell) for cell in cells)


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


# --- inputs too large to read

def zip_bomb() -> bytes:
    """A workbook that unpacks to 1.1 GB of zeros (5 MB packed), its sizes declared honestly."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(1100):
                member.write(bytes(1 << 20))
    return buffer.getvalue()


def lying_workbook() -> bytes:
    """A real workbook whose sheet holds 64 MB while its entries (local and central) say 1 KB."""
    buffer = io.BytesIO()
    Workbook().save(buffer)
    out = io.BytesIO()
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, b"<worksheet>" + b" " * (64 << 20) if item.filename == sheet
                            else source.read(item))
    data = bytearray(out.getvalue())
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        local, central = archive.getinfo(sheet).header_offset, archive.start_dir
    while data[central + 46:central + 46 + len(sheet)] != sheet.encode():  # the sheet's central entry
        central += 46 + sum(int.from_bytes(data[central + at:central + at + 2], "little") for at in (28, 30, 32))
    data[local + 22:local + 26] = data[central + 24:central + 28] = (1024).to_bytes(4, "little")
    return bytes(data)


def far_cell_workbook() -> bytes:
    """A 5 KB workbook with the ledger's header and one cell at XFD1048576: read as its size says, 17 GB of CSV."""
    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.active["XFD1048576"] = "x"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_text(*lines: str) -> bytes:
    return "\n".join(lines).encode() + b"\n"


HEADER_LINE = ",".join(HEADER)
ROW_LINE = ",".join(ROW)
# name -> (file name, its content, the maximum file size, what the department is told)
OVERSIZED: dict[str, tuple[str, Callable[[], bytes], int, str]] = {
    "200 MB with no line break": ("台账.csv", lambda: b"x" * (200 << 20), 4096, "第1行超过 1 MB"),
    "a 3 MB line below the header": ("台账.csv", lambda: csv_text(HEADER_LINE, ROW_LINE + "x" * (3 << 20)), 4096,
                                     "第2行过长（超过 2 MB）"),
    "a file over ANNUAL_REPORT_MAX_FILE_MB": ("台账.csv", lambda: csv_text(HEADER_LINE, *[ROW_LINE] * 40000), 1,
                                             "文件超过 1 MB 的上限"),
    "a zip bomb: 1.1 GB unpacked": ("台账.xlsx", zip_bomb, 4096, "解压后有 1100 MB，超过 1024 MB 的上限"),
    "a workbook lying about its size": ("台账.xlsx", lying_workbook, 4096, "无法打开 Excel 文件"),
    "a workbook naming cell XFD1048576": ("台账.xlsx", far_cell_workbook, 4096, "的单元格超过 1024 列"),
    "a header of 100000 columns": ("台账.csv", lambda: csv_text(HEADER_LINE + ",列" * 100000, ROW_LINE), 4096,
                                   "第1行的单元格超过 1024 个"),
    "a million rows, every one rejected": ("台账.csv", lambda: csv_text(HEADER_LINE, *(
        f"晋法援〔2021〕{i:07d}号,军事,追索劳动报酬,青阳街道,2021-02-03,某所" for i in range(1_000_000))), 4096,
        "所有数据行都有错误"),
}
PEAK_MB = 1024   # peak memory of the child taking the file, the interpreter and its libraries included
SECONDS = 120


@pytest.mark.parametrize("case", OVERSIZED)
def test_oversized_input_stops_in_bounded_memory_and_time(case: str, settings: Settings,
                                                          record_property: Callable[[str, object], None]) -> None:
    """Oversized input (a huge line, a huge file, a zip bomb, a workbook lying about its size or naming a
    far cell, a huge header, a million bad rows), taken in a child process: the department is told why,
    within 1 GB of memory and two minutes, and the warehouse records the file."""
    name, content, limit_mb, told = OVERSIZED[case]
    (settings.inputs / LEGAL_AID).mkdir(parents=True)
    (settings.inputs / LEGAL_AID / name).write_bytes(content())
    env = os.environ | {"ANNUAL_REPORT_MAX_FILE_MB": str(limit_mb)}
    run = reliability.measured_ingest(settings.inputs, settings.outputs, env)
    record_property(case, f"{run.peak_mb:.0f} MB, {run.seconds:.0f} s")
    assert run.returncode == 0
    [outcome] = run.outcomes
    assert told in outcome["problem"]
    assert run.peak_mb < PEAK_MB and run.seconds < SECONDS
    if outcome["status"] not in ("skipped", "ignored"):  # a file not taken is not recorded
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            assert con.execute("select count(*) from submissions where status = 'failed'").fetchone() == (1,)


# --- broken files: each row numbered as Excel shows it, a broken row rejected on its own

def workbook_of(*records: list[str]) -> bytes:
    workbook = Workbook()
    for record in records:
        workbook.active.append(record)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def broken_sheet() -> bytes:
    """A workbook whose sheet's XML is cut off in the middle of a row."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook_of(HEADER, row(1)))) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, data[:len(data) // 2] if item.filename.endswith("sheet1.xml") else data)
    return out.getvalue()


BAD = row(9, 案件类别="军事")  # a row the contract rejects, to see the number it is given
# name -> (file name, content, (rows read, loaded, rejected), the rows rejected, part of the problem)
BROKEN: dict[str, tuple[str, bytes, tuple[int, int, int], list[int], str | None]] = {
    "an empty line between rows": ("台账.csv", csv_bytes([HEADER, row(1), [], BAD]), (2, 1, 1), [4], None),
    "empty lines in a CRLF file": ("台账.csv", csv_bytes([HEADER, [], row(1), [], [], BAD], newline="\r\n"), (2, 1, 1), [6],
                                   None),
    "an empty row in a workbook": ("台账.xlsx", workbook_of(HEADER, row(1), [], BAD), (2, 1, 1), [4], None),
    "a title cell with a line break (Excel: LF in the cell, CRLF ending the rows)": (
        "台账.csv", csv_bytes([["2021年\n法律援助案件台账"], HEADER, row(1), BAD], newline="\r\n"), (2, 1, 1), [4], None),
    "a title cell with quotes and a line break": (
        "台账.csv", csv_bytes([['"晋江市"\n2021年台账'], HEADER, row(1), BAD]), (2, 1, 1), [4], None),
    "a cell with a line break in a CRLF file": (
        "台账.csv", csv_bytes([HEADER, row(1, 援助事项="追索\n劳动报酬"), BAD], newline="\r\n"), (2, 1, 1), [3], None),
    "a row with three cells too many": ("台账.csv", csv_bytes([HEADER, row(1), [*row(2), "多", "余", "的"]]), (2, 1, 1), [3],
                                        None),
    "a row with cells only past the header": ("台账.csv", csv_bytes([HEADER, row(1), [""] * 6 + ["多余"]]), (2, 1, 1), [3],
                                              None),
    "a quote opened and never closed": ("台账.csv", csv_bytes([HEADER, row(1)]) + b'"\xe6\x99\x8b,x\n' + csv_bytes([row(2)]),
                                        (0, 0, 0), [], "第3行有一个英文双引号没有配对"),
    "a UTF-16 mark on bytes that are not UTF-16": ("台账.csv", b"\xff\xfe" + b"\x00\xd8a\x00" * 8, (0, 0, 0), [],
                                                   "无法识别文件编码"),
    "a workbook cut off in its sheet": ("台账.xlsx", broken_sheet(), (0, 0, 0), [], "无法打开 Excel 文件"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_broken_file_is_read_row_for_row(case: str, settings: Settings) -> None:
    """Files broken as departments' files are (empty lines and rows, line breaks in cells of a CRLF file, a
    title cell with a line break, rows with cells past the header, a quote never closed, a false UTF-16
    mark, a cut-off workbook): every row read is counted, loaded or rejected on its own, and numbered as
    Excel shows it; a file that cannot be read says why, and never stops the run."""
    name, content, counts, rejected_rows, problem = BROKEN[case]
    (settings.inputs / LEGAL_AID).mkdir(parents=True)
    (settings.inputs / LEGAL_AID / name).write_bytes(content)
    [result] = taken(settings)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == counts, result.problem
    assert sorted({r.row for r in result.rejections}) == rejected_rows
    assert (problem is None and result.problem is None) or problem in result.problem
