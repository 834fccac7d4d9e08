"""The VBA macro bridge: the module's source (a small VBA checker), the contract between the module
and the service (every request the module can make, run against the app and parsed as the module
parses it), and the module as /bridge.bas serves it (cp936, CRLF, address and token filled in)."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from support.docx_readers import paragraph_text
from support.vba import MODULE, Module, Request, Vba, check_module, module_requests, parse_module, tokenize
from workbook_factory import TEST_VALUES, make_workbook

MACROS = {"插入段落": "InsertSection", "生成全文": "GenerateSpeech", "设置变量": "SetVariables", "检查提法": "CheckPhrases"}


@pytest.fixture(scope="module")
def source() -> str:
    return MODULE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def module(source) -> Module:
    return parse_module(source)


# =============================================================================================
# The module's source


def test_source_is_utf8_with_lf_and_representable_in_cp936():
    data = MODULE.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf"), "仓库中的模块不要带 BOM"
    assert b"\r" not in data, "仓库中的模块用 LF 换行（服务下载时转为 CRLF）"
    text = data.decode("utf-8")
    for number, line in enumerate(text.split("\n"), 1):
        try:
            encoded = line.encode("cp936")
        except UnicodeEncodeError as exc:
            pytest.fail(f"第 {number} 行的「{line[exc.start:exc.end]}」无法用 GBK（cp936）表示：{line}")
        assert len(encoded) <= 1023, f"第 {number} 行超过 VBA 每行 1023 个字符的上限"


def test_module_passes_the_vba_checks(module):
    assert check_module(module) == []


def test_macros_and_their_ascii_aliases(module, source):
    for chinese, ascii_name in MACROS.items():
        zh, en = module.proc(chinese), module.proc(ascii_name)
        assert zh.kind == en.kind == "sub" and zh.public and en.public and not zh.params and not en.params
        # the Chinese name and its alias run the same macro
        assert [st.text() for st in zh.body] == [ascii_name]
        # the alias stops every error in a Chinese message box
        assert en.body[0].words == ["on", "error", "goto", "failed"]
        assert any(st.words[:1] == ["showunexpectederror"] for st in en.body)
    public = {p.name for p in module.procedures.values() if p.public}
    assert public == set(MACROS) | set(MACROS.values()), "只有八个宏是 Public，其余都是 Private"
    # the Chinese names sit in the block that /bridge.bas?names=ascii leaves out
    block = source[source.index("'@chinese-names-begin\n"):source.index("'@chinese-names-end\n")]
    assert all(f"Public Sub {name}()" in block for name in MACROS)


def test_no_server_address_but_the_placeholder(module, source):
    assert module.constant("SERVER_URL") == "__BIAOTAI_SERVER__"
    assert module.constant("ACCESS_TOKEN") == "__BIAOTAI_TOKEN__"
    assert source.count("__BIAOTAI_SERVER__") == 1 and source.count("__BIAOTAI_TOKEN__") == 1
    address = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\w|\blocalhost\b|\b\d{1,3}(?:\.\d{1,3}){3}\b|\bwww\.", re.I)
    for text in module.strings + module.comments:
        assert not address.search(text), f"模块中不应写死服务器地址：{text}"


def test_http_encoding_and_temporary_file_as_the_design_says(module):
    send = module.proc("SendRequest").source
    assert 'CreateObject("MSXML2.ServerXMLHTTP.6.0")' in send
    assert "http.setTimeouts TIMEOUT_RESOLVE, TIMEOUT_CONNECT, TIMEOUT_SEND, TIMEOUT_RECEIVE" in send
    assert "If AccessToken() <> \"\" Then http.setRequestHeader TOKEN_HEADER, AccessToken()" in send
    assert module.constant("TOKEN_HEADER") == "X-Biaotai-Token"
    assert module.constant("TEXT_CHARSET") == "utf-8"
    for name in ("Utf8Bytes", "Utf8Decode"):
        body = module.proc(name).source
        assert 'CreateObject("ADODB.Stream")' in body and "stream.Charset = TEXT_CHARSET" in body
    insert = module.proc("InsertResponseDocument").source
    assert "TempFileName()" in insert and ".InsertFile tempPath" in insert and "Kill tempPath" in insert
    assert 'Environ$("TEMP")' in module.proc("TempFileName").source
    # the temporary file is deleted on success and failure alike
    assert insert.index("Cleanup:") < insert.index("Kill tempPath") < insert.index("Failed:")
    assert "Resume Cleanup" in insert
    # no early binding: nothing to add under Tools - References
    assert not re.search(r"\bAs\s+(New\s+)?(MSXML2|ADODB|Scripting|WinHttp)\.", "\n".join(module.lines))
    # document variables
    assert module.constant("VAR_PREFIX") == "biaotai."
    assert module.constant("MEETING_KEY") == "meeting" and module.constant("STYLE_KEY") == "style"


def test_every_failure_is_a_chinese_message_box(module):
    chinese = re.compile(r"[\u4e00-\u9fff]")
    for name in ("ShowRequestError", "ShowNetworkError", "ShowUnexpectedError", "InsertResponseDocument",
                 "DocumentReady", "ColumnIndex"):
        proc = module.proc(name)
        assert any("msgbox" in st.words for st in proc.body), name
        literals = [t.literal for st in proc.body for t in st.tokens if t.kind == "string"]
        assert sum(bool(chinese.search(s)) for s in literals) >= 2, name
    network = module.proc("ShowNetworkError").source
    # timeout, refused, name not resolved, untrusted certificate, no MSXML
    for code in ("&H80072EE2", "&H80072EFD", "&H80072EE7", "&H80072F0D", "429"):
        assert code in network
    requests = module.proc("ShowRequestError").source
    for status in ("401", "404", "409", "413", "503", "Is >= 500"):
        assert f"Case {status}" in requests or f", {status}" in requests


@pytest.mark.parametrize("broken, expected", [
    ("Public Sub A()\n    x = 1\nEnd Sub\n", "给未声明的变量"),
    ("Public Sub A()\n    Dim x As Long\n    x = y + 1\nEnd Sub\n", "未声明的标识符 y"),
    ("Public Sub A()\n    Dim x As Long\n", "没有结束"),
    ("Public Function A() As Long\n    Exit Sub\nEnd Function\n", "不能 Exit sub"),
    ("Private Sub B(ByVal p As Long, ByVal q As Long)\nEnd Sub\nPublic Sub A()\n    B(1, 2)\nEnd Sub\n", "不带 Call"),
    ("Public Sub A()\n    Dim x As Long\n    If x = 1 Then\n        x = 2\nEnd Sub\n", "块没有结束"),
    ("Public Sub A()\n    On Error GoTo Oops\nEnd Sub\n", "没有标签 Oops"),
    ("Private Const C As Long = 1\nPublic Sub A()\n    C = 2\nEnd Sub\n", "给未声明的变量"),
    ("Public Sub A()\nEnd Function\n", "却以 End function 结束"),
])
def test_the_vba_checker_finds_what_it_should(broken, expected):
    text = 'Attribute VB_Name = "BiaotaiBridge"\nOption Explicit\n' + broken
    problems = check_module(parse_module(text))
    assert any(expected in p for p in problems), problems


# =============================================================================================
# The contract: every request the module can make, run against the app


# The value the module would send for each parameter (Chinese wherever the writer's data is).
LINT_TEXT = "我们要深入学习党的十九大以来的重要论述。\r第二段。"
VALUES = {"meeting": "动员会", "slot": "要点1", "unit_type": "局", "id": "动员-要点1-1", "style": "一、",
          "text": LINT_TEXT, "number": "2", "seed": "7"}


def run_request(client, vba: Vba, request: Request, headers: dict[str, str] | None = None, values=None):
    values = {**VALUES, **(values or {})}
    path = request.template
    for name in request.query:
        path = path.replace("{" + name + "}", vba.url_encode(values[name]))
    if request.method == "GET":
        return client.get(path, headers=headers or {})
    fields = []
    for name in request.fields:
        if name == "v.*":  # AddVariableFields: the meeting's variables kept in the document
            answer = client.get("/api/bridge/variables.tsv?meeting=" + vba.url_encode(values["meeting"]),
                                headers=headers or {})
            rows = vba.table(answer.data) if answer.status_code == 200 else [["key"]]
            keys = [row[rows[0].index("key")] for row in rows[1:]]
            fields += [("v." + key, TEST_VALUES[key]) for key in keys if key in TEST_VALUES]
        else:
            fields.append((name, values[name]))
    return client.post(path, data=vba.form(fields).encode("ascii"), content_type=vba.form_type, headers=headers or {})


@pytest.fixture(scope="module")
def requests_(module) -> list[Request]:
    return module_requests(module)


@pytest.fixture(scope="module")
def vba(module) -> Vba:
    return Vba(module)


def test_the_module_makes_the_requests_we_expect(requests_):
    found = {(r.method, r.path) for r in requests_}
    assert found == {
        ("GET", "/api/bridge/meetings.tsv"), ("GET", "/api/bridge/styles.tsv"), ("GET", "/api/bridge/slots.tsv"),
        ("GET", "/api/bridge/variables.tsv"), ("GET", "/api/bridge/sections.tsv"),
        ("POST", "/api/bridge/section.docx"), ("POST", "/api/bridge/speech.docx"), ("POST", "/api/bridge/lint.tsv"),
    }
    by_path = {r.path: r for r in requests_}
    assert by_path["/api/bridge/sections.tsv"].query == ["meeting", "slot", "unit_type"]
    assert by_path["/api/bridge/section.docx"].fields == ["id", "meeting", "style", "v.*"]
    assert by_path["/api/bridge/speech.docx"].fields == ["meeting", "style", "v.*"]
    assert by_path["/api/bridge/lint.tsv"].fields == ["text"]


def test_the_module_encodes_like_rfc3986(vba):
    unreserved = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    assert vba.keep == unreserved
    sample = "v.单位名称=A&B +%/？\t\r\n😀"
    assert vba.url_encode(sample) == quote(sample, safe="")


def test_every_request_of_the_module_works_as_the_module_reads_it(client, library, module, vba, requests_):
    for request in requests_:
        where = f"{request.procedure}（第 {request.line} 行）{request.method} {request.template}"
        response = run_request(client, vba, request)
        assert response.status_code == 200, f"{where}: {response.status_code} {response.get_data(as_text=True)}"
        if request.path.endswith(".tsv"):
            assert response.mimetype == "text/tab-separated-values" and response.mimetype_params["charset"] == "utf-8"
            rows = vba.table(response.data)
            header = rows[0]
            for column in request.columns:
                assert column in header, f"{where}: 回答中没有模块要找的「{column}」列（表头：{header}）"
            for row in rows[1:]:
                assert len(row) == len(header), f"{where}: 行的列数与表头不同：{row}"
                for flag in request.flags:
                    assert row[header.index(flag)] in ("0", "1"), f"{where}: 「{flag}」列只能是 0 或 1：{row}"
            check_table(request.path, header, rows[1:], library)
        else:
            assert request.path.endswith(".docx"), where
            assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            caller = module.proc(request.procedure)
            assert any("InsertResponseDocument" in st.text() for st in caller.body), where
            check_document(request.path, paragraph_text(response.data), vba.percent_decode(
                response.headers.get(vba.warnings_header, "")))


def check_table(path: str, header: list[str], rows: list[list[str]], library) -> None:
    """What each answer must say for the Chinese values the module sent (they reached the core intact)."""
    column = {name: [row[header.index(name)] for row in rows] for name in header}
    if path.endswith("/meetings.tsv"):
        assert column["id"] == list(library.meetings) == ["动员会", "反馈会"]
    elif path.endswith("/styles.tsv"):
        assert column["style"] == ["一是", "一、", "第一"] and column["default"] == ["1", "0", "0"]  # 动员会's default
    elif path.endswith("/slots.tsv"):
        assert column["slot"] == list(library.meetings["动员会"].slots)
        assert column["sections"] == ["1", "2", "2", "2", "1"]
    elif path.endswith("/variables.tsv"):
        assert "巡察时长" in column["key"] and "巡察期间" not in column["key"]  # 动员会's variables only
        unit = column["key"].index("单位类型")
        assert column["choices"][unit].split("、")[:2] == ["局", "委"]
    elif path.endswith("/sections.tsv"):
        assert column["id"] == ["动员-要点1-1", "动员-要点1-2"] and set(column["slot"]) == {"要点1"}
        assert column["heading"][0] == "提高政治站位，主动接受{{ 巡察类型 }}监督"
    elif path.endswith("/lint.tsv"):
        assert column["found"] == ["党的十九大以来"]
        assert "党的二十大以来" in column["message"][0]
        assert int(column["start"][0]) == LINT_TEXT.index("党的十九大以来")
    else:
        pytest.fail(f"请为 {path} 写出回答应有的内容")


def check_document(path: str, text: str, warnings: str) -> None:
    if path.endswith("/section.docx"):
        assert "一、提高政治站位，主动接受巡察监督" in text  # id, style and v.巡察类型 arrived
        assert "局领导班子要带头接受监督" in text  # 领导班子 derived from v.单位类型 = 局
    elif path.endswith("/speech.docx"):
        assert TEST_VALUES["巡察组"] in text and TEST_VALUES["单位名称"] in text
        assert "全文约" in warnings  # the test library's speech is short: the warning travels in the header
    else:
        pytest.fail(f"请为 {path} 写出文档应有的内容")


def test_warnings_header_round_trips_chinese(tmp_path, vba, requests_):
    from server import create_app

    def edit(content):
        content["段落"][6][4] = "党的十九大以来，{{ 自称 }}立行立改。"  # 动员-要点2-2

    client = create_app({"TESTING": True, "LIBRARY": str(make_workbook(tmp_path / "l.xlsx", edit)),
                         "TOKEN": None}).test_client()
    request = next(r for r in requests_ if r.path.endswith("/section.docx"))
    response = run_request(client, vba, request, values={"id": "动员-要点2-2"})
    assert response.status_code == 200
    raw = response.headers[vba.warnings_header]
    assert raw.isascii() and "%" in raw
    assert vba.percent_decode(raw) == "1. 过时提法「党的十九大以来」：党的二十大已于2022年10月召开；建议改为「党的二十大以来」"


def test_errors_read_as_the_module_reads_them(client, vba, requests_):
    section = next(r for r in requests_ if r.path.endswith("/section.docx"))
    # no variables kept in the document yet: the service names the first missing one
    bare = Request(section.method, section.template, section.procedure, section.line,
                   [f for f in section.fields if f != "v.*"], [], [])
    response = run_request(client, vba, bare)
    assert response.status_code == 400 and response.mimetype == "text/plain"
    code, message, field, more = vba.error(response.data)
    assert code == "invalid_variable"  # the module then offers to set the variables
    assert field in TEST_VALUES and message.startswith("请填写")
    assert more == [message]  # (the module skips the line that repeats the message)
    # the whole speech needs every variable: the module lists all that are missing at once
    speech = next(r for r in requests_ if r.path.endswith("/speech.docx"))
    response = run_request(client, vba, Request("POST", speech.template, speech.procedure, speech.line,
                                                ["meeting"], [], []))
    code, message, field, more = vba.error(response.data)
    assert (response.status_code, code) == (400, "invalid_variable")
    assert len(more) == 8 and all(m.startswith("请填写") for m in more) and more[0] == message
    # an unknown meeting type
    slots = next(r for r in requests_ if r.path.endswith("/slots.tsv"))
    response = run_request(client, vba, slots, values={"meeting": "不存在的会"})
    code, message, field, _ = vba.error(response.data)
    assert (response.status_code, code, field) == (400, "invalid_input", "meeting")
    assert "不存在的会" in message and "动员会" in message
    # lint without text
    lint = next(r for r in requests_ if r.path.endswith("/lint.tsv"))
    response = client.post(lint.path, data="", content_type=vba.form_type)
    assert response.status_code == 400 and vba.error(response.data)[2] == "text"
    # not a form
    response = client.post(lint.path, json={"text": "x"})
    assert response.status_code == 415 and vba.error(response.data)[0] == "unsupported_media_type"
    # a field the service does not know
    response = client.post(lint.path, data=vba.form([("text", "x"), ("texte", "y")]), content_type=vba.form_type)
    assert response.status_code == 400 and vba.error(response.data)[2] == "texte"


def test_library_unavailable_is_a_text_error(tmp_path, vba, requests_):
    from server import create_app
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    client = create_app({"TESTING": True, "LIBRARY": str(broken), "TOKEN": None}).test_client()
    response = client.get("/api/bridge/meetings.tsv")
    assert response.status_code == 503
    code, message, _, _ = vba.error(response.data)
    assert code == "library_unavailable" and message


def test_token_header_of_the_module_opens_the_bridge(tmp_path, vba, requests_):
    from server import create_app
    client = create_app({"TESTING": True, "LIBRARY": str(make_workbook(tmp_path / "l.xlsx")),
                         "TOKEN": "s3cret"}).test_client()
    for request in requests_:
        denied = run_request(client, vba, request, headers={})
        assert denied.status_code == 401, request.template
        assert vba.error(denied.data)[0] == "unauthorized"
        allowed = run_request(client, vba, request, headers={vba.token_header: "s3cret"})
        assert allowed.status_code == 200, (request.template, allowed.get_data(as_text=True))


def test_lint_agrees_with_the_json_api(client, vba):
    text = "党的十九大以来，疫情防控取得成效。党的十九大以来……"
    rows = vba.table(client.post("/api/bridge/lint.tsv", data=vba.form([("text", text)]),
                                 content_type=vba.form_type).data)
    body = client.post("/api/lint", json={"text": text}).get_json()
    assert [r[rows[0].index("message")] for r in rows[1:]] == [w["message"] for w in body["warnings"]]
    assert [r[0] for r in rows[1:]] == [h["found"] for h in body["hits"]]


def test_values_with_tabs_and_line_breaks_stay_in_their_cell(tmp_path, vba):
    from server import create_app

    def edit(content):
        content["变量"][5][2] = "第一行\n第二行\t制表"  # 组长's help

    client = create_app({"TESTING": True, "LIBRARY": str(make_workbook(tmp_path / "l.xlsx", edit)),
                         "TOKEN": None}).test_client()
    rows = vba.table(client.get("/api/bridge/variables.tsv").data)
    assert all(len(r) == len(rows[0]) for r in rows)
    help_ = {r[0]: r[rows[0].index("help")] for r in rows[1:]}
    assert help_["组长"] == "第一行 第二行 制表"


def test_section_choices_leave_out_template_tags(tmp_path, vba):
    from server import create_app

    def edit(content):
        content["段落"][3][4] = '{% if 巡察类型 == "巡视" %}巡视{% else %}巡察{% endif %}是政治体检。{# 注 #}'

    client = create_app({"TESTING": True, "LIBRARY": str(make_workbook(tmp_path / "l.xlsx", edit)),
                         "TOKEN": None}).test_client()
    rows = vba.table(client.get("/api/bridge/sections.tsv?meeting=" + vba.url_encode("动员会") + "&slot="
                                + vba.url_encode("要点1")).data)
    assert rows[1][rows[0].index("preview")] == "巡视巡察是政治体检。"


# =============================================================================================
# /bridge.bas as served


def served_text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.data
    assert not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")), "不能带 BOM：VBA 会把它读成乱码"
    text = data.decode("cp936")  # strict
    assert "\n" not in text.replace("\r\n", "") and "\r" not in text.replace("\r\n", ""), "只能有 CRLF 换行"
    assert text.endswith("\r\n")
    return text.replace("\r\n", "\n")


def test_served_module_has_the_server_address_and_no_token(client, source):
    response = client.get("/bridge.bas")
    assert response.headers["Content-Disposition"] == 'attachment; filename="BiaotaiBridge.bas"'
    assert response.mimetype == "text/plain" and response.mimetype_params["charset"].lower() == "gbk"
    assert response.headers["Cache-Control"] == "no-store"
    text = served_text(response)
    module = parse_module(text)
    assert check_module(module) == []
    assert module.constant("SERVER_URL") == "http://localhost"
    assert module.constant("ACCESS_TOKEN") == ""
    assert "__BIAOTAI_SERVER__" not in text and "__BIAOTAI_TOKEN__" not in text
    # otherwise the module is the repository's, Chinese intact
    expected = source.replace('"__BIAOTAI_SERVER__"', '"http://localhost"').replace('"__BIAOTAI_TOKEN__"', '""')
    assert text == expected
    assert "Public Sub 插入段落()" in text and "表态发言助手" in text


def test_served_module_uses_the_address_it_was_downloaded_from(app, library_path):
    from server import create_app
    client = app.test_client()
    text = served_text(client.get("/bridge.bas", base_url="https://biaotai.example.gov.cn:8443/"))
    assert parse_module(text).constant("SERVER_URL") == "https://biaotai.example.gov.cn:8443"
    public = create_app({"TESTING": True, "LIBRARY": str(library_path), "TOKEN": None,
                         "PUBLIC_URL": "https://10.1.2.3:8443/"}).test_client()
    assert parse_module(served_text(public.get("/bridge.bas"))).constant("SERVER_URL") == "https://10.1.2.3:8443"
    bad = client.get("/bridge.bas", headers={"Host": 'evil"host'})
    assert bad.status_code == 400 and bad.mimetype == "text/plain"


def test_served_module_carries_the_token_when_one_is_set(tmp_path, vba):
    from server import create_app
    token = 'k3y"with-quote'
    client = create_app({"TESTING": True, "LIBRARY": str(make_workbook(tmp_path / "l.xlsx")),
                         "TOKEN": token}).test_client()
    denied = client.get("/bridge.bas")  # the module holds the token: only who has it may download it
    assert denied.status_code == 401 and "token=" in vba.error(denied.data)[1]
    assert client.get("/bridge.bas?token=wrong").status_code == 401
    for response in (client.get("/bridge.bas", query_string={"token": token}),
                     client.get("/bridge.bas", headers={"X-Biaotai-Token": token})):
        text = served_text(response)
        module = parse_module(text)
        assert check_module(module) == []
        assert module.constant("ACCESS_TOKEN") == token
        assert 'Private Const ACCESS_TOKEN As String = "k3y""with-quote"' in text


def test_ascii_names_variant_has_no_chinese_identifiers(client):
    text = served_text(client.get("/bridge.bas?names=ascii"))
    module = parse_module(text)
    assert check_module(module) == []
    assert {p.name for p in module.procedures.values() if p.public} == set(MACROS.values())
    for number, line in enumerate(text.split("\n"), 1):
        tokens, _ = tokenize(line)
        code = [t.value for t in tokens if t.kind != "string"]
        assert all(v.isascii() for v in code), f"第 {number} 行：{line}"
    assert client.get("/bridge.bas?names=latin").status_code == 400


def test_fill_module_refuses_what_cp936_cannot_hold(source):
    from server.web.bridge import fill_module
    assert fill_module(source, "http://x", None).startswith(b'Attribute VB_Name = "BiaotaiBridge"\r\n')
    with pytest.raises(UnicodeEncodeError):
        fill_module(source + "' 🙂\n", "http://x", None)
    with pytest.raises(ValueError):
        fill_module(source.replace('"__BIAOTAI_TOKEN__"', '""'), "http://x", None)


def test_openapi_paths_describe_the_bridge_routes(app):
    from server.web.bridge import openapi_paths
    paths = openapi_paths()
    routes = {(rule.rule, method.lower()) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("bridge.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in paths.items() for method in item}
    assert documented == routes
    ids = [op["operationId"] for item in paths.values() for op in item.values()]
    assert len(ids) == len(set(ids))
    for item in paths.values():
        for op in item.values():
            assert "200" in op["responses"] and op["summary"]
    assert openapi_paths(token_required=True)["/api/bridge/meetings.tsv"]["get"]["security"]


def test_form_fields_are_checked_by_name(client):
    form = "application/x-www-form-urlencoded"
    unknown = client.post("/api/bridge/lint.tsv", data="%C2%BB=x&text=%E5%8D%81%E4%B9%9D%E5%A4%A7", content_type=form)
    assert unknown.status_code == 400
    assert unknown.get_data(as_text=True).startswith("错误\tinvalid_input\t不认识的字段「»」")
    twice = client.post("/api/bridge/lint.tsv", data="text=a&text=b", content_type=form)
    assert twice.status_code == 400 and "出现了不止一次" in twice.get_data(as_text=True)
    empty = client.post("/api/bridge/lint.tsv", data="text", content_type=form)
    assert empty.status_code == 400 and empty.get_data(as_text=True).split("\t")[3].strip() == "text"
    not_a_form = client.post("/api/bridge/lint.tsv", json={"text": "x"})
    assert not_a_form.status_code == 415
