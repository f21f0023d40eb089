"""DF102: keep package downloads in BuildKit cache mounts."""

from __future__ import annotations

import posixpath
import shlex
from dataclasses import dataclass
from typing import Iterable

from ..analysis.facts import Analysis, ContextFacts
from ..analysis.buildstate import State
from ..dockerfile import Dockerfile, Instruction, Stage, TextEdit
from ..dockerfile.expand import expand, opaque_option
from ..images import repository
from ..managers.node import COREPACK
from ..managers import MANAGERS, Call, Kind, Manager, MountRecipe, cache_dirs_for, home_for, recognise
from ..analysis.lockheld import held_lockfile
from ..analysis.mountable import apt_updates_first, builder_blocks
from ..analysis.pkgindex import later_apt_without_update
from ..analysis.runs import RunScript, mount_targets, remove_command, remove_word, run_script, shell_texts
from ..shell.parse import Command, Word, parse_shell
from ..managers.yarn_berry import berry_cache
from .base import Finding, Rule, RuleContext, Safety

# Programs of the project package managers, to say why an unreadable RUN got no mount.
_PROJECT_PROGRAMS = frozenset(p for m in MANAGERS if m.ecosystem != "system" for p in m.programs)


@dataclass
class _Use:
    """One package-manager command in a RUN and the recipe that caches it."""

    call: Call
    manager: Manager
    recipe: MountRecipe
    targets: list[str] | None = None  # decided before _mount (yarn berry's settings)

    @property
    def command(self) -> Command:
        return self.call.command

    @property
    def verb(self) -> str | None:
        return self.call.verb

    @property
    def verb_word(self) -> Word | None:
        return self.call.verb_word

    @property
    def words(self) -> list[Word]:
        return list(self.call.args)


