"""`biaotai serve` and `biaotai cert`: the service on granian, which terminates TLS itself.

granian (a Rust HTTP server with a WSGI interface) runs a master process and `--workers` worker
processes; each worker serves the Flask app with `--threads` Python threads. It reads a request's
headers under a timeout, holds at most `--connection-limit` requests in progress per worker and
leaves the rest in the kernel's backlog, and gives the app the real client address.

Invariants:
- Configuration reaches the workers in two ways only: the logging dictionary (granian applies it in
  every process) and the app settings, serialised into the loader granian calls in each worker.
  Nothing else is shared between workers; what must be (the import's write lock) goes through the
  file system, and each worker reloads the library by itself when the workbook changes.
- "正在监听 URL" is printed only once a worker accepts connections on that port.
- Plain HTTP is served only with --insecure-http (Word loads add-ins from HTTPS only).
"""
from __future__ import annotations

import argparse
import functools
import ipaddress
import json
import logging
import os
import socket
import ssl
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from .certs import (CA_FILE, CERT_FILE, KEY_FILE, CertificateError, ensure_pkcs8, machine_names,  # noqa: F401
                    make_certificates, read_certificate, trust_instructions)
from .config import certificate_dir, working_config
from .limits import (BACKLOG, BLOCKING_THREADS, CONNECTION_LIMIT, HEADER_READ_TIMEOUT_MS, WORKER_KILL_SECONDS)
from .logs import configure_logging, logging_config, warn_console

log = logging.getLogger("biaotai.serve")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8443
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def instance_dir() -> Path:
    """Where certificates live: the working folder's certs/ (see config.py), or ~/.biaotai."""
    return certificate_dir()


def apply_working_config(args: argparse.Namespace) -> None:
    """Options not given on the command line come from the working folder's biaotai.toml, then
    from the built-in defaults: the command line wins, the file is the office's standing choice."""
    config = working_config()
    args.host = args.host or str(config.get("HOST") or DEFAULT_HOST)
    args.port = args.port if args.port is not None else int(config.get("PORT", DEFAULT_PORT))
    args.log_file = args.log_file or config.get("LOG_FILE")
    if not args.certfile and not args.keyfile and config.get("CERTFILE") and config.get("KEYFILE"):
        args.certfile, args.keyfile = config["CERTFILE"], config["KEYFILE"]


class ServeError(Exception):
    """A reason not to start, in Chinese."""


# ---------------------------------------------------------------------------------------------
# biaotai cert


def cmd_cert(args: argparse.Namespace) -> int:
    directory = Path(args.dir) if args.dir else instance_dir()
    paths = make_certificates(directory, args.name or [], new_ca=args.new_ca)
    print(trust_instructions(paths["ca"]))
    return 0


# ---------------------------------------------------------------------------------------------
# TLS material


def tls_files(args: argparse.Namespace) -> tuple[Path, Path]:
    """The certificate and PKCS#8 key to serve with; an old key of `biaotai cert` is converted."""
    certfile, keyfile = args.certfile, args.keyfile
    if bool(certfile) != bool(keyfile):
        raise ServeError("--certfile 和 --keyfile 要一起给出")
    ours = not certfile
    if ours:
        home = instance_dir()
        certfile, keyfile = home / CERT_FILE, home / KEY_FILE
        if not certfile.exists() or not keyfile.exists():
            raise ServeError(f"在 {home} 中没有找到证书。请先运行 biaotai cert 生成并信任证书，"
                             "或用 --certfile/--keyfile 指定；只测试脚本时可加 --insecure-http")
    certfile, keyfile = Path(certfile), Path(keyfile)
    if not certfile.exists():
        raise ServeError(f"找不到证书文件 {certfile}。请先运行 biaotai cert 生成证书，或用 --certfile/--keyfile 指定")
    try:
        if ensure_pkcs8(keyfile, convert=ours):
            warn_console(f"提示：私钥 {keyfile} 是旧格式，已转换为 PKCS#8（同一把私钥，证书不变）。")
    except CertificateError as exc:
        raise ServeError(str(exc)) from None
    check_pair(certfile, keyfile)
    return certfile, keyfile


