"""The library's history, in SQLite beside the workbook: every library the service accepted, what
changed in it, a copy of the workbook to restore, and how often each section is used.

Invariants:
- The workbook stays the single source of truth. History only records what the service accepted;
  a restore writes a former copy back through the workbook's own safe replace (see restore_version).
- A version is recorded when the accepted library differs from the newest recorded one. Several
  worker processes accepting the same save record it once: the check and the insert run in one
  write transaction (BEGIN IMMEDIATE).
- A database that is corrupt, locked or unwritable never stops the service: every public method
  catches sqlite3.Error, remembers it in `problem` (Chinese, for the library page) and returns an
  empty answer; the next call tries again.
- No personal data: usage is counted per section, event and day, nothing else.
- The schema is migrated by number (PRAGMA user_version): MIGRATIONS[i] takes version i to i + 1.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import logging
import sqlite3
import threading
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

log = logging.getLogger("biaotai.history")

HISTORY_EXTENSION = "biaotai_history"  # app.extensions key (editor.init_history)
HISTORY_SUFFIX = ".history.sqlite3"
DEFAULT_KEEP = 50  # workbook copies kept; the change log itself is kept for ever (it is small)
USAGE_EVENTS = ("inserted", "generated")
USAGE_FLUSH_SECONDS = 5.0
BUSY_TIMEOUT_SECONDS = 2.0

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE versions (
        id INTEGER PRIMARY KEY,
        library_id TEXT NOT NULL,
        accepted_at TEXT NOT NULL,
        source TEXT NOT NULL,
        sections INTEGER NOT NULL,
        added INTEGER NOT NULL,
        changed INTEGER NOT NULL,
        removed INTEGER NOT NULL,
        restored_from INTEGER
    );
    CREATE TABLE workbooks (
        version_id INTEGER PRIMARY KEY REFERENCES versions(id) ON DELETE CASCADE,
        data BLOB NOT NULL
    );
    CREATE TABLE section_texts (
        version_id INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
        section_id TEXT NOT NULL,
        content TEXT NOT NULL,
        PRIMARY KEY (version_id, section_id)
    );
    CREATE TABLE changes (
        version_id INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
        section_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('added', 'changed', 'removed')),
        diff TEXT NOT NULL,
        PRIMARY KEY (version_id, section_id)
    );
    CREATE TABLE usage (
        section_id TEXT NOT NULL,
        event TEXT NOT NULL CHECK (event IN ('inserted', 'generated')),
        day TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (section_id, event, day)
    );
    """,
)


def history_path(library_path: str | Path) -> Path:
    """The database beside the workbook: section_library.xlsx -> section_library.history.sqlite3."""
    path = Path(library_path)
    return path.with_name(path.stem + HISTORY_SUFFIX)


# How the 段落 sheet heads the columns a Section's fields come from (what editors read in a diff).
_COLUMN_LABELS = {"meetings": "会议类型", "slot": "部分", "unit_types": "适用单位类型", "roles": "适用发言人身份",
                  "modes": "适用巡察方式", "tags": "标签", "enabled": "启用", "source": "来源", "note": "备注"}


def section_content(section: Any) -> str:
    """A section as editors read it in a diff: heading, body, then its other filled columns on one line."""
    values = {f.name: getattr(section, f.name) for f in dataclasses.fields(section) if f.name != "row"}
    heading, body = values.pop("heading", ""), values.pop("body", "")
    values.pop("id", None)
    cells = []
    for name, value in values.items():
        text = "、".join(value) if isinstance(value, tuple) else ("是" if value else "否") if isinstance(value, bool) \
            else str(value)
        if text:
            cells.append(f"{_COLUMN_LABELS.get(name, name)}：{text}")
    return "\n".join([heading, body, "；".join(cells)]).strip("\n")


