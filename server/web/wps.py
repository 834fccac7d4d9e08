"""The WPS add-in (WPS加载项) the service serves, and the fragment URLs WPS inserts from.

A WPS add-in is a web app: WPS reads `ribbon.xml` at the add-in's root (CustomUI whose onLoad and
onAction name functions of `index.html`'s scripts) and calls them with `window.Application`, an
object model close to Word's VBA. Ours is static/wps/: the ribbon group 表态发言 (打开助手,
插入段落, 生成全文, 检查提法) in main.js only opens the pane (`Application.CreateTaskPane`, or
`ShowDialog` where config WPS_PANE = "dialog" or the task pane cannot be made) and tells it what
was asked; the pane is the shared pane (static/pane/) with the WPS host adapter (static/wps/pane.js),
served at /taskpane/wps.html from Word's pane page so both panes have one DOM.

Deployment: `/wps/jsplugins.xml` lists the add-in online (its url is /wps/, the add-in's root, with
this service's own address), `/wps/publish.html` registers it on a writer's machine through WPS's
local service, `/wps/biaotai-wps.zip` is the offline package. main.js and the package carry this
service's address (the pane and the API stay on the service either way).

WPS inserts a rendered .docx with `Selection.InsertFile(url)` and fetches that URL itself, without
the pane's token: POST /api/wps/fragments/... answer as the JSON API does, but with `docx_url`, a
short-lived capability URL (server/web/fragments.py), in place of `docx_base64`.
"""
from __future__ import annotations

import base64
import io
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from xml.sax.saxutils import quoteattr

from flask import Blueprint, Response, current_app, jsonify, send_from_directory
from markupsafe import escape as html_escape

from .addin import TASKPANE_DIR
from .api import ApiError, public_url
from ..config import static_path
from .fragments import FragmentStore, default_folder
from .pages import no_cache, page_html, versioned_assets

bp = Blueprint("wps", __name__)

WPS_DIR = static_path("wps")
ICONS_DIR = static_path("icons")
ADDIN_NAME = "biaotai"                                   # the add-in's name in WPS (ASCII: a folder name)
ADDIN_ROOT = ("ribbon.xml", "index.html", "main.js", "manifest.xml")  # what WPS loads from the root
SERVICE_PLACEHOLDER = "__BIAOTAI_SERVICE__"
PANE_MODE_PLACEHOLDER = "__BIAOTAI_PANE_MODE__"
PANE_MODES = ("taskpane", "dialog")
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.record_once
def _defaults(state) -> None:
    config = state.app.config
    config.setdefault("FRAGMENTS_DIR", str(default_folder()))
    config.setdefault("FRAGMENT_TTL", 300)
    config.setdefault("WPS_PANE", "taskpane")


def fragment_store() -> FragmentStore:
    return FragmentStore(folder=Path(current_app.config["FRAGMENTS_DIR"]),
                         ttl=float(current_app.config["FRAGMENT_TTL"]))


def addin_version() -> str:
    try:
        return version("biaotai")
    except PackageNotFoundError:  # pragma: no cover - running from a checkout without install
        return "0"


def addin_file(name: str, service: str) -> str:
    """One of the add-in's root files with this service's address (and the pane mode) filled in."""
    text = (WPS_DIR / name).read_text(encoding="utf-8")
    mode = current_app.config.get("WPS_PANE")
    text = text.replace(PANE_MODE_PLACEHOLDER, mode if mode in PANE_MODES else PANE_MODES[0])
    return text.replace(SERVICE_PLACEHOLDER, service)


MIMETYPES = {".xml": "application/xml", ".html": "text/html", ".js": "text/javascript"}


@bp.get("/wps/")
def addin_index():
    return addin_root("index.html")


@bp.get("/wps/<name>")
def addin_root(name: str):
    if name in ADDIN_ROOT:
        text = addin_file(name, public_url())
        return no_cache(Response(text, mimetype=MIMETYPES["." + name.rsplit(".", 1)[1]]))
    return no_cache(send_from_directory(WPS_DIR, name, max_age=0))


@bp.get("/taskpane/wps.html")
def pane():
    """Word's pane page with the WPS adapter in place of Office.js: one DOM for both panes."""
    def adapt(html: str) -> str:
        html = "".join(line for line in html.splitlines(keepends=True) if "office.js" not in line)  # the tag and its note
        return html.replace('src="taskpane.js"', 'src="../wps/pane.js"')
    return no_cache(Response(page_html(TASKPANE_DIR / "taskpane.html", TASKPANE_DIR, adapt), mimetype="text/html"))


