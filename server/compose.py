"""Meeting type + variables + choices -> Speech: which variant fills each slot, in which order,
numbered how, and the warnings that travel with the result."""
from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from . import alternatives
from .derive import date_line, speaker_line
from .keys import INSPECTION_KIND
from .library import Library, Meeting, Section
from .length import CHARS_PER_MINUTE, USUAL_LENGTH, count_characters, parse_target, within
from .lint import find_outdated
from .numbering import STYLES, Block, plan_points, point_blocks, point_number
from .problems import ERROR, WARNING, InputError, LibraryError, Problem
from .slots import CLOSING, OPENING, SALUTATION, is_point, slot_kind
from .profiles import unit_word_columns
from .selection import Pick, fit_length, pick_variant, seeded_pick, usable
from .templating import TemplateProblem, inspect_template, render_pieces, render_template
from .title_layout import break_title
from .variables import Variables, resolve_variables

SEED_RANGE = (1, 999_999)  # a fresh seed is short enough to read out and type again


@dataclass(frozen=True)
class Part:
    """One filled slot of a speech."""

    slot: str
    section_id: str
    heading: str  # a point's heading sentence, without number
    paragraphs: tuple[str, ...]
    number: int | None = None  # position among the points kept
    style: str = STYLES[0]

    @property
    def kind(self) -> str:
        return slot_kind(self.slot)

    @property
    def blocks(self) -> list[Block]:
        if self.kind == "point" and self.number:
            return point_blocks(self.heading, self.paragraphs, self.number, self.style)
        block_kind = "salutation" if self.kind == "salutation" else "body"
        return [Block(block_kind, p) for p in self.paragraphs]

    @property
    def text(self) -> str:
        return "\n".join(b.plain for b in self.blocks)

    def to_dict(self) -> dict[str, Any]:
        return {"slot": self.slot, "kind": self.kind, "section_id": self.section_id, "heading": self.heading,
                "number": self.number, "paragraphs": [b.plain for b in self.blocks],
                "blocks": [b.to_dict() for b in self.blocks], "text": self.text}


@dataclass(frozen=True)
class Speech:
    meeting: str
    title: str
    speaker_line: str
    style: str
    parts: tuple[Part, ...]
    warnings: tuple[Problem, ...] = ()
    library_id: str = ""
    title_lines: tuple[str, ...] = ()  # the title broken at word boundaries (server/title_layout.py)
    date_line: str = ""  # （2025年3月12日） when 会议日期 is given
    seed: int | None = None  # the seed that chose the variants: the same seed and inputs make this speech again
    target: int | None = None  # the length asked for, in characters

    @property
    def body_text(self) -> str:
        return "\n".join(p.text for p in self.parts)

    @property
    def text(self) -> str:
        head = [self.title] + [line for line in (self.date_line, self.speaker_line) if line]
        return "\n".join(head) + "\n\n" + self.body_text + "\n"

    @property
    def characters(self) -> int:
        return count_characters(self.body_text)

    @property
    def minutes(self) -> float:
        return round(self.characters / CHARS_PER_MINUTE, 1)

    @property
    def blocks(self) -> list[Block]:
        return [b for part in self.parts for b in part.blocks]

    def to_dict(self) -> dict[str, Any]:
        return {"meeting": self.meeting, "title": self.title, "title_lines": list(self.title_lines or (self.title,)),
                "date_line": self.date_line, "speaker_line": self.speaker_line, "style": self.style,
                "parts": [p.to_dict() for p in self.parts], "text": self.text, "characters": self.characters,
                "minutes": self.minutes, "warnings": [w.to_dict() for w in self.warnings], "library_id": self.library_id,
                "seed": self.seed, "target": self.target}


def new_seed() -> int:
    """A fresh seed for a speech asked for without one (reported back, so it can be made again)."""
    low, high = SEED_RANGE
    return low + secrets.randbelow(high - low + 1)


