"""The importer: old speeches -> draft rows appended to a workbook, safely.

The corpus is the project's own (tests/data/corpus/, written for these tests in the genre's voice,
see its README.md) plus, where the team's ../shared/corpus exists (CI), the third-party examples
there: every corpus test runs over all files present, so nothing is skipped and nothing is empty.
"""
from __future__ import annotations

import io
import json
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook

from server import importer, workbook_write
from server.compose import render_part
from server.importer import (ImportFailed, decode_text, extract_text, import_documents, import_files,
                             parse_document, split_speeches)
from server.library import load_library
from server.templating import inspect_template
from workbook_factory import make_workbook

HERE = Path(__file__).resolve().parent
OWN_CORPUS = HERE / "data" / "corpus"
SHARED_CORPUS = HERE.parent.parent / "shared" / "corpus"  # third-party examples, beside the repo in CI only
POINT_SLOTS = "称呼、开场、要点1、要点2、要点3、要点4、结尾"
FEEDBACK_SLOTS = "称呼、开场、要点1、要点2、要点3、结尾"
ALL = None  # a check on the whole speech rather than on one part

# What a paid-material site wraps around speeches; none of it may reach a row.
NOISE = ("仅供学习", "禁止外传", "QQ", "3345678901", "1234567890", "206157060", "##", "paidbegin", "paidend", "(4篇)",
         "4篇", "会员", "严禁转载", "范文", "酷乐文行", "订阅", "倒卖", "自建平台", "目录")
SEPARATOR_LINE = re.compile(r"^[（(][一二三四五六七八九十]+[)）]$")
ORDINAL = re.compile(r"^(?:[一二三四五六七八九十]+[是、]|第[一二三四五六七八九十]+[，,、])")
PLACEHOLDER = re.compile(r"[XxＸｘ×＊*]+")  # what a placeholder left in the text looks like
LEFTOVERS = re.compile(r"XX|xx|××|\*\*|\{\{|\}\}|\{%|%\}|[XＸ×＊*]")


@dataclass(frozen=True)
class Case:
    """One corpus file and what a user must get from it. Speeches and parts are counted from 1;
    a slot of ALL means anywhere in that speech."""

    path: Path
    speeches: tuple[tuple[str, str, str], ...]  # (meeting, numbering style, slots of every part)
    exact: tuple[tuple[int, str, str], ...] = ()  # (speech, slot, the whole body)
    headings: tuple[tuple[int, str, str], ...] = ()  # (speech, slot, the whole heading template)
    contains: tuple[tuple[int, str | None, str], ...] = ()  # (speech, slot, text in heading or body)
    notes: tuple[tuple[int, str, str], ...] = ()  # (speech, slot, text in one of the part's notes)
    absent: tuple[str, ...] = ()  # literal specifics and placeholders that must be gone everywhere
    dropped: tuple[str, ...] = ()  # noise lines among those reported as removed
    unmapped: int = 0  # placeholders the importer cannot place: kept and noted for the editor
    mapped: int | None = None  # placeholders (XX, ×, **…) turned into {{ 变量 }}, as the summary counts them

    @property
    def id(self) -> str:
        return ("own/" if self.path.parent == OWN_CORPUS else "shared/") + self.path.name


MOBILISATION_4 = "称呼 开场 要点1 要点2 要点3 要点4 结尾"

