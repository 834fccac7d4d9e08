"""The character cleaner: what no text we read or write may hold.

XML 1.0 forbids C0 controls but tab/LF/CR, U+FFFE/U+FFFF and lone surrogates. Left in a value, they
make Word refuse the file (and docxtpl would turn \\a and \\f into breaks inside a value). Workbook
cells, writers' values, imported speeches and rendered documents all pass through here.
"""
from __future__ import annotations

import re

XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def strip_xml_forbidden(text: str) -> str:
    return XML_FORBIDDEN.sub("", text)


def clean_text(text: str) -> str:
    """Remove what XML forbids and normalise line ends; keeps everything else as typed."""
    return strip_xml_forbidden(text.replace("\r\n", "\n").replace("\r", "\n"))