class CacheMounts(Rule):
    """Add BuildKit cache mounts to package-manager RUNs.

    ## What it does
    Adds `--mount=type=cache,target=<cache dir>` to each RUN that runs npm, yarn (1),
    pnpm, pip, uv, poetry, pdm, go, maven (`mvn`, `./mvnw`), gradle (`gradle`,
    `./gradlew`) or apt, with the cache directory that tool really uses at that line:
    the user's home after `USER`, and `NPM_CONFIG_CACHE`, `PIP_CACHE_DIR`, `GOMODCACHE`,
    `GOCACHE`, `GRADLE_USER_HOME`, `XDG_CACHE_HOME`, `-Dmaven.repo.local=`, `-g` and the
    like when set. For a non-root user
    the mount gets that user's `uid`/`gid`. It also makes the mount pay off: `npm ci`
    gets `--prefer-offline` (without it npm downloads everything again, measured 0.95x
    the no-mount rebuild time; with it 0.38x), and so do `npm install` and `yarn
    --frozen-lockfile` when the stage holds an in-sync lockfile; and it
    removes what empties the cache (`--no-cache-dir`, `npm cache clean --force`,
    `rm -rf ~/.cache/pip`).

    ## Why is this bad?
    Without a mount, any change to the dependency list downloads every package again,
    and the download cache is baked into the layer (80 MB of `/root/.npm` in a
    541-package app).

    ## Example
    ```dockerfile
    RUN npm ci && npm cache clean --force
    ```

    ## Use instead
    ```dockerfile
    RUN --mount=type=cache,target=/root/.npm npm ci --prefer-offline
    ```

    ## Fix safety
    Safe: the image keeps the same files except the download cache. dfix skips, saying
    why, when it cannot know the cache directory (an unknown base image or user, a
    variable it cannot resolve), when the builder cannot mount (`builder = "kaniko"`),
    when a `# syntax=` pin predates cache mounts (before 1.2; not with `builder =
    "podman"`, whose buildah ignores the pin and has its own cache mounts), for heredoc and JSON-form
    RUNs. Go modules, the Maven repository and Gradle's caches are read by later steps,
    so they are mounted only when every RUN of the related stages that uses the tool
    gets the same mount, nothing is copied into or out of them, no RUN reads them
    directly, the image does not run the tool at start-up, and no call stores the
    project's own artifacts there (`mvn install` followed by another build). Nor are
    they mounted where system packages install files (`/usr`, `/opt`, `/var/lib`, ...:
    `-Dmaven.repo.local=/usr/share/maven-repo` holds what `apt-get install` put there),
    or on a call that only prints the version or help (`mvn -v`). Maven
    and Gradle are skipped when a `settings.xml`, `.mvn/maven.config` or
    `gradle.properties` in the context may move the cache; pdm when its settings may
    link the install into the cache (`install.cache`).
    A cache mount is not storage: BuildKit prunes it (unused for 48 h once past 512 MB)
    while it keeps the layers, and CI layer caches never carry it. So no cache is mounted,
    on the fetch nor on the reader, when a call of the stage (or of the stages sharing its
    layers) reads it without the network: `pnpm install --offline` after `pnpm fetch`,
    `mvn -o` or `MAVEN_ARGS=--offline` after `dependency:go-offline`, `yarn --offline`,
    `gradle --offline`, a go build with `GOPROXY=off` or `GOFLAGS=-mod=mod` after `go mod
    download` (the build cache is still mounted: it is rebuilt from the modules). A mount
    never covers a directory a fetch stores packages in (`pip download -d DIR`, `pip wheel
    -w DIR`) or an offline install reads (`pip install --no-index --find-links DIR`).
    Existing cache mounts are never duplicated. Cache-disabling flags are removed only
    when the mount replaces them, never added inside a mount. Poetry gets mounts on its
    `cache` and `artifacts` directories only, since its virtualenvs live beside them.
    `--prefer-offline` is added only where a cached answer cannot change which versions
    are installed: `npm ci`, or an install (`npm install`, `yarn --frozen-lockfile`) whose
    lockfile the stage holds at that line (copied or bind-mounted in, through
    .dockerignore) in sync with package.json. A lockfile the repository has but the stage
    never copies pins nothing, and the fix message says so. Yarn 2+ is mounted only with
    `nodeLinker: node-modules` and its global cache (yarn 4's default), when `yarn`
    provably runs it (`yarnPath`, or `corepack enable` before): with Plug'n'Play the
    cache *is* the installed packages.

    ## Linters
    hadolint asks for cache removal that a cache mount makes wrong; its own tracker
    agrees (hadolint#1139: recommend cache mounts instead of deleting caches):
    - hadolint DL3042 (`pip install` without `--no-cache-dir`): does not see the mount
      (hadolint#497, hadolint#983).
    - hadolint DL3060 (`yarn cache clean` missing): hadolint#1003 silenced it for some
      cache mounts, yet 2.15.1 still reports it with a mount on yarn 2+'s cache.
    """

    code = "DF102"
    name = "cache-mounts"
    safety = Safety.SAFE

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        df = ctx.dockerfile
        blocked = builder_blocks(ctx.settings, df)
        berry = ctx.analysis.facts.yarn_berry_sign if ctx.analysis.facts else None
        for stage in df.stages:
            for ins in stage.instructions[1:]:
                if ins.keyword != "RUN":
                    continue
                run = run_script(ins)
                if run is None:
                    if _mentions_package_manager(ins):
                        yield self.skip(ins.line, "cache mounts are not added to heredoc, JSON-form or unreadable RUNs")
                    continue
                uses = _uses(run)
                if not uses:
                    opted_out = _opted_out(run)
                    if opted_out:
                        yield self.note(ins.line, opted_out)
                    continue
                if blocked:
                    yield self.skip(ins.line, blocked)
                    continue
                # yarn 1 and 2+ share a command line: the context says which one this is.
                uses = [u for u in uses if len(u.call.managers) == 1 or u.recipe.settings_decide == bool(berry)]
                reason = _berry_targets(ctx.analysis, stage, ins, uses) if berry else None
                if reason:
                    yield self.skip(ins.line, f"{berry}: {reason}")
                    continue
                if not uses:
                    continue
                yield from self._mount(ctx.analysis, stage, run, uses)

    def _mount(self, analysis: Analysis, stage: Stage, run: RunScript, uses: list[_Use]):
        df, states, ctx_context = analysis.dockerfile, analysis.states, analysis.context
        ins = run.instruction
        state = states[id(ins)]
        if state.is_root is None:
            yield self.skip(ins.line, _unknown_user_reason(state))
            return
        owner = "" if state.is_root else _owner(state)
        if owner is None:
            yield self.skip(ins.line, f"the uid of user {state.user!r} is not known, so the cache would be unwritable")
            return
        # BuildKit expands `target=${GOMODCACHE}` from ENV/ARG: compare the directory, not the text.
        existing = mount_targets(ins, env=state.env)
        unexpanded = next((t for t in existing if "$" in t), None)
        if unexpanded is not None:
            yield self.skip(ins.line, f"an existing cache mount targets `{unexpanded}`, which dfix cannot expand "
                                      "here: it may already be the cache")
            return
        mounts: list[tuple[str, str]] = []  # (target, extra options)
        edits: list[TextEdit] = []
        notes: list[str] = []
        for use in uses:
            env = {k: v for k, v in state.env.items() if v is not None}
            env.update(use.command.env)
            disabling = [v for v in use.recipe.defeating_env if env.get(v, "").lower() not in ("", "0", "false", "off", "no")]
            if disabling:
                yield self.skip(ins.line, f"{disabling[0]} is set, so {use.manager.name} would not use a cache mount")
                return
            if use.recipe.fixed_targets:
                if not state.is_root:
                    yield self.skip(ins.line, f"{use.manager.name} runs as {state.user!r}, not root")
                    return
                if not apt_updates_first(run):
                    yield self.skip(ins.line, "apt installs here without `apt-get update` first: a lists mount "
                                              "would hide the lists it relies on")
                    return
                reader = later_apt_without_update(df, stage, ins)
                if reader is not None:
                    yield self.skip(ins.line, f"line {reader.line} runs apt without `apt-get update` and needs the "
                                              "package lists in the image")
                    return
                targets = list(use.recipe.fixed_targets)
            elif use.targets is not None:
                targets = use.targets
            else:
                targets, unknown = _cache_targets(use, state, env)
                if targets is None:
                    yield self.skip(ins.line, f"{use.manager.name} cache directory: {unknown}")
                    return
                hazard = _setting_hazard(df, stage, ins, use, env, analysis.facts)
                if hazard:
                    yield self.skip(ins.line, hazard)
                    return
            if use.recipe.persistent and not _downloads_needed(ctx_context, use):
                continue  # nothing to keep: a mount would only add its empty parent dirs to the image
            reason = (_persistent_blocker(df, stage, ins, use, targets, states) if use.recipe.persistent else None) \
                or _offline_reader(analysis, stage, use) or _stored_dir_blocker(analysis, stage, use, targets)
            if reason:
                yield self.skip(ins.line, reason)
                continue
            options = f",sharing={use.recipe.sharing}" if use.recipe.sharing else owner
            for target in targets:
                covered = any(_overlaps(target, t) for t in existing)
                if not covered and target not in [m for m, _ in mounts]:
                    mounts.append((target, options))
            keep = _keep_edit(run, use, existing + [m for m, _ in mounts])
            if keep is not None:
                edits.append(keep)
                notes.append("keep downloaded packages in the mount")
            for word in use.words:
                if word.value in use.recipe.defeating_flags:
                    edits.append(remove_word(run, use.words, word))
                    notes.append(f"drop {word.value}")
            offline, why_not = _offline_edit(analysis, stage, run, use)
            if offline is not None and not any(e.start == offline.start for e in edits):
                edits.append(offline)
                notes.append(use.recipe.offline_flag or "")
            elif why_not:
                notes.append(why_not)
        if not mounts and not edits:
            yield self.note(ins.line, "the cache is already mounted, or there is nothing to keep")
            return
        all_targets = existing + [m for m, _ in mounts]
        for cmd in run.commands:
            if _empties_cache(cmd, uses, all_targets):
                removal = remove_command(run, cmd)
                if removal is None:
                    yield self.skip(ins.line, f"`{run.script.source(cmd)}` would empty the cache mount and cannot be removed cleanly")
                    return
                edits.append(removal)
                notes.append(f"drop `{run.script.source(cmd)}`")
        if mounts:
            flags = " ".join(f"--mount=type=cache,target={t}{options}" for t, options in mounts)
            edits.insert(0, TextEdit(ins.keyword_end, ins.keyword_end, f" {flags}"))
        pms = ", ".join(dict.fromkeys(u.manager.name for u in uses))
        detail = f" ({'; '.join(notes)})" if notes else ""
        where = ", ".join(m for m, _ in mounts) if mounts else "the existing mount"
        yield self.fix(f"cache {pms} downloads in {where}{detail}", ins.line, edits)


