"""The library the service uses: one immutable snapshot, replaced whole when the workbook changes.

Every request asks `current()` once. That costs one `os.stat`; only when the file's (mtime, size)
moved are its bytes read (once) and hashed, and only when the hash differs from the library in use
is a new Library built from those same bytes. A workbook that fails (broken, half-written, locked,
gone) never replaces the last good one: the failure and the time since when are recorded for
`/api/health` and `/api/library/check`, and service goes on with what worked.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .library import Library, library_id, load_library_bytes
from .problems import LibraryError, Problem

log = logging.getLogger("biaotai.store")

EXTENSION_KEY = "biaotai_store"
# While the file on disk is broken, look at its bytes again at most this often even when
# (mtime, size) did not move: some file systems keep coarse timestamps, and a write that lands
# in the same tick with the same size would otherwise go unnoticed.
RETRY_SECONDS = 1.0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


@dataclass(frozen=True)
class DiskState:
    """What the last look at the file on disk found (replaced whole, never mutated)."""

    key: tuple[int, int] | None  # (mtime_ns, size); None: missing or unreadable
    file_id: str | None  # hash of the bytes read; None when they could not be read
    problems: tuple[Problem, ...]  # every problem of those bytes (errors and warnings)
    ok: bool  # the bytes make a library (the one serving, or one that replaced it)
    checked_at: dt.datetime = field(default_factory=_now)
    failing_since: dt.datetime | None = None  # first failure of the current run of failures


class LibraryStore:
    """Holds the current Library for an app (`app.extensions["biaotai_store"]`)."""

    def __init__(self, app=None, path: str | Path | None = None,
                 on_accept: Callable[[Library, bytes], Any] | None = None) -> None:
        self.path: Path | None = Path(path) if path else None
        self._on_accept = on_accept  # told of every library this store starts serving (history)
        self._library: Library | None = None
        self._disk = DiskState(None, None, (), False)
        self._lock = threading.Lock()
        self._last_attempt = 0.0
        self._derived: dict[tuple[str, str], Any] = {}
        if app is not None:
            self.init_app(app)

    def init_app(self, app) -> None:
        if self.path is None:
            self.path = Path(app.config["LIBRARY"])
        app.extensions[EXTENSION_KEY] = self
        self.refresh(force=True)
        if self._library is None:
            log.error("段落库不可用：%s", self.summary())
        else:
            log.info("已加载段落库 %s（%s，%d 个段落）", self.path, self._library.id, len(self._library.sections))

    # -----------------------------------------------------------------------------------------
    # The request path

    def current(self) -> Library | None:
        """The library to use for one request (take it once and keep it for the whole request)."""
        key = self._stat()
        disk = self._disk
        if key != disk.key or (not disk.ok and time.monotonic() - self._last_attempt >= RETRY_SECONDS):
            self.refresh()
        return self._library

    def refresh(self, force: bool = False) -> None:
        """Look at the file and load it when it changed. Only one thread reloads at a time;
        the others go on with the library in use instead of waiting."""
        if not self._lock.acquire(blocking=force):
            return
        try:
            self._reload(force)
        finally:
            self._lock.release()

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _reload(self, force: bool) -> None:
        self._last_attempt = time.monotonic()
        before = self._stat()
        disk = self._disk
        if before is not None and before == disk.key and disk.ok and not force:
            return  # another thread got here first
        data, problem = self._read()
        after = self._stat()
        # If the file moved while it was read, do not remember a key: look again next time.
        key = before if before == after else None
        if data is None:
            self._fail(key, None, (problem,))
            return
        file_id = library_id(data)
        library = self._library
        if library is not None and file_id == library.id:
            self._succeed(key, file_id, library.problems)
            return
        if not disk.ok and file_id == disk.file_id and not force:
            self._disk = DiskState(key, file_id, disk.problems, False, _now(), disk.failing_since)
            return  # the same broken bytes as last time
        try:
            library = load_library_bytes(data, source=str(self.path))
        except LibraryError as exc:
            self._fail(key, file_id, tuple(exc.problems))
            return
        except Exception as exc:  # a bug in the reader must not take the service down
            log.exception("读取段落库时出现意外错误")
            self._fail(key, file_id, (Problem(f"段落库无法读取（{type(exc).__name__}: {exc}），请用 Excel 打开检查后重新保存"),))
            return
        previous, self._library = self._library, library  # one assignment: old or new, never a mix
        self._derived.clear()
        self._succeed(key, file_id, library.problems)
        if self._on_accept is not None:
            try:
                self._on_accept(library, data)
            except Exception:  # recording must never cost the library that now serves
                log.exception("记录段落库历史时出现意外错误")
        if previous is not None:
            log.info("段落库已重新加载：%s → %s（%d 个段落）", previous.id, library.id, len(library.sections))

    def _read(self) -> tuple[bytes | None, Problem | None]:
        path = self.path
        try:
            with open(path, "rb") as handle:
                return handle.read(), None
        except FileNotFoundError:
            return None, Problem(f"找不到段落库文件 {path}：文件可能被移动、改名或删除，请放回原处")
        except PermissionError:
            return None, Problem(f"没有权限读取段落库文件 {path}：文件可能正被 Excel 或其他程序锁定，请关闭后重试")
        except IsADirectoryError:
            return None, Problem(f"段落库路径 {path} 是一个文件夹，应为 .xlsx 文件")
        except OSError as exc:
            return None, Problem(f"无法读取段落库文件 {path}（{exc.strerror or exc}）")

    def _succeed(self, key, file_id: str, problems) -> None:
        self._disk = DiskState(key, file_id, tuple(problems), True)

    def _fail(self, key, file_id: str | None, problems: tuple[Problem, ...]) -> None:
        previous = self._disk
        since = previous.failing_since if not previous.ok and previous.failing_since else _now()
        if previous.ok or previous.file_id != file_id or previous.problems != problems:
            first = next((p for p in problems if p.is_error), problems[0] if problems else None)
            log.warning("段落库有错误，继续使用上一版（%s）：%s",
                        self._library.id if self._library else "无", first)
        self._disk = DiskState(key, file_id, problems, False, _now(), since)

    # -----------------------------------------------------------------------------------------
    # What health and check report

    @property
    def library(self) -> Library | None:
        return self._library

    def status(self) -> str:
        if self._library is None:
            return "unavailable"
        return "ok" if self._disk.ok else "degraded"

    def summary(self) -> str:
        """One Chinese sentence on the state of the library."""
        disk, library = self._disk, self._library
        errors = [p for p in disk.problems if p.is_error]
        if disk.ok:
            return "段落库正常"
        first = str(errors[0]) if errors else "未知错误"
        more = f"（共 {len(errors)} 个错误）" if len(errors) > 1 else ""
        since = disk.failing_since.astimezone().strftime("%Y-%m-%d %H:%M:%S") if disk.failing_since else "?"
        if library is None:
            return f"段落库不可用，自 {since} 起：{first}{more}"
        return f"磁盘上的段落库自 {since} 起有错误，服务继续使用上一版（{library.id}）：{first}{more}"

    def lock_file(self) -> Path | None:
        """Excel's owner file (~$name.xlsx) beside the workbook: someone has it open for editing."""
        path = self.path
        candidates = {path.with_name("~$" + path.name)}
        if len(path.name) > 2:
            candidates.add(path.with_name("~$" + path.name[2:]))  # Word-style short owner names
        for candidate in sorted(candidates):
            if candidate.exists():
                return candidate
        return None

    def editing(self) -> dict[str, Any]:
        lock = self.lock_file()
        if lock is None:
            return {"locked": False, "lock_file": None, "since": None, "message": None}
        try:
            since = dt.datetime.fromtimestamp(lock.stat().st_mtime, dt.timezone.utc)
        except OSError:
            since = None
        return {"locked": True, "lock_file": lock.name, "since": _iso(since),
                "message": f"段落库正在被 Excel 编辑（{lock.name}）：保存后服务会自动使用新的内容"}

    def health(self) -> dict[str, Any]:
        library, disk = self._library, self._disk
        errors = [p for p in disk.problems if p.is_error]
        return {
            "status": self.status(),
            "message": self.summary(),
            "library_id": library.id if library else None,
            "sections": len(library.sections) if library else 0,
            "meetings": len(library.meetings) if library else 0,
            "loaded_at": _iso(library.loaded_at) if library else None,
            "path": str(self.path),
            "file_id": disk.file_id,
            "checked_at": _iso(disk.checked_at),
            "since": _iso(disk.failing_since) if not disk.ok else None,
            "errors": [p.to_dict() for p in errors],
            "editing": self.editing(),
        }

    def check(self) -> dict[str, Any]:
        """Every problem of the file on disk (as the core reports it) after a fresh look."""
        self.current()
        disk, library = self._disk, self._library
        errors = sum(p.is_error for p in disk.problems)
        return {
            "path": str(self.path),
            "ok": disk.ok,
            "file_id": disk.file_id,
            "serving_library_id": library.id if library else None,
            "errors": errors,
            "warnings": len(disk.problems) - errors,
            "problems": [p.to_dict() for p in disk.problems],
            "checked_at": _iso(disk.checked_at),
            "since": _iso(disk.failing_since) if not disk.ok else None,
            "message": self.summary(),
            "editing": self.editing(),
        }

    def derived(self, library: Library, name: str, build: Callable[[Library], Any]) -> Any:
        """A value computed once per library (e.g. the search index), dropped on reload."""
        key = (library.id, name)
        value = self._derived.get(key)
        if value is None:
            value = build(library)
            if library is self._library:
                self._derived[key] = value
        return value


def get_store(app) -> LibraryStore:
    return app.extensions[EXTENSION_KEY]
