"""Where numbering is decided: ordinals and the three numbering styles (一是 / 一、 / 第一).

Numbers are never stored in the library; they follow the points actually kept, in order.
"""
from __future__ import annotations

from dataclasses import dataclass

STYLES = ("一是", "一、", "第一")
_DIGITS = "零一二三四五六七八九"


def chinese_ordinal(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十 (points never run past 99)."""
    if n < 1 or n > 99:
        raise ValueError(f"序号超出范围：{n}")
    tens, ones = divmod(n, 10)
    text = ("" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十"))
    return text + (_DIGITS[ones] if ones else "")


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
