"""Static reading of setup.py with Python's own parser (``ast``): which files ``pip install .`` opens, never running it.

Only what can be evaluated from literals is resolved: string literals, ``+``,
``os.path.join``, ``Path(...) / "x"``, names bound once to such values at module
level, the directory of ``__file__`` (the project root) and, one call deep, the
parameters of a helper function (``def read(*parts): open(join(here, *parts))``
called as ``read("pkg", "__init__.py")``).

``ast`` rather than libcst: dfix only reads setup.py, never rewrites it, so it needs no
lossless tree; CPython's parser is the reference grammar, runs in C in linear time (a
1 MiB setup.py in about a second, where libcst took minutes), and refuses deep
nesting with a SyntaxError where libcst's native parser overflowed its stack.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Iterator

# Path expressions deeper than this are unknown: the evaluator recurses, and CPython's
# own limits (200 nested brackets, its recursion limit while building the tree) come first
# for everything but long chains such as `a + a + ... + a`.
EVAL_DEPTH = 100
# CPython's tree costs about 170 bytes of memory per byte of source: past this a setup.py
# is not read (installs that run it are treated as reading anything). Real ones are
# under 64 KiB; this one reads in about 1.5 s and under 200 MB.
MAX_SETUP_PY_BYTES = 1024 * 1024

_OPEN_FUNCTIONS = frozenset({"open", "io.open", "codecs.open", "builtins.open"})
_PATH_READERS = frozenset({"read_text", "read_bytes", "open"})
_JOIN_FUNCTIONS = frozenset({"os.path.join", "path.join", "posixpath.join", "join"})
_PATH_TYPES = frozenset({"Path", "pathlib.Path", "PurePath", "pathlib.PurePath"})
_DIRNAME_FUNCTIONS = frozenset({"os.path.dirname", "path.dirname", "dirname", "os.path.abspath",
                                "os.path.realpath", "abspath", "realpath", "posixpath.dirname",
                                "posixpath.abspath", "posixpath.realpath"})
ROOT = ""  # the project directory, as a path prefix
_HELPER_DEPTH = 3  # helper functions followed from a module-level call
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass
class SetupPyFacts:
    opened: list[str] = field(default_factory=list)  # files read, relative to setup.py's directory
    unresolved_opens: int = 0  # open() calls whose path could not be evaluated
    install_requires: list[str] | None = None  # when a literal list
    finds_packages: bool = False  # find_packages()/packages=[...]: package source is needed
    parse_error: str | None = None


# Import aliases of the path modules, name -> canonical dotted name (`from os import path`,
# `import os.path as osp`, `from pathlib import Path as P`), set per analysed module.
_ALIASED_MODULES = ("os", "os.path", "posixpath", "pathlib", "io", "codecs")


def _dotted(node: ast.expr, aliases: dict[str, str] | None = None) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):  # a loop: `a.b.c...` may be long
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    head = aliases.get(node.id, node.id) if aliases else node.id
    return ".".join([head, *reversed(parts)])


def _import_aliases(module: ast.Module) -> dict[str, str]:
    """Names the module binds to the path modules or their functions, by their canonical name."""
    found: dict[str, str] = {}
    for node in module.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name in _ALIASED_MODULES:
                    found[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module in _ALIASED_MODULES and not node.level:
            for alias in node.names:
                found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return found


def _preorder(node: ast.AST) -> Iterator[ast.AST]:
    """Nodes in source order, parents first (ast.walk is breadth-first), without recursion."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        children: list[ast.AST] = []
        for name in current._fields:  # ast.iter_child_nodes, without its generators
            value = getattr(current, name, None)
            if isinstance(value, ast.AST):
                if not isinstance(value, ast.expr_context):  # Load/Store: shared, and never a call
                    children.append(value)
            elif isinstance(value, list):
                children.extend(item for item in value if isinstance(item, ast.AST))
        stack.extend(reversed(children))


