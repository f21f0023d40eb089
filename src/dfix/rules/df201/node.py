"""DF201 for Node: deps, build, production-deps and runtime stages, from evidence only."""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field
from typing import Any

from ...context import BuildContext
from ...images import repository
from ...analysis.runs import RunScript
from ...shell.parse import Command, parse_shell
from .knowledge import (DEV_SCRIPT_NAMES, NODE_BUILD_TOOLS, NODE_FULL_IMAGE_EXTRAS, NODE_INSTALLS,
                        NODE_OUTPUT_OVERRIDES, NODE_PRUNE_COMMANDS, NODE_RUNTIME_TOOLS, NODE_SLIM_SUFFIX)
from .plan import (Plan, check_healthcheck, configured_runtime, finish, image_variant, require_command,
                   require_literal_base, runtime_copy, saving_text, tag_of)
from .node_prod import manifest_copies, plan_prod
from .stage import CannotSplit, DevImage, NothingToSplit, StageFacts, check_not_dev, command_argv
from ...managers import by_name, cache_dirs_for
from ...analysis.stacks import Stack
from ...analysis.stacks.node import LIFECYCLE_SCRIPTS, read_json, recognise

# Programs that install the package manager itself (replayed in every install stage).
_SETUP = {("corepack", "enable"), ("corepack", "prepare"), ("corepack", "install")}
_CLEANUP_TARGETS = ("node_modules", "/root/.npm", "/root/.cache", "/tmp/", "/usr/local/share/.cache")


@dataclass
class NodeSteps:
    install_run: RunScript | None = None
    install_cmd: Command | None = None  # the install command in that RUN
    setup: list[str] = field(default_factory=list)  # RUN lines that put the package manager in place
    builds: list[tuple[Command, RunScript, str]] = field(default_factory=list)  # command, its RUN, script name
    tools: list[str] = field(default_factory=list)  # RUN lines installing a known runtime tool globally
    tool_bins: set[str] = field(default_factory=set)  # the programs those put on the PATH
    drops_node_modules: bool = False  # node_modules is removed after the build: the image ships none


def prod_runtime(base: str, settings: Any) -> str:
    """The runtime of a split with no build step: derived only for the official node images."""
    if configured_runtime(settings, "node") or repository(base) == "node":
        return runtime_image(base, settings)
    return base


def plan(facts: StageFacts, ctx: BuildContext, stack: Stack, settings: Any) -> Plan | None:
    install = NODE_INSTALLS.get(stack.package_manager)
    record = by_name(stack.package_manager)
    if install is None or record is None or record.production_install is None:
        raise CannotSplit(facts.stage.from_instruction.line,
                          f"{stack.package_manager}: no production-only install form is modelled for it")
    require_literal_base(facts, settings, "node")
    _check_project(facts, ctx, stack, install["lockfile"])
    steps = _steps(facts)
    pkg = read_json(ctx, "package.json") or {}
    if not steps.builds and facts.command is None:
        # Likely a base for other images or an interactive one: nothing says what the runtime needs.
        raise NothingToSplit(facts.stage.from_instruction.line, "no CMD or ENTRYPOINT and nothing built: the "
                                                                "image runs its base's default command")
    argv = command_argv(require_command(facts))
    check_healthcheck(facts)
    _check_runtime_command(facts, pkg, argv, steps.tool_bins)
    if not steps.builds:
        # The image ships its source as it is: only where node_modules comes from changes.
        return plan_prod(facts, ctx, stack, settings, steps, pkg, argv, prod_runtime(facts.base, settings))
    output, extras = _output_dir(facts, ctx, pkg, steps, argv)
    return _render(facts, ctx, stack, settings, install, steps, output, extras)


