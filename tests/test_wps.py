"""The WPS add-in: its files as WPS loads them, the fragment URLs WPS inserts from, and the add-in
used as a writer would, in headless Chromium with tests/wps_double.js standing in for WPS's object
model (from OnAddinLoad through the ribbon's buttons to the pane) against a real `biaotai serve`.
"""
from __future__ import annotations

import base64
import io
import json
import os
import re
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from test_taskpane import (MEETING, OUTDATED, VALUES, fill_values, first_variants_seed, idle, live_server,
                           pin_first_variants, context,  # noqa: F401 (live_server, context: fixtures)
                           screenshot)

DOUBLE = Path(__file__).resolve().parent / "wps_double.js"
FRAGMENT_URL = re.compile(r"^https?://[^/]+/wps/fragments/[A-Za-z0-9_-]{32}\.docx$")
CUSTOM_UI = "{http://schemas.microsoft.com/office/2006/01/customui}"


# ---------------------------------------------------------------------------------------------
# The add-in's files (no browser)


def test_jsplugins_names_the_add_in_root_at_this_service(client):
    answer = client.get("/wps/jsplugins.xml", base_url="https://biaotai.example.gov.cn:8443")
    assert answer.mimetype == "application/xml"
    plugin = ET.fromstring(answer.data).find("jspluginonline")
    assert plugin.attrib == {"name": "biaotai", "type": "wps", "url": "https://biaotai.example.gov.cn:8443/wps/"}
    # the root serves what WPS loads from it
    ribbon = ET.fromstring(client.get("/wps/ribbon.xml").data)
    assert ribbon.get("onLoad") == "ribbon.OnAddinLoad"
    group = ribbon.find(f".//{CUSTOM_UI}group")
    assert group.get("label") == "表态发言"
    assert [b.get("label") for b in group.findall(f"{CUSTOM_UI}button")] == ["打开助手", "插入段落", "生成全文", "检查提法"]
    assert {b.get("onAction") for b in group.findall(f"{CUSTOM_UI}button")} == {"ribbon.OnAction"}
    assert 'src="main.js"' in client.get("/wps/").get_data(as_text=True)
    main = client.get("/wps/main.js", base_url="https://biaotai.example.gov.cn:8443").get_data(as_text=True)
    assert 'var SERVICE = "https://biaotai.example.gov.cn:8443";' in main and "__BIAOTAI" not in main
    assert ET.fromstring(client.get("/wps/manifest.xml").data).findtext("Name") == "biaotai"
    assert client.get("/wps/missing.js").status_code == 404


def test_wps_pane_is_the_word_pane_page_with_the_wps_adapter(client):
    html = client.get("/taskpane/wps.html").get_data(as_text=True)
    assert "office.js" not in html
    scripts = re.findall(r'<script type="text/javascript" src="([^"]+)"', html)
    assert scripts[-1].startswith("../wps/pane.js?v=")
    assert [s.split("?")[0] for s in scripts[:-1]] == [s.split("?")[0] for s in re.findall(
        r'<script type="text/javascript" src="([^"]+)"', client.get("/taskpane/").get_data(as_text=True))][1:-1]
    for script in scripts:
        assert client.get(urllib.parse.urljoin("/taskpane/", script)).status_code == 200


def test_pane_mode_dialog_is_written_into_main_js(library_path):
    from server import create_app
    app = create_app({"TESTING": True, "LIBRARY": str(library_path), "WPS_PANE": "dialog"})
    assert 'var PANE_MODE = "dialog";' in app.test_client().get("/wps/main.js").get_data(as_text=True)


