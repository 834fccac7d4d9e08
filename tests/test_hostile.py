"""Issue 11's attacks, each against a real `biaotai serve` on loopback, and what shows it held.

Thresholds are the issue's: ≥ 95 % of normal requests answered within 1 s during 300 slow
connections; memory back within 100 MB after 3,000 unfinished handshakes; the paragraph bomb and the
lying zip refused within 10 s and 500 MB; the editor's save never lost in 20 tries; every template
refused by `biaotai check` with a located Chinese error; deep JSON answered 400.
"""
from __future__ import annotations

import http.client
import io
import json
import os
import random
import re
import resource
import socket
import ssl
import struct
import threading
import time
import uuid
import zipfile
from pathlib import Path

import pytest

from support.live_server import Service
from test_serve import biaotai, clean_env, trusting
from workbook_factory import base_content, make_workbook

pytestmark = [pytest.mark.fault, pytest.mark.slow]


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("certs")
    assert biaotai("cert", "--dir", str(directory)).returncode == 0
    return directory


def https_service(certs: Path, library: Path, log: Path, *extra: str, **kwargs) -> Service:
    return Service(["--library", str(library), "--certfile", str(certs / "server.pem"),
                    "--keyfile", str(certs / "server-key.pem"), "--workers", "2", *extra], clean_env(), log, **kwargs)


def probe(port: int, context: ssl.SSLContext, path: str = "/api/health") -> float | None:
    """Seconds for one request on a new connection (None: no answer within 5 s)."""
    started = time.perf_counter()
    try:
        connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=5)
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        connection.close()
        return time.perf_counter() - started if response.status == 200 else None
    except (OSError, http.client.HTTPException):
        return None


def raise_open_files(want: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))


# ---------------------------------------------------------------------------------------------
# The HTTPS front end


def test_300_slow_clients_do_not_stop_the_service(certs, tmp_path):
    """300 TLS connections sending one header byte every 5 s; a normal client keeps being answered."""
    raise_open_files(4096)
    server = https_service(certs, make_workbook(tmp_path / "l.xlsx"), tmp_path / "serve.log", "--quiet")
    context = trusting(certs)
    stop = threading.Event()
    held = [0]

    def slow_client() -> None:
        request = b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"x" * 200
        while not stop.is_set():
            try:
                raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
                tls = context.wrap_socket(raw, server_hostname="localhost")
                held[0] += 1
                for byte in request:
                    tls.sendall(bytes([byte]))
                    if stop.wait(5):
                        break
                tls.close()
            except OSError:
                stop.wait(0.5)  # dropped by the header-read timeout: come back, as an attacker would

    attackers = [threading.Thread(target=slow_client, daemon=True) for _ in range(300)]
    try:
        for thread in attackers:
            thread.start()
        time.sleep(3)  # all 300 connected and sending
        times = []
        deadline = time.monotonic() + 15  # longer than the header-read timeout: the attack goes on after it
        while time.monotonic() < deadline:
            times.append(probe(server.port, context))
            time.sleep(0.2)
    finally:
        stop.set()
        for thread in attackers:
            thread.join(timeout=10)
        server.stop()
    fast = sum(1 for t in times if t is not None and t < 1.0)
    print(f"300 个慢连接期间：{fast}/{len(times)} 个正常请求在 1 秒内得到回答；慢连接共建立 {held[0]} 次")
    assert held[0] >= 300 and len(times) >= 40
    assert fast >= 0.95 * len(times), times


