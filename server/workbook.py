"""The workbook as cells: a fast reader (python-calamine) and the layout editors see (openpyxl).

Reading is for every load and reload, so it uses calamine (about 4x faster than openpyxl).
Writing needs styles and dropdowns, so it uses openpyxl; `build_workbook` makes a new workbook in the
editors' layout (tests build broken workbooks with it; `biaotai library new` starts an office's own).
It never touches an existing file: the shipped workbook is edited in Excel, not generated.
"""
from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any, Iterable, NamedTuple

from python_calamine import CalamineWorkbook

from .numbering import STYLES
from .slots import SLOT_CHOICES

YES, NO = "是", "否"


class Column(NamedTuple):
    """One column of the editors' layout: the only place a sheet's columns are listed.

    `required`: the header must be there (the library does not load without it); `filled`: a row that
    is filled at all must fill this cell. The loader derives both lists from here."""

    name: str
    width: int
    wrap: bool = False
    dropdown: Any = None  # a list of values or a formula
    required: bool = False
    filled: bool = False


SHEET_LAYOUT: dict[str, list[Column]] = {
    "说明": [
        Column("说明", 110, True, None),
    ],
    "会议类型": [
        Column("编号", 16, False, None, required=True, filled=True),
        Column("名称", 24, False, None, required=True, filled=True),
        Column("部分", 44, True, None, required=True, filled=True),
        Column("默认编号样式", 14, False, list(STYLES), required=True, filled=True),
        Column("标题", 60, True, None, required=True, filled=True),
        Column("说明", 40, True, None),
        Column("巡察方式", 22, True, None),
        Column("适用单位类型", 22, True, "='单位类型'!$A$2:$A$200"),
    ],
    "段落": [
        Column("编号", 20, False, None, required=True, filled=True),
        Column("会议类型", 20, True, "='会议类型'!$A$2:$A$200", required=True, filled=True),
        Column("部分", 10, False, SLOT_CHOICES, required=True, filled=True),
        Column("小标题", 36, True, None, required=True),
        Column("正文", 90, True, None, required=True, filled=True),
        Column("适用单位类型", 14, True, "='单位类型'!$A$2:$A$200"),
        Column("标签", 16, True, None),
        Column("启用", 8, False, [YES, NO], required=True, filled=True),
        Column("来源", 24, True, None),
        Column("备注", 30, True, None),
        Column("适用发言人身份", 16, True, None),
        Column("适用巡察方式", 16, True, "='巡察方式'!$A$2:$A$200"),
    ],
    "变量": [
        Column("键", 14, False, None, required=True, filled=True),
        Column("名称", 18, False, None, required=True, filled=True),
        Column("说明", 44, True, None, required=True),
        Column("示例", 30, True, None, required=True),
        Column("必填", 8, False, [YES, NO], required=True, filled=True),
        Column("适用会议类型", 22, True, "='会议类型'!$A$2:$A$200"),
        Column("可选值", 22, True, None),
        Column("来源", 10, False, ["填写", "单位类型", "推导"]),
        Column("文中后缀", 14, False, None),
    ],
    "单位类型": [
        Column("单位类型", 10, False, None, required=True, filled=True),
        Column("自称", 10, False, None, required=True, filled=True),
        Column("全体", 14, False, None, required=True, filled=True),
        Column("单位简称", 10, False, None, required=True, filled=True),
        Column("党组织", 12, False, None, required=True, filled=True),
        Column("领导班子", 16, False, None, filled=True),
        Column("干部职工", 20, False, None, filled=True),
        Column("下属", 24, True, None, filled=True),
        Column("服务对象", 16, False, None, filled=True),
        Column("事业称谓", 10, False, None),
        Column("别名", 16, True, None),
        Column("干部群众", 14, False, None, filled=True),
        Column("示例单位名称", 24, False, None),
        Column("示例业务领域", 20, False, None),
        Column("示例发言人", 22, False, None),
    ],
    "巡察方式": [
        Column("巡察方式", 10, False, None, required=True, filled=True),
        Column("称谓", 28, True, None, required=True, filled=True),
        Column("需要巡察重点", 12, False, [YES, NO]),
        Column("说明", 50, True, None),
    ],
    "提法": [
        Column("过时提法", 30, True, None, required=True, filled=True),
        Column("原因", 44, True, None, required=True, filled=True),
        Column("建议改为", 36, True, None, required=True),
        Column("有效期至", 14, False, None),
        Column("匹配方式", 10, False, ["文字", "正则"]),
    ],
}