OWN = [
    Case(
        OWN_CORPUS / "collection_utf8.txt",
        speeches=(("动员会", "一是", MOBILISATION_4),
                  ("动员会", "一、", "称呼 开场 要点1 要点2 要点4 结尾"),  # no point on supervision: slot 3 left free
                  ("反馈会", "第一", "称呼 开场 要点1 要点2 要点3 结尾"),
                  ("动员会", "一是", "开场 要点1 要点2 要点4")),  # cut off by the site: no closing
        exact=((1, "称呼", "尊敬的{{ 组长 }}组长，各位领导，同志们："), (2, "称呼", "各位领导，同志们："),
               (3, "称呼", "各位领导，同志们："), (4, "开场", "根据会议安排，我代表{{ 党组织 }}作表态发言。")),
        headings=((1, "要点1", "把思想统一到{{ 上级党委 }}{{ 巡察类型 }}部署上来"),
                  (1, "要点4", "坚持边巡边改，推动工作提质增效"),  # "##paidbegin##四是…" still a point
                  (2, "要点1", "提高政治站位，深刻认识{{ 巡察类型 }}的重要意义"),
                  (2, "要点4", "坚持立行立改，把{{ 巡察类型 }}成果转化为发展动力"),
                  (3, "要点1", "提高思想认识，以诚恳的态度认领问题"),
                  (3, "要点3", "注重标本兼治，以长效机制巩固整改成果"),
                  (4, "要点2", "严明工作纪律，全力配合{{ 巡察类型 }}组开展各项工作")),
        contains=((1, "开场", "{{ 巡察组 }}从今天起进驻{{ 自称 }}，进行为期{{ 巡察时长 }}的{{ 巡察方式 }}{{ 巡察类型 }}。"),
                  (1, "开场", "刚才，{{ 组长 }}组长作了动员讲话"),
                  (1, "开场", "下面，我代表{{ 党组织 }}作表态发言。"),
                  (1, "要点1", "{{ 全体 }}要从讲政治的高度"),
                  (1, "要点2", "明确由{{ 联络负责人 }}同志牵头"),
                  (1, "要点3", "{{ 干部职工 }}要本着对组织负责的态度"),
                  (1, "要点3", "{{ 领导班子 }}成员要带头接受谈话"),
                  (1, "结尾", "谢谢大家！"),
                  (2, "开场", "今天，{{ 巡察组 }}正式进驻{{ 自称 }}开展{{ 巡察类型 }}，{{ 全体 }}表示热烈欢迎。"),
                  (2, "开场", "组长{{ 组长 }}同志作了动员讲话"),
                  (2, "开场", "下面，我代表{{ 党组织 }}讲几点。"),  # "讲三点" would be wrong once a point is dropped
                  (2, "要点1", "引导{{ 干部职工 }}正确看待"),
                  (2, "结尾", "推动{{ 自称 }}各项工作迈上新台阶"),
                  (3, "开场", "刚才，{{ 巡察组 }}反馈了对{{ 自称 }}{{ 巡察类型 }}的情况"),
                  (3, "开场", "对此，{{ 党组织 }}完全赞同"),
                  (4, "要点4", "{{ 全体 }}要对照")),
        notes=((4, "要点4", "第4段没有结束标点，原文可能在此截断，请核对"),),
        absent=("我局", "我委", "全局上下", "全委上下", "全院上下", "局党组", "委党组", "院党委", "局领导班子", "全局干部职工",
                "全委干部职工", "第四巡察组", "第二巡察组", "第三巡察组", "XX", "×", "讲三点", "为期X"),
        dropped=("仅供学习 禁止外传", "本站资料均由会员整理上传，严禁转载", "交流请加 QQ：3345678901", "目录",
                 "在市委巡察组巡察情况反馈会上的表态发言", "##paidbegin##", "##paidend##"),
        unmapped=0,  # "xx市委第四巡察组", "根据xx市委": the placeholder belongs to the value
        mapped=7,
    ),
    Case(
        OWN_CORPUS / "revisit_utf8_bom.txt",
        speeches=(("回头看动员会", "一、", MOBILISATION_4),),
        exact=((1, "称呼", "{{ 巡察组 }}，同志们："),),
        headings=((1, "要点1", "端正态度，以正确认识对待{{ 巡察类型 }}“回头看”"),
                  (1, "要点4", "以改促建，推动{{ 业务领域 }}工作高质量发展")),
        contains=((1, "开场", "这次{{ 巡察组 }}对{{ 自称 }}开展{{ 巡察类型 }}“回头看”"),
                  (1, "开场", "{{ 组长 }}组长的动员讲话，我们完全赞同。"),
                  (1, "开场", "下面，我代表{{ 党组织 }}表态如下。"),  # "市住建局党组": the unit's own name
                  (1, "要点1", "{{ 党组织 }}将把这次“回头看”作为巩固整改成果的重要契机"),
                  (1, "要点1", "引导{{ 干部职工 }}进一步提高思想认识"),
                  (1, "要点2", "{{ 自称 }}已安排专门联络组，由{{ 联络负责人 }}同志具体负责"),
                  (1, "要点3", "{{ 领导班子 }}成员要带头对照检查"),
                  (1, "结尾", "以实实在在的整改成效向{{ 上级党委 }}汇报")),
        absent=("市住建局", "我局", "局党组", "全局干部职工", "第×", "×组长", "xx", "住建工作"),
        dropped=("仅供学习 禁止外传", "精品范文库 会员专享", "更多范文请加QQ：1234567890", "精品范文库整理，咨询QQ1234567890"),
        mapped=4,
    ),
    Case(
        OWN_CORPUS / "feedback_gb18030.txt",
        speeches=(("反馈会", "一、", "开场 要点1 要点2 要点3 结尾"),),
        headings=((1, "要点1", "统一思想，正视问题"), (1, "要点2", "压实责任，限期整改"), (1, "要点3", "举一反三，建章立制")),
        contains=((1, "开场", "反馈了对{{ 党组织 }}的{{ 巡察类型 }}意见。"),
                  (1, "开场", "{{ 党组织 }}照单全收、全部认领"),
                  (1, "要点1", "{{ 党组织 }}将专题研究反馈意见"),
                  (1, "结尾", "最后，我们将以这次{{ 巡察类型 }}反馈为新的起点")),
        absent=("县审计局", "局党组", "第一巡察组", "**"),
        unmapped=0,  # "**县委第一巡察组": the county's name is part of the group's
        mapped=1,
    ),
]

SHARED = [
    Case(
        SHARED_CORPUS / "000_85026150c14dbf5e.txt",
        speeches=(("动员会", "一是", "开场 要点1 要点2 要点3 要点4 结尾"),),  # no salutation
        headings=((1, "要点1", "切实提高思想认识，坚决贯彻{{ 上级党委 }}{{ 巡察类型 }}工作部署"),),
        contains=((1, "开场", "根据{{ 上级党委 }}的统一安排部署，{{ 巡察组 }}正式入驻{{ 自称 }}，开展为期{{ 巡察时长 }}的"),
                  (1, "开场", "{{ 巡察组 }}组长{{ 组长 }}同志"),
                  (1, "开场", "我代表{{ 党组织 }}作个表态发言"),
                  (1, "要点2", "明确由{{ 联络负责人 }}同志牵头"),
                  (1, "要点2", "{{ 全体 }}"), (1, "要点2", "{{ 干部职工 }}"),
                  (1, "要点1", "顾大局"), (1, "要点3", "对全局事业负责"),  # not the bureau: left alone
                  (1, "要点1", "巡察工作是巡视工作在市县一级的延伸")),  # contrasting clause kept, and noted
        notes=((1, "要点2", "万德标"), (1, "要点1", "同时出现")),  # a second name left for the editor
    ),
    Case(
        SHARED_CORPUS / "001_f7cec1fcce82cbea.txt",
        speeches=(("动员会", "一是", "称呼 开场 要点1 要点2 要点4 结尾"),
                  ("动员会", "一、", MOBILISATION_4),
                  ("动员会", "一、", MOBILISATION_4),
                  ("动员会", "一、", "开场 要点1 要点3 要点4")),
        exact=((1, "称呼", "各位领导，同志们："), (2, "称呼", "尊敬的{{ 巡察类型 }}组{{ 组长 }}组长、各位领导、同志们：")),
        notes=((4, "要点4", "截断"),),
        dropped=("(4篇)", "##paidbegin##", "##paidend##"),
    ),
    Case(
        SHARED_CORPUS / "002_df4facf7e88d123c.txt",
        speeches=(("回头看动员会", "一、", MOBILISATION_4),),
        exact=((1, "称呼", "{{ 巡察组 }}："),),
        contains=((1, "要点2", "由{{ 联络负责人 }}同志任组长"),
                  (1, "要点2", "{{ 上级党委 }}本轮{{ 巡察类型 }}工作动员部署会")),
        absent=("市发改委", "我委", "全委上下", "委党组", "第×", "×组长"),
        dropped=("仅供学习 禁止外传", "酷乐文行"),
    ),
]

# Own corpus always; the shared files that exist beside the repo as well.
CASES = OWN + [case for case in SHARED if case.path.exists()]
OWN_CASE = {case.path.name: case for case in OWN}
corpus_cases = pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)

