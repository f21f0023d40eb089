"""Yarn 2+ ("berry") settings that decide whether its download cache can be a mount.

Yarn berry stores packages as zip archives in a cache, and what the install leaves
in the image depends on its settings:

- with Plug'n'Play (the default linker) the zips in the cache *are* the installed
  packages, read at run time: the cache must stay in the image;
- with `nodeLinker: node-modules` the install copies files out of the zips, so the
  cache is only a download cache;
- the cache is the project's `.yarn/cache` unless the global cache is on
  (`enableGlobalCache`, the default from yarn 4), then `<globalFolder>/cache`.

Settings come from `.yarnrc.yml` (parsed as YAML) and the `YARN_*` environment
variables, which override it.  Anything dfix cannot read is "unknown", never a guess.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass

import yaml

from ..io.limits import load_yaml
from . import cache_dirs_for
from .node import YARN_BERRY

_RELEASE = re.compile(r"yarn-(\d+)\.\d+\.\d+")
_SAFE_NM_MODES = frozenset({"classic", "hardlinks-local"})


@dataclass(frozen=True)
class BerryCache:
    """Where a berry install's download cache is, or why it cannot be mounted."""

    global_folder: str | None  # None: the user's ~/.yarn/berry
    reason: str | None = None  # set when the cache must not (or cannot) be mounted

    def target(self, home: str | None) -> str | None:
        if self.global_folder:
            return cache_dirs_for(YARN_BERRY, {"YARN_GLOBAL_FOLDER": self.global_folder}, None, home)[0].path
        return None if home is None else cache_dirs_for(YARN_BERRY, {}, None, home)[0].path


def berry_cache(context, rc: tuple[list[str], dict, str | None], env: dict[str, str],
                corepack_enabled: bool) -> BerryCache:
    """The cache a berry `yarn install` uses in this context (``rc``: read_rc's answer), with the run's env."""
    rcs, settings, error = rc
    if len(rcs) > 1:
        return BerryCache(None, f"the context holds {len(rcs)} .yarnrc.yml files; dfix does not tell which applies")
    if error:
        return BerryCache(None, error)

    def setting(name: str, var: str):
        return env[var] if var in env else settings.get(name)

    for name in ("nodeLinker", "nmMode", "cacheFolder", "yarnPath"):
        if not isinstance(settings.get(name), (str, type(None))):
            return BerryCache(None, f".yarnrc.yml's {name} is not a string")

    major = _major(context, settings, rcs[0] if rcs else None)
    if not settings.get("yarnPath") and not corepack_enabled:
        return BerryCache(None, "this is a yarn 2+ project but nothing makes `yarn` run it (no yarnPath, "
                                "no `corepack enable` before)")
    linker = setting("nodeLinker", "YARN_NODE_LINKER") or "pnp"
    if linker != "node-modules":
        return BerryCache(None, f"yarn 2+ with nodeLinker {linker!r} reads the installed packages from its cache "
                                "at run time, so the cache must stay in the image")
    nm_mode = setting("nmMode", "YARN_NM_MODE") or "classic"
    if nm_mode not in _SAFE_NM_MODES:
        return BerryCache(None, f"nmMode {nm_mode!r} links node_modules to files outside the project")
    enabled = _flag(setting("enableGlobalCache", "YARN_ENABLE_GLOBAL_CACHE"))
    if enabled is None:
        if major is None:
            return BerryCache(None, "the yarn version is unknown, so whether it uses a global cache is unknown")
        enabled = major >= 4
    if not enabled:
        return BerryCache(None, "yarn keeps its cache in the project (.yarn/cache), not in a global folder")
    if env.get("YARN_CACHE_FOLDER"):
        # Name what set it: the environment, not .yarnrc.yml, is what the user must look at.
        return BerryCache(None, "YARN_CACHE_FOLDER is set in the environment (not in .yarnrc.yml); with the global "
                                "cache on (yarn 4's default) yarn ignores it and uses the global cache, so a cache "
                                "mount of that folder catches nothing; dfix does not follow which cache yarn then uses")
    if "YARN_CACHE_FOLDER" not in env and settings.get("cacheFolder"):
        return BerryCache(None, f"{rcs[0] if rcs else '.yarnrc.yml'} sets cacheFolder; dfix does not follow which "
                                "cache yarn then uses")
    folder = setting("globalFolder", "YARN_GLOBAL_FOLDER")
    if folder is not None and (not isinstance(folder, str) or not folder.startswith("/") or "$" in folder):
        return BerryCache(None, f"globalFolder {folder!r} is not an absolute path dfix can resolve")
    return BerryCache(folder.rstrip("/") if folder else None)


def runs_berry(context, rc: tuple[list[str], dict, str | None], corepack_enabled: bool) -> bool:
    """Whether `yarn` provably runs yarn 2+ here: a yarnPath in the only .yarnrc.yml, or corepack
    enabled with a packageManager field of yarn 2+ (corepack's own default yarn is 1.x)."""
    rcs, settings, error = rc
    if len(rcs) > 1 or error:
        return False
    if isinstance(settings.get("yarnPath"), str) and settings["yarnPath"]:
        return True
    major = _major(context, {}, rcs[0] if rcs else None)
    return corepack_enabled and major is not None and major >= 2


def read_rc(context) -> tuple[list[str], dict, str | None]:
    """The context's .yarnrc.yml paths, the settings of the only one, and a parse error if any."""
    rcs = [p for p in context.files if posixpath.basename(p) == ".yarnrc.yml"]
    if len(rcs) != 1:
        return rcs, {}, None
    try:
        loaded = load_yaml(context.read_text(rcs[0]) or "", rcs[0])
    except yaml.YAMLError as err:
        return rcs, {}, f"{rcs[0]} is not valid YAML ({err.__class__.__name__})"
    return rcs, loaded if isinstance(loaded, dict) else {}, None


def _flag(value) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true")


def _major(context, settings: dict, rc: str | None) -> int | None:
    """Yarn's major version from yarnPath's release name or package.json's packageManager."""
    release = settings.get("yarnPath")
    if isinstance(release, str):
        m = _RELEASE.search(posixpath.basename(release))
        if m:
            return int(m.group(1))
    directory = posixpath.dirname(rc) if rc else ""
    text = context.read_text(posixpath.join(directory, "package.json") if directory else "package.json")
    try:
        manager = json.loads(text or "{}").get("packageManager", "")
    except (ValueError, AttributeError):
        return None
    if isinstance(manager, str) and manager.startswith("yarn@"):
        head = manager[5:].split(".", 1)[0]
        return int(head) if head.isdigit() else None
    return None