def render_section_text(section: Section, variables: Variables, pick: Pick | None = None) -> tuple[str, tuple[str, ...]]:
    """A section's heading and paragraphs with the writer's values; without a pick, the first
    alternative of every 【】 group."""
    def render(text: str, column: str) -> str:
        try:
            return render_template(text, variables.values)
        except TemplateProblem as exc:
            raise LibraryError([Problem(str(exc), ERROR, "段落", section.row, column)]) from exc

    try:
        pick = pick or seeded_pick(section.slot, section, None)
        heading_pieces, body_pieces = _pieces(pick)
    except alternatives.AlternativesError as exc:
        raise LibraryError([Problem(str(exc), ERROR, "段落", section.row, "正文")]) from exc
    heading = "".join(render(t, "小标题") for t in heading_pieces).strip()
    body = "".join(render(t, "正文") for t in body_pieces)
    paragraphs = tuple(p.strip() for p in body.split("\n") if p.strip())
    return heading, paragraphs


def _pieces(pick: Pick) -> tuple[list[str], list[str]]:
    """The texts to render for the pick's heading and body."""
    section = pick.section
    return picked_pieces(section.heading, pick.heading_picks), picked_pieces(section.body, pick.body_picks)


def picked_pieces(text: str, picks: Sequence[int]) -> list[str]:
    """The texts to render for a section's column with these picks: its pieces one by one when each
    stands alone (see alternatives.Parsed.pieces_stand_alone), else the whole chosen text."""
    parsed = alternatives.parse(text)
    if parsed.pieces_stand_alone:
        return [piece for piece in parsed.chosen(picks) if piece]
    return [parsed.text(picks)]


def _plan_slots(meeting: Meeting, omit: Iterable[str], order: Sequence[str] | None) -> list[str]:
    """Every slot the speech fills, in order: the parts before the points, the points kept (as
    numbering.plan_points orders them), the parts after."""
    omit = list(omit or [])
    for slot in omit:
        if slot not in meeting.slots:
            raise InputError([Problem(f"会议类型「{meeting.id}」没有「{slot}」这一部分", field="omit")])
        if slot in (OPENING, CLOSING):
            raise InputError([Problem(f"「{slot}」不能省略", field="omit")])
    points = plan_points(meeting.points, omit, order)
    first_point = meeting.slots.index(meeting.points[0])
    before = [s for s in meeting.slots[:first_point] if not is_point(s) and s not in omit]
    after = [s for s in meeting.slots[first_point:] if not is_point(s) and s not in omit]
    return before + points + after


def compose_speech(library: Library, meeting_id: str, given: Mapping[str, Any], *, style: str | None = None,
                   seed: int | None = None, choices: Mapping[str, str] | None = None,
                   omit: Iterable[str] = (), order: Sequence[str] | None = None,
                   exclude: Iterable[str] = (), length: int | str | None = None) -> Speech:
    """The whole speech for a meeting type; raises InputError naming the field at fault.

    Without a seed a fresh one is chosen and kept in Speech.seed. `exclude` lists section ids the
    writer has used or rejected (换一个): no slot takes one while another variant fits. `length` is a
    target (characters, minutes or a preset, server/length.py) met within the tolerance when the
    library allows; dropping points is the last resort for a short target."""
    meeting = library.meeting(meeting_id)
    if meeting is None:
        raise InputError([Problem(f"没有会议类型「{meeting_id}」，可选：{'、'.join(library.meetings)}", field="meeting")])
    style = check_style(style or meeting.default_style)
    seed = new_seed() if seed is None else seed
    target = parse_target(length)
    excluded = tuple(str(x) for x in exclude or ())  # in the order shown: selection.usable reads rounds from it
    variables = resolve_variables(library, meeting_id, given)
    choices = dict(choices or {})
    for slot in choices:
        if slot not in meeting.slots:
            raise InputError([Problem(f"会议类型「{meeting_id}」没有「{slot}」这一部分", field=f"choices.{slot}")])
    slots = _plan_slots(meeting, omit, order)
    picks, candidates = [], {}
    for slot in slots:
        variants = library.sections_for(meeting_id, slot, variables.unit_type, variables.speaker_role or None,
                                        variables.inspection_mode or None)
        if slot in choices:
            section = _chosen(library, meeting_id, slot, choices[slot], variants)
        elif variants:
            section = pick_variant(variants, slot, seed, excluded)
            candidates[slot] = usable(variants, excluded)
        elif slot == SALUTATION:
            continue
        else:
            fit = "、".join(v for v in (variables.unit_type, variables.speaker_role, variables.inspection_mode) if v)
            raise LibraryError([Problem(f"「{slot}」没有适用于（{fit or '该单位'}）的启用段落，请在段落库中添加", ERROR, "段落")])
        picks.append(seeded_pick(slot, section, seed))
    if target is not None:
        picks = _fit(picks, candidates, set(choices), variables, target, seed, style, meeting, order)
    parts = _number(picks, variables, style, meeting, order)
    try:
        pieces = render_pieces(meeting.title, variables.values)
    except TemplateProblem as exc:
        raise LibraryError([Problem(str(exc), ERROR, "会议类型", meeting.row, "标题")]) from exc
    title = "".join(text for text, _ in pieces).strip()
    speech = Speech(meeting_id, title, speaker_line(variables.values), style, tuple(parts), (), library.id,
                    break_title(pieces), date_line(variables.values), seed, target)
    warnings = list(variables.problems) + speech_warnings(library, speech, variables)
    return dataclasses.replace(speech, warnings=tuple(warnings))


