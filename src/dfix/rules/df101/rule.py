"""DF101: copy the dependency manifests and install before copying the source."""

from __future__ import annotations

import json
import posixpath
import sys
from dataclasses import dataclass
from typing import Iterable, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from ...analysis.facts import Analysis
from ...analysis.buildstate import State
from ...analysis.copies import Entry
from ...dockerfile import Dockerfile, Instruction, Stage, TextEdit
from ...dockerfile.expand import expand, opaque_option
from .toolchain import launcher_enabled_before, program_available
from ...managers.yarn_berry import runs_berry
from ...managers.system import read_only
from ...managers import MANAGERS, Kind, Manager, by_name, recognise
from ...analysis.runs import RunScript, run_script
from ...shell.parse import Command
from ...analysis.stacks.base import HazardKind, InstallCommand, Stack
from ..base import Finding, Fix, Rule, RuleContext, Safety

# Instructions that may stay between the manifest COPY and the install: they neither
# read the copied source nor change where a relative COPY destination points.
_METADATA = frozenset({"ENV", "ARG", "LABEL", "EXPOSE", "USER", "STOPSIGNAL", "HEALTHCHECK", "CMD",
                       "ENTRYPOINT", "ONBUILD", "MAINTAINER", "SHELL"})
# Instructions that change nothing a RUN before them would see (unlike ENV, ARG, USER, WORKDIR, SHELL).
_STATE_NEUTRAL = frozenset({"LABEL", "EXPOSE", "STOPSIGNAL", "HEALTHCHECK", "CMD", "ENTRYPOINT", "MAINTAINER"})
# COPY flags carried to the manifest COPY as they are; any other flag makes dfix step back.
_CARRIED_FLAGS = frozenset({"chown", "chmod", "link"})
# Hazards a manifest-first reorder handles itself: the local package directory is copied
# with the manifests; a project install gets a dependencies-only install (or needs none
# for a virtual project); a local replace's go.mod is among the inputs and the build
# comes after the source.  Lifecycle scripts are handled when the install ignores them.
_HANDLED_HAZARDS = frozenset({HazardKind.LOCAL_DEPENDENCY, HazardKind.PROJECT_INSTALL, HazardKind.GO_LOCAL_REPLACE})


@dataclass
class _Plan:
    copy: Instruction  # the broad COPY that brings the source in
    entry: Entry
    install: Instruction
    inputs: list[str]  # context paths (a trailing "/" marks a directory)
    mode: str  # "move": the install moves before the source; "pre": a deps-only install is added
    env: Mapping[str, str | None]  # ARG/ENV in force at the install
    in_place: bool = False  # "pre": the dependencies-only step goes where the source COPY is, which stays


@dataclass
class _Site:
    """What one install reads and where its manifests arrive with the source."""

    manager: Manager
    run: RunScript
    state: State
    cwd: str  # the directory the install runs in
    entry: Entry  # the directory COPY that brings the manifests with the source
    copy: Instruction  # its instruction
    mode: str  # see _Plan
    in_place: bool  # see _Plan
    # The install's inputs are all in place, copied on their own (`COPY install/package.json ./`),
    # and the source COPY after them writes none of its manager's files: only that COPY moves.
    placed: bool = False


