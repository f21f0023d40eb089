"""DF201 for Node apps with no build step: production dependencies on the runtime image.

The image ships its source as it is, so the split keeps every source COPY as written
and replaces only where node_modules comes from: a stage on the original base runs the
catalogue's production-only lockfile-exact install, and the runtime stage (the same
major's `-slim`) takes its node_modules. What leaves the image is the full base's build
tools and, when the original installed them, the devDependencies; when neither leaves,
there is nothing to split.
"""

from __future__ import annotations

import json
import posixpath
from typing import Any

from ...analysis.stacks import Stack
from ...context import BuildContext
from ...managers import by_name, cache_dirs_for
from ...shell.parse import Command
from .knowledge import NODE_FULL_IMAGE_EXTRAS, NODE_NATIVE_PACKAGES
from .plan import Plan, finish, image_variant, saving_text
from .stage import CannotSplit, NothingToSplit, StageFacts

_SOURCE_SUFFIXES = (".js", ".cjs", ".mjs")
# Paths whose files never run in the container: tests and tool configuration.
_NOT_RUNTIME_DIRS = frozenset({"test", "tests", "__tests__", "spec", "e2e", "coverage", "docs", "scripts"})


def plan_prod(facts: StageFacts, ctx: BuildContext, stack: Stack, settings: Any, steps: Any,
              pkg: dict[str, Any], argv: list[str], runtime: str) -> Plan:
    from_line = facts.stage.from_instruction.line
    if steps.install_run is None:
        raise NothingToSplit(from_line, "nothing is installed or built in the image: no toolchain to leave behind")
    dev = _dev_packages(pkg) if _installs_dev(facts, steps, steps.install_cmd, stack) else []
    slimmer = runtime != facts.base
    if not slimmer and not dev:
        raise NothingToSplit(from_line, f"{facts.base} is already a runtime image and the install leaves out (or "
                                        "there are no) devDependencies: a split would save nothing")
    if slimmer:
        _check_native(facts, ctx, stack)
    if dev:
        _check_dev_not_needed(facts, ctx, pkg, argv)
    _check_copies(facts)
    return _render(facts, ctx, stack, settings, steps, runtime, dev)


def _installs_dev(facts: StageFacts, steps: Any, cmd: Command, stack: Stack) -> bool:
    """Whether the original install put devDependencies in the image (NODE_ENV=production or a flag skips them)."""
    record = by_name(stack.package_manager)
    assigns, words = cmd.program_words()
    values = [w.value for w in words]
    env = facts.states[id(steps.install_run.instruction)].env
    if assigns.get("NODE_ENV", env.get("NODE_ENV")) == "production":
        return False
    if record is not None and set(values) & record.production_flags:
        return False
    return not any(a == "--omit" and b == "dev" for a, b in zip(values, values[1:]))


def _dev_packages(pkg: dict[str, Any]) -> list[str]:
    dev = pkg.get("devDependencies")
    return sorted(dev) if isinstance(dev, dict) else []


def _lock_json(ctx: BuildContext, stack: Stack) -> dict[str, Any] | None:
    if stack.package_manager != "npm":
        return None
    try:
        data = json.loads(ctx.read_text("package-lock.json") or "")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _dev_locked(ctx: BuildContext, stack: Stack) -> int | None:
    """How many packages npm's lockfile installs for development only (None: not an npm lockfile)."""
    lock = _lock_json(ctx, stack)
    packages = lock.get("packages") if lock else None
    if not isinstance(packages, dict):
        return None
    return sum(1 for path, entry in packages.items() if path and isinstance(entry, dict) and entry.get("dev") is True)


def _check_native(facts: StageFacts, ctx: BuildContext, stack: Stack) -> None:
    """A native addon built in the full image may link libraries the -slim runtime lacks: fail closed."""
    line = facts.stage.from_instruction.line
    if ctx.is_file("binding.gyp"):
        raise CannotSplit(line, "the project builds a native addon (binding.gyp) against the full image's libraries")
    if stack.package_manager == "npm":
        native = _npm_native(facts, ctx, stack)
    else:
        native = _text_native(ctx.read_text(stack.lockfiles[0]) if stack.lockfiles else None)
    if native:
        raise CannotSplit(line, f"{native} may compile a native module against {facts.base}'s libraries, which the "
                                "-slim runtime may lack")


def _npm_native(facts: StageFacts, ctx: BuildContext, stack: Stack) -> str | None:
    lock = _lock_json(ctx, stack)
    packages = lock.get("packages") if lock else None
    if not isinstance(packages, dict):
        raise CannotSplit(facts.stage.from_instruction.line,
                          "package-lock.json has no `packages` map (lockfile v1): which dependencies run install "
                          "scripts (native builds) is not recorded")
    for path, entry in packages.items():
        if not path or not isinstance(entry, dict) or entry.get("dev") is True:
            continue  # the root project, or a package the production install leaves out
        name = path.rsplit("node_modules/", 1)[-1]
        if entry.get("hasInstallScript") or entry.get("gypfile") or name in NODE_NATIVE_PACKAGES:
            return f"the dependency {name} (it runs an install script)" if name not in NODE_NATIVE_PACKAGES else \
                f"the dependency {name}"
    return None


def _text_native(lock: str | None) -> str | None:
    """yarn.lock and pnpm-lock.yaml, read as text: a known native package's name, or pnpm's requiresBuild."""
    if lock is None:
        return "the lockfile (unreadable)"
    if "requiresBuild: true" in lock:
        return "a dependency the lockfile marks requiresBuild"
    for name in sorted(NODE_NATIVE_PACKAGES):
        for lead in ("\n", '"', "'", "/", " "):
            at = lock.find(lead + name, 0)
            while at >= 0:
                after = lock[at + len(lead) + len(name): at + len(lead) + len(name) + 1]
                if after in ("@", ":", "/", '"', "'", " "):
                    return f"the dependency {name}"
                at = lock.find(lead + name, at + 1)
    return None


