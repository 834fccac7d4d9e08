"""Bounded load test against a real `biaotai serve` (HTTPS on loopback, certificate from `biaotai cert`).

    python bench/load_test.py [--duration 10] [--levels 1,8,32] [--library PATH] [--naive]

For each level, that many clients (threads over keep-alive HTTPS connections, spread over a few
client processes) send requests for a fixed time: section renders (70 %), speeches as JSON (15 %)
and as .docx (15 %), every request with different values (unit name, unit type, number, style,
seed). Prints throughput, p50, p99 and the error count per level and per kind, then the ratio of one
section render's server time (from the service's own access log, at one client) to a bare docxtpl
render of word_templates/section.docx.

--naive serves the same app with every .docx made by a bare docxtpl call (template loaded, rendered
and saved per request, as a naive service would): the baseline bench/run measures in the same run.

Target on the 2-core machine: 32 clients, p99 under 250 ms for a section render, zero errors.
main(argv) returns the figures as a dict (see its end); bench/run writes them to bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import http.client
import io
import json
import multiprocessing
import os
import random
import re
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
KINDS = ("render", "speech", "speech.docx")
UNIT_NAMES = ["市工业和信息化局", "市发展和改革委员会", "市人民政府办公室", "市人民医院", "某某县", "某某区", "市城投公司", "市第一中学"]


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


# ---------------------------------------------------------------------------------------------
# The service

# `biaotai serve` with server.render's prepared templates swapped for a bare docxtpl call per request.
NAIVE_BOOT = """
import io, sys
from docxtpl import DocxTemplate
import server.render

class BareDocxtpl:
    def __init__(self, path):
        self.path = str(path)

    def render(self, context, keywords=None):
        document = DocxTemplate(self.path)
        document.render(context, autoescape=True)
        if keywords:
            document.docx.core_properties.keywords = keywords
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()

server.render.prepared_template = BareDocxtpl
from server.cli import main
sys.exit(main(sys.argv[1:]))
"""


# The baseline issue 11 measures against: the same app on cheroot, a standard single-process
# threaded WSGI server with its own TLS (Python's ssl module), 8 threads.
CHEROOT_BOOT = """
import sys
from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter
from server import create_app
from server.logs import configure_logging
library, certfile, keyfile, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
configure_logging()
app = create_app({"LIBRARY": library})
server = wsgi.Server(("127.0.0.1", 0), app, numthreads=threads, server_name="cheroot")
server.ssl_adapter = BuiltinSSLAdapter(certfile, keyfile)
server.prepare()
print(f"正在监听 https://127.0.0.1:{server.bind_addr[1]}/", flush=True)
try:
    server.serve()
finally:
    server.stop()
"""


def start_service(library: Path, certs: Path, log: Path, plain: bool = False,
                  threads: int | None = None, naive: bool = False, cheroot: bool = False,
                  workers: int | None = None) -> tuple[subprocess.Popen, int]:
    """Our service (or a baseline) through the tests' live-server helper: the process and its port."""
    sys.path.insert(0, str(ROOT / "tests"))
    from support.live_server import Service

    env = {k: v for k, v in os.environ.items() if not k.startswith("BIAOTAI_")}
    if cheroot:
        service = Service([str(library), str(certs / "server.pem"), str(certs / "server-key.pem"), str(threads or 8)],
                          env, log, command=[sys.executable, "-c", CHEROOT_BOOT], serve=False)
        return service.process, service.port
    tls = ["--insecure-http"] if plain else ["--certfile", str(certs / "server.pem"), "--keyfile", str(certs / "server-key.pem")]
    tuning = (["--threads", str(threads)] if threads else []) + (["--workers", str(workers)] if workers else [])
    entry = ["-c", NAIVE_BOOT] if naive else ["-m", "server.cli"]
    service = Service(["--library", str(library), *tuning, *tls], env, log, command=[sys.executable, *entry])
    return service.process, service.port


def make_certs(directory: Path) -> None:
    subprocess.run([sys.executable, "-m", "server.cli", "cert", "--dir", str(directory)], cwd=ROOT, check=True,
                   capture_output=True)


def default_library(tmp: Path) -> Path:
    shipped = ROOT / "section_library.xlsx"
    if shipped.exists():
        return shipped
    sys.path.insert(0, str(ROOT / "tests"))
    from workbook_factory import make_workbook
    return make_workbook(tmp / "section_library.xlsx")


# ---------------------------------------------------------------------------------------------
# Clients


