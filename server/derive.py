"""The rules that turn the writer's values into the words a speech needs.

Each rule lives here once; the words it works with come from the workbook (unit profiles, the
巡察方式 sheet, the 可选值 and 文中后缀 of the 变量 sheet), never from this module. Every rule either
completes a value or reports a Problem naming the field: nothing is guessed silently.

Invariants:
- a typed value never doubles a word the text adds after it (文中后缀: 王明组长 + 组长, 专项巡察 + 巡察);
- 巡察类型 agrees with the 巡察组 name when the name says 巡察 or 巡视;
- 党组织 is the profile's unless typed; a bare form (党委) typed for it gets the unit's short name;
  党组织类别, the title and the speaker line follow whatever 党组织 ends up being;
- 本职工作 is 业务领域 plus the profile's 事业称谓, unless 业务领域 already ends with such a word.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Mapping

from .keys import (FIELD_OF_WORK, INSPECTION_FOCUS, INSPECTION_GROUP, INSPECTION_KIND, INSPECTION_MODE,
                   INSPECTION_PHRASE, MEETING_DATE, PARTY_BODY, PARTY_BODY_KIND, SHORT_NAME, SPEAKER_NAME,
                   SPEAKER_ROLE, SPEAKER_TITLE, UNIT_NAME, UNIT_TYPE, WORK_NAME, WORK_SUFFIX)
from .library import Library, Meeting
from .problems import Problem
from .templating import TemplateProblem, render_template

_QUOTES = "“”\"'‘’「」"


def label(library: Library, key: str) -> str:
    spec = library.variables.get(key)
    return spec.label if spec and spec.label else key


def strip_suffix(value: str, suffixes: tuple[str, ...]) -> str:
    """The value without a trailing word the text adds itself (longest first); never emptied."""
    for suffix in sorted(suffixes, key=len, reverse=True):
        if suffix and value.endswith(suffix) and len(value) > len(suffix):
            return value[: -len(suffix)].rstrip()
    return value


def resolve_unit_type(library: Library, typed: str, problems: list[Problem]) -> str:
    """The unit type a writer means (a name or an alias); an unknown one is an error listing the valid ones."""
    if not typed:
        return ""
    found = library.unit_type_of(typed)
    if found is None:
        aliases = "、".join(f"{a}（即{t}）" for a, t in library.unit_aliases.items())
        problems.append(Problem(
            f"单位类型「{typed}」不在段落库中，可选：{'、'.join(library.unit_types)}"
            + (f"；也可以写 {aliases}" if aliases else ""), field=UNIT_TYPE))
        return ""
    return found


def unit_holds_meeting(meeting: Meeting, values: Mapping[str, str], problems: list[Problem]) -> None:
    """A meeting type only some kinds of unit hold (巡村动员会: 村（社区）、社区) refuses the others, naming them."""
    unit = values.get(UNIT_TYPE, "")
    if unit and not meeting.held_by(unit):
        problems.append(Problem(
            f"会议类型「{meeting.id}」只适用于 {'、'.join(meeting.unit_types)}，不适用于「{unit}」；"
            f"请改选单位类型，或选择其他会议类型", field=UNIT_TYPE))


def inspection_kind(library: Library, values: dict[str, str], typed: set[str], problems: list[Problem]) -> None:
    """巡察类型 follows from the 巡察组 name when the name says it; a contradiction names both fields."""
    spec = library.variables.get(INSPECTION_KIND)
    kinds = spec.choices if spec else ()
    group = values.get(INSPECTION_GROUP, "")
    said = [k for k in kinds if k in group]
    if len(said) != 1:
        return
    given = values.get(INSPECTION_KIND, "")
    if given and given != said[0]:
        problems.append(Problem(
            f"「{INSPECTION_GROUP}」填的是「{group}」（{said[0]}组），「{INSPECTION_KIND}」却是「{given}」：两者矛盾，"
            f"请改正「{INSPECTION_GROUP}」或「{INSPECTION_KIND}」（{INSPECTION_KIND}也可以不填，由{INSPECTION_GROUP}名称决定）",
            field=INSPECTION_KIND))
    elif not given:
        values[INSPECTION_KIND] = said[0]


def inspection_mode(library: Library, meeting: Meeting, values: dict[str, str], problems: list[Problem],
                    need_focus: bool = True) -> None:
    """巡察方式 checked against the 巡察方式 sheet and the meeting, its 称谓 completed; a mode with one
    focus (专项, 机动) asks for 巡察重点 when `need_focus`."""
    mode = values.get(INSPECTION_MODE, "")
    kind = values.get(INSPECTION_KIND, "")
    for mark in _QUOTES:
        mode = mode.replace(mark, "")
    if kind and mode not in library.modes:
        mode = mode.replace(kind, "") or mode
    if not mode:
        allowed = [m for m in library.modes if meeting.allows(m)]
        mode = allowed[0] if allowed else ""
    if mode and mode not in library.modes:
        problems.append(Problem(f"「{label(library, INSPECTION_MODE)}」只能是 {'、'.join(library.modes)} 之一，现在是「{mode}」",
                                field=INSPECTION_MODE))
        return
    if mode and not meeting.allows(mode):
        others = [m.id for m in library.meetings.values() if m.modes and mode in m.modes]
        hint = f"；{mode}请选择会议类型「{'、'.join(others)}」" if others else ""
        problems.append(Problem(
            f"会议类型「{meeting.id}」的{label(library, INSPECTION_MODE)}只能是 {'、'.join(meeting.modes)}，现在是「{mode}」{hint}",
            field=INSPECTION_MODE))
        return
    values[INSPECTION_MODE] = mode
    info = library.modes.get(mode)
    if info is None:
        return
    if info.needs_focus and need_focus and not values.get(INSPECTION_FOCUS):
        example = library.variables[INSPECTION_FOCUS].example if INSPECTION_FOCUS in library.variables else ""
        problems.append(Problem(f"{mode}{kind}请填写「{label(library, INSPECTION_FOCUS)}」"
                                + (f"（例如：{example}）" if example else ""), field=INSPECTION_FOCUS))
    if kind:
        try:
            values[INSPECTION_PHRASE] = render_template(info.phrase, values).strip()
        except TemplateProblem as exc:  # checked at load; only a value can still break it
            problems.append(Problem(str(exc), sheet="巡察方式", row=info.row, column="称谓"))


def party_body_forms(library: Library) -> tuple[str, ...]:
    spec = library.variables.get(PARTY_BODY_KIND)
    return spec.choices if spec else ()


def party_body(library: Library, values: dict[str, str], typed: set[str], blank: set[str],
               problems: list[Problem]) -> None:
    """党组织 as typed, a bare form completed with the short name, or the profile's; then its 类别."""
    forms = party_body_forms(library)
    if PARTY_BODY in blank:
        auto = values.get(PARTY_BODY, "")
        problems.append(Problem(
            f"「{label(library, PARTY_BODY)}」填了空白：不改写时请不要填写这一项"
            + (f"（自动为「{auto}」）" if auto else "") + f"，改写时请填完整，如「{values.get(SHORT_NAME, '')}党委」",
            field=PARTY_BODY))
    body = values.get(PARTY_BODY, "")
    if PARTY_BODY in typed and body in forms:
        body = values.get(SHORT_NAME, "") + body
        values[PARTY_BODY] = body
    values[PARTY_BODY_KIND] = next((f for f in sorted(forms, key=len, reverse=True) if body.endswith(f)), "")


