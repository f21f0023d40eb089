"""DF101: copy the dependency manifests and install before copying the source."""

from __future__ import annotations

import json
import posixpath
import shlex
import sys
from dataclasses import dataclass
from typing import Iterable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from ..copies import Entry, image_files_before
from ..dockerfile import Dockerfile, Instruction, Stage, TextEdit
from ..dockerfile.state import State
from ..runs import RunScript, run_script
from ..shell import Command
from ..stacks.attribute import attribute
from ..stacks.base import InstallCommand, Stack
from .base import Finding, Fix, Rule, RuleContext, Safety

# Instructions that may stay between the manifest COPY and the install: they neither
# read the copied source nor change where a relative COPY destination points.
_METADATA = frozenset({"ENV", "ARG", "LABEL", "EXPOSE", "USER", "STOPSIGNAL", "HEALTHCHECK", "CMD",
                       "ENTRYPOINT", "ONBUILD", "MAINTAINER", "SHELL"})
# Programs a RUN between the copy and the install may run without reading the source.
_SYSTEM_PROGRAMS = frozenset({"apt-get", "apt", "apk", "yum", "dnf", "microdnf", "useradd", "groupadd",
                              "adduser", "addgroup", "corepack", "echo", "true", "ln", "update-ca-certificates"})
# COPY flags carried to the manifest COPY as they are; any other flag makes dfix step back.
_CARRIED_FLAGS = frozenset({"chown", "chmod", "link"})
# Commands that may precede the install in the same RUN (they read no project file).
_PREP = {("npm", "config"), ("yarn", "config"), ("pnpm", "config"), ("corepack", None), ("pip", "install"),
         ("pip3", "install"), ("npm", "install")}
# Lifecycle scripts whose work does not depend on the project source.
_SAFE_SCRIPTS = frozenset({"husky", "husky install", "is-ci || husky install", "npx only-allow pnpm",
                           "npx only-allow npm", "npx only-allow yarn"})
_LIFECYCLE = ("preinstall", "install", "postinstall", "prepare", "preprepare", "postprepare")
# How a project install becomes a dependencies-only install (run before the source arrives).
_DEPS_ONLY_FLAG = {"poetry": "--no-root", "uv": "--no-install-project", "pdm": "--no-self"}
# Builds that download as they go get a fetch-only command before the source arrives.
_DEPS_ONLY_COMMAND = {"go": "go mod download", "maven": "dependency:go-offline"}
_MAVEN_VALUE_FLAGS = frozenset({"-f", "--file", "-s", "--settings", "-gs", "--global-settings", "-P",
                                "--activate-profiles", "-T", "--threads", "-pl", "--projects", "-rf"})