def connect(port: int, cafile: str | None, timeout: float = 30) -> http.client.HTTPConnection:
    """HTTPS trusting only the generated CA; plain HTTP when cafile is None (--http)."""
    if cafile is None:
        return http.client.HTTPConnection("localhost", port, timeout=timeout)
    return http.client.HTTPSConnection("localhost", port, context=ssl.create_default_context(cafile=cafile),
                                       timeout=timeout)


class Plan:
    """What the clients may ask for, read from the running service."""

    def __init__(self, port: int, cafile: str | None):
        connection = connect(port, cafile)

        def get(path: str):
            connection.request("GET", quote(path, safe="/?=&"))
            response = connection.getresponse()
            return json.loads(response.read())
        meetings = get("/api/meetings")["meetings"]
        self.meetings = [m["id"] for m in meetings]
        self.held_by = {m["id"]: m.get("unit_types") or [] for m in meetings}  # 巡村动员会: villages only
        variables = get("/api/variables")
        self.unit_types = list(variables["unit_types"])
        self.examples = {v["key"]: v["example"] for v in variables["variables"] if v["example"] and not v["derived"]}
        self.sections = [(s["id"], s["meetings"]) for s in get("/api/sections?limit=5000")["sections"]]
        connection.close()

    def request(self, rng: random.Random, n: int) -> tuple[str, str, dict]:
        roll = rng.random()
        section, section_meetings = rng.choice(self.sections)
        meeting = section_meetings[0] if roll < 0.70 and section_meetings else rng.choice(self.meetings)
        values = dict(self.examples)
        values["单位名称"] = f"{rng.choice(UNIT_NAMES)}{n}"
        values["单位类型"] = rng.choice(self.held_by.get(meeting) or self.unit_types)
        values["组长"] = rng.choice("王李张刘陈杨赵黄") + rng.choice("明华强伟芳敏静丽") + str(n % 97)
        if roll < 0.70:
            body = {"variables": values, "style": rng.choice(["一是", "一、", "第一"]), "number": rng.randint(1, 9)}
            return "render", f"/api/sections/{quote(section)}/render", body
        body = {"meeting": meeting, "variables": values, "seed": rng.randint(0, 2**31),
                "style": rng.choice(["一是", "一、", "第一"])}
        return ("speech", "/api/speech", body) if roll < 0.85 else ("speech.docx", "/api/speech.docx", body)


