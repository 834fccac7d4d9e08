"""Unit profiles, inspection modes and speaker roles in the workbook: what `biaotai check` tells an
editor, how a writer's values are completed, and where a title breaks."""
from __future__ import annotations

import pytest

from server.compose import compose_speech
from server.library import check_library, load_library
from server.problems import InputError
from server.title_layout import TITLE_CHARS_PER_LINE, break_title
from server.variables import resolve_variables, variable_schema
from workbook_factory import TEST_VALUES, make_workbook


def problems_of(tmp_path, edit):
    return check_library(make_workbook(tmp_path / "lib.xlsx", edit))


def test_new_unit_type_missing_words_is_located(tmp_path):
    def edit(c):
        c["单位类型"].append(["馆", "我馆", "全馆上下", "馆", "馆党支部", "馆领导班子", "", "", "读者", "", ""])
    problems = [p for p in problems_of(tmp_path, edit) if p.is_error]
    located = {(p.sheet, p.row, p.column) for p in problems}
    assert {("单位类型", 10, "干部职工"), ("单位类型", 10, "下属")} <= located, problems
    message = next(p.message for p in problems if p.column == "下属")
    assert "单位类型「馆」缺少「下属」" in message and "各科室、各直属单位" in message


def test_alias_used_twice_is_located(tmp_path):
    def edit(c):
        c["单位类型"][1][10] = "医院"  # 委 claims 院's alias
    problem = next(p for p in problems_of(tmp_path, edit) if p.column == "别名")
    assert (problem.sheet, problem.row) == ("单位类型", 5) and "医院" in problem.message and "第 3 行" in problem.message


def test_section_role_and_mode_must_be_known(tmp_path):
    def edit(c):
        row = next(r for r in c["段落"] if r[0] == "动员-开场-2")
        row += ["副职", "突击"]
        c["变量"].append(["发言人身份", "发言人身份", "", "主要负责人", "否", "", "主要负责人、班子成员（受委托）", "填写"])
    problems = problems_of(tmp_path, edit)
    by_column = {p.column: p.message for p in problems if p.is_error and p.sheet == "段落"}
    assert "不认识的发言人身份「副职」" in by_column["适用发言人身份"]
    assert "不认识的巡察方式「突击」" in by_column["适用巡察方式"]


def test_role_without_a_variant_is_a_located_warning(tmp_path):
    def edit(c):
        for row in c["段落"]:
            if row[2] == "要点1":
                row += ["主要负责人"]
        c["变量"].append(["发言人身份", "发言人身份", "", "主要负责人", "否", "", "主要负责人、班子成员（受委托）", "填写"])
    library = load_library(make_workbook(tmp_path / "lib.xlsx", edit))
    warning = next(p for p in library.problems if p.sheet == "会议类型")
    assert "要点1" in warning.message and "班子成员（受委托）" in warning.message
    with pytest.raises(Exception) as caught:
        compose_speech(library, "动员会", {**TEST_VALUES, "发言人身份": "班子成员（受委托）"})
    assert "班子成员（受委托）" in str(caught.value)


def _hospital_meeting(c):
    """A meeting type only hospitals hold (as 巡村动员会 is held only by villages), with an example hospital."""
    c["会议类型"].append(["院内会", "院内巡察会", "开场、要点1、结尾", "一是", "在{{ 单位名称 }}院内会上的表态发言", "",
                       "", "院"])
    for row in [r for r in c["段落"] if "动员会" in r[1] and r[2] != "称呼"]:
        body = row[4].replace("{{ 巡察时长 }}", "两个月")  # a variable of 动员会 only
        c["段落"].append(["院内会-" + row[0], "院内会", row[2], row[3], body, *row[5:]])
    hospital = next(r for r in c["单位类型"] if r[0] == "院")
    hospital += ["市人民医院", "医疗卫生", "党委书记、院长"]


