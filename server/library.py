"""Workbook -> validated, immutable Library, plus every cell-addressed problem.

Cells are read through server/sheet_rows.py; every text passes the one character cleaner (server/text.py).

Errors make the load fail as a whole (LibraryError lists all of them): never half a library.
Warnings travel with the loaded Library.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from .keys import COMPUTED, CORE_VARIABLES, INSPECTION_KIND, INSPECTION_MODE, SPEAKER_ROLE, UNIT_TYPE
from .lint import PhraseRule, RuleMatcher, compile_rules
from .numbering import STYLES, strip_ordinal
from .problems import ERROR, WARNING, LibraryError, Problem, has_errors
from .profiles import InspectionMode, read_modes, read_unit_profiles
from .sheet_rows import MAX_CELL_CHARS, Row, closed_list, data_rows, split_list, unique_id, yes_no
from .library_checks import check_coverage, check_section_words, check_templates
from .templating import suggest
from .slots import SLOT_CHOICES, is_point
from .workbook import SHEET_LAYOUT, SheetRows, UnreadableWorkbook, cells_that_may_stay_empty, read_sheets, required_headers

ALL_MEETINGS = "通用"
# The sheets the library cannot load without, with the headers each needs and the cells a filled row
# may leave empty: all derived from the one list of columns, workbook.SHEET_LAYOUT.
REQUIRED_SHEETS = {sheet: required_headers(sheet) for sheet in SHEET_LAYOUT if required_headers(sheet)}
OPTIONAL_COLUMNS = {sheet: cells_that_may_stay_empty(sheet) for sheet in REQUIRED_SHEETS}
_IDENTIFIER = re.compile(r"^[^\W\d]\w*$")
ORIGINS = ("填写", "单位类型", "推导")  # 变量「来源」: typed, from the unit profile, computed by server/derive.py


@dataclass(frozen=True)
class Meeting:
    id: str
    name: str
    slots: tuple[str, ...]
    default_style: str
    title: str
    note: str = ""
    row: int = 0
    modes: tuple[str, ...] = ()  # the inspection modes this meeting serves; empty: every mode
    unit_types: tuple[str, ...] = ()  # the kinds of unit that hold it (巡村: 村（社区）、社区); empty: every kind

    def allows(self, mode: str) -> bool:
        return not self.modes or mode in self.modes

    def held_by(self, unit_type: str) -> bool:
        return not self.unit_types or unit_type in self.unit_types

    @property
    def points(self) -> tuple[str, ...]:
        return tuple(s for s in self.slots if is_point(s))


@dataclass(frozen=True)
class Section:
    id: str
    meetings: tuple[str, ...]  # empty tuple: every meeting type (通用)
    slot: str
    heading: str
    body: str
    unit_types: tuple[str, ...] = ()  # empty: every unit type
    tags: tuple[str, ...] = ()
    enabled: bool = True
    source: str = ""
    note: str = ""
    row: int = 0
    roles: tuple[str, ...] = ()  # 适用发言人身份; empty: every speaker role
    modes: tuple[str, ...] = ()  # 适用巡察方式; empty: every inspection mode

    def serves(self, meeting_id: str) -> bool:
        return not self.meetings or meeting_id in self.meetings

    def fits(self, unit_type: str | None, role: str | None = None, mode: str | None = None) -> bool:
        """Whether the section suits the unit type, speaker role and mode (None: not asked)."""
        return all(not allowed or value is None or value in allowed
                   for allowed, value in ((self.unit_types, unit_type), (self.roles, role), (self.modes, mode)))


@dataclass(frozen=True)
class VariableSpec:
    key: str
    label: str
    help: str
    example: str
    required: bool
    meetings: tuple[str, ...] = ()  # empty: every meeting type
    choices: tuple[str, ...] = ()
    derived: bool = False  # follows from 单位类型 unless the writer gives it
    row: int = 0
    computed: bool = False  # 来源「推导」: the program computes it (server/derive.py); never typed
    suffix: tuple[str, ...] = ()  # 文中后缀: words the text adds after the value, removed if typed with it

    def applies_to(self, meeting_id: str) -> bool:
        return not self.meetings or meeting_id in self.meetings


@dataclass(frozen=True)
class Library:
    """An immutable snapshot of the workbook; `id` is the hash of the file's bytes."""

    id: str
    meetings: Mapping[str, Meeting]
    sections: Mapping[str, Section]
    variables: Mapping[str, VariableSpec]
    unit_types: Mapping[str, Mapping[str, str]]
    rules: tuple[PhraseRule, ...]
    unit_aliases: Mapping[str, str] = field(default_factory=dict)  # 别名 -> 单位类型
    unit_examples: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # 单位类型 -> {变量: 示例} (示例X columns)
    modes: Mapping[str, InspectionMode] = field(default_factory=dict)  # 巡察方式, in workbook order
    instructions: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()  # warnings only
    source: str = ""
    loaded_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    matcher: RuleMatcher | None = field(default=None, compare=False, repr=False)  # the rules, compiled once

    def __post_init__(self) -> None:
        if self.matcher is None:
            object.__setattr__(self, "matcher", compile_rules(self.rules))

    def sections_for(self, meeting_id: str, slot: str, unit_type: str | None = None,
                     role: str | None = None, mode: str | None = None) -> list[Section]:
        """The enabled variants that can fill a slot, in workbook order."""
        return [s for s in self.sections.values()
                if s.enabled and s.slot == slot and s.serves(meeting_id) and s.fits(unit_type, role, mode)]

    def unit_type_of(self, typed: str) -> str | None:
        """The unit type a writer means by `typed` (its name or one of its 别名), or None."""
        return typed if typed in self.unit_types else self.unit_aliases.get(typed)

    @property
    def speaker_roles(self) -> tuple[str, ...]:
        """The 发言人身份 choices (the first is the default), from the 变量 sheet."""
        spec = self.variables.get(SPEAKER_ROLE)
        return spec.choices if spec else ()

    def meeting(self, meeting_id: str) -> Meeting | None:
        return self.meetings.get(meeting_id)


