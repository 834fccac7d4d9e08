"""Fault suite: broken workbooks, a killed server, a killed import, a full disk, a read-only folder.

Run alone with `python3 -m pytest -m fault`. Every case starts from a service (or import) that works
and checks what matters to the office: a clear Chinese answer naming the place at fault, the last
good library still serving, and the workbook on disk never left corrupt.
"""
from __future__ import annotations

import datetime as dt
import errno
import io
import json
import os
import re
import resource
import signal
import struct
import subprocess
import sys
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import pytest

from server import create_app
from server.workbook import SHEET_LAYOUT, build_workbook
from support.live_server import Service
from test_serve import ROOT, call, clean_env
from workbook_factory import TEST_VALUES, VARIABLES, base_content, make_workbook

pytestmark = pytest.mark.fault

SPEECH = {"meeting": "动员会", "variables": TEST_VALUES, "seed": 1}
CJK = re.compile(r"[\u4e00-\u9fff]")
RELOAD_SECONDS = 10.0  # generous for a busy CI machine; the slowest case takes about 1 s here
RELOAD_MEMORY_MB = 300  # growth of the process's peak memory while the broken file is read

_GOOD: bytes | None = None


def good_bytes() -> bytes:
    global _GOOD
    if _GOOD is None:
        _GOOD = build_workbook(base_content())
    return _GOOD


# =============================================================================================
# Making broken workbooks


def edited(edit: Callable[[dict], None], layout: dict | None = None) -> bytes:
    content = base_content()
    edit(content)
    return build_workbook(content, **({"layout": layout} if layout else {}))


