"""Node: npm, yarn (classic and berry), pnpm and bun projects, workspaces and install hazards."""

from __future__ import annotations

import json
import posixpath
from typing import Any

from ...context import BuildContext
from ...managers import by_name
from ...managers import node as node_managers
from ...managers.registry import lockfile_owners
from ...shell.parse import Command, parse_shell
from .base import HazardKind, Invocation, Stack, disagreement, invocation, join

# Lockfile name -> the package manager that writes it ("yarn" when yarn 1 and 2+ share it).
LOCKFILES = lockfile_owners("node")
LIFECYCLE_SCRIPTS = node_managers.LIFECYCLE_SCRIPTS
# Tools that read a fixed directory when run from a lifecycle script.
SCRIPT_TOOL_DIRS = {"patch-package": "patches"}
LOCAL_PROTOCOLS = ("file:", "link:", "portal:")
DEPENDENCY_FIELDS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")
# Output directory of well-known build tools named in a "build" script.
BUILD_TOOL_OUTPUTS = {"next": ".next/", "vite": "dist/", "react-scripts": "build/", "ng": "dist/", "nuxt": ".output/"}


def recognise(command: Command) -> Invocation | None:
    found = invocation(command)
    return found if found is not None and found.ecosystem == "node" else None


def project_roots(ctx: BuildContext) -> list[str]:
    return sorted(posixpath.dirname(f) or "." for f in ctx.files if posixpath.basename(f) == "package.json"
                  and "/node_modules/" not in f"/{f}")


def read_json(ctx: BuildContext, path: str) -> dict[str, Any] | None:
    text = ctx.read_text(path)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def detect(ctx: BuildContext, root: str, invocations: list[Invocation]) -> Stack | None:
    manifest = join(root, "package.json")
    workspace_root = _workspace_root(ctx, root)
    lock_dir = workspace_root or root
    lockfiles = [join(lock_dir, name) for name in LOCKFILES if ctx.is_file(join(lock_dir, name))]
    if not ctx.is_file(manifest) and not lockfiles:
        return None
    pkg = read_json(ctx, join(lock_dir, "package.json")) or {}
    package_manager, ambiguous = _package_manager(ctx, lock_dir, pkg, lockfiles, invocations)
    stack = Stack("node", package_manager, root=lock_dir, lockfiles=lockfiles, ambiguous=ambiguous)
    stack.manifests = [join(lock_dir, "package.json")] if ctx.is_file(join(lock_dir, "package.json")) else []
    if lock_dir != root and ctx.is_file(manifest):
        stack.manifests.append(manifest)
        stack.notes.append(f"{root} is a member of the workspace rooted at {lock_dir}")
    stack.add_inputs(stack.manifests + lockfiles)
    stack.add_inputs(_config_inputs(ctx, lock_dir, package_manager))

    stack.workspaces = _workspace_patterns(ctx, lock_dir, pkg)
    members = _workspace_members(ctx, lock_dir, pkg)
    if members:
        stack.notes.append(f"workspace with {len(members)} member(s)")
    packages = [lock_dir] + members
    for package_dir in packages:
        member_manifest = join(package_dir, "package.json")
        if package_dir != lock_dir:
            stack.add_inputs([member_manifest])
            stack.add_inputs([join(package_dir, ".npmrc")] if ctx.is_file(join(package_dir, ".npmrc")) else [])
        data = pkg if package_dir == lock_dir else read_json(ctx, member_manifest) or {}
        if ctx.is_file(member_manifest) and read_json(ctx, member_manifest) is None:
            stack.hazard(HazardKind.UNREADABLE_MANIFEST, member_manifest, f"{member_manifest} is not valid JSON")
        _lifecycle_hazards(ctx, package_dir, data, stack, _install_scripts(package_manager))
        _local_dependencies(ctx, package_dir, data, stack)
        _patched_dependencies(ctx, package_dir, data, stack)
    stack.build_outputs = _build_outputs(pkg, root)
    if any(inv.kind == "fetch" for inv in invocations):
        stack.notes.append("pnpm fetch reads only the lockfile (and pnpm-workspace.yaml)")
    return stack