def library_id(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------
# Loading


def load_library(path: str | Path, today: dt.date | None = None) -> Library:
    """Read and validate a workbook; raises LibraryError listing every problem."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LibraryError([Problem(f"找不到段落库文件 {path}，请确认路径")]) from None
    except OSError as exc:
        raise LibraryError([Problem(f"无法读取段落库文件 {path}（{exc.strerror or exc}），文件可能正被其他程序占用")]) from None
    return load_library_bytes(data, source=str(path), today=today)


def load_library_bytes(data: bytes, source: str = "", today: dt.date | None = None) -> Library:
    library, problems = _build(data, source, today)
    if library is None or has_errors(problems):
        raise LibraryError(problems)
    return library


def check_library(path: str | Path, today: dt.date | None = None) -> list[Problem]:
    """Every problem of the file on disk, errors and warnings, without raising."""
    try:
        return list(load_library(path, today).problems)
    except LibraryError as exc:
        return exc.problems


def _build(data: bytes, source: str, today: dt.date | None) -> tuple[Library | None, list[Problem]]:
    problems: list[Problem] = []
    try:
        sheets = read_sheets(data)
    except UnreadableWorkbook as exc:
        return None, [Problem(str(exc), sheet=exc.sheet, row=exc.row)]
    for name, required in REQUIRED_SHEETS.items():
        if name not in sheets:
            problems.append(Problem(f"缺少工作表「{name}」，请从原始段落库复制该工作表，或按「说明」新建", sheet=name))
            continue
        headers = sheets[name].headers
        for column in required:
            if column not in headers:
                problems.append(Problem(f"缺少列「{column}」，请在第 1 行补上这个列标题", sheet=name, row=1, column=column))
    if has_errors(problems):
        return None, problems

    unit_types, aliases, unit_examples = read_unit_profiles(sheets["单位类型"], problems)
    modes = read_modes(sheets["巡察方式"], problems)
    meetings = _meetings(sheets["会议类型"], modes, unit_types, problems)
    variables = _variables(sheets["变量"], meetings, unit_types, modes, problems)
    rules = read_rules(sheets["提法"], problems)
    roles = variables[SPEAKER_ROLE].choices if SPEAKER_ROLE in variables else ()
    sections = _sections(sheets["段落"], meetings, unit_types, roles, modes, problems)
    check_templates(meetings, modes, sections, variables, problems)
    for meeting_id in check_coverage(meetings, sections, unit_types, roles, modes, problems):
        del meetings[meeting_id]
    if not meetings and not has_errors(problems):
        problems.append(Problem("没有一个会议类型可以使用：每个会议类型都有没有启用段落的部分（见上面的提示）", ERROR, "会议类型"))
    matcher = compile_rules(rules)
    kinds = variables[INSPECTION_KIND].choices if INSPECTION_KIND in variables else ()
    check_section_words(sections, unit_types, matcher, today or dt.date.today(), problems, kinds)
    instructions = tuple(str(v[0]).strip()[:MAX_CELL_CHARS] for _, v in sheets["说明"].rows if v and v[0]) if "说明" in sheets else ()
    if "说明" not in sheets:
        problems.append(Problem("缺少工作表「说明」：编辑人员将看不到填写方法（不影响使用）", WARNING, "说明"))
    if has_errors(problems):
        return None, problems
    library = Library(
        id=library_id(data),
        meetings=MappingProxyType(meetings),
        sections=MappingProxyType(sections),
        variables=MappingProxyType(variables),
        unit_types=MappingProxyType({k: MappingProxyType(v) for k, v in unit_types.items()}),
        rules=tuple(rules),
        unit_aliases=MappingProxyType(aliases),
        unit_examples=MappingProxyType({k: MappingProxyType(v) for k, v in unit_examples.items()}),
        modes=MappingProxyType(modes),
        instructions=instructions,
        problems=tuple(problems),
        source=source,
        matcher=matcher,
    )
    return library, problems


def unknown_slot_message(slot: str) -> str:
    """要点一 or 要点１ mean 要点1; anything else gets the list to choose from."""
    normal = slot.translate(str.maketrans("一二三四五六七八九１２３４５６７８９", "123456789123456789"))
    if normal in SLOT_CHOICES:
        return f"不认识的部分「{slot}」，是否应为「{normal}」？"
    return f"不认识的部分「{slot}」，请从下拉列表中选择：{'、'.join(SLOT_CHOICES)}"


def _meetings(sheet: SheetRows, modes: Mapping[str, InspectionMode], unit_types: Mapping[str, object],
              problems: list[Problem]) -> dict[str, Meeting]:
    result: dict[str, Meeting] = {}
    seen: dict[str, int] = {}
    for row in data_rows(sheet, problems):
        meeting_id = unique_id(row, "编号", seen)
        row.require(REQUIRED_SHEETS["会议类型"], OPTIONAL_COLUMNS["会议类型"])
        slots = split_list(row.text("部分"))
        for slot in slots:
            if slot not in SLOT_CHOICES:
                row.problem("部分", unknown_slot_message(slot))
        if len(set(slots)) != len(slots):
            row.problem("部分", "同一个部分出现了两次")
        if slots and not any(is_point(s) for s in slots):
            row.problem("部分", "至少需要一个要点（要点1）")
        style = row.text("默认编号样式")
        if style and style not in STYLES:
            row.problem("默认编号样式", f"编号样式只能是 {'、'.join(STYLES)} 之一，现在是「{style}」")
        if meeting_id:
            allowed = closed_list(row, "巡察方式", modes, "巡察方式", "请从「巡察方式」工作表中选择，留空表示都适用")
            held_by = closed_list(row, "适用单位类型", unit_types, "单位类型",
                                  "请从「单位类型」工作表中选择，留空表示各类单位都适用")
            result[meeting_id] = Meeting(meeting_id, row.text("名称"), slots, style if style in STYLES else STYLES[0],
                                         row.text("标题"), row.text("说明"), row.number, allowed, held_by)
    if not result:
        problems.append(Problem("没有任何会议类型，请至少填写一行", sheet="会议类型", row=2))
    return result


def _meeting_list(row: Row, column: str, meetings: Mapping[str, Meeting]) -> tuple[str, ...]:
    names = split_list(row.text(column))
    if ALL_MEETINGS in names:
        return ()
    for name in names:
        if name not in meetings:
            guess = suggest(name, set(meetings))
            hint = f"，是否应为「{guess}」？" if guess else f"；请先在「会议类型」工作表中添加，或写「{ALL_MEETINGS}」"
            row.problem(column, f"不认识的会议类型「{name}」{hint}")
    return tuple(n for n in names if n in meetings)


def _variables(sheet: SheetRows, meetings, unit_types, modes, problems) -> dict[str, VariableSpec]:
    result: dict[str, VariableSpec] = {}
    seen: dict[str, int] = {}
    unit_columns = set().union(*(v.keys() for v in unit_types.values())) if unit_types else set()
    for row in data_rows(sheet, problems):
        key = unique_id(row, "键", seen)
        row.require(REQUIRED_SHEETS["变量"], OPTIONAL_COLUMNS["变量"])
        if key and not _IDENTIFIER.match(key):
            row.problem("键", f"键「{key}」只能由汉字、字母、数字和下划线组成，且不能以数字开头")
            key = None
        origin = row.text("来源") or "填写"
        if origin not in ORIGINS:
            row.problem("来源", f"来源只能是{'、'.join(f'「{o}」' for o in ORIGINS)}之一，现在是「{origin}」")
        derived = origin == "单位类型"
        if key and derived and key not in unit_columns:
            row.problem("来源", f"「单位类型」工作表中没有名为「{key}」的列，无法推导此变量")
        if key and origin == "推导" and key not in COMPUTED:
            row.problem("来源", f"程序只会推导 {'、'.join(COMPUTED)}；「{key}」请改为「填写」或「单位类型」")
        spec = VariableSpec(
            key=key or "", label=row.text("名称"), help=row.text("说明"), example=row.text("示例"),
            required=yes_no(row, "必填", False), meetings=_meeting_list(row, "适用会议类型", meetings),
            choices=split_list(row.text("可选值")), derived=derived, row=row.number,
            computed=origin == "推导", suffix=split_list(row.text("文中后缀")))
        if spec.choices and spec.example and spec.example not in spec.choices:
            row.problem("示例", f"示例「{spec.example}」不在可选值（{'、'.join(spec.choices)}）之中")
        if spec.required and not spec.example and not derived:
            row.problem("示例", "必填变量没有示例：不给变量时生成示例发言会失败，请填写一个示例", WARNING)
        if key:
            result[key] = spec
    for key in CORE_VARIABLES:
        if key not in result:
            problems.append(Problem(f"缺少核心变量「{key}」，程序依赖它，请在「变量」工作表中添加", sheet="变量"))
    # Closed lists kept in their own sheets: the 变量 sheet need not repeat them.
    for key, choices in ((UNIT_TYPE, tuple(unit_types)), (INSPECTION_MODE, tuple(modes))):
        if key in result:
            result[key] = VariableSpec(**{**result[key].__dict__, "choices": choices})
    # Derived columns and computed values without a row in 变量 are still variables, so templates may use them.
    for column in sorted(unit_columns - set(result)):
        result[column] = VariableSpec(column, column, "由单位类型决定", "", False, derived=True)
    for key in COMPUTED:
        if key not in result:
            result[key] = VariableSpec(key, key, "由程序推导", "", False, computed=True)
    return result


def read_rules(sheet: SheetRows, problems: list[Problem]) -> list[PhraseRule]:
    """The 提法 sheet's rules; a row it cannot take is a located problem (and no rule)."""
    rules = []
    for row in data_rows(sheet, problems):
        row.require(REQUIRED_SHEETS["提法"], OPTIONAL_COLUMNS["提法"])
        pattern = row.text("过时提法")
        mode = row.text("匹配方式") or "文字"
        if mode not in ("文字", "正则"):
            row.problem("匹配方式", f"匹配方式只能是「文字」或「正则」，现在是「{mode}」")
        if mode == "正则" and pattern:
            try:
                re.compile(pattern)
            except re.error as exc:
                row.problem("过时提法", f"正则表达式写法有误（{exc}）；不熟悉正则时请把匹配方式改为「文字」")
                continue
        if pattern:
            rules.append(PhraseRule(pattern, row.text("原因"), row.text("建议改为"), row.date("有效期至"),
                                    mode == "正则", row.number))
    return rules


def _sections(sheet: SheetRows, meetings, unit_types, roles, modes, problems) -> dict[str, Section]:
    result: dict[str, Section] = {}
    seen: dict[str, int] = {}
    context = (tuple((m.id, m.slots) for m in meetings.values()), tuple(unit_types), tuple(roles), tuple(modes),
               tuple(sheet.headers))
    for number, values in sheet.rows:
        formulas = frozenset(c for r, c in sheet.formula_cells if r == number) if sheet.formula_cells else frozenset()
        key = (context, number, tuple(values), formulas)
        parsed = _SECTION_ROWS.get(key)
        if parsed is None:
            parsed = _parse_section_row(sheet, number, values, meetings, unit_types, roles, modes)
            if len(_SECTION_ROWS) > 50_000:
                _SECTION_ROWS.clear()
            _SECTION_ROWS[key] = parsed
        section, row_problems = parsed
        problems.extend(row_problems)
        if section is None:
            continue
        if not section.id:
            problems.append(Problem("编号为空：每一行都需要一个唯一的编号", ERROR, sheet.name, number, "编号"))
        elif section.id in seen:
            problems.append(Problem(f"编号「{section.id}」与第 {seen[section.id]} 行重复，请改成唯一的编号",
                                    ERROR, sheet.name, number, "编号"))
        else:
            seen[section.id] = number
            result[section.id] = section
    return result


# Parsed 段落 rows by their cells and context: a reload after one edit re-parses one row, not 5,000.
# Values are immutable (a frozen Section and a tuple of problems), so sharing them is safe.
_SECTION_ROWS: dict[tuple, tuple[Section | None, tuple[Problem, ...]]] = {}


def _parse_section_row(sheet, number, values, meetings, unit_types, roles, modes) -> tuple[Section | None, tuple[Problem, ...]]:
    problems: list[Problem] = []
    row = Row(sheet, number, values, problems)
    if row.is_blank():
        return None, ()
    section_id = row.text("编号")
    row.require(REQUIRED_SHEETS["段落"], OPTIONAL_COLUMNS["段落"])
    slot = row.text("部分")
    if slot and slot not in SLOT_CHOICES:
        row.problem("部分", unknown_slot_message(slot))
    meeting_ids = _meeting_list(row, "会议类型", meetings)
    for meeting_id in meeting_ids:
        if slot in SLOT_CHOICES and slot not in meetings[meeting_id].slots:
            row.problem("部分", f"会议类型「{meeting_id}」没有「{slot}」这一部分，此段落不会被用到", WARNING)
    types = closed_list(row, "适用单位类型", unit_types, "单位类型", "请先在「单位类型」工作表中添加")
    section_roles = closed_list(row, "适用发言人身份", roles, "发言人身份",
                                f"只能填 {'、'.join(roles)}（留空表示都适用）")
    section_modes = closed_list(row, "适用巡察方式", modes, "巡察方式", "请从「巡察方式」工作表中选择（留空表示都适用）")
    heading = row.text("小标题")
    if is_point(slot) and not heading:
        row.problem("小标题", "要点需要一句小标题（不带序号）")
    if heading:
        heading = strip_ordinal(heading).rstrip("。；;，,")
    section = Section(section_id, meeting_ids, slot, heading, row.text("正文"), types, split_list(row.text("标签")),
                      yes_no(row, "启用", True), row.text("来源"), row.text("备注"), row.number, section_roles, section_modes)
    return section, tuple(problems)
