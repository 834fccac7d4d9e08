"""Length of a speech: how characters are counted, spoken minutes, and the targets a writer may ask for.

The presets 简短/标准/详细 are defined here once; the pane offers them by name, the CLI and the API
accept a name, a number of characters (2000, "2000字") or minutes ("8分钟"). The composer meets a
target within TOLERANCE by choosing longer or shorter variants, alternatives and optional words.
"""
from __future__ import annotations

import re

from .problems import InputError, Problem

CHARS_PER_MINUTE = 220
USUAL_LENGTH = (1200, 3000)
PRESETS: dict[str, int] = {"简短": 1200, "标准": 2000, "详细": 3000}
TOLERANCE = 0.15
TARGET_RANGE = (300, 8000)
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(字|分钟|分|min|)\s*$")


def count_characters(text: str) -> int:
    """Characters as offices count them: everything but white space."""
    return len(re.sub(r"\s", "", text))


def parse_target(value: object, field: str = "length") -> int | None:
    """A target in characters from a preset name, a number of characters or minutes; None: no target."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InputError([Problem("篇幅应为 简短、标准、详细，或字数（如 2000）、分钟（如 8分钟）", field=field)])
    if isinstance(value, (int, float)):
        chars = int(value)
    else:
        text = str(value).strip()
        if text in PRESETS:
            return PRESETS[text]
        match = _NUMBER.match(text)
        if not match:
            raise InputError([Problem(f"看不懂篇幅「{text}」：可填 {'、'.join(PRESETS)}，或字数（如 2000）、分钟（如 8分钟）", field=field)])
        number = float(match.group(1))
        chars = int(number * CHARS_PER_MINUTE) if match.group(2) in ("分钟", "分", "min") else int(number)
    low, high = TARGET_RANGE
    if not low <= chars <= high:
        raise InputError([Problem(f"篇幅应在 {low} 到 {high} 字之间（约 {low // CHARS_PER_MINUTE + 1} 到 "
                                  f"{high // CHARS_PER_MINUTE} 分钟），现在是 {chars} 字", field=field)])
    return chars


def within(characters: int, target: int) -> bool:
    return abs(characters - target) <= TOLERANCE * target
