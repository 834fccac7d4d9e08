"""Where a speech title breaks into lines: at word boundaries, into lines of balanced length.

GB/T 9704-2012 asks that a title broken over lines keeps every word whole and is arranged
symmetrically (梯形 or 菱形). Words are the pieces of the rendered 标题 template: each value the
writer gave (巡察组, 单位名称, 党组织类别…) and each run of the template's own text. A one-character
run (在, 对) stays with the word after it. A word longer than a line is cut evenly; nothing else is.

The clients only display `Speech.title_lines`; they never break a title themselves.
"""
from __future__ import annotations

import itertools
import math
from typing import Sequence

# Body text is 3号 (16 pt) at 28 characters a line (GB/T 9704); the title is 2号 (22 pt) on the
# same text width, so 28 * 16 / 22 = 20.4: at most 20 characters fit on a title line.
BODY_CHARS_PER_LINE, BODY_POINTS, TITLE_POINTS = 28, 16, 22
TITLE_CHARS_PER_LINE = BODY_CHARS_PER_LINE * BODY_POINTS // TITLE_POINTS
MAX_WORDS_SEARCHED = 16  # 2**15 ways to break: more words are merged pairwise first


def title_words(pieces: Sequence[tuple[str, bool]], width: int = TITLE_CHARS_PER_LINE) -> list[str]:
    """The unbreakable words of a title from its rendered pieces (text, is_value)."""
    words: list[str] = []
    carry = ""
    for text, _is_value in pieces:
        text = carry + text
        carry = ""
        if len(text) == 1:
            carry = text
            continue
        if len(text) > width:
            count = math.ceil(len(text) / width)
            size = math.ceil(len(text) / count)
            words.extend(text[i:i + size] for i in range(0, len(text), size))
        else:
            words.append(text)
    if carry:
        if words:
            words[-1] += carry
        else:
            words.append(carry)
    return words


def break_title(pieces: Sequence[tuple[str, bool]], width: int = TITLE_CHARS_PER_LINE) -> tuple[str, ...]:
    """The title's lines: the fewest that fit `width`, then the most even lengths, longer lines first."""
    words = title_words(pieces, width)
    while len(words) > MAX_WORDS_SEARCHED:
        shortest = min(range(len(words) - 1), key=lambda i: len(words[i]) + len(words[i + 1]))
        words[shortest:shortest + 2] = [words[shortest] + words[shortest + 1]]
    total = sum(len(w) for w in words)
    if total <= width or len(words) <= 1:
        return ("".join(words),) if words else ()
    best: tuple | None = None
    for cuts in itertools.product((False, True), repeat=len(words) - 1):
        lines, current = [], words[0]
        for word, cut in zip(words[1:], cuts):
            if cut:
                lines.append(current)
                current = word
            else:
                current += word
        lines.append(current)
        lengths = [len(line) for line in lines]
        fits = max(lengths) <= width
        key = (not fits, len(lines), max(lengths) - min(lengths), [-n for n in lengths])
        if best is None or key < best[0]:
            best = (key, tuple(lines))
    return best[1]
