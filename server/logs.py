"""The service's logs: one JSON object per line, to standard error or to a rotating file.

Invariants:
- Every process of `biaotai serve` (granian's master and each worker) configures logging from the
  same dictionary (`logging_config`), so they all write the same format to the same place.
- With --log-file, every process appends to the one file itself. `SharedRotatingFileHandler` opens,
  writes and closes the file for each record while holding a lock file (`<log>.lock`), and checks
  the size under that lock before writing: so two processes never rotate at once, never write into
  a file another one has renamed away, and no process keeps the file open (Windows can rename it).
- The same server error repeated (the Rust side logs e.g. every failed accept) is written at most
  once per LOG_REPEAT_SECONDS with the number of repeats left out (`RepeatFilter`).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
import os
import sys
import time
from pathlib import Path
from typing import Any

from .filelock import FileLock
from .limits import LOG_FILE_BACKUPS, LOG_FILE_BYTES, LOG_REPEAT_SECONDS

# Loggers of granian itself: '_granian' (its Python side and the Rust side), 'granian.access'.
SERVER_LOGGER = "_granian"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RepeatFilter(logging.Filter):
    """Pass a server warning or error once per interval per message; count what was held back."""

    def __init__(self, interval: float = LOG_REPEAT_SECONDS) -> None:
        super().__init__()
        self.interval = interval
        self._last: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or not record.name.startswith(SERVER_LOGGER):
            return True
        key = (record.name, str(record.msg)[:60])  # the Rust side puts the OS error after a fixed text
        now = time.monotonic()
        last, held = self._last.get(key, (float("-inf"), 0))
        if now - last < self.interval:
            self._last[key] = (last, held + 1)
            return False
        if len(self._last) > 1000:
            self._last.clear()
        self._last[key] = (now, 0)
        if held:
            record.fields = {**(getattr(record, "fields", None) or {}), "repeated": held}
        return True


class SharedRotatingFileHandler(logging.Handler):
    """Size-rotated log file shared by several processes (see the module's invariants)."""

    def __init__(self, filename: str, max_bytes: int = LOG_FILE_BYTES, backups: int = LOG_FILE_BACKUPS) -> None:
        super().__init__()
        self.path = Path(filename)
        self.max_bytes, self.backups = max_bytes, backups
        self._lock_path = self.path.with_name(self.path.name + ".lock")

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = (self.format(record) + "\n").encode("utf-8")
            with FileLock(self._lock_path, timeout=10):
                try:
                    size = self.path.stat().st_size
                except FileNotFoundError:
                    size = 0
                if self.max_bytes and size and size + len(line) > self.max_bytes:
                    self._rotate()
                with open(self.path, "ab") as handle:
                    handle.write(line)
        except Exception:  # noqa: BLE001 - logging must never take a request down
            self.handleError(record)

    def _rotate(self) -> None:
        """server.log -> server.log.1 -> … -> server.log.N (the oldest is dropped)."""
        for index in range(self.backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{index}")
            if older.exists():
                os.replace(older, self.path.with_name(f"{self.path.name}.{index + 1}"))
        if self.backups:
            os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
        else:
            self.path.unlink(missing_ok=True)


def logging_config(level: int = logging.INFO, log_file: str | None = None, access: bool = True) -> dict[str, Any]:
    """The dictConfig every process of the service applies (granian passes it to its workers)."""
    if log_file:
        handler: dict[str, Any] = {"()": "server.logs.SharedRotatingFileHandler", "filename": str(log_file)}
    else:
        handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}
    handler.update(formatter="json", filters=["repeat"])
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "server.logs.JsonFormatter"}},
        "filters": {"repeat": {"()": "server.logs.RepeatFilter"}},
        "handlers": {"main": handler},
        "loggers": {
            SERVER_LOGGER: {"level": logging.INFO, "handlers": ["main"], "propagate": False},
            "granian.access": {"level": logging.CRITICAL + 1, "handlers": [], "propagate": False},  # ours is richer
            "biaotai.access": {"level": logging.INFO if access else logging.WARNING},
        },
        "root": {"level": level, "handlers": ["main"]},
    }


def configure_logging(level: int = logging.INFO, log_file: str | None = None, access: bool = True) -> None:
    """This process's logging: JSON lines to standard error, or to `log_file`."""
    import logging.config
    logging.config.dictConfig(logging_config(level, log_file, access))


def warn_console(message: str) -> None:
    """A line for the person who started the service (standard error), whatever the log destination."""
    print(message, file=sys.stderr, flush=True)
