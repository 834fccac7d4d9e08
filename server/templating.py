"""Editor text from the spreadsheet as sandboxed Jinja templates.

Two promises: a template in the workbook can never run code (SandboxedEnvironment), and a missing
variable is an error naming it, never an empty gap (StrictUndefined). Values are data: they are
substituted, never parsed as templates.

Most sections use nothing but `{{ 变量 }}`. Those take a fast path (a regular expression) for both
checking and rendering, because Jinja's parser costs about 1 ms per 600 characters and a library can
hold thousands of sections; anything else is parsed once per distinct text and checked by
template_check (the small language editors may use) before it is ever compiled: a template the
check refuses is never compiled nor rendered. Rendering for one request runs under a time budget
(`start_render_budget`), checked before every template.
"""
from __future__ import annotations

import contextvars
import difflib
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from .template_check import check_template

_ENV = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)
_SIMPLE_VAR = re.compile(r"\{\{\s*([^\W\d][\w]*)\s*\}\}")
_JINJA_MARK = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")


class TemplateProblem(Exception):
    """A template that cannot be used; the message is Chinese and says what to do."""


class RenderBudgetExceeded(Exception):
    """The request's time for rendering templates ran out (not the editor's fault: no location)."""


_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("biaotai_render_deadline", default=None)


def start_render_budget(seconds: float | None) -> None:
    """Give the current request (this thread's context) `seconds` of template rendering; None: no limit."""
    _DEADLINE.set(None if seconds is None else time.monotonic() + seconds)


def _check_budget() -> None:
    deadline = _DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline:
        raise RenderBudgetExceeded("生成用时超过了上限，请稍后重试；如果一直如此，请联系管理员检查段落库")


@dataclass(frozen=True)
class TemplateInfo:
    variables: frozenset[str]
    syntax_error: str | None = None  # or the construct template_check refuses
    simple: bool = True  # only {{ name }} placeholders: rendered without Jinja


@lru_cache(maxsize=65536)
def inspect_template(text: str) -> TemplateInfo:
    """The variables a template uses, or its syntax error (cached per distinct text)."""
    names = frozenset(_SIMPLE_VAR.findall(text))
    if not _JINJA_MARK.search(_SIMPLE_VAR.sub("", text)):
        return TemplateInfo(names)
    try:
        ast = _ENV.parse(text)
    except jinja2.TemplateSyntaxError as exc:
        return TemplateInfo(frozenset(), _syntax_message(exc), simple=False)
    except RecursionError:
        return TemplateInfo(frozenset(), "模板中有不允许的写法：括号或条件嵌套太深，请把条件拆开写", simple=False)
    report = check_template(ast)
    return TemplateInfo(report.variables, report.error, simple=False)


def _syntax_message(exc: jinja2.TemplateSyntaxError) -> str:
    detail = exc.message or ""
    hints = {
        "unexpected end of template": "有 {% if %} 没有对应的 {% endif %}，或括号没有成对",
        "unexpected '}'": "花括号没有成对，应写作 {{ 变量 }}",
        "unexpected char": "变量名或条件里有不认识的符号（请用半角引号和 ==）",
    }
    for key, hint in hints.items():
        if key in detail:
            return f"模板写法有误：{hint}（第 {exc.lineno} 行：{detail}）"
    return f"模板写法有误（第 {exc.lineno} 行：{detail}），请检查 {{{{ }}}} 与 {{% %}} 是否成对"


def suggest(name: str, known: list[str] | set[str] | frozenset[str]) -> str | None:
    """The closest known name, for "did you mean" messages."""
    matches = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.5)
    return matches[0] if matches else None


def undefined_message(name: str, known: set[str] | frozenset[str]) -> str:
    guess = suggest(name, known)
    text = f"未定义的变量 {{{{ {name} }}}}"
    if guess:
        return f"{text}，是否应为 {{{{ {guess} }}}}？"
    return f"{text}，请在「变量」工作表中添加它，或改正拼写"


@lru_cache(maxsize=8192)
def _compiled(text: str) -> jinja2.Template:
    return _ENV.from_string(text)


def render_template(text: str, values: Mapping[str, str]) -> str:
    """Render editor text with the writer's values; raises TemplateProblem with a Chinese message."""
    _check_budget()
    info = inspect_template(text)
    if info.syntax_error:
        raise TemplateProblem(info.syntax_error)
    missing = [n for n in sorted(info.variables) if n not in values]
    if missing:
        raise TemplateProblem(undefined_message(missing[0], frozenset(values)))
    if info.simple:
        return _SIMPLE_VAR.sub(lambda m: str(values[m.group(1)]), text)
    try:
        return _compiled(text).render(**values)
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateProblem(f"模板中有不允许的写法（{exc}），只能使用 {{{{ 变量 }}}} 和 {{% if %}} 条件") from exc
    except jinja2.UndefinedError as exc:
        raise TemplateProblem(f"模板中用到了未定义的内容：{exc.message}") from exc
    except Exception as exc:  # a template that fails at render time (e.g. 1/0) is an editor problem
        raise TemplateProblem(f"模板无法生成文字：{exc}") from exc


# Private-use marks around every {{ }} output: where a value starts and ends in rendered text.
_VALUE_OPEN, _VALUE_CLOSE = "\ue000", "\ue001"
_MARKS = re.compile(f"[{_VALUE_OPEN}{_VALUE_CLOSE}]")
_PIECES_ENV = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True,
                                   finalize=lambda value: f"{_VALUE_OPEN}{value}{_VALUE_CLOSE}")


@lru_cache(maxsize=1024)
def _compiled_pieces(text: str) -> jinja2.Template:
    return _PIECES_ENV.from_string(text)


def render_pieces(text: str, values: Mapping[str, str]) -> list[tuple[str, bool]]:
    """The rendered template cut where a value starts or ends: [(text, is_value)], non-empty, in order.

    "".join of the texts equals render_template(text, values); raises TemplateProblem like it."""
    render_template(text, values)  # the same checks and errors
    clean = {k: _MARKS.sub("", str(v)) for k, v in values.items()}
    if inspect_template(text).simple:
        marked = _SIMPLE_VAR.sub(lambda m: f"{_VALUE_OPEN}{clean[m.group(1)]}{_VALUE_CLOSE}", text)
    else:
        marked = _compiled_pieces(text).render(**clean)
    pieces: list[tuple[str, bool]] = []
    for index, chunk in enumerate(re.split(f"{_VALUE_OPEN}|{_VALUE_CLOSE}", marked)):
        if chunk:
            pieces.append((chunk, index % 2 == 1))
    return pieces
