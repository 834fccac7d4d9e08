"""Ways to read a .docx we made, each named for what it returns."""
from __future__ import annotations

import io
import re
import zipfile

from docx import Document


def paragraph_text(data: bytes) -> str:
    """The paragraphs as python-docx reads them, one per line (the document must open)."""
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def document_xml(data: bytes) -> str:
    """word/document.xml as text, for assertions on the markup itself."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return package.read("word/document.xml").decode("utf-8")


def run_text(data: bytes) -> str:
    """Every text run of the body, concatenated with nothing between paragraphs."""
    return "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", document_xml(data)))
