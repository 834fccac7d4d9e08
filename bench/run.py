"""Every benchmark of bench/ in one command: `bench/run [--quick] [--out PATH]` writes bench/RESULTS.md.

1. bench_core.py, in this process: a full speech .docx and one section .docx against bare docxtpl;
   a 5,000-section library's cold load and one-row reload against a bare python-calamine read.
2. load_test.py: `biaotai serve` over HTTPS on loopback at 8, 32 and 64 concurrent clients, then the
   same levels against the naive baseline (the same service with a bare docxtpl call per .docx), and
   one section render's server time (access log) against a bare docxtpl render of section.docx.
3. A memory soak: a fresh `biaotai serve`, its VmRSS after start, after a warm-up and while
   10,000 mixed requests (section renders, speeches as JSON and as .docx, all with different values)
   go through; growth from warm-up to the end must stay under --memory-threshold percent.

Every figure is measured against its baseline in the same run. The machine (uname, CPU, cores,
Python, package versions) and the load average at start and end go into the report: the machine
has 2 cores and other work may share them. Exit status 1 when a benchmark could not run
(targets missed are reported, not failures).
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import math
import multiprocessing
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import bench_core  # noqa: E402
import load_test  # noqa: E402

PROFILES = {
    # about 3 minutes on the 2-core machine (2:42 with other tests running beside it)
    "full": dict(repeat=25, sections=5000, duration=15.0, levels="8,32,64", sequential=300, baseline_runs=60,
                 soak=10000, warmup=1000, soak_clients=16),
    # a smoke run (tests/test_bench.py): every figure, tiny samples, well under a minute
    "quick": dict(repeat=3, sections=500, duration=1.5, levels="8,32,64", sequential=30, baseline_runs=15,
                  soak=300, warmup=60, soak_clients=8),
}
TARGET_LEVEL = 32  # issue 11: at 32 clients, against cheroot in the same run
THROUGHPUT_TARGET = 2.0  # ours / cheroot, all requests per second
P99_RATIO_TARGET = 0.6  # ours / cheroot, section render p99
PACKAGES = ("docxtpl", "python-calamine", "granian", "cheroot", "Flask", "Jinja2", "lxml", "python-docx", "cryptography")


# ---------------------------------------------------------------------------------------------
# The machine


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Hardware", "cpu model") and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or "?"


def machine() -> dict:
    try:
        uname = subprocess.run(["uname", "-a"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        uname = " ".join(platform.uname())
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "未安装"
    return {"uname": uname, "cpu": cpu_model(), "cores": os.cpu_count(), "usable_cores": usable,
            "python": f"{platform.python_implementation()} {platform.python_version()}", "packages": versions}


# ---------------------------------------------------------------------------------------------
# The memory soak


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in KiB (Linux /proc)."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def soak_client(port: int, cafile: str, threads: int, counts: list[int], seed: int, done, results) -> None:
    """One client process: `threads` keep-alive connections, thread i sending counts[i] requests."""
    import threading
    plan = load_test.Plan(port, cafile)
    tally: Counter = Counter()
    lock = threading.Lock()

    def worker(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        connection = load_test.LeanConnection(port, cafile)
        mine: Counter = Counter()
        for n in range(counts[index]):
            # n is unique over the whole soak: every request carries values never seen before
            kind, _, status = load_test.timed_request(plan, connection, rng, seed * 1_000_000 + index * 10_000 + n)
            mine[kind] += 1
            if status != 200:
                mine["errors"] += 1
            with done.get_lock():
                done.value += 1
        connection.close()
        with lock:
            tally.update(mine)

    load_test.run_threads(threads, worker)
    results.put(dict(tally))


def soak_batch(pid: int, port: int, cafile: str, total: int, clients: int, seed: int, processes: int = 2) -> dict:
    """Send `total` mixed requests over `clients` connections; sample the server's RSS meanwhile."""
    processes = max(1, min(processes, clients))
    per_client = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]
    shares = [per_client[i::processes] for i in range(processes)]
    done = multiprocessing.Value("i", 0)
    results: multiprocessing.Queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=soak_client,
                                       args=(port, cafile, len(share), share, seed * 10 + i, done, results))
               for i, share in enumerate(shares)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    samples = [(0, service_kib(pid))]
    tally: Counter = Counter()
    received = 0
    deadline = time.monotonic() + 60 + total / 5  # even a very slow service: 5 requests a second
    while received < len(workers):
        try:
            tally.update(results.get(timeout=0.25))
            received += 1
        except Exception:  # noqa: BLE001 - queue.Empty: time to sample
            pass
        samples.append((done.value, service_kib(pid)))
        if time.monotonic() > deadline:
            for worker in workers:
                worker.kill()
            raise RuntimeError(f"内存测试超时：{done.value}/{total} 个请求完成")
    seconds = time.perf_counter() - began
    for worker in workers:
        worker.join()
    return {"requests": done.value, "seconds": seconds, "kinds": {k: v for k, v in tally.items() if k != "errors"},
            "errors": tally.get("errors", 0), "samples": samples}


