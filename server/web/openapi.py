"""The OpenAPI 3.0 description of the JSON API, as a Python dict (served at /api/openapi.json).

It must stay truthful: tests/test_openapi.py runs schemathesis against the app with it. Limits
are the ones api.py enforces; examples come from the library in use, when there is one.
"""
from __future__ import annotations

from typing import Any

# The limits api.py enforces (published here, defined once in limits.py).
from ..limits import (MAX_EXCLUDE, MAX_ID, MAX_LIMIT, MAX_LINT_TEXT, MAX_LIST, MAX_LIST_ROWS, MAX_QUERY,  # noqa: F401
                     MAX_SEED, MAX_UPLOAD, MAX_UPLOAD_FILES, MAX_VALUE, MAX_VARIABLES, MAX_VERSION)
from ..importer.model import REVIEW_FIELDS
from ..sheet_rows import MAX_CELL_CHARS
from ..numbering import STYLES
from ..slots import SLOT_CHOICES

API_VERSION = "1.0.0"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


def _obj(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    schema.update(extra)
    return schema


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
STRINGS = {"type": "array", "items": STRING}
TIME = _nullable({"type": "string", "format": "date-time"})

SCHEMAS: dict[str, Any] = {
    "Error": _obj({
        "error": _obj({
            "code": {"type": "string", "description": "机器可读的错误代码",
                     "enum": ["invalid_input", "invalid_json", "unsupported_media_type", "not_found",
                              "method_not_allowed", "too_large", "unauthorized", "forbidden_origin",
                              "library_error", "library_unavailable", "bad_request", "http_error", "import_failed", "internal",
                              "invalid_host", "unknown_host", "editor_only", "no_history", "invalid_version",
                              "not_written", "render_timeout"]},
            "message": {"type": "string", "description": "中文说明"},
            "field": _nullable({"type": "string", "description": "出错的字段（变量出错时为变量的键）"}),
            "problems": {"type": "array", "items": _ref("Problem")},
        }, ["code", "message", "field"]),
    }, ["error"]),
    "Problem": _obj({
        "message": STRING,
        "severity": {"type": "string", "enum": ["error", "warning"]},
        "sheet": STRING, "row": INTEGER, "column": STRING, "field": STRING,
        "part": {"type": "string", "description": "生成的发言中出问题的部分（如 要点2；标题）"},
        "paragraph": {"type": "integer", "description": "该部分中的第几段"},
        "text": {"type": "string", "description": "带位置的完整中文说明"},
    }, ["message", "severity", "text"]),
    "Editing": _obj({
        "locked": BOOLEAN, "lock_file": _nullable(STRING), "since": TIME, "message": _nullable(STRING),
    }, ["locked", "lock_file", "since", "message"]),
    "Health": _obj({
        "status": {"type": "string", "enum": ["ok", "degraded", "unavailable"]},
        "message": STRING,
        "library_id": _nullable(STRING),
        "sections": INTEGER, "meetings": INTEGER,
        "loaded_at": TIME,
        "path": STRING, "file_id": _nullable(STRING),
        "checked_at": TIME,
        "since": {**TIME, "description": "磁盘上的段落库从何时起有错误"},
        "errors": {"type": "array", "items": _ref("Problem")},
        "editing": _ref("Editing"),
    }, ["status", "message", "library_id", "sections", "meetings", "loaded_at", "since", "errors", "editing"]),
    "LibraryCheck": _obj({
        "path": STRING, "ok": BOOLEAN, "file_id": _nullable(STRING), "serving_library_id": _nullable(STRING),
        "errors": INTEGER, "warnings": INTEGER,
        "problems": {"type": "array", "items": _ref("Problem")},
        "checked_at": TIME, "since": TIME, "message": STRING, "editing": _ref("Editing"),
    }, ["path", "ok", "file_id", "serving_library_id", "errors", "warnings", "problems", "since", "message"]),
    "Meetings": _obj({
        "library_id": STRING,
        "styles": {"type": "array", "items": {"type": "string", "enum": list(STYLES)}},
        "meetings": {"type": "array", "items": _obj({
            "id": STRING, "name": STRING, "title": STRING, "note": STRING,
            "default_style": {"type": "string", "enum": list(STYLES)},
            "unit_types": {"type": "array", "items": STRING},
            "slots": {"type": "array", "items": _obj({
                "slot": STRING, "kind": STRING, "sections": INTEGER}, ["slot", "kind", "sections"])},
        }, ["id", "name", "title", "default_style", "slots"])},
    }, ["library_id", "styles", "meetings"]),
    "VariableSpec": _obj({
        "key": STRING, "label": STRING, "help": STRING, "example": STRING, "required": BOOLEAN,
        "choices": STRINGS, "derived": BOOLEAN, "meetings": STRINGS,
        "max_length": {"type": "integer", "description": "值最多多少个字"},
    }, ["key", "label", "help", "example", "required", "choices", "derived", "meetings", "max_length"]),
    "VariablesResponse": _obj({
        "library_id": STRING, "meeting": _nullable(STRING),
        "variables": {"type": "array", "items": _ref("VariableSpec")},
        "unit_types": {"type": "object", "description": "每种单位类型推导出的称谓（自称、全体……）",
                       "additionalProperties": {"type": "object", "additionalProperties": STRING}},
    }, ["library_id", "meeting", "variables", "unit_types"]),
    "SectionItem": _obj({
        "id": STRING, "slot": STRING,
        "meetings": {**STRINGS, "description": "适用的会议类型；空列表表示通用"},
        "heading": STRING, "preview": {"type": "string", "description": "正文的前约 80 个字，{{ 变量 }} 原样保留"},
        "tags": STRINGS, "unit_types": STRINGS,
        "fits": {"type": "boolean", "description": "是否适用于请求中的 unit_type（未给 unit_type 时总为 true）"},
    }, ["id", "slot", "meetings", "heading", "preview", "tags", "unit_types", "fits"]),
    "Sections": _obj({
        "library_id": STRING, "total": INTEGER,
        "sections": {"type": "array", "items": _ref("SectionItem")},
    }, ["library_id", "total", "sections"]),
    "Variables": {
        "type": "object", "maxProperties": MAX_VARIABLES, "description": "变量的键（中文）与值；不认识的键会被忽略并给出提示",
        "additionalProperties": _nullable({"type": "string", "maxLength": MAX_VALUE}),
    },
    "Style": _nullable({"type": "string", "enum": list(STYLES), "description": "编号样式；不给时用会议类型的默认样式"}),
    "RenderRequest": _obj({
        "variables": _ref("Variables"),
        "style": _ref("Style"),
        "omit": _nullable({"type": "array", "maxItems": MAX_LIST, "items": {"type": "string", "maxLength": MAX_QUERY},
                           "description": "整篇中省略的要点（与 /api/speech 相同）：要点的序号由服务按它们计算"}),
        "order": _nullable({"type": "array", "maxItems": MAX_LIST, "items": {"type": "string", "maxLength": MAX_QUERY},
                            "description": "整篇中要点的顺序（与 /api/speech 相同）"}),
        "number": _nullable({"type": "integer", "minimum": 1, "maximum": 99, "deprecated": True,
                             "description": "旧客户端自己算的序号；新客户端请给 omit 和 order"}),
        "meeting": _nullable({"type": "string", "maxLength": MAX_QUERY}),
        "seed": _nullable({"type": "integer", "minimum": -MAX_SEED, "maximum": MAX_SEED,
                           "description": "整篇用的种子：段落中的【】写法与整篇一致"}),
        "docx": _nullable({"type": "boolean", "description": "是否附带 docx_base64（默认 true；预览时可设为 false）"}),
    }, additionalProperties=False),
    "Block": _obj({"kind": STRING, "lead": STRING, "text": STRING}, ["kind", "lead", "text"]),
    "Part": _obj({
        "slot": STRING, "kind": STRING, "section_id": STRING, "heading": STRING,
        "number": _nullable(INTEGER), "paragraphs": STRINGS,
        "blocks": {"type": "array", "items": _ref("Block")}, "text": STRING,
    }, ["slot", "kind", "section_id", "heading", "number", "paragraphs", "blocks", "text"]),
    "RenderedPart": {"allOf": [_ref("Part"), _obj({
        "style": {"type": "string", "enum": list(STYLES)},
        "warnings": {"type": "array", "items": _ref("Problem")},
        "library_id": STRING,
        "docx_base64": {"type": "string", "format": "byte",
                        "description": "section.docx 填好后的 base64，供 Word 的 insertFileFromBase64 使用（docx 为 false 时没有）"},
    }, ["style", "warnings", "library_id"])]},
    "SpeechRequest": _obj({
        "meeting": {"type": "string", "minLength": 1, "maxLength": MAX_QUERY, "pattern": r"\S"},
        "variables": _ref("Variables"),
        "style": _ref("Style"),
        "seed": _nullable({"type": "integer", "minimum": -MAX_SEED, "maximum": MAX_SEED,
                           "description": "各部分随机选择段落的种子；不给时服务另选一个，并在回答中给出（seed）"}),
        "choices": _nullable({"type": "object", "maxProperties": MAX_LIST, "description": "{部分: 段落编号}",
                              "additionalProperties": {"type": "string", "maxLength": MAX_ID}}),
        "omit": _nullable({"type": "array", "maxItems": MAX_LIST, "items": {"type": "string", "maxLength": MAX_QUERY}}),
        "order": _nullable({"type": "array", "maxItems": MAX_LIST, "items": {"type": "string", "maxLength": MAX_QUERY}}),
        "exclude": _nullable({"type": "array", "maxItems": MAX_EXCLUDE, "items": {"type": "string", "maxLength": MAX_ID},
                              "description": "换一个：本文档已用过或不要的段落编号，能换时不再选它们"}),
        "length": _nullable({"oneOf": [{"type": "string", "maxLength": MAX_QUERY}, {"type": "integer"}],
                             "description": "篇幅：简短、标准、详细，或字数（2000）、分钟（\"8分钟\"）"}),
    }, ["meeting"], additionalProperties=False),
    "Speech": _obj({
        "meeting": STRING, "title": STRING, "speaker_line": STRING,
        "style": {"type": "string", "enum": list(STYLES)},
        "parts": {"type": "array", "items": _ref("Part")},
        "text": STRING, "characters": INTEGER, "minutes": {"type": "number"},
        "warnings": {"type": "array", "items": _ref("Problem")}, "library_id": STRING,
        "seed": {"type": "integer", "description": "选段落用的种子：同样的输入加上它，能再得到这一篇"},
        "target": _nullable({"type": "integer", "description": "要求的篇幅（字数）"}),
        "docx_base64": {"type": "string", "format": "byte", "description": "请求中 docx 为 true 时：整篇 speech.docx 的 base64"},
    }, ["meeting", "title", "speaker_line", "style", "parts", "text", "characters", "minutes", "warnings", "library_id"]),
    "ImportSummary": _obj({
        "files": {"type": "array", "items": {"type": "object"}},
        "rows": {"type": "array", "items": _obj({
            "id": STRING, "meeting": STRING, "slot": STRING, "heading": STRING, "body": STRING, "source": STRING,
            "note": STRING}, ["id", "meeting", "slot", "heading", "body", "source", "note"])},
        "duplicates": {"type": "array", "items": {"type": "object"}},
        "notes": STRINGS, "dry_run": BOOLEAN, "library": STRING, "written_to": STRING, "backup": STRING,
        "speeches": INTEGER, "sections": INTEGER, "added": INTEGER,
        "placeholders_mapped": INTEGER, "placeholders_unmapped": INTEGER,
    }, ["files", "rows", "duplicates", "notes", "dry_run", "speeches", "sections", "added"]),
    "LintRequest": _obj({"text": {"type": "string", "maxLength": MAX_LINT_TEXT}}, ["text"], additionalProperties=False),
    "LintHit": _obj({"found": STRING, "start": INTEGER, "end": INTEGER, "why": STRING, "suggestion": STRING,
                     "message": STRING}, ["found", "start", "end", "why", "suggestion", "message"]),
    "LintResponse": _obj({
        "library_id": STRING,
        "warnings": {"type": "array", "items": _ref("Problem")},
        "hits": {"type": "array", "items": _ref("LintHit")},
    }, ["library_id", "warnings", "hits"]),
}

# The editors' routes (/library page): history of accepted versions, restore, usage, import review.
SCHEMAS.update({
    "HistoryVersion": _obj({
        "id": INTEGER, "library_id": STRING, "accepted_at": STRING, "source": STRING, "sections": INTEGER,
        "added": INTEGER, "changed": INTEGER, "removed": INTEGER, "restored_from": _nullable(INTEGER),
        "has_workbook": BOOLEAN,
    }, ["id", "library_id", "accepted_at", "source", "sections", "added", "changed", "removed", "restored_from",
        "has_workbook"]),
    "HistoryList": _obj({
        "versions": {"type": "array", "items": _ref("HistoryVersion")},
        "problem": _nullable(STRING), "serving_library_id": _nullable(STRING),
    }, ["versions", "problem", "serving_library_id"]),
    "HistoryVersionDetail": _obj({
        "version": _ref("HistoryVersion"),
        "changes": {"type": "array", "items": _obj({
            "section_id": STRING, "kind": {"type": "string", "enum": ["added", "changed", "removed"]}, "diff": STRING,
        }, ["section_id", "kind", "diff"])},
        "problem": _nullable(STRING),
    }, ["version", "changes", "problem"]),
    "RestoreResult": _obj({
        "restored": INTEGER, "version": _nullable(_ref("HistoryVersion")), "backup": STRING, "health": _ref("Health"),
    }, ["restored", "version", "backup", "health"]),
    "Usage": _obj({
        "sections": {"type": "array", "items": _obj({
            "id": STRING, "slot": STRING, "meetings": STRINGS, "heading": STRING, "enabled": BOOLEAN,
            "inserted": INTEGER, "generated": INTEGER,
        }, ["id", "slot", "meetings", "heading", "enabled", "inserted", "generated"])},
        "problem": _nullable(STRING),
    }, ["sections", "problem"]),
    "ImportRowsRequest": _obj({
        "rows": {"type": "array", "minItems": 1, "maxItems": MAX_LIST_ROWS, "items": _obj(
            {field: {"type": "string", "maxLength": MAX_CELL_CHARS} for field in REVIEW_FIELDS},
            additionalProperties=False)},
    }, ["rows"], additionalProperties=False),
    "ImportRowsResult": _obj({
        "added": STRINGS, "duplicates": STRINGS, "backup": STRING, "notes": STRINGS,
    }, ["added", "duplicates", "backup", "notes"]),
})

# The WPS add-in's answers: the JSON API's, with the Word file parked at a short-lived address.
_FRAGMENT = _obj({
    "docx_url": {"type": "string", "description": "插入用的 Word 片段地址（只在几分钟内有效）"},
    "expires_in": {"type": "integer", "description": "片段地址的有效秒数"},
}, ["docx_url", "expires_in"])
SCHEMAS["FragmentPart"] = {"allOf": [_ref("RenderedPart"), _FRAGMENT]}
SCHEMAS["FragmentSpeech"] = {"allOf": [_ref("Speech"), _FRAGMENT]}

# /api/speech takes one field more than /api/speech.docx: whether to attach the file as base64.
SCHEMAS["SpeechJsonRequest"] = {**SCHEMAS["SpeechRequest"], "properties": {
    **SCHEMAS["SpeechRequest"]["properties"],
    "docx": _nullable({"type": "boolean", "description": "为 true 时附带整篇 speech.docx 的 docx_base64（默认 false）"})}}

_ERRORS = {
    400: "请求有误（字段类型、长度、不认识的会议类型/部分/编号样式、缺少必填变量……），field 指出是哪一项",
    401: "设置了访问令牌（BIAOTAI_TOKEN），但请求没有带或带错了",
    403: "来自其他网站的跨域预检请求",
    404: "没有这个段落（路径中的编号）",
    409: "段落库中的内容无法生成文字（如模板在生成时出错）",
    413: "请求体太大",
    415: "请求体不是 JSON",
    503: "段落库不可用（启动时就无法加载，且没有上一版可用的段落库）",
}


def _error(status: int) -> dict[str, Any]:
    return {"description": _ERRORS[status], "content": {"application/json": {"schema": _ref("Error")}}}


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): _error(s) for s in statuses}