def sheet_part(data: bytes, sheet: str) -> str:
    """The zip member holding a sheet, found as a reader would (workbook.xml -> rels)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        rel_id = re.search(rf'name="{sheet}"[^>]*r:id="([^"]+)"', workbook).group(1)
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
        target = re.search(rf'Target="([^"]+)" Id="{rel_id}"', rels).group(1)
    return target.lstrip("/")


def rezip(data: bytes, replace: dict | None = None, drop: Iterable[str] = (), level: int | None = None) -> bytes:
    """A copy of the package with members replaced (bytes, bytes -> bytes, or a list of chunks
    streamed into the member) or dropped."""
    replace, drop = replace or {}, set(drop)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target:
        for info in source.infolist():
            if info.filename in drop:
                continue
            body = source.read(info.filename)
            new = replace.get(info.filename)
            if new is None:
                target.writestr(info, body)
                continue
            new = new(body) if callable(new) else new
            if isinstance(new, (bytes, bytearray)):
                target.writestr(info.filename, new)
            else:
                with target.open(info.filename, "w", force_zip64=True) as handle:
                    for chunk in new:
                        handle.write(chunk)
    return out.getvalue()


def in_sheet(sheet: str, change: Callable[[bytes], bytes]) -> Callable[[], bytes]:
    def build() -> bytes:
        data = good_bytes()
        return rezip(data, {sheet_part(data, sheet): change})
    return build


def append_rows(rows: bytes) -> Callable[[bytes], bytes]:
    return lambda xml: xml.replace(b"</sheetData>", rows + b"</sheetData>")


def cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal Compound File (OLE2, version 3): what Excel writes for an .xls or, holding
    EncryptionInfo and EncryptedPackage streams, for an .xlsx with an open password."""
    sector = 512
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    fat = [fat_sector, end]  # sector 0: the FAT, sector 1: the directory
    entries, data = [], b""
    for name, body in streams.items():
        body = body.ljust(max(4096, -(-len(body) // sector) * sector), b"\0")  # regular sectors only
        start, count = len(fat), len(body) // sector
        fat += [start + i + 1 for i in range(count - 1)] + [end]
        entries.append((name, 2, start, len(body)))
        data += body

    def entry(name: str, kind: int, start: int, size: int, child: int = free, right: int = free) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB3I", len(encoded), kind, 1, free, right, child)
                + b"\0" * 16 + struct.pack("<I2QIQ", 0, 0, 0, start, size))

    directory = entry("Root Entry", 5, end, 0, child=1)
    for index, (name, kind, start, size) in enumerate(entries, start=1):
        directory += entry(name, kind, start, size, right=index + 1 if index < len(entries) else free)
    directory = directory.ljust(sector, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat).ljust(sector, b"\xff")
    return header + fat_bytes + directory + data


def encrypted_workbook() -> bytes:
    info = struct.pack("<HHI", 4, 4, 0x40) + b"<encryption xmlns=\"http://schemas.microsoft.com/office/2006/encryption\"/>"
    return cfb({"EncryptionInfo": info, "EncryptedPackage": struct.pack("<Q", len(good_bytes())) + os.urandom(8192)})


def legacy_xls() -> bytes:
    return cfb({"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00" + b"\0" * 5000})


def word_document() -> bytes:
    from docx import Document
    document = Document()
    document.add_paragraph("在市委巡察工作动员会上的表态发言")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def flipped_bytes() -> bytes:
    """A bit-rotten copy: bytes inside the deflated data of the 段落 sheet changed."""
    data = bytearray(good_bytes())
    start = data.find(sheet_part(good_bytes(), "段落").encode()) + 80
    for index in range(start, start + 60):
        data[index] ^= 0x5A
    return bytes(data)


LAUGHS = ('<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10)) + "]>").encode()
XXE = b'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def with_entity(prolog: bytes, entity: bytes) -> Callable[[bytes], bytes]:
    return lambda xml: prolog + xml.replace(b"<t>", b"<t>" + entity, 1)


LAST_EXCEL_ROW = 1_048_576


def million_formatted_rows(stray: bool) -> Callable[[], bytes]:
    """About a million empty rows formatted as a whole (what selecting rows and setting a style
    leaves), written as sheet XML straight into the zip; with `stray`, one value typed into the very
    last row (Ctrl+Down, then a key) as well."""
    def rows(xml: bytes) -> Iterable[bytes]:
        head, _, tail = xml.partition(b"</sheetData>")
        yield re.sub(rb'<dimension ref="[^"]+"/>', f'<dimension ref="A1:J{LAST_EXCEL_ROW}"/>'.encode(), head)
        last = LAST_EXCEL_ROW - 1 if stray else LAST_EXCEL_ROW
        for start in range(13, last + 1, 20_000):
            yield b"".join(b'<row r="%d" s="1" customFormat="1"/>' % r for r in range(start, min(start + 20_000, last + 1)))
        if stray:
            yield b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (LAST_EXCEL_ROW, LAST_EXCEL_ROW)
        yield b"</sheetData>" + tail

    def build() -> bytes:
        data = good_bytes()
        return rezip(data, {sheet_part(data, "段落"): lambda xml: list(rows(xml))}, level=1)
    return build


def ten_megabytes_in_one_cell() -> bytes:
    """正文 of 段落 row 3 holding 10 MB of text (openpyxl cuts at 32,767 characters, so the XML is
    written directly)."""
    text = ("根据{{ 上级党委 }}统一部署。" + "长" * 3_500_000).encode()
    pattern = re.compile(rb'(<c r="E3"[^>]*><is><t[^>]*>)(.*?)(</t>)', re.S)

    def change(xml: bytes) -> bytes:
        assert pattern.search(xml)
        return pattern.sub(lambda m: m.group(1) + text + m.group(3), xml, count=1)
    return in_sheet("段落", change)()


def zip_bomb() -> bytes:
    """The 段落 sheet inflating to 300 MB of blanks (1.4 MB in the zip)."""
    def blanks(xml: bytes) -> Iterable[bytes]:
        head, _, tail = xml.partition(b"</sheetData>")
        yield head
        chunk = b" " * (1 << 20)
        for _ in range(300):
            yield chunk
        yield b"</sheetData>" + tail
    data = good_bytes()
    return rezip(data, {sheet_part(data, "段落"): lambda xml: list(blanks(xml))}, level=1)


def renamed_header(sheet: str, old: str, new: str) -> dict:
    return {name: [((new if header == old else header), *rest) for header, *rest in columns] if name == sheet else columns
            for name, columns in SHEET_LAYOUT.items()}


def variable_row(key: str) -> int:
    return next(i for i, row in enumerate(VARIABLES) if row[0] == key) + 2


def setter(sheet: str, index: int, *columns_and_values) -> Callable[[dict], None]:
    """An edit setting cells of one row: setter("段落", 1, 4, "新正文") sets 正文 of the second row."""
    def edit(content: dict) -> None:
        for column, value in zip(columns_and_values[::2], columns_and_values[1::2]):
            content[sheet][index][column] = value
    return edit


# =============================================================================================
# The corpus


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[], bytes]
    expect: str  # a regular expression the message of one error must match
    sheet: str | None = None  # where that error must be, when the case is about one place
    row: int | None = None
    column: str | None = None


def _cases() -> list[Case]:
    first_variable_row = 2
    appended_variable = len(VARIABLES) + 2
    return [
        # ---- not a readable workbook at all
        Case("empty-file", lambda: b"", "文件是空的"),
        Case("truncated-zip-half", lambda: good_bytes()[: len(good_bytes()) // 2], "文件已损坏或尚未保存完整"),
        Case("truncated-zip-no-central-directory", lambda: good_bytes()[:-40], "文件已损坏或尚未保存完整"),
        Case("bit-rot-in-sheet", flipped_bytes, "文件已损坏或尚未保存完整"),
        Case("renamed-pdf", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "不是 Excel 工作簿"),
        Case("renamed-csv-gbk", lambda: "编号,会议类型,部分\n动员-开场-1,动员会,开场\n".encode("gb18030"), "不是 Excel 工作簿"),
        Case("renamed-html-web-page", lambda: "<html><body><table><tr><td>编号</td></tr></table></body></html>".encode(),
             "不是 Excel 工作簿"),
        Case("renamed-word-document", word_document, "Word 文档"),
        Case("legacy-xls", legacy_xls, "旧版 .xls"),
        Case("password-protected", encrypted_workbook, "打开密码"),
        Case("missing-workbook-part", lambda: rezip(good_bytes(), drop=["xl/workbook.xml"]), "缺少工作簿部件"),
        Case("missing-sheet-part", lambda: rezip(good_bytes(), drop=[sheet_part(good_bytes(), "段落")]),
             "文件已损坏或尚未保存完整"),
        Case("malformed-sheet-xml", in_sheet("段落", append_rows(b'<row r="40"><c r="A40" t="inlineStr"><is><t>x</is></row>')),
             "文件已损坏或尚未保存完整"),
        Case("billion-laughs", in_sheet("段落", with_entity(LAUGHS, b"&lol9;")), "文件已损坏或尚未保存完整"),
        Case("external-entity-xxe", in_sheet("段落", with_entity(XXE, b"&xxe;")), "文件已损坏或尚未保存完整"),
        Case("zip-bomb-300mb-part", zip_bomb, "解压后过大"),
        Case("million-formatted-rows-and-a-stray-value", million_formatted_rows(stray=True), "使用范围过大",
             "段落", LAST_EXCEL_ROW),
        Case("stray-value-in-column-XFD", in_sheet("段落", append_rows(
            b'<row r="300"><c r="XFD300" t="inlineStr"><is><t>x</t></is></c></row>')), "使用范围过大", "段落", 300),
        Case("ten-megabytes-in-one-cell", ten_megabytes_in_one_cell, "单元格内容太长", "段落", 3, "正文"),
        # ---- sheets and columns
        Case("missing-sheet", lambda: build_workbook(base_content(), layout={k: v for k, v in SHEET_LAYOUT.items()
                                                                             if k != "段落"}),
             "缺少工作表「段落」", "段落"),
        Case("missing-column", lambda: edited(lambda c: None, renamed_header("会议类型", "标题", "题目")),
             "缺少列「标题」", "会议类型", 1, "标题"),
        # ---- 单位类型
        Case("unit-type-duplicate", lambda: edited(lambda c: c["单位类型"].append(list(c["单位类型"][0]))),
             "与第 2 行重复", "单位类型", 10, "单位类型"),
        Case("unit-type-half-filled", lambda: edited(setter("单位类型", 1, 1, "")), "此项为空", "单位类型", 3, "自称"),
        Case("unit-types-empty", lambda: edited(lambda c: c["单位类型"].clear()), "没有任何单位类型", "单位类型", 2),
        # ---- 会议类型
        Case("meeting-unknown-slot", lambda: edited(setter("会议类型", 0, 2, "称呼、开场、要点一、要点2、结尾")),
             "是否应为「要点1」", "会议类型", 2, "部分"),
        Case("meeting-slot-twice", lambda: edited(setter("会议类型", 1, 2, "开场、要点1、要点1、结尾")),
             "出现了两次", "会议类型", 3, "部分"),
        Case("meeting-without-points", lambda: edited(setter("会议类型", 1, 2, "开场、结尾")),
             "至少需要一个要点", "会议类型", 3, "部分"),
        Case("meeting-bad-numbering-style", lambda: edited(setter("会议类型", 0, 3, "1.")),
             "编号样式只能是", "会议类型", 2, "默认编号样式"),
        Case("meeting-duplicate-id", lambda: edited(setter("会议类型", 1, 0, "动员会")), "与第 2 行重复", "会议类型", 3, "编号"),
        Case("meeting-title-misspelt-variable", lambda: edited(setter("会议类型", 0, 4, "在{{ 巡查组 }}动员会上的表态发言")),
             r"未定义的变量 \{\{ 巡查组 \}\}，是否应为 \{\{ 巡察组 \}\}", "会议类型", 2, "标题"),
        Case("meetings-empty", lambda: edited(lambda c: c["会议类型"].clear()), "没有任何会议类型", "会议类型", 2),
        # ---- 变量
        Case("variable-bad-key", lambda: edited(lambda c: c["变量"].append(["1号", "一号", "", "甲", "否", "", "", "填写"])),
             "只能由汉字、字母、数字和下划线组成", "变量", appended_variable, "键"),
        Case("variable-required-not-yes-no", lambda: edited(setter("变量", 0, 4, "对")),
             "只能填「是」或「否」", "变量", first_variable_row, "必填"),
        Case("variable-bad-origin", lambda: edited(setter("变量", 0, 7, "自动")), "来源只能是", "变量", first_variable_row, "来源"),
        Case("variable-derived-without-column", lambda: edited(lambda c: c["变量"].append(
            ["职级", "职级", "", "", "否", "", "", "单位类型"])), "没有名为「职级」的列", "变量", appended_variable, "来源"),
        Case("variable-example-not-a-choice", lambda: edited(setter("变量", variable_row("巡察类型") - 2, 3, "督察")),
             "不在可选值", "变量", variable_row("巡察类型"), "示例"),
        Case("variable-unknown-meeting", lambda: edited(setter("变量", variable_row("巡察时长") - 2, 5, "动员大会")),
             "不认识的会议类型「动员大会」，是否应为「动员会」", "变量", variable_row("巡察时长"), "适用会议类型"),
        Case("core-variable-missing", lambda: edited(lambda c: c["变量"].pop(variable_row("巡察组") - 2)),
             "缺少核心变量「巡察组」", "变量"),
        # ---- 提法
        Case("rule-bad-regex", lambda: edited(setter("提法", 0, 4, "正则", 0, "十九大(")),
             "正则表达式写法有误", "提法", 2, "过时提法"),
        Case("rule-bad-match-mode", lambda: edited(setter("提法", 1, 4, "模糊")), "匹配方式只能是", "提法", 3, "匹配方式"),
        Case("rule-bad-date", lambda: edited(setter("提法", 0, 3, "明年年底")), "无法识别的日期", "提法", 2, "有效期至"),
        # ---- 段落
        Case("section-duplicate-id", lambda: edited(setter("段落", 2, 0, "动员-开场-1")), "与第 3 行重复", "段落", 4, "编号"),
        Case("section-empty-id", lambda: edited(setter("段落", 2, 0, "")), "编号为空", "段落", 4, "编号"),
        Case("section-half-filled", lambda: edited(setter("段落", 2, 4, "")), "此项为空", "段落", 4, "正文"),
        Case("section-unknown-slot", lambda: edited(setter("段落", 3, 2, "要点十")), "不认识的部分「要点十」", "段落", 5, "部分"),
        Case("section-unknown-meeting", lambda: edited(setter("段落", 1, 1, "动员大会")),
             "不认识的会议类型「动员大会」", "段落", 3, "会议类型"),
        Case("section-unknown-unit-type", lambda: edited(setter("段落", 1, 5, "厅")), "不认识的单位类型「厅」", "段落", 3, "适用单位类型"),
        Case("section-point-without-heading", lambda: edited(setter("段落", 3, 3, "")), "要点需要一句小标题", "段落", 5, "小标题"),
        Case("section-enabled-not-yes-no", lambda: edited(setter("段落", 1, 7, "Y")), "只能填「是」或「否」", "段落", 3, "启用"),
        Case("section-number-instead-of-text", lambda: edited(setter("段落", 1, 4, 12345)), "却是数字 12345", "段落", 3, "正文"),
        Case("section-date-instead-of-text", lambda: edited(setter("段落", 1, 4, dt.datetime(2024, 3, 1))),
             "却是日期或时间", "段落", 3, "正文"),
        Case("section-formula", lambda: edited(setter("段落", 1, 4, '=CONCATENATE("根据","部署")')), "这里是公式", "段落", 3, "正文"),
        Case("section-template-syntax", lambda: edited(setter("段落", 1, 4, '{% if 巡察类型 == "巡视" %}巡视')),
             "模板写法有误", "段落", 3, "正文"),
        Case("section-misspelt-variable", lambda: edited(setter("段落", 1, 4, "{{ 巡查组 }}进驻{{ 自称 }}。")),
             r"是否应为 \{\{ 巡察组 \}\}", "段落", 3, "正文"),
        Case("section-variable-of-another-meeting", lambda: edited(setter("段落", 9, 4, "为期{{ 巡察时长 }}的巡察。")),
             "只适用于 动员会", "段落", 11, "正文"),
    ]


CASES = _cases()


@pytest.fixture(scope="module")
def timings(request):
    """Reload time and peak-memory growth per case, the slowest reported at the end."""
    found: dict[str, tuple[float, float]] = {}
    yield found
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None and found:
        slowest = sorted(found.items(), key=lambda item: -item[1][0])[:6]
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            reporter.write_line("坏段落库：最慢的重新加载（秒，峰值内存增长 MB）：" + "，".join(
                f"{name} {seconds:.2f}s/{memory:.0f}MB" for name, (seconds, memory) in slowest))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _save_over(path: Path, data: bytes) -> None:
    """What an editor's save does to the file the service reads (with a later timestamp)."""
    path.write_bytes(data)
    later = time.time() + 5
    os.utime(path, (later, later))


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 30 and len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_workbook_is_reported_and_the_last_good_library_keeps_serving(case, tmp_path, timings):
    path = tmp_path / "section_library.xlsx"
    path.write_bytes(good_bytes())
    app = create_app({"LIBRARY": str(path), "TESTING": True, "TOKEN": None})
    client = app.test_client()
    before = client.get("/api/health").get_json()
    assert before["status"] == "ok", before
    good_id = before["library_id"]

    broken = case.build()
    peak = _peak_mb()
    started = time.perf_counter()
    _save_over(path, broken)
    response = client.get("/api/health")
    seconds = time.perf_counter() - started
    growth = _peak_mb() - peak
    timings[case.name] = (seconds, growth)
    assert seconds < RELOAD_SECONDS, f"读取坏文件用了 {seconds:.1f} 秒"
    assert growth < RELOAD_MEMORY_MB, f"读取坏文件使峰值内存增加了 {growth:.0f} MB"

    health = response.get_json()
    assert response.status_code == 200
    assert health["status"] == "degraded" and health["library_id"] == good_id, health
    assert "服务继续使用上一版" in health["message"] and CJK.search(health["message"])
    assert health["since"] and health["errors"] and all(CJK.search(e["message"]) for e in health["errors"])

    check = client.get("/api/library/check").get_json()
    assert check["ok"] is False and check["errors"] >= 1 and check["serving_library_id"] == good_id
    errors = [p for p in check["problems"] if p["severity"] == "error"]
    matching = [p for p in errors if re.search(case.expect, p["message"])]
    assert matching, f"没有符合「{case.expect}」的错误：{[p['text'] for p in errors]}"
    if case.sheet is not None:
        located = [p for p in matching if p.get("sheet") == case.sheet and p.get("row") == case.row
                   and p.get("column") == case.column]
        assert located, f"错误的位置不对：{[(p.get('sheet'), p.get('row'), p.get('column')) for p in matching]}"
        assert f"工作表「{case.sheet}」" in located[0]["text"]
        if case.row:
            assert f"第 {case.row} 行" in located[0]["text"]

    speech = client.post("/api/speech", json=SPEECH)
    assert speech.status_code == 200, speech.get_json()
    assert speech.get_json()["library_id"] == good_id and speech.headers["X-Biaotai-Library"] == good_id
    document = client.post("/api/speech.docx", json=SPEECH)
    assert document.status_code == 200 and document.data[:2] == b"PK"

    _save_over(path, good_bytes())  # the editor repairs it: back to normal, nothing else changed
    repaired = client.get("/api/health").get_json()
    assert repaired["status"] == "ok" and repaired["library_id"] == good_id and repaired["since"] is None


def test_a_broken_workbook_at_start_is_unavailable_with_the_reason_then_recovers(tmp_path):
    path = tmp_path / "section_library.xlsx"
    path.write_bytes(encrypted_workbook())
    client = create_app({"LIBRARY": str(path), "TESTING": True, "TOKEN": None}).test_client()
    response = client.get("/api/health")
    assert response.status_code == 503 and response.get_json()["status"] == "unavailable"
    assert "打开密码" in response.get_json()["message"]
    speech = client.post("/api/speech", json=SPEECH)
    assert speech.status_code == 503 and speech.get_json()["error"]["code"] == "library_unavailable"
    _save_over(path, good_bytes())
    assert client.get("/api/health").get_json()["status"] == "ok"
    assert client.post("/api/speech", json=SPEECH).status_code == 200


def test_a_million_empty_formatted_rows_alone_are_not_an_error(tmp_path, timings):
    """Formatting is not content: such a workbook loads, quickly, with memory to spare."""
    path = tmp_path / "section_library.xlsx"
    path.write_bytes(good_bytes())
    client = create_app({"LIBRARY": str(path), "TESTING": True, "TOKEN": None}).test_client()
    old_id = client.get("/api/health").get_json()["library_id"]
    data = million_formatted_rows(stray=False)()
    peak = _peak_mb()
    started = time.perf_counter()
    _save_over(path, data)
    health = client.get("/api/health").get_json()
    seconds, growth = time.perf_counter() - started, _peak_mb() - peak
    timings["million-formatted-rows-alone (loads)"] = (seconds, growth)
    assert health["status"] == "ok" and health["library_id"] != old_id and health["sections"] == 11
    assert seconds < RELOAD_SECONDS and growth < RELOAD_MEMORY_MB
    assert client.post("/api/speech", json=SPEECH).get_json()["library_id"] == health["library_id"]


def test_the_importer_refuses_a_billion_laughs_workbook(tmp_path):
    """openpyxl (used by the importer) parses with expat, whose amplification limit stops the bomb."""
    from server.importer import ImportFailed, import_documents
    path = tmp_path / "section_library.xlsx"
    path.write_bytes(in_sheet("段落", with_entity(LAUGHS, b"&lol9;"))())
    original = path.read_bytes()
    peak = _peak_mb()
    with pytest.raises(ImportFailed, match="无法打开"):
        import_documents([("a.txt", speeches_text(1).encode())], path)
    assert _peak_mb() - peak < RELOAD_MEMORY_MB
    assert path.read_bytes() == original


# =============================================================================================
# The server killed in the middle of requests


def _get_json(url: str) -> tuple[int, dict]:
    status, _, data = call(url, None)
    return status, json.loads(data)


def test_server_killed_mid_request_restarts_with_nothing_lost(tmp_path):
    path = make_workbook(tmp_path / "section_library.xlsx")
    original = path.read_bytes()
    server = Service(["--library", str(path), "--insecure-http", "--quiet", "--threads", "4"], clean_env(),
                     tmp_path / "serve-1.log")
    results: list[str] = []
    stop = threading.Event()
    try:
        status, health = _get_json(server.url + "/api/health")
        assert status == 200 and health["status"] == "ok"
        library_id = health["library_id"]
        body = json.dumps(SPEECH).encode()

        def client() -> None:
            while not stop.is_set():
                try:
                    status, _, data = call(server.url + "/api/speech.docx", None, method="POST", raw=body)
                    results.append("ok" if status == 200 and data[:2] == b"PK" else f"status {status}")
                except Exception as exc:  # noqa: BLE001 - the connection dies with the server
                    results.append(type(exc).__name__)
                    return

        threads = [threading.Thread(target=client, daemon=True) for _ in range(12)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while results.count("ok") < 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert results.count("ok") >= 10, results[:20]
        workers = server.workers()
        assert workers, "granian 没有工作进程"
        for pid in [server.process.pid, *workers]:  # the whole service at once, as a power cut would
            os.kill(pid, signal.SIGKILL)  # no shutdown handler runs
        assert server.process.wait(timeout=10) == -signal.SIGKILL
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        assert not any(t.is_alive() for t in threads), "客户端在服务被终止后一直挂起"
    finally:
        stop.set()
        server.stop()
    failed = [r for r in results if r != "ok"]
    assert failed and all(not r.startswith("status") for r in failed), failed  # cut off, never a wrong answer
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".xlsx") == ["section_library.xlsx"]

    again = Service(["--library", str(path), "--insecure-http", "--quiet", "--port", str(server.port)], clean_env(),
                    tmp_path / "serve-2.log")
    try:
        assert again.port == server.port
        status, health = _get_json(again.url + "/api/health")
        assert status == 200 and health["status"] == "ok" and health["library_id"] == library_id
        status, headers, data = call(again.url + "/api/speech.docx", None, method="POST", raw=body)
        assert status == 200 and data[:2] == b"PK" and headers["X-Biaotai-Library"] == library_id
    finally:
        assert again.stop() == 0


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_workers_die_with_their_master(tmp_path):
    """Only the master killed: its workers follow (PR_SET_PDEATHSIG), so the port is free again."""
    path = make_workbook(tmp_path / "section_library.xlsx")
    server = Service(["--library", str(path), "--insecure-http", "--quiet", "--workers", "2"], clean_env(),
                     tmp_path / "serve.log")
    try:
        workers = server.workers()
        assert len(workers) == 2
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=10)
        deadline = time.monotonic() + 15
        while [pid for pid in workers if _running(pid)] and time.monotonic() < deadline:
            time.sleep(0.1)
        alive = [pid for pid in workers if _running(pid)]
        assert alive == [], "主进程被杀后工作进程仍在运行"
    finally:
        server.stop()


# =============================================================================================
# The import killed at different moments


CN = "一二三四五六七八九"


def speeches_text(count: int) -> str:
    """A long collection of distinct mobilisation-meeting speeches, as old files look."""
    lines = []
    for i in range(count):
        lines += [f"在市委第四巡察组巡察工作动员会上的表态发言（第{i + 1}篇）", "各位领导，同志们：",
                  f"根据市委统一部署，市委第四巡察组今天进驻我局，开展为期两个月的巡察，这是第{i + 1}次。"
                  "下面，我代表局党组作表态发言。"]
        for k in range(4):
            lines.append(f"{CN[k]}是提高认识第{i + 1}-{k + 1}项，坚决支持巡察工作。"
                         + f"我们要把接受监督作为第{i + 1}篇第{k + 1}点的政治任务，切实抓好落实。" * 6)
        lines.append(f"同志们，我们将以此次巡察为契机，推动第{i + 1}项工作再上新台阶。谢谢大家！")
    return "\n".join(lines)


TEMP_NAME = re.compile(r"^\.section_library\..+\.tmp\.xlsx$")
BACKUP_NAME = re.compile(r"^section_library\.备份-\d{8}-\d{6}(-\d+)?\.xlsx$")


def _wait_for(folder: Path, pattern: re.Pattern, process: subprocess.Popen, limit: float = 60) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and process.poll() is None:
        if any(pattern.match(name) for name in os.listdir(folder)):
            return True
        time.sleep(0.0005)
    return False


@pytest.mark.parametrize("moment", ["parsing", "writing-the-temporary-file", "backup-made", "finished"])
def test_import_killed_leaves_the_original_or_a_complete_workbook(moment, tmp_path):
    from server.library import load_library

    folder = tmp_path / "library"
    folder.mkdir()
    path = make_workbook(folder / "section_library.xlsx")
    original = path.read_bytes()
    original_sections = len(load_library(path).sections)
    source = tmp_path / "old-speeches.txt"
    source.write_text(speeches_text(200), encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "server.cli", "import", "--library", str(path), str(source)],
                               cwd=ROOT, env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if moment == "parsing":
            time.sleep(0.6)
        elif moment == "writing-the-temporary-file":
            _wait_for(folder, TEMP_NAME, process)
        elif moment == "backup-made":
            _wait_for(folder, BACKUP_NAME, process)
        else:
            process.wait(timeout=120)
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
    if moment == "finished":
        assert process.returncode == 0
    names = sorted(os.listdir(folder))
    strays = [n for n in names if n != path.name and not TEMP_NAME.match(n) and not BACKUP_NAME.match(n)]
    assert strays == [], names
    for name in names:
        if BACKUP_NAME.match(name):
            assert (folder / name).read_bytes() == original, "备份不是完整的原文件"
    data = path.read_bytes()
    if data != original:
        library = load_library(path)  # complete and valid, never half written
        assert len(library.sections) > original_sections
        assert any(BACKUP_NAME.match(n) for n in names), "段落库已替换却没有备份"
    if moment == "finished":
        assert data != original
    # The service reads the workbook itself, never a leftover temporary file.
    client = create_app({"LIBRARY": str(path), "TESTING": True, "TOKEN": None}).test_client()
    health = client.get("/api/health").get_json()
    assert health["status"] == "ok" and health["path"] == str(path)
    # And the next import works despite any leftover.
    from server.importer import import_files
    summary = import_files([source], path)
    assert load_library(path) and (summary.rows or data != original)


# =============================================================================================
# A full disk or a read-only folder while the importer writes


def _stage_failure(monkeypatch, stage: str, error: OSError) -> None:
    """Make the importer's write fail at one moment, the way the operating system would."""
    from openpyxl.workbook.workbook import Workbook

    from server import workbook_write

    if stage == "temporary-file":
        def refuse(*args, **kwargs):
            raise error
        monkeypatch.setattr(workbook_write.tempfile, "mkstemp", refuse)
    elif stage == "writing":
        real_save = Workbook.save

        def half_save(self, target):
            buffer = io.BytesIO()
            real_save(self, buffer)
            target.write(buffer.getvalue()[: len(buffer.getvalue()) // 2])
            raise error
        monkeypatch.setattr(Workbook, "save", half_save)
    elif stage == "backup":
        def half_copy(source, target, **kwargs):
            data = Path(source).read_bytes()
            Path(target).write_bytes(data[: len(data) // 3])
            raise error
        monkeypatch.setattr(workbook_write.shutil, "copy2", half_copy)
    elif stage == "replace":
        def refuse_replace(source, target):
            raise error
        monkeypatch.setattr(workbook_write.os, "replace", refuse_replace)
    else:
        raise AssertionError(stage)


FAILURES = {
    "disk-full": (lambda: OSError(errno.ENOSPC, "No space left on device"), "磁盘空间不足"),
    "read-only": (lambda: OSError(errno.EROFS, "Read-only file system"), "只读"),
}


@pytest.mark.parametrize("stage", ["temporary-file", "writing", "backup", "replace"])
@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_full_disk_or_read_only_folder_during_import_leaves_the_workbook_intact(failure, stage, tmp_path, monkeypatch):
    from server.importer import ImportFailed, import_files

    folder = tmp_path / "library"
    folder.mkdir()
    path = make_workbook(folder / "section_library.xlsx")
    source = tmp_path / "old.txt"
    source.write_text(speeches_text(3), encoding="utf-8")
    original = path.read_bytes()
    before = sorted(os.listdir(folder))
    make_error, words = FAILURES[failure]
    _stage_failure(monkeypatch, stage, make_error())
    with pytest.raises(ImportFailed) as info:
        import_files([source], path)
    message = str(info.value)
    assert words in message and str(folder) in message and "原文件未改动" in message, message
    assert "space" not in message and "Read-only" not in message  # said in Chinese, not the system's English
    assert path.read_bytes() == original
    assert sorted(os.listdir(folder)) == before, "留下了临时文件或不完整的备份"


def test_folder_without_write_permission(tmp_path, monkeypatch):
    """What a normal user (not root) meets in a folder they may not write to."""
    from server.importer import ImportFailed, import_files

    path = make_workbook(tmp_path / "section_library.xlsx")
    source = tmp_path / "old.txt"
    source.write_text(speeches_text(2), encoding="utf-8")
    original = path.read_bytes()
    _stage_failure(monkeypatch, "temporary-file", PermissionError(errno.EACCES, "Permission denied"))
    with pytest.raises(ImportFailed, match=f"没有在文件夹「{re.escape(str(tmp_path))}」中写入文件的权限"):
        import_files([source], path)
    assert path.read_bytes() == original


def test_upload_import_on_a_full_disk_answers_in_chinese_and_keeps_serving(tmp_path, monkeypatch):
    path = make_workbook(tmp_path / "section_library.xlsx")
    original = path.read_bytes()
    client = create_app({"LIBRARY": str(path), "TESTING": True, "TOKEN": None}).test_client()
    library_id = client.get("/api/health").get_json()["library_id"]
    _stage_failure(monkeypatch, "writing", OSError(errno.ENOSPC, "No space left on device"))
    response = client.post("/api/library/import", data={
        "dry_run": "0", "files": (io.BytesIO(speeches_text(2).encode()), "旧发言.txt")},
        content_type="multipart/form-data")
    assert 400 <= response.status_code < 500
    error = response.get_json()["error"]
    assert "磁盘空间不足" in error["message"]
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir() if ".history." not in p.name) == ["section_library.xlsx"]
    health = client.get("/api/health").get_json()
    assert health["status"] == "ok" and health["library_id"] == library_id


# =============================================================================================
# Hostile web pages and curious log readers


def test_another_site_cannot_make_the_browser_write_to_the_library(tmp_path):
    """A form upload needs no CORS preflight: without a check of Origin, any web page the writer
    opens could POST to https://localhost:8443/api/library/import and change the workbook."""
    path = make_workbook(tmp_path / "section_library.xlsx")
    original = path.read_bytes()
    client = create_app({"LIBRARY": str(path), "TESTING": True, "TOKEN": None}).test_client()

    def upload(origin: str | None):
        headers = {"Origin": origin} if origin else {}
        return client.post("/api/library/import", headers=headers, content_type="multipart/form-data", data={
            "dry_run": "0", "files": (io.BytesIO(speeches_text(1).encode()), "x.txt")})

    for origin in ("https://evil.example", "null", "http://localhost.evil.example"):
        response = upload(origin)
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden_origin", origin
        assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir() if ".history." not in p.name) == ["section_library.xlsx"]
    assert upload("http://localhost").status_code == 200  # the task pane, served by this service
    assert upload(None).status_code == 200  # scripts, VBA and the CLI send no Origin


def test_the_logs_hold_no_values_the_writer_typed(tmp_path, caplog):
    import logging
    path = make_workbook(tmp_path / "section_library.xlsx")
    client = create_app({"LIBRARY": str(path), "TESTING": True, "TOKEN": "t0ken-secret"}).test_client()
    secret = "绝密单位名称-4711"
    with caplog.at_level(logging.DEBUG):
        for endpoint in ("/api/speech", "/api/speech.docx"):
            response = client.post(endpoint, headers={"X-Biaotai-Token": "t0ken-secret"},
                                   json={**SPEECH, "variables": {**TEST_VALUES, "单位名称": secret}})
            assert response.status_code == 200
        client.post("/api/lint", headers={"X-Biaotai-Token": "wrong"}, json={"text": secret})
        client.get(f"/api/sections?q={secret}", headers={"Authorization": "Bearer t0ken-secret"})
        assert client.get("/bridge.bas?token=t0ken-secret").status_code == 200  # the browser download
    logged = "\n".join(f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records)
    assert "/api/speech" in logged  # the access log did write
    assert secret not in logged and "t0ken-secret" not in logged and "wrong" not in logged


@pytest.mark.parametrize("prolog,entity", [(LAUGHS, b"&lol9;"), (XXE, b"&xxe;")], ids=["billion-laughs", "xxe"])
def test_an_uploaded_docx_with_entities_is_never_expanded(prolog, entity, tmp_path):
    """python-docx parses with resolve_entities=False: no expansion, no file read from disk."""
    from server.importer import ImportFailed, import_documents
    from docx import Document
    document = Document()
    for line in speeches_text(1).split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    hostile = rezip(buffer.getvalue(), {"word/document.xml": lambda xml: prolog + re.sub(
        rb"^<\?xml[^>]*\?>\s*", b"", xml).replace("我代表局党组".encode(), entity + "我代表局党组".encode(), 1)})
    path = make_workbook(tmp_path / "section_library.xlsx")
    peak = _peak_mb()
    try:
        summary = import_documents([("旧发言.docx", hostile)], path, dry_run=True)
    except ImportFailed as exc:
        assert "旧发言.docx" in str(exc)
    else:
        text = json.dumps(summary.to_dict(), ensure_ascii=False)
        assert "lollol" not in text and "root:" not in text
    assert _peak_mb() - peak < RELOAD_MEMORY_MB