def test_publish_page_and_offline_package(client):
    html = client.get("/wps/publish.html", base_url="https://10.1.2.3:8443").get_data(as_text=True)
    assert 'data-addin-url="https://10.1.2.3:8443/wps/"' in html and "__ADDIN" not in html
    assert "JSPluginsServer=https://10.1.2.3:8443/wps/jsplugins.xml" in html
    assert re.search(r'src="publish\.js\?v=[0-9a-f]+"', html)
    answer = client.get("/wps/biaotai-wps.zip", base_url="https://10.1.2.3:8443")
    assert answer.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.data))
    names = set(archive.namelist())
    folder = next(n.split("/")[0] for n in names if n.endswith("/ribbon.xml"))
    assert re.fullmatch(r"biaotai_\d+\.\d+\.\d+", folder)
    assert {f"{folder}/{n}" for n in ("ribbon.xml", "index.html", "main.js", "manifest.xml")} <= names
    assert '"https://10.1.2.3:8443"' in archive.read(f"{folder}/main.js").decode("utf-8")
    entry = ET.fromstring(archive.read("publish.xml")).find("jsplugin")
    assert entry.get("url") == folder and entry.get("type") == "wps" and entry.get("name") == "biaotai"
    assert folder in archive.read("安装说明.txt").decode("utf-8-sig")
    assert client.get("/wps/biaotai-wps.zip", base_url="https://10.1.2.3:8443").data == answer.data


# ---------------------------------------------------------------------------------------------
# Fragments


def section_body(number: int = 2) -> dict:
    return {"meeting": MEETING, "variables": VALUES, "style": "一是", "number": number}


def test_fragment_url_returns_the_rendered_section(client):
    path = "/api/wps/fragments/sections/" + urllib.parse.quote("动员-要点2-2") + "/render"
    answer = client.post(path, json=section_body()).get_json()
    rendered = client.post("/api/sections/" + urllib.parse.quote("动员-要点2-2") + "/render", json=section_body()).get_json()
    assert "docx_base64" not in answer and answer["expires_in"] == 300
    assert FRAGMENT_URL.match(answer["docx_url"]), answer["docx_url"]
    assert all(v not in urllib.parse.unquote(answer["docx_url"]) for v in VALUES.values())  # no values in the URL
    assert {k: v for k, v in answer.items() if k not in ("docx_url", "expires_in")} == \
        {k: v for k, v in rendered.items() if k != "docx_base64"}
    fragment = client.get(urllib.parse.urlsplit(answer["docx_url"]).path)
    assert fragment.status_code == 200 and fragment.headers["Cache-Control"] == "no-store"
    assert fragment.data == base64.b64decode(rendered["docx_base64"])
    # the same checks as the JSON API
    wrong = client.post("/api/wps/fragments/sections/nope/render", json=section_body())
    assert wrong.status_code == 404 and wrong.get_json()["error"]["code"] == "not_found"
    assert client.post(path, json=dict(section_body(), docx=False)).get_json()["error"]["field"] == "docx"
    assert client.get("/wps/fragments/" + "A" * 32 + ".docx").status_code == 404
    assert client.get("/wps/fragments/..%2F..%2Fetc.docx").status_code == 404


def test_fragment_speech_and_token(library_path, tmp_path):
    from server import create_app
    app = create_app({"TESTING": True, "LIBRARY": str(library_path), "TOKEN": "s3cret", "FRAGMENTS_DIR": str(tmp_path / "fragments")})
    client = app.test_client()
    body = {"meeting": MEETING, "variables": VALUES, "docx": True, "seed": 7}  # the same speech both ways
    assert client.post("/api/wps/fragments/speech", json=body).status_code == 401
    answer = client.post("/api/wps/fragments/speech", json=body, headers={"X-Biaotai-Token": "s3cret"}).get_json()
    speech = client.post("/api/speech", json=body, headers={"X-Biaotai-Token": "s3cret"}).get_json()
    # WPS downloads the URL without the token: the URL itself is the credential
    fragment = client.get(urllib.parse.urlsplit(answer["docx_url"]).path)
    assert fragment.status_code == 200 and fragment.data == base64.b64decode(speech["docx_base64"])
    assert [p.name for p in (tmp_path / "fragments").iterdir()] == [answer["docx_url"].rsplit("/", 1)[1]]


