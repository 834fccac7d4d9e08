"""The Word add-in's files: the manifest an administrator downloads, the task pane and its icons.

The manifest in addin_manifest/manifest.xml is a working manifest for the default local service
(https://localhost:8443). /manifest.xml serves it with that address replaced by the address the
request came to, so whoever downloads it from their server gets a manifest pointing at that server.

The task pane is plain files under static/taskpane/. The page names Microsoft's office.js by its
CDN address; where a network mirrors it, config OFFICE_JS_URL (or the environment variable
BIAOTAI_OFFICE_JS_URL) names the mirror and the page is served with that address instead.
"""
from __future__ import annotations

from xml.sax.saxutils import escape

from flask import Blueprint, Response, current_app, send_from_directory
from markupsafe import escape as html_escape

from .api import public_url
from ..config import resource_path, static_path
from .pages import page_html

bp = Blueprint("addin", __name__)

DEFAULT_OFFICE_JS_URL = "https://appsforoffice.microsoft.com/lib/1/hosted/office.js"
MANIFEST_PATH = resource_path("addin_manifest") / "manifest.xml"
MANIFEST_BASE_URL = "https://localhost:8443"  # the address written in the file, replaced when served
STATIC = static_path()
TASKPANE_DIR = STATIC / "taskpane"
ICONS_DIR = STATIC / "icons"
@bp.record_once
def _defaults(state) -> None:
    # create_app fills both from BIAOTAI_OFFICE_JS_URL / BIAOTAI_PUBLIC_URL; these are the fallbacks.
    state.app.config.setdefault("OFFICE_JS_URL", DEFAULT_OFFICE_JS_URL)
    state.app.config.setdefault("PUBLIC_URL", None)


HTTP_WARNING = ("<!-- 注意：这份清单中的地址是 http://。Word 只从 HTTPS 加载加载项，请用 https:// 地址访问服务"
                "（运行 biaotai serve 时不要用 insecure-http 选项），再下载清单。 -->\n")


def manifest_text(url: str) -> str:
    """The manifest with every address pointing at `url` (scheme://host[:port], no trailing slash)."""
    text = MANIFEST_PATH.read_text(encoding="utf-8").replace(MANIFEST_BASE_URL, escape(url, {'"': "&quot;"}))
    if url.startswith("http://"):
        declaration, _, rest = text.partition("\n")
        text = declaration + "\n" + HTTP_WARNING + rest
    return text


@bp.get("/manifest.xml")
def manifest():
    response = Response(manifest_text(public_url()), mimetype="application/xml")
    response.headers["Content-Disposition"] = 'attachment; filename="biaotai-manifest.xml"'
    response.headers["Cache-Control"] = "no-cache"
    return response


def taskpane_html(office_js_url: str) -> str:
    """taskpane.html with the configured office.js and versioned asset links (Office caches hard)."""
    return page_html(TASKPANE_DIR / "taskpane.html", TASKPANE_DIR,
                     lambda html: html.replace(f'src="{DEFAULT_OFFICE_JS_URL}"', f'src="{html_escape(office_js_url)}"'))


@bp.get("/taskpane/")
def taskpane():
    response = Response(taskpane_html(current_app.config["OFFICE_JS_URL"]), mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/taskpane/<name>")
def taskpane_asset(name: str):
    if name == "taskpane.html":
        return taskpane()
    response = send_from_directory(TASKPANE_DIR, name, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/icons/<name>")
def icon(name: str):
    return send_from_directory(ICONS_DIR, name, max_age=86400)
