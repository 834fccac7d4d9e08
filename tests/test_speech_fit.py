"""Every section of the shipped library reads right for every unit type, speaker role, inspection kind
and mode: the unit's own words only, no doubled words, no first-person 第一责任人 for a deputy, no
巡察 in a 巡视 speech, no 全面体检 in a 专项/机动 one; titles and speaker lines as people write them."""
from __future__ import annotations

import itertools
import re

import pytest

from server import alternatives
from server.compose import compose_speech, render_section_text
from server.selection import Pick
from server.problems import InputError
from server.profiles import unit_word_columns
from conftest import load_shipped_library
from server.variables import example_values, resolve_variables

_SHIPPED = load_shipped_library()
# unit type -> (单位名称, 业务领域 as a writer types it, 发言人): the 单位类型 sheet's 示例 columns
UNITS = {unit: (example["单位名称"], example["业务领域"], example["发言人"])
         for unit, example in _SHIPPED.unit_examples.items()}
DEPUTY = "班子成员（受委托）"
HEAD = "主要负责人"
MEETING_MODES = {m.id: tuple(mode for mode in _SHIPPED.modes if m.allows(mode)) for m in _SHIPPED.meetings.values()}
GROUPS = {"巡察": ("市委第四巡察组", "市委", "2023年市委第二轮巡察"), "巡视": ("省委第二巡视组", "省委", "2023年省委第三轮巡视")}
PLACEHOLDERS = re.compile(r"\{\{|\}\}|\{%|%\}|XX|xx|\*\*|×|某某")
DOUBLES = re.compile(r"(事业|工作)(事业|工作)|业务业务|巡察巡察|巡视巡视|组长组长|同志同志|发展高质量发展|发展发展")
WHOLE_INSPECTION = ("全面体检", "政治体检", "全面检阅")


def writer_values(library, meeting: str, unit: str, kind: str, role: str, mode: str) -> dict[str, str]:
    name, field, title = UNITS[unit]
    group, superior, last_round = GROUPS[kind]
    values = example_values(library, meeting)
    values.update(单位名称=name, 单位类型=unit, 业务领域=field, 发言人=title, 巡察组=group, 上级党委=superior,
                  巡察类型=kind, 巡察方式=mode, 发言人身份=role, 巡察重点="选人用人工作")
    if role == DEPUTY:
        values.update(发言人=title.replace("书记", "成员").split("、")[0] + "、副职", 委托人="张华")
    if library.variables["上轮巡察"].applies_to(meeting) and library.variables["上轮巡察"].meetings:
        values["上轮巡察"] = last_round
    if role == HEAD:  # the unit's facts given for the head, left out for a deputy: both readings are checked
        facts = {"讲话领导": "巡察办主任王刚", "联络组组成": "办公室和组织人事部门的同志", "上轮反馈问题数": "36",
                 "已整改数": "33", "整改时限": "两个月", "本单位近期工作": "多项工作走在全市前列"}
        values.update({k: v for k, v in facts.items() if k in library.variables
                       and library.variables[k].applies_to(meeting)})
    return values


def every_form(slot: str, section) -> list[Pick]:
    """Picks that together use every 【】 alternative of a section at least once."""
    heading, body = alternatives.parse(section.heading).groups, alternatives.parse(section.body).groups
    widest = max([len(g) for g in heading + body], default=1)
    return [Pick(slot, section, tuple(j if j < len(g) else 0 for g in heading), tuple(j if j < len(g) else 0 for g in body))
            for j in range(widest)]


def masked(text: str, variables, library) -> str:
    """The text without the writer's own values (a closed choice like 单位类型 局 is no typed text)."""
    typed = [k for k in variables.typed if not library.variables[k].choices]
    for key in sorted(typed, key=lambda k: -len(variables.values[k])):
        if variables.values[key]:
            text = text.replace(variables.values[key], "□")
    return text


def foreign_words(library, unit: str, own: dict[str, str]) -> set[str]:
    columns = unit_word_columns(library.unit_types)
    mine = {own[c] for c in columns if own.get(c)}
    found = set()
    for other, words in library.unit_types.items():
        for column in columns:
            word = words.get(column, "")
            if other != unit and len(word) >= 2 and word not in mine and not any(word in m for m in mine):
                found.add(word)
    return found