class _Stop(Exception):
    """Ends one install's attempt with the note or skip that says why."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding)
        self.finding = finding


class ManifestFirst(Rule):
    """Copy the dependency manifests and install before copying the rest of the source.

    ## What it does
    When a stage copies the whole project (`COPY . .`) and then installs dependencies,
    dfix copies only what the install reads first (the manifests and lockfiles the stack
    detector found: package.json and its lockfile, workspace members, .npmrc, local
    `file:` packages, requirements files with their `-r`/`-c` includes, pyproject and
    its lockfile), runs the install, and copies the rest afterwards. A RUN that installs
    and then builds (`npm ci && npm run build`) is split so the build still sees the
    source. Installs that also build the project (`uv sync`, `poetry install`,
    `pdm install`) get a dependencies-only install before the source
    (`--no-install-project`, `--no-root`, `--no-self`) and keep the full install after it.
    Builds that download as they go get a dependencies step first: `go mod download`,
    `mvn dependency:go-offline`, and `gradle dependencies` (in a build stage, when every
    build script is shown to read nothing but the build files while Gradle configures it).

    ## Why is this bad?
    BuildKit re-runs every step after a changed input. With the source copied first, a
    one-line edit re-runs the whole dependency install: minutes of downloads on every
    commit. Copying the manifests first keeps the install cached until the dependencies
    change.

    ## Example
    ```dockerfile
    WORKDIR /app
    COPY . .
    RUN npm ci && npm run build
    ```

    ## Use instead
    ```dockerfile
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN npm ci
    COPY . .
    RUN npm run build
    ```

    ## Fix safety
    Safe only when the install's inputs are provably the copied files. dfix skips, with
    the reason, when a lifecycle script (`postinstall`, `prepare`, ...) of the project
    would run during the install (it may read any file) unless the install has
    `--ignore-scripts`; when a manifest names a file that is not in the context; when an
    instruction between the copy and the install could read the source or changes the
    copy's destination (`WORKDIR`, a RUN other than system package installs); when the
    copy has flags other than `--chown`, `--chmod`, `--link`; when the install's output
    directory (node_modules, .venv) is in the context, so the later copy would overwrite
    what the install made; and for `pip install .` (its dependency list lives in the
    build backend). Instructions never move across USER, WORKDIR, ARG or ENV: the copy
    moves instead, and those stay where they were.

    ## Linters
    - hadolint DL3059 (consecutive RUNs): splitting `install && build` into two RUNs is
      the point of the fix, so the install is cached apart from the source.
    """

    code = "DF101"
    name = "manifest-first"
    safety = Safety.SAFE

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        context = ctx.build_context
        if context is None:
            return
        df = ctx.dockerfile
        reports = ctx.analysis.stage_reports
        done: set[int] = set()
        for report in reports:
            stage = df.stages[report.index]
            for stack in report.stacks:
                for ic in stack.install_commands + _opaque_builds(ctx.analysis, stage, stack):
                    if ic.line is None or not (Kind(ic.kind).installs_dependencies or _downloading_build(stack, ic)):
                        continue
                    install = _instruction_at(stage, ic.line)
                    if install is None or id(install) in done:
                        continue
                    done.add(id(install))
                    findings = list(self._one(ctx.analysis, stage, install, stack, ic, _exact_installs_applied(ctx)))
                    yield from findings
                    if any(isinstance(f, Fix) for f in findings):
                        return  # one reorder per pass: positions shift, and the engine runs again

    def _one(self, analysis: Analysis, stage: Stage, install: Instruction, stack: Stack,
             ic: InstallCommand, exact_applied: tuple[bool, bool]) -> Iterable[Finding]:
        """One install: find where its manifests arrive, check every guard, then build the fix.

        Each step raises _Stop with the note or skip that ends the attempt.
        """
        try:
            site = self._site(analysis, stage, install, stack, ic)
            reason = self._blocked(analysis, stage, site.copy, install, site.run, stack, ic, site.entry,
                                   site.manager, site.in_place)
            if reason:
                raise _Stop(self.skip(install.line, reason))
            if ic.kind == Kind.BUILD and site.manager.deps_only is None:
                raise _Stop(self.note(install.line, f"`{ic.command}` has no dependencies-only form: "
                                                    f"{site.manager.deps_only_opt_out}"))
            extra = self._pre_fetch_checks(analysis, stage, install, stack, ic, site) if site.mode == "pre" else []
            # Placed: the source COPY writes no lockfile where the install runs, so none is put back.
            may_differ = self._move_checks(analysis, stage, install, stack, ic, site, exact_applied) \
                if site.mode == "move" and not site.placed else []
            yield self._reorder(analysis, stage, install, stack, ic, site, extra, may_differ)
        except _Stop as stop:
            yield stop.finding

    def _site(self, analysis: Analysis, stage: Stage, install: Instruction, stack: Stack,
              ic: InstallCommand) -> "_Site":
        """Where the install runs, which COPY brings its manifests with the source, and how to reorder."""
        context, line = analysis.context, install.line
        manager = by_name(ic.package_manager) or by_name(stack.package_manager)
        if manager is None:
            raise _Stop(self.note(line, f"no record of package manager {ic.package_manager or stack.package_manager}"))
        run = run_script(install)
        if run is None:
            raise _Stop(self.skip(line, "the install RUN is not plain shell dfix can read (heredoc, JSON form or "
                                        "unparsable)"))
        state = analysis.state(install)
        cwd = ic.cwd or state.workdir
        if cwd is None:
            raise _Stop(self.note(line, "the directory the install runs in is not known"))
        files = analysis.image_files_before(stage, install)
        manifest = stack.manifests[0] if stack.manifests else None
        if manifest is None:
            raise _Stop(self.note(line, "the stack has no manifest in the build context"))
        rel = posixpath.relpath(manifest, stack.root) if stack.root not in ("", ".") else manifest
        wanted = _named_file(ic, cwd) or posixpath.join(cwd, rel)
        entry, placed = self._source_entry(analysis, files, stage, install, stack, ic, manager, cwd, manifest, wanted)
        copy = entry.instruction
        if copy not in stage.instructions:
            raise _Stop(self.note(line, f"the source is copied in an earlier stage (line {copy.line}); dfix does "
                                        "not reorder across stages"))
        mode = "pre" if ic.kind in (Kind.PROJECT, Kind.BUILD) and not _virtual_project(context, stack, manager) \
            else "move"
        # A dependencies-only step can go where the source COPY is when all that stands between
        # them and the install only reads: those steps then still see the source, as before.
        in_place = mode == "pre" and _stay_after_source(_between(stage, copy, install))
        return _Site(manager, run, state, cwd, entry, copy, mode, in_place, placed)

    def _source_entry(self, analysis: Analysis, files, stage: Stage, install: Instruction, stack: Stack,
                      ic: InstallCommand, manager: Manager, cwd: str, manifest: str, wanted: str) -> tuple[Entry, bool]:
        """The directory COPY the reorder moves or precedes, and whether the install's inputs are
        already all in place before it (`placed`: only that COPY moves)."""
        entry = _entry_for(files, wanted)
        placed = False
        if entry is not None and entry.kind == "file":
            found = _source_copy_after(files, stage, entry, install, ic, manager)
            if found is None:
                found, why = _broad_copy_after(analysis, files, stage, entry, install, ic, stack, manager, cwd)
                if why:
                    raise _Stop(self.note(install.line, f"{manifest} is copied on its own (line "
                                                        f"{entry.instruction.line}), then the source (line "
                                                        f"{found.instruction.line}) before `{ic.command}`, but {why}"))
                placed = found is not None
            entry = found or entry
        if entry is None or entry.kind != "dir" or entry.instruction is None:
            raise _Stop(self.note(install.line, _arrival(files, entry, manifest, wanted, ic)))
        return entry, placed

    def _pre_fetch_checks(self, analysis: Analysis, stage: Stage, install: Instruction, stack: Stack,
                          ic: InstallCommand, site: "_Site") -> list[str]:
        """Guards of a dependencies-only step before the source; the extra files its command line names."""
        manager, run, line, context = site.manager, site.run, install.line, analysis.context
        marker = _deps_only_marker(manager)
        if marker is None:
            raise _Stop(self.skip(line, f"`{ic.command}` installs the project itself and has no dependencies-only "
                                        "form dfix knows"))
        if _preinstalled(stage, site.copy, marker):
            raise _Stop(self.note(line, f"a dependencies-only step (`{marker}`) already runs before the source "
                                        "arrives"))
        if manager.downloads_needed is not None and \
                not _downloads_at(stack, context, site.state, site.cwd, site.entry, manager):
            raise _Stop(self.note(line, "nothing to download before the source: no required modules at the build's "
                                        "root, vendored, or -mod=vendor"))
        offline = _offline_build(site, ic)
        if offline:
            raise _Stop(self.note(line, f"the build reads only what is already there ({offline}): a download before "
                                        "it would fetch what it never reads"))
        if manager.deps_only.build_stages_only and _reaches_image(analysis.dockerfile, stage, site.cwd):
            raise _Stop(self.note(line, f"`{marker}` fetches more than `{ic.command}` uses into a cache that would "
                                        "stay in the image: dfix adds it only in a build stage whose caches the "
                                        "final image does not take"))
        missing_tool = _tool_missing(analysis, stage, install, run, ic, manager)
        if missing_tool:
            raise _Stop(self.skip(line, missing_tool))
        extra: list[str] = []
        moved_by_cd = _cd_elsewhere(run, ic, site.state)
        if moved_by_cd and manager.deps_only.flag is None:
            # The step is a RUN of its own in the WORKDIR (`go mod download`, the build tool with the
            # fetch goal): the `cd` would not carry over, and it would not find the manifests.
            raise _Stop(self.skip(line, f"`{ic.command}` runs after a `cd` to {moved_by_cd} in its RUN; a "
                                        "dependencies step of its own would run in the WORKDIR instead"))
        if manager.deps_only.goal is not None:
            cmd = _command_of(run, ic)
            words = [w.value for w in cmd.program_words()[1]] if cmd else []
            if set(words) & manager.offline_only_flags:
                raise _Stop(self.note(line, "an offline build downloads nothing"))
            _, unclear = _goal_options(run, ic, manager, site.state.env)
            if unclear:
                raise _Stop(self.skip(line, unclear))
            missing = _named_files(words, site.cwd, site.entry, context, extra, manager)
            if missing:
                raise _Stop(self.skip(line, f"{missing} named on the {words[0]} command line is not in the build "
                                            "context"))
        return extra

    def _move_checks(self, analysis: Analysis, stage: Stage, install: Instruction, stack: Stack,
                     ic: InstallCommand, site: "_Site", exact_applied: tuple[bool, bool]) -> list[str]:
        """Guards of moving the install before the source: a lockfile it may rewrite. Returns the image
        paths whose bytes may then differ (declared by the fix)."""
        df, manager, run, line = analysis.dockerfile, site.manager, site.run, install.line
        rewritten = _lockfile_it_may_rewrite(run, ic, stack, analysis.context, manager)
        if not rewritten:
            return []
        reader = _runtime_lockfile_reader(df, manager) or _later_lockfile_reader(df, stage, install, run, ic, manager)
        if reader is not None:
            stoppers = sorted({s for w in manager.lock_writes.values() for s in w.stoppers})
            cure = ("a lockfile-exact install (DF103)" if manager.exact else
                    f"an install that cannot rewrite it ({', '.join(stoppers)})")
            when = "at start-up" if reader.keyword in ("CMD", "ENTRYPOINT") else "in a later step"
            raise _Stop(self.skip(line, f"`{ic.command}` may rewrite {rewritten}, the source COPY after it would "
                                        f"put the committed one back, and the image reads it {when} (line "
                                        f"{reader.line}); {cure} makes it movable",
                                  provisional=manager.exact is not None))
        if _becomes_exact(run, ic, manager, stack, analysis.context, rewritten, exact_applied):
            raise _Stop(self.skip(line, f"`{ic.command}` may rewrite {rewritten}; it becomes lockfile-exact (DF103) "
                                        "first, and then moves without that caveat", provisional=True))
        return [_image_path(rewritten, site.entry)]

    def _reorder(self, analysis: Analysis, stage: Stage, install: Instruction, stack: Stack, ic: InstallCommand,
                 site: "_Site", extra: list[str], may_differ: list[str]) -> Finding:
        """The fix: the manifest COPY lines, the install or its dependencies-only step, the source COPY."""
        context, manager, entry = analysis.context, site.manager, site.entry
        inputs = [] if site.placed else [i for i in stack.install_inputs if _exists(context, i)] + \
            [e for e in extra if e not in stack.install_inputs]
        if site.mode == "pre":
            # Manifests an earlier COPY already put in place (`COPY go.mod go.sum ./`) need no second copy.
            before = analysis.image_files_before(stage, site.copy)
            inputs = [i for i in inputs if i.endswith("/") or before.lookup(_image_path(i, entry)) != i]
        plan = _Plan(site.copy, entry, install, inputs, site.mode, site.state.env, site.in_place)
        edits = _edits(analysis.dockerfile, plan, site.run, ic, manager)
        if edits is None:
            raise _Stop(self.skip(install.line, "the install RUN cannot be split cleanly after its install commands"))
        n_files = len(context.files_under(entry.context_path))
        what = ", ".join(i.rstrip("/") + ("/" if i.endswith("/") else "") for i in inputs)
        declared = (f"; `{ic.command}` may rewrite {', '.join(may_differ)}, which the source COPY then restores "
                    "to the committed file, so only that file's bytes may differ in the image") if may_differ else ""
        if site.placed:
            summary = (f"move the source COPY (line {site.copy.line}) after `{ic.command}`: the files it reads are "
                       f"already in place, copied on their own, so a source edit no longer re-runs it")
        elif not inputs:
            deps = manager.deps_only.command or manager.deps_only.goal or manager.deps_only.flag
            summary = (f"run the dependencies-only step (`{deps}`) on the manifests already copied, before the "
                       f"source, so `{ic.command}` no longer downloads everything after each source edit")
        else:
            summary = (f"copy {what} before `{ic.command}` so it depends on {len(inputs)} input(s) instead of "
                       f"{n_files} context files")
        return self.fix(f"{summary}{declared}", install.line, edits, may_differ=may_differ)

    def _blocked(self, analysis: Analysis, stage, copy, install, run, stack, ic, entry, manager: Manager,
                 in_place: bool) -> str | None:
        context = analysis.context
        kw_flags = [f for f in copy.flags if f.name not in _CARRIED_FLAGS]
        if kw_flags:
            return f"the COPY on line {copy.line} has {kw_flags[0].text.split('=')[0]}, which dfix does not carry over"
        if copy.json_args is not None and len(copy.values) != 2:
            return f"the COPY on line {copy.line} copies several sources in JSON form"
        between = [] if in_place else _between(stage, copy, install)
        for ins in between:
            why = _unsafe_between(analysis, ins, copy, entry, stack)
            if why:
                return f"line {ins.line} ({ins.keyword}) {why}, between the COPY on line {copy.line} and the install"
        if any(c.enclosing for c in run.commands if c is _command_of(run, ic)):
            return "the install runs inside a shell compound (if/for/subshell)"
        for hazard in stack.hazards:
            if hazard.kind in _HANDLED_HAZARDS:
                continue
            if hazard.kind in (HazardKind.LIFECYCLE_SCRIPT, HazardKind.SCRIPT_SKIPPED_BY_MANAGER) and \
                    _scripts_ignored(run, ic):
                continue
            if hazard.kind is HazardKind.SCRIPT_SKIPPED_BY_MANAGER and _berry_runs(analysis, stage, install, run, ic):
                continue
            return hazard.message
        for out in _install_outputs(stack, manager):
            if context.is_dir(out):
                return f"{out}/ is in the build context: the later COPY would overwrite what the install made (add it to .dockerignore)"
        for i in stack.install_inputs:
            if not _exists(context, i):
                if i.endswith("/"):
                    return f"the install reads {i}, which is not in the build context"
        if ic.kind == Kind.PROJECT and manager.deps_only is None:
            return f"`{ic.command}` builds the project: its dependency list lives in the build backend"
        if not _under_copy(stack, entry, context) and not _in_place_before(stack, entry, copy, stage, context):
            return f"some install inputs are not brought in by the COPY on line {copy.line}"
        return None


def _berry_runs(analysis: Analysis, stage: Stage, install: Instruction, run: RunScript, ic: InstallCommand) -> bool:
    """Whether the install is provably yarn 2+, which never runs prepare or prepublish scripts."""
    enabled = launcher_enabled_before(analysis, stage, install, _command_of(run, ic))
    return runs_berry(analysis.context, analysis.facts.yarnrc, enabled)


def _instruction_at(stage: Stage, line: int) -> Instruction | None:
    for ins in stage.instructions:
        if ins.line == line and ins.keyword == "RUN":
            return ins
    return None


def _arrival(files, entry: Entry | None, manifest: str, image_path: str, ic: InstallCommand) -> str:
    """Why there is nothing to reorder: say which way the manifest arrives, or that dfix cannot tell."""
    if entry is not None and entry.instruction is not None:
        return (f"{manifest} is already copied on its own (line {entry.instruction.line}) and no broad COPY of the "
                f"source follows it before `{ic.command}`: nothing to reorder")
    path = posixpath.normpath(image_path)
    for e in reversed(files.entries):
        if e.kind == "unknown" and e.instruction is not None and \
                (e.image_path == "/" or path == e.image_path or path.startswith(e.image_path.rstrip("/") + "/")):
            return (f"{path} may come from line {e.instruction.line} ({e.instruction.keyword}), which dfix cannot "
                    f"follow (another stage or image, a URL, an archive or an unexpandable path), so it cannot tell "
                    f"how {manifest} arrives before `{ic.command}`")
    return (f"no COPY before `{ic.command}` puts {manifest} at {path}, where the install reads it: dfix cannot tell "
            "how it arrives")


def _entry_for(files, image_path: str) -> Entry | None:
    path = posixpath.normpath(image_path)
    for entry in reversed(files.entries):
        if entry.kind == "unknown" and (entry.image_path == "/" or path.startswith(entry.image_path.rstrip("/") + "/")):
            return None
        if entry.kind == "file" and entry.image_path == path:
            return entry
        if entry.kind == "dir" and path.startswith(entry.image_path.rstrip("/") + "/"):
            rel = posixpath.relpath(path, entry.image_path)
            if files.context.is_file(posixpath.normpath(posixpath.join(entry.context_path, rel))):
                return entry
    return None


def _source_copy_after(files, stage: Stage, manifest: Entry, install: Instruction, ic: InstallCommand,
                       manager: Manager) -> Entry | None:
    """`COPY pom.xml .` then `COPY src ./src` then `mvn package`: the manifest is in place on its own, but a
    build that downloads as it goes still runs after the source. The first directory COPY between them
    is where a dependencies-only step belongs. The same holds for a project install with a
    dependencies-only flag (`COPY src ./src` then `uv sync`: `uv sync --no-install-project` first)."""
    if manager.deps_only is None:
        return None
    if not (ic.kind == Kind.BUILD and (manager.deps_only.command or manager.deps_only.goal) or
            ic.kind == Kind.PROJECT and manager.deps_only.flag):
        return None
    if manifest.instruction not in stage.instructions:
        return None
    body = stage.instructions
    window = body[body.index(manifest.instruction) + 1 : body.index(install)]
    for entry in files.entries:
        if entry.kind == "dir" and entry.instruction in window:
            return entry
    return None


def _broad_copy_after(analysis: Analysis, files, stage: Stage, manifest: Entry, install: Instruction,
                      ic: InstallCommand, stack: Stack, manager: Manager, cwd: str) -> tuple[Entry | None, str | None]:
    """`COPY install/package.json install/package-lock.json ./`, `COPY . .`, `RUN npm ci`: every install
    input is in place, copied on its own, and the broad COPY into the install's directory brings none
    of the ecosystem's manifests, lockfiles, config or install outputs there. That COPY (None when
    there is none), and why it cannot move when it cannot."""
    if Kind(ic.kind) is not Kind.INSTALL or manifest.instruction not in stage.instructions:
        return None, None
    body = stage.instructions
    window = body[body.index(manifest.instruction) + 1 : body.index(install)]
    broad = next((e for e in files.entries if e.kind == "dir" and e.instruction in window), None)
    if broad is None:
        return None, None
    if posixpath.normpath(broad.image_path) != posixpath.normpath(cwd):
        return broad, f"it copies to {broad.image_path}, not where the install runs ({cwd})"
    if stack.workspaces:
        return broad, "the manifest declares workspaces, whose members that COPY may bring"
    before = analysis.image_files_before(stage, broad.instruction)
    for i in stack.install_inputs:
        rel = posixpath.relpath(i, stack.root) if stack.root not in ("", ".") else i
        if i.endswith("/") or (_exists(analysis.context, i) and before.lookup(posixpath.join(cwd, rel)) != i):
            return broad, f"the install also reads {i}, which is not copied on its own before it"
    for name in sorted(_manager_files(manager)):
        if analysis.context.exists(posixpath.normpath(posixpath.join(broad.context_path, name))):
            return broad, f"it brings the context's {name} to {posixpath.join(cwd, name)}, which the install reads"
    return broad, None


def _manager_files(manager: Manager) -> set[str]:
    """Every file or directory a manager of this ecosystem may read or write in the project directory
    (npm reads yarn.lock too): the names a source COPY must not bring where the install runs."""
    names: set[str] = set()
    for m in MANAGERS:
        if m.ecosystem == manager.ecosystem:
            names.update((*m.manifests, *m.lockfiles, *m.config_files, *m.config_dirs, *m.install_outputs))
    return names


def _in_place_before(stack: Stack, entry: Entry, copy: Instruction, stage: Stage, context) -> bool:
    """Every install input is already at its place in the image before ``copy`` (copied on its own)."""
    return False if copy is None else all(
        i.endswith("/") or _copied_alone(i, copy, stage, context) for i in stack.install_inputs if _exists(context, i))


def _copied_alone(path: str, copy: Instruction, stage: Stage, context) -> bool:
    """Whether an earlier COPY of this stage put the context file ``path`` in the image."""
    for ins in stage.instructions[1 : stage.instructions.index(copy)]:
        if ins.keyword in ("COPY", "ADD") and ins.flag("from") is None and not ins.heredocs and \
                any(posixpath.normpath(src.lstrip("/")) == path for src in ins.values[:-1]):
            return True
    return False


def _exists(context, path: str) -> bool:
    return context.is_dir(path.rstrip("/")) if path.endswith("/") else context.is_file(path)


def _between(stage: Stage, first: Instruction, last: Instruction) -> list[Instruction]:
    body = stage.instructions
    return body[body.index(first) + 1 : body.index(last)]


def _stay_after_source(between: list[Instruction]) -> bool:
    """Whether every instruction between the source COPY and the install only reads (`RUN cat VERSION`)
    or sets nothing a step before it would see, so a step inserted at the COPY is not affected by them."""
    return bool(between) and all(ins.keyword in _STATE_NEUTRAL or _read_only_run(ins) for ins in between)


def _read_only_run(ins: Instruction) -> bool:
    run = run_script(ins) if ins.keyword == "RUN" and not ins.flags else None
    return run is not None and bool(run.commands) and all(
        not c.enclosing and c.assignments == () and read_only(c.program, run.script.source(c)) for c in run.commands)


def _unsafe_between(analysis: Analysis, ins: Instruction, copy: Instruction, entry: Entry, stack: Stack) -> str | None:
    if ins.keyword in _METADATA:
        return None
    if ins.keyword == "RUN":
        run = run_script(ins)
        if run is None:
            return "is a RUN dfix cannot read"
        for c in run.commands:
            if recognise(c).reads_project_files and c.program != "rm" and not _installs_a_tool(c):
                return f"runs {c.program}, which may read the copied source"
            if c.program == "rm" and any(not w.value.startswith(("/var/lib/apt", "/var/cache", "-")) for w in c.words[1:]):
                return "removes files"
        return None
    dest = copy.values[-1] if copy.values else ""
    if ins.keyword == "WORKDIR":
        if posixpath.isabs(dest) and "$" not in dest:
            return None  # an absolute destination does not depend on the working directory
        return "changes the directory the COPY's destination is relative to"
    if ins.keyword == "COPY" and ins.flag("from") is not None and not ins.heredocs and len(ins.values) >= 2:
        target = ins.values[-1]
        if posixpath.isabs(target) and posixpath.isabs(dest) and "$" not in target + dest and \
                not _paths_overlap(target, dest):
            return None  # copies out of another image or stage, beside the project, not into it
        return _copy_from_between(analysis, ins, entry, stack)
    return "may read or replace the copied files"


def _copy_from_between(analysis: Analysis, ins: Instruction, entry: Entry, stack: Stack) -> str | None:
    """Why a `COPY --from` between the source COPY and the install blocks the reorder, or None.

    It writes only at its destination: unless that holds (or lies above) an install input,
    the install reads the same manifests. After the reorder the source COPY comes after it,
    so the context must hold nothing there that the source COPY would then write over it.
    """
    workdir = analysis.state(ins).workdir
    target = expand(ins.values[-1], analysis.state(ins).env, ins.command.escape)
    if target is None or (not posixpath.isabs(target) and workdir is None):
        return "copies from another stage to a destination dfix cannot resolve"
    target = posixpath.normpath(posixpath.join(workdir or "/", target))
    for i in stack.install_inputs:
        if _exists(analysis.context, i) and _paths_overlap(target, _image_path(i.rstrip("/"), entry)):
            return f"copies from another stage to {target}, where the install reads {i}"
    if _paths_overlap(target, entry.image_path) and not target.startswith(entry.image_path.rstrip("/") + "/"):
        return f"copies from another stage to {target}, which holds the whole source COPY's destination"
    if target.startswith(entry.image_path.rstrip("/") + "/"):
        rel = posixpath.relpath(target, entry.image_path)
        ctx_path = posixpath.normpath(posixpath.join(entry.context_path, rel))
        # A developer's context may hold what git ignores there (build output such as dist/):
        # only .dockerignore keeping the path out shows the moved source COPY cannot write it.
        if analysis.context.exists(ctx_path):
            return (f"copies from another stage to {target}, where the source COPY would then put the context's "
                    f"{ctx_path} over it")
        if analysis.context.is_included(ctx_path):
            return (f"copies from another stage to {target}, where the context may hold {ctx_path} (build "
                    "output git ignores; .dockerignore does not keep it out), which the source COPY, moved after "
                    "it, would then put over it")
    return None


def _paths_overlap(a: str, b: str) -> bool:
    a, b = posixpath.normpath(a), posixpath.normpath(b)
    return a == b or a.startswith(b.rstrip("/") + "/") or b.startswith(a.rstrip("/") + "/")


def _installs_a_tool(c: Command) -> bool:
    """`npm install -g pnpm`, `pip install poetry`: a named package from the registry, not the project.

    It reads the tool's configuration, which lives beside the manifests (copied before it
    either way), and nothing of the source.
    """
    call = recognise(c)
    if call.kind is not Kind.TOOL or call.ecosystem not in ("node", "python"):
        return False
    operands = [w.value for w in call.args if not w.value.startswith("-") and w.value != call.verb]
    return bool(operands) and not any(o.startswith((".", "/", "~", "file:", "$")) or o.endswith((".tgz", ".whl"))
                                      for o in operands)


def _command_of(run: RunScript, ic: InstallCommand) -> Command | None:
    for c in run.commands:
        if run.script.source(c) == ic.command:
            return c
    return None


def _named_file(ic: InstallCommand, cwd: str) -> str | None:
    """Where in the image the first file the install names (`pip install -r X`) is."""
    if not ic.files or "$" in ic.files[0]:
        return None
    return posixpath.normpath(posixpath.join(cwd, ic.files[0]))


def _scripts_ignored(run: RunScript, ic: InstallCommand) -> bool:
    cmd = _command_of(run, ic)
    return cmd is not None and any(w.value == "--ignore-scripts" for w in cmd.words)


def _install_outputs(stack: Stack, manager: Manager) -> list[str]:
    root = "" if stack.root in ("", ".") else stack.root + "/"
    return [f"{root}{out}" for out in manager.install_outputs]


def _under_copy(stack: Stack, entry: Entry, context) -> bool:
    base = entry.context_path
    for i in stack.install_inputs:
        if not _exists(context, i):
            continue
        if base not in (".", "") and not (i == base or i.startswith(base.rstrip("/") + "/")):
            return False
    return True


def _lockfile_it_may_rewrite(run: RunScript, ic: InstallCommand, stack: Stack, context,
                             manager: Manager) -> str | None:
    """The lockfile in the context that this install may write back.

    In the original order the rewritten file ends up in the image; moved before the source
    COPY, the COPY would restore the old one, so the image would differ (seen: npm 10
    rewriting an npm 11 package-lock.json).
    """
    cmd = _command_of(run, ic)
    if cmd is None:
        return None
    call = recognise(cmd)
    write = manager.lock_write(call.verb)
    if write is None or set(call.arg_values) & write.stoppers:
        return None
    root = "" if stack.root in ("", ".") else stack.root + "/"
    return next((f"{root}{name}" for name in write.lockfiles if context.is_file(f"{root}{name}")), None)


def _tool_missing(analysis: Analysis, stage: Stage, install: Instruction, run: RunScript, ic: InstallCommand,
                  manager: Manager) -> str | None:
    """Why the dependencies-only step, inserted before the install's RUN, could not run its program."""
    if manager.deps_only.flag is not None:
        return None  # the step repeats the install RUN's own text, tool installation included
    if manager.deps_only.command:
        program = manager.deps_only.command.split()[0]  # `go mod download` runs go, whatever the build ran
    else:
        cmd = _command_of(run, ic)
        launcher = cmd.program_words()[1] if cmd is not None else []
        program = launcher[0].value if launcher else None
    if program is None:
        return "the build command cannot be found in its RUN"
    found = program_available(analysis, stage, install, program)
    if found.available:
        return None
    return (f"`{program}` is not provably installed before line {install.line} ({found.why}), so a "
            f"dependencies-only step there could not run")


