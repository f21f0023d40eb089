"""Node package managers: npm, yarn 1, yarn 2+, pnpm and bun."""

from __future__ import annotations

from .lockfiles import bun_lock_mismatch, npm_lock_mismatch, pnpm_lock_mismatch, yarn_lock_mismatch
from .record import CacheSpec, ExactInstall, Kind, LockWrite, Manager, MountRecipe

I, B, C, F, A, T, CF, N = (Kind.INSTALL, Kind.BUILD, Kind.CLEANUP, Kind.FETCH, Kind.ADD, Kind.TOOL, Kind.CONFIG,
                           Kind.INERT)

# Options of the node package managers that take a separate value.
VALUE_FLAGS = frozenset({"--prefix", "--cwd", "-C", "--dir", "--filter", "-F", "--omit", "--include", "--registry",
                         "--cache", "--network-timeout", "--mutex", "--cache-folder", "--modules-folder",
                         "--workspace", "-w", "--loglevel", "--store-dir", "--backend", "--cache-dir"})
GLOBAL_FLAGS = frozenset({"-g", "--global", "--location=global"})
# Subcommands that are not package.json scripts (`yarn build` is a script, `yarn add` is not).
NOT_SCRIPTS = frozenset({"add", "remove", "dlx", "exec", "x", "config", "store", "set", "cache", "link", "unlink",
                         "why", "info", "list", "ls", "outdated", "upgrade", "up", "update", "version", "-v",
                         "--version", "init", "create", "plugin", "workspaces", "setup", "prune", "pack",
                         "publish", "audit", "import", "global", "pm", "patch", "deploy", "rebuild", "licenses"})
_COMMON_VERBS = {"run": B, "run-script": B, "test": B, "t": B, "start": B, "exec": B, "x": B, "dlx": B,
                 "config": CF, "cache": C, "add": A, "remove": A, "update": A, "up": A, "upgrade": A,
                 "-v": N, "--version": N, "help": N, "--help": N, "info": N, "view": N, "why": N, "list": N,
                 "ls": N, "outdated": N, "audit": N, "version": N}
NODE_MODULES = ("node_modules",)
# package.json scripts every node package manager runs during an install.
LIFECYCLE_SCRIPTS = ("preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare", "postprepare")
# Tools a lifecycle script may run that read only the named directories of the package
# (and node_modules): patch-package applies patches/ to the installed packages. A script
# that is just such a tool reads exactly those directories, copied with the manifests.
SCRIPT_TOOL_INPUTS = {"patch-package": ("patches",)}
# Lifecycle scripts whose work does not depend on the project source.
HARMLESS_SCRIPTS = frozenset({"husky", "husky install", "is-ci || husky install", "npx only-allow pnpm",
                              "npx only-allow npm", "npx only-allow yarn"})

