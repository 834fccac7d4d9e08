"""The library we ship: complete, clean, right for every unit type and both inspection kinds, and
turned into documents that an independent reader (LibreOffice) opens with the Chinese text intact."""
from __future__ import annotations

import itertools
import re
import subprocess
import sys

import pytest

from conftest import ROOT, SHIPPED_LIBRARY, load_shipped_library
from helpers import convert_to_pdf_text
from server.compose import compose_speech, count_characters, render_section_text
from server.dump import dump_workbook
from server.selection import extreme_pick
from server.lint import lint_text
from server.variables import example_values, resolve_variables
from test_speech_fit import UNITS

MEETINGS = tuple(load_shipped_library().meetings)  # every meeting type the library has
OCCASIONS = ("动员会", "回头看动员会", "反馈会", "回头看反馈会", "整改推进会", "整改动员部署会", "整改专题民主生活会",
             "巡村动员会", "巡村反馈会", "整改进展通报会")  # what offices need (issue 14)
UNIT_TYPES = tuple(UNITS)  # every shipped unit type
HEAD = "主要负责人"
MAX_PART_CHARS = 800  # one paragraph: about three and a half minutes spoken
PLACEHOLDERS = re.compile(r"\{\{|\}\}|\{%|%\}|XX|xx|\*\*|×|某某")


def unit_values(library, meeting, unit, kind):
    values = example_values(library, meeting)
    group = "省委第二巡视组" if kind == "巡视" else "市委第四巡察组"
    values.update(单位类型=unit, 巡察类型=kind, 巡察组=group, 单位名称=UNITS[unit][0], 业务领域=UNITS[unit][1],
                  发言人=UNITS[unit][2], 上级党委="省委" if kind == "巡视" else "市委")
    if "上轮巡察" in values:
        values["上轮巡察"] = "2023年省委第三轮巡视" if kind == "巡视" else "2023年市委第二轮巡察"
    return values


def test_loads_without_errors_or_warnings(shipped_library):
    assert [str(p) for p in shipped_library.problems] == []
    assert set(OCCASIONS) <= set(shipped_library.meetings)
    instructions = shipped_library.instructions
    assert len(set(instructions)) == len(instructions), "「说明」工作表有重复的行"


@pytest.mark.parametrize("meeting", MEETINGS)
def test_every_part_has_six_variants_for_every_unit_type(shipped_library, meeting):
    """Six variants of every opening, point and closing for the usual case (the head speaks, the
    meeting's first mode), at least one for every other speaker and mode; the salutation may have fewer."""
    slots = shipped_library.meetings[meeting].slots
    modes = [m for m in shipped_library.modes if shipped_library.meetings[meeting].allows(m)]
    combinations = 1
    for slot in slots:
        for unit in [u for u in UNIT_TYPES if shipped_library.meetings[meeting].held_by(u)]:
            usual = shipped_library.sections_for(meeting, slot, unit, HEAD, modes[0])
            assert len(usual) >= (1 if slot == "称呼" else 6), (meeting, slot, unit)
            for role, mode in itertools.product(shipped_library.speaker_roles, modes):
                assert shipped_library.sections_for(meeting, slot, unit, role, mode), (meeting, slot, unit, role, mode)
        combinations *= len(shipped_library.sections_for(meeting, slot))
    assert combinations >= 81


def test_rules_cover_the_outdated_phrases_of_the_genre(shipped_library):
    for phrase in ("党的十九大以来", "十九届历次全会精神", "党史学习教育", "疫情防控", "十三五收官", "谋划十四五"):
        assert lint_text(f"我们要{phrase}的要求。", shipped_library.rules), phrase


def test_sections_name_no_superior_committee_literally(shipped_library):
    for section in shipped_library.sections.values():
        literal = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", section.heading + section.body)
        assert not re.search(r"[市省县区]委(?!员)", literal), (section.id, "use {{ 上级党委 }} or {{ 党组织 }}")


