"""Settings: defaults, ``[tool.dfix]`` in pyproject.toml or ``.dfix.toml``, then flags.

The nearest configuration file found walking up from a Dockerfile wins (as in
ruff); command-line flags override any file.  Unknown keys are errors, so a typo
never silently turns a rule back on.
"""

from __future__ import annotations

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


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] | None = None  # None: every rule enabled by default
    ignore: tuple[str, ...] = ()
    unsafe_fixes: bool = False
    syntax: str = DEFAULT_SYNTAX
    builder: str = "buildkit"
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

    def with_overrides(self, **overrides: Any) -> "Settings":
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


_KEYS = {
    "select": "select",
    "ignore": "ignore",
    "unsafe-fixes": "unsafe_fixes",
    "syntax": "syntax",
    "builder": "builder",
}


def _codes(value: Any, key: str, path: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: `{key}` must be a list of rule codes")
    return tuple(v.strip().upper() for v in value)


def settings_from_table(table: dict[str, Any], path: Path) -> Settings:
    values: dict[str, Any] = {}
    for key, raw in table.items():
        attr = _KEYS.get(key) or _KEYS.get(key.replace("_", "-"))
        if attr is None:
            raise ConfigError(f"{path}: unknown dfix setting `{key}` (known: {', '.join(_KEYS)})")
        if attr in ("select", "ignore"):
            values[attr] = _codes(raw, key, path)
        elif attr == "unsafe_fixes":
            if not isinstance(raw, bool):
                raise ConfigError(f"{path}: `{key}` must be true or false")
            values[attr] = raw
        else:
            if not isinstance(raw, str):
                raise ConfigError(f"{path}: `{key}` must be a string")
            values[attr] = raw
    if values.get("builder", "buildkit") not in BUILDERS:
        raise ConfigError(f"{path}: `builder` must be one of {', '.join(BUILDERS)}")
    return Settings(source=path, **values)


def _table_in(path: Path) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("dfix")
        return table if isinstance(table, dict) else None
    return data


class ConfigFinder:
    """Finds and caches the settings in force for a directory."""

    def __init__(self) -> None:
        self._cache: dict[Path, Settings] = {}

    def for_path(self, path: Path) -> Settings:
        start = path if path.is_dir() else path.parent
        start = start.resolve()
        visited = []
        directory: Path | None = start
        found = Settings()
        while directory is not None:
            if directory in self._cache:
                found = self._cache[directory]
                break
            visited.append(directory)
            settings = self._settings_in(directory)
            if settings is not None:
                found = settings
                break
            directory = directory.parent if directory.parent != directory else None
        for d in visited:
            self._cache[d] = found
        return found

    @staticmethod
    def _settings_in(directory: Path) -> Settings | None:
        for name in CONFIG_FILES:
            candidate = directory / name
            if candidate.is_file():
                table = _table_in(candidate)
                if table is not None:
                    return settings_from_table(table, candidate)
        return None
