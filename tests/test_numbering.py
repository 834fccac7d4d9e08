"""server/numbering.py: which points a speech keeps, in what order, and each point's number; the
whole speech and one inserted part agree on it."""
from __future__ import annotations

import itertools

import pytest

from server.compose import compose_speech, render_part
from server.numbering import parse_ordinal, plan_points, point_number, strip_ordinal
from server.problems import InputError

POINTS = ("要点1", "要点2", "要点3", "要点4")


@pytest.mark.parametrize("omit, order, expected", [
    ((), None, ["要点1", "要点2", "要点3", "要点4"]),
    (("要点1",), None, ["要点2", "要点3", "要点4"]),
    ((), ["要点3", "要点1"], ["要点3", "要点1", "要点2", "要点4"]),
    (("要点2",), ["要点4", "要点2", "要点1"], ["要点4", "要点1", "要点3"]),
])
def test_plan_points(omit, order, expected):
    assert plan_points(POINTS, omit, order) == expected


@pytest.mark.parametrize("slot, omit, order, expected", [
    ("要点2", (), None, 2),
    ("要点2", ("要点1",), None, 1),             # the reported bug: 要点1 dropped, 要点2 is 一是
    ("要点1", ("要点1",), None, 1),             # a point left out: where it would stand
    ("要点3", ("要点2",), None, 2),
    ("要点1", (), ["要点3", "要点1"], 2),
    ("要点4", ("要点1",), ["要点4", "要点1"], 1),
])
def test_point_number(slot, omit, order, expected):
    assert point_number(POINTS, slot, omit, order) == expected


@pytest.mark.parametrize("omit, order, field", [
    (POINTS, None, "omit"),
    ((), ["要点5"], "order"),
    ((), ["要点1", "要点1"], "order"),
])
def test_bad_plans_name_the_field(omit, order, field):
    with pytest.raises(InputError) as info:
        plan_points(POINTS, omit, order)
    assert info.value.problems[0].field == field


def test_a_part_is_numbered_as_the_whole_speech_numbers_it(library, values):
    """Every way of dropping and reordering the test meeting's points gives each inserted part the
    number the whole speech gives it."""
    meeting = library.meetings["动员会"]
    points = list(meeting.points)
    for count in range(1, len(points) + 1):
        for order in itertools.permutations(points, count):
            omit = [p for p in points if p not in order]
            speech = compose_speech(library, "动员会", values, omit=omit, order=list(order))
            for part in speech.parts:
                if part.number is None:
                    continue
                alone, _ = render_part(library, part.section_id, values, omit=omit, order=list(order),
                                       meeting_id="动员会")
                assert alone.number == part.number, (order, part.slot)
                assert alone.blocks[0].plain.startswith(part.blocks[0].plain[:3])


@pytest.mark.parametrize("word, value", [("一", 1), ("九", 9), ("十", 10), ("十二", 12), ("二十", 20),
                                         ("二十三", 23), ("是", 0), ("", 0), ("一一", 0)])
def test_parse_ordinal(word, value):
    assert parse_ordinal(word) == value


@pytest.mark.parametrize("text, kept", [("一是提高站位", "提高站位"), ("二、全力配合", "全力配合"),
                                        ("第三，立行立改", "立行立改"), ("十一、长效机制", "长效机制"),
                                        ("一方面要看到", "一方面要看到"), ("统一思想", "统一思想")])
def test_strip_ordinal(text, kept):
    assert strip_ordinal(text) == kept