def worker_pids(master: int) -> list[int]:
    """granian's worker processes: the children of the master (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == master:
                    found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return sorted(found)


def service_kib(master: int) -> int:
    """VmRSS of every worker together (the master serves no request)."""
    return sum(memory_kib(pid)["VmRSS"] for pid in worker_pids(master))


def settled_memory(master: int, wait: float = 1.0) -> dict[int, dict[str, int]]:
    """Each worker's VmRSS and VmHWM, after `wait` seconds of quiet."""
    time.sleep(wait)
    return {pid: memory_kib(pid) for pid in worker_pids(master)}


def memory_soak(requests: int, warmup: int, clients: int, threshold: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="biaotai-soak-") as tmp_name:
        tmp = Path(tmp_name)
        certs = tmp / "certs"
        load_test.make_certs(certs)
        library = load_test.default_library(tmp)
        process, port = load_test.start_service(library, certs, tmp / "serve.log")
        cafile = str(certs / "ca.pem")
        try:
            start = settled_memory(process.pid, 2.0)
            warm = soak_batch(process.pid, port, cafile, warmup, clients, seed=1)
            after_warmup = settled_memory(process.pid)
            soak = soak_batch(process.pid, port, cafile, requests, clients, seed=2)
            end = settled_memory(process.pid)
            # Memory is judged per worker: the one that grew most (relative to its warm-up) is reported.
            common = [w for w in end if w in after_warmup and w in start]
            worst = max(common, key=lambda w: (end[w]["VmRSS"] - after_warmup[w]["VmRSS"]) / after_warmup[w]["VmRSS"])
            start, after_warmup, end = start[worst], after_warmup[worst], end[worst]
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    checkpoints = {}
    for fraction in (0.25, 0.5, 0.75):
        want = fraction * soak["requests"]
        checkpoints[fraction] = min(soak["samples"], key=lambda s: abs(s[0] - want))[1]
    checkpoints[1.0] = soak["samples"][-1][1]  # checkpoints: all workers together
    growth = end["VmRSS"] - after_warmup["VmRSS"]
    limit = after_warmup["VmRSS"] * threshold / 100
    result = {"requests": soak["requests"], "warmup": warm["requests"], "clients": clients,
              "seconds": soak["seconds"], "kinds": soak["kinds"], "errors": soak["errors"] + warm["errors"],
              "start": start, "after_warmup": after_warmup, "end": end, "checkpoints": checkpoints,
              "growth_kib": growth, "limit_kib": limit, "threshold_pct": threshold,
              "second_half_kib": checkpoints[1.0] - checkpoints[0.5], "met": growth < limit and soak["errors"] == 0}
    print(f"内存：启动后 {mib(start['VmRSS'])}，预热 {warm['requests']} 个请求后 {mib(after_warmup['VmRSS'])}，"
          f"{soak['requests']} 个请求后 {mib(end['VmRSS'])}（峰值 {mib(end['VmHWM'])}），"
          f"增长 {mib(growth)}（上限 {mib(limit)}），错误 {result['errors']} 个", flush=True)
    return result