def assert_reads_right(text: str, where, *, kind: str, role: str, mode: str, foreign: set[str]) -> None:
    assert not PLACEHOLDERS.search(text), (where, text)
    assert not DOUBLES.search(text), (where, DOUBLES.search(text).group(), text)
    hits = sorted(w for w in foreign if w in text)
    assert not hits, (where, hits, text)
    if kind == "巡视":
        assert "巡察" not in text, (where, text)
    if mode in ("专项", "机动"):
        assert not [w for w in WHOLE_INSPECTION if w in text], (where, text)
    if role == DEPUTY:
        for sentence in re.findall(r"[^。！；\n]*第一责任人[^。！；\n]*", text):
            # a deputy never claims it for himself (我/本人); "我们……第一责任人责任" speaks of the system
            assert not re.search(r"我(?!们)|本人", sentence), (where, sentence)


@pytest.mark.parametrize("unit", list(UNITS))
def test_every_section_for_every_unit_role_kind_and_mode(shipped_library, unit):
    library = shipped_library
    assert set(UNITS) == set(library.unit_types), "every shipped unit type needs its 示例 columns"
    foreign = foreign_words(library, unit, dict(library.unit_types[unit]))
    for meeting, modes in MEETING_MODES.items():
        if not library.meetings[meeting].held_by(unit):
            continue
        for kind in GROUPS:
            for role in (HEAD, DEPUTY):
                for mode in modes:
                    values = writer_values(library, meeting, unit, kind, role, mode)
                    variables = resolve_variables(library, meeting, values)
                    where = (meeting, unit, kind, role, mode)
                    for slot in library.meetings[meeting].slots:
                        sections = library.sections_for(meeting, slot, unit, role, mode)
                        assert sections or slot == "称呼", (where, slot)
                        for section in sections:
                            for pick in every_form(slot, section):
                                heading, paragraphs = render_section_text(section, variables, pick)
                                text = masked(heading + "\n" + "\n".join(paragraphs), variables, library)
                                assert_reads_right(text, where + (section.id,), kind=kind, role=role, mode=mode,
                                                   foreign=foreign)
                    speech = compose_speech(library, meeting, values, seed=len(mode))
                    assert_reads_right(masked(speech.title, variables, library), where + ("标题",), kind=kind, role=role,
                                       mode=mode, foreign=foreign)
                    assert not [w for w in speech.warnings if w.field == "text"], (where, speech.warnings)
                    assert library.unit_types[unit]["自称"] in speech.body_text


