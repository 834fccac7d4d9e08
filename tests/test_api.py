"""The JSON API through Flask's test client: every endpoint's happy path, every error with its
status, code and field."""
from __future__ import annotations

import base64
import datetime as dt
import io
import json
import logging
import re
from urllib.parse import unquote

import pytest

from support.docx_readers import document_xml
from workbook_factory import TEST_VALUES, make_workbook

RENDER = "/api/sections/动员-要点1-1/render"


def error_of(response, status: int, code: str, field: str | None = "<any>") -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"] and any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])  # Chinese
    if field != "<any>":
        assert error["field"] == field, error
    assert "Traceback" not in response.get_data(as_text=True)
    return error


# ---------------------------------------------------------------------------------------------
# Happy paths


def test_health(client, library):
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["library_id"] == library.id and len(body["library_id"]) == 16
    assert body["sections"] == len(library.sections) == 11
    assert dt.datetime.fromisoformat(body["loaded_at"]).tzinfo is not None
    assert body["since"] is None and body["errors"] == []
    assert body["editing"]["locked"] is False
    assert response.headers["X-Biaotai-Library"] == library.id


def test_meetings(client):
    body = client.get("/api/meetings").get_json()
    assert [m["id"] for m in body["meetings"]] == ["动员会", "反馈会"]
    mobilise = body["meetings"][0]
    assert mobilise["default_style"] == "一是"
    assert [s["slot"] for s in mobilise["slots"]] == ["称呼", "开场", "要点1", "要点2", "结尾"]
    assert {s["slot"]: s["sections"] for s in mobilise["slots"]}["开场"] == 2
    assert body["styles"] == ["一是", "一、", "第一"]


def test_variables_for_a_meeting(client):
    body = client.get("/api/variables", query_string={"meeting": "反馈会"}).get_json()
    keys = [v["key"] for v in body["variables"]]
    assert "巡察期间" in keys and "巡察时长" not in keys
    assert body["meeting"] == "反馈会"
    assert body["unit_types"]["委"]["自称"] == "我委"
    everything = client.get("/api/variables").get_json()
    assert {"巡察期间", "巡察时长"} <= {v["key"] for v in everything["variables"]}


def test_sections_filters_and_search(client):
    body = client.get("/api/sections", query_string={"meeting": "动员会", "slot": "要点1"}).get_json()
    assert [s["id"] for s in body["sections"]] == ["动员-要点1-1", "动员-要点1-2"]
    item = body["sections"][0]
    assert item["slot"] == "要点1" and item["meetings"] == ["动员会"]
    assert item["heading"] == "提高政治站位，主动接受{{ 巡察类型 }}监督"
    assert item["preview"].startswith("{{ 巡察类型 }}是政治体检")  # placeholders left as they are
    # body text, heading text; 通用 sections serve every meeting
    assert [s["id"] for s in client.get("/api/sections?q=后勤保障").get_json()["sections"]] == ["动员-要点2-1"]
    assert [s["id"] for s in client.get("/api/sections?q=认领问题").get_json()["sections"]] == ["反馈-要点1-1"]
    closing = client.get("/api/sections", query_string={"meeting": "反馈会", "slot": "结尾"}).get_json()
    assert [s["id"] for s in closing["sections"]] == ["通用-结尾-1"]
    assert closing["sections"][0]["meetings"] == []
    assert client.get("/api/sections?limit=3").get_json()["total"] == 11
    assert len(client.get("/api/sections?limit=3").get_json()["sections"]) == 3


def test_search_is_case_insensitive_over_tags_and_preview_is_short(tmp_path):
    from server import create_app

    def edit(content):
        content["段落"].append(["长-1", "动员会", "要点1", "Word 文档", "很长的正文。" * 40, "", "ABC、重点", "是", "", ""])
        content["段落"].append(["停用-1", "动员会", "要点1", "停用", "停用的段落ABC", "", "", "否", "", ""])
    client = create_app({"TESTING": True, "LIBRARY": str(make_workbook(tmp_path / "l.xlsx", edit))}).test_client()
    assert [s["id"] for s in client.get("/api/sections?q=abc").get_json()["sections"]] == ["长-1"]  # tag, not disabled
    assert [s["id"] for s in client.get("/api/sections?q=WORD").get_json()["sections"]] == ["长-1"]  # heading
    preview = client.get("/api/sections?q=abc").get_json()["sections"][0]["preview"]
    assert len(preview) == 81 and preview.endswith("…")