def test_meeting_held_by_some_kinds_of_unit_refuses_the_others(tmp_path):
    library = load_library(make_workbook(tmp_path / "lib.xlsx", _hospital_meeting))
    assert library.meetings["院内会"].unit_types == ("院",)
    with pytest.raises(InputError) as caught:
        compose_speech(library, "院内会", TEST_VALUES)  # TEST_VALUES is a 局
    problem = next(p for p in caught.value.problems if p.field == "单位类型")
    assert "「院内会」只适用于 院" in problem.message and "「局」" in problem.message
    unit_choices = next(v["choices"] for v in variable_schema(library, "院内会") if v["key"] == "单位类型")
    assert unit_choices == ["院"]
    assert "局" in next(v["choices"] for v in variable_schema(library, "动员会") if v["key"] == "单位类型")


def test_example_values_of_such_a_meeting_come_from_the_unit_examples(tmp_path):
    from server.variables import example_values
    library = load_library(make_workbook(tmp_path / "lib.xlsx", _hospital_meeting))
    values = example_values(library, "院内会")
    assert (values["单位类型"], values["单位名称"], values["发言人"]) == ("院", "市人民医院", "党委书记、院长")
    speech = compose_speech(library, "院内会", values, seed=1)
    assert "我院" in speech.text and "我局" not in speech.text and "市人民医院" in speech.title
    assert example_values(library, "动员会")["单位类型"] == "局"  # other meetings keep the 变量 sheet's examples


def test_meeting_unit_types_must_be_known(tmp_path):
    def edit(c):
        c["会议类型"][0] += ["", "馆"]
    problem = next(p for p in problems_of(tmp_path, edit) if p.sheet == "会议类型" and p.column == "适用单位类型")
    assert problem.row == 2 and "不认识的单位类型「馆」" in problem.message


def test_alias_and_party_body_override(library):
    variables = resolve_variables(library, "动员会", {**TEST_VALUES, "单位类型": "医院", "党组织": "党总支"})
    assert variables.unit_type == "院"
    assert variables.values["党组织"] == "院党总支" and variables.values["党组织类别"] == "党总支"
    variables = resolve_variables(library, "动员会", {**TEST_VALUES, "单位类型": "县", "单位名称": "青山县"})
    assert variables.values["党组织"] == "县委" and variables.values["党组织类别"] == ""


def test_kind_follows_the_group_name(library):
    given = {k: v for k, v in TEST_VALUES.items() if k != "巡察类型"}
    assert resolve_variables(library, "动员会", {**given, "巡察组": "省委第一巡视组"}).inspection_kind == "巡视"
    with pytest.raises(InputError) as caught:
        resolve_variables(library, "动员会", {**given, "巡察组": "第一组"})
    assert [p.field for p in caught.value.problems if p.is_error] == ["巡察类型"]


def test_computed_variables_are_not_offered_as_inputs(library):
    keys = [v["key"] for v in variable_schema(library, "动员会")]
    assert "党组织类别" not in keys and "巡察称谓" not in keys and "单位类型" in keys


def pieces(*words):
    return [(w, i % 2 == 1) for i, w in enumerate(words)]


def test_title_breaks_between_words_into_balanced_lines():
    title = pieces("在", "市委第四巡察组", "", "巡察", "", "市住房和城乡建设局", "", "党组", "工作动员会上的表态发言")
    lines = break_title(title)
    assert "".join(lines) == "在市委第四巡察组巡察市住房和城乡建设局党组工作动员会上的表态发言"
    assert lines == ("在市委第四巡察组巡察市住房和城乡建设局", "党组工作动员会上的表态发言")
    for word in ("市住房和城乡建设局", "党组", "工作动员会上的表态发言", "市委第四巡察组"):
        assert any(word in line for line in lines), (word, lines)


def test_short_title_stays_on_one_line_and_long_words_are_cut_evenly():
    assert break_title(pieces("在", "县委巡察组", "", "巡察", "某镇", "")) == ("在县委巡察组巡察某镇",)
    long_name = "某" * 45
    lines = break_title(pieces("在", "市委第一巡察组", "巡察", long_name, "工作动员会上的表态发言"))
    assert all(len(line) <= TITLE_CHARS_PER_LINE for line in lines)
    assert "".join(lines).count("某") == 45
