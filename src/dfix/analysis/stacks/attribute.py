"""Which stacks each Dockerfile stage builds, from its base image, its RUNs and its COPYs.

A stage is given an ecosystem by its FROM image (``node:*``, ``golang:*`` …, or the
earlier stage it starts from) or by the package-manager calls in its RUNs (an
``npm ci`` means node whatever the base).  The context directory a call installs
from is found by following WORKDIR, ``cd`` and the COPY/bind-mount destinations
back to context paths (``COPY frontend/package.json ./`` makes the WORKDIR stand
for ``frontend``).
"""

from __future__ import annotations

import dataclasses
import posixpath
from dataclasses import dataclass, field
from types import ModuleType

from ...images import parse_reference
from ...context import BuildContext
from ...dockerfile import Dockerfile, Instruction, Stage
from ...dockerfile.expand import expand
from ..buildstate import State, global_arg_values
from ..runs import SHELLS, shell_texts
from ...shell.parse import Command, ShellScript, parse_shell

from ...managers import cache_dirs_for, recognise
from . import go, java, node, python
from .base import InstallCommand, Invocation, Stack, invocation, join

ECOSYSTEM_MODULES = {"node": node, "python": python, "go": go, "java": java}

# Words of an image's last path component (``eclipse-temurin``, ``openjdk11-openj9``), version digits
# dropped → ecosystem.  Matching words rather than whole names also catches vendor images
# (``azul/zulu-openjdk-alpine``, ``ghcr.io/openzipkin/java``).
IMAGE_WORDS = {
    "node": "node", "nodejs": "node", "bun": "node", "deno": "node",
    "python": "python", "pypy": "python", "uv": "python",
    "golang": "go",
    "maven": "java", "gradle": "java", "temurin": "java", "openjdk": "java", "jdk": "java", "jre": "java",
    "corretto": "java", "amazoncorretto": "java", "zulu": "java", "semeru": "java", "sapmachine": "java",
    "liberica": "java", "ibmjava": "java", "java": "java",
}


@dataclass
class Call:
    invocation: Invocation
    instruction: Instruction
    script: ShellScript
    container_dir: str | None  # where it runs in the image; None when a variable hides it
    env: dict[str, str | None]
    user: str | None


@dataclass
class StageState:
    """What detection tracks beyond the build state (USER, WORKDIR, ENV come from the build states)."""

    ecosystems: set[str] = field(default_factory=set)
    copies_context: bool = False  # this stage (not its parent) COPYs or ADDs from the build context
    shell: str = "sh"  # program of the SHELL instruction in force; RUNs under PowerShell are not parsed
    # (container dir, context dir), most recent last
    mappings: list[tuple[str, str]] = field(default_factory=list)
    # `npm config set cache DIR` and the like: later RUNs see these as if set in the environment
    config_env: dict[str, str] = field(default_factory=dict)
    build: State | None = None  # the build state before the instruction being looked at

    @property
    def env(self) -> dict[str, str | None]:
        env = dict(self.build.env) if self.build is not None else {}
        env.update(self.config_env)
        return env

    @property
    def user(self) -> str | None:
        return self.build.user if self.build is not None else None

    @property
    def workdir(self) -> str | None:
        return self.build.workdir if self.build is not None else None

    def copy(self) -> StageState:
        return StageState(set(self.ecosystems), False, self.shell, list(self.mappings), dict(self.config_env),
                          self.build)


@dataclass
class StageReport:
    index: int
    name: str | None
    base: str
    stacks: list[Stack] = field(default_factory=list)
    unparsed: list[str] = field(default_factory=list)  # RUN text bashlex could not read, with its line

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "base": self.base,
            "stacks": [s.to_dict() for s in self.stacks],
            "unparsed_run_text": self.unparsed,
        }


def image_ecosystem(image: str) -> str | None:
    for word in image_name(image).split("-"):
        ecosystem = IMAGE_WORDS.get(word.rstrip("0123456789."))
        if ecosystem:
            return ecosystem
    return None


def image_name(image: str) -> str:
    """``ghcr.io/astral-sh/uv:0.5-python3.12`` → ``uv``; ``node@sha256:…`` → ``node``."""
    return parse_reference(image).name.rsplit("/", 1)[-1].lower()


