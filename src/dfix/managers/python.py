"""Python installers: pip (and `uv pip`), uv, poetry, pdm, pipenv, hatch and setuptools."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .argv import operands
from .record import CacheSpec, Classified, DepsOnly, Kind, LockWrite, Manager, MountRecipe

if TYPE_CHECKING:
    from ..shell.parse import Word

I, P, B, C, A, T, CF, N, U = (Kind.INSTALL, Kind.PROJECT, Kind.BUILD, Kind.CLEANUP, Kind.ADD, Kind.TOOL,
                              Kind.CONFIG, Kind.INERT, Kind.UNKNOWN)

VALUE_FLAGS = frozenset({"-r", "--requirement", "--requirements", "-c", "--constraint", "--constraints", "-e",
                         "--editable", "-t", "--target", "-i", "--index-url", "--extra-index-url", "-f",
                         "--find-links", "--prefix", "--root", "--python", "-p", "--no-binary", "--only-binary",
                         "--cache-dir", "--trusted-host", "--platform", "--python-version", "--implementation",
                         "--abi", "--src", "--progress-bar", "--extra", "--group", "--only-group", "--package",
                         "--directory", "--project", "--with", "--without", "--only", "-E", "--extras", "-G",
                         "--dev-group", "--index", "--default-index", "-C", "--config-settings"})
# pip's options naming the directory a download or wheel build stores packages in.
STORE_DIR_FLAGS = {"download": ("-d", "--dest"),
                   "wheel": ("-w", "--wheel-dir")}
_PIP_VALUE_FLAGS = VALUE_FLAGS | {f for flags in STORE_DIR_FLAGS.values() for f in flags}
# pip spells them singular; uv pip also accepts the plural.
REQUIREMENT_FLAGS = ("-r", "--requirement", "--requirements", "-c", "--constraint", "--constraints")
PROJECT_DIR_FLAGS = ("--directory", "--project", "-C")
_PIP_VERBS = {"install": I, "wheel": I, "download": I, "sync": I, "uninstall": T, "cache": C, "config": CF,
              "freeze": N, "list": N, "show": N, "check": N, "help": N, "-V": N, "--version": N, "compile": U}


def is_local_path(word: str) -> bool:
    """A requirement that is a directory or archive of the context, not a package name."""
    if "://" in word or word.startswith("git+"):
        return False
    return word in (".", "..") or word.startswith(("./", "../", "/", "file:")) or word.endswith((".whl", ".tar.gz"))


def _editable(values: list[str]) -> str | None:
    """pip's -e/--editable target (`-e=x` is not pip's spelling, so only the long option takes `=`)."""
    found = None
    for i, value in enumerate(values):
        if value in ("-e", "--editable") and i + 1 < len(values):
            found = values[i + 1]
        elif value.startswith("--editable="):
            found = value.split("=", 1)[1]
    return found


def requirement_files(args: list[str]) -> list[str]:
    """Files named by -r/-c (and their long and glued forms)."""
    files: list[str] = []
    for i, word in enumerate(args):
        for flag in REQUIREMENT_FLAGS:
            if word == flag and i + 1 < len(args):
                files.append(args[i + 1])
            elif word.startswith(flag + "=") or (flag in ("-r", "-c") and word.startswith(flag) and len(word) > 2
                                                 and not word.startswith("--")):
                files.append(word.split("=", 1)[1] if "=" in word else word[2:])
    return files


def classify_pip(manager: Manager, verb: str | None, args: list["Word"]) -> Classified | None:
    """pip's verbs; an install is the project's when it names requirement files or a local project."""
    kind = _PIP_VERBS.get(verb or "", U)
    if kind is not I:
        return Classified(kind)
    rest = [w.value for w in args]
    rest = rest[rest.index(verb) + 1 :] if verb in rest else rest
    files = requirement_files(rest)
    editable = _editable(rest)
    targets = [a for a in operands(rest, _PIP_VALUE_FLAGS) if is_local_path(a)]
    if editable and is_local_path(editable):
        targets.append(editable)
    if targets:
        return Classified(P, tuple(files), project_dir=targets[0])
    if files:
        return Classified(I, tuple(files))
    return Classified(T)  # `pip install poetry`: a tool, not the project


def classify_uv(manager: Manager, verb: str | None, args: list["Word"]) -> Classified | None:
    """`uv pip install ...` is pip's command line; the rest are uv's own verbs."""
    if verb == "pip":
        values = [w.value for w in args]
        sub = operands(values[values.index("pip") + 1 :], VALUE_FLAGS)[:1]
        if not sub:
            return Classified(U)
        inner = [w for w in args[values.index("pip") + 1 :]]
        return classify_pip(manager, sub[0], inner)
    return None


def uv_virtual(pyproject: dict) -> bool:
    """A uv project that is never installed itself: `tool.uv.package = false`, or no build system."""
    tool = pyproject.get("tool") if isinstance(pyproject.get("tool"), dict) else {}
    uv = tool.get("uv") if isinstance(tool.get("uv"), dict) else {}
    package = uv.get("package")
    return package is False or (package is None and "build-system" not in pyproject)


def poetry_virtual(pyproject: dict) -> bool:
    """A Poetry project in non-package mode (`package-mode = false`)."""
    tool = pyproject.get("tool") if isinstance(pyproject.get("tool"), dict) else {}
    poetry = tool.get("poetry") if isinstance(tool.get("poetry"), dict) else {}
    return poetry.get("package-mode") is False


PIP_CACHE = CacheSpec(("PIP_CACHE_DIR",), "pip", base="xdg_cache")

PIP = Manager(
    "pip", "python", frozenset({"pip", "pip3"}),  # versioned names (pip3.12) are matched by the recogniser
    value_flags=VALUE_FLAGS, classify=classify_pip,
    manifests=("requirements.txt",),
    caches=(PIP_CACHE,),
    mounts=(MountRecipe(frozenset({"install", "wheel", "download"}), defeating_flags=frozenset({"--no-cache-dir"}),
                        defeating_env=("PIP_NO_CACHE_DIR",), location_options=("--cache-dir",)),),
    # `pip download -d DIR` / `pip wheel -w DIR` store packages that `pip install --no-index
    # --find-links DIR` reads instead of the network: DIR is storage, never a cache mount.
    store_dir_flags=STORE_DIR_FLAGS,
    offline_dirs=("--no-index", ("-f", "--find-links")),
    exact_opt_out="a pinned requirements file is pip's lockfile; pip has no lockfile-exact switch",
    deps_only_opt_out="`pip install .` takes its dependency list from the build backend",
)

UV = Manager(
    "uv", "python", frozenset({"uv"}),
    pyproject_section="uv", build_backends=("uv_build",),
    lockfile_read_by=frozenset({"run"}),
    verbs={"sync": P, "pip": I, "add": A, "remove": A, "lock": A, "run": B, "build": B, "publish": B,
           "cache": C, "tool": T, "python": T, "venv": T, "export": N, "tree": N, "version": N, "self": T,
           "--version": N, "-V": N, "help": N},
    value_flags=VALUE_FLAGS, classify=classify_uv, project_dir_flags=PROJECT_DIR_FLAGS,
    deps_only_markers=frozenset({"--no-install-project", "--only-deps"}),
    manifests=("pyproject.toml",), lockfiles=("uv.lock",), install_outputs=(".venv",),
    caches=(CacheSpec(("UV_CACHE_DIR",), "uv", base="xdg_cache"),),
    mounts=(MountRecipe(frozenset({"sync", "pip"}), defeating_flags=frozenset({"--no-cache", "-n"}),
                        defeating_env=("UV_NO_CACHE",), location_options=("--cache-dir",)),),
    offline_only_flags=frozenset({"--offline"}),
    lock_writes={"sync": LockWrite(("uv.lock",), frozenset({"--frozen", "--locked"}))},
    exact_opt_out="whether uv.lock is current needs uv's resolver; `uv sync --locked` would fail where it is not",
    deps_only=DepsOnly(flag="--no-install-project"),
    virtual_project=uv_virtual,
)

POETRY = Manager(
    "poetry", "python", frozenset({"poetry"}),
    pyproject_section="poetry", build_backends=("poetry.core.masonry.api", "poetry.masonry.api"),
    lockfile_read_by=frozenset({"run"}),
    verbs={"install": P, "sync": P, "build": B, "lock": A, "add": A, "remove": A, "update": A, "run": B,
           "config": CF, "cache": C, "self": T, "export": N, "show": N, "check": N, "--version": N, "env": U},
    value_flags=VALUE_FLAGS, project_dir_flags=PROJECT_DIR_FLAGS,
    deps_only_markers=frozenset({"--no-root", "--only-deps"}),
    manifests=("pyproject.toml",), lockfiles=("poetry.lock",), config_files=("poetry.toml",),
    install_outputs=(".venv",),
    caches=(CacheSpec(("POETRY_CACHE_DIR",), "pypoetry", base="xdg_cache"),),
    # Poetry keeps virtualenvs under its cache dir by default: mount only the download caches.
    mounts=(MountRecipe(frozenset({"install", "sync"}), subdirs=("cache", "artifacts"),
                        defeating_flags=frozenset({"--no-cache"})),),
    lock_policy="poetry install installs from an existing poetry.lock and never rewrites it",
    exact_opt_out="poetry install already installs exactly what poetry.lock records",
    deps_only=DepsOnly(flag="--no-root"),
    virtual_project=poetry_virtual,
)

PDM = Manager(
    "pdm", "python", frozenset({"pdm"}),
    pyproject_section="pdm", build_backends=("pdm.backend", "pdm.pep517.api"),
    lockfile_read_by=frozenset({"run"}),
    verbs={"install": P, "sync": P, "add": A, "update": A, "remove": A, "lock": A, "build": B, "run": B,
           "config": CF, "cache": C, "export": N, "list": N, "show": N, "--version": N},
    value_flags=VALUE_FLAGS, project_dir_flags=PROJECT_DIR_FLAGS,
    deps_only_markers=frozenset({"--no-self"}),
    manifests=("pyproject.toml",), lockfiles=("pdm.lock",), config_files=("pdm.toml",),
    install_outputs=(".venv",),
    caches=(CacheSpec(("PDM_CACHE_DIR",), "pdm", base="xdg_cache"),),
    # pdm installs copies unless install.cache is on (then the venv links into the cache,
    # which a mount would take away): that setting is checked before mounting.
    mounts=(MountRecipe(frozenset({"install", "sync", "add", "update"}), relocated_by=(("pdm.toml", "cache"),),
                        unsafe_env=("PDM_INSTALL_CACHE",)),),
    lock_writes={"install": LockWrite(("pdm.lock",), frozenset({"--frozen-lockfile", "--check"}))},
    exact_opt_out="whether pdm.lock is current needs pdm's resolver",
    deps_only=DepsOnly(flag="--no-self"),
)

PIPENV = Manager(
    "pipenv", "python", frozenset({"pipenv"}),
    lockfile_read_by=frozenset({"run"}),
    verbs={"install": I, "sync": I, "lock": A, "update": A, "uninstall": A, "run": B, "shell": B, "graph": N,
           "--version": N, "clean": T, "requirements": N},
    value_flags=VALUE_FLAGS, adds_with_arguments=frozenset({"install"}),
    manifests=("Pipfile",), lockfiles=("Pipfile.lock",),
    caches=(CacheSpec(("PIPENV_CACHE_DIR",), "pipenv", base="xdg_cache"), PIP_CACHE),
    mount_opt_out="pipenv drives pip in its own virtualenv; its cache mount has not been measured",
    lock_writes={"install": LockWrite(("Pipfile.lock",), frozenset({"--deploy", "--ignore-pipfile"}))},
    exact_opt_out="`pipenv install --deploy` fails on a stale lock, which needs pipenv's resolver to know",
    deps_only_opt_out="pipenv install installs dependencies only",
)

HATCH = Manager(
    "hatch", "python", frozenset({"hatch"}),
    pyproject_section="hatch", build_backends=("hatchling.build",),
    verbs={"build": B, "env": P, "run": B, "shell": B, "test": B, "version": N, "--version": N, "publish": B},
    value_flags=VALUE_FLAGS,
    manifests=("pyproject.toml",),
    caches=(CacheSpec(("HATCH_CACHE_DIR",), "hatch", base="xdg_cache"),),
    mount_opt_out="hatch's environments live beside its cache; not measured",
    exact_opt_out="hatch has no lockfile",
    deps_only_opt_out="hatch has no dependencies-only install",
)

# `python setup.py install|develop`: the project installs itself through setuptools.
SETUPTOOLS = Manager(
    "setuptools", "python", frozenset(),
    pyproject_section=None, build_backends=("setuptools.build_meta", "setuptools.build_meta:__legacy__"),
    verbs={"install": P, "develop": P, "bdist_wheel": B, "sdist": B, "build": B},
    manifests=("setup.py", "setup.cfg"),
    caches=(PIP_CACHE,),
    mount_opt_out="setup.py install uses no download cache dfix can mount",
    exact_opt_out="setuptools has no lockfile",
    deps_only_opt_out="setup.py's dependency list lives in code dfix does not run",
)

MANAGERS = (PIP, UV, POETRY, PDM, PIPENV, HATCH, SETUPTOOLS)
