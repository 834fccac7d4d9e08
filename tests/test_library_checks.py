"""Slips editors make in section text that Jinja would let through: near-misses of the variable
syntax (they would print literally) and 巡察/巡视 typed where the text must follow 巡察类型."""
from __future__ import annotations

import pytest

from test_library import find, problems_of, section_row
from workbook_factory import base_content

ROW = 5  # 动员-要点1-1 is the 4th data row of the test library (Excel row 5)


@pytest.mark.parametrize("typed, shown", [
    ("在｛｛ 单位名称 ｝｝工作", "全角的花括号"),           # an IME slip
    ("在{ { 单位名称 }}工作", "之间有空格"),
    ("在{单位名称}工作", "只有一层花括号"),
])
def test_near_misses_of_a_variable_are_errors_with_the_fix(tmp_path, typed, shown):
    problems = problems_of(tmp_path, lambda c: section_row(c, "动员-要点1-1").__setitem__(4, typed))
    problem = find(problems, "段落", ROW, "正文", "error", shown)
    assert "{{ 单位名称 }}" in problem.message


def test_correct_variables_and_percent_signs_pass(tmp_path):
    text = "{{ 单位名称 }}的投入增长10％，{{单位名称}}要带头。"
    problems = problems_of(tmp_path, lambda c: section_row(c, "动员-要点1-1").__setitem__(4, text))
    assert not [p for p in problems if p.is_error], problems


def test_literal_inspection_kind_is_a_hint(tmp_path):
    problems = problems_of(tmp_path, lambda c: section_row(c, "动员-要点1-1").__setitem__(4, "巡察组进驻以来，全局上下积极配合。"))
    problem = find(problems, "段落", ROW, "正文", "warning", "直接写了「巡察」")
    assert "{{ 巡察类型 }}" in problem.message and "巡视" in problem.message


def test_a_branch_on_the_kind_may_name_it(tmp_path):
    text = '{% if 巡察类型 == "巡视" %}巡视组{% else %}巡察组{% endif %}进驻以来，{{ 全体 }}积极配合。'
    problems = problems_of(tmp_path, lambda c: section_row(c, "动员-要点1-1").__setitem__(4, text))
    assert not [p for p in problems if "直接写了「巡" in p.message], problems


def test_a_variable_outside_its_meetings_names_the_row_to_change(tmp_path):
    """巡察期间 applies to 反馈会 only; used in a 动员会 section, the error names the 变量 row to widen."""
    problems = problems_of(tmp_path, lambda c: section_row(c, "动员-要点1-1").__setitem__(4, "{{ 巡察期间 }}，我们认真配合。"))
    problem = find(problems, "段落", ROW, "正文", "error", "只适用于 反馈会")
    row = next(i for i, r in enumerate(base_content()["变量"], start=2) if r[0] == "巡察期间")
    assert f"工作表「变量」第 {row} 行「适用会议类型」" in problem.message and "动员会" in problem.message