def _check_project(facts: StageFacts, ctx: BuildContext, stack: Stack, lockfile: str) -> None:
    line = facts.stage.from_instruction.line
    if stack.root != "." or stack.ambiguous:
        raise CannotSplit(line, stack.ambiguous or f"the project is in {stack.root}/, not at the context root")
    if stack.hazards:
        raise CannotSplit(line, f"the install reads more than the manifests: {stack.hazards[0].message}")
    scripts = _scripts(read_json(ctx, "package.json") or {})
    hooks = [name for name in LIFECYCLE_SCRIPTS if name in scripts and name != "prepublish"]
    if hooks:
        # The deps stages have the manifests only; a hook like `prisma generate` reads more.
        raise CannotSplit(line, f"the {hooks[0]} script ({scripts[hooks[0]]!r}) runs during the install and may "
                                "read the source")
    if not ctx.is_file(lockfile):
        raise CannotSplit(line, f"no {lockfile}: a lockfile-exact install is not possible")
    record = by_name(stack.package_manager)
    if record is not None and record.exact is not None:
        # The split installs lockfile-exact; a lockfile out of step with package.json would fail it.
        mismatch = record.exact.sync_check(ctx.read_text("package.json") or "", ctx.read_text(lockfile) or "")
        if mismatch:
            raise CannotSplit(line, f"a lockfile-exact install would fail: {mismatch}")
    if ctx.is_dir("node_modules"):
        raise CannotSplit(line, "node_modules/ is in the build context (add it to .dockerignore)")
    if not facts.copies_whole_context and not _manifest_at_workdir(facts, ctx):
        raise CannotSplit(line, "package.json is not copied into the WORKDIR: where the build output lands is "
                                "unclear")


def _manifest_at_workdir(facts: StageFacts, ctx: BuildContext) -> bool:
    """Some COPY puts the context's package.json into the WORKDIR (so paths there are project paths)."""
    for ins in facts.copies:
        *sources, dest = ins.values
        where = facts.states[id(ins)].workdir
        target = posixpath.normpath(posixpath.join(where or "/", dest))
        into_dir = dest.endswith("/") or dest in (".", "./") or len(sources) > 1
        if into_dir and target == facts.workdir and any("package.json" in ctx.matches_copy_source(s)
                                                        for s in sources):
            return True
    return False


def _steps(facts: StageFacts) -> NodeSteps:
    steps = NodeSteps()
    for run, cmd in facts.commands():
        line = run.instruction.line
        words = [w.value for w in cmd.program_words()[1]]
        invocation = recognise(cmd)
        if invocation is not None and invocation.kind == "install" and not invocation.project_dir:
            if steps.builds:
                raise CannotSplit(line, "an install after the build step")
            steps.install_run, steps.install_cmd = run, cmd
        elif invocation is not None and invocation.kind == "build" and not invocation.project_dir:
            steps.builds.append((cmd, run, _script_name(words)))
        elif _runtime_tools(words):
            # A global tool the CMD may run (`serve -s build`): installed again in the runtime stage.
            steps.tools.append(f"RUN {run.script.source(cmd)}")
            steps.tool_bins |= _runtime_tools(words)
        elif (cmd.program, words[1] if len(words) > 1 else None) in NODE_PRUNE_COMMANDS or _cleanup(cmd, words):
            if cmd.program == "rm" and any(w.rstrip("/").endswith("node_modules") for w in words[1:]):
                if not steps.builds and steps.install_run is not None:
                    raise CannotSplit(line, "node_modules is removed after the install with no build in between")
                steps.drops_node_modules = bool(steps.builds)
            continue
        elif (cmd.program, words[1] if len(words) > 1 else None) in _SETUP or _installs_pnpm(words):
            if steps.install_run is not None:
                raise CannotSplit(line, f"`{run.script.source(cmd)}` after the install")
            steps.setup.append(f"RUN {run.script.source(cmd)}")
        else:
            raise CannotSplit(line, f"`{run.script.source(cmd)}` is a command the split cannot place "
                                    "(it may write files the runtime needs)")
    if steps.install_run is None and steps.builds:
        raise CannotSplit(steps.builds[0][1].instruction.line, "a build with no dependency install before it")
    return steps