def attribute(df: Dockerfile, ctx: BuildContext, build_states: dict[int, State] | None = None,
              dockerfile_dir: str = ".") -> list[StageReport]:
    """The stacks each stage builds; ``build_states`` are the parse's (computed when not given)."""
    if build_states is None:
        from ..buildstate import stage_states

        build_states = stage_states(df)
    states: dict[str, StageState] = {}
    reports: list[StageReport] = []
    global_args = global_arg_values(df)
    for stage in df.stages:
        base = expand(stage.base, global_args) or stage.base
        parent = states.get(base.lower())
        state = parent.copy() if parent else StageState()
        state.build = build_states[id(stage.from_instruction)]
        if parent is None:
            ecosystem = image_ecosystem(base)
            if ecosystem:
                state.ecosystems.add(ecosystem)
        report = StageReport(stage.index, stage.name, stage.base)
        calls = _walk(stage, state, report, set(states), build_states)
        report.stacks = _stacks(ctx, state, calls, dockerfile_dir, image_only=parent is None or state.copies_context)
        reports.append(report)
        if stage.name:
            states[stage.name.lower()] = state
        states[str(stage.index)] = state
    return reports


def _walk(stage: Stage, state: StageState, report: StageReport, stages: set[str],
          build_states: dict[int, State]) -> list[Call]:
    calls: list[Call] = []
    for ins in stage.instructions[1:]:
        state.build = build_states[id(ins)]
        keyword = ins.keyword
        if keyword in ("COPY", "ADD") and ins.flag("from") is None and not ins.heredocs:
            _record_copy(ins, state)
            state.copies_context = True
        elif keyword in ("COPY", "ADD") and ins.flag("from") is not None:
            source = ins.flag("from").value or ""
            ecosystem = image_ecosystem(source) if source.lower() not in stages else None
            if ecosystem:  # a toolchain copied out of an image: `COPY --from=golang:1.22 /usr/local/go …`
                state.ecosystems.add(ecosystem)
        elif keyword == "SHELL" and ins.json_args:
            state.shell = posixpath.basename(ins.json_args[0].replace("\\", "/")).lower()
        elif keyword == "RUN" and (state.shell in SHELLS or ins.json_args is not None):
            calls += _run_calls(ins, state, report)
    state.build = build_states[id(stage)]
    return calls


def _record_copy(ins: Instruction, state: StageState) -> None:
    values = [expand(v, state.env) or v for v in ins.values]
    if len(values) < 2:
        return
    *sources, dest = values
    sources = [s for s in sources if "://" not in s and not s.startswith("git@")]
    if state.workdir is None and not dest.startswith("/"):
        return  # relative to a working directory dfix cannot know
    dest_abs = posixpath.normpath(posixpath.join(state.workdir or "/", dest))
    dest_is_dir = dest.endswith("/") or dest in (".", "./") or len(sources) > 1
    for source in sources:
        src = posixpath.normpath(source.lstrip("/")) if source.strip("/") else "."
        looks_like_file = "." in posixpath.basename(src) and src != "." and not source.endswith("/")
        if not looks_like_file:  # a directory: its contents land in dest
            state.mappings.append((dest_abs, src))
        elif dest_is_dir:
            state.mappings.append((dest_abs, posixpath.dirname(src) or "."))
        else:
            state.mappings.append((posixpath.dirname(dest_abs), posixpath.dirname(src) or "."))


def _run_calls(ins: Instruction, state: StageState, report: StageReport) -> list[Call]:
    for mount in ins.flag_values("mount"):
        _record_bind_mount(mount, state)
    calls: list[Call] = []
    for text in shell_texts(ins):
        script = parse_shell(text)
        for start, end in script.unparsed:
            report.unparsed.append(f"line {ins.line}: {text[start:end]}")
        for command in script.commands:
            if not recognise(command).managers:
                continue  # neither a package-manager setting nor a project's call (`echo`, `cp`)
            _record_config_setter(command, state)
            found = invocation(command)
            if found is None:
                continue
            env = dict(state.env)
            env.update(command.program_words()[0])
            calls.append(Call(found, ins, script, _container_dir(state, command, found), env, state.user))
    return calls


def _record_bind_mount(spec: str, state: StageState) -> None:
    options = dict(part.split("=", 1) for part in spec.split(",") if "=" in part)
    if options.get("type") != "bind" or "from" in options:
        return
    target = options.get("target") or options.get("dst") or options.get("destination")
    source = options.get("source") or options.get("src") or "."
    if not target or (state.workdir is None and not target.startswith("/")):
        return
    target_abs = posixpath.normpath(posixpath.join(state.workdir or "/", target))
    if "." in posixpath.basename(source):
        state.mappings.append((posixpath.dirname(target_abs), posixpath.dirname(source) or "."))
    else:
        state.mappings.append((target_abs, posixpath.normpath(source)))


def _record_config_setter(command: Command, state: StageState) -> None:
    """`<pm> config set <key> <dir>` writes ~/.npmrc / ~/.yarnrc; later RUNs see it like the env var."""
    call = recognise(command)
    if call.kind != "config":
        return
    values = call.arg_values
    if len(values) < 4 or values[:2] != ["config", "set"]:
        return
    for manager in call.managers:
        var = manager.config_setters.get(values[2])
        if var:
            state.config_env[var] = values[3]


