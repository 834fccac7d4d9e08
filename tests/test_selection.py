"""Seeds, 换一个 (exclude), 【】 alternatives and length targets, over the test workbook."""
from __future__ import annotations

import contextlib
import io
import re
import zipfile

import pytest

from server import alternatives
from server.compose import compose_speech, render_part
from server.length import PRESETS, parse_target
from server.library import load_library
from server.problems import InputError
from server.render import render_speech_docx
from workbook_factory import make_workbook


@pytest.mark.parametrize("text, words", [
    ("甲【乙｜丙", ("第 1 处【", "没有对应的】")),
    ("甲】乙", ("多余的】",)),
    ("【甲｜【乙｜丙】】", ("不能套用",)),
    ("【只有一种】", ("只有一种写法",)),
    ("【｜甲｜】", ("空写法",)),
    ("【{% if 反馈意见 %}甲｜乙{% endif %}】", ("第 1 种写法", "{% if %}")),
])
def test_badly_written_groups_are_named_in_chinese(text, words):
    messages = alternatives.problems(text)
    assert len(messages) == 1
    for word in words:
        assert word in messages[0], (word, messages[0])


def test_groups_split_outside_tags_and_cover_every_alternative():
    text = "一要【{{ 自称 | default('x') }}甲|乙｜丙】，二要【丁｜】。"
    parsed = alternatives.parse(text)
    assert parsed.groups == (("{{ 自称 | default('x') }}甲", "乙", "丙"), ("丁", ""))
    assert alternatives.projections(text) == ["一要{{ 自称 | default('x') }}甲，二要丁。", "一要乙，二要。", "一要丙，二要丁。"]
    assert alternatives.count(text) == 6
    assert alternatives.parse("没有分组") == alternatives.Parsed(("没有分组",))


def _library_with(tmp_path, body: str):
    path = make_workbook(tmp_path / "lib.xlsx")
    import openpyxl
    book = openpyxl.load_workbook(path)
    sheet = book["段落"]
    headers = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[headers.index("编号")].value == "动员-开场-1":
            row[headers.index("正文")].value = body
    book.save(path)
    return path


def test_check_locates_a_wrong_group_and_checks_every_alternative(tmp_path):
    from server.library import check_library
    problems = check_library(_library_with(tmp_path, "今天【{{ 巡察组 }}进驻｜{{ 没有这个 }}来到】{{ 自称 }}。"))
    errors = [p for p in problems if p.is_error]
    assert errors and errors[0].sheet == "段落" and errors[0].column == "正文" and "没有这个" in errors[0].message
    problems = check_library(_library_with(tmp_path, "今天【{{ 巡察组 }}进驻{{ 自称 }}。"))
    assert [p.message for p in problems if p.is_error][0].startswith("第 1 处【")


def test_alternatives_vary_with_the_seed_and_repeat_with_it(tmp_path, values):
    library = load_library(_library_with(tmp_path, "【今天｜此时｜现在】，{{ 巡察组 }}【进驻｜来到】{{ 自称 }}【，我们表示欢迎｜】。"))
    openings = {compose_speech(library, "动员会", values, seed=s, choices={"开场": "动员-开场-1"}).parts[1].text
                for s in range(60)}
    assert len(openings) == 12
    one = compose_speech(library, "动员会", values, seed=11)
    assert compose_speech(library, "动员会", values, seed=11).text == one.text
    part, _ = render_part(library, "动员-开场-1", values, seed=11)
    assert part.text == one.parts[1].text or one.parts[1].section_id != "动员-开场-1"


def test_without_a_seed_a_fresh_one_is_chosen_and_reported(library, values):
    seeds = {compose_speech(library, "动员会", values).seed for _ in range(8)}
    assert len(seeds) > 1 and all(isinstance(s, int) and s > 0 for s in seeds)
    speech = compose_speech(library, "动员会", values)
    assert compose_speech(library, "动员会", values, seed=speech.seed).text == speech.text
    assert speech.to_dict()["seed"] == speech.seed


