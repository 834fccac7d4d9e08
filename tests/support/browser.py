"""A real browser and the live server's certificates, shared by every test module that opens a
pane or a page (test_taskpane, test_page, test_wps): one Chromium per session, because Playwright's
sync API allows only one running instance at a time. conftest.py makes these fixtures visible.

Debian's `chromium` with the Python `playwright` package, launched by path: no `playwright install`.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers import require_executable

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def certificates(tmp_path_factory):
    from server.serve import make_certificates
    return make_certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        require_executable("chromium", "需要 Debian 的 chromium 在真实浏览器中打开任务窗格")
    sync_api = pytest.importorskip("playwright.sync_api", reason="需要 Python 的 playwright 包驱动 Chromium")
    sync_api.expect.set_options(timeout=15000)  # a busy CI machine is slower than a writer's PC
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