def test_render_section_numbered_as_asked(client):
    response = client.post(RENDER, json={"variables": TEST_VALUES, "style": "一、", "number": 3})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["section_id"] == "动员-要点1-1" and body["slot"] == "要点1" and body["number"] == 3
    assert body["heading"] == "提高政治站位，主动接受巡察监督"
    assert body["paragraphs"] == ["三、提高政治站位，主动接受巡察监督", "巡察是政治体检，局领导班子要带头接受监督。"]
    assert body["text"] == "\n".join(body["paragraphs"])
    assert body["style"] == "一、" and body["warnings"] == []
    document = document_xml(base64.b64decode(body["docx_base64"]))
    assert "三、提高政治站位" in document and "局领导班子" in document
    assert "w:sectPr" not in document.split("</w:p>")[-2]  # a fragment: no section break inside paragraphs


def test_render_defaults_and_meeting(client):
    body = client.post(RENDER, json={"variables": TEST_VALUES}).get_json()
    assert body["number"] == 1 and body["style"] == "一是"
    assert body["paragraphs"][0].startswith("一是提高政治站位")
    # only the variables the section uses are needed
    body = client.post("/api/sections/反馈-要点2-1/render", json={"variables": {}, "meeting": "反馈会",
                                                                  "style": "第一", "number": 2}).get_json()
    assert body["paragraphs"][0].startswith("第二，压实责任，抓好整改。")
    assert client.post("/api/sections/称呼-1/render", json={}).get_json()["number"] is None


def test_render_warns_of_unknown_variables(client):
    body = client.post(RENDER, json={"variables": {**TEST_VALUES, "巡查组": "x"}}).get_json()
    assert [w["field"] for w in body["warnings"]] == ["巡查组"]


def test_speech(client):
    response = client.post("/api/speech", json={"meeting": "动员会", "variables": TEST_VALUES, "seed": 7})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["title"] == "在市委第四巡察组巡察市工业和信息化局党组工作动员会上的表态发言"
    assert [p["slot"] for p in body["parts"]] == ["称呼", "开场", "要点1", "要点2", "结尾"]
    assert all(p["section_id"] for p in body["parts"])
    assert body["characters"] > 100 and body["minutes"] > 0
    assert body["text"].startswith(body["title"])
    assert any(w["field"] == "length" for w in body["warnings"])
    again = client.post("/api/speech", json={"meeting": "动员会", "variables": TEST_VALUES, "seed": 7}).get_json()
    assert again == body


def test_speech_choices_omit_order_style(client):
    body = client.post("/api/speech", json={
        "meeting": "动员会", "variables": TEST_VALUES, "style": "一、", "choices": {"要点1": "动员-要点1-2"},
        "omit": ["称呼"], "order": ["要点2", "要点1"]}).get_json()
    assert [p["slot"] for p in body["parts"]] == ["开场", "要点2", "要点1", "结尾"]
    assert body["parts"][2]["section_id"] == "动员-要点1-2"
    assert body["parts"][1]["paragraphs"][0].startswith("一、") and body["parts"][2]["number"] == 2


def test_speech_docx_download(client):
    response = client.post("/api/speech.docx", json={"meeting": "动员会", "variables": TEST_VALUES})
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="speech.docx"; filename*=UTF-8\'\'')
    name = unquote(disposition.split("''", 1)[1])
    assert name == "在市委第四巡察组巡察市工业和信息化局党组工作动员会上的表态发言.docx"
    assert "工作动员会上的表态发言" in document_xml(response.data)


def test_download_name_is_safe():
    from server.web.api import attachment_header
    header = attachment_header('a/b\\c:"d"\n<e>' + "长" * 200)
    assert header.count('"') == 2 and "\n" not in header
    name = unquote(header.split("''", 1)[1])
    assert name.startswith("abcde") and name.endswith(".docx") and len(name) == 85


def test_lint(client):
    body = client.post("/api/lint", json={"text": "自党的十九大以来，我们坚持疫情防控。"}).get_json()
    assert [h["found"] for h in body["hits"]] == ["党的十九大以来", "疫情防控"]
    assert body["hits"][0]["start"] == 1
    assert all(w["severity"] == "warning" for w in body["warnings"]) and len(body["warnings"]) == 2
    assert client.post("/api/lint", json={"text": ""}).get_json()["warnings"] == []