@dataclass
class _Plan:
    copy: Instruction  # the broad COPY that brings the source in
    entry: Entry
    install: Instruction
    inputs: list[str]  # context paths (a trailing "/" marks a directory)
    mode: str  # "move": the install moves before the source; "pre": a deps-only install is added


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
        dockerfile_dir = _dockerfile_dir(ctx)
        key = ("attribute", df.text, dockerfile_dir)
        try:
            if key not in context.memo:
                context.memo[key] = attribute(df, context, dockerfile_dir)
            reports = context.memo[key]
        except Exception as exc:  # the detector must never take the fixer down with it
            yield self.skip(1, f"stack detection failed: {exc}")
            return
        states = df.states
        done: set[int] = set()
        for report in reports:
            stage = df.stages[report.index]
            for stack in report.stacks:
                for ic in stack.install_commands:
                    if ic.line is None or ic.kind not in ("install", "project") and not _downloading_build(stack, ic):
                        continue
                    install = _instruction_at(stage, ic.line)
                    if install is None or id(install) in done:
                        continue
                    done.add(id(install))
                    findings = list(self._one(df, stage, install, stack, ic, states, context))
                    yield from findings
                    if any(isinstance(f, Fix) for f in findings):
                        return  # one reorder per pass: positions shift, and the engine runs again

    def _one(self, df: Dockerfile, stage: Stage, install: Instruction, stack: Stack, ic: InstallCommand,
             states: dict[int, State], context) -> Iterable[Finding]:
        line = install.line
        run = run_script(install)
        if run is None:
            yield self.skip(line, "the install RUN is not plain shell dfix can read (heredoc, JSON form or unparsable)")
            return
        state = states[id(install)]
        cwd = ic.cwd or state.workdir
        if cwd is None:
            return
        files = image_files_before(df, stage, install, states, context)
        manifest = stack.manifests[0] if stack.manifests else None
        if manifest is None:
            return
        rel = posixpath.relpath(manifest, stack.root) if stack.root not in ("", ".") else manifest
        entry = _entry_for(files, _named_file(ic, cwd) or posixpath.join(cwd, rel))
        if entry is None or entry.kind != "dir" or entry.instruction is None:
            return  # the manifest arrives on its own already (or dfix cannot tell how)
        copy = entry.instruction
        if copy not in stage.instructions:
            return  # copied in a parent stage: reordering across stages is out of scope
        reason = self._blocked(df, stage, copy, install, run, stack, ic, context, entry)
        if reason:
            yield self.skip(line, reason)
            return
        if stack.package_manager == "gradle" and ic.kind == "build":
            return  # build.gradle is a program: what it reads cannot be shown statically
        extra: list[str] = []
        mode = "pre" if ic.kind in ("project", "build") and not _virtual_project(context, stack) else "move"
        if mode == "pre":
            marker = _deps_only_marker(run, ic, stack)
            if marker is None:
                yield self.skip(line, f"`{ic.command}` installs the project itself and has no dependencies-only form dfix knows")
                return
            if _preinstalled(stage, copy, marker):
                return  # a dependencies-only install already runs before the source arrives
            if stack.ecosystem == "go":
                why = _go_needs_no_download(stack, context, state, cwd, entry)
                if why is not None:
                    return
            if stack.package_manager == "maven":
                cmd = _command_of(run, ic)
                words = [w.value for w in cmd.program_words()[1]] if cmd else []
                if "-o" in words or "--offline" in words:
                    return  # an offline build downloads nothing
                missing = _maven_files(words, cwd, entry, context, extra)
                if missing:
                    yield self.skip(line, f"{missing} named on the mvn command line is not in the build context")
                    return
        if mode == "move":
            rewritten = _lockfile_it_may_rewrite(run, ic, stack, context)
            if rewritten:
                yield self.skip(line, f"`{ic.command}` may rewrite {rewritten}, and the source COPY after it would "
                                      f"put the old one back; a lockfile-exact install (DF103) makes it movable",
                                provisional=True)
                return
        inputs = [i for i in stack.install_inputs if _exists(context, i)] + [e for e in extra if e not in stack.install_inputs]
        edits = _edits(df, _Plan(copy, entry, install, inputs, mode), run, ic, stack)
        if edits is None:
            yield self.skip(line, "the install RUN cannot be split cleanly after its install commands")
            return
        n_files = len(context.files_under(entry.context_path))
        what = ", ".join(i.rstrip("/") + ("/" if i.endswith("/") else "") for i in inputs)
        yield self.fix(
            f"copy {what} before `{ic.command}` so it depends on {len(inputs)} input(s) instead of "
            f"{n_files} context files",
            line,
            edits,
        )

    def _blocked(self, df, stage, copy, install, run, stack, ic, context, entry) -> str | None:
        kw_flags = [f for f in copy.flags if f.name not in _CARRIED_FLAGS]
        if kw_flags:
            return f"the COPY on line {copy.line} has {kw_flags[0].text.split('=')[0]}, which dfix does not carry over"
        if copy.json_args is not None and len(copy.values) != 2:
            return f"the COPY on line {copy.line} copies several sources in JSON form"
        between = _between(stage, copy, install)
        for ins in between:
            why = _unsafe_between(ins)
            if why:
                return f"line {ins.line} ({ins.keyword}) {why}, between the COPY on line {copy.line} and the install"
        if any(c.enclosing for c in run.commands if c is _command_of(run, ic)):
            return "the install runs inside a shell compound (if/for/subshell)"
        for hazard in stack.hazards:
            if "is a local dependency (" in hazard and ": the install reads " in hazard:
                continue  # the local package directory is copied with the manifests
            if "the install builds the project itself" in hazard:
                continue  # handled by a dependencies-only install, or needless for a virtual project
            if hazard.startswith("replace => ") and "go mod download reads" in hazard:
                continue  # the replacement's go.mod is among the inputs; the build comes after the source
            if " script in " in hazard and _scripts_ignored(run, ic):
                continue
            return hazard
        lifecycle = _unsafe_lifecycle(context, stack)
        if lifecycle and not _scripts_ignored(run, ic):
            return lifecycle
        for out in _install_outputs(stack):
            if context.is_dir(out):
                return f"{out}/ is in the build context: the later COPY would overwrite what the install made (add it to .dockerignore)"
        for i in stack.install_inputs:
            if not _exists(context, i):
                if i.endswith("/"):
                    return f"the install reads {i}, which is not in the build context"
        if ic.kind == "project" and stack.package_manager in ("pip", "setuptools", "hatch"):
            return f"`{ic.command}` builds the project: its dependency list lives in the build backend"
        if not _under_copy(stack, entry, context):
            return f"some install inputs are not brought in by the COPY on line {copy.line}"
        return None