@pytest.mark.parametrize("meeting", MEETINGS)
@pytest.mark.parametrize("kind", ["巡察", "巡视"])
def test_every_section_reads_right_for_every_unit_and_kind(shipped_library, meeting, kind):
    """No part is longer than a listener can follow (MAX_PART_CHARS, every optional sentence said;
    whole speeches meet the length asked for: test_variety); no placeholder or foreign word anywhere."""
    library = shipped_library
    for unit in [u for u in UNIT_TYPES if library.meetings[meeting].held_by(u)]:
        values = unit_values(library, meeting, unit, kind)
        variables = resolve_variables(library, meeting, values)
        for slot in library.meetings[meeting].slots:
            for section in library.sections_for(meeting, slot, unit, HEAD, variables.inspection_mode):
                heading, paragraphs = render_section_text(section, variables)
                text = heading + "".join(paragraphs)
                assert not PLACEHOLDERS.search(text), (section.id, text)
                heading, paragraphs = render_section_text(section, variables, extreme_pick(slot, section, True))
                assert count_characters(heading + "".join(paragraphs)) <= MAX_PART_CHARS, section.id
        for seed in range(6):
            speech = compose_speech(library, meeting, values, seed=seed)
            assert [str(w) for w in speech.warnings] == [], (meeting, unit, kind, seed)
            assert library.unit_types[unit]["自称"] in speech.text


def test_dump_is_in_sync_with_the_workbook():
    committed = (ROOT / "section_library.dump.txt").read_text(encoding="utf-8")
    assert committed == dump_workbook(SHIPPED_LIBRARY.read_bytes()), (
        "section_library.dump.txt 与 section_library.xlsx 不一致：请运行 biaotai library dump -o section_library.dump.txt")


CASES = [("局", "巡察"), ("委", "巡视"), ("县", "巡视")]


@pytest.mark.slow
def test_generated_documents_open_in_libreoffice(tmp_path, shipped_library):
    files, expected = [], {}
    styles = itertools.cycle(["一是", "一、", "第一"])
    for meeting, (unit, kind) in itertools.product(MEETINGS, CASES):
        held_by = shipped_library.meetings[meeting].unit_types
        if held_by and unit not in held_by:  # 巡村动员会: a village instead, inspected by a 巡察组
            unit, kind = held_by[0], "巡察"
        out = tmp_path / f"{meeting}-{unit}-{kind}.docx"
        if out in expected:
            continue
        values = unit_values(shipped_library, meeting, unit, kind)
        style = next(styles)
        args = ["generate", "--meeting", meeting, "--style", style, "--seed", "3", "-o", str(out)]
        for key, value in values.items():
            args += ["--set", f"{key}={value}"]
        result = subprocess.run([sys.executable, "-m", "server.cli", *args], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        speech = compose_speech(shipped_library, meeting, values, style=style, seed=3)
        files.append(out)
        expected[out] = (speech, unit, kind, style)
    texts = convert_to_pdf_text(files, tmp_path)
    for out, (speech, unit, kind, style) in expected.items():
        flat = re.sub(r"—\d+—", "", re.sub(r"\s", "", texts[out]))  # the page number (—1—) may fall mid-paragraph
        assert re.sub(r"\s", "", speech.title) in flat
        # the PDF's text may lose a comma or stop the line end squeezed into the margin: compare the words
        words_only = re.sub(r"[，、；：。！？]", "", flat)
        for part in speech.parts:
            start = re.sub(r"[\s，、；：。！？]", "", part.paragraphs[-1])[:40]
            assert start in words_only, (out.name, part.section_id)
        assert not PLACEHOLDERS.search(flat)
        own = shipped_library.unit_types[unit]
        assert own["自称"] in flat
        for other, words in shipped_library.unit_types.items():
            if other != unit:
                assert words["自称"] not in flat and words["全体"] not in flat
        if kind == "巡视":
            assert "巡察" not in flat
        marks = {"一是": "二是", "一、": "二、", "第一": "第二，"}
        assert marks[style] in flat and [m for s, m in marks.items() if s != style and m in flat] == []


def test_dropdowns_accept_what_the_instructions_allow():
    """The 段落 sheet's 会议类型 may be 通用 or several types: its dropdown warns and says so, never
    blocks; closed lists (部分, 启用) still refuse other values."""
    from openpyxl import load_workbook
    from conftest import SHIPPED_LIBRARY
    sheet = load_workbook(SHIPPED_LIBRARY)["段落"]
    header = {c.column_letter: c.value for c in sheet[1]}
    by_column = {header[str(v.sqref).split(":")[0].rstrip("0123456789")]: v for v in sheet.data_validations.dataValidation}
    meetings = by_column["会议类型"]
    assert meetings.errorStyle == "information" and "通用" in meetings.error and "、" in meetings.error
    assert by_column["部分"].errorStyle == "stop" and by_column["启用"].errorStyle == "stop"
