"""Where numbering is decided: which points a speech keeps and in what order, each point's
number, ordinals, and the three numbering styles (一是 / 一、 / 第一).

Numbers are never stored in the library and never computed by a client: they follow the points
actually kept, in the writer's order, for the whole speech (compose_speech) and for one part
(render_part, what 插入段落 inserts) alike.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from .problems import InputError, Problem

STYLES = ("一是", "一、", "第一")
_DIGITS = "零一二三四五六七八九"
ORDINAL_CHARS = "一二三四五六七八九十"
# How each style writes an ordinal at the start of a paragraph; group 1 is the ordinal word.
STYLE_PATTERNS = {
    "一是": re.compile(rf"^([{ORDINAL_CHARS}]+)是"),
    "一、": re.compile(rf"^([{ORDINAL_CHARS}]+)、"),
    "第一": re.compile(rf"^第([{ORDINAL_CHARS}]+)[，,、：:]"),
}
# Any ordinal an editor or an old speech may put before a heading (一是 一、 一， 第一， …).
LEADING_ORDINAL = re.compile(rf"^(?:[{ORDINAL_CHARS}]+[是、，,]|第[{ORDINAL_CHARS}]+[，,、：:])")


def chinese_ordinal(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十 (points never run past 99)."""
    if n < 1 or n > 99:
        raise ValueError(f"序号超出范围：{n}")
    tens, ones = divmod(n, 10)
    text = ("" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十"))
    return text + (_DIGITS[ones] if ones else "")


def parse_ordinal(word: str) -> int:
    """一 -> 1, 十 -> 10, 十二 -> 12, 二十三 -> 23; 0 for what is not an ordinal."""
    digits = {c: i for i, c in enumerate(_DIGITS)}
    if not word or any(c not in digits and c != "十" for c in word):
        return 0
    if "十" not in word:
        return digits[word] if len(word) == 1 else 0
    tens, _, ones = word.partition("十")
    return (digits.get(tens, 0) if tens else 1) * 10 + (digits.get(ones, 0) if ones else 0)


def strip_ordinal(text: str) -> str:
    """The text without a leading ordinal in any style (a heading as the library keeps it)."""
    return LEADING_ORDINAL.sub("", text, count=1)


@dataclass(frozen=True)
class Block:
    """One paragraph of the document: kind is salutation, heading or body; lead is bold-faced."""

    kind: str
    text: str
    lead: str = ""

    @property
    def plain(self) -> str:
        return self.lead + self.text

    def to_dict(self) -> dict:
        return {"kind": self.kind, "lead": self.lead, "text": self.text}


def _sentence(heading: str) -> str:
    return heading if heading.endswith(("。", "！", "？", "!", "?")) else heading + "。"


def numbered_label(number: int, style: str) -> str:
    ordinal = chinese_ordinal(number)
    return {"一是": f"{ordinal}是", "一、": f"{ordinal}、", "第一": f"第{ordinal}，"}[style]


def point_blocks(heading: str, paragraphs: list[str] | tuple[str, ...], number: int, style: str) -> list[Block]:
    """A point as paragraphs: 一、 puts the heading on its own line; 一是 and 第一 run it into the body."""
    label = numbered_label(number, style)
    body = list(paragraphs)
    if style == "一、":
        return [Block("heading", label + heading)] + [Block("body", p) for p in body]
    first = body[0] if body else ""
    return [Block("body", first, lead=label + _sentence(heading))] + [Block("body", p) for p in body[1:]]


def plan_points(points: Sequence[str], omit: Iterable[str] = (), order: Sequence[str] | None = None) -> list[str]:
    """The points kept, in the writer's order: `order` first (points it leaves out keep the
    meeting's order after it), then without the omitted ones. Raises InputError naming the field."""
    omit = set(omit or ())
    planned = list(points)
    if order:
        unknown = [s for s in order if s not in points]
        if unknown or len(set(order)) != len(order):
            bad = "、".join(unknown) if unknown else "有重复的要点"
            raise InputError([Problem(f"要点顺序有误（{bad}），只能排列 {'、'.join(points)}", field="order")])
        planned = list(order) + [s for s in points if s not in order]
    kept = [s for s in planned if s not in omit]
    if not kept:
        raise InputError([Problem("至少要保留一个要点", field="omit")])
    return kept


def point_number(points: Sequence[str], slot: str, omit: Iterable[str] = (),
                 order: Sequence[str] | None = None) -> int:
    """A point's number: its place among the points kept, in the writer's order. An omitted point
    gets the number it would take where it stands (what 插入段落 inserts for a point left out)."""
    omit = set(omit or ())
    if slot not in points:
        raise InputError([Problem(f"「{slot}」不是这个会议类型的要点，可选：{'、'.join(points)}", field="slot")])
    planned = plan_points(points, omit - {slot}, order)
    return planned.index(slot) + 1
