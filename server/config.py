"""Where things are by default; every path can be overridden by argument or environment variable."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_library_path() -> Path:
    return Path(os.environ.get("BIAOTAI_LIBRARY") or PROJECT_ROOT / "section_library.xlsx")


def default_templates_dir() -> Path:
    return Path(os.environ.get("BIAOTAI_TEMPLATES") or PROJECT_ROOT / "word_templates")
