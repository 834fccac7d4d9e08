"""The JSON API: the only module that speaks HTTP.

Every answer is JSON in UTF-8 (but the .docx download); every error is
`{"error": {"code", "message", "field"}}` with a Chinese message and its 4xx/5xx status, never an
HTML page or a traceback. Each request takes the library once (`g.library`) and uses only it, so a
reload in the middle of a request cannot mix two versions.
"""
from __future__ import annotations

import base64
import hmac
import json
import logging
import re
import time
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge

from . import guard
from .. import alternatives
from ..compose import compose_speech, render_part
from ..library import Library, Section
from ..history import HISTORY_EXTENSION
from ..length import PRESETS as LENGTH_PRESETS
from ..lint import find_outdated, lint_text
from ..numbering import STYLES
from ..limits import (MAX_DRAIN_BYTES, MAX_EXCLUDE, MAX_ID, MAX_JSON_DEPTH, MAX_LIMIT, MAX_LINT_TEXT, MAX_LIST, MAX_QUERY,
                     MAX_SEED, MAX_UPLOAD, MAX_UPLOAD_FILES, MAX_VALUE, MAX_VARIABLES, RENDER_BUDGET_SECONDS)
from .openapi import build_openapi
from ..problems import InputError, LibraryError, Problem
from ..render import render_part_docx, render_speech_docx
from ..store import get_store
from ..templating import RenderBudgetExceeded, start_render_budget
from ..variables import variable_schema, variant_fit
from ..slots import SLOT_CHOICES, slot_kind

log = logging.getLogger("biaotai.api")
access_log = logging.getLogger("biaotai.access")

bp = Blueprint("api", __name__, url_prefix="/api")

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DEFAULT_LIMIT = 500
PREVIEW_CHARS = 80
OPEN_ENDPOINTS = {"api.health", "api.openapi"}  # reachable without the token
ROLE_ATTRIBUTE = "biaotai_role"
# scheme://host[:port][/path] as a browser sends it: host names, IPv4 and bracketed IPv6 only.
_PUBLIC_URL = re.compile(r"^https?://(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?"
                         r"(?:/[A-Za-z0-9._~/-]*)?$")


def public_url() -> str:
    """The one answer to "where is this service": config PUBLIC_URL (behind a proxy), else the
    address this request came to, without a trailing slash. What the manifest, the VBA module and
    the WPS add-in write into the files they hand out."""
    url = (current_app.config.get("PUBLIC_URL") or request.url_root).rstrip("/")
    if not _PUBLIC_URL.match(url):
        raise ApiError(400, "invalid_host", "无法由请求的地址确定服务地址：请用服务器的主机名或 IP 地址访问，"
                       "或在配置中用 PUBLIC_URL 写明服务地址（如 https://biaotai.example.gov.cn:8443）", "Host")
    return url


def count_use(section_ids, event: str) -> None:
    """Count uses of sections (inserted, generated) where the app keeps history (editor.py)."""
    history = current_app.extensions.get(HISTORY_EXTENSION)
    if history is not None:
        history.count_use(section_ids, event)


def editor_only(view: Callable) -> Callable:
    """Mark a view as the editors': with EDITOR_TOKEN set, only that token opens it."""
    setattr(view, ROLE_ATTRIBUTE, "editor")
    return view


INTERNAL_MESSAGE = "服务器内部错误，请联系管理员（已记录日志）"
_SURROGATES = re.compile("[\ud800-\udfff]")


class ApiError(Exception):
    """An answer other than success: status, code, Chinese message and the field at fault."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 problems: list[Problem] | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.problems, self.headers = problems, headers or {}


def error_response(status: int, code: str, message: str, field: str | None = None,
                   problems: list[Problem] | None = None) -> Response:
    error: dict[str, Any] = {"code": code, "message": message, "field": field}
    if problems:
        error["problems"] = [p.to_dict() for p in problems]
    response = jsonify({"error": error})
    response.status_code = status
    return response


# ---------------------------------------------------------------------------------------------
# Reading requests


def _strip_surrogates(value: Any) -> Any:
    """JSON may carry lone surrogates (\\ud800): no document or answer can hold them."""
    if isinstance(value, str):
        return _SURROGATES.sub("", value)
    if isinstance(value, dict):
        return {_strip_surrogates(k): _strip_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_surrogates(v) for v in value]
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"JSON 中不允许 {name}")


def json_depth(value: Any) -> int:
    """How deeply arrays and objects nest (iterative: any depth json.loads accepted is measured)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in item if isinstance(child, (dict, list)))
    return deepest


