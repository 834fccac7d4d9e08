"""A real `biaotai serve` for the tests that need one (the service, the panes, the fault suites, the
installed package): started as a child process on a free loopback port, known by the address it
prints ("正在监听 https://127.0.0.1:PORT"), stopped at the end. Later `--port` arguments win, so a
test can restart a service on the port it had."""
from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


class Service:
    """One `biaotai serve` process; `url` is what it printed it listens on."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path, open_files: int | None = None,
                 command: list[str] | None = None, cwd: Path = ROOT, serve: bool = True):
        self.log = log
        self._log_handle = open(log, "w", encoding="utf-8")

        def limit_files() -> None:  # in the child: the service may hold at most `open_files` descriptors
            import resource
            resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))
        command = command or [sys.executable, "-m", "server.cli"]
        # serve=False: `command` is a whole server of its own (bench's baselines) that prints the same line.
        argv = [*command, "serve", "--port", "0", *args] if serve else [*command, *args]
        self.process = subprocess.Popen(argv,
                                        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=self._log_handle,
                                        text=True, encoding="utf-8", preexec_fn=limit_files if open_files else None)
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in self.process.stdout], daemon=True).start()
        deadline = time.monotonic() + 60
        self.url = None
        while self.url is None:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                self.stop()
                raise RuntimeError(f"服务没有启动：{self.log.read_text(encoding='utf-8')}") from None
            match = re.search(r"正在监听 (\S+)", line)
            if match:
                self.url = match.group(1).rstrip("/")
        self.port = int(self.url.rsplit(":", 1)[1])

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_handle.close()
        return self.process.returncode

    def workers(self) -> list[int]:
        """The worker processes granian started (children of the master; Linux /proc)."""
        return children(self.process.pid)

    def memory_mb(self) -> float:
        """Resident memory of the master and its workers together (VmRSS, MB)."""
        total = 0
        for pid in [self.process.pid, *self.workers()]:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
        return total / 1024

    def stderr(self) -> str:
        if not self._log_handle.closed:
            self._log_handle.flush()
        return self.log.read_text(encoding="utf-8")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found