def _script_name(words: list[str]) -> str:
    args = [w for w in words[1:] if not w.startswith("-")]
    if args and args[0] in ("run", "run-script"):
        return args[1] if len(args) > 1 else ""
    return args[0] if args else ""


def _cleanup(cmd: Command, words: list[str]) -> bool:
    if cmd.program != "rm":
        return False
    targets = [w for w in words[1:] if not w.startswith("-")]
    return bool(targets) and all(any(t == c.rstrip("/") or t.startswith(c) or t.endswith("/node_modules")
                                     for c in _CLEANUP_TARGETS) for t in targets)


def _runtime_tools(words: list[str]) -> set[str]:
    """The programs a global `npm install -g` of known pure-JavaScript runtime tools provides (empty: not one)."""
    if words[:1] != ["npm"] or len(words) < 3 or words[1] not in ("install", "i", "add") or \
            not any(w in ("-g", "--global") for w in words):
        return set()
    names = [_package_name(w) for w in words[2:] if not w.startswith("-")]
    if not names or any(name not in NODE_RUNTIME_TOOLS for name in names):
        return set()
    return {program for name in names for program in NODE_RUNTIME_TOOLS[name]}


def _package_name(spec: str) -> str:
    """`serve@14` -> `serve`, `@scope/tool@1` -> `@scope/tool`."""
    return spec[0] + spec[1:].partition("@")[0] if spec else spec


def _installs_pnpm(words: list[str]) -> bool:
    return words[:1] == ["npm"] and any(w in ("-g", "--global") for w in words) and \
        all(w.split("@", 1)[0] in ("pnpm", "yarn") for w in words[2:] if not w.startswith("-"))


def _scripts(pkg: dict[str, Any]) -> dict[str, str]:
    scripts = pkg.get("scripts")
    return {k: v for k, v in scripts.items() if isinstance(v, str)} if isinstance(scripts, dict) else {}


def _check_runtime_command(facts: StageFacts, pkg: dict[str, Any], argv: list[str], tools: set[str]) -> None:
    line = facts.command_line
    check_not_dev(argv, line)
    program = posixpath.basename(argv[0]) if argv else ""
    if program == "docker-entrypoint.sh":
        argv = argv[1:]
        program = posixpath.basename(argv[0]) if argv else ""
    if program in ("npm", "yarn"):
        name = _script_name(argv)
        if name in DEV_SCRIPT_NAMES:
            raise DevImage(line, f"the image is a development or test environment: its CMD runs the `{name}` script")
        script = _scripts(pkg).get(name)
        if script is None:
            raise CannotSplit(line, f"the CMD runs the `{name}` script, which package.json does not define")
        deps = pkg.get("dependencies") if isinstance(pkg.get("dependencies"), dict) else {}
        for cmd in parse_shell(script).commands:
            words = [w.value for w in cmd.program_words()[1]]
            check_not_dev(words, line, f"`{name}` script")
            if cmd.program not in ("node", *deps, *tools):
                raise CannotSplit(line, f"the `{name}` script runs {cmd.program}, which is not node or a "
                                        "production dependency")
    elif program != "node" and program not in tools:
        raise CannotSplit(line, f"the CMD runs {program or 'nothing'}: only node, npm and yarn are known to be in "
                                "the runtime image")


def _cmd_file(facts: StageFacts, pkg: dict[str, Any], argv: list[str]) -> str | None:
    """The project file the container's node runs, relative to the WORKDIR."""
    if argv and posixpath.basename(argv[0]) == "docker-entrypoint.sh":
        argv = argv[1:]
    if argv and posixpath.basename(argv[0]) in ("npm", "yarn"):
        script = _scripts(pkg).get(_script_name(argv), "")
        commands = parse_shell(script).commands
        argv = [w.value for w in commands[0].program_words()[1]] if len(commands) == 1 else []
    if not argv or posixpath.basename(argv[0]) != "node":
        return None
    files = [a for a in argv[1:] if not a.startswith("-")]
    if not files:
        return None
    target = files[0]
    if target in (".", "./") and isinstance(pkg.get("main"), str):
        target = pkg["main"]
    if posixpath.isabs(target):
        if not target.startswith(facts.workdir.rstrip("/") + "/"):
            return None
        target = posixpath.relpath(target, facts.workdir)
    return posixpath.normpath(target)