def test_3000_unfinished_handshakes_leave_no_memory_behind(certs, tmp_path):
    raise_open_files(8192)
    server = https_service(certs, make_workbook(tmp_path / "l.xlsx"), tmp_path / "serve.log", "--quiet")
    context = trusting(certs)
    # A ClientHello cut short after its first bytes: the server waits for the rest.
    partial_hello = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(32)
    sockets: list[socket.socket] = []
    try:
        assert probe(server.port, context) is not None
        before = server.memory_mb()
        for _ in range(3000):
            connection = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            connection.sendall(partial_hello)
            sockets.append(connection)
        time.sleep(2)
        during = server.memory_mb()
        answered = [probe(server.port, context) for _ in range(10)]
        for connection in sockets:
            connection.close()
        sockets.clear()
        time.sleep(3)
        after = server.memory_mb()
        assert probe(server.port, context) is not None
    finally:
        for connection in sockets:
            connection.close()
        server.stop()
    print(f"3000 个未完成的握手：内存 {before:.0f} MB → {during:.0f} MB → 关闭后 {after:.0f} MB")
    assert all(t is not None and t < 1.0 for t in answered), answered
    assert after - before < 100


def test_accept_errors_are_logged_once_per_interval(tmp_path):
    """Out of file descriptors, the accept loop fails for every connection; the log says so rarely."""
    server = Service(["--library", str(make_workbook(tmp_path / "l.xlsx")), "--insecure-http", "--quiet",
                      "--workers", "1"], clean_env(), tmp_path / "serve.log", open_files=128)
    sockets = []
    try:
        for _ in range(300):
            sockets.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        time.sleep(4)
        for connection in sockets:
            connection.close()
        sockets.clear()
        time.sleep(1)
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("GET", "/api/health")
        assert connection.getresponse().status == 200
    finally:
        for connection in sockets:
            connection.close()
        server.stop()
    log = server.stderr()
    accept_lines = [line for line in log.splitlines() if "accept" in line.lower()]
    assert 1 <= len(accept_lines) <= 2, accept_lines  # 4 s: once, or twice across an interval boundary
    assert "Traceback" not in log and len(log) < 20_000


# ---------------------------------------------------------------------------------------------
# Uploads


def docx_with_document_xml(xml: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"/>')
        archive.writestr("word/document.xml", xml)
    return buffer.getvalue()


def paragraph_bomb(paragraphs: int = 7_500_000) -> bytes:
    head = b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    return docx_with_document_xml(head + b"<w:p/>" * paragraphs + b"</w:body></w:document>")


def lying_zip(inflated: int = 400 * 1024 * 1024) -> bytes:
    """document.xml inflates to `inflated` bytes while both headers claim 1 KB."""
    data = bytearray(docx_with_document_xml(b"<" + b" " * (inflated - 1)))
    claimed = 1024
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            name_length = struct.unpack_from("<H", data, start + (26 if signature == b"PK\x03\x04" else 28))[0]
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at:name_at + name_length] == b"word/document.xml":
                struct.pack_into("<I", data, start + offset, claimed)  # uncompressed size
            start += 4
    return bytes(data)


def upload(server: Service, certs: Path, name: str, data: bytes, dry_run: str = "1",
           headers: dict | None = None) -> tuple[int, dict, float]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\n{dry_run}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    connection = http.client.HTTPSConnection("127.0.0.1", server.port, context=trusting(certs), timeout=60)
    started = time.perf_counter()
    connection.request("POST", "/api/library/import", body=body,
                       headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **(headers or {})})
    response = connection.getresponse()
    answer = json.loads(response.read())
    return response.status, answer, time.perf_counter() - started


def peak_worker_mb(server: Service) -> float:
    return max(int(re.search(r"VmHWM:\s+(\d+)", Path(f"/proc/{pid}/status").read_text()).group(1))
               for pid in server.workers()) / 1024


@pytest.mark.parametrize("name, make", [("段落炸弹.docx", paragraph_bomb), ("虚报大小.docx", lying_zip)])
def test_hostile_docx_is_refused_quickly_and_cheaply(certs, tmp_path, name, make):
    data = make()
    assert len(data) < 2 * 1024 * 1024  # a small upload
    server = https_service(certs, make_workbook(tmp_path / "l.xlsx"), tmp_path / "serve.log", "--quiet")
    try:
        before = peak_worker_mb(server)
        status, answer, seconds = upload(server, certs, name, data)
        growth = peak_worker_mb(server) - before
        assert probe(server.port, trusting(certs)) is not None
    finally:
        server.stop()
    print(f"{name}（{len(data) // 1024} KB）：{status}，{seconds:.2f} 秒，工作进程峰值内存增长 {growth:.0f} MB："
          f"{answer['error']['message'] if 'error' in answer else answer}")
    assert status == 400 and answer["error"]["code"] == "import_failed" and name in answer["error"]["message"]
    assert seconds < 10 and growth < 500
    assert "Traceback" not in server.stderr()


