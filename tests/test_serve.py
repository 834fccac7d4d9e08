"""A real `biaotai serve` process on a free loopback port, over HTTPS with a certificate made by
`biaotai cert`, checked with the generated CA as the only trust root."""
from __future__ import annotations

import base64
import http.client
import io
import json
import os
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from support.live_server import Service
from workbook_factory import TEST_VALUES, base_content, make_workbook

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def biaotai(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT, env=env or clean_env(),
                          capture_output=True, text=True, timeout=120, **kwargs)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIAOTAI_")}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("certs")
    result = biaotai("cert", "--dir", str(directory))
    assert result.returncode == 0, result.stderr
    assert "certutil -addstore -user Root" in result.stdout and "受信任的根证书颁发机构" in result.stdout
    return directory


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    return make_workbook(tmp_path_factory.mktemp("library") / "section_library.xlsx")


@pytest.fixture(scope="module")
def service(certs, workbook, tmp_path_factory):
    log = tmp_path_factory.mktemp("log") / "serve.log"
    server = Service(["--library", str(workbook), "--certfile", str(certs / "server.pem"),
                      "--keyfile", str(certs / "server-key.pem")], clean_env(), log)
    yield server
    assert server.stop() == 0  # SIGTERM: a clean shutdown


def trusting(certs: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certs / "ca.pem"))


