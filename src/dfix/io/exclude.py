"""Which found Dockerfiles a run leaves out: `exclude` patterns and what git ignores.

As in ruff, exclusion applies to files found by walking a directory; a file named on the
command line is processed unless ``--force-exclude`` (what pre-commit and editors need,
since they name files). A pattern is matched, as a shell glob (fnmatch: no backtracking
blow-up since Python 3.9), against the path relative to the directory the pattern belongs
to and each of its parent folders; a pattern without ``/`` also matches any one path
component, so ``vendor`` leaves out every ``vendor/`` folder.
"""

from __future__ import annotations

import fnmatch
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from . import git as safegit
from .discover import Target


@dataclass(frozen=True)
class Exclusion:
    patterns: tuple[str, ...]
    base: Path  # where relative patterns start: the config file's folder, or the working directory
    respect_gitignore: bool = True
    force: bool = False  # leave out named files too


def matches(relpath: str, patterns: Iterable[str]) -> str | None:
    """The first pattern that leaves ``relpath`` out (it or one of its folders), or None."""
    parts = relpath.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        clean = pattern.strip().strip("/")
        if not clean:
            continue
        if "/" in clean:
            if any(fnmatch.fnmatchcase(p, clean) for p in prefixes):
                return pattern
        elif any(fnmatch.fnmatchcase(part, clean) for part in parts):
            return pattern
    return None


def apply(targets: list[Target], exclusion: Exclusion) -> tuple[list[Target], list[str]]:
    """The targets to process, and for ``-v`` one line per file left out with why."""
    kept: list[Target] = []
    why: list[str] = []
    candidates = [t for t in targets if t.error is None and (t.walked or exclusion.force)]
    ignored = _git_ignored(candidates) if exclusion.respect_gitignore else set()
    for target in targets:
        if target not in candidates:
            kept.append(target)
            continue
        rel = _relative(target.path, exclusion.base)
        pattern = matches(rel, exclusion.patterns) if rel is not None else None
        if pattern is not None:
            why.append(f"{target.path}: excluded by `{pattern}`")
        elif target.path.absolute() in ignored:
            why.append(f"{target.path}: ignored by git")
        else:
            kept.append(target)
    return kept, why


def _relative(path: Path, base: Path) -> str | None:
    try:
        return posixpath.normpath(path.absolute().relative_to(base.absolute()).as_posix())
    except ValueError:
        return None


def _git_ignored(targets: list[Target]) -> set[Path]:
    """The paths git ignores (never a tracked one): one git call per tree walked.

    Outside a repository, or where git refuses (a path in a nested repository), nothing
    counts as ignored: respecting .gitignore saves work, it guards nothing.
    """
    by_root: dict[Path, list[Path]] = {}
    for target in targets:
        root = target.root if target.root.is_dir() else target.root.parent
        by_root.setdefault(root.absolute(), []).append(target.path.absolute())
    out: set[Path] = set()
    for root, group in by_root.items():
        try:
            proc = safegit.run(root, "check-ignore", "--stdin", "-z", check=False,
                               stdin="\0".join(str(p) for p in group) + "\0")
        except safegit.GitError:
            continue
        if proc.returncode == 0:
            out.update(Path(p) for p in proc.stdout.split("\0") if p)
    return out
