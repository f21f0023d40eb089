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
    # Build tools take goals/tasks, not a subcommand: every call may download, except
    # one that only asks for the version or help (a mount there would only add its
    # empty parent directories to the image).
    any_verb: bool = False
    # (Maven's -V shows the version and goes on building: not inert.)
    inert_args: frozenset[str] = frozenset({"-v", "--version", "-h", "--help", "-?"})
    # Command-line options that move the cache: `-Dmaven.repo.local=DIR`, `-g DIR`.
    location_options: tuple[str, ...] = ()
    # Options that make the tool work only from what is already cached (`mvn -o`).
    # A restored layer cache does not restore cache mounts, so such a call could find
    # the downloads of an earlier, cached RUN missing.
    offline_only: frozenset[str] = frozenset()
    # Goals that put the project's own outputs into the cache (`mvn install`).
    stores_outputs: frozenset[str] = frozenset()
    # Files in the build context that may relocate the cache: (file name, setting).
    relocated_by: tuple[tuple[str, str], ...] = ()
    # Set in the environment, these make a mount unsafe (pdm's install.cache links the
    # installed packages into the cache); `config_verb` changes them from a RUN.
    unsafe_env: tuple[str, ...] = ()
    config_verb: str | None = None


RECIPES: tuple[Recipe, ...] = (
    Recipe("npm", frozenset({"npm"}), frozenset({"ci", "clean-install", "install", "i"}),
           offline_flag="--prefer-offline", offline_verbs=frozenset({"ci", "clean-install"}),
           cleanup=frozenset({("npm", "cache")})),
    Recipe("yarn-classic", frozenset({"yarn"}), frozenset({None, "install", "add"}),
           offline_flag="--prefer-offline", offline_verbs=frozenset({None, "install"}),
           offline_requires=frozenset({"--frozen-lockfile", "--immutable"}),
           cleanup=frozenset({("yarn", "cache")})),
    # Yarn 2+: a content-addressed cache (checksums in yarn.lock), read without asking the
    # network; mountable only with the node-modules linker and the global cache (yarn_berry).
    Recipe("yarn-berry", frozenset({"yarn"}), frozenset({None, "install"}), cleanup=frozenset({("yarn", "cache")})),
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
    # Maven's local repository is looked up by coordinates, with no network check for
    # releases: the mount alone pays off.  Later builds read it, so: persistent.
    Recipe("maven", frozenset({"mvn", "mvnw"}), frozenset(), any_verb=True, persistent=True,
           location_options=("-Dmaven.repo.local",), offline_only=frozenset({"-o", "--offline"}),
           stores_outputs=frozenset({"install", "deploy", "install:install", "deploy:deploy"}),
           relocated_by=(("settings.xml", "localRepository"), ("maven.config", "maven.repo.local"))),
    # Gradle's user home also holds gradle.properties and init scripts: mount only the
    # dependency caches and the wrapper's distributions.
    Recipe("gradle", frozenset({"gradle", "gradlew"}), frozenset(), any_verb=True, persistent=True,
           subdirs=("caches", "wrapper"), location_options=("-g", "--gradle-user-home", "-Dgradle.user.home"),
           offline_only=frozenset({"--offline"}), relocated_by=(("gradle.properties", "gradle.user.home"),)),
    # pdm installs copies unless install.cache is on (then the venv links into the cache,
    # which a mount would take away): that setting is checked before mounting.
    Recipe("pdm", frozenset({"pdm"}), frozenset({"install", "sync", "add", "update"}),
           relocated_by=(("pdm.toml", "cache"),), unsafe_env=("PDM_INSTALL_CACHE",), config_verb="config"),
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
    return [r for r in RECIPES if program in r.programs and (r.any_verb or verb in r.verbs)]