def test_the_docx_keeps_the_seed(library, values):
    speech = compose_speech(library, "动员会", values, seed=4242, length="标准")
    with zipfile.ZipFile(io.BytesIO(render_speech_docx(speech))) as package:
        core = package.read("docProps/core.xml").decode()
    assert "biaotai-seed=4242" in core and "biaotai-length=2000" in core


def test_the_cli_prints_the_seed(library_path, tmp_path):
    from server.cli import main
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        assert main(["generate", "--meeting", "动员会", "--library", str(library_path), "--text"]) == 0
    seed = re.search(r"种子：(\d+)", err.getvalue())
    assert seed, err.getvalue()
    out = io.StringIO()
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(out):
        assert main(["generate", "--meeting", "动员会", "--library", str(library_path), "--text", "--seed", seed.group(1),
                     "--exclude", "动员-开场-1", "--length", "简短"]) == 0
    assert out.getvalue()


def test_the_api_returns_the_seed(library_path):
    from server import create_app
    client = create_app({"TESTING": True, "LIBRARY": str(library_path), "TOKEN": None}).test_client()
    from conftest import TEST_VALUES
    body = client.post("/api/speech", json={"meeting": "动员会", "variables": TEST_VALUES}).get_json()
    assert isinstance(body["seed"], int)
    again = client.post("/api/speech", json={"meeting": "动员会", "variables": TEST_VALUES, "seed": body["seed"]}).get_json()
    assert again["text"] == body["text"]


def test_exclude_is_never_returned_while_another_fits(library, values):
    for seed in range(30):
        speech = compose_speech(library, "动员会", values, seed=seed, exclude=["动员-开场-1", "动员-要点2-2"])
        ids = {p.section_id for p in speech.parts}
        assert "动员-开场-1" not in ids and "动员-要点2-2" not in ids
    # every variant of a slot excluded: the slot is still filled
    speech = compose_speech(library, "动员会", values, seed=1, exclude=["动员-开场-1", "动员-开场-2"])
    assert speech.parts[1].slot == "开场"


@pytest.mark.parametrize("value, chars", [("简短", 1200), ("标准", 2000), ("详细", 3000), (2500, 2500),
                                          ("2500字", 2500), ("8分钟", 1760), (None, None)])
def test_length_targets(value, chars):
    assert parse_target(value) == chars
    assert set(PRESETS) == {"简短", "标准", "详细"}


@pytest.mark.parametrize("value", ["很长", "10", "99999", True])
def test_bad_length_is_named(value):
    with pytest.raises(InputError) as caught:
        parse_target(value)
    assert caught.value.problems[0].field == "length"


def test_next_variant_goes_round_every_variant_before_repeating(library, values):
    """A client that only appends what it shows (exclude, oldest first) gets every fitting variant
    once per round, and a new round never starts with the one on screen."""
    from server.selection import pick_variant
    variants = library.sections_for("动员会", "开场")
    ids = [v.id for v in variants]
    assert len(ids) >= 2
    for seed in range(20):
        shown = [pick_variant(variants, "开场", seed).id]
        for step in range(3 * len(ids)):
            nxt = pick_variant(variants, "开场", seed + step, exclude=shown).id
            assert nxt != shown[-1]
            shown.append(nxt)
        first_round = shown[:len(ids)]
        assert sorted(first_round) == sorted(ids), shown
    # ids of other slots in the list change nothing
    assert pick_variant(variants, "开场", 1, exclude=["动员-要点1-1", ids[0]]).id != ids[0]


def test_speeches_render_the_pieces_loading_checked():
    """However many seeds ask, rendering inspects no template text the library's load did not: each
    【】 piece is rendered on its own, so the template caches stay the size of the library instead of
    growing with every combination of wordings (the service's memory under load)."""
    from conftest import SHIPPED_LIBRARY
    from server.templating import inspect_template
    from server.variables import example_values
    inspect_template.cache_clear()
    library = load_library(SHIPPED_LIBRARY)
    before = inspect_template.cache_info().misses
    for meeting in ("动员会", "巡村反馈会"):
        values = example_values(library, meeting)
        for seed in range(40):
            compose_speech(library, meeting, values, seed=seed)
            compose_speech(library, meeting, values, seed=seed, length=3000)
    assert inspect_template.cache_info().misses == before
