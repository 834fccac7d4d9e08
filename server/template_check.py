"""The editors' template language, checked on Jinja's parse tree before anything is compiled.

Allowed, and nothing else:
- text, and `{{ 变量 }}` (a plain name);
- `{% if %}` / `{% elif %}` / `{% else %}` / `{% endif %}` whose conditions compare names and short
  literals with == != < <= > >= in / not in, joined with and / or / not, or test `is defined`;
- filters from FILTERS, whose arguments are names or short literals.

Invariants: the check walks the tree the parser built (jinja2.nodes) iteratively and never calls
Jinja's code generator or optimizer, so a template is never evaluated, not even its constants (the
code generator folds `'字' * 400000000` while merely looking for variable names). Every template
`check_template` passes can only print its text, the writer's values and short literals, so its
rendering time and size are linear in the values. What it refuses comes back as a Chinese message
that says what is wrong, where in the cell, and what to write instead.
"""
from __future__ import annotations

from dataclasses import dataclass

from jinja2 import nodes

from .limits import MAX_TEMPLATE_DEPTH, MAX_TEMPLATE_LIST, MAX_TEMPLATE_LITERAL, MAX_TEMPLATE_NUMBER

# No |replace: chained, each can multiply the length of what it is given.
FILTERS = ("trim", "default", "upper", "lower")
TESTS = ("defined", "undefined")
COMPARISONS = {"eq": "==", "ne": "!=", "lt": "<", "lteq": "<=", "gt": ">", "gteq": ">=", "in": "in", "notin": "not in"}
# Names the template engine defines itself: printing them shows its internals, calling them runs code.
ENGINE_NAMES = frozenset({"range", "lipsum", "dict", "cycler", "joiner", "namespace", "self", "loop",
                          "caller", "varargs", "kwargs", "super", "true", "false", "none"})
ALLOWED_FORMS = ("只能使用 {{ 变量 }}、{% if %}/{% elif %}/{% else %}/{% endif %} 条件（比较可用 == != < > in not and or）"
                 f"和过滤器 {'、'.join(FILTERS)}")

_ARITHMETIC = (nodes.BinExpr, nodes.UnaryExpr, nodes.Concat)
_STATEMENTS = {
    nodes.For: "{% for %} 循环", nodes.Macro: "{% macro %} 宏", nodes.CallBlock: "{% call %}",
    nodes.Assign: "{% set %} 赋值", nodes.AssignBlock: "{% set %} 赋值", nodes.FilterBlock: "{% filter %}",
    nodes.With: "{% with %}", nodes.Include: "{% include %}", nodes.Import: "{% import %}",
    nodes.FromImport: "{% from … import %}", nodes.Extends: "{% extends %}", nodes.Block: "{% block %}",
    nodes.ExprStmt: "{% do %}", nodes.Continue: "{% continue %}", nodes.Break: "{% break %}",
    nodes.ScopedEvalContextModifier: "{% autoescape %}", nodes.EvalContextModifier: "{% autoescape %}",
}


@dataclass(frozen=True)
class TemplateReport:
    """What the check found: the variables used (when allowed) or the first refusal."""

    variables: frozenset[str]
    error: str | None = None


class _Refused(Exception):
    def __init__(self, node: nodes.Node | None, message: str) -> None:
        super().__init__(message)
        self.line = getattr(node, "lineno", None)
        self.message = message


def check_template(tree: nodes.Template) -> TemplateReport:
    """Walk a parsed template; the variables it uses, or why it is refused (see the module doc)."""
    names: set[str] = set()
    try:
        _walk(tree, names)
    except _Refused as refused:
        where = f"（单元格内第 {refused.line} 行）" if refused.line else ""
        return TemplateReport(frozenset(), f"模板中有不允许的写法{where}：{refused.message}")
    return TemplateReport(frozenset(names))


def _walk(tree: nodes.Template, names: set[str]) -> None:
    stack: list[tuple[nodes.Node, str, int]] = [(tree, "statement", 0)]
    while stack:
        node, role, depth = stack.pop()
        if depth > MAX_TEMPLATE_DEPTH:
            raise _Refused(node, f"嵌套太深（超过 {MAX_TEMPLATE_DEPTH} 层），请把条件拆开写")
        children = _children(node, role, names)
        stack.extend((child, child_role, depth + 1) for child, child_role in children)


def _children(node: nodes.Node, role: str, names: set[str]) -> list[tuple[nodes.Node, str]]:
    """The parts of `node` still to check, each with its role; raises _Refused for what is not allowed."""
    if role == "statement":
        return _statement(node)
    return _expression(node, names)


def _statement(node: nodes.Node) -> list[tuple[nodes.Node, str]]:
    if isinstance(node, nodes.Template):
        return [(child, "statement") for child in node.body]
    if isinstance(node, nodes.Output):
        return [(child, "data" if isinstance(child, nodes.TemplateData) else "expression") for child in node.nodes]
    if isinstance(node, nodes.If):
        parts: list[tuple[nodes.Node, str]] = [(node.test, "expression")]
        parts += [(child, "statement") for child in [*node.body, *node.elif_, *node.else_]]
        return parts
    if isinstance(node, nodes.TemplateData):
        return []
    kind = next((label for cls, label in _STATEMENTS.items() if isinstance(node, cls)), None)
    if kind:
        hint = "循环会让每次生成耗尽计算时间" if isinstance(node, nodes.For) else "段落库中的文字只用来填空和按条件选择"
        raise _Refused(node, f"不能使用 {kind}（{hint}）；{ALLOWED_FORMS}")
    raise _Refused(node, f"不能使用这种语句；{ALLOWED_FORMS}")