def test_fragments_expire_and_are_bounded(tmp_path):
    from server.web.fragments import FragmentStore
    store = FragmentStore(tmp_path, ttl=300, max_bytes=100, max_count=3)
    tokens = [store.put(b"PK" + bytes([i])) for i in range(3)]
    assert store.get(tokens[0]) == b"PK\x00"
    old = time.time() - 301
    os.utime(tmp_path / (tokens[0] + ".docx"), (old, old))
    assert store.get(tokens[0]) is None and not (tmp_path / (tokens[0] + ".docx")).exists()
    for i, token in enumerate(tokens[1:]):  # the others keep their age order
        os.utime(tmp_path / (token + ".docx"), (old + 10 + i, old + 10 + i))
    tokens += [store.put(b"PK3"), store.put(b"PK4")]
    assert len(list(tmp_path.glob("*.docx"))) == 3
    assert store.get(tokens[1]) is None and store.get(tokens[4]) == b"PK4"  # the oldest made room
    with pytest.raises(ValueError):
        store.put(b"x" * 101)
    assert store.get("../" + tokens[4]) is None and store.get(tokens[4] + ".docx") is None


# ---------------------------------------------------------------------------------------------
# In WPS (the double) with a real server and a real browser


DOCUMENT_TEXT = ("关于巡察整改情况的报告\r" + OUTDATED + "，我局认真落实主体责任。\r"
                 "下一步，我局将坚持" + OUTDATED + "形成的好经验。\r")


@pytest.fixture
def wps(browser, live_server):
    """A WPS with our add-in loaded: the add-in page (index.html) after OnAddinLoad."""
    def make(**config):
        context = browser.new_context(viewport={"width": 360, "height": 900}, ignore_https_errors=True, locale="zh-CN")
        context.set_default_timeout(20000)
        pin_first_variants(context, live_server)
        settings = dict({"document": "文档1", "text": DOCUMENT_TEXT}, **config)
        context.add_init_script("window.__wpsDoubleConfig = " + json.dumps(settings, ensure_ascii=False) + ";\n"
                                + DOUBLE.read_text("utf-8"))
        addin = context.new_page()
        addin.errors = []
        addin.on("pageerror", lambda error: addin.errors.append(str(error)))
        addin.goto(live_server.url + "/wps/index.html")
        # WPS reads ribbon.xml and calls the function its onLoad names, with the ribbon's interface
        ribbon = ET.fromstring(urllib.request.urlopen(urllib.request.Request(live_server.url + "/wps/ribbon.xml"),
                                                      context=_tls(live_server)).read())
        assert addin.evaluate(ribbon.get("onLoad") + "({Invalidate: function () {}})") is True
        contexts.append(context)
        return addin
    contexts: list = []
    yield make
    for context in contexts:
        context.close()


def _tls(server):
    import ssl
    return ssl.create_default_context(cafile=str(server.certs["ca"]))


def click_ribbon(addin, button: str, opens: bool = True):
    """What WPS does when the writer clicks a ribbon button: onAction with the control."""
    if not opens:
        assert addin.evaluate(f"ribbon.OnAction({{Id: '{button}'}})") is True
        return None
    with addin.context.expect_page() as info:
        assert addin.evaluate(f"ribbon.OnAction({{Id: '{button}'}})") is True
    pane = info.value
    pane.errors = []
    pane.on("pageerror", lambda error: pane.errors.append(str(error)))
    pane.wait_for_selector('body[data-state="ready"]')
    idle(pane)
    return pane


def wps_state(page) -> dict:
    return page.evaluate("window.__wpsDouble.state()")


def fetch(server, url: str) -> bytes:
    with urllib.request.urlopen(url, context=_tls(server), timeout=30) as answer:
        return answer.read()


