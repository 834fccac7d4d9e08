"""A reader, checker and simulator of the VBA bridge module (addin_manifest/BiaotaiBridge.bas).

Word's VBA cannot run here. This stands for it in two ways: a small static checker (declared names,
balanced blocks, calls written as VBA requires) and a simulator of the module's HTTP side (which
requests it makes, how it URL-encodes, how it reads TSV, warnings and errors), faithful to what the
module's own code does, so the service can be tested against the module as it is written.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
MODULE = ROOT / "addin_manifest" / "BiaotaiBridge.bas"

# =============================================================================================
# A small VBA reader: logical lines -> statements -> procedures


KEYWORDS = {
    "and", "as", "attribute", "boolean", "byref", "byte", "byval", "call", "case", "const", "currency", "date",
    "dim", "do", "double", "each", "else", "elseif", "empty", "end", "erase", "error", "exit", "explicit", "false",
    "for", "friend", "function", "get", "global", "goto", "if", "in", "integer", "is", "let", "like", "long",
    "longlong", "longptr", "loop", "me", "mod", "new", "next", "not", "nothing", "null", "object", "on",
    "optional", "option", "or", "paramarray", "preserve", "private", "property", "public", "redim", "resume",
    "select", "set", "single", "static", "step", "stop", "string", "sub", "then", "to", "true", "type", "until",
    "variant", "wend", "while", "with", "withevents", "xor",
}
# VBA's own functions, statements and constants the module may use; anything else must be declared.
BUILTINS = {
    "asc", "cbyte", "chr$", "chrw", "clng", "createobject", "cstr", "curdir$", "environ$", "err", "format$",
    "hex$", "inputbox", "instr", "int", "isarray", "kill", "lbound", "left$", "len", "mid", "mid$", "msgbox",
    "now", "replace", "right$", "space$", "split", "strptr", "timer", "trim$", "ubound",
    "vbcr", "vbcrlf", "vblf", "vbtab", "vbcritical", "vbexclamation", "vbinformation", "vbquestion", "vbyes",
    "vbyesno",
}
HOST_GLOBALS = {"activedocument", "documents", "selection"}  # Word's (and WPS's) global objects

TOKEN = re.compile(r"""
    (?P<ws>[ \t]+)
  | (?P<comment>'.*)
  | (?P<string>"(?:[^"]|"")*")
  | (?P<number>&[Hh][0-9A-Fa-f]+&?|&[Oo][0-7]+&?|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[%&!#@]?)
  | (?P<ident>[^\W\d]\w*[$%&!#@]?)
  | (?P<op>:=|<>|<=|>=|[-+*/\\^&=<>(),.:;!#])
""", re.X)


@dataclass
class Tok:
    kind: str
    value: str

    @property
    def word(self) -> str:
        return self.value.lower() if self.kind == "ident" else ""

    @property
    def literal(self) -> str:
        assert self.kind == "string"
        return self.value[1:-1].replace('""', '"')


@dataclass
class Statement:
    line: int
    tokens: list[Tok]
    label: str | None = None

    @property
    def words(self) -> list[str]:
        return [t.word for t in self.tokens]

    def text(self) -> str:
        return " ".join(t.value for t in self.tokens)


@dataclass
class Procedure:
    kind: str  # sub, function, property
    name: str
    public: bool
    params: list[str]
    line: int
    body: list[Statement] = field(default_factory=list)
    source: str = ""  # the lines of the procedure, comments included


@dataclass
class Module:
    lines: list[str]
    declarations: list[Statement]  # module level
    procedures: dict[str, Procedure]
    problems: list[str]
    comments: list[str]
    strings: list[str]

    def proc(self, name: str) -> Procedure:
        return self.procedures[name.lower()]

    def constant(self, name: str) -> str:
        """The value of a module-level string constant."""
        for st in self.declarations:
            words = st.words
            if "const" in words and words[words.index("const") + 1] == name.lower():
                value = st.tokens[[t.value for t in st.tokens].index("=") + 1:]
                assert len(value) == 1 and value[0].kind == "string", st.text()
                return value[0].literal
        raise KeyError(name)


def tokenize(line: str) -> tuple[list[Tok], str | None]:
    tokens, comment, pos = [], None, 0
    while pos < len(line):
        match = TOKEN.match(line, pos)
        if not match:
            raise SyntaxError(f"无法识别的字符 {line[pos]!r}：{line}")
        pos = match.end()
        kind = match.lastgroup
        if kind == "ws":
            continue
        if kind == "comment":
            comment = match.group()
            break
        tokens.append(Tok(kind, match.group()))
    if tokens and tokens[0].word == "rem":
        return [], " ".join(t.value for t in tokens)
    return tokens, comment


def split_top(tokens: list[Tok], separator: str = ",") -> list[list[Tok]]:
    parts, depth, current = [], 0, []
    for t in tokens:
        if t.value == "(":
            depth += 1
        elif t.value == ")":
            depth -= 1
        if depth == 0 and t.kind == "op" and t.value == separator:
            parts.append(current)
            current = []
        else:
            current.append(t)
    parts.append(current)
    return parts


def closing(tokens: list[Tok], start: int) -> int:
    """Index of the ")" matching the "(" at `start`."""
    depth = 0
    for i in range(start, len(tokens)):
        if tokens[i].value == "(":
            depth += 1
        elif tokens[i].value == ")":
            depth -= 1
            if depth == 0:
                return i
    raise SyntaxError("括号不配对：" + " ".join(t.value for t in tokens))


def _header(st: Statement) -> Procedure | None:
    words, i = st.words, 0
    public = True
    if words and words[0] in ("public", "private", "friend"):
        public = words[0] == "public"
        i += 1
    if i < len(words) and words[i] == "static":
        i += 1
    if i < len(words) and words[i] in ("sub", "function"):
        kind, name_at = words[i], i + 1
    elif i + 1 < len(words) and words[i] == "property" and words[i + 1] in ("get", "let", "set"):
        kind, name_at = "property", i + 2
    else:
        return None
    name = st.tokens[name_at].value
    params = []
    if name_at + 1 < len(st.tokens) and st.tokens[name_at + 1].value == "(":
        end = closing(st.tokens, name_at + 1)
        inner = st.tokens[name_at + 2:end]
        for piece in split_top(inner) if inner else []:
            names = [t for t in piece
                     if t.kind == "ident" and t.word not in ("optional", "byval", "byref", "paramarray")]
            params.append(names[0].value)
    return Procedure(kind, name, public, params, st.line)


def declared_names(st: Statement) -> list[str]:
    """Names a Dim / Static / Const / Private / Public / Global statement declares."""
    words = st.words
    i = 0
    while i < len(words) and words[i] in ("dim", "static", "private", "public", "global", "const", "withevents"):
        i += 1
    if i == 0:
        return []
    return [piece[0].value for piece in split_top(st.tokens[i:]) if piece and piece[0].kind == "ident"]


def parse_module(text: str) -> Module:
    lines = text.split("\n")
    statements: list[Statement] = []
    comments, strings, problems = [], [], []
    pending: list[Tok] = []
    start = 0
    for number, raw in enumerate(lines, 1):
        tokens, comment = tokenize(raw)
        if comment:
            comments.append(comment)
        strings += [t.literal for t in tokens if t.kind == "string"]
        if not pending:
            start = number
        if tokens and tokens[-1].value == "_":
            pending += tokens[:-1]
            continue
        tokens = pending + tokens
        pending = []
        if not tokens:
            continue
        label = None
        if len(tokens) >= 2 and tokens[0].kind == "ident" and tokens[1].value == ":" and tokens[0].word not in KEYWORDS:
            label, tokens = tokens[0].value, tokens[2:]
        if any(t.value == ":" for t in tokens):
            problems.append(f"第 {start} 行：请每行只写一条语句（不用冒号分隔）")
        statements.append(Statement(start, tokens, label))

    declarations: list[Statement] = []
    procedures: dict[str, Procedure] = {}
    current: Procedure | None = None
    for st in statements:
        header = _header(st) if st.tokens else None
        words = st.words
        if header:
            if current:
                problems.append(f"第 {st.line} 行：{current.name} 还没有 End {current.kind.title()} 就开始了 {header.name}")
            if header.name.lower() in procedures:
                problems.append(f"第 {st.line} 行：过程 {header.name} 重复定义")
            current = header
            procedures[header.name.lower()] = header
        elif words[:1] == ["end"] and len(words) == 2 and words[1] in ("sub", "function", "property"):
            if current is None:
                problems.append(f"第 {st.line} 行：End {words[1]} 之前没有对应的过程")
            elif current.kind != words[1]:
                problems.append(f"第 {st.line} 行：{current.name} 是 {current.kind}，却以 End {words[1]} 结束")
            if current:
                current.source = "\n".join(lines[current.line - 1:st.line])
            current = None
        elif current:
            current.body.append(st)
        else:
            declarations.append(st)
    if current:
        problems.append(f"过程 {current.name}（第 {current.line} 行）没有结束")
    return Module(lines, declarations, procedures, problems, comments, strings)


def check_module(module: Module) -> list[str]:
    """What the VBA compiler would refuse (as far as this reader can tell), plus the module's rules."""
    problems = list(module.problems)
    first = module.declarations[:2]
    if not first or first[0].text() != 'Attribute VB_Name = "BiaotaiBridge"' or first[0].line != 1:
        problems.append('第一行应为 Attribute VB_Name = "BiaotaiBridge"')
    if len(first) < 2 or [w for w in first[1].words] != ["option", "explicit"]:
        problems.append("Attribute 之后的第一条语句应为 Option Explicit")
    module_vars: set[str] = set()
    module_consts: set[str] = set()
    for st in module.declarations:
        words = st.words
        if not words or words[0] in ("attribute", "option"):
            continue
        names = declared_names(st)
        if not names:
            problems.append(f"第 {st.line} 行：模块级只能有声明：{st.text()}")
        (module_consts if "const" in words else module_vars).update(n.lower() for n in names)
    procedure_names = set(module.procedures)
    for proc in module.procedures.values():
        problems += _check_procedure(proc, module_vars, module_consts, procedure_names, module)
    return problems


def _check_procedure(proc: Procedure, module_vars: set[str], module_consts: set[str], procedure_names: set[str],
                     module: Module) -> list[str]:
    problems = []
    where = f"{proc.name}"
    params = {p.lower() for p in proc.params}
    locals_: set[str] = set()
    local_consts: set[str] = set()
    labels = {st.label.lower() for st in proc.body if st.label}
    blocks: list[str] = []
    for st in proc.body:
        words, tokens = st.words, st.tokens
        if not tokens:
            continue
        at = f"{where} 第 {st.line} 行"
        # declarations
        if words[0] in ("dim", "static", "const"):
            names = [n.lower() for n in declared_names(st)]
            for n in names:
                if n in locals_ or n in params or n in local_consts:
                    problems.append(f"{at}：{n} 重复声明")
            (local_consts if words[0] == "const" else locals_).update(names)
        # blocks
        head = words[0]
        if head == "if":
            if "then" not in words:
                problems.append(f"{at}：If 缺少 Then")
            elif words.index("then") == len(words) - 1:
                blocks.append("if")
        elif head in ("elseif", "else"):
            if not blocks or blocks[-1] != "if":
                problems.append(f"{at}：{head} 不在 If 块中")
        elif head == "end" and len(words) == 2 and words[1] in ("if", "select", "with"):
            if not blocks or blocks[-1] != words[1]:
                problems.append(f"{at}：End {words[1]} 没有对应的开头（当前块：{blocks}）")
            else:
                blocks.pop()
        elif head == "end":
            problems.append(f"{at}：不要使用单独的 End 语句")
        elif head in ("for", "do", "with", "while"):
            blocks.append(head)
        elif head == "select":
            blocks.append("select")
        elif head in ("next", "loop", "wend"):
            opener = {"next": "for", "loop": "do", "wend": "while"}[head]
            if not blocks or blocks[-1] != opener:
                problems.append(f"{at}：{head} 没有对应的 {opener}")
            else:
                blocks.pop()
        elif head == "case":
            if not blocks or blocks[-1] != "select":
                problems.append(f"{at}：Case 不在 Select Case 中")
        elif head == "exit":
            what = words[1] if len(words) > 1 else ""
            if what in ("sub", "function", "property") and what != proc.kind:
                problems.append(f"{at}：{proc.kind} 中不能 Exit {what}")
            if what in ("for", "do") and what not in blocks:
                problems.append(f"{at}：Exit {what} 不在 {what} 循环中")
        # GoTo / Resume targets
        for i, t in enumerate(tokens[:-1]):
            if t.word in ("goto", "resume") and tokens[i + 1].kind == "ident" and tokens[i + 1].word != "next":
                if tokens[i + 1].word not in labels:
                    problems.append(f"{at}：没有标签 {tokens[i + 1].value}")
        # assignments: the target must be declared (and not be a constant or another procedure)
        target = _assignment_target(tokens)
        if target is not None:
            name = target.lower()
            ok = (name in locals_ or name in params or name in module_vars or name in ("mid", "mid$")
                  or (name == proc.name.lower() and proc.kind in ("function", "property")))
            if not ok:
                problems.append(f"{at}：给未声明的变量（或常量、其他过程）{target} 赋值")
        # every identifier used must be known
        known = locals_ | params | local_consts | module_vars | module_consts | procedure_names
        for i, t in enumerate(tokens):
            if t.kind != "ident":
                continue
            before = tokens[i - 1] if i else None
            after = tokens[i + 1] if i + 1 < len(tokens) else None
            if before is not None and (before.value == "." or before.word in ("as", "new", "goto", "resume")):
                continue
            if after is not None and after.value == ":=":
                continue
            w = t.word
            if w in KEYWORDS or w in BUILTINS or w in HOST_GLOBALS or w in known:
                continue
            if words[0] in ("dim", "static", "const") and w in {n.lower() for n in declared_names(st)}:
                continue
            problems.append(f"{at}：未声明的标识符 {t.value}")
        # a Sub called as a statement takes no parentheses around several arguments
        if tokens[0].kind == "ident" and tokens[0].word in procedure_names and len(tokens) > 1 \
                and tokens[1].value == "(" and closing(tokens, 1) == len(tokens) - 1 \
                and len(split_top(tokens[2:-1])) > 1:
            problems.append(f"{at}：调用 {tokens[0].value} 时不带 Call 就不能用括号括起多个参数")
    if blocks:
        problems.append(f"{where}：块没有结束：{blocks}")
    return problems


def _assignment_target(tokens: list[Tok]) -> str | None:
    i = 1 if tokens[0].word in ("set", "let") else 0
    if i >= len(tokens) or tokens[i].kind != "ident" or tokens[i].word in KEYWORDS:
        return None
    j = i + 1
    if j < len(tokens) and tokens[j].value == "(":
        j = closing(tokens, j) + 1
    if j < len(tokens) and tokens[j].value == "=":
        return tokens[i].value
    return None


def calls_in(st: Statement, name: str) -> list[list[list[Tok]]]:
    """The argument lists of every call of `name` in a statement, as `name(a, b)` or `name a, b`."""
    found = []
    tokens = st.tokens
    for i, t in enumerate(tokens):
        if t.word != name.lower() or (i and tokens[i - 1].value == "."):
            continue
        if i + 1 < len(tokens) and tokens[i + 1].value == "(":
            end = closing(tokens, i + 1)
            found.append(split_top(tokens[i + 2:end]))
        elif (i == 0 or tokens[i - 1].word in ("call", "then", "else")) \
                and not (i + 1 < len(tokens) and tokens[i + 1].value == "="):  # not `Name = value`
            found.append(split_top(tokens[i + 1:]) if len(tokens) > i + 1 else [])
    return found


# =============================================================================================
# The module's HTTP side, as the module does it


@dataclass
class Request:
    method: str
    template: str  # path and query, "{name}" where the module puts UrlEncode(value)
    procedure: str
    line: int
    fields: list[str]  # form fields; "v.*" for the variables
    columns: list[str]  # ColumnIndex(rows, "…") the procedure looks up in the answer
    flags: list[str]  # columns it compares with "1"

    @property
    def path(self) -> str:
        return self.template.split("?")[0]

    @property
    def query(self) -> list[str]:
        if "?" not in self.template:
            return []
        return [pair.split("=")[0] for pair in self.template.split("?", 1)[1].split("&")]


def _literal(tokens: list[Tok]) -> str | None:
    return tokens[0].literal if len(tokens) == 1 and tokens[0].kind == "string" else None


def _url_template(tokens: list[Tok]) -> str:
    """`"/a?x=" & UrlEncode(v) & "&y=" & UrlEncode(w)` -> "/a?x={x}&y={y}"."""
    text = ""
    for piece in split_top(tokens, "&"):
        if len(piece) == 1 and piece[0].kind == "string":
            text += piece[0].literal
        elif piece and piece[0].word == "urlencode" and piece[1].value == "(" and closing(piece, 1) == len(piece) - 1:
            name = text.rsplit("&", 1)[-1].rsplit("?", 1)[-1]
            assert name.endswith("="), f"UrlEncode(…) 应紧跟在「参数名=」之后：{text}"
            text += "{" + name[:-1] + "}"
        else:
            raise AssertionError(f"网址中的值必须经过 UrlEncode：{' '.join(t.value for t in piece)}")
    return text


def _form_fields(proc: Procedure) -> list[str]:
    fields = []
    for st in proc.body:
        for args in calls_in(st, "AddField"):
            name = args[1]
            if _literal(name) is not None:
                fields.append(_literal(name))
            else:
                pieces = split_top(name, "&")
                assert len(pieces) == 2 and _literal(pieces[0]) == "v." and pieces[1][0].kind == "ident", \
                    f"{proc.name}: 表单字段名只能是字符串或 \"v.\" & 键"
                fields.append("v.*")
    return fields


def _called(proc: Procedure, module: Module) -> set[str]:
    names = set()
    for st in proc.body:
        names |= {t.word for t in st.tokens if t.word in module.procedures}
    return names


def module_requests(module: Module) -> list[Request]:
    """Every request the module can make, found by reading its code."""
    core = next(p for p in module.procedures.values() if "http.Open method, url, False" in p.source)
    assert core.params[:3] == ["method", "path", "form"], core.params
    assert "url = ServerUrl() & path" in core.source
    assert 'http.setRequestHeader "Content-Type", FORM_CONTENT_TYPE' in core.source and "http.send form" in core.source
    # wrappers: procedures that pass one of their parameters as the path, with a fixed method
    # procedure: (its fixed method or None, the argument that gives the method, the argument that gives the path)
    senders: dict[str, tuple[str | None, int, int]] = {core.name.lower(): (None, 0, 1)}
    changed = True
    while changed:
        changed = False
        for proc in module.procedures.values():
            if proc.name.lower() in senders:
                continue
            for st in proc.body:
                for name, (method, method_at, path_at) in list(senders.items()):
                    for args in calls_in(st, name):
                        path = [t.value for t in args[path_at]]
                        if len(path) == 1 and path[0] in proc.params:
                            fixed = method or _literal(args[method_at])
                            senders[proc.name.lower()] = (fixed, -1, proc.params.index(path[0]))
                            changed = True
    requests = []
    for proc in module.procedures.values():
        sites = []
        for index, st in enumerate(proc.body):
            for name, (method, method_at, path_at) in senders.items():
                for args in calls_in(st, name):
                    path = args[path_at]
                    if len(path) == 1 and path[0].value in proc.params:
                        continue  # a wrapper passing its own path on
                    sites.append((index, st, method or _literal(args[method_at]), _url_template(path), name))
        for n, (index, st, method, template, via) in enumerate(sites):
            end = sites[n + 1][0] if n + 1 < len(sites) else len(proc.body)
            following = proc.body[index:end]
            columns, column_vars = [], {}
            for later in following:
                for args in calls_in(later, "ColumnIndex"):
                    columns.append(_literal(args[1]))
                    if later.tokens[1].value == "=":
                        column_vars[later.tokens[0].word] = _literal(args[1])
            flags = []
            for later in following:
                for args in calls_in(later, "Cell"):
                    variable = args[2][0].word if len(args) == 3 and len(args[2]) == 1 else ""
                    text = later.text()
                    if variable in column_vars and re.search(r'\)\s*(=|<>)\s*"1"', text):
                        flags.append(column_vars[variable])
            fields = _form_fields(proc) if method == "POST" else []
            if method == "POST":
                todo, seen = [via], set()
                while todo:  # the wrapper and what it calls add fields too
                    name = todo.pop()
                    if name in seen:
                        continue
                    seen.add(name)
                    fields += _form_fields(module.procedures[name])
                    todo += _called(module.procedures[name], module) - seen
            requests.append(Request(method, template, proc.name, st.line, sorted(set(fields)), columns,
                                    sorted(set(flags))))
    # nothing escapes the reader: every "/api/bridge/…" literal starts a request found above
    literals = [s for s in module.strings if s.startswith("/api/bridge/")]
    assert len(literals) == len(requests), (literals, requests)
    return requests


def vba_unreserved(module: Module) -> set[int]:
    """The bytes the module's UrlEncode keeps as they are, read from its code."""
    body = module.proc("UrlEncode").source
    condition = next(line for line in body.split("\n") if line.strip().startswith("If (b >="))
    keep = set()
    for low, high in re.findall(r"b >= (\d+) And b <= (\d+)", condition):
        keep |= set(range(int(low), int(high) + 1))
    keep |= {int(n) for n in re.findall(r"\bb = (\d+)", condition)}
    return keep


class Vba:
    """The module's encoding, decoding and parsing, done the way its code does them."""

    def __init__(self, module: Module):
        self.charset = module.constant("TEXT_CHARSET")
        self.form_type = module.constant("FORM_CONTENT_TYPE")
        self.token_header = module.constant("TOKEN_HEADER")
        self.warnings_header = module.constant("WARNINGS_HEADER")
        self.keep = vba_unreserved(module)

    def url_encode(self, text: str) -> str:  # UrlEncode: UTF-8 bytes, %XX in capitals
        return "".join(chr(b) if b in self.keep else "%" + ("0" + format(b, "X"))[-2:]
                       for b in text.encode(self.charset))

    def form(self, fields: list[tuple[str, str]]) -> str:  # AddField
        return "&".join(self.url_encode(name) + "=" + self.url_encode(value) for name, value in fields)

    def decode(self, data: bytes) -> str:  # Utf8Decode (ADODB.Stream skips a byte order mark)
        text = data.decode(self.charset)
        return text[1:] if text.startswith("\ufeff") else text

    def table(self, data: bytes) -> list[list[str]]:  # ParseTable
        lines = self.decode(data).replace("\r", "").split("\n")
        rows = [line.split("\t") for line in lines if line != ""]
        return rows or [[]]

    def percent_decode(self, encoded: str) -> str:  # PercentDecode
        out, i = bytearray(), 0
        while i < len(encoded):
            if encoded[i] == "%" and i + 3 <= len(encoded):
                out.append(int(encoded[i + 1:i + 3], 16))
                i += 3
            else:
                out.append(ord(encoded[i]) & 255)
                i += 1
        return self.decode(bytes(out))

    def error(self, data: bytes) -> tuple[str, str, str, list[str]]:  # ReadError
        lines = self.decode(data).replace("\r", "").split("\n")
        parts = lines[0].split("\t")
        assert len(parts) >= 3, f"错误回答的第一行应为 错误<TAB>代码<TAB>说明<TAB>字段：{lines[0]!r}"
        more = [p.split("\t")[2] for p in lines[1:] if len(p.split("\t")) >= 3 and p.split("\t")[1] == "error"]
        return parts[1], parts[2], parts[3] if len(parts) > 3 else "", more
