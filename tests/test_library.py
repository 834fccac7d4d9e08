"""Every mistake an editor can make in the workbook is reported with sheet, row, column and a fix."""
from __future__ import annotations

import datetime as dt

import copy

import pytest
from openpyxl import load_workbook

from server.library import check_library, load_library
from server.problems import LibraryError
from server.workbook import SHEET_LAYOUT
from workbook_factory import make_workbook


def problems_of(tmp_path, edit=None, layout=None):
    path = make_workbook(tmp_path / "lib.xlsx", edit, layout)
    return check_library(path)


def find(problems, sheet=None, row=None, column=None, severity="error", text=""):
    hits = [p for p in problems if (sheet is None or p.sheet == sheet) and (row is None or p.row == row)
            and (column is None or p.column == column) and p.severity == severity and text in p.message]
    assert hits, f"expected a {severity} at {sheet}/{row}/{column} containing {text!r}; got:\n" + "\n".join(map(str, problems))
    return hits[0]


def section_row(content, section_id):
    return next(r for r in content["段落"] if r[0] == section_id)


def test_valid_library_loads_without_problems(library):
    assert set(library.meetings) == {"动员会", "反馈会"}
    assert len(library.sections) == 11
    assert library.problems == ()
    assert len(library.id) == 16


def test_missing_sheet_is_named(tmp_path):
    layout = {k: v for k, v in SHEET_LAYOUT.items() if k != "变量"}
    problem = find(problems_of(tmp_path, layout=layout), sheet="变量", text="缺少工作表「变量」")
    assert "请" in problem.message


def test_missing_column_is_named(tmp_path):
    layout = copy.deepcopy(SHEET_LAYOUT)
    layout["段落"] = [c for c in layout["段落"] if c[0] != "正文"]
    find(problems_of(tmp_path, layout=layout), sheet="段落", row=1, column="正文", text="缺少列")


def test_duplicate_id_names_both_rows(tmp_path):
    def edit(c):
        section_row(c, "动员-开场-2")[0] = "动员-开场-1"
    problem = find(problems_of(tmp_path, edit), sheet="段落", row=4, column="编号", text="重复")
    assert "第 3 行" in problem.message


def test_empty_id_in_filled_row(tmp_path):
    def edit(c):
        section_row(c, "动员-开场-2")[0] = ""
    find(problems_of(tmp_path, edit), sheet="段落", row=4, column="编号", text="编号为空")


def test_unknown_slot_with_suggestion(tmp_path):
    def edit(c):
        section_row(c, "动员-开场-2")[2] = "要点十"
    problem = find(problems_of(tmp_path, edit), sheet="段落", row=4, column="部分", text="不认识的部分「要点十」")
    assert "请从下拉列表中选择：称呼、开场、要点1" in problem.message


def test_slot_in_chinese_numerals_gets_the_right_suggestion(tmp_path):
    def edit(c):
        section_row(c, "动员-开场-2")[2] = "要点二"
    find(problems_of(tmp_path, edit), sheet="段落", row=4, column="部分", text="是否应为「要点2」")


def test_unknown_meeting_type_with_suggestion(tmp_path):
    def edit(c):
        section_row(c, "动员-开场-2")[1] = "动员大会"
    problem = find(problems_of(tmp_path, edit), sheet="段落", row=4, column="会议类型", text="动员大会")
    assert "是否应为「动员会」" in problem.message


def test_jinja_syntax_error_is_located(tmp_path):
    def edit(c):
        section_row(c, "动员-开场-2")[4] = "{% if 巡察类型 == '巡视' %}巡视组来了"
    problem = find(problems_of(tmp_path, edit), sheet="段落", row=4, column="正文", text="模板写法有误")
    assert "endif" in problem.message


def test_undefined_variable_did_you_mean(tmp_path):
    def edit(c):
        section_row(c, "动员-开场-2")[4] = "{{ 巡查组 }}来到{{ 自称 }}。"
    problem = find(problems_of(tmp_path, edit), sheet="段落", row=4, column="正文", text="未定义的变量 {{ 巡查组 }}")
    assert "是否应为 {{ 巡察组 }}" in problem.message
    assert str(problem).startswith("[错误] 工作表「段落」 第 4 行 「正文」")


def test_undefined_variable_in_meeting_title(tmp_path):
    def edit(c):
        c["会议类型"][0][4] = "在{{ 巡察组名 }}工作动员会上的表态发言"
    find(problems_of(tmp_path, edit), sheet="会议类型", row=2, column="标题", text="未定义的变量")


