"""The sample run reproduces every figure of the reference report, in the metrics and in the PDF."""

from __future__ import annotations

import re
import subprocess

import pytest

from annual_report.figures import Figures, Formatter
from annual_report.pipeline import RunSummary
from conftest import golden_figures

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


def _pdf_text(sample_run: RunSummary) -> str:
    text = subprocess.run(["pdftotext", str(sample_run.files.pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    return re.sub(r"\s+", "", text)


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
    assert files.pdf.parent == files.html.parent == files.metrics_csv.parent
    assert files.pdf.read_bytes().startswith(b"%PDF")
    assert "关于晋江市2021年法治政府工作的报告" in files.html.read_text(encoding="utf-8")
    header = files.metrics_csv.read_text(encoding="utf-8").splitlines()[0]
    assert header == "metric_id,year,label,value,unit,prior_value,change,datasets,submission_ids"
