"""DF103: install exactly what the lockfile says (`npm ci`, `yarn --frozen-lockfile`)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Iterable

from ..copies import UNKNOWN, image_files_before
from ..dockerfile import TextEdit
from ..lockfiles import MISMATCH_CHECKS
from ..runs import RunScript, run_script
from ..shell import Command
from .base import Finding, Rule, RuleContext, Safety


@dataclass(frozen=True)
class LockedInstall:
    """How one package manager's install becomes lockfile-exact."""

    safety: Safety
    package_manager: str
    program: str
    verbs: frozenset[str | None]  # None: the bare program (``yarn``)
    lockfiles: tuple[str, ...]
    exact_flags: frozenset[str]  # already exact
    blocking_flags: frozenset[str]  # a form dfix leaves alone (global installs, other directories)
    new_verb: str | None = None  # replace the verb (npm install -> npm ci)
    add_flag: str | None = None  # or add a flag after it


LOCKED_INSTALLS = (
    # npm ci re-checks the whole tree with the image's own npm, and npm versions disagree
    # on optional peers: a lockfile written by npm 11 that npm 10's `npm ci` rejects
    # ("Missing: gcp-metadata@5.3.0 from lock file") passed every root-level check. Until
    # dfix checks every edge the way the strictest npm does, the switch is opt-in.
    LockedInstall(
        Safety.UNSAFE, "npm", "npm", frozenset({"install", "i", "isntall"}), ("npm-shrinkwrap.json", "package-lock.json"),
        exact_flags=frozenset(),
        blocking_flags=frozenset({"-g", "--global", "--prefix", "-C", "--no-package-lock", "--package-lock=false",
                                  "--package-lock-only", "--workspace", "-w", "--workspaces", "--location=global"}),
        new_verb="ci",
    ),
    LockedInstall(
        Safety.SAFE, "yarn-classic", "yarn", frozenset({None, "install"}), ("yarn.lock",),
        exact_flags=frozenset({"--frozen-lockfile", "--immutable"}),
        blocking_flags=frozenset({"--cwd", "global", "--modules-folder", "--no-lockfile"}),
        add_flag="--frozen-lockfile",
    ),
    # pnpm rewrites a lockfile written by another pnpm major (format migration) on a plain
    # install, and --frozen-lockfile then fails or keeps the old file: which happens
    # depends on the image's pnpm, which dfix cannot know. Opt-in, like npm.
    LockedInstall(
        Safety.UNSAFE, "pnpm", "pnpm", frozenset({"install", "i"}), ("pnpm-lock.yaml",),
        exact_flags=frozenset({"--frozen-lockfile", "--frozen-lockfile=true"}),
        blocking_flags=frozenset({"-g", "--global", "--dir", "-C", "--filter", "-F", "--recursive", "-r",
                                  "--no-lockfile", "--lockfile-only", "--fix-lockfile", "--no-frozen-lockfile",
                                  "--frozen-lockfile=false", "--prefer-frozen-lockfile", "--workspace-root", "-w"}),
        add_flag="--frozen-lockfile",
    ),
)


