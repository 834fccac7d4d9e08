"""The VBA macro bridge: the module at /bridge.bas and the API in forms VBA handles easily.

Word 2010/2013, locked-down Word 2016 and WPS cannot load the task pane; the module
addin_manifest/BiaotaiBridge.bas gives them the same service. VBA imports a module in the system
code page (GBK/cp936 on Chinese Windows) and has no JSON parser, so:

- GET /bridge.bas serves the module with this server's address (and the access token, when one is
  set) filled in, CRLF line ends, encoded as cp936. With a token configured, downloading it needs
  the token too (header, or `?token=` for a browser). `?names=ascii` leaves out the Chinese macro
  names for Windows whose non-Unicode locale is not Chinese (the ASCII aliases remain).
- /api/bridge/… answer lists as UTF-8 tab-separated text with a header line (ASCII column names;
  flags as 1/0; tabs and line breaks inside values become spaces) and take POSTs as UTF-8
  form-encoded fields (application/x-www-form-urlencoded), variables as `v.<键>=值`.
- Errors are text/plain UTF-8: a first line `错误<TAB>code<TAB>message<TAB>field`, then one line
  `问题<TAB>severity<TAB>message<TAB>field` per problem. Status and message are those of the JSON
  API (its error handlers answer, this blueprint only rewrites the body); the code
  `invalid_variable` replaces `invalid_input` when the field at fault is a variable, so the macro
  can offer to set the document's variables.
- Warnings of a generated .docx travel in the header X-Biaotai-Warnings: their lines, UTF-8,
  percent-encoded.

Everything is computed by the same core functions as the JSON API, with the request's library.
"""
from __future__ import annotations

import hmac
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping
from urllib.parse import quote

from flask import Blueprint, Response, current_app, g, request

from .api import (DOCX_MIMETYPE, ApiError, attachment_header, count_use, integer_field, public_url,
                  known_meeting, preview, style_field, text_field, the_library, variables_field)
from ..compose import compose_speech, render_part
from ..config import resource_path
from ..lint import find_outdated
from ..numbering import STYLES
from ..limits import MAX_ID, MAX_LINT_TEXT, MAX_LIST, MAX_QUERY, MAX_SEED, MAX_VALUE, MAX_VARIABLES
from ..render import render_part_docx, render_speech_docx
from ..variables import UNIT_TYPE, variable_schema, variant_fit
from ..slots import SLOT_CHOICES, slot_kind

bp = Blueprint("bridge", __name__)

MODULE_PATH = resource_path("addin_manifest") / "BiaotaiBridge.bas"
MODULE_ENCODING = "cp936"
SERVER_PLACEHOLDER = "__BIAOTAI_SERVER__"
TOKEN_PLACEHOLDER = "__BIAOTAI_TOKEN__"
CHINESE_NAMES = re.compile(r"^'@chinese-names-begin\n.*?^'@chinese-names-end\n", re.M | re.S)
FORM_MIMETYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
TSV_MIMETYPE = "text/tab-separated-values"
WARNINGS_HEADER = "X-Biaotai-Warnings"
VARIABLE_PREFIX = "v."
MAX_WARNING_CHARS = 1000  # a MsgBox shows about 1024 characters
_BREAKS = re.compile(r"[\t\r\n]+")
_INTEGER = re.compile(r"-?\d{1,17}")
_TAGS = re.compile(r"\{[%#].*?[%#]\}", re.S)  # {% if … %}, {# … #}: noise in a one-line choice


# ---------------------------------------------------------------------------------------------
# The module


@lru_cache(maxsize=4)
def _module_source(path: str, mtime_ns: int) -> str:
    return Path(path).read_text(encoding="utf-8")


def module_source(path: Path | None = None) -> str:
    """The module as kept in the repository (UTF-8, LF, placeholders)."""
    path = Path(path or current_app.config.get("BRIDGE_MODULE") or MODULE_PATH)
    return _module_source(str(path), path.stat().st_mtime_ns)


