"""The read-only server of the report's files over HTTP: `python -m annual_report.outputs_server`
(scripts/files.sh, the annual-report-files unit, `make serve`).

Starlette's StaticFiles under uvicorn serves outputs/<year>/… — the PDF, DOCX, HTML preview, metrics (CSV, XLSX)
and the receipts — so that a run's artifacts link to a page a browser opens (a `file:` link it refuses, and the
file is on the worker's machine anyway). Only the year folders: the warehouse, the archive of every file received
and Prefect's own state, also in outputs/, are never served. GET and HEAD only (anything else is 405); a path
out of the year folders, `..` or a link pointing out of them included, is 404. A folder's address is a listing
of what it holds. Binds ANNUAL_REPORT_FILES_HOST:ANNUAL_REPORT_FILES_PORT (127.0.0.1:4300); the artifacts link
to ANNUAL_REPORT_FILES_URL (annual_report/settings.py).
"""

from __future__ import annotations

import argparse
import mimetypes
import os
import stat
import sys
import urllib.request
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, urljoin

import anyio.to_thread
import jinja2
from starlette.applications import Starlette
from starlette.datastructures import URL
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from annual_report.intake.listing import YEAR_FOLDER
from annual_report.settings import Settings

# not in Python's own table (only in a system's /etc/mime.types): the office opens them by their type
OFFICE_TYPES = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def url_of(settings: Settings, path: Path) -> str:
    """The address of a file of outputs/<year>/ on the files server. A file elsewhere (a region's own outputs
    folder in a batch, which no files server serves) keeps its `file:` URI, good on the machine that wrote it."""
    try:
        relative = path.resolve().relative_to(settings.outputs.resolve())
    except ValueError:
        return path.resolve().as_uri()
    if not (relative.parts and YEAR_FOLDER.fullmatch(relative.parts[0])):
        return path.resolve().as_uri()
    return urljoin(settings.files_base_url, quote(relative.as_posix()))


def _served(path: str) -> bool:
    """The outputs folder itself (its listing) and what lies under a year's folder, but no hidden file (a partial
    file still being written is one: annual_report/files.py)."""
    parts = Path(path).parts
    return path == "." or (bool(YEAR_FOLDER.fullmatch(parts[0])) and not any(p.startswith(".") for p in parts))


def _size(size: int) -> str:
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


class YearFolders(StaticFiles):
    """StaticFiles on outputs/, confined to its year folders, with a listing for each folder."""

    def __init__(self, outputs: Path, templates: Path) -> None:
        super().__init__(directory=outputs)
        self.listing = jinja2.Environment(loader=jinja2.FileSystemLoader(templates / "files"), autoescape=True,
                                          undefined=jinja2.StrictUndefined).get_template("listing.html.j2")

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        return super().lookup_path(path) if _served(path) else ("", None)

    async def get_response(self, path: str, scope: Scope) -> Response:
        if scope["method"] in ("GET", "HEAD"):
            full_path, found = await anyio.to_thread.run_sync(self.lookup_path, path)
            if found and stat.S_ISDIR(found.st_mode):
                if not scope["path"].endswith("/"):  # the listing's relative links need the slash
                    url = URL(scope=scope)
                    return RedirectResponse(url=url.replace(path=url.path + "/"))
                return HTMLResponse(await anyio.to_thread.run_sync(self._listing, path, Path(full_path)))
        return await super().get_response(path, scope)  # a file; 405 for a write, 404 for the rest

    def _listing(self, path: str, folder: Path) -> str:
        """A folder's page: its subfolders, then its files, by name (no hidden or partial file)."""
        entries = []
        for entry in sorted(folder.iterdir(), key=lambda e: (not e.is_dir(), e.name)):
            if entry.name.startswith(".") or (path == "." and not YEAR_FOLDER.fullmatch(entry.name)):
                continue
            if entry.is_symlink():  # a link is not followed, so not shown
                continue
            info = entry.stat()
            is_dir = stat.S_ISDIR(info.st_mode)
            entries.append({"name": entry.name + ("/" if is_dir else ""),
                            "href": quote(entry.name) + ("/" if is_dir else ""),
                            "size": "" if is_dir else _size(info.st_size),
                            "modified": datetime.fromtimestamp(info.st_mtime).strftime("%Y-%m-%d %H:%M")})
        where = "" if path == "." else Path(path).as_posix() + "/"
        return self.listing.render(where=where, entries=entries, top=path == ".")


REFUSALS = {404: "没有这个文件（只提供各年度文件夹中的报告、指标和回执）", 405: "只读：不能上传、修改或删除文件",
            401: "无权读取这个文件"}


async def _refused(request: Request, error: Exception) -> Response:
    """A refusal said in Chinese, with its status and headers (Allow for a write)."""
    assert isinstance(error, HTTPException)
    return PlainTextResponse(REFUSALS.get(error.status_code, error.detail), status_code=error.status_code,
                             headers=error.headers)


def app(settings: Settings) -> Starlette:
    for suffix, media_type in OFFICE_TYPES.items():
        mimetypes.add_type(media_type, suffix)
    settings.outputs.mkdir(parents=True, exist_ok=True)
    return Starlette(routes=[Mount("/", app=YearFolders(settings.outputs, settings.templates))],
                     exception_handlers={HTTPException: _refused})


def answering(settings: Settings) -> bool:
    """Whether a files server answers at this machine's address of it."""
    try:
        with urllib.request.urlopen(settings.files_local_url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m annual_report.outputs_server", description=__doc__.splitlines()[0])
    parser.add_argument("--answering", action="store_true",
                        help="only say (exit status 0) whether a files server answers at its address already")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.answering:
        return 0 if answering(settings) else 1
    import uvicorn

    print(f"serving {settings.outputs}/<year>/ at {settings.files_local_url} (linked as {settings.files_base_url})",
          flush=True)
    uvicorn.run(app(settings), host=settings.files_host, port=settings.files_port, log_level="info",
                server_header=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
