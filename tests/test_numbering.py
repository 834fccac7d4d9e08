"""server/numbering.py: which points a speech keeps, in what order, and each point's number; the
whole speech and one inserted part agree on it."""
from __future__ import annotations

import itertools

import pytest

from server.compose import compose_speech, render_part
from server.numbering import parse_ordinal, plan_points, point_number, strip_ordinal
from server.problems import InputError
from server.variables import example_values

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


def test_every_way_in_gives_the_same_number(client, values):
    """/api/speech, the JSON render and the VBA bridge's section.docx number a point alike when the
    writer dropped 要点1 and put 要点2 first (the reported bug: the bridge said 二是)."""
    from support.docx_readers import paragraph_text
    omit, order = ["要点1"], ["要点2", "要点1"]
    speech = client.post("/api/speech", json={"meeting": "动员会", "variables": values, "omit": omit,
                                              "order": order}).get_json()
    part = next(p for p in speech["parts"] if p["slot"] == "要点2")
    assert part["number"] == 1
    lead = part["paragraphs"][0][:2]
    assert lead == "一是"
    rendered = client.post(f"/api/sections/{part['section_id']}/render",
                           json={"meeting": "动员会", "variables": values, "omit": omit, "order": order,
                                 "docx": True}).get_json()
    assert rendered["number"] == 1 and rendered["paragraphs"][0].startswith(lead)
    form = {"id": part["section_id"], "meeting": "动员会", "omit": "要点1", "order": "要点2，要点1",
            **{f"v.{k}": v for k, v in values.items()}}
    bridge = client.post("/api/bridge/section.docx", data=form)
    assert bridge.status_code == 200, bridge.get_data(as_text=True)
    assert paragraph_text(bridge.data).lstrip().startswith(lead)
    bad = client.post(f"/api/sections/{part['section_id']}/render",
                      json={"meeting": "动员会", "variables": values, "order": ["要点9"]})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "order"


def test_sections_fit_the_speaker_role(shipped_library, tmp_path):
    """/api/sections and the bridge's sections.tsv mark head-only variants as not fitting a deputy
    (the shipped library marks which sections a 班子成员 may read)."""
    from conftest import SHIPPED_LIBRARY
    from server import create_app
    library = tmp_path / "section_library.xlsx"  # a copy: the service keeps its history beside the library
    library.write_bytes(SHIPPED_LIBRARY.read_bytes())
    client = create_app({"TESTING": True, "LIBRARY": str(library), "TOKEN": None}).test_client()
    head_only = {s.id for s in shipped_library.sections.values() if s.enabled and s.serves("动员会")
                 and s.roles and not any(r.startswith("班子成员") for r in s.roles)}
    assert head_only, "the shipped library should have sections only the main leader may read"
    deputy = client.get("/api/sections", query_string={"meeting": "动员会", "role": "班子成员"}).get_json()
    head = client.get("/api/sections", query_string={"meeting": "动员会"}).get_json()
    assert {s["id"] for s in deputy["sections"] if not s["fits"]} >= head_only
    assert all(s["fits"] for s in head["sections"] if s["id"] in head_only)
    rows = client.get("/api/bridge/sections.tsv", query_string={"meeting": "动员会", "role": "班子成员"})
    listed = {line.split("\t")[0] for line in rows.get_data(as_text=True).splitlines()[1:]}
    assert listed and not listed & head_only


@pytest.mark.parametrize("order", [None, ["要点4", "要点2", "要点3", "要点1"]])
def test_points_a_short_target_drops_count_as_omitted(shipped_library, order):
    """A length target too short for every point drops trailing ones; the points kept are numbered as
    a part inserted alone with those points omitted."""
    values = example_values(shipped_library, "动员会")
    speech = compose_speech(shipped_library, "动员会", values, seed=3, length=400, order=order)
    kept = [p for p in speech.parts if p.number is not None]
    dropped = [s for s in shipped_library.meetings["动员会"].points if s not in {p.slot for p in kept}]
    assert dropped, "400 characters should not hold four points"
    assert [p.number for p in kept] == list(range(1, len(kept) + 1))
    for part in kept:
        alone, _ = render_part(shipped_library, part.section_id, values, omit=dropped, order=order, meeting_id="动员会")
        assert alone.number == part.number, (order, part.slot)
