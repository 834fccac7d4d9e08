"""Where things are: the resources the package carries, and the office's working folder.

Resources (Word templates, the add-in manifest, the VBA module, the default library, the pane) are
read through `importlib.resources`. In a wheel they sit in `server/resources/` (pyproject.toml
maps the top-level word_templates/, addin_manifest/ and section_library.xlsx there); in a source
checkout the same names are found at the top level. Either way callers get a real file path:
wheels are always installed unpacked, never imported from a zip.

An office runs from a working folder made by `biaotai init`: it holds `biaotai.toml`, its own
editable `section_library.xlsx`, `certs/` and `logs/`. The folder is BIAOTAI_HOME when set, else
the current directory when it holds `biaotai.toml`. The packaged library is never written to.
"""
from __future__ import annotations

import os
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG_FILE = "biaotai.toml"
LIBRARY_FILE = "section_library.xlsx"
CERTS_DIR = "certs"
LOGS_DIR = "logs"
_CHECKOUT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """A working folder's configuration that cannot be used; the message says where and why, in Chinese."""


def resource_path(name: str) -> Path:
    """A file or folder the package carries, by its top-level name (e.g. "word_templates")."""
    packaged = Path(str(files(__package__).joinpath("resources", name)))
    return packaged if packaged.exists() else _CHECKOUT_ROOT / name


def static_path(name: str = "") -> Path:
    """The pane's static files (server/static/ in the package and in a checkout alike)."""
    return Path(str(files(__package__).joinpath("static", name) if name else files(__package__).joinpath("static")))


def packaged_library_path() -> Path:
    return resource_path(LIBRARY_FILE)


def is_packaged_library(path: str | os.PathLike) -> bool:
    """True for the default library inside an installed package: that copy is read, never edited."""
    packaged = Path(str(files(__package__).joinpath("resources", LIBRARY_FILE)))
    try:
        return packaged.exists() and Path(path).resolve() == packaged.resolve()
    except OSError:
        return False


def working_folder() -> Path | None:
    """The office's working folder: BIAOTAI_HOME, or the current directory when it holds biaotai.toml."""
    home = os.environ.get("BIAOTAI_HOME")
    if home:
        return Path(home)
    here = Path.cwd()
    return here if (here / CONFIG_FILE).is_file() else None


def working_config() -> dict[str, Any]:
    """The settings in the working folder's biaotai.toml (upper-case keys, relative paths made absolute
    against the folder); empty outside a working folder or when the folder has no such file."""
    folder = working_folder()
    path = folder / CONFIG_FILE if folder else None
    if path is None or not path.is_file():
        return {}
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件 {path} 写法有误：{exc}。请对照 biaotai init 生成的说明改正。") from None
    settings = {key: value for key, value in data.items() if key.isupper()}
    for key in PATH_SETTINGS:
        if isinstance(settings.get(key), str) and settings[key]:
            settings[key] = str((folder / settings[key]).resolve())
    return settings


PATH_SETTINGS = ("LIBRARY", "TEMPLATES", "LOG_FILE", "CERTFILE", "KEYFILE")


def default_library_path() -> Path:
    """BIAOTAI_LIBRARY, else the working folder's library (its config, else its section_library.xlsx),
    else the packaged default."""
    if os.environ.get("BIAOTAI_LIBRARY"):
        return Path(os.environ["BIAOTAI_LIBRARY"])
    configured = working_config().get("LIBRARY")
    if configured:
        return Path(configured)
    folder = working_folder()
    if folder and (folder / LIBRARY_FILE).is_file():
        return folder / LIBRARY_FILE
    return packaged_library_path()


def default_templates_dir() -> Path:
    if os.environ.get("BIAOTAI_TEMPLATES"):
        return Path(os.environ["BIAOTAI_TEMPLATES"])
    return Path(working_config().get("TEMPLATES") or resource_path("word_templates"))


def certificate_dir() -> Path:
    """Where `biaotai cert` writes and `biaotai serve` looks: the working folder's certs/, else ~/.biaotai."""
    folder = working_folder()
    return folder / CERTS_DIR if folder else Path.home() / ".biaotai"
