"""Old speeches (.txt, .docx) -> draft rows of the 段落 sheet (启用=否, with 来源 and 备注).

How the CLI (`biaotai import FILE... --library L [-o OUT] [--dry-run] [--json]`) calls it::

    from .importer import ImportFailed, import_files
    try:
        summary = import_files(paths, library_path, out_path=out, dry_run=dry_run)
    except ImportFailed as exc:          # bad encoding, unknown file type, too large, unwritable…
        print(exc, file=sys.stderr)      # a Chinese message naming the file
        return 2
    print(summary.to_json() if as_json else summary.to_text())
    return 0

An upload (the later `POST /api/library/import`) never touches disk before the workbook write:
`parse_document(data, filename)` turns bytes into speeches, and
`import_documents([(filename, data), ...], library_path, ...)` does the rest.

Bounds (limits.py): every file is extracted once; a .docx is read by streaming its parts out of the
zip and counting the bytes that come out (the sizes its headers claim are never trusted); paragraphs
(lines) and characters per file are capped before the text is parsed; the whole import has a time
budget. Reading and parsing take no lock: several imports (in several worker processes) plan at
once, and only the final replace runs under a file lock beside the workbook. Immediately before that
replace, the workbook is compared with the bytes the import read: if an editor saved meanwhile or has
it open in Excel (~$ owner file), nothing is replaced and the import's result is kept beside it.

The pipeline is pure up to the last step: extract_text -> split_speeches -> parse_speech ->
to_rows -> (plan_import) -> write_rows. Nothing here edits a workbook in place: the new file is
written beside it, synced, and swapped in with os.replace after a timestamped backup.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import time
import zipfile
import zlib
from collections import Counter
from copy import copy
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from .numbering import LEADING_ORDINAL, ORDINAL_CHARS, STYLE_PATTERNS, chinese_ordinal, parse_ordinal
from .sheet_rows import MAX_CELL_CHARS
from .text import strip_xml_forbidden
from .slots import CLOSING, OPENING, SALUTATION, SLOT_CHOICES, is_point
from .workbook_write import WorkbookWriteError, replace_workbook
from .limits import (MAX_DOCX_ENTRIES, MAX_DOCX_RATIO, MAX_DOCX_UNCOMPRESSED, MAX_IMPORT_CHARACTERS,
                     MAX_IMPORT_PARAGRAPHS, MAX_IMPORT_SECONDS, MAX_INPUT_BYTES)

SHEET = "段落"
REQUIRED_COLUMNS = ("编号", "会议类型", "部分", "小标题", "正文", "启用", "来源", "备注")
MOBILISATION, REVISIT, FEEDBACK = "动员会", "回头看动员会", "反馈会"
IMPORT_TAG = "导入"


class ImportFailed(Exception):
    """A file or workbook that cannot be imported; the message is Chinese and names the file."""

    def __init__(self, message: str, filename: str = ""):
        super().__init__(message)
        self.filename = filename


# =============================================================================================
# Bytes -> text


def decode_text(data: bytes, filename: str = "") -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030; anything else is refused."""
    name = filename or "文本文件"
    if len(data) > MAX_INPUT_BYTES:
        raise ImportFailed(_too_large(name, len(data)), filename)
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            try:
                return _check_plain(data[len(bom):].decode(codec), name, filename)
            except UnicodeDecodeError:
                raise ImportFailed(f"「{name}」开头标明是 {codec.upper()} 编码，但内容无法按此编码读取，文件可能已损坏", filename) from None
    if b"\x00" in data:
        raise ImportFailed(f"「{name}」看起来不是文本文件（含有二进制内容），请另存为 .txt 或 .docx 后再导入", filename)
    for codec in ("utf-8", "gb18030"):
        try:
            return _check_plain(data.decode(codec), name, filename)
        except UnicodeDecodeError:
            continue
    raise ImportFailed(f"「{name}」的编码无法识别（既不是 UTF-8 也不是 GB18030/GBK），请用记事本另存为 UTF-8 后再导入", filename)