NPM = Manager(
    "npm", "node", frozenset({"npm"}),
    verbs={**_COMMON_VERBS, "ci": I, "clean-install": I, "install": I, "i": I, "isntall": I, "rebuild": B,
           # `npm prune` removes packages from node_modules (and rewrites the lockfile): not a cache cleanup
           "prune": A, "dedupe": A, "pack": B, "publish": B},
    value_flags=VALUE_FLAGS, global_flags=GLOBAL_FLAGS,
    adds_with_arguments=frozenset({"install", "i", "isntall"}), project_dir_flags=("--prefix",),
    manifests=("package.json",), lockfiles=("package-lock.json", "npm-shrinkwrap.json"),
    config_files=(".npmrc",), install_outputs=NODE_MODULES,
    caches=(CacheSpec(("NPM_CONFIG_CACHE", "npm_config_cache"), ".npm"),),
    # `npm install` with a lockfile in sync installs what it pins: --prefer-offline then only
    # skips revalidating cached metadata (measured: without it a dependency change with a mount
    # rebuilds as slowly as with none).
    mounts=(MountRecipe(frozenset({"ci", "clean-install", "install", "i"}), offline_flag="--prefer-offline",
                        offline_verbs=frozenset({"ci", "clean-install", "install", "i", "isntall"}),
                        offline_exact_verbs=frozenset({"ci", "clean-install"}), location_options=("--cache",)),),
    config_setters={"cache": "NPM_CONFIG_CACHE"},
    offline_only_flags=frozenset({"--offline"}),
    lock_writes={v: LockWrite(("package-lock.json", "npm-shrinkwrap.json"),
                              frozenset({"--no-package-lock", "--package-lock=false"}))
                 for v in ("install", "i", "isntall")},
    # npm ci re-checks the whole tree with the image's own npm, and npm versions disagree
    # on optional peers: a lockfile written by npm 11 that npm 10's `npm ci` rejected
    # ("Missing: gcp-metadata@5.3.0 from lock file") passed every root-level check.
    exact=ExactInstall(
        safe=False, verbs=frozenset({"install", "i", "isntall"}),
        lockfiles=("npm-shrinkwrap.json", "package-lock.json"), exact_flags=frozenset(),
        blocking_flags=frozenset({"-g", "--global", "--prefix", "-C", "--no-package-lock", "--package-lock=false",
                                  "--package-lock-only", "--workspace", "-w", "--workspaces", "--location=global"}),
        sync_check=npm_lock_mismatch, new_verb="ci",
        why="npm versions disagree about which lockfiles are in sync"),
    production_install="npm ci --omit=dev",
    production_flags=frozenset({"--omit=dev", "--only=prod", "--only=production", "--production"}),
    deps_only_opt_out="npm install installs dependencies only",
)

YARN_CLASSIC = Manager(
    "yarn-classic", "node", frozenset({"yarn", "yarnpkg"}),
    verbs={**_COMMON_VERBS, None: I, "install": I, "global": T, "workspaces": B, "workspace": B},
    value_flags=VALUE_FLAGS, script_verbs=True, not_scripts=NOT_SCRIPTS, global_flags=GLOBAL_FLAGS,
    adds_with_arguments=frozenset({"install"}), project_dir_flags=("--cwd",),
    manifests=("package.json",), lockfiles=("yarn.lock",), config_files=(".npmrc", ".yarnrc"),
    config_dirs=(".yarn/releases",), install_outputs=NODE_MODULES,
    # yarn v1 swaps the home for /usr/local/share when running as root on Linux.
    caches=(CacheSpec(("YARN_CACHE_FOLDER",), "yarn", base="xdg_cache", root_default="/usr/local/share/.cache/yarn"),),
    mounts=(MountRecipe(frozenset({None, "install", "add"}), offline_flag="--prefer-offline",
                        offline_verbs=frozenset({None, "install"}),
                        offline_requires=frozenset({"--frozen-lockfile", "--immutable"}),
                        location_options=("--cache-folder",)),),
    config_setters={"cache-folder": "YARN_CACHE_FOLDER"},
    offline_only_flags=frozenset({"--offline"}),
    lock_writes={v: LockWrite(("yarn.lock",), frozenset({"--frozen-lockfile", "--immutable", "--pure-lockfile"}))
                 for v in (None, "install")},
    # yarn 1's frozen check is whether every `name@range` is locked: exactly what dfix verifies.
    exact=ExactInstall(
        safe=True, verbs=frozenset({None, "install"}), lockfiles=("yarn.lock",),
        exact_flags=frozenset({"--frozen-lockfile", "--immutable"}),
        blocking_flags=frozenset({"--cwd", "global", "--modules-folder", "--no-lockfile"}),
        sync_check=yarn_lock_mismatch, add_flag="--frozen-lockfile"),
    production_install="yarn install --frozen-lockfile --production",
    production_flags=frozenset({"--production", "--prod", "--production=true"}),
    deps_only_opt_out="yarn install installs dependencies only",
)

