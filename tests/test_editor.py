"""The editors' side of the service: history of accepted libraries, restore, usage counts, the
import review's commit, and the editor token that guards them."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from server import create_app
from workbook_factory import TEST_VALUES, make_workbook

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"


def change_greeting(content) -> None:
    next(r for r in content["段落"] if r[0] == "称呼-1")[4] = "尊敬的各位领导，同志们："


def save_later(path: Path, edit=None) -> None:
    """An editor's save: new bytes and a new modification time (the store looks at both)."""
    before = path.stat().st_mtime_ns
    make_workbook(path, edit)
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


@pytest.fixture
def library_path(tmp_path) -> Path:
    return make_workbook(tmp_path / "section_library.xlsx")


def make_app(library_path: Path, **config):
    return create_app({"TESTING": True, "LIBRARY": str(library_path), "TOKEN": None, **config})


def test_every_accepted_library_is_a_version_with_its_changes(library_path):
    client = make_app(library_path).test_client()
    first = client.get("/api/library/history").get_json()["versions"]
    assert len(first) == 1 and first[0]["sections"] > 0
    save_later(library_path, change_greeting)
    assert client.get("/api/health").get_json()["status"] == "ok"  # the request that reloads
    versions = client.get("/api/library/history").get_json()["versions"]
    assert [v["changed"] for v in versions] == [1, 0]
    detail = client.get(f"/api/library/history/{versions[0]['id']}").get_json()
    assert detail["changes"][0]["section_id"] == "称呼-1"
    assert "+尊敬的各位领导，同志们：" in detail["changes"][0]["diff"]


def test_history_survives_a_restart(library_path):
    make_app(library_path).test_client().get("/api/health")
    save_later(library_path, change_greeting)
    make_app(library_path).test_client().get("/api/health")
    again = make_app(library_path).test_client()
    assert len(again.get("/api/library/history").get_json()["versions"]) == 2


def test_a_broken_save_is_not_a_version(library_path):
    client = make_app(library_path).test_client()
    def broken(content):
        content["段落"].append(["坏-1", "动员会", "要点1", "小标题", "{{ 不存在的变量 }}", "", "", "是", "", ""])
    save_later(library_path, broken)
    assert client.get("/api/health").get_json()["status"] != "ok"
    assert len(client.get("/api/library/history").get_json()["versions"]) == 1


def test_restore_brings_back_a_former_version_and_serves_it(library_path):
    original = library_path.read_bytes()
    client = make_app(library_path).test_client()
    first_id = client.get("/api/health").get_json()["library_id"]
    save_later(library_path, change_greeting)
    assert client.get("/api/health").get_json()["library_id"] != first_id
    oldest = client.get("/api/library/history").get_json()["versions"][-1]
    answer = client.post(f"/api/library/history/{oldest['id']}/restore")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert library_path.read_bytes() == original
    assert body["backup"] and (library_path.parent / body["backup"]).exists()  # the replaced file, kept
    assert body["health"]["library_id"] == first_id
    assert client.get("/api/health").get_json()["library_id"] == first_id
    newest = client.get("/api/library/history").get_json()["versions"][0]
    assert newest["restored_from"] == oldest["id"]


def test_restore_waits_for_an_editor_who_has_the_workbook_open(library_path):
    client = make_app(library_path).test_client()
    save_later(library_path, change_greeting)
    client.get("/api/health")
    saved = library_path.read_bytes()
    (library_path.parent / ("~$" + library_path.name)).write_bytes(b"owner")
    oldest = client.get("/api/library/history").get_json()["versions"][-1]
    answer = client.post(f"/api/library/history/{oldest['id']}/restore")
    assert answer.status_code == 409 and "正在 Excel 中打开" in answer.get_json()["error"]["message"]
    assert library_path.read_bytes() == saved


def test_unknown_version_is_404(library_path):
    client = make_app(library_path).test_client()
    assert client.post("/api/library/history/999/restore").status_code == 404
    assert client.get("/api/library/history/999").status_code == 404


