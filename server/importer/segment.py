"""A speech -> its parts: salutation, opening, numbered points (heading + body), closing; the
meeting type and the slots.
"""
from __future__ import annotations

import re
from typing import Sequence

from ..numbering import STYLE_PATTERNS, parse_ordinal
from ..slots import CLOSING, OPENING, SALUTATION
from .model import FEEDBACK, ImportedPart, ImportedSpeech, MOBILISATION, Paragraph, REVISIT, RawSpeech, _TERMINAL, _salutation_end
from .mapping import MapContext, apply_mapping


_CLOSING_START = re.compile(r"^(?:同志们[，,！!]|总之|最后|各位领导[，,]|谢谢|总而言之|我们(?:将|要|一定)?(?:以此|珍惜)|做好这次)")


def find_points(paragraphs: Sequence[Paragraph]) -> tuple[str, list[int]]:
    """The numbering style and the indexes of the paragraphs that start points 一, 二, 三…

    The top level is the style that does not restart at 一 (sub-items "一是…二是…" restart in every
    point) and that starts first (a point's heading comes before its sub-items).
    """
    best: tuple = ()
    chosen: tuple[str, list[int]] = ("", [])
    for style, pattern in STYLE_PATTERNS.items():
        indexes: list[int] = []
        ones = 0
        expected = 1
        for i, paragraph in enumerate(paragraphs):
            match = pattern.match(paragraph.text)
            if not match:
                continue
            value = parse_ordinal(match.group(1))
            ones += value == 1
            if value == expected:
                indexes.append(i)
                expected += 1
        if not indexes:
            continue
        key = (ones == 1, len(indexes) >= 2, -indexes[0], len(indexes))
        if not best or key > best:
            best, chosen = key, (style, indexes)
    return chosen


def _split_heading(text: str, style: str) -> tuple[str, str]:
    """Remove the ordinal; return (heading sentence, the rest of the paragraph)."""
    text = STYLE_PATTERNS[style].sub("", text, count=1).strip() if style else text
    match = re.search(r"[。！？!?]", text)
    if match is None:
        return text.rstrip("；;，,：: "), ""
    return text[:match.start()].strip(), text[match.end():].strip()


def parse_speech(raw: RawSpeech, meetings: dict[str, list[str]] | None = None,
                 context: "MapContext | None" = None) -> ImportedSpeech:
    """Salutation, opening, numbered points (heading + body), closing; meeting type and slots;
    placeholders and unit specifics replaced by the library's variables."""
    paragraphs = list(raw.paragraphs)
    parts: list[ImportedPart] = []
    notes: list[str] = []
    if paragraphs and (end := _salutation_end(paragraphs[0].text)):
        first = paragraphs[0]
        parts.append(ImportedPart(SALUTATION, "", [Paragraph(first.text[:end], first.number)]))
        rest = first.text[end:].strip()
        paragraphs[0] = Paragraph(rest, first.number)
        if not rest:
            paragraphs.pop(0)
    style, starts = find_points(paragraphs)
    if not starts:
        notes.append("未识别出编号的要点（一是／一、／第一），全文作为开场导入，请人工拆分")
        parts.append(ImportedPart(OPENING, "", paragraphs))
    else:
        opening = paragraphs[:starts[0]]
        if opening:
            parts.append(ImportedPart(OPENING, "", opening))
        else:
            notes.append("未找到开场白")
        points, closing = _points_and_closing(paragraphs, starts, style)
        parts.extend(points)
        if closing:
            parts.append(ImportedPart(CLOSING, "", closing))
        else:
            notes.append("未找到结尾")
    if raw.paragraphs and not raw.paragraphs[-1].text.endswith(tuple(_TERMINAL)):
        last = raw.paragraphs[-1].number
        holder = next((p for p in reversed(parts) if last in (p.heading_number, *(q.number for q in p.paragraphs))), None)
        (holder.notes if holder else notes).append(f"第{last}段没有结束标点，原文可能在此截断，请核对")
    meeting, reason = classify_meeting(raw, parts)
    available = (meetings or {}).get(meeting)
    if meetings is not None and available is None:
        fallback = MOBILISATION if MOBILISATION in meetings else next(iter(meetings), meeting)
        notes.append(f"识别为「{meeting}」，但段落库没有这个会议类型，暂归入「{fallback}」")
        meeting, available = fallback, meetings.get(fallback)
    assign_slots(meeting, [p for p in parts if p.slot == "要点"], available)
    speech = ImportedSpeech(raw.filename, raw.index, raw.title or raw.collection_title, meeting, reason,
                            style, parts, notes)
    apply_mapping(speech, raw, context or MapContext())
    return speech


def _points_and_closing(paragraphs: list[Paragraph], starts: list[int], style: str
                        ) -> tuple[list[ImportedPart], list[Paragraph]]:
    points: list[ImportedPart] = []
    closing: list[Paragraph] = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(paragraphs)
        first = paragraphs[start]
        heading, rest = _split_heading(first.text, style)
        inline = bool(rest)
        body = ([Paragraph(rest, first.number)] if rest else []) + list(paragraphs[start + 1:end])
        if n == len(starts) - 1:
            body, closing = _cut_closing(body, first.number, inline)
        points.append(ImportedPart("要点", heading, body, first.number))
    return points, closing