def _check_dev_not_needed(facts: StageFacts, ctx: BuildContext, pkg: dict[str, Any], argv: list[str]) -> None:
    """No file that can run in the container names a devDependency the production install leaves out."""
    dev = _dev_packages(pkg)
    for word in argv:
        hit = next((d for d in dev if word == d or word.startswith(d + "/") or f"={d}" in word), None)
        if hit:
            raise CannotSplit(facts.command_line, f"the command names {hit}, a devDependency the production "
                                                  "install leaves out")
    for path in ctx.files:
        if not _runtime_source(path):
            continue
        text = ctx.read_text(path)
        if text is None:
            raise CannotSplit(facts.stage.from_instruction.line, f"{path} is unreadable: whether it loads a "
                                                                 "devDependency is unknown")
        hit = next((d for d in dev if _names_module(text, d)), None)
        if hit:
            raise CannotSplit(facts.stage.from_instruction.line,
                              f"{path} names {hit}, a devDependency the production install leaves out")


def _runtime_source(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1]
    if not name.endswith(_SOURCE_SUFFIXES) or "node_modules" in parts or any(p.startswith(".") for p in parts):
        return False
    if any(p in _NOT_RUNTIME_DIRS for p in parts[:-1]):
        return False
    return ".test." not in name and ".spec." not in name and ".config." not in name


def _names_module(text: str, name: str) -> bool:
    """A string literal that is the module name or a path inside it (`'jest'`, `"lodash/fp"`)."""
    return any(q + name + end in text for q in ("'", '"', "`") for end in (q, "/"))


def _check_copies(facts: StageFacts) -> None:
    for ins in facts.copies:
        dest = posixpath.normpath(posixpath.join(facts.states[id(ins)].workdir or "/", ins.values[-1]))
        if dest == posixpath.join(facts.workdir, "node_modules") or \
                dest.startswith(posixpath.join(facts.workdir, "node_modules") + "/"):
            raise CannotSplit(ins.line, "a COPY writes into node_modules, which the runtime takes from the install")


def _source_copies(facts: StageFacts, ctx: BuildContext, stack: Stack) -> list[str]:
    """The COPYs as written; manifest-only ones go when a COPY brings the whole context there anyway."""
    manifests = set(stack.install_inputs)

    def manifests_only(ins) -> bool:
        matched = [f for source in ins.values[:-1] for f in ctx.matches_copy_source(source)]
        return bool(matched) and set(matched) <= manifests

    whole = facts.copies_whole_context
    return facts.verbatim([ins for ins in facts.copies if not (whole and manifests_only(ins))])


def manifest_copies(stack: Stack) -> list[str]:
    """COPY lines for the install's inputs, one per directory (both Node splits' deps stages)."""
    by_dir: dict[str, list[str]] = {}
    for path in stack.install_inputs:
        if path.endswith("/"):
            continue
        by_dir.setdefault(posixpath.dirname(path), []).append(path)
    lines = []
    for directory, files in sorted(by_dir.items()):
        dest = "./" if not directory else f"{directory}/"
        lines.append("COPY " + " ".join(files) + " " + dest)
    return lines


def _render(facts: StageFacts, ctx: BuildContext, stack: Stack, settings: Any, steps: Any, runtime: str,
            dev: list[str]) -> Plan:
    install_ins = steps.install_run.instruction
    order = facts.stage.instructions
    before_install = [i for i in facts.config if i.keyword in ("ENV", "ARG") and order.index(i) < order.index(
        install_ins)]
    env = {k: v for k, v in facts.states[id(install_ins)].env.items() if v is not None}
    cache = cache_dirs_for(stack.package_manager, env, "root", None)
    if not cache or cache[0].path is None:
        raise CannotSplit(install_ins.line, "the package manager's cache directory is not known")
    record = by_name(stack.package_manager)
    leaving = []
    if runtime != facts.base:
        leaving.append(f"{facts.base}'s {NODE_FULL_IMAGE_EXTRAS}" if image_variant(facts.base) == "full"
                       else f"what {facts.base} has beyond {runtime}")
    if dev:
        shown = ", ".join(dev[:3]) + (", ..." if len(dev) > 3 else "")
        locked = _dev_locked(ctx, stack)
        pulled = f", {locked} package{'s' * (locked != 1)} with what they pull in" if locked else ""
        leaving.append(f"{len(dev)} devDependenc{'y' if len(dev) == 1 else 'ies'} ({shown}){pulled}")
    saving = saving_text(facts.base, runtime)
    message = (f"split into a production-dependencies stage and a runtime stage on {runtime}, leaving out "
               f"{' and '.join(leaving)}; the runtime keeps node, " + (f"the global install of "
               f"{' '.join(sorted(steps.tool_bins))}, " if steps.tools else "") + "the production node_modules and "
               f"the files the COPYs bring" + (f"; {saving}" if saving else ""))
    workdir = facts.workdir
    return finish("split_node_prod.Dockerfile.j2", facts, message, from_args=facts.from_args, workdir=workdir,
                  pre_install=facts.verbatim(before_install), setup=steps.setup, manifests=manifest_copies(stack),
                  cache=cache[0].path, install_prod=record.production_install, runtime_image=runtime,
                  config=facts.verbatim(facts.config), node_modules=f"{workdir}/node_modules",
                  copies=_source_copies(facts, ctx, stack), tail=facts.verbatim(facts.tail), tools=steps.tools)