def test_usage_is_counted_per_section(library_path, monkeypatch):
    monkeypatch.setattr("server.history.USAGE_FLUSH_SECONDS", 0)
    client = make_app(library_path).test_client()
    speech = client.post("/api/speech", json={"meeting": "动员会", "variables": TEST_VALUES, "seed": 1}).get_json()
    used = [p["section_id"] for p in speech["parts"]]
    client.post(f"/api/sections/{used[-1]}/render", json={"meeting": "动员会", "variables": TEST_VALUES})
    client.post(f"/api/sections/{used[-1]}/render", json={"meeting": "动员会", "variables": TEST_VALUES,
                                                          "docx": False})  # a preview is not a use
    counts = {s["id"]: s for s in client.get("/api/library/usage").get_json()["sections"]}
    assert all(counts[i]["generated"] == 1 for i in used)
    assert counts[used[-1]]["inserted"] == 1
    assert sum(s["inserted"] + s["generated"] for s in counts.values()) == len(used) + 1


def test_import_review_adds_exactly_the_ticked_rows(library_path):
    client = make_app(library_path).test_client()
    with open(CORPUS / "revisit_utf8_bom.txt", "rb") as handle:
        preview = client.post("/api/library/import", data={"files": (handle, "回头看.txt"), "dry_run": "1"},
                              content_type="multipart/form-data").get_json()
    rows = preview["rows"]
    assert len(rows) >= 3 and all(r["original"] for r in rows)
    assert all(r["original"] != r["body"] for r in rows if "{{" in r["body"])  # the review shows both
    before = load_workbook(library_path)["段落"].max_row
    ticked = [dict(rows[0]), dict(rows[2])]
    ticked[1]["slot"] = "结尾"  # the editor corrects the part
    ticked[1]["meeting"] = "动员会"
    answer = client.post("/api/library/import/rows", json={"rows": ticked})
    assert answer.status_code == 200, answer.get_json()
    added = answer.get_json()["added"]
    assert len(added) == 2 and answer.get_json()["backup"]
    sheet = load_workbook(library_path)["段落"]
    assert sheet.max_row == before + 2
    header = [c.value for c in sheet[1]]
    last = {h: c.value for h, c in zip(header, sheet[sheet.max_row])}
    assert last["部分"] == "结尾" and last["会议类型"] == "动员会" and last["启用"] == "否"
    assert client.post("/api/library/import/rows", json={"rows": ticked}).get_json()["added"] == []  # duplicates


def test_import_review_names_the_bad_row(library_path):
    client = make_app(library_path).test_client()
    answer = client.post("/api/library/import/rows", json={"rows": [
        {"meeting": "动员会", "slot": "开场", "body": "好的正文"},
        {"meeting": "不存在的会", "slot": "开场", "body": "正文"}]})
    assert answer.status_code == 400 and "第 2 行" in answer.get_json()["error"]["message"]


@pytest.mark.parametrize("token, status", [(None, 401), ("writer-token", 403), ("editor-token", 200)])
def test_editor_pages_need_the_editor_token(library_path, token, status):
    client = make_app(library_path, TOKEN="writer-token", EDITOR_TOKEN="editor-token").test_client()
    headers = {"X-Biaotai-Token": token} if token else {}
    for path in ("/api/library/history", "/api/library/usage", "/api/library/check"):
        answer = client.get(path, headers=headers)
        assert answer.status_code == status, (path, answer.get_json())
    if status == 403:
        assert "编辑人员" in client.get("/api/library/history", headers=headers).get_json()["error"]["message"]


@pytest.mark.parametrize("token, status", [(None, 401), ("writer-token", 200), ("editor-token", 200)])
def test_writers_routes_take_either_token(library_path, token, status):
    client = make_app(library_path, TOKEN="writer-token", EDITOR_TOKEN="editor-token").test_client()
    headers = {"X-Biaotai-Token": token} if token else {}
    assert client.get("/api/meetings", headers=headers).status_code == status


def test_without_an_editor_token_the_writer_token_guards_everything(library_path):
    client = make_app(library_path, TOKEN="writer-token").test_client()
    assert client.get("/api/library/history").status_code == 401
    assert client.get("/api/library/history", headers={"X-Biaotai-Token": "writer-token"}).status_code == 200


def test_a_corrupt_history_never_stops_the_service(library_path):
    history_file = library_path.with_name("section_library.history.sqlite3")
    history_file.write_bytes(b"not a database at all" * 50)
    client = make_app(library_path).test_client()
    assert client.get("/api/health").get_json()["status"] == "ok"
    assert client.post("/api/speech", json={"meeting": "动员会", "variables": TEST_VALUES}).status_code == 200
    answer = client.get("/api/library/history").get_json()
    assert answer["versions"] == [] and "历史记录数据库" in answer["problem"]