# ---------------------------------------------------------------------------------------------
# The report


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f} MB"


def fmt_ms(value: float) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.2f} ms"


def fmt_ratio(value: float) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.2f}x"


def ratio_verdict(ratio: float, target: float | None) -> str:
    if target is None:
        return "报告比值（无目标）"
    if ratio <= target:
        return f"**达标**（余量 {(1 - ratio / target) * 100:.0f} %）"
    return f"**未达标**：超出目标 {(ratio / target - 1) * 100:.0f} %（{ratio:.2f}x 对 ≤ {target}x）"


class Report:
    def __init__(self) -> None:
        self.rows: list[list[str]] = []
        self.missed: list[str] = []
        self.failed: list[str] = []

    def row(self, *cells: str) -> None:
        self.rows.append(list(cells))


def core_rows(report: Report, results: list[dict]) -> None:
    names = {
        "speech": ("整篇发言 .docx 端到端（组稿+渲染+保存，进程内）", "裸 docxtpl：载入+渲染+保存 speech.docx，同一上下文"),
        "section": ("单个段落 .docx（render_part + section.docx，进程内）", "裸 docxtpl：载入+渲染+保存 section.docx，同一段"),
        "library_cold": ("{n} 段落库冷加载", "裸 python-calamine 读取同一文件的全部工作表"),
        "library_reload": ("{n} 段落库改动一行后重新加载", "裸 python-calamine 读取改动后的文件"),
    }
    for result in results:
        label, baseline = names[result["key"]]
        label = label.format(n=result.get("sections", ""))
        target = result["target"]
        verdict = ratio_verdict(result["ratio"], target)
        if target is not None and result["ratio"] > target:
            report.missed.append(f"{label}：{verdict}")
        report.row(label, fmt_ms(result["ours_ms"]), f"{fmt_ms(result['baseline_ms'])}（{baseline}）",
                   fmt_ratio(result["ratio"]), "—" if target is None else f"≤ {target}x", verdict)


def load_rows(report: Report, ours: dict, base_run: dict | None) -> None:
    """Each level against the cheroot baseline of the same run; at TARGET_LEVEL, issue 11's targets:
    throughput ≥ THROUGHPUT_TARGET x, section render p99 ≤ P99_RATIO_TARGET x, zero errors."""
    report.row("单个段落的服务器端时间（访问日志中位数，1 个客户端依次 "
               f"{ours['sequential']} 次）", fmt_ms(ours["render_server_ms"]),
               f"{fmt_ms(ours['bare_docxtpl_ms'])}（裸 docxtpl 渲染同一段的 section.docx）",
               fmt_ratio(ours["render_ratio"]), "—", ratio_verdict(ours["render_ratio"], None))
    for level, data in ours["levels"].items():
        rows = data["rows"]
        base = base_run["levels"].get(level) if base_run else None
        render, everything = rows["render"], rows["all"]
        p99_base = f"{base['rows']['render']['p99']:.1f} ms，错误 {base['rows']['all']['errors']}（cheroot）" if base else "—"
        p99_ratio = render["p99"] / base["rows"]["render"]["p99"] if base else float("nan")
        rps_ratio = everything["rps"] / base["rows"]["all"]["rps"] if base else float("nan")
        rps_base = f"{base['rows']['all']['rps']:.1f} 个/秒（cheroot）" if base else "—"
        if level == TARGET_LEVEL:
            p99_target, rps_target = f"≤ {P99_RATIO_TARGET}x，零错误", f"≥ {THROUGHPUT_TARGET}x"
            p99_met = p99_ratio <= P99_RATIO_TARGET and everything["errors"] == 0
            rps_met = rps_ratio >= THROUGHPUT_TARGET and everything["errors"] == 0
            p99_verdict = "**达标**" if p99_met else f"**未达标**（{fmt_ratio(p99_ratio)}，错误 {everything['errors']} 个）"
            rps_verdict = "**达标**" if rps_met else f"**未达标**（{fmt_ratio(rps_ratio)}，错误 {everything['errors']} 个）"
            if not p99_met:
                report.missed.append(f"{level} 个客户端段落渲染 p99 对 cheroot：{p99_verdict}")
            if not rps_met:
                report.missed.append(f"{level} 个客户端吞吐对 cheroot：{rps_verdict}")
        else:
            p99_target = rps_target = "—"
            p99_verdict = rps_verdict = f"报告（错误 {everything['errors']} 个）"
        report.row(f"负载 {level} 个客户端：段落渲染 p99", f"{render['p99']:.1f} ms，错误 {everything['errors']}",
                   p99_base, fmt_ratio(p99_ratio), p99_target, p99_verdict)
        report.row(f"负载 {level} 个客户端：吞吐（全部请求，越高越好）", f"{everything['rps']:.1f} 个/秒", rps_base,
                   fmt_ratio(rps_ratio), rps_target, rps_verdict)


