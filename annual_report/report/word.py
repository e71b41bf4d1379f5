"""The report as an editable Word document (DOCX), from the same context the PDF is rendered from.

The office revises the report over several rounds in Word or WPS, so the DOCX is a document, not a
picture of the PDF: real paragraphs in named styles (正文 is Word's Normal style, which Chinese Word and
WPS show as 正文; 一级标题, 二级标题, 标题, 发文机关标志 …; run-in level-3 and level-4 headings are runs of
their paragraph in the character styles 三级标题 and 四级标题), and Word breaks the lines itself on the
document grid of GB/T 9704: 22 lines of 28 characters.

The grid is `w:docGrid w:type="lines"` with the line pitch that fits 22 lines in the type area, and 正文's
characters condensed (`w:spacing`) by the whole twips that let 28 of them fit the measure. A `linesAndChars`
grid would say 28 characters directly, its `w:charSpace` the character pitch minus the Normal font size, in
4096ths of a point (ECMA-376 17.6.5): here −841, since 28 characters of 16 pt are wider than 156 mm. Word
squeezes the characters to that pitch, but LibreOffice lays a character wider than its cell over two cells,
and the report, opened there, ran to 20 pages of 15 characters a line. Condensed characters on a line grid
give 28 a line in Word, WPS and LibreOffice alike.

Every style names the office's usual faces as East Asian fonts (仿宋_GB2312, 黑体, 楷体_GB2312,
方正小标宋简体, 宋体). A machine that has them needs nothing else. The font table names, as each one's
`w:altName`, the free face this project ships in its stead (fonts.py), and `fonts.conf` beside the report's
templates maps the official names to those faces for fontconfig: LibreOffice converting the DOCX on a
machine without the official faces (the tests, a server) is run with FONTCONFIG_FILE pointing at it.

The colophon (版记) is a table floating at the bottom of the type area of the page the document ends on
(the attachment's last page when the attachment is attached): Word and WPS keep it there while the text
above changes. It is placed from the page's left edge as on an even page (LibreOffice keeps a table placed
from the margin in the flow). Whether that page is even depends on how Word paginates the text, which the
DOCX cannot know: a report whose text ends on an odd page gets its colophon there, 2 mm off the binding
side's margin, and the office moves it to the next page. The tests check it for the reference report as
LibreOffice paginates it: the last page, even.
"""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import docx
import pypdfium2
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import (
    WD_CELL_VERTICAL_ALIGNMENT,
    WD_ROW_HEIGHT_RULE,
    WD_TABLE_ALIGNMENT,
)
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Length, Mm, Pt, RGBColor, Twips
from docx.styles.style import BaseStyle
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from annual_report.files import replacing
from annual_report.report import render
from annual_report.report.attachment import CELL_PADDING, TABLE_SIZE, Attachment, Chart
from annual_report.report.figures import cn_date
from annual_report.report.fonts import faces
from annual_report.report.narrative import Run
from annual_report.report.typeset import GRID, Line

FONTCONFIG = "docx/fonts.conf"  # under the templates folder: the official faces' names for fontconfig

# The office's faces as Word and WPS name them, by the role fonts.py gives each, and the free face that
# stands in for each where it is not installed (the family fontconfig knows it by).
OFFICIAL_FACES = {"fangsong": "仿宋_GB2312", "kai": "楷体_GB2312", "hei": "黑体", "xiaobiaosong": "方正小标宋简体",
                  "song": "宋体"}
SHIPPED_FACES = {"fangsong": "FandolFang", "kai": "FandolKai", "hei": "Noto Sans CJK SC",
                 "xiaobiaosong": "Noto Serif CJK SC Bold", "song": "Noto Serif CJK SC"}