def _package_manager(
    ctx: BuildContext, root: str, pkg: dict[str, Any], lockfiles: list[str], invocations: list[Invocation]
) -> tuple[str, str | None]:
    declared = _declared_package_manager(ctx, root, pkg)
    by_lock = sorted({_resolve_yarn(ctx, root, pkg, LOCKFILES[posixpath.basename(f)]) for f in lockfiles})
    used = sorted({inv.package_manager or _resolve_yarn(ctx, root, pkg, "yarn") for inv in invocations
                   if inv.kind in ("install", "fetch")})
    if len(used) == 1:
        return used[0], disagreement(used[0], by_lock, "the lockfile is for")
    if declared:
        return declared, None
    if len(by_lock) == 1:
        return by_lock[0], None
    if by_lock:
        return by_lock[0], f"several lockfiles: {', '.join(posixpath.basename(f) for f in lockfiles)}"
    if used:
        return used[0], f"the Dockerfile runs several package managers: {', '.join(used)}"
    return "npm", "no lockfile and no packageManager field: npm assumed"


def _declared_package_manager(ctx: BuildContext, root: str, pkg: dict[str, Any]) -> str | None:
    field = pkg.get("packageManager")
    if not isinstance(field, str) or "@" not in field:
        return None
    name, version = field.split("@", 1)
    if name == "yarn":
        return "yarn-classic" if version.startswith("1.") else "yarn-berry"
    return name if name in ("npm", "pnpm", "bun") else None


def _resolve_yarn(ctx: BuildContext, root: str, pkg: dict[str, Any], package_manager: str) -> str:
    """yarn → yarn-classic or yarn-berry, from the packageManager field, .yarnrc.yml or the lockfile header."""
    if package_manager != "yarn":
        return package_manager
    declared = _declared_package_manager(ctx, root, pkg)
    if declared in ("yarn-classic", "yarn-berry"):
        return declared
    if ctx.is_file(join(root, ".yarnrc.yml")) or ctx.is_dir(join(root, ".yarn/releases")):
        return "yarn-berry"
    lock = ctx.read_text(join(root, "yarn.lock")) or ""
    return "yarn-berry" if "\n__metadata:" in lock or lock.startswith("__metadata:") else "yarn-classic"


def _workspace_root(ctx: BuildContext, root: str) -> str | None:
    """The nearest ancestor of ``root`` whose workspace lists it (lockfiles live there)."""
    current = root
    while current not in (".", ""):
        current = posixpath.dirname(current) or "."
        pkg = read_json(ctx, join(current, "package.json")) or {}
        has_workspace = bool(_workspace_patterns(ctx, current, pkg))
        if has_workspace and root in _expand_members(ctx, current, _workspace_patterns(ctx, current, pkg)):
            return current
    return None


def _workspace_patterns(ctx: BuildContext, root: str, pkg: dict[str, Any]) -> list[str]:
    workspaces = pkg.get("workspaces")
    if isinstance(workspaces, dict):
        workspaces = workspaces.get("packages")
    patterns = [p for p in workspaces if isinstance(p, str)] if isinstance(workspaces, list) else []
    pnpm_yaml = ctx.read_text(join(root, "pnpm-workspace.yaml"))
    if pnpm_yaml is not None:
        patterns += [p for p in simple_yaml_list(pnpm_yaml, "packages")]
    return patterns


def _workspace_members(ctx: BuildContext, root: str, pkg: dict[str, Any]) -> list[str]:
    return [m for m in _expand_members(ctx, root, _workspace_patterns(ctx, root, pkg)) if m != root]


def _expand_members(ctx: BuildContext, root: str, patterns: list[str]) -> list[str]:
    included: set[str] = set()
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern[1:] if negate else pattern
        matches = {m for m in ctx.glob(join(root, body.rstrip("/"))) if ctx.is_file(join(m, "package.json"))}
        matches = {m for m in matches if "/node_modules/" not in f"/{m}/"}
        included = included - matches if negate else included | matches
    return sorted(included)


