"""``dfix ci github``: a GitHub Actions workflow that keeps both of BuildKit's caches between runs.

The layer cache goes to the Actions cache with ``cache-from``/``cache-to: type=gha,mode=max``.
That export does not carry ``RUN --mount=type=cache`` contents (docker/build-push-action#1011),
so each cache mount found in the Dockerfile is also kept in an ``actions/cache`` directory and
injected into the builder before the build (and extracted after it) by
reproducible-containers/buildkit-cache-dance, with the mount's own id, target and owner.
"""

from __future__ import annotations

import csv
import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

WORKFLOW_PATH = Path(".github/workflows/docker-build.yml")

# What a dependency change touches, so the saved mount contents follow the dependencies.
LOCKFILE_GLOBS = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "requirements*.txt",
                  "poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock", "go.sum", "pom.xml", "*.gradle*")


@dataclass(frozen=True)
class CacheMount:
    """One BuildKit cache (mounts sharing an id share the cache)."""

    id: str  # BuildKit's cache id: the id= option, else the target
    target: str
    uid: str | None = None
    gid: str | None = None
    explicit_id: bool = False

    @property
    def local_dir(self) -> str:
        """The runner directory actions/cache saves: readable, one per cache id."""
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", self.id.strip("/")).strip("-") or "root"
        return f"buildkit-cache-mounts/{name}"

    def dance_options(self) -> str | dict[str, str]:
        if not (self.explicit_id or self.uid or self.gid):
            return self.target
        options = {"target": self.target}
        if self.explicit_id:
            options["id"] = self.id
        options.update({k: v for k, v in (("uid", self.uid), ("gid", self.gid)) if v})
        return options


@dataclass(frozen=True)
class Unusable:
    line: int
    reason: str


def mount_options(value: str) -> dict[str, str]:
    """A --mount value as BuildKit reads it: CSV fields of key=value (keys lower-cased)."""
    fields = next(csv.reader([value]), [])
    out = {}
    for field in fields:
        key, _, val = field.partition("=")
        out[key.strip().lower()] = val.strip()
    return out


def cache_mounts(text: str) -> tuple[list[CacheMount], list[Unusable]]:
    """The cache mounts of every RUN, deduplicated by cache id, and those dfix cannot carry over."""
    from ...dockerfile import parse

    mounts: dict[str, CacheMount] = {}
    unusable: list[Unusable] = []
    for ins in parse(text).instructions:
        if ins.keyword != "RUN":
            continue
        for value in ins.flag_values("mount"):
            opts = mount_options(value)
            if opts.get("type") != "cache":
                continue
            target = opts.get("target") or opts.get("dst") or opts.get("destination")
            if not target:
                unusable.append(Unusable(ins.line, "a cache mount without a target"))
                continue
            if "$" in value:
                # Fail closed: the value depends on ARG/ENV expansion dfix does not do here.
                unusable.append(Unusable(ins.line, f"`{value}` uses a variable; its directory is not known"))
                continue
            if opts.get("from") or opts.get("source"):
                unusable.append(Unusable(ins.line, f"`{value}` seeds the cache from another stage"))
                continue
            target = posixpath.normpath(target)
            cache_id = opts.get("id") or target
            mounts.setdefault(cache_id, CacheMount(cache_id, target, opts.get("uid"), opts.get("gid"),
                                                   explicit_id=bool(opts.get("id"))))
    return list(mounts.values()), unusable


def render_workflow(dockerfile: str, context: str, text: str) -> str:
    """The workflow for one Dockerfile (paths relative to the repository root, POSIX)."""
    mounts, unusable = cache_mounts(text)
    context = context or "."
    prefix = "" if context == "." else context.rstrip("/") + "/"
    hash_patterns = [dockerfile] + [f"{prefix}**/{glob}" for glob in LOCKFILE_GLOBS]
    cache_map = {m.local_dir: m.dance_options() for m in mounts}
    from ...templates_env import render

    return render(
        "github_workflow.yml.j2",
        dockerfile=dockerfile,
        context=context,
        mounts=mounts,
        unusable=unusable,
        # A GitHub expression string is single-quoted, a quote inside doubled.
        hash_files=", ".join("'" + p.replace("'", "''") + "'" for p in hash_patterns),
        cache_map=json.dumps(cache_map, indent=2),
        yaml=yaml_scalar,
        gh=lambda expr: "${{ " + expr + " }}",
    )


def yaml_scalar(value: str) -> str:
    """A plain scalar when YAML reads it back as the same string, else a double-quoted one."""
    if re.fullmatch(r"[A-Za-z0-9_./-][A-Za-z0-9_./ -]*", value) and not value.endswith(" "):
        return value
    return json.dumps(value)  # a JSON string is a valid YAML double-quoted scalar


def write_workflow(path: Path, text: str) -> None:
    """Create or replace the file in one rename, so a failure never leaves half a workflow."""
    import os
    import tempfile

    from ...io.fileio import write_atomic

    if path.exists():
        write_atomic(path, text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".dfix-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
