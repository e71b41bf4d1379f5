"""The sample run reproduces every figure of the reference report, in the metrics and in the PDF."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import polars as pl
import pytest
from conftest import golden_figures
from test_layout import HEIGHT, TOP, colophon_rules

from annual_report import pipeline
from annual_report.pipeline import RunSummary
from annual_report.report import render
from annual_report.report.figures import Figures, Formatter, MissingFigureError
from annual_report.report.fonts import FontError
from annual_report.report.spec import load_spec
from annual_report.settings import Settings

GOLDEN = golden_figures()


@pytest.mark.parametrize("figure", GOLDEN, ids=lambda f: f"{f['figure']}-{f['metric_id']}-{f['filter']}")
def test_computed_figure_matches_reference(sample_run: RunSummary, contracts, figure: dict[str, str]) -> None:
    figures = Figures(sample_run.metrics, contracts, 2021)
    format_figure = Formatter("half_up").filters()[figure["filter"]]
    arguments = [int(figure["argument"])] if figure["argument"] else []
    assert format_figure(getattr(figures, figure["metric_id"]), *arguments) == figure["printed"]


def test_every_metric_has_a_value_and_its_submissions(sample_run: RunSummary) -> None:
    metrics = sample_run.metrics
    assert metrics["value"].null_count() == 0
    assert all(len(ids) > 0 for ids in metrics["submission_ids"])


def pdf_text(pdf: Path) -> str:
    """The PDF's text in reading order, page numbers and whitespace left out."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return re.sub(r"\s+", "", re.sub(r"^—\s*\d+\s*—$", "", text, flags=re.MULTILINE))


def _pdf_text(sample_run: RunSummary) -> str:
    return pdf_text(sample_run.files.pdf)


def test_pdf_prints_every_figure(sample_run: RunSummary) -> None:
    text = _pdf_text(sample_run)
    missing = [f["printed"] for f in GOLDEN if f["printed"] not in text]
    assert not missing
    assert "2021年11月9日" in text


def test_pdf_text_is_the_reference_structure(sample_run: RunSummary) -> None:
    text = _pdf_text(sample_run)
    for heading in ("一、推进依法行政建设法治政府工作情况", "（一）深化示范创建工作", "1．落实重大行政决策机制",
                    "四、2022年工作计划", "中共泉州市委、泉州市人民政府：", "2022年2月28日印发"):
        assert heading in text
    assert text.index("一、") < text.index("二、") < text.index("三、") < text.index("四、")


def test_pdf_embeds_every_font(sample_run: RunSummary) -> None:
    listing = subprocess.run(["pdffonts", str(sample_run.files.pdf)], check=True, capture_output=True,
                             text=True).stdout.splitlines()[2:]
    assert listing, "the PDF uses no fonts"
    for line in listing:
        assert line.split()[-5] == "yes", f"font not embedded: {line}"


def test_outputs_written_beside_the_pdf(sample_run: RunSummary) -> None:
    files = sample_run.files
    assert files.pdf.parent == files.html.parent == files.metrics_csv.parent == files.metrics_xlsx.parent
    assert files.pdf.read_bytes().startswith(b"%PDF")
    assert "关于晋江市2021年法治政府工作的报告" in files.html.read_text(encoding="utf-8")
    header = files.metrics_csv.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == "序号,指标,单位,2021年（报告所印）,2021年（未舍入）,2020年（报告所印）,2020年（未舍入）,印于,数据来源,指标编号"