RED = RGBColor(0xFF, 0x00, 0x00)
SIZE_4 = 14.0        # pt: 四号, page numbers and the colophon
SIZE_SMALL_4 = 12.0  # pt: 小四
CHART_DPI = 300
AUTOSPACE = 0.2      # em between a Chinese character and a digit beside it
A4 = (Mm(210), Mm(297))
MARGINS = {"top": Mm(37), "bottom": Mm(35), "inside": Mm(28), "outside": Mm(26)}
TABLE_LEADING = 1.4  # the attachment table's lines, in ems (report.css: table.metrics line-height)
TABLE_CELL_MARGINS = {"top": Mm(0.5), "bottom": Mm(0.5)}  # and 0.4 em left and right (CELL_PADDING)
FOOTER_DISTANCE = Mm(22.5)  # page bottom to the footer's line box: the number's em box 7 mm below the type area

# paragraph styles: name -> (face, size, what else)
BODY = "Normal"   # 正文 in Chinese Word and WPS
PARAGRAPH_STYLES = {
    "一级标题": ("hei", GRID.size, {"outline": 0, "keep_next": True}),
    "二级标题": ("kai", GRID.size, {"outline": 1, "keep_next": True}),
    "发文机关标志": ("xiaobiaosong", GRID.size, {"align": "center", "indent": 0, "colour": RED, "grid": False}),
    "发文字号": ("fangsong", GRID.size, {"align": "center", "indent": 0, "grid": False}),
    "标题": ("xiaobiaosong", 22.0, {"align": "center", "indent": 0, "grid": False}),
    "主送机关": ("fangsong", GRID.size, {"indent": 0}),
    "署名": ("fangsong", GRID.size, {"align": "left", "indent": 0}),
    "附件说明": ("fangsong", GRID.size, {}),
    "附件标识": ("hei", GRID.size, {"indent": 0, "page_break": True}),
    "附件标题": ("xiaobiaosong", 22.0, {"align": "center", "indent": 0, "outline": 0, "grid": False}),
    "表格": ("fangsong", TABLE_SIZE, {"align": "center", "indent": 0, "grid": False, "leading": TABLE_LEADING}),
    "表头": ("hei", TABLE_SIZE, {"align": "center", "indent": 0, "grid": False, "leading": TABLE_LEADING}),
    "图": ("fangsong", GRID.size, {"align": "center", "indent": 0, "grid": False, "exact": False,
                                   "keep_next": True}),
    "图题": ("hei", SIZE_4, {"align": "center", "indent": 0}),
    "版记": ("fangsong", SIZE_4, {"indent": 0, "grid": False}),
    "页码": ("song", SIZE_4, {"indent": 0, "grid": False}),
    "征求意见稿": ("hei", SIZE_SMALL_4, {"indent": 0, "grid": False, "colour": RED}),
}
# character styles: the run styles of narrative.py that are not the body's
RUN_STYLES = {"level-1": ("一级标题字符", "hei"), "level-2": ("二级标题字符", "kai"),
              "level-3": ("三级标题", "fangsong"), "level-4": ("四级标题", "fangsong")}
BLOCK_STYLES = {1: "一级标题", 2: "二级标题"}
# a table cell's alignment by its kind (attachment.py's MetricRow.figures): numbers right, dashes and words
# centred, labels and a draft's gaps left
CELL_ALIGNMENT = {"number": WD_ALIGN_PARAGRAPH.RIGHT, "word": WD_ALIGN_PARAGRAPH.CENTER,
                  "label": WD_ALIGN_PARAGRAPH.LEFT, "gap": WD_ALIGN_PARAGRAPH.LEFT}


def _element(tag: str, **attributes: str | int) -> Any:
    element = OxmlElement(tag)
    for name, value in attributes.items():
        element.set(qn(f"w:{name}"), str(value))
    return element


