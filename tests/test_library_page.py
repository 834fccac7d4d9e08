"""The editors' page (/library) in headless Chromium against a real `biaotai serve`: a broken save
shows with its location (and the writers' pane says so), the import review adds exactly the ticked
rows, a restore brings a former version back into service, and the writers' token does not open it."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from test_taskpane import (MEETING, VALUES, Document, Server, banner, context, open_pane,  # noqa: F401
                           screenshot)
from workbook_factory import make_workbook

pytestmark = pytest.mark.slow
CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
WRITER, EDITOR = "writer-token-1", "editor-token-2"


@pytest.fixture
def service(tmp_path, certificates):
    library = make_workbook(tmp_path / "section_library.xlsx")
    server = Server(library, certificates, tmp_path / "serve.log",
                    env={"BIAOTAI_TOKEN": WRITER, "BIAOTAI_EDITOR_TOKEN": EDITOR}).start()
    yield server
    server.stop()


def open_library(browser, server, token: str | None = EDITOR, width: int = 1280):
    context = browser.new_context(viewport={"width": width, "height": 900}, ignore_https_errors=True, locale="zh-CN")
    context.set_default_timeout(20000)
    if token:
        context.add_init_script(f"window.localStorage.setItem('biaotai.editorToken', {token!r});")
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())  # 恢复此版本 asks for confirmation
    page.goto(server.url + "/library")
    return page


def save(path: Path, edit=None) -> None:
    before = path.stat().st_mtime_ns
    make_workbook(path, edit)
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


def test_broken_save_shows_where_and_the_pane_says_so(browser, service, context):
    from playwright.sync_api import expect
    page = open_library(browser, service)
    expect(page.locator("#status")).to_have_attribute("data-status", "ok")
    expect(page.locator("#no-problems")).to_be_visible()

    def broken(content):
        next(r for r in content["段落"] if r[0] == "动员-要点2-2")[4] = "对{{ 巡查组 }}指出的问题立行立改。"
    save(service.library, broken)
    row = page.locator('#problems tr[data-severity="error"]').first
    expect(row).to_be_visible(timeout=30000)  # the page refreshes by itself
    cells = row.locator("td").all_inner_texts()
    assert cells[1] == "段落" and cells[2].isdigit() and cells[3] == "正文"
    assert "巡查组" in cells[4] and "巡察组" in cells[4]  # what is wrong and the likely fix
    expect(page.locator("#status")).to_have_attribute("data-status", "degraded")
    screenshot(page, "library-1280-broken.png")

    # the writer's pane goes on with the last good library and says so
    context.add_init_script(f"window.localStorage.setItem('biaotai.token', {WRITER!r});")
    pane = open_pane(context, service, Document({"biaotai": {"v": 1, "meeting": MEETING, "values": VALUES}}))
    expect(banner(pane)).to_contain_text("段落库的最新修改有错误", timeout=30000)
    assert page.errors == []


def test_import_review_adds_exactly_the_ticked_rows(browser, service):
    from playwright.sync_api import expect
    page = open_library(browser, service)
    expect(page.locator("#status")).to_have_attribute("data-status", "ok")
    page.set_input_files("#import-files", str(CORPUS / "revisit_utf8_bom.txt"))
    page.click("#btn-preview")
    rows = page.locator("#import-rows tbody tr")
    expect(rows.first).to_be_visible()
    count = rows.count()
    assert count >= 3
    expect(rows.first.locator(".original")).not_to_be_empty()
    before = load_workbook(service.library)["段落"].max_row
    page.uncheck("#import-all")
    page.evaluate("document.getElementById('import-all').dispatchEvent(new Event('change'))")
    rows.nth(0).locator('[data-field="tick"]').check()
    rows.nth(1).locator('[data-field="tick"]').check()
    rows.nth(1).locator('[data-field="meeting"]').select_option("动员会")
    rows.nth(1).locator('[data-field="slot"]').select_option("结尾")
    page.click("#btn-add")
    expect(banner(page)).to_contain_text("已加入 2 个段落")
    sheet = load_workbook(service.library)["段落"]
    assert sheet.max_row == before + 2
    header = [c.value for c in sheet[1]]
    last = {h: c.value for h, c in zip(header, sheet[sheet.max_row])}
    assert (last["会议类型"], last["部分"], last["启用"]) == ("动员会", "结尾", "否")
    assert list(service.library.parent.glob("section_library.备份-*.xlsx")), "写入前应先备份"
    assert page.errors == []


def test_restore_brings_back_a_former_version_that_then_serves(browser, service):
    from playwright.sync_api import expect
    original = service.library.read_bytes()
    first = service.get("/api/health")["library_id"]

    def greeting(content):
        next(r for r in content["段落"] if r[0] == "称呼-1")[4] = "尊敬的各位领导，同志们："
    save(service.library, greeting)
    page = open_library(browser, service)
    versions = page.locator("#versions tbody tr")
    expect(versions).to_have_count(2, timeout=30000)
    expect(versions.first).to_contain_text("正在使用")
    versions.first.get_by_role("button", name="查看改动").click()
    expect(page.locator("#changes-list")).to_contain_text("称呼-1")
    expect(page.locator("#changes-list .diff-add")).to_contain_text("尊敬的各位领导")
    versions.nth(1).get_by_role("button", name="恢复此版本").click()
    expect(banner(page)).to_contain_text("已恢复到第 1 版")
    assert service.library.read_bytes() == original
    assert service.get("/api/health")["library_id"] == first
    expect(versions).to_have_count(3)
    expect(versions.first).to_contain_text("恢复自第 1 版")
    screenshot(page, "library-1280-history.png")
    assert page.errors == []


@pytest.mark.parametrize("token", [WRITER, None])
def test_the_writers_token_does_not_open_the_editors_page(browser, service, token):
    from playwright.sync_api import expect
    page = open_library(browser, service, token=token, width=360)
    expect(banner(page)).to_be_visible()
    expect(banner(page)).to_contain_text("编辑人员" if token else "令牌")
    expect(page.locator("#problems tbody tr")).to_have_count(0)
    expect(page.locator("#versions tbody tr")).to_have_count(0)
    screenshot(page, f"library-360-{'writer' if token else 'none'}.png")