def test_pdf_metadata_language_and_outline(sample_run: RunSummary) -> None:
    with pdfplumber.open(sample_run.files.pdf) as pdf:
        assert pdf.metadata["Title"] == "关于晋江市2021年法治政府工作的报告"
        assert pdf.metadata["Author"] == "中共晋江市委、晋江市人民政府"
        created = dt.datetime.strptime(pdf.metadata["CreationDate"][2:16], "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
        assert dt.timedelta(0) <= dt.datetime.now(dt.UTC) - created < dt.timedelta(hours=6)  # the run's, not 2022-02-28
        assert pdf.doc.catalog["Lang"] == b"zh-CN"
        assert pdf.doc.catalog["MarkInfo"]["Marked"] and "StructTreeRoot" in pdf.doc.catalog  # tagged
        outline = [(level, title) for level, title, *_ in pdf.doc.get_outlines()]
    assert (1, "一、推进依法行政建设法治政府工作情况") in outline
    assert (2, "（一）深化示范创建工作，打造法治政府品牌") in outline
    assert (2, "（一）依法履职尽责") in outline   # a run-in level-2 heading is bookmarked too, without its stop
    assert not [title for _, title in outline if title[-1] in "。：；"]
    assert (1, "晋江市2021年法治政府建设主要指标") in outline
    assert [title for level, title in outline if level == 1][:4] == [
        "一、推进依法行政建设法治政府工作情况", "二、党政主要负责人履行推进法治建设第一责任人职责情况",
        "三、存在的问题和困难", "四、2022年工作计划"]


def test_attachment_table_and_charts_come_from_the_metrics(sample_run: RunSummary) -> None:
    text = _pdf_text(sample_run)
    assert "附件：晋江市2021年法治政府建设主要指标" in text
    assert "图12021年人民调解案件纠纷类型（单位：起）" in text
    assert all(label in text for label in ("民事案件", "1764", "2477", "2020年", "2021年"))  # legal aid chart
    with pdfplumber.open(sample_run.files.pdf) as pdf:
        rows = [line for p in pdf.pages for line in (p.extract_text() or "").splitlines()]
        assert "16 受理法律援助案件 件 3501 2433 +43.9%" in rows   # the only metric with a prior-year ledger
        assert "18 人民调解案件 起 4798 — —" in rows
        page = next(p for p in pdf.pages if "图1" in (p.extract_text() or ""))
        bars = [r for r in page.rects if r["non_stroking_color"] == pytest.approx((0.651, 0.106, 0.106), abs=0.01)]
        labels = {c["fontname"].split("+")[-1] for c in page.chars if c["text"] in "邻里纠纷" and c["size"] < 11}
    assert len(bars) >= 9 + 3 and labels == {"Report-FangSong"}   # vector bars, labels in the body face


def test_the_pdf_is_tagged_and_created_when_the_context_says(tmp_path: Path, contracts) -> None:
    spec = load_spec(_spec(tmp_path, "## 强化督促检查。\n\n一段正文。"))
    created = dt.datetime(2022, 3, 1, 9, 30, 5, tzinfo=dt.UTC)
    rendered = render.render(render.report_context(spec, pl.DataFrame(), contracts, 2021, created=created),
                             Settings.from_env().templates)
    with pdfplumber.open(render.write_pdf(rendered, tmp_path / "out" / "test.pdf")) as pdf:
        assert pdf.metadata["CreationDate"].startswith("D:20220301093005")
        tree = pdf.doc.catalog["StructTreeRoot"].resolve()
        assert pdf.doc.catalog["MarkInfo"]["Marked"] and tree["K"]
        assert [title for _, title, *_ in pdf.doc.get_outlines()] == ["（一）强化督促检查"]


def test_pdf_a_variant_on_request(sample_run: RunSummary, tmp_path: Path) -> None:
    warehouse = Path(shutil.copy(sample_run.files.pdf.parent.parent / "warehouse.duckdb", tmp_path))  # the run's
    settings = Settings.from_env().with_paths(outputs=tmp_path, warehouse=warehouse)
    files = pipeline.render_report(settings, "jinjiang", 2021, sample_run.metrics, pdf_variant="pdf/a-3u")
    with pdfplumber.open(files.pdf) as pdf:
        xmp = pdf.doc.catalog["Metadata"].resolve().get_data().decode()
        assert "pdfaid:part" in xmp and re.search(r"pdfaid:part[^3]{0,3}3", xmp)
        assert re.search(r"pdfaid:conformance[^U]{0,3}U", xmp)
        assert pdf.doc.catalog["OutputIntents"]
    assert files.pdf.read_bytes().startswith(b"%PDF-1.7")


def _spec(tmp_path: Path, narrative: str, **front: str) -> Path:
    settings = {"title": "关于测试的报告", "issuers": "[测试县人民政府]", "addressee": "测试市人民政府",
                "signature": "[测试县人民政府]", "date": "2022-02-28", "printing_office": "测试县人民政府办公室",
                "printing_date": "2022-02-28"} | front
    path = tmp_path / "2021.md"
    path.write_text("---\n" + "".join(f"{k}: {v}\n" for k, v in settings.items()) + "---\n\n" + narrative,
                    encoding="utf-8")
    return path


@pytest.mark.parametrize(("narrative", "front", "message"), [
    ("正文有个生僻字𠀀。", {}, r"'𠀀' \(U\+20000\) has no glyph in the 仿宋 \(FandolFang-Regular.otf\) face"),
    ("# 一级标题有𠀀字\n\n正文。", {}, r"'𠀀' \(U\+20000\) has no glyph in the 黑体"),
    ("## 二级标题有䶮字\n\n正文。", {}, r"'䶮' \(U\+4DAE\) has no glyph in the 楷体 \(FandolKai-Regular.otf\)"),
    ("正文。", {"title": "关于𠀀的报告"}, r"'𠀀' \(U\+20000\) has no glyph in the 小标宋"),
])
def test_a_missing_glyph_fails_naming_character_and_face(tmp_path: Path, contracts, narrative: str,
                                                          front: dict[str, str], message: str) -> None:
    spec = load_spec(_spec(tmp_path, narrative, **front))
    with pytest.raises(FontError, match=message):
        render.report_context(spec, pl.DataFrame(), contracts, 2021)


def test_colophon_alone_on_the_next_even_page_is_not_numbered(tmp_path: Path, contracts) -> None:
    spec = load_spec(_spec(tmp_path, "一段正文。", copied_to="[测试市司法局]"))
    context = render.report_context(spec, pl.DataFrame(), contracts, 2021)
    rendered = render.render(context, Settings.from_env().templates)
    pdf = render.write_pdf(rendered, tmp_path / "out" / "test.pdf")
    with pdfplumber.open(pdf) as document:
        texts = [page.extract_text() or "" for page in document.pages]
    assert len(texts) == 2                       # the body ends on page 1, an odd page
    assert "— 1 —" in texts[0]
    assert "抄送：测试市司法局。" in texts[1] and "—" not in texts[1]


def _colophon_page(pdf: Path) -> tuple[int, str, float]:
    """The colophon's page (the last): its number, its text, and the bottom of the colophon's last rule
    (mm from the top of the page)."""
    with pdfplumber.open(pdf) as document:
        page = document.pages[-1]
        _, (_, bottom), _ = colophon_rules(page)
        return len(document.pages), page.extract_text() or "", bottom


@pytest.mark.parametrize(("lines", "copied_to"), [(5, "[测试市司法局, 测试县委全面依法治县委员会办公室]"), (6, None)],
                         ids=["copied-to", "printing-only"])
def test_colophon_a_page_break_takes_to_the_top_of_an_even_page_sits_on_its_bottom_edge(
        tmp_path: Path, contracts, lines: int, copied_to: str | None) -> None:
    # one paragraph of full lines: with the signature it leaves too little of page 1 for the colophon
    paragraph = ("这是一段用于测试版面的正文内容" * 20)[:28 * lines - 3] + "。"
    spec = load_spec(_spec(tmp_path, paragraph, **({"copied_to": copied_to} if copied_to else {})))
    context = render.report_context(spec, pl.DataFrame(), contracts, 2021)
    rendered = render.render(context, Settings.from_env().templates)
    number, text, bottom = _colophon_page(render.write_pdf(rendered, tmp_path / "out" / "test.pdf"))
    assert number == 2
    assert "— 2 —" in text and "这是" not in text   # an ordinary even page, numbered, the colophon alone on it
    assert bottom == pytest.approx(TOP + HEIGHT, abs=0.3)   # not left at the top of the page


def _boxes(document) -> list[tuple]:
    """Every box of every page: its kind and its border box (x, y, width, height in CSS px)."""
    def walk(box):
        yield type(box).__name__, box.border_box_x(), box.border_box_y(), box.border_width(), box.border_height()
        for child in getattr(box, "children", ()):
            yield from walk(child)
    return [row for page in document.pages for row in walk(page._page_box)]


def _draft_metrics(metrics: pl.DataFrame) -> pl.DataFrame:
    """The metrics without the legal aid cases: a draft's figures and its last chart are gaps."""
    return metrics.with_columns(
        value=pl.when(pl.col("metric_id").str.starts_with("legal_aid_cases")).then(None).otherwise(pl.col("value")))


@pytest.mark.parametrize("draft", [False, True], ids=["report", "draft"])
def test_colophon_moved_down_in_place_is_where_a_layout_of_its_html_puts_it(sample_run: RunSummary, contracts,
                                                                            monkeypatch, draft: bool) -> None:
    spec = load_spec(Settings.from_env().spec_path("jinjiang", 2021))
    metrics = _draft_metrics(sample_run.metrics) if draft else sample_run.metrics
    context = render.report_context(spec, metrics, contracts, 2021, draft=draft)
    templates = Settings.from_env().templates
    layout, layouts = render._layout, []
    monkeypatch.setattr(render, "_layout", lambda html, where: layouts.append(html) or layout(html, where))
    rendered = render.render(context, templates)
    # laid out, and again with the paragraphs paging.py set; the colophon stays on its even page: moved down in the
    # last layout, its HTML not laid out again
    assert len(layouts) <= 2 and rendered.html not in layouts
    moved, laid_out = _boxes(rendered.document), _boxes(layout(rendered.html, templates))
    assert [kind for kind, *_ in moved] == [kind for kind, *_ in laid_out]
    assert [v for _, *values in moved for v in values] == pytest.approx(
        [v for _, *values in laid_out for v in values], abs=1e-6)


def test_a_draft_renders_with_the_gaps_marked(sample_run: RunSummary, contracts, tmp_path: Path) -> None:
    spec = load_spec(Settings.from_env().spec_path("jinjiang", 2021))
    metrics = _draft_metrics(sample_run.metrics)
    with pytest.raises(MissingFigureError, match="legal_aid_cases.*法律援助中心"):
        render.report_context(spec, metrics, contracts, 2021)
    context = render.report_context(spec, metrics, contracts, 2021, draft=True)
    rendered = render.render(context, Settings.from_env().templates)
    html = rendered.html
    assert "【待补：受理法律援助案件】" in html
    assert "【待补：2020—2021年法律援助案件受理情况】" in html   # the chart without data
    assert html.rindex('class="gap"') > html.rindex("<svg")   # the last chart, right above the colophon
    number, _, bottom = _colophon_page(render.write_pdf(rendered, tmp_path / "draft.pdf"))
    assert number % 2 == 0 and bottom == pytest.approx(TOP + HEIGHT, abs=0.3)   # the gap has no margin to pull it up
