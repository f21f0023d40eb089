"""Does a lockfile match its package.json? Read as data, never by running a tool.

A lockfile-exact install (``npm ci``, ``yarn --frozen-lockfile``) fails the build
when the lockfile is out of date, so DF103 rewrites an install only when the
check here says the lockfile already records exactly what package.json asks for.
"""

from __future__ import annotations

import functools
import json

import yaml

from ..io.limits import load_yaml

DEP_FIELDS = ("dependencies", "devDependencies", "optionalDependencies")
# The part of pnpm-lock.yaml the check reads (importers, specifiers); past this, not checked.
MAX_PNPM_HEAD_BYTES = 8 * 1024 * 1024
MAX_BUN_LOCK_CHARS = 8 * 1024 * 1024


def _bad_fields(data: dict, fields: tuple[str, ...], name: str) -> str | None:
    """Why a manifest's dependency fields are not name -> string maps, or None when they are."""
    for fld in fields:
        value = data.get(fld)
        if value is None:
            continue
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            return f"{name}'s {fld} is not a map of names to version strings"
    return None


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
    version = lock.get("lockfileVersion", 1)
    if not isinstance(version, int) or isinstance(version, bool):
        return "package-lock.json's lockfileVersion is not a number"
    if version < 2:
        return "lockfileVersion 1 cannot be checked against package.json"
    packages = lock.get("packages")
    root = packages.get("") if isinstance(packages, dict) else None
    if not isinstance(root, dict):
        return "package-lock.json has no root package entry"
    bad = _bad_fields(pkg, DEP_FIELDS + ("peerDependencies",), "package.json") or \
        _bad_fields(root, DEP_FIELDS + ("peerDependencies",), "package-lock.json's root package")
    if bad:
        return bad
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


def _before_packages(text: str) -> str:
    """The lockfile up to its top-level `packages:`/`snapshots:` maps, which the check never reads.

    In a YAML block mapping a top-level key starts at column 0 and everything nested is
    indented, so the lines before such a key form a complete document on their own; the
    package maps are most of a large lockfile's bytes.
    """
    cut = len(text)
    for key in ("\npackages:", "\nsnapshots:"):
        at = text.find(key)
        if at != -1:
            cut = min(cut, at + 1)
    return text[:cut]


@functools.lru_cache(maxsize=8)  # the engine re-checks each pass: parse each lockfile once
def pnpm_lock_mismatch(package_json_text: str, lock_text: str) -> str | None:
    """None when pnpm-lock.yaml's root importer records package.json's specifiers exactly, else why not.

    This is the check `pnpm install --frozen-lockfile` starts with: every dependency of
    every kind present with the very specifier package.json gives (lockfile v5 keeps them
    in `specifiers`, v6+ as `specifier` beside each version, v9 under `importers: .`).
    Overrides, patches and package extensions are compared by pnpm too; dfix does not
    evaluate them and gives up when package.json configures any.
    """
    head = _before_packages(lock_text)
    if len(head) > MAX_PNPM_HEAD_BYTES:
        return f"pnpm-lock.yaml's importers are larger than {MAX_PNPM_HEAD_BYTES // (1024 * 1024)} MiB; not checked"
    try:
        pkg = json.loads(package_json_text)
        lock = load_yaml(head, "pnpm-lock.yaml")
    except (ValueError, yaml.YAMLError):
        return "package.json or pnpm-lock.yaml cannot be parsed"
    if not isinstance(pkg, dict) or not isinstance(lock, dict):
        return "package.json or pnpm-lock.yaml is not a mapping"
    bad = _bad_fields(pkg, DEP_FIELDS, "package.json")
    if bad:
        return bad
    if pkg.get("workspaces") or pkg.get("pnpm") or pkg.get("resolutions"):
        return "package.json configures workspaces, overrides or patches, which dfix does not verify"
    if any(key in lock or f"\n{key}:" in lock_text for key in ("overrides", "patchedDependencies",
                                                               "packageExtensionsChecksum", "pnpmfileChecksum")):
        return "pnpm-lock.yaml records overrides, patches or a pnpmfile, which dfix does not verify"
    importers = lock.get("importers")
    if isinstance(importers, dict):
        if set(importers) != {"."}:
            return "a pnpm workspace lockfile: member importers are not verified"
        root = importers["."] if isinstance(importers["."], dict) else {}
    else:
        root = lock
    if not isinstance(root, dict):
        return "pnpm-lock.yaml's root importer is not a mapping"
    legacy = root.get("specifiers") if isinstance(root.get("specifiers"), dict) else None
    locked: dict[str, dict[str, str]] = {}
    for fld in DEP_FIELDS:
        entries = root.get(fld) or {}
        if not isinstance(entries, dict):
            return f"pnpm-lock.yaml's {fld} is not a mapping"
        specs = {}
        for name, entry in entries.items():
            spec = entry.get("specifier") if isinstance(entry, dict) else (legacy or {}).get(name)
            if spec is None:
                return f"pnpm-lock.yaml has no specifier for {name}"
            specs[str(name)] = str(spec)
        locked[fld] = specs
    for fld in DEP_FIELDS:
        want = {k: str(v) for k, v in (pkg.get(fld) or {}).items()}
        if fld == "dependencies":
            # pnpm locks an optional dependency under optionalDependencies only
            want = {k: v for k, v in want.items() if k not in (pkg.get("optionalDependencies") or {})}
        if want != locked[fld]:
            names = sorted(set(want) ^ set(locked[fld]) | {k for k in want if locked[fld].get(k, want[k]) != want[k]})
            return f"pnpm-lock.yaml is out of date for {fld} ({', '.join(names[:3])})"
    return None


