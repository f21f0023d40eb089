"""What dfix knows about one package manager, as one record.

Detectors, the recogniser and every rule read a tool's facts from its ``Manager``
record: which programs and verbs it has and what each verb does, its manifests and
lockfiles, where it caches and how to mount that cache, which verbs rewrite the
lockfile, its dependencies-only form and its lockfile-exact form.  A fact missing from
a record is a fact dfix does not have; where a record deliberately has no cache mount
or no lockfile-exact form, it says why (``mount_opt_out``, ``exact_opt_out``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Callable, Mapping

from .argv import option_value

if TYPE_CHECKING:
    from ..shell.parse import Word


class Kind(str, Enum):
    """What one call of a package manager does, as far as the build cache is concerned."""

    INSTALL = "install"  # installs the project's declared dependencies: reads manifests and lockfiles
    PROJECT = "project"  # installs the project itself: reads its source
    FETCH = "fetch"  # downloads the project's dependencies without building it
    BUILD = "build"  # builds, tests or runs project code: may read any file
    ADD = "add"  # adds or updates named packages: rewrites the manifests and lockfile
    TOOL = "tool"  # installs software for the image (global installs, system packages)
    INDEX = "index"  # refreshes a system package index (`apt-get update`)
    CLEANUP = "cleanup"  # empties the tool's cache
    CONFIG = "config"  # changes the tool's configuration (may move its cache)
    INERT = "inert"  # prints a version, help or information: reads and writes nothing that matters
    FILES = "files"  # a file utility: reads and writes the paths it names, runs nothing else
    UNKNOWN = "unknown"  # dfix does not know what this does: it may read or write anything

    @property
    def installs_dependencies(self) -> bool:
        return self in (Kind.INSTALL, Kind.PROJECT, Kind.FETCH)


@dataclass(frozen=True)
class CacheSpec:
    """Where a package manager caches downloads: env overrides first, else a path under a base."""

    env_vars: tuple[str, ...]  # the first one set wins; its value is the cache dir
    default: str  # relative to the base below
    base: str = "home"  # "home", "xdg_cache" ($XDG_CACHE_HOME or ~/.cache), "xdg_data" (~/.local/share)
    root_default: str | None = None  # a different absolute default when running as root
    # An env var naming a folder the cache sits in, with the cache's path below it
    # (PNPM_HOME -> $PNPM_HOME/store, GOPATH -> $GOPATH/pkg/mod).
    parent_env: tuple[str, str] | None = None
    # A -D option in an env var that sets the cache (MAVEN_OPTS=-Dmaven.repo.local=DIR).
    option_env: tuple[str, str] | None = None
    # Env vars that move the cache in ways dfix does not model: set, the cache is unknown.
    unknown_if_env: tuple[str, ...] = ()


@dataclass(frozen=True)
class MountRecipe:
    """How to keep one of the manager's caches in a BuildKit cache mount, and make it pay off.

    The figures behind each choice are in bench/cache_mounts/FINDINGS.md.  A mount the
    tool does not read from is a cost, not a gain: npm re-downloads everything on
    `npm ci` unless told `--prefer-offline`.
    """

    verbs: frozenset[str | None]  # verbs that download; None: the bare program
    subdirs: tuple[str, ...] = ("",)  # mount these below the cache directory
    # Flag added so the tool reads its cache first, and the verbs it is safe for (only
    # installs the lockfile pins: with a range, a cached older version could win). A verb of
    # ``offline_exact_verbs`` pins itself (`npm ci` fails rather than resolve); any other needs
    # the stage to hold a lockfile in sync with the manifest (the record's ``exact.sync_check``).
    offline_flag: str | None = None
    offline_verbs: frozenset[str | None] = frozenset()
    offline_exact_verbs: frozenset[str | None] = frozenset()
    offline_requires: frozenset[str] = frozenset()  # ...and only when one of these flags is present
    defeating_flags: frozenset[str] = frozenset()  # removed when the mount is added
    defeating_env: tuple[str, ...] = ()  # set in the environment, the tool ignores any cache
    # The cache holds what later steps need (module sources, a Maven repository), so every
    # RUN of the stage using the tool must get the mount, and the runtime must not use it.
    persistent: bool = False
    caches: tuple[int, ...] | None = None  # which of the manager's cache specs (None: all)
    # System package managers cache at fixed paths, as root, shared between concurrent builds.
    fixed_targets: tuple[str, ...] = ()
    sharing: str | None = None
    # Arguments inserted after the program for these verbs, so the tool keeps what it downloads.
    keep_args: str | None = None
    keep_verbs: frozenset[str | None] = frozenset()
    # Build tools take goals, not a subcommand: every call may download.
    any_verb: bool = False
    # Command-line options that move the cache: `-Dmaven.repo.local=DIR`, `-g DIR`.
    location_options: tuple[str, ...] = ()
    # Goals that put the project's own outputs into the cache (`mvn install`).
    stores_outputs: frozenset[str] = frozenset()
    # Files in the build context that may relocate the cache: (file name, setting).
    relocated_by: tuple[tuple[str, str], ...] = ()
    # Set in the environment, these make a mount unsafe (pdm's install.cache links the
    # installed packages into the cache); the manager's config verb changes them from a RUN.
    unsafe_env: tuple[str, ...] = ()
    # The cache must be chosen at run time from the project's own settings (yarn 2+).
    settings_decide: bool = False
    # Flags with which the call never reads this cache (`go build -a` rebuilds everything).
    unused_with: frozenset[str] = frozenset()
    # What an offline call needs is never here: the cache is rebuilt from what it does need
    # (Go's build cache, from the module sources), so an offline reader does not pin it to a layer.
    rebuildable: bool = False


@dataclass(frozen=True)
class LockWrite:
    """An install that rewrites its lockfile unless one of ``stoppers`` is given."""

    lockfiles: tuple[str, ...]  # the file names it may rewrite, in the project directory
    stoppers: frozenset[str]


@dataclass(frozen=True)
class ExactInstall:
    """How an install becomes lockfile-exact (DF103), and the check that it will succeed."""

    safe: bool  # False: the image's tool version decides whether the exact form succeeds
    verbs: frozenset[str | None]
    lockfiles: tuple[str, ...]  # preferred first
    exact_flags: frozenset[str]  # already exact
    blocking_flags: frozenset[str]  # a form dfix leaves alone (other directories, no lockfile)
    # (package.json text, lockfile text) -> None when in sync, else why not
    sync_check: Callable[[str, str], str | None]
    new_verb: str | None = None  # replace the verb (npm install -> npm ci)
    add_flag: str | None = None  # or add a flag after it
    why: str = ""  # the reason behind ``safe``, for the rule's messages

    def exact_already(self, values: list[str]) -> bool:
        return any(v in self.exact_flags for v in values)

    def blocked(self, values: list[str]) -> bool:
        """A form dfix leaves alone (`--prefix`, `--no-lockfile`, `--filter=x`)."""
        return any(v in self.blocking_flags or v.split("=", 1)[0] in self.blocking_flags for v in values)


@dataclass(frozen=True)
class DepsOnly:
    """The dependencies-only form of a project install or build, run before the source arrives."""

    flag: str | None = None  # added to the same command (`poetry install --no-root`)
    goal: str | None = None  # replaces the goals of a build tool (`mvn dependency:go-offline`)
    command: str | None = None  # a command of its own (`go mod download`)
    # It fetches more than the build itself uses (every configuration), into a cache that
    # stays in the layer: only in a stage whose files the final image does not contain.
    build_stages_only: bool = False


@dataclass(frozen=True)
class Classified:
    """What a manager's own classifier says about one call (for tools with odd command lines)."""

    kind: "Kind"
    files: tuple[str, ...] = ()  # files it names (`-r requirements.txt`), relative to its cwd
    project_dir: str | None = None  # a directory it installs or works in
    outputs: tuple[str, ...] = ()  # artefacts it writes (`go build -o /bin/app`)