def test_editor_save_is_never_lost(certs, tmp_path):
    """20 imports, each with an editor saving at a random moment during it: the editor's version
    always survives (the import refused and kept its result beside, or it ran entirely before)."""
    path = make_workbook(tmp_path / "section_library.xlsx")
    server = https_service(certs, path, tmp_path / "serve.log", "--quiet")
    speech = "同志们：\n根据市委统一部署，市委第三巡察组进驻我局。\n一是提高认识。要学习。\n二是全力配合。要保障。\n谢谢大家！"
    outcomes = []
    rng = random.Random(11)
    from server.workbook import build_workbook, read_sheets
    try:
        for attempt in range(20):
            marker = f"编辑人员第{attempt}次保存"

            def edit(content, marker=marker):
                content["段落"].append([f"编辑-{attempt}", "动员会", "开场", "", f"{marker}，{{{{ 自称 }}}}欢迎。",
                                       "", "", "是", "", ""])
            saved = build_workbook(_edited(edit))

            def editor(saved=saved, delay=rng.uniform(0.0, 0.6)) -> None:
                time.sleep(delay)
                temporary = path.with_name("~editor-save.tmp")
                temporary.write_bytes(saved)
                os.replace(temporary, path)  # how Excel saves: a new file renamed over the old one

            thread = threading.Thread(target=editor)
            thread.start()
            status, answer, _ = upload(server, certs, f"旧发言{attempt}.txt", speech.encode(), dry_run="0")
            thread.join()
            bodies = [str(v) for _, values in read_sheets(path.read_bytes())["段落"].rows for v in values]
            assert any(marker in body for body in bodies), (attempt, status, answer)
            outcomes.append(status)
    finally:
        server.stop()
    kept = [p.name for p in tmp_path.iterdir() if "导入未写入" in p.name]
    print(f"20 次：导入写入 {outcomes.count(200)} 次，拒绝 {outcomes.count(400)} 次（结果另存 {len(kept)} 个）")
    assert set(outcomes) <= {200, 400} and len(kept) == outcomes.count(400)


def _edited(edit) -> dict:
    content = base_content()
    edit(content)
    return content


def test_an_open_workbook_is_not_written(certs, tmp_path):
    path = make_workbook(tmp_path / "section_library.xlsx")
    original = path.read_bytes()
    (tmp_path / "~$section_library.xlsx").write_bytes(b"owner")
    server = https_service(certs, path, tmp_path / "serve.log", "--quiet")
    try:
        status, answer, _ = upload(server, certs, "a.txt", "同志们：\n一是认识。要学习。\n二是配合。要保障。".encode(),
                                   dry_run="0")
    finally:
        server.stop()
    assert status == 400 and "Excel" in answer["error"]["message"] and "导入未写入" in answer["error"]["message"]
    assert path.read_bytes() == original


# ---------------------------------------------------------------------------------------------
# The template language


ISSUE_TEMPLATES = {
    "{{ ''.__class__ }}": "不能取属性",
    "{{ cycler.__init__ }}": "不能取属性",
    "{{ lipsum.__globals__ }}": "不能取属性",
    "{{ '字' * 400000000 }}": "不能做运算",
    "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}": "循环",
    "{{ (9**99999)|string }}": "不允许",
}