class LockfileInstalls(Rule):
    """Install dependencies exactly as the lockfile records them.

    ## What it does
    Turns `npm install` into `npm ci`, and adds `--frozen-lockfile` to `yarn install`
    (yarn 1) and `pnpm install`, when the lockfile is in the build context, has been copied into the
    install's directory before the RUN, and records exactly the dependencies
    package.json declares.

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
    lockfile missing or not copied before the install, lockfile stale, lockfile v1,
    workspaces (member entries are not verified), yarn 2+ lockfiles, `npm install <pkg>`,
    global installs, `--prefix`/`--cwd`. Installs with package arguments are not touched.
    """

    code = "DF103"
    name = "lockfile-installs"
    safety = Safety.SAFE

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        build_context = ctx.build_context
        df = ctx.dockerfile
        for stage in df.stages:
            for ins in stage.instructions[1:]:
                run = run_script(ins)
                if run is None:
                    continue
                for cmd in run.commands:
                    spec, verb = _recognise(cmd)
                    if spec is None:
                        continue
                    if build_context is None:
                        yield self.skip(ins.line, "no build context to read the lockfile from")
                        continue
                    state = df.states[id(ins)]
                    files = image_files_before(df, stage, ins, df.states, build_context)
                    yield from self._check_install(run, cmd, verb, spec, state.workdir, files, build_context)

    def _check_install(self, run: RunScript, cmd: Command, verb, spec: LockedInstall, workdir, files, context):
        line = run.instruction.line
        words = [w.value for w in cmd.program_words()[1]]
        if any(w in spec.exact_flags for w in words):
            return
        if any(w.split("=", 1)[0] in spec.blocking_flags or w in spec.blocking_flags for w in words):
            return
        cwd = _cwd(workdir, cmd.cwd)
        if cwd is None:
            yield self.skip(line, f"the directory `{' '.join(words[:2])}` runs in is not known")
            return
        manifest = files.lookup(posixpath.join(cwd, "package.json"))
        if manifest in (None, UNKNOWN):
            return  # no project here that dfix can see; nothing to make exact
        project = posixpath.dirname(manifest) or "."
        lock_in_context = next((n for n in spec.lockfiles if context.is_file(posixpath.join(project, n))), None)
        if lock_in_context is None:
            yield self.skip(line, f"no {spec.lockfiles[-1]} in the build context next to {manifest}")
            return
        lock_ctx = posixpath.normpath(posixpath.join(project, lock_in_context))
        copied = files.lookup(posixpath.join(cwd, lock_in_context))
        if copied != lock_ctx:
            yield self.skip(line, f"{lock_ctx} is not copied into {cwd} before the install")
            return
        stale = posixpath.join(project, "node_modules") if project != "." else "node_modules"
        if context.is_dir(stale):
            # npm ci deletes node_modules first; install would keep what the context brought in.
            yield self.skip(line, f"{stale}/ is in the build context (add it to .dockerignore)")
            return
        pkg_text, lock_text = context.read_text(manifest), context.read_text(lock_ctx)
        if pkg_text is None or lock_text is None:
            yield self.skip(line, f"cannot read {manifest} or {lock_ctx}")
            return
        mismatch = MISMATCH_CHECKS[spec.package_manager](pkg_text, lock_text)
        if mismatch:
            yield self.skip(line, mismatch)
            return
        yield from self._rewrite(run, cmd, verb, spec, lock_ctx)

    def _rewrite(self, run: RunScript, cmd: Command, verb, spec: LockedInstall, lock: str) -> Iterable[Finding]:
        words = cmd.program_words()[1]
        anchor = words[0] if verb is None else next(w for w in words[1:] if w.value == verb)
        if spec.new_verb:
            start, end = run.raw(anchor.start, anchor.end)
            edit = TextEdit(start, end, spec.new_verb)
            what = f"`{spec.program} {spec.new_verb}`"
        else:
            at = run.raw_point(anchor.end)
            edit = TextEdit(at, at, f" {spec.add_flag}")
            what = f"`{spec.program} {'' if verb is None else verb + ' '}{spec.add_flag}`"
        yield self.fix(f"use {what} so the install follows {lock} exactly", run.instruction.line, [edit],
                       safety=spec.safety)


def _recognise(cmd: Command) -> tuple[LockedInstall | None, str | None]:
    program = cmd.program
    _, words = cmd.program_words()
    args = [w.value for w in words[1:]]
    positionals = [a for a in args if not a.startswith("-")]
    verb = positionals[0] if positionals else None
    for spec in LOCKED_INSTALLS:
        if program == spec.program and verb in spec.verbs:
            if len(positionals) > (0 if verb is None else 1):
                return None, None  # `npm install express`: adds a package, not a project install
            return spec, verb
    return None, None


def _cwd(workdir: str | None, cd: str | None) -> str | None:
    if cd is None:
        return workdir
    if posixpath.isabs(cd):
        return posixpath.normpath(cd)
    return posixpath.normpath(posixpath.join(workdir, cd)) if workdir else None
