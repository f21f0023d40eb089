"""Where dfix may read configuration and write files: inside the repository it was given.

A pull request can commit a symlink: a folder `svc -> /home/runner/other`, a
`.dfix.toml -> /etc/...`, a `.github -> ..`. Following one leaves the repository, so
every component is resolved and the result must stay under the root. The root is the
repository (the folder holding `.git`, found without running git) or, outside one, the
tree the path was given as.
"""

from __future__ import annotations

import os
from pathlib import Path


class OutsideError(ValueError):
    """A path that resolves outside the root; the message names both."""


def _holds_repository(directory: Path) -> bool:
    """``directory`` holds ``.git`` (a folder, or a worktree's file) and is not itself a symlink:
    a committed ``svc -> /some/other/repo`` is not a repository root of this tree."""
    return os.path.lexists(directory / ".git") and not os.path.islink(directory)


def repository_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding the repository, found without running git."""
    for directory in walk_up(start, stop_at_mounts=False):
        if _holds_repository(directory):
            return directory
    return None


def walk_up(start: Path, stop_at_mounts: bool = True):
    """``start`` and its parents, up to the repository root or the file system's boundary, never above.

    Outside a repository the walk stops at a mount point: a shared runner's /tmp is
    nobody's configuration.
    """
    directory = Path(os.path.abspath(start))
    try:
        device = os.stat(directory).st_dev
    except OSError:
        device = None
    while True:
        yield directory
        if _holds_repository(directory) or directory.parent == directory:
            return
        try:
            if stop_at_mounts and device is not None and os.stat(directory.parent).st_dev != device:
                return
        except OSError:
            return
        directory = directory.parent


def is_inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def real_path(path: Path) -> Path:
    """``path`` with every symlink resolved, including a last component that does not exist yet."""
    if os.path.lexists(path):
        return path.resolve()
    return path.parent.resolve() / path.name


def write_root(given_root: Path) -> Path:
    """What a write under ``given_root`` may not leave: its repository, else the tree itself."""
    return (repository_root(given_root) or Path(os.path.abspath(given_root))).resolve()


def check_inside(path: Path, root: Path) -> None:
    """OutsideError when ``path``, every symlink followed, is not under ``root`` (resolved)."""
    real = real_path(path)
    if not is_inside(real, root):
        raise OutsideError(f"refusing to write {path}: it resolves to {real}, outside {root}")