def test_slot_without_enabled_section(tmp_path):
    def edit(c):
        for row in c["段落"]:
            if row[2] == "要点2" and row[1] == "动员会":
                row[7] = "否"
    find(problems_of(tmp_path, edit), sheet="会议类型", row=2, column="部分", severity="warning",
         text="「要点2」没有任何启用的段落，这个会议类型暂不可用（其他会议类型照常使用）")


def test_a_half_built_meeting_type_disables_only_itself(tmp_path):
    """An editor adding a meeting type saves before its sections exist: the rest of the save is taken."""
    def edit(c):
        c["会议类型"].append(["整改推进会", "巡察整改推进会", "开场、要点1、结尾", "一是", "在整改推进会上的表态发言", ""])
        section_row(c, "称呼-1")[4] = "尊敬的各位领导，同志们："  # another edit in the same save
    library = load_library(make_workbook(tmp_path / "lib.xlsx", edit))
    assert set(library.meetings) == {"动员会", "反馈会"}
    assert library.sections["称呼-1"].body == "尊敬的各位领导，同志们："
    assert any("整改推进会" in p.message and p.severity == "warning" for p in library.problems)


def test_no_usable_meeting_type_is_an_error(tmp_path):
    def edit(c):
        for row in c["段落"]:
            if row[2] in ("要点2", "开场"):
                row[7] = "否"
    find(problems_of(tmp_path, edit), sheet="会议类型", text="没有一个会议类型可以使用")


def test_number_where_text_expected(tmp_path):
    def edit(c):
        section_row(c, "动员-开场-2")[4] = 12345
    find(problems_of(tmp_path, edit), sheet="段落", row=4, column="正文", text="却是数字 12345")


def test_formula_where_text_expected(tmp_path):
    def edit(c):
        section_row(c, "动员-开场-2")[3] = '="同志们"&"好"'
    find(problems_of(tmp_path, edit), sheet="段落", row=4, column="小标题", text="公式")


def test_full_width_space_is_a_warning_and_removed(tmp_path):
    def edit(c):
        section_row(c, "动员-开场-2")[4] = "\u3000\u3000" + section_row(c, "动员-开场-2")[4]
    path = make_workbook(tmp_path / "lib.xlsx", edit)
    library = load_library(path)
    find(list(library.problems), sheet="段落", row=4, column="正文", severity="warning", text="全角空格")
    assert "\u3000" not in library.sections["动员-开场-2"].body


def test_half_filled_row(tmp_path):
    def edit(c):
        section_row(c, "动员-开场-2")[2] = ""
    find(problems_of(tmp_path, edit), sheet="段落", row=4, column="部分", text="这一行已填写了一部分")


def test_blank_rows_are_skipped_and_row_numbers_stay_true(tmp_path):
    def edit(c):
        c["段落"].insert(2, [None] * 10)
        c["段落"].insert(2, [None] * 10)
        section_row(c, "动员-开场-2")[4] = "{{ 巡查组 }}"
    problems = problems_of(tmp_path, edit)
    assert len([p for p in problems if p.is_error]) == 1
    find(problems, sheet="段落", row=6, column="正文", text="巡查组")


def test_all_errors_are_listed_and_nothing_loads(tmp_path):
    def edit(c):
        section_row(c, "动员-开场-2")[4] = "{{ 巡查组 }}"
        section_row(c, "动员-要点1-1")[2] = "要点十"
        c["变量"][0][4] = "也许"
    path = make_workbook(tmp_path / "lib.xlsx", edit)
    with pytest.raises(LibraryError) as caught:
        load_library(path)
    located = {(p.sheet, p.row, p.column) for p in caught.value.problems if p.is_error}
    assert {("段落", 4, "正文"), ("段落", 5, "部分"), ("变量", 2, "必填")} <= located


def test_outdated_phrase_in_section_is_a_warning(tmp_path):
    def edit(c):
        section_row(c, "动员-开场-2")[4] += "党的十九大以来，我们做了很多工作。"
    library = load_library(make_workbook(tmp_path / "lib.xlsx", edit))
    problem = find(list(library.problems), sheet="段落", row=4, column="正文", severity="warning", text="党的十九大以来")
    assert "党的二十大以来" in problem.message


def test_outdated_phrase_rule_not_yet_expired_is_silent(tmp_path):
    def edit(c):
        c["提法"][0][3] = "2999-01-01"
        section_row(c, "动员-开场-2")[4] += "党的十九大以来。"
    library = load_library(make_workbook(tmp_path / "lib.xlsx", edit))
    assert not [p for p in library.problems if "十九大" in p.message]