def _calls(node: ast.AST) -> list[ast.Call]:
    return [n for n in _preorder(node) if isinstance(n, ast.Call)]


def _name_assignments(nodes: Iterator[ast.AST]) -> Iterator[tuple[str, ast.expr]]:
    """``name = value`` with a single plain name on the left."""
    for n in nodes:
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
            yield n.targets[0].id, n.value


class _Evaluator:
    def __init__(self, constants: dict[str, object], aliases: dict[str, str]) -> None:
        self.constants = constants
        self.aliases = aliases

    def value(self, node: ast.expr, scope: dict[str, object], depth: int = 0) -> object:
        """A str, a tuple of str (for ``*args``), ROOT for the project dir, or None."""
        if depth > EVAL_DEPTH:
            return None  # deeper than any real path expression: unknown
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return "setup.py"
            return scope.get(node.id, self.constants.get(node.id))
        if isinstance(node, ast.BinOp):
            left, right = self.value(node.left, scope, depth + 1), self.value(node.right, scope, depth + 1)
            if not (isinstance(left, str) and isinstance(right, str)):
                return None
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Div):  # Path / "name"
                return _join([left, right])
            return None
        if isinstance(node, ast.Call):
            return self._call(node, scope, depth)
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            inner = self.value(node.value, scope, depth + 1)
            return ROOT if inner in ("setup.py", ROOT) else None
        return None

    def _call(self, node: ast.Call, scope: dict[str, object], depth: int) -> object:
        name = _dotted(node.func, self.aliases) or ""
        if name in _DIRNAME_FUNCTIONS:
            first = node.args[0] if node.args and not isinstance(node.args[0], ast.Starred) else None
            inner = self.value(first, scope, depth + 1) if first is not None else None
            if inner == "setup.py" or inner == ROOT:
                return ROOT
            return inner if name.endswith(("abspath", "realpath")) else None
        if name in _JOIN_FUNCTIONS or name in _PATH_TYPES:
            parts: list[str] = []
            for arg in node.args:
                starred = isinstance(arg, ast.Starred)
                value = self.value(arg.value if starred else arg, scope, depth + 1)
                if starred and isinstance(value, tuple):
                    parts.extend(value)
                elif isinstance(value, str):
                    parts.append(value)
                else:
                    return None
            return _join(parts) if parts else ROOT
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("resolve", "absolute"):
            return self.value(node.func.value, scope, depth + 1)  # `Path(__file__).resolve()`
        if isinstance(node.func, ast.Attribute) and node.func.attr == "parent":
            return ROOT
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


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


@lru_cache(maxsize=4)  # every pass of the engine asks the stack detector again; facts are read only
def analyse_setup_py(source: str) -> SetupPyFacts:
    facts = SetupPyFacts()
    if len(source) > MAX_SETUP_PY_BYTES:
        facts.parse_error = f"setup.py is larger than {MAX_SETUP_PY_BYTES // (1024 * 1024)} MiB; not analysed"
        return facts
    try:  # CPython's tokenizer refuses more than 200 nested brackets itself
        module = ast.parse(source, "setup.py")
    except (SyntaxError, ValueError) as exc:  # ValueError: a NUL byte
        facts.parse_error = f"not valid Python ({_first_line(exc)})"
        return facts
    except (RecursionError, MemoryError):  # CPython's compiler gives up on these too
        facts.parse_error = "an expression nested too deeply to read"
        return facts
    aliases = _import_aliases(module)
    constants: dict[str, object] = {}
    evaluator = _Evaluator(constants, aliases)
    for name, value_node in _name_assignments(iter(module.body)):  # module level, not inside if/with
        value = evaluator.value(value_node, {})
        if value is not None:
            constants[name] = value
    nodes = list(_preorder(module))
    functions = {f.name: f for f in nodes if isinstance(f, _FUNCTIONS)}
    opened: set[str] = set()  # facts.opened in order, this for the lookups (100k opens are linear)

    def record(call: ast.Call, scope: dict[str, object], depth: int) -> None:
        target = _opened_path(call, evaluator, scope)
        if target is _UNRESOLVED:
            facts.unresolved_opens += 1
        elif isinstance(target, str) and target and target not in opened:
            opened.add(target)
            facts.opened.append(target)
        name = _dotted(call.func, aliases) or ""
        if name in functions and depth < _HELPER_DEPTH:
            helper = functions[name]
            inner = _bind(helper, call, evaluator, scope)
            _local_assignments(helper, evaluator, inner)
            for statement in helper.body:
                for nested in _calls(statement):
                    record(nested, inner, depth + 1)

    calls_in_functions = {id(c) for f in functions.values() for c in _calls(f)}
    for call in nodes:
        if not isinstance(call, ast.Call) or id(call) in calls_in_functions:
            continue
        record(call, {}, 0)
        name = _dotted(call.func, aliases) or ""
        if name.endswith(("find_packages", "find_namespace_packages")):
            facts.finds_packages = True
        if name.endswith("setup"):
            _setup_keywords(call, facts)
    return facts


