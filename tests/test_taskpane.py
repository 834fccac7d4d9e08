"""The Word task pane, used as a writer would: the real page in headless Chromium, served by a real
`biaotai serve` (HTTPS, certificate from `biaotai cert`) on loopback, with tests/officejs_double.js
standing in for Microsoft's office.js (routed in place of the CDN address; the page is unchanged).

Also: every task-pane script parses as ES5.1 and uses nothing IE11 lacks; the page is served with
the configured office.js address.
"""
from __future__ import annotations

import base64
import json
import os
import re
import time
import ssl
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from support.docx_readers import run_text
from support.live_server import Service
from workbook_factory import TEST_VALUES, make_workbook

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "server" / "static"
DOUBLE = Path(__file__).resolve().parent / "officejs_double.js"
ARTIFACTS = ROOT / "test-artifacts"
OFFICE_JS = "https://appsforoffice.microsoft.com/lib/1/hosted/office.js"
MEETING = "动员会"
# What the pane sends for 动员会: the writer's values for that meeting's variables only.
VALUES = {k: v for k, v in TEST_VALUES.items() if k != "巡察期间"}
OUTDATED = "党的十九大以来"


# ---------------------------------------------------------------------------------------------
# ES5: what Word 2016/2019's IE11 task panes can run


IE11_MISSING_MEMBERS = {
    "includes", "startsWith", "endsWith", "findIndex", "assign", "entries", "values", "fill", "repeat",
    "padStart", "padEnd", "closest", "append", "prepend", "remove", "replaceWith", "isInteger", "trunc",
}
FORBIDDEN_GLOBALS = {"fetch", "Promise", "Symbol", "Map", "Set", "WeakMap", "Proxy", "Reflect", "TextDecoder",
                     "TextEncoder", "async", "await", "let", "const"}
FORBIDDEN_TOKENS = re.compile(r"\blet\b|\bconst\b|=>|`|\bclass\b|\bfetch\b|\bPromise\b|\basync\b|\bawait\b"
                              r"|\bfor\s*\([^;)]*\bof\b|\.\.\.")


def pane_scripts() -> list[Path]:
    scripts = sorted(STATIC.rglob("*.js"))
    assert scripts, f"{STATIC} 下没有脚本"
    return scripts


def _walk(node, found: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, found)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind == "VariableDeclaration" and node.get("kind") != "var":
        found.append(f"{node.get('kind')} 声明")
    if kind in ("FunctionDeclaration", "FunctionExpression"):
        if any(d is not None for d in node.get("defaults") or []):
            found.append("参数默认值")
        if node.get("generator"):
            found.append("生成器函数")
    if kind == "Property" and (node.get("shorthand") or node.get("method") or node.get("computed")):
        found.append("ES2015 对象字面量写法")
    if kind == "Identifier" and node.get("name") in FORBIDDEN_GLOBALS:
        found.append(f"标识符 {node['name']}")
    callee = node.get("callee") or {} if kind == "CallExpression" else {}
    if callee.get("type") == "MemberExpression" and not callee.get("computed"):
        name = (callee.get("property") or {}).get("name")
        if name in IE11_MISSING_MEMBERS:
            found.append(f"IE11 没有的 .{name}()")
    for key, value in node.items():
        if key != "type":
            _walk(value, found)