@pytest.mark.slow
def test_ribbon_opens_the_pane_and_inserts_a_section_by_url(wps, live_server):
    from playwright.sync_api import expect
    addin = wps()
    pane = click_ribbon(addin, "btnOpen")
    state = wps_state(addin)
    assert [p["url"] for p in state["panes"]] == [live_server.url + "/taskpane/wps.html"] and state["dialogs"] == []
    expect(pane.locator("body")).to_have_attribute("data-host", "wps")
    expect(pane.locator("#vars-origin")).to_contain_text("请填写单位信息")
    fill_values(pane, VALUES)
    pane.click("#tab-parts")
    point2 = pane.locator('#plan li[data-slot="要点2"]')
    point2.get_by_role("button", name="换一个").click()
    expect(point2.locator(".card-meta")).to_have_text("2/2　动员-要点2-2")
    idle(pane)
    point2.get_by_role("button", name="插入段落").click()
    expect(pane.locator("#banner")).to_contain_text("已在光标处插入第 2 点")
    expect(pane.locator("#banner")).to_have_attribute("data-kind", "success")

    inserted = wps_state(addin)["inserted"]
    assert [i["kind"] for i in inserted] == ["file"]
    url = inserted[0]["url"]
    assert FRAGMENT_URL.match(url) and url.startswith(live_server.url)
    expected = live_server.post("/api/sections/" + urllib.parse.quote("动员-要点2-2") + "/render", section_body())
    assert inserted[0]["base64"] == expected["docx_base64"], "WPS 插入的应是服务为第 2 点渲染的 .docx"
    assert fetch(live_server, url) == base64.b64decode(expected["docx_base64"])
    screenshot(pane, "wps-pane-360.png")

    # 生成全文 on the ribbon: the open pane is shown again and inserts the whole speech
    click_ribbon(addin, "btnGenerate", opens=False)
    expect(pane.locator("#banner")).to_contain_text("已在光标处插入全文")
    speech = wps_state(addin)["inserted"][-1]
    body = {"meeting": MEETING, "variables": VALUES, "style": "一是", "order": ["要点1", "要点2"],
            "choices": {"要点2": "动员-要点2-2"}, "docx": True, "seed": first_variants_seed(live_server)}
    assert speech["kind"] == "file" and speech["base64"] == live_server.post("/api/speech", body)["docx_base64"]
    assert len(wps_state(addin)["panes"]) == 2 and len(addin.context.pages) == 2  # shown again, not a second pane
    assert pane.errors == [] and addin.errors == []


@pytest.mark.slow
def test_ribbon_lint_comments_each_hit_in_the_document(wps):
    from playwright.sync_api import expect
    addin = wps()
    pane = click_ribbon(addin, "btnLint")
    expect(pane.locator("#banner")).to_contain_text("发现 2 处过时提法，已在文档中添加 2 条批注")
    comments = wps_state(addin)["documents"]["文档1"]["comments"]
    assert [c["scope"] for c in comments] == [OUTDATED, OUTDATED]
    assert sorted(c["start"] for c in comments) == [m.start() for m in re.finditer(OUTDATED, DOCUMENT_TEXT)]
    assert all("建议改为「党的二十大以来」" in c["text"] for c in comments)
    assert wps_state(addin)["documents"]["文档1"]["text"] == DOCUMENT_TEXT  # comments only, the text is untouched
    assert pane.errors == []


@pytest.mark.slow
def test_values_survive_reopening_and_stay_with_their_document(wps):
    from playwright.sync_api import expect
    addin = wps()
    pane = click_ribbon(addin, "btnOpen")
    fill_values(pane, VALUES)
    pane.get_by_role("radio", name="第一").click()
    idle(pane)
    pane.close()
    saved = json.loads(wps_state(addin)["documents"]["文档1"]["variables"]["biaotai"])
    assert saved["values"] == VALUES and saved["style"] == "第一"

    pane = click_ribbon(addin, "btnOpen")  # the writer opens the pane again
    expect(pane.locator("#vars-origin")).to_have_text("已恢复本文档保存的单位信息。")
    for key, value in VALUES.items():
        expect(pane.locator(f'[data-key="{key}"]')).to_have_value(value)
    expect(pane.get_by_role("radio", name="第一")).to_have_attribute("aria-checked", "true")
    pane.close()

    addin.evaluate("window.__wpsDouble.open('文档2')")  # another document: starts from the user's last values
    pane = click_ribbon(addin, "btnOpen")
    expect(pane.locator("#vars-origin")).to_contain_text("新文档")
    fill_values(pane, {"单位名称": "市发展和改革委员会"})
    pane.close()
    documents = wps_state(addin)["documents"]
    assert json.loads(documents["文档2"]["variables"]["biaotai"])["values"]["单位名称"] == "市发展和改革委员会"
    assert json.loads(documents["文档1"]["variables"]["biaotai"])["values"]["单位名称"] == VALUES["单位名称"]


