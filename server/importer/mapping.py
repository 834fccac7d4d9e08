"""Placeholders and unit specifics -> {{ variables }}: the rules, in order, and what is left for
the editor (noted per paragraph).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from ..numbering import ORDINAL_CHARS
from .model import ImportedPart, ImportedSpeech, RawSpeech, _HEADING_LIMIT


_PH = r"[XxＸｘ×＊*]{1,8}"


_PH_RUN = re.compile(r"[XＸ][XxＸｘ]*|[xｘ]{2,}|[*＊]+|×+")


_KEYS = ("单位名称", "单位类型", "上级党委", "巡察组", "巡察类型", "巡察方式", "巡察时长", "组长", "发言人", "联络负责人",
         "业务领域", "重点工作", "自称", "全体", "单位简称", "党组织", "领导班子", "干部职工")


_TOKEN = {key: chr(0xE100 + i) for i, key in enumerate(_KEYS)}


_TOKEN_KEY = {v: k for k, v in _TOKEN.items()}


_NOT_TOKEN = "\ue000-\uf8ff"


_UNIT_CHARS = "局委院县区办校"


_FIELDS = ("工信", "工业和信息化", "发改", "发展改革", "住建", "住房和城乡建设", "卫健", "卫生健康", "医疗卫生", "教育",
           "财政", "人社", "民政", "交通运输", "交通", "水利", "农业农村", "商务", "文旅", "文化和旅游", "自然资源",
           "生态环境", "市场监管", "统计", "审计", "税务", "公安", "司法", "应急管理", "城管", "科技", "体育")


_SPECIAL_WORDS = ("科室", "诊疗", "患者", "病人", "板块", "集团", "省级单位", "委属", "局属", "院属", "学生", "教学",
                  "师生", "经济综合部门")


@dataclass(frozen=True)
class MapContext:
    """What a replacement may use: the library's variables per meeting (None: all of them)."""

    variables: dict[str, frozenset[str]] | None = None  # key -> meetings it applies to (empty: all)
    examples: dict[str, str] = field(default_factory=dict)  # key -> the 变量 sheet's 示例

    def usable(self, key: str, meeting: str) -> bool:
        if self.variables is None:
            return True
        if key not in self.variables:
            return False
        meetings = self.variables[key]
        return not meetings or meeting in meetings


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern
    replacement: str  # ⟨键⟩ marks a variable; \1 a group
    note: str = ""  # added to 备注 when the rule fires (e.g. a placeholder dropped)


def _rule(pattern: str, replacement: str, note: str = "") -> Rule:
    return Rule(re.compile(pattern), replacement, note)


# Order matters: longer and more specific forms first; people before 党组织 (they contain it).
_PH_BEFORE_VALUE = re.compile(rf"{_PH}(?=[" + "".join(_TOKEN[k] for k in ("巡察组", "上级党委", "单位名称", "党组织",
                                                                          "组长", "联络负责人")) + "])")