def _image_path(context_path: str, entry: Entry) -> str:
    """Where the broad COPY puts a context file."""
    rel = posixpath.relpath(context_path, entry.context_path) if entry.context_path not in ("", ".") else context_path
    return posixpath.normpath(posixpath.join(entry.image_path, rel))


def _later_lockfile_reader(df: Dockerfile, stage: Stage, install: Instruction, run: RunScript, ic: InstallCommand,
                           manager: Manager) -> Instruction | None:
    """A later step of the same package manager (`npm prune`, a second install) that reads the lockfile:
    after the move it would read the committed file instead of the one the install wrote."""
    target = _command_of(run, ic)
    after = False
    for s in [stage] + df.descendants(stage):
        for ins in s.instructions[1:]:
            if s is stage and not after:
                after = ins is install
                if not after:
                    continue
            script = run_script(ins)
            for cmd in script.commands if script else ():
                if ins is install and (target is None or cmd.start <= target.start):
                    continue
                call = recognise(cmd)
                if manager in call.managers and call.kind not in (Kind.BUILD, Kind.INERT, Kind.CONFIG):
                    return ins
    return None


def _exact_installs_applied(ctx: RuleContext) -> tuple[bool, bool]:
    """Whether DF103 runs here, and whether its unsafe fixes are applied (safe ones always are)."""
    return "DF103" in ctx.enabled, bool(ctx.settings.unsafe_fixes)


