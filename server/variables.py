"""Variables: the schema editors declare, values derived from 单位类型, checks of the writer's input.

resolve_variables is the one entry from a writer's values to the values a speech is rendered with:
typed values are cleaned, then server/derive.py completes them (unit profile, 党组织, 巡察类型 from the
巡察组 name, 巡察方式, 本职工作…). Every problem names its field; errors raise InputError.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from . import derive
from .limits import MAX_VALUE
from .keys import INSPECTION_FOCUS, INSPECTION_KIND, INSPECTION_MODE, SPEAKER_ROLE, UNIT_TYPE
from .library import Library, Meeting
from .text import clean_text
from .problems import WARNING, InputError, Problem


@dataclass(frozen=True)
class Variables:
    """Every declared variable with its value ("" where optional and not given)."""

    values: Mapping[str, str]
    typed: frozenset[str]  # keys whose value the writer typed (their text is theirs, never checked)
    problems: tuple[Problem, ...] = ()  # warnings

    @property
    def unit_type(self) -> str:
        return self.values.get(UNIT_TYPE, "")

    @property
    def inspection_kind(self) -> str:
        return self.values.get(INSPECTION_KIND, "")

    @property
    def speaker_role(self) -> str:
        return self.values.get(SPEAKER_ROLE, "")

    @property
    def inspection_mode(self) -> str:
        return self.values.get(INSPECTION_MODE, "")


def variable_schema(library: Library, meeting_id: str | None = None) -> list[dict[str, Any]]:
    """The variables a meeting type needs, in workbook order, with what a form needs to show them.

    Computed variables (来源「推导」) are not inputs and are left out."""
    result = []
    for spec in library.variables.values():
        if spec.computed or (meeting_id and not spec.applies_to(meeting_id)):
            continue
        choices = list(spec.choices)
        if meeting_id and spec.key == INSPECTION_MODE:
            choices = [m for m in choices if library.meetings[meeting_id].allows(m)]
        if meeting_id and spec.key == UNIT_TYPE:
            choices = [u for u in choices if library.meetings[meeting_id].held_by(u)]
        result.append({
            "key": spec.key, "label": spec.label, "help": spec.help, "example": spec.example,
            "required": spec.required and not spec.derived, "choices": choices,
            "derived": spec.derived, "meetings": list(spec.meetings),
            "max_length": MAX_VALUE,  # what the service accepts: the form's input says the same
        })
    return result


def derived_values(library: Library, unit_type: str) -> dict[str, str]:
    """What 自称, 全体, 党组织… become for a unit type (or one of its 别名)."""
    return dict(library.unit_types.get(library.unit_type_of(unit_type) or "", {}))


def example_values(library: Library, meeting_id: str | None = None, unit_type: str | None = None) -> dict[str, str]:
    """The 变量 sheet's examples: what `biaotai generate` uses when no values are given.

    For another kind of unit (asked for, or because the meeting type is held only by some kinds, as
    巡村动员会), the 单位类型 sheet's 示例X columns replace the examples of X (单位名称, 发言人…)."""
    values = {spec.key: spec.example for spec in library.variables.values()
              if spec.example and not spec.derived and not spec.computed
              and (meeting_id is None or spec.applies_to(meeting_id))}
    meeting = library.meetings.get(meeting_id or "")
    usual = library.unit_type_of(values.get(UNIT_TYPE, "")) or ""
    if unit_type is None and meeting is not None and not meeting.held_by(usual):
        unit_type = meeting.unit_types[0]
    if unit_type and unit_type != usual:
        values[UNIT_TYPE] = unit_type
        values.update(library.unit_examples.get(library.unit_type_of(unit_type) or "", {}))
    return values


def clean_value(value: Any) -> str:
    """A writer's value as text: control characters removed, outer blanks trimmed, never evaluated."""
    if value is None:
        return ""
    if isinstance(value, bool):
        value = "是" if value else "否"
    return clean_text(str(value)).strip()


def _meeting_of(library: Library, meeting_id: str) -> Meeting:
    meeting = library.meetings.get(meeting_id)
    return meeting if meeting is not None else Meeting(meeting_id, meeting_id, (), "", "")