UNIT_A = {  # a 局 under 巡察
    "单位名称": "市工业和信息化局", "单位类型": "局", "上级党委": "市委", "巡察组": "市委第四巡察组", "巡察类型": "巡察",
    "巡察方式": "常规", "巡察时长": "两个月", "组长": "王明", "发言人": "党组书记、局长", "联络负责人": "副局长李华",
    "业务领域": "工业和信息化", "重点工作": "制造业高质量发展", "巡察期间": "今年3月至5月",
}
UNIT_B = {  # a 委 under 巡视
    "单位名称": "省发展和改革委员会", "单位类型": "委", "上级党委": "省委", "巡察组": "省委第二巡视组", "巡察类型": "巡视",
    "巡察方式": "专项", "巡察时长": "一个半月", "组长": "赵强", "发言人": "党组书记、主任", "联络负责人": "副主任孙丽",
    "业务领域": "发展改革", "重点工作": "重大项目建设", "巡察期间": "去年10月至12月",
}
OTHER_UNIT_WORDS = {"局": ("我委", "全委", "委党组", "委领导班子", "我院", "全院", "院党委"),
                    "委": ("我局", "全局上下", "局党组", "局领导班子", "全局干部职工", "我院", "院党委")}


def _full_library(content: dict) -> None:
    """The factory's library with the three meeting types of the genre and every variable the importer uses."""
    meetings = content["会议类型"]
    meetings[0][2] = POINT_SLOTS
    meetings[1][2] = FEEDBACK_SLOTS  # a feedback speech has three points
    meetings.append(["回头看动员会", "巡察回头看动员会", POINT_SLOTS, "一、",
                     "在{{ 巡察组 }}{{ 巡察类型 }}“回头看”{{ 单位名称 }}工作动员会上的表态发言", ""])
    for row in content["段落"]:
        if row[1] == "动员会":
            row[1] = "动员会、回头看动员会"
    content["段落"] += [
        ["动员-要点3-1", "动员会、回头看动员会", "要点3", "自觉接受监督", "{{ 领导班子 }}带头接受监督。", "", "", "是", "", ""],
        ["动员-要点4-1", "动员会、回头看动员会", "要点4", "抓好整改落实", "{{ 自称 }}立行立改。", "", "", "是", "", ""],
        ["反馈-要点3-1", "反馈会", "要点3", "运用成果，建章立制", "{{ 党组织 }}建立长效机制。", "", "", "是", "", ""],
    ]
    for row in content["变量"]:
        if row[0] == "巡察时长":
            row[5] = "动员会、回头看动员会"
    content["变量"] += [
        ["巡察方式", "巡察方式", "常规、专项或机动", "常规", "否", "", "常规、专项、机动", "填写"],
        ["联络负责人", "联络组负责人", "如 副局长张三", "副局长张三", "否", "", "", "填写"],
        ["业务领域", "业务领域", "如 工业和信息化", "工业和信息化", "否", "", "", "填写"],
        ["重点工作", "重点工作", "今年的重点工作", "制造业高质量发展", "否", "", "", "填写"],
    ]


@pytest.fixture
def full_library_path(tmp_path: Path) -> Path:
    return make_workbook(tmp_path / "section_library.xlsx", _full_library)


def own_file(name: str) -> Path:
    return OWN_CASE[name].path


def parse_case(case: Case):
    return parse_document(case.path.read_bytes(), case.path.name)


def find_part(speeches, number: int, slot: str):
    speech = speeches[number - 1]
    matches = [p for p in speech.parts if p.slot == slot]
    assert len(matches) == 1, f"第{number}篇没有唯一的「{slot}」：{[p.slot for p in speech.parts]}"
    return matches[0]


def _points(speech) -> list[str]:
    return [p.slot for p in speech.points]


def part_text(part) -> str:
    return part.heading_template + "\n" + part.body


def docx_bytes(lines: list[str]) -> bytes:
    from docx import Document
    document = Document()
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def corpus_docx(tmp_path: Path):
    """A Word document made from a corpus text file (one paragraph per line), saved beside the test."""
    def make(case: Case) -> Path:
        text = decode_text(case.path.read_bytes(), case.path.name)
        path = tmp_path / (case.path.stem + ".docx")
        path.write_bytes(docx_bytes(text.split("\n")))
        return path
    return make


def _shape(speeches) -> list[tuple]:
    """What an editor sees of the parse: meeting, style, and every part's slot, heading and body."""
    return [(s.meeting, s.style, [(p.slot, p.heading_template, p.body) for p in s.parts]) for s in speeches]


# ---------------------------------------------------------------------------------------------
# The corpus (own, and the shared examples where they exist)


def test_own_corpus_is_there():
    """The corpus travels with the repo: a fresh clone tests the importer on real-looking input."""
    assert [case.path.exists() for case in OWN] == [True] * len(OWN)
    assert len(CASES) >= len(OWN)


@corpus_cases
def test_corpus_speeches_meetings_styles_and_slots(case):
    speeches = parse_case(case)
    assert [(s.meeting, s.style, " ".join(p.slot for p in s.parts)) for s in speeches] == list(case.speeches)
    assert [s.index for s in speeches] == list(range(1, len(speeches) + 1))


@corpus_cases
def test_corpus_numbering_is_stripped(case):
    for speech in parse_case(case):
        for part in speech.points:
            assert part.heading and not ORDINAL.match(part.heading), part.heading
            assert not ORDINAL.match(part.heading_template) and not ORDINAL.match(part.body), part.body[:30]
        for part in speech.parts:
            assert part.body.strip(), (speech.index, part.slot)


@corpus_cases
def test_corpus_parts_read_as_expected(case):
    speeches = parse_case(case)
    for number, slot, body in case.exact:
        assert find_part(speeches, number, slot).body == body
    for number, slot, heading in case.headings:
        assert find_part(speeches, number, slot).heading_template == heading
    for number, slot, text in case.contains:
        where = (speeches[number - 1].parts if slot is ALL else [find_part(speeches, number, slot)])
        assert any(text in part_text(p) for p in where), (number, slot, text)
    for number, slot, text in case.notes:
        assert any(text in note for note in find_part(speeches, number, slot).notes), (number, slot, text)
    everything = "\n".join(part_text(p) for s in speeches for p in s.parts)
    for literal in case.absent:
        assert literal not in everything, literal


