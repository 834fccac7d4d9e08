"""An exclusive lock between processes, held on a small lock file (fcntl on POSIX, msvcrt on Windows).

Invariants: the lock file is opened anew for every acquisition, so a lock is never shared by accident
with a forked child (flock locks belong to the open file, which fork would share); the lock is
released when the holder closes it or dies (the operating system drops it), so a killed process
never leaves a stale lock behind. The lock file itself is left in place and holds no data.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from types import TracebackType

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class LockTimeout(Exception):
    """Another process held the lock longer than the caller would wait."""


class FileLock:
    """`with FileLock(path, timeout=30):` — exclusive across processes and threads."""

    def __init__(self, path: str | os.PathLike, timeout: float | None = None, poll: float = 0.02) -> None:
        self.path, self.timeout, self.poll = Path(path), timeout, poll
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        while not _try_lock(fd):
            if deadline is not None and time.monotonic() >= deadline:
                os.close(fd)
                raise LockTimeout(str(self.path))
            time.sleep(self.poll)
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            _unlock(fd)
        finally:
            os.close(fd)

    def __enter__(self) -> "FileLock":
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.release()
