"""DF301: create or tighten the context's `.dockerignore`, per stack."""

from __future__ import annotations

import posixpath
from collections import defaultdict
from typing import Iterable

from ...context import BuildContext, DockerIgnore
from ...dockerfile.expand import expand
from .candidates import ContextRead, brought_in, context_users, needs
from .entries import SELF, STACK_MARKERS, IgnoreEntry, entries_for
from ...templates_env import render
from ..base import FileEdit, Finding, Rule, RuleContext, Safety


class DockerIgnoreEntries(Rule):
    """Create or tighten `.dockerignore` so VCS data, dependency folders, build output and secrets stay out.

    ## What it does
    Adds to the build context's ignore file (creating `.dockerignore` when there is none)
    the entries its stacks call for: `.git`, `.env*`, keys (`*.pem`, `id_rsa`) for every
    context; `node_modules`, `dist`, `build`, `.next` for Node; virtualenvs, `__pycache__`,
    `.pytest_cache`, `dist`, `*.egg-info` for Python; `target`, `build`, `.gradle` for
    Java. Go's `vendor/` is never added: it is an input of `go build`. The new or changed
    file is part of the same patch (`--write` writes it, `--check` counts it). Only
    contexts that some instruction copies as a directory (`COPY . .`, `COPY src/ ...`)
    are touched: BuildKit sends named files alone anyway.

    ## Why is this bad?
    `COPY . .` sends and copies everything the ignore file lets through: a host
    `node_modules` built for another platform overwrites the one the image installed, a
    `.git` folder or a local `target/` adds megabytes to every build and busts the cache
    on each commit, and `.env` files and private keys end up in a layer anyone with the
    image can read.

    ## Example
    ```dockerfile
    FROM node:20-slim
    WORKDIR /app
    COPY . .
    RUN npm ci
    ```
    (no `.dockerignore` in the context)

    ## Use instead
    ```text
    # .dockerignore
    .git
    .env
    **/node_modules
    ...
    ```

    ## Fix safety
    An entry that a COPY/ADD source or `RUN --mount=type=bind` of *any* Dockerfile in
    the context names (`COPY target/app.jar .`, `COPY dist ./dist`, a `!` exception
    the entry would override) is left out and reported. Every Dockerfile in the context
    tree counts, since any may be built with this folder as context; one dfix cannot
    read, or a source it cannot expand, stops the fix. The fix is safe when no
    remaining entry matches a file the context holds today that a directory copy
    brings in: the image stays the same, and only future clutter is kept out (a
    changed `.dockerignore` that `COPY . .` itself copies is declared; a created one
    lists itself). When a `COPY . .` copies files the entries ignore (a host
    `node_modules`, a `.git` folder), the image changes: the fix is unsafe and says
    which files leave the image. Dockerfiles outside the context tree that are built
    with it (`-f ../x/Dockerfile`) cannot be seen.
    """

    code = "DF301"
    name = "dockerignore"
    safety = Safety.SAFE
    applicability = "safe or unsafe"  # unsafe where a file the build copies today would leave the image

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        context: BuildContext | None = ctx.build_context
        if context is None:
            return
        ignore_path = context.ignore_file()
        if context.ignore_text is None and ignore_path.name in context.all_files:
            yield self.skip(1, f"{ignore_path.name} exists but is not readable UTF-8 text")
            return
        users = context_users(context, ctx.dockerfile, ctx.peers, ctx.analysis.states)
        if not any(r.source is None or _is_dir_read(r, context) for r in users.reads):
            return  # nothing copies a directory: BuildKit sends only the named files
        if users.blocker:
            yield self.skip(1, f"cannot tell which paths the build needs: {users.blocker}")
            return
        unknown = next((r for r in users.reads if r.source is None), None)
        if unknown is not None:
            yield self.skip(unknown.line if unknown.dockerfile == "this Dockerfile" else 1,
                            f"{unknown.where} has a source dfix cannot expand; it may need any path")
            return
        stacks = [s for s, markers in STACK_MARKERS.items()
                  if any(posixpath.basename(f) in markers for f in context.all_files)]
        created = context.ignore_text is None
        # A created file lists itself first, so that a `COPY . .` image does not gain it.
        plan = _plan(context, users.reads, ([SELF] if created else []) + entries_for(stacks), created)
        for entry, read in plan.conflicts:
            line = read.line if read.dockerfile == "this Dockerfile" else 1
            yield self.skip(line, f"`{entry.pattern}` left out of {ignore_path.name}: {read.where} needs "
                                  f"`{read.source}`")
        if created and SELF not in plan.accepted and any(r.source == "." for r in users.reads):
            yield self.skip(1, f"a new {ignore_path.name} would itself be copied into the image by the "
                               "whole-context COPY, and a COPY names it, so it cannot list itself")
            return
        safe = [e for e in plan.accepted if e.pattern not in plan.removed]
        unsafe = [e for e in plan.accepted if e.pattern in plan.removed]
        if ctx.settings.unsafe_fixes or not any(e is not SELF for e in safe):
            if any(e is not SELF for e in plan.accepted):
                yield self._fix(ctx, context, plan.accepted, plan)
            return
        yield self._fix(ctx, context, safe, plan)
        if unsafe:
            # Said in this pass, beside the safe part: the engine turns it into a skip, with
            # the same words whether or not the safe part created the file first.
            yield self._fix(ctx, context, unsafe, plan, remainder=True)

    def _fix(self, ctx: RuleContext, context: BuildContext, chosen: list[IgnoreEntry], plan: "_Plan",
             remainder: bool = False) -> Finding:
        path = context.ignore_file()
        created = context.ignore_text is None and not remainder
        entries = chosen
        groups: dict[str, list[IgnoreEntry]] = defaultdict(list)
        for entry in entries:
            groups[entry.group].append(entry)
        block = render("dockerignore.j2", created=created, groups=list(groups.items()))
        if created:
            new_text = block
        else:
            old = context.ignore_text or ""  # a remainder's text is never written (an unsafe fix, skipped)
            newline = "\r\n" if "\r\n" in old else "\n"
            sep = "" if not old or old.endswith("\n") else newline
            new_text = old + sep + (newline if old.strip() else "") + block.replace("\n", newline)
        names = ", ".join(e.pattern for e in chosen if e is not SELF)
        verb = f"create {path.name} with" if created else f"add to {path.name}:"
        removed = {e.pattern: plan.removed[e.pattern] for e in chosen if e.pattern in plan.removed}
        line = min((r.line for r in plan.dir_reads if r.dockerfile == "this Dockerfile"), default=1)
        declared: list[str] = []
        if not removed and not created and plan.copies_ignore_file:
            in_image = _copies_in_image(ctx, path.name)
            if in_image is None:
                removed = {path.name: [path.name]}  # its copy changes somewhere dfix cannot tell: not declarable
            declared = in_image or []
        if not removed:
            note = "no file the build copies today matches them, so the image stays the same"
            if declared:
                note += f" (but for {', '.join(declared)}, the copy of {path.name} itself, declared)"
            return self.fix(f"{verb} {names}: {note}", line, [], Safety.SAFE,
                            files=[FileEdit(path, context.ignore_text, new_text)], may_differ=declared)
        leaving = "; ".join(f"{_describe(files)} by `{p}`" for p, files in removed.items())
        copies = ", ".join(sorted({r.where for r in plan.dir_reads}))
        return self.fix(f"{verb} {names}; unsafe, the image changes: {copies} would no longer copy {leaving}",
                        line, [], Safety.UNSAFE, files=[FileEdit(path, context.ignore_text, new_text)])