def work_name(library: Library, values: dict[str, str]) -> None:
    """本职工作: 业务领域 with the profile's 事业称谓, never a second 事业/工作."""
    field = values.get(FIELD_OF_WORK, "")
    suffix = values.get(WORK_SUFFIX, "")
    known = {p.get(WORK_SUFFIX, "") for p in library.unit_types.values()} - {""}
    values[WORK_NAME] = field if not field or any(field.endswith(s) for s in known) else field + suffix


def speaker_role(library: Library, values: dict[str, str]) -> None:
    """Blank 发言人身份 is the first choice (主要负责人): the usual speaker, stated in the help text.
    A typed beginning of exactly one choice means that choice."""
    roles = library.speaker_roles
    typed = values.get(SPEAKER_ROLE, "")
    if not typed and roles:
        values[SPEAKER_ROLE] = roles[0]
    elif typed not in roles and len([r for r in roles if r.startswith(typed)]) == 1:
        values[SPEAKER_ROLE] = next(r for r in roles if r.startswith(typed))  # 班子成员 for 班子成员（受委托）


_DATE = re.compile(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*")


def meeting_date(library: Library, values: dict[str, str], problems: list[Problem]) -> None:
    """会议日期 as speeches print it: 2025年3月12日 (typed as 2025-03-12, 2025.3.12 or 2025年3月12日)."""
    typed = values.get(MEETING_DATE, "")
    if not typed:
        return
    match = _DATE.fullmatch(typed)
    try:
        day = dt.date(*(int(g) for g in match.groups())) if match else None
    except ValueError:
        day = None
    if day is None:
        problems.append(Problem(f"「{label(library, MEETING_DATE)}」无法识别：「{typed}」，请写成 2025年3月12日 或 2025-03-12",
                                field=MEETING_DATE))
        return
    values[MEETING_DATE] = f"{day.year}年{day.month}月{day.day}日"


def date_line(values: Mapping[str, str]) -> str:
    """The line under the title: （2025年3月12日）, or "" without a date."""
    day = values.get(MEETING_DATE, "")
    return f"（{day}）" if day else ""


def speaker_line(values: Mapping[str, str]) -> str:
    """Unit name + speaker's title, the name only where the title lacks it, then the speaker's name.

    青山县 + 县委书记 -> 青山县委书记; 市工业和信息化局 + 党组书记、局长 -> 市工业和信息化局党组书记、局长."""
    name, title = values.get(UNIT_NAME, ""), values.get(SPEAKER_TITLE, "")
    short = values.get(SHORT_NAME, "")
    if not title or not name or title.startswith(name):
        line = title or name
    elif short and name.endswith(short) and title.startswith(short):
        line = name + title[len(short):]
    else:
        line = name + title
    person = values.get(SPEAKER_NAME, "")
    return f"{line}　{person}" if line and person else line or person


def speaker_warnings(library: Library, values: Mapping[str, str]) -> list[Problem]:
    """A speaker's title naming another party body form than 党组织 (党组书记 for a 党委)."""
    title, kind = values.get(SPEAKER_TITLE, ""), values.get(PARTY_BODY_KIND, "")
    forms = party_body_forms(library)
    other = [f for f in forms if f in title and f != kind and not (kind and f in kind)]
    if kind and other:
        return [Problem(f"「{label(library, SPEAKER_TITLE)}」写的是「{other[0]}」，而{label(library, PARTY_BODY)}是"
                        f"「{values.get(PARTY_BODY, '')}」，请核对", "warning", field=SPEAKER_TITLE)]
    return []