# (会议类型, 变量, expected title, expected speaker line)
TITLES = [
    ("动员会", {"单位名称": "青山县人民法院", "单位类型": "法院", "发言人": "党组书记、院长", "巡察组": "市委第三巡察组"},
     "在市委第三巡察组巡察青山县人民法院党组工作动员会上的表态发言", "青山县人民法院党组书记、院长"),
    ("动员会", {"单位名称": "市第一中学", "单位类型": "中小学", "发言人": "党总支书记、校长", "巡察组": "区委第二巡察组"},
     "在区委第二巡察组巡察市第一中学党总支工作动员会上的表态发言", "市第一中学党总支书记、校长"),
    ("动员会", {"单位名称": "市政务服务中心", "单位类型": "中心", "党组织": "党委", "发言人": "党委书记、主任"},
     "在市委第四巡察组巡察市政务服务中心党委工作动员会上的表态发言", "市政务服务中心党委书记、主任"),
    ("反馈会", {"单位名称": "市城市建设投资集团有限公司", "单位类型": "集团", "发言人": "党委书记、董事长"},
     "在市委第四巡察组巡察市城市建设投资集团有限公司党委情况反馈会上的表态发言", "市城市建设投资集团有限公司党委书记、董事长"),
    ("动员会", {"单位名称": "青山镇", "单位类型": "乡镇", "发言人": "镇党委书记", "巡察组": "县委第一巡察组", "上级党委": "县委"},
     "在县委第一巡察组巡察青山镇党委工作动员会上的表态发言", "青山镇党委书记"),
    ("动员会", {"单位名称": "东城街道", "单位类型": "街道", "发言人": "党工委书记", "巡察组": "区委第三巡察组",
                "巡察方式": "专项巡察", "巡察重点": "选人用人工作"},
     "在区委第三巡察组专项巡察东城街道党工委工作动员会上的表态发言", "东城街道党工委书记"),
    ("动员会", {"单位名称": "青山县", "单位类型": "县", "发言人": "县委书记", "巡察组": "省委第二巡视组", "巡察类型": "",
                "发言人姓名": "李明", "会议日期": "2025-03-12"},
     "在省委第二巡视组巡视青山县工作动员会上的表态发言", "（2025年3月12日）\n青山县委书记　李明"),
    ("动员会", {"单位名称": "市工业和信息化局", "单位类型": "局", "发言人": "党组成员、副局长",
                "发言人身份": "班子成员（受委托）", "委托人": "张华"},
     "在市委第四巡察组巡察市工业和信息化局党组工作动员会上的表态发言", "市工业和信息化局党组成员、副局长"),
    ("回头看动员会", {"单位名称": "市人民防空办公室", "单位类型": "办", "发言人": "党组书记、主任", "巡察组": "市委第五巡察组"},
     "在市委第五巡察组对市人民防空办公室党组巡察“回头看”工作动员会上的表态发言", "市人民防空办公室党组书记、主任"),
    ("反馈会", {"单位名称": "市人民防空办公室", "单位类型": "办", "发言人": "党组书记、主任", "巡察组": "市委第五巡察组",
               "巡察方式": "回头看"},
     "在市委第五巡察组对市人民防空办公室党组巡察“回头看”情况反馈会上的表态发言", "市人民防空办公室党组书记、主任"),
    ("回头看反馈会", {"单位名称": "市人民医院", "单位类型": "医院", "发言人": "党委书记、院长", "巡察组": "市委第五巡察组"},
     "在市委第五巡察组对市人民医院党委巡察“回头看”情况反馈会上的表态发言", "市人民医院党委书记、院长"),
    ("整改推进会", {"单位名称": "青山县", "单位类型": "县", "发言人": "县委书记", "巡察组": "省委第二巡视组", "巡察类型": ""},
     "在青山县巡视整改工作推进会上的讲话", "青山县委书记"),
    ("整改专题民主生活会", {"单位名称": "青山县", "单位类型": "县", "发言人": "县委书记", "巡察组": "省委第二巡视组",
                   "巡察类型": ""},
     "在青山县委常委班子巡视整改专题民主生活会上的表态发言", "青山县委书记"),
    ("整改专题民主生活会", {"单位名称": "市人民医院", "单位类型": "医院", "发言人": "党委书记、院长"},
     "在市人民医院党委巡察整改专题民主生活会上的表态发言", "市人民医院党委书记、院长"),
    ("整改推进会", {"单位名称": "东城街道", "单位类型": "街道", "发言人": "党工委书记", "巡察组": "区委第三巡察组",
                  "巡察方式": "专项", "巡察重点": "选人用人工作"},
     "在东城街道专项巡察整改工作推进会上的讲话", "东城街道党工委书记"),
]


@pytest.mark.parametrize("meeting, given, title, speaker", TITLES, ids=[t[2][:24] for t in TITLES])
def test_titles_and_speaker_lines_as_people_write_them(shipped_library, meeting, given, title, speaker):
    values = example_values(shipped_library, meeting)
    values.update(given)
    speech = compose_speech(shipped_library, meeting, values, seed=1)
    assert speech.title == title
    assert "\n".join(x for x in (speech.date_line, speech.speaker_line) if x) == speaker
    assert "".join(speech.title_lines) == title
    assert all(len(line) <= 20 for line in speech.title_lines), speech.title_lines
    if given.get("党组织"):
        party = shipped_library.unit_types[shipped_library.unit_type_of(given["单位类型"])]["单位简称"] + given["党组织"]
        assert party in speech.body_text
    if given.get("发言人身份"):
        assert "受张华同志委托" in speech.body_text or f"我代表{'局党组'}" in speech.body_text


def test_deputy_speech_opens_on_commission(shipped_library):
    values = example_values(shipped_library, "动员会")
    values.update(发言人="党组成员、副局长", 发言人身份="班子成员", 委托人="张华同志")
    deputy_openings = [s.id for s in shipped_library.sections_for("动员会", "开场", "局", "班子成员（受委托）")
                       if s.roles == ("班子成员（受委托）",)]
    assert len(deputy_openings) >= 2
    for section_id, seed in itertools.product(deputy_openings, range(4)):
        speech = compose_speech(shipped_library, "动员会", values, choices={"开场": section_id}, seed=seed)
        opening = speech.parts[1].paragraphs[0]
        assert "张华同志" in opening and "同志同志" not in opening and "局党组" in opening, (section_id, seed, opening)
        assert "我作为第一责任人" not in speech.text