def _yaml_block(text: str, key: str) -> list[str]:
    """The stripped, comment-free lines of the indented block under top-level ``key:``."""
    lines: list[str] = []
    inside = False
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not raw[0].isspace():
            inside = line == f"{key}:"
        elif inside:
            lines.append(line.strip())
    return lines


def simple_yaml_list(text: str, key: str) -> list[str]:
    """Items of a top-level block list ``key:`` (``- item`` lines), enough for pnpm-workspace.yaml."""
    return [line[2:].strip().strip("'\"") for line in _yaml_block(text, key) if line.startswith("- ")]


def simple_yaml_map(text: str, key: str) -> dict[str, str]:
    """Entries of a top-level block mapping ``key:`` with scalar values."""
    entries: dict[str, str] = {}
    for line in _yaml_block(text, key):
        name, _, value = line.rpartition(": ")
        if name:
            entries[name.strip("'\"")] = value.strip().strip("'\"")
    return entries


def _config_inputs(ctx: BuildContext, root: str, package_manager: str) -> list[str]:
    manager = by_name(package_manager)
    if manager is None:
        return []
    found = [join(root, name) for name in manager.config_files if ctx.is_file(join(root, name))]
    for directory in manager.config_dirs:
        found += ctx.files_under(join(root, directory))
    return found


def _install_scripts(package_manager: str) -> tuple[str, ...] | None:
    """The package.json scripts this manager's install runs when fewer than npm's (yarn 2+), or None."""
    manager = by_name(package_manager)
    return None if manager is None else manager.install_scripts


def _lifecycle_hazards(ctx: BuildContext, package_dir: str, pkg: dict[str, Any], stack: Stack,
                       install_scripts: tuple[str, ...] | None) -> None:
    scripts = pkg.get("scripts")
    if not isinstance(scripts, dict):
        return
    where = join(package_dir, "package.json")
    for name in LIFECYCLE_SCRIPTS:
        script = scripts.get(name)
        if not isinstance(script, str):
            continue
        if script.strip() in node_managers.HARMLESS_SCRIPTS:
            stack.notes.append(f"{name} script in {where} runs during install and reads no project file: `{script}`")
            continue
        if install_scripts is not None and name not in install_scripts:
            # Only an older yarn (or npm) would run it; the rule decides whether yarn 2+ provably runs.
            stack.hazard(HazardKind.SCRIPT_SKIPPED_BY_MANAGER, where,
                         f"the {name} script in {where} ({script!r}) runs during the install unless yarn 2+ runs "
                         f"it (yarn 2+ never runs {name} on install), and nothing shows that yarn 2+ runs here "
                         "(no yarnPath in .yarnrc.yml, no `corepack enable` with a packageManager of yarn 2+)")
            continue
        tool_inputs = _known_tool_inputs(ctx, package_dir, script)
        if tool_inputs is not None:
            stack.add_inputs(tool_inputs)
            stack.notes.append(f"{name} script in {where} ({script!r}) reads only "
                               f"{', '.join(tool_inputs) or 'node_modules'}, copied with the manifests")
            continue
        referenced = script_file_references(ctx, package_dir, script)
        if referenced:
            stack.add_inputs(referenced)
            stack.hazard(HazardKind.LIFECYCLE_SCRIPT, where,
                         f"{name} script in {where} (`{script}`) reads {', '.join(referenced)}, which is not a manifest")
        else:
            stack.hazard(HazardKind.LIFECYCLE_SCRIPT, where,
                         f"the {name} script in {where} (`{script}`) runs during the install and may read any file")