def _becomes_exact(run: RunScript, ic: InstallCommand, manager: Manager, stack: Stack, context, lockfile: str,
                   exact_applied: tuple[bool, bool]) -> bool:
    """Whether the lockfile-exact form of this install will be applied (the record's own check passes),
    so the reorder should wait for it instead of declaring a lockfile that will not be rewritten."""
    enabled, unsafe_on = exact_applied
    exact = manager.exact
    cmd = _command_of(run, ic)
    if not enabled or exact is None or cmd is None or not (exact.safe or unsafe_on):
        return False
    call = recognise(cmd)
    values = call.arg_values
    if call.verb not in exact.verbs or exact.blocked(values) or exact.exact_already(values):
        return False
    root = "" if stack.root in ("", ".") else stack.root + "/"
    manifest, lock = context.read_text(f"{root}{manager.manifests[0]}"), context.read_text(lockfile)
    return manifest is not None and lock is not None and exact.sync_check(manifest, lock) is None


def _runtime_lockfile_reader(df: Dockerfile, manager: Manager) -> Instruction | None:
    """The final stage's CMD or ENTRYPOINT when it runs the manager with a verb that reads the lockfile."""
    for ins in df.stages[-1].instructions:
        if ins.keyword not in ("CMD", "ENTRYPOINT"):
            continue
        words = [posixpath.basename(w) for w in " ".join(ins.values).split()]
        for program, verb in zip(words, words[1:]):
            if program in manager.programs and verb in manager.lockfile_read_by:
                return ins
    return None


