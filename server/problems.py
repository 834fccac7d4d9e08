"""Problems an editor or a writer can cause, as values (turned into text or JSON at the edge)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One located complaint about the workbook or the input."""

    message: str
    severity: str = ERROR
    sheet: str | None = None
    row: int | None = None  # the row number as Excel shows it
    column: str | None = None  # the column header
    field: str | None = None  # for writer input: the variable key or request field
    part: str | None = None  # for a composed speech: the part (slot) the words stand in, 标题 for the title
    paragraph: int | None = None  # and the paragraph within that part, from 1

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def location(self) -> str:
        parts = []
        if self.sheet:
            parts.append(f"工作表「{self.sheet}」")
        if self.row:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(f"「{self.column}」")
        if self.part:
            parts.append(f"「{self.part}」" + (f"第 {self.paragraph} 段" if self.paragraph else ""))
        elif self.field and not self.column:
            parts.append(f"「{self.field}」")
        return " ".join(parts)

    def __str__(self) -> str:
        label = "错误" if self.is_error else "提示"
        where = self.location()
        return f"[{label}] {where}：{self.message}" if where else f"[{label}] {self.message}"

    def to_dict(self) -> dict:
        data = {k: v for k, v in asdict(self).items() if v is not None}
        data["text"] = str(self)
        return data


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.is_error for p in problems)


class ProblemsError(Exception):
    """Raised when work cannot go on; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.is_error] or problems
        super().__init__("\n".join(str(p) for p in errors))


class LibraryError(ProblemsError):
    """The workbook cannot be loaded: the last good library (if any) stays in use."""


class InputError(ProblemsError):
    """The writer's input (variables, choices, style) cannot be used."""