@dataclass(frozen=True)
class Manager:
    name: str  # "npm", "yarn-classic", "pip", ...
    ecosystem: str  # "node", "python", "go", "java", "system"
    programs: frozenset[str]  # program base names
    # Programs it runs when named first (`corepack yarn install` is yarn): the recogniser peels it.
    runs_programs: frozenset[str] = frozenset()
    # Its tool installs read no project file beyond the manifests (corepack: the packageManager field).
    tools_read_only_manifests: bool = False
    verbs: Mapping[str | None, Kind] = field(default_factory=dict)  # None: no verb given
    value_flags: frozenset[str] = frozenset()  # options that take a separate value
    # Any verb not listed runs a script of the project (`yarn build`), except these.
    script_verbs: bool = False
    not_scripts: frozenset[str] = frozenset()
    global_flags: frozenset[str] = frozenset()  # a global install: a tool, not the project
    # Install verbs that, given package names, add packages instead of installing the project.
    adds_with_arguments: frozenset[str | None] = frozenset()
    project_dir_flags: tuple[str, ...] = ()  # `--prefix DIR`, `-C DIR`
    # With one of these a project install installs only the dependencies (`--no-root`).
    deps_only_markers: frozenset[str] = frozenset()
    inert_args: frozenset[str] = frozenset({"-v", "--version", "-h", "--help", "-?"})
    # Tools with an odd command line classify their own calls (pip's -r files, Maven goals).
    classify: Callable[["Manager", str | None, list["Word"]], Classified | None] | None = None
    # Project facts.
    manifests: tuple[str, ...] = ()
    lockfiles: tuple[str, ...] = ()
    config_files: tuple[str, ...] = ()  # beside the manifest: change what an install resolves
    config_dirs: tuple[str, ...] = ()  # read whole by an install
    install_outputs: tuple[str, ...] = ()  # directories an install creates in the project (node_modules)
    # pyproject.toml: the [tool.X] section that says this manager owns the project, and the
    # build-backend modules that belong to it.
    pyproject_section: str | None = None
    build_backends: tuple[str, ...] = ()
    # Caches.
    caches: tuple[CacheSpec, ...] = ()
    mounts: tuple[MountRecipe, ...] = ()
    mount_opt_out: str | None = None  # why there is no mount recipe
    # `<program> config set KEY DIR` moves the cache as this env var would.
    config_setters: Mapping[str, str] = field(default_factory=dict)
    offline_only_flags: frozenset[str] = frozenset()  # the call works only from what is cached
    # Set in the call's environment (inline or ENV), these make it read only what is cached:
    # (variable, one word of its value) -> GOPROXY=off.
    offline_env: tuple[tuple[str, str], ...] = ()
    # A fetch that stores packages in a directory it names (`pip download -d DIR`): verb -> options.
    store_dir_flags: Mapping[str | None, tuple[str, ...]] = field(default_factory=dict)
    # An install that reads such a directory instead of the network: (the flag that turns the
    # network off, the options naming the directory) -> (`--no-index`, (`--find-links`, `-f`)).
    offline_dirs: tuple[str, tuple[str, ...]] | None = None
    no_download_flags: frozenset[str] = frozenset()  # with these (in the call or its env) nothing is downloaded
    # Lockfiles.
    lock_writes: Mapping[str | None, LockWrite] = field(default_factory=dict)
    lock_policy: str | None = None  # why no verb rewrites the lockfiles it has (DF101 may move its installs)
    # Verbs that read the lockfile when the image runs (`uv run` syncs from uv.lock first).
    lockfile_read_by: frozenset[str] = frozenset()
    exact: ExactInstall | None = None
    exact_opt_out: str | None = None  # why there is no lockfile-exact form
    # The lockfile-exact install of production dependencies only (`npm ci --omit=dev`), and the
    # flags or env that make any install skip dev dependencies (DF201's runtime stages).
    production_install: str | None = None
    production_flags: frozenset[str] = frozenset()
    deps_only: DepsOnly | None = None
    deps_only_opt_out: str | None = None  # why a project install/build gets no dependencies-only step
    builds_download: bool = False  # a build downloads what is missing (go build, mvn package)
    # Whether the context (at a project root, or anywhere with None) holds anything for the
    # tool to download; None: always assume so.
    downloads_needed: Callable[[Any, str | None], bool] | None = None
    file_flags: frozenset[str] = frozenset()  # options naming files the call reads (`mvn -s settings.xml`)
    # Whether a project is never installed itself, from its parsed pyproject.toml (uv, poetry).
    virtual_project: Callable[[dict], bool] | None = None
    # package.json scripts an install runs for the project and its workspaces, when they
    # differ from the node default (yarn 2+ runs only the install ones); None: the default.
    install_scripts: tuple[str, ...] | None = None

    def lock_write(self, verb: str | None) -> LockWrite | None:
        return self.lock_writes.get(verb)

    def reads_offline(self, values: list[str], env: Mapping[str, str]) -> str | None:
        """How a call reads only what is cached (`--offline`, `GOPROXY=off`), or None when it may fetch."""
        flag = next((v for v in values if v in self.offline_only_flags), None)
        if flag is not None:
            return flag
        for var, word in self.offline_env:
            if word in (env.get(var) or "").replace(",", " ").replace("|", " ").split():
                return f"{var}={env[var]}"
        return None

    def stored_dir(self, verb: str | None, values: list[str]) -> str | None:
        """The directory a fetch stores packages in (`pip download -d DIR`), as written."""
        names = self.store_dir_flags.get(verb)
        return option_value(values, names) if names else None

    def offline_dir(self, values: list[str]) -> str | None:
        """The directory an install reads instead of the network (`--no-index --find-links DIR`)."""
        if self.offline_dirs is None or self.offline_dirs[0] not in values:
            return None
        return option_value(values, self.offline_dirs[1])
