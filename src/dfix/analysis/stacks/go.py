"""Go modules: go.mod/go.sum, go.work, vendoring and local ``replace`` directives."""

from __future__ import annotations

import posixpath
import re

from ...context import BuildContext
from ...shell.parse import Command
from .base import HazardKind, Invocation, Stack, invocation, join

# go.mod is line-oriented data, so a regex per directive is enough here.
_REPLACE_LINE = re.compile(r"^\s*(?:replace\s+)?\S+(?:\s+\S+)?\s+=>\s+(\S+)(?:\s+\S+)?\s*$")
_USE_LINE = re.compile(r"^\s*(?:use\s+)?(\S+)\s*$")

def recognise(command: Command) -> Invocation | None:
    found = invocation(command)
    return found if found is not None and found.ecosystem == "go" else None


def project_roots(ctx: BuildContext) -> list[str]:
    return sorted(posixpath.dirname(f) or "." for f in ctx.files
                  if posixpath.basename(f) in ("go.mod", "go.work") and "/vendor/" not in f"/{f}"
                  and "/testdata/" not in f"/{f}")


def directive_lines(text: str, keyword: str) -> list[str]:
    """The lines of ``keyword x`` and ``keyword ( … )`` directives, comments removed.

    Reads go.mod/go.work directives and Go ``import`` declarations alike; Go needs no
    blank after the keyword (``import"C"``, ``import(``), so none is required here.
    """
    lines: list[str] = []
    inside = False
    for raw in text.splitlines():
        line = raw.split("//", 1)[0].strip()
        if inside:
            if line == ")":
                inside = False
            elif line:
                lines.append(line)
        elif line.startswith(keyword) and line[len(keyword):].lstrip() == "(":
            inside = True
        elif line.startswith(keyword) and line[len(keyword):len(keyword) + 1] in (" ", "\t", '"', "`"):
            lines.append(line)
    return lines


def local_replacements(go_mod: str) -> list[str]:
    """Local directories named on the right of ``replace … => ./dir``."""
    found = []
    for line in directive_lines(go_mod, "replace"):
        match = _REPLACE_LINE.match(line)
        if match and match.group(1).startswith(("./", "../", "/")):
            found.append(match.group(1))
    return found


def workspace_uses(go_work: str) -> list[str]:
    found = []
    for line in directive_lines(go_work, "use"):
        match = _USE_LINE.match(line)
        if match:
            found.append(match.group(1))
    return found


def detect(ctx: BuildContext, root: str, invocations: list[Invocation]) -> Stack | None:
    go_mod_path = join(root, "go.mod")
    go_work_path = join(root, "go.work")
    go_mod = ctx.read_text(go_mod_path)
    go_work = ctx.read_text(go_work_path)
    if go_mod is None and go_work is None and not ctx.is_file(go_mod_path):
        return None
    stack = Stack("go", "go", root=root)
    stack.manifests = [p for p in (go_mod_path, go_work_path) if ctx.is_file(p)]
    stack.lockfiles = [p for p in (join(root, "go.sum"), join(root, "go.work.sum")) if ctx.is_file(p)]
    stack.add_inputs(stack.manifests + stack.lockfiles)
    module_dirs = [root]
    if go_work is not None:
        module_dirs += [join(root, use) for use in workspace_uses(go_work) if join(root, use) != root]
        stack.notes.append(f"go.work uses {len(module_dirs) - 1} module(s)")
    for module_dir in module_dirs:
        if module_dir != root:
            stack.add_inputs([p for p in (join(module_dir, "go.mod"), join(module_dir, "go.sum")) if ctx.is_file(p)])
        text = ctx.read_text(join(module_dir, "go.mod")) or ""
        for target in local_replacements(text):
            local = join(module_dir, target)
            if local.startswith(".."):
                stack.hazard(HazardKind.OUTSIDE_CONTEXT, local, f"replace => {target} points outside the build context")
                continue
            present = [p for p in (join(local, "go.mod"), join(local, "go.sum")) if ctx.is_file(p)]
            stack.add_inputs(present)
            stack.hazard(HazardKind.GO_LOCAL_REPLACE, local + "/",
                         f"replace => {target}: go mod download reads {local}/go.mod; go build needs all of {local}/")
    if ctx.is_file(join(root, "vendor/modules.txt")):
        stack.notes.append("vendored: builds read vendor/, no download needed")
        stack.add_inputs([join(root, "vendor") + "/"])
    stack.build_outputs = [o for inv in invocations for o in inv.outputs]
    return stack