def _known_tool_inputs(ctx: BuildContext, package_dir: str, script: str) -> list[str] | None:
    """The directories a script reads when it only runs tools whose inputs the catalogue knows
    (`patch-package`, `npx patch-package`, with no arguments), else None."""
    commands = parse_shell(script).commands
    inputs: list[str] = []
    for command in commands:
        argv = command.argv[1:] if command.argv[:1] == ["npx"] else command.argv
        if len(argv) != 1 or argv[0] not in node_managers.SCRIPT_TOOL_INPUTS or command.assignments \
                or command.enclosing or command.operator not in (None, "&&"):
            return None
        inputs += [join(package_dir, d) + "/" for d in node_managers.SCRIPT_TOOL_INPUTS[argv[0]]
                   if ctx.is_dir(join(package_dir, d))]
    return inputs if commands else None


def script_file_references(ctx: BuildContext, package_dir: str, script: str) -> list[str]:
    """Context files or directories a package.json script names (``node scripts/build.js``)."""
    found: list[str] = []
    parsed = parse_shell(script)
    for command in parsed.commands:
        base_dir = join(package_dir, command.cwd) if command.cwd and not command.cwd.startswith(("/", "~", "$")) \
            else package_dir
        for word in command.words:
            value = word.value
            tool_dir = SCRIPT_TOOL_DIRS.get(posixpath.basename(value))
            if tool_dir and ctx.is_dir(join(base_dir, tool_dir)):
                found.append(join(base_dir, tool_dir) + "/")
            if not value or value.startswith(("-", "/", "$")) or "://" in value:
                continue
            candidate = join(base_dir, value.split("=", 1)[-1])
            if candidate.startswith("..") or candidate == package_dir:
                continue
            if ctx.is_file(candidate):
                found.append(candidate)
            elif ctx.is_dir(candidate) and candidate != ".":
                found.append(candidate + "/")
    return list(dict.fromkeys(found))


def _local_dependencies(ctx: BuildContext, package_dir: str, pkg: dict[str, Any], stack: Stack) -> None:
    for field in DEPENDENCY_FIELDS:
        deps = pkg.get(field)
        if not isinstance(deps, dict):
            continue
        for name, spec in deps.items():
            if not isinstance(spec, str) or not spec.startswith(LOCAL_PROTOCOLS):
                continue
            target = join(package_dir, spec.split(":", 1)[1])
            if ctx.is_dir(target):
                stack.add_inputs([target + "/"])
                stack.hazard(HazardKind.LOCAL_DEPENDENCY, target + "/",
                             f"{name} is a local dependency ({spec}): the install reads {target}/")
            elif ctx.is_file(target):
                stack.add_inputs([target])
                stack.notes.append(f"{name} is a local tarball dependency ({spec})")
            else:
                stack.hazard(HazardKind.MISSING_INPUT, target,
                             f"{name} is a local dependency ({spec}) but {target} is not in the context")


def _patched_dependencies(ctx: BuildContext, package_dir: str, pkg: dict[str, Any], stack: Stack) -> None:
    patches: dict[str, str] = {}
    pnpm_section = pkg.get("pnpm")
    if isinstance(pnpm_section, dict) and isinstance(pnpm_section.get("patchedDependencies"), dict):
        patches.update({k: v for k, v in pnpm_section["patchedDependencies"].items() if isinstance(v, str)})
    workspace_yaml = ctx.read_text(join(package_dir, "pnpm-workspace.yaml"))
    if workspace_yaml:
        patches.update(simple_yaml_map(workspace_yaml, "patchedDependencies"))
    for name, path in patches.items():
        target = join(package_dir, path)
        if ctx.is_file(target):
            stack.add_inputs([target])
        else:
            stack.hazard(HazardKind.MISSING_INPUT, target, f"patch for {name} ({path}) is not in the context")


def _build_outputs(pkg: dict[str, Any], root: str) -> list[str]:
    scripts = pkg.get("scripts")
    build = scripts.get("build") if isinstance(scripts, dict) else None
    if not isinstance(build, str):
        return []
    outputs = []
    for command in parse_shell(build).commands:
        output = BUILD_TOOL_OUTPUTS.get(command.program or "")
        if output and join(root, output) + "/" not in outputs:
            outputs.append(join(root, output) + "/")
    return outputs
