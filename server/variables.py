"""Variables: the schema editors declare, values derived from 单位类型, checks of the writer's input."""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from .library import Library, clean_text
from .problems import WARNING, InputError, Problem

UNIT_TYPE = "单位类型"
INSPECTION_KIND = "巡察类型"
MAX_VALUE_LENGTH = 500


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


def variable_schema(library: Library, meeting_id: str | None = None) -> list[dict[str, Any]]:
    """The variables a meeting type needs, in workbook order, with what a form needs to show them."""
    result = []
    for spec in library.variables.values():
        if meeting_id and not spec.applies_to(meeting_id):
            continue
        result.append({
            "key": spec.key, "label": spec.label, "help": spec.help, "example": spec.example,
            "required": spec.required and not spec.derived, "choices": list(spec.choices),
            "derived": spec.derived, "meetings": list(spec.meetings),
        })
    return result


def derived_values(library: Library, unit_type: str) -> dict[str, str]:
    """What 自称, 全体, 党组织… become for a unit type."""
    return dict(library.unit_types.get(unit_type, {}))


def example_values(library: Library, meeting_id: str | None = None) -> dict[str, str]:
    """The 变量 sheet's examples: what `biaotai generate` uses when no values are given."""
    return {spec.key: spec.example for spec in library.variables.values()
            if spec.example and not spec.derived and (meeting_id is None or spec.applies_to(meeting_id))}


def clean_value(value: Any) -> str:
    """A writer's value as text: control characters removed, outer blanks trimmed, never evaluated."""
    if value is None:
        return ""
    if isinstance(value, bool):
        value = "是" if value else "否"
    return clean_text(str(value)).strip()


def resolve_variables(library: Library, meeting_id: str, given: Mapping[str, Any],
                      needed: Iterable[str] | None = None) -> Variables:
    """Check the writer's values and complete them; raises InputError naming every bad field.

    `needed` limits the required-field check to the variables one section uses (rendering one part
    should not ask for the whole form).
    """
    problems: list[Problem] = []
    needed_set = set(needed) if needed is not None else None
    cleaned = {str(k): clean_value(v) for k, v in given.items()}
    for key in cleaned:
        if key not in library.variables:
            problems.append(Problem(f"未知的变量「{key}」已忽略", WARNING, field=key))
    unit_type = cleaned.get(UNIT_TYPE, "")
    if unit_type and unit_type not in library.unit_types:
        problems.append(Problem(
            f"单位类型「{unit_type}」不在段落库中，可选：{'、'.join(library.unit_types)}", field=UNIT_TYPE))
        unit_type = ""
    derived = derived_values(library, unit_type) if unit_type else {}
    values: dict[str, str] = {}
    typed = set()
    for spec in library.variables.values():
        value = cleaned.get(spec.key, "")
        if value:
            typed.add(spec.key)
        elif spec.derived:
            value = derived.get(spec.key, "")
        if len(value) > MAX_VALUE_LENGTH:
            problems.append(Problem(f"「{spec.label}」太长（{len(value)} 字），请控制在 {MAX_VALUE_LENGTH} 字以内", field=spec.key))
        elif value and spec.choices and value not in spec.choices:
            problems.append(Problem(f"「{spec.label}」只能是 {'、'.join(spec.choices)} 之一，现在是「{value}」", field=spec.key))
        must = spec.required and spec.applies_to(meeting_id) and (needed_set is None or spec.key in needed_set)
        if must and not value:
            if spec.derived or spec.key == UNIT_TYPE:
                hint = f"请选择「{library.variables[UNIT_TYPE].label or UNIT_TYPE}」" if spec.derived else "请选择单位类型"
            else:
                hint = f"例如：{spec.example}" if spec.example else spec.help
            problems.append(Problem(f"请填写「{spec.label}」（{hint}）", field=spec.key))
        values[spec.key] = value
    errors = [p for p in problems if p.is_error]
    if errors:
        raise InputError(problems)
    return Variables(MappingProxyType(values), frozenset(typed), tuple(problems))