@pytest.mark.slow
def test_dialog_when_wps_cannot_make_the_task_pane(wps):
    from playwright.sync_api import expect
    addin = wps(createTaskPaneFails=True)
    pane = click_ribbon(addin, "btnInsert")
    state = wps_state(addin)
    assert state["panes"] == [] and [d["url"].rsplit("/", 1)[1] for d in state["dialogs"]] == ["wps.html"]
    expect(pane.locator("#tab-parts")).to_have_attribute("aria-selected", "true")
    expect(pane.locator("#banner")).to_contain_text("点它的「插入段落」")
    assert pane.errors == [] and addin.errors == []


@pytest.mark.slow
def test_every_way_in_numbers_a_point_alike(wps, live_server, context):
    """要点1 left out and 要点2 put first: /api/speech, the JSON render, the VBA bridge, the Word pane
    and the WPS pane all give 要点2 as the first point (一是), because every one of them asks the
    service with the same omit/order (issue 12)."""
    from playwright.sync_api import expect
    from support.docx_readers import paragraph_text
    from test_taskpane import Document, card, inserted, open_pane

    omit, order = ["要点1"], ["要点2", "要点1"]
    speech = live_server.post("/api/speech", {"meeting": MEETING, "variables": VALUES, "omit": omit, "order": order,
                                              "seed": first_variants_seed(live_server)})
    part = next(p for p in speech["parts"] if p["slot"] == "要点2")
    assert part["number"] == 1 and part["paragraphs"][0].startswith("一是")
    rendered = live_server.post("/api/sections/" + urllib.parse.quote(part["section_id"]) + "/render",
                                {"meeting": MEETING, "variables": VALUES, "omit": omit, "order": order})
    assert rendered["number"] == 1
    form = urllib.parse.urlencode({"id": part["section_id"], "meeting": MEETING, "omit": "要点1",
                                   "order": "要点2,要点1", **{f"v.{k}": v for k, v in VALUES.items()}}).encode()
    request = urllib.request.Request(live_server.url + "/api/bridge/section.docx", data=form,
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    bridge = urllib.request.urlopen(request, context=_tls(live_server), timeout=30).read()
    assert paragraph_text(bridge).lstrip().startswith("一是")

    # The Word pane: the document keeps what the writer chose (要点1 left out, 要点2 first).
    saved = {"biaotai": {"v": 1, "meeting": MEETING, "values": VALUES, "order": order, "omit": omit}}
    word = open_pane(context, live_server, Document(saved))
    word.click("#tab-parts")
    expect(card(word, "要点2").locator(".card-title")).to_have_text("第 1 点")
    idle(word)
    card(word, "要点2").get_by_role("button", name="插入段落").click()
    expect(word.locator("#banner")).to_contain_text("已在光标处插入第 1 点")
    assert paragraph_text(base64.b64decode(inserted(word)[-1]["base64"])).lstrip().startswith("一是")

    # The WPS pane, the same choices made in its form.
    addin = wps()
    pane = click_ribbon(addin, "btnOpen")
    fill_values(pane, VALUES)
    pane.click("#tab-parts")
    card(pane, "要点1").get_by_role("button", name="不用").click()
    card(pane, "要点2").get_by_role("button", name="上移").click()
    expect(card(pane, "要点2").locator(".card-title")).to_have_text("第 1 点")
    idle(pane)
    card(pane, "要点2").get_by_role("button", name="插入段落").click()
    expect(pane.locator("#banner")).to_contain_text("已在光标处插入第 1 点")
    url = wps_state(addin)["inserted"][-1]["url"]
    assert paragraph_text(fetch(live_server, url)).lstrip().startswith("一是")