def test_library_check(client, library):
    body = client.get("/api/library/check").get_json()
    assert body["ok"] is True and body["errors"] == 0
    assert body["file_id"] == body["serving_library_id"] == library.id


def test_library_check_lists_every_problem(tmp_path):
    from server import create_app
    from server.library import check_library
    path = make_workbook(tmp_path / "l.xlsx")
    client = create_app({"TESTING": True, "LIBRARY": str(path)}).test_client()

    def edit(content):
        content["段落"][3][4] = "{{ 巡查组 }}来了"
        content["段落"][4][7] = "也许"
    make_workbook(path, edit)
    body = client.get("/api/library/check").get_json()
    assert body["ok"] is False and body["errors"] >= 2
    assert [p["text"] for p in body["problems"]] == [str(p) for p in check_library(path)]
    assert any("巡察组" in p["message"] and p["row"] == 5 and p["column"] == "正文" for p in body["problems"])


def test_openapi_document_lists_every_api_route(client):
    """Every /api/ route the service answers is in the document (so schemathesis fuzzes it), and nothing else."""
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.0")
    routes = set()
    for rule in client.application.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            routes.add(path.replace("{section_id}", "{id}").replace("{version_id}", "{version}"))
    assert set(doc["paths"]) - {"/bridge.bas"} == routes
    assert {"/api/library/history/{version}/restore", "/api/wps/fragments/speech", "/api/bridge/section.docx"} <= routes


def test_json_is_utf8_not_escaped(client):
    raw = client.get("/api/meetings").data
    assert "动员会".encode("utf-8") in raw and b"\\u" not in raw


def test_access_log_line(client, caplog, library):
    with caplog.at_level(logging.INFO, logger="biaotai.access"):
        client.get("/api/meetings")
    entry = [r for r in caplog.records if r.name == "biaotai.access"][-1].fields
    assert entry["method"] == "GET" and entry["path"] == "/api/meetings" and entry["status"] == 200
    assert entry["library_id"] == library.id and entry["ms"] >= 0


def test_byte_order_mark_and_odd_characters_are_accepted(client):
    data = "\ufeff" + json.dumps({"variables": {**TEST_VALUES, "单位名称": "A&B<局>\x01\ud800"}})
    response = client.post(RENDER, data=data.encode("utf-8", "surrogatepass"), content_type="application/json")
    assert response.status_code == 200, response.get_data(as_text=True)
    response = client.post("/api/speech", json={"meeting": "动员会", "variables": {**TEST_VALUES, "单位名称": "A&B<局>"}})
    assert "A&B<局>" in response.get_json()["title"]
    docx = client.post("/api/speech.docx", json={"meeting": "动员会", "variables": {**TEST_VALUES, "单位名称": "A&B<局>"}})
    assert "A&amp;B&lt;局&gt;" in document_xml(docx.data)


# ---------------------------------------------------------------------------------------------
# Errors: status, code, field


@pytest.mark.parametrize("body, field", [
    ({"variables": []}, "variables"),
    ({"variables": {"单位名称": 3}}, "单位名称"),
    ({"variables": {"单位名称": "长" * 501}}, "单位名称"),
    ({"variables": {f"k{i}": "v" for i in range(51)}}, "variables"),
    ({"style": "1."}, "style"),
    ({"number": 0}, "number"),
    ({"number": 100}, "number"),
    ({"number": "2"}, "number"),
    ({"number": True}, "number"),
    ({"meeting": "动员大会"}, "meeting"),
    ({"meeting": "反馈会"}, "meeting"),  # the section does not serve that meeting type
    ({"meeting": 3}, "meeting"),
    ({"variables": {"单位类型": "部"}}, "单位类型"),
    ({"extra": 1}, "extra"),
])
def test_render_rejects_bad_input(client, body, field):
    error_of(client.post(RENDER, json=body), 400, "invalid_input", field)


def test_render_missing_variable_names_it(client):
    error = error_of(client.post(RENDER, json={"variables": {"单位类型": "局"}}), 400, "invalid_input", "巡察类型")
    assert "巡察" in error["message"]
    assert [p["field"] for p in error["problems"]] == ["巡察类型"]