_RULES_BEFORE_UNIT: tuple[Rule, ...] = (
    _rule(rf"由([^，。；：！？{_NOT_TOKEN}]{{1,30}}?)同志(?=牵头|任组长|担任|负责|具体负责)", "由⟨联络负责人⟩同志"),
    _rule(rf"(?:(?:市委|省委|县委|区委|上级党组|上级党委)?(?:第(?:{_PH}|[{ORDINAL_CHARS}]+)|{_PH})"
          rf"(?:巡视[（(]巡察[)）]|巡察[（(]巡视[)）]|巡察|巡视))组", "⟨巡察组⟩"),
    _rule(rf"(?:{_PH})?组长{_PH}同志", "组长⟨组长⟩同志"),
    _rule(rf"{_PH}组长", "⟨组长⟩组长"),
    _rule(r"(?:(?<=领会)|(?<=感谢)|(?<=听取)|(?<=刚才，)|(?<=刚才,))(?:[\u4e00-\u9fa5]{2,3})组长(?=代表|作了|的讲话|的动员)", "⟨组长⟩组长"),
    _rule(rf"{_PH}领导班子", "⟨领导班子⟩"),
    _rule(rf"、{_PH}领导(?=、)", "", "删去了无法对应的称呼“XX领导”"),
    _rule(rf"{_PH}领导(?!班子|小组|干部)", "领导", "“XX领导”已改为“领导”"),
    _rule(rf"((?:作|做)出){_PH}贡献", r"\1更大贡献", "“作出XX贡献”已改为“作出更大贡献”"),
    _rule(rf"(?:市委|省委|县委|区委|上级党组|上级党委)第{_PH}轮", "⟨上级党委⟩本轮"),
    _rule(rf"第{_PH}轮", "本轮"),
    _rule(rf"为期(?:{_PH}个?月|[一二两三四五六七八九十半]+个月|{_PH}|[一二两三四五六七八九十]+周)", "为期⟨巡察时长⟩"),
    _rule(r"(?:从|自|于)?[*＊×XxＸ]{1,2}月[*＊×XxＸ]{1,2}日(?:起|开始)", "从今天起"),
    _rule(r"(?:巡视[（(]巡察[)）]|巡察[（(]巡视[)）])", "⟨巡察类型⟩"),
    _rule(r"上级党(?:组|委)(?!织)", "⟨上级党委⟩"),
    _rule(r"(?<=根据|按照|遵照|依照)(?:市委|省委)", "⟨上级党委⟩"),
    _rule(r"(?<![省、])(?:市委|省委)(?=的?统一|的?决策部署|的?部署|对|巡察|巡视|坚定|坚决|高度|交上|汇报|学习)", "⟨上级党委⟩"),
    _rule(rf"[{ORDINAL_CHARS}]个方面", "几个方面"),
    _rule(r"(?:(?<=以下)|(?<=讲)|(?<=谈)|(?<=提))[二三四五六七八九十]点", "几点"),
)


def _mode_rule(context: MapContext) -> Rule:
    """常规巡察 -> {{ 巡察方式 }}巡察, or {{ 巡察方式 }} alone where the library's example holds the noun."""
    if context.examples.get("巡察方式", "").endswith(("巡察", "巡视")):
        return _rule(r"(?:常规|专项|机动)(?:巡察|巡视)", "⟨巡察方式⟩")
    return _rule(r"(?:常规|专项|机动)(?=巡察|巡视)", "⟨巡察方式⟩")


def _unit_rules(speech_text: str) -> list[Rule]:
    """Rules for the unit itself: its full name, self-references, party body, leadership."""
    rules: list[Rule] = []
    names = set(re.findall(rf"[市县区省](?:[^\W市委局院对的和与及在为是将从向到了{_NOT_TOKEN}]{{1,8}}?)[局委院](?=党组|党委)", speech_text))
    names |= {m for m in re.findall(r"对(市[^\W市委对的]{1,8}?[局委院办])(?:党组|党委)?巡察", speech_text)}
    for name in sorted(names, key=len, reverse=True):
        rules.append(_rule(re.escape(name) + r"(?:党组|党委)(?!织|书记)", "⟨党组织⟩"))
        rules.append(_rule(re.escape(name), "⟨单位名称⟩"))
    rules += [
        _rule(rf"{_PH}(?:单位|局|委|院|办|公司|学校)?党(?:组|委)(?!织)", "⟨党组织⟩"),
        _rule(rf"{_PH}(?:单位|委员会|局|委|院|办公室|办|公司|学校|中心)", "⟨单位名称⟩"),
        # "xx区住建局", "**县" (not **县委, a party committee), "××医院": a placeholder with the unit's kind.
        _rule(rf"{_PH}[市县区](?:[^\W，。、；{_NOT_TOKEN}]{{1,6}}?)(?:局|委员会|办公室|中心)(?!党)", "⟨单位名称⟩"),
        _rule(rf"{_PH}(?:县|区|镇|乡|街道|医院|法院|检察院|集团)(?![委党])", "⟨单位名称⟩"),
        _rule(rf"{_PH}(?=事业)", "⟨业务领域⟩"),
        _rule(rf"{_PH}(?=工作)", "⟨单位名称⟩"),
        _rule(rf"(?<![市县区省])我?(?:[{_UNIT_CHARS}]|公司|学校)(?:党组|党委)?领导班子", "⟨领导班子⟩"),
        _rule(rf"全[{_UNIT_CHARS}](?:所有|全体)?干部职工|全公司(?:所有|全体)?干部职工", "⟨干部职工⟩"),
        _rule(rf"全[{_UNIT_CHARS}]上下|(?:公司|学校)上下", "⟨全体⟩"),
        _rule(r"(?<![市县区省州自])我?(?:[局委院]|公司|学校)(?:党组|党委)(?!织|书记)", "⟨党组织⟩"),
        _rule(r"作为党(?:委|组)书记", "作为⟨党组织⟩书记"),
        _rule(rf"(?<!自)我(?:[{_UNIT_CHARS}]|公司|中心)(?![们国公托屈婉])", "⟨自称⟩"),
        _rule(r"(?<=[，。、；：！？\s（(])局(?=办公室|联络|机关)|(?<=来|到)局(?=巡察|巡视|开展|指导|检查)", "⟨单位简称⟩"),
        _rule("(?:" + "|".join(sorted(_FIELDS, key=len, reverse=True)) + ")(?=事业|工作|干部|系统|领域)", "⟨业务领域⟩"),
    ]
    for noun in ("医院", "公司", "学校"):
        if speech_text.count(noun) >= 2:
            rules.append(_rule(noun + "(?=事业)", "⟨业务领域⟩"))
            rules.append(_rule(rf"(?<![子分总]){noun}(?!党委|党组|上下)", "⟨单位名称⟩"))
    return rules