def resolve_variables(library: Library, meeting_id: str, given: Mapping[str, Any],
                      needed: Iterable[str] | None = None) -> Variables:
    """Check the writer's values and complete them; raises InputError naming every bad field.

    `needed` limits the required-field check to the variables one section uses (rendering one part
    should not ask for the whole form)."""
    problems: list[Problem] = []
    needed_set = set(needed) if needed is not None else None
    cleaned = {str(k): clean_value(v) for k, v in given.items()}
    blank = {k for k, v in cleaned.items() if not v and k in library.variables and given.get(k) is not None}
    for key in cleaned:
        if key not in library.variables:
            problems.append(Problem(f"未知的变量「{key}」已忽略", WARNING, field=key))
        elif library.variables[key].computed and cleaned[key]:
            problems.append(Problem(f"「{key}」由程序推导，填写的值已忽略", WARNING, field=key))
    unit_type = derive.resolve_unit_type(library, cleaned.get(UNIT_TYPE, ""), problems)
    derived = derived_values(library, unit_type) if unit_type else {}
    values: dict[str, str] = {}
    typed = set()
    for spec in library.variables.values():
        value = "" if spec.computed else derive.strip_suffix(cleaned.get(spec.key, ""), spec.suffix)
        if value:
            typed.add(spec.key)
        elif spec.derived:
            value = derived.get(spec.key, "")
        values[spec.key] = value
    if unit_type:
        values[UNIT_TYPE] = unit_type
    meeting = _meeting_of(library, meeting_id)
    derive.unit_holds_meeting(meeting, values, problems)
    derive.inspection_kind(library, values, typed, problems)
    derive.speaker_role(library, values)
    derive.party_body(library, values, typed, blank, problems)
    derive.work_name(library, values)
    derive.meeting_date(library, values, problems)
    for spec in library.variables.values():
        value = values[spec.key]
        if len(value) > MAX_VALUE:
            problems.append(Problem(f"「{spec.label}」太长（{len(value)} 字），请控制在 {MAX_VALUE} 字以内", field=spec.key))
        elif value and spec.choices and value not in spec.choices and spec.key not in (UNIT_TYPE, INSPECTION_MODE):
            problems.append(Problem(f"「{spec.label}」只能是 {'、'.join(spec.choices)} 之一，现在是「{value}」", field=spec.key))
        must = spec.required and spec.applies_to(meeting_id) and (needed_set is None or spec.key in needed_set)
        if must and not value and not any(p.field == spec.key for p in problems):
            if spec.derived or spec.key == UNIT_TYPE:
                hint = f"请选择「{library.variables[UNIT_TYPE].label or UNIT_TYPE}」" if spec.derived else "请选择单位类型"
            else:
                hint = f"例如：{spec.example}" if spec.example else spec.help
            problems.append(Problem(f"请填写「{spec.label}」（{hint}）", field=spec.key))
    if not any(p.is_error and p.field == INSPECTION_KIND for p in problems):
        need_focus = needed_set is None or INSPECTION_FOCUS in needed_set
        derive.inspection_mode(library, meeting, values, problems, need_focus)
    problems.extend(derive.speaker_warnings(library, values))
    errors = [p for p in problems if p.is_error]
    if errors:
        raise InputError(problems)
    return Variables(MappingProxyType(values), frozenset(typed), tuple(problems))


@dataclass(frozen=True)
class Fit:
    """What decides which variants suit a speech: unit type, speaker role, mode (None: not narrowed)."""

    unit_type: str | None = None
    role: str | None = None
    mode: str | None = None


def variant_fit(library: Library, meeting_id: str | None, unit_type: str = "", role: str = "",
                mode: str = "") -> Fit:
    """The writer's typed 单位类型, 发言人身份 and 巡察方式 normalised as resolve_variables does
    (aliases, 班子成员 for 班子成员（受委托）, 专项巡察 for 专项, the meeting's default mode). A value that
    cannot be understood narrows nothing here: composing reports it, naming the field."""
    problems: list[Problem] = []
    values = {UNIT_TYPE: unit_type, SPEAKER_ROLE: role, INSPECTION_MODE: mode, INSPECTION_KIND: ""}
    resolved_type = derive.resolve_unit_type(library, unit_type, problems) if unit_type else ""
    derive.speaker_role(library, values)
    resolved_mode = None
    if meeting_id in library.meetings:
        derive.inspection_mode(library, library.meetings[meeting_id], values, problems, need_focus=False)
        resolved_mode = values[INSPECTION_MODE] if values[INSPECTION_MODE] in library.modes else None
    resolved_role = values[SPEAKER_ROLE] if values[SPEAKER_ROLE] in library.speaker_roles else None
    return Fit(resolved_type or None, resolved_role, resolved_mode)
