"""Bytes -> text -> speeches: decode .txt, stream .docx (counting what comes out of the zip),
drop paid-site noise, split collections into speeches; bounded by limits.py and one time budget.
"""
from __future__ import annotations

import io
import re
import time
import zipfile
import zlib
from pathlib import Path

from ..numbering import LEADING_ORDINAL, ORDINAL_CHARS, chinese_ordinal
from ..text import strip_xml_forbidden
from ..limits import (MAX_DOCX_ENTRIES, MAX_DOCX_RATIO, MAX_DOCX_UNCOMPRESSED, MAX_IMPORT_CHARACTERS,
                     MAX_IMPORT_PARAGRAPHS, MAX_IMPORT_SECONDS, MAX_INPUT_BYTES)
from .model import ImportFailed, Paragraph, RawSpeech, _salutation_end


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


_SEPARATOR = re.compile(rf"^[（(]\s*[{ORDINAL_CHARS}]+\s*[)）]$")


_COUNT_MARK = re.compile(r"^[（(【\[]?\s*(?:共)?\s*\d+\s*篇\s*[)）】\]]?$")


_MARKER = re.compile(r"#{2,}\s*[A-Za-z_]+\s*#{2,}")


_QQ = re.compile(r"(?:咨询|联系|加)?\s*(?:QQ|ＱＱ|qq)\s*(?:群|号)?\s*[:：]?\s*\d{5,12}")


_NOISE_WORDS = re.compile(
    r"仅供学习|禁止外传|仅供参考|版权所有|侵权必究|严禁转载|QQ|ＱＱ|会员|订阅|倒卖|扫码|公众号|关注我们|"
    r"更多(?:精彩|资料|范文)|下载|原文链接|本文来源|责任编辑|免费领取|整理[，,、]|整理$|http|www\.")


_TITLE_END = re.compile(r"(?:发言|讲话|致辞|表态)(?:稿|材料|提纲)?(?:[（(][^）)]{0,20}[)）])?$")


_TOC = re.compile(r"^目\s*录[:：]?$")


_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2028\u2029\u2060\ufeff\ue000-\uf8ff]")


_SHORT = 40


_SPOKEN = re.compile(r"我代表|下面|，我|,我|^我")  # "下面，我代表局党组作表态发言" is said, not a title


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
