"""Rendered .docx fragments parked behind short-lived, unguessable URLs.

WPS inserts a file at the cursor with `Selection.InsertFile(url)`: WPS itself downloads the URL,
without the pane's headers, so the URL is the only credential. A fragment therefore lives under a
token from `secrets.token_urlsafe` (no values in the URL), expires after a few minutes, and the
store is bounded in size and count. The service may run several worker processes, so fragments
live in a folder on disk (one file per token, written atomically), never in a module global.
"""
from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")  # what token_urlsafe(24) gives
SUFFIX = ".docx"


def default_folder() -> Path:
    """A per-user folder under the system's temporary directory (several users may run services)."""
    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    return Path(tempfile.gettempdir()) / f"biaotai-fragments-{user}"


@dataclass(frozen=True)
class FragmentStore:
    folder: Path
    ttl: float = 300.0              # seconds a URL stays valid
    max_bytes: int = 5 * 1024 * 1024
    max_count: int = 200

    def put(self, data: bytes) -> str:
        """Keep `data` and return its token. Expired fragments go first; at the bound, the oldest."""
        if len(data) > self.max_bytes:
            raise ValueError(f"fragment of {len(data)} bytes exceeds {self.max_bytes}")
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.sweep()
        token = secrets.token_urlsafe(24)
        partial = self.folder / f".{token}.part"
        partial.write_bytes(data)
        os.replace(partial, self._path(token))
        return token

    def get(self, token: str) -> bytes | None:
        """The fragment's bytes while it is valid, else None (unknown, malformed or expired token)."""
        if not TOKEN.match(token):
            return None
        path = self._path(token)
        try:
            if time.time() - path.stat().st_mtime > self.ttl:
                path.unlink(missing_ok=True)
                return None
            return path.read_bytes()
        except OSError:
            return None

    def sweep(self) -> None:
        """Remove expired fragments, then the oldest while more than max_count - 1 remain."""
        now = time.time()
        alive = []
        for path in self.folder.glob("*" + SUFFIX):
            try:
                mtime = path.stat().st_mtime
                if now - mtime > self.ttl:
                    path.unlink(missing_ok=True)
                else:
                    alive.append((mtime, path))
            except OSError:
                continue  # another worker removed it first
        alive.sort()
        for _, path in alive[: max(0, len(alive) - self.max_count + 1)]:
            path.unlink(missing_ok=True)

    def _path(self, token: str) -> Path:
        return self.folder / (token + SUFFIX)
