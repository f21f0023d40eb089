"""Python: pip requirements, pyproject (PEP 621, poetry, uv, pdm, hatch), setup.py/setup.cfg, Pipfile."""

from __future__ import annotations

import configparser
import posixpath
import sys
from dataclasses import dataclass, field
from typing import Any

from ...context import BuildContext
from ...managers import MANAGERS
from ...managers.python import is_local_path as _is_local_path
from ...managers.registry import lockfile_owners
from ...shell.parse import Command
from .base import HazardKind, Invocation, Stack, disagreement, invocation, join
from .setup_py import analyse_setup_py

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

LOCKFILES = lockfile_owners("python")
# build-backend module → package manager that owns the project
# build-backend module -> package manager that owns the project; [tool.X] -> the same
BUILD_BACKENDS = {b: m.name for m in MANAGERS if m.ecosystem == "python" for b in m.build_backends}
TOOL_SECTIONS = {m.pyproject_section: m.name for m in MANAGERS if m.ecosystem == "python" and m.pyproject_section}
PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg", "MANIFEST.in")



def recognise(command: Command) -> Invocation | None:
    found = invocation(command)
    return found if found is not None and found.ecosystem == "python" else None


def project_roots(ctx: BuildContext) -> list[str]:
    roots = set()
    for f in ctx.files:
        name = posixpath.basename(f)
        if name in ("pyproject.toml", "setup.py", "setup.cfg", "Pipfile") or _is_requirements_name(f):
            directory = posixpath.dirname(f) or "."
            if posixpath.basename(directory) == "requirements":
                directory = posixpath.dirname(directory) or "."
            roots.add(directory)
    return sorted(roots)


def _is_requirements_name(path: str) -> bool:
    name = posixpath.basename(path)
    parent = posixpath.basename(posixpath.dirname(path))
    return (name.startswith("requirements") and name.endswith((".txt", ".in"))) or (
        parent == "requirements" and name.endswith(".txt")
    )


@dataclass
class Requirements:
    files: list[str] = field(default_factory=list)  # every file read, includes followed
    local_paths: list[str] = field(default_factory=list)  # `-e .`, `./pkg`: local projects installed
    missing: list[str] = field(default_factory=list)  # includes not in the context


def read_requirements(ctx: BuildContext, path: str, result: Requirements | None = None) -> Requirements:
    """Follow ``-r``/``-c`` includes (relative to the including file) and collect local paths."""
    result = result or Requirements()
    if path in result.files:
        return result
    text = ctx.read_text(path)
    if text is None:
        if path not in result.missing:
            result.missing.append(path)
        return result
    result.files.append(path)
    base = posixpath.dirname(path)
    for line in _logical_lines(text):
        option, _, rest = line.partition(" ")
        for flag in ("-r", "--requirement", "-c", "--constraint"):
            if option == flag or option.startswith(flag + "="):
                target = rest.strip() if option == flag else option.split("=", 1)[1]
                read_requirements(ctx, join(base, target), result)
            elif flag in ("-r", "-c") and option.startswith(flag) and len(option) > 2:
                read_requirements(ctx, join(base, option[2:]), result)
        local = rest.strip() if option in ("-e", "--editable") else line if not option.startswith("-") else None
        if local and _is_local_path(local.split("[", 1)[0].removeprefix("file:")):
            local_dir = join(base, local.split("[", 1)[0].removeprefix("file:"))
            if local_dir not in result.local_paths:
                result.local_paths.append(local_dir)
    return result


def _logical_lines(text: str) -> list[str]:
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw if not raw.lstrip().startswith("#") else ""
        if " #" in line:
            line = line.split(" #", 1)[0]
        if line.endswith("\\"):
            pending += line[:-1]
            continue
        line = (pending + line).strip()
        pending = ""
        if line:
            lines.append(line)
    return lines


def _read_toml(ctx: BuildContext, path: str) -> dict[str, Any] | None:
    text = ctx.read_text(path)
    if text is None:
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


def detect(ctx: BuildContext, root: str, invocations: list[Invocation]) -> Stack | None:
    pyproject_path = join(root, "pyproject.toml")
    pyproject = _read_toml(ctx, pyproject_path) or {}
    requirement_files = sorted(f for f in ctx.files if _is_requirements_name(f)
                               and (posixpath.dirname(f) or ".") in (root, join(root, "requirements")))
    manifests = [join(root, n) for n in (*PROJECT_FILES, "Pipfile") if ctx.is_file(join(root, n))]
    manifests += requirement_files
    named = [join(root, f) for inv in invocations for f in inv.files if ctx.is_file(join(root, f))]
    manifests += [f for f in named if f not in manifests]
    lockfiles = [join(root, n) for n in LOCKFILES if ctx.is_file(join(root, n))]
    if not manifests:
        return None
    package_manager, ambiguous = _package_manager(ctx, root, pyproject, lockfiles, requirement_files, invocations)
    stack = Stack("python", package_manager, root=root, manifests=manifests, lockfiles=lockfiles,
                  ambiguous=ambiguous)
    _install_inputs(ctx, root, pyproject, stack, invocations, requirement_files)
    _project_inputs(ctx, root, stack)
    if any(inv.kind == "project" for inv in invocations):
        stack.hazard(HazardKind.PROJECT_INSTALL, root,
                     "the install builds the project itself: it needs the package source, not only the manifests")
    stack.build_outputs = [join(root, "dist") + "/"] if any(inv.kind == "build" for inv in invocations) else []
    return stack


