"""Settings: defaults, ``[tool.dfix]`` in pyproject.toml or ``.dfix.toml``, then flags.

The nearest configuration file found walking up from a Dockerfile wins (as in
ruff); command-line flags override any file.  Unknown keys are errors, so a typo
never silently turns a rule back on.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_SYNTAX = "docker/dockerfile:1"
BUILDERS = ("buildkit", "podman", "kaniko")
CONFIG_FILES = (".dfix.toml", "pyproject.toml")
_CODE = re.compile(r"DF[0-9]{0,3}")


class ConfigError(ValueError):
    pass


# distribution/reference's grammar: [domain[:port]/]path[:tag][@digest].  A syntax value
# is written into the Dockerfile, and may come from a config file in a pull request, so
# nothing but a reference (no whitespace, no newline: no extra instructions) gets through.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(rf"(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*(?::{_TAG})?(?:@{_DIGEST})?", re.ASCII)
_VERSION = re.compile(_TAG, re.ASCII)


def check_syntax(value: str, where: str) -> str:
    """The value itself when it is `none`, a version (`1.7`) or a frontend reference; ConfigError otherwise."""
    if value.lower() == "none" or _VERSION.fullmatch(value) or _REFERENCE.fullmatch(value):
        return value
    shown = value if len(value) <= 60 else value[:60] + "..."
    raise ConfigError(f"{where}: {shown!r} is not a frontend reference ([registry/]name[:tag][@digest]), "
                      "a version such as 1.7, or none")


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] | None = None  # None: every rule enabled by default
    ignore: tuple[str, ...] = ()
    unsafe_fixes: bool = False
    syntax: str = DEFAULT_SYNTAX
    builder: str = "buildkit"
    # Unsafe fixes applied as if safe, by code or prefix (ruff's `extend-safe-fixes`).
    extend_safe_fixes: tuple[str, ...] = ()
    # Runtime base images for DF201's splits, per stack key (see split_knowledge.RUNTIME_IMAGE_KEYS).
    runtime_images: tuple[tuple[str, str], ...] = ()
    # Files a directory walk leaves out (ruff's keys): `exclude` replaces, `extend-exclude` adds.
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    # (glob relative to the config file's folder, codes): rules off for the Dockerfiles it matches.
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    source: Path | None = field(default=None, compare=False)  # the file these came from

    @property
    def syntax_ref(self) -> str | None:
        """The frontend reference DF001 writes, or None when disabled."""
        value = self.syntax.strip()
        if value.lower() == "none":
            return None
        if "/" not in value and ":" not in value:
            return f"docker/dockerfile:{value}"  # "1.7" means docker/dockerfile:1.7
        return value

    def treats_as_safe(self, code: str) -> bool:
        """Whether an unsafe fix of rule ``code`` is applied without --unsafe-fixes."""
        return any(p == "ALL" or code.startswith(p) for p in self.extend_safe_fixes)

    def ignored_for(self, dockerfile: Path) -> tuple[str, ...]:
        """The codes ``per-file-ignores`` turns off for this Dockerfile."""
        if not self.per_file_ignores or self.source is None:
            return ()
        from .io.exclude import matches

        try:
            rel = dockerfile.resolve().relative_to(self.source.parent.resolve()).as_posix()
        except ValueError:
            return ()
        return tuple(c for pattern, codes in self.per_file_ignores if matches(rel, [pattern]) for c in codes)

    def runtime_image(self, key: str) -> str | None:
        return dict(self.runtime_images).get(key)

    def with_overrides(self, **overrides: Any) -> "Settings":
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


_KEYS = {
    "select": "select",
    "ignore": "ignore",
    "unsafe-fixes": "unsafe_fixes",
    "syntax": "syntax",
    "builder": "builder",
    "extend-safe-fixes": "extend_safe_fixes",
    "runtime-images": "runtime_images",
    "exclude": "exclude",
    "extend-exclude": "extend_exclude",
    "respect-gitignore": "respect_gitignore",
    "per-file-ignores": "per_file_ignores",
}


def _codes(value: Any, key: str, path: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: `{key}` must be a list of rule codes")
    return tuple(v.strip().upper() for v in value)  # checked against the rules by the runner


def _runtime_images(value: Any, key: str, path: Path) -> tuple[tuple[str, str], ...]:
    from .rules.df201.knowledge import RUNTIME_IMAGE_KEYS

    if not isinstance(value, dict):
        raise ConfigError(f"{path}: `{key}` must be a table of stack = \"image\"")
    out = []
    for stack, image in value.items():
        if stack not in RUNTIME_IMAGE_KEYS:
            raise ConfigError(f"{path}: `{key}.{stack}` is not a stack (known: {', '.join(RUNTIME_IMAGE_KEYS)})")
        if not isinstance(image, str) or not image.strip() or any(c.isspace() for c in image.strip()):
            raise ConfigError(f"{path}: `{key}.{stack}` must be an image reference")
        out.append((stack, image.strip()))
    return tuple(out)


def _globs(value: Any, key: str, path: Path) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{path}: `{key}` must be a list of glob patterns")
    return tuple(v.strip() for v in value)


def _per_file_ignores(value: Any, key: str, path: Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: `{key}` must be a table of \"glob\" = [rule codes]")
    return tuple((glob, _codes(codes, f"{key}.{glob}", path)) for glob, codes in value.items())


def settings_from_table(table: dict[str, Any], path: Path) -> Settings:
    values: dict[str, Any] = {}
    for key, raw in table.items():
        attr = _KEYS.get(key) or _KEYS.get(key.replace("_", "-"))
        if attr is None:
            raise ConfigError(f"{path}: unknown dfix setting `{key}` (known: {', '.join(_KEYS)})")
        if attr in ("select", "ignore", "extend_safe_fixes"):
            values[attr] = _codes(raw, key, path)
        elif attr == "runtime_images":
            values[attr] = _runtime_images(raw, key, path)
        elif attr in ("exclude", "extend_exclude"):
            values[attr] = _globs(raw, key, path)
        elif attr == "per_file_ignores":
            values[attr] = _per_file_ignores(raw, key, path)
        elif attr in ("unsafe_fixes", "respect_gitignore"):
            if not isinstance(raw, bool):
                raise ConfigError(f"{path}: `{key}` must be true or false")
            values[attr] = raw
        else:
            if not isinstance(raw, str):
                raise ConfigError(f"{path}: `{key}` must be a string")
            values[attr] = check_syntax(raw, f"{path}: `{key}`") if attr == "syntax" else raw
    # The shape only: the rule catalogue sits above this module (it imports Settings).
    malformed = [c for c in values.get("extend_safe_fixes", ()) if c != "ALL" and not _CODE.fullmatch(c)]
    if malformed:
        raise ConfigError(f"{path}: `extend-safe-fixes` wants rule codes or prefixes like DF201: "
                          f"{', '.join(malformed)}")
    if values.get("builder", "buildkit") not in BUILDERS:
        raise ConfigError(f"{path}: `builder` must be one of {', '.join(BUILDERS)}")
    return Settings(source=path, **values)


MAX_CONFIG_BYTES = 4 * 1024 * 1024


def _table_in(path: Path) -> dict[str, Any] | None:
    """The dfix table of a config file; None for a pyproject.toml without one."""
    from .io.fileio import InputError, read_bounded
    from .io.limits import InputLimitError, check_toml

    try:
        text = read_bounded(path, MAX_CONFIG_BYTES).decode("utf-8")
        check_toml(text, str(path))
        data = tomllib.loads(text)
    except (InputError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except InputLimitError as exc:
        raise ConfigError(str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name != "pyproject.toml":
        return data
    tool = data.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: `tool` must be a table")
    table = tool.get("dfix")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: `tool.dfix` must be a table")
    return table


class ConfigFinder:
    """Finds and caches the settings in force for a directory.

    The walk up from a Dockerfile stops at the repository root (the folder holding
    ``.git``) or, outside a repository, at the file system's boundary: a ``.dfix.toml`` in
    the runner's /tmp, above the bot's worktree, is nobody's configuration. A config file
    that is a symlink to somewhere outside that root is an error, not read.
    """

    def __init__(self) -> None:
        self._cache: dict[Path, Settings] = {}

    def for_path(self, path: Path) -> Settings:
        from .io.paths import walk_up

        start = path if path.is_dir() else path.parent
        directories = list(walk_up(start))
        boundary = directories[-1]
        visited = []
        found = Settings()
        for directory in directories:
            if directory in self._cache:
                found = self._cache[directory]
                break
            visited.append(directory)
            settings = self._settings_in(directory, boundary)
            if settings is not None:
                found = settings
                break
        for d in visited:
            self._cache[d] = found
        return found

    @staticmethod
    def _settings_in(directory: Path, boundary: Path) -> Settings | None:
        from .io.paths import is_inside

        for name in CONFIG_FILES:
            candidate = directory / name
            if candidate.exists() or candidate.is_symlink():
                real = candidate.resolve()
                if not is_inside(real, boundary.resolve()):
                    raise ConfigError(f"{candidate}: a symlink to {real}, outside {boundary}; not reading it")
                table = _table_in(candidate)
                if table is not None:
                    return settings_from_table(table, candidate)
        return None


def is_docker_frontend(reference: str) -> bool:
    """Whether a syntax reference is Docker's own Dockerfile frontend, at any tag or digest.

    Any other frontend is an image whose code runs inside every build of the file.
    """
    from .images import parse_reference

    name = parse_reference(reference).name
    return name in ("docker/dockerfile", "docker.io/docker/dockerfile", "docker/dockerfile-upstream",
                    "docker.io/docker/dockerfile-upstream")


def frontend_warning(settings: Settings) -> str | None:
    """The warning for a configured frontend that is not Docker's, naming the config file."""
    ref = settings.syntax_ref
    if settings.source is None or ref is None or is_docker_frontend(ref):
        return None
    source = settings.source
    try:
        source = source.relative_to(Path.cwd())  # the bot's worktree is a temporary folder
    except ValueError:
        pass
    return (f"{source}: syntax = {ref!r} is not docker/dockerfile: DF001 writes it as the frontend, "
            "code that runs in every build of the file")