def _expression(node: nodes.Node, names: set[str]) -> list[tuple[nodes.Node, str]]:
    if isinstance(node, nodes.TemplateData):
        return []
    if isinstance(node, nodes.Name):
        return _name(node, names)
    if isinstance(node, nodes.Const):
        _literal(node)
        return []
    if isinstance(node, (nodes.List, nodes.Tuple)):
        if len(node.items) > MAX_TEMPLATE_LIST:
            raise _Refused(node, f"列表太长（{len(node.items)} 项），最多 {MAX_TEMPLATE_LIST} 项")
        for item in node.items:
            if not isinstance(item, nodes.Const):
                raise _Refused(item, "列表中只能写文字或数字，如 [\"局\", \"委\"]")
        return [(item, "expression") for item in node.items]
    if isinstance(node, nodes.Compare):
        for operand in node.ops:
            if operand.op not in COMPARISONS:
                raise _Refused(node, f"不能使用比较 {operand.op}；可用 {' '.join(COMPARISONS.values())}")
        return [(node.expr, "expression")] + [(operand.expr, "expression") for operand in node.ops]
    if isinstance(node, (nodes.And, nodes.Or)):
        return [(node.left, "expression"), (node.right, "expression")]
    if isinstance(node, nodes.Not):
        return [(node.node, "expression")]
    if isinstance(node, nodes.Filter):
        return _filter(node)
    if isinstance(node, nodes.Test):
        if node.name not in TESTS or node.args or node.kwargs or node.dyn_args or node.dyn_kwargs:
            raise _Refused(node, f"不能使用检验「is {node.name}」，只能用 is defined / is undefined")
        return [(node.node, "expression")]
    if isinstance(node, (nodes.Getattr, nodes.Getitem, nodes.Slice)):
        raise _Refused(node, "不能取属性或下标（如 {{ 变量.名称 }}、{{ 变量[0] }}）：这种写法能触及模板引擎的内部对象；"
                             "请直接写变量名，如 {{ 单位名称 }}")
    if isinstance(node, nodes.Call):
        raise _Refused(node, "不能调用函数（如 名称(…)）：模板只填入变量、按条件选择文字；" + ALLOWED_FORMS)
    if isinstance(node, _ARITHMETIC):
        raise _Refused(node, "不能做运算（+ - * / // % ** ~ 或正负号）：运算可以生成极长的文字或耗尽计算时间；"
                             "需要的文字请直接写出来，或作为变量填写")
    if isinstance(node, nodes.CondExpr):
        raise _Refused(node, "不能使用行内条件（A if 条件 else B），请改用 {% if 条件 %}A{% else %}B{% endif %}")
    if isinstance(node, (nodes.Dict, nodes.Pair, nodes.Keyword)):
        raise _Refused(node, "不能使用字典（{…: …}）；" + ALLOWED_FORMS)
    raise _Refused(node, f"不能使用这种写法（{type(node).__name__}）；{ALLOWED_FORMS}")


def _name(node: nodes.Name, names: set[str]) -> list[tuple[nodes.Node, str]]:
    if "__" in node.name:
        raise _Refused(node, f"不能使用带双下划线的名称「{node.name}」：这类名称是 Python 的内部对象，可用于攻击服务")
    if node.name in ENGINE_NAMES:
        raise _Refused(node, f"「{node.name}」是模板引擎的内部名称，不是段落库的变量；请使用「变量」工作表中的变量")
    if node.ctx != "load":
        raise _Refused(node, "不能给变量赋值；" + ALLOWED_FORMS)
    names.add(node.name)
    return []


def _literal(node: nodes.Const) -> None:
    value = node.value
    if isinstance(value, str):
        if len(value) > MAX_TEMPLATE_LITERAL:
            raise _Refused(node, f"文字常量太长（{len(value)} 字），最多 {MAX_TEMPLATE_LITERAL} 字：长文字请直接写在 {{{{ }}}} 之外")
        return
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        if not abs(value) <= MAX_TEMPLATE_NUMBER:  # also refuses nan and inf
            raise _Refused(node, f"数字太大，最多 {MAX_TEMPLATE_NUMBER}")
        return
    raise _Refused(node, f"不能使用这种常量（{type(value).__name__}）")


def _filter(node: nodes.Filter) -> list[tuple[nodes.Node, str]]:
    if node.name not in FILTERS:
        raise _Refused(node, f"不能使用过滤器「|{node.name}」，可用的过滤器：{'、'.join(FILTERS)}")
    if node.kwargs or node.dyn_args or node.dyn_kwargs:
        raise _Refused(node, f"过滤器「|{node.name}」只能带简单的参数，如 |default(\"（无）\")")
    for argument in node.args:
        if not isinstance(argument, (nodes.Const, nodes.Name)):
            raise _Refused(argument, f"过滤器「|{node.name}」的参数只能是变量名或文字")
    parts: list[tuple[nodes.Node, str]] = [(argument, "expression") for argument in node.args]
    if node.node is not None:
        parts.append((node.node, "expression"))
    return parts
