"""What the importer's steps hand each other: paragraphs, raw and parsed speeches, and the one
error an import can end with (a Chinese message naming the file).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..library import REQUIRED_SHEETS


SHEET = "段落"


# The columns the library requires of the 段落 sheet, and the two the importer writes its notes into.
# The fields of a row an editor ticked in the import review (what commit_rows reads).
REVIEW_FIELDS = ("meeting", "slot", "heading", "body", "source", "note")
REQUIRED_COLUMNS = REQUIRED_SHEETS[SHEET] + ("来源", "备注")


MOBILISATION, REVISIT, FEEDBACK = "动员会", "回头看动员会", "反馈会"


IMPORT_TAG = "导入"


class ImportFailed(Exception):
    """A file or workbook that cannot be imported; the message is Chinese and names the file."""

    def __init__(self, message: str, filename: str = ""):
        super().__init__(message)
        self.filename = filename


_TERMINAL = "。！？!?”\"…）)"


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


_SALUTATION_WORDS = re.compile(r"同志们|各位领导|领导|组长|巡察组|巡视组|各位|同事们|朋友们")


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
