"""Records shared by the stack detectors, and where each package manager keeps its cache."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

from ..shell import Command

ECOSYSTEMS = ("node", "python", "go", "java")


@dataclass(frozen=True)
class InstallCommand:
    line: int | None  # first line of the RUN in the Dockerfile; None outside a Dockerfile
    command: str  # the simple command's text, e.g. "npm ci --omit=dev"
    package_manager: str
    kind: str  # "install" (dependencies), "project" (installs the project itself), "build"
    cwd: str | None = None  # container directory it runs in, when known
    files: tuple[str, ...] = ()  # files it names (`-r requirements.txt`), as written: relative to cwd or absolute


@dataclass
class Stack:
    ecosystem: str
    package_manager: str
    root: str = "."  # project directory in the context, slash path
    manifests: list[str] = field(default_factory=list)
    lockfiles: list[str] = field(default_factory=list)
    install_inputs: list[str] = field(default_factory=list)  # files a deps-only install reads
    project_inputs: list[str] = field(default_factory=list)  # extra files installing the project itself reads
    install_commands: list[InstallCommand] = field(default_factory=list)
    cache_dirs: list[str] = field(default_factory=list)
    build_outputs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    hazards: list[str] = field(default_factory=list)  # reasons a manifest-first reorder may be unsafe
    ambiguous: str | None = None

    def add_inputs(self, paths: list[str]) -> None:
        for path in paths:
            if path not in self.install_inputs:
                self.install_inputs.append(path)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ecosystem": self.ecosystem,
            "package_manager": self.package_manager,
            "root": self.root,
            "manifests": self.manifests,
            "lockfiles": self.lockfiles,
            "install_inputs": self.install_inputs,
            "project_inputs": self.project_inputs,
            "install_commands": [{"line": c.line, "command": c.command} for c in self.install_commands
                                 if c.kind != "build"],
            "build_commands": [{"line": c.line, "command": c.command} for c in self.install_commands
                               if c.kind == "build"],
            "cache_dirs": self.cache_dirs,
            "build_outputs": self.build_outputs,
            "notes": self.notes,
            "hazards": self.hazards,
            "ambiguous": self.ambiguous,
        }


def join(root: str, name: str) -> str:
    """A context path for ``name`` inside project dir ``root`` (both slash paths)."""
    return posixpath.normpath(posixpath.join(root, name)) if root not in ("", ".") else posixpath.normpath(name)


# --- cache directories -----------------------------------------------------------------


@dataclass(frozen=True)
class CacheSpec:
    """Where a package manager caches downloads: env overrides first, else a path under a base."""

    env_vars: tuple[str, ...]  # the first one set wins; its value is the cache dir
    default: str  # relative to the base below
    base: str = "home"  # "home", "xdg_cache" ($XDG_CACHE_HOME or ~/.cache), "xdg_data" (~/.local/share)
    root_default: str | None = None  # a different absolute default when running as root


CACHE_SPECS: dict[str, tuple[CacheSpec, ...]] = {
    "npm": (CacheSpec(("NPM_CONFIG_CACHE", "npm_config_cache"), ".npm"),),
    # yarn v1 swaps the home for /usr/local/share when running as root on Linux.
    "yarn-classic": (
        CacheSpec(("YARN_CACHE_FOLDER",), "yarn", base="xdg_cache", root_default="/usr/local/share/.cache/yarn"),
    ),
    # Only with enableGlobalCache (Yarn 4's default); Yarn 2/3 cache inside the project (.yarn/cache).
    # The global cache is <globalFolder>/cache; YARN_CACHE_FOLDER is the project cache, which
    # the global cache replaces (see yarn_berry for when that holds).
    "yarn-berry": (CacheSpec((), ".yarn/berry/cache"),),
    "pnpm": (
        CacheSpec(("npm_config_store_dir", "NPM_CONFIG_STORE_DIR"), "pnpm/store", base="xdg_data"),
    ),
    "bun": (CacheSpec(("BUN_INSTALL_CACHE_DIR",), ".bun/install/cache"),),
    "pip": (CacheSpec(("PIP_CACHE_DIR",), "pip", base="xdg_cache"),),
    "setuptools": (CacheSpec(("PIP_CACHE_DIR",), "pip", base="xdg_cache"),),
    "poetry": (CacheSpec(("POETRY_CACHE_DIR",), "pypoetry", base="xdg_cache"),),
    "uv": (CacheSpec(("UV_CACHE_DIR",), "uv", base="xdg_cache"),),
    "pdm": (CacheSpec(("PDM_CACHE_DIR",), "pdm", base="xdg_cache"),),
    "pipenv": (
        CacheSpec(("PIPENV_CACHE_DIR",), "pipenv", base="xdg_cache"),
        CacheSpec(("PIP_CACHE_DIR",), "pip", base="xdg_cache"),
    ),
    "hatch": (CacheSpec(("HATCH_CACHE_DIR",), "hatch", base="xdg_cache"),),
    "go": (
        CacheSpec(("GOMODCACHE",), "go/pkg/mod"),
        CacheSpec(("GOCACHE",), "go-build", base="xdg_cache"),
    ),
    # The local repository, not ~/.m2 itself: settings.xml lives beside it.
    "maven": (CacheSpec((), ".m2/repository"),),
    "gradle": (CacheSpec(("GRADLE_USER_HOME",), ".gradle"),),
}

# Non-root users whose home directory the official images define.
KNOWN_HOMES = {"node": "/home/node", "gradle": "/home/gradle"}
ROOT_USERS = frozenset({"root", "0"})


@dataclass(frozen=True)
class CacheDir:
    path: str | None  # None when the home directory cannot be known statically
    origin: str  # "default", "env GOCACHE", ...
    unknown: str | None = None  # why path is None


def home_for(user: str | None, home: str | None) -> str | None:
    if home:
        return home
    name = (user or "root").split(":", 1)[0]
    if name in ROOT_USERS:
        return "/root"
    return KNOWN_HOMES.get(name)


def cache_dirs_for(
    package_manager: str, env: dict[str, str], user: str | None, home: str | None
) -> list[CacheDir]:
    """Cache directories of ``package_manager`` for a RUN with this env, USER and HOME."""
    result: list[CacheDir] = []
    user_home = home_for(user, home or env.get("HOME"))
    is_root = (user or "root").split(":", 1)[0] in ROOT_USERS
    for spec in CACHE_SPECS.get(package_manager, ()):
        result.append(_resolve(package_manager, spec, env, user, user_home, is_root))
    return result


def _resolve(
    package_manager: str, spec: CacheSpec, env: dict[str, str], user: str | None, user_home: str | None, is_root: bool
) -> CacheDir:
    for var in spec.env_vars:
        if env.get(var):
            return CacheDir(env[var].rstrip("/"), f"env {var}")
    if package_manager == "pnpm" and env.get("PNPM_HOME"):
        return CacheDir(env["PNPM_HOME"].rstrip("/") + "/store", "env PNPM_HOME")
    if package_manager == "yarn-berry" and env.get("YARN_GLOBAL_FOLDER"):
        return CacheDir(env["YARN_GLOBAL_FOLDER"].rstrip("/") + "/cache", "env YARN_GLOBAL_FOLDER")
    if package_manager == "go" and spec.default == "go/pkg/mod" and env.get("GOPATH"):
        gopath = env["GOPATH"].split(":", 1)[0].rstrip("/")
        return CacheDir(gopath + "/pkg/mod", "env GOPATH")
    if package_manager == "maven" and "-Dmaven.repo.local=" in env.get("MAVEN_OPTS", ""):
        value = env["MAVEN_OPTS"].split("-Dmaven.repo.local=", 1)[1].split()[0]
        return CacheDir(value, "env MAVEN_OPTS")
    if spec.root_default and is_root and not env.get("HOME"):
        return CacheDir(spec.root_default, "default for root")
    if spec.base == "xdg_cache" and env.get("XDG_CACHE_HOME"):
        return CacheDir(env["XDG_CACHE_HOME"].rstrip("/") + "/" + spec.default, "env XDG_CACHE_HOME")
    if spec.base == "xdg_data" and env.get("XDG_DATA_HOME"):
        return CacheDir(env["XDG_DATA_HOME"].rstrip("/") + "/" + spec.default, "env XDG_DATA_HOME")
    if user_home is None:
        return CacheDir(None, "default", f"home directory of user {user!r} is not known statically")
    under = {"home": "", "xdg_cache": ".cache/", "xdg_data": ".local/share/"}[spec.base]
    return CacheDir(f"{user_home.rstrip('/')}/{under}{spec.default}", "default")


# --- recognised package-manager calls ---------------------------------------------------


@dataclass(frozen=True)
class Invocation:
    """A package-manager call found in a RUN."""

    ecosystem: str
    package_manager: str | None  # None when the command alone does not tell (``yarn``: classic or berry?)
    kind: str  # "install": dependencies only; "project": installs the project itself; "build"; "fetch"
    command: Command
    project_dir: str | None = None  # from --prefix / --cwd / -C, relative to the command's cwd
    files: tuple[str, ...] = ()  # files the command names (``-r requirements.txt``), relative to its cwd
    outputs: tuple[str, ...] = ()  # artefacts it writes (``go build -o /bin/app``)


def disagreement(used: str, claimed: list[str], claimed_by: str) -> str | None:
    """Why the stack is ambiguous when the Dockerfile runs a package manager the manifests do not name."""
    if claimed and used not in claimed:
        return f"the Dockerfile installs with {used} but {claimed_by} {', '.join(claimed)}"
    return None


def flag_value(words: list[str], names: tuple[str, ...]) -> str | None:
    """The value of ``--name value`` or ``--name=value`` (last occurrence wins, like most CLIs)."""
    found: str | None = None
    for i, word in enumerate(words):
        for name in names:
            if word == name and i + 1 < len(words):
                found = words[i + 1]
            elif word.startswith(name + "=") and name.startswith("--"):
                found = word[len(name) + 1 :]
    return found


def positionals(words: list[str], value_flags: frozenset[str] = frozenset()) -> list[str]:
    """Non-flag words, skipping the values of flags known to take one."""
    out: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in value_flags
        else:
            out.append(word)
    return out
