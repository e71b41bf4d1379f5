"""The DOCX the office revises, tested as it is opened: LibreOffice converts it to PDF (once for the module), and
that PDF is measured as tests/test_layout.py measures the report's own; then its XML: grid, faces, styles, footers.

LibreOffice runs with the project's fontconfig file (templates/docx/fonts.conf), which maps the official faces
the DOCX names (仿宋_GB2312, 黑体 …) to the free faces installed here, as on any machine without them.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
from pathlib import Path

import docx
import pdfplumber
import pytest
from conftest import golden_figures
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Length
from test_layout import (
    BINDING,
    CELL,
    HEIGHT,
    MM,
    PITCH,
    SIZE_4,
    TITLE,
    TOLERANCE,
    TOP,
    WIDTH,
    edges,
    lines,
)
from test_report import _draft_metrics, pdf_text

from annual_report.pipeline import RunSummary
from annual_report.report import render, word
from annual_report.report.spec import load_spec
from annual_report.settings import Settings

TEMPLATES = Settings.from_env().templates
OFFICIAL = set(word.OFFICIAL_FACES.values())


def open_in_libreoffice(document: Path, folder: Path) -> Path:
    """The PDF LibreOffice makes of a DOCX, in a profile of its own (parallel tests do not share one)."""
    subprocess.run(["soffice", f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(folder), str(document)],
                   check=True, capture_output=True, timeout=300,
                   env=os.environ | {"FONTCONFIG_FILE": str(TEMPLATES / word.FONTCONFIG)})
    return folder / document.with_suffix(".pdf").name


@pytest.fixture(scope="module")
def opened(sample_run: RunSummary, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return open_in_libreoffice(sample_run.files.docx, tmp_path_factory.mktemp("docx"))


@pytest.fixture(scope="module")
def pdf(opened: Path):
    with pdfplumber.open(opened) as document:
        yield document


@pytest.fixture(scope="module")
def document(sample_run: RunSummary):
    return docx.Document(str(sample_run.files.docx))


def test_docx_beside_the_pdf(sample_run: RunSummary) -> None:
    assert sample_run.files.docx == sample_run.files.pdf.with_suffix(".docx")


def test_opened_docx_prints_every_reference_figure(opened: Path, pdf) -> None:
    text = pdf_text(opened)
    missing = [f["printed"] for f in golden_figures() if f["printed"] not in text]
    assert not missing
    for part in ("中共晋江市委晋江市人民政府", "关于晋江市2021年法治政府工作的报告", "中共泉州市委、泉州市人民政府：",
                 "一、推进依法行政建设法治政府工作情况", "（一）深化示范创建工作，打造法治政府品牌",
                 "1．落实重大行政决策机制", "附件：晋江市2021年法治政府建设主要指标", "2022年2月28日",
                 "晋江市2021年法治政府建设主要指标", "图12021年人民调解案件纠纷类型（单位：起）",
                 "中共晋江市委办公室2022年2月28日印发"):
        assert part in text, part
    rows = [line.text.replace(" ", "") for page in pdf.pages for line in lines(page, 12)]
    assert "16受理法律援助案件件35012433+43.9%" in rows   # the attachment's table, a row a line


def test_full_page_has_22_lines_of_28_characters(pdf) -> None:
    body_pages = [number for number in range(2, len(pdf.pages)) if len(lines(pdf.pages[number - 1], 16)) >= 20]
    assert len(body_pages) >= 6
    assert max(len(lines(pdf.pages[n - 1], 16)) for n in body_pages) == 22
    number = next(n for n in body_pages if len(lines(pdf.pages[n - 1], 16)) == 22)
    page_lines = lines(pdf.pages[number - 1], 16)
    pitch = [b.top - a.top for a, b in itertools.pairwise(page_lines)]
    assert pitch == pytest.approx([HEIGHT / 22] * 21, abs=0.3)
    full = [line for line in page_lines if re.fullmatch(r"[\u4e00-\u9fff，。、；：“”（）《》]{28}", line.text)]
    assert full, "no line of 28 full-width characters"
    left, right = edges(number)
    for line in full:
        assert (line.x0, line.x1) == (pytest.approx(left, abs=0.3), pytest.approx(right, abs=0.5))
    indented = [line for line in page_lines if line.x0 > left + 1]
    assert indented and all(line.x0 == pytest.approx(left + 2 * CELL, abs=0.5) for line in indented)


def test_page_numbers_on_the_outer_edges(pdf) -> None:
    numbered = 0
    for number, page in enumerate(pdf.pages, start=1):
        footer = [line for line in lines(page, 14) if line.top > TOP + HEIGHT and line.text.startswith("—")]
        assert len(footer) == 1, number
        line = footer[0]
        assert line.text.replace(" ", "") == f"—{number}—"
        assert line.top == pytest.approx(TOP + HEIGHT + 7, abs=TOLERANCE)
        assert all(font.startswith("NotoSerifCJK") for font in line.fonts), line.fonts
        left, right = edges(number)
        if number % 2:
            assert line.x1 == pytest.approx(right - SIZE_4, abs=TOLERANCE)
        else:
            assert line.x0 == pytest.approx(left + SIZE_4, abs=TOLERANCE)
        numbered += 1
    assert numbered == len(pdf.pages) >= 10


def test_faces_as_opened(opened: Path, pdf) -> None:
    listing = subprocess.run(["pdffonts", str(opened)], check=True, capture_output=True, text=True).stdout
    embedded = {re.sub(r"^[A-Z]+\+", "", line.split()[0]) for line in listing.splitlines()[2:]}
    families = {re.sub(r"(jp|sc|SC)?-.*", "", name) for name in embedded}
    assert families == {"FandolFang", "FandolKai", "NotoSansCJK", "NotoSerifCJK"}, embedded
    page = lines(pdf.pages[1], 16)
    fonts = {line.text[:3]: line.fonts for line in page}
    assert all(f.startswith("NotoSansCJK") for f in fonts["一、推"])   # level 1: 黑体
    assert fonts["（一）"] == {"FandolKai-Regular"}                     # level 2: 楷体
    masthead = next(line for line in lines(pdf.pages[0]) if line.colour == (1.0, 0.0, 0.0))
    assert masthead.text.replace("　", "").replace(" ", "") == "中共晋江市委晋江市人民政府"
    assert all(f.startswith("NotoSerifCJK") and "Bold" in f for f in masthead.fonts)   # 小标宋
    assert masthead.top == pytest.approx(TOP + 35, abs=TOLERANCE)
    red_rule = next(r for r in pdf.pages[0].lines if r["stroking_color"] == (1.0, 0.0, 0.0))
    assert (red_rule["x0"] / MM, red_rule["x1"] / MM) == (pytest.approx(BINDING, abs=0.3),
                                                        pytest.approx(BINDING + WIDTH, abs=0.3))
    title = lines(pdf.pages[0], 22)
    assert [line.text for line in title] == ["关于晋江市2021年法治政府工作的报告"]
    assert title[0].top == pytest.approx(red_rule["top"] / MM + 2 * PITCH + (PITCH - TITLE) / 2, abs=TOLERANCE)


def test_signature_and_date_as_the_pdf_places_them(pdf) -> None:
    number, page = next((n, p) for n, p in enumerate(pdf.pages, start=1)
                        if "2022年2月28日" in [line.text.replace(" ", "") for line in lines(p, 16)])
    _, right = edges(number)
    page_lines = lines(page, 16)
    date = next(line for line in page_lines if line.text.replace(" ", "") == "2022年2月28日")
    signatures = page_lines[page_lines.index(date) - 2:page_lines.index(date)]
    assert [s.text for s in signatures] == ["中共晋江市委", "晋江市人民政府"]
    assert max(s.x1 for s in signatures + [date]) == pytest.approx(right - 2 * CELL, abs=TOLERANCE)
    assert date.x0 == pytest.approx(signatures[0].x0 + 2 * CELL, abs=TOLERANCE)


def test_colophon_at_the_foot_of_the_last_even_page(pdf) -> None:
    number = len(pdf.pages)
    assert number % 2 == 0
    page = pdf.pages[-1]
    left, right = edges(number)
    rules = sorted((r["top"] / MM, r["x0"] / MM, r["x1"] / MM, r["linewidth"] / MM) for r in page.lines)
    (first, *_, last) = rules
    assert last[0] == pytest.approx(TOP + HEIGHT, abs=0.3)      # the last rule on the type area's bottom edge
    for top, x0, x1, width in (first, last):
        assert (x0, x1, width) == (pytest.approx(left, abs=0.3), pytest.approx(right, abs=0.3),
                                   pytest.approx(0.35, abs=0.05))
    printing = next(line for line in lines(page, 14) if line.text.replace(" ", "").endswith("印发"))
    assert printing.text.replace(" ", "").startswith("中共晋江市委办公室")
    assert printing.fonts == {"FandolFang-Regular"}
    assert printing.x0 == pytest.approx(left + SIZE_4, abs=TOLERANCE)
    assert printing.x1 == pytest.approx(right - SIZE_4, abs=TOLERANCE)
    assert first[0] < printing.top and printing.bottom < last[0]
    above = [line for line in lines(page) if first[0] - 1 < line.bottom and line.top < first[0]]
    assert not above, above   # nothing of the attachment under it


def test_grid_of_22_lines_and_28_characters(document) -> None:
    section = document.sections[0]
    grid = section._sectPr.find(qn("w:docGrid"))
    line_pitch, spacing = word.grid_values(section)
    assert grid.get(qn("w:type")) == "lines" and int(grid.get(qn("w:linePitch"))) == line_pitch
    height = Length(section.page_height - section.top_margin - section.bottom_margin).twips
    width = Length(section.page_width - section.left_margin - section.right_margin).twips
    assert 22 * line_pitch <= height < 23 * line_pitch
    body = document.styles["Normal"]
    assert int(body.element.rPr.find(qn("w:spacing")).get(qn("w:val"))) == spacing < 0
    assert 28 * (320 + spacing) <= width < 29 * (320 + spacing)
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [37, 35, 28, 26]
    settings = [element.tag for element in document.settings.element]
    assert settings.index(qn("w:zoom")) < settings.index(qn("w:mirrorMargins")) < settings.index(qn("w:proofState"))
    indent = body.element.pPr.find(qn("w:ind"))
    assert indent.get(qn("w:firstLineChars")) == "200"


def _east_asian(document, paragraph, run) -> str:
    """The East Asian face a run is set in: its own, its character style's, its paragraph style's chain, the
    document's default."""
    candidates = [run._r.rPr, run.style.element.rPr if run.style else None]
    style = paragraph.style
    while style is not None:
        candidates.append(style.element.rPr)
        style = style.base_style
    candidates.append(document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr")))
    for r_pr in candidates:
        fonts = r_pr.find(qn("w:rFonts")) if r_pr is not None else None
        if fonts is not None and fonts.get(qn("w:eastAsia")):
            return fonts.get(qn("w:eastAsia"))
    raise AssertionError(f"no East Asian face for {run.text!r}")


def test_every_run_names_an_official_east_asian_face(document) -> None:
    paragraphs = list(document.paragraphs) + [p for table in document.tables for row in table.rows
                                              for cell in row.cells for p in cell.paragraphs]
    faces = {(p.style.name, r.style.name, _east_asian(document, p, r)) for p in paragraphs for r in p.runs}
    assert {face for *_, face in faces} <= OFFICIAL
    by_style = {paragraph: face for paragraph, run, face in faces if run == "Default Paragraph Font"}
    assert {run: face for _, run, face in faces if run != "Default Paragraph Font"} == {
        "二级标题字符": "楷体_GB2312", "三级标题": "仿宋_GB2312"}   # the run-in headings' character styles
    assert by_style["Normal"] == "仿宋_GB2312" and by_style["一级标题"] == "黑体" and by_style["二级标题"] == "楷体_GB2312"
    assert by_style["标题"] == by_style["发文机关标志"] == "方正小标宋简体"
    footer = document.sections[0].footer.paragraphs[0]
    assert _east_asian(document, footer, footer.runs[0]) == "宋体"
    font_table = next(p for p in document.part.package.parts if p.partname.endswith("/fontTable.xml")).blob.decode()
    for role, name in word.OFFICIAL_FACES.items():
        assert re.search(f'w:name="{name}"><w:altName w:val="{word.SHIPPED_FACES[role]}"/>', font_table)


def test_headings_are_named_styles_and_run_in_headings_runs(document) -> None:
    by_text = {p.text: p for p in document.paragraphs}
    assert by_text["一、推进依法行政建设法治政府工作情况"].style.name == "一级标题"
    assert by_text["（一）深化示范创建工作，打造法治政府品牌"].style.name == "二级标题"
    opening = next(p for p in document.paragraphs if p.text.startswith("1．落实重大行政决策机制。"))
    assert opening.style.name == "Normal" and opening.runs[0].style.name == "三级标题"
    assert opening.runs[0].text == "1．落实重大行政决策机制。" and opening.runs[1].style.name == "Default Paragraph Font"
    body = [p for p in document.paragraphs if p.style.name == "Normal" and p.text]
    assert len(body) > 20 and all("\n" not in p.text for p in body)   # Word breaks the lines, not the DOCX
    outline = {p.style.name: p.style.element.pPr.find(qn("w:outlineLvl")).get(qn("w:val"))
               for p in document.paragraphs if p.style.name in ("一级标题", "二级标题")}
    assert outline == {"一级标题": "0", "二级标题": "1"}


def test_odd_and_even_footers_number_the_outer_edge(document) -> None:
    assert document.settings.odd_and_even_pages_header_footer
    section = document.sections[0]
    for footer, alignment in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                              (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        paragraph = footer.paragraphs[0]
        assert paragraph.alignment == alignment and paragraph.style.name == "页码"
        assert paragraph.style.font.size.pt == 14
        xml = paragraph._p.xml
        assert "PAGE" in xml and paragraph.text.startswith("— ") and paragraph.text.endswith(" —")


def test_a_draft_says_so_above_the_masthead(sample_run: RunSummary, contracts) -> None:
    spec = load_spec(Settings.from_env().spec_path("jinjiang", 2021))
    context = render.report_context(spec, _draft_metrics(sample_run.metrics), contracts, 2021, draft=True)
    context["provisional"] = ["法律援助中心/法律援助案件台账（未报送）"]
    draft = word.build_docx(context, TEMPLATES)
    section = draft.sections[0]
    assert section.different_first_page_header_footer
    notice = section.first_page_header.paragraphs[0]
    assert notice.text == render.provisional_notice(context["provisional"])
    assert notice.text.startswith("征求意见稿：") and "法律援助案件台账" in notice.text
    assert notice.text in render.render(context, TEMPLATES).html   # the line the PDF prints
    assert section.first_page_footer.paragraphs[0].text.startswith("— ")
    assert "【待补：受理法律援助案件】" in "".join(p.text for t in draft.tables for r in t.rows for c in r.cells
                                          for p in c.paragraphs)


def test_properties_in_the_order_word_requires(document) -> None:
    """Word refuses a document whose properties elements list their children out of the schema's order."""
    order = {qn(tag): [qn(f"w:{name}") for name in names.split()] for tag, names in word.SCHEMA_ORDER.items()}
    parts = [document.element, document.styles.element, document.settings.element,
             *(footer.part.element for footer in (document.sections[0].footer, document.sections[0].even_page_footer))]
    checked = 0
    for part in parts:
        for tag, names in order.items():
            for properties in part.iter(tag):
                positions = [names.index(child.tag) for child in properties if child.tag in names]
                assert positions == sorted(positions), (tag, [child.tag for child in properties])
                checked += 1
    assert checked > 100