def test_a_rule_not_yet_in_force_hides_no_other_rule():
    """Two rules match the same words; only the second is in force: it is reported."""
    from server.lint import PhraseRule, lint_text
    later = PhraseRule("十五五", "规划期已经结束", "十六五", dt.date(2030, 12, 31))
    now = PhraseRule("十五五开局", "已不是开局之年", "推进十五五规划实施", dt.date(2026, 12, 31))
    problems = lint_text("在十五五开局之年", (later, now), today=dt.date(2027, 3, 1))
    assert [p.message for p in problems] == ["过时提法「十五五开局」：已不是开局之年；建议改为「推进十五五规划实施」"]
    assert lint_text("在十五五开局之年", (later, now), today=dt.date(2026, 3, 1)) == []


def test_bad_regex_and_bad_date_in_rules(tmp_path):
    def edit(c):
        c["提法"].append(["十九届(", "旧提法", "二十届", "2022-13-40", "正则"])
    problems = problems_of(tmp_path, edit)
    find(problems, sheet="提法", row=4, column="过时提法", text="正则表达式写法有误")


def test_unparseable_date_in_rules(tmp_path):
    def edit(c):
        c["提法"].append(["两学一做", "旧提法", "", "去年秋天", "文字"])
    find(problems_of(tmp_path, edit), sheet="提法", row=4, column="有效期至", text="无法识别的日期")


def test_a_date_kept_as_a_day_number_is_read_as_that_date(tmp_path):
    """A date typed into a cell formatted as text or number arrives as Excel's day number (46022)."""
    def edit(c):
        c["提法"][0][3] = 46022  # 2025-12-31
        section_row(c, "动员-开场-2")[4] += "党的十九大以来。"
    library = load_library(make_workbook(tmp_path / "lib.xlsx", edit), today=dt.date(2025, 12, 30))
    assert library.rules[0].valid_until == dt.date(2025, 12, 31)
    assert not [p for p in library.problems if p.sheet == "提法"]
    find(problems_of(tmp_path, lambda c: c["提法"][0].__setitem__(3, 123)), sheet="提法", row=2, column="有效期至",
         text="无法识别的日期「123」")


def test_variable_used_outside_its_meetings(tmp_path):
    def edit(c):
        section_row(c, "反馈-开场-1")[4] = "为期{{ 巡察时长 }}的{{ 巡察类型 }}已经结束。"
    find(problems_of(tmp_path, edit), sheet="段落", row=10, column="正文", text="只适用于 动员会")


def test_invalid_variable_key_and_choices(tmp_path):
    def edit(c):
        c["变量"].append(["1号", "错误的键", "", "", "否", "", "", "填写"])
        c["变量"][4][3] = "督查"  # 巡察类型 example outside its choices
    problems = problems_of(tmp_path, edit)
    find(problems, sheet="变量", column="键", text="不能以数字开头")
    find(problems, sheet="变量", row=6, column="示例", text="不在可选值")


def test_literal_self_reference_is_a_warning(tmp_path):
    def edit(c):
        section_row(c, "动员-开场-2")[4] = "我局全体干部欢迎{{ 巡察组 }}。"
    library = load_library(make_workbook(tmp_path / "lib.xlsx", edit))
    problem = find(list(library.problems), sheet="段落", row=4, column="正文", severity="warning", text="「我局」")
    assert "{{ 自称 }}" in problem.message


def test_not_an_xlsx_file(tmp_path):
    path = tmp_path / "lib.xlsx"
    path.write_text("这不是表格", encoding="utf-8")
    [problem] = check_library(path)
    assert "不是 Excel 工作簿" in problem.message


def test_truncated_workbook(tmp_path, library_path):
    data = library_path.read_bytes()
    library_path.write_bytes(data[: len(data) // 2])
    [problem] = check_library(library_path)
    assert "损坏" in problem.message


def test_missing_file(tmp_path):
    [problem] = check_library(tmp_path / "none.xlsx")
    assert "找不到段落库文件" in problem.message


def test_workbook_is_self_explaining(library_path):
    book = load_workbook(library_path)
    sheet = book["段落"]
    assert sheet.freeze_panes == "B2"
    assert sheet.column_dimensions["E"].width >= 60
    assert sheet["E2"].alignment.wrap_text
    formulas = {str(dv.sqref)[0]: dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert formulas["H"] == '"是,否"'
    assert "要点1" in formulas["C"]
    assert book.sheetnames[0] == "说明"
