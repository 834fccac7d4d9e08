"""Hot reload: the workbook changes on disk while the service runs; the last good library keeps
serving through broken, half-written, locked or missing files, and requests never see a mix."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from server.library import load_library_bytes
from server.workbook import build_workbook
from workbook_factory import TEST_VALUES, base_content


def content_bytes(edit=None) -> bytes:
    content = base_content()
    if edit:
        edit(content)
    return build_workbook(content)


def with_extra_section(content):
    content["段落"].append(["动员-要点1-3", "动员会", "要点1", "新增的要点", "新增的正文，{{ 自称 }}照办。",
                           "", "", "是", "", ""])


def with_undefined_variable(content):
    content["段落"][3][4] = "{{ 巡查组 }}来了"


GOOD = content_bytes()
NEWER = content_bytes(with_extra_section)
BROKEN = content_bytes(with_undefined_variable)


@pytest.fixture
def store(app):
    return app.extensions["biaotai_store"]


def health(client) -> dict:
    return client.get("/api/health").get_json()


def replace_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def test_unchanged_file_is_not_read_again(client, store, monkeypatch):
    import server.store
    calls = []
    monkeypatch.setattr(server.store, "load_library_bytes", lambda *a, **k: calls.append(1))
    reads = []
    real_read = store._read
    monkeypatch.setattr(store, "_read", lambda: reads.append(1) or real_read())
    for _ in range(20):
        assert client.post("/api/sections/动员-要点1-1/render", json={"variables": TEST_VALUES}).status_code == 200
    assert calls == [] and reads == []


def test_touched_file_with_same_bytes_keeps_the_same_library(client, store, library_path):
    before = store.library
    os.utime(library_path, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    assert client.get("/api/health").get_json()["status"] == "ok"
    assert store.library is before


def test_atomic_replace_is_picked_up_on_the_next_request(client, library_path):
    first = health(client)
    replace_atomically(library_path, NEWER)
    second = health(client)
    assert second["status"] == "ok" and second["sections"] == first["sections"] + 1
    assert second["library_id"] != first["library_id"]
    ids = [s["id"] for s in client.get("/api/sections?slot=要点1&meeting=动员会").get_json()["sections"]]
    assert "动员-要点1-3" in ids


def test_broken_save_keeps_the_last_good_library_and_fixing_restores(client, library_path):
    good = health(client)
    replace_atomically(library_path, BROKEN)
    degraded = health(client)
    assert degraded["status"] == "degraded"
    assert degraded["library_id"] == good["library_id"]
    assert degraded["since"] and "未定义的变量 {{ 巡查组 }}" in degraded["message"]
    assert degraded["errors"][0]["row"] == 5 and degraded["errors"][0]["column"] == "正文"
    check = client.get("/api/library/check").get_json()
    assert check["ok"] is False and check["since"] == degraded["since"]
    assert check["serving_library_id"] == good["library_id"] and check["file_id"] != good["library_id"]
    # still serving
    assert client.post("/api/speech", json={"meeting": "动员会", "variables": TEST_VALUES}).status_code == 200
    # a second broken save keeps the first "since"
    replace_atomically(library_path, content_bytes(lambda c: c["段落"].__setitem__(2, c["段落"][2][:4] + ["{{ x"] + c["段落"][2][5:])))
    assert health(client)["since"] == degraded["since"]
    replace_atomically(library_path, NEWER)
    fixed = health(client)
    assert fixed["status"] == "ok" and fixed["since"] is None and fixed["errors"] == []
    assert fixed["library_id"] != good["library_id"]


def test_in_place_write_in_several_steps(client, library_path):
    good = health(client)
    with open(library_path, "r+b") as handle:
        handle.truncate(0)
        handle.flush()
        os.fsync(handle.fileno())
        assert health(client)["status"] == "degraded"  # empty file
        chunk = len(NEWER) // 3
        for start in range(0, len(NEWER), chunk):
            handle.write(NEWER[start:start + chunk])
            handle.flush()
            os.fsync(handle.fileno())
            state = health(client)
            if start + chunk < len(NEWER):
                assert state["status"] == "degraded" and state["library_id"] == good["library_id"]
                assert client.get("/api/meetings").status_code == 200
    final = health(client)
    assert final["status"] == "ok" and final["library_id"] != good["library_id"]


def test_truncated_zip_is_reported(client, library_path):
    library_path.write_bytes(GOOD[: len(GOOD) // 2])
    state = health(client)
    assert state["status"] == "degraded" and state["errors"]
    assert client.get("/api/library/check").get_json()["problems"][0]["severity"] == "error"


def test_deleted_file_then_restored(client, library_path):
    good = health(client)
    library_path.unlink()
    state = health(client)
    assert state["status"] == "degraded" and "找不到段落库文件" in state["message"]
    assert state["library_id"] == good["library_id"]
    assert client.post("/api/speech", json={"meeting": "动员会", "variables": TEST_VALUES}).status_code == 200
    library_path.write_bytes(GOOD)
    assert health(client)["status"] == "ok"


def test_unreadable_file_is_reported(client, store, monkeypatch, library_path):
    import server.store

    def locked(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(server.store, "open", locked, raising=False)
    replace_atomically(library_path, NEWER)
    state = health(client)
    assert state["status"] == "degraded" and "锁定" in state["message"]
    monkeypatch.undo()
    store._last_attempt = 0  # the retry after RETRY_SECONDS, without waiting
    assert health(client)["status"] == "ok"


def test_excel_lock_file_is_reported_but_does_not_stop_reloads(client, library_path):
    lock = library_path.with_name("~$" + library_path.name)
    lock.write_bytes(b"\x05user")
    state = health(client)
    assert state["editing"]["locked"] is True and "正在被 Excel 编辑" in state["editing"]["message"]
    assert state["status"] == "ok"
    replace_atomically(library_path, NEWER)
    assert health(client)["sections"] == 12
    lock.unlink()
    assert health(client)["editing"]["locked"] is False


def test_same_size_same_mtime_change_is_found_while_degraded(client, store, library_path, monkeypatch):
    import server.store
    monkeypatch.setattr(server.store, "RETRY_SECONDS", 0.0)
    broken = bytearray(GOOD)
    broken[len(broken) // 2] ^= 0xFF
    library_path.write_bytes(bytes(broken))
    stat = library_path.stat()
    assert health(client)["status"] == "degraded"
    library_path.write_bytes(GOOD)  # same size; put the old time back, as a coarse clock would
    os.utime(library_path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert health(client)["status"] == "ok"


def test_broken_at_start_then_fixed(tmp_path):
    from server import create_app
    path = tmp_path / "l.xlsx"
    path.write_bytes(BROKEN)
    client = create_app({"TESTING": True, "LIBRARY": str(path)}).test_client()
    assert client.get("/api/health").status_code == 503
    assert client.get("/api/meetings").status_code == 503
    replace_atomically(path, GOOD)
    assert client.get("/api/health").get_json()["status"] == "ok"
    assert client.get("/api/meetings").status_code == 200


def test_a_request_sees_one_library_even_when_a_reload_happens_during_it(client, store, library_path, monkeypatch):
    import server.web.api
    old_id = store.library.id
    real = server.web.api.render_speech_docx

    def reload_meanwhile(speech, templates_dir=None):
        replace_atomically(library_path, NEWER)
        assert store.current().id != old_id  # the store moved on...
        return real(speech, templates_dir)
    monkeypatch.setattr(server.web.api, "render_speech_docx", reload_meanwhile)
    response = client.post("/api/speech.docx", json={"meeting": "动员会", "variables": TEST_VALUES})
    assert response.status_code == 200
    assert response.headers["X-Biaotai-Library"] == old_id  # ...this request did not
    assert health(client)["library_id"] != old_id


def test_editor_saves_while_requests_run(app, library_path):
    """Threads keep rendering while the workbook is saved broken, half-written, deleted and fixed."""
    replace_atomically(library_path, GOOD)
    app.extensions["biaotai_store"].current()  # start from GOOD
    stop = threading.Event()
    failures: list[str] = []
    counts = [0]
    seen_ids: set[str] = set()

    def worker(n: int) -> None:
        client = app.test_client()
        i = 0
        while not stop.is_set():
            i += 1
            values = {**TEST_VALUES, "单位名称": f"第{n}-{i}单位"}
            if i % 2:
                response = client.post("/api/sections/动员-要点1-1/render",
                                       json={"variables": values, "number": 1 + i % 9})
            else:
                response = client.post("/api/speech", json={"meeting": "动员会", "variables": values, "seed": i})
            if response.status_code != 200:
                failures.append(f"{response.status_code} {response.get_data(as_text=True)[:200]}")
            else:
                seen_ids.add(response.headers["X-Biaotai-Library"])
                body = response.get_json()
                mine = body["number"] == 1 + i % 9 if i % 2 else values["单位名称"] in body["title"]
                if not mine:
                    failures.append("answer for another request")
            counts[0] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    client = app.test_client()
    try:
        time.sleep(0.2)
        good_id = health(client)["library_id"]
        replace_atomically(library_path, BROKEN)
        time.sleep(0.2)
        state = health(client)
        assert state["status"] == "degraded" and state["since"] and state["library_id"] == good_id
        with open(library_path, "wb") as handle:  # written in place, in steps
            for start in range(0, len(NEWER), 4096):
                handle.write(NEWER[start:start + 4096])
                handle.flush()
                time.sleep(0.01)
        time.sleep(0.2)
        assert health(client)["status"] == "ok"
        library_path.unlink()
        time.sleep(0.2)
        assert health(client)["status"] == "degraded"
        replace_atomically(library_path, GOOD)
        time.sleep(0.2)
        final = health(client)
        assert final["status"] == "ok" and final["library_id"] == good_id
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == []
    assert counts[0] > 50
    assert len(seen_ids) == 2  # the good library and the newer one; never anything else


def test_store_reports_every_problem_like_the_core(tmp_path):
    from server.library import check_library
    from server.store import LibraryStore
    path = tmp_path / "l.xlsx"
    path.write_bytes(BROKEN)
    store = LibraryStore(path=path)
    store.refresh(force=True)
    assert store.status() == "unavailable"
    assert [p.to_dict() for p in check_library(path)] == store.check()["problems"]
    with pytest.raises(Exception):
        load_library_bytes(BROKEN)