@pytest.mark.parametrize("body, field", [
    ({"variables": TEST_VALUES}, "meeting"),
    ({"meeting": "", "variables": TEST_VALUES}, "meeting"),
    ({"meeting": "动员大会", "variables": TEST_VALUES}, "meeting"),
    ({"meeting": ["动员会"], "variables": TEST_VALUES}, "meeting"),
    ({"meeting": "动员会", "variables": TEST_VALUES, "seed": "x"}, "seed"),
    ({"meeting": "动员会", "variables": TEST_VALUES, "seed": 2**60}, "seed"),
    ({"meeting": "动员会", "variables": TEST_VALUES, "style": "一"}, "style"),
    ({"meeting": "动员会", "variables": TEST_VALUES, "choices": {"要点1": "反馈-要点1-1"}}, "choices.要点1"),
    ({"meeting": "动员会", "variables": TEST_VALUES, "choices": {"要点1": "没有"}}, "choices.要点1"),
    ({"meeting": "动员会", "variables": TEST_VALUES, "choices": {"要点1": 5}}, "choices.要点1"),
    ({"meeting": "动员会", "variables": TEST_VALUES, "choices": ["要点1"]}, "choices"),
    ({"meeting": "动员会", "variables": TEST_VALUES, "omit": ["开场"]}, "omit"),
    ({"meeting": "动员会", "variables": TEST_VALUES, "omit": "要点1"}, "omit"),
    ({"meeting": "动员会", "variables": TEST_VALUES, "omit": ["要点1", "要点2"]}, "omit"),
    ({"meeting": "动员会", "variables": TEST_VALUES, "order": ["要点3"]}, "order"),
    ({"meeting": "动员会", "variables": TEST_VALUES, "order": [1]}, "order"),
    ({"meeting": "动员会", "variables": {**TEST_VALUES, "巡察类型": "督查"}}, "巡察类型"),
    ({"meeting": "动员会", "variables": {**TEST_VALUES, "巡察时长": ""}}, "巡察时长"),
    ({"meeting": "动员会", "title": "x"}, "title"),
])
@pytest.mark.parametrize("url", ["/api/speech", "/api/speech.docx"])
def test_speech_rejects_bad_input(client, url, body, field):
    error_of(client.post(url, json=body), 400, "invalid_input", field)


@pytest.mark.parametrize("query, field", [
    ({"meeting": "动员大会"}, "meeting"),
    ({"slot": "要点"}, "slot"),
    ({"q": "长" * 101}, "q"),
    ({"limit": "0"}, "limit"),
    ({"limit": "x"}, "limit"),
    ({"limit": "5001"}, "limit"),
])
def test_sections_rejects_bad_query(client, query, field):
    error_of(client.get("/api/sections", query_string=query), 400, "invalid_input", field)


def test_variables_rejects_unknown_meeting(client):
    error_of(client.get("/api/variables?meeting=动员大会"), 400, "invalid_input", "meeting")


def test_lint_rejects_bad_text(client):
    error_of(client.post("/api/lint", json={}), 400, "invalid_input", "text")
    error_of(client.post("/api/lint", json={"text": 5}), 400, "invalid_input", "text")
    error_of(client.post("/api/lint", json={"text": "长" * 200_001}), 400, "invalid_input", "text")


def test_unknown_section_is_404(client):
    error_of(client.post("/api/sections/没有这个/render", json={}), 404, "not_found", "id")


