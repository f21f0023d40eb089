"""DF301: create or tighten the context's `.dockerignore`, per stack."""

from __future__ import annotations

import posixpath
from collections import defaultdict
from dataclasses import replace
from typing import Iterable

from ...analysis.named import NamedPath
from ...context import BuildContext, DockerIgnore, has_glob_meta
from ...dockerfile.expand import expand
from .candidates import ContextRead, Users, context_users, needs
from .entries import KEPT_SUFFIXES, SECRETS, SELF, IgnoreEntry, entries_for
from .index import context_named, copied, dropped, present, stacks
from .overlap import overlaps
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
    are touched, and only with entries that match something such a copy reaches
    (`COPY src/ ...` gets `**/node_modules`, not `.git`): BuildKit sends named files alone.

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
    read, or a source it cannot expand, stops the fix. An entry is made only when it
    buys something: when every COPY, ADD and bind mount names its files (BuildKit sends
    only those), or no entry can match anything the directory copies reach, nothing is
    written and `-v` says why.

    The context judged is the one a developer may have, not the checkout: what git
    ignores (`.env`, local config, build output) may be there. An entry is unsafe when
    it would drop a path the build names: any instruction's dotenv name (`.env.${APP_ENV}`
    with the ENV or ARG in force; a variable dfix cannot expand stands for any value),
    what a `COPY --from=stage /path` takes when that stage's directory copy may have
    brought it from the context, a compose file's `env_file:` or `build:` Dockerfile; or
    when it may match inside a submodule folder (`.gitmodules`), whose files the bot's
    checkout does not hold. The fix is safe when no remaining entry matches a file the
    context holds today that a directory copy brings in: the image stays the same, and
    only future clutter is kept out (a changed `.dockerignore` that `COPY . .` itself
    copies is declared; a created one lists itself; committed dotenv templates and REUSE
    `.license` sidecars a secrets entry would drop are kept with `!` lines). When a
    `COPY . .` copies files the entries ignore (a host `node_modules`, a `.git` folder),
    the image changes: the fix is unsafe and says which files leave the image.
    Dockerfiles outside the context tree that are built with it (`-f ../x/Dockerfile`)
    cannot be seen.
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
        if context.ignore_text is None and context.in_tree(ignore_path.name):
            yield self.skip(1, f"{ignore_path.name} exists but is not readable UTF-8 text")
            return
        users = context_users(context, ctx.dockerfile, ctx.peers, ctx.analysis.states)
        if not any(r.source is None or _is_dir_read(r, context) for r in users.reads):
            yield self.note(1, f"every COPY, ADD and bind mount names its files, and BuildKit sends only "
                               f"those: {ignore_path.name} entries would keep nothing out")
            return
        if users.blocker:
            yield self.skip(1, f"cannot tell which paths the build needs: {users.blocker}")
            return
        unknown = next((r for r in users.reads if r.source is None), None)
        if unknown is not None:
            yield self.skip(unknown.line if unknown.dockerfile == "this Dockerfile" else 1,
                            f"{unknown.where} has a source dfix cannot expand; it may need any path")
            return
        created = context.ignore_text is None
        # A created file lists itself first, so that a `COPY . .` image does not gain it.
        candidates = ([SELF] if created else []) + entries_for(stacks(context))
        plan = _plan(context, users, candidates, created)
        for entry, read in plan.conflicts:
            line = read.line if read.dockerfile == "this Dockerfile" else 1
            yield self.skip(line, f"`{entry.pattern}` left out of {ignore_path.name}: {read.where} needs "
                                  f"`{read.source}`")
        if created and SELF not in plan.accepted and any(r.source == "." for r in users.reads):
            yield self.skip(1, f"a new {ignore_path.name} would itself be copied into the image by the "
                               "whole-context COPY, and a COPY names it, so it cannot list itself")
            return
        if not any(e is not SELF for e in plan.accepted):
            if not plan.conflicts and not plan.covered:  # covered: the file already does the job (or dfix just wrote it)
                yield self.note(plan.line, f"no {ignore_path.name} entry dfix knows matches anything "
                                           f"{_sources(plan)} can send")
            return
        unsafe = [e for e in plan.accepted if e.pattern in plan.removed or e.pattern in plan.risky]
        safe = [e for e in plan.accepted if e not in unsafe]
        if ctx.settings.unsafe_fixes or not any(e is not SELF for e in safe):
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
        names = ", ".join(" ".join(e.lines) for e in chosen if e is not SELF)
        verb = f"create {path.name} with" if created else f"add to {path.name}:"
        removed = {e.pattern: plan.removed[e.pattern] for e in chosen if e.pattern in plan.removed}
        risky = _risks([e.pattern for e in chosen], plan)
        line = plan.line
        declared: list[str] = []
        if not removed and not created and plan.copies_ignore_file:
            in_image = _copies_in_image(ctx, path.name)
            if in_image is None:
                removed = {path.name: [path.name]}  # its copy changes somewhere dfix cannot tell: not declarable
            declared = in_image or []
        if not removed and not risky:
            note = "no file the build copies today matches them, so the image stays the same"
            if declared:
                note += f" (but for {', '.join(declared)}, the copy of {path.name} itself, declared)"
            return self.fix(f"{verb} {names}: {note}", line, [], Safety.SAFE,
                            files=[FileEdit(path, context.ignore_text, new_text)], may_differ=declared)
        why = []
        if removed:
            leaving = "; ".join(f"{_describe(files)} by `{p}`" for p, files in removed.items())
            why.append(f"the image changes: {_sources(plan)} would no longer copy {leaving}")
        if risky:
            why.append("the build may change: " + "; ".join(risky))
        return self.fix(f"{verb} {names}; unsafe, {'; and '.join(why)}",
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


MAX_KEPT = 5  # more `!` lines than this and the entry is no longer a short, readable default


class _Plan:
    def __init__(self) -> None:
        self.accepted: list[IgnoreEntry] = []
        self.conflicts: list[tuple[IgnoreEntry, ContextRead]] = []
        self.removed: dict[str, list[str]] = {}  # pattern -> files a directory copy would lose
        self.risky: dict[str, tuple[str, str]] = {}  # pattern -> (path, why) it may drop unseen
        self.dir_reads: list[ContextRead] = []
        self.copies_ignore_file = False
        self.covered = False  # some entry is in the ignore file already

    @property
    def line(self) -> int:
        """The first directory copy of this Dockerfile, in its own numbering (1 when only others copy)."""
        return min((r.line for r in self.dir_reads if r.dockerfile == "this Dockerfile"), default=1)


def _is_dir_read(read: ContextRead, context: BuildContext) -> bool:
    return read.source is not None and (read.source == "." or context.is_dir(read.source)
                                        or not context.in_tree(read.source) and "*" in read.source)


def _sources(plan: _Plan, shown: int = 3) -> str:
    """The directory copies, for messages: a monorepo root has one per service, so the first few."""
    wheres = sorted({r.where for r in plan.dir_reads}, key=lambda w: ("(this Dockerfile)" not in w, w))
    more = f" and {len(wheres) - shown:,} more" if len(wheres) > shown else ""
    return ", ".join(wheres[:shown]) + more


def _plan(context: BuildContext, users: Users, candidates: list[IgnoreEntry], created: bool) -> _Plan:
    """Each missing entry in turn: dropped if it keeps nothing out, left out if a read names what
    it ignores, else accepted (unsafe when it drops files copied today or paths named elsewhere).

    Linear in the files: a read is judged once per distinct source, and what each pattern
    drops comes from the context's memo (index.dropped), computed once per ignore text.
    """
    plan = _Plan()
    plan.dir_reads = [r for r in users.reads if _is_dir_read(r, context)]
    first: dict[str, ContextRead] = {}
    for read in users.reads:
        first.setdefault(read.source, read)  # what a read needs depends on its source alone
    reads = list(first.values())
    sources = tuple(dict.fromkeys(r.source for r in plan.dir_reads))
    brought = copied(context, sources)
    _, submodules = context_named(context)
    unseen = [s for s in submodules if any(_reaches(src, s) for src in sources)]
    named = [*users.named, *context_named(context)[0]]
    before = context.ignore
    taken: set[str] = set()
    for entry in candidates:
        if before is not None and before.excludes(entry.probe):
            plan.covered = True
            continue
        if entry.only_if_present and not present(context, entry.probe):
            continue
        if not any(overlaps(entry.pattern, src) for src in sources):
            continue  # no directory copy reaches what it matches: BuildKit would not send it anyway
        entry = _keeping_templates(entry, dropped(context, entry.pattern))
        after = before.extended(entry.lines) if before is not None else DockerIgnore(entry.lines)
        conflict = next((r for r in reads if needs(r, context, before, after)), None)
        if conflict is not None:
            plan.conflicts.append((entry, conflict))
            continue
        risk = _risk(entry, named, unseen, before) or _local_secret_risk(entry)
        if risk:
            plan.risky[entry.pattern] = risk
        drops = dropped(context, entry.pattern).difference(e[1:] for e in entry.exceptions)
        lost = drops - taken
        lost = lost if brought is None else lost & brought
        if lost:
            plan.removed[entry.pattern] = sorted(lost)
        else:
            # Only a safe entry's drops are out of the image for the next entry to share: an
            # unsafe one is left off by default, so `**/*.pyc` after an unsafe `**/__pycache__`
            # still drops committed .pyc files (a review found 16 dropped as "safe").
            taken |= drops
        plan.accepted.append(entry)
        before = after
    plan.copies_ignore_file = not created and context.is_file(context.ignore_file().name) and "." in sources
    return plan


def _keeping_templates(entry: IgnoreEntry, drops: frozenset[str]) -> IgnoreEntry:
    """A secrets entry that would drop only committed templates and REUSE sidecars, with `!` lines
    keeping them: `.env.*` then keeps out a local `.env.production` and the image stays the same."""
    kept = sorted(f for f in drops if "/" not in f and f.endswith(KEPT_SUFFIXES))
    if entry.group != SECRETS or not kept or len(kept) < len(drops) or len(kept) > MAX_KEPT:
        return entry
    return replace(entry, exceptions=tuple(f"!{f}" for f in kept))


def _reaches(source: str, folder: str) -> bool:
    """Whether a directory copy of ``source`` may bring in what lies in ``folder``."""
    return source == "." or has_glob_meta(source) or folder == source or folder.startswith(source + "/") \
        or source.startswith(folder + "/")


def _risks(patterns: list[str], plan: _Plan) -> list[str]:
    """One clause per path at risk, naming every chosen entry that may drop it."""
    by_path: dict[tuple[str, str], list[str]] = defaultdict(list)
    for pattern in patterns:
        if pattern in plan.risky:
            by_path[plan.risky[pattern]].append(f"`{pattern}`")
    return [f"{', '.join(entries)} would drop {path}: {why}" for (path, why), entries in by_path.items()]


def _risk(entry: IgnoreEntry, named: list[NamedPath], unseen: list[str],
          before: DockerIgnore | None) -> tuple[str, str] | None:
    """Why ``entry`` may drop what the checkout does not show (DESIGN.md §1), or None.

    A path the build names may be in a developer's context although git ignores it; a
    submodule folder is empty in the bot's worktree, so its content is unknown: fail closed.
    """
    for path in named:
        if before is not None and not has_glob_meta(path.glob) and before.excludes(path.glob):
            continue  # the ignore file drops it already: the entry changes nothing there
        if overlaps(entry.pattern, path.glob, path.below):
            return f"`{path.glob}`", f"{path.where}, and a developer's context may hold it though git does not"
    for folder in unseen:
        if overlaps(entry.pattern, folder):
            return f"what submodule `{folder}` holds", ".gitmodules lists it and this checkout may not hold its files"
    return None


def _local_secret_risk(entry: IgnoreEntry) -> tuple[str, str] | None:
    """A secrets entry under a directory copy: a developer's `.env` or key is in the image today.

    git ignores such files, so the checkout does not show them, but a build from a developer's
    context copies them, and the application may load them at run time (dotenv, a TLS key):
    dropping them can change what the container does. Real reviews found nine such images
    (`node --env-file .env`, `godotenv.Load()`, CRA reading `.env.production` during the build).
    """
    if entry.group != SECRETS:
        return None
    return ("what a developer keeps there locally", "the directory COPY takes such files from a developer's "
            "context today (git ignores them, so the checkout does not show them), and the build or the app may "
            "read them; pass those settings as build secrets or at run time (`--env-file`) before ignoring them")


def _describe(files: list[str]) -> str:
    tops = sorted({f.split("/")[0] + ("/" if "/" in f else "") for f in files})
    shown = ", ".join(tops[:3]) + (", ..." if len(tops) > 3 else "")
    return f"{shown} ({len(files):,} file{'s' if len(files) != 1 else ''})"