def _cut_closing(body: list[Paragraph], first_number: int, inline: bool) -> tuple[list[Paragraph], list[Paragraph]]:
    """Where the last point ends: at a closing phrase, or (inline styles) after its own paragraph."""
    for i, paragraph in enumerate(body):
        if paragraph.number != first_number and _CLOSING_START.match(paragraph.text):
            return body[:i], body[i:]
    if inline:
        own = [p for p in body if p.number == first_number]
        return own, [p for p in body if p.number != first_number]
    return body, []


_FEEDBACK_WORDS = re.compile(r"反馈会|反馈意见|反馈了|反馈的|照单全收|全部认领|诚恳接受.{0,6}反馈")


_THEMES: dict[str, dict[str, tuple[str, ...]]] = {
    MOBILISATION: {
        "要点1": ("思想认识", "政治站位", "提高认识", "统一思想", "重要意义", "重大意义", "政治体检", "全面检阅",
                "综合会诊", "统一到", "思想和行动", "贯彻", "部署", "政治自觉", "重要性", "必要性"),
        "要点2": ("配合", "保障", "联络", "服务", "衔接", "协调", "随叫随到", "安排", "组织", "对接", "支持"),
        "要点3": ("监督", "问题导向", "纪律", "规矩", "如实", "实事求是", "反映情况", "正视问题", "面对问题",
                "接受检查", "表率", "以身作则", "不遮掩", "不隐瞒"),
        "要点4": ("整改", "成果", "转化", "立行立改", "统筹", "兼顾", "推动", "见效", "契机", "两不误", "重点工作",
                "长效", "发展", "落细落实"),
    },
    FEEDBACK: {
        "要点1": ("统一思想", "提高认识", "思想认识", "照单全收", "认领", "正视问题", "虚心接受", "政治站位", "诚恳接受"),
        "要点2": ("整改方案", "清单", "台账", "销号", "时限", "整改落实", "逐项", "督办", "责任", "抓好整改", "限期"),
        "要点3": ("成果运用", "长效机制", "建章立制", "转化", "推动发展", "以案促改", "举一反三", "常态长效", "运用"),
    },
}


_THEMES[REVISIT] = _THEMES[MOBILISATION]


_DEFAULT_POINTS = {MOBILISATION: 4, REVISIT: 4, FEEDBACK: 3}


def classify_meeting(raw: RawSpeech, parts: Sequence[ImportedPart]) -> tuple[str, str]:
    """回头看动员会 / 反馈会 / 动员会, from the title and the opening (then the whole text)."""
    title = raw.title or raw.collection_title
    opening = " ".join(p.text for part in parts if part.slot in (SALUTATION, OPENING) for p in part.paragraphs)
    head = title + " " + opening
    if "回头看" in head:
        return REVISIT, "标题或开场提到“回头看”"
    if "反馈" in title or (_FEEDBACK_WORDS.search(opening) and "动员" not in head):
        return FEEDBACK, "标题或开场提到巡察反馈"
    if "动员" in head or "进驻" in head or "入驻" in head:
        return MOBILISATION, "标题或开场提到动员或进驻"
    whole = " ".join(p.text for p in raw.paragraphs)
    if len(_FEEDBACK_WORDS.findall(whole)) >= 2:
        return FEEDBACK, "全文多处提到反馈意见"
    return MOBILISATION, "未见“回头看”或反馈字样，按动员会处理"


def _theme_score(part: ImportedPart, keywords: tuple[str, ...]) -> int:
    body = " ".join(p.text for p in part.paragraphs)
    return sum(3 * part.heading.count(k) + min(body.count(k), 3) for k in keywords)


def assign_slots(meeting: str, points: list[ImportedPart], available: list[str] | None = None) -> None:
    """Give each point the slot whose theme its words match best, keeping their order (要点N)."""
    slots = available or [f"要点{i}" for i in range(1, _DEFAULT_POINTS.get(meeting, 4) + 1)]
    themes = _THEMES.get(meeting, {})
    if len(points) > len(slots):
        for i, part in enumerate(points, start=1):
            part.slot = f"要点{min(i, 9)}"
            if i > len(slots):
                part.notes.append(f"这篇有 {len(points)} 个要点，多于会议类型「{meeting}」的 {len(slots)} 个，已按顺序编为「{part.slot}」")
        return
    scores = [[_theme_score(p, themes.get(s, ())) for s in slots] for p in points]
    chosen = _best_monotone(scores)
    for part, slot_index in zip(points, chosen):
        part.slot = slots[slot_index]


def _best_monotone(scores: list[list[int]]) -> list[int]:
    """Strictly increasing slot indexes, one per point, with the highest total score."""
    n, m = len(scores), len(scores[0]) if scores else 0
    best: dict[tuple[int, int], tuple[int, list[int]]] = {}

    def solve(i: int, j: int) -> tuple[int, list[int]]:
        if i == n:
            return 0, []
        if m - j < n - i:
            return -10**9, []
        if (i, j) not in best:
            take_score, take_rest = solve(i + 1, j + 1)
            skip = solve(i, j + 1)
            take = (scores[i][j] + take_score, [j] + take_rest)
            best[(i, j)] = take if take[0] >= skip[0] else skip
        return best[(i, j)]

    return solve(0, 0)[1]