def _virtual_project(context, stack: Stack, manager: Manager) -> bool:
    """A project that is never installed itself (uv, Poetry), so its sync needs only the manifests."""
    if manager.virtual_project is None:
        return False
    root = "" if stack.root in ("", ".") else stack.root + "/"
    try:
        data = tomllib.loads(context.read_text(f"{root}pyproject.toml") or "")
    except tomllib.TOMLDecodeError:
        return False
    return manager.virtual_project(data)


def _opaque_builds(analysis: Analysis, stage: Stage, stack: Stack) -> list[InstallCommand]:
    """Builds dfix cannot see into (`make build`, `./build.sh`, `go get`) in a stage of a tool whose builds
    download (Go): a dependencies-only step before the source makes them find the modules cached.

    Only in a build stage whose module cache cannot reach the final image: `go mod download`
    fetches every module the main module needs, which may be more than the build used.
    """
    manager = by_name(stack.package_manager)
    if manager is None or not manager.builds_download or not manager.deps_only or not manager.deps_only.command:
        return []
    df = analysis.dockerfile
    final = df.stages[-1]
    if stage in df.lineage(final) or _copied_from(df, stage):
        return []
    found = []
    for ins in stage.instructions[1:]:
        run = run_script(ins)
        for cmd in run.commands if run else ():
            call = recognise(cmd)
            opaque = call.kind is Kind.UNKNOWN or (manager in call.managers and call.kind is Kind.ADD)
            if opaque and call.program not in (None,) and not cmd.enclosing:
                found.append(InstallCommand(ins.line, run.script.source(cmd), manager.name, Kind.BUILD,
                                            analysis.state(ins).workdir))
                return found  # the first one: the dependencies-only step goes before the source copy
    return found