def _container_dir(state: StageState, command: Command, invocation: Invocation) -> str | None:
    directory = state.workdir
    for step in (command.cwd, invocation.project_dir):
        if directory is None and step and step.startswith("/"):
            directory = "/"
        if not step:
            continue
        if step.startswith(("$", "~")) or directory is None:
            return None
        directory = posixpath.normpath(posixpath.join(directory, step))
    return directory


def context_dir_for(state: StageState, container_dir: str) -> str | None:
    """The context directory whose files the stage placed at ``container_dir``, if it did."""
    for container, context in reversed(state.mappings):
        if container_dir == container:
            return context
        if container_dir.startswith(container.rstrip("/") + "/"):
            return join(context, posixpath.relpath(container_dir, container))
    return None


def _stacks(
    ctx: BuildContext, state: StageState, calls: list[Call], dockerfile_dir: str, *, image_only: bool
) -> list[Stack]:
    """Stacks of the stage's calls; with ``image_only`` also those its base image implies."""
    by_ecosystem: dict[str, list[Call]] = {}
    for call in calls:
        by_ecosystem.setdefault(call.invocation.ecosystem, []).append(call)
    stacks: list[Stack] = []
    for ecosystem in sorted(set(by_ecosystem) | (state.ecosystems if image_only else set())):
        module = ECOSYSTEM_MODULES[ecosystem]
        by_root: dict[str, list[Call]] = {}
        for call in by_ecosystem.get(ecosystem, []):
            root = _project_root(ctx, state, module, call.container_dir, dockerfile_dir, [call.invocation])
            if root is not None:
                by_root.setdefault(root, []).append(call)
        if ecosystem not in by_ecosystem:
            root = _project_root(ctx, state, module, state.workdir, dockerfile_dir, [])  # None: not mapped
            if root is not None:
                by_root[root] = []
        for root, root_calls in by_root.items():
            stack = module.detect(ctx, root, [_root_relative(state, c.invocation, root) for c in root_calls])
            if stack is None:
                continue
            if not root_calls:
                stack.notes.append("no install command in this stage: attributed from its base image")
            _fill_commands(stack, root_calls, state)
            stacks.append(stack)
    return stacks


def _root_relative(state: StageState, invocation: Invocation, root: str) -> Invocation:
    """The invocation with files it names by absolute image path (`-r /srv/app/req.txt`) made
    relative to the project root, when a COPY put the project's files there."""
    files = []
    for name in invocation.files:
        mapped = context_dir_for(state, posixpath.normpath(name)) if name.startswith("/") else None
        relative = posixpath.relpath(mapped, root or ".") if mapped is not None else None
        files.append(relative if relative is not None and not relative.startswith("..") else name)
    return dataclasses.replace(invocation, files=tuple(files)) if tuple(files) != invocation.files else invocation


def _project_root(
    ctx: BuildContext,
    state: StageState,
    module: ModuleType,
    container_dir: str | None,
    dockerfile_dir: str,
    invocations: list[Invocation],
) -> str | None:
    """Context dir of the project a call installs: the copied dir, else the Dockerfile's, else the only one."""
    mapped = context_dir_for(state, container_dir) if container_dir else None
    for candidate in dict.fromkeys(c for c in (mapped, dockerfile_dir, ".") if c is not None):
        if not candidate.startswith("..") and module.detect(ctx, candidate, invocations) is not None:
            return candidate
    roots = module.project_roots(ctx)
    return roots[0] if len(roots) == 1 else None


def _fill_commands(stack: Stack, calls: list[Call], state: StageState) -> None:
    for call in calls:
        command = call.invocation.command
        record = InstallCommand(call.instruction.line, call.script.source(command),
                                call.invocation.package_manager or stack.package_manager, call.invocation.kind,
                                call.container_dir, call.invocation.files)
        stack.install_commands.append(record)
        stack.build_outputs += [o for o in call.invocation.outputs if o not in stack.build_outputs]
    installs = [c for c in calls if c.invocation.kind.installs_dependencies] or calls
    env = {k: v for k, v in (installs[0].env if installs else state.env).items() if v is not None}
    user = installs[0].user if installs else state.user
    for cache in cache_dirs_for(stack.package_manager, env, user, env.get("HOME")):
        if cache.path is None:
            stack.notes.append(f"cache directory unknown: {cache.unknown}")
        elif cache.path not in stack.cache_dirs:
            stack.cache_dirs.append(cache.path)