def _berry_targets(analysis: Analysis, stage: Stage, ins: Instruction, uses: list[_Use]) -> str | None:
    """Set the cache target of each yarn 2+ call, or say why its cache cannot be mounted."""
    df, state = analysis.dockerfile, analysis.state(ins)
    corepack = _run_before(df, stage, ins, COREPACK.programs, "enable") is not None
    for use in uses:
        if not use.recipe.settings_decide:
            continue
        env = {k: v for k, v in state.env.items() if v is not None}
        env.update(use.command.env)
        launcher = use.command.program_words()[1]
        via_corepack = bool(launcher) and posixpath.basename(launcher[0].value) in COREPACK.programs
        cache = berry_cache(analysis.context, analysis.facts.yarnrc, env, corepack or via_corepack)
        if cache.reason:
            return cache.reason
        target = cache.target(home_for(state.user, state.home or env.get("HOME")))
        if target is None:
            return _unknown_user_reason(state)
        use.targets = [target]
    return None


def _run_before(df: Dockerfile, stage: Stage, ins: Instruction, programs: frozenset[str],
                verb: str) -> Instruction | None:
    """The first RUN before `ins` (in its stage or the stages it builds on) that runs `<program> <verb>`."""
    for s in df.lineage(stage):
        for other in s.instructions[1:]:
            if s is stage and other.line >= ins.line:
                break
            run = run_script(other) if other.keyword == "RUN" else None
            for cmd in run.commands if run else ():
                call = recognise(cmd)
                if call.program in programs and call.verb == verb:
                    return other
    return None


