"""Shared fixtures. In CI (env CI set) a skipped test counts as a failure: CI installs every tool."""
from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the same examples every time (a red CI must be reproducible); locally they vary.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

sys.path.insert(0, str(Path(__file__).parent))

from support.browser import browser, certificates  # noqa: E402,F401 (fixtures for the pane and page tests)
from workbook_factory import TEST_VALUES, make_workbook  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_LIBRARY = ROOT / "section_library.xlsx"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"在 CI 中不允许跳过测试：{reason}"


def pytest_sessionfinish(session, exitstatus):
    # "No tests collected" must never pass for success or be mistaken for it.
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def library_path(tmp_path: Path) -> Path:
    return make_workbook(tmp_path / "section_library.xlsx")


@pytest.fixture
def library(library_path: Path):
    from server.library import load_library
    return load_library(library_path)


@pytest.fixture
def values() -> dict[str, str]:
    return dict(TEST_VALUES)


@functools.cache
def load_shipped_library():
    """The shipped library, loaded once: fixtures use it, and so do parametrize lists (every meeting type)."""
    from server.library import load_library
    return load_library(SHIPPED_LIBRARY)


@pytest.fixture(scope="session")
def shipped_library():
    return load_shipped_library()


@pytest.fixture
def app(library_path: Path):
    """The service around a test library made in tmp_path (templates from word_templates/)."""
    from server import create_app
    return create_app({"TESTING": True, "LIBRARY": str(library_path), "TOKEN": None})


@pytest.fixture
def client(app):
    return app.test_client()