@corpus_cases
def test_corpus_noise_is_dropped(case):
    speeches = parse_case(case)
    for speech in speeches:
        for part in speech.parts:
            for word in NOISE:
                assert word not in part.body and word not in part.heading_template, (speech.index, part.slot, word)
            assert not any(SEPARATOR_LINE.match(line) for line in part.body.split("\n")), part.body[:30]
    dropped = importer.dropped_noise(case.path.read_bytes(), case.path.name)
    for line in case.dropped:
        assert line in dropped, line


@corpus_cases
def test_corpus_placeholders_become_variables_or_are_noted(case):
    speeches = parse_case(case)
    parts = [p for s in speeches for p in s.parts]
    assert sum(p.placeholders_mapped + p.specifics_mapped for p in parts) > 0
    assert sum(p.placeholders_unmapped for p in parts) == case.unmapped
    if case.mapped is not None:
        assert sum(p.placeholders_mapped for p in parts) == case.mapped
    for part in parts:
        for template in (part.body, part.heading_template):
            assert inspect_template(template).syntax_error is None
        # Whatever placeholder is left in a part is named in that part's notes: the editor sees it.
        for run in set(PLACEHOLDER.findall(part_text(part))):
            assert any(f"“{run}”" in note for note in part.notes), (part.slot, run, part.notes)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
@corpus_cases
def test_corpus_in_any_encoding_gives_the_same_speeches(case, encoding):
    text = decode_text(case.path.read_bytes(), case.path.name)
    assert "巡察" in text or "巡视" in text  # decoded, not mojibake
    reencoded = text.encode(encoding)
    assert _shape(parse_document(reencoded, "x.txt")) == _shape(parse_case(case))


def test_own_files_are_in_the_encodings_they_claim():
    """So the corpus really exercises detection: UTF-8 without and with BOM, and GB18030."""
    plain = own_file("collection_utf8.txt").read_bytes()
    bom = own_file("revisit_utf8_bom.txt").read_bytes()
    gb = own_file("feedback_gb18030.txt").read_bytes()
    assert not plain.startswith(b"\xef\xbb\xbf") and plain.decode("utf-8")
    assert bom.startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        gb.decode("utf-8")
    assert decode_text(gb, "feedback_gb18030.txt") == gb.decode("gb18030")
    assert decode_text(gb, "feedback_gb18030.txt").startswith("在县委巡察组巡察情况反馈会上的表态发言")
    assert decode_text(bom, "revisit_utf8_bom.txt").startswith("仅供学习")  # the BOM is not part of the text


@corpus_cases
def test_corpus_as_docx_gives_the_same_speeches(case, corpus_docx):
    path = corpus_docx(case)
    assert path.read_bytes()[:2] == b"PK"
    assert _shape(parse_document(path.read_bytes(), path.name)) == _shape(parse_case(case))


def test_docx_file_imports_like_the_txt(full_library_path, corpus_docx):
    case = OWN_CASE["revisit_utf8_bom.txt"]
    from_docx = import_files([corpus_docx(case)], full_library_path, dry_run=True)
    from_txt = import_files([case.path], full_library_path, dry_run=True)
    assert [(r.meeting, r.slot, r.heading, r.body) for r in from_docx.rows] == \
        [(r.meeting, r.slot, r.heading, r.body) for r in from_txt.rows]
    assert len(from_docx.rows) == 7
    assert all(r.source.startswith("revisit_utf8_bom.docx，第1篇，") for r in from_docx.rows)
    assert from_docx.files[0].noise_dropped == from_txt.files[0].noise_dropped > 0


def test_collection_title_count_and_contents_are_not_speeches():
    case = OWN_CASE["collection_utf8.txt"]
    speeches = parse_case(case)
    assert [s.title for s in speeches] == [
        "在市委第四巡察组巡察XX局工作动员会上的表态发言", "在市委巡察组进驻市发展和改革委员会动员会上的表态发言",
        "在市委巡察组巡察情况反馈会上的表态发言", "在巡察工作动员会上的表态发言"]
    # the table of contents lists the same four titles: each dropped once, none made a speech of its own
    dropped = importer.dropped_noise(case.path.read_bytes(), case.path.name)
    assert [line for line in dropped if line.endswith("表态发言")] == [s.title for s in speeches]
    # the speech the site cut off is flagged; the others end where they should
    assert any("截断" in n for n in speeches[3].parts[-1].notes) and "未找到结尾" in speeches[3].notes
    assert not any("截断" in n for s in speeches[:3] for p in s.parts for n in p.notes)


def test_import_corpus_into_workbook_and_render_for_two_units(full_library_path, tmp_path):
    paths = [case.path for case in CASES]
    out = tmp_path / "out.xlsx"
    summary = import_files(paths, full_library_path, out_path=out)
    assert summary.speeches == sum(len(case.speeches) for case in CASES)
    assert [f.speeches for f in summary.files] == [len(case.speeches) for case in CASES]
    assert [f.meetings for f in summary.files[:3]] == [["动员会", "反馈会"], ["回头看动员会"], ["反馈会"]]
    assert summary.placeholders_unmapped == sum(case.unmapped for case in CASES)
    assert [f.placeholders_mapped for f in summary.files[:3]] == [7, 4, 1]
    assert [f.placeholders_unmapped for f in summary.files] == [case.unmapped for case in CASES]
    # "各位领导，同志们：" is already in the library: reported, not added.
    assert any(d.existing == "称呼-1" for d in summary.duplicates)
    assert len(summary.rows) + len(summary.duplicates) == summary.sections

    notes = " ".join(r.note for r in summary.rows)
    assert "过时提法「党的十九大以来」" in notes and "过时提法「疫情防控」" in notes  # from the 提法 sheet
    library = load_library(out)  # the imported rows are valid library rows (templates, slots, meetings)
    imported = [s for s in library.sections.values() if s.source]
    assert len(imported) == len(summary.rows) and all(not s.enabled for s in imported)
    assert {s.meetings[0] for s in imported} == {"动员会", "回头看动员会", "反馈会"}
    notes_by_id = {r.id: r.note for r in summary.rows}
    for section in imported:
        assert re.search(r"\.txt，第\d篇，第\d+(–\d+)?段$", section.source)
        for word in NOISE:
            assert word not in section.body
        renders = {}
        for values in (UNIT_A, UNIT_B):
            part, _ = render_part(library, section.id, values)
            renders[values["单位类型"]] = part.text
            for leftover in LEFTOVERS.findall(part.text):  # only a placeholder the 备注 points out
                assert f"“{leftover}" in notes_by_id[section.id], (section.id, leftover, part.text)
            assert "{{" not in part.text and "}}" not in part.text
            for word in OTHER_UNIT_WORDS[values["单位类型"]]:
                assert word not in part.text, (section.id, word)
        assert renders["局"] != renders["委"] or "{{" not in section.body + section.heading


