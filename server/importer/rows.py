"""Whole documents -> draft rows of the 段落 sheet: duplicates and near-duplicates, the summary,
the workbook's facts; rows are appended (filled for review) and written by workbook_write.
"""
from __future__ import annotations

import io
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from ..library import read_rules
from ..sheet_rows import MAX_CELL_CHARS
from ..workbook import SheetRows, UnreadableWorkbook, read_sheets
from ..slots import CLOSING, OPENING, SALUTATION, SLOT_CHOICES, is_point
from ..workbook_write import WorkbookWriteError, append_rows, open_for_writing, replace_workbook
from ..limits import MAX_INPUT_BYTES
from .model import IMPORT_TAG, ImportFailed, ImportedPart, ImportedSpeech, REQUIRED_COLUMNS, SHEET
from .extract import Budget, _too_large, clean_lines, extract_text, split_speeches
from .mapping import MapContext
from .segment import parse_speech


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

    def _total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    speeches = property(lambda self: self._total("speeches"))
    sections = property(lambda self: self._total("sections"))
    placeholders_mapped = property(lambda self: self._total("placeholders_mapped"))
    placeholders_unmapped = property(lambda self: self._total("placeholders_unmapped"))

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


@dataclass
class LibraryFacts:
    """What the importer needs from the workbook (read with openpyxl, tolerant of editor mistakes)."""

    meetings: dict[str, list[str]]  # meeting id -> its point slots
    context: MapContext
    ids: set[str]
    bodies: dict[str, str]  # normalised 正文 -> 编号
    phrase_rules: tuple = ()  # the 提法 sheet as lint.PhraseRule


def _sheet_records(sheet: SheetRows) -> tuple[dict[str, int], list[tuple[int, dict[str, object]]]]:
    """A sheet as the library's reader gives it: header -> column index, and the non-empty rows."""
    headers = {h: i for i, h in enumerate(sheet.headers) if h}
    records = []
    for number, cells in sheet.rows:
        values = {h: cells[i] if i < len(cells) else None for h, i in headers.items()}
        if any(v not in (None, "") for v in values.values()):
            records.append((number, values))
    return headers, records


def _split(value: object) -> list[str]:
    return [v.strip() for v in re.split(r"[、,，;；\n]+", str(value or "")) if v.strip()]


def read_facts(data: bytes, name: str) -> LibraryFacts:
    """What the importer needs from the workbook, read by the library's own reader (workbook.py) and
    tolerant of editor mistakes: a workbook `biaotai check` rejects can still take new rows."""
    try:
        sheets = read_sheets(data)
    except UnreadableWorkbook as exc:
        raise ImportFailed(f"段落库「{name}」无法打开：{exc}", name) from None
    if SHEET not in sheets:
        raise ImportFailed(f"段落库「{name}」中没有「{SHEET}」工作表，无法导入", name)
    headers, records = _sheet_records(sheets[SHEET])
    missing = [c for c in REQUIRED_COLUMNS if c not in headers]
    if missing:
        raise ImportFailed(f"段落库「{name}」的「{SHEET}」工作表缺少列：{'、'.join(missing)}，请先在第 1 行补上", name)
    ids = {str(v["编号"]).strip() for _, v in records if v.get("编号")}
    bodies = {normalize_for_compare(str(v["正文"])): str(v.get("编号") or f"第{n}行")
              for n, v in records if v.get("正文")}
    meetings: dict[str, list[str]] = {}
    if "会议类型" in sheets:
        for _, v in _sheet_records(sheets["会议类型"])[1]:
            if v.get("编号"):
                meetings[str(v["编号"]).strip()] = [s for s in _split(v.get("部分")) if s.startswith("要点")]
    variables: dict[str, frozenset[str]] | None = None
    examples: dict[str, str] = {}
    if "变量" in sheets:
        variables = {}
        for _, v in _sheet_records(sheets["变量"])[1]:
            if v.get("键"):
                key = str(v["键"]).strip()
                variables[key] = frozenset(m for m in _split(v.get("适用会议类型")) if m != "通用")
                examples[key] = str(v.get("示例") or "").strip()
        if "单位类型" in sheets:
            for header in _sheet_records(sheets["单位类型"])[0]:
                variables.setdefault(header, frozenset())
    # The 提法 sheet through the library's own rule reader (rows it rejects are skipped: check reports them).
    rules = tuple(read_rules(sheets["提法"], [])) if "提法" in sheets else ()
    return LibraryFacts(meetings or {}, MapContext(variables, examples), ids, bodies, rules)


def flag_outdated(speeches: Iterable[ImportedSpeech], rules: Sequence) -> None:
    """Add a note for every outdated phrase (提法) in the imported text."""
    if not rules:
        return
    from ..lint import compile_rules, find_outdated

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
    library_path = Path(library_path)
    data = _read_library(library_path)
    summary = plan_import(documents, data, library_path.name)
    summary.dry_run = dry_run
    summary.library = str(library_path)
    if dry_run or not summary.rows:
        if not dry_run and not summary.rows:
            summary.notes.append("没有新段落，段落库未改动。")
        return summary
    target = Path(out_path) if out_path else library_path
    summary.backup = str(write_rows(_editable(data, library_path.name), data, summary.rows, library_path, target) or "")
    summary.written_to = str(target)
    return summary


def write_rows(book, read: bytes, rows: Sequence[DraftRow], library_path: Path, target: Path) -> Path | None:
    """Append `rows` to the book read from `read` and write it to `target` (the library itself or
    another file); the backup's path. Written in place only if nobody saved since `read`."""
    append_rows(book[SHEET], [row.cells() for row in rows], fill=IMPORTED_FILL)
    in_place = target.resolve() == library_path.resolve()
    try:
        return replace_workbook(target, book.save, expected=read if in_place else None, purpose="导入")
    except WorkbookWriteError as exc:
        raise ImportFailed(str(exc), exc.filename) from None


def commit_rows(reviewed: Sequence[Mapping[str, str]], library_path: str | Path) -> ImportSummary:
    """The rows an editor ticked in the import review (meeting, slot, heading, body, source, note,
    as the preview gave them and the editor changed them), appended as draft rows (启用=否)."""
    library_path = Path(library_path)
    data = _read_library(library_path)
    facts = read_facts(data, library_path.name)
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
        summary.backup = str(write_rows(_editable(data, library_path.name), data, summary.rows, library_path,
                                        library_path) or "")
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


def plan_import(documents: Sequence[tuple[str, bytes]], data: bytes, library_name: str = "段落库") -> ImportSummary:
    """Parse every document against the workbook's facts; nothing is written."""
    facts = read_facts(data, library_name)
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


def _editable(data: bytes, name: str):
    try:
        return open_for_writing(data)
    except ValueError as exc:
        raise ImportFailed(f"段落库「{name}」无法打开（{exc}），请确认是 .xlsx 文件且未损坏", name) from exc