def required_headers(sheet: str) -> tuple[str, ...]:
    return tuple(c.name for c in SHEET_LAYOUT[sheet] if c.required)


def cells_that_may_stay_empty(sheet: str) -> set[str]:
    return {c.name for c in SHEET_LAYOUT[sheet] if not c.filled}


@dataclass
class SheetRows:
    """One sheet's header row and data rows as calamine read them."""

    name: str
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (Excel row number, cell values)
    formula_cells: set[tuple[int, int]] = field(default_factory=set)  # (row, column index)


class UnreadableWorkbook(Exception):
    """The bytes are not a readable .xlsx (truncated, another format, encrypted, absurdly large)."""

    def __init__(self, message: str, sheet: str | None = None, row: int | None = None):
        super().__init__(message)
        self.sheet, self.row = sheet, row


# Bounds checked before calamine parses a sheet: it builds the whole used range (first to last
# cell with a value) densely, so one stray value in row 1,000,000 would cost about 1 GB and 15 s.
# Empty rows, even formatted ones, cost nothing and are not counted.
MAX_ROWS = 100_000  # the last row with a value, as Excel numbers it
MAX_CELLS = 2_000_000  # rows x columns of the used range
MAX_PART_BYTES = 128 * 1024 * 1024  # one part of the zip, uncompressed
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # all parts, uncompressed


def read_sheets(data: bytes) -> dict[str, SheetRows]:
    """Every sheet's cells, from the bytes of an .xlsx file."""
    if not data:
        raise UnreadableWorkbook("文件是空的（0 字节）：可能正在保存或保存失败，请在 Excel 中重新保存")
    if not data.startswith(b"PK"):
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            raise UnreadableWorkbook("文件是旧版 .xls 格式或已设置打开密码，请在 Excel 中取消密码并另存为 .xlsx")
        raise UnreadableWorkbook("文件不是 Excel 工作簿（.xlsx），请确认保存时选择了“Excel 工作簿”格式")
    try:
        formulas = _formula_cells(data)  # also refuses packages and sheets too large to read
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = {}
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            grid = sheet.to_python(skip_empty_area=False)
            headers = [_header(v) for v in grid[0]] if grid else []
            rows = [(index + 1, list(values)) for index, values in enumerate(grid) if index > 0]
            sheets[name] = SheetRows(name, headers, rows, formulas.get(name, set()))
        return sheets
    except UnreadableWorkbook:
        raise
    except Exception as exc:  # calamine reports zip/xml damage with several exception types
        raise UnreadableWorkbook(f"文件已损坏或尚未保存完整，无法读取（{type(exc).__name__}: {exc}）") from exc


def _header(value: Any) -> str:
    return str(value).strip() if value is not None else ""


_CELL_WITH_FORMULA = re.compile(rb'<(?:\w+:)?c r="([A-Z]+)(\d+)"[^>]*>\s*<(?:\w+:)?f[\s>/]')
_SHEET_ENTRY = re.compile(rb'<(?:\w+:)?sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"')
_REL_ENTRY = re.compile(rb'<Relationship [^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"|<Relationship [^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"')


