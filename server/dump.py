"""A deterministic text dump of the workbook, committed beside it so content changes can be reviewed.

One block per row, one field per line, empty cells left out; multi-line text continues with "  | ".
It is a view of the workbook, never a source: nothing reads it back into a workbook.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from .workbook import read_sheets

HEADER = ("# section_library.xlsx 的文本导出，供审阅差异用；请勿手工修改。\n"
          "# 修改 Excel 后运行：biaotai library dump -o section_library.dump.txt\n")


def _format(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


def dump_workbook(data: bytes) -> str:
    lines = [HEADER]
    for name, sheet in read_sheets(data).items():
        lines.append(f"\n== {name} ==\n")
        for number, values in sheet.rows:
            fields = [(sheet.headers[i] if i < len(sheet.headers) and sheet.headers[i] else f"列{i + 1}", _format(v))
                      for i, v in enumerate(values) if v is not None and _format(v).strip()]
            if not fields:
                continue
            lines.append(f"-- 第 {number} 行\n")
            for header, text in fields:
                first, *rest = text.split("\n")
                lines.append(f"{header}: {first}\n")
                lines.extend(f"  | {line}\n" for line in rest)
    return "".join(lines)