def _package_manager(
    ctx: BuildContext, root: str, pyproject: dict[str, Any], lockfiles: list[str], requirement_files: list[str],
    invocations: list[Invocation],
) -> tuple[str, str | None]:
    used = sorted({inv.package_manager for inv in invocations if inv.package_manager and inv.kind != "build"})
    declared = _declared(ctx, root, pyproject, lockfiles)
    if len(used) == 1:
        return used[0], disagreement(used[0], declared, "the project is managed by")
    if used:
        return used[0], f"the Dockerfile runs several installers: {', '.join(used)}"
    if len(declared) == 1:
        return declared[0], None
    if declared:
        return declared[0], f"the manifests point at several tools: {', '.join(declared)}"
    if requirement_files:
        return "pip", None
    return "setuptools", None


def _declared(ctx: BuildContext, root: str, pyproject: dict[str, Any], lockfiles: list[str]) -> list[str]:
    """Package managers the manifests claim, lockfiles first."""
    found = [LOCKFILES[posixpath.basename(f)] for f in lockfiles]
    if ctx.is_file(join(root, "Pipfile")) and "pipenv" not in found:
        found.append("pipenv")
    tools = pyproject.get("tool", {}) if isinstance(pyproject.get("tool"), dict) else {}
    if not found:
        found += [pm for section, pm in TOOL_SECTIONS.items() if section in tools and pm not in found
                  and not (section == "hatch" and "poetry" in tools)]
    backend = pyproject.get("build-system", {}).get("build-backend") if isinstance(
        pyproject.get("build-system"), dict) else None
    if not found and isinstance(backend, str) and BUILD_BACKENDS.get(backend):
        found.append(BUILD_BACKENDS[backend])
    return found


def _install_inputs(
    ctx: BuildContext, root: str, pyproject: dict[str, Any], stack: Stack, invocations: list[Invocation],
    requirement_files: list[str],
) -> None:
    named = [f for inv in invocations for f in inv.files]
    requirements = Requirements()
    for name in named:
        read_requirements(ctx, join(root, name), requirements)
    if not invocations:
        for name in requirement_files:
            read_requirements(ctx, name, requirements)
    stack.add_inputs(requirements.files)
    for missing in requirements.missing:
        stack.hazard(HazardKind.MISSING_INPUT, missing, f"{missing} is named by an install but is not in the context")
    for local in requirements.local_paths:
        stack.hazard(HazardKind.REQUIREMENTS_LOCAL_PROJECT, local,
                     f"a requirements file installs the local project {local}: its source is needed")
    if stack.package_manager in ("poetry", "uv", "pdm", "hatch", "pipenv") or any(
        inv.kind == "project" for inv in invocations
    ):
        for name in ("pyproject.toml", "Pipfile"):
            if ctx.is_file(join(root, name)):
                stack.add_inputs([join(root, name)])
        stack.add_inputs(stack.lockfiles)
    if stack.package_manager == "uv":
        # any level may be of the wrong type in a hostile pyproject.toml (uv would refuse it)
        uv = pyproject.get("tool", {}).get("uv") if isinstance(pyproject.get("tool"), dict) else None
        workspace = uv.get("workspace") if isinstance(uv, dict) else None
        members = workspace.get("members") if isinstance(workspace, dict) else None
        for pattern in members if isinstance(members, list) else []:
            if not isinstance(pattern, str):
                continue
            for member in ctx.glob(join(root, pattern)):
                if ctx.is_file(join(member, "pyproject.toml")):
                    stack.add_inputs([join(member, "pyproject.toml")])
    if stack.package_manager == "poetry" and ctx.is_file(join(root, "poetry.toml")):
        stack.add_inputs([join(root, "poetry.toml")])
    if stack.package_manager == "pdm" and ctx.is_file(join(root, "pdm.toml")):
        stack.add_inputs([join(root, "pdm.toml")])


def _project_inputs(ctx: BuildContext, root: str, stack: Stack) -> None:
    """Files ``pip install .`` reads beyond the dependency manifests (setup.py, setup.cfg file: directives)."""
    inputs = [join(root, n) for n in PROJECT_FILES if ctx.is_file(join(root, n))]
    setup_py = ctx.read_text(join(root, "setup.py"))
    if setup_py is not None:
        facts = analyse_setup_py(setup_py)
        for opened in facts.opened:
            path = join(root, opened)
            inputs.append(path)
            if not ctx.is_file(path) and not ctx.exists(path):
                stack.hazard(HazardKind.MISSING_INPUT, path, f"setup.py reads {opened}, which is not in the context")
        if facts.opened:
            stack.notes.append(f"setup.py reads {', '.join(facts.opened)}")
        if facts.unresolved_opens:
            stack.hazard(HazardKind.SETUP_PY_DYNAMIC, join(root, "setup.py"),
                         f"setup.py opens {facts.unresolved_opens} file(s) whose path is not a literal")
        if facts.parse_error:
            stack.hazard(HazardKind.SETUP_PY_DYNAMIC, join(root, "setup.py"),
                         f"setup.py could not be parsed: {facts.parse_error}")
    setup_cfg = ctx.read_text(join(root, "setup.cfg"))
    if setup_cfg is not None:
        inputs += [join(root, f) for f in setup_cfg_files(setup_cfg)]
    stack.project_inputs = [p for p in dict.fromkeys(inputs)]


def setup_cfg_files(text: str) -> list[str]:
    """Files named by ``file:`` directives in setup.cfg (long_description, version, requirements)."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    files: list[str] = []
    for section in parser.sections():
        for _, value in parser.items(section):
            value = value.strip()
            if value.startswith("file:"):
                files += [p.strip() for p in value[len("file:"):].split(",") if p.strip()]
    return files