@pytest.mark.parametrize("data, content_type, status, code", [
    (b"{not json", "application/json", 400, "invalid_json"),
    (b"", "application/json", 400, "invalid_json"),
    (b"[1, 2]", "application/json", 400, "invalid_json"),
    (b'{"number": NaN}', "application/json", 400, "invalid_json"),
    (b"\xff\xfe{}", "application/json", 400, "invalid_json"),
    (b"[" * 100_000, "application/json", 400, "invalid_json"),
    (b'{"variables": {}}', "text/plain", 415, "unsupported_media_type"),
    (b"variables=1", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
])
def test_body_that_is_not_a_json_object(client, data, content_type, status, code):
    error_of(client.post(RENDER, data=data, content_type=content_type), status, code, None)


def test_body_too_large(client):
    data = json.dumps({"text": "长" * 400_000}).encode()  # 1.2 MB
    error_of(client.post("/api/lint", data=data, content_type="application/json"), 413, "too_large", None)


def test_unknown_route_and_method_are_json(client):
    error_of(client.get("/api/nothing"), 404, "not_found", None)
    error_of(client.get("/nothing"), 404, "not_found", None)
    response = client.get("/api/speech")
    error_of(response, 405, "method_not_allowed", None)
    assert "POST" in response.headers["Allow"]
    error_of(client.put("/api/health"), 405, "method_not_allowed", None)


def test_library_error_during_composition_is_409(tmp_path):
    from server import create_app

    def edit(content):
        content["段落"].append(["坏-1", "动员会", "要点1", "坏的模板", "{% if 单位名称 < 1 %}比较文字和数字，生成时出错{% endif %}", "", "", "是", "", ""])
    client = create_app({"TESTING": True, "LIBRARY": str(make_workbook(tmp_path / "l.xlsx", edit))}).test_client()
    error = error_of(client.post("/api/sections/坏-1/render", json={"variables": TEST_VALUES}), 409, "library_error")
    assert "第 13 行" in error["message"]
    response = client.post("/api/speech", json={"meeting": "动员会", "variables": TEST_VALUES,
                                                "choices": {"要点1": "坏-1"}})
    error_of(response, 409, "library_error")


def test_unexpected_error_is_500_json_with_traceback_only_in_log(client, monkeypatch, caplog):
    import server.web.api

    def boom(*args, **kwargs):
        raise RuntimeError("secret detail")
    monkeypatch.setattr(server.web.api, "render_part_docx", boom)
    with caplog.at_level(logging.ERROR, logger="biaotai.api"):
        response = client.post(RENDER, json={"variables": TEST_VALUES})
    error = error_of(response, 500, "internal", None)
    assert error["message"] == "服务器内部错误，请联系管理员（已记录日志）"
    assert "secret detail" not in response.get_data(as_text=True)
    assert any(r.exc_info and "secret detail" in str(r.exc_info[1]) for r in caplog.records)


def test_no_library_at_start_is_503(tmp_path):
    from server import create_app
    path = tmp_path / "l.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    client = create_app({"TESTING": True, "LIBRARY": str(path)}).test_client()
    health = client.get("/api/health")
    assert health.status_code == 503
    body = health.get_json()
    assert body["status"] == "unavailable" and body["library_id"] is None and body["errors"]
    assert "段落库不可用" in body["message"] and body["since"]
    for response in (client.get("/api/meetings"), client.get("/api/sections"),
                     client.post(RENDER, json={}), client.post("/api/speech", json={"meeting": "动员会"}),
                     client.post("/api/lint", json={"text": "x"})):
        error_of(response, 503, "library_unavailable", None)
    check = client.get("/api/library/check")
    assert check.status_code == 200 and check.get_json()["ok"] is False
    make_workbook(path)  # fixed: served without a restart
    assert client.get("/api/health").get_json()["status"] == "ok"
    assert client.get("/api/meetings").status_code == 200


# ---------------------------------------------------------------------------------------------
# Token and CORS


@pytest.fixture
def token_client(library_path):
    from server import create_app
    return create_app({"TESTING": True, "LIBRARY": str(library_path), "TOKEN": "s3cret-令牌"}).test_client()


def test_token_required_when_configured(token_client):
    response = token_client.get("/api/meetings")
    error_of(response, 401, "unauthorized", None)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    error_of(token_client.get("/api/meetings", headers={"Authorization": "Bearer wrong"}), 401, "unauthorized")
    error_of(token_client.post("/api/speech", json={"meeting": "动员会"}), 401, "unauthorized")
    token = "s3cret-令牌".encode().decode("latin-1")  # as a header carries it
    assert token_client.get("/api/meetings", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert token_client.get("/api/meetings", headers={"X-Biaotai-Token": token}).status_code == 200


def test_token_leaves_health_and_openapi_open(token_client):
    assert token_client.get("/api/health").status_code == 200
    doc = token_client.get("/api/openapi.json").get_json()
    assert doc["paths"]["/api/meetings"]["get"]["security"]
    assert doc["paths"]["/api/health"]["get"]["security"] == []


def test_cors_only_for_own_origin(client):
    own = client.get("/api/meetings", headers={"Origin": "http://localhost"})
    assert own.headers["Access-Control-Allow-Origin"] == "http://localhost"
    foreign = client.get("/api/meetings", headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 200 and "Access-Control-Allow-Origin" not in foreign.headers
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    error_of(client.options("/api/speech", headers={"Origin": "https://evil.example", **preflight}),
             403, "forbidden_origin", None)
    error_of(client.options("/api/speech", headers={"Origin": "null", **preflight}), 403, "forbidden_origin", None)
    allowed = client.options("/api/speech", headers={"Origin": "http://localhost", **preflight})
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://localhost"
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]


def test_preflight_needs_no_token(token_client):
    preflight = {"Origin": "http://localhost", "Access-Control-Request-Method": "POST"}
    assert token_client.options("/api/speech", headers=preflight).status_code == 204


def test_configuration_from_environment_and_file(tmp_path, monkeypatch, library_path):
    from server import create_app
    config = tmp_path / "biaotai.json"
    config.write_text(json.dumps({"MAX_CONTENT_LENGTH": 2048, "TOKEN": "from-file"}), encoding="utf-8")
    monkeypatch.setenv("BIAOTAI_CONFIG", str(config))
    monkeypatch.setenv("BIAOTAI_LIBRARY", str(library_path))
    monkeypatch.setenv("BIAOTAI_TOKEN", "from-env")
    app = create_app()
    assert app.config["LIBRARY"] == str(library_path)
    assert app.config["TOKEN"] == "from-env" and app.config["MAX_CONTENT_LENGTH"] == 2048
    assert create_app({"TOKEN": None}).config["TOKEN"] is None


OLD_SPEECH = ("在市委第二巡察组巡察市交通运输局党组工作动员会上的表态发言\n各位领导，同志们：\n"
              "根据市委统一部署，市委第二巡察组今天进驻我局，开展为期两个月的常规巡察。下面，我代表局党组作表态发言。\n"
              "一是提高思想认识，自觉接受巡察监督。全局上下要把接受巡察作为一次政治体检。\n"
              "二是全力做好配合，确保巡察顺利开展。我局将如实反映情况，做到随叫随到。\n"
              "我们将以此次巡察为契机，推动各项工作再上新台阶。谢谢大家！\n")


def test_library_import_previews_then_writes(client, library_path):
    before = library_path.read_bytes()
    upload = {"files": (io.BytesIO(OLD_SPEECH.encode("gb18030")), "旧发言.txt")}
    preview = client.post("/api/library/import", data=upload, content_type="multipart/form-data")
    assert preview.status_code == 200, preview.get_json()
    summary = preview.get_json()
    assert summary["dry_run"] is True and summary["speeches"] == 1 and summary["added"] >= 2
    assert {row["slot"] for row in summary["rows"]} >= {"要点1", "要点2"}
    # its opening is the library's 动员-开场-1 but for one variable: reported, not added again
    assert [(d["existing"], d["similarity"] < 1) for d in summary["duplicates"] if d["slot"] == "开场"] == [
        ("动员-开场-1", True)]
    assert all("{{ 自称 }}" not in row["body"] or "我局" not in row["body"] for row in summary["rows"])
    assert library_path.read_bytes() == before and "/" not in summary["library"]
    sections_before = client.get("/api/health").get_json()["sections"]
    written = client.post("/api/library/import", content_type="multipart/form-data",
                          data={"files": (io.BytesIO(OLD_SPEECH.encode()), "旧发言.txt"), "dry_run": "0"})
    assert written.status_code == 200 and written.get_json()["backup"].endswith(".xlsx")
    assert library_path.read_bytes() != before
    health = client.get("/api/health").get_json()
    assert health["status"] == "ok" and health["sections"] == sections_before + written.get_json()["added"]


def test_library_import_errors_name_the_field(client):
    def post(data, content_type="multipart/form-data"):
        response = client.post("/api/library/import", data=data, content_type=content_type)
        return response.status_code, response.get_json()["error"]
    assert post({})[0] == 400 and post({})[1]["field"] == "files"
    status, error = post({"files": (io.BytesIO(b"%PDF-1.4"), "x.pdf")})
    assert status == 400 and error["code"] == "import_failed" and "x.pdf" in error["message"]
    status, error = post({"files": (io.BytesIO(b"x"), "a.txt"), "dry_run": "maybe"})
    assert status == 400 and error["field"] == "dry_run"
    status, error = post("text=1", "application/x-www-form-urlencoded")
    assert status == 415
    big = {"files": (io.BytesIO(b"a" * (6 * 1024 * 1024)), "big.txt")}
    assert post(big)[0] == 413


def test_docx_flag_on_render_and_speech(client, values):
    render = client.post("/api/sections/动员-要点1-1/render", json={"variables": values, "number": 2, "docx": False})
    assert render.status_code == 200
    assert "docx_base64" not in render.get_json() and render.get_json()["text"].startswith("二是")
    body = {"meeting": "动员会", "variables": values, "style": "第一", "seed": 4}
    plain = client.post("/api/speech", json=body).get_json()
    assert "docx_base64" not in plain
    with_file = client.post("/api/speech", json={**body, "docx": True}).get_json()
    download = client.post("/api/speech.docx", json=body)
    assert base64.b64decode(with_file["docx_base64"]) == download.data
    bad = client.post("/api/speech", json={**body, "docx": "yes"})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "docx"
    assert client.post("/api/speech.docx", json={**body, "docx": True}).get_json()["error"]["field"] == "docx"


def test_sections_say_which_variants_fit_the_unit_type(tmp_path):
    from server import create_app

    def edit(content):
        next(r for r in content["段落"] if r[0] == "动员-开场-2")[5] = "委、院"
    client = create_app({"TESTING": True, "LIBRARY": str(make_workbook(tmp_path / "l.xlsx", edit))}).test_client()

    def fits(unit_type):
        query = {"meeting": "动员会", "slot": "开场", **({"unit_type": unit_type} if unit_type is not None else {})}
        return {s["id"]: s["fits"] for s in client.get("/api/sections", query_string=query).get_json()["sections"]}
    assert fits("局") == {"动员-开场-1": True, "动员-开场-2": False}
    assert fits("委") == {"动员-开场-1": True, "动员-开场-2": True}
    assert fits(None) == fits("") == {"动员-开场-1": True, "动员-开场-2": True}
    error_of(client.get("/api/sections?unit_type=部"), 400, "invalid_input", "unit_type")


def test_bridge_posts_from_a_foreign_page_are_refused_like_the_api(client):
    form = {"text": "党的十九大以来"}
    refused = client.post("/api/bridge/lint.tsv", data=form, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert client.post("/api/bridge/lint.tsv", data=form).status_code == 200


def test_speech_reports_its_seed_and_honours_exclude_and_length(client):
    """Without a seed the service picks one and reports it; the same seed makes the same speech;
    换一个 (exclude) avoids the variants a document has shown; length names its field when wrong."""
    body = {"meeting": "动员会", "variables": TEST_VALUES}
    first = client.post("/api/speech", json=body).get_json()
    assert isinstance(first["seed"], int)
    again = client.post("/api/speech", json={**body, "seed": first["seed"]}).get_json()
    assert again["text"] == first["text"]
    shown = [p["section_id"] for p in first["parts"] if p["slot"] == "要点1"]
    other = client.post("/api/speech", json={**body, "seed": first["seed"], "exclude": shown}).get_json()
    assert [p["section_id"] for p in other["parts"] if p["slot"] == "要点1"] != shown
    bad = client.post("/api/speech", json={**body, "length": "很长"})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "length"
    assert client.post("/api/speech", json={**body, "exclude": "x"}).get_json()["error"]["field"] == "exclude"


def test_section_previews_show_the_first_of_each_alternative(tmp_path):
    """A preview never shows the editors' 【写法一｜写法二】 markup."""
    from server import create_app

    def edit(content):
        next(r for r in content["段落"] if r[0] == "动员-要点1-1")[4] = "{{ 巡察类型 }}是【政治体检｜全面检阅】，要带头接受监督。"
    client = create_app({"TESTING": True, "LIBRARY": str(make_workbook(tmp_path / "lib.xlsx", edit)),
                         "TOKEN": None}).test_client()
    found = client.get("/api/sections", query_string={"q": "接受监督"}).get_json()["sections"]
    preview = next(s["preview"] for s in found if s["id"] == "动员-要点1-1")
    assert preview == "{{ 巡察类型 }}是政治体检，要带头接受监督。"