# Yarn 2+: a content-addressed cache (checksums in yarn.lock), read without asking the
# network; mountable only with the node-modules linker and the global cache (yarn_berry).
YARN_BERRY = Manager(
    "yarn-berry", "node", frozenset({"yarn", "yarnpkg"}),
    verbs={**_COMMON_VERBS, None: I, "install": I, "workspaces": B, "workspace": B},
    value_flags=VALUE_FLAGS, script_verbs=True, not_scripts=NOT_SCRIPTS, global_flags=GLOBAL_FLAGS,
    adds_with_arguments=frozenset({"install"}), project_dir_flags=("--cwd",),
    manifests=("package.json",), lockfiles=("yarn.lock",), config_files=(".yarnrc.yml",),
    config_dirs=(".yarn/releases", ".yarn/plugins", ".yarn/patches", ".yarn/cache"), install_outputs=NODE_MODULES,
    # Only with enableGlobalCache (Yarn 4's default); Yarn 2/3 cache inside the project
    # (.yarn/cache). YARN_CACHE_FOLDER is the project cache, which the global cache replaces.
    caches=(CacheSpec((), ".yarn/berry/cache", parent_env=("YARN_GLOBAL_FOLDER", "cache")),),
    mounts=(MountRecipe(frozenset({None, "install"}), settings_decide=True),),
    lock_writes={v: LockWrite(("yarn.lock",), frozenset({"--frozen-lockfile", "--immutable", "--pure-lockfile"}))
                 for v in (None, "install")},
    exact_opt_out="yarn 2+ `--immutable` checks resolutions and checksums dfix does not replicate",
    deps_only_opt_out="yarn install installs dependencies only",
    # Yarn 2+ never runs prepublish or prepare (preprepare, postprepare) on install; only these.
    install_scripts=("preinstall", "install", "postinstall"),
)

def pnpm_exact_check(package_json: str, lock: str) -> str | None:
    """pnpm's own check, plus the lockfile format: pnpm 9 and later refuse an older lockfile with
    --frozen-lockfile (ERR_PNPM_LOCKFILE_BREAKING_CHANGE), and which pnpm the image runs is unknown."""
    version = _pnpm_lockfile_version(lock)
    if version is None or version < (9, 0):
        shown = "unknown" if version is None else ".".join(map(str, version))
        return (f"pnpm-lock.yaml is lockfileVersion {shown}: pnpm 9 and later refuse it with --frozen-lockfile, "
                "and the image's pnpm version is not pinned where dfix can see it")
    return pnpm_lock_mismatch(package_json, lock)


def _pnpm_lockfile_version(lock: str) -> tuple[int, int] | None:
    for line in lock.splitlines()[:20]:
        if line.startswith("lockfileVersion:"):
            raw = line.split(":", 1)[1].strip().strip("'\"")
            major, _, minor = raw.partition(".")
            if major.isdigit() and (minor.isdigit() or not minor):
                return int(major), int(minor or 0)
            return None
    return None


PNPM = Manager(
    "pnpm", "node", frozenset({"pnpm"}),
    verbs={**_COMMON_VERBS, "install": I, "i": I, "fetch": F, "store": C, "deploy": B, "rebuild": B},
    value_flags=VALUE_FLAGS, script_verbs=True, not_scripts=NOT_SCRIPTS, global_flags=GLOBAL_FLAGS,
    adds_with_arguments=frozenset({"install", "i"}), project_dir_flags=("--dir", "-C"),
    manifests=("package.json",), lockfiles=("pnpm-lock.yaml",),
    config_files=(".npmrc", "pnpm-workspace.yaml", ".pnpmfile.cjs", ".pnpmfile.mjs"), install_outputs=NODE_MODULES,
    caches=(CacheSpec(("npm_config_store_dir", "NPM_CONFIG_STORE_DIR"), "pnpm/store", base="xdg_data",
                      parent_env=("PNPM_HOME", "store")),),
    mounts=(MountRecipe(frozenset({"install", "i", "add", "fetch"}), location_options=("--store-dir",)),),
    config_setters={"store-dir": "npm_config_store_dir"},
    offline_only_flags=frozenset({"--offline"}),
    lock_writes={v: LockWrite(("pnpm-lock.yaml",), frozenset({"--frozen-lockfile", "--lockfile-only"}))
                 for v in ("install", "i")},
    # pnpm rewrites a lockfile written by another pnpm major (format migration) on a plain
    # install, and --frozen-lockfile then fails or keeps the old file: which happens
    # depends on the image's pnpm, which dfix cannot know. Opt-in, like npm.
    exact=ExactInstall(
        safe=False, verbs=frozenset({"install", "i"}), lockfiles=("pnpm-lock.yaml",),
        exact_flags=frozenset({"--frozen-lockfile", "--frozen-lockfile=true"}),
        blocking_flags=frozenset({"-g", "--global", "--dir", "-C", "--filter", "-F", "--recursive", "-r",
                                  "--no-lockfile", "--lockfile-only", "--fix-lockfile", "--no-frozen-lockfile",
                                  "--frozen-lockfile=false", "--prefer-frozen-lockfile", "--workspace-root", "-w"}),
        sync_check=pnpm_exact_check, add_flag="--frozen-lockfile",
        why="a lockfile from another pnpm major is migrated by a plain install"),
    production_install="pnpm install --frozen-lockfile --prod",
    production_flags=frozenset({"--prod", "-P", "--production"}),
    deps_only_opt_out="pnpm install installs dependencies only",
)