@dataclass
class _Mapped:
    text: str
    placeholders: int = 0
    specifics: int = 0
    notes: list[str] = field(default_factory=list)


def _apply_rule(rule: Rule, text: str, meeting: str, context: MapContext, result: _Mapped) -> str:
    keys = re.findall(r"⟨(\w+)⟩", rule.replacement)
    if any(not context.usable(k, meeting) for k in keys):
        found = rule.pattern.search(text)
        if found:
            missing = "、".join(f"{{{{ {k} }}}}" for k in keys if not context.usable(k, meeting))
            result.notes.append(f"“{found.group()}”未替换：段落库的「变量」表没有适用于「{meeting}」的 {missing}")
        return text
    replacement = re.sub(r"⟨(\w+)⟩", lambda m: _TOKEN[m.group(1)], rule.replacement)

    def substitute(match: re.Match) -> str:
        runs = len(_PH_RUN.findall(match.group()))
        if runs:
            result.placeholders += runs
        else:
            result.specifics += 1
        if rule.note:
            result.notes.append(rule.note)
        return match.expand(replacement)

    return rule.pattern.sub(substitute, text)


def _replace_activity(text: str, kind: str, result: _Mapped) -> str:
    """巡察 (the activity or group) -> {{ 巡察类型 }}, except in clauses that contrast 巡视 and 巡察."""
    other = "巡视" if kind == "巡察" else "巡察"
    compounds = ("巡视巡察", "巡察巡视")
    token = _TOKEN["巡察类型"]
    pieces = re.split(r"([，,。；;！？!?：:])", text)
    for i, clause in enumerate(pieces):
        if kind not in clause:
            continue
        masked = clause
        for word in compounds:
            masked = masked.replace(word, "□□□□")
        if other in masked:
            if kind in masked:
                result.notes.append(f"“{clause}”中“{kind}”与“{other}”同时出现，未替换为 {{{{ 巡察类型 }}}}，请人工确认")
            continue
        count = masked.count(kind)
        result.specifics += count
        kept = [w for w in compounds if w in clause]
        for n, word in enumerate(kept):
            clause = clause.replace(word, f"\ue000{n}\ue000")
        clause = clause.replace(kind, token)
        for n, word in enumerate(kept):
            clause = clause.replace(f"\ue000{n}\ue000", word)
        pieces[i] = clause
    return "".join(pieces)


