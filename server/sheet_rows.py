"""Reading one sheet's data rows by header name, with every problem located (sheet, row, column).

Shared by the loaders of every sheet: text cells are cleaned and checked here, once.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable, Mapping

from .problems import ERROR, WARNING, Problem
from .text import clean_text
from .workbook import SheetRows

EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug included)
EXCEL_SERIAL_DATES = (10_000, 100_000)  # day numbers read as dates: 1927-05-18 to 2173-10-14

_LIST_SPLIT = re.compile(r"[、,，;；\n]+")
MAX_CELL_CHARS = 32767  # Excel's own limit for one cell


def split_list(text: str) -> tuple[str, ...]:
    """A list cell: items separated by 、 , ， ; ； or line breaks."""
    return tuple(item.strip() for item in _LIST_SPLIT.split(text) if item.strip())



class Row:
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
        if isinstance(value, (int, float)) and not isinstance(value, bool) and EXCEL_SERIAL_DATES[0] <= value <= EXCEL_SERIAL_DATES[1]:
            # a date Excel keeps as its day number because the cell is formatted as text or a number
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        match = re.fullmatch(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?)?\s*月?\s*", str(value))
        if match:
            year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)
            try:
                return dt.date(year, month, day)
            except ValueError:
                pass
        shown = int(value) if isinstance(value, float) and value.is_integer() else value  # calamine reads 123 as 123.0
        self.problem(column, f"无法识别的日期「{shown}」，请写成 2022-10-16 这样的格式")
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


def data_rows(sheet: SheetRows, problems: list[Problem]) -> Iterable["Row"]:
    for number, values in sheet.rows:
        row = Row(sheet, number, values, problems)
        if not row.is_blank():
            yield row


def unique_id(row: Row, column: str, seen: dict[str, int]) -> str | None:
    """The row's id in `column`, reported when empty or already used (seen: id -> row number)."""
    value = row.text(column)
    if not value:
        row.problem(column, "编号为空：每一行都需要一个唯一的编号")
        return None
    if value in seen:
        row.problem(column, f"编号「{value}」与第 {seen[value]} 行重复，请改成唯一的编号")
        return None
    seen[value] = row.number
    return value


def yes_no(row: Row, column: str, default: bool) -> bool:
    """A 是/否 cell; blank gives `default`."""
    value = row.text(column)
    if not value:
        return default
    if value in ("是", "否"):
        return value == "是"
    row.problem(column, f"只能填「是」或「否」，现在是「{value}」")
    return default


def closed_list(row: Row, column: str, allowed: Mapping[str, Any] | Iterable[str], what: str, fix: str) -> tuple[str, ...]:
    """A list cell whose items must come from `allowed`; unknown items are reported and dropped."""
    allowed = set(allowed)
    names = split_list(row.text(column))
    for name in names:
        if name not in allowed:
            row.problem(column, f"不认识的{what}「{name}」，{fix}")
    return tuple(n for n in names if n in allowed)
