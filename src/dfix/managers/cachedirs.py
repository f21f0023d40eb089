"""Where a package manager's cache is at one RUN, from its record, the user and the env."""

from __future__ import annotations

from dataclasses import dataclass

from ..images import ROOT_USERS, official_home
from .record import CacheSpec, Manager
from .registry import by_name


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
    return official_home(name)


def cache_dirs_for(manager: Manager | str, env: dict[str, str], user: str | None, home: str | None) -> list[CacheDir]:
    """Cache directories of ``manager`` (a record or its name) for a RUN with this env, USER and HOME."""
    if isinstance(manager, str):
        found = by_name(manager)
        if found is None:
            return []
        manager = found
    user_home = home_for(user, home or env.get("HOME"))
    is_root = (user or "root").split(":", 1)[0] in ROOT_USERS
    return [_resolve(spec, env, user, user_home, is_root) for spec in manager.caches]


def _resolve(spec: CacheSpec, env: dict[str, str], user: str | None, user_home: str | None,
             is_root: bool) -> CacheDir:
    for var in spec.env_vars:
        if env.get(var):
            return CacheDir(env[var].rstrip("/"), f"env {var}")
    if spec.parent_env and env.get(spec.parent_env[0]):
        var, below = spec.parent_env
        parent = env[var].split(":", 1)[0].rstrip("/")  # GOPATH may list several: the first is used
        return CacheDir(f"{parent}/{below}", f"env {var}")
    if spec.option_env and spec.option_env[1] + "=" in env.get(spec.option_env[0], ""):
        var, option = spec.option_env
        value = env[var].split(option + "=", 1)[1].split()[0]
        return CacheDir(value, f"env {var}")
    moved = next((var for var in spec.unknown_if_env if env.get(var)), None)
    if moved:
        return CacheDir(None, "default", f"{moved} is set, which moves the cache in a way dfix does not model")
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