def _unknown_user_reason(state: State) -> str:
    if not state.known_image:
        return f"base image {state.base or '(unresolved)'} is not one dfix knows, so its user and home are unknown"
    return f"user {state.user!r} is not one dfix knows the home and uid of"


def _owner(state: State) -> str | None:
    ids = state.uid_gid
    return None if ids is None else f",uid={ids[0]},gid={ids[1]}"


def _opted_out(run: RunScript) -> str | None:
    """Why a RUN that installs with a manager that has no mount recipe gets none."""
    for cmd in run.commands:
        call = recognise(cmd)
        if call.manager is not None and call.manager.mount_opt_out and (
                call.kind.installs_dependencies or call.kind is Kind.TOOL and call.ecosystem == "system"):
            return f"no cache mount for {call.manager.name}: {call.manager.mount_opt_out}"
    return None


def _uses(run: RunScript) -> list[_Use]:
    out = []
    for cmd in run.commands:
        call = recognise(cmd)
        for manager in call.managers:
            for recipe in manager.mounts:
                if recipe.any_verb:
                    if call.kind in (Kind.INERT, Kind.UNKNOWN):
                        continue  # `mvn -v` prints the version and exits: nothing is downloaded
                    out.append(_Use(call, manager, recipe))
                elif call.verb in recipe.verbs and (call.kind is not Kind.TOOL or manager.ecosystem == "system") \
                        and not set(call.arg_values) & recipe.unused_with:
                    out.append(_Use(call, manager, recipe))
    return out


def _mentions_package_manager(ins: Instruction) -> bool:
    text = ins.args + "".join(h.body for h in ins.heredocs)
    return any(posixpath.basename(word) in _PROJECT_PROGRAMS for word in text.split())