BUN = Manager(
    "bun", "node", frozenset({"bun", "bunx"}),
    verbs={**_COMMON_VERBS, "install": I, "i": I, "pm": N, "build": B, "create": T},
    value_flags=VALUE_FLAGS, script_verbs=True, not_scripts=NOT_SCRIPTS, global_flags=GLOBAL_FLAGS,
    adds_with_arguments=frozenset({"install", "i"}), project_dir_flags=("--cwd",),
    manifests=("package.json",), lockfiles=("bun.lock", "bun.lockb"), config_files=(".npmrc", "bunfig.toml"),
    install_outputs=NODE_MODULES,
    caches=(CacheSpec(("BUN_INSTALL_CACHE_DIR",), ".bun/install/cache", parent_env=("BUN_INSTALL", "install/cache"),
                      unknown_if_env=("XDG_CACHE_HOME",)),),
    # bun hard-links packages out of its cache and copies them when the link crosses a
    # file system (EXDEV), as it does out of a cache mount: node_modules holds the same files.
    mounts=(MountRecipe(frozenset({"install", "i", "add"}), relocated_by=(("bunfig.toml", "cache"),),
                        location_options=("--cache-dir",)),),
    config_setters={},
    lock_writes={v: LockWrite(("bun.lock", "bun.lockb"), frozenset({"--frozen-lockfile", "--no-save"}))
                 for v in ("install", "i")},
    # bun migrates bun.lockb to bun.lock (1.2) and may refuse an old lockfile frozen:
    # the image's bun version decides.
    exact=ExactInstall(
        safe=False, verbs=frozenset({"install", "i"}), lockfiles=("bun.lock",),
        exact_flags=frozenset({"--frozen-lockfile"}),
        blocking_flags=frozenset({"-g", "--global", "--cwd", "--no-save", "--filter", "-F", "--production=false"}),
        sync_check=bun_lock_mismatch, add_flag="--frozen-lockfile",
        why="the image's bun version decides whether an older lockfile is accepted"),
    deps_only_opt_out="bun install installs dependencies only",
)

# corepack installs and activates yarn and pnpm; `corepack yarn install` is yarn itself
# (the shell layer peels the wrapper).
COREPACK = Manager(
    "corepack", "node", frozenset({"corepack"}), runs_programs=frozenset({"yarn", "pnpm", "npm", "npx", "pnpx", "yarnpkg"}),
    tools_read_only_manifests=True,
    verbs={"enable": T, "disable": T, "prepare": T, "install": T, "use": A, "up": A, "pack": T, "-v": N,
           "--version": N},
    mount_opt_out="corepack downloads a package manager once; nothing to keep between builds",
    exact_opt_out="corepack installs tools, not the project's dependencies",
    deps_only_opt_out="corepack installs tools, not the project's dependencies",
)

MANAGERS = (NPM, YARN_CLASSIC, YARN_BERRY, PNPM, BUN, COREPACK)
