"""Composition: variants, numbering styles, dropping and reordering points, variables, warnings."""
from __future__ import annotations

import re

import pytest

from server.compose import compose_speech, render_part
from server.numbering import chinese_ordinal
from server.problems import InputError, LibraryError
from workbook_factory import UNIT_TYPES, make_workbook

FIRSTS = {"要点1": "动员-要点1-1", "要点2": "动员-要点2-1"}  # the variants these tests read
OTHER_STYLE_MARKS = {"一是": ["一、", "第一，"], "一、": ["一是", "第一，"], "第一": ["一是", "一、"]}


def test_title_follows_inspection_kind_and_meeting(library, values):
    speech = compose_speech(library, "动员会", values)
    assert speech.title == "在市委第四巡察组巡察市工业和信息化局党组工作动员会上的表态发言"
    values.update(巡察类型="巡视", 巡察组="省委第二巡视组", 单位名称="某某县", 单位类型="县")
    speech = compose_speech(library, "反馈会", values)
    assert speech.title == "在省委第二巡视组巡视某某县情况反馈会上的表态发言"


@pytest.mark.parametrize("style, first, second", [
    ("一是", "一是提高政治站位，主动接受巡察监督。", "二是全力配合工作"),
    ("一、", "一、提高政治站位，主动接受巡察监督", "二、全力配合工作"),
    ("第一", "第一，提高政治站位，主动接受巡察监督。", "第二，全力配合工作"),
])
def test_each_numbering_style(library, values, style, first, second):
    speech = compose_speech(library, "动员会", values, style=style, choices=FIRSTS)
    points = [p for p in speech.parts if p.kind == "point"]
    assert [p.number for p in points] == [1, 2]
    assert points[0].text.startswith(first)
    assert points[1].text.startswith(second)
    for mark in OTHER_STYLE_MARKS[style]:
        assert mark not in speech.body_text, f"{style} speech mixes in {mark}"


def test_heading_style_puts_heading_on_its_own_paragraph(library, values):
    speech = compose_speech(library, "动员会", values, style="一、")
    point = next(p for p in speech.parts if p.kind == "point")
    kinds = [b.kind for b in point.blocks]
    assert kinds[0] == "heading" and set(kinds[1:]) == {"body"}


def test_dropping_a_point_renumbers(library, values):
    speech = compose_speech(library, "动员会", values, style="一是", omit=["要点1"], choices=FIRSTS)
    points = [p for p in speech.parts if p.kind == "point"]
    assert [p.slot for p in points] == ["要点2"]
    assert points[0].text.startswith("一是全力配合工作")
    assert "二是" not in speech.body_text


def test_reordering_points_renumbers(library, values):
    speech = compose_speech(library, "动员会", values, style="第一", order=["要点2", "要点1"], choices=FIRSTS)
    points = [p for p in speech.parts if p.kind == "point"]
    assert [p.slot for p in points] == ["要点2", "要点1"]
    assert points[0].text.startswith("第一，全力配合工作")
    assert points[1].text.startswith("第二，提高政治站位")
    assert [p.slot for p in speech.parts][0:2] == ["称呼", "开场"] and speech.parts[-1].slot == "结尾"


def test_bad_omit_and_order_name_the_field(library, values):
    for kwargs, field in [({"omit": ["开场"]}, "omit"), ({"omit": ["要点9"]}, "omit"),
                          ({"omit": ["要点1", "要点2"]}, "omit"), ({"order": ["要点3"]}, "order"),
                          ({"order": ["要点1", "要点1"]}, "order")]:
        with pytest.raises(InputError) as caught:
            compose_speech(library, "动员会", values, **kwargs)
        assert caught.value.problems[0].field == field


def test_seed_is_deterministic_and_varies(library, values):
    first = compose_speech(library, "动员会", values, seed=7)
    again = compose_speech(library, "动员会", values, seed=7)
    assert [p.section_id for p in first.parts] == [p.section_id for p in again.parts]
    seen = {tuple(p.section_id for p in compose_speech(library, "动员会", values, seed=s).parts) for s in range(40)}
    assert len(seen) >= 6  # 2 openings x 2 x 2 points in the test library: 8 combinations


def test_explicit_choice(library, values):
    speech = compose_speech(library, "动员会", values, choices={"开场": "动员-开场-2"})
    assert speech.parts[1].section_id == "动员-开场-2"
    with pytest.raises(InputError) as caught:
        compose_speech(library, "动员会", values, choices={"开场": "动员-要点1-1"})
    assert caught.value.problems[0].field == "choices.开场"
    with pytest.raises(InputError):
        compose_speech(library, "动员会", values, choices={"开场": "没有这一段"})


def test_unknown_meeting_and_style(library, values):
    with pytest.raises(InputError) as caught:
        compose_speech(library, "座谈会", values)
    assert caught.value.problems[0].field == "meeting" and "动员会" in caught.value.problems[0].message
    with pytest.raises(InputError) as caught:
        compose_speech(library, "动员会", values, style="1.")
    assert caught.value.problems[0].field == "style"


def test_required_variable_is_named(library, values):
    del values["巡察组"]
    values["组长"] = "  "
    with pytest.raises(InputError) as caught:
        compose_speech(library, "动员会", values)
    fields = {p.field: p.message for p in caught.value.problems}
    assert "请填写「巡察组名称」" in fields["巡察组"] and "市委第四巡察组" in fields["巡察组"]
    assert "组长" in fields