def _reaches_image(df: Dockerfile, stage: Stage, project_dir: str) -> bool:
    """Whether the final image may hold this stage's files beyond its project directory: it is (or is
    built on) the final stage, or a later stage copies something from it outside ``project_dir``."""
    if stage in df.lineage(df.stages[-1]):
        return True
    keys = {str(stage.index)} | ({stage.name.lower()} if stage.name else set())
    inside = posixpath.normpath(project_dir).rstrip("/") + "/"
    for later in df.stages[stage.index + 1:]:
        for ins in later.instructions:
            source = ins.flag("from")
            if ins.keyword in ("COPY", "ADD") and source is not None and (source.value or "").lower() in keys:
                if any("$" in src or not posixpath.normpath(src).startswith(inside) for src in ins.values[:-1]):
                    return True
    return False


def _copied_from(df: Dockerfile, stage: Stage) -> bool:
    """Whether a later stage copies anything out of ``stage`` other than under /usr/local/bin-like paths."""
    keys = {str(stage.index)} | ({stage.name.lower()} if stage.name else set())
    for later in df.stages[stage.index + 1:]:
        for ins in later.instructions:
            source = ins.flag("from")
            if ins.keyword == "COPY" and source is not None and (source.value or "").lower() in keys:
                if any(src.rstrip("/") in ("", "/", "/go", "/go/pkg", "/go/pkg/mod", "/root") or
                       src.startswith(("/go/pkg", "/root/go")) for src in ins.values[:-1]):
                    return True
    return False


