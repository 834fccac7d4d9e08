"""Which variant fills each slot and which alternative each 【】 group takes: by the seed, never an
excluded variant while another fits, and nudged towards a length target when one is asked for.

Invariants:
- everything here is a pure function of (seed, the candidates, exclude, target): the same inputs
  give the same speech in any process;
- a slot's variant depends on (seed, slot) and a group's alternative on (seed, section id, group),
  so adding a variant or a group changes one slot, not the speech;
- the length fitter only moves between candidates the writer allows (fixed slots keep their section)
  and stops as soon as the measured length is within the tolerance.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Callable, Collection, Mapping, Sequence

from . import alternatives
from .length import TOLERANCE
from .library import Section

MAX_FIT_STEPS = 60
NEAR = 0.5  # a step that closes at least this share of what the best step closes is as good


@dataclass(frozen=True)
class Pick:
    """One slot's section and the alternative chosen in each of its 【】 groups."""

    slot: str
    section: Section
    heading_picks: tuple[int, ...] = ()
    body_picks: tuple[int, ...] = ()


def _draw(key: str, n: int) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % n


def seeded_pick(slot: str, section: Section, seed: int | None) -> Pick:
    return Pick(slot, section,
                alternatives.random_picks(alternatives.parse(section.heading), seed, f"{section.id}:小标题"),
                alternatives.random_picks(alternatives.parse(section.body), seed, f"{section.id}:正文"))


def usable(variants: Sequence[Section], exclude: Sequence[str]) -> list[Section]:
    """The variants 换一个 may offer. `exclude` is what the document has shown, oldest first (ids of
    other slots are ignored). The current round is the run at its end without a repeat: those are
    avoided. Once that run covers every variant, a new round starts that avoids only the last one
    (the one on screen). So a client only appends what it shows; the rounds are decided here."""
    ids = {v.id for v in variants}
    history = [x for x in exclude if x in ids]
    this_round: list[str] = []
    for section_id in reversed(history):
        if section_id in this_round:
            break
        this_round.append(section_id)
    if len(this_round) >= len(ids):
        this_round = this_round[:1]
    kept = [v for v in variants if v.id not in this_round]
    return kept or list(variants)


def pick_variant(variants: Sequence[Section], slot: str, seed: int | None, exclude: Sequence[str] = ()) -> Section:
    """Seed None takes the first usable variant; a seed picks per slot, stable across processes."""
    candidates = usable(variants, exclude)
    if seed is None:
        return candidates[0]
    return candidates[_draw(f"{seed}:{slot}", len(candidates))]


def shaped_pick(slot: str, section: Section, seed: int | None, full: bool) -> Pick:
    """The seeded pick with every optional group (one whose alternatives include an empty one) said
    (`full`, the seed choosing which wording) or left out: long and short speeches keep the seed's
    wordings everywhere else, so they stay as varied as the usual ones."""
    def picks(text: str, key: str) -> tuple[int, ...]:
        parsed = alternatives.parse(text)
        chosen = list(alternatives.random_picks(parsed, seed, key))
        for index, group in enumerate(parsed.groups):
            empty = [i for i, words in enumerate(group) if not words.strip()]
            if not empty:
                continue
            said = [i for i in range(len(group)) if i not in empty]
            if not full:
                chosen[index] = empty[0]
            elif said and chosen[index] in empty:
                chosen[index] = said[_draw(f"{seed}:{key}:{index}:said", len(said))]
        return tuple(chosen)
    return Pick(slot, section, picks(section.heading, f"{section.id}:小标题"), picks(section.body, f"{section.id}:正文"))


def extreme_pick(slot: str, section: Section, longest: bool) -> Pick:
    """The section with the longest (or shortest) alternative of every group, by the editor's text."""
    def picks(text: str) -> tuple[int, ...]:
        key = (lambda g: max(range(len(g)), key=lambda i: len(g[i]))) if longest else \
            (lambda g: min(range(len(g)), key=lambda i: len(g[i])))
        return tuple(key(group) for group in alternatives.parse(text).groups)
    return Pick(slot, section, picks(section.heading), picks(section.body))


def _moves(pick: Pick, candidates: Sequence[Section], fixed: bool, seed: int | None) -> list[Pick]:
    """Every pick one step away: another section (seeded, with its optional sentences said or left
    out, longest or shortest alternatives), those forms of this one, or one group changed."""
    def forms(section: Section) -> list[Pick]:
        return [shaped_pick(pick.slot, section, seed, True), shaped_pick(pick.slot, section, seed, False),
                extreme_pick(pick.slot, section, True), extreme_pick(pick.slot, section, False)]
    moves = forms(pick.section)
    if not fixed:
        for section in candidates:
            if section.id != pick.section.id:
                moves += [seeded_pick(pick.slot, section, seed), *forms(section)]
    for field, text in (("heading_picks", pick.section.heading), ("body_picks", pick.section.body)):
        groups = alternatives.parse(text).groups
        current = list(getattr(pick, field)) + [0] * (len(groups) - len(getattr(pick, field)))
        for index, group in enumerate(groups):
            for choice in range(len(group)):
                if choice != current[index]:
                    changed = list(current)
                    changed[index] = choice
                    moves.append(replace(pick, **{field: tuple(changed)}))
    return moves


def fit_length(picks: list[Pick], candidates: Mapping[str, Sequence[Section]], fixed: Collection[str],
               measure: Callable[[Pick], int], target: int, seed: int | None) -> list[Pick]:
    """Move picks one step at a time towards `target` characters (the sum of `measure`).

    Among steps that land within the tolerance, the seed chooses (so targets keep variety); otherwise
    it chooses among the steps that close nearly as much of the gap as the best one (NEAR of it), so
    long and short speeches do not all take the same longest or shortest forms.
    Every step narrows the gap; stops within the tolerance or when nothing helps."""
    picks = list(picks)
    sizes = [measure(p) for p in picks]
    for step in range(MAX_FIT_STEPS):
        total = sum(sizes)
        gap = abs(total - target)
        if gap <= TOLERANCE * target * 0.6:  # aim inside the band: headings and numbering vary a little
            break
        landing, closer, best_gap = [], [], gap
        for index, pick in enumerate(picks):
            for move in _moves(pick, candidates.get(pick.slot, ()), pick.slot in fixed, seed):
                size = measure(move)
                new_gap = abs(total - sizes[index] + size - target)
                if new_gap <= TOLERANCE * target * 0.6:
                    landing.append((index, move, size))
                if new_gap < gap:
                    closer.append((new_gap, index, move, size))
                    best_gap = min(best_gap, new_gap)
        if landing:
            best = landing[_draw(f"{seed}:fit:{step}", len(landing))]
        elif closer:
            near = [c[1:] for c in closer if gap - c[0] >= NEAR * (gap - best_gap)]
            best = near[_draw(f"{seed}:fit:{step}", len(near))]
        else:
            break
        index, move, size = best
        picks[index], sizes[index] = move, size
    return picks
