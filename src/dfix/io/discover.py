"""Finding Dockerfiles under the paths given on the command line."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path

# Names docker build, podman and compose pick up, plus the common variants.
DOCKERFILE_PATTERNS = ("Dockerfile", "dockerfile", "*.Dockerfile", "*.dockerfile", "Dockerfile.*",
                       "Containerfile", "*.Containerfile", "Containerfile.*")
# Files that match the patterns but are not Dockerfiles.
# Templates and docs named after a Dockerfile (Dockerfile.j2, Dockerfile.md) made every run exit 2.
NOT_DOCKERFILE_SUFFIXES = (".dockerignore", ".containerignore", ".orig", ".rej", ".bak", ".swp", "~",
                           ".md", ".txt", ".rst", ".j2", ".jinja", ".jinja2", ".tpl", ".tmpl", ".template",
                           ".erb", ".mustache", ".hbs", ".in", ".sample", ".example", ".patch", ".diff", ".sh")
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox", ".nox",
                       "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".idea"})


@dataclass(frozen=True)
class Target:
    path: Path  # as given or found (not resolved), for display
    root: Path  # the tree it was found in: a symlink may not lead outside it
    error: str | None = None
    walked: bool = False  # found by walking a directory, not named: exclusion applies


def is_dockerfile_name(name: str) -> bool:
    if name.endswith(NOT_DOCKERFILE_SUFFIXES):
        return False
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in DOCKERFILE_PATTERNS)


def _is_virtualenv(directory: Path) -> bool:
    """A folder venv made: its pyvenv.cfg names the interpreter's home (an empty one hid a Dockerfile)."""
    cfg = directory / "pyvenv.cfg"
    if not cfg.is_file():
        return False
    try:
        with cfg.open("rb") as fh:
            head = fh.read(64 * 1024)
    except OSError:
        return False
    return any(line.split(b"=", 1)[0].strip() == b"home" for line in head.split(b"\n") if b"=" in line)


def discover(paths: list[Path], warnings: list[str] | None = None) -> list[Target]:
    """Dockerfiles to process, in a stable order; missing paths come back as errors.

    A file reached twice (listed twice, or a symlink beside its target) is processed
    once, at its first place: twice would print its diff twice and write it twice.
    A directory without a Dockerfile goes to ``warnings`` when it is given: a repository
    with nothing to fix is not a failure (ruff and black exit 0 on it), but a typo'd path is.
    """
    return _unique(_discover(paths, warnings))


def _unique(targets: list[Target]) -> list[Target]:
    seen: set[tuple[int, int]] = set()
    out: list[Target] = []
    for target in targets:
        if target.error is None:
            try:
                st = target.path.stat()
            except (OSError, RuntimeError):
                st = None  # the runner reports why it cannot be read
            if st is not None:
                key = (st.st_dev, st.st_ino)
                if key in seen:
                    continue
                seen.add(key)
        out.append(target)
    return out


def _discover(paths: list[Path], warnings: list[str] | None) -> list[Target]:
    targets: list[Target] = []
    for given in paths:
        if not given.exists() and not given.is_symlink():
            targets.append(Target(given, given, "no such file or directory"))
        elif given.is_dir():
            found = list(_walk(given))
            if not found and warnings is not None:
                warnings.append(f"{given}: no Dockerfile found in this directory")
            elif not found:
                targets.append(Target(given, given, "no Dockerfile found in this directory"))
            targets.extend(found)
        else:
            root = Path.cwd() if _is_under(given.absolute(), Path.cwd()) else given.absolute().parent
            targets.append(Target(given, root))
    return targets


def _walk(top: Path):
    for dirpath, dirnames, filenames in os.walk(top):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not _is_virtualenv(here / d))
        for name in sorted(filenames):
            if is_dockerfile_name(name):
                yield Target(here / name, top, walked=True)


def _is_under(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def escapes_tree(target: Target) -> bool:
    """True when the file is a symlink whose target lies outside the tree it was found in."""
    if not target.path.is_symlink():
        return False
    try:
        return not _is_under(target.path.resolve(), target.root.resolve())
    except (RuntimeError, OSError):  # a symlink loop: reading it reports the loop
        return False