def _overlaps(a: str, b: str) -> bool:
    a, b = a.rstrip("/"), b.rstrip("/")
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def _downloads_needed(context, use: _Use) -> bool:
    """Whether the tool has anything to keep: a cache that later steps read is mounted only then."""
    if context is None:
        return False
    return use.manager.downloads_needed is None or use.manager.downloads_needed(context, None)


def _keep_edit(run: RunScript, use: _Use, targets: list[str]) -> TextEdit | None:
    """Insert the recipe's keep-downloads arguments after the program, once."""
    r = use.recipe
    if not r.keep_args or use.verb not in r.keep_verbs or not any(_overlaps(t, r.fixed_targets[0]) for t in targets):
        return None
    if r.keep_args.split()[-1] in {w.value for w in use.words} or any("Dir::Cache::Archives" in w.value for w in use.words):
        return None
    program = use.command.program_words()[1][0]
    at = run.raw_point(program.end)
    return TextEdit(at, at, f" {r.keep_args}")


def _offline_edit(analysis: Analysis, stage: Stage, run: RunScript, use: _Use) -> tuple[TextEdit | None, str | None]:
    """`--prefer-offline` where a cached answer cannot change what is installed, or why not.

    Only an install that pins itself (`npm ci`) or that the stage's own lockfile pins: a
    lockfile the repository has but no COPY brought in leaves yarn 1 resolving each range
    to whatever the cache holds.
    """
    r, values = use.recipe, [w.value for w in use.words]
    if not r.offline_flag or use.verb not in r.offline_verbs or use.call.kind is not Kind.INSTALL:
        return None, None  # `npm install express` adds a package: a cached range would win
    if r.offline_flag in values or set(values) & use.manager.offline_only_flags:
        return None, None
    if r.offline_requires and not (set(values) & r.offline_requires):
        return None, None
    if use.verb not in r.offline_exact_verbs:
        spec = use.manager.exact
        if spec is None or spec.blocked(values):
            return None, None
        if analysis.context is None:
            return None, f"no {r.offline_flag}: no build context to read the lockfile from"
        held = held_lockfile(analysis, stage, run.instruction, use.call, use.manager, spec)
        if held.lockfile is None:
            return None, f"no {r.offline_flag}: {held.reason}"
    anchor = use.verb_word if use.verb_word is not None else use.command.program_words()[1][0]
    at = run.raw_point(anchor.end)
    return TextEdit(at, at, f" {r.offline_flag}"), None


def _empties_cache(cmd: Command, uses: list[_Use], targets: list[str]) -> bool:
    call = recognise(cmd)
    if call.kind is Kind.CLEANUP and any(u.manager in call.managers for u in uses):
        return True
    if call.program == "rm":
        paths = [w.value for w in call.args if not w.value.startswith("-")]
        return bool(paths) and all(any(_within(p, t) for t in targets) for p in paths)
    return False


def _within(path: str, target: str) -> bool:
    path = path.rstrip("*").rstrip("/")
    return path == target or path.startswith(target.rstrip("/") + "/")


def _cache_targets(use: _Use, state: State, env: dict[str, str]) -> tuple[list[str] | None, str | None]:
    """The directories to mount for one call, or None and why they are unknown."""
    recipe, words = use.recipe, use.words
    dirs = cache_dirs_for(use.manager, env, state.user, state.home)
    if recipe.caches is not None:
        dirs = [dirs[i] for i in recipe.caches]
    values: list[str] = []
    for word in words:
        if "$" not in word.value and "`" not in word.value:
            values.append(word.value)
            continue
        expanded = expand(word.value, env)
        if expanded is None and opaque_option(word.value) in recipe.location_options:
            return None, f"`{word.value}` moves the cache to a place dfix cannot expand at this line"
        if expanded is None and opaque_option(word.value) is None:
            return None, (f"`{word.value}` cannot be expanded at this line, and an option it holds may move the "
                          "cache")
        if expanded is None:
            continue  # `-gcflags=${X}`: one option, not one that moves the cache
        values += expanded.split()
    option = _location_option(recipe, values)
    if option is not None:
        name, value = option
        if value is None or not value.startswith("/") or "$" in value:
            return None, f"{name} sets it to {value!r}, which dfix cannot resolve to an absolute path"
        roots = [value.rstrip("/") or "/"]
    else:
        if any(d.path is None for d in dirs):
            return None, next(d.unknown for d in dirs if d.path is None)
        roots = [d.path for d in dirs]
    return [posixpath.join(r, sub) if sub else r for r in roots for sub in recipe.subdirs], None