def _vba_string(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def fill_module(source: str, server_url: str, token: str | None, ascii_names: bool = False) -> bytes:
    """The module as VBA imports it: placeholders filled, CRLF, cp936. Raises ValueError when a
    placeholder is not there exactly once or a character has no cp936 form."""
    text = source.replace("\r\n", "\n")
    for placeholder, value in ((SERVER_PLACEHOLDER, server_url), (TOKEN_PLACEHOLDER, token or "")):
        literal = f'"{placeholder}"'
        if text.count(literal) != 1 or text.count(placeholder) != 1:
            raise ValueError(f"宏模块中应恰好有一处 {literal}")
        text = text.replace(literal, _vba_string(value))
    if ascii_names:
        text, removed = CHINESE_NAMES.subn("", text)
        if removed != 1:
            raise ValueError("宏模块中没有 '@chinese-names-begin … '@chinese-names-end 段")
    if not text.endswith("\n"):
        text += "\n"
    return text.replace("\n", "\r\n").encode(MODULE_ENCODING)  # strict: fails loudly


def _configured_token() -> str | None:
    token = current_app.config.get("TOKEN")
    if not token:
        return None
    token = str(token)
    if not all("\x21" <= ch <= "\x7e" for ch in token):
        raise ApiError(500, "internal", "访问令牌（BIAOTAI_TOKEN）只能由 ASCII 字母、数字和符号组成，无法写入宏模块")
    return token


def _check_download_token(token: str | None) -> None:
    if not token:
        return
    given = request.headers.get("X-Biaotai-Token", "")
    auth = request.headers.get("Authorization", "")
    if not given and auth[:7].lower() == "bearer ":
        given = auth[7:].strip()
    given = given or request.args.get("token", "")
    if not hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
        message = ("下载宏模块需要访问令牌：请在地址后加上 ?token=令牌（向管理员索取）" if not given
                   else "访问令牌不正确")
        raise ApiError(401, "unauthorized", message, "token", headers={"WWW-Authenticate": 'Bearer realm="biaotai"'})


@bp.get("/bridge.bas")
def bridge_module():
    token = _configured_token()
    _check_download_token(token)
    names = request.args.get("names", "")
    if names not in ("", "chinese", "ascii"):
        raise ApiError(400, "invalid_input", "「names」只能是 chinese（默认）或 ascii", "names")
    data = fill_module(module_source(), public_url(), token, ascii_names=names == "ascii")
    response = Response(data, content_type="text/plain; charset=GBK")
    response.headers["Content-Disposition"] = 'attachment; filename="BiaotaiBridge.bas"'
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------------------------
# Reading forms and queries


def _form(allowed: set[str], variables: bool = False) -> tuple[dict[str, str], dict[str, str]]:
    """The request's form fields (allowed names only) and, if asked, the `v.<键>` variables."""
    if request.mimetype not in FORM_MIMETYPES:
        raise ApiError(415, "unsupported_media_type",
                       "请求体应为表单：Content-Type: application/x-www-form-urlencoded，字段按 UTF-8 百分号编码")
    fields: dict[str, str] = {}
    values: dict[str, str] = {}
    for name, value in request.form.items(multi=True):
        if variables and name.startswith(VARIABLE_PREFIX) and len(name) > len(VARIABLE_PREFIX):
            target, key = values, name[len(VARIABLE_PREFIX):]
        elif name in allowed:
            target, key = fields, name
        else:
            usable = sorted(allowed) + ([f"{VARIABLE_PREFIX}<变量的键>"] if variables else [])
            raise ApiError(400, "invalid_input", f"不认识的字段「{name[:40]}」，可用的字段：{'、'.join(usable)}", name[:40])
        if key in target:
            raise ApiError(400, "invalid_input", f"字段「{name[:40]}」出现了不止一次", name[:40])
        target[key] = value
    return fields, values


def _optional(fields: Mapping[str, str], name: str, limit: int) -> str | None:
    value = fields.get(name)
    return text_field(value, name, limit) if value else None


def _whole_number(fields: Mapping[str, str], name: str, low: int, high: int) -> int | None:
    value = fields.get(name)
    if not value:
        return None
    if not _INTEGER.fullmatch(value.strip()):
        raise ApiError(400, "invalid_input", f"「{name}」应为整数", name)
    return integer_field(int(value), name, low, high)


def _slot_names(fields: Mapping[str, str], name: str) -> list[str]:
    """A form field of comma-separated slot names (要点3,要点1): what the JSON API takes as a list."""
    text = _optional(fields, name, MAX_QUERY * MAX_LIST) or ""
    names = [n.strip() for n in text.replace("，", ",").split(",") if n.strip()]
    if len(names) > MAX_LIST:
        raise ApiError(400, "invalid_input", f"「{name}」最多列出 {MAX_LIST} 个部分", name)
    return names


def _query(name: str, limit: int = MAX_QUERY) -> str | None:
    value = request.args.get(name)
    if not value:
        return None
    return text_field(value, name, limit)


def _unit_type(library) -> str | None:
    """The writer's 单位类型 narrows the variants; one the library does not know lists them all."""
    unit_type = _query("unit_type")
    return unit_type if unit_type in library.unit_types else None


# ---------------------------------------------------------------------------------------------
# Answers


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return _BREAKS.sub(" ", str(value)).strip()


def tsv_text(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """A header line, then one line per row; LF line ends, no trailing blanks in cells."""
    lines = ["\t".join(header)] + ["\t".join(_cell(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def _tsv(header: list[str], rows: Iterable[Iterable[Any]]) -> Response:
    return Response(tsv_text(header, rows).encode("utf-8"), content_type=f"{TSV_MIMETYPE}; charset=utf-8")


def _docx(data: bytes, warnings: Iterable[Any], filename_title: str | None = None) -> Response:
    response = Response(data, mimetype=DOCX_MIMETYPE)
    if filename_title:
        response.headers["Content-Disposition"] = attachment_header(filename_title)
    messages = [w.message for w in warnings]
    if messages:
        text = "\n".join(f"{i}. {m}" for i, m in enumerate(messages, 1))
        if len(text) > MAX_WARNING_CHARS:
            text = text[:MAX_WARNING_CHARS - 1] + "…"
        response.headers[WARNINGS_HEADER] = quote(text, safe="")
    return response


# ---------------------------------------------------------------------------------------------
# The endpoints


@bp.get("/api/bridge/meetings.tsv")
def meetings_tsv():
    library = the_library()
    return _tsv(["id", "name", "default_style", "note"],
                ([m.id, m.name, m.default_style, m.note] for m in library.meetings.values()))


@bp.get("/api/bridge/styles.tsv")
def styles_tsv():
    library = the_library()
    meeting = known_meeting(library, _query("meeting"))
    default = library.meetings[meeting].default_style if meeting else None
    return _tsv(["style", "default"], ([style, style == default] for style in STYLES))


@bp.get("/api/bridge/slots.tsv")
def slots_tsv():
    library = the_library()
    meeting = known_meeting(library, _query("meeting"))
    if meeting is None:
        raise ApiError(400, "invalid_input", f"缺少「meeting」，可选：{'、'.join(library.meetings)}", "meeting")
    unit_type = _unit_type(library)
    return _tsv(["slot", "kind", "sections"],
                ([slot, slot_kind(slot), len(library.sections_for(meeting, slot, unit_type))]
                 for slot in library.meetings[meeting].slots))


@bp.get("/api/bridge/variables.tsv")
def variables_tsv():
    library = the_library()
    meeting = known_meeting(library, _query("meeting"))
    rows = []
    for spec in variable_schema(library, meeting):
        choices = spec["choices"] or (list(library.unit_types) if spec["key"] == UNIT_TYPE else [])
        rows.append([spec["key"], spec["label"], spec["required"], spec["derived"], spec["example"], spec["help"],
                     "、".join(choices)])
    return _tsv(["key", "label", "required", "derived", "example", "help", "choices"], rows)


@bp.get("/api/bridge/sections.tsv")
def sections_tsv():
    library = the_library()
    meeting = known_meeting(library, _query("meeting"))
    slot = _query("slot")
    if slot is not None and slot not in SLOT_CHOICES:
        raise ApiError(400, "invalid_input", f"没有「{slot}」这一部分，可选：{'、'.join(SLOT_CHOICES)}", "slot")
    fit = variant_fit(library, meeting, _unit_type(library) or "", _query("role") or "", _query("mode") or "")
    found = [s for s in library.sections.values()
             if s.enabled and (meeting is None or s.serves(meeting)) and (slot is None or s.slot == slot)
             and s.fits(fit.unit_type, fit.role, fit.mode)]
    return _tsv(["id", "slot", "heading", "preview"],
                ([s.id, s.slot, _TAGS.sub("", s.heading), preview(_TAGS.sub("", s.body))] for s in found))


@bp.post("/api/bridge/section.docx")
def section_docx():
    library = the_library()
    fields, values = _form({"id", "meeting", "style", "omit", "order", "number"}, variables=True)
    section_id = text_field(fields.get("id"), "id", MAX_ID, required=True)
    meeting = known_meeting(library, _optional(fields, "meeting", MAX_QUERY))
    style = style_field(_optional(fields, "style", MAX_QUERY))
    number = _whole_number(fields, "number", 1, 99)
    part, warnings = render_part(library, section_id, variables_field(values), style=style, number=number,
                                 meeting_id=meeting, omit=_slot_names(fields, "omit"),
                                 order=_slot_names(fields, "order") or None)
    count_use([section_id], "inserted")
    return _docx(render_part_docx(part, current_app.config["TEMPLATES"]), warnings)


@bp.post("/api/bridge/speech.docx")
def speech_docx():
    library = the_library()
    fields, values = _form({"meeting", "style", "seed"}, variables=True)
    meeting = known_meeting(library, text_field(fields.get("meeting"), "meeting", MAX_QUERY, required=True))
    composed = compose_speech(library, meeting, variables_field(values), style=style_field(_optional(fields, "style", MAX_QUERY)),
                              seed=_whole_number(fields, "seed", -MAX_SEED, MAX_SEED))
    count_use([part.section_id for part in composed.parts], "generated")
    return _docx(render_speech_docx(composed, current_app.config["TEMPLATES"]), composed.warnings, composed.title)


@bp.post("/api/bridge/lint.tsv")
def lint_tsv():
    library = the_library()
    fields, _ = _form({"text"})
    text = text_field(fields.get("text"), "text", MAX_LINT_TEXT)
    if not text:  # a form body "text" decodes to text="": nothing to check is a request error
        raise ApiError(400, "invalid_input", "缺少要检查的文字「text」", "text")
    hits = find_outdated(text, library.matcher)
    return _tsv(["found", "start", "end", "why", "suggestion", "message"],
                ([h.found, h.start, h.end, h.rule.why, h.rule.suggestion, h.message] for h in hits))


def error_text(code: str, message: str, field: str | None, problems: Iterable[Mapping[str, Any]] = ()) -> str:
    rows = [["错误", code, message, field or ""]]
    rows += [["问题", p.get("severity", ""), p.get("message", ""), p.get("field") or ""] for p in problems]
    return "\n".join("\t".join(_cell(v) for v in row) for row in rows) + "\n"


@bp.after_request
def _errors_as_text(response: Response) -> Response:
    """The API's JSON errors (same status, code and message) as tab-separated text."""
    if response.status_code < 400 or not response.is_json:
        return response
    body = response.get_json(silent=True)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return response
    code, field = str(error.get("code") or "error"), error.get("field")
    library = g.get("library")
    if code == "invalid_input" and field and library is not None and field in library.variables:
        code = "invalid_variable"
    problems = [p for p in error.get("problems") or () if isinstance(p, dict)]
    response.set_data(error_text(code, str(error.get("message") or ""), field, problems).encode("utf-8"))
    response.content_type = "text/plain; charset=utf-8"
    return response


# ---------------------------------------------------------------------------------------------
# OpenAPI


def openapi_paths(token_required: bool = False) -> dict[str, Any]:
    """The bridge's endpoints as OpenAPI 3.0 path items (merged into /api/openapi.json)."""
    auth: list[dict[str, list]] = [{"bearer": []}, {"token": []}] if token_required else []
    text = {"type": "string"}

    def errors(*statuses: int) -> dict[str, Any]:
        why = {400: "请求有误（字段、长度、会议类型、部分、编号样式、缺少或填错变量……）",
               401: "设置了访问令牌，但请求没有带或带错了", 409: "段落库中的内容无法生成文字",
               413: "请求体太大", 415: "请求体不是表单", 503: "段落库不可用"}
        return {str(s): {"description": f"{why[s]}。正文为 UTF-8 文字，第一行：错误<TAB>代码<TAB>说明<TAB>字段；"
                                        "之后每个问题一行：问题<TAB>error|warning<TAB>说明<TAB>字段",
                         "content": {"text/plain": {"schema": text}}} for s in statuses}

    def table(columns: str, description: str) -> dict[str, Any]:
        return {"description": f"{description}。UTF-8，制表符分隔，第一行为表头：{columns}；"
                               "值中的制表符和换行换成空格，是/否写作 1/0",
                "content": {TSV_MIMETYPE: {"schema": text}}}

    def query(name: str, description: str, required: bool = False, **schema: Any) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": required, "description": description,
                "schema": {"type": "string", "maxLength": MAX_QUERY, **schema}}

    def form(properties: dict[str, Any], required: list[str], variables: bool) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "object", "properties": properties, "required": required}
        description = "UTF-8 表单（application/x-www-form-urlencoded）"
        if variables:
            schema["additionalProperties"] = {"type": "string", "maxLength": MAX_VALUE}
            schema["maxProperties"] = len(properties) + MAX_VARIABLES
            description += "；变量写作 v.<变量的键>=值（如 v.单位名称=市工业和信息化局），其他字段名会被拒绝"
        else:
            schema["additionalProperties"] = False
        return {"required": True, "description": description,
                "content": {"application/x-www-form-urlencoded": {"schema": schema}}}

    docx = {"content": {DOCX_MIMETYPE: {"schema": {"type": "string", "format": "binary"}}},
            "headers": {WARNINGS_HEADER: {"required": False, "schema": text,
                                          "description": "提示（每行一条），UTF-8 百分号编码"}}}
    style = {"type": "string", "enum": list(STYLES), "description": "编号样式；不给时用会议类型的默认样式"}
    meeting = query("meeting", "会议类型")
    unit_type = query("unit_type", "单位类型：只列出适用于该单位类型的段落（段落库中没有的单位类型不起作用）")
    return {
        "/bridge.bas": {"get": {
            "operationId": "bridgeModule", "summary": "VBA 桥接宏模块（已填好服务器地址和令牌；GBK 编码、CRLF 换行）",
            "security": auth,
            "parameters": [
                {"name": "names", "in": "query", "required": False,
                 "description": "ascii：去掉中文宏名，只保留英文别名（供非中文区域设置的 Windows）",
                 "schema": {"type": "string", "enum": ["", "chinese", "ascii"]}},
                {"name": "token", "in": "query", "required": False,
                 "description": "设置了访问令牌时，用浏览器下载可在地址中带上令牌", "schema": text}],
            "responses": {"200": {"description": "宏模块 BiaotaiBridge.bas（附件）",
                                  "content": {"text/plain": {"schema": text}}},
                          **errors(400, 401)}}},
        "/api/bridge/meetings.tsv": {"get": {
            "operationId": "bridgeMeetings", "summary": "会议类型（VBA 桥接）", "security": auth,
            "responses": {"200": table("id, name, default_style, note", "会议类型"), **errors(401, 503)}}},
        "/api/bridge/styles.tsv": {"get": {
            "operationId": "bridgeStyles", "summary": "编号样式（VBA 桥接）", "security": auth,
            "parameters": [query("meeting", "会议类型：标出它的默认编号样式")],
            "responses": {"200": table("style, default", "编号样式"), **errors(400, 401, 503)}}},
        "/api/bridge/slots.tsv": {"get": {
            "operationId": "bridgeSlots", "summary": "一个会议类型的各部分及可选段落数（VBA 桥接）", "security": auth,
            "parameters": [query("meeting", "会议类型", required=True, minLength=1), unit_type],
            "responses": {"200": table("slot, kind, sections", "各部分"), **errors(400, 401, 503)}}},
        "/api/bridge/variables.tsv": {"get": {
            "operationId": "bridgeVariables", "summary": "会议需要的变量（VBA 桥接）", "security": auth,
            "parameters": [query("meeting", "会议类型；不给时列出全部变量")],
            "responses": {"200": table("key, label, required, derived, example, help, choices（以、分隔）", "变量"),
                          **errors(400, 401, 503)}}},
        "/api/bridge/sections.tsv": {"get": {
            "operationId": "bridgeSections", "summary": "可填某一部分的段落（VBA 桥接）", "security": auth,
            "parameters": [meeting, query("slot", "部分", enum=["", *SLOT_CHOICES]), unit_type,
                           query("role", "发言人身份（如 班子成员）：只列出适用的段落"),
                           query("mode", "巡察方式（如 专项）：只列出适用的段落")],
            "responses": {"200": table("id, slot, heading, preview", "启用的段落"), **errors(400, 401, 503)}}},
        "/api/bridge/section.docx": {"post": {
            "operationId": "bridgeSectionDocx", "summary": "把一个段落生成为可插入的 .docx（VBA 桥接）",
            "security": auth,
            "requestBody": form({
                "id": {"type": "string", "minLength": 1, "maxLength": MAX_ID, "description": "段落编号"},
                "meeting": {"type": "string", "maxLength": MAX_QUERY, "description": "会议类型"},
                "style": style,
                "omit": {"type": "string", "maxLength": MAX_QUERY * MAX_LIST,
                         "description": "整篇中省略的要点，逗号分隔（如 要点1）：序号由服务计算"},
                "order": {"type": "string", "maxLength": MAX_QUERY * MAX_LIST,
                          "description": "整篇中要点的顺序，逗号分隔（如 要点3,要点1,要点2）"},
                "number": {"type": "string", "pattern": r"^\d{1,2}$", "deprecated": True,
                           "description": "旧宏自己算的序号（1–99）；请改用 omit 和 order"},
            }, ["id"], variables=True),
            "responses": {"200": {"description": "section.docx 填好后的片段", **docx},
                          **errors(400, 401, 409, 413, 415, 503)}}},
        "/api/bridge/speech.docx": {"post": {
            "operationId": "bridgeSpeechDocx", "summary": "整篇表态发言的 .docx（VBA 桥接）", "security": auth,
            "requestBody": form({
                "meeting": {"type": "string", "minLength": 1, "maxLength": MAX_QUERY, "description": "会议类型"},
                "style": style,
                "seed": {"type": "string", "pattern": r"^-?\d{1,15}$", "description": "各部分随机选择段落的种子"},
            }, ["meeting"], variables=True),
            "responses": {"200": {"description": "整篇发言", **docx}, **errors(400, 401, 409, 413, 415, 503)}}},
        "/api/bridge/lint.tsv": {"post": {
            "operationId": "bridgeLint", "summary": "用「提法」规则检查一段文字（VBA 桥接）", "security": auth,
            "requestBody": form({"text": {"type": "string", "minLength": 1, "maxLength": MAX_LINT_TEXT}}, ["text"], variables=False),
            "responses": {"200": table("found, start, end（按字符计的位置）, why, suggestion, message", "过时提法"),
                          **errors(400, 401, 413, 415, 503)}}},
    }
