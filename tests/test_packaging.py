"""The product as IT staff install it: the wheel carries every resource, the offline bundle installs
with no package index, and the installed program works from an empty folder outside the checkout.

Building the bundle downloads wheels from the package index (pip download, once per run, cached by
pip); everything after that runs with the index switched off. The installed service is started with
--insecure-http on a free loopback port and fetched over plain HTTP.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest

from support.docx_readers import paragraph_text
from helpers import require_executable
from support.live_server import Service

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
RESOURCES = ("server/resources/section_library.xlsx", "server/resources/word_templates/speech.docx",
             "server/resources/word_templates/section.docx", "server/resources/addin_manifest/manifest.xml",
             "server/resources/addin_manifest/BiaotaiBridge.bas", "server/static/taskpane/taskpane.html",
             "server/static/taskpane/taskpane.js", "server/static/icons/icon-32.png")


def offline_env(**extra: str) -> dict[str, str]:
    """An environment with no package index, no pip configuration and nothing of the checkout."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BIAOTAI_", "PIP_", "PYTHON", "VIRTUAL_ENV", "UV_"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", **extra)
    return env


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """The Linux x86_64 offline bundle for this Python, unpacked."""
    require_executable("uv", "打包需要 uv（README 的第一条命令会安装它）")
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, str(ROOT / "deploy" / "make_bundle.py"), "--target", "linux-x86_64",
                             "--python", PYTHON, "-o", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    archive = Path(result.stdout.strip().splitlines()[-1])
    unpacked = tmp_path_factory.mktemp("bundle")
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(unpacked)
    return unpacked / "biaotai-offline"


@pytest.fixture(scope="module")
def installed(bundle, tmp_path_factory) -> Path:
    """The bundle installed by its own install.sh into a fresh folder, with no index reachable."""
    target = tmp_path_factory.mktemp("opt") / "biaotai"
    result = subprocess.run(["sh", str(bundle / "install.sh"), str(target)], capture_output=True, text=True,
                            timeout=600, env=offline_env(PYTHON=sys.executable), cwd=tmp_path_factory.mktemp("elsewhere"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "安装完成" in result.stdout
    return target


def test_wheel_carries_every_resource(bundle):
    wheels = list((bundle / "wheels").glob("biaotai-*.whl"))
    assert len(wheels) == 1
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    missing = [name for name in RESOURCES if name not in names]
    assert not missing, f"wheel 中缺少：{missing}"
    # The wheel's library is the checkout's, byte for byte.
    with zipfile.ZipFile(wheels[0]) as zf:
        assert zf.read("server/resources/section_library.xlsx") == (ROOT / "section_library.xlsx").read_bytes()


def test_bundle_holds_scripts_and_service_files(bundle):
    for name in ("install.sh", "install.bat", "biaotai.service", "biaotai-winsw.xml", "安装说明.md"):
        assert (bundle / name).is_file(), name
    bat = (bundle / "install.bat").read_bytes()
    assert b"\r\n" in bat and "离线安装".encode("gbk") in bat  # cmd.exe on Chinese Windows reads GBK
    assert "@VERSION@" not in (bundle / "install.sh").read_text(encoding="utf-8")
    assert "安装" in (bundle / "安装说明.md").read_text(encoding="utf-8")


def test_bundle_installs_offline_and_generates(installed, tmp_path):
    data = installed / "data"
    assert (data / "section_library.xlsx").is_file() and (data / "biaotai.toml").is_file()
    assert (data / "certs").is_dir() and (data / "logs").is_dir()
    out = tmp_path / "发言.docx"
    result = subprocess.run([str(installed / "venv" / "bin" / "biaotai"), "generate", "--meeting", "动员会",
                             "-o", str(out)], cwd=data, env=offline_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "表态发言" in paragraph_text(out.read_bytes())


def test_reinstall_keeps_the_office_library(bundle, installed):
    library = installed / "data" / "section_library.xlsx"
    edited = b"an editor's workbook, saved after the first install"
    library.write_bytes(edited)
    os.utime(library, (1, 1))
    result = subprocess.run(["sh", str(bundle / "install.sh"), str(installed)], capture_output=True, text=True,
                            timeout=600, env=offline_env(PYTHON=sys.executable))
    assert result.returncode == 0, result.stderr
    assert library.stat().st_mtime == 1 and library.read_bytes() == edited


def test_installed_program_works_from_an_empty_folder(installed, tmp_path):
    """init, generate and serve from a folder that is not the checkout, with the wheel's resources only."""
    biaotai = str(installed / "venv" / "bin" / "biaotai")
    office = tmp_path / "科室工作目录"
    office.mkdir()
    result = subprocess.run([biaotai, "init"], cwd=office, env=offline_env(), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "已创建 section_library.xlsx" in result.stdout
    # The working folder's library is the one used: an edited copy differs from the packaged one.
    result = subprocess.run([biaotai, "check"], cwd=office, env=offline_env(), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and str(office / "section_library.xlsx") in result.stdout, result.stdout
    result = subprocess.run([biaotai, "generate", "--meeting", "回头看动员会", "-o", "回头看.docx"], cwd=office,
                            env=offline_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (office / "回头看.docx").stat().st_size > 5000

    service = Service(["--insecure-http"], offline_env(), tmp_path / "serve.log", command=[biaotai], cwd=office)
    url = service.url
    try:
        pages = {path: urllib.request.urlopen(url + path, timeout=30).read()
                 for path in ("/taskpane/", "/manifest.xml", "/bridge.bas", "/api/health")}
    finally:
        service.stop()
    assert "表态发言".encode() in pages["/taskpane/"]
    assert url.encode() in pages["/manifest.xml"] and b"<OfficeApp" in pages["/manifest.xml"]
    assert "Attribute VB_Name".encode("cp936") in pages["/bridge.bas"]
    assert b'"status"' in pages["/api/health"]


def test_packaged_library_is_never_written(installed, tmp_path):
    """Outside a working folder the packaged library serves, and an import refuses to write into it."""
    biaotai = str(installed / "venv" / "bin" / "biaotai")
    speech = tmp_path / "旧发言.txt"
    speech.write_text("在巡察工作动员会上的表态发言\n一是提高政治站位。二是全力配合。\n", encoding="utf-8")
    packaged = next((installed / "venv").rglob("server/resources/section_library.xlsx"))
    before = packaged.read_bytes()
    result = subprocess.run([biaotai, "import", str(speech)], cwd=tmp_path, env=offline_env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "biaotai init" in result.stderr
    assert packaged.read_bytes() == before
    assert not list(packaged.parent.glob("*备份*"))
    shutil.rmtree(tmp_path, ignore_errors=True)