def _location_option(recipe: MountRecipe, values: list[str]) -> tuple[str, str | None] | None:
    """A command-line option that moves the cache (`-g DIR`, `-Dmaven.repo.local=DIR`), last one wins."""
    found = None
    for i, value in enumerate(values):
        for name in recipe.location_options:
            if value.startswith(name + "="):
                found = (name, value.split("=", 1)[1])
            elif value == name and not name.startswith("-D"):
                found = (name, values[i + 1] if i + 1 < len(values) else None)
    return found


def _setting_hazard(df: Dockerfile, stage: Stage, ins: Instruction, use: _Use, env: dict[str, str],
                    facts: ContextFacts | None) -> str | None:
    """Why settings dfix does not evaluate might move the cache or link the install into it."""
    recipe, name = use.recipe, use.manager.name
    for var in recipe.unsafe_env:
        if env.get(var, "").lower() not in ("", "0", "false", "off", "no"):
            return f"{var} is set: {name} would link installed files into the cache mount"
    configured = _configured_before(df, stage, ins, use.manager) if recipe.unsafe_env else None
    if configured is not None:
        return (f"line {configured.line} changes {name}'s configuration, which may "
                "move its cache or link the install into it")
    if recipe.relocated_by:
        if facts is None:
            return f"no build context to check {name}'s settings files in"
        found = facts.settings_mention(recipe.relocated_by)
        if found:
            path, setting = found
            return (f"{path} mentions {setting}, which may move the {name} cache or change "
                    "how it is used; dfix does not evaluate settings files, so it leaves this RUN alone")
    return None


def _configured_before(df: Dockerfile, stage: Stage, ins: Instruction, manager: Manager) -> Instruction | None:
    """The first RUN before `ins` (its stage or the stages it builds on) that configures `manager`."""
    for s in df.lineage(stage):
        for other in s.instructions[1:]:
            if s is stage and other.line >= ins.line:
                break
            run = run_script(other) if other.keyword == "RUN" else None
            if run and any(manager in (call := recognise(c)).managers and call.kind is Kind.CONFIG
                           for c in run.commands):
                return other
    return None


def _targets_at(use: _Use, state: State) -> list[str] | None:
    if state.is_root is None:
        return None
    env = {k: v for k, v in state.env.items() if v is not None}
    env.update(use.command.env)
    return _cache_targets(use, state, env)[0]


# Directories the OS package manager fills: a cache kept there may already hold files
# from earlier layers (apt-get install libmaven-*-java fills /usr/share/maven-repo).
_PACKAGE_DIRS = ("/usr", "/etc", "/var/lib", "/opt", "/lib", "/bin", "/sbin")


def _names_cache(text: str, target: str) -> bool:
    """Whether a RUN's text names the cache directory (by its last two components: `.m2/repository`)."""
    tail = "/".join(target.rstrip("/").split("/")[-2:])
    return bool(tail) and tail in text


def _unknown_reader(run: RunScript | None, ins: Instruction, manager: Manager, targets: list[str],
                    state: State) -> str | None:
    """Why a later RUN may read the cache without getting the mount: it runs what dfix does not know.

    `make build` or `./build.sh` may run the tool (`go build`) and read its cache; with the
    cache in a mount it would find it empty and download everything again on every build.
    """
    if all(any(_overlaps(existing, t) for existing in mount_targets(ins, env=state.env)) for t in targets):
        return None  # it mounts the cache itself
    if run is None:
        scripts = [parse_shell(text) for text in shell_texts(ins)] if ins.keyword == "RUN" else []
        if not scripts or not all(script.parsed for script in scripts):
            return (f"line {ins.line} is a RUN dfix cannot read: it may run {manager.name} and read its cache, "
                    "which a mount would take out of the image")
        commands = [(script, cmd) for script in scripts for cmd in script.commands]
    else:
        commands = [(run.script, cmd) for cmd in run.commands]
    for script, cmd in commands:
        call = recognise(cmd)
        if manager in call.managers or call.kind not in (Kind.UNKNOWN, Kind.BUILD, Kind.PROJECT):
            continue
        what = script.source(cmd)
        return (f"line {ins.line} runs `{what}`, which dfix does not know to leave {manager.name} alone: it may "
                f"read the {manager.name} cache, which a mount would take out of the image")
    return None