def _literals(node, raws: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _literals(item, raws)
    elif isinstance(node, dict):
        if node.get("type") == "Literal" and isinstance(node.get("raw"), str):
            raws.append(node["raw"])
        for value in node.values():
            _literals(value, raws)


def code_without_literals_and_comments(source: str, tree) -> str:
    raws: list[str] = []
    _literals(tree, raws)
    for raw in sorted(set(raws), key=len, reverse=True):
        source = source.replace(raw, "0")
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    return re.sub(r"//[^\n]*", "", source)


@pytest.mark.parametrize("script", pane_scripts(), ids=lambda p: str(p.relative_to(STATIC)))
def test_task_pane_scripts_are_es5(script: Path):
    pyjsparser = pytest.importorskip("pyjsparser", reason="需要 pyjsparser 按 ES5.1 解析任务窗格脚本")
    source = script.read_text(encoding="utf-8")
    try:
        tree = pyjsparser.parse(source)
    except Exception as exc:  # pyjsparser's JsSyntaxError
        pytest.fail(f"{script.name} 不是有效的 ES5.1：{exc}")
    found: list[str] = []
    _walk(tree, found)
    assert not found, f"{script.name} 使用了 IE11 不支持的写法：{sorted(set(found))}"
    tokens = sorted(set(m.group(0) for m in FORBIDDEN_TOKENS.finditer(code_without_literals_and_comments(source, tree))))
    assert not tokens, f"{script.name} 含有 ES2015+ 记号：{tokens}"


def test_es5_check_catches_modern_code():
    pyjsparser = pytest.importorskip("pyjsparser", reason="需要 pyjsparser 按 ES5.1 解析任务窗格脚本")
    for bad in ["let a = 1;", "const a = 1;", "function f(a, b = 1) {}", "fetch('/api');", "var p = Promise.resolve();",
                "var s = 'a'.startsWith('b');", "var o = {a};", "x.closest('li');"]:
        tree = pyjsparser.parse(bad)
        found: list[str] = []
        _walk(tree, found)
        assert found, bad
    for bad in ["var f = (a) => a;", "var s = `t`;", "class A {}", "for (var x of y) {}"]:
        with pytest.raises(Exception):
            pyjsparser.parse(bad)


# ---------------------------------------------------------------------------------------------
# The page as served (no browser)


def test_pane_page_names_the_configured_office_js(library_path):
    from server import create_app
    default = create_app({"TESTING": True, "LIBRARY": str(library_path)}).test_client().get("/taskpane/")
    assert default.status_code == 200 and default.mimetype == "text/html"
    assert f'src="{OFFICE_JS}"' in default.get_data(as_text=True)
    assert default.headers["Cache-Control"] == "no-cache"

    mirror = "https://office.intranet.example/lib/1/hosted/office.js?a=1&b=2"
    app = create_app({"TESTING": True, "LIBRARY": str(library_path), "OFFICE_JS_URL": mirror})
    client = app.test_client()
    html = client.get("/taskpane/").get_data(as_text=True)
    assert 'src="https://office.intranet.example/lib/1/hosted/office.js?a=1&amp;b=2"' in html
    assert OFFICE_JS not in html
    # assets carry a version so Office's cache cannot serve an old script after an update
    script = re.search(r'src="(taskpane\.js\?v=[0-9a-f]+)"', html).group(1)
    style = re.search(r'href="(taskpane\.css\?v=[0-9a-f]+)"', html).group(1)
    assert client.get("/taskpane/" + script).status_code == 200
    assert client.get("/taskpane/" + style).mimetype == "text/css"
    assert client.get("/taskpane/taskpane.html").get_data(as_text=True) == html
    assert client.get("/taskpane/../addin.py").status_code == 404
    assert client.get("/taskpane/missing.js").get_json()["error"]["code"] == "not_found"


# ---------------------------------------------------------------------------------------------
# A real server and a real browser


class Server:
    """`biaotai serve` in a child process; start() may be called again after stop() (same port)."""

    def __init__(self, library: Path, certs: dict[str, Path], log: Path, env: dict[str, str] | None = None):
        self.library, self.certs, self.log, self.env = library, certs, log, env or {}
        self.port = 0
        self.service: Service | None = None
        self.url = ""

    def start(self, ready: tuple[str, ...] = ("ok",)) -> "Server":
        """Start and wait until /api/health reports one of `ready` (a broken library: "unavailable")."""
        env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8", **self.env)
        self.service = Service(["--host", "127.0.0.1", "--port", str(self.port), "--library", str(self.library),
                                "--certfile", str(self.certs["cert"]), "--keyfile", str(self.certs["key"]), "--quiet"],
                               env, self.log)
        self.url, self.port = self.service.url, self.service.port
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                status = self.get("/api/health")["status"]
            except urllib.error.HTTPError as exc:
                status = json.loads(exc.read()).get("status")
            except OSError:
                status = None
            if status in ready:
                return self
            time.sleep(0.1)
        raise RuntimeError(f"服务没有就绪：{self.service.stderr()[-2000:]}")

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()

    def _open(self, path: str, body: dict | None = None):
        context = ssl.create_default_context(cafile=str(self.certs["ca"]))
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method="POST" if data else "GET",
                                         headers={"Content-Type": "application/json"} if data else {})
        return urllib.request.urlopen(request, context=context, timeout=30)

    def get(self, path: str):
        with self._open(path) as response:
            return json.loads(response.read())

    def post(self, path: str, body: dict):
        with self._open(path, body) as response:
            return json.loads(response.read())

    def post_bytes(self, path: str, body: dict) -> bytes:
        with self._open(path, body) as response:
            return response.read()


def _library_with_outdated_phrase(path: Path) -> Path:
    """The test library, with one variant of 要点1 using wording the 提法 sheet flags."""
    def edit(content):
        for row in content["段落"]:
            if row[0] == "动员-要点1-2":
                row[4] = OUTDATED + "，" + row[4]
    return make_workbook(path, edit)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, certificates):
    folder = tmp_path_factory.mktemp("pane-server")
    server = Server(_library_with_outdated_phrase(folder / "section_library.xlsx"), certificates, folder / "serve.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 320, "height": 900}, ignore_https_errors=True,
                                  accept_downloads=True, locale="zh-CN")
    context.set_default_timeout(20000)
    yield context
    context.close()


class Document:
    """A Word document as the double sees it: the settings saved with it (survive closing the pane)."""

    def __init__(self, settings: dict | None = None):
        self.settings = settings or {}

    def save(self, text: str) -> None:
        self.settings = json.loads(text)


_FIRST_VARIANTS: dict[str, int | None] = {}


def first_variants_seed(server: Server) -> int | None:
    """A seed with which the service picks the first variant of every part of MEETING.

    A new document gets a fresh seed from the service (issue 14). These tests read the test
    library's first variants, so the pane's first /api/speech carries this seed, as it would for a
    document the service had given it before."""
    if server.url not in _FIRST_VARIANTS:
        _FIRST_VARIANTS[server.url] = None  # a server that cannot compose MEETING (broken, token, other library)
        for seed in range(1, 200):
            try:
                speech = server.post("/api/speech", {"meeting": MEETING, "variables": VALUES, "seed": seed})
            except urllib.error.HTTPError:
                break
            if all(part["section_id"].endswith("-1") for part in speech["parts"]):
                _FIRST_VARIANTS[server.url] = seed
                break
    return _FIRST_VARIANTS[server.url]


