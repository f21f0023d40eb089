"""Static reading of setup.py with libcst: which files ``pip install .`` opens, never running it.

Only what can be evaluated from literals is resolved: string literals, ``+``,
``os.path.join``, ``Path(...) / "x"``, names bound once to such values at module
level, the directory of ``__file__`` (the project root) and, one call deep, the
parameters of a helper function (``def read(*parts): open(join(here, *parts))``
called as ``read("pkg", "__init__.py")``).
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass, field

import libcst as cst
import libcst.matchers as m

# libcst's native parser overflows its stack (a segfault, not an exception) on deep
# bracket nesting, and its parse and the matchers grow faster than linearly with size.
# CPython refuses more than 200 nested brackets, so such a setup.py cannot run anyway;
# a setup.py this large is not one dfix can read in the time of a lint.
MAX_BRACKET_DEPTH = 200
MAX_SETUP_PY_BYTES = 128 * 1024  # ~2 s of libcst; the largest real setup.py files are about half of it

_OPEN_FUNCTIONS = frozenset({"open", "io.open", "codecs.open", "builtins.open"})
_PATH_READERS = frozenset({"read_text", "read_bytes", "open"})
_JOIN_FUNCTIONS = frozenset({"os.path.join", "path.join", "posixpath.join", "join"})
_PATH_TYPES = frozenset({"Path", "pathlib.Path", "PurePath"})
_DIRNAME_FUNCTIONS = frozenset({"os.path.dirname", "path.dirname", "dirname", "os.path.abspath",
                                "os.path.realpath", "abspath", "realpath"})
ROOT = ""  # the project directory, as a path prefix
_HELPER_DEPTH = 3  # helper functions followed from a module-level call


@dataclass
class SetupPyFacts:
    opened: list[str] = field(default_factory=list)  # files read, relative to setup.py's directory
    unresolved_opens: int = 0  # open() calls whose path could not be evaluated
    install_requires: list[str] | None = None  # when a literal list
    finds_packages: bool = False  # find_packages()/packages=[...]: package source is needed
    parse_error: str | None = None


def _dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr.value}" if head else None
    return None


class _Evaluator:
    def __init__(self, constants: dict[str, object]) -> None:
        self.constants = constants

    def value(self, node: cst.BaseExpression, scope: dict[str, object]) -> object:
        """A str, a tuple of str (for ``*args``), ROOT for the project dir, or None."""
        if isinstance(node, cst.SimpleString):
            return node.evaluated_value if isinstance(node.evaluated_value, str) else None
        if isinstance(node, cst.ConcatenatedString):
            left, right = self.value(node.left, scope), self.value(node.right, scope)
            return left + right if isinstance(left, str) and isinstance(right, str) else None
        if isinstance(node, cst.Name):
            if node.value == "__file__":
                return "setup.py"
            return scope.get(node.value, self.constants.get(node.value))
        if isinstance(node, cst.BinaryOperation):
            left, right = self.value(node.left, scope), self.value(node.right, scope)
            if not (isinstance(left, str) and isinstance(right, str)):
                return None
            if isinstance(node.operator, cst.Add):
                return left + right
            if isinstance(node.operator, cst.Divide):  # Path / "name"
                return _join([left, right])
            return None
        if isinstance(node, cst.Call):
            name = _dotted(node.func) or ""
            if name in _DIRNAME_FUNCTIONS:
                inner = self.value(node.args[0].value, scope) if node.args else None
                if inner == "setup.py" or inner == ROOT:
                    return ROOT
                return inner if name.endswith(("abspath", "realpath")) else None
            if name in _JOIN_FUNCTIONS or name in _PATH_TYPES:
                parts: list[str] = []
                for arg in node.args:
                    value = self.value(arg.value, scope)
                    if arg.star == "*" and isinstance(value, tuple):
                        parts.extend(value)
                    elif isinstance(value, str):
                        parts.append(value)
                    else:
                        return None
                return _join(parts) if parts else ROOT
            if name.endswith((".resolve", ".absolute")) and isinstance(node.func, cst.Attribute):
                return self.value(node.func.value, scope)
            if isinstance(node.func, cst.Attribute) and node.func.attr.value == "parent":
                return ROOT
        if isinstance(node, cst.Attribute) and node.attr.value == "parent":
            inner = self.value(node.value, scope)
            return ROOT if inner in ("setup.py", ROOT) else None
        return None


def _join(parts: list[str]) -> str:
    out = ""
    for part in parts:
        if part.startswith("/"):
            return part
        if part == "setup.py" and not out:
            continue
        out = f"{out}/{part}" if out else part
    return out


def refusal(source: str) -> str | None:
    """Why setup.py is not handed to libcst (too large, too deeply nested, not Python), or None."""
    if len(source.encode("utf-8", "surrogatepass")) > MAX_SETUP_PY_BYTES:
        return f"setup.py is larger than {MAX_SETUP_PY_BYTES // 1024} KiB; not analysed"
    depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type != tokenize.OP:
                continue
            if token.string in "([{":
                depth += 1
                if depth > MAX_BRACKET_DEPTH:
                    return f"too many nested parentheses (more than {MAX_BRACKET_DEPTH}, as CPython refuses)"
            elif token.string in ")]}":
                depth -= 1
    except (tokenize.TokenError, SyntaxError) as exc:  # SyntaxError covers IndentationError
        return f"not valid Python ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
    return None


def analyse_setup_py(source: str) -> SetupPyFacts:
    facts = SetupPyFacts()
    facts.parse_error = refusal(source)
    if facts.parse_error:
        return facts
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        facts.parse_error = str(exc).splitlines()[0]
        return facts
    constants: dict[str, object] = {}
    evaluator = _Evaluator(constants)
    for statement in module.body:
        for assign in m.findall(statement, m.Assign(targets=[m.AssignTarget(target=m.Name())])):
            if isinstance(statement, cst.SimpleStatementLine):
                name = assign.targets[0].target.value
                value = evaluator.value(assign.value, {})
                if value is not None:
                    constants[name] = value
    functions = {f.name.value: f for f in m.findall(module, m.FunctionDef())}

    def record(call: cst.Call, scope: dict[str, object], depth: int) -> None:
        target = _opened_path(call, evaluator, scope)
        if target is _UNRESOLVED:
            facts.unresolved_opens += 1
        elif isinstance(target, str) and target and target not in facts.opened:
            facts.opened.append(target)
        name = _dotted(call.func) or ""
        if name in functions and depth < _HELPER_DEPTH:
            helper = functions[name]
            inner = _bind(helper, call, evaluator, scope)
            _local_assignments(helper, evaluator, inner)
            for nested in m.findall(helper.body, m.Call()):
                record(nested, inner, depth + 1)

    calls_in_functions = {id(c) for f in functions.values() for c in m.findall(f, m.Call())}
    for call in m.findall(module, m.Call()):
        if id(call) in calls_in_functions:
            continue
        record(call, {}, 0)
        name = _dotted(call.func) or ""
        if name.endswith(("find_packages", "find_namespace_packages")):
            facts.finds_packages = True
        if name.endswith("setup"):
            _setup_keywords(call, facts)
    return facts


_UNRESOLVED = object()


def _opened_path(call: cst.Call, evaluator: _Evaluator, scope: dict[str, object]) -> object:
    """The path a call reads, None when it reads nothing, _UNRESOLVED when it reads something unknown."""
    name = _dotted(call.func) or ""
    if name in _OPEN_FUNCTIONS:
        if not call.args:
            return _UNRESOLVED
        value = evaluator.value(call.args[0].value, scope)
        return value if isinstance(value, str) and value else _UNRESOLVED
    if isinstance(call.func, cst.Attribute) and call.func.attr.value in _PATH_READERS:
        receiver = call.func.value
        if isinstance(receiver, (cst.Call, cst.BinaryOperation)) and _is_path_expr(receiver):
            value = evaluator.value(receiver, scope)
            return value if isinstance(value, str) and value else _UNRESOLVED
    return None


def _is_path_expr(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Call):
        return (_dotted(node.func) or "") in _PATH_TYPES
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
        return _is_path_expr(node.left) or isinstance(node.left, (cst.Name, cst.Attribute))
    return False


def _bind(
    function: cst.FunctionDef, call: cst.Call, evaluator: _Evaluator, caller_scope: dict[str, object]
) -> dict[str, object]:
    """The helper's parameters bound to the call's arguments, where those evaluate."""
    scope: dict[str, object] = {}
    positional: list[object] = []
    for arg in call.args:
        if arg.keyword is not None:
            continue
        value = evaluator.value(arg.value, caller_scope)
        positional.extend(value if arg.star == "*" and isinstance(value, tuple) else [value])
    params = list(function.params.params)
    for param, value in zip(params, positional):
        if value is not None:
            scope[param.name.value] = value
    star = function.params.star_arg
    if isinstance(star, cst.Param):
        rest = positional[len(params):]
        if all(isinstance(v, str) for v in rest):
            scope[star.name.value] = tuple(rest)
    return scope


def _local_assignments(function: cst.FunctionDef, evaluator: _Evaluator, scope: dict[str, object]) -> None:
    for assign in m.findall(function.body, m.Assign(targets=[m.AssignTarget(target=m.Name())])):
        value = evaluator.value(assign.value, scope)
        if value is not None:
            scope.setdefault(assign.targets[0].target.value, value)


def _setup_keywords(call: cst.Call, facts: SetupPyFacts) -> None:
    for arg in call.args:
        keyword = arg.keyword.value if arg.keyword else None
        if keyword == "install_requires" and isinstance(arg.value, cst.List):
            items = [e.value.evaluated_value for e in arg.value.elements
                     if isinstance(e.value, cst.SimpleString) and isinstance(e.value.evaluated_value, str)]
            facts.install_requires = items
        if keyword in ("packages", "py_modules", "package_dir"):
            facts.finds_packages = True