# Why a cache mount cannot stand in for a layer, said once for every skip that rests on it.
_NOT_STORAGE = ("a cache mount is not storage: BuildKit prunes it while keeping the layers, and a restored "
                "layer cache never carries it")


def _offline_reader(analysis: Analysis, stage: Stage, use: _Use) -> str | None:
    """Why the cache must stay in a layer: a call reads it without the network (`pnpm install --offline`).

    When the fetch's layer is reused and its mount has been pruned, the offline call finds
    nothing and fails (ERR_PNPM_NO_OFFLINE_TARBALL): the mount must go on neither step.
    """
    found = analysis.offline_use(stage, use.manager)
    if use.recipe.rebuildable or found.reader is None:
        return None
    source = f"what {found.fetch} downloaded" if found.fetch else f"the {use.manager.name} cache"
    return f"{found.reader} reads {source} without the network ({found.how}); {_NOT_STORAGE}, so it stays in a layer"


def _stored_dir_blocker(analysis: Analysis, stage: Stage, use: _Use, targets: list[str]) -> str | None:
    """Why a target overlaps a directory a fetch stores packages in (`pip download -d DIR`), or an
    offline install reads (`pip install --no-index --find-links DIR`): that directory is storage."""
    found = analysis.offline_use(stage, use.manager)
    if found.unresolved:
        return f"{found.unresolved}, which dfix cannot resolve; a cache mount may hide it"
    for d in found.dirs:
        hit = next((t for t in targets if _overlaps(t, d.path)), None)
        if hit is None:
            continue
        fetch = next((o.step for o in found.dirs if not o.read_offline and _overlaps(o.path, d.path)), None)
        reader = next((o.step for o in found.dirs if o.read_offline and _overlaps(o.path, d.path)), None)
        what = (f"{fetch} stores packages in {d.path}" if fetch else f"{reader} installs from {d.path}") + (
            f" that {reader} installs from without the network" if fetch and reader else "")
        return f"{what}; a cache mount at {hit} would take them out of the image, and {_NOT_STORAGE}"
    return None