def _output_dir(facts: StageFacts, ctx: BuildContext, pkg: dict[str, Any], steps: NodeSteps,
                argv: list[str]) -> tuple[str, list[str]]:
    line = steps.builds[0][1].instruction.line
    found: set[str] = set()
    extras: list[str] = []
    unknown: list[str] = []
    for cmd, _, name in steps.builds:
        script = _scripts(pkg).get(name)
        if script is None:
            raise CannotSplit(line, f"the build runs the `{name}` script, which package.json does not define")
        for tool_cmd in parse_shell(script).commands:
            tool = tool_cmd.program or ""
            if tool in steps.tool_bins:
                raise CannotSplit(line, f"the build runs {tool}, installed globally, which the build stage lacks")
            if tool not in NODE_BUILD_TOOLS:
                continue
            directory = _tool_output(ctx, tool, [w.value for w in tool_cmd.program_words()[1]])
            if directory is None:
                unknown.append(tool)
            else:
                found.add(directory)
                extras += [e for e in NODE_BUILD_TOOLS[tool][1] if ctx.exists(e) and e not in extras]
    cmd_file = _cmd_file(facts, pkg, argv)
    if len(found) > 1:
        raise CannotSplit(line, f"the build writes to several directories: {', '.join(sorted(found))}")
    if found:
        out = found.pop()
        if cmd_file and not (cmd_file + "/").startswith(out + "/"):
            raise CannotSplit(facts.command_line, f"the CMD runs {cmd_file}, which is not in the build output {out}/")
        return out, extras
    if cmd_file and "/" in cmd_file and not ctx.exists(cmd_file.split("/", 1)[0]) and not unknown:
        return cmd_file.split("/", 1)[0], extras  # a directory the build creates, named by the CMD
    why = f"the output directory of {', '.join(unknown)} is not known (its config is missing, unreadable, " \
          "extends another or may move it)" if unknown else \
        "no build tool dfix knows and no CMD path into a built directory"
    raise CannotSplit(line, f"where the build writes is not known: {why}")


def _tool_output(ctx: BuildContext, tool: str, words: list[str]) -> str | None:
    for flag in ("--outDir", "--out-dir", "--outdir"):
        for i, word in enumerate(words):
            if word == flag and i + 1 < len(words):
                return posixpath.normpath(words[i + 1])
            if word.startswith(flag + "="):
                return posixpath.normpath(word.split("=", 1)[1])
    if tool == "tsc":
        return _tsc_out_dir(ctx, words)
    convention = NODE_BUILD_TOOLS[tool][0]
    files, setting = NODE_OUTPUT_OVERRIDES.get(tool, ((), ""))
    for name in files:
        text = ctx.read_text(name)
        if ctx.is_file(name) and (text is None or setting in text):
            return None  # the config may move the output
    return convention


def _tsc_out_dir(ctx: BuildContext, words: list[str]) -> str | None:
    project = "tsconfig.json"
    for i, word in enumerate(words):
        if word in ("-p", "--project") and i + 1 < len(words):
            project = words[i + 1]
            if ctx.is_dir(project):
                project = posixpath.join(project, "tsconfig.json")
        elif word in ("-b", "--build"):
            return None
    config = _jsonc(ctx.read_text(project))
    if config is None or "extends" in config:
        return None
    options = config.get("compilerOptions") if isinstance(config.get("compilerOptions"), dict) else {}
    out = options.get("outDir")
    if not isinstance(out, str) or options.get("noEmit"):
        return None
    out = posixpath.normpath(posixpath.join(posixpath.dirname(project), out))
    return None if out.startswith("..") or out == "." else out


