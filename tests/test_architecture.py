"""The layering the design asks for, checked on the source: rules never import each other,
no import cycles, and package-manager facts come from the catalogue alone."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "dfix"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every dfix module this file imports, at any depth (lazy imports count too)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("dfix"):
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("dfix"))
    return found


MODULES = {_module_name(p): p for p in SRC.rglob("*.py")}
GRAPH = {name: {t for t in _imports(path) if t in MODULES and t != name} for name, path in MODULES.items()}


def _rule_of(module: str) -> str:
    """The rule a module belongs to: ``dfix.rules.df201.stage`` and ``dfix.rules.df201`` are DF201's."""
    return module.split(".")[2].split("_")[0]


def test_rules_never_import_each_other():
    rules = {m for m in MODULES if m.startswith("dfix.rules.df")}
    offenders = {m: sorted(t for t in GRAPH[m] & rules if _rule_of(t) != _rule_of(m)) for m in rules}
    offenders = {m: targets for m, targets in offenders.items() if targets}
    assert not offenders, f"rule modules import other rule modules: {offenders}"


def test_every_package_is_installed():
    import tomllib

    listed = set(tomllib.loads((SRC.parent.parent / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {_module_name(p) for p in SRC.rglob("__init__.py")}
    assert on_disk <= listed, f"packages missing from pyproject.toml (a wheel would lack them): {sorted(on_disk - listed)}"


def test_no_import_cycles():
    # Package __init__ files only re-export; an edge into a package is an edge into what it re-exports.
    def edges(module: str) -> set[str]:
        return {t for t in GRAPH[module] if not (MODULES[t].name == "__init__.py" and module.startswith(t + "."))}

    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        stack.append(module)
        for target in sorted(edges(module)):
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        stack.pop()
        state[module] = 2
        return None

    for module in sorted(MODULES):
        if module not in state:
            cycle = visit(module)
            assert cycle is None, f"import cycle: {' -> '.join(cycle)}"


@pytest.mark.parametrize("lower", ["dfix.dockerfile", "dfix.shell", "dfix.managers", "dfix.images"])
def test_lower_layers_do_not_import_upper_ones(lower):
    upper = ("dfix.rules", "dfix.pipeline", "dfix.cli", "dfix.commands", "dfix.report", "dfix.analysis")
    offenders = {m: sorted(t for t in GRAPH[m] if t.startswith(upper))
                 for m in MODULES if m.startswith(lower) and any(t.startswith(upper) for t in GRAPH[m])}
    assert not offenders, f"{lower} imports from a layer above it: {offenders}"


def test_dockerfile_package_imports_no_knowledge_tables():
    offenders = {m: sorted(GRAPH[m]) for m in MODULES if m.startswith("dfix.dockerfile")
                 and any(not t.startswith("dfix.dockerfile") for t in GRAPH[m])}
    assert not offenders, f"the parser layer imports outside itself: {offenders}"


def test_formatters_read_finding_data_only():
    """report/ renders rules.findings data; it never imports the pipeline that produced it."""
    offenders = {m: sorted(t for t in GRAPH[m] if t.startswith(("dfix.pipeline", "dfix.commands", "dfix.cli")))
                 for m in MODULES if m.startswith("dfix.report")}
    assert not {m: t for m, t in offenders.items() if t}, offenders


def test_the_fixers_formats_come_from_the_one_registry():
    from click.testing import CliRunner

    from dfix.cli import main
    from dfix.report import FORMATS

    text = CliRunner().invoke(main, ["--help"]).output
    assert f"[{'|'.join(FORMATS)}]" in text
