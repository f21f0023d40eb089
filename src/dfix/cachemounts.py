"""Cache-mount recipes per package manager: what to mount, and what makes it pay off.

The figures behind each choice are in bench/cache_mounts/FINDINGS.md (rebuild-bench,
downloads limited to 50 Mbit/s, dependency-change rebuild with the mount versus
without).  A mount the tool does not read from is a cost, not a gain: npm re-downloads
everything on `npm ci` unless told `--prefer-offline`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Recipe:
    package_manager: str  # key of stacks.base.CACHE_SPECS
    programs: frozenset[str]
    verbs: frozenset[str | None]  # subcommands that download; None: the bare program
    subdirs: tuple[str, ...] = ("",)  # mount these below the cache directory
    # Flags added so the tool reads its cache first, and the verbs they are safe for
    # (only lockfile-exact installs: with a range, a cached older version could win).
    offline_flag: str | None = None
    offline_verbs: frozenset[str | None] = frozenset()
    offline_requires: frozenset[str] = frozenset()  # ...and only when one of these flags is present
    defeating_flags: frozenset[str] = frozenset()  # removed when the mount is added
    defeating_env: tuple[str, ...] = ()  # set in the environment, the tool ignores any cache
    cleanup: frozenset[tuple[str, str]] = frozenset()  # (program, verb) commands that empty the cache
    # The cache holds what later steps need (module sources, a Maven repository), so every
    # RUN of the stage using the tool must get the mount, and the runtime must not use it.
    persistent: bool = False
    caches: tuple[int, ...] | None = None  # which of the package manager's cache dirs (None: all)
    # System package managers cache at fixed paths, as root, shared between concurrent builds.
    fixed_targets: tuple[str, ...] = ()
    sharing: str | None = None
    root_only: bool = False
    # Arguments inserted after the program for these verbs, so the tool keeps what it downloads.
    keep_args: str | None = None
    keep_verbs: frozenset[str | None] = frozenset()


RECIPES: tuple[Recipe, ...] = (
    Recipe("npm", frozenset({"npm"}), frozenset({"ci", "clean-install", "install", "i"}),
           offline_flag="--prefer-offline", offline_verbs=frozenset({"ci", "clean-install"}),
           cleanup=frozenset({("npm", "cache")})),
    Recipe("yarn-classic", frozenset({"yarn"}), frozenset({None, "install", "add"}),
           offline_flag="--prefer-offline", offline_verbs=frozenset({None, "install"}),
           offline_requires=frozenset({"--frozen-lockfile", "--immutable"}),
           cleanup=frozenset({("yarn", "cache")})),
    Recipe("pnpm", frozenset({"pnpm"}), frozenset({"install", "i", "add", "fetch"}),
           cleanup=frozenset({("pnpm", "store")})),
    Recipe("pip", frozenset({"pip", "pip3"}), frozenset({"install", "wheel", "download"}),
           defeating_flags=frozenset({"--no-cache-dir"}), defeating_env=("PIP_NO_CACHE_DIR",), cleanup=frozenset({("pip", "cache"), ("pip3", "cache")})),
    Recipe("uv", frozenset({"uv"}), frozenset({"sync", "pip"}),
           defeating_flags=frozenset({"--no-cache", "-n"}), defeating_env=("UV_NO_CACHE",),
           cleanup=frozenset({("uv", "cache")})),
    # Poetry keeps virtualenvs under its cache dir by default: mount only the download caches.
    Recipe("poetry", frozenset({"poetry"}), frozenset({"install", "sync"}), subdirs=("cache", "artifacts"),
           defeating_flags=frozenset({"--no-cache"}), cleanup=frozenset({("poetry", "cache")})),
    # Module sources (GOMODCACHE) are read by every later go command: persistent.
    Recipe("go", frozenset({"go"}), frozenset({"build", "install", "mod", "test", "generate", "vet", "run", "get", "list"}),
           persistent=True, caches=(0,)),
    # The build cache (GOCACHE) is a pure cache, used only by commands that compile.
    Recipe("go", frozenset({"go"}), frozenset({"build", "install", "test", "generate", "vet", "run"}), caches=(1,)),
)

# apt: the official images' docker-clean hook deletes downloaded .debs from
# /var/cache/apt/archives after every install, which empties a cache mount there.
# Pointing the archive directory elsewhere inside the mount keeps them without
# touching /etc/apt (the usual recipe deletes docker-clean, which changes the image).
# Measured: dependency-change rebuild 0.59x of no mount, image-diff equivalent.
APT = Recipe("apt", frozenset({"apt-get", "apt"}), frozenset({"update", "install", "upgrade", "dist-upgrade"}),
             fixed_targets=("/var/cache/apt", "/var/lib/apt/lists"), sharing="locked", root_only=True,
             keep_args="-o Dir::Cache::Archives=/var/cache/apt/keep/", keep_verbs=frozenset({"install", "upgrade",
                                                                                            "dist-upgrade"}),
             cleanup=frozenset({("apt-get", "clean"), ("apt", "clean")}))
RECIPES = RECIPES + (APT,)


def recipes_for(program: str | None, verb: str | None) -> list[Recipe]:
    return [r for r in RECIPES if program in r.programs and verb in r.verbs]