def test_rendering_with_jinja_directly(full_library_path):
    """The same promise checked with a bare sandboxed Jinja environment (no project code)."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    derived = {
        "局": {"自称": "我局", "全体": "全局上下", "单位简称": "局", "党组织": "局党组", "领导班子": "局领导班子", "干部职工": "全局干部职工"},
        "委": {"自称": "我委", "全体": "全委上下", "单位简称": "委", "党组织": "委党组", "领导班子": "委领导班子", "干部职工": "全委干部职工"},
    }
    env = SandboxedEnvironment(undefined=StrictUndefined)
    documents = [(case.path.name, case.path.read_bytes()) for case in OWN if case.unmapped == 0]
    summary = import_documents(documents, full_library_path, dry_run=True)
    assert summary.rows and summary.placeholders_unmapped == 0
    for row in summary.rows:
        for values in (UNIT_A, UNIT_B):
            full = {**values, **derived[values["单位类型"]]}
            text = env.from_string(row.heading + "\n" + row.body).render(**full)
            assert not LEFTOVERS.search(text), (row.id, text)
            for word in OTHER_UNIT_WORDS[values["单位类型"]]:
                assert word not in text


def test_placeholders_beside_a_recognised_value_are_part_of_it(full_library_path):
    """"xx市委第四巡察组", "根据xx市委", "**县委第一巡察组": the placeholder is the place name in the
    value the variable stands for, so it goes with it instead of being left for the editor."""
    documents = [(name, own_file(name).read_bytes()) for name in ("collection_utf8.txt", "feedback_gb18030.txt")]
    summary = import_documents(documents, full_library_path, dry_run=True)
    openings = {r.source.split("，")[0]: r for r in summary.rows if r.slot == "开场" and "第1篇" in r.source}
    collection, feedback = openings["collection_utf8.txt"], openings["feedback_gb18030.txt"]
    assert collection.body.startswith("根据{{ 上级党委 }}统一部署，{{ 巡察组 }}从今天起进驻{{ 自称 }}")
    assert feedback.body.startswith("刚才，{{ 巡察组 }}反馈了")
    assert "未能识别的占位符" not in collection.note + feedback.note
    assert summary.placeholders_unmapped == 0
    assert "未能识别 0 处" in summary.to_text()


def test_unit_placeholders_with_their_kind():
    text = "\n".join([
        "各位领导，同志们：",
        "xx区住建局党组高度重视这次巡察，**县各部门要全力配合，明确由XX同志牵头。",
        "一是提高认识。二是全力配合。",
        "谢谢大家！"])
    speech = importer.parse_speech(split_speeches(text)[0])
    opening = next(p for p in speech.parts if p.slot == "开场")
    assert opening.body.startswith("{{ 党组织 }}高度重视这次{{ 巡察类型 }}，{{ 单位名称 }}各部门要全力配合，"
                                   "明确由{{ 联络负责人 }}同志牵头。")
    assert not [n for n in opening.notes if "占位符" in n or "人名" in n], opening.notes


def test_placeholder_forms_of_the_genre():
    text = "\n".join([
        "尊敬的××组长，同志们：",
        "根据市委统一部署，市委XX巡察组将于*月**日起对xx局开展为期X个月的专项巡察。下面，我代表xx局党组表态。",
        "一是提高认识。第X巡察组来到XX单位，是对我局的一次政治体检。",
        "二是全力配合。请**同志做好联络，由XX同志牵头。",
        "谢谢大家！"])
    speech = importer.parse_speech(split_speeches(text)[0])
    bodies = [p.body for p in speech.parts]
    assert bodies[0] == "尊敬的{{ 组长 }}组长，同志们："
    assert bodies[1] == ("根据{{ 上级党委 }}统一部署，{{ 巡察组 }}将从今天起对{{ 单位名称 }}开展为期{{ 巡察时长 }}的"
                         "{{ 巡察方式 }}{{ 巡察类型 }}。下面，我代表{{ 党组织 }}表态。")
    assert bodies[2] == "{{ 巡察组 }}来到{{ 单位名称 }}，是对{{ 自称 }}的一次政治体检。"
    assert bodies[3] == "请**同志做好联络，由{{ 联络负责人 }}同志牵头。"  # whose name? unknown: kept, noted
    assert speech.parts[3].notes == ["第4段含未能识别的占位符“**”，请人工处理"]
    assert speech.parts[3].placeholders_unmapped == 1 and speech.parts[1].placeholders_mapped == 6


def test_missing_variable_is_noted_not_used(library_path):
    # The factory's library has no {{ 联络负责人 }}: the name stays, and the note says why.
    text = "同志们：\n下面我代表局党组表态。\n一是加强组织。明确由世琪同志牵头负责联络。\n二是抓好整改。立行立改。"
    summary = import_documents([("x.txt", text.encode())], library_path, dry_run=True)
    row = next(r for r in summary.rows if r.slot == "要点1")
    assert "世琪" in row.body and "{{ 联络负责人 }}" not in row.body
    assert "联络负责人" in row.note


# ---------------------------------------------------------------------------------------------
# Text extraction


def test_encodings_are_detected():
    text = "各位领导，同志们：\n一是提高认识。"
    assert decode_text(text.encode("utf-8")) == text
    assert decode_text(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert decode_text(text.encode("gb18030")) == text
    assert decode_text(b"\xff\xfe" + text.encode("utf-16-le")) == text
    with pytest.raises(ImportFailed, match="坏文件.txt"):
        decode_text(b"\x00\x01\x02\x03" * 50, "坏文件.txt")


def test_docx_automatic_numbering_counts_as_points():
    from docx import Document
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = Document()
    document.add_paragraph("同志们：")
    document.add_paragraph("下面，我代表局党组表态如下。")
    for heading in ("提高政治站位", "全力配合工作"):
        paragraph = document.add_paragraph(heading)
        num_pr = OxmlElement("w:numPr")
        for tag, value in (("w:ilvl", "0"), ("w:numId", "7")):
            child = OxmlElement(tag)
            child.set(qn("w:val"), value)
            num_pr.append(child)
        paragraph._p.get_or_add_pPr().append(num_pr)
        document.add_paragraph("正文" + heading + "。")
    buffer = io.BytesIO()
    document.save(buffer)
    (speech,) = parse_document(buffer.getvalue(), "auto.docx")
    assert [p.heading for p in speech.points] == ["提高政治站位", "全力配合工作"]


def test_docx_zip_bomb_and_damage_are_refused(monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (4 * 1024 * 1024))
    with pytest.raises(ImportFailed, match="炸弹.docx.*压缩比异常"):
        extract_text(buffer.getvalue(), "炸弹.docx")
    monkeypatch.setattr(importer.extract, "MAX_DOCX_UNCOMPRESSED", 1024 * 1024)
    monkeypatch.setattr(importer.extract, "MAX_DOCX_RATIO", 10**9)
    with pytest.raises(ImportFailed, match="解压后超过"):
        extract_text(buffer.getvalue(), "炸弹.docx")
    with pytest.raises(ImportFailed, match="坏.docx"):
        extract_text(b"PK\x03\x04 not really", "坏.docx")


def test_unknown_type_and_size_limit(monkeypatch, tmp_path, library_path):
    with pytest.raises(ImportFailed, match="旧.doc.*另存为 .docx"):
        extract_text(b"\xd0\xcf\x11\xe0", "旧.doc")
    with pytest.raises(ImportFailed, match="表格.xlsx.*只支持"):
        extract_text(b"PK", "表格.xlsx")
    monkeypatch.setattr(importer.extract, "MAX_INPUT_BYTES", 100)
    big = tmp_path / "大文件.txt"
    big.write_text("同志们：" * 100, encoding="utf-8")
    with pytest.raises(ImportFailed, match="大文件.txt.*太大"):
        import_files([big], library_path)
    with pytest.raises(ImportFailed, match="找不到"):
        import_files([tmp_path / "没有.txt"], library_path)


def test_split_handles_table_of_contents_and_titles():
    text = "\n".join([
        "仅供学习", "表态发言汇编", "目录", "在甲局巡察动员会上的表态发言", "在乙委巡察反馈会上的表态发言",
        "在甲局巡察动员会上的表态发言", "同志们：", "市委巡察组进驻我局。", "一是提高认识。认真学习。",
        "二是全力配合。做好保障。", "谢谢大家！",
        "在乙委巡察反馈会上的表态发言", "刚才，巡察组反馈了巡察情况，我们照单全收。",
        "一、统一思想认识", "认领问题。", "二、抓好整改落实", "建立清单。", "三、运用巡察成果", "建章立制。",
        "总之，我们将抓好整改。",
    ])
    speeches = split_speeches(text)
    assert [s.title for s in speeches] == ["在甲局巡察动员会上的表态发言", "在乙委巡察反馈会上的表态发言"]
    parsed = [importer.parse_speech(s) for s in speeches]
    assert [p.meeting for p in parsed] == ["动员会", "反馈会"]
    assert _points(parsed[1]) == ["要点1", "要点2", "要点3"]
    assert parsed[1].style == "一、" and parsed[1].parts[-1].slot == "结尾"


def test_sub_items_inside_points_are_not_points():
    text = "\n".join([
        "同志们：", "下面我代表局党组讲三点。", "一、提高政治站位", "一是要认识到巡察的意义。", "二是要统一思想。",
        "三是要增强自觉。", "二、全力配合工作", "一是要加强组织。", "二是要搞好服务。", "三、抓好整改落实",
        "对问题立行立改。", "同志们，让我们共同努力。谢谢大家！"])
    (raw,) = split_speeches(text)
    speech = importer.parse_speech(raw)
    assert speech.style == "一、"
    assert [(p.slot, p.heading) for p in speech.points] == [
        ("要点1", "提高政治站位"), ("要点2", "全力配合工作"), ("要点4", "抓好整改落实")]
    assert speech.points[0].body.count("\n") == 2  # three sub-item paragraphs kept in the body
    assert speech.parts[1].body == "下面我代表{{ 党组织 }}讲几点。"
    assert speech.parts[-1].slot == "结尾"


def test_feedback_speech_in_di_yi_style():
    text = "\n".join([
        "各位领导：", "市委第三巡察组反馈了巡察意见，我们照单全收。",
        "第一，统一思想，提高认识。我们完全赞同，诚恳接受，全部认领。",
        "第二，压实责任，抓好整改。制定整改方案，建立问题清单、任务清单、责任清单，逐项销号。",
        "第三，运用成果，建章立制。举一反三，建立长效机制。", "谢谢大家！"])
    speech = importer.parse_speech(split_speeches(text)[0])
    assert (speech.meeting, speech.style) == ("反馈会", "第一")
    assert [(p.slot, p.heading) for p in speech.points] == [
        ("要点1", "统一思想，提高认识"), ("要点2", "压实责任，抓好整改"), ("要点3", "运用成果，建章立制")]
    assert speech.parts[1].body == "{{ 巡察组 }}反馈了{{ 巡察类型 }}意见，我们照单全收。"


# ---------------------------------------------------------------------------------------------
# The workbook: nothing lost, atomic, backed up


def _snapshot(path: Path, skip_rows_from: dict[str, int] | None = None) -> dict:
    """Every cell's value and style, validations, widths, frozen panes, outside the skipped rows."""
    skip = skip_rows_from or {}
    book = load_workbook(path)
    shot = {"sheets": book.sheetnames}
    for sheet in book.worksheets:
        limit = skip.get(sheet.title, sheet.max_row + 1)
        cells = {}
        for row in sheet.iter_rows(max_row=min(sheet.max_row, limit - 1)):
            for cell in row:
                cells[cell.coordinate] = (cell.value, cell.number_format, *(repr(getattr(cell, a)) for a in
                                          ("font", "fill", "border", "alignment", "protection")))
        validations = []
        for dv in sheet.data_validations.dataValidation:
            covered = sorted((c, r) for rng in dv.sqref.ranges for c, r in _cells(rng) if r < limit)
            validations.append((dv.type, dv.formula1, dv.allow_blank, dv.errorStyle, dv.error, covered))
        shot[sheet.title] = {
            "cells": cells, "validations": validations, "freeze": sheet.freeze_panes,
            "widths": {k: v.width for k, v in sheet.column_dimensions.items()},
            "merged": sorted(str(r) for r in sheet.merged_cells.ranges),
        }
    return shot