def _number(picks: Sequence[Pick], variables: Variables, style: str, meeting: Meeting,
            order: Sequence[str] | None) -> list[Part]:
    """The parts, each point numbered by numbering.point_number: the points not picked (omitted, or
    dropped for a length target) count as omitted, so a part inserted alone gets the same ordinal."""
    picked = {pick.slot for pick in picks}
    left_out = [slot for slot in meeting.points if slot not in picked]
    parts = []
    for pick in picks:
        heading, paragraphs = render_section_text(pick.section, variables, pick)
        number = point_number(meeting.points, pick.slot, left_out, order) if is_point(pick.slot) else None
        parts.append(Part(pick.slot, pick.section.id, heading, paragraphs, number, style))
    return parts


def _fit(picks: list[Pick], candidates: Mapping[str, Sequence[Section]], fixed: set[str], variables: Variables,
         target: int, seed: int, style: str, meeting: Meeting, order: Sequence[str] | None) -> list[Pick]:
    """Picks whose speech is near `target` characters; drops trailing points (never below two, never
    a chosen one) only when the shortest choices are still too long."""
    def measure(pick: Pick) -> int:
        key = (pick.section.id, pick.heading_picks, pick.body_picks)
        if key not in sizes:
            heading, paragraphs = render_section_text(pick.section, variables, pick)
            sizes[key] = count_characters(heading + "".join(paragraphs)) + (4 if heading else 0)  # ordinal, stop
        return sizes[key]

    sizes: dict[tuple, int] = {}
    while True:
        picks = fit_length(picks, candidates, fixed, measure, target, seed)
        total = sum(count_characters(part.text) for part in _number(picks, variables, style, meeting, order))
        points = [i for i, p in enumerate(picks) if is_point(p.slot) and p.slot not in fixed]
        if within(total, target) or total < target or len(points) + len(fixed & {p.slot for p in picks}) <= 2 \
                or not points:
            return picks
        picks = picks[:points[-1]] + picks[points[-1] + 1:]


def render_part(library: Library, section_id: str, given: Mapping[str, Any], *, style: str | None = None,
                omit: Iterable[str] = (), order: Sequence[str] | None = None, number: int | None = None,
                meeting_id: str | None = None, seed: int | None = None) -> tuple[Part, tuple[Problem, ...]]:
    """One section as a part: what 插入段落 puts at the cursor. A point is numbered as the whole
    speech would number it with the same `omit` and `order` (numbering.point_number); `number`
    is what older clients computed themselves, honoured only when given. The seed chooses the 【】
    alternatives as in the speech made with it; without one, the first of each."""
    section = library.sections.get(section_id)
    if section is None:
        raise InputError([Problem(f"没有编号为「{section_id}」的段落", field="id")])
    if meeting_id is None:
        meeting_id = section.meetings[0] if section.meetings else next(iter(library.meetings))
    elif meeting_id not in library.meetings or not section.serves(meeting_id):
        raise InputError([Problem(f"段落「{section_id}」不属于会议类型「{meeting_id}」", field="meeting")])
    meeting = library.meetings[meeting_id]
    style = check_style(style or meeting.default_style)
    if number is not None and (not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 99):
        raise InputError([Problem("序号应为 1 到 99 之间的整数", field="number")])
    pick = seeded_pick(section.slot, section, seed)
    heading_pieces, body_pieces = _pieces(pick)
    used = frozenset().union(*(inspect_template(t).variables for t in heading_pieces + body_pieces))
    variables = resolve_variables(library, meeting_id, given, needed=used)
    heading, paragraphs = render_section_text(section, variables, pick)
    if is_point(section.slot) and number is None:
        number = point_number(meeting.points, section.slot, omit, order)
    part = Part(section.slot, section.id, heading, paragraphs, number if is_point(section.slot) else None, style)
    warnings = list(variables.problems) + [
        Problem(h.message, WARNING, field="text", part=part.slot, paragraph=n)
        for n, block in enumerate(part.blocks, start=1) for h in find_outdated(block.plain, library.matcher)]
    return part, tuple(warnings)