@bp.get("/wps/jsplugins.xml")
def jsplugins():
    """Online mode: WPS (oem.ini JSPluginsServer) loads the add-in from this service's /wps/."""
    url = public_url() + "/wps/"
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n<jsplugins>\n'
            f'  <jspluginonline name="{ADDIN_NAME}" type="wps" url={quoteattr(url)} />\n</jsplugins>\n')
    return no_cache(Response(text, mimetype="application/xml"))


@bp.get("/wps/publish.html")
def publish():
    html = (WPS_DIR / "publish.html").read_text(encoding="utf-8")
    values = {"__ADDIN_NAME__": ADDIN_NAME, "__ADDIN_URL__": public_url() + "/wps/", "__ADDIN_VERSION__": addin_version(),
              "__JSPLUGINS_URL__": public_url() + "/wps/jsplugins.xml"}
    for key, value in values.items():
        html = html.replace(key, str(html_escape(value)))
    return no_cache(Response(versioned_assets(html, WPS_DIR), mimetype="text/html"))


def offline_package(service: str) -> bytes:
    """The offline add-in: `biaotai_<version>/` for WPS's jsaddons folder, the publish.xml entry
    that registers it, and the instructions. Built the same way every time (fixed timestamps)."""
    folder = f"{ADDIN_NAME}_{addin_version()}"
    entry = (f'<jsplugin name="{ADDIN_NAME}" type="wps" url="{folder}" version="{addin_version()}" '
             'enable="enable_dev" install="null" customDomain=""/>')
    readme = (WPS_DIR / "offline-readme.txt").read_text(encoding="utf-8").replace("__FOLDER__", folder) \
        .replace("__ENTRY__", entry).replace(SERVICE_PLACEHOLDER, service)
    files = {f"{folder}/{name}": addin_file(name, service).encode("utf-8") for name in ADDIN_ROOT}
    files[f"{folder}/icon-32.png"] = (ICONS_DIR / "icon-32.png").read_bytes()
    files["publish.xml"] = ('<?xml version="1.0" encoding="UTF-8"?>\n<jsplugins>\n  ' + entry + "\n</jsplugins>\n").encode("utf-8")
    files["安装说明.txt"] = readme.replace("\n", "\r\n").encode("utf-8-sig")  # Notepad on Windows reads it
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.flag_bits |= 0x800  # UTF-8 file names (安装说明.txt)
            archive.writestr(info, data)
    return buffer.getvalue()


@bp.get("/wps/biaotai-wps.zip")
def offline():
    response = Response(offline_package(public_url()), mimetype="application/zip")
    response.headers["Content-Disposition"] = 'attachment; filename="biaotai-wps.zip"'
    return no_cache(response)


# ---------------------------------------------------------------------------------------------
# Fragments


@bp.get("/wps/fragments/<token>.docx")
def fragment(token: str):
    data = fragment_store().get(token)
    if data is None:
        raise ApiError(404, "not_found", "这个插入链接已过期或不存在（链接只在生成后几分钟内有效），请在窗格中重新插入")
    response = Response(data, mimetype=DOCX_MIMETYPE)
    response.headers["Content-Disposition"] = 'attachment; filename="fragment.docx"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _with_fragment(endpoint: str, **arguments):
    """The JSON API's own answer to this request (same checks, same rendering), its Word file
    parked as a fragment: `docx_url` and `expires_in` instead of `docx_base64`."""
    answer = current_app.view_functions[endpoint](**arguments)
    result = answer.get_json()
    if "docx_base64" not in result:
        raise ApiError(400, "invalid_input", "插入需要 Word 文件：请求中的 docx 不能为 false", "docx")
    token = fragment_store().put(base64.b64decode(result.pop("docx_base64")))
    result["docx_url"] = f"{public_url()}/wps/fragments/{token}.docx"
    result["expires_in"] = int(fragment_store().ttl)
    return jsonify(result)


@bp.post("/api/wps/fragments/sections/<path:section_id>/render")
def fragment_section(section_id: str):
    return _with_fragment("api.render_section", section_id=section_id)


@bp.post("/api/wps/fragments/speech")
def fragment_speech():
    return _with_fragment("api.speech")