def _cells(cell_range):
    for row in range(cell_range.min_row, cell_range.max_row + 1):
        for col in range(cell_range.min_col, cell_range.max_col + 1):
            yield col, row


def test_workbook_is_unchanged_outside_the_appended_rows(full_library_path):
    book = load_workbook(full_library_path)
    first_new = workbook_write.last_filled_row(book["段落"]) + 1
    # An editor's own touches that must survive: a merged note cell, a custom width, a fill.
    from openpyxl.styles import PatternFill
    book["说明"].merge_cells("A5:A6")
    book["段落"].column_dimensions["E"].width = 77
    book["段落"]["E3"].fill = PatternFill("solid", fgColor="FFFF00")
    book.save(full_library_path)
    before = _snapshot(full_library_path)
    data = own_file("revisit_utf8_bom.txt").read_bytes()
    summary = import_documents([("000.txt", data)], full_library_path)
    assert summary.rows and summary.backup and Path(summary.backup).exists()
    after = _snapshot(full_library_path, {"段落": first_new})
    before_limited = _snapshot(Path(summary.backup), {"段落": first_new})
    assert after == before_limited
    assert before == _snapshot(Path(summary.backup))
    assert before["段落"]["widths"]["E"] == 77
    # The appended rows: right place, style of the row above, 启用=否, dropdowns still cover them.
    sheet = load_workbook(full_library_path)["段落"]
    headers = {c.value: c.column_letter for c in sheet[1]}
    new_rows = list(range(first_new, first_new + len(summary.rows)))
    assert [sheet[f"{headers['编号']}{r}"].value for r in new_rows] == [r.id for r in summary.rows]
    assert {sheet[f"{headers['启用']}{r}"].value for r in new_rows} == {"否"}
    assert repr(sheet[f"E{first_new}"].alignment) == repr(sheet[f"E{first_new - 1}"].alignment)
    assert sheet[f"E{first_new}"].alignment.wrap_text
    enabled_validation = next(dv for dv in sheet.data_validations.dataValidation if '"是,否"' in (dv.formula1 or ""))
    assert all(f"{headers['启用']}{r}" in enabled_validation.sqref for r in new_rows)