def check_style(style: str) -> str:
    if style not in STYLES:
        raise InputError([Problem(f"编号样式只能是 {'、'.join(STYLES)} 之一，现在是「{style}」", field="style")])
    return style


def _chosen(library: Library, meeting_id: str, slot: str, section_id: str, variants: list[Section]) -> Section:
    section = library.sections.get(section_id)
    where = f"choices.{slot}"
    if section is None:
        raise InputError([Problem(f"没有编号为「{section_id}」的段落", field=where)])
    if section not in variants:
        if section.slot != slot or not section.serves(meeting_id):
            raise InputError([Problem(f"段落「{section_id}」不能用在「{meeting_id}」的「{slot}」", field=where)])
        raise InputError([Problem(f"段落「{section_id}」未启用或不适用于此单位类型", field=where)])
    return section


def speech_warnings(library: Library, speech: Speech, variables: Variables) -> list[Problem]:
    """What the writer should look at before the speech reaches the podium."""
    warnings: list[Problem] = []
    places = [("标题", None, speech.title)] + [(part.slot, n, block.plain) for part in speech.parts
                                              for n, block in enumerate(part.blocks, start=1)]
    for part, paragraph, text in places:  # each warning says where in the speech to look
        for hit in find_outdated(text, library.matcher):
            warnings.append(Problem(hit.message, WARNING, field="text", part=part, paragraph=paragraph))
        for word in foreign_words(library, text, variables):
            warnings.append(Problem(f"发言中出现了「{word}」，与所选单位类型或{INSPECTION_KIND}不符，请检查段落库",
                                    WARNING, field="text", part=part, paragraph=paragraph))
    low, high = USUAL_LENGTH
    if speech.target is not None:
        if not within(speech.characters, speech.target):
            warnings.append(Problem(
                f"要求约 {speech.target} 字，段落库为这一单位能组成的最接近的是 {speech.characters} 字；"
                "可在段落库中为各部分添加更" + ("长" if speech.characters < speech.target else "短") + "的段落或可省略的语句",
                WARNING, field="length"))
    elif not low <= speech.characters <= high:
        warnings.append(Problem(
            f"全文约 {speech.characters} 字（约 {speech.minutes} 分钟），通常为 {low}–{high} 字，"
            + ("可增加要点或换用更充实的段落" if speech.characters < low else "可删去要点或换用更简短的段落"),
            WARNING, field="length"))
    return warnings


def foreign_words(library: Library, text: str, variables: Variables) -> list[str]:
    """Words that belong to another unit type or the other inspection kind, outside typed values."""
    masked = text
    typed = [k for k in variables.typed if k in library.variables and not library.variables[k].choices]
    for key in sorted(typed, key=lambda k: -len(variables.values[k])):
        if variables.values[key]:
            masked = masked.replace(variables.values[key], "□")
    columns = unit_word_columns(library.unit_types)
    own = set(variables.values.get(k, "") for k in columns)
    words = set()
    for values in library.unit_types.values():
        for key in columns:
            word = values.get(key, "")
            if len(word) >= 2 and word not in own and not any(word in o for o in own):
                words.add(word)
    found = sorted(w for w in words if w in masked)
    if variables.inspection_kind == "巡视" and "巡察" in masked:
        found.append("巡察")
    return found