def check_pair(certfile: Path, keyfile: Path) -> None:
    """Refuse a certificate and key that do not belong together, before any worker starts."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(str(certfile), str(keyfile))
    except FileNotFoundError as exc:
        raise ServeError(f"找不到证书文件 {exc.filename}。请先运行 biaotai cert 生成证书，"
                         "或用 --certfile/--keyfile 指定") from None
    except ssl.SSLError as exc:
        raise ServeError(f"证书或私钥无法使用（{exc.reason or exc}）：请确认 --certfile 与 --keyfile 是配对的 PEM 文件") from None


# ---------------------------------------------------------------------------------------------
# The address


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url(scheme: str, host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}/"


def bind_address(host: str, port: int) -> tuple[str, int]:
    """An IP address granian can bind (names resolved) and a concrete port (0: a free one).

    Each worker binds the port itself (SO_REUSEPORT), so "any free port" must be chosen here,
    once, for all of them."""
    try:
        infos = socket.getaddrinfo(host, port or None, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ServeError(f"无法解析监听地址 {host}（{exc.strerror or exc}）") from None
    family, _, _, _, address = infos[0]
    ip = address[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        if sys.platform != "win32":
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((ip, port))
        except OSError as exc:
            raise ServeError(f"无法在 {host}:{port} 上监听（{exc.strerror or exc}）：端口可能已被占用") from None
        return ip, probe.getsockname()[1]


def announce_when_listening(ip: str, port: int, url: str, stop: threading.Event, timeout: float = 120) -> None:
    """Print "正在监听 URL" once a worker accepts connections (tests and scripts wait for it)."""
    deadline = time.monotonic() + timeout
    target = "127.0.0.1" if ip in ("0.0.0.0", "") else ("::1" if ip == "::" else ip)
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            with socket.create_connection((target, port), timeout=1):
                pass
        except OSError:
            time.sleep(0.05)
            continue
        print(f"正在监听 {url}", flush=True)
        print(f"表态发言助手服务已启动：{url}api/health　按 Ctrl+C 停止", file=sys.stderr, flush=True)
        return


# ---------------------------------------------------------------------------------------------
# The app in each worker

# The app the master built to check the settings. A worker forked from the master (Linux) serves it
# as is; a worker started afresh (Windows) builds its own from the same settings.
_PRELOADED: Any = None


def load_worker_app(settings: str) -> Callable:
    """granian's loader, called once in every worker process: the Flask app (WSGI callable)."""
    values = json.loads(settings)
    die_with_master(values.get("SERVE_MASTER_PID"))
    if _PRELOADED is not None:
        return _PRELOADED
    from . import create_app
    return create_app(values)


def die_with_master(master_pid: int | None) -> None:
    """On Linux, a worker gets SIGTERM when the master dies (even by SIGKILL): orphaned workers
    would go on holding the port, and a restarted service could not bind it."""
    if sys.platform != "linux" or not master_pid:
        return
    import ctypes
    import signal
    PR_SET_PDEATHSIG = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != master_pid:  # the master died before the line above
        os.kill(os.getpid(), signal.SIGTERM)


# ---------------------------------------------------------------------------------------------
# biaotai serve


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # Windows, macOS
        return max(1, os.cpu_count() or 1)


