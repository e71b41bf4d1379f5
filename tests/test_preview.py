"""The HTML preview beside the PDF opens in a browser from its own folder as the report prints: a red masthead,
the body in a column as wide as the type area, its faces and styles in the file, nothing from system paths."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest
from fontTools.ttLib import TTFont
from PIL import Image
from test_report import _spec

from annual_report.report import render
from annual_report.report.spec import load_spec
from annual_report.report.typeset import GRID, MM
from annual_report.settings import Settings

CHROMIUM = shutil.which("chromium")
WINDOW = (1000, 1400)       # CSS px
COLUMN = GRID.width / MM / 25.4 * 96  # the type area's width in CSS px (96 per inch)
PARAGRAPH = "全面落实行政执法“三项制度”，持续深化规范自由裁量权工作，聚焦行政处罚、行政征收、行政强制等可量化的行政自由裁量权。" * 3


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory, contracts) -> Path:
    """A report's HTML preview, copied alone into an empty folder."""
    folder = tmp_path_factory.mktemp("preview")
    spec = load_spec(_spec(folder, f"# 推进依法行政\n\n{PARAGRAPH}\n\n{PARAGRAPH}"))
    rendered = render.render(render.report_context(spec, pl.DataFrame(), contracts, 2021), Settings.from_env().templates)
    html = render.write_pdf(rendered, folder / "out" / "report.pdf").with_suffix(".html")
    alone = folder / "alone"
    alone.mkdir()
    return Path(shutil.copy(html, alone))


def test_the_preview_loads_nothing_from_outside_itself(preview: Path) -> None:
    html = preview.read_text(encoding="utf-8")
    assert "<link" not in html and "file:" not in html
    urls = re.findall(r"url\(([^)]*)\)", html)
    assert urls and all(url.strip("\"'").startswith("data:font/woff2;base64,") for url in urls)


def test_the_preview_faces_hold_every_character_it_prints_in_them(preview: Path) -> None:
    html = preview.read_text(encoding="utf-8")
    fonts = {family: TTFont(io.BytesIO(base64.b64decode(data)))
             for family, weight, data in re.findall(
                 r'font-family: "([^"]+)"; font-weight: (\d+); src: url\("data:font/woff2;base64,([^"]+)"\)', html)
             if weight == "400"}
    assert set(PARAGRAPH) - {" "} <= {chr(code) for code in fonts["Report FangSong"].getBestCmap()}
    assert set("推进依法行政") <= {chr(code) for code in fonts["Noto Sans CJK SC"].getBestCmap()}


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is installed by scripts/install-system-packages.sh")
def test_the_preview_in_a_browser_has_a_red_masthead_and_the_type_area_column(preview: Path, tmp_path: Path) -> None:
    screenshot = tmp_path / "preview.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--screenshot={screenshot}", f"--window-size={WINDOW[0]},{WINDOW[1]}", preview.as_uri()],
                   check=True, capture_output=True, timeout=120)
    image = Image.open(screenshot).convert("RGB")
    pixels = image.load()
    red = [(x, y) for y in range(500) for x in range(0, image.width, 2)
           if pixels[x, y][0] > 200 and pixels[x, y][1] < 60 and pixels[x, y][2] < 60]
    assert len(red) > 500, "the masthead is not red"
    body = [x for y in range(600, image.height) for x in range(image.width) if sum(pixels[x, y]) < 3 * 100]
    assert body, "no text below the masthead"
    # the sheet (the type area and the page's margins, 28 mm left and 26 mm right) centred in the window
    left = (image.width - COLUMN) / 2 + (28 - 26) / 2 * 96 / 25.4
    # justified lines, flush across the type area: their ink a few pixels short of the first and last advance
    assert left - 1 <= min(body) <= left + 4 and left + COLUMN - 10 <= max(body) <= left + COLUMN + 1