def memory_rows(report: Report, memory: dict) -> None:
    warm, end, start = memory["after_warmup"]["VmRSS"], memory["end"]["VmRSS"], memory["start"]["VmRSS"]
    growth = memory["growth_kib"]
    if memory["met"]:
        verdict = f"**达标**：增长 {mib(growth)}（{growth / warm * 100:+.1f} %），上限 {mib(memory['limit_kib'])}"
    else:
        verdict = (f"**未达标**：增长 {mib(growth)}（{growth / warm * 100:+.1f} %），超出上限 "
                   f"{mib(growth - memory['limit_kib'])}；错误 {memory['errors']} 个")
        report.missed.append(f"服务内存：{verdict}")
    report.row(f"服务内存：{memory['requests']:,} 个请求后的 RSS", mib(end), f"{mib(warm)}（预热后的 RSS）",
               fmt_ratio(end / warm), f"增长 < {memory['threshold_pct']:g} %（噪声以内），零错误", verdict)
    report.row(f"服务内存峰值（VmHWM，{memory['requests']:,} 个请求后）", mib(memory["end"]["VmHWM"]),
               f"{mib(start)}（启动后的 RSS）", fmt_ratio(memory["end"]["VmHWM"] / start), "—",
               f"报告（预热后峰值 {mib(memory['after_warmup']['VmHWM'])}）")


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return lines


def load_detail(title: str, data: dict) -> list[str]:
    lines = [f"**{title}**：{data['service']}；段落库 {data['sections']} 个段落、{data['meetings']} 个会议类型；"
             f"每级 {data['duration']:g} 秒，{data['processes']} 个客户端进程", ""]
    rows = []
    for level, entry in data["levels"].items():
        cpu = entry["server_cpu_s"]
        for kind in ("all",) + load_test.KINDS:
            row = entry["rows"][kind]
            rows.append([str(level), kind, str(row["count"]), f"{row['rps']:.1f}", f"{row['p50']:.1f}",
                         f"{row['p99']:.1f}", f"{row['max']:.1f}", str(row["errors"]),
                         f"{cpu / data['duration'] * 100:.0f} %" if cpu is not None and kind == "all" else ""])
    lines += table(["客户端", "种类", "请求数", "每秒", "p50 ms", "p99 ms", "最大 ms", "错误", "服务进程 CPU"], rows)
    return lines + [""]