def test_dropdowns_limited_to_the_filled_rows_grow_with_the_new_rows(full_library_path):
    from openpyxl.worksheet.cell_range import MultiCellRange

    book = load_workbook(full_library_path)
    sheet = book["段落"]
    last = workbook_write.last_filled_row(sheet)
    for dv in sheet.data_validations.dataValidation:
        letter = str(dv.sqref).split(":")[0].rstrip("0123456789")
        dv.sqref = MultiCellRange(f"{letter}2:{letter}{last}")
    book.save(full_library_path)
    data = own_file("revisit_utf8_bom.txt").read_bytes()
    summary = import_documents([("000.txt", data)], full_library_path)
    assert _snapshot(full_library_path, {"段落": last + 1}) == _snapshot(Path(summary.backup), {"段落": last + 1})
    sheet = load_workbook(full_library_path)["段落"]
    new_last = last + len(summary.rows)
    for dv in sheet.data_validations.dataValidation:
        letter = str(dv.sqref).split(":")[0].rstrip("0123456789")
        assert f"{letter}{last + 1}" in dv.sqref and f"{letter}{new_last}" in dv.sqref
        assert f"{letter}{new_last + 1}" not in dv.sqref


def test_backup_name_and_contents(full_library_path):
    original = full_library_path.read_bytes()
    data = own_file("revisit_utf8_bom.txt").read_bytes()
    summary = import_documents([("000.txt", data)], full_library_path)
    backup = Path(summary.backup)
    assert re.fullmatch(r"section_library\.备份-\d{8}-\d{6}(-\d+)?\.xlsx", backup.name)
    assert backup.parent == full_library_path.parent and backup.read_bytes() == original
    assert full_library_path.read_bytes() != original
    assert [p.name for p in full_library_path.parent.iterdir() if p.name.startswith(".")] == []


def test_file_mode_is_kept(full_library_path):
    os.chmod(full_library_path, 0o644)
    import_files([own_file("revisit_utf8_bom.txt")], full_library_path)
    assert full_library_path.stat().st_mode & 0o777 == 0o644


def test_out_option_leaves_original_untouched(full_library_path, tmp_path):
    original = full_library_path.read_bytes()
    out = tmp_path / "草稿.xlsx"
    summary = import_files([own_file("feedback_gb18030.txt")], full_library_path, out_path=out)
    assert full_library_path.read_bytes() == original
    assert summary.written_to == str(out) and not summary.backup
    assert len(load_library(out).sections) == len(load_library(full_library_path).sections) + len(summary.rows)


def test_dry_run_writes_nothing(full_library_path):
    original = full_library_path.read_bytes()
    files_before = sorted(p.name for p in full_library_path.parent.iterdir())
    summary = import_files([own_file("collection_utf8.txt")], full_library_path, dry_run=True)
    assert summary.dry_run and summary.rows and not summary.written_to
    assert full_library_path.read_bytes() == original
    assert sorted(p.name for p in full_library_path.parent.iterdir()) == files_before
    text = summary.to_text()
    assert "共 4 篇发言" in text and "试运行" in text and "collection_utf8.txt" in text
    assert "第3篇：识别为「反馈会」（标题或开场提到巡察反馈），3 个要点，编号样式「第一」" in text
    data = json.loads(summary.to_json())
    assert data["speeches"] == 4 and data["added"] == len(summary.rows)
    assert data["files"][0]["slots"]["要点1"] == 4


def test_second_import_adds_nothing(full_library_path):
    paths = [own_file("revisit_utf8_bom.txt")]
    first = import_files(paths, full_library_path)
    second = import_files(paths, full_library_path)
    assert first.rows and not second.rows
    assert len(second.duplicates) == first.sections
    assert "没有新段落" in second.to_text()


def test_interrupted_save_leaves_original_intact(full_library_path, monkeypatch):
    from openpyxl.workbook.workbook import Workbook

    original = full_library_path.read_bytes()

    def broken_save(self, target):
        target.write(b"PK\x03\x04 half a workbook")
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(Workbook, "save", broken_save)
    with pytest.raises(ImportFailed, match="原文件未改动"):
        import_files([own_file("revisit_utf8_bom.txt")], full_library_path)
    assert full_library_path.read_bytes() == original
    assert sorted(p.name for p in full_library_path.parent.iterdir()) == ["section_library.xlsx"]