def _dockerfile_dir(ctx: RuleContext) -> str:
    if ctx.path is None or ctx.context_dir is None:
        return "."
    try:
        rel = ctx.path.resolve().parent.relative_to(ctx.context_dir.resolve()).as_posix()
    except ValueError:
        return "."
    return rel or "."


def _instruction_at(stage: Stage, line: int) -> Instruction | None:
    for ins in stage.instructions:
        if ins.line == line and ins.keyword == "RUN":
            return ins
    return None


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


def _exists(context, path: str) -> bool:
    return context.is_dir(path.rstrip("/")) if path.endswith("/") else context.is_file(path)


def _between(stage: Stage, first: Instruction, last: Instruction) -> list[Instruction]:
    body = stage.instructions
    return body[body.index(first) + 1 : body.index(last)]


def _unsafe_between(ins: Instruction) -> str | None:
    if ins.keyword in _METADATA:
        return None
    if ins.keyword == "RUN":
        run = run_script(ins)
        if run is None:
            return "is a RUN dfix cannot read"
        for c in run.commands:
            if c.program not in _SYSTEM_PROGRAMS and c.program != "rm":
                return f"runs {c.program}, which may read the copied source"
            if c.program == "rm" and any(not w.value.startswith(("/var/lib/apt", "/var/cache", "-")) for w in c.words[1:]):
                return "removes files"
        return None
    if ins.keyword == "WORKDIR":
        return "changes the directory the COPY's destination is relative to"
    return "may read or replace the copied files"


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


def _unsafe_lifecycle(context, stack: Stack) -> str | None:
    if stack.ecosystem != "node":
        return None
    # Workspace members run their lifecycle scripts during the install too.
    for manifest in dict.fromkeys(stack.manifests + stack.install_inputs):
        if posixpath.basename(manifest) != "package.json":
            continue
        try:
            data = json.loads(context.read_text(manifest) or "{}")
        except ValueError:
            return f"{manifest} is not valid JSON"
        scripts = data.get("scripts") if isinstance(data, dict) else None
        if not isinstance(scripts, dict):
            continue
        for name in _LIFECYCLE:
            script = scripts.get(name)
            if isinstance(script, str) and script.strip() not in _SAFE_SCRIPTS:
                return f"the {name} script in {manifest} ({script!r}) runs during the install and may read any file"
    return None


def _install_outputs(stack: Stack) -> list[str]:
    root = "" if stack.root in ("", ".") else stack.root + "/"
    return {"node": [f"{root}node_modules"], "python": [f"{root}.venv"]}.get(stack.ecosystem, [])


def _under_copy(stack: Stack, entry: Entry, context) -> bool:
    base = entry.context_path
    for i in stack.install_inputs:
        if not _exists(context, i):
            continue
        if base not in (".", "") and not (i == base or i.startswith(base.rstrip("/") + "/")):
            return False
    return True


