"""`biaotai serve` and `biaotai cert`: the service on waitress, HTTPS with a local certificate.

waitress (pure Python, Windows and Linux) has no TLS. It listens on an internal loopback port
and a small TLS-terminating proxy (asyncio + ssl, in one thread) listens on the public host:port
and pipes bytes both ways. waitress runs with url_scheme="https", so the app knows its own origin.
Plain HTTP is served only with --insecure-http (Word loads add-ins from HTTPS only).
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import ipaddress
import json
import logging
import os
import signal
import socket
import ssl
import sys
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger("biaotai.serve")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8443
CA_FILE, CA_KEY_FILE, CERT_FILE, KEY_FILE = "ca.pem", "ca-key.pem", "server.pem", "server-key.pem"
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def instance_dir() -> Path:
    """Where certificates live: BIAOTAI_HOME, or ~/.biaotai."""
    return Path(os.environ.get("BIAOTAI_HOME") or Path.home() / ".biaotai")


class ServeError(Exception):
    """A reason not to start, in Chinese."""


# ---------------------------------------------------------------------------------------------
# Structured logging: one JSON object per line


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


def configure_logging(level: int = logging.INFO, stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


# ---------------------------------------------------------------------------------------------
# Certificates


def make_certificates(directory: Path, names: list[str] | None = None, new_ca: bool = False) -> dict[str, Path]:
    """A local certificate authority (kept when it exists, so it need not be trusted again) and a
    server certificate it signs for localhost, 127.0.0.1, ::1 and this machine's names."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory.mkdir(parents=True, exist_ok=True)
    paths = {name: directory / file for name, file in
             (("ca", CA_FILE), ("ca_key", CA_KEY_FILE), ("cert", CERT_FILE), ("key", KEY_FILE))}
    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)

    def write_key(path: Path, key) -> None:
        data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                 serialization.NoEncryption())
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)

    if paths["ca"].exists() and paths["ca_key"].exists() and not new_ca:
        ca_cert = x509.load_pem_x509_certificate(paths["ca"].read_bytes())
        ca_key = serialization.load_pem_private_key(paths["ca_key"].read_bytes(), password=None)
    else:
        ca_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        ca_name = x509.Name([
            x509.NameAttribute(NameOID.COMMON_NAME, f"表态发言助手 本机证书颁发机构 ({socket.gethostname()[:40]})"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "biaotai local CA"),
        ])
        ca_cert = (x509.CertificateBuilder()
                   .subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(now + dt.timedelta(days=3650))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                                content_commitment=False, key_encipherment=False,
                                                data_encipherment=False, key_agreement=False,
                                                encipher_only=False, decipher_only=False), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
                   .sign(ca_key, hashes.SHA256()))
        write_key(paths["ca_key"], ca_key)
        paths["ca"].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))

    dns: list[str] = []
    ips: list[Any] = []
    for name in ["localhost", "127.0.0.1", "::1", *machine_names(), *(names or [])]:
        try:
            ip = ipaddress.ip_address(name)
        except ValueError:
            if name and name.isascii() and name.lower() not in (d.lower() for d in dns):
                dns.append(name)
        else:
            if ip not in ips:
                ips.append(ip)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    san = x509.SubjectAlternativeName([x509.DNSName(d) for d in dns] + [x509.IPAddress(i) for i in ips])
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=825))
            .add_extension(san, critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=True, content_commitment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    write_key(paths["key"], key)
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return paths


def machine_names() -> list[str]:
    """This machine's host name (and fully qualified name), where they are valid DNS names."""
    result = []
    for name in (socket.gethostname(), socket.getfqdn()):
        name = (name or "").strip().rstrip(".")
        if name and name.lower() != "localhost" and all(part and len(part) <= 63 and all(
                c.isalnum() or c == "-" for c in part) for part in name.split(".")) and name.isascii():
            result.append(name)
    return list(dict.fromkeys(result))


def trust_instructions(ca: Path) -> str:
    return "\n".join([
        f"已生成证书：{ca.parent}",
        f"  证书颁发机构：{ca}（需要被 Windows 信任，只需做一次）",
        f"  服务器证书：{ca.parent / CERT_FILE}，私钥：{ca.parent / KEY_FILE}",
        "",
        "在 Windows 上信任本机证书颁发机构（二选一）：",
        f"  1. 在命令提示符中运行：certutil -addstore -user Root \"{ca}\"",
        "  2. 双击 ca.pem（可先改名为 ca.crt）→「安装证书」→「当前用户」→「将所有的证书都放入下列存储」"
        "→「浏览」→「受信任的根证书颁发机构」→「确定」→「下一步」→「完成」，在安全警告中选「是」。",
        "完成后重新启动 Word。然后运行：biaotai serve",
        "注意：ca-key.pem 可以签发任何网站的证书，请妥善保管，不要发给他人。",
    ])


def cmd_cert(args: argparse.Namespace) -> int:
    directory = Path(args.dir) if args.dir else instance_dir()
    paths = make_certificates(directory, args.name or [], new_ca=args.new_ca)
    print(trust_instructions(paths["ca"]))
    return 0


# ---------------------------------------------------------------------------------------------
# The TLS-terminating proxy


class TlsProxy:
    """Accepts TLS on host:port and pipes the plain bytes to the backend on loopback."""

    def __init__(self, host: str, port: int, backend: tuple[str, int], context: ssl.SSLContext,
                 max_connections: int = 200, handshake_timeout: float = 15.0) -> None:
        self.host, self.port, self.backend, self.context = host, port, backend, context
        self.max_connections, self.handshake_timeout = max_connections, handshake_timeout
        self.addresses: list[tuple[str, int]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.connections = 0

    def start(self) -> list[tuple[str, int]]:
        self._thread = threading.Thread(target=self._run, name="biaotai-tls", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self.addresses

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        loop.set_exception_handler(self._loop_exception)
        try:
            self._server = loop.run_until_complete(loop.create_server(
                lambda: _ClientSide(self), self.host, self.port, ssl=self.context, backlog=256,
                ssl_handshake_timeout=self.handshake_timeout))
            self.addresses = [s.getsockname()[:2] for s in self._server.sockets]
        except BaseException as exc:  # reported to start()
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    def _loop_exception(self, loop, context: dict) -> None:
        exc = context.get("exception")
        if isinstance(exc, (ssl.SSLError, ConnectionError, TimeoutError, asyncio.TimeoutError)):
            log.debug("TLS 连接出错：%s", exc)  # a client that does not trust the certificate, etc.
            return
        loop.default_exception_handler(context)

    def stop(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return

        def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            loop.stop()

        loop.call_soon_threadsafe(shutdown)
        if self._thread is not None:
            self._thread.join(timeout=5)


class _Pipe(asyncio.Protocol):
    """One side of a proxied connection: what it receives is written to its peer.

    Protocols rather than streams: no coroutine, future or buffer copy per chunk, which matters
    because this thread shares the interpreter with the request handlers."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.peer: _Pipe | None = None
        self.pending: list[bytes] = []  # received before the peer was connected
        self.got_eof = False
        self.lost = False

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.peer is not None:
            self.peer.transport.write(data)
        else:
            self.pending.append(data)

    def eof_received(self) -> bool:
        self.got_eof = True
        if self.peer is None:
            return True  # passed on once the peer is connected
        if self.peer.transport.can_write_eof():
            self.peer.transport.write_eof()  # the client is done sending; the answer may still come
            return True
        self.peer.transport.close()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self.peer is not None:
            self.peer.transport.close()

    # flow control: when our transport cannot keep up, stop reading from the peer
    def pause_writing(self) -> None:
        if self.peer is not None:
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer is not None:
            self.peer.transport.resume_reading()

    def link(self, peer: "_Pipe") -> None:
        self.peer, peer.peer = peer, self
        for data in self.pending:
            peer.transport.write(data)
        self.pending.clear()
        if self.got_eof:
            self.eof_received()


class _ClientSide(_Pipe):
    """The TLS side: connects to the backend as soon as the handshake is done."""

    def __init__(self, proxy: TlsProxy) -> None:
        super().__init__()
        self.proxy = proxy
        self.counted = False

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        if self.proxy.connections >= self.proxy.max_connections:
            transport.close()
            return
        self.proxy.connections += 1
        self.counted = True
        asyncio.get_running_loop().create_task(self._connect_backend())

    async def _connect_backend(self) -> None:
        try:
            _, backend = await asyncio.get_running_loop().create_connection(_Pipe, *self.proxy.backend)
        except OSError as exc:
            log.error("内部服务无法连接：%s", exc)
            self.transport.close()
            return
        if self.lost:
            backend.transport.close()
            return
        self.link(backend)

    def eof_received(self) -> bool:
        super().eof_received()
        return False  # an SSL transport cannot stay half-open: it closes, and the backend with it

    def connection_lost(self, exc: Exception | None) -> None:
        if self.counted:
            self.proxy.connections -= 1
            self.counted = False
        super().connection_lost(exc)


def server_context(certfile: Path, keyfile: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    try:
        context.load_cert_chain(str(certfile), str(keyfile))
    except FileNotFoundError as exc:
        raise ServeError(f"找不到证书文件 {exc.filename}。请先运行 biaotai cert 生成证书，"
                         "或用 --certfile/--keyfile 指定") from None
    except ssl.SSLError as exc:
        raise ServeError(f"证书或私钥无法使用（{exc.reason or exc}）：请确认 --certfile 与 --keyfile 是配对的 PEM 文件") from None
    return context


# ---------------------------------------------------------------------------------------------
# biaotai serve


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


def cmd_serve(args: argparse.Namespace) -> int:
    configure_logging(logging.WARNING if args.quiet else logging.INFO)
    context = None
    if not args.insecure_http:
        certfile, keyfile = args.certfile, args.keyfile
        if bool(certfile) != bool(keyfile):
            raise ServeError("--certfile 和 --keyfile 要一起给出")
        if not certfile:
            home = instance_dir()
            certfile, keyfile = home / CERT_FILE, home / KEY_FILE
            if not certfile.exists() or not keyfile.exists():
                raise ServeError(f"在 {home} 中没有找到证书。请先运行 biaotai cert 生成并信任证书，"
                                 "或用 --certfile/--keyfile 指定；只测试脚本时可加 --insecure-http")
        context = server_context(Path(certfile), Path(keyfile))

    from waitress.server import create_server

    from . import create_app
    config: dict[str, Any] = {}
    if args.library:
        config["LIBRARY"] = args.library
    app = create_app(config)
    store = app.extensions["biaotai_store"]
    if store.library is None:
        print(f"警告：{store.summary()}。服务照常启动，修正段落库后无需重启。", file=sys.stderr, flush=True)
    if not _is_loopback(args.host) and not app.config.get("TOKEN"):
        print(f"警告：服务将对其他计算机开放（--host {args.host}），但没有设置访问令牌 BIAOTAI_TOKEN。",
              file=sys.stderr, flush=True)

    # waitress reads a whole body (spooling large ones to disk) before the app sees it; beyond its
    # own limit it answers in plain text and drops the connection. A generous margin lets the app
    # answer 413 in JSON for every oversized body short of that.
    body_limit = int(app.config["MAX_CONTENT_LENGTH"]) * 8
    common = dict(threads=args.threads, connection_limit=args.connection_limit, channel_timeout=30,
                  max_request_body_size=body_limit, ident="biaotai", asyncore_use_poll=True,
                  clear_untrusted_proxy_headers=True)
    proxy = None
    if context is None:
        print("警告：正在以不加密的 HTTP 提供服务（--insecure-http）。Word 不会从 HTTP 地址加载加载项，"
              "这种方式只适合本机脚本和 VBA 桥接测试。", file=sys.stderr, flush=True)
        server = create_server(app, host=args.host, port=args.port, url_scheme="http", **common)
        # one socket, or several (e.g. localhost as 127.0.0.1 and ::1)
        listen = getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)]
        url = _url("http", *listen[0][:2])
    else:
        server = create_server(app, host="127.0.0.1", port=0, url_scheme="https", **common)
        proxy = TlsProxy(args.host, args.port, ("127.0.0.1", server.effective_port), context,
                         max_connections=args.connection_limit)
        try:
            addresses = proxy.start()
        except OSError as exc:
            server.close()
            raise ServeError(f"无法在 {args.host}:{args.port} 上监听（{exc.strerror or exc}）：端口可能已被占用") from None
        host, port = addresses[0]
        url = _url("https", host, port)

    print(f"正在监听 {url}", flush=True)
    print(f"表态发言助手服务已启动：{url}api/health　按 Ctrl+C 停止", file=sys.stderr, flush=True)

    def stop(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        if proxy is not None:
            proxy.stop()
        server.close()
        server.task_dispatcher.shutdown()
    print("服务已停止", file=sys.stderr, flush=True)
    return 0


def add_commands(subparsers, common: argparse.ArgumentParser) -> None:
    """Add `serve` and `cert` to the biaotai command line."""
    p = subparsers.add_parser("serve", parents=[common], help="启动 HTTPS 服务（供 Word 加载项、VBA 与脚本使用）")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"监听地址（默认 {DEFAULT_HOST}，只有本机可以访问）")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"端口（默认 {DEFAULT_PORT}；0 表示任选空闲端口）")
    p.add_argument("--certfile", help="服务器证书（PEM；默认使用 biaotai cert 生成的证书）")
    p.add_argument("--keyfile", help="服务器私钥（PEM）")
    p.add_argument("--insecure-http", action="store_true", help="不加密的 HTTP（Word 不会加载；仅供测试）")
    p.add_argument("--threads", type=int, default=8, help="处理请求的线程数（默认 8）")
    p.add_argument("--connection-limit", type=int, default=200, help="最多同时保持的连接数（默认 200）")
    p.add_argument("--quiet", action="store_true", help="不记录每个请求的日志")
    p.set_defaults(run=_guarded(cmd_serve))

    p = subparsers.add_parser("cert", help="生成本机证书颁发机构与 localhost 证书，并说明如何在 Windows 上信任")
    p.add_argument("--dir", help="证书存放的文件夹（默认：环境变量 BIAOTAI_HOME 或 ~/.biaotai）")
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