def test_failed_replace_leaves_original_intact(full_library_path, monkeypatch):
    original = full_library_path.read_bytes()

    def broken_replace(src, dst):
        raise PermissionError(13, "文件被占用")

    monkeypatch.setattr(workbook_write.os, "replace", broken_replace)
    with pytest.raises(ImportFailed, match="Excel"):
        import_files([own_file("revisit_utf8_bom.txt")], full_library_path)
    assert full_library_path.read_bytes() == original
    leftovers = [p.name for p in full_library_path.parent.iterdir() if p.name.endswith(".tmp.xlsx")]
    assert leftovers == []


def test_library_changed_during_import_is_not_overwritten(full_library_path, monkeypatch):
    real_plan = importer.rows.plan_import

    def plan_and_meddle(*args, **kwargs):
        result = real_plan(*args, **kwargs)
        full_library_path.write_bytes(full_library_path.read_bytes() + b"")  # same bytes: still fine
        return result

    monkeypatch.setattr(importer.rows, "plan_import", plan_and_meddle)
    import_files([own_file("revisit_utf8_bom.txt")], full_library_path)

    def plan_and_edit(*args, **kwargs):
        result = real_plan(*args, **kwargs)
        make_workbook(full_library_path)  # an editor saved another version meanwhile
        return result

    monkeypatch.setattr(importer.rows, "plan_import", plan_and_edit)
    with pytest.raises(ImportFailed, match="被修改"):
        import_files([own_file("feedback_gb18030.txt")], full_library_path)


def test_workbook_without_paragraph_sheet_is_refused(tmp_path):
    from openpyxl import Workbook
    path = tmp_path / "别的.xlsx"
    Workbook().save(path)
    with pytest.raises(ImportFailed, match="别的.xlsx.*段落"):
        import_documents([("a.txt", "同志们：\n一是认识。好。".encode())], path)


def test_bytes_only_api_never_touches_disk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = "同志们：\n根据市委统一部署，市委第三巡察组进驻我局。\n一是提高认识。要学习。\n二是全力配合。要保障。\n谢谢大家！"
    (speech,) = parse_document(data.encode("gb18030"), "上传.txt")
    assert speech.parts[1].body == "根据{{ 上级党委 }}统一部署，{{ 巡察组 }}进驻{{ 自称 }}。"
    assert list(tmp_path.iterdir()) == []


def test_excel_formula_like_text_stays_text(full_library_path, tmp_path):
    data = "同志们：\n=1+1 我局开展工作。\n一是提高认识。学习。\n二是全力配合。保障。".encode()
    out = tmp_path / "o.xlsx"
    import_documents([("f.txt", data)], full_library_path, out_path=out)
    sheet = load_workbook(out)["段落"]
    bodies = [c.value for c in sheet["E"]]
    assert "=1+1 {{ 自称 }}开展工作。" in bodies
    assert all(c.data_type == "s" for c in sheet["E"] if c.value)
    assert os.path.getsize(out) > 0


# ---------------------------------------------------------------------------------------------
# Any input: a clean refusal or a result, never a crash

try:
    from hypothesis import given, settings, strategies as st
except ImportError:  # pragma: no cover - hypothesis is a test dependency (pyproject [test])
    given = None

if given is not None:
    _PIECES = st.sampled_from(["一是", "二是", "一、", "二、", "第一，", "(一)", "(二)", "目录", "同志们：", "XX", "**", "×",
                               "我局", "局党组", "市委第X巡察组", "巡察", "巡视", "。", "\n", "##paidbegin##", "QQ123456",
                               "在巡察动员会上的表态发言", "回头看", "反馈", "由", "同志牵头", "、", "，", "{{", "}}"])

    @settings(max_examples=150, deadline=None, database=None)
    @given(st.lists(st.one_of(_PIECES, st.text(max_size=6)), max_size=60))
    def test_any_text_parses_or_is_refused(pieces):
        text = "".join(pieces)
        try:
            speeches = parse_document(text.encode("utf-8"), "随机.txt")
        except ImportFailed as exc:
            assert "随机.txt" in str(exc)
            return
        for speech in speeches:
            for part in speech.parts:
                assert part.slot in {"称呼", "开场", "结尾"} | {f"要点{i}" for i in range(1, 10)}
                assert "\ue000" not in part.body and not re.search("[\ue100-\ue1ff]", part.body)
                for template in (part.body, part.heading_template):
                    assert inspect_template(template).syntax_error is None

    @settings(max_examples=100, deadline=None, database=None)
    @given(st.binary(max_size=200))
    def test_any_bytes_decode_or_are_refused(data):
        try:
            assert isinstance(decode_text(data, "x.txt"), str)
        except ImportFailed as exc:
            assert "x.txt" in str(exc)


def test_near_duplicates_are_reported_not_added(full_library_path):
    """A speech already imported, with a word or two changed, adds nothing: each paragraph that is
    most of an existing row is reported as nearly the same (not only exact copies)."""
    original = own_file("revisit_utf8_bom.txt").read_bytes()
    first = import_documents([("回头看.txt", original)], full_library_path)
    assert first.rows
    edited = original.decode("utf-8-sig").replace("具体负责", "专门负责").replace("带头对照检查", "率先对照检查")
    again = import_documents([("回头看-改.txt", edited.encode("utf-8"))], full_library_path, dry_run=True)
    assert again.rows == []
    near = [d for d in again.duplicates if d.similarity < 1.0]
    assert near and all(d.similarity >= 0.75 for d in near)
    assert "几乎相同" in again.to_text()


def test_imported_rows_are_filled_for_the_editor_to_find(full_library_path):
    before = load_workbook(full_library_path)["段落"].max_row
    import_documents([("回头看.txt", own_file("revisit_utf8_bom.txt").read_bytes())], full_library_path)
    sheet = load_workbook(full_library_path)["段落"]
    fills = {sheet.cell(row=r, column=1).fill.fgColor.rgb for r in range(before + 1, sheet.max_row + 1)}
    assert fills == {"00" + importer.IMPORTED_FILL}
    assert sheet.cell(row=before, column=1).fill.fgColor.rgb != "00" + importer.IMPORTED_FILL  # old rows untouched
