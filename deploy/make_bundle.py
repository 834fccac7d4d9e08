"""Make the offline bundle for intranets: one zip with every wheel the service needs.

    uv run python deploy/make_bundle.py                       # all targets, all supported Pythons
    uv run python deploy/make_bundle.py --target linux-x86_64 --python 3.11

Run from a checkout with the package index reachable (building needs it; installing from the
bundle never does). The versions come from uv.lock, exported by uv, so the bundle installs exactly
what the tests ran against. Each target gets binary wheels only (`--only-binary :all:`): an office
without compilers must never be asked to build anything.

The zip holds wheels/, install.sh, install.bat, the service files from deploy/ and the install
guide; install.sh/install.bat install with `pip --no-index --find-links wheels` into a venv and
run `biaotai init` (see deploy/install.sh).
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13")


@dataclass(frozen=True)
class Target:
    """A kind of machine an office installs on: pip platform tags and the markers it evaluates."""
    name: str
    platforms: tuple[str, ...]
    sys_platform: str
    platform_system: str
    platform_machine: str
    os_name: str


# 麒麟 V10 and 统信 UOS 20 ship glibc 2.28: manylinux wheels up to 2_28 and no newer.
TARGETS = {t.name: t for t in (
    Target("windows-x64", ("win_amd64",), "win32", "Windows", "AMD64", "nt"),
    Target("linux-x86_64", ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"),
           "linux", "Linux", "x86_64", "posix"),
    Target("linux-aarch64", ("manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"),
           "linux", "Linux", "aarch64", "posix"),
)}


class BundleError(Exception):
    """Why the bundle could not be made, in Chinese."""


def run(command: list[str], **kwargs) -> str:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise BundleError(f"命令失败：{' '.join(command)}\n{result.stderr.strip()[-2000:]}")
    return result.stdout


def locked_requirements() -> list[Requirement]:
    """The runtime dependencies pinned in uv.lock (with their environment markers)."""
    text = run(["uv", "export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes",
                "--format", "requirements-txt"], cwd=ROOT)
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [Requirement(line) for line in lines]


def marker_environment(target: Target, python: str) -> dict[str, str]:
    return {
        "implementation_name": "cpython", "platform_python_implementation": "CPython",
        "python_version": python, "python_full_version": f"{python}.0",
        "sys_platform": target.sys_platform, "platform_system": target.platform_system,
        "platform_machine": target.platform_machine, "os_name": target.os_name,
        "platform_release": "", "platform_version": "", "implementation_version": f"{python}.0",
    }


def requirements_for(requirements: list[Requirement], target: Target, python: str) -> list[str]:
    """The pins that apply on `target` under `python`, as `name==version`."""
    env = marker_environment(target, python)
    return [f"{r.name}{r.specifier}" for r in requirements
            if r.marker is None or Marker(str(r.marker)).evaluate(env)]


def download(pins: list[str], target: Target, python: str, dest: Path) -> None:
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
               "--implementation", "cp", "--python-version", python, "--dest", str(dest)]
    for platform in target.platforms:
        command += ["--platform", platform]
    run(command + pins)


def build_wheel(dest: Path) -> Path:
    run(["uv", "build", "--wheel", "--out-dir", str(dest)], cwd=ROOT)
    wheels = sorted(dest.glob("biaotai-*.whl"))
    if not wheels:
        raise BundleError("没有生成 biaotai 的 wheel")
    return wheels[-1]


def make_bundle(out_dir: Path, targets: list[str], pythons: list[str]) -> Path:
    """Build the zip in out_dir and return its path."""
    requirements = locked_requirements()
    with tempfile.TemporaryDirectory(prefix="biaotai-bundle-") as tmp:
        stage = Path(tmp) / "biaotai-offline"
        wheels = stage / "wheels"
        wheels.mkdir(parents=True)
        ours = build_wheel(wheels)
        version = ours.name.split("-")[1]
        for name in targets:
            for python in pythons:
                print(f"下载 {name} / Python {python} 的依赖……", file=sys.stderr)
                download(requirements_for(requirements, TARGETS[name], python), TARGETS[name], python, wheels)
        for script in ("install.sh", "install.bat"):
            text = (DEPLOY / script).read_text(encoding="utf-8").replace("@VERSION@", version)
            # cmd.exe reads a batch file in the console's code page: GBK (936) on Chinese Windows.
            bat = script.endswith(".bat")
            (stage / script).write_text(text, encoding="gbk" if bat else "utf-8", newline="\r\n" if bat else "\n")
        (stage / "install.sh").chmod(0o755)
        for extra in ("biaotai.service", "biaotai-winsw.xml"):
            shutil.copy(DEPLOY / extra, stage / extra)
        shutil.copy(ROOT / "docs" / "install-server.md", stage / "安装说明.md")
        (stage / "内容.txt").write_text(
            f"表态发言助手 {version} 离线安装包\n平台：{'、'.join(targets)}\nPython：{'、'.join(pythons)}\n"
            "Linux：sh install.sh [安装目录]    Windows：install.bat [安装目录]\n详见 安装说明.md\n",
            encoding="utf-8")
        out_dir.mkdir(parents=True, exist_ok=True)
        suffix = "all" if set(targets) == set(TARGETS) else "+".join(targets)
        archive = out_dir / f"biaotai-{version}-offline-{suffix}.zip"
        partial = archive.with_suffix(".zip.tmp")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(stage.rglob("*")):
                if path.is_file():
                    info = zipfile.ZipInfo.from_file(path, Path("biaotai-offline") / path.relative_to(stage))
                    with open(path, "rb") as handle:
                        zf.writestr(info, handle.read(), zipfile.ZIP_DEFLATED)
        partial.replace(archive)
    return archive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成内网离线安装包（zip）")
    parser.add_argument("--target", action="append", choices=sorted(TARGETS),
                        help="目标平台，可重复（默认全部）")
    parser.add_argument("--python", action="append", choices=SUPPORTED_PYTHONS,
                        help="目标 Python 版本，可重复（默认全部支持的版本）")
    parser.add_argument("-o", "--out-dir", default=str(ROOT / "dist"), help="输出目录（默认 dist/）")
    args = parser.parse_args(argv)
    try:
        archive = make_bundle(Path(args.out_dir), args.target or list(TARGETS), args.python or list(SUPPORTED_PYTHONS))
    except BundleError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    print(archive)
    return 0


if __name__ == "__main__":
    sys.exit(main())