def pin_first_variants(target, server: Server) -> int | None:
    """Route a page's or context's /api/speech requests that carry no seed to first_variants_seed."""
    seed = first_variants_seed(server)
    if seed is None:
        return None

    def pin(route) -> None:
        body = json.loads(route.request.post_data or "{}")
        body.setdefault("seed", seed)
        route.continue_(post_data=json.dumps(body, ensure_ascii=False).encode("utf-8"))

    target.route(re.compile(r"/api/speech(\.docx)?$"), pin)
    return seed


def open_pane(context, server: Server, document: Document | None = None, *, host: str | None = "Word",
              fail_insert_file: bool = False, office_js: str = "double", wait: str = "ready"):
    """The task pane in a new page, as Word would open it for `document`."""
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    pin_first_variants(page, server)
    if document is not None:
        page.expose_function("__officeDoubleSaveSettings", document.save)
    config = {"host": host, "failInsertFile": fail_insert_file, "settings": document.settings if document else {}}
    source = "window.__officeDoubleConfig = " + json.dumps(config, ensure_ascii=False) + ";\n" + DOUBLE.read_text("utf-8")
    if office_js == "double":
        page.route(OFFICE_JS, lambda route: route.fulfill(status=200, content_type="text/javascript; charset=utf-8",
                                                           body=source))
    else:
        page.route(OFFICE_JS, lambda route: route.abort("internetdisconnected"))
    page.goto(server.url + "/taskpane/")
    page.wait_for_selector(f'body[data-state="{wait}"]', timeout=20000)
    if wait == "ready":
        idle(page)
    return page


def idle(page) -> None:
    """No request running and no change waiting to be sent."""
    page.wait_for_timeout(650)  # the pane waits 500 ms after typing before asking for previews
    page.wait_for_selector('body[data-busy="0"]', timeout=20000)


def fill_values(page, values: dict[str, str]) -> None:
    """Type values into the form as a writer would (the narrow panes first open their 单位信息 tab)."""
    if page.locator("#tab-info").count():
        page.click("#tab-info")
    for key, value in values.items():
        field = page.locator(f'[data-key="{key}"]')
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    idle(page)


def wait_saved(page, document: Document, check) -> None:
    """Until the settings the pane saved with `document` pass `check` (the pane saves shortly after a change)."""
    deadline = time.time() + 10
    while time.time() < deadline:
        saved = document.settings.get("biaotai")
        if saved and check(saved):
            return
        page.wait_for_timeout(50)  # lets Playwright deliver the double's save to Python
    raise AssertionError(f"窗格没有把设置保存到文档：{document.settings}")


def card(page, slot: str):
    return page.locator(f'#plan li[data-slot="{slot}"]')


def inserted(page) -> list[dict]:
    return page.evaluate("window.__officeDouble.document")


def banner(page):
    return page.locator("#banner")


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def no_horizontal_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"任务窗格在 320 px 宽时出现横向滚动（内容宽 {width} px）"


# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_writer_fills_the_form_and_inserts_numbered_parts(context, live_server):
    from playwright.sync_api import expect
    page = open_pane(context, live_server, Document())
    expect(page.locator("#vars-origin")).to_contain_text("请填写单位信息")
    # labels, help and required marks come from /api/variables
    name = page.locator('[data-field="单位名称"]')
    expect(name.locator("label")).to_have_text("单位全称 *")
    expect(name.locator(".help")).to_have_text("被巡察单位的全称")
    expect(page.locator('[data-key="单位名称"]')).to_have_attribute("placeholder", "例如：市工业和信息化局")
    expect(page.locator("#missing-count")).to_have_text("8")
    no_horizontal_overflow(page)
    screenshot(page, "taskpane-320-form.png")

    fill_values(page, VALUES)
    expect(page.locator("#missing-count")).to_be_hidden()
    # derived values: shown from the unit type, overridable, restored when cleared
    expect(page.locator('[data-field="自称"] .derived')).to_have_text("自动：「我局」")
    expect(page.locator('[data-key="自称"]')).to_have_attribute("placeholder", "我局")
    expect(page.locator("#derived-summary")).to_have_text("按「局」：我局、全局上下、局、局党组、局领导班子、全局干部职工、各科室、各直属单位、事业、干部群众、人民群众")
    from server.limits import MAX_VALUE  # the form takes the service's limit on a value, not one of its own
    assert page.get_attribute('input[data-key="单位名称"]', "maxlength") == str(MAX_VALUE)
    fill_values(page, {"单位类型": "委"})
    expect(page.locator('[data-field="自称"] .derived')).to_have_text("自动：「我委」")
    expect(page.locator('[data-key="自称"]')).to_be_hidden()
    page.get_by_role("button", name="由单位类型推导（可改写）").click()
    fill_values(page, {"单位类型": "局", "自称": "本局"})
    expect(page.locator('[data-field="自称"] .derived')).to_contain_text("已改写")

    page.click("#tab-parts")
    expect(card(page, "开场").locator(".preview")).to_contain_text("市委第四巡察组今天进驻本局")
    fill_values(page, {"自称": ""})
    page.click("#tab-parts")
    expect(card(page, "开场").locator(".preview")).to_contain_text("市委第四巡察组今天进驻我局")
    titles = page.locator("#plan .card-title").all_inner_texts()
    assert titles == ["称呼", "开场", "第 1 点", "第 2 点", "结尾"]

    # 换一个 cycles 要点2's variants; the preview is the service's, numbered by position
    point2 = card(page, "要点2")
    expect(point2.locator(".card-meta")).to_have_text("1/2　动员-要点2-1")
    point2.get_by_role("button", name="换一个").click()
    expect(point2.locator(".card-meta")).to_have_text("2/2　动员-要点2-2")
    expect(point2.locator(".preview")).to_have_text("二是坚持立行立改，推动整改落实。对市委第四巡察组指出的问题，我局立行立改。")
    idle(page)

    sent = []
    page.on("request", lambda r: sent.append(json.loads(r.post_data)) if "/render" in r.url else None)
    point2.get_by_role("button", name="插入段落").click()
    expect(banner(page)).to_contain_text("已在光标处插入第 2 点")
    expect(banner(page)).to_have_attribute("data-kind", "success")
    # the pane says which points the speech keeps, in what order; the service numbers the part
    assert sent[-1] == {"meeting": MEETING, "variables": VALUES, "style": "一是", "order": ["要点1", "要点2"],
                        "seed": first_variants_seed(live_server)}
    expected = live_server.post("/api/sections/" + urllib.request.quote("动员-要点2-2") + "/render", sent[-1])
    assert expected["number"] == 2
    doc = inserted(page)
    assert [d["kind"] for d in doc] == ["file"]
    assert doc[0]["base64"] == expected["docx_base64"], "插入的片段应与服务为第 2 点渲染的完全相同"
    assert doc[0]["location"] == "Replace"
    assert run_text(base64.b64decode(doc[0]["base64"])).startswith("二是坚持立行立改，推动整改落实。")
    run = page.evaluate("window.__officeDouble.runs")[-1]
    assert run["status"] == "succeeded" and run["unsynced"] == 0
    assert [op["method"] for op in run["ops"]] == ["insertFileFromBase64", "select"]
    assert run["ops"][1]["location"] == "End", "插入后光标应在插入内容之后，便于接着插入下一部分"

    # leave 要点1 out: 要点2 becomes the first point, and is inserted as such
    card(page, "要点1").get_by_role("button", name="不用").click()
    expect(point2.locator(".card-title")).to_have_text("第 1 点")
    expect(point2.locator(".preview")).to_contain_text("一是坚持立行立改")
    idle(page)
    point2.get_by_role("button", name="插入段落").click()
    expect(banner(page)).to_contain_text("已在光标处插入第 1 点")
    assert sent[-1]["omit"] == ["要点1"] and "number" not in sent[-1]
    assert run_text(base64.b64decode(inserted(page)[-1]["base64"])).startswith("一是坚持立行立改")

    # take it back and move 要点2 up: 要点1 is now the second point
    card(page, "要点1").get_by_role("button", name="恢复").click()
    point2.get_by_role("button", name="上移").click()
    expect(page.locator("#plan li")).to_have_count(5)
    assert page.locator("#plan li").evaluate_all("els => els.map(e => e.dataset.slot)") == [
        "称呼", "开场", "要点2", "要点1", "结尾"]
    expect(card(page, "要点1").locator(".preview")).to_contain_text("二是提高政治站位")

    # another numbering style renumbers every preview
    page.get_by_role("radio", name="一、").click()
    expect(point2.locator(".preview")).to_contain_text("一、坚持立行立改，推动整改落实")
    expect(card(page, "要点1").locator(".preview")).to_contain_text("二、提高政治站位，主动接受巡察监督")
    idle(page)

    # the section browser: search, each entry previewed with the current values and numbered
    page.fill("#search", "监督")
    results = page.locator("#results li")
    expect(results).to_have_count(2)
    first = page.locator('#results li[data-section="动员-要点1-1"]')
    expect(first.locator(".preview")).to_contain_text("二、提高政治站位，主动接受巡察监督")
    expect(first.locator(".preview")).not_to_have_class(re.compile("preview-raw"))
    page.fill("#search", "")
    page.select_option("#slot-filter", "要点1")
    other = page.locator('#results li[data-section="动员-要点1-2"]')
    expect(other.locator(".preview")).to_contain_text("二、统一思想认识")
    other.get_by_role("button", name="插入段落").click()
    expect(banner(page)).to_contain_text("已在光标处插入第 2 点")
    # wording the 提法 sheet flags comes back as a warning that says what to write instead
    expect(banner(page)).to_have_attribute("data-kind", "warning")
    expect(banner(page)).to_contain_text("建议改为「党的二十大以来」")
    other.get_by_role("button", name="选用").click()
    page.select_option("#slot-filter", "")
    expect(card(page, "要点1").locator(".card-meta")).to_have_text("2/2　动员-要点1-2")
    idle(page)
    no_horizontal_overflow(page)
    assert page.errors == []
    screenshot(page, "taskpane-320.png")