def _query(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string", **schema}}


def _body(schema: str, example: dict[str, Any] | None = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": _ref(schema)}
    if example is not None:
        media["example"] = example
    return {"required": True, "content": {"application/json": media}}


def build_openapi(library=None, token_required: bool = False) -> dict[str, Any]:
    """The document; `library` (optional) only supplies examples; the token is declared only
    when the service is configured with one (the document says what the service does)."""
    speech_example = render_example = section_example = None
    if library is not None and library.meetings:
        from ..variables import example_values
        meeting = next(iter(library.meetings))
        values = example_values(library, meeting)
        speech_example = {"meeting": meeting, "variables": values, "style": None, "seed": 1}
        section = next((s for s in library.sections.values() if s.enabled and s.serves(meeting)), None)
        if section is not None:
            section_example = section.id
            render_example = {"variables": values, "style": STYLES[0], "number": 1}
    section_param: dict[str, Any] = {"name": "id", "in": "path", "required": True, "description": "段落编号",
                                     "schema": {"type": "string", "minLength": 1, "maxLength": MAX_ID}}
    if section_example:
        section_param["example"] = section_example
    version_param = {"name": "version", "in": "path", "required": True, "description": "版本号（历史中的 id）",
                     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_VERSION}}
    auth = [{"bearer": []}, {"token": []}] if token_required else []
    speech_body = _body("SpeechRequest", speech_example)
    paths = {
        "/api/health": {"get": {
            "operationId": "health", "summary": "服务与段落库的状态", "security": [],
            "responses": {"200": _json("Health", "段落库正常（ok）或磁盘上的文件有错误但仍用上一版服务（degraded）"),
                          "503": _json("Health", "没有可用的段落库（unavailable），message 说明原因")}}},
        "/api/meetings": {"get": {
            "operationId": "meetings", "summary": "会议类型及其部分", "security": auth,
            "responses": {"200": _json("Meetings", "会议类型列表"), **_errors(401, 503)}}},
        "/api/variables": {"get": {
            "operationId": "variables", "summary": "表单需要的变量", "security": auth,
            "parameters": [_query("meeting", "会议类型；不给时列出全部变量", maxLength=MAX_QUERY)],
            "responses": {"200": _json("VariablesResponse", "变量说明"), **_errors(400, 401, 503)}}},
        "/api/sections": {"get": {
            "operationId": "sections", "summary": "查找段落（小标题、正文、标签中不区分大小写地查找）",
            "security": auth,
            "parameters": [
                _query("meeting", "只列出适用于该会议类型的段落", maxLength=MAX_QUERY),
                _query("slot", "只列出该部分的段落（空：不限）", enum=["", *SLOT_CHOICES]),
                _query("q", "要查找的文字", maxLength=MAX_QUERY),
                _query("unit_type", "单位类型：每个段落的 fits 说明它是否适用（空：不限）", maxLength=MAX_QUERY),
                _query("role", "发言人身份（如 班子成员）：fits 也按它判断（空：不限）", maxLength=MAX_QUERY),
                _query("mode", "巡察方式（如 专项）：fits 也按它判断（空：会议类型的默认方式）", maxLength=MAX_QUERY),
                {"name": "limit", "in": "query", "required": False, "description": "最多返回多少个（默认 500）",
                 "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}},
            ],
            "responses": {"200": _json("Sections", "找到的段落（启用的）"), **_errors(400, 401, 503)}}},
        "/api/sections/{id}/render": {"post": {
            "operationId": "renderSection", "summary": "把一个段落生成为可插入 Word 的片段（按要求编号）",
            "security": auth, "parameters": [section_param],
            "requestBody": _body("RenderRequest", render_example),
            "responses": {"200": _json("RenderedPart", "生成的段落"), **_errors(400, 401, 404, 409, 413, 415, 503)}}},
        "/api/speech": {"post": {
            "operationId": "speech", "summary": "组成整篇表态发言（JSON）", "security": auth,
            "requestBody": _body("SpeechJsonRequest", speech_example),
            "responses": {"200": _json("Speech", "整篇发言"), **_errors(400, 401, 409, 413, 415, 503)}}},
        "/api/speech.docx": {"post": {
            "operationId": "speechDocx", "summary": "组成整篇表态发言并下载 Word 文档", "security": auth,
            "requestBody": speech_body,
            "responses": {"200": {
                "description": "Word 文档；文件名为发言标题（RFC 5987 filename*）",
                "headers": {"Content-Disposition": {"required": True, "schema": {"type": "string"}}},
                "content": {DOCX: {"schema": {"type": "string", "format": "binary"}}}},
                **_errors(400, 401, 409, 413, 415, 503)}}},
        "/api/lint": {"post": {
            "operationId": "lint", "summary": "用「提法」规则检查一段文字", "security": auth,
            "requestBody": _body("LintRequest", {"text": "党的十九大以来，我们……"}),
            "responses": {"200": _json("LintResponse", "过时提法"), **_errors(400, 401, 413, 415, 503)}}},
        "/api/library/import": {"post": {
            "operationId": "libraryImport",
            "summary": "导入旧发言（.txt/.docx）为待审核段落（启用=否）；默认只预览，dry_run=0 时写入段落库（先备份）",
            "security": auth,
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "additionalProperties": False, "required": ["files"],
                "properties": {
                    "files": {"type": "array", "minItems": 1, "maxItems": MAX_UPLOAD_FILES,
                              "items": {"type": "string", "format": "binary"}},
                    "dry_run": {"type": "string", "enum": ["0", "1"]}}}}}},
            "responses": {"200": _json("ImportSummary", "导入摘要与新增的行"), **_errors(400, 401, 413, 415, 503)}}},
        "/api/library/check": {"get": {
            "operationId": "libraryCheck", "summary": "磁盘上段落库文件的全部问题（与 biaotai check 相同）",
            "security": auth,
            "responses": {"200": _json("LibraryCheck", "检查结果"), **_errors(401)}}},
        "/api/library/history": {"get": {
            "operationId": "libraryHistory", "summary": "编辑人员：段落库被采用过的各版（最新在前）", "security": auth,
            "responses": {"200": _json("HistoryList", "各版"), **_errors(401, 409)}}},
        "/api/library/history/{version}": {"get": {
            "operationId": "libraryVersion", "summary": "编辑人员：一版相对上一版改动了哪些段落", "security": auth,
            "parameters": [version_param],
            "responses": {"200": _json("HistoryVersionDetail", "这一版及其改动"), **_errors(401, 404, 409)}}},
        "/api/library/history/{version}/restore": {"post": {
            "operationId": "libraryRestore",
            "summary": "编辑人员：把段落库恢复为这一版（先备份当前文件；有人刚保存过或文件正在 Excel 中打开时不写）",
            "security": auth, "parameters": [version_param],
            "responses": {"200": _json("RestoreResult", "已恢复"), **_errors(401, 404, 409)}}},
        "/api/library/usage": {"get": {
            "operationId": "libraryUsage", "summary": "编辑人员：每个段落被插入、被生成的次数", "security": auth,
            "parameters": [_query("since", "只统计这一天（YYYY-MM-DD）以来的（空：全部）",
                                  pattern=r"^(\d{4}-\d{2}-\d{2})?$", maxLength=10)],
            "responses": {"200": _json("Usage", "各段落的使用次数"), **_errors(400, 401, 409)}}},
        "/api/library/import/rows": {"post": {
            "operationId": "libraryImportRows", "summary": "编辑人员：把导入核对中勾选的段落加入段落库（启用=否，先备份）",
            "security": auth, "requestBody": _body("ImportRowsRequest"),
            "responses": {"200": _json("ImportRowsResult", "加入的行"), **_errors(400, 401, 413, 415, 503)}}},
        "/api/wps/fragments/sections/{id}/render": {"post": {
            "operationId": "wpsRenderSection", "summary": "WPS 加载项：生成一个段落，Word 片段放在短时有效的地址",
            "security": auth, "parameters": [section_param], "requestBody": _body("RenderRequest", render_example),
            "responses": {"200": _json("FragmentPart", "生成的段落与片段地址"), **_errors(400, 401, 404, 409, 413, 415, 503)}}},
        "/api/wps/fragments/speech": {"post": {
            "operationId": "wpsSpeech", "summary": "WPS 加载项：组成整篇发言，Word 文件放在短时有效的地址",
            "security": auth, "requestBody": _body("SpeechJsonRequest", speech_example),
            "responses": {"200": _json("FragmentSpeech", "整篇发言与文件地址"), **_errors(400, 401, 409, 413, 415, 503)}}},
        "/api/openapi.json": {"get": {
            "operationId": "openapi", "summary": "本文档", "security": [],
            "responses": {"200": {"description": "OpenAPI 3.0 文档",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}}}},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "表态发言助手 API", "version": API_VERSION,
                 "description": "段落库、组稿与 Word 文档生成。所有错误为 {\"error\": {\"code\", \"message\", \"field\"}}。"},
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "设置了 BIAOTAI_TOKEN 时需要"},
                "token": {"type": "apiKey", "in": "header", "name": "X-Biaotai-Token"},
            },
        },
    }