def json_body(allowed: set[str]) -> dict[str, Any]:
    """The request's JSON object; only `allowed` top-level fields."""
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "请求体应为 JSON，并带请求头 Content-Type: application/json")
    raw = request.get_data(cache=False)
    if not raw.strip():
        raise ApiError(400, "invalid_json", "请求体为空，应为一个 JSON 对象")
    try:
        # utf-8-sig: VBA's ADODB.Stream writes a byte order mark before UTF-8
        body = json.loads(raw.decode("utf-8-sig"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_json", "请求体不是 UTF-8 编码的文字") from None
    except ValueError as exc:
        where = f"（第 {exc.lineno} 行第 {exc.colno} 列）" if isinstance(exc, json.JSONDecodeError) else ""
        raise ApiError(400, "invalid_json", f"请求体不是有效的 JSON{where}") from None
    except RecursionError:
        raise ApiError(400, "invalid_json", f"请求体的 JSON 嵌套太深，最多 {MAX_JSON_DEPTH} 层") from None
    if json_depth(body) > MAX_JSON_DEPTH:
        raise ApiError(400, "invalid_json", f"请求体的 JSON 嵌套太深，最多 {MAX_JSON_DEPTH} 层")
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "请求体应为一个 JSON 对象，如 {\"variables\": {...}}")
    for key in body:
        if key not in allowed:
            raise ApiError(400, "invalid_input", f"不认识的字段「{key}」，可用的字段：{'、'.join(sorted(allowed))}", key)
    return _strip_surrogates(body)


def text_field(value: Any, field: str, limit: int, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise ApiError(400, "invalid_input", f"缺少「{field}」", field)
        return None
    if not isinstance(value, str):
        raise ApiError(400, "invalid_input", f"「{field}」应为文字", field)
    if len(value) > limit:
        raise ApiError(400, "invalid_input", f"「{field}」太长（{len(value)} 字），最多 {limit} 字", field)
    if required and not value.strip():
        raise ApiError(400, "invalid_input", f"「{field}」不能为空", field)
    return value


def integer_field(value: Any, field: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(400, "invalid_input", f"「{field}」应为整数", field)
    if not low <= value <= high:
        raise ApiError(400, "invalid_input", f"「{field}」应在 {low} 到 {high} 之间", field)
    return value


def variables_field(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ApiError(400, "invalid_input", "「variables」应为对象，如 {\"单位名称\": \"市工业和信息化局\"}", "variables")
    if len(value) > MAX_VARIABLES:
        raise ApiError(400, "invalid_input", f"变量太多（{len(value)} 个），最多 {MAX_VARIABLES} 个", "variables")
    result = {}
    for key, item in value.items():
        if item is None:
            item = ""
        if not isinstance(item, str):
            raise ApiError(400, "invalid_input", f"变量「{key}」的值应为文字", key)
        if len(item) > MAX_VALUE:
            raise ApiError(400, "invalid_input", f"变量「{key}」太长（{len(item)} 字），请控制在 {MAX_VALUE} 字以内", key)
        result[key] = item
    return result


def style_field(value: Any) -> str | None:
    if value is None:
        return None
    if value not in STYLES:
        raise ApiError(400, "invalid_input", f"编号样式只能是 {'、'.join(STYLES)} 之一", "style")
    return value


def _slot_list(value: Any, field: str) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise ApiError(400, "invalid_input", f"「{field}」应为最多 {MAX_LIST} 个部分名称的列表，如 [\"要点3\"]", field)
    for item in value:
        if not isinstance(item, str) or len(item) > MAX_QUERY:
            raise ApiError(400, "invalid_input", f"「{field}」中的每一项应为部分名称，如 要点2", field)
    return value


def _id_list(value: Any, field: str) -> list[str]:
    """Section ids (exclude): a list of short strings."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_EXCLUDE or \
            any(not isinstance(item, str) or len(item) > MAX_ID for item in value):
        raise ApiError(400, "invalid_input", f"「{field}」应为最多 {MAX_EXCLUDE} 个段落编号的列表", field)
    return value


def _length_field(value: Any) -> int | str | None:
    """简短/标准/详细, a number of characters, or minutes ("8分钟"); the core checks the meaning."""
    if value is None or (isinstance(value, (int, str)) and not isinstance(value, bool)
                         and len(str(value)) <= MAX_QUERY):
        return value
    raise ApiError(400, "invalid_input", "「length」应为 简短、标准、详细，或字数（如 2000）、分钟（如 \"8分钟\"）", "length")


def flag_field(value: Any, field: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ApiError(400, "invalid_input", f"「{field}」应为 true 或 false", field)
    return value


def _choices(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) > MAX_LIST:
        raise ApiError(400, "invalid_input", "「choices」应为 {部分: 段落编号} 对象，如 {\"要点1\": \"动员会-要点1-2\"}", "choices")
    for slot, section_id in value.items():
        if not isinstance(section_id, str) or len(section_id) > MAX_ID:
            raise ApiError(400, "invalid_input", f"「choices」中「{slot[:20]}」的值应为段落编号", f"choices.{slot[:20]}")
    return value


def _query(name: str, limit: int) -> str | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if len(value) > limit:
        raise ApiError(400, "invalid_input", f"查询参数「{name}」太长，最多 {limit} 字", name)
    return value


def known_meeting(library: Library, meeting: str | None) -> str | None:
    if meeting is not None and meeting not in library.meetings:
        raise ApiError(400, "invalid_input", f"没有会议类型「{meeting}」，可选：{'、'.join(library.meetings)}", "meeting")
    return meeting


def the_library() -> Library:
    library = g.get("library")
    if library is None:
        raise ApiError(503, "library_unavailable", get_store(current_app).summary())
    return library


# ---------------------------------------------------------------------------------------------
# Endpoints


@bp.get("/health")
def health():
    store = get_store(current_app)
    body = store.health()
    library = g.get("library")
    if library is not None:  # the library this request saw (a reload may have happened since)
        body.update(library_id=library.id, sections=len(library.sections), meetings=len(library.meetings),
                    loaded_at=library.loaded_at.isoformat(timespec="seconds"))
    certificate = current_app.extensions.get(CERTIFICATE_EXTENSION)
    if certificate is not None:
        body["certificate"] = certificate.to_dict()
        if certificate.warning():
            body["warnings"] = [certificate.warning()]
    response = jsonify(body)
    if body["status"] == "unavailable":
        response.status_code = 503
    return response


# The server certificate's facts (certs.CertificateFacts), when the app serves HTTPS (config CERTFILE).
CERTIFICATE_EXTENSION = "biaotai_certificate"
# Blueprints that add endpoints (the VBA bridge) register a function returning their path items.
OPENAPI_EXTENSIONS = "biaotai_openapi_paths"


@bp.get("/openapi.json")
def openapi():
    token_required = bool(current_app.config.get("TOKEN"))
    document = build_openapi(g.get("library"), token_required=token_required)
    for paths in current_app.extensions.get(OPENAPI_EXTENSIONS, []):
        document["paths"].update(paths(token_required=token_required))
    return jsonify(document)


@bp.get("/meetings")
def meetings():
    library = the_library()
    return jsonify({
        "library_id": library.id,
        "styles": list(STYLES),
        "lengths": list(LENGTH_PRESETS),  # 简短/标准/详细: what a pane offers for `length`
        "meetings": [{
            "id": m.id, "name": m.name, "title": m.title, "note": m.note, "default_style": m.default_style,
            "unit_types": list(m.unit_types),  # the kinds of unit that hold it; empty: every kind
            "slots": [{"slot": slot, "kind": slot_kind(slot), "sections": len(library.sections_for(m.id, slot))}
                      for slot in m.slots],
        } for m in library.meetings.values()],
    })


@bp.get("/variables")
def variables():
    library = the_library()
    meeting = known_meeting(library, _query("meeting", MAX_QUERY))
    return jsonify({
        "library_id": library.id,
        "meeting": meeting,
        "variables": variable_schema(library, meeting),
        "unit_types": {name: dict(values) for name, values in library.unit_types.items()},
    })


def _search_index(library: Library) -> list[tuple[Section, str]]:
    return [(s, "\n".join((s.heading, s.body, *s.tags)).casefold())
            for s in library.sections.values() if s.enabled]


def preview(body: str) -> str:
    """The start of a section's text as a browser shows it: the first of each 【写法｜写法】 group."""
    body = alternatives.projections(body)[0] if alternatives.OPEN in body else body
    text = " ".join(line.strip() for line in body.split("\n") if line.strip())
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + "…"


@bp.get("/sections")
def sections():
    library = the_library()
    meeting = known_meeting(library, _query("meeting", MAX_QUERY))
    slot = _query("slot", MAX_QUERY)
    if slot is not None and slot not in SLOT_CHOICES:
        raise ApiError(400, "invalid_input", f"没有「{slot}」这一部分，可选：{'、'.join(SLOT_CHOICES)}", "slot")
    q = _query("q", MAX_QUERY)
    limit_text = request.args.get("limit")
    limit = DEFAULT_LIMIT
    if limit_text is not None:
        if not re.fullmatch(r"\d{1,6}", limit_text):
            raise ApiError(400, "invalid_input", f"「limit」应为 1 到 {MAX_LIMIT} 之间的整数", "limit")
        limit = integer_field(int(limit_text), "limit", 1, MAX_LIMIT)
    unit_type = _query("unit_type", MAX_QUERY) or None
    if unit_type is not None and library.unit_type_of(unit_type) is None:
        raise ApiError(400, "invalid_input", f"没有单位类型「{unit_type}」，可选：{'、'.join(library.unit_types)}",
                       "unit_type")
    fit = variant_fit(library, meeting, unit_type or "", _query("role", MAX_QUERY) or "",
                      _query("mode", MAX_QUERY) or "")
    needle = q.strip().casefold() if q else ""
    index = get_store(current_app).derived(library, "search", _search_index)
    found = [s for s, haystack in index
             if (meeting is None or s.serves(meeting)) and (slot is None or s.slot == slot)
             and (not needle or needle in haystack)]
    return jsonify({
        "library_id": library.id,
        "total": len(found),
        "sections": [{
            "id": s.id, "slot": s.slot, "meetings": list(s.meetings), "heading": s.heading,
            "preview": preview(s.body), "tags": list(s.tags), "unit_types": list(s.unit_types),
            # The server decides which variants suit the unit, the speaker and the mode, not the pane.
            "fits": s.fits(fit.unit_type, fit.role, fit.mode),
        } for s in found[:limit]],
    })


@bp.post("/sections/<path:section_id>/render")
def render_section(section_id: str):
    library = the_library()
    body = json_body({"variables", "style", "omit", "order", "number", "meeting", "seed", "docx"})
    if section_id not in library.sections:
        raise ApiError(404, "not_found", f"没有编号为「{section_id}」的段落", "id")
    given = variables_field(body.get("variables"))
    style = style_field(body.get("style"))
    number = integer_field(body.get("number"), "number", 1, 99)
    meeting = text_field(body.get("meeting"), "meeting", MAX_QUERY)
    if meeting is not None:
        known_meeting(library, meeting)
    want_docx = flag_field(body.get("docx"), "docx", True)  # previews need only the text
    # The point's number follows omit/order as /api/speech reads them; `number` is what older
    # clients computed themselves, honoured when given.
    part, warnings = render_part(library, section_id, given, style=style, number=number, meeting_id=meeting,
                                 omit=_slot_list(body.get("omit"), "omit") or (),
                                 order=_slot_list(body.get("order"), "order") or None,
                                 seed=integer_field(body.get("seed"), "seed", -MAX_SEED, MAX_SEED))
    if want_docx:  # a preview (docx: false) is not a use
        count_use([section_id], "inserted")
    result = part.to_dict()
    result.update(style=part.style, warnings=[w.to_dict() for w in warnings], library_id=library.id)
    if want_docx:
        data = render_part_docx(part, current_app.config["TEMPLATES"])
        result["docx_base64"] = base64.b64encode(data).decode("ascii")
    return jsonify(result)


SPEECH_FIELDS = {"meeting", "variables", "style", "seed", "choices", "omit", "order", "exclude", "length"}


def _compose_from_body(extra: frozenset[str] = frozenset()):
    """The speech a request body asks for, and the body (for the callers' own extra fields)."""
    library = the_library()
    body = json_body(SPEECH_FIELDS | extra)
    meeting = text_field(body.get("meeting"), "meeting", MAX_QUERY, required=True)
    known_meeting(library, meeting)
    speech = compose_speech(
        library, meeting, variables_field(body.get("variables")), style=style_field(body.get("style")),
        seed=integer_field(body.get("seed"), "seed", -MAX_SEED, MAX_SEED), choices=_choices(body.get("choices")),
        omit=_slot_list(body.get("omit"), "omit") or (), order=_slot_list(body.get("order"), "order") or None,
        exclude=_id_list(body.get("exclude"), "exclude"), length=_length_field(body.get("length")))
    return speech, body


@bp.post("/speech")
def speech():
    composed, body = _compose_from_body(frozenset({"docx"}))
    count_use([part.section_id for part in composed.parts], "generated")
    result = composed.to_dict()
    # The task pane inserts the whole speech with one request: text, warnings and the file together.
    if flag_field(body.get("docx"), "docx", False):
        data = render_speech_docx(composed, current_app.config["TEMPLATES"])
        result["docx_base64"] = base64.b64encode(data).decode("ascii")
    return jsonify(result)


_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def attachment_header(title: str, fallback: str = "speech.docx") -> str:
    """Content-Disposition with an ASCII fallback and the Chinese name per RFC 5987/6266."""
    name = _UNSAFE_FILENAME.sub("", title).strip(" .")[:80] or "表态发言"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name + '.docx', safe='')}"


@bp.post("/speech.docx")
def speech_docx():
    composed, _ = _compose_from_body()
    data = render_speech_docx(composed, current_app.config["TEMPLATES"])
    response = Response(data, mimetype=DOCX_MIMETYPE)
    response.headers["Content-Disposition"] = attachment_header(composed.title)
    return response


@bp.post("/lint")
def lint():
    library = the_library()
    body = json_body({"text"})
    text = text_field(body.get("text"), "text", MAX_LINT_TEXT, required=False)
    if text is None:
        raise ApiError(400, "invalid_input", "缺少「text」", "text")
    matcher = library.matcher
    return jsonify({
        "library_id": library.id,
        "warnings": [p.to_dict() for p in lint_text(text, matcher)],
        "hits": [hit.to_dict() for hit in find_outdated(text, matcher)],
    })


@bp.post("/library/import")
@editor_only
def library_import():
    """Old speeches uploaded as files -> draft rows (a dry run unless dry_run=0), as `biaotai import`."""
    from ..importer import ImportFailed, import_documents
    request.max_content_length = current_app.config.get("MAX_UPLOAD", MAX_UPLOAD)
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "unsupported_media_type", "请以 multipart/form-data 上传文件，字段名为 files", "files")
    for name in list(request.form) + list(request.files):
        if name not in ("files", "dry_run"):
            shown = str(name or "")[:40]  # a part without a name arrives as None
            raise ApiError(400, "invalid_input", f"不认识的字段「{shown}」，可用的字段：files、dry_run", shown or None)
    uploads = request.files.getlist("files")
    if not uploads:
        raise ApiError(400, "invalid_input", "请至少上传一个 .txt 或 .docx 文件（字段名 files）", "files")
    if len(uploads) > MAX_UPLOAD_FILES:
        raise ApiError(400, "invalid_input", f"一次最多导入 {MAX_UPLOAD_FILES} 个文件", "files")
    dry_run = request.form.get("dry_run", "1")
    if dry_run not in ("0", "1"):
        raise ApiError(400, "invalid_input", "dry_run 只能是 1（只预览，默认）或 0（写入段落库）", "dry_run")
    documents = [(Path(upload.filename or "未命名.txt").name[:MAX_ID], upload.read()) for upload in uploads]
    library_path = get_store(current_app).path
    try:
        summary = import_documents(documents, library_path, dry_run=dry_run == "1")
    except ImportFailed as exc:
        raise ApiError(400, "import_failed", str(exc), "files") from exc
    result = summary.to_dict()
    # File names only: the server's folders are none of the client's business.
    for key in ("library", "written_to", "backup"):
        result[key] = Path(result[key]).name if result[key] else ""
    return jsonify(result)


@bp.get("/library/check")
@editor_only
def library_check():
    return jsonify(get_store(current_app).check())


# ---------------------------------------------------------------------------------------------
# Around every request: the library, the token, CORS, the access log, errors as JSON


def guard_api_request():
    """Every /api/ request, whichever blueprint serves it (registered once for the app in
    init_app): CORS preflight, foreign-origin POSTs, the token and role, then the one library
    the whole request uses."""
    if not request.path.startswith("/api/"):
        return None
    preflight = _preflight()
    if preflight is not None:
        return preflight
    origin = request.headers.get("Origin")
    if request.method == "POST" and origin and not origin_allowed(origin):
        # A form upload needs no preflight: without this, any web page could post to the import.
        raise ApiError(403, "forbidden_origin", "不允许其他网站调用本服务（跨域请求被拒绝）")
    check_token()
    g.library = get_store(current_app).current()
    return None


def _own_origin() -> str:
    return f"{request.scheme}://{request.host}"


def origin_allowed(origin: str | None) -> bool:
    if not origin:
        return False
    return origin == _own_origin() or origin in current_app.config.get("ALLOWED_ORIGINS", ())


def _preflight() -> Response | None:
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return None
    origin = request.headers.get("Origin")
    if not origin_allowed(origin):
        raise ApiError(403, "forbidden_origin", "不允许其他网站调用本服务（跨域请求被拒绝）")
    response = Response(status=204)
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type, Authorization, X-Biaotai-Token"
    response.headers["Access-Control-Max-Age"] = "600"
    response.headers["Vary"] = "Origin"
    return response


def presented_token() -> bytes:
    """The one place a request's token is read: X-Biaotai-Token, or Authorization: Bearer."""
    given = request.headers.get("X-Biaotai-Token", "")
    auth = request.headers.get("Authorization", "")
    if not given and auth[:7].lower() == "bearer ":
        given = auth[7:].strip()
    try:
        return given.encode("latin-1")  # WSGI hands header bytes over as latin-1 text
    except UnicodeEncodeError:
        return given.encode("utf-8")


def _matches(given: bytes, token: Any) -> bool:
    return bool(token) and hmac.compare_digest(given, str(token).encode("utf-8"))


def check_token() -> None:
    """Roles: writers need TOKEN when it is set; the editors' routes (editor_only) need
    EDITOR_TOKEN when it is set, else the writers' rule holds. The editor token opens everything."""
    if request.endpoint in OPEN_ENDPOINTS:
        return
    writer, editor = current_app.config.get("TOKEN"), current_app.config.get("EDITOR_TOKEN")
    view = current_app.view_functions.get(request.endpoint or "")
    for_editors = getattr(view, ROLE_ATTRIBUTE, None) == "editor" and bool(editor)
    if not for_editors and not writer and not editor:
        return
    given = presented_token()
    if _matches(given, editor) or (not for_editors and (_matches(given, writer) or not writer)):
        return
    if for_editors and _matches(given, writer):
        raise ApiError(403, "editor_only", "这是编辑人员的功能：请使用编辑人员令牌（EDITOR_TOKEN），写稿人的令牌不能打开",
                       headers={"WWW-Authenticate": 'Bearer realm="biaotai-editor"'})
    message = ("需要访问令牌：请在请求头 Authorization: Bearer <令牌> 或 X-Biaotai-Token 中提供"
               if not given else "访问令牌不正确")
    raise ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="biaotai"'})


def _start_request() -> Response | None:
    """Every request: the clock, the template budget, and the Host header (DNS rebinding)."""
    g.started = time.perf_counter()
    start_render_budget(RENDER_BUDGET_SECONDS)
    if not guard.host_allowed(request.host):
        raise ApiError(400, "unknown_host", "请求的主机名不是本服务的名称：请用服务器的地址访问；"
                       "如需用其他名称访问，请让管理员把它加入 BIAOTAI_ALLOWED_HOSTS", "Host")
    return None


def _finish(response: Response) -> Response:
    origin = request.headers.get("Origin")
    if origin and origin_allowed(origin) and "Access-Control-Allow-Origin" not in response.headers:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = ("Content-Disposition, X-Biaotai-Library, "
                                                             "X-Biaotai-Library-Status")
        response.vary.add("Origin")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers["Server"] = "biaotai"
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")
    library = g.get("library")
    if library is not None:
        response.headers["X-Biaotai-Library"] = library.id
        # ok | degraded: the panes tell the writer when an editor's last save was not taken.
        response.headers["X-Biaotai-Library-Status"] = get_store(current_app).status()
    started = g.get("started")
    entry = {
        "method": request.method, "path": request.path, "status": response.status_code,
        "client": request.remote_addr,  # the peer's address as the server saw it (no proxy headers trusted)
        "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        "library_id": library.id if library is not None else None,
    }
    access_log.info("request", extra={"fields": entry})
    return response


def _handle_api_error(exc: ApiError) -> Response:
    response = error_response(exc.status, exc.code, exc.message, exc.field, exc.problems)
    response.headers.update(exc.headers)
    return response


def _handle_input_error(exc: InputError) -> Response:
    errors = [p for p in exc.problems if p.is_error] or exc.problems
    first = errors[0]
    return error_response(400, "invalid_input", first.message, first.field, list(exc.problems))


def _handle_library_error(exc: LibraryError) -> Response:
    first = next((p for p in exc.problems if p.is_error), exc.problems[0] if exc.problems else None)
    log.warning("段落库内容无法生成：%s", first)
    message = f"段落库中的内容无法使用，请联系段落库编辑人员：{first}" if first else "段落库中的内容无法使用"
    return error_response(409, "library_error", message, None, list(exc.problems))


_HTTP_MESSAGES = {
    400: ("bad_request", "请求有误"),
    404: ("not_found", "没有这个地址"),
    405: ("method_not_allowed", "不支持这种请求方法"),
    413: ("too_large", "请求体太大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
}


def _handle_render_budget(exc: RenderBudgetExceeded) -> Response:
    log.warning("生成超时：%s %s", request.method, request.path)
    return error_response(503, "render_timeout", str(exc))


def _drain_body() -> None:
    """Read and drop a refused body (up to MAX_DRAIN_BYTES) so the client, still sending, reads our 413."""
    length = request.content_length or 0
    stream = request.environ.get("wsgi.input")
    if stream is None or not 0 < length <= MAX_DRAIN_BYTES:
        return
    while length > 0:
        chunk = stream.read(min(65536, length))
        if not chunk:
            return
        length -= len(chunk)


def _handle_http(exc: HTTPException) -> Response:
    status = exc.code or 500
    if status >= 500:
        return _handle_unexpected(exc)
    code, message = _HTTP_MESSAGES.get(status, ("http_error", "请求无法处理"))
    if isinstance(exc, RequestEntityTooLarge):
        _drain_body()
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        message = f"请求体太大，最多 {limit // 1024} KB"
    elif isinstance(exc, MethodNotAllowed):
        message = f"「{request.path}」不支持 {request.method} 请求，可用：{'、'.join(exc.valid_methods or [])}"
    elif status == 404:
        message = f"没有这个地址：{request.path}"
    response = error_response(status, code, message)
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _handle_unexpected(exc: BaseException) -> Response:
    original = getattr(exc, "original_exception", None) or exc
    log.error("未处理的错误：%s %s", request.method, request.path, exc_info=original)
    return error_response(500, "internal", INTERNAL_MESSAGE)


def init_app(app: Flask) -> None:
    """Register the blueprint and the hooks that make every answer of the app JSON."""
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    if app.config.get("CERTFILE"):
        from ..certs import read_certificate
        app.extensions[CERTIFICATE_EXTENSION] = read_certificate(Path(app.config["CERTFILE"]))
    guard.init_app(app)
    app.register_blueprint(bp)
    app.before_request(_start_request)
    app.before_request(guard_api_request)
    app.teardown_request(lambda exc: start_render_budget(None))  # the thread may next serve no request
    app.after_request(_finish)
    handlers: list[tuple[Any, Callable]] = [
        (ApiError, _handle_api_error), (InputError, _handle_input_error),
        (LibraryError, _handle_library_error), (RenderBudgetExceeded, _handle_render_budget),
        (HTTPException, _handle_http), (Exception, _handle_unexpected),
    ]
    for kind, handler in handlers:
        app.register_error_handler(kind, handler)