def _downloading_build(stack: Stack, ic: InstallCommand) -> bool:
    """A build that downloads as it goes (go, maven) with no dependency fetch before it."""
    manager = by_name(stack.package_manager)
    return manager is not None and manager.builds_download and ic.kind == Kind.BUILD and not any(
        Kind(c.kind).installs_dependencies for c in stack.install_commands
        if c.line is not None and ic.line is not None and c.line < ic.line)


def _offline_build(site: "_Site", ic: InstallCommand) -> str | None:
    """The flag or variable that keeps the build off the network (`GOPROXY=off`, `-mod=vendor`), or None.

    A real review found `go mod download` added before `GOPROXY=off go build -mod=vendor`: it put
    the network back into a build meant to run offline, for modules vendor mode never reads.
    """
    command = _command_of(site.run, ic)
    if command is None:
        return None
    call = recognise(command)
    values = [w.value for w in call.args]
    env = {**{k: v for k, v in site.state.env.items() if v is not None}, **call.env}
    vendored = next((v for v in values if v in site.manager.no_download_flags), None)
    if vendored is None and set((env.get("GOFLAGS") or "").split()) & site.manager.no_download_flags:
        vendored = f"GOFLAGS={env['GOFLAGS']}"
    return vendored or site.manager.reads_offline(values, env)


def _downloads_at(stack: Stack, context, state: State, cwd: str, entry: Entry, manager: Manager) -> bool:
    """Whether a build here downloads modules: the project needs some, and the build runs at its root."""
    root = "" if stack.root in ("", ".") else stack.root + "/"
    if set((state.env.get("GOFLAGS") or "").split()) & manager.no_download_flags:
        return False
    if context.is_file(f"{root}vendor/modules.txt") or not manager.downloads_needed(context, stack.root):
        return False
    module_dir = posixpath.normpath(posixpath.join(entry.image_path, posixpath.relpath(stack.root or ".", entry.context_path)))
    return module_dir == posixpath.normpath(cwd)


def _cd_elsewhere(run: RunScript, ic: InstallCommand, state: State) -> str | None:
    """Where an earlier `cd` of the RUN moved the install's command, when that is not the WORKDIR."""
    cmd = _command_of(run, ic)
    if cmd is None or cmd.cwd is None:
        return None
    target = posixpath.normpath(posixpath.join(state.workdir or "/", cmd.cwd)) if "$" not in cmd.cwd else None
    if target is not None and state.workdir is not None and target == posixpath.normpath(state.workdir):
        return None
    return cmd.cwd


def _deps_only_marker(manager: Manager) -> str | None:
    """What a dependencies-only install of this project contains (a flag, a goal or a command)."""
    if manager.deps_only is None:
        return None
    return manager.deps_only.command or manager.deps_only.goal or manager.deps_only.flag


def _named_files(words: list[str], cwd: str, entry: Entry, context, extra: list[str], manager: Manager) -> str | None:
    """Add the context files the call's file options (`-s`, `-f`) name to ``extra``; return a missing one."""
    for flag, value in zip(words, words[1:]):
        if flag not in manager.file_flags or posixpath.isabs(value) and not value.startswith(entry.image_path):
            continue
        image_path = posixpath.normpath(posixpath.join(cwd, value))
        rel = posixpath.relpath(image_path, entry.image_path)
        if rel.startswith(".."):
            continue
        ctx_path = posixpath.normpath(posixpath.join(entry.context_path, rel))
        if not context.is_file(ctx_path):
            return value
        extra.append(ctx_path)
    return None


def _goal_options(run: RunScript, ic: InstallCommand, manager: Manager,
                  env: Mapping[str, str | None]) -> tuple[list[str] | None, str | None]:
    """The build-tool call's options as written (goals left out), or None and why dfix cannot tell them apart.

    Every word is carried over except the goals: a `$VAR` is expanded with the build's
    ARG/ENV values to see whether it holds options only, and is then kept as written.
    """
    cmd = _command_of(run, ic)
    if cmd is None:
        return None, "the build command cannot be found in its RUN"
    _, words = cmd.program_words()
    keep: list[str] = [run.script.source(words[0])]
    skip = False
    for w in words[1:]:
        raw = run.script.source(w)
        value = w.value
        if "$" in value or "`" in value:
            expanded = expand(value, env)
            option = opaque_option(value)
            if expanded is None and option is not None and not skip:
                if option in manager.file_flags:
                    return None, f"`{raw}` names a file dfix cannot expand at this line"
                keep.append(raw)  # `-Dflag=${X}`: one option, whatever X holds
                skip = False
                continue
            if expanded is None:
                return None, (f"`{raw}` cannot be expanded at this line: it may set options that move the "
                              f"{manager.name} repository, or name goals, and dfix never drops an argument it "
                              "does not understand")
            parts = expanded.split()
            problem = _expansion_problem(parts, skip, manager)
            if problem:
                return None, f"`{raw}` expands to `{expanded}`, {problem}"
            if parts and not skip:
                # the word stands for options only; what follows it depends on its last part
                keep.append(raw)
                skip = parts[-1] in manager.value_flags
                continue
            value = parts[-1] if parts else ""
        if skip:
            keep.append(raw)
            skip = False
        elif value.startswith("-"):
            keep.append(raw)
            skip = value in manager.value_flags
    return keep, None


def _expansion_problem(parts: list[str], skip: bool, manager: Manager) -> str | None:
    """Why options hidden in a variable cannot travel with a dependencies-only call, or None."""
    for part in parts:
        if skip:
            skip = False
        elif part.startswith("-"):
            if part.split("=", 1)[0] in manager.file_flags:
                return f"which names a file ({part}) the dependencies-only step would need before the source"
            skip = part in manager.value_flags
        else:
            return "which names goals dfix cannot separate from options"
    return None


