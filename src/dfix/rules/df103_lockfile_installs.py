"""DF103: install exactly what the lockfile says (`npm ci`, `yarn --frozen-lockfile`)."""

from __future__ import annotations

import posixpath
from typing import Iterable

from ..analysis.facts import Analysis
from ..analysis.lockheld import held_lockfile
from ..dockerfile import Stage, TextEdit
from ..managers import Call, ExactInstall, Kind, Manager, recognise
from ..analysis.runs import RunScript, run_script
from .base import Finding, Rule, RuleContext, Safety


class LockfileInstalls(Rule):
    """Install dependencies exactly as the lockfile records them.

    ## What it does
    Turns `npm install` into `npm ci`, and adds `--frozen-lockfile` to `yarn install`
    (yarn 1) and `pnpm install`, when the stage holds the lockfile at the install (copied
    into the install's directory before the RUN, or bind-mounted there by it, through
    .dockerignore) and it records exactly the dependencies package.json declares. What the
    repository has does not count: a lockfile no COPY brings in pins nothing.

    ## Why is this bad?
    `npm install` and a bare `yarn` may resolve newer versions than the lockfile, and
    rewrite it, so two builds of one commit can differ. The exact forms install what was
    tested, fail loudly when the lockfile is stale, and (for `npm ci`) are faster.

    ## Example
    ```dockerfile
    COPY package.json package-lock.json ./
    RUN npm install
    ```

    ## Use instead
    ```dockerfile
    COPY package.json package-lock.json ./
    RUN npm ci
    ```

    ## Fix safety
    `npm install` → `npm ci` is **unsafe** (opt-in with `--unsafe-fixes`): `npm ci` checks
    the whole dependency tree with the image's npm, and npm versions disagree about
    optional peer dependencies, so a lockfile written by a newer npm can pass every check
    dfix makes and still be rejected (measured: npm 11's lockfile, npm 10's `npm ci`,
    "Missing: gcp-metadata@5.3.0 from lock file"). The yarn 1 fix is safe: its frozen check
    is whether every `name@range` is locked, which dfix verifies the same way.
    `pnpm install --frozen-lockfile` is unsafe too: a lockfile from another pnpm major
    is migrated by a plain install and may be refused by a frozen one, and the image's
    pnpm version is not knowable from the Dockerfile; dfix checks the root importer's
    specifiers against package.json (pnpm's own first check) and gives up on overrides,
    patches and workspaces.
    Both need the lockfile and package.json readable from the context and in
    agreement (for npm, lockfile v2/v3 root entry equal to package.json's dependency maps; for
    yarn 1, every `name@range` locked). Otherwise the fix is skipped with the reason:
    lockfile missing from the context, never copied by the stage, copied elsewhere or
    after the install, hidden behind a copy dfix cannot follow, lockfile stale, lockfile v1,
    workspaces (member entries are not verified), yarn 2+ lockfiles, `npm install <pkg>`,
    global installs, `--prefix`/`--cwd`. Installs with package arguments are not touched.
    """

    code = "DF103"
    name = "lockfile-installs"
    safety = Safety.SAFE
    applicability = "safe or unsafe"  # by manager: npm and pnpm depend on the image's tool version

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        df = ctx.dockerfile
        for stage in df.stages:
            for ins in stage.instructions[1:]:
                run = run_script(ins)
                if run is None:
                    continue
                for cmd in run.commands:
                    call = recognise(cmd)
                    found = _exact_form(call)
                    if found is None:
                        continue
                    if ctx.build_context is None:
                        yield self.skip(ins.line, "no build context to read the lockfile from")
                        continue
                    yield from self._check_install(ctx.analysis, stage, run, call, *found)

    def _check_install(self, analysis: Analysis, stage: Stage, run: RunScript, call: Call, manager: Manager,
                       spec: ExactInstall):
        line = run.instruction.line
        words = [call.program or ""] + call.arg_values
        if spec.exact_already(words) or spec.blocked(words):
            return
        held = held_lockfile(analysis, stage, run.instruction, call, manager, spec)
        if held.no_project:
            return  # no project here that dfix can see; nothing to make exact
        if held.lockfile is None:
            yield self.skip(line, held.reason or "the lockfile is not in the stage")
            return
        project = posixpath.dirname(held.manifest) if held.manifest else ""
        stale = posixpath.join(project, manager.install_outputs[0]) if manager.install_outputs else None
        if stale and analysis.context.is_dir(stale):
            # npm ci deletes node_modules first; install would keep what the context brought in.
            yield self.skip(line, f"{stale}/ is in the build context (add it to .dockerignore)")
            return
        yield from self._rewrite(run, call, spec, held.lockfile)

    def _rewrite(self, run: RunScript, call: Call, spec: ExactInstall, lock: str) -> Iterable[Finding]:
        anchor = call.command.program_words()[1][0] if call.verb_word is None else call.verb_word
        program = call.program
        if spec.new_verb:
            start, end = run.raw(anchor.start, anchor.end)
            edit = TextEdit(start, end, spec.new_verb)
            what = f"`{program} {spec.new_verb}`"
        else:
            at = run.raw_point(anchor.end)
            edit = TextEdit(at, at, f" {spec.add_flag}")
            what = f"`{program} {'' if call.verb is None else call.verb + ' '}{spec.add_flag}`"
        yield self.fix(f"use {what} so the install follows {lock} exactly", run.instruction.line, [edit],
                       safety=Safety.SAFE if spec.safe else Safety.UNSAFE)


def _exact_form(call: Call) -> tuple[Manager, ExactInstall] | None:
    """The lockfile-exact form of this install, from the first record that has one (yarn: yarn 1's)."""
    if call.kind is not Kind.INSTALL:
        return None  # `npm install express` adds a package; `npm i -g` installs a tool
    for manager in call.managers:
        if manager.exact is not None and call.verb in manager.exact.verbs:
            return manager, manager.exact
    return None