# Lockfiles an install writes back unless told not to, and the flags that stop it. In the
# original order the rewritten file ends up in the image; moved before the source COPY, the
# COPY would restore the old one, so the image would differ (seen: npm 10 rewriting an npm 11
# package-lock.json).
_LOCK_WRITERS: dict[tuple[str, str | None], tuple[str, frozenset[str]]] = {
    ("npm", "install"): ("package-lock.json", frozenset({"--no-package-lock", "--package-lock=false"})),
    ("npm", "i"): ("package-lock.json", frozenset({"--no-package-lock", "--package-lock=false"})),
    ("yarn", None): ("yarn.lock", frozenset({"--frozen-lockfile", "--immutable", "--pure-lockfile"})),
    ("yarn", "install"): ("yarn.lock", frozenset({"--frozen-lockfile", "--immutable", "--pure-lockfile"})),
    ("pnpm", "install"): ("pnpm-lock.yaml", frozenset({"--frozen-lockfile", "--lockfile-only"})),
    ("pnpm", "i"): ("pnpm-lock.yaml", frozenset({"--frozen-lockfile"})),
    ("uv", "sync"): ("uv.lock", frozenset({"--frozen", "--locked"})),
    ("pdm", "install"): ("pdm.lock", frozenset({"--frozen-lockfile", "--check"})),
    ("pipenv", "install"): ("Pipfile.lock", frozenset({"--deploy", "--ignore-pipfile"})),
    ("bun", "install"): ("bun.lockb", frozenset({"--frozen-lockfile"})),
}


def _lockfile_it_may_rewrite(run: RunScript, ic: InstallCommand, stack: Stack, context) -> str | None:
    cmd = _command_of(run, ic)
    if cmd is None:
        return None
    words = [w.value for w in cmd.program_words()[1][1:]]
    verb = next((w for w in words if not w.startswith("-")), None)
    entry = _LOCK_WRITERS.get((cmd.program or "", verb))
    if entry is None:
        return None
    lockfile, stoppers = entry
    if any(w in stoppers for w in words):
        return None
    root = "" if stack.root in ("", ".") else stack.root + "/"
    candidates = [f"{root}{lockfile}"] + ([f"{root}npm-shrinkwrap.json"] if lockfile == "package-lock.json" else [])
    return next((c for c in candidates if context.is_file(c)), None)


def _virtual_project(context, stack: Stack) -> bool:
    """A uv or Poetry project that is never installed itself, so its sync needs only the manifests."""
    if stack.package_manager not in ("uv", "poetry"):
        return False
    root = "" if stack.root in ("", ".") else stack.root + "/"
    try:
        data = tomllib.loads(context.read_text(f"{root}pyproject.toml") or "")
    except tomllib.TOMLDecodeError:
        return False
    tool = data.get("tool", {})
    if stack.package_manager == "poetry":
        return tool.get("poetry", {}).get("package-mode") is False
    package = tool.get("uv", {}).get("package")
    return package is False or (package is None and "build-system" not in data)


def _downloading_build(stack: Stack, ic: InstallCommand) -> bool:
    """A Go or Maven build with no dependency fetch before it: it downloads while it builds."""
    return stack.package_manager in _DEPS_ONLY_COMMAND and ic.kind == "build" and not any(
        c.kind == "install" for c in stack.install_commands if c.line is not None and ic.line is not None
        and c.line < ic.line)


def _go_needs_no_download(stack: Stack, context, state: State, cwd: str, entry: Entry) -> str | None:
    root = "" if stack.root in ("", ".") else stack.root + "/"
    if context.is_file(f"{root}vendor/modules.txt"):
        return "vendored"
    if "-mod=vendor" in (state.env.get("GOFLAGS") or ""):
        return "GOFLAGS=-mod=vendor"
    go_mod = context.read_text(f"{root}go.mod") or ""
    if not any(line.strip().startswith("require") for line in go_mod.splitlines()):
        return "no required modules"
    module_dir = posixpath.normpath(posixpath.join(entry.image_path, posixpath.relpath(stack.root or ".", entry.context_path)))
    if module_dir != posixpath.normpath(cwd):
        return "the build runs outside the module root"
    return None