def call(url: str, context: ssl.SSLContext | None, method: str = "GET", body=None, headers=None,
         raw: bytes | None = None):
    """(status, headers, bytes) without proxies (loopback must not go through one)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url, data=data, method=method, headers={
        **({"Content-Type": "application/json"} if data is not None else {}), **(headers or {})})
    handlers = [urllib.request.ProxyHandler({})]
    if context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def api(service: Service, certs: Path, path: str, **kwargs):
    status, headers, data = call(service.url + quote(path, safe="/?=&"), trusting(certs), **kwargs)
    is_json = headers.get("Content-Type", "").startswith("application/json")
    return status, headers, json.loads(data) if is_json else data


# ---------------------------------------------------------------------------------------------


def test_certificate_is_for_localhost_and_loopback_addresses(service, certs):
    for host in ("localhost", "127.0.0.1"):
        status, _, data = call(f"https://{host}:{service.port}/api/health", trusting(certs))
        assert status == 200 and json.loads(data)["status"] == "ok"
    with pytest.raises(urllib.error.URLError) as info:
        call(f"https://localhost:{service.port}/api/health", ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))  # trusts nothing
    assert isinstance(info.value.reason, ssl.SSLCertVerificationError)


def test_every_endpoint_over_https(service, certs, workbook):
    status, headers, body = api(service, certs, "/api/health")
    assert status == 200 and body["status"] == "ok" and body["sections"] == 11
    assert headers["Server"] == "biaotai"
    assert api(service, certs, "/api/meetings")[2]["meetings"][0]["id"] == "动员会"
    assert api(service, certs, "/api/variables?meeting=反馈会")[0] == 200
    sections = api(service, certs, "/api/sections?q=后勤保障")[2]["sections"]
    assert [s["id"] for s in sections] == ["动员-要点2-1"]
    status, _, part = api(service, certs, "/api/sections/动员-要点2-1/render", method="POST",
                          body={"variables": TEST_VALUES, "style": "第一", "number": 4})
    assert status == 200 and part["paragraphs"][0].startswith("第四，全力配合工作")
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(part["docx_base64"]))) as package:
        assert "第四，" in package.read("word/document.xml").decode()
    status, _, speech = api(service, certs, "/api/speech", method="POST",
                            body={"meeting": "反馈会", "variables": TEST_VALUES, "seed": 3})
    assert status == 200 and [p["slot"] for p in speech["parts"]] == ["开场", "要点1", "要点2", "结尾"]
    status, headers, data = api(service, certs, "/api/speech.docx", method="POST",
                                body={"meeting": "动员会", "variables": TEST_VALUES})
    assert status == 200 and data[:2] == b"PK"
    assert unquote(headers["Content-Disposition"].split("''")[1]).endswith("工作动员会上的表态发言.docx")
    assert api(service, certs, "/api/lint", method="POST", body={"text": "疫情防控"})[2]["hits"]
    assert api(service, certs, "/api/library/check")[2]["ok"] is True
    assert api(service, certs, "/api/openapi.json")[2]["openapi"].startswith("3.0")


def test_errors_over_https(service, certs):
    status, _, body = api(service, certs, "/api/speech", method="POST", body={"meeting": "动员会"})
    assert status == 400 and body["error"]["field"] == "单位名称"
    status, _, body = api(service, certs, "/api/sections/没有/render", method="POST", body={})
    assert status == 404 and body["error"]["field"] == "id"
    status, headers, body = api(service, certs, "/api/speech")
    assert status == 405 and body["error"]["code"] == "method_not_allowed" and "POST" in headers["Allow"]
    assert api(service, certs, "/nothing")[2]["error"]["code"] == "not_found"
    status, _, body = api(service, certs, "/api/lint", method="POST", raw=b'{"text": "x"}',
                          headers={"Content-Type": "text/plain"})
    assert status == 415
    big = json.dumps({"text": "长" * 700_000}).encode()
    status, _, body = api(service, certs, "/api/lint", method="POST", raw=big)
    assert status == 413 and body["error"]["code"] == "too_large"


def test_keep_alive_connection_serves_many_requests(service, certs):
    connection = http.client.HTTPSConnection("localhost", service.port, context=trusting(certs), timeout=30)
    try:
        for number in range(1, 21):
            connection.request("POST", quote("/api/sections/动员-要点1-1/render"),
                               body=json.dumps({"variables": TEST_VALUES, "number": number}),
                               headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            body = json.loads(response.read())
            assert response.status == 200 and body["number"] == number
    finally:
        connection.close()


def test_json_access_log(service, certs):
    api(service, certs, "/api/meetings")
    time.sleep(0.2)
    entries = [json.loads(line) for line in service.stderr().splitlines() if line.startswith("{")]
    access = [e for e in entries if e["logger"] == "biaotai.access" and e["path"] == "/api/meetings"]
    assert access and access[-1]["status"] == 200 and access[-1]["library_id"] and access[-1]["ms"] >= 0


def test_editor_saves_while_requests_run(certs, tmp_path):
    """Broken save, in-place write in steps, atomic fix: no request fails, health tells."""
    path = make_workbook(tmp_path / "section_library.xlsx")
    good = path.read_bytes()
    server = Service(["--library", str(path), "--certfile", str(certs / "server.pem"),
                      "--keyfile", str(certs / "server-key.pem"), "--quiet"], clean_env(), tmp_path / "serve.log")
    stop = threading.Event()
    failures: list[str] = []
    done = [0]

    def client(n: int) -> None:
        connection = http.client.HTTPSConnection("127.0.0.1", server.port, context=trusting(certs), timeout=30)
        i = 0
        while not stop.is_set():
            i += 1
            values = {**TEST_VALUES, "单位名称": f"单位{n}-{i}"}
            if i % 2:
                path_, body = quote("/api/sections/动员-开场-1/render"), {"variables": values}
            else:
                path_, body = "/api/speech", {"meeting": "动员会", "variables": values, "seed": i}
            try:
                connection.request("POST", path_, body=json.dumps(body), headers={"Content-Type": "application/json"})
                response = connection.getresponse()
                data = response.read()
                if response.status != 200:
                    failures.append(f"{response.status} {data[:200]!r}")
                done[0] += 1
            except Exception as exc:  # noqa: BLE001 - every failure counts
                failures.append(repr(exc))
                connection.close()
                connection = http.client.HTTPSConnection("127.0.0.1", server.port, context=trusting(certs), timeout=30)
        connection.close()

    def health() -> dict:
        return api(server, certs, "/api/health")[2]

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    try:
        first = health()
        for thread in threads:
            thread.start()
        time.sleep(0.3)

        def broken(content):
            content["段落"][3][4] = "{{ 巡查组 }}来了"
        from server.workbook import build_workbook
        content = base_content()
        broken(content)
        temporary = path.with_name("new.xlsx")
        temporary.write_bytes(build_workbook(content))
        os.replace(temporary, path)
        time.sleep(0.3)
        state = health()
        assert state["status"] == "degraded" and state["since"] and state["library_id"] == first["library_id"]
        assert "巡查组" in state["message"]
        check = api(server, certs, "/api/library/check")[2]
        assert check["ok"] is False and check["errors"] == 1

        content = base_content()
        content["段落"].append(["动员-开场-3", "动员会", "开场", "", "新开场，{{ 自称 }}欢迎。", "", "", "是", "", ""])
        newer = build_workbook(content)
        with open(path, "wb") as handle:  # in place, in several steps
            for start in range(0, len(newer), 3000):
                handle.write(newer[start:start + 3000])
                handle.flush()
                time.sleep(0.05)
        time.sleep(0.3)
        state = health()
        assert state["status"] == "ok" and state["sections"] == 12 and state["since"] is None

        temporary.write_bytes(good)
        os.replace(temporary, path)
        time.sleep(0.3)
        assert health()["library_id"] == first["library_id"]
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        returncode = server.stop()
    assert failures == []
    assert done[0] > 40
    assert returncode == 0


def test_default_certificate_location(tmp_path, workbook):
    home = tmp_path / "home"
    env = clean_env(BIAOTAI_HOME=str(home))
    result = biaotai("cert", env=env)
    certs = home / "certs"  # a working folder (BIAOTAI_HOME) keeps its certificates in certs/
    assert result.returncode == 0 and (certs / "ca.pem").exists() and (certs / "server-key.pem").exists()
    first_ca = (certs / "ca.pem").read_bytes()
    assert biaotai("cert", env=env).returncode == 0
    assert (certs / "ca.pem").read_bytes() == first_ca  # the CA stays: no need to trust it again
    server = Service(["--library", str(workbook)], env, tmp_path / "serve.log")
    try:
        assert server.url.startswith("https://127.0.0.1:")
        status, _, _ = call(f"https://localhost:{server.port}/api/health", trusting(certs))
        assert status == 200
    finally:
        assert server.stop() == 0


def test_working_folder_config_sets_library_and_log_file(tmp_path, workbook):
    """biaotai.toml in the working folder (BIAOTAI_HOME) names the library and the log file."""
    home = tmp_path / "office"
    assert biaotai("init", str(home)).returncode == 0
    (home / "biaotai.toml").write_text(f'LIBRARY = "{workbook.as_posix()}"\nLOG_FILE = "logs/服务.log"\n',
                                       encoding="utf-8")
    server = Service(["--insecure-http"], clean_env(BIAOTAI_HOME=str(home)), tmp_path / "serve.log")
    try:
        status, _, data = call(f"{server.url}/api/health", None)
        assert status == 200 and json.loads(data)["path"] == str(workbook)
    finally:
        assert server.stop() == 0
    assert "/api/health" in (home / "logs" / "服务.log").read_text(encoding="utf-8")


def test_refuses_to_start_without_a_certificate(tmp_path, workbook):
    result = biaotai("serve", "--port", "0", "--library", str(workbook),
                     env=clean_env(BIAOTAI_HOME=str(tmp_path / "empty")))
    assert result.returncode == 1
    assert "biaotai cert" in result.stderr and "--insecure-http" in result.stderr
    result = biaotai("serve", "--port", "0", "--library", str(workbook), "--certfile", str(tmp_path / "none.pem"),
                     "--keyfile", str(tmp_path / "none.pem"))
    assert result.returncode == 1 and "找不到证书文件" in result.stderr


def test_insecure_http_only_when_asked_and_with_a_warning(tmp_path, workbook):
    server = Service(["--library", str(workbook), "--insecure-http"], clean_env(), tmp_path / "serve.log")
    try:
        assert server.url.startswith("http://127.0.0.1:")
        status, _, data = call(f"{server.url}/api/health", None)
        assert status == 200 and json.loads(data)["status"] == "ok"
        assert "Word 不会从 HTTP 地址加载加载项" in server.stderr()
    finally:
        assert server.stop() == 0


def test_token_protects_the_api(certs, workbook, tmp_path):
    server = Service(["--library", str(workbook), "--certfile", str(certs / "server.pem"),
                      "--keyfile", str(certs / "server-key.pem")], clean_env(BIAOTAI_TOKEN="t0ken-for-vba"),
                     tmp_path / "serve.log")
    try:
        assert api(server, certs, "/api/health")[0] == 200
        status, headers, body = api(server, certs, "/api/meetings")
        assert status == 401 and body["error"]["code"] == "unauthorized"
        assert api(server, certs, "/api/meetings", headers={"Authorization": "Bearer t0ken-for-vba"})[0] == 200
        assert api(server, certs, "/api/speech", method="POST", headers={"X-Biaotai-Token": "t0ken-for-vba"},
                   body={"meeting": "动员会", "variables": TEST_VALUES})[0] == 200
    finally:
        assert server.stop() == 0


def test_starts_with_a_broken_library_and_recovers(certs, tmp_path):
    path = tmp_path / "section_library.xlsx"
    path.write_bytes(b"not a workbook")
    server = Service(["--library", str(path), "--certfile", str(certs / "server.pem"),
                      "--keyfile", str(certs / "server-key.pem")], clean_env(), tmp_path / "serve.log")
    try:
        status, _, body = api(server, certs, "/api/health")
        assert status == 503 and body["status"] == "unavailable"
        assert api(server, certs, "/api/meetings")[0] == 503
        assert "段落库不可用" in server.stderr()
        make_workbook(path)
        assert api(server, certs, "/api/health")[2]["status"] == "ok"
    finally:
        assert server.stop() == 0


def test_rude_clients_do_not_hurt_the_service(service, certs):
    """Plain HTTP on the TLS port, handshakes abandoned, requests cut off half-way."""
    import socket
    for _ in range(5):
        with socket.create_connection(("127.0.0.1", service.port), timeout=5) as raw:
            raw.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")  # not TLS
            try:
                raw.recv(100)
            except OSError:
                pass
        socket.create_connection(("127.0.0.1", service.port), timeout=5).close()  # no handshake at all
    for _ in range(20):
        raw = socket.create_connection(("127.0.0.1", service.port), timeout=5)
        tls = trusting(certs).wrap_socket(raw, server_hostname="localhost")
        tls.sendall(b"POST /api/speech HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 1000\r\n\r\n{\"meeting\"")  # and then gone
        tls.close()
    status, _, body = api(service, certs, "/api/health")
    assert status == 200 and body["status"] == "ok"
    assert api(service, certs, "/api/speech", method="POST",
               body={"meeting": "动员会", "variables": TEST_VALUES})[0] == 200