_WIDE_CELL = re.compile(rb'<c r="([A-Z]{2,3})\d+"[^>]*(?<!/)>\s*<(?:\w+:)?[vfi]')  # literal start: fast
_WIDE_CELL_PREFIXED = re.compile(rb'<\w+:c r="([A-Z]{2,3})\d+"[^>]*(?<!/)>\s*<(?:\w+:)?[vfi]')
_ROW_NUMBER = re.compile(rb'\sr="(\d+)"')
# Cheap exact searches before the formula regex; <formula1> of a dropdown must not count.
_FORMULA_OPENINGS = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/")
_VALUE_MARKS = (b"</v>", b"</is>", b"</f>", b"<f ", b":v>", b":is>", b":f>", b":f ")

# (part, CRC, size) -> (formula cells, last row with a value, last column with a value)
_FORMULA_CACHE: dict[tuple[str, int, int], tuple[frozenset[tuple[int, int]], int, int]] = {}


def _check_package(archive: zipfile.ZipFile) -> None:
    """Refuse what is not a workbook, and zip bombs, before anything is inflated."""
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            raise UnreadableWorkbook("文件是 Word 文档（.docx），不是 Excel 工作簿：请选择正确的段落库文件")
        if "mimetype" in names and "content.xml" in names:
            raise UnreadableWorkbook("文件是 WPS/LibreOffice 的 ODF 格式（.ods），请另存为“Excel 工作簿（.xlsx）”")
        raise UnreadableWorkbook("文件已损坏或尚未保存完整：缺少工作簿部件 xl/workbook.xml，请用 Excel 打开后重新保存")
    entries = archive.infolist()
    total = sum(e.file_size for e in entries)
    largest = max(entries, key=lambda e: e.file_size)
    if largest.file_size > MAX_PART_BYTES or total > MAX_TOTAL_BYTES:
        raise UnreadableWorkbook(
            f"文件解压后过大（{largest.filename} 约 {largest.file_size // 1024 // 1024} MB，共约 {total // 1024 // 1024} MB），"
            "不像正常的段落库，已拒绝读取：请删除多余的行、列和图片后重新保存")


def _used_extent(xml: bytes) -> tuple[int, int]:
    """(last row with a value, last column beyond Z with a value), without parsing the sheet.

    Rows follow each other in order (the format requires it), so the last value in <sheetData>
    is in the last used row; only cells in columns AA and beyond are looked at for the width."""
    end = xml.rfind(b"sheetData>")
    end = len(xml) if end < 0 else end
    # The last value is almost always near the end: look there first, the whole sheet only if not.
    mark = max(xml.rfind(m, max(0, end - 65536), end) for m in _VALUE_MARKS)
    if mark < 0:
        mark = max(xml.rfind(m, 0, end) for m in _VALUE_MARKS)
    if mark < 0:
        return 0, 0
    row_start = max(xml.rfind(b"<row", 0, mark), xml.rfind(b":row", 0, mark))
    last_row = 0
    if row_start >= 0:
        number = _ROW_NUMBER.search(xml, row_start, xml.find(b">", row_start) + 1)
        last_row = int(number.group(1)) if number else xml.count(b"<row", 0, mark) + xml.count(b":row ", 0, mark)
    wide = set(_WIDE_CELL.findall(xml, 0, end))
    if b':c r="' in xml:
        wide.update(_WIDE_CELL_PREFIXED.findall(xml, 0, end))
    last_column = max((_column_index(w.decode()) + 1 for w in wide), default=0)
    return last_row, last_column


def _check_extent(sheet_name: str, last_row: int, last_column: int) -> None:
    columns = max(last_column, 26)
    if last_row > MAX_ROWS or last_row * columns > MAX_CELLS:
        where = f"到第 {last_row} 行" + (f"、第 {last_column} 列" if last_column > 26 else "")
        raise UnreadableWorkbook(
            f"表格的使用范围过大（{where}都有内容；每个工作表最多 {MAX_ROWS} 行、{MAX_CELLS} 个单元格）："
            "很可能是在远处的单元格里误输入了内容，请在 Excel 中按 Ctrl+End 找到它，删除多余的行和列后保存",
            sheet=sheet_name, row=last_row)


