"""Speech or part -> .docx bytes. The only module that knows about Word templates.

speech.docx makes the whole speech (page setup, title, speaker line); section.docx makes one part
as a fragment for Word's insertFileFromBase64 (no section break, header or footer).
"""
from __future__ import annotations

from pathlib import Path

from .compose import Part, Speech
from .config import default_templates_dir
from .docx_template import prepared_template

SPEECH_TEMPLATE = "speech.docx"
SECTION_TEMPLATE = "section.docx"
SEED_KEYWORD = "biaotai-seed"  # core property 关键词: biaotai-seed=123456; length=2000 when a target was asked


def speech_keywords(speech: Speech) -> str:
    """What the .docx keeps to make the speech again: its seed (and length target)."""
    words = [f"{SEED_KEYWORD}={speech.seed}"] if speech.seed is not None else []
    if speech.target:
        words.append(f"biaotai-length={speech.target}")
    return "; ".join(words)


def render_speech_docx(speech: Speech, templates_dir: Path | None = None) -> bytes:
    template = prepared_template((templates_dir or default_templates_dir()) / SPEECH_TEMPLATE)
    # Line breaks are decided by the core (server/title_layout.py); "\n" in a value becomes <w:br/>.
    title = "\n".join(speech.title_lines or (speech.title,))
    speaker = "\n".join(line for line in (speech.date_line, speech.speaker_line) if line)
    return template.render({"title": title, "speaker_line": speaker, "paragraphs": [b.to_dict() for b in speech.blocks]},
                           keywords=speech_keywords(speech) or None)


def render_part_docx(part: Part, templates_dir: Path | None = None) -> bytes:
    template = prepared_template((templates_dir or default_templates_dir()) / SECTION_TEMPLATE)
    return template.render({"paragraphs": [b.to_dict() for b in part.blocks]})