# the order ECMA-376 gives the children of each properties element this module sets children of
SCHEMA_ORDER = {
    "w:pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs "
             "suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
             "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
             "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "w:rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof snapToGrid "
             "vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd fitText vertAlign "
             "rtl cs em lang eastAsianLayout specVanish oMath",
    "w:tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc tblCellSpacing "
               "tblInd tblBorders shd tblLayout tblCellMar tblLook",
    "w:sectPr": "headerReference footerReference footnotePr endnotePr type pgSz pgMar paperSrc pgBorders lnNumType "
                "pgNumType cols formProt vAlign noEndnote titlePg textDirection bidi rtlGutter docGrid printerSettings",
    "w:settings": "writeProtection view zoom removePersonalInformation removeDateAndTime doNotDisplayPageBoundaries "
                  "displayBackgroundShape printPostScriptOverText printFractionalCharacterWidth printFormsData "
                  "embedTrueTypeFonts embedSystemFonts saveSubsetFonts saveFormsData mirrorMargins alignBordersAndEdges "
                  "bordersDoNotSurroundHeader bordersDoNotSurroundFooter gutterAtTop hideSpellingErrors "
                  "hideGrammaticalErrors activeWritingStyle proofState formsDesign attachedTemplate linkStyles "
                  "stylePaneFormatFilter stylePaneSortMethod documentType mailMerge revisionView trackRevisions "
                  "doNotTrackMoves doNotTrackFormatting documentProtection autoFormatOverride styleLockTheme "
                  "styleLockQFSet defaultTabStop",
}


def _replace(parent: Any, child: Any) -> Any:
    """Put child into parent in place of any element of its tag, where the schema orders it (Word refuses a
    document whose properties are out of order)."""
    for old in parent.findall(child.tag):
        parent.remove(old)
    order = [qn(f"w:{name}") for name in SCHEMA_ORDER[parent.tag.replace(qn("w:"), "w:")].split()]
    later = order[order.index(child.tag) + 1:] if child.tag in order else []
    following = next((element for element in parent if element.tag in later), None)
    if following is None:
        parent.append(child)
    else:
        following.addprevious(child)
    return child


def _twips(length: int) -> int:
    return Length(length).twips


def _fonts(r_pr: Any, role: str) -> None:
    """The official face of a role on every script of a run's properties (w:eastAsia included)."""
    name = OFFICIAL_FACES[role]
    r_fonts = r_pr.get_or_add_rFonts()
    for attribute in ("ascii", "hAnsi", "eastAsia", "cs"):
        r_fonts.set(qn(f"w:{attribute}"), name)
    for theme in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        r_fonts.attrib.pop(qn(f"w:{theme}"), None)


def _set_style_font(style: BaseStyle, role: str, size: float, colour: RGBColor | None = None) -> None:
    style.font.size = Pt(size)
    style.font.bold = False
    if colour:
        style.font.color.rgb = colour
    _fonts(style.element.get_or_add_rPr(), role)


def _cell_width() -> int:
    """One character of the grid, in twips."""
    return round(GRID.cell * 20)


def _paragraph_style(document: Document, name: str, role: str, size: float, options: dict[str, Any]) -> None:
    """A paragraph style based on 正文, in its role's official face and size (PARAGRAPH_STYLES's options)."""
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles[BODY]
    style.quick_style = True
    _set_style_font(style, role, size, options.get("colour"))
    p_pr = style.element.get_or_add_pPr()
    if "align" in options:
        style.paragraph_format.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER,
                                            "left": WD_ALIGN_PARAGRAPH.LEFT}[options["align"]]
    if options.get("indent") == 0:
        _replace(p_pr, _element("w:ind", firstLineChars=0, firstLine=0))
    if options.get("keep_next"):
        style.paragraph_format.keep_with_next = True
    if options.get("page_break"):
        style.paragraph_format.page_break_before = True
    if not options.get("grid", True):   # off the grid, in lines as high as the type (a picture's own height),
        style.paragraph_format.line_spacing = Pt(size * options.get("leading", 1)) if options.get("exact", True) \
            else 1.0
        _replace(p_pr, _element("w:snapToGrid", val=0))
        _replace(style.element.get_or_add_rPr(), _element("w:spacing", val=0))  # characters not condensed
    if "outline" in options:
        _replace(p_pr, _element("w:outlineLvl", val=options["outline"]))