def _check_plain(text: str, name: str, filename: str) -> str:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f\v")
    if text and controls > max(8, len(text) // 100):
        raise ImportFailed(f"「{name}」看起来不是文本文件（含有大量控制字符），请另存为 .txt 或 .docx 后再导入", filename)
    return text


def _too_large(name: str, size: int) -> str:
    return f"「{name}」太大（{size / 1024 / 1024:.1f} MB），单个文件不能超过 {MAX_INPUT_BYTES // 1024 // 1024} MB"


class Budget:
    """The time an import may take; `check` raises ImportFailed once it has run out."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = MAX_IMPORT_SECONDS if seconds is None else seconds
        self.deadline = time.monotonic() + self.seconds

    def check(self, filename: str = "") -> None:
        if time.monotonic() > self.deadline:
            raise ImportFailed(f"导入用时超过 {self.seconds:.0f} 秒，已停止{f'（正在读取「{filename}」）' if filename else ''}："
                               "请把文件拆小、分几次导入", filename)


def extract_text(data: bytes, filename: str, budget: Budget | None = None) -> str:
    """The plain text of a .txt or .docx file, one paragraph per line (bounded: see the module doc)."""
    suffix = Path(filename).suffix.lower()
    if len(data) > MAX_INPUT_BYTES:
        raise ImportFailed(_too_large(filename, len(data)), filename)
    if suffix == ".txt":
        return _bounded(decode_text(data, filename), filename)
    if suffix == ".docx":
        return _docx_text(data, filename, budget or Budget())
    if suffix in (".doc", ".wps", ".rtf"):
        raise ImportFailed(f"「{filename}」是 {suffix} 格式，暂不支持：请在 Word/WPS 中另存为 .docx 后再导入", filename)
    raise ImportFailed(f"「{filename}」的类型无法导入（只支持 .txt 和 .docx）", filename)


def _bounded(text: str, filename: str) -> str:
    """Refuse text with more lines or characters than one import file may hold."""
    if len(text) > MAX_IMPORT_CHARACTERS:
        raise ImportFailed(f"「{filename}」的文字太多（{len(text)} 个字符），单个文件最多 {MAX_IMPORT_CHARACTERS} 个字符："
                           "请拆成几个文件导入", filename)
    lines = text.count("\n") + 1
    if lines > MAX_IMPORT_PARAGRAPHS:
        raise ImportFailed(f"「{filename}」的行数太多（{lines} 行），单个文件最多 {MAX_IMPORT_PARAGRAPHS} 行：请拆成几个文件导入",
                           filename)
    return text


_PARAGRAPH_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?p[\s/>]")  # <w:p>, <w:p w:rsidR=…>, <w:p/>, any prefix


def _zip_part(archive: zipfile.ZipFile, name: str, filename: str, budget: Budget) -> bytes:
    """One part of the zip, inflated chunk by chunk and counted (the header's sizes are not trusted)."""
    info = archive.getinfo(name)
    limit = MAX_DOCX_UNCOMPRESSED
    chunks: list[bytes] = []
    total = 0
    try:
        with archive.open(info) as part:
            while chunk := part.read(256 * 1024):
                total += len(chunk)
                if total > limit:
                    raise ImportFailed(f"「{filename}」解压后超过 {limit // 1024 // 1024} MB，已拒绝（可能是恶意压缩文件）", filename)
                if total > 1024 * 1024 and total > MAX_DOCX_RATIO * max(info.compress_size, 1):
                    raise ImportFailed(f"「{filename}」中的 {name} 压缩比异常，已拒绝（可能是恶意压缩文件）", filename)
                chunks.append(chunk)
                budget.check(filename)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        raise ImportFailed(f"「{filename}」已损坏，无法解压（{type(exc).__name__}），请用 Word 打开后另存为 .docx", filename) from None
    return b"".join(chunks)


def _docx_text(data: bytes, filename: str, budget: Budget) -> str:
    """The paragraphs of word/document.xml, the only part read (and read once)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise ImportFailed(f"「{filename}」不是有效的 .docx 文件（可能已损坏，或其实是改了扩展名的 .doc）", filename) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_DOCX_ENTRIES:
            raise ImportFailed(f"「{filename}」包含的部件过多（{len(entries)} 个），不像正常的 Word 文档，已拒绝", filename)
        if "word/document.xml" not in archive.namelist():
            raise ImportFailed(f"「{filename}」不是 Word 文档（缺少 word/document.xml）", filename)
        xml = _zip_part(archive, "word/document.xml", filename, budget)
    paragraphs = len(_PARAGRAPH_START.findall(xml))
    if paragraphs > MAX_IMPORT_PARAGRAPHS:
        raise ImportFailed(f"「{filename}」的段落太多（{paragraphs} 个），单个文件最多 {MAX_IMPORT_PARAGRAPHS} 个：请拆成几个文件导入",
                           filename)
    from docx.oxml.ns import qn
    from docx.oxml.parser import parse_xml  # python-docx's own parser: its element classes, no entities resolved

    try:
        root = parse_xml(xml)
    except Exception as exc:  # lxml raises several types for damaged XML
        raise ImportFailed(f"「{filename}」无法按 Word 文档读取（{type(exc).__name__}），请用 Word 打开后另存为 .docx", filename) from None
    body = root.find(qn("w:body"))
    if body is None:
        raise ImportFailed(f"「{filename}」不是 Word 文档（正文部件中没有 w:body）", filename)
    lines: list[str] = []
    characters = 0
    counters: dict[tuple[str, str], int] = {}
    for element in body.iterchildren():
        if element.tag == qn("w:p"):
            found = [element]
        elif element.tag == qn("w:tbl"):
            found = list(element.iter(qn("w:p")))
        else:
            continue
        for paragraph in found:
            line = _docx_paragraph(paragraph, counters)
            characters += len(line) + 1
            if characters > MAX_IMPORT_CHARACTERS:
                raise ImportFailed(f"「{filename}」的文字太多，单个文件最多 {MAX_IMPORT_CHARACTERS} 个字符：请拆成几个文件导入", filename)
            lines.append(line)
        if len(lines) % 1000 < len(found):
            budget.check(filename)
    return "\n".join(lines)


def _docx_paragraph(element, counters: dict[tuple[str, str], int]) -> str:
    """A paragraph's text; Word's automatic list numbers (not in the text) become "一、"."""
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    text = Paragraph(element, None).text
    num_pr = element.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
    if num_pr is not None and text.strip():
        num_id = num_pr.find(qn("w:numId"))
        level = num_pr.find(qn("w:ilvl"))
        key = (num_id.get(qn("w:val")) if num_id is not None else "", level.get(qn("w:val")) if level is not None else "0")
        if key[0] not in ("", "0") and key[1] == "0":
            counters[key] = counters.get(key, 0) + 1
            if counters[key] <= 99 and not LEADING_ORDINAL.match(text.strip()):
                text = chinese_ordinal(counters[key]) + "、" + text
    return text


# =============================================================================================
# Text -> speeches (noise removed)

_SEPARATOR = re.compile(rf"^[（(]\s*[{ORDINAL_CHARS}]+\s*[)）]$")
_COUNT_MARK = re.compile(r"^[（(【\[]?\s*(?:共)?\s*\d+\s*篇\s*[)）】\]]?$")
_MARKER = re.compile(r"#{2,}\s*[A-Za-z_]+\s*#{2,}")
_QQ = re.compile(r"(?:咨询|联系|加)?\s*(?:QQ|ＱＱ|qq)\s*(?:群|号)?\s*[:：]?\s*\d{5,12}")
_NOISE_WORDS = re.compile(
    r"仅供学习|禁止外传|仅供参考|版权所有|侵权必究|严禁转载|QQ|ＱＱ|会员|订阅|倒卖|扫码|公众号|关注我们|"
    r"更多(?:精彩|资料|范文)|下载|原文链接|本文来源|责任编辑|免费领取|整理[，,、]|整理$|http|www\.")
_TITLE_END = re.compile(r"(?:发言|讲话|致辞|表态)(?:稿|材料|提纲)?(?:[（(][^）)]{0,20}[)）])?$")
_TOC = re.compile(r"^目\s*录[:：]?$")
_TERMINAL = "。！？!?”\"…）)"
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2028\u2029\u2060\ufeff\ue000-\uf8ff]")
_SHORT = 40
_SPOKEN = re.compile(r"我代表|下面|，我|,我|^我")  # "下面，我代表局党组作表态发言" is said, not a title


@dataclass(frozen=True)
class Paragraph:
    text: str
    number: int  # 1-based within its speech


@dataclass(frozen=True)
class RawSpeech:
    index: int  # 1-based within the file
    title: str
    paragraphs: tuple[Paragraph, ...]
    collection_title: str = ""
    filename: str = ""


def normalize_lines(text: str) -> list[str]:
    """Lines without layout blanks: NBSP, ideographic spaces, zero-width and control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = strip_xml_forbidden(_ZERO_WIDTH.sub("", text))
    lines = []
    for line in text.split("\n"):
        line = line.replace("\xa0", " ").replace("\u3000", " ").replace("\t", " ")
        line = line.replace("{", "｛").replace("}", "｝")  # literal braces must not read as template syntax
        lines.append(re.sub(r" {2,}", " ", line).strip())
    return lines


def is_title(line: str) -> bool:
    """A speech title: short, no sentence punctuation, ends in 发言/讲话…, not a numbered point."""
    core = re.sub(rf"^(?:[（(][{ORDINAL_CHARS}]+[)）]|[{ORDINAL_CHARS}]+、|\d+[.、．])\s*", "", line)
    if not core or len(core) > 70 or re.search(r"[。：:；;！!？?]", core) or _SPOKEN.search(core):
        return False
    if LEADING_ORDINAL.match(line) and not core.startswith("在"):
        return False
    return bool(_TITLE_END.search(core))


def _is_noise(line: str) -> bool:
    return bool(_COUNT_MARK.match(line)) or (len(line) <= _SHORT * 2 and bool(_NOISE_WORDS.search(line)))


def _is_anchor(line: str) -> bool:
    """The first line that certainly belongs to the text (before it: a site's banner)."""
    return (is_title(line) or bool(_SEPARATOR.match(line)) or bool(LEADING_ORDINAL.match(line))
            or bool(_TOC.match(line)) or _salutation_end(line) > 0 or len(line) >= _SHORT
            or any(p in line for p in "。！？"))


def clean_lines(text: str) -> tuple[list[tuple[int, str]], list[str]]:
    """(line number, text) of the lines kept, and the noise dropped (banners, QQ, markers, 目录)."""
    kept: list[tuple[int, str]] = []
    dropped: list[str] = []
    started = False
    in_toc = False
    toc_entries: set[str] = set()
    for number, raw in enumerate(normalize_lines(text), start=1):
        dropped.extend(_MARKER.findall(raw))
        line = _MARKER.sub("", raw).strip()
        line = _QQ.sub("", line).strip() if len(line) > _SHORT * 2 else line
        if not line:
            continue
        if _is_noise(line):
            dropped.append(line)
            continue
        if not started:
            if not _is_anchor(line):
                dropped.append(line)
                continue
            started = True
        if _TOC.match(line):
            in_toc = True
            dropped.append(line)
            continue
        if in_toc:
            entry = _toc_entry(line)
            if entry and entry not in toc_entries and not _SEPARATOR.match(line):
                toc_entries.add(entry)
                dropped.append(line)
                continue
            in_toc = False
        kept.append((number, line))
    return kept, dropped


def _toc_entry(line: str) -> str:
    """A table-of-contents line reduced to its title ('' when the line is not one)."""
    if len(line) > 90 or "。" in line or line.endswith(("：", ":")) or _SPOKEN.search(line):
        return ""
    return re.sub(r"[.…·\s\d]+$", "", line)


def split_speeches(text: str, filename: str = "") -> list[RawSpeech]:
    """The speeches of a file: collections are split at "(一)" lines and at titles after text."""
    lines, _ = clean_lines(text)
    speeches: list[RawSpeech] = []
    collection = ""
    title = ""
    body: list[str] = []

    def flush() -> None:
        nonlocal body, title
        if body:
            paragraphs = tuple(Paragraph(t, i) for i, t in enumerate(body, start=1))
            speeches.append(RawSpeech(len(speeches) + 1, title, paragraphs, collection, filename))
        body, title = [], ""

    for _, line in lines:
        if _SEPARATOR.match(line):
            if not body and title and not collection:
                collection = title
            flush()
            title = ""
        elif is_title(line):
            if body:
                flush()
            elif title and not collection:
                collection = title
            title = re.sub(rf"^(?:[（(][{ORDINAL_CHARS}]+[)）]|[{ORDINAL_CHARS}]+、|\d+[.、．])\s*", "", line)
        else:
            body.append(line)
    flush()
    return speeches


# =============================================================================================
# A speech -> its parts (salutation, opening, points, closing)

_SALUTATION_WORDS = re.compile(r"同志们|各位领导|领导|组长|巡察组|巡视组|各位|同事们|朋友们")
_CLOSING_START = re.compile(r"^(?:同志们[，,！!]|总之|最后|各位领导[，,]|谢谢|总而言之|我们(?:将|要|一定)?(?:以此|珍惜)|做好这次)")
_HEADING_LIMIT = 40


@dataclass
class ImportedPart:
    slot: str
    heading: str
    paragraphs: list[Paragraph]  # body paragraphs, numbering removed, not yet mapped
    heading_number: int = 0  # the paragraph the heading came from
    body: str = ""  # template text after mapping (paragraphs joined by \n)
    heading_template: str = ""
    notes: list[str] = field(default_factory=list)
    placeholders_mapped: int = 0
    placeholders_unmapped: int = 0
    specifics_mapped: int = 0

    @property
    def span(self) -> tuple[int, int]:
        numbers = [p.number for p in self.paragraphs] + ([self.heading_number] if self.heading_number else [])
        return (min(numbers), max(numbers)) if numbers else (0, 0)


@dataclass
class ImportedSpeech:
    filename: str
    index: int
    title: str
    meeting: str
    meeting_reason: str
    style: str
    parts: list[ImportedPart]
    notes: list[str] = field(default_factory=list)

    @property
    def points(self) -> list[ImportedPart]:
        return [p for p in self.parts if p.slot.startswith("要点")]


def _salutation_end(text: str) -> int:
    """Length of a leading salutation ("各位领导，同志们：") or 0."""
    match = re.match(r"^([^。：:！？]{2,40}?)[：:]", text)
    if not match:
        return 0
    head = match.group(1)
    if "我" in head or "下面" in head or "根据" in head or "按照" in head or not _SALUTATION_WORDS.search(head):
        return 0
    return match.end()


def find_points(paragraphs: Sequence[Paragraph]) -> tuple[str, list[int]]:
    """The numbering style and the indexes of the paragraphs that start points 一, 二, 三…

    The top level is the style that does not restart at 一 (sub-items "一是…二是…" restart in every
    point) and that starts first (a point's heading comes before its sub-items).
    """
    best: tuple = ()
    chosen: tuple[str, list[int]] = ("", [])
    for style, pattern in STYLE_PATTERNS.items():
        indexes: list[int] = []
        ones = 0
        expected = 1
        for i, paragraph in enumerate(paragraphs):
            match = pattern.match(paragraph.text)
            if not match:
                continue
            value = parse_ordinal(match.group(1))
            ones += value == 1
            if value == expected:
                indexes.append(i)
                expected += 1
        if not indexes:
            continue
        key = (ones == 1, len(indexes) >= 2, -indexes[0], len(indexes))
        if not best or key > best:
            best, chosen = key, (style, indexes)
    return chosen


def _split_heading(text: str, style: str) -> tuple[str, str]:
    """Remove the ordinal; return (heading sentence, the rest of the paragraph)."""
    text = STYLE_PATTERNS[style].sub("", text, count=1).strip() if style else text
    match = re.search(r"[。！？!?]", text)
    if match is None:
        return text.rstrip("；;，,：: "), ""
    return text[:match.start()].strip(), text[match.end():].strip()


def parse_speech(raw: RawSpeech, meetings: dict[str, list[str]] | None = None,
                 context: "MapContext | None" = None) -> ImportedSpeech:
    """Salutation, opening, numbered points (heading + body), closing; meeting type and slots;
    placeholders and unit specifics replaced by the library's variables."""
    paragraphs = list(raw.paragraphs)
    parts: list[ImportedPart] = []
    notes: list[str] = []
    if paragraphs and (end := _salutation_end(paragraphs[0].text)):
        first = paragraphs[0]
        parts.append(ImportedPart(SALUTATION, "", [Paragraph(first.text[:end], first.number)]))
        rest = first.text[end:].strip()
        paragraphs[0] = Paragraph(rest, first.number)
        if not rest:
            paragraphs.pop(0)
    style, starts = find_points(paragraphs)
    if not starts:
        notes.append("未识别出编号的要点（一是／一、／第一），全文作为开场导入，请人工拆分")
        parts.append(ImportedPart(OPENING, "", paragraphs))
    else:
        opening = paragraphs[:starts[0]]
        if opening:
            parts.append(ImportedPart(OPENING, "", opening))
        else:
            notes.append("未找到开场白")
        points, closing = _points_and_closing(paragraphs, starts, style)
        parts.extend(points)
        if closing:
            parts.append(ImportedPart(CLOSING, "", closing))
        else:
            notes.append("未找到结尾")
    if raw.paragraphs and not raw.paragraphs[-1].text.endswith(tuple(_TERMINAL)):
        last = raw.paragraphs[-1].number
        holder = next((p for p in reversed(parts) if last in (p.heading_number, *(q.number for q in p.paragraphs))), None)
        (holder.notes if holder else notes).append(f"第{last}段没有结束标点，原文可能在此截断，请核对")
    meeting, reason = classify_meeting(raw, parts)
    available = (meetings or {}).get(meeting)
    if meetings is not None and available is None:
        fallback = MOBILISATION if MOBILISATION in meetings else next(iter(meetings), meeting)
        notes.append(f"识别为「{meeting}」，但段落库没有这个会议类型，暂归入「{fallback}」")
        meeting, available = fallback, meetings.get(fallback)
    assign_slots(meeting, [p for p in parts if p.slot == "要点"], available)
    speech = ImportedSpeech(raw.filename, raw.index, raw.title or raw.collection_title, meeting, reason,
                            style, parts, notes)
    apply_mapping(speech, raw, context or MapContext())
    return speech


def _points_and_closing(paragraphs: list[Paragraph], starts: list[int], style: str
                        ) -> tuple[list[ImportedPart], list[Paragraph]]:
    points: list[ImportedPart] = []
    closing: list[Paragraph] = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(paragraphs)
        first = paragraphs[start]
        heading, rest = _split_heading(first.text, style)
        inline = bool(rest)
        body = ([Paragraph(rest, first.number)] if rest else []) + list(paragraphs[start + 1:end])
        if n == len(starts) - 1:
            body, closing = _cut_closing(body, first.number, inline)
        points.append(ImportedPart("要点", heading, body, first.number))
    return points, closing


def _cut_closing(body: list[Paragraph], first_number: int, inline: bool) -> tuple[list[Paragraph], list[Paragraph]]:
    """Where the last point ends: at a closing phrase, or (inline styles) after its own paragraph."""
    for i, paragraph in enumerate(body):
        if paragraph.number != first_number and _CLOSING_START.match(paragraph.text):
            return body[:i], body[i:]
    if inline:
        own = [p for p in body if p.number == first_number]
        return own, [p for p in body if p.number != first_number]
    return body, []


# --- meeting type and slots ------------------------------------------------------------------

_FEEDBACK_WORDS = re.compile(r"反馈会|反馈意见|反馈了|反馈的|照单全收|全部认领|诚恳接受.{0,6}反馈")
_THEMES: dict[str, dict[str, tuple[str, ...]]] = {
    MOBILISATION: {
        "要点1": ("思想认识", "政治站位", "提高认识", "统一思想", "重要意义", "重大意义", "政治体检", "全面检阅",
                "综合会诊", "统一到", "思想和行动", "贯彻", "部署", "政治自觉", "重要性", "必要性"),
        "要点2": ("配合", "保障", "联络", "服务", "衔接", "协调", "随叫随到", "安排", "组织", "对接", "支持"),
        "要点3": ("监督", "问题导向", "纪律", "规矩", "如实", "实事求是", "反映情况", "正视问题", "面对问题",
                "接受检查", "表率", "以身作则", "不遮掩", "不隐瞒"),
        "要点4": ("整改", "成果", "转化", "立行立改", "统筹", "兼顾", "推动", "见效", "契机", "两不误", "重点工作",
                "长效", "发展", "落细落实"),
    },
    FEEDBACK: {
        "要点1": ("统一思想", "提高认识", "思想认识", "照单全收", "认领", "正视问题", "虚心接受", "政治站位", "诚恳接受"),
        "要点2": ("整改方案", "清单", "台账", "销号", "时限", "整改落实", "逐项", "督办", "责任", "抓好整改", "限期"),
        "要点3": ("成果运用", "长效机制", "建章立制", "转化", "推动发展", "以案促改", "举一反三", "常态长效", "运用"),
    },
}
_THEMES[REVISIT] = _THEMES[MOBILISATION]
_DEFAULT_POINTS = {MOBILISATION: 4, REVISIT: 4, FEEDBACK: 3}


def classify_meeting(raw: RawSpeech, parts: Sequence[ImportedPart]) -> tuple[str, str]:
    """回头看动员会 / 反馈会 / 动员会, from the title and the opening (then the whole text)."""
    title = raw.title or raw.collection_title
    opening = " ".join(p.text for part in parts if part.slot in (SALUTATION, OPENING) for p in part.paragraphs)
    head = title + " " + opening
    if "回头看" in head:
        return REVISIT, "标题或开场提到“回头看”"
    if "反馈" in title or (_FEEDBACK_WORDS.search(opening) and "动员" not in head):
        return FEEDBACK, "标题或开场提到巡察反馈"
    if "动员" in head or "进驻" in head or "入驻" in head:
        return MOBILISATION, "标题或开场提到动员或进驻"
    whole = " ".join(p.text for p in raw.paragraphs)
    if len(_FEEDBACK_WORDS.findall(whole)) >= 2:
        return FEEDBACK, "全文多处提到反馈意见"
    return MOBILISATION, "未见“回头看”或反馈字样，按动员会处理"


def _theme_score(part: ImportedPart, keywords: tuple[str, ...]) -> int:
    body = " ".join(p.text for p in part.paragraphs)
    return sum(3 * part.heading.count(k) + min(body.count(k), 3) for k in keywords)


def assign_slots(meeting: str, points: list[ImportedPart], available: list[str] | None = None) -> None:
    """Give each point the slot whose theme its words match best, keeping their order (要点N)."""
    slots = available or [f"要点{i}" for i in range(1, _DEFAULT_POINTS.get(meeting, 4) + 1)]
    themes = _THEMES.get(meeting, {})
    if len(points) > len(slots):
        for i, part in enumerate(points, start=1):
            part.slot = f"要点{min(i, 9)}"
            if i > len(slots):
                part.notes.append(f"这篇有 {len(points)} 个要点，多于会议类型「{meeting}」的 {len(slots)} 个，已按顺序编为「{part.slot}」")
        return
    scores = [[_theme_score(p, themes.get(s, ())) for s in slots] for p in points]
    chosen = _best_monotone(scores)
    for part, slot_index in zip(points, chosen):
        part.slot = slots[slot_index]


def _best_monotone(scores: list[list[int]]) -> list[int]:
    """Strictly increasing slot indexes, one per point, with the highest total score."""
    n, m = len(scores), len(scores[0]) if scores else 0
    best: dict[tuple[int, int], tuple[int, list[int]]] = {}

    def solve(i: int, j: int) -> tuple[int, list[int]]:
        if i == n:
            return 0, []
        if m - j < n - i:
            return -10**9, []
        if (i, j) not in best:
            take_score, take_rest = solve(i + 1, j + 1)
            skip = solve(i, j + 1)
            take = (scores[i][j] + take_score, [j] + take_rest)
            best[(i, j)] = take if take[0] >= skip[0] else skip
        return best[(i, j)]

    return solve(0, 0)[1]


# =============================================================================================
# Placeholders and unit specifics -> {{ variables }}

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


# =============================================================================================
# Whole documents


def parse_document(data: bytes, filename: str, meetings: dict[str, list[str]] | None = None,
                   context: MapContext | None = None) -> list[ImportedSpeech]:
    """An upload's bytes + its file name -> the speeches it holds (no disk involved)."""
    return parse_text(extract_text(data, filename), filename, meetings, context)


def parse_text(text: str, filename: str, meetings: dict[str, list[str]] | None = None,
               context: MapContext | None = None, budget: Budget | None = None) -> list[ImportedSpeech]:
    """The speeches of a file's extracted text."""
    speeches = []
    for raw in split_speeches(text, filename):
        if budget is not None:
            budget.check(filename)
        speeches.append(parse_speech(raw, meetings, context))
    if not speeches:
        raise ImportFailed(f"「{filename}」中没有找到发言正文", filename)
    return speeches


def dropped_noise(data: bytes, filename: str) -> list[str]:
    """The lines import removed as noise (banners, QQ numbers, markers, 目录), for the summary."""
    return clean_lines(extract_text(data, filename))[1]


# =============================================================================================
# Rows, duplicates, summary


@dataclass
class DraftRow:
    id: str
    meeting: str
    slot: str
    heading: str
    body: str
    source: str
    note: str
    enabled: str = "否"
    tags: str = IMPORT_TAG
    unit_types: str = ""
    original: str = ""  # the speech's own words before mapping: what an editor reviews the row against

    def cells(self) -> dict[str, str]:
        return {"编号": self.id, "会议类型": self.meeting, "部分": self.slot, "小标题": self.heading, "正文": self.body,
                "适用单位类型": self.unit_types, "标签": self.tags, "启用": self.enabled, "来源": self.source,
                "备注": self.note}


@dataclass
class Duplicate:
    source: str
    slot: str
    existing: str  # the id of the row it repeats (or of a row added in this import)
    similarity: float = 1.0  # 1.0: the same text; below: most of it the same (a word or two changed)


@dataclass
class FileReport:
    name: str
    speeches: int = 0
    meetings: list[str] = field(default_factory=list)
    sections: int = 0
    slots: dict[str, int] = field(default_factory=dict)
    placeholders_mapped: int = 0
    placeholders_unmapped: int = 0
    specifics_mapped: int = 0
    noise_dropped: int = 0
    notes: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # the noise itself, for the editor to glance at


@dataclass
class ImportSummary:
    files: list[FileReport]
    rows: list[DraftRow]
    duplicates: list[Duplicate]
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False
    library: str = ""
    written_to: str = ""
    backup: str = ""

    @property
    def speeches(self) -> int:
        return sum(f.speeches for f in self.files)

    @property
    def sections(self) -> int:
        return sum(f.sections for f in self.files)

    @property
    def placeholders_mapped(self) -> int:
        return sum(f.placeholders_mapped for f in self.files)

    @property
    def placeholders_unmapped(self) -> int:
        return sum(f.placeholders_unmapped for f in self.files)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.update(speeches=self.speeches, sections=self.sections, added=len(self.rows),
                    placeholders_mapped=self.placeholders_mapped, placeholders_unmapped=self.placeholders_unmapped)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_text(self) -> str:
        lines = [
            f"导入 {len(self.files)} 个文件：共 {self.speeches} 篇发言，识别出 {self.sections} 个段落，"
            f"新增 {len(self.rows)} 行（启用=否，待审核），重复 {len(self.duplicates)} 个未添加。",
            f"占位符：已替换 {self.placeholders_mapped} 处，未能识别 {self.placeholders_unmapped} 处（已写入备注）；"
            f"巡察组、巡察类型、单位称谓等具体表述已换成变量 {sum(f.specifics_mapped for f in self.files)} 处。",
        ]
        for report in self.files:
            slots = "、".join(f"{slot} {count}" for slot, count in report.slots.items())
            lines.append(f"- {report.name}：{report.speeches} 篇（{'、'.join(report.meetings)}），{report.sections} 个段落"
                         f"（{slots}）；占位符已替换 {report.placeholders_mapped}、未识别 {report.placeholders_unmapped}；"
                         f"去除杂项 {report.noise_dropped} 处" + _sample(report.dropped))
            lines.extend(f"  · {note}" for note in report.notes)
        for duplicate in self.duplicates:
            same = "相同" if duplicate.similarity >= 1.0 else f"几乎相同（约 {duplicate.similarity:.0%} 相同）"
            lines.append(f"重复未添加：{duplicate.source}（{duplicate.slot}）与「{duplicate.existing}」{same}")
        lines.extend(self.notes)
        if self.dry_run:
            lines.append("试运行：没有写入任何文件。")
        elif self.written_to:
            lines.append(f"已写入：{self.written_to}" + (f"；原文件备份为：{self.backup}" if self.backup else ""))
        return "\n".join(lines)


def _sample(items: Sequence[str], limit: int = 3, width: int = 16) -> str:
    if not items:
        return ""
    shown = "；".join(item if len(item) <= width else item[:width] + "…" for item in items[:limit])
    return f"（{shown}{'；等' if len(items) > limit else ''}）"


def normalize_for_compare(text: str) -> str:
    """Text as compared for duplicates: no blanks, one form of punctuation and of {{ 变量 }}."""
    text = re.sub(r"\{\{\s*(\S+?)\s*\}\}", r"{{\1}}", text or "")
    text = re.sub(r"\s+", "", text)
    table = str.maketrans({",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）",
                           "\"": "”", "“": "”", "'": "’", "‘": "’"})
    return text.translate(table)


def source_label(speech: ImportedSpeech, part: ImportedPart) -> str:
    first, last = part.span
    where = f"第{first}段" if first == last else f"第{first}–{last}段"
    return f"{Path(speech.filename).name}，第{speech.index}篇，{where}"


NEAR_DUPLICATE = 0.75  # share of the 4-character runs two bodies have in common (Jaccard)


class SimilarBodies:
    """Finds the body most like a new one among many (an index of 4-character runs), so an import
    against a library of thousands of rows stays quick."""

    def __init__(self) -> None:
        self._runs: dict[str, frozenset[str]] = {}
        self._index: dict[str, set[str]] = {}

    @staticmethod
    def runs(normalised: str) -> frozenset[str]:
        return frozenset(normalised[i:i + 4] for i in range(max(1, len(normalised) - 3)))

    def add(self, row_id: str, normalised: str) -> None:
        runs = self.runs(normalised)
        self._runs[row_id] = runs
        for run in runs:
            self._index.setdefault(run, set()).add(row_id)

    def most_like(self, normalised: str) -> tuple[str | None, float]:
        runs = self.runs(normalised)
        shared = Counter(row_id for run in runs for row_id in self._index.get(run, ()))
        best, best_score = None, 0.0
        for row_id, count in shared.items():
            score = count / (len(runs) + len(self._runs[row_id]) - count)
            if score > best_score:
                best, best_score = row_id, score
        return best, best_score


def to_rows(speeches: Iterable[ImportedSpeech], existing_ids: Iterable[str] = (),
            existing_bodies: dict[str, str] | None = None) -> tuple[list[DraftRow], list[Duplicate]]:
    """Draft rows for the 段落 sheet; a body equal or nearly equal (NEAR_DUPLICATE) to an existing
    one, or to one added by this import, is reported as a duplicate, not added."""
    taken = set(existing_ids)
    seen = dict(existing_bodies or {})  # normalised body -> id
    similar = SimilarBodies()
    for body, row_id in seen.items():
        similar.add(row_id, body)
    rows: list[DraftRow] = []
    duplicates: list[Duplicate] = []
    for speech in speeches:
        for part in speech.parts:
            source = source_label(speech, part)
            if not part.body.strip():
                speech.notes.append(f"{source}（{part.slot}）没有正文，未导入")
                continue
            key = normalize_for_compare(part.body)
            if key in seen:
                duplicates.append(Duplicate(source, part.slot, seen[key]))
                continue
            like, score = similar.most_like(key)
            if like is not None and score >= NEAR_DUPLICATE:
                duplicates.append(Duplicate(source, part.slot, like, round(score, 2)))
                continue
            if len(part.body) > MAX_CELL_CHARS:
                speech.notes.append(f"{source}（{part.slot}）超过 Excel 单元格的长度上限，未导入")
                continue
            row_id = _next_id(f"{speech.meeting}-{part.slot}-", taken)
            notes = part.notes + (speech.notes if part is speech.parts[0] else [])
            original = "\n".join(([part.heading] if part.heading else []) + [p.text for p in part.paragraphs])
            rows.append(DraftRow(row_id, speech.meeting, part.slot, part.heading_template if part.slot.startswith("要点") else "",
                                 part.body, source, "；".join(dict.fromkeys(notes)), original=original))
            seen[key] = row_id
            similar.add(row_id, key)
    return rows, duplicates


def _next_id(prefix: str, taken: set[str]) -> str:
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    taken.add(f"{prefix}{n}")
    return f"{prefix}{n}"


def file_report(name: str, speeches: Sequence[ImportedSpeech], noise: Sequence[str]) -> FileReport:
    parts = [p for s in speeches for p in s.parts if p.body.strip()]
    slots = Counter(p.slot for p in parts)
    order = [SALUTATION, OPENING] + [f"要点{i}" for i in range(1, 10)] + [CLOSING]
    return FileReport(
        name=name, speeches=len(speeches), meetings=list(dict.fromkeys(s.meeting for s in speeches)),
        sections=len(parts), slots={s: slots[s] for s in order if slots[s]},
        placeholders_mapped=sum(p.placeholders_mapped for p in parts),
        placeholders_unmapped=sum(p.placeholders_unmapped for p in parts),
        specifics_mapped=sum(p.specifics_mapped for p in parts), noise_dropped=len(noise), dropped=list(noise),
        notes=[_speech_line(s) for s in speeches])


def _speech_line(speech: ImportedSpeech) -> str:
    line = f"第{speech.index}篇：识别为「{speech.meeting}」（{speech.meeting_reason}），{len(speech.points)} 个要点"
    if speech.style:
        line += f"，编号样式「{speech.style}」"
    return line + ("；" + "；".join(speech.notes) if speech.notes else "")


# =============================================================================================
# The workbook: facts read from it, rows appended, atomic write


@dataclass
class LibraryFacts:
    """What the importer needs from the workbook (read with openpyxl, tolerant of editor mistakes)."""

    meetings: dict[str, list[str]]  # meeting id -> its point slots
    context: MapContext
    ids: set[str]
    bodies: dict[str, str]  # normalised 正文 -> 编号
    phrase_rules: tuple = ()  # the 提法 sheet as lint.PhraseRule


def _sheet_records(sheet) -> tuple[dict[str, int], list[tuple[int, dict[str, object]]]]:
    headers = {str(c.value).strip(): c.column for c in sheet[1] if c.value is not None and str(c.value).strip()}
    records = []
    for row in sheet.iter_rows(min_row=2):
        values = {h: row[col - 1].value if col - 1 < len(row) else None for h, col in headers.items()}
        if any(v not in (None, "") for v in values.values()):
            records.append((row[0].row, values))
    return headers, records


def _split(value: object) -> list[str]:
    return [v.strip() for v in re.split(r"[、,，;；\n]+", str(value or "")) if v.strip()]


def read_facts(book, name: str) -> LibraryFacts:
    if SHEET not in book.sheetnames:
        raise ImportFailed(f"段落库「{name}」中没有「{SHEET}」工作表，无法导入", name)
    headers, records = _sheet_records(book[SHEET])
    missing = [c for c in REQUIRED_COLUMNS if c not in headers]
    if missing:
        raise ImportFailed(f"段落库「{name}」的「{SHEET}」工作表缺少列：{'、'.join(missing)}，请先在第 1 行补上", name)
    ids = {str(v["编号"]).strip() for _, v in records if v.get("编号")}
    bodies = {normalize_for_compare(str(v["正文"])): str(v.get("编号") or f"第{n}行")
              for n, v in records if v.get("正文")}
    meetings: dict[str, list[str]] = {}
    if "会议类型" in book.sheetnames:
        for _, v in _sheet_records(book["会议类型"])[1]:
            if v.get("编号"):
                meetings[str(v["编号"]).strip()] = [s for s in _split(v.get("部分")) if s.startswith("要点")]
    variables: dict[str, frozenset[str]] | None = None
    examples: dict[str, str] = {}
    if "变量" in book.sheetnames:
        variables = {}
        for _, v in _sheet_records(book["变量"])[1]:
            if v.get("键"):
                key = str(v["键"]).strip()
                variables[key] = frozenset(m for m in _split(v.get("适用会议类型")) if m != "通用")
                examples[key] = str(v.get("示例") or "").strip()
        if "单位类型" in book.sheetnames:
            for header in _sheet_records(book["单位类型"])[0]:
                variables.setdefault(header, frozenset())
    return LibraryFacts(meetings or {}, MapContext(variables, examples), ids, bodies, _phrase_rules(book))


def _phrase_rules(book) -> tuple:
    """The 提法 sheet's rules (rows the library would reject are skipped: `biaotai check` reports them)."""
    from .lint import PhraseRule

    if "提法" not in book.sheetnames:
        return ()
    rules = []
    for number, v in _sheet_records(book["提法"])[1]:
        pattern = str(v.get("过时提法") or "").strip()
        regex = str(v.get("匹配方式") or "").strip() == "正则"
        if not pattern or (regex and not _compiles(pattern)):
            continue
        until = v.get("有效期至")
        if isinstance(until, dt.datetime):
            until = until.date()
        elif not isinstance(until, dt.date):
            match = re.match(r"\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})", str(until or ""))
            until = dt.date(*map(int, match.groups())) if match and _valid_date(*match.groups()) else None
        rules.append(PhraseRule(pattern, str(v.get("原因") or ""), str(v.get("建议改为") or ""), until, regex, number))
    return tuple(rules)


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
        return True
    except re.error:
        return False


def _valid_date(year: str, month: str, day: str) -> bool:
    try:
        dt.date(int(year), int(month), int(day))
        return True
    except ValueError:
        return False


def flag_outdated(speeches: Iterable[ImportedSpeech], rules: Sequence) -> None:
    """Add a note for every outdated phrase (提法) in the imported text."""
    if not rules:
        return
    from .lint import compile_rules, find_outdated

    matcher = compile_rules(rules)
    for speech in speeches:
        for part in speech.parts:
            for hit in find_outdated(part.heading_template + "\n" + part.body, matcher):
                if hit.message not in part.notes:
                    part.notes.append(hit.message)


def import_files(paths: Sequence[str | Path], library_path: str | Path, out_path: str | Path | None = None,
                 dry_run: bool = False) -> ImportSummary:
    """Import speeches from files into the workbook (or into `out_path`, leaving the original alone)."""
    documents = []
    for path in paths:
        path = Path(path)
        try:
            size = path.stat().st_size
            if size > MAX_INPUT_BYTES:
                raise ImportFailed(_too_large(path.name, size), path.name)
            documents.append((path.name, path.read_bytes()))
        except FileNotFoundError:
            raise ImportFailed(f"找不到要导入的文件「{path}」", path.name) from None
        except IsADirectoryError:
            raise ImportFailed(f"「{path}」是文件夹，请指定 .txt 或 .docx 文件", path.name) from None
        except OSError as exc:
            raise ImportFailed(f"无法读取「{path}」（{exc.strerror or exc}）", path.name) from None
    return import_documents(documents, library_path, out_path, dry_run)


def import_documents(documents: Sequence[tuple[str, bytes]], library_path: str | Path,
                     out_path: str | Path | None = None, dry_run: bool = False) -> ImportSummary:
    """The same from (file name, bytes) pairs, e.g. uploads. No lock is held while reading and
    planning; the write compares the workbook with what was read right before replacing it."""
    from openpyxl import load_workbook

    library_path = Path(library_path)
    data = _read_library(library_path)
    try:
        book = load_workbook(io.BytesIO(data))
    except Exception as exc:
        raise ImportFailed(f"段落库「{library_path.name}」无法打开（{type(exc).__name__}），请确认是 .xlsx 文件且未损坏",
                           library_path.name) from exc
    summary = plan_import(documents, book, library_path.name)
    summary.dry_run = dry_run
    summary.library = str(library_path)
    if dry_run or not summary.rows:
        if not dry_run and not summary.rows:
            summary.notes.append("没有新段落，段落库未改动。")
        return summary
    target = Path(out_path) if out_path else library_path
    summary.backup = str(write_rows(book, data, summary.rows, library_path, target) or "")
    summary.written_to = str(target)
    return summary


def write_rows(book, read: bytes, rows: Sequence[DraftRow], library_path: Path, target: Path) -> Path | None:
    """Append `rows` to the book read from `read` and write it to `target` (the library itself or
    another file); the backup's path. Written in place only if nobody saved since `read`."""
    append_rows(book[SHEET], rows)
    in_place = target.resolve() == library_path.resolve()
    try:
        return replace_workbook(target, book.save, expected=read if in_place else None, purpose="导入")
    except WorkbookWriteError as exc:
        raise ImportFailed(str(exc), exc.filename) from None


def commit_rows(reviewed: Sequence[Mapping[str, str]], library_path: str | Path) -> ImportSummary:
    """The rows an editor ticked in the import review (meeting, slot, heading, body, source, note,
    as the preview gave them and the editor changed them), appended as draft rows (启用=否)."""
    from openpyxl import load_workbook

    library_path = Path(library_path)
    data = _read_library(library_path)
    book = load_workbook(io.BytesIO(data))
    facts = read_facts(book, library_path.name)
    taken = set(facts.ids)
    seen = dict(facts.bodies)
    summary = ImportSummary([], [], [])
    summary.library = str(library_path)
    for number, item in enumerate(reviewed, start=1):
        meeting, slot = str(item.get("meeting", "")).strip(), str(item.get("slot", "")).strip()
        body = str(item.get("body", "")).strip()
        where = f"第 {number} 行"
        if facts.meetings and meeting not in facts.meetings:
            raise ImportFailed(f"{where}：没有会议类型「{meeting}」，可选：{'、'.join(facts.meetings)}", "meeting")
        allowed = [s for s in SLOT_CHOICES if not is_point(s)] + (facts.meetings.get(meeting) or
                                                                    [s for s in SLOT_CHOICES if is_point(s)])
        if slot not in allowed:
            raise ImportFailed(f"{where}：会议类型「{meeting}」没有「{slot}」这一部分，可选：{'、'.join(allowed)}", "slot")
        if not body or len(body) > MAX_CELL_CHARS:
            raise ImportFailed(f"{where}：正文不能为空，也不能超过 {MAX_CELL_CHARS} 字", "body")
        key = normalize_for_compare(body)
        if key in seen:
            summary.duplicates.append(Duplicate(str(item.get("source", "")), slot, seen[key]))
            continue
        row = DraftRow(_next_id(f"{meeting}-{slot}-", taken), meeting, slot,
                       str(item.get("heading", "")).strip() if slot.startswith("要点") else "", body,
                       str(item.get("source", "")).strip()[:200], str(item.get("note", "")).strip()[:500])
        taken.add(row.id)
        seen[key] = row.id
        summary.rows.append(row)
    if summary.rows:
        summary.backup = str(write_rows(book, data, summary.rows, library_path, library_path) or "")
        summary.written_to = str(library_path)
    else:
        summary.notes.append("没有新段落，段落库未改动。")
    return summary


def _read_library(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ImportFailed(f"找不到段落库文件「{path}」，请确认路径", path.name) from None
    except OSError as exc:
        raise ImportFailed(f"无法读取段落库「{path}」（{exc.strerror or exc}），文件可能正被其他程序占用", path.name) from None


def plan_import(documents: Sequence[tuple[str, bytes]], book, library_name: str = "段落库") -> ImportSummary:
    """Parse every document against the workbook's facts; nothing is written."""
    facts = read_facts(book, library_name)
    reports, all_speeches = [], []
    budget = Budget()
    for filename, data in documents:
        budget.check(filename)
        text = extract_text(data, filename, budget)  # once per file: both the speeches and the noise use it
        speeches = parse_text(text, filename, facts.meetings or None, facts.context, budget)
        all_speeches.extend(speeches)
        reports.append(file_report(Path(filename).name, speeches, clean_lines(text)[1]))
    flag_outdated(all_speeches, facts.phrase_rules)
    rows, duplicates = to_rows(all_speeches, facts.ids, facts.bodies)
    for report, (filename, _) in zip(reports, documents):
        speeches = [s for s in all_speeches if s.filename == filename]
        late = [n for s in speeches for n in s.notes if "未导入" in n]
        report.notes.extend(dict.fromkeys(late))
    return ImportSummary(reports, rows, duplicates)


IMPORTED_FILL = "FFF2CC"  # light yellow: rows an import added, for the editor to review (启用=否 until then)


def append_rows(sheet, rows: Sequence[DraftRow]) -> list[int]:
    """Append after the last non-empty row, with the style and dropdowns of the row above, filled
    light yellow so an editor finds the rows to review (Excel: 按颜色筛选)."""
    from openpyxl.styles import PatternFill
    fill = PatternFill(fill_type="solid", start_color=IMPORTED_FILL, end_color=IMPORTED_FILL)
    headers = {str(c.value).strip(): c.column for c in sheet[1] if c.value is not None}
    last = _last_filled_row(sheet)
    template_row = last if last >= 2 else None
    numbers = []
    for offset, row in enumerate(rows, start=1):
        number = last + offset
        numbers.append(number)
        for column in range(1, sheet.max_column + 1):
            cell = sheet.cell(row=number, column=column)
            if template_row:
                source = sheet.cell(row=template_row, column=column)
                if source.has_style:
                    cell._style = copy(source._style)
        for header, value in row.cells().items():
            if header in headers and value != "":
                cell = sheet.cell(row=number, column=headers[header])
                cell.value = value
                cell.data_type = "s"  # text starting with "=" stays text
        for column in range(1, sheet.max_column + 1):
            sheet.cell(row=number, column=column).fill = fill
    if template_row and numbers:
        _extend_validations(sheet, template_row, numbers[0], numbers[-1])
        _extend_tables(sheet, template_row, numbers[-1])
    return numbers


def _last_filled_row(sheet) -> int:
    for number in range(sheet.max_row, 0, -1):
        if any(c.value not in (None, "") for c in sheet[number]):
            return number
    return 1


def _extend_validations(sheet, template_row: int, first: int, last: int) -> None:
    from openpyxl.utils import get_column_letter

    for validation in sheet.data_validations.dataValidation:
        for column in range(1, sheet.max_column + 1):
            letter = get_column_letter(column)
            if f"{letter}{template_row}" in validation.sqref and f"{letter}{last}" not in validation.sqref:
                validation.sqref.add(f"{letter}{first}:{letter}{last}")


def _extend_tables(sheet, template_row: int, last: int) -> None:
    from openpyxl.utils.cell import range_boundaries, get_column_letter

    for table in sheet.tables.values():
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        if max_row == template_row:
            table.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{last}"
            if table.autoFilter is not None:
                table.autoFilter.ref = table.ref
