"""DF104: apt and apk in one layer: update with install, indexes out of the image, no recommends."""

from __future__ import annotations

from typing import Iterable

from ..dockerfile import Dockerfile, Instruction, Stage, TextEdit
from ..managers import recognise
from ..managers.system import APK, APT_LISTS
from ..analysis.mountable import apt_mount_possible
from ..analysis.pkgindex import apk_needs_index, apk_refreshes, apk_verb, apt_verb, later_apk_reader, later_apt_without_update
from ..analysis.runs import RunScript, mount_targets, remove_command, run_script
from ..shell.parse import Command, Word
from .base import Finding, Rule, RuleContext, Safety

LISTS = APT_LISTS


def _update_action(c: Command) -> bool:
    return apt_verb(c) == "update" or apk_verb(c) == "update"


def _cleans_lists(c: Command) -> bool:
    return c.program == "rm" and any(w.value.rstrip("/*").rstrip("/") == LISTS for w in c.words[1:])


def _mounts_apt_lists(ins: Instruction) -> bool:
    return any(t == "/var/lib/apt" or t.startswith("/var/lib/apt/")
               for t in mount_targets(ins, ("cache", "tmpfs", "bind")))


class AptLayers(Rule):
    """Keep `apt-get update` and `apt-get install` in one RUN, and package indexes out of the image.

    ## What it does
    - Merges a RUN that only runs `apt-get update` into the `apt-get install` RUN that
      follows it.
    - Appends `&& rm -rf /var/lib/apt/lists/*` to a RUN that updates and installs but
      leaves the lists in the layer.
    - Adds `--no-install-recommends` to `apt-get install` (an *unsafe* fix: see below).

    ## Why is this bad?
    A RUN holding only `apt-get update` is cached on its own: months later, a changed
    install line reuses stale lists and fails with 404s (hadolint DL3009/DL3015, the
    Dockerfile best-practices guide). Lists left in a layer add 20-40 MB to every image
    and are never used at run time.

    ## Example
    ```dockerfile
    RUN apt-get update
    RUN apt-get install -y curl
    ```

    ## Use instead
    ```dockerfile
    RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix safety
    The merge and the list removal are safe: the image keeps the same files except the
    apt lists, which are a cache. The removal is skipped when a later RUN in the stage, or
    in a stage built on it, runs apt without its own `apt-get update` (it needs those
    lists), and when the RUN mounts a cache over `/var/lib/apt` (DF102 keeps the lists in
    the mount instead). `--no-install-recommends` is unsafe: it changes which packages are
    installed (without recommends, `curl` comes without `ca-certificates`), so it is
    applied only with `--unsafe-fixes`.

    apk (Alpine) gets the same treatment: a RUN holding only `apk update` is merged into
    the `apk add` that follows, and `apk update && apk add X` becomes `apk add --no-cache
    X`, which fetches the same fresh index without keeping it in `/var/cache/apk`;
    skipped when a later apk call reads that index. These apk fixes are *unsafe* for
    now: they follow apk's documented behaviour, but the build lab has no Alpine base
    to prove the image unchanged by a real build. A cache mount is not offered for apk:
    apk keeps packages only when `/etc/apk/cache` exists, and creating it changes the
    image.
    """

    code = "DF104"
    name = "apt-layers"
    safety = Safety.SAFE
    applicability = "safe or unsafe"  # apt layering safe; --no-install-recommends and apk unsafe

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        df = ctx.dockerfile
        for stage in df.stages:
            body = stage.instructions[1:]
            for i, ins in enumerate(body):
                # Every finding starts at an apt or apk call, whose name the text must hold.
                if ins.keyword != "RUN" or "ap" not in ins.args:
                    continue
                run = run_script(ins)
                if run is None:
                    continue
                actions = [apt_verb(c) for c in run.commands]
                if run.commands and all(_update_action(c) for c in run.commands):
                    yield from self._merge_update(run, _next_run(body[i + 1 :]))
                    continue
                yield from self._apk_update(df, stage, run)
                if "install" not in actions:
                    continue
                if "update" in actions and not any(_cleans_lists(c) for c in run.commands):
                    yield from self._remove_lists(df, stage, ins, run, defer=_df102_mounts_apt(ctx, ins))
                yield from self._no_recommends(run)

    def _merge_update(self, update: RunScript, nxt: Instruction | None) -> Iterable[Finding]:
        ins = update.instruction
        follower = run_script(nxt) if nxt is not None and nxt.keyword == "RUN" else None
        apk = all(apk_verb(c) == "update" for c in update.commands)
        if follower is None or not follower.commands or (
                apk_verb(follower.commands[0]) not in ("add", "upgrade") if apk
                else apt_verb(follower.commands[0]) != "install"):
            if nxt is not None and nxt.keyword != "RUN":
                yield self.skip(ins.line, f"{nxt.keyword} on line {nxt.line} stands between `apt-get update` "
                                          "and the install; merge them by hand")
            return
        if ins.flags or follower.commands[0].enclosing:
            yield self.skip(ins.line, "the apt-get update RUN has flags or the install is nested; merge it by hand")
            return
        at = follower.raw(follower.commands[0].start, follower.commands[0].end)[0]
        update_text = update.script.text.strip()
        yield self.fix(
            f"merge `{update_text}` into the install on line {nxt.line}, so stale package lists are never reused",
            ins.line,
            [TextEdit(ins.start, ins.end, ""), TextEdit(at, at, f"{update_text} && ")],
            safety=Safety.UNSAFE if apk else Safety.SAFE,
        )

    def _apk_update(self, df: Dockerfile, stage: Stage, run: RunScript) -> Iterable[Finding]:
        """`apk update && apk add ...`: the add can fetch the index itself and not keep it."""
        cmds = list(run.commands)
        for i, update in enumerate(cmds[:-1]):
            add = cmds[i + 1]
            if apk_verb(update) != "update" or apk_verb(add) not in ("add", "upgrade") or add.operator != "&&":
                continue
            ins = run.instruction
            if update.enclosing or add.enclosing or len(update.program_words()[1]) != 2:
                yield self.skip(ins.line, "`apk update` is nested or has options; dfix leaves it alone")
                return
            reader = next((c for c in cmds[i + 2:] if apk_needs_index(c)), None)
            if reader is not None:
                yield self.skip(ins.line, f"`{run.script.source(reader)}` reads the index `apk update` keeps")
                return
            later = later_apk_reader(df, stage, ins)
            if later is not None:
                yield self.skip(ins.line, f"line {later.line} runs apk without fetching the index and needs the one "
                                          "`apk update` keeps")
                return
            removal = remove_command(run, update)
            if removal is None:
                yield self.skip(ins.line, "`apk update` cannot be cut out of this RUN cleanly")
                return
            edits = [removal]
            what = "drop `apk update`: `apk add --no-cache` fetches the index itself and keeps it out of the image"
            if not apk_refreshes(add):
                verb = _apk_verb_word(add)
                at = run.raw_point(verb.end)
                edits.append(TextEdit(at, at, " --no-cache"))
                what = ("`apk update && apk add` → `apk add --no-cache`: the same fresh index, not kept in the "
                        "image")
            yield self.fix(what, ins.line, edits, safety=Safety.UNSAFE)
            return

    def _remove_lists(self, df: Dockerfile, stage: Stage, ins: Instruction, run: RunScript,
                      defer: bool) -> Iterable[Finding]:
        if _mounts_apt_lists(ins) or defer:
            return  # the lists belong in a cache mount (DF102), not deleted
        last = run.commands[-1]
        if last.operator == "&" or any(c.operator == "&" for c in run.commands):
            return
        reader = later_apt_without_update(df, stage, ins)
        if reader is not None:
            yield self.skip(ins.line, f"line {reader.line} runs apt without `apt-get update` and needs these package lists")
            return
        end = run.raw_point(last.end)
        yield self.fix(
            "remove the apt package lists in the same layer (they are a cache: 20-40 MB per image)",
            ins.line,
            [TextEdit(end, end, f" && rm -rf {LISTS}/*")],
        )

    def _no_recommends(self, run: RunScript) -> Iterable[Finding]:
        for c in run.commands:
            if apt_verb(c) != "install" or any(w.value == "--no-install-recommends" for w in c.words):
                continue
            _, words = c.program_words()
            verb = next(w for w in words[1:] if w.value == "install")
            at = run.raw_point(verb.end)
            yield self.fix(
                "install without recommended packages (changes what is installed)",
                run.instruction.line,
                [TextEdit(at, at, " --no-install-recommends")],
                safety=Safety.UNSAFE,
            )


def _apk_verb_word(c: Command) -> Word:
    call = recognise(c)
    assert call.manager is APK and call.verb_word is not None
    return call.verb_word


def _df102_mounts_apt(ctx: RuleContext, ins: Instruction) -> bool:
    """Whether DF102 is on and will give this RUN apt cache mounts instead."""
    return "DF102" in ctx.enabled and apt_mount_possible(ctx.settings, ctx.dockerfile, ctx.analysis.state(ins), ins)


# Instructions that neither read nor change files, so an update may move past them.
_TRANSPARENT = frozenset({"ENV", "ARG", "LABEL", "EXPOSE", "STOPSIGNAL", "MAINTAINER"})


def _next_run(rest: list[Instruction]) -> Instruction | None:
    """The next RUN past instructions an update may cross, or the instruction that blocks it."""
    for ins in rest:
        if ins.keyword not in _TRANSPARENT:
            return ins
    return None