def test_every_template_of_the_issue_is_refused_by_check_with_its_location(tmp_path):
    rows = {}

    def edit(content):
        for number, text in enumerate(ISSUE_TEMPLATES):
            enabled = "否" if number % 2 else "是"  # disabled rows are checked too
            content["段落"].append([f"攻击-{number}", "动员会", "开场", "", text, "", "", enabled, "", ""])
            rows[text] = len(content["段落"]) + 1  # the header is row 1
    path = make_workbook(tmp_path / "section_library.xlsx", edit)
    started = time.perf_counter()
    result = biaotai("check", str(path))
    seconds = time.perf_counter() - started
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    for text, why in ISSUE_TEMPLATES.items():
        line = next((ln for ln in result.stdout.splitlines() if f"第 {rows[text]} 行" in ln), "")
        assert "工作表「段落」" in line and "「正文」" in line and "模板中有不允许的写法" in line and why in line, (text, line)
    assert seconds < 10


# ---------------------------------------------------------------------------------------------
# Bad requests


def test_deep_json_and_odd_bytes_never_give_a_5xx_or_a_traceback(certs, tmp_path):
    server = https_service(certs, make_workbook(tmp_path / "l.xlsx"), tmp_path / "serve.log")
    context = trusting(certs)

    def send(method: str, target: bytes, body: bytes = b"", headers: bytes = b"") -> int:
        raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(method.encode() + b" " + target + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                        + headers + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            answer = b""
            while chunk := tls.recv(65536):
                answer += chunk
        match = re.match(rb"HTTP/1\.1 (\d{3})", answer)
        return int(match.group(1)) if match else 0

    json_type = b"Content-Type: application/json\r\n"
    try:
        deep = b'{"text": ' + b"[" * 600 + b"]" * 600 + b"}"
        assert len(deep) < 1300 and send("POST", b"/api/lint", deep, json_type) == 400
        assert send("POST", b"/api/lint", b"[" * 100_000, json_type) == 400
        statuses = [
            send("POST", b"/api/lint", json.dumps({"text": "同志们"}).encode("utf-16"), json_type),
            send("POST", b"/api/lint", b'{"text": "\xff\xfe\xc0"}', json_type),
            send("POST", b"/api/lint", b'{"text": "\\ud800"}', json_type),
            send("GET", b"/api/sections?q=%ff%fe&meeting=%c0%af"),
            send("GET", "/api/sections/不存在/render".encode()),
            send("POST", b"/api/sections/%ff%00/render", b"{}", json_type),
            send("GET", b"/api/health", headers=b"X-Odd: \xff\xfe\x80\r\n"),
            send("POST", b"/api/speech", b"{}", b"Content-Type: application/json; charset=gb18030\r\n"),
            send("POST", b"/api/bridge/speech.tsv", b"meeting=%ff&v.%fe=%00",
                 b"Content-Type: application/x-www-form-urlencoded\r\n"),
        ]
        assert all(0 < s < 500 for s in statuses), statuses
    finally:
        server.stop()
    log = server.stderr()
    assert "Traceback" not in log and '"status": 500' not in log


def test_forged_host_cannot_write_the_library_under_insecure_http(tmp_path):
    """DNS rebinding: a page on evil.example resolved to 127.0.0.1 is 'same origin' with itself."""
    path = make_workbook(tmp_path / "section_library.xlsx")
    original = path.read_bytes()
    server = Service(["--library", str(path), "--insecure-http", "--quiet"], clean_env(), tmp_path / "serve.log")
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\n0\r\n--{boundary}\r\n"
            f"Content-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\n").encode() + \
        "同志们：\n一是认识。要学习。\n二是配合。要保障。".encode() + f"\r\n--{boundary}--\r\n".encode()
    try:
        def post(host: str) -> tuple[int, dict]:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            connection.putrequest("POST", "/api/library/import", skip_host=True)
            for name, value in (("Host", f"{host}:{server.port}"), ("Origin", f"http://{host}:{server.port}"),
                                ("Content-Type", f"multipart/form-data; boundary={boundary}"),
                                ("Content-Length", str(len(body)))):
                connection.putheader(name, value)
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        status, answer = post("evil.example")
        assert status == 400 and answer["error"]["code"] == "unknown_host"
        assert path.read_bytes() == original
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        for host in ("localhost", "127.0.0.1"):
            connection.request("GET", "/api/health", headers={"Host": f"{host}:{server.port}"})
            response = connection.getresponse()
            response.read()
            assert response.status == 200
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------------
# Running as a service: the log file, the certificate's expiry, the key format