def _with_goal(run: RunScript, ic: InstallCommand, manager: Manager, env: Mapping[str, str | None]) -> str | None:
    """The same build-tool call (program, options, settings) with the goals replaced by the fetch goal."""
    keep, _ = _goal_options(run, ic, manager, env)
    if keep is None:
        return None
    return f"{run.instruction.keyword_as_written} " + " ".join([*keep, manager.deps_only.goal])


def _preinstalled(stage: Stage, copy: Instruction, marker: str) -> bool:
    wanted = marker.split()
    for ins in stage.instructions[1 : stage.instructions.index(copy)]:
        run = run_script(ins)
        if run is None:
            continue
        for c in run.commands:
            values = [w.value for w in c.program_words()[1]]
            if (len(wanted) > 1 and values[: len(wanted)] == wanted) or (len(wanted) == 1 and marker in values):
                return True
    return False


def _edits(df: Dockerfile, plan: _Plan, run: RunScript, ic: InstallCommand, manager: Manager) -> list[TextEdit] | None:
    copy, install = plan.copy, plan.install
    newline = _line_ending(df, copy)
    manifest_copy = _manifest_copies(df, plan)
    copy_text = df.text[copy.start : copy.end]
    if not copy_text.endswith(("\n", "\r")):
        copy_text += newline
    edits = [TextEdit(copy.start, copy.end, manifest_copy)]
    if plan.mode == "pre":
        deps = _deps_only_run(df, run, ic, manager, plan.env)
        if deps is None:
            return None
        if plan.in_place:
            return [TextEdit(copy.start, copy.end, manifest_copy + deps + newline + copy_text)]
        edits.append(TextEdit(install.start, install.start, deps + newline + copy_text))
        return edits
    split = _split_point(run, ic)
    if split is None:
        return None
    if split == len(run.commands):
        tail = df.text[install.start : install.end]
        glue = "" if tail.endswith("\n") else newline
        edits.append(TextEdit(install.end, install.end, glue + copy_text))
        return edits
    last_install, first_rest = run.commands[split - 1], run.commands[split]
    cut = run.raw_point(last_install.end)
    rest_start = run.raw(first_rest.start, first_rest.end)[0]
    rest = df.text[rest_start : install.end]
    if not rest.endswith("\n"):
        rest += newline
    head = df.text[install.start : install.keyword_end]
    flags = "".join(" " + df.text[f.start : f.end] for f in install.flags)
    edits.append(TextEdit(cut, install.end, newline + copy_text + head + flags + " " + rest))
    return edits


def _split_point(run: RunScript, ic: InstallCommand) -> int | None:
    """How many leading commands belong before the source copy (all of them: no split)."""
    cmds = list(run.commands)
    target = _command_of(run, ic)
    if target is None:
        return None
    k = cmds.index(target)
    for c in cmds[:k]:
        if c.enclosing or not _prepares(c):
            return None
    rest = cmds[k + 1 :]
    # Cache cleanups right after the install stay with it.
    while rest and _is_cleanup(rest[0]):
        k += 1
        rest = rest[1:]
    if not rest:
        return len(cmds)
    first = rest[0]
    if first.operator not in ("&&", ";", "\n") or any(c.enclosing for c in rest):
        return None
    if any(c.cwd is not None for c in cmds):
        return None  # a `cd` would not carry over to the second RUN
    return k + 1


def _prepares(c: Command) -> bool:
    """A command that may precede the install in its RUN: it sets up tools, reads no project file."""
    call = recognise(c)
    return call.kind in (Kind.CONFIG, Kind.TOOL) and call.ecosystem in ("node", "python") \
        or not call.reads_project_files


def _is_cleanup(c: Command) -> bool:
    call = recognise(c)
    if call.kind is Kind.CLEANUP and call.ecosystem in ("node", "python"):
        return True
    words = call.arg_values
    return c.program == "rm" and all(w.startswith(("-", "/root/.", "/tmp/", "/usr/local/share/.cache")) for w in words)


def _deps_only_run(df: Dockerfile, run: RunScript, ic: InstallCommand, manager: Manager,
                   env: Mapping[str, str | None]) -> str | None:
    deps_only = manager.deps_only
    if deps_only is None:
        return None
    if deps_only.command:
        return f"{run.instruction.keyword_as_written} {deps_only.command}"
    if deps_only.goal:
        return _with_goal(run, ic, manager, env)
    cmd = _command_of(run, ic)
    if cmd is None:
        return None
    flag = deps_only.flag
    install = run.instruction
    cmds = list(run.commands)
    k = cmds.index(cmd)
    for c in cmds[:k]:
        if c.enclosing:
            return None
    start = install.start
    end = run.raw_point(cmd.end)
    text = df.text[start:end]
    if flag in {w.value for w in cmd.words}:
        return text
    return text + " " + flag


def _line_ending(df: Dockerfile, ins: Instruction) -> str:
    line = df.lines[ins.line - 1]
    return line.newline if line.newline in ("\n", "\r\n") else df.newline


def _manifest_copies(df: Dockerfile, plan: _Plan) -> str:
    """COPY lines for the install inputs, grouped by directory, with the original flags and casing."""
    copy = plan.copy
    newline = _line_ending(df, copy)
    keyword = copy.keyword_as_written
    flags = "".join(" " + df.text[f.start : f.end] for f in copy.flags)
    dest = copy.values[-1]
    base = plan.entry.context_path
    groups: dict[str, list[str]] = {}
    for path in plan.inputs:
        rel = posixpath.relpath(path.rstrip("/"), base) if base not in (".", "") else path.rstrip("/")
        if path.endswith("/"):
            groups.setdefault(rel, []).append(path.rstrip("/") + "/")
        else:
            groups.setdefault(posixpath.dirname(rel), []).append(path)
    lines = []
    for reldir, sources in groups.items():
        target = dest.rstrip("/") + "/" if reldir in ("", ".") else posixpath.join(dest, reldir) + "/"
        if dest in (".", "./") and reldir not in ("", "."):
            target = reldir + "/"
        elif dest in (".", "./"):
            target = "./"
        srcs = [s.rstrip("/") if s.endswith("/") else s for s in sources]
        if any(any(ch.isspace() or ch in "\"'" for ch in s) for s in srcs + [target]):
            lines.append(f"{keyword}{flags} {json.dumps(srcs + [target])}")
        else:
            lines.append(f"{keyword}{flags} {' '.join(srcs)} {target}")
    return newline.join(lines) + newline if lines else ""