def _jsonc(text: str | None) -> dict[str, Any] | None:
    """tsconfig.json is JSON with comments and trailing commas; strip both outside strings."""
    if text is None:
        return None
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            i = text.find("\n", i) if text.find("\n", i) >= 0 else n
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch in "}]":
            while out and out[-1].strip() == "":
                out.pop()
            if out and out[-1] == ",":
                out.pop()
            out.append(ch)
            i += 1
        else:
            out.append(ch)
            i += 1
    try:
        data = json.loads("".join(out))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def runtime_image(base: str, settings: Any) -> str:
    configured = configured_runtime(settings, "node")
    if configured:
        return configured
    tag = tag_of(base)
    if "@" in base or tag is None or tag == "latest":
        return base if "@" in base else base.split(":", 1)[0] + ":slim"
    if "slim" in tag or "alpine" in tag:
        return base
    return base + NODE_SLIM_SUFFIX


def _render(facts: StageFacts, ctx: BuildContext, stack: Stack, settings: Any, install: dict[str, str],
            steps: NodeSteps, output: str, extras: list[str]) -> Plan:
    install_ins = steps.install_run.instruction
    order = facts.stage.instructions
    at_install = order.index(install_ins)
    at_build = max(order.index(run.instruction) for _, run, _ in steps.builds)
    before_install = [i for i in facts.config if i.keyword in ("ENV", "ARG") and order.index(i) < at_install]
    # What the build step saw: the source COPYs (manifest-only ones are in deps already) and
    # the ENV/ARG declared between the install and the build.
    manifests = set(stack.install_inputs)
    replay = [i for i in facts.build_steps if order.index(i) < at_build and i not in before_install and
              (i.keyword in ("ENV", "ARG") or (i.keyword in ("COPY", "ADD") and
                                               not set(i.values[:-1]) <= manifests))]
    env = {k: v for k, v in facts.states[id(install_ins)].env.items() if v is not None}
    cache = cache_dirs_for(stack.package_manager, env, "root", None)
    if not cache or cache[0].path is None:
        raise CannotSplit(install_ins.line, "the package manager's cache directory is not known")
    build_run = " && ".join(run.script.source(cmd) for cmd, run, _ in steps.builds)
    workdir = facts.workdir
    # When the original removed node_modules after the build, its image had none: neither has the split's.
    copies = [] if steps.drops_node_modules else [runtime_copy("prod-deps", f"{workdir}/node_modules",
                                                               "./node_modules", facts.chown)]
    copies += [runtime_copy(None, "package.json", "./", facts.chown),
               runtime_copy("build", f"{workdir}/{output}", f"./{output}", facts.chown)]
    copies += [runtime_copy(None, e, f"./{e}", facts.chown) for e in extras]
    image = runtime_image(facts.base, settings)
    toolchain = f"{facts.base}'s {NODE_FULL_IMAGE_EXTRAS}, " if image_variant(facts.base) == "full" and \
        image != facts.base else ""
    saving = saving_text(facts.base, image)
    keeps = ", ".join(["node"] + (["production dependencies"] if not steps.drops_node_modules else []) +
                      [f"the global install of {' '.join(sorted(steps.tool_bins))}"] * bool(steps.tools))
    message = (f"split into build and runtime stages: {toolchain}the devDependencies and the source leave the "
               f"image; the runtime image ({image}) keeps {keeps}, package.json and {output}/ only"
               + (f"; {saving}" if saving else ""))
    return finish("split_node.Dockerfile.j2", facts, message, from_args=facts.from_args, workdir=workdir,
                  pre_install=facts.verbatim(before_install), setup=steps.setup, manifests=manifest_copies(stack),
                  cache=cache[0].path, install_all=install["all"],
                  install_prod=by_name(stack.package_manager).production_install,
                  replay=facts.verbatim(replay), build_run=build_run, runtime_image=image, tools=steps.tools,
                  prod_deps=not steps.drops_node_modules,
                  config=facts.verbatim(facts.config), copies=copies, tail=facts.verbatim(facts.tail))