@pytest.mark.parametrize("given, field, words", [
    ({"巡察组": "省委第二巡视组", "巡察类型": "巡察"}, "巡察类型", ("巡察组", "巡察类型", "省委第二巡视组")),
    ({"单位类型": "部"}, "单位类型", ("部", "局", "乡镇", "国有企业（集团）")),
    ({"党组织": "  "}, "党组织", ("党组织",)),
    ({"巡察方式": "专项", "巡察重点": ""}, "巡察重点", ("巡察重点",)),
    ({"巡察方式": "回头看"}, "巡察方式", ("回头看动员会",)),
    ({"会议日期": "三月十二日"}, "会议日期", ("会议日期",)),
])
def test_bad_input_is_a_chinese_error_naming_the_field(shipped_library, given, field, words):
    values = example_values(shipped_library, "动员会")
    values.update(given)
    with pytest.raises(InputError) as caught:
        compose_speech(shipped_library, "动员会", values)
    errors = [p for p in caught.value.problems if p.is_error]
    assert [p.field for p in errors] == [field], errors
    for word in words:
        assert word in errors[0].message, (word, errors[0].message)


def test_typed_suffixes_never_double(shipped_library):
    values = example_values(shipped_library, "动员会")
    values.update(巡察方式="专项巡察", 巡察重点="专项资金管理使用", 组长="王明组长", 联络负责人="局党组成员、副局长李强同志",
                  业务领域="工业和信息化事业")
    speech = compose_speech(shipped_library, "动员会", values, seed=2)
    assert not DOUBLES.search(speech.text), DOUBLES.search(speech.text).group()
    assert speech.title.startswith("在市委第四巡察组专项巡察")


@pytest.mark.parametrize("meeting", ["回头看动员会", "回头看反馈会"])
def test_previous_round_named_once_in_full(shipped_library, meeting):
    values = example_values(shipped_library, meeting)
    values.update(上轮巡察="2023年市委第二轮巡察")
    for seed in range(8):
        speech = compose_speech(shipped_library, meeting, values, seed=seed)
        assert speech.body_text.count("2023年市委第二轮巡察") == 1, seed


NEW_VARIABLES = ("发言人身份", "委托人", "巡察重点", "会议日期")


@pytest.fixture
def shipped_client():
    from conftest import SHIPPED_LIBRARY
    from server import create_app
    return create_app({"TESTING": True, "LIBRARY": str(SHIPPED_LIBRARY), "TOKEN": None}).test_client()


@pytest.mark.parametrize("given, field", [
    ({"巡察组": "省委第二巡视组", "巡察类型": "巡察"}, "巡察类型"),
    ({"单位类型": "部"}, "单位类型"),
    ({"党组织": ""}, "党组织"),
])
def test_api_answers_400_naming_the_field(shipped_client, shipped_library, given, field):
    values = {**example_values(shipped_library, "动员会"), **given}
    response = shipped_client.post("/api/speech", json={"meeting": "动员会", "variables": values})
    assert response.status_code == 400, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["field"] == field and error["code"] and field in error["message"]


def test_every_client_is_offered_the_new_variables_with_help(shipped_client, shipped_library):
    """The pane builds its form from /api/variables, the VBA macro from variables.tsv, the CLI prints the schema."""
    schema = {v["key"]: v for v in shipped_client.get("/api/variables?meeting=动员会").get_json()["variables"]}
    for key in NEW_VARIABLES:
        assert schema[key]["help"], key
    assert schema["发言人身份"]["choices"] == ["主要负责人", "班子成员（受委托）"]
    assert schema["巡察方式"]["choices"] == ["常规", "专项", "机动", "提级", "交叉"]
    assert "党组织类别" not in schema and "本职工作" not in schema
    tsv = shipped_client.get("/api/bridge/variables.tsv?meeting=动员会").get_data(as_text=True)
    rows = {line.split("\t")[0]: line.split("\t") for line in tsv.splitlines()}
    for key in NEW_VARIABLES:
        assert schema[key]["help"] in rows[key], key
    assert "主要负责人、班子成员（受委托）" in rows["发言人身份"]
    from server.cli import main
    import contextlib
    import io
    import json
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["variables", "--meeting", "动员会", "--library", shipped_library.source]) == 0
    cli = {v["key"]: v for v in json.loads(out.getvalue())}
    assert all(cli[key]["help"] == schema[key]["help"] for key in NEW_VARIABLES)