def _styles(document: Document) -> None:
    """正文 (Normal) on the grid, 16 pt 仿宋, justified, first line indented two characters; and the others."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    r_pr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(r_pr, "fangsong")
    r_pr.find(qn("w:lang")).set(qn("w:eastAsia"), "zh-CN")
    r_pr.find(qn("w:lang")).set(qn("w:val"), "zh-CN")
    p_pr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    _replace(p_pr, _element("w:spacing", before=0, after=0, line=240, lineRule="auto"))
    body = document.styles[BODY]
    _set_style_font(body, "fangsong", GRID.size)
    body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    body.paragraph_format.widow_control = True
    p_pr = body.element.get_or_add_pPr()
    _replace(p_pr, _element("w:ind", firstLineChars=200, firstLine=2 * _cell_width()))
    for name, (role, size, options) in PARAGRAPH_STYLES.items():
        _paragraph_style(document, name, role, size, options)
    for name, role in RUN_STYLES.values():
        style = document.styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
        style.quick_style = True
        _set_style_font(style, role, GRID.size)


def _font_table(document: Document) -> None:
    """The official faces in the font table, each with the shipped face that stands in for it as w:altName."""
    part = next(p for p in document.part.package.parts if p.partname.endswith("/fontTable.xml"))
    fonts = parse_xml(part.blob)
    for role, name in OFFICIAL_FACES.items():
        font = parse_xml(f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{SHIPPED_FACES[role]}"/>'
                         f'<w:charset w:val="86"/><w:family w:val="{"modern" if role != "hei" else "swiss"}"/>'
                         f'<w:pitch w:val="fixed"/></w:font>')
        fonts.append(font)
    part._blob = etree.tostring(fonts, encoding="UTF-8", xml_declaration=True, standalone=True)


def grid_values(section: Any) -> tuple[int, int]:
    """The line grid's pitch and 正文's character spacing, in twips, for 22 lines of 28 characters in the
    section's type area: the pitch rounded down so that 22 lines fit, the spacing (negative: condensed) rounded
    down so that 28 characters of the body size fit the measure."""
    height = _twips(section.page_height - section.top_margin - section.bottom_margin)
    width = _twips(section.page_width - section.left_margin - section.right_margin)
    return height // GRID.lines, math.floor(width / GRID.chars - GRID.size * 20)


def _page(document: Document) -> None:
    """A4, the standard's margins mirrored for double-sided printing, the document grid, odd and even footers."""
    section = document.sections[0]
    section.page_width, section.page_height = A4
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["inside"], MARGINS["outside"]
    section.footer_distance = FOOTER_DISTANCE
    section.header_distance = Mm(15)
    line_pitch, spacing = grid_values(section)
    _replace(section._sectPr, _element("w:docGrid", type="lines", linePitch=line_pitch))
    _replace(document.styles[BODY].element.get_or_add_rPr(), _element("w:spacing", val=spacing))
    _replace(document.settings.element, _element("w:mirrorMargins"))
    document.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _page_number(paragraph: Paragraph, alignment: WD_ALIGN_PARAGRAPH) -> None:
    """“— N —” one character in from the outer edge."""
    paragraph.style = "页码"
    paragraph.alignment = alignment
    side = "right" if alignment == WD_ALIGN_PARAGRAPH.RIGHT else "left"
    _replace(paragraph._p.get_or_add_pPr(), _element("w:ind", **{side: round(SIZE_4 * 20)}))
    paragraph.add_run("— ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            run._r.append(_element("w:fldChar", fldCharType=kind))
        elif text == " PAGE ":
            instruction = _element("w:instrText")
            instruction.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            instruction.text = text
            run._r.append(instruction)
        else:
            run._r.append(_text_element(text))
    paragraph.add_run(" —")


def _text_element(text: str) -> Any:
    element = _element("w:t")
    element.text = text
    return element


def _runs(lines: Iterable[Line]) -> list[Run]:
    """A set block's lines joined back into its runs: Word breaks the lines itself."""
    runs: list[Run] = []
    for line in lines:
        for run in line.runs:
            if runs and runs[-1].style == run.style:
                runs[-1] = Run(runs[-1].text + run.text, run.style)
            else:
                runs.append(run)
    return runs


def _paragraph(document: Document, lines: Iterable[Line], style: str = BODY) -> Paragraph:
    paragraph = document.add_paragraph(style=style)
    in_heading = style in BLOCK_STYLES.values()  # a heading's runs are in its paragraph style
    for run in _runs(lines):
        character = None if in_heading or run.style not in RUN_STYLES else RUN_STYLES[run.style][0]
        paragraph.add_run(run.text, style=character)
    return paragraph


def _space_before(paragraph: Paragraph, lines: float) -> None:
    paragraph.paragraph_format.space_before = Twips(round(lines * GRID.pitch * 20))


def _masthead(document: Document, context: dict[str, Any]) -> None:
    """The red issuers' mark 35 mm below the top of the type area, the document number, the red rule 4 mm below
    it, the title two lines below the rule and the addressee one line below the title."""
    spec = context["spec"]
    size = context["masthead_size"]
    issuers = document.add_paragraph("　".join(spec.issuers), style="发文机关标志")
    issuers.paragraph_format.space_before = Mm(35)
    issuers.paragraph_format.line_spacing = Pt(size)
    issuers.runs[0].font.size = Pt(size)
    number = document.add_paragraph(spec.document_number, style="发文字号")
    _space_before(number, 2)
    number.paragraph_format.line_spacing = Pt(GRID.pitch)
    border = _element("w:pBdr")
    border.append(_element("w:bottom", val="single", sz=12, space=round(4 * 72 / 25.4 - (GRID.pitch - GRID.size) / 2),
                           color="FF0000"))
    _replace(number._p.get_or_add_pPr(), border)
    title = document.add_paragraph(style="标题")
    _space_before(title, 2)
    title.paragraph_format.line_spacing = Pt(GRID.pitch)
    for i, line in enumerate(context["title_lines"]):
        run = title.add_run(line)
        if i < len(context["title_lines"]) - 1:
            run.add_break(WD_BREAK.LINE)
    addressee = _paragraph(document, context["addressee"], "主送机关")
    _space_before(addressee, 1)


def _provisional(document: Document, notes: list[str]) -> None:
    """A draft's first page says, above the masthead, that its figures are provisional (as the PDF does)."""
    section = document.sections[0]
    section.different_first_page_header_footer = True
    header = section.first_page_header.paragraphs[0]
    header.style = "征求意见稿"
    header.add_run(render.provisional_notice(notes))
    border = _element("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        border.append(_element(f"w:{side}", val="single", sz=6, space=1, color="FF0000"))
    _replace(header._p.get_or_add_pPr(), border)
    _page_number(section.first_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)


def _closing(document: Document, context: dict[str, Any]) -> None:
    """Unsealed: one blank line after the body, the signature 2 characters from the right, the date starting 2
    characters right of its start, or 2 characters from the right (the signature moving left) when longer."""
    spec = context["spec"]
    face = render.face_of("body")
    cell = GRID.cell

    def width(text: str) -> float:
        """pt on the grid: a full-width character takes a cell, the rest its advance, and Word and LibreOffice
        put a fifth of an em between Chinese and digits (autospace, which LibreOffice cannot turn off)."""
        wide = [ord(c) > 0x2E80 for c in text]
        gaps = sum(a != b for a, b in itertools.pairwise(wide))
        return sum(cell if w else face.advance(c) * GRID.size for c, w in zip(text, wide)) + gaps * AUTOSPACE * GRID.size

    date = cn_date(spec.date)
    block = max(max(width(s) for s in spec.signature), 2 * cell + width(date))
    left = GRID.width - 2 * cell - block
    for i, issuer in enumerate(spec.signature):
        paragraph = document.add_paragraph(issuer, style="署名")
        paragraph.paragraph_format.left_indent = Pt(left)
        paragraph.paragraph_format.keep_with_next = True
        if i == 0:
            _space_before(paragraph, 1)
    paragraph = document.add_paragraph(date, style="署名")
    paragraph.paragraph_format.left_indent = Pt(left + 2 * cell)


def _borders(table: Table, **sides: tuple[int, str]) -> None:
    """Table borders by side: (width in eighths of a point, colour); sides not given have none."""
    t_pr = table._tbl.tblPr
    borders = _element("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        size, colour = sides.get(side, (0, "auto"))
        borders.append(_element(f"w:{side}", val="single" if size else "nil", sz=size, space=0, color=colour))
    _replace(t_pr, borders)


def _chart_png(chart: Chart, templates: Path) -> bytes:
    """The chart's SVG as a PNG, drawn by WeasyPrint in the report's faces (the labels' 仿宋 is declared by file,
    unknown to fontconfig, so an SVG rasteriser going through fontconfig would set them in another face)."""
    svg = ElementTree.fromstring(chart.svg)
    declared = "".join(f'@font-face {{ font-family: "{f.family}"; src: url("{f.file.as_uri()}"); }}'
                       for f in faces().values() if f.declared)
    html = (f"<style>{declared} @page {{ size: {svg.get('width')} {svg.get('height')}; margin: 0 }} "
            f"svg {{ display: block }}</style>{chart.svg}")
    pdf = render._layout(html, templates).write_pdf()
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=CHART_DPI / 72).to_pil()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(CHART_DPI, CHART_DPI))
    return buffer.getvalue()


def _attachment(document: Document, attachment: Attachment, templates: Path) -> None:
    """附件 top left on line 1, its title centred on line 3, the table of metrics, the charts with their captions
    below them."""
    document.add_paragraph("附件", style="附件标识")
    title = document.add_paragraph(attachment.title, style="附件标题")
    _space_before(title, 1)
    title.paragraph_format.space_after = Twips(round(GRID.pitch * 20))
    title.paragraph_format.line_spacing = Pt(GRID.pitch)
    table = document.add_table(rows=1, cols=len(attachment.headings))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = _column_widths(attachment)
    for column, width in zip(table.columns, widths):
        column.width = width
    _borders(table, **{side: (4, "000000") for side in ("top", "left", "bottom", "right", "insideH", "insideV")})
    _cell_margins(table)
    for cell, text, width in zip(table.rows[0].cells, attachment.headings, widths):
        cell.width = width
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        cell.paragraphs[0].style = "表头"
        cell.paragraphs[0].add_run(text)
    _repeat_header(table.rows[0])
    for number, row in enumerate(attachment.rows, start=1):
        cells = (("word", (str(number),)), ("label", row.lines), ("word", (row.unit,)),
                 *((alignment, (text,)) for text, alignment in row.figures))
        for cell, (alignment, lines), width in zip(table.add_row().cells, cells, widths):
            cell.width = width
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            paragraph.style = "表格"
            paragraph.alignment = CELL_ALIGNMENT[alignment]
            for i, line in enumerate(lines):   # a label in the lines attachment.py broke it into
                if i:
                    paragraph.runs[-1].add_break()
                paragraph.add_run(line)
    for number, chart in enumerate(attachment.charts, start=1):
        picture = document.add_paragraph(style="图")
        _space_before(picture, 1)
        if chart.svg:
            picture.add_run().add_picture(io.BytesIO(_chart_png(chart, templates)), width=Mm(156))
        else:
            picture.add_run(chart.gap)
        document.add_paragraph(f"图{number}　{chart.title}", style="图题")


def _column_widths(attachment: Attachment) -> list[Twips]:
    """The columns as attachment.py measured them (em of the table's size), 指标 taking the rest of the type
    area."""
    fixed = [None if em is None else round(em * TABLE_SIZE * 20) for em in attachment.widths]
    rest = round(GRID.width * 20) - sum(w for w in fixed if w)
    return [Twips(rest if w is None else w) for w in fixed]


def _cell_margins(table: Table) -> None:
    """The cells' padding of report.css: 0.5 mm above and below, CELL_PADDING em left and right."""
    margins = _element("w:tblCellMar")
    sides = {**{side: round(length.twips) for side, length in TABLE_CELL_MARGINS.items()},
             "left": round(CELL_PADDING * TABLE_SIZE * 20), "right": round(CELL_PADDING * TABLE_SIZE * 20)}
    for side, twips in sides.items():
        margins.append(_element(f"w:{side}", w=twips, type="dxa"))
    _replace(table._tbl.tblPr, margins)


def _repeat_header(row: Any) -> None:
    row._tr.get_or_add_trPr().append(_element("w:tblHeader"))


def _colophon(document: Document, spec: Any) -> None:
    """The colophon, a table floating on the bottom edge of the type area of the last page, meant to be even: 抄送
    one character in on each side, the printing office one character from the left and 印发 date one from the
    right, a row a line; its first and last rules 0.35 mm, the one between 0.25 mm."""
    rows = ([f"抄送：{'，'.join(spec.copied_to)}。"] if spec.copied_to else []) + [""]
    table = document.add_table(rows=len(rows), cols=1)
    _borders(table, top=(8, "000000"), bottom=(8, "000000"), insideH=(6, "000000"))
    t_pr = table._tbl.tblPr
    row_height = round(GRID.pitch * 20)   # a row a line of the grid, as the PDF's colophon has them
    top = _twips(Mm(225)) - len(rows) * row_height
    # placed from the page's left edge as on an even page (LibreOffice keeps a table as wide as the type area
    # and placed from the margin in the flow, under the attachment, instead of floating it)
    _replace(t_pr, _element("w:tblpPr", vertAnchor="margin", horzAnchor="page", tblpY=top,
                            tblpX=_twips(MARGINS["outside"]), bottomFromText=0, topFromText=0))
    _replace(t_pr, _element("w:tblW", w=_twips(Mm(156)), type="dxa"))
    _replace(t_pr, _element("w:tblInd", w=0, type="dxa"))
    margins = _replace(t_pr, _element("w:tblCellMar"))
    for side in ("left", "right"):
        margins.append(_element(f"w:{side}", w=0, type="dxa"))
    one = round(SIZE_4 * 20)
    for row, text in zip(table.rows, rows):
        row.height, row.height_rule = Twips(row_height), WD_ROW_HEIGHT_RULE.EXACTLY
        row.cells[0].vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        row.cells[0].width = Mm(156)
        paragraph = row.cells[0].paragraphs[0]
        paragraph.style = "版记"
        _replace(paragraph._p.get_or_add_pPr(), _element("w:ind", left=one, right=one))
        if text:
            paragraph.add_run(text)
        else:
            paragraph.paragraph_format.tab_stops.add_tab_stop(Twips(_twips(Mm(156)) - one),
                                                             WD_TAB_ALIGNMENT.RIGHT)
            paragraph.add_run(f"{spec.printing_office}\t{cn_date(spec.printing_date)}印发")
    document.add_paragraph(style="版记")  # the paragraph the floating table is anchored to


def build_docx(context: dict[str, Any], templates: Path) -> Document:
    """The report (or nothing but its separate attachment) as a Word document, from the PDF's context."""
    document = docx.Document()
    _styles(document)
    _font_table(document)
    _page(document)
    spec = context["spec"]
    document.core_properties.title = spec.title
    document.core_properties.author = "、".join(spec.issuers)
    document.core_properties.language = "zh-CN"
    if context["provisional"] is not None:
        _provisional(document, context["provisional"])
    _masthead(document, context)
    for block in context["blocks"]:
        _paragraph(document, block.lines, BLOCK_STYLES.get(block.level, BODY))
    attachment: Attachment | None = context["attachment"]
    if attachment:
        _space_before(_paragraph(document, context["attachment_note"], "附件说明"), 1)
    _closing(document, context)
    if attachment and attachment.placement == "attached":
        _attachment(document, attachment, templates)
    _colophon(document, spec)
    return document


def write_docx(context: dict[str, Any], templates: Path, path: Path) -> Path:
    """Write the report's DOCX atomically."""
    document = build_docx(context, templates)
    with replacing(path) as partial:
        document.save(str(partial))
    return path

