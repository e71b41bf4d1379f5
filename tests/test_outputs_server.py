"""The read-only files server (annual_report/outputs_server.py), run as its unit runs it, on a free loopback port over
an outputs folder that holds, beside a year's report files and receipts, what must never be served: the warehouse,
the archive, Prefect's database, a hidden partial file, a link out of the year folder."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from stack import answers, free_port, wait_for

from annual_report.outputs_server import url_of
from annual_report.settings import ROOT, Settings

FILES = {  # name under outputs/2021/ -> the content type it is served with
    "jinjiang-2021-report.pdf": "application/pdf",
    "jinjiang-2021-report.docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "jinjiang-2021-metrics.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jinjiang-2021-metrics.csv": "text/csv; charset=utf-8",
    "jinjiang-2021-report.html": "text/html; charset=utf-8",
    "jinjiang-2021-review.html": "text/html; charset=utf-8",
    "jinjiang-2021-rows/legal_aid_cases.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "receipts/法院/执行慈善救助台账.csv.html": "text/html; charset=utf-8",
}
NEVER_SERVED = ["warehouse.duckdb", "archive/ab/abcdef.csv", "prefect/prefect.db", "2021/.123@host.abcd1234.partial",
                "2021/.jinjiang-2021-rows.partial/legal_aid_cases.xlsx",
                "2021/secret-link.txt"]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("served")
    outputs = root / "outputs"
    for name in [*(f"2021/{name}" for name in FILES), *NEVER_SERVED[:-1], "2021/<b>报告.txt"]:
        (outputs / name).parent.mkdir(parents=True, exist_ok=True)
        (outputs / name).write_bytes(f"{name}\n".encode())
    (root / "secret.txt").write_text("outside outputs/\n")
    (outputs / "2021" / "secret-link.txt").symlink_to(root / "secret.txt")
    return outputs


@pytest.fixture(scope="module")
def server(outputs: Path) -> Iterator[str]:
    """`python -m annual_report.outputs_server`, as scripts/files.sh runs it; its address."""
    port = free_port()
    env = {**os.environ, "ANNUAL_REPORT_OUTPUTS": str(outputs), "ANNUAL_REPORT_FILES_PORT": str(port)}
    process = subprocess.Popen([sys.executable, "-m", "annual_report.outputs_server"], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(lambda: answers(url), 30, f"files server at {url}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _request(server: str, method: str, path: str, body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    """A request sent with its path exactly as written (no client tidies a `..` away)."""
    connection = http.client.HTTPConnection(urlsplit(server).hostname, urlsplit(server).port, timeout=10)
    try:
        connection.request(method, path, body=body)
        response = connection.getresponse()
        return response.status, dict(response.headers), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("name", FILES)
def test_each_report_file_is_served_with_its_content_type(server: str, outputs: Path, name: str) -> None:
    url = url_of(Settings.from_env().with_paths(outputs=outputs).model_copy(update={"files_url": server}),
                 outputs / "2021" / name)
    status, headers, body = _request(server, "GET", urlsplit(url).path)
    assert (status, headers["content-type"], body) == (200, FILES[name], (outputs / "2021" / name).read_bytes())


@pytest.mark.parametrize("path", [
    *(f"/{name}" for name in NEVER_SERVED),
    "/2021/../warehouse.duckdb", "/2021/%2e%2e/prefect/prefect.db", "/2021/..%2f..%2fsecret.txt",
    "/2021/receipts/../../prefect/prefect.db", "//etc/passwd", "/2021/../../secret.txt", "/archive/", "/prefect/",
])
def test_nothing_outside_the_year_folders_is_served(server: str, path: str) -> None:
    status, _, body = _request(server, "GET", path)
    assert status == 404 and "没有这个文件" in body.decode()


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE", "PATCH"])
def test_no_write_is_taken(server: str, outputs: Path, method: str) -> None:
    pdf = outputs / "2021" / "jinjiang-2021-report.pdf"
    before = pdf.read_bytes()
    for path in ("/2021/jinjiang-2021-report.pdf", "/2021/uploaded.pdf"):
        status, headers, body = _request(server, method, path, body=b"%PDF- not the report")
        assert (status, headers["allow"]) == (405, "GET, HEAD") and "只读" in body.decode()
    assert pdf.read_bytes() == before and not (outputs / "2021" / "uploaded.pdf").exists()


def test_a_year_folder_lists_its_files_and_the_top_only_the_years(server: str) -> None:
    status, _, year = _request(server, "GET", "/2021/")
    page = year.decode()
    assert status == 200 and 'href="jinjiang-2021-report.pdf"' in page and 'href="receipts/"' in page
    assert "partial" not in page and "secret-link" not in page
    assert "&lt;b&gt;报告.txt" in page and "<b>报告" not in page  # a file's name is text, never markup
    _, _, top = _request(server, "GET", "/")
    assert 'href="2021/"' in top.decode() and not any(name in top.decode() for name in ("prefect", "archive", "warehouse"))
    assert _request(server, "GET", "/2021")[:2][0] == 307  # to the folder's own address, so its links resolve


def test_an_output_is_linked_by_its_address_on_the_files_server(tmp_path: Path) -> None:
    settings = Settings.from_env().with_paths(outputs=tmp_path / "outputs")
    receipt = tmp_path / "outputs" / "2021" / "receipts" / "法院" / "执行 慈善.csv.html"
    assert url_of(settings, receipt) == ("http://127.0.0.1:4300/2021/receipts/%E6%B3%95%E9%99%A2/"
                                         "%E6%89%A7%E8%A1%8C%20%E6%85%88%E5%96%84.csv.html")
    remote = settings.model_copy(update={"files_url": "http://reports.example.gov.cn/files"})
    assert url_of(remote, receipt).startswith("http://reports.example.gov.cn/files/2021/receipts/")
    # no files server serves these: the path stays a file: URI on the machine that wrote it
    elsewhere = tmp_path / "region" / "outputs" / "2021" / "x-2021-report.pdf"
    assert url_of(settings, elsewhere) == elsewhere.as_uri()
    assert url_of(settings, tmp_path / "outputs" / "prefect" / "prefect.db").startswith("file://")