@pytest.mark.slow
def test_plain_text_fallback_when_word_refuses_the_file(context, live_server):
    from playwright.sync_api import expect
    document = Document({"biaotai": {"v": 1, "meeting": MEETING, "values": VALUES}})
    page = open_pane(context, live_server, document, fail_insert_file=True)
    page.click("#tab-parts")
    point1 = card(page, "要点1")
    expect(point1.locator(".preview")).to_contain_text("一是提高政治站位")
    point1.get_by_role("button", name="插入段落").click()
    expect(banner(page)).to_contain_text("已在光标处插入第 1 点")
    expect(banner(page)).to_contain_text("已改为插入纯文字")
    expect(banner(page)).to_contain_text("GeneralException")
    runs = page.evaluate("window.__officeDouble.runs")
    assert [r["status"] for r in runs] == ["failed", "succeeded"]
    doc = inserted(page)
    assert len(doc) == 1 and doc[0]["kind"] == "paragraph"
    paragraph = doc[0]
    assert paragraph["text"] == "巡察是政治体检，局领导班子要带头接受监督。"
    assert paragraph["location"] == "Before"
    assert paragraph["format"]["font"] == {"name": "仿宋_GB2312", "size": 16, "bold": False}
    assert paragraph["format"]["firstLineIndent"] == 32
    assert paragraph["format"]["alignment"] == "Justified"
    assert paragraph["leads"] == [{"text": "一是提高政治站位，主动接受巡察监督。", "location": "Start", "font": {"name": "黑体"}}]
    assert page.errors == []


@pytest.mark.slow
def test_generate_full_speech_and_download(context, live_server, tmp_path):
    from playwright.sync_api import expect
    document = Document({"biaotai": {"v": 1, "meeting": MEETING, "style": "第一", "values": VALUES,
                                     "choices": {"要点2": "动员-要点2-2"}, "order": ["要点1", "要点2"], "omit": []}})
    page = open_pane(context, live_server, document)
    page.click("#tab-full")
    speech = live_server.post("/api/speech", {"meeting": MEETING, "variables": VALUES, "style": "第一",
                                              "order": ["要点1", "要点2"], "choices": {"要点2": "动员-要点2-2"},
                                              "seed": first_variants_seed(live_server)})
    expect(page.locator("#full-summary .summary-title")).to_have_text(speech["title"])
    expect(page.locator("#full-summary")).to_contain_text(f"约 {speech['characters']} 字")
    expect(page.locator("#full-warnings")).to_contain_text("可增加要点")

    page.evaluate("""() => {
        window.__busySeen = [];
        new MutationObserver(() => window.__busySeen.push(document.getElementById('busy-text').textContent))
            .observe(document.getElementById('busy'), {attributes: true});
    }""")
    page.get_by_role("button", name="生成全文").click()
    expect(banner(page)).to_contain_text("已在光标处插入全文")
    expect(page.locator("#busy")).not_to_have_class(re.compile("busy-on"))
    seen = page.evaluate("window.__busySeen")
    assert "正在组稿…" in seen and "正在插入…" in seen, f"请求进行时应显示忙碌提示：{seen}"
    expect(banner(page)).to_contain_text("可增加要点或换用更充实的段落")
    expected = live_server.post_bytes("/api/speech.docx", {"meeting": MEETING, "variables": VALUES, "style": "第一",
                                                           "order": ["要点1", "要点2"], "choices": {"要点2": "动员-要点2-2"},
                                                           "seed": first_variants_seed(live_server)})
    doc = inserted(page)
    assert len(doc) == 1 and doc[0]["kind"] == "file"
    assert base64.b64decode(doc[0]["base64"]) == expected, "插入的应是服务生成的整篇 .docx"
    text = run_text(expected)
    assert speech["title"] in text and "第二，坚持立行立改" in text

    with page.expect_download() as info:
        page.get_by_role("button", name="下载 .docx").click()
    download = info.value
    assert download.suggested_filename == speech["title"] + ".docx"
    saved = tmp_path / "speech.docx"
    download.save_as(saved)
    assert saved.read_bytes() == expected
    expect(banner(page)).to_contain_text("已下载")
    no_horizontal_overflow(page)
    screenshot(page, "taskpane-320-full.png")
    assert page.errors == []


@pytest.mark.slow
def test_values_are_remembered_per_document_and_per_user(context, live_server):
    from playwright.sync_api import expect
    first = Document()
    page = open_pane(context, live_server, first)
    fill_values(page, VALUES)
    page.get_by_role("radio", name="第一").click()
    page.click("#tab-parts")
    card(page, "要点2").get_by_role("button", name="换一个").click()
    idle(page)
    wait_saved(page, first, lambda saved: saved.get("choices", {}).get("要点2") == "动员-要点2-2")
    page.close()
    saved = first.settings["biaotai"]
    assert saved["values"] == VALUES and saved["style"] == "第一" and saved["meeting"] == MEETING

    # reopening the pane on the same document restores its unit, style and choices
    page = open_pane(context, live_server, first)
    expect(page.locator("#vars-origin")).to_have_text("已恢复本文档保存的单位信息。")
    for key, value in VALUES.items():
        expect(page.locator(f'[data-key="{key}"]')).to_have_value(value)
    expect(page.get_by_role("radio", name="第一")).to_have_attribute("aria-checked", "true")
    page.click("#tab-parts")
    expect(card(page, "要点2").locator(".card-meta")).to_have_text("2/2　动员-要点2-2")
    expect(card(page, "要点2").locator(".preview")).to_contain_text("第二，坚持立行立改")
    page.close()

    # a new document starts from what this user typed last
    second = Document()
    page = open_pane(context, live_server, second)
    expect(page.locator("#vars-origin")).to_contain_text("新文档")
    expect(page.locator('[data-key="单位名称"]')).to_have_value("市工业和信息化局")
    fill_values(page, {"单位名称": "市发展和改革委员会", "单位类型": "委"})
    wait_saved(page, second, lambda saved: saved["values"]["单位名称"] == "市发展和改革委员会")
    page.close()

    # ... and the first document keeps its own unit
    page = open_pane(context, live_server, first)
    expect(page.locator('[data-key="单位名称"]')).to_have_value("市工业和信息化局")
    expect(page.locator('[data-key="单位类型"]')).to_have_value("局")
    assert page.errors == []


