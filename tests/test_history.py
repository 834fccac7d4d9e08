"""server/history.py: the versions the service accepted, what changed, workbook copies, usage counts,
and a database that is corrupt or locked never costing the library."""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from server.history import MIGRATIONS, History, history_path
from server.library import load_library
from workbook_factory import make_workbook


def section_row(content, section_id: str) -> list:
    return next(row for row in content["段落"] if row[0] == section_id)


def edit_one_add_one_remove_one(content) -> None:
    section_row(content, "动员-要点2-2")[4] = "对{{ 巡察组 }}指出的问题，{{ 自称 }}立行立改、举一反三。"
    content["段落"].append(["动员-要点2-3", "动员会", "要点2", "新增的要点", "{{ 全体 }}要主动配合。", "", "", "是", "", ""])
    content["段落"].remove(section_row(content, "动员-开场-2"))


def library_from(path: Path, edit=None):
    make_workbook(path, edit)
    return load_library(path), path.read_bytes()


@pytest.fixture
def history(tmp_path) -> History:
    return History(history_path(tmp_path / "section_library.xlsx"))


def test_database_sits_beside_the_workbook(tmp_path):
    assert history_path(tmp_path / "section_library.xlsx") == tmp_path / "section_library.history.sqlite3"


def test_first_version_then_what_changed(tmp_path, history):
    first, first_bytes = library_from(tmp_path / "a.xlsx")
    second, second_bytes = library_from(tmp_path / "b.xlsx", edit_one_add_one_remove_one)
    v1 = history.record(first, first_bytes)
    v2 = history.record(second, second_bytes)
    assert (v1.sections, v1.added, v1.changed, v1.removed) == (len(first.sections), 0, 0, 0)
    assert (v2.added, v2.changed, v2.removed) == (1, 1, 1)
    changes = {c.section_id: c for c in history.changes(v2.id)}
    assert {k: c.kind for k, c in changes.items()} == {"动员-要点2-3": "added", "动员-要点2-2": "changed",
                                                      "动员-开场-2": "removed"}
    diff = changes["动员-要点2-2"].diff
    assert "-对{{ 巡察组 }}指出的问题，{{ 自称 }}立行立改。" in diff
    assert "+对{{ 巡察组 }}指出的问题，{{ 自称 }}立行立改、举一反三。" in diff
    assert [v.id for v in history.versions()] == [v2.id, v1.id]
    assert history.workbook(v1.id) == first_bytes and history.workbook(v2.id) == second_bytes


def test_the_same_library_is_recorded_once_by_every_worker(tmp_path):
    library, data = library_from(tmp_path / "a.xlsx")
    workers = [History(history_path(tmp_path / "section_library.xlsx")) for _ in range(6)]
    results: list = []
    threads = [threading.Thread(target=lambda h=h: results.append(h.record(library, data))) for h in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r is not None for r in results) == 1
    assert len(workers[0].versions()) == 1


def test_a_restore_is_a_new_version_even_with_known_content(tmp_path, history):
    first, first_bytes = library_from(tmp_path / "a.xlsx")
    second, second_bytes = library_from(tmp_path / "b.xlsx", edit_one_add_one_remove_one)
    v1 = history.record(first, first_bytes)
    history.record(second, second_bytes)
    v3 = history.record(first, first_bytes, restored_from=v1.id)
    assert v3 is not None and v3.restored_from == v1.id and (v3.added, v3.changed, v3.removed) == (1, 1, 1)


def test_retention_keeps_the_newest_workbook_copies(tmp_path):
    history = History(tmp_path / "h.sqlite3", keep=2)
    versions = []
    for n in range(4):
        library, data = library_from(tmp_path / f"{n}.xlsx",
                                     lambda c, n=n: section_row(c, "称呼-1").__setitem__(4, f"各位领导，同志们{n}："))
        versions.append(history.record(library, data))
    listed = history.versions()
    assert [v.id for v in listed] == [v.id for v in reversed(versions)]  # the change log stays
    assert [v.has_workbook for v in listed] == [True, True, False, False]
    assert history.workbook(versions[0].id) is None
    assert history.changes(versions[3].id)[0].section_id == "称呼-1"  # still diffed against the newest kept


def test_usage_counts_survive_a_restart(tmp_path, history):
    history.count_use(["动员-开场-1", "动员-要点1-1"], "generated")
    history.count_use(["动员-要点1-1"], "inserted")
    history.flush()
    again = History(history.path)
    assert again.usage() == {"动员-开场-1": {"inserted": 0, "generated": 1},
                             "动员-要点1-1": {"inserted": 1, "generated": 1}}
    with pytest.raises(ValueError):
        history.count_use(["x"], "viewed")


def test_schema_version_is_recorded(history, tmp_path):
    library, data = library_from(tmp_path / "a.xlsx")
    history.record(library, data)
    with sqlite3.connect(history.path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_corrupt_database_is_reported_and_costs_nothing(tmp_path):
    path = tmp_path / "section_library.history.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    history = History(path)
    library, data = library_from(tmp_path / "a.xlsx")
    assert history.record(library, data) is None
    assert history.versions() == [] and history.usage() == {}
    assert "历史记录数据库" in history.problem and "段落库照常使用" in history.problem
    path.unlink()  # an operator deletes it: the next call starts afresh
    assert history.record(library, data) is not None and history.problem is None


def test_a_locked_database_is_reported_then_recovers(tmp_path, history, monkeypatch):
    monkeypatch.setattr("server.history.BUSY_TIMEOUT_SECONDS", 0.1)
    library, data = library_from(tmp_path / "a.xlsx")
    history.versions()  # creates the schema
    holder = sqlite3.connect(history.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert history.record(library, data) is None
        assert "locked" in history.problem
        history.count_use(["称呼-1"], "generated")
        history.flush()  # fails now, keeps the count
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert history.record(library, data) is not None and history.problem is None
    assert history.usage() == {"称呼-1": {"inserted": 0, "generated": 1}}


def test_a_database_deleted_while_serving_is_made_again(tmp_path, history):
    library, data = library_from(tmp_path / "a.xlsx")
    history.record(library, data)
    history.path.unlink()
    assert history.versions() == [] and history.problem  # the schema is gone with the file
    assert history.record(library, data) is not None and len(history.versions()) == 1


def test_a_database_from_a_newer_program_is_reported(tmp_path):
    path = tmp_path / "h.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    history = History(path)
    assert history.versions() == [] and "比本程序认识的" in history.problem
