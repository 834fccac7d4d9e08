"""The pages a plain browser opens, and the pane's shared scripts.

- `/` is the assistant for any modern browser (信创 machines run Chromium-based browsers): the
  shared pane (static/pane/) laid out for a full window by static/page/, with the browser as its
  host (no document to insert into: it reads, copies, downloads and prints).
- `/library` is the editors' page (static/library/): the library's state and every problem, import
  review, history and usage, over the editors' JSON routes (editor.py).
- `/pane/…` serves the shared pane modules every host page loads (Word's task pane, WPS's pane, `/`).
- `versioned_assets` gives every page's local script and style links a content version, because
  Office and WPS cache pane files hard; one place decides that for every page.
"""
from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache
from typing import Callable
from pathlib import Path

from flask import Blueprint, Response, send_from_directory

from ..config import static_path

bp = Blueprint("pages", __name__)

STATIC = static_path()
PANE_DIR = STATIC / "pane"
PAGE_DIR = STATIC / "page"
LIBRARY_PAGE_DIR = STATIC / "library"
# A local script or style link: relative, no query, no scheme.
_LOCAL_ASSET = re.compile(r'\b(src|href)="((?:\.\./)?[A-Za-z0-9_/.-]+\.(?:js|css))"')


@lru_cache(maxsize=64)
def _version(path: Path, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


_INCLUDE = re.compile(r"[ ]*<!--#include ([a-z-]+\.html)((?: [a-z]+=\"[^\"]*\")*)-->")
_PARAMETER = re.compile(r'([a-z]+)="([^"]*)"')


def page_html(path: Path, folder: Path, adapt: Callable[[str], str] | None = None) -> str:
    """A page as served: its `<!--#include name.html-->` lines replaced by the shared fragments in
    static/pane/ (the banner and busy bar messages.js fills, the settings, the module list and its
    order, a page's header each live in one file; `{pane}` in a fragment becomes the path from
    `folder` to static/pane, `{name}` the include line's name="…"), then `adapt` (a host's own
    changes), then asset links versioned."""
    pane = os.path.relpath(PANE_DIR, folder).replace(os.sep, "/")  # how links from `folder` reach static/pane

    def include(match: re.Match) -> str:
        text = (PANE_DIR / match.group(1)).read_text(encoding="utf-8").rstrip("\n")
        for key, value in [("pane", pane), *_PARAMETER.findall(match.group(2))]:  # page-given text, as written
            text = text.replace("{" + key + "}", value)
        return text
    html = _INCLUDE.sub(include, path.read_text(encoding="utf-8"))
    return versioned_assets(adapt(html) if adapt else html, folder)


def versioned_assets(html: str, folder: Path) -> str:
    """`html` (a page served from `folder`) with `?v=<content hash>` on each local .js/.css link."""
    def version(match: re.Match) -> str:
        path = (folder / match.group(2)).resolve()
        if not path.is_file() or STATIC.resolve() not in path.parents:
            return match.group(0)
        return f'{match.group(1)}="{match.group(2)}?v={_version(path, path.stat().st_mtime_ns)}"'
    return _LOCAL_ASSET.sub(version, html)


def no_cache(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/")
def assistant():
    return no_cache(Response(page_html(PAGE_DIR / "index.html", STATIC), mimetype="text/html"))


@bp.get("/library")
def library_page():
    """The editors' page: the library's state and problems, import review, history, usage. The
    page itself holds no data; its JSON routes need the editor token (editor.py)."""
    return no_cache(Response(page_html(LIBRARY_PAGE_DIR / "index.html", STATIC), mimetype="text/html"))


@bp.get("/library/<name>")
def library_asset(name: str):
    return no_cache(send_from_directory(LIBRARY_PAGE_DIR, name, max_age=0))


@bp.get("/page/<name>")
def page_asset(name: str):
    return no_cache(send_from_directory(PAGE_DIR, name, max_age=0))


@bp.get("/pane/<name>")
def pane_module(name: str):
    return no_cache(send_from_directory(PANE_DIR, name, max_age=0))