class LeanConnection:
    """A keep-alive HTTP/1.1 client with as little Python as possible per request.

    The load generator shares the two cores with the service; http.client (header parsing through
    the email package) costs it more CPU than the service spends on some requests. Responses
    always carry Content-Length here (Flask sets it; waitress keeps it)."""

    _LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)

    def __init__(self, port: int, cafile: str | None):
        self.port, self.cafile = port, cafile
        self.context = ssl.create_default_context(cafile=cafile) if cafile else None
        self.sock = None
        self.buffer = b""

    def _connect(self) -> None:
        sock = socket.create_connection(("localhost", self.port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self.context.wrap_socket(sock, server_hostname="localhost") if self.context else sock
        self.buffer = b""

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        if self.sock is None:
            self._connect()
        head = (f"POST {path} HTTP/1.1\r\nHost: localhost:{self.port}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode("ascii")
        self.sock.sendall(head + body)
        buffer = self.buffer
        while b"\r\n\r\n" not in buffer:
            chunk = self.sock.recv(262144)
            if not chunk:
                raise ConnectionError("连接被服务关闭")
            buffer += chunk
        header, _, rest = buffer.partition(b"\r\n\r\n")
        length = int(self._LENGTH.search(header).group(1))
        while len(rest) < length:
            chunk = self.sock.recv(262144)
            if not chunk:
                raise ConnectionError("连接被服务关闭")
            rest += chunk
        self.buffer = rest[length:]
        if b"\r\nconnection: close" in header.lower():
            self.close()
        return int(header[9:12]), rest[:length]


def timed_request(plan: "Plan", connection: "LeanConnection", rng: random.Random, number: int) -> tuple[str, float, int]:
    """One request whose values were never sent before; status 0 when the connection failed."""
    kind, path, body = plan.request(rng, number)
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    began = time.perf_counter()
    try:
        status, _ = connection.post(path, data)
    except Exception:  # noqa: BLE001 - counted as an error
        status = 0
        connection.close()
    return kind, time.perf_counter() - began, status


def run_threads(count: int, target) -> None:
    pool = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()


def client_process(port: int, cafile: str | None, threads: int, duration: float, seed: int, start_at: float,
                   results: multiprocessing.Queue) -> None:
    plan = Plan(port, cafile)
    samples: list[tuple[str, float, int]] = []  # kind, seconds, status (0: exception)
    lock = threading.Lock()

    def worker(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        connection = LeanConnection(port, cafile)
        connection._connect()
        mine = []
        n = 0
        while time.time() < start_at:
            time.sleep(0.001)
        end = start_at + duration
        while time.time() < end:
            n += 1
            mine.append(timed_request(plan, connection, rng, seed * 100000 + index * 1000 + n))
        connection.close()
        with lock:
            samples.extend(mine)

    run_threads(threads, worker)
    results.put(samples)


def run_level(port: int, cafile: str | None, clients: int, duration: float, processes: int, seed: int) -> list:
    processes = max(1, min(processes, clients))
    shares = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    results: multiprocessing.Queue = multiprocessing.Queue()
    start_at = time.time() + 1.5  # everyone connected and ready before the clock starts
    workers = [multiprocessing.Process(target=client_process,
                                       args=(port, cafile, share, duration, seed * 10 + i, start_at, results))
               for i, share in enumerate(shares)]
    for worker in workers:
        worker.start()
    samples = []
    for _ in workers:
        samples.extend(results.get(timeout=duration + 120))
    for worker in workers:
        worker.join()
    return samples


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process and its live children, e.g. granian's workers (Linux /proc)."""
    def own(process: str) -> tuple[float, int] | None:
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), int(fields[1])

    mine = own(str(pid))
    if mine is None:
        return None
    total = mine[0]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(pid):
            child = own(entry.name)
            if child is not None and child[1] == pid:
                total += child[0]
    return total


def report(clients: int, duration: float, samples: list, server_cpu: float | None = None) -> dict:
    errors = sum(1 for _, _, status in samples if status != 200)
    rows = {}
    cpu = (f"；服务进程 CPU {server_cpu / duration * 100:.0f}%，每个请求 {server_cpu / max(1, len(samples)) * 1000:.2f} ms"
           if server_cpu is not None else "")
    print(f"\n{clients} 个并发客户端，{duration:g} 秒：共 {len(samples)} 个请求，"
          f"{len(samples) / duration:.1f} 个/秒，错误 {errors} 个{cpu}", flush=True)
    print(f"  {'种类':<12}{'请求数':>8}{'每秒':>9}{'p50 ms':>9}{'p99 ms':>9}{'最大 ms':>9}{'错误':>6}")
    for kind in ("all",) + KINDS:
        chosen = [s for s in samples if kind == "all" or s[0] == kind]
        times = [s[1] * 1000 for s in chosen]
        kind_errors = sum(1 for s in chosen if s[2] != 200)
        row = {"count": len(chosen), "rps": len(chosen) / duration, "p50": percentile(times, 0.50),
               "p99": percentile(times, 0.99), "max": max(times) if times else float("nan"), "errors": kind_errors}
        rows[kind] = row
        print(f"  {kind:<12}{row['count']:>8}{row['rps']:>9.1f}{row['p50']:>9.1f}{row['p99']:>9.1f}"
              f"{row['max']:>9.1f}{kind_errors:>6}", flush=True)
    return rows


# ---------------------------------------------------------------------------------------------
# Baseline: the bare docxtpl render of section.docx


def bare_docxtpl_ms(paragraphs: list[dict], runs: int = 60) -> float:
    from docxtpl import DocxTemplate
    template = ROOT / "word_templates" / "section.docx"
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        document = DocxTemplate(str(template))
        document.render({"paragraphs": paragraphs}, autoescape=True)
        document.save(io.BytesIO())
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times[min(5, runs // 4):])


def server_render_ms(log: Path, since: float) -> float:
    """Median `ms` of the access log's successful renders logged after `since` (epoch seconds)."""
    import datetime as dt
    times = []
    for line in log.read_text(encoding="utf-8").splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        if entry.get("logger") == "biaotai.access" and entry.get("path", "").endswith("/render") \
                and entry.get("status") == 200 and entry.get("ms") is not None \
                and dt.datetime.fromisoformat(entry["time"]).timestamp() >= since:
            times.append(entry["ms"])
    return statistics.median(times) if times else float("nan")


def sequential_renders(port: int, cafile: str | None, plan: Plan, count: int = 300) -> dict:
    """One client, one after another: the server's own time per render, without queueing."""
    rng = random.Random(7)
    connection = connect(port, cafile)
    part = None
    for n in range(count):
        kind, path, body = plan.request(rng, n)
        while kind != "render":
            kind, path, body = plan.request(rng, n)
        connection.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        data = response.read()
        if response.status == 200:
            part = json.loads(data)
    connection.close()
    return part


def main(argv: list[str] | None = None) -> dict:
    """Run the levels; return {"service", "library", "sections", "meetings", "duration", "levels":
    {clients: {"rows": {kind: {count, rps, p50, p99, max, errors}}, "server_cpu_s"}}, "render_server_ms",
    "bare_docxtpl_ms", "render_ratio", "sequential"}."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per level (default 10)")
    parser.add_argument("--levels", default="1,8,32", help="concurrent clients per level (default 1,8,32)")
    parser.add_argument("--processes", type=int, default=2, help="client processes (default 2)")
    parser.add_argument("--library", help="workbook (default: the shipped one, or a test library)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: biaotai serve's; cheroot: 8)")
    parser.add_argument("--workers", type=int, help="worker processes of biaotai serve (default: one per core)")
    parser.add_argument("--cheroot", action="store_true",
                        help="baseline: the same app on cheroot (single process, 8 threads, its own TLS)")
    parser.add_argument("--http", action="store_true", help="compare: serve with --insecure-http (no TLS proxy)")
    parser.add_argument("--naive", action="store_true",
                        help="baseline: every .docx by a bare docxtpl call per request (template loaded each time)")
    parser.add_argument("--sequential", type=int, default=300,
                        help="one-client renders for the server-time figure (default 300; 0: skip it)")
    parser.add_argument("--baseline-runs", type=int, default=60, help="bare docxtpl renders (default 60)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="biaotai-bench-") as tmp_name:
        tmp = Path(tmp_name)
        certs = tmp / "certs"
        make_certs(certs)
        library = Path(args.library) if args.library else default_library(tmp)
        log = tmp / "serve.log"
        process, port = start_service(library, certs, log, plain=args.http, threads=args.threads, naive=args.naive,
                                      cheroot=args.cheroot, workers=args.workers)
        cafile = None if args.http else str(certs / "ca.pem")
        if args.cheroot:
            shape = f"HTTPS，cheroot 单进程 {args.threads or 8} 线程，自带 TLS（基线）"
        else:
            shape = (f"{'HTTP' if args.http else 'HTTPS'}，granian {args.workers or os.cpu_count()} 个工作进程 × "
                     f"{args.threads or 4} 线程，granian 自己处理 TLS")
        if args.naive:
            shape += "；基线：每个请求用裸 docxtpl 载入、渲染、保存模板"
        print(f"服务：localhost:{port}（{shape}），段落库 {library}")
        try:
            plan = Plan(port, cafile)
            print(f"段落库：{len(plan.meetings)} 个会议类型，{len(plan.sections)} 个段落；CPU {os.cpu_count()} 核")
            results = {}
            levels = {}
            for level in [int(x) for x in args.levels.split(",")]:
                cpu_before = cpu_seconds(process.pid)
                samples = run_level(port, cafile, level, args.duration, args.processes, seed=level)
                cpu_after = cpu_seconds(process.pid)
                # (includes the second or so of connecting before the clock starts)
                server_cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
                results[level] = report(level, args.duration, samples, server_cpu)
                levels[level] = {"rows": results[level], "server_cpu_s": server_cpu}

            render_server_ms = baseline = float("nan")
            if args.sequential > 0:
                # one section render's server time (quiet service, one client) against a bare docxtpl call
                time.sleep(1.0)
                since = time.time()
                part = sequential_renders(port, cafile, plan, args.sequential)
                time.sleep(0.5)  # let the log reach the file
                render_server_ms = server_render_ms(log, since)
                baseline = bare_docxtpl_ms(part["blocks"], args.baseline_runs)
                print(f"\n一个段落的服务器端时间（访问日志中位数，1 个客户端依次 {args.sequential} 次）："
                      f"{render_server_ms:.2f} ms；直接用 docxtpl 生成同一段的 section.docx：{baseline:.2f} ms；"
                      f"比值 {render_server_ms / baseline:.2f}")
            top = max(results)
            render = results[top]["render"]
            verdict = "达到" if render["p99"] < 250 and results[top]["all"]["errors"] == 0 else "未达到"
            if not (args.naive or args.cheroot):  # a baseline is not held to the target
                print(f"目标（{top} 个客户端，段落 p99 < 250 ms，零错误）：{verdict}"
                      f"（p99 {render['p99']:.1f} ms，错误 {results[top]['all']['errors']} 个）", flush=True)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    return {"service": shape, "library": str(library), "sections": len(plan.sections), "meetings": len(plan.meetings),
            "duration": args.duration, "threads": args.threads, "processes": args.processes, "levels": levels,
            "render_server_ms": render_server_ms, "bare_docxtpl_ms": baseline,
            "render_ratio": render_server_ms / baseline, "sequential": args.sequential}


if __name__ == "__main__":
    main()
    sys.exit(0)