@pytest.mark.slow
def test_stopped_server_shows_error_banner(context, certificates, tmp_path):
    from playwright.sync_api import expect
    server = Server(make_workbook(tmp_path / "section_library.xlsx"), certificates, tmp_path / "serve.log").start()
    try:
        page = open_pane(context, server, Document({"biaotai": {"v": 1, "meeting": MEETING, "values": VALUES}}))
        page.click("#tab-parts")
        expect(card(page, "要点1").locator(".preview")).to_contain_text("一是提高政治站位")
        server.stop()
        card(page, "要点1").get_by_role("button", name="插入段落").click()
        expect(banner(page)).to_have_attribute("data-kind", "error")
        expect(banner(page)).to_contain_text("无法连接表态发言服务")
        expect(banner(page)).to_contain_text("biaotai serve")
        expect(page.locator('body[data-busy="0"]')).to_have_count(1)
        assert inserted(page) == []
        screenshot(page, "taskpane-320-offline.png")

        # the service comes back on the same address: 重试 does what failed
        server.start()
        banner(page).get_by_role("button", name="重试").click()
        expect(banner(page)).to_contain_text("已在光标处插入第 1 点")
        assert len(inserted(page)) == 1
    finally:
        server.stop()


@pytest.mark.slow
def test_broken_library_is_reported_with_what_to_do(context, certificates, tmp_path):
    from playwright.sync_api import expect
    broken = tmp_path / "section_library.xlsx"
    broken.write_bytes(b"not a workbook")
    server = Server(broken, certificates, tmp_path / "serve.log").start(ready=("unavailable",))
    try:
        page = open_pane(context, server, Document(), wait="starting")
        expect(banner(page)).to_have_attribute("data-kind", "error")
        expect(banner(page)).to_contain_text("段落库")
        expect(banner(page)).to_contain_text("请联系段落库的编辑人员")
        expect(banner(page).get_by_role("button", name="重试")).to_be_visible()
        assert page.errors == []
    finally:
        server.stop()


@pytest.mark.slow
def test_outside_office_the_page_says_to_open_it_in_word(context, live_server):
    from playwright.sync_api import expect
    page = open_pane(context, live_server, None, host=None, wait="no-host")
    expect(page.locator("#no-host")).to_be_visible()
    expect(page.locator("#no-host")).to_contain_text("请在 Word 中打开")
    expect(page.locator("#no-host-reason")).to_contain_text("在浏览器中直接打开")
    expect(page.locator("#app")).to_be_hidden()
    assert page.errors == []
    screenshot(page, "taskpane-320-no-office.png")
    # the writer may still look and download, but not insert
    page.get_by_role("button", name="在浏览器中继续").click()
    page.wait_for_selector('body[data-state="ready"]')
    fill_values(page, VALUES)
    page.click("#tab-parts")
    insert = card(page, "要点1").get_by_role("button", name="插入段落")
    expect(insert).to_be_disabled()
    assert page.errors == []


@pytest.mark.slow
def test_when_office_js_cannot_load_the_page_says_so(context, live_server):
    from playwright.sync_api import expect
    page = open_pane(context, live_server, None, office_js="unreachable", wait="no-host")
    expect(page.locator("#no-host-reason")).to_contain_text("没能加载 Office.js")
    expect(page.locator("#no-host-reason")).to_contain_text("OFFICE_JS_URL")
    assert page.errors == []


