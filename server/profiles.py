"""The 单位类型 and 巡察方式 sheets: how each kind of unit speaks, and the kinds of inspection.

A unit profile is one row of 单位类型: every column but 单位类型 and 别名 is a word the speech uses
for that kind of unit (自称 我局, 全体 全局上下, 党组织 局党组, 下属 各科室, 服务对象 人民群众, …), so an
editor who adds a column adds a variable. 别名 lists other names a writer may type for the same kind
(集团 for 国有企业（集团）); an alias never names two kinds. A column 示例X holds an example value of
variable X for this kind of unit (示例单位名称 红旗村): not a word of the unit.

An inspection mode is one row of 巡察方式: its name (常规, 专项, 回头看…), how the speech names it
(称谓, a template over 巡察类型, e.g. 专项{{ 巡察类型 }} or {{ 巡察类型 }}“回头看”), and whether it has
one focus the writer must name (需要巡察重点).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .problems import Problem
from .sheet_rows import data_rows, split_list, unique_id, yes_no
from .workbook import SheetRows, cells_that_may_stay_empty

UNIT_TYPE_COLUMN = "单位类型"
ALIAS_COLUMN = "别名"
# 示例X columns: examples, e.g. for a meeting type only some kinds of unit hold (巡村动员会).
EXAMPLE_PREFIX = "示例"
# Profile columns that may stay empty (事业称谓: a county's work needs no 事业/工作; 别名), from the layout.
OPTIONAL_PROFILE_COLUMNS = cells_that_may_stay_empty(UNIT_TYPE_COLUMN)
# Short fragments, not words a speech for another unit must avoid (学校, 中心 occur in any text).
NOT_UNIT_WORDS = {"单位简称", "事业称谓"}
MODE_COLUMN = "巡察方式"


@dataclass(frozen=True)
class InspectionMode:
    """One row of 巡察方式."""

    name: str
    phrase: str  # template over 巡察类型: how the speech names this inspection
    needs_focus: bool  # 专项/机动: the writer names the focus (巡察重点)
    note: str = ""
    row: int = 0


def read_unit_profiles(sheet: SheetRows, problems: list[Problem]
                       ) -> tuple[dict[str, dict[str, str]], dict[str, str], dict[str, dict[str, str]]]:
    """(unit type -> its words, alias -> unit type, unit type -> example values by variable key);
    every empty word is located with what to fill in."""
    profiles: dict[str, dict[str, str]] = {}
    examples: dict[str, dict[str, str]] = {}
    example_columns = [h for h in sheet.headers if h and h.startswith(EXAMPLE_PREFIX) and len(h) > len(EXAMPLE_PREFIX)]
    aliases: dict[str, str] = {}
    alias_rows: dict[str, int] = {}
    seen: dict[str, int] = {}
    columns = [h for h in sheet.headers if h and h not in (UNIT_TYPE_COLUMN, ALIAS_COLUMN) and h not in example_columns]
    for row in data_rows(sheet, problems):
        name = unique_id(row, UNIT_TYPE_COLUMN, seen)
        for column in columns:
            if column not in OPTIONAL_PROFILE_COLUMNS and not row.text(column):
                example = next((p[column] for p in profiles.values() if p.get(column)), "")
                hint = f"（例如「局」一行填的是「{example}」）" if example else ""
                row.problem(column, f"此项为空：单位类型「{name or '？'}」缺少「{column}」{hint}，生成这类单位的发言要用到它，请补全")
        if name:
            profiles[name] = {column: row.text(column) for column in columns}
            examples[name] = {c[len(EXAMPLE_PREFIX):]: row.text(c) for c in example_columns if row.text(c)}
            for alias in split_list(row.text(ALIAS_COLUMN)):
                if alias in alias_rows or alias == name:
                    where = f"第 {alias_rows[alias]} 行" if alias in alias_rows else "本行"
                    row.problem(ALIAS_COLUMN, f"别名「{alias}」已在{where}使用，一个别名只能对应一种单位类型")
                    continue
                aliases[alias], alias_rows[alias] = name, row.number
    for alias, row_number in alias_rows.items():
        if alias in profiles:
            problems.append(Problem(f"别名「{alias}」与单位类型「{alias}」同名，请删去这个别名", sheet=sheet.name,
                                    row=row_number, column=ALIAS_COLUMN))
            aliases.pop(alias, None)
    if not profiles:
        problems.append(Problem("没有任何单位类型，请至少填写一行（如：局、我局、全局上下、局、局党组）", sheet=sheet.name, row=2))
    return profiles, aliases, examples


def read_modes(sheet: SheetRows, problems: list[Problem]) -> dict[str, InspectionMode]:
    """Every inspection mode, in workbook order (the first is the default: 常规)."""
    modes: dict[str, InspectionMode] = {}
    seen: dict[str, int] = {}
    for row in data_rows(sheet, problems):
        name = unique_id(row, MODE_COLUMN, seen)
        phrase = row.text("称谓")
        if not phrase:
            row.problem("称谓", "请填写发言中怎样称呼这种巡察，如 专项{{ 巡察类型 }}、{{ 巡察类型 }}“回头看”")
        if name:
            modes[name] = InspectionMode(name, phrase, yes_no(row, "需要巡察重点", False), row.text("说明"), row.number)
    if not modes:
        problems.append(Problem("没有任何巡察方式，请至少填写一行（常规、{{ 巡察类型 }}、否）", sheet=sheet.name, row=2))
    return modes


def unit_word_columns(profiles: Mapping[str, Mapping[str, str]]) -> list[str]:
    """The profile columns whose words belong to one kind of unit (checked in text and speeches)."""
    columns: list[str] = []
    for words in profiles.values():
        columns.extend(c for c in words if c not in NOT_UNIT_WORDS and c not in columns)
    return columns

