"""The assistant at / in a plain browser, used as a first-time visitor would: the real page in
headless Chromium against a real `biaotai serve` (HTTPS, loopback). No Office.js and no WPS: the
page must explain itself, compose, show the whole speech to read and edit, copy it, download the
.docx and print it, and check pasted text for outdated wording. Screenshots at 1280 and 360 px go
to test-artifacts/.
"""
from __future__ import annotations

import re

import pytest

from support.docx_readers import run_text
from test_taskpane import (MEETING, OUTDATED, VALUES, fill_values, first_variants_seed, idle, live_server,  # noqa: F401
                           pin_first_variants, screenshot)


def test_page_is_served_with_versioned_shared_modules(client):
    page = client.get("/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "为巡察（巡视）动员会、反馈会起草表态发言" in html and "office.js" not in html
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts[-1].startswith("page/page.js?v=") and all("?v=" in s for s in scripts)
    assert any(s.startswith("pane/app.js?v=") for s in scripts)
    for asset in scripts + re.findall(r'<link rel="stylesheet" href="([^"]+)"', html):
        assert client.get("/" + asset).status_code == 200, asset
    assert client.get("/pane/../pages.py").status_code == 404
    assert client.get("/pane/missing.js").get_json()["error"]["code"] == "not_found"


def open_page(browser, server, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900}, ignore_https_errors=True,
                                  accept_downloads=True, locale="zh-CN")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    context.set_default_timeout(20000)
    pin_first_variants(context, server)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.requests = []
    page.on("request", lambda r: page.requests.append(r.url))
    page.goto(server.url + "/")
    page.wait_for_selector('body[data-state="ready"]')
    idle(page)
    return page


def no_horizontal_overflow(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"页面在 {width} px 宽时出现横向滚动（内容宽 {scroll} px）"


@pytest.mark.slow
def test_first_visit_compose_read_edit_copy_download_print(browser, live_server, tmp_path):
    from playwright.sync_api import expect
    page = open_page(browser, live_server, 1280)
    try:
        # a first-time visitor is told what this is and what to do, and nothing asks for Word
        expect(page.locator(".intro")).to_contain_text("不用安装任何软件")
        expect(page.locator(".intro-steps li")).to_have_count(3)
        expect(page.locator("#no-host")).to_have_count(0)
        assert not [u for u in page.requests if "office.js" in u]
        expect(page.locator("#speech-text")).to_contain_text("填好左侧的单位信息后")
        expect(page.locator("#missing-count")).to_have_text("8")
        expect(page.locator('#plan [data-action="insert"]').first).to_be_hidden()
        screenshot(page, "page-1280-first-visit.png")

        fill_values(page, VALUES)
        speech = live_server.post("/api/speech", {"meeting": MEETING, "variables": VALUES, "style": "一是",
                                                  "order": ["要点1", "要点2"], "seed": first_variants_seed(live_server)})
        text = page.locator("#speech-text")
        expect(text.locator(".speech-title")).to_have_text(speech["title"])
        for part in speech["parts"]:
            for line in part["text"].split("\n"):
                expect(text).to_contain_text(line)
        expect(page.locator("#full-summary")).to_contain_text(f"约 {speech['characters']} 字")

        # 换一个 changes the speech the page shows
        page.locator('#plan li[data-slot="要点2"]').get_by_role("button", name="换一个").click()
        expect(text).to_contain_text("二是坚持立行立改，推动整改落实。")
        idle(page)

        # the text is edited in place; the edit is what gets copied
        last = text.locator("p").last
        last.click()
        page.keyboard.press("End")
        page.keyboard.type("（此句为手工补充）")
        page.get_by_role("button", name="复制全文").click()
        expect(page.locator("#banner")).to_contain_text("已复制全文")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith(speech["title"] + "\n") and copied.endswith("（此句为手工补充）")
        assert "二是坚持立行立改，推动整改落实。" in copied

        # a change of values no longer overwrites the edit; the page offers to replace it
        fill_values(page, {"巡察时长": "三个月"})
        expect(page.locator("#speech-stale")).to_be_visible()
        expect(text).to_contain_text("（此句为手工补充）")

        # 下载 .docx is the service's rendering of the same choices, and says edits are not in it
        body = {"meeting": MEETING, "variables": dict(VALUES, 巡察时长="三个月"), "style": "一是",
                "order": ["要点1", "要点2"], "choices": {"要点2": "动员-要点2-2"}, "seed": first_variants_seed(live_server)}
        expected = live_server.post_bytes("/api/speech.docx", body)
        with page.expect_download() as info:
            page.get_by_role("button", name="下载 .docx").click()
        saved = tmp_path / "speech.docx"
        info.value.save_as(saved)
        assert saved.read_bytes() == expected
        assert "三个月" in run_text(expected)
        expect(page.locator("#banner")).to_contain_text("不含您在页面上对全文的改动")

        page.get_by_role("button", name="用新生成的全文替换我的改动").click()
        expect(text).not_to_contain_text("（此句为手工补充）")
        expect(text).to_contain_text("为期三个月")
        no_horizontal_overflow(page, 1280)
        screenshot(page, "page-1280.png")

        # 打印 shows the speech alone
        page.emulate_media(media="print")
        expect(page.locator(".intro")).to_be_hidden()
        expect(page.locator(".page-side")).to_be_hidden()
        expect(page.locator("#plan")).to_be_hidden()
        expect(text).to_be_visible()
        screenshot(page, "page-1280-print.png")
        page.emulate_media(media="screen")
        assert page.errors == []
    finally:
        page.context.close()


@pytest.mark.slow
def test_pasted_text_is_checked_for_outdated_wording(browser, live_server):
    from playwright.sync_api import expect
    page = open_page(browser, live_server, 1280)
    try:
        page.fill("#lint-text", "一、总体情况\n" + OUTDATED + "，我局坚持……\n二、下一步打算")
        page.get_by_role("button", name="检查提法").click()
        expect(page.locator("#lint-summary")).to_have_text("发现 1 处过时提法：")
        hit = page.locator("#lint-results li")
        expect(hit.locator("mark")).to_have_text(OUTDATED)
        expect(hit).to_contain_text("建议改为「党的二十大以来」")
        page.fill("#lint-text", "党的二十大以来，我局坚持……")
        page.get_by_role("button", name="检查提法").click()
        expect(page.locator("#lint-summary")).to_have_text("没有发现过时提法。")
        expect(page.locator("#lint-results")).to_be_hidden()
        assert page.errors == []
    finally:
        page.context.close()


@pytest.mark.slow
def test_narrow_window_at_360_px(browser, live_server):
    from playwright.sync_api import expect
    page = open_page(browser, live_server, 360)
    try:
        fill_values(page, VALUES)
        expect(page.locator("#speech-text .speech-title")).to_be_visible()
        no_horizontal_overflow(page, 360)
        screenshot(page, "page-360.png")
        assert page.errors == []
    finally:
        page.context.close()

