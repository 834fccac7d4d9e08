"""What editors use beside their workbook: the library page's JSON (history, usage, restore) and the
import review's commit. Every route here needs the editor token when one is set (api.editor_only).

History is kept by server/history.py in SQLite beside the workbook; this module attaches it to the
app (`app.extensions["biaotai_history"]`) and turns it into HTTP. A library running from inside the
installed package (no working folder) keeps no history: that folder is not the office's.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Blueprint, Flask, current_app, jsonify, request

from .api import ApiError, editor_only, json_body
from ..config import is_packaged_library
from ..history import DEFAULT_KEEP, HISTORY_EXTENSION, History, history_path
from ..importer import ImportFailed, commit_rows
from ..importer.model import REVIEW_FIELDS
from ..library import load_library_bytes
from ..limits import MAX_LIST_ROWS, MAX_VERSION
from ..problems import LibraryError
from ..store import get_store
from ..workbook_write import WorkbookWriteError, replace_workbook

bp = Blueprint("editor", __name__)


def init_history(app: Flask) -> History | None:
    """The history beside the app's library (None for the packaged library)."""
    library = Path(app.config["LIBRARY"])
    history = None if is_packaged_library(library) else History(
        history_path(library), keep=int(app.config.get("HISTORY_KEEP") or DEFAULT_KEEP))
    app.extensions[HISTORY_EXTENSION] = history
    return history


def get_history(app: Flask) -> History | None:
    return app.extensions.get(HISTORY_EXTENSION)


def _version(version_id: int) -> int:
    if not 1 <= version_id <= MAX_VERSION:
        raise ApiError(404, "not_found", f"没有第 {version_id} 版", "version")
    return version_id


def _date_arg(name: str) -> str | None:
    """A query argument that must be a date written YYYY-MM-DD, or absent."""
    value = request.args.get(name) or None
    try:
        if value is not None and (len(value) != 10 or dt.date.fromisoformat(value).isoformat() != value):
            raise ValueError(value)
    except ValueError:
        raise ApiError(400, "invalid_input", f"{name} 应为日期，写作 年-月-日，如 2026-01-01", name) from None
    return value


def _history() -> History:
    history = get_history(current_app)
    if history is None:
        raise ApiError(409, "no_history", "随附的段落库不记录历史：请在工作目录中运行服务（biaotai init）")
    return history


@bp.get("/api/library/history")
@editor_only
def versions():
    history = _history()
    listed = history.versions()
    return jsonify({"versions": [v.to_json() for v in listed], "problem": history.problem,
                    "serving_library_id": get_store(current_app).library.id if get_store(current_app).library else None})


@bp.get("/api/library/history/<int:version_id>")
@editor_only
def version(version_id: int):
    history = _history()
    found = history.version(_version(version_id))
    if found is None:
        raise ApiError(404, "not_found", f"没有第 {version_id} 版", "version")
    return jsonify({"version": found.to_json(), "changes": [c.to_json() for c in history.changes(version_id)],
                    "problem": history.problem})


@bp.post("/api/library/history/<int:version_id>/restore")
@editor_only
def restore(version_id: int):
    """Write a former version back: it must still load; the current file is backed up first and
    replaced only if nobody saved since it was read (workbook_write)."""
    history = _history()
    store = get_store(current_app)
    data = history.workbook(_version(version_id))
    if data is None:
        raise ApiError(404, "not_found", f"第 {version_id} 版没有保存工作簿副本（可能已按保留份数删除），无法恢复",
                       "version")
    try:
        library = load_library_bytes(data, source=str(store.path))
    except LibraryError as exc:
        raise ApiError(409, "invalid_version", f"第 {version_id} 版在当前程序下有错误，不能恢复："
                       f"{exc.problems[0] if exc.problems else ''}", "version") from None
    try:
        current = store.path.read_bytes()
    except OSError:
        current = None
    try:
        backup = replace_workbook(store.path, lambda handle: handle.write(data), expected=current, purpose="恢复")
    except WorkbookWriteError as exc:
        raise ApiError(409, "not_written", str(exc), "version") from None
    recorded = history.record(library, data, restored_from=version_id)
    store.refresh(force=True)
    return jsonify({"restored": version_id, "version": recorded.to_json() if recorded else None,
                    "backup": backup.name if backup else "", "health": store.health()})


@bp.get("/api/library/usage")
@editor_only
def usage():
    history = _history()
    counts = history.usage(since=_date_arg("since"))
    library = get_store(current_app).library
    sections = []
    for section in (library.sections.values() if library else ()):
        used = counts.get(section.id, {"inserted": 0, "generated": 0})
        sections.append({"id": section.id, "slot": section.slot, "meetings": list(section.meetings),
                         "heading": section.heading, "enabled": section.enabled, **used})
    return jsonify({"sections": sections, "problem": history.problem})


@bp.post("/api/library/import/rows")
@editor_only
def import_rows():
    """The rows an editor ticked in the import review, appended as draft rows (启用=否)."""
    body = json_body({"rows"})
    rows = body.get("rows")
    if not isinstance(rows, list) or not rows:
        raise ApiError(400, "invalid_input", "请至少勾选一行（rows）", "rows")
    if len(rows) > MAX_LIST_ROWS:
        raise ApiError(400, "invalid_input", f"一次最多添加 {MAX_LIST_ROWS} 行", "rows")
    reviewed = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or any(not isinstance(row.get(k, ""), str) for k in REVIEW_FIELDS):
            raise ApiError(400, "invalid_input", f"第 {number} 行应包含文字字段 {'、'.join(REVIEW_FIELDS)}", "rows")
        reviewed.append({k: row.get(k, "") for k in REVIEW_FIELDS})
    store = get_store(current_app)
    try:
        summary = commit_rows(reviewed, store.path)
    except ImportFailed as exc:
        raise ApiError(400, "import_failed", str(exc), "rows") from None
    store.refresh(force=True)
    return jsonify({"added": [r.id for r in summary.rows], "duplicates": [d.existing for d in summary.duplicates],
                    "backup": Path(summary.backup).name if summary.backup else "", "notes": summary.notes})