def _formula_cells(data: bytes) -> dict[str, set[tuple[int, int]]]:
    """Cells that hold a formula; calamine only shows their cached value, editors need to be told.

    The same pass refuses a package or sheet too large to read (see MAX_ROWS)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        _check_package(archive)
        names = set(archive.namelist())
        if "xl/_rels/workbook.xml.rels" not in names:
            return {}
        targets = {}
        for match in _REL_ENTRY.finditer(archive.read("xl/_rels/workbook.xml.rels")):
            rel_id, target = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
            targets[rel_id.decode()] = target.decode().lstrip("/").removeprefix("xl/")
        found: dict[str, set[tuple[int, int]]] = {}
        for match in _SHEET_ENTRY.finditer(archive.read("xl/workbook.xml")):
            sheet_name = html.unescape(match.group(1).decode("utf-8"))  # writers may use &#NNNN;
            part = "xl/" + targets.get(match.group(2).decode(), "")
            if part not in names:
                continue
            info = archive.getinfo(part)
            key = (part, info.CRC, info.file_size)  # unchanged sheet parts are not decompressed again
            if key not in _FORMULA_CACHE:
                if len(_FORMULA_CACHE) > 256:
                    _FORMULA_CACHE.clear()
                xml = archive.read(part)
                cells = frozenset(
                    (int(row), _column_index(col.decode())) for col, row in _CELL_WITH_FORMULA.findall(xml)
                ) if any(opening in xml for opening in _FORMULA_OPENINGS) else frozenset()
                _FORMULA_CACHE[key] = (cells, *_used_extent(xml))
            cells, last_row, last_column = _FORMULA_CACHE[key]
            _check_extent(sheet_name, last_row, last_column)
            if cells:
                found[sheet_name] = set(cells)
        return found


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (ord(char) - 64)
    return index - 1


def dropdown_message(header: str, strict: bool) -> tuple[str, str]:
    """What Excel says when a cell is not one of its dropdown's values. A closed list (启用, 部分)
    refuses; a list from another sheet also takes several values or 通用, as 说明 allows."""
    if strict:
        return "请从下拉列表中选择", f"「{header}」请从下拉列表中选择"
    extra = "、「通用」" if header == "会议类型" else ""
    return ("可以填多个", f"「{header}」可以从下拉列表中选一个，也可以填几个（用、分隔）{extra}或留空。"
                        "填的是这样的内容就按「确定」保留；biaotai check 会核对每一项。")


def build_workbook(content: dict[str, Iterable[Iterable[Any]]], layout: dict = SHEET_LAYOUT) -> bytes:
    """A new workbook in the editors' layout: frozen headers, widths, wrapped text, dropdowns.

    `content` maps a sheet name to its data rows (without the header row), in the layout's order.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    book.remove(book.active)
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="C00000")
    for sheet_name, columns in layout.items():
        sheet = book.create_sheet(sheet_name)
        sheet.append([c[0] for c in columns])
        for row in content.get(sheet_name, []):
            sheet.append(list(row))
        sheet.freeze_panes = "A2" if sheet_name == "说明" else "B2"
        for index, (header, width, wrap, dropdown, *_) in enumerate(columns, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = width
            cell = sheet.cell(row=1, column=index)
            cell.font, cell.fill = header_font, header_fill
            cell.alignment = Alignment(vertical="center")
            for row_cells in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                row_cells[0].alignment = Alignment(wrap_text=wrap, vertical="top")
            if dropdown is not None:
                formula = dropdown if isinstance(dropdown, str) else '"' + ",".join(dropdown) + '"'
                # Multi-value cells (会议类型 "动员会、反馈会") must stay allowed: warn, never block.
                strict = not isinstance(dropdown, str)
                title, message = dropdown_message(header, strict)
                validation = DataValidation(type="list", formula1=formula, allow_blank=True,
                                            showErrorMessage=True, errorStyle="stop" if strict else "information",
                                            errorTitle=title, error=message)
                validation.add(f"{letter}2:{letter}2000")
                sheet.add_data_validation(validation)
    if "说明" in layout:
        book.move_sheet("说明", offset=-book.index(book["说明"]))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