def _persistent_blocker(df: Dockerfile, stage: Stage, mounted: Instruction, use: _Use, targets: list[str],
                        states: dict[int, State]) -> str | None:
    """Why a cache that later steps read (Go modules) cannot move out of the image, or None.

    A mount over a directory hides what earlier layers put there, and takes what a RUN
    writes out of the image, so every step that reads these files must see the same
    mount, and nothing may have been copied there.
    """
    recipe, manager, name = use.recipe, use.manager, use.manager.name
    system = next((t for t in targets if any(_within(t, p) for p in _PACKAGE_DIRS)), None)
    if system is not None:
        return (f"the {name} cache is at {system}, where system packages install files "
                "(Debian's maven-repo, for one) that a mount would hide")
    related = df.lineage(stage) + df.descendants(stage)
    tool_runs = 0
    storing: tuple[int, str] | None = None
    keys = set()
    for s in related:
        keys |= {str(s.index)} | ({s.name.lower()} if s.name else set())
    for s in related:
        for ins in s.instructions[1:]:
            if ins.keyword in ("COPY", "ADD") and ins.values:
                dest = ins.values[-1]
                if any(_overlaps(posixpath.normpath(dest), t) for t in targets):
                    return f"line {ins.line} copies files into {dest}, which a mount would hide"
            if ins.keyword != "RUN":
                continue
            uses_tool = any(posixpath.basename(p) in manager.programs for p in ins.args.split())
            run = run_script(ins)
            if uses_tool and run is None:
                return f"line {ins.line} uses {name} in a form dfix cannot read, and would lose the cache"
            later = (s.index, s.instructions.index(ins)) > (stage.index, stage.instructions.index(mounted))
            reader = _unknown_reader(run, ins, manager, targets, states[id(ins)]) if later else None
            if reader:
                return reader
            tool_uses = [u for u in _uses(run) if u.recipe is recipe] if run is not None else []
            if not tool_uses and any(_names_cache(ins.args, t) for t in targets):
                return f"line {ins.line} reads the {name} cache directly, so it must stay in a layer"
            for other in tool_uses:
                stored = next((w.value for w in other.words if w.value in recipe.stores_outputs), None)
                if stored:
                    storing = storing or (ins.line, stored)
            if tool_uses:
                tool_runs += 1
            for existing in mount_targets(ins, env=states[id(ins)].env):
                if "$" in existing:
                    return f"line {ins.line} mounts a cache at `{existing}`, which dfix cannot expand: it may be the {name} cache"
                if any(_overlaps(existing, t) and existing != t for t in targets):
                    return f"line {ins.line} already mounts {existing}; dfix does not mix its own mount with it"
            for other in _uses(run) if run is not None else []:
                if other.recipe is recipe and _targets_at(other, states[id(ins)]) != targets:
                    return f"line {ins.line} runs {name} where the cache directory differs or is unknown"
    if storing and tool_runs > 1:
        return (f"line {storing[0]} runs {name} {storing[1]}, which puts the project's own "
                "artifacts into the cache for a later build to read; they must stay in a layer")
    for later in df.stages:
        for ins in later.instructions:
            source_stage = (ins.flag("from").value or "").lower() if ins.flag("from") else None
            if ins.keyword == "COPY" and source_stage in keys:
                for src in ins.values[:-1]:
                    if any(_overlaps(posixpath.normpath(src), t) for t in targets):
                        return f"line {ins.line} copies {src} out of the image, so it must stay in a layer"
    return _start_blocker(df, stage, manager)


_TASK_RUNNERS = frozenset({"make", "gmake", "just", "task", "sh", "bash", "ash", "dash", "zsh"})


def _may_run_tools(call: Call) -> bool:
    program = call.program or ""
    return program in _TASK_RUNNERS or program.endswith(".sh")


def _start_blocker(df: Dockerfile, stage: Stage, manager: Manager) -> str | None:
    """Why what the image runs at start-up may need the cache: it runs the tool, or dfix cannot tell.

    A real review found `CMD ["make", "run"]` compiling at start-up (every start re-downloaded
    the modules a mount had taken out), and a final stage with no CMD that compose ran as
    `mvn spring-boot:run`: an unknown command, or the base image's own, may run the tool.
    """
    name = manager.name
    final = df.stages[-1]
    holds_cache = stage in df.lineage(final)  # else the final image never had the cache to need
    starts = [ins for ins in final.instructions if ins.keyword in ("CMD", "ENTRYPOINT")]
    base = repository(df.lineage(final)[0].base).rsplit("/", 1)[-1]
    if not starts and holds_cache and base == name:
        # The tool's own image (maven, gradle) runs the tool by default, and compose files run it too.
        return (f"the final stage sets no CMD or ENTRYPOINT, so the image runs {base}'s own command "
                f"({name}), which needs its cache")
    for ins in starts:
        text = " ".join(shlex.quote(v) for v in ins.json_args) if ins.json_args is not None else ins.args
        calls = [recognise(c) for c in parse_shell(text).commands]
        if any(manager in c.managers for c in calls):
            return f"the image runs {name} at start-up (line {ins.line}) and needs its cache"
        # A built binary does not read the module cache; a task runner or a script may run the tool.
        unknown = next((c for c in calls if c.kind is Kind.UNKNOWN and _may_run_tools(c)), None)
        if unknown is not None and holds_cache:
            return (f"the image runs `{unknown.program or 'a command'}` at start-up (line {ins.line}), which dfix "
                    f"does not know and which may run {name} and need its cache")
    return None
    return None