def cmd_serve(args: argparse.Namespace) -> int:
    global _PRELOADED
    apply_working_config(args)
    level = logging.WARNING if args.quiet else logging.INFO
    if args.log_file:
        Path(args.log_file).parent.mkdir(parents=True, exist_ok=True)
    configure_logging(level, args.log_file, access=not args.quiet)
    files = None if args.insecure_http else tls_files(args)
    ip, port = bind_address(args.host, args.port)

    from . import create_app
    settings: dict[str, Any] = {"SERVE_HOST": args.host, "SERVE_MASTER_PID": os.getpid()}
    if args.library:
        settings["LIBRARY"] = str(Path(args.library).resolve())
    if files is not None:
        settings["CERTFILE"] = str(files[0].resolve())
    app = create_app(settings)
    store = app.extensions["biaotai_store"]
    if store.library is None:
        warn_console(f"警告：{store.summary()}。服务照常启动，修正段落库后无需重启。")
    if not _is_loopback(args.host) and not app.config.get("TOKEN"):
        warn_console(f"警告：服务将对其他计算机开放（--host {args.host}），但没有设置访问令牌 BIAOTAI_TOKEN。")
    certificate = app.extensions.get("biaotai_certificate")
    if certificate is not None and certificate.warning():
        warn_console(f"警告：{certificate.warning()}")
        log.warning(certificate.warning())
    if files is None:
        warn_console("警告：正在以不加密的 HTTP 提供服务（--insecure-http）。Word 不会从 HTTP 地址加载加载项，"
                     "这种方式只适合本机脚本和 VBA 桥接测试。")
    _PRELOADED = app

    from granian.constants import HTTPModes, Interfaces, SSLProtocols
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server import Server

    workers = args.workers or default_workers()
    server = Server(
        "biaotai", address=ip, port=port, interface=Interfaces.WSGI, workers=workers,
        blocking_threads=args.threads, backlog=BACKLOG, backpressure=args.connection_limit,
        http=HTTPModes.http1, websockets=False,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_READ_TIMEOUT_MS, keep_alive=True),
        log_level=LogLevels.warning if args.quiet else LogLevels.info,
        log_dictconfig=logging_config(level, args.log_file, access=not args.quiet), log_access=False,
        ssl_cert=files[0] if files else None, ssl_key=files[1] if files else None,
        ssl_protocol_min=SSLProtocols.tls12,  # Word 2016/2019 on Windows 10 speaks TLS 1.2 only
        respawn_failed_workers=True, workers_kill_timeout=WORKER_KILL_SECONDS,
    )
    url = _url("https" if files else "http", ip, port)
    stop = threading.Event()
    threading.Thread(target=announce_when_listening, args=(ip, port, url, stop), daemon=True).start()
    try:
        server.serve(target_loader=functools.partial(load_worker_app, json.dumps(settings)), wrap_loader=False)
    finally:
        stop.set()
    warn_console("服务已停止")
    return 0


def add_commands(subparsers, common: argparse.ArgumentParser) -> None:
    """Add `serve` and `cert` to the biaotai command line."""
    p = subparsers.add_parser("serve", parents=[common], help="启动 HTTPS 服务（供 Word 加载项、VBA 与脚本使用）")
    p.add_argument("--host", help=f"监听地址（默认取工作目录 biaotai.toml 的 HOST，或 {DEFAULT_HOST}，只有本机可以访问）")
    p.add_argument("--port", type=int, help=f"端口（默认取 biaotai.toml 的 PORT，或 {DEFAULT_PORT}；0 表示任选空闲端口）")
    p.add_argument("--certfile", help="服务器证书（PEM；默认使用 biaotai cert 生成的证书）")
    p.add_argument("--keyfile", help="服务器私钥（PKCS#8 PEM）")
    p.add_argument("--insecure-http", action="store_true", help="不加密的 HTTP（Word 不会加载；仅供测试）")
    p.add_argument("--workers", type=int, default=0, metavar="N",
                   help="工作进程数（默认为 CPU 核数；Windows 上总是 1）")
    p.add_argument("--threads", type=int, default=BLOCKING_THREADS,
                   help=f"每个工作进程处理请求的线程数（默认 {BLOCKING_THREADS}）")
    p.add_argument("--connection-limit", type=int, default=CONNECTION_LIMIT,
                   help=f"每个工作进程同时处理的请求数上限，其余连接在队列中等候（默认 {CONNECTION_LIMIT}）")
    p.add_argument("--log-file", metavar="路径",
                   help="日志写入此文件（按大小轮转，保留几个旧文件）；不给时写到标准错误")
    p.add_argument("--quiet", action="store_true", help="不记录每个请求的日志")
    p.set_defaults(run=_guarded(cmd_serve))

    p = subparsers.add_parser("cert", help="生成本机证书颁发机构与 localhost 证书，并说明如何在 Windows 上信任")
    p.add_argument("--dir", help="证书存放的文件夹（默认：工作目录的 certs/，不在工作目录时为 ~/.biaotai）")
    p.add_argument("--name", action="append", metavar="主机名或IP", help="证书中额外的主机名或 IP，可重复")
    p.add_argument("--new-ca", action="store_true", help="重新生成证书颁发机构（需要重新信任）")
    p.set_defaults(run=_guarded(cmd_cert))


def _guarded(command):
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except ServeError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return 1
    return run