_UNRESOLVED = object()


def _opened_path(call: ast.Call, evaluator: _Evaluator, scope: dict[str, object]) -> object:
    """The path a call reads, None when it reads nothing, _UNRESOLVED when it reads something unknown."""
    name = _dotted(call.func, evaluator.aliases) or ""
    if name in _OPEN_FUNCTIONS:
        if not call.args or isinstance(call.args[0], ast.Starred):
            return _UNRESOLVED
        value = evaluator.value(call.args[0], scope)
        return value if isinstance(value, str) and value else _UNRESOLVED
    if isinstance(call.func, ast.Attribute) and call.func.attr in _PATH_READERS:
        receiver = call.func.value
        if isinstance(receiver, (ast.Call, ast.BinOp)) and _is_path_expr(receiver, evaluator.aliases):
            value = evaluator.value(receiver, scope)
            return value if isinstance(value, str) and value else _UNRESOLVED
    return None


def _is_path_expr(node: ast.expr, aliases: dict[str, str]) -> bool:
    while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):  # a loop: `p / "a" / "b" / ...`
        if isinstance(node.left, (ast.Name, ast.Attribute)):
            return True
        node = node.left
    return isinstance(node, ast.Call) and (_dotted(node.func, aliases) or "") in _PATH_TYPES


def _bind(
    function: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call, evaluator: _Evaluator,
    caller_scope: dict[str, object]
) -> dict[str, object]:
    """The helper's parameters bound to the call's arguments, where those evaluate."""
    scope: dict[str, object] = {}
    positional: list[object] = []
    for arg in call.args:
        starred = isinstance(arg, ast.Starred)
        value = evaluator.value(arg.value if starred else arg, caller_scope)
        positional.extend(value if starred and isinstance(value, tuple) else [value])
    params = [*function.args.posonlyargs, *function.args.args]
    for param, value in zip(params, positional):
        if value is not None:
            scope[param.arg] = value
    star = function.args.vararg
    if star is not None:
        rest = positional[len(params):]
        if all(isinstance(v, str) for v in rest):
            scope[star.arg] = tuple(rest)
    return scope


def _local_assignments(function: ast.FunctionDef | ast.AsyncFunctionDef, evaluator: _Evaluator,
                       scope: dict[str, object]) -> None:
    for statement in function.body:
        for name, value_node in _name_assignments(_preorder(statement)):
            value = evaluator.value(value_node, scope)
            if value is not None:
                scope.setdefault(name, value)


def _setup_keywords(call: ast.Call, facts: SetupPyFacts) -> None:
    for keyword in call.keywords:
        if keyword.arg == "install_requires" and isinstance(keyword.value, ast.List):
            facts.install_requires = [e.value for e in keyword.value.elts
                                      if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        if keyword.arg in ("packages", "py_modules", "package_dir"):
            facts.finds_packages = True
