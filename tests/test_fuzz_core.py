"""Property tests: whatever a writer types or an editor writes, the core answers with a located
problem or a correct document, never a crash, and values are printed exactly as typed."""
from __future__ import annotations

import io

import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.compose import compose_speech
from server.library import load_library
from server.problems import InputError, LibraryError
from server.render import render_part_docx, render_speech_docx
from helpers import FORBIDDEN, typed_form
from support.docx_readers import paragraph_text
from workbook_factory import make_workbook

pytestmark = pytest.mark.fuzz

SYNTAX = ["{{", "}}", "{%", "%}", "{#", "#}", "<w:p>", "</w:t>", "&", "&amp;", "<", ">", "\"", "'", "{_{",
          "{{ 7*7 }}", "{% for x in range(9) %}", "]]>", "\x00", "\x0b", "\r\n", "\t", "\u3000", "\U0001F600"]
values = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(st.sampled_from(SYNTAX), st.text(max_size=5)), max_size=12).map("".join),
    st.sampled_from(["", " ", "x" * 501, "巡察" * 300]),
)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(group=values, leader=values)
def test_any_value_gives_a_document_with_it_or_a_named_field(library, values_fixture, group, leader):
    given_values = dict(values_fixture, 巡察组=group, 巡察时长=leader)
    try:
        speech = compose_speech(library, "动员会", given_values, choices={"开场": "动员-开场-1"})
    except InputError as exc:
        assert {p.field for p in exc.problems if p.is_error} <= {"巡察组", "巡察时长"}
        assert all(p.message for p in exc.problems)
        return
    text = paragraph_text(render_speech_docx(speech))
    for value in (group, leader):
        # \n and \t inside a value become a line break and a tab in Word: python-docx reads them back.
        assert typed_form(value) in text
    if "49" not in group + leader:
        assert "49" not in text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.lists(st.one_of(st.sampled_from([s for s in SYNTAX if not FORBIDDEN.search(s)] + ["{{ 自称 }}", "{{ 巡查组 }}", "{% if 巡察类型 == '巡视' %}",
                                                         "{% endif %}", "{% else %}", "{{ ''.__class__ }}"]),
                               st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=8)),
                     max_size=12).map("".join))
def test_any_section_text_loads_or_is_reported(tmp_path_factory, values_fixture, body):
    def edit(content):
        next(r for r in content["段落"] if r[0] == "动员-开场-2")[4] = body or "空"
    path = make_workbook(tmp_path_factory.mktemp("fuzz") / "lib.xlsx", edit)
    try:
        library = load_library(path)
    except LibraryError as exc:
        assert all(p.sheet and p.message for p in exc.problems if p.is_error)
        return
    try:
        speech = compose_speech(library, "动员会", values_fixture, choices={"开场": "动员-开场-2"})
    except LibraryError as exc:
        assert exc.problems[0].row == 4
        return
    Document(io.BytesIO(render_speech_docx(speech)))
    Document(io.BytesIO(render_part_docx(speech.parts[1])))


@pytest.fixture
def values_fixture(values):
    return values
