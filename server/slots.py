"""The slot vocabulary: the places a speech has (称呼, 开场, 要点1…, 结尾) and what kind each is.

The one home for these words; the workbook's dropdowns, the library's checks, the composer, the
importer and the API all import them from here.
"""
from __future__ import annotations

SALUTATION, OPENING, CLOSING = "称呼", "开场", "结尾"
POINT_PREFIX = "要点"
MAX_POINTS = 9
OPTIONAL_SLOTS = frozenset({SALUTATION})  # a meeting may leave it out; every other slot must be filled
SLOT_CHOICES = (SALUTATION, OPENING) + tuple(f"{POINT_PREFIX}{i}" for i in range(1, MAX_POINTS + 1)) + (CLOSING,)
_KINDS = {SALUTATION: "salutation", OPENING: "opening", CLOSING: "closing"}


def is_point(slot: str) -> bool:
    return slot.startswith(POINT_PREFIX)


def slot_kind(slot: str) -> str:
    """salutation | opening | point | closing | other (the JSON API's and the panes' word for a slot)."""
    return "point" if is_point(slot) else _KINDS.get(slot, "other")