def write_markdown(path: Path, info: dict, sections: dict, report: Report, profile: str) -> None:
    lines = ["# 性能测试结果", "",
             f"由 `bench/run{' --quick' if profile == 'quick' else ''}` 生成（{info['date']}，总用时 "
             f"{info['seconds']:.0f} 秒）。每个数字都与同一次运行中测得的基线对比；比值 = 我们 / 基线"
             "（吞吐一行越高越好，其余越低越好）。", "",
             "## 机器", ""]
    m = info["machine"]
    lines += table(["项目", "值"], [
        ["系统（uname -a）", f"`{m['uname']}`"],
        ["CPU", m["cpu"]],
        ["核数", f"{m['cores']}（本进程可用 {m['usable_cores']}）"],
        ["Python", m["python"]],
        ["包版本", "，".join(f"{k} {v}" for k, v in m["packages"].items())],
        ["负载（/proc/loadavg 1/5/15 分钟）", f"开始 {info['load_start']}，结束 {info['load_end']}"
                                             "（其他任务可能同时使用这两个核）"],
        ["参数", info["settings"]],
    ])
    lines += ["", "## 结果", ""]
    lines += table(["指标", "我们", "基线（同一次运行）", "比值", "目标", "结果"], report.rows)
    lines += ["", "## 未达标与未能运行", ""]
    if not report.missed and not report.failed:
        lines += ["全部目标达标，全部测试都已运行。"]
    for item in report.missed:
        lines.append(f"- {item}")
    for item in report.failed:
        lines.append(f"- 未能运行：{item}")
    lines += [""]
    if "load" in sections:
        lines += ["## 负载测试明细", "",
                  "客户端：每个客户端一个保持连接的 HTTPS 连接，请求 70 % 段落渲染（`/api/sections/<id>/render`）、"
                  "15 % 整篇发言 JSON、15 % 整篇发言 .docx，每个请求的单位名称、单位类型、组长、编号样式、序号、"
                  "随机种子都不同。客户端与服务共用这两个核。朴素服务（基线）是同一个服务，只是每个 .docx 都用裸 "
                  "docxtpl 载入、渲染、保存模板。", ""]
        lines += load_detail("我们的服务", sections["load"])
        if sections.get("naive"):
            lines += load_detail("基线：cheroot", sections["naive"])
    if "memory" in sections:
        memory = sections["memory"]
        c = memory["checkpoints"]
        kinds = "，".join(f"{k} {v}" for k, v in sorted(memory["kinds"].items()))
        lines += ["## 内存测试明细", "",
                  f"新启动的 `biaotai serve`（HTTPS），{memory['clients']} 个并发客户端先发 {memory['warmup']:,} 个"
                  f"请求预热，再发 {memory['requests']:,} 个请求（{kinds}；用时 {memory['seconds']:.1f} 秒，"
                  f"错误 {memory['errors']} 个）。RSS 读自 /proc/<pid>/status 的 VmRSS，峰值为 VmHWM；"
                  "启动后、预热后、结束后各等 1 秒再读。", "",
                  f"判定“无超出噪声的增长”：结束时的 RSS 比预热后多不到预热后 RSS 的 {memory['threshold_pct']:g} %"
                  f"（本次上限 {mib(memory['limit_kib'])}）。后半程（第 {memory['requests'] // 2:,} 到第 "
                  f"{memory['requests']:,} 个请求）增长 {mib(memory['second_half_kib'])}：持续泄漏会在后半程继续增长。", ""]
        lines += table(["时刻", "VmRSS", "VmHWM（峰值）"], [
            ["启动后", mib(memory["start"]["VmRSS"]), mib(memory["start"]["VmHWM"])],
            [f"预热 {memory['warmup']:,} 个请求后", mib(memory["after_warmup"]["VmRSS"]),
             mib(memory["after_warmup"]["VmHWM"])],
            [f"{memory['requests'] // 4:,} 个请求时", mib(c[0.25]), ""],
            [f"{memory['requests'] // 2:,} 个请求时", mib(c[0.5]), ""],
            [f"{memory['requests'] * 3 // 4:,} 个请求时", mib(c[0.75]), ""],
            [f"{memory['requests']:,} 个请求后", mib(memory["end"]["VmRSS"]), mib(memory["end"]["VmHWM"])],
        ])
        lines += [""]
    if report.failed:
        lines += ["## 错误信息", ""]
        for name, text in sections.get("errors", {}).items():
            lines += [f"**{name}**", "", "```", text.rstrip(), "```", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: every figure, tiny samples (< 1 minute)")
    parser.add_argument("--out", help="where to write the Markdown (default bench/RESULTS.md)")
    parser.add_argument("--repeat", type=int, help="repetitions of each core figure")
    parser.add_argument("--sections", type=int, help="sections of the generated library for the library-load figures (default 5000)")
    parser.add_argument("--duration", type=float, help="seconds per load level")
    parser.add_argument("--levels", help="concurrent clients per load level (default 8,32,64)")
    parser.add_argument("--soak", type=int, help="requests of the memory soak (default 10000)")
    parser.add_argument("--warmup", type=int, help="warm-up requests before the soak (default 1000)")
    parser.add_argument("--soak-clients", type=int, help="concurrent clients of the memory soak (default 16)")
    parser.add_argument("--memory-threshold", type=float, default=10.0,
                        help="allowed RSS growth from warm-up to the end, percent (default 10)")
    args = parser.parse_args(argv)
    profile = "quick" if args.quick else "full"
    settings = dict(PROFILES[profile])
    for key in settings:
        if getattr(args, key, None) is not None:
            settings[key] = getattr(args, key)
    out = Path(args.out) if args.out else BENCH / "RESULTS.md"

    began = time.perf_counter()
    info = {"date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z"), "load_start": loadavg(),
            "machine": machine(),
            "settings": (f"核心：每项 {settings['repeat']} 次（整篇/段落 {settings['repeat'] * 2} 次），"
                         f"{settings['sections']} 段落库；负载：{settings['levels']} 个客户端，每级 "
                         f"{settings['duration']:g} 秒；内存：预热 {settings['warmup']:,} + {settings['soak']:,} 个请求，"
                         f"{settings['soak_clients']} 个客户端")}
    report = Report()
    sections: dict = {"errors": {}}

    def stage(name: str, func):
        print(f"\n== {name} ==", flush=True)
        try:
            return func()
        except BaseException as exc:  # noqa: BLE001 - reported in RESULTS.md, the run goes on
            if isinstance(exc, KeyboardInterrupt):
                raise
            report.failed.append(f"{name}（{type(exc).__name__}: {exc}）")
            sections["errors"][name] = traceback.format_exc()
            print(traceback.format_exc(), file=sys.stderr, flush=True)
            return None

    core = stage("核心（bench_core.py）", lambda: bench_core.main(
        ["--repeat", str(settings["repeat"]), "--sections", str(settings["sections"])]))
    load_args = ["--duration", str(settings["duration"]), "--levels", settings["levels"]]
    ours = stage("负载（load_test.py）", lambda: load_test.main(
        load_args + ["--sequential", str(settings["sequential"]), "--baseline-runs", str(settings["baseline_runs"])]))
    naive = stage("负载基线：cheroot 单进程 8 线程、自带 TLS（load_test.py --cheroot）", lambda: load_test.main(
        load_args + ["--cheroot", "--sequential", "0"]))
    memory = stage("内存", lambda: memory_soak(settings["soak"], settings["warmup"], settings["soak_clients"],
                                             args.memory_threshold))

    if core:
        core_rows(report, core)
    if ours:
        sections["load"], sections["naive"] = ours, naive
        load_rows(report, ours, naive)
    if memory:
        sections["memory"] = memory
        memory_rows(report, memory)
    info["load_end"] = loadavg()
    info["seconds"] = time.perf_counter() - began
    write_markdown(out, info, sections, report, profile)
    print(f"\n已写入 {out}（总用时 {info['seconds']:.0f} 秒，负载 {info['load_start']} → {info['load_end']}）")
    for item in report.missed:
        print(f"未达标：{item}")
    for item in report.failed:
        print(f"未能运行：{item}", file=sys.stderr)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