def _deps_only_marker(run: RunScript, ic: InstallCommand, stack: Stack) -> str | None:
    """What a dependencies-only install of this project contains (a flag, or a command)."""
    if stack.package_manager in _DEPS_ONLY_COMMAND:
        return _DEPS_ONLY_COMMAND[stack.package_manager]
    cmd = _command_of(run, ic)
    if cmd is None or cmd.program not in _DEPS_ONLY_FLAG:
        return None
    return _DEPS_ONLY_FLAG[cmd.program]


_MAVEN_FILE_FLAGS = frozenset({"-s", "--settings", "-gs", "--global-settings", "-f", "--file"})


def _maven_files(words: list[str], cwd: str, entry: Entry, context, extra: list[str]) -> str | None:
    """Add the context files `-s`/`-f` name to ``extra``; return one that is missing, if any."""
    for flag, value in zip(words, words[1:]):
        if flag not in _MAVEN_FILE_FLAGS or posixpath.isabs(value) and not value.startswith(entry.image_path):
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


def _maven_go_offline(run: RunScript, ic: InstallCommand) -> str | None:
    """The same Maven call (program, options, settings) with the goals replaced by go-offline."""
    cmd = _command_of(run, ic)
    if cmd is None:
        return None
    _, words = cmd.program_words()
    keep, skip = [], False
    for w in words[1:]:
        if skip:
            keep.append(w.value)
            skip = False
        elif w.value.startswith("-"):
            keep.append(w.value)
            skip = w.value in _MAVEN_VALUE_FLAGS
    if any(v in ("-o", "--offline") for v in keep):
        return None
    program = words[0].value
    argv = [program, *keep, "dependency:go-offline"]
    return f"{run.instruction.keyword_as_written} " + " ".join(shlex.quote(a) for a in argv)


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


def _edits(df: Dockerfile, plan: _Plan, run: RunScript, ic: InstallCommand, stack: Stack) -> list[TextEdit] | None:
    copy, install = plan.copy, plan.install
    newline = _line_ending(df, copy)
    manifest_copy = _manifest_copies(df, plan)
    copy_text = df.text[copy.start : copy.end]
    if not copy_text.endswith(("\n", "\r")):
        copy_text += newline
    edits = [TextEdit(copy.start, copy.end, manifest_copy)]
    if plan.mode == "pre":
        deps = _deps_only_run(df, run, ic, stack)
        if deps is None:
            return None
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
        _, words = c.program_words()
        verb = next((w.value for w in words[1:] if not w.value.startswith("-")), None)
        if c.enclosing or (c.program, verb) not in _PREP and (c.program, None) not in _PREP \
                and c.program not in _SYSTEM_PROGRAMS:
            return None
    rest = cmds[k + 1 :]
    # Cache cleanups right after the install stay with it.
    while rest and rest[0].program in ("npm", "yarn", "pnpm", "pip", "rm") and _is_cleanup(rest[0]):
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


def _is_cleanup(c: Command) -> bool:
    words = [w.value for w in c.program_words()[1][1:]]
    return (c.program in ("npm", "yarn", "pnpm", "pip") and words[:1] == ["cache"]) or (
        c.program == "rm" and all(w.startswith(("-", "/root/.", "/tmp/", "/usr/local/share/.cache")) for w in words)
    )


def _deps_only_run(df: Dockerfile, run: RunScript, ic: InstallCommand, stack: Stack) -> str | None:
    if stack.package_manager == "go":
        return f"{run.instruction.keyword_as_written} go mod download"
    if stack.package_manager == "maven":
        return _maven_go_offline(run, ic)
    cmd = _command_of(run, ic)
    if cmd is None:
        return None
    flag = _DEPS_ONLY_FLAG.get(cmd.program or "")
    if flag is None:
        return None
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
    return newline.join(lines) + newline
