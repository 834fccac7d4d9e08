"""Checks over the whole loaded workbook: templates, coverage of every slot, words typed literally.

Each check appends located Problems; none raises. server/library.py runs them after reading the sheets.
"""
from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Mapping

from . import alternatives
from .keys import INSPECTION_KIND
from .lint import find_outdated
from .problems import ERROR, WARNING, Problem
from .profiles import unit_word_columns
from .templating import inspect_template, undefined_message
from .slots import OPTIONAL_SLOTS



def check_templates(meetings, modes, sections, variables, problems: list[Problem]) -> None:
    """Every template parses and uses only variables that have a value where it is used."""
    known = set(variables)

    def check(text: str, sheet: str, row: int, column: str, meeting_ids: Iterable[str]) -> None:
        errors = alternatives.problems(text)
        if errors:
            problems.extend(Problem(message, ERROR, sheet, row, column) for message in errors)
            return
        names: set[str] = set()
        parsed = alternatives.parse(text)
        # Every 【】 alternative is checked once: piece by piece where pieces stand alone, which are
        # the very texts rendering inspects (compose.picked_pieces), so loading warms their cache.
        texts = parsed.texts if parsed.pieces_stand_alone else alternatives.projections(text)
        for piece in texts:
            info = inspect_template(piece)
            if info.syntax_error:
                problems.append(Problem(info.syntax_error, ERROR, sheet, row, column))
                return
            names |= info.variables
        for name in sorted(names):
            if name not in known:
                problems.append(Problem(undefined_message(name, known), ERROR, sheet, row, column))
                continue
            spec = variables[name]
            outside = [m for m in meeting_ids if not spec.applies_to(m)]
            if outside:
                problems.append(Problem(
                    f"变量 {{{{ {name} }}}} 只适用于 {'、'.join(spec.meetings)}，在「{'、'.join(outside)}」中没有值。"
                    f"若这里确实要用它，请在工作表「变量」第 {spec.row} 行「适用会议类型」中加上"
                    f"「{'、'.join(outside)}」（或清空表示都适用）；否则请把这一段的「会议类型」改为 {'、'.join(spec.meetings)}",
                    ERROR, sheet, row, column))

    for meeting in meetings.values():
        check(meeting.title, "会议类型", meeting.row, "标题", [meeting.id])
    for mode in modes.values():
        check(mode.phrase, "巡察方式", mode.row, "称谓", tuple(meetings))
    for section in sections.values():
        ids = section.meetings or tuple(meetings)
        check(section.heading, "段落", section.row, "小标题", ids)
        check(section.body, "段落", section.row, "正文", ids)


def check_coverage(meetings, sections, unit_types, roles, modes, problems: list[Problem]) -> set[str]:
    """Every slot can be filled; a unit type, speaker role or mode no variant suits is named.

    Returns the meeting types with a slot no enabled section can fill: half-built (an editor is
    adding one), they are left out of the library with a warning while every other edit is taken."""
    incomplete: set[str] = set()
    by_slot: dict[str, list] = {}
    for section in sections.values():
        if section.enabled:
            by_slot.setdefault(section.slot, []).append(section)
    for meeting in meetings.values():
        for slot in meeting.slots:
            variants = [s for s in by_slot.get(slot, []) if s.serves(meeting.id)]
            if not variants:
                if slot not in OPTIONAL_SLOTS:
                    incomplete.add(meeting.id)
                    problems.append(Problem(
                        f"会议类型「{meeting.id}」的「{slot}」没有任何启用的段落，这个会议类型暂不可用（其他会议类型照常使用）；"
                        "请添加段落或把已有段落的「启用」改为「是」", WARNING, "会议类型", meeting.row, "部分"))
                continue
            if slot in OPTIONAL_SLOTS or any(not (s.unit_types or s.roles or s.modes) for s in variants):
                continue
            lacking = []
            held_by = [u for u in unit_types if meeting.held_by(u)]
            for unit, role, mode in itertools.product(held_by, roles or (None,), meeting.modes or tuple(modes) or (None,)):
                if not any(s.fits(unit, role, mode) for s in variants):
                    lacking.append("、".join(x for x in (unit, role, mode) if x))
            if lacking:
                more = f"等 {len(lacking)} 种情形" if len(lacking) > 3 else ""
                problems.append(Problem(
                    f"会议类型「{meeting.id}」的「{slot}」没有适用于（{'；'.join(lacking[:3])}）{more}的段落，"
                    "请添加段落，或放宽已有段落的「适用单位类型」「适用发言人身份」「适用巡察方式」",
                    WARNING, "会议类型", meeting.row, "部分"))
    return incomplete


