"""bench/run in its quickest mode: every figure reaches RESULTS.md with its baseline and a ratio,
so the benchmark runner cannot break unnoticed. Starts real `biaotai serve` processes (slow)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

# The first cell of each figure's row in the results table, and whether it must carry a ratio.
FIGURES = [
    "整篇发言 .docx 端到端",
    "单个段落 .docx（render_part + section.docx",
    "500 段落库冷加载",
    "500 段落库改动一行后重新加载",
    "单个段落的服务器端时间",
    "负载 8 个客户端：段落渲染 p99",
    "负载 8 个客户端：吞吐",
    "负载 32 个客户端：段落渲染 p99",
    "负载 32 个客户端：吞吐",
    "负载 64 个客户端：段落渲染 p99",
    "负载 64 个客户端：吞吐",
    "服务内存：300 个请求后的 RSS",
    "服务内存峰值（VmHWM，300 个请求后）",
]


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="内存测试读取 Linux 的 /proc/<pid>/status")
def test_quick_run_reports_every_figure_with_a_ratio(tmp_path: Path) -> None:
    out = tmp_path / "results" / "RESULTS.md"
    env = dict(os.environ, PYTHON=sys.executable)
    result = subprocess.run(
        [str(ROOT / "bench" / "run"), "--quick", "--out", str(out), "--duration", "1", "--sections", "500",
         "--soak", "300", "--warmup", "50"],
        cwd=tmp_path, env=env, capture_output=True, text=True, encoding="utf-8", timeout=240)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    text = out.read_text(encoding="utf-8")

    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in text.splitlines() if line.startswith("| ")]
    results = [row for row in rows if len(row) == 6 and row[0] != "指标"]  # the results table, not its header
    for figure in FIGURES:
        matching = [row for row in results if row[0].startswith(figure)]
        assert len(matching) == 1, f"结果表中没有（或不止一行）「{figure}」：\n{text}"
        name, ours, baseline, ratio, target, verdict = matching[0]
        assert re.fullmatch(r"\d+\.\d\dx", ratio), f"「{figure}」没有比值：{matching[0]}"
        assert ours not in ("", "—") and baseline not in ("", "—") and verdict
    failed = [row for row in results if re.search(r"错误 [1-9]", " ".join(row))]
    assert failed == [], f"请求出错：负载测试发出的请求应全部成功（例如只为会议类型适用的单位类型请求）：{failed}"
    targets = {row[0]: row[5] for row in results if row[4] != "—"}
    assert len(targets) == 5  # full speech, one-row reload, 32 clients p99 and throughput (vs cheroot), memory
    assert all(verdict.startswith(("**达标**", "**未达标**")) for verdict in targets.values())

    for fact in ("uname -a", "CPU", "核数", "Python", "docxtpl", "python-calamine", "granian", "cheroot", "/proc/loadavg", "总用时"):
        assert fact in text, f"RESULTS.md 中缺少「{fact}」"
    assert "未能运行" not in text.split("## 未达标与未能运行", 1)[1].split("##", 1)[0]