def _copies_in_image(ctx: RuleContext, name: str) -> list[str] | None:
    """Where this Dockerfile's whole-context copies put the context's ``name``; None when unknown."""
    out: list[str] = []
    for ins in ctx.dockerfile.instructions:
        if ins.keyword not in ("COPY", "ADD") or ins.flag("from") is not None or ins.heredocs or len(ins.values) < 2:
            continue
        if not any(v.strip("/") in ("", ".") for v in ins.values[:-1]):
            continue
        state = ctx.analysis.states.get(id(ins))
        dest = expand(ins.values[-1], state.env, ins.command.escape) if state else None
        if dest is None or (not posixpath.isabs(dest) and (state is None or state.workdir is None)):
            return None
        out.append(posixpath.normpath(posixpath.join(state.workdir or "/", dest, name)))
    return sorted(set(out))


class _Plan:
    def __init__(self) -> None:
        self.accepted: list[IgnoreEntry] = []
        self.conflicts: list[tuple[IgnoreEntry, ContextRead]] = []
        self.removed: dict[str, list[str]] = {}  # pattern -> files a directory copy would lose
        self.dir_reads: list[ContextRead] = []
        self.copies_ignore_file = False


def _is_dir_read(read: ContextRead, context: BuildContext) -> bool:
    return read.source is not None and (read.source == "." or context.is_dir(read.source)
                                        or read.source not in context.all_files and "*" in read.source)


def _plan(context: BuildContext, reads: list[ContextRead], candidates: list[IgnoreEntry], created: bool) -> _Plan:
    """Each missing entry in turn: left out if a read names what it ignores, else accepted."""
    plan = _Plan()
    plan.dir_reads = [r for r in reads if _is_dir_read(r, context)]
    before = context.ignore
    for entry in candidates:
        if before is not None and before.excludes(entry.probe):
            continue  # already covered
        if entry.only_if_present and not any(f == entry.probe or f.startswith(entry.probe + "/")
                                             for f in context.all_files):
            continue
        after = before.extended([entry.pattern]) if before is not None else DockerIgnore([entry.pattern])
        conflict = next((r for r in reads if needs(r, context, before, after)), None)
        if conflict is not None:
            plan.conflicts.append((entry, conflict))
            continue
        lost = sorted({f for r in plan.dir_reads for f in brought_in(r, context, after)
                       if before is None or not before.excludes(f)})
        if lost:
            plan.removed[entry.pattern] = lost
        plan.accepted.append(entry)
        before = after
    plan.copies_ignore_file = not created and context.is_file(context.ignore_file().name) and any(
        r.source == "." for r in reads)
    return plan


def _describe(files: list[str]) -> str:
    tops = sorted({f.split("/")[0] + ("/" if "/" in f else "") for f in files})
    shown = ", ".join(tops[:3]) + (", ..." if len(tops) > 3 else "")
    return f"{shown} ({len(files):,} file{'s' if len(files) != 1 else ''})"