def check_section_words(sections, unit_types, matcher, today: dt.date, problems: list[Problem],
                        kinds: Iterable[str] = ()) -> None:
    """Outdated phrases (提法), unit-specific words and the inspection kinds (巡察/巡视, the 巡察类型
    choices) typed literally, as warnings; near-misses of the template syntax, as errors. A text
    that branches on 巡察类型 ({% if 巡察类型 == "巡视" %}) may name the kinds in its branches."""
    words: dict[str, str] = {}
    columns = unit_word_columns(unit_types)
    for values in unit_types.values():
        for key in columns:
            if values.get(key) and len(values[key]) >= 2:
                words.setdefault(values[key], key)
    kinds = tuple(kinds)
    checker = _word_checker(matcher, tuple(sorted(words.items(), key=lambda item: (-len(item[0]), item[0]))), today)
    for section in sections.values():
        for column, text in (("小标题", section.heading), ("正文", section.body)):
            for message in near_misses(text):
                problems.append(Problem(message, ERROR, "段落", section.row, column))
            for message in _text_warnings(text, checker):
                problems.append(Problem(message, WARNING, "段落", section.row, column))
            for kind in _literal_kinds(text, kinds):
                problems.append(Problem(f"直接写了「{kind}」，用于{'、'.join(k for k in kinds if k != kind)}时会出错，"
                                        f"请改为 {{{{ {INSPECTION_KIND} }}}}", WARNING, "段落", section.row, column))


@lru_cache(maxsize=65536)
def _literal_kinds(text: str, kinds: tuple[str, ...]) -> tuple[str, ...]:
    if not kinds or not any(kind in text for kind in kinds) or re.search(r"\{%[^%]*" + INSPECTION_KIND, text):
        return ()
    literal = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", text)
    return tuple(kind for kind in kinds if kind in literal)


# Slips of the template syntax that would print literally (an IME's full-width braces, a space
# between the braces, one brace where two belong); each with what to type instead.
_NEAR_MISSES = (
    (re.compile(r"[｛{][｛{]?\s*[^{}｛｝\n]*?\s*[｝}]?[｝}]"), lambda t: "｛" in t or "｝" in t,
     "用了全角的花括号「{found}」，不会被当作变量：请改为半角的 {fixed}（切换到英文输入法输入 {{{{ }}}}）"),
    (re.compile(r"\{\s+\{[^{}\n]*\}\s*\}|\{\{[^{}\n]*\}\s+\}"), lambda t: True,
     "「{found}」的两个花括号之间有空格，不会被当作变量：请改为 {fixed}"),
    (re.compile(r"(?<![{｛])\{\s*([^\W\d]\w*)\s*\}(?![}｝])"), lambda t: True,
     "「{found}」只有一层花括号，不会被当作变量：请改为 {fixed}"),
)


@lru_cache(maxsize=65536)
def near_misses(text: str) -> tuple[str, ...]:
    """What in `text` looks like a variable but is not written as one, with the fix (cached per
    distinct text, like _text_warnings: a reload re-checks only the rows that changed)."""
    if "{" not in text and "｛" not in text:
        return ()
    messages = []
    for pattern, applies, message in _NEAR_MISSES:
        for match in pattern.finditer(text):
            found = match.group(0)
            if not applies(found):
                continue
            name = re.sub(r"[{}｛｝\s]", "", found)
            messages.append(message.format(found=found, fixed="{{ " + name + " }}"))
    return tuple(messages)


@dataclass(frozen=True, eq=False)  # hashed by identity: _word_checker hands out one per configuration
class _WordChecker:
    matcher: Any
    pattern: re.Pattern | None
    keys: Mapping[str, str]
    today: dt.date


@lru_cache(maxsize=64)
def _word_checker(matcher, word_list: tuple[tuple[str, str], ...], today: dt.date) -> _WordChecker:
    pattern = re.compile("|".join(re.escape(w) for w, _ in word_list)) if word_list else None
    return _WordChecker(matcher, pattern, dict(word_list), today)


@lru_cache(maxsize=65536)
def _text_warnings(text: str, checker: _WordChecker) -> tuple[str, ...]:
    """Per distinct text (cached): reloads re-check only the rows that changed."""
    messages = [hit.message for hit in find_outdated(text, checker.matcher, checker.today)]
    if checker.pattern is not None:
        literal = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", text)
        for word in sorted(set(checker.pattern.findall(literal))):
            messages.append(f"直接写了「{word}」，换成其他单位类型时会出错，请改为 {{{{ {checker.keys[word]} }}}}")
    return tuple(messages)