@pytest.mark.slow
def test_served_manifest_points_at_the_running_server(live_server):
    """The manifest from a real `biaotai serve` names its HTTPS address (validated in test_manifest)."""
    context = ssl.create_default_context(cafile=str(live_server.certs["ca"]))
    with urllib.request.urlopen(live_server.url + "/manifest.xml", context=context, timeout=30) as response:
        text = response.read().decode("utf-8")
    assert f"{live_server.url}/taskpane/" in text and "localhost:8443" not in text
    from test_manifest import validate_manifest
    validate_manifest(text.encode("utf-8"))
    with urllib.request.urlopen(live_server.url + "/icons/icon-80.png", context=context, timeout=30) as response:
        assert response.read()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_shipped_library_in_the_pane(context, certificates, tmp_path):
    """The real section library at 320 px: every slot previewed, nothing wider than the pane."""
    from playwright.sync_api import expect
    library = tmp_path / "section_library.xlsx"  # a copy: the service keeps its history beside the library
    library.write_bytes((ROOT / "section_library.xlsx").read_bytes())
    server = Server(library, certificates, tmp_path / "serve.log").start()
    try:
        schema = server.get("/api/variables?meeting=" + urllib.request.quote(MEETING))["variables"]
        values = {v["key"]: v["example"] for v in schema if v["example"] and not v["derived"]}
        page = open_pane(context, server, Document({"biaotai": {"v": 1, "meeting": MEETING, "values": values}}))
        expect(page.locator("#missing-count")).to_be_hidden()
        page.click("#tab-parts")
        meeting = next(m for m in server.get("/api/meetings")["meetings"] if m["id"] == MEETING)
        expect(page.locator("#plan li")).to_have_count(len(meeting["slots"]))
        expect(page.locator("#plan .preview-raw")).to_have_count(0)
        expect(card(page, "要点1").locator(".preview")).to_contain_text("一是")
        no_horizontal_overflow(page)
        screenshot(page, "taskpane-320-shipped.png")
        page.click("#tab-info")
        for key in ("发言人身份", "委托人", "巡察重点", "会议日期"):  # issue 13: offered with their help text
            spec = next(v for v in schema if v["key"] == key)
            expect(page.locator(f'[data-field="{key}"] .help')).to_have_text(spec["help"])
        expect(page.locator('[data-field="发言人身份"] option')).to_have_count(3)  # 请选择 + two roles
        page.get_by_role("button", name="由单位类型推导（可改写）").click()
        no_horizontal_overflow(page)
        screenshot(page, "taskpane-320-shipped-form.png")
        assert page.errors == []
    finally:
        server.stop()


@pytest.mark.slow
def test_pane_follows_a_library_the_editors_updated(context, certificates, tmp_path):
    """Editors save a new workbook while the pane is open: the pane reads it again and keeps the
    writer's choices."""
    from playwright.sync_api import expect
    library = make_workbook(tmp_path / "section_library.xlsx")
    server = Server(library, certificates, tmp_path / "serve.log").start()
    try:
        page = open_pane(context, server, Document({"biaotai": {"v": 1, "meeting": MEETING, "values": VALUES,
                                                                "choices": {"要点2": "动员-要点2-2"}}}))
        page.click("#tab-parts")
        expect(card(page, "要点1").locator(".card-meta")).to_have_text("1/2　动员-要点1-1")

        def edit(content):
            content["段落"].append(["动员-要点1-3", "动员会", "要点1", "强化责任担当，扛起接受监督的政治责任",
                                   "{{ 党组织 }}要切实扛起主体责任。", "", "", "是", "", ""])
        make_workbook(tmp_path / "new.xlsx", edit)
        (tmp_path / "new.xlsx").replace(library)
        card(page, "要点1").get_by_role("button", name="换一个").click()
        expect(banner(page)).to_contain_text("段落库已更新")
        expect(card(page, "要点1").locator(".card-meta")).to_contain_text("/3")
        expect(card(page, "要点2").locator(".card-meta")).to_have_text("2/2　动员-要点2-2")
        assert page.errors == []
    finally:
        server.stop()


@pytest.mark.slow
def test_switching_meeting_type_changes_form_parts_and_style(context, live_server):
    from playwright.sync_api import expect
    page = open_pane(context, live_server, Document({"biaotai": {"v": 1, "meeting": MEETING, "values": VALUES}}))
    expect(page.locator("#missing-count")).to_be_hidden()
    page.select_option("#meeting", "反馈会")
    idle(page)
    # 反馈会 asks for 巡察期间 and numbers with its own default style
    expect(page.locator("#missing-count")).to_have_text("1")
    expect(page.locator('[data-field="巡察期间"] label')).to_have_text("巡察期间 *")
    expect(page.get_by_role("radio", name="一、")).to_have_attribute("aria-checked", "true")
    page.click("#tab-parts")
    # no preview while 巡察期间 is missing: the parts keep the library's names until the service numbers them
    assert page.locator("#plan .card-title").all_inner_texts() == ["开场", "要点1", "要点2", "结尾"]
    expect(page.locator("#parts-hint")).to_contain_text("还缺：巡察期间")

    # inserting before the form is complete says what is missing and leads to the field
    card(page, "开场").get_by_role("button", name="插入段落").click()
    expect(banner(page)).to_have_attribute("data-kind", "warning")
    expect(banner(page)).to_contain_text("请先补全单位信息")
    expect(banner(page)).to_contain_text("巡察期间")
    banner(page).get_by_role("button", name="去填写").click()
    field = page.locator('[data-key="巡察期间"]')
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator('[data-field="巡察期间"] .field-error')).to_contain_text("巡察期间")
    assert inserted(page) == []

    field.fill("今年3月至5月")
    idle(page)
    expect(page.locator('[data-field="巡察期间"] .field-error')).to_be_hidden()
    page.click("#tab-parts")
    expect(card(page, "要点1").locator(".preview")).to_contain_text("一、统一思想，认领问题")
    expect(card(page, "开场").locator(".preview")).to_contain_text("今年3月至5月，市委第四巡察组对我局进行了巡察")
    assert page.errors == []


