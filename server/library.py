"""Workbook -> validated, immutable Library, plus every cell-addressed problem.

Errors make the load fail as a whole (LibraryError lists all of them): never half a library.
Warnings travel with the loaded Library.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from .lint import PhraseRule, RuleMatcher, compile_rules, find_outdated
from .numbering import STYLES
from .problems import ERROR, WARNING, LibraryError, Problem, has_errors
from .templating import inspect_template, suggest, undefined_message
from .workbook import SLOT_CHOICES, SheetRows, UnreadableWorkbook, read_sheets

ALL_MEETINGS = "通用"
SALUTATION, OPENING, CLOSING = "称呼", "开场", "结尾"
OPTIONAL_SLOTS = {SALUTATION}
REQUIRED_SHEETS = {
    "会议类型": ("编号", "名称", "部分", "默认编号样式", "标题"),
    "段落": ("编号", "会议类型", "部分", "小标题", "正文", "启用"),
    "变量": ("键", "名称", "说明", "示例", "必填"),
    "单位类型": ("单位类型", "自称", "全体", "党组织"),
    "提法": ("过时提法", "原因", "建议改为"),
}
# Columns that may stay empty in an otherwise filled row.
OPTIONAL_COLUMNS = {
    "会议类型": {"说明"},
    "段落": {"小标题", "适用单位类型", "标签", "来源", "备注"},
    "变量": {"说明", "示例", "适用会议类型", "可选值", "来源"},
    "单位类型": {"党组织类别"},
    "提法": {"有效期至", "匹配方式", "建议改为"},
}
CORE_VARIABLES = ("单位名称", "单位类型", "巡察组", "巡察类型")
_LIST_SPLIT = re.compile(r"[、,，;；\n]+")
_IDENTIFIER = re.compile(r"^[^\W\d]\w*$")
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_CELL_CHARS = 32767  # Excel's own limit for one cell


@dataclass(frozen=True)
class Meeting:
    id: str
    name: str
    slots: tuple[str, ...]
    default_style: str
    title: str
    note: str = ""
    row: int = 0

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

    def serves(self, meeting_id: str) -> bool:
        return not self.meetings or meeting_id in self.meetings

    def fits(self, unit_type: str | None) -> bool:
        return not self.unit_types or unit_type is None or unit_type in self.unit_types


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
    instructions: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()  # warnings only
    source: str = ""
    loaded_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    matcher: RuleMatcher | None = field(default=None, compare=False, repr=False)  # the rules, compiled once

    def __post_init__(self) -> None:
        if self.matcher is None:
            object.__setattr__(self, "matcher", compile_rules(self.rules))

    def sections_for(self, meeting_id: str, slot: str, unit_type: str | None = None) -> list[Section]:
        """The enabled variants that can fill a slot, in workbook order."""
        return [s for s in self.sections.values()
                if s.enabled and s.slot == slot and s.serves(meeting_id) and s.fits(unit_type)]

    def meeting(self, meeting_id: str) -> Meeting | None:
        return self.meetings.get(meeting_id)


def is_point(slot: str) -> bool:
    return slot.startswith("要点")


def clean_text(text: str) -> str:
    """Remove characters XML forbids and normalise line ends; keeps everything else as typed."""
    return _XML_FORBIDDEN.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def split_list(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in _LIST_SPLIT.split(text) if item.strip())


def library_id(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------
# Reading rows


class _Row:
    """One data row with its problems; cells are read by header name."""

    def __init__(self, sheet: SheetRows, number: int, values: list[Any], problems: list[Problem]):
        self.sheet, self.number, self.values, self.problems = sheet, number, values, problems
        self.index = {h: i for i, h in enumerate(sheet.headers) if h}

    def problem(self, column: str | None, message: str, severity: str = ERROR) -> None:
        self.problems.append(Problem(message, severity, self.sheet.name, self.number, column))

    def raw(self, column: str) -> Any:
        i = self.index.get(column)
        if i is None or i >= len(self.values):
            return None
        return self.values[i]

    def is_blank(self) -> bool:
        return all(v is None or (isinstance(v, str) and not v.strip()) for v in self.values)

    def text(self, column: str) -> str:
        """A text cell, cleaned; numbers, dates and formulas are reported, not guessed at."""
        i = self.index.get(column)
        if i is None:
            return ""
        if (self.number, i) in self.sheet.formula_cells:
            self.problem(column, "这里是公式，应直接输入文字（公式的结果不会随文件保存到所有软件中）")
            return ""
        value = self.raw(column)
        if value is None or value == "":
            return ""
        if isinstance(value, bool) or isinstance(value, (int, float)):
            shown = int(value) if isinstance(value, float) and value.is_integer() else value
            self.problem(column, f"应为文字，却是数字 {shown}：请把单元格格式设为“文本”后重新输入")
            return ""
        if isinstance(value, (dt.date, dt.datetime, dt.time, dt.timedelta)):
            self.problem(column, f"应为文字，却是日期或时间 {value}：请把单元格格式设为“文本”后重新输入")
            return ""
        text = clean_text(str(value))
        if len(text) > MAX_CELL_CHARS:
            # Longer text was not typed in Excel; one such cell would make every speech megabytes long.
            self.problem(column, f"单元格内容太长（{len(text)} 个字符），Excel 每个单元格最多 {MAX_CELL_CHARS} 个字符："
                                 "请拆成几个段落，或检查是否误粘贴了整篇文档")
            return ""
        if "\u3000" in text:
            self.problem(column, "含有全角空格，已自动去掉；缩进由 Word 模板负责，不必手工输入", WARNING)
            text = text.replace("\u3000", "")
        return "\n".join(line.strip() for line in text.split("\n")).strip()

    def date(self, column: str) -> dt.date | None:
        value = self.raw(column)
        if value is None or value == "":
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        match = re.fullmatch(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?)?\s*月?\s*", str(value))
        if match:
            year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)
            try:
                return dt.date(year, month, day)
            except ValueError:
                pass
        self.problem(column, f"无法识别的日期「{value}」，请写成 2022-10-16 这样的格式")
        return None

    def require(self, columns: Iterable[str], optional: set[str]) -> bool:
        """Report a half-filled row: every required cell must be filled."""
        ok = True
        for column in columns:
            if column in optional or column not in self.index:
                continue
            value = self.raw(column)
            if value is None or (isinstance(value, str) and not value.strip()):
                self.problem(column, "这一行已填写了一部分，但此项为空；请补全，或删除整行")
                ok = False
        return ok


def _rows(sheet: SheetRows, problems: list[Problem]) -> Iterable[_Row]:
    for number, values in sheet.rows:
        row = _Row(sheet, number, values, problems)
        if not row.is_blank():
            yield row


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

    unit_types = _unit_types(sheets["单位类型"], problems)
    meetings = _meetings(sheets["会议类型"], problems)
    variables = _variables(sheets["变量"], meetings, unit_types, problems)
    rules = _rules(sheets["提法"], problems)
    sections = _sections(sheets["段落"], meetings, unit_types, problems)
    known = set(variables)
    _check_templates(meetings, sections, variables, known, problems)
    _check_coverage(meetings, sections, unit_types, problems)
    matcher = compile_rules(rules)
    _check_section_words(sections, unit_types, matcher, today or dt.date.today(), problems)
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


def _unique_id(row: _Row, column: str, seen: dict[str, int]) -> str | None:
    value = row.text(column)
    if not value:
        row.problem(column, "编号为空：每一行都需要一个唯一的编号")
        return None
    if value in seen:
        row.problem(column, f"编号「{value}」与第 {seen[value]} 行重复，请改成唯一的编号")
        return None
    seen[value] = row.number
    return value


def _unit_types(sheet: SheetRows, problems: list[Problem]) -> dict[str, dict[str, str]]:
    result: dict[str, dict[str, str]] = {}
    seen: dict[str, int] = {}
    columns = [h for h in sheet.headers if h and h != "单位类型"]
    for row in _rows(sheet, problems):
        name = _unique_id(row, "单位类型", seen)
        row.require(columns, OPTIONAL_COLUMNS["单位类型"])
        if name:
            result[name] = {column: row.text(column) for column in columns}
    if not result:
        problems.append(Problem("没有任何单位类型，请至少填写一行（如：局、我局、全局上下、局、局党组）", sheet="单位类型", row=2))
    return result


def _meetings(sheet: SheetRows, problems: list[Problem]) -> dict[str, Meeting]:
    result: dict[str, Meeting] = {}
    seen: dict[str, int] = {}
    for row in _rows(sheet, problems):
        meeting_id = _unique_id(row, "编号", seen)
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
            result[meeting_id] = Meeting(meeting_id, row.text("名称"), slots, style if style in STYLES else STYLES[0],
                                         row.text("标题"), row.text("说明"), row.number)
    if not result:
        problems.append(Problem("没有任何会议类型，请至少填写一行", sheet="会议类型", row=2))
    return result


def _meeting_list(row: _Row, column: str, meetings: Mapping[str, Meeting]) -> tuple[str, ...]:
    names = split_list(row.text(column))
    if ALL_MEETINGS in names:
        return ()
    for name in names:
        if name not in meetings:
            guess = suggest(name, set(meetings))
            hint = f"，是否应为「{guess}」？" if guess else f"；请先在「会议类型」工作表中添加，或写「{ALL_MEETINGS}」"
            row.problem(column, f"不认识的会议类型「{name}」{hint}")
    return tuple(n for n in names if n in meetings)


def _yes_no(row: _Row, column: str, default: bool) -> bool:
    value = row.text(column)
    if not value:
        return default
    if value in ("是", "否"):
        return value == "是"
    row.problem(column, f"只能填「是」或「否」，现在是「{value}」")
    return default


def _variables(sheet: SheetRows, meetings, unit_types, problems) -> dict[str, VariableSpec]:
    result: dict[str, VariableSpec] = {}
    seen: dict[str, int] = {}
    unit_columns = set().union(*(v.keys() for v in unit_types.values())) if unit_types else set()
    for row in _rows(sheet, problems):
        key = _unique_id(row, "键", seen)
        row.require(REQUIRED_SHEETS["变量"], OPTIONAL_COLUMNS["变量"])
        if key and not _IDENTIFIER.match(key):
            row.problem("键", f"键「{key}」只能由汉字、字母、数字和下划线组成，且不能以数字开头")
            key = None
        origin = row.text("来源") or "填写"
        if origin not in ("填写", "单位类型"):
            row.problem("来源", f"来源只能是「填写」或「单位类型」，现在是「{origin}」")
        derived = origin == "单位类型"
        if key and derived and key not in unit_columns:
            row.problem("来源", f"「单位类型」工作表中没有名为「{key}」的列，无法推导此变量")
        spec = VariableSpec(
            key=key or "", label=row.text("名称"), help=row.text("说明"), example=row.text("示例"),
            required=_yes_no(row, "必填", False), meetings=_meeting_list(row, "适用会议类型", meetings),
            choices=split_list(row.text("可选值")), derived=derived, row=row.number)
        if spec.choices and spec.example and spec.example not in spec.choices:
            row.problem("示例", f"示例「{spec.example}」不在可选值（{'、'.join(spec.choices)}）之中")
        if spec.required and not spec.example and not derived:
            row.problem("示例", "必填变量没有示例：不给变量时生成示例发言会失败，请填写一个示例", WARNING)
        if key:
            result[key] = spec
    for key in CORE_VARIABLES:
        if key not in result:
            problems.append(Problem(f"缺少核心变量「{key}」，程序依赖它，请在「变量」工作表中添加", sheet="变量"))
    if "单位类型" in result:
        unit_spec = result["单位类型"]
        result["单位类型"] = VariableSpec(**{**unit_spec.__dict__, "choices": tuple(unit_types)})
    # Derived columns that have no row in 变量 are still variables, so templates may use them.
    for column in sorted(unit_columns - set(result)):
        result[column] = VariableSpec(column, column, "由单位类型决定", "", False, derived=True)
    return result


def _rules(sheet: SheetRows, problems: list[Problem]) -> list[PhraseRule]:
    rules = []
    for row in _rows(sheet, problems):
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


def _sections(sheet: SheetRows, meetings, unit_types, problems) -> dict[str, Section]:
    result: dict[str, Section] = {}
    seen: dict[str, int] = {}
    context = (tuple((m.id, m.slots) for m in meetings.values()), tuple(unit_types), tuple(sheet.headers))
    for number, values in sheet.rows:
        formulas = frozenset(c for r, c in sheet.formula_cells if r == number) if sheet.formula_cells else frozenset()
        key = (context, number, tuple(values), formulas)
        parsed = _SECTION_ROWS.get(key)
        if parsed is None:
            parsed = _parse_section_row(sheet, number, values, meetings, unit_types)
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


def _parse_section_row(sheet, number, values, meetings, unit_types) -> tuple[Section | None, tuple[Problem, ...]]:
    problems: list[Problem] = []
    row = _Row(sheet, number, values, problems)
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
    types = split_list(row.text("适用单位类型"))
    for name in types:
        if name not in unit_types:
            row.problem("适用单位类型", f"不认识的单位类型「{name}」，请先在「单位类型」工作表中添加")
    heading = row.text("小标题")
    if is_point(slot) and not heading:
        row.problem("小标题", "要点需要一句小标题（不带序号）")
    if heading:
        heading = re.sub(r"^([一二三四五六七八九十]+[是、，,]|第[一二三四五六七八九十]+[，,、])", "", heading)
        heading = heading.rstrip("。；;，,")
    section = Section(section_id, meeting_ids, slot, heading, row.text("正文"), types, split_list(row.text("标签")),
                      _yes_no(row, "启用", True), row.text("来源"), row.text("备注"), row.number)
    return section, tuple(problems)


def _check_templates(meetings, sections, variables, known, problems) -> None:
    def check(text: str, sheet: str, row: int, column: str, meeting_ids: Iterable[str]) -> None:
        info = inspect_template(text)
        if info.syntax_error:
            problems.append(Problem(info.syntax_error, ERROR, sheet, row, column))
            return
        for name in sorted(info.variables):
            if name not in known:
                problems.append(Problem(undefined_message(name, known), ERROR, sheet, row, column))
                continue
            spec = variables[name]
            outside = [m for m in meeting_ids if not spec.applies_to(m)]
            if outside:
                problems.append(Problem(
                    f"变量 {{{{ {name} }}}} 只适用于 {'、'.join(spec.meetings)}，在「{'、'.join(outside)}」中没有值",
                    ERROR, sheet, row, column))

    for meeting in meetings.values():
        check(meeting.title, "会议类型", meeting.row, "标题", [meeting.id])
    for section in sections.values():
        ids = section.meetings or tuple(meetings)
        check(section.heading, "段落", section.row, "小标题", ids)
        check(section.body, "段落", section.row, "正文", ids)


def _check_coverage(meetings, sections, unit_types, problems) -> None:
    by_slot: dict[str, list[Section]] = {}
    for section in sections.values():
        if section.enabled:
            by_slot.setdefault(section.slot, []).append(section)
    for meeting in meetings.values():
        for slot in meeting.slots:
            variants = [s for s in by_slot.get(slot, []) if s.serves(meeting.id)]
            if not variants:
                if slot not in OPTIONAL_SLOTS:
                    problems.append(Problem(
                        f"会议类型「{meeting.id}」的「{slot}」没有任何启用的段落，无法生成发言；请添加段落或把已有段落的「启用」改为「是」",
                        ERROR, "会议类型", meeting.row, "部分"))
                continue
            if any(not s.unit_types for s in variants):
                continue
            lacking = [t for t in unit_types if not any(s.fits(t) for s in variants)]
            if lacking:
                problems.append(Problem(
                    f"会议类型「{meeting.id}」的「{slot}」没有适用于 {'、'.join(lacking)} 的段落",
                    WARNING, "会议类型", meeting.row, "部分"))


def _check_section_words(sections, unit_types, matcher, today: dt.date, problems: list[Problem]) -> None:
    """Outdated phrases (提法) and unit-specific words typed literally, as warnings."""
    words: dict[str, str] = {}
    for values in unit_types.values():
        for key in ("自称", "全体", "党组织", "领导班子", "干部职工"):
            if values.get(key) and len(values[key]) >= 2:
                words.setdefault(values[key], key)
    checker = _word_checker(matcher, tuple(sorted(words.items(), key=lambda item: (-len(item[0]), item[0]))), today)
    for section in sections.values():
        for column, text in (("小标题", section.heading), ("正文", section.body)):
            for message in _text_warnings(text, checker):
                problems.append(Problem(message, WARNING, "段落", section.row, column))


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