def test_variable_for_other_meeting_not_required(library, values):
    del values["巡察期间"]  # only 反馈会 needs it
    compose_speech(library, "动员会", values)
    with pytest.raises(InputError):
        compose_speech(library, "反馈会", values)


def test_choices_and_unit_type_are_checked(library, values):
    with pytest.raises(InputError) as caught:
        compose_speech(library, "动员会", {**values, "巡察类型": "督查", "单位类型": "部"})
    fields = {p.field for p in caught.value.problems}
    assert fields == {"巡察类型", "单位类型"}


@pytest.mark.parametrize("unit", [row[0] for row in UNIT_TYPES])
@pytest.mark.parametrize("kind", ["巡察", "巡视"])
def test_self_reference_and_inspection_kind_across_unit_types(library, values, unit, kind):
    own = next(row for row in UNIT_TYPES if row[0] == unit)
    values.update(单位类型=unit, 巡察类型=kind, 巡察组=f"市委第四{kind}组", 单位名称="某单位")
    for meeting in ("动员会", "反馈会"):
        for seed in range(4):
            speech = compose_speech(library, meeting, values, seed=seed)
            text = speech.text.replace(values["巡察组"], "")
            assert own[1] in speech.text or own[4] in speech.text
            for other in UNIT_TYPES:
                if other[0] != unit:
                    for word in (other[1], other[2], other[4]):
                        if word not in own[1:]:
                            assert word not in text, f"{word} in a speech for {unit}"
            other_kind = "巡察" if kind == "巡视" else "巡视"
            assert other_kind not in text
            assert not [w for w in speech.warnings if w.field == "text"]


def test_derived_value_can_be_overridden(library, values):
    values["自称"] = "我们市局"
    speech = compose_speech(library, "动员会", values, choices={"开场": "动员-开场-1"})
    assert "进驻我们市局" in speech.text


def test_hostile_values_are_data(library, values):
    hostile = "<w:p>&amp; & \"引号\" '单引' {{ 7*7 }} {% if 1 %}x{% endif %}\x00\x07尾"
    values["巡察组"] = hostile
    speech = compose_speech(library, "动员会", values, choices={"开场": "动员-开场-1"})
    expected = hostile.replace("\x00", "").replace("\x07", "")
    assert expected in speech.text
    assert "49" not in speech.text


def test_sandbox_blocks_code_in_the_spreadsheet(tmp_path, values):
    escape = "{{ ''.__class__.__mro__[1].__subclasses__() }}{{ cycler.__init__.__globals__.os }}"

    def edit(c):
        next(r for r in c["段落"] if r[0] == "动员-开场-2")[4] = escape
    from server.library import load_library
    # Refused when the library loads (template_check), so no writer can ever pick the section.
    with pytest.raises(LibraryError) as caught:
        load_library(make_workbook(tmp_path / "lib.xlsx", edit))
    problem = caught.value.problems[0]
    assert (problem.sheet, problem.row, problem.column) == ("段落", 4, "正文")
    assert "不允许" in str(problem) and "subclasses" not in str(problem)


def test_length_and_outdated_phrase_warnings(library, values):
    values["巡察组"] = "疫情防控专项组"
    speech = compose_speech(library, "动员会", values)
    messages = [w.message for w in speech.warnings]
    assert any("疫情防控" in m for m in messages)
    assert any("通常为 1200–3000 字" in m for m in messages)
    assert speech.characters == len(re.sub(r"\s", "", speech.body_text))
    assert speech.minutes == round(speech.characters / 220, 1)


def test_render_part_numbers_as_asked(library, values):
    part, _ = render_part(library, "动员-要点2-1", {"全体": "全局上下", "巡察类型": "巡察", "单位类型": "局"},
                          style="一是", number=3)
    assert part.text.startswith("三是全力配合工作，确保巡察顺利开展。全局上下")
    assert part.blocks[1].text == "第二段：做好后勤保障。"
    with pytest.raises(InputError) as caught:
        render_part(library, "动员-要点2-1", values, number=0)
    assert caught.value.problems[0].field == "number"


def test_render_part_asks_only_for_what_it_uses(library):
    with pytest.raises(InputError) as caught:
        render_part(library, "动员-开场-2", {"单位类型": "局"})
    assert {p.field for p in caught.value.problems} == {"巡察组", "巡察类型"}


def test_chinese_ordinals():
    assert [chinese_ordinal(n) for n in (1, 9, 10, 11, 20, 21)] == ["一", "九", "十", "十一", "二十", "二十一"]


def test_warnings_say_which_part_and_paragraph(tmp_path, values):
    """An outdated phrase in the second paragraph of 要点2 is reported there, in the whole speech
    and in the part inserted alone."""
    from server.library import load_library
    from workbook_factory import make_workbook

    def edit(content):
        row = next(r for r in content["段落"] if r[0] == "动员-要点2-1")
        row[4] = row[4].replace("第二段：", "第二段：深入学习党的十九大以来的重要论述，")
    library = load_library(make_workbook(tmp_path / "lib.xlsx", edit))
    speech = compose_speech(library, "动员会", values, choices={"要点2": "动员-要点2-1"})
    hit = next(w for w in speech.warnings if "十九大" in w.message)
    assert (hit.part, hit.paragraph) == ("要点2", 2) and "「要点2」第 2 段" in str(hit)
    _, warnings = render_part(library, "动员-要点2-1", values, meeting_id="动员会")
    assert [(w.part, w.paragraph) for w in warnings if "十九大" in w.message] == [("要点2", 2)]