@pytest.mark.slow
def test_access_token_is_asked_for_and_remembered(context, certificates, tmp_path):
    from playwright.sync_api import expect
    server = Server(make_workbook(tmp_path / "section_library.xlsx"), certificates, tmp_path / "serve.log",
                    env={"BIAOTAI_TOKEN": "s3cret-Token_42"}).start()
    try:
        page = open_pane(context, server, Document(), wait="starting")
        expect(banner(page)).to_contain_text("需要访问令牌")
        banner(page).get_by_role("button", name="填写令牌").click()
        token = page.locator("#token")
        expect(token).to_be_focused()
        token.fill("错误的令牌")
        token.press("Tab")
        expect(banner(page)).to_contain_text("只能由英文字母、数字和符号组成")
        token.fill("wrong")
        token.press("Tab")
        expect(banner(page)).to_contain_text("访问令牌不正确")
        token.fill("s3cret-Token_42")
        token.press("Tab")
        page.wait_for_selector('body[data-state="ready"]')
        expect(banner(page)).to_be_hidden()
        page.close()
        # the token stays with this user: the next pane just works
        page = open_pane(context, server, Document())
        expect(page.locator("#meeting option")).to_have_count(2)
        assert page.errors == []
    finally:
        server.stop()


@pytest.mark.slow
def test_variants_follow_the_unit_type_as_the_service_decides(context, certificates, tmp_path):
    """A variant editors limited to 委 is not offered to a 局, and is once the writer picks 委:
    the pane asks the service (sections?unit_type=) rather than deciding itself."""
    from playwright.sync_api import expect

    def edit(content):
        next(r for r in content["段落"] if r[0] == "动员-开场-2")[5] = "委"
    server = Server(make_workbook(tmp_path / "section_library.xlsx", edit), certificates, tmp_path / "serve.log").start()
    try:
        page = open_pane(context, server, Document({"biaotai": {"v": 1, "meeting": MEETING, "values": VALUES,
                                                                "choices": {"开场": "动员-开场-2"}}}))
        page.click("#tab-parts")
        expect(card(page, "开场").locator(".card-meta")).to_have_text("1/1　动员-开场-1")
        fill_values(page, {"单位类型": "委"})
        page.click("#tab-parts")
        meta = card(page, "开场").locator(".card-meta")
        expect(meta).to_have_text(re.compile(r"^[12]/2　动员-开场-[12]$"))
        idle(page)
        before = meta.inner_text()
        card(page, "开场").get_by_role("button", name="换一个").click()  # the service picks one not yet shown
        other = "1/2　动员-开场-1" if before.endswith("-2") else "2/2　动员-开场-2"
        expect(meta).to_have_text(other)
        assert page.errors == []
    finally:
        server.stop()


@pytest.mark.slow
def test_next_variant_never_repeats_what_this_document_showed(context, certificates, tmp_path):
    """换一个 asks the service for a variant this document has not shown in that part (exclude);
    only after every fitting variant was shown does a new round begin. The seed the service chose
    for the document is kept with it."""
    from playwright.sync_api import expect

    def edit(content):
        content["段落"].append(["动员-要点2-3", "动员会", "要点2", "压实工作责任，确保配合到位",
                               "{{ 全体 }}要各负其责，确保巡察工作顺利进行。", "", "", "是", "", ""])
    server = Server(make_workbook(tmp_path / "section_library.xlsx", edit), certificates, tmp_path / "serve.log").start()
    try:
        document = Document({"biaotai": {"v": 1, "meeting": MEETING, "values": VALUES}})
        page = open_pane(context, server, document)
        page.click("#tab-parts")
        meta = card(page, "要点2").locator(".card-meta")
        expect(meta).to_have_text(re.compile(r"/3　动员-要点2-\d$"))
        idle(page)
        seen = [meta.inner_text().split("　")[1]]
        for _ in range(2):
            card(page, "要点2").get_by_role("button", name="换一个").click()
            expect(meta).not_to_have_text(re.compile("　" + seen[-1] + "$"))
            idle(page)
            seen.append(meta.inner_text().split("　")[1])
        assert sorted(seen) == ["动员-要点2-1", "动员-要点2-2", "动员-要点2-3"], seen
        card(page, "要点2").get_by_role("button", name="换一个").click()  # a new round: anything but the current
        expect(meta).not_to_have_text(re.compile("　" + seen[-1] + "$"))
        idle(page)
        saved = document.settings["biaotai"]
        assert isinstance(saved["seed"], int) and set(saved["shown"]["要点2"]) <= set(seen)
        assert page.errors == []
    finally:
        server.stop()


@pytest.mark.slow
def test_length_choice_and_seed_are_shown_and_sent(context, live_server):
    """篇幅 offers the service's presets; the choice goes to /api/speech as `length` and stays with
    the document; the summary shows the seed that makes the speech again."""
    from playwright.sync_api import expect
    document = Document({"biaotai": {"v": 1, "meeting": MEETING, "values": VALUES}})
    page = open_pane(context, live_server, document)
    assert page.locator("#length option").all_inner_texts() == ["按段落库", "简短", "标准", "详细"]
    sent = []
    page.on("request", lambda r: sent.append(json.loads(r.post_data)) if r.url.endswith("/api/speech") else None)
    page.select_option("#length", "简短")
    idle(page)
    assert sent and sent[-1]["length"] == "简短" and isinstance(sent[-1]["seed"], int)
    page.click("#tab-full")
    expect(page.locator("#full-summary")).to_contain_text(f"种子 {sent[-1]['seed']}")
    assert document.settings["biaotai"]["length"] == "简短"
    assert page.errors == []
