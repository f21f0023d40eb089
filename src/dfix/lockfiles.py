"""Does a lockfile match its package.json? Read as data, never by running a tool.

A lockfile-exact install (``npm ci``, ``yarn --frozen-lockfile``) fails the build
when the lockfile is out of date, so DF103 rewrites an install only when the
check here says the lockfile already records exactly what package.json asks for.
"""

from __future__ import annotations

import json
from typing import Callable

DEP_FIELDS = ("dependencies", "devDependencies", "optionalDependencies")


def _declared(package_json: dict) -> dict[str, str]:
    out: dict[str, str] = {}
    for fld in DEP_FIELDS:
        deps = package_json.get(fld) or {}
        if isinstance(deps, dict):
            out.update({k: str(v) for k, v in deps.items()})
    return out


def npm_lock_mismatch(package_json_text: str, lock_text: str) -> str | None:
    """None when package-lock.json (v2/v3) records package.json's dependencies exactly, else why not."""
    try:
        pkg = json.loads(package_json_text)
        lock = json.loads(lock_text)
    except ValueError:
        return "package.json or package-lock.json is not valid JSON"
    if not isinstance(pkg, dict) or not isinstance(lock, dict):
        return "package.json or package-lock.json is not a JSON object"
    if pkg.get("workspaces"):
        return "npm workspaces: member lock entries are not verified"
    if int(lock.get("lockfileVersion") or 1) < 2:
        return "lockfileVersion 1 cannot be checked against package.json"
    root = (lock.get("packages") or {}).get("")
    if not isinstance(root, dict):
        return "package-lock.json has no root package entry"
    for fld in DEP_FIELDS + ("peerDependencies",):
        want = pkg.get(fld) or {}
        have = root.get(fld) or {}
        if want != have:
            names = sorted(set(want) ^ set(have) | {k for k in want if k in have and want[k] != have[k]})
            return f"package-lock.json is out of date for {fld} ({', '.join(names[:3])})"
    return None


def yarn_classic_lock_keys(lock_text: str) -> set[str] | None:
    """The ``name@range`` keys of a yarn v1 lockfile; None for a yarn berry (v2+) lockfile."""
    keys: set[str] = set()
    for line in lock_text.splitlines():
        if line.startswith("__metadata:"):
            return None
        if not line or line[0] in " #\t" or not line.rstrip().endswith(":"):
            continue
        for key in line.rstrip()[:-1].split(", "):
            keys.add(key.strip().strip('"'))
    return keys


def yarn_lock_mismatch(package_json_text: str, lock_text: str) -> str | None:
    try:
        pkg = json.loads(package_json_text)
    except ValueError:
        return "package.json is not valid JSON"
    if not isinstance(pkg, dict):
        return "package.json is not a JSON object"
    if pkg.get("workspaces"):
        return "yarn workspaces: member lock entries are not verified"
    keys = yarn_classic_lock_keys(lock_text)
    if keys is None:
        return "yarn.lock is a yarn 2+ (berry) lockfile"
    missing = [f"{name}@{spec}" for name, spec in _declared(pkg).items() if f"{name}@{spec}" not in keys]
    if missing:
        return f"yarn.lock is out of date ({', '.join(missing[:3])} not locked)"
    return None


MISMATCH_CHECKS: dict[str, Callable[[str, str], str | None]] = {
    "npm": npm_lock_mismatch,
    "yarn-classic": yarn_lock_mismatch,
}