def _without_trailing_commas(text: str) -> str:
    """bun.lock is JSON with trailing commas: drop each comma that closes nothing but a container."""
    out: list[str] = []
    in_string = escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == ",":
            rest = text[i + 1 : i + 1 + 256].lstrip()
            if rest[:1] in ("}", "]"):
                continue
        out.append(ch)
    return "".join(out)


def bun_lock_mismatch(package_json_text: str, lock_text: str) -> str | None:
    """None when bun.lock's root workspace records package.json's dependency maps exactly, else why not.

    bun.lock (bun 1.2+) keeps each workspace's declared dependencies under
    ``workspaces[""]``; `bun install --frozen-lockfile` refuses to run when they differ
    from package.json.  Workspaces, overrides and patches are not verified.
    """
    if len(lock_text) > MAX_BUN_LOCK_CHARS:  # the comma pass is per character, in Python
        return f"bun.lock is larger than {MAX_BUN_LOCK_CHARS // (1024 * 1024)} MiB; not checked"
    try:
        pkg = json.loads(package_json_text)
        lock = json.loads(_without_trailing_commas(lock_text))
    except (ValueError, RecursionError):
        return "package.json or bun.lock cannot be parsed"
    if not isinstance(pkg, dict) or not isinstance(lock, dict):
        return "package.json or bun.lock is not a JSON object"
    if pkg.get("workspaces") or pkg.get("overrides") or pkg.get("resolutions") or pkg.get("patchedDependencies"):
        return "package.json configures workspaces, overrides or patches, which dfix does not verify"
    workspaces = lock.get("workspaces")
    if not isinstance(workspaces, dict) or set(workspaces) != {""} or not isinstance(workspaces[""], dict):
        return "bun.lock has no single root workspace entry"
    root = workspaces[""]
    for fld in DEP_FIELDS + ("peerDependencies",):
        want, have = pkg.get(fld) or {}, root.get(fld) or {}
        if not isinstance(want, dict) or not isinstance(have, dict):
            return f"{fld} is not a mapping in package.json or bun.lock"
        if {k: str(v) for k, v in want.items()} != {k: str(v) for k, v in have.items()}:
            names = sorted(set(want) ^ set(have) | {k for k in want if k in have and want[k] != have[k]})
            return f"bun.lock is out of date for {fld} ({', '.join(names[:3])})"
    return None