@dataclass(frozen=True)
class Version:
    id: int
    library_id: str
    accepted_at: str
    source: str
    sections: int
    added: int
    changed: int
    removed: int
    restored_from: int | None
    has_workbook: bool

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Change:
    section_id: str
    kind: str  # added | changed | removed
    diff: str

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class History:
    """One database file; safe to share between threads and processes (a connection per call)."""

    def __init__(self, path: str | Path, keep: int = DEFAULT_KEEP) -> None:
        self.path = Path(path)
        self.keep = max(1, int(keep))
        self.problem: str | None = None
        self._pending: dict[tuple[str, str, str], int] = {}
        self._pending_lock = threading.Lock()
        self._last_flush = time.monotonic()
        self._migrated = False

    # -- connection and schema ---------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        db.execute("PRAGMA foreign_keys = ON")
        if not self._migrated:
            self._migrate(db)
        return db

    def _migrate(self, db: sqlite3.Connection) -> None:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise sqlite3.DatabaseError(f"数据库结构版本 {version} 比本程序认识的 {len(MIGRATIONS)} 新")
            for number in range(version, len(MIGRATIONS)):
                for statement in filter(str.strip, MIGRATIONS[number].split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number + 1}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._migrated = True

    def _guard(self, action: str, default: Any, work) -> Any:
        try:
            with closing(self._connect()) as db:
                result = work(db)
            self.problem = None
            return result
        except (sqlite3.Error, OSError) as exc:
            self._migrated = False  # the file may have been replaced or deleted: check the schema again
            self.problem = f"历史记录数据库 {self.path.name} 无法{action}：{exc}。段落库照常使用；请检查该文件（可删除后由服务重建）。"
            log.warning(self.problem)
            return default

    # -- versions ----------------------------------------------------------------------------

    def record(self, library: Any, workbook: bytes, restored_from: int | None = None) -> Version | None:
        """Record `library` (accepted from `workbook`) unless it is the newest version already."""
        texts = {section_id: section_content(s) for section_id, s in library.sections.items()}

        def work(db: sqlite3.Connection) -> Version | None:
            db.execute("BEGIN IMMEDIATE")
            try:
                newest = db.execute("SELECT id, library_id FROM versions ORDER BY id DESC LIMIT 1").fetchone()
                if newest and newest[1] == library.id and restored_from is None:
                    db.execute("COMMIT")
                    return None
                before = dict(db.execute("SELECT section_id, content FROM section_texts WHERE version_id = ?",
                                         (newest[0],)).fetchall()) if newest else {}
                changes = _changes(before, texts) if newest else []
                counts = {kind: sum(c.kind == kind for c in changes) for kind in ("added", "changed", "removed")}
                cursor = db.execute(
                    "INSERT INTO versions (library_id, accepted_at, source, sections, added, changed, removed, "
                    "restored_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (library.id, _now(), Path(getattr(library, "source", "") or "").name, len(texts),
                     counts["added"], counts["changed"], counts["removed"], restored_from))
                version_id = cursor.lastrowid
                db.execute("INSERT INTO workbooks (version_id, data) VALUES (?, ?)", (version_id, workbook))
                db.executemany("INSERT INTO section_texts VALUES (?, ?, ?)",
                               [(version_id, k, v) for k, v in texts.items()])
                db.executemany("INSERT INTO changes VALUES (?, ?, ?, ?)",
                               [(version_id, c.section_id, c.kind, c.diff) for c in changes])
                self._prune(db)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            return self._version(db, version_id)

        return self._guard("记录新版本", None, work)

    def _prune(self, db: sqlite3.Connection) -> None:
        kept = [row[0] for row in db.execute("SELECT id FROM versions ORDER BY id DESC LIMIT ?", (self.keep,))]
        if kept:
            oldest = min(kept)
            db.execute("DELETE FROM workbooks WHERE version_id < ?", (oldest,))
            db.execute("DELETE FROM section_texts WHERE version_id < ?", (oldest,))

    def _version(self, db: sqlite3.Connection, version_id: int) -> Version | None:
        row = db.execute(
            "SELECT v.id, v.library_id, v.accepted_at, v.source, v.sections, v.added, v.changed, v.removed, "
            "v.restored_from, w.version_id IS NOT NULL FROM versions v LEFT JOIN workbooks w ON w.version_id = v.id "
            "WHERE v.id = ?", (version_id,)).fetchone()
        return Version(*row[:9], bool(row[9])) if row else None

    def version(self, version_id: int) -> Version | None:
        return self._guard("读取", None, lambda db: self._version(db, version_id))

    def versions(self, limit: int = 200) -> list[Version]:
        """Newest first."""
        def work(db):
            ids = [row[0] for row in db.execute("SELECT id FROM versions ORDER BY id DESC LIMIT ?", (limit,))]
            return [self._version(db, i) for i in ids]
        return self._guard("读取", [], work)

    def changes(self, version_id: int) -> list[Change]:
        def work(db):
            rows = db.execute("SELECT section_id, kind, diff FROM changes WHERE version_id = ? "
                              "ORDER BY kind, section_id", (version_id,)).fetchall()
            return [Change(*row) for row in rows]
        return self._guard("读取", [], work)

    def workbook(self, version_id: int) -> bytes | None:
        def work(db):
            row = db.execute("SELECT data FROM workbooks WHERE version_id = ?", (version_id,)).fetchone()
            return bytes(row[0]) if row else None
        return self._guard("读取", None, work)

    # -- usage -------------------------------------------------------------------------------

    def count_use(self, section_ids: Iterable[str], event: str) -> None:
        """Count one use of each section; written in batches (at most every few seconds)."""
        if event not in USAGE_EVENTS:
            raise ValueError(event)
        day = dt.date.today().isoformat()
        with self._pending_lock:
            for section_id in section_ids:
                key = (section_id, event, day)
                self._pending[key] = self._pending.get(key, 0) + 1
            due = time.monotonic() - self._last_flush >= USAGE_FLUSH_SECONDS
        if due:
            self.flush()

    def flush(self) -> None:
        with self._pending_lock:
            pending, self._pending = self._pending, {}
            self._last_flush = time.monotonic()
        if not pending:
            return

        def work(db):
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT INTO usage VALUES (?, ?, ?, ?) ON CONFLICT (section_id, event, day) "
                           "DO UPDATE SET count = count + excluded.count",
                           [(*key, n) for key, n in pending.items()])
            db.execute("COMMIT")
            return True

        if not self._guard("记录使用次数", False, work):
            with self._pending_lock:  # keep the counts for the next try
                for key, n in pending.items():
                    self._pending[key] = self._pending.get(key, 0) + n

    def usage(self, since: str | None = None) -> dict[str, dict[str, int]]:
        """{section_id: {"inserted": n, "generated": m}} since an ISO date (default: all time)."""
        self.flush()

        def work(db):
            result: dict[str, dict[str, int]] = {}
            for section_id, event, total in db.execute(
                    "SELECT section_id, event, SUM(count) FROM usage WHERE day >= ? GROUP BY section_id, event",
                    (since or "0000-00-00",)):
                result.setdefault(section_id, dict.fromkeys(USAGE_EVENTS, 0))[event] = total
            return result
        return self._guard("读取使用次数", {}, work)


def _changes(before: dict[str, str], after: dict[str, str]) -> list[Change]:
    result = []
    for section_id in sorted(before.keys() | after.keys()):
        old, new = before.get(section_id), after.get(section_id)
        if old == new:
            continue
        kind = "added" if old is None else "removed" if new is None else "changed"
        diff = "\n".join(difflib.unified_diff((old or "").splitlines(), (new or "").splitlines(),
                                              "之前", "之后", lineterm="", n=1))
        result.append(Change(section_id, kind, diff))
    return result


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
