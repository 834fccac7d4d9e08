"""Alternatives inside a section: 【写法一｜写法二｜写法三】, chosen by the seed before the template runs.

Part of the editors' small template language (docs/workbook-format.md, the 说明 sheet). Invariants:
- a group is 【 … 】 with two or more alternatives separated by ｜ (or |) outside {{ }} / {% %} tags;
  one alternative may be empty (the words are optional: a speech may leave them out);
- groups do not nest, and every {% if %} / {{ }} an alternative opens it also closes, so any choice of
  alternatives leaves a template exactly as valid as any other (checked by `problems`, never at render);
- text without 【 is returned unchanged, so plain sections cost nothing;
- the choice of group i depends only on (seed, key, i): adding a group to one section changes no other.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Sequence

OPEN, CLOSE = "【", "】"
SEPARATORS = ("｜", "|")
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_IF_OPEN = re.compile(r"\{%-?\s*if\b")
_IF_CLOSE = re.compile(r"\{%-?\s*endif\b")
_WHITESPACE_CONTROL = re.compile(r"\{[{%]-|-[}%]\}")


class AlternativesError(ValueError):
    """A 【】 group written wrongly; the message is Chinese and names the group."""


@dataclass(frozen=True)
class Parsed:
    """A text cut into literal pieces and groups: pieces[i] is a str or a tuple of alternatives."""

    pieces: tuple[str | tuple[str, ...], ...]

    @property
    def groups(self) -> tuple[tuple[str, ...], ...]:
        return tuple(p for p in self.pieces if isinstance(p, tuple))

    def chosen(self, picks: Sequence[int]) -> list[str]:
        """The pieces with alternative picks[i] for group i (a missing pick takes the first)."""
        out, index = [], 0
        for piece in self.pieces:
            if isinstance(piece, tuple):
                choice = picks[index] if index < len(picks) else 0
                out.append(piece[choice % len(piece)])
                index += 1
            else:
                out.append(piece)
        return out

    def text(self, picks: Sequence[int]) -> str:
        return "".join(self.chosen(picks))

    @property
    def texts(self) -> list[str]:
        """Every literal piece and every alternative, each once, empty ones left out."""
        return [t for piece in self.pieces for t in (piece if isinstance(piece, tuple) else (piece,)) if t]

    @cached_property
    def pieces_stand_alone(self) -> bool:
        """Whether every piece is a template on its own (conditions and braces paired inside it, no
        whitespace control): then pieces are rendered one by one and the template caches hold the
        library's pieces, never each combination of them (which would grow with every seed)."""
        return all(_stands_alone(t) for t in self.texts)


def _stands_alone(text: str) -> bool:
    return (len(_IF_OPEN.findall(text)) == len(_IF_CLOSE.findall(text)) and text.count("{{") == text.count("}}")
            and text.count("{%") == text.count("%}") and not _WHITESPACE_CONTROL.search(text))


def _snippet(text: str, start: int) -> str:
    return text[start:start + 12].replace("\n", " ")


@lru_cache(maxsize=65536)
def parse(text: str) -> Parsed:
    """Cut a text into pieces; raises AlternativesError on a wrongly written group."""
    if OPEN not in text and CLOSE not in text:
        return Parsed((text,) if text else ())
    pieces: list[str | tuple[str, ...]] = []
    literal: list[str] = []
    group: list[list[str]] | None = None
    group_start = 0
    number = 0
    i = 0
    while i < len(text):
        tag = _TAG.match(text, i)
        if tag:
            (group[-1] if group is not None else literal).append(tag.group())
            i = tag.end()
            continue
        char = text[i]
        if char == OPEN:
            if group is not None:
                raise AlternativesError(f"第 {number} 处【】里又出现了【（从「{_snippet(text, group_start)}」开始）：【】不能套用")
            number += 1
            pieces.append("".join(literal))
            literal, group, group_start = [], [[]], i
        elif char == CLOSE:
            if group is None:
                raise AlternativesError(f"多余的】（在「{_snippet(text, max(0, i - 8))}」处），前面没有对应的【")
            pieces.append(_close_group([("".join(a)) for a in group], number, text, group_start))
            group = None
        elif char in SEPARATORS and group is not None:
            group.append([])
        else:
            (group[-1] if group is not None else literal).append(char)
        i += 1
    if group is not None:
        raise AlternativesError(f"第 {number} 处【（「{_snippet(text, group_start)}」）没有对应的】")
    pieces.append("".join(literal))
    return Parsed(tuple(p for p in pieces if p != ""))


def _close_group(alternatives: list[str], number: int, text: str, start: int) -> tuple[str, ...]:
    where = f"第 {number} 处【】（「{_snippet(text, start)}」）"
    if len(alternatives) < 2:
        raise AlternativesError(f"{where}只有一种写法：请用｜分隔两种以上的写法，或去掉【】")
    if sum(1 for a in alternatives if not a.strip()) > 1:
        raise AlternativesError(f"{where}有不止一种空写法：空写法（表示可以省略）最多一个")
    for index, alternative in enumerate(alternatives, 1):
        if len(_IF_OPEN.findall(alternative)) != len(_IF_CLOSE.findall(alternative)):
            raise AlternativesError(f"{where}的第 {index} 种写法中，{{% if %}} 与 {{% endif %}} 没有在同一种写法内成对")
        if alternative.count("{{") != alternative.count("}}") or alternative.count("{%") != alternative.count("%}"):
            raise AlternativesError(f"{where}的第 {index} 种写法中，花括号没有在同一种写法内成对")
    return tuple(alternatives)


def problems(text: str) -> list[str]:
    """The Chinese message for a wrongly written text, or nothing."""
    try:
        parse(text)
    except AlternativesError as exc:
        return [str(exc)]
    return []


def random_picks(parsed: Parsed, seed: int | None, key: str) -> tuple[int, ...]:
    """Seed None takes the first alternative of every group; a seed picks each group independently."""
    if seed is None:
        return tuple(0 for _ in parsed.groups)
    return tuple(_draw(f"{seed}:{key}:{index}", len(group)) for index, group in enumerate(parsed.groups))


def _draw(key: str, n: int) -> int:
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") % n


def projections(text: str) -> list[str]:
    """Texts that together use every alternative at least once (for checks): the j-th takes
    alternative j of every group that has one, else the group's first."""
    parsed = parse(text)
    widest = max((len(g) for g in parsed.groups), default=1)
    return [parsed.text([j if j < len(g) else 0 for g in parsed.groups]) for j in range(widest)]


def count(text: str) -> int:
    """How many distinct texts the groups can make (at least 1)."""
    total = 1
    for group in parse(text).groups:
        total *= len(group)
    return total