def map_text(text: str, meeting: str, rules: Sequence[Rule], kind: str, context: MapContext) -> _Mapped:
    """One paragraph with placeholders and specifics replaced; notes say what is left for the editor."""
    result = _Mapped(text)
    for rule in rules:
        result.text = _apply_rule(rule, result.text, meeting, context, result)
    # "xx市委第四巡察组", "**县委第一巡察组", "根据xx市委": the placeholder belonged to the value.
    result.text, absorbed = _PH_BEFORE_VALUE.subn("", result.text)
    result.placeholders += absorbed
    if context.usable("巡察类型", meeting):
        result.text = _replace_activity(result.text, kind, result)
    plain = re.sub(f"[{_NOT_TOKEN}]", "", result.text)
    other = "巡视" if kind == "巡察" else "巡察"
    if other in plain.replace("巡视巡察", "").replace("巡察巡视", ""):
        result.notes.append(f"仍有“{other}”（未替换），如指本次{kind}请改为 {{{{ 巡察类型 }}}}")
    for run in _PH_RUN.findall(plain):
        result.notes.append(f"含未能识别的占位符“{run}”，请人工处理")
    if re.search(r"(?<![省、])市委(?!市政府)", plain):
        result.notes.append("仍有“市委”，上级党委不是市委时请修改")
    for word in _SPECIAL_WORDS:
        if word in plain:
            result.notes.append(f"含单位或行业特有的表述“{word}”，用于其他单位前请修改")
    for figure in re.findall(r"\d{4}年|\d+(?:\.\d+)?%|\d+平方公里", plain):
        result.notes.append(f"含具体年份或数据“{figure}”，请核实是否适用")
    named = re.sub(f"[{_NOT_TOKEN}]", "□", result.text)  # a mapped variable is nobody's name
    for name in re.findall(r"(?<=[、，,和与及])([\u4e00-\u9fa5]{2,3})同志(?=具体|负责|牵头|任|担任)", named):
        result.notes.append(f"含人名“{name}”，请改为变量或删去")
    return result


def _activity_kind(text: str) -> str:
    masked = text.replace("巡视巡察", "").replace("巡察巡视", "")
    return "巡视" if masked.count("巡视") > masked.count("巡察") else "巡察"


def finish_template(text: str) -> str:
    """Inserted variables as Jinja: {{ 键 }} with the spaces the library uses."""
    return "".join(f"{{{{ {_TOKEN_KEY[ch]} }}}}" if ch in _TOKEN_KEY else ch for ch in text)


def apply_mapping(speech: ImportedSpeech, raw: RawSpeech, context: MapContext) -> None:
    """Fill each part's body/heading templates, counts and notes."""
    whole = "\n".join(p.text for p in raw.paragraphs)
    rules = list(_RULES_BEFORE_UNIT) + [_mode_rule(context)] + _unit_rules(whole)
    kind = _activity_kind(whole)
    for part in speech.parts:
        notes: dict[str, list[int]] = {}
        if part.heading:
            mapped = map_text(part.heading, speech.meeting, rules, kind, context)
            part.heading_template = finish_template(mapped.text)
            _count(part, mapped, notes, part.heading_number)
            if len(part.heading) > _HEADING_LIMIT:
                notes.setdefault("小标题较长，请精简为一句", []).append(part.heading_number)
        bodies = []
        for paragraph in part.paragraphs:
            mapped = map_text(paragraph.text, speech.meeting, rules, kind, context)
            bodies.append(finish_template(mapped.text))
            _count(part, mapped, notes, paragraph.number)
        part.body = "\n".join(b for b in bodies if b)
        part.notes = [_located(message, numbers) for message, numbers in notes.items()] + part.notes


def _count(part: ImportedPart, mapped: _Mapped, notes: dict[str, list[int]], number: int) -> None:
    part.placeholders_mapped += mapped.placeholders
    part.specifics_mapped += mapped.specifics
    part.placeholders_unmapped += sum(1 for n in mapped.notes if n.startswith("含未能识别的占位符"))
    for note in mapped.notes:
        numbers = notes.setdefault(note, [])
        if number not in numbers:
            numbers.append(number)


def _located(message: str, numbers: list[int]) -> str:
    return f"第{'、'.join(str(n) for n in numbers)}段{message}"