def test_log_file_holds_the_access_log_with_the_client_address(certs, tmp_path):
    log_file = tmp_path / "logs" / "biaotai.log"
    server = https_service(certs, make_workbook(tmp_path / "l.xlsx"), tmp_path / "serve.log",
                           "--log-file", str(log_file))
    try:
        for _ in range(5):
            assert probe(server.port, trusting(certs), "/api/meetings") is not None
    finally:
        server.stop()
    entries = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
    access = [e for e in entries if e["logger"] == "biaotai.access" and e["path"] == "/api/meetings"]
    assert len(access) == 5 and all(e["client"] == "127.0.0.1" for e in access)
    assert any(e["logger"] == "_granian" for e in entries)  # the server's own lines, from the master too


def test_certificate_expiring_soon_is_warned_about_at_start_and_in_health(tmp_path):
    from server.certs import make_certificates
    paths = make_certificates(tmp_path / "certs", valid_days=12)
    server = Service(["--library", str(make_workbook(tmp_path / "l.xlsx")), "--certfile", str(paths["cert"]),
                      "--keyfile", str(paths["key"])], clean_env(), tmp_path / "serve.log")
    try:
        connection = http.client.HTTPSConnection("127.0.0.1", server.port, context=trusting(tmp_path / "certs"),
                                                 timeout=10)
        connection.request("GET", "/api/health")
        health = json.loads(connection.getresponse().read())
    finally:
        server.stop()
    assert health["certificate"]["days_left"] in (11, 12)
    assert "服务器证书将于" in health["warnings"][0] and "biaotai cert" in health["warnings"][0]
    assert "警告：服务器证书将于" in server.stderr()


def test_old_pkcs1_keys_are_converted_or_refused(tmp_path):
    from cryptography.hazmat.primitives import serialization

    env = clean_env(BIAOTAI_HOME=str(tmp_path / "home"))
    home = tmp_path / "home" / "certs"  # the working folder keeps its certificates in certs/
    assert biaotai("cert", env=env).returncode == 0
    assert (home / "server-key.pem").read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8
    key = serialization.load_pem_private_key((home / "server-key.pem").read_bytes(), password=None)
    old = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    (home / "server-key.pem").write_bytes(old)  # what an older `biaotai cert` wrote
    mine = tmp_path / "my-key.pem"
    mine.write_bytes(old)
    result = biaotai("serve", "--port", "0", "--library", str(make_workbook(tmp_path / "l.xlsx")),
                     "--certfile", str(home / "server.pem"), "--keyfile", str(mine), env=env)
    assert result.returncode == 1 and "PKCS#8" in result.stderr and "openssl pkcs8" in result.stderr
    assert mine.read_bytes() == old  # a key the user gave is never rewritten
    server = Service(["--library", str(make_workbook(tmp_path / "l2.xlsx"))], env, tmp_path / "serve.log")
    try:
        assert "已转换为 PKCS#8" in server.stderr()
        assert (home / "server-key.pem").read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
        connection = http.client.HTTPSConnection("127.0.0.1", server.port, context=trusting(home), timeout=10)
        connection.request("GET", "/api/health")
        assert connection.getresponse().status == 200
    finally:
        server.stop()


def test_paragraph_and_character_limits_hold_even_when_the_zip_compresses_normally(monkeypatch):
    """The paragraph bomb above is refused by its compression ratio; this one only by counting."""
    from server import importer
    from server.importer import ImportFailed, extract_text

    monkeypatch.setattr(importer.extract, "MAX_DOCX_RATIO", 10**9)
    with pytest.raises(ImportFailed, match="段落太多"):
        extract_text(paragraph_bomb(200_000), "段落炸弹.docx")
    with pytest.raises(ImportFailed, match="行数太多"):
        extract_text(b"\n" * 200_000, "空行.txt")
