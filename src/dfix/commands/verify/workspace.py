"""Scratch copies of a build context: one for the original, one for the rewrite.

The user's files are never touched: each side builds from its own copy in a temporary
directory, the rewrite's copy holding the rewritten Dockerfile and every other file of
the fix set (DF301's .dockerignore).  Source edits and dependency changes are applied
to the copies only.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from ...context import BuildContext
from ...rules.findings import FileEdit

SIDES = ("original", "rewritten")


@dataclass
class Side:
    """One side's scratch copy: the context and the Dockerfile (inside it, or beside it)."""

    name: str
    context: Path
    dockerfile: Path


def _only_files_dirs_links(directory: str, names: list[str]) -> list[str]:
    """copytree's ignore: a FIFO or socket in a context would hang or fail the copy; the client skips them too."""
    skipped = []
    for name in names:
        mode = os.lstat(os.path.join(directory, name)).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode)):
            skipped.append(name)
    return skipped


def dockerfile_place(dockerfile: Path, context: Path) -> str | None:
    """The Dockerfile's path inside the context, or None when it lives outside it."""
    try:
        return dockerfile.resolve().relative_to(context.resolve()).as_posix()
    except ValueError:
        return None


def make_side(root: Path, name: str, context: Path, dockerfile: Path, text: str,
              files: dict[str, str] | None = None) -> Side:
    """Copy ``context`` under ``root/name`` (symlinks as links: nothing outside is read) and write
    ``text`` as its Dockerfile, at the same place, and ``files`` (context-relative path -> text)."""
    copy = root / name / "context"
    shutil.copytree(context, copy, symlinks=True, ignore=_only_files_dirs_links)
    place = dockerfile_place(dockerfile, context)
    target = copy / place if place is not None else root / name / dockerfile.name
    target.parent.mkdir(parents=True, exist_ok=True)
    _write(target, text)
    for relpath, content in (files or {}).items():
        _write(copy / relpath, content)
    return Side(name, copy, target)


def _write(path: Path, text: str) -> None:
    if path.is_symlink():  # never write through a link of the user's context
        path.unlink()
    path.write_bytes(text.encode("utf-8"))


def extra_files(edits: dict[Path, FileEdit], context: Path) -> dict[str, str]:
    """The fix set's other files as context-relative paths; ValueError for one outside the context."""
    out = {}
    for path, edit in edits.items():
        if edit.new_text == edit.old_text:
            continue
        place = dockerfile_place(path, context)
        if place is None:
            raise ValueError(f"the fix set writes {path}, outside the build context {context}")
        out[place] = edit.new_text
    return out


def sha256_text(text: str | None) -> str:
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()


# the source edit -------------------------------------------------------------------------

# How to add one line to a file of this kind without changing what it does.
COMMENTS = {
    **dict.fromkeys((".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".go", ".java", ".kt", ".c", ".h", ".cc",
                     ".cpp", ".cs", ".rs", ".swift", ".scala", ".dart"), ("// ", "")),
    **dict.fromkeys((".py", ".rb", ".sh", ".bash", ".pl", ".r", ".yaml", ".yml", ".toml", ".ini", ".cfg",
                     ".conf", ".txt", ".md", ".rst"), ("# ", "")),
    **dict.fromkeys((".css", ".scss", ".less"), ("/* ", " */")),
    **dict.fromkeys((".html", ".htm", ".xml", ".vue", ".svg"), ("<!-- ", " -->")),
}
# Entry points first: what a developer edits most.
PREFERRED = ("server.js", "index.js", "app.js", "main.js", "app.py", "main.py", "main.go", "index.ts", "main.ts")


def can_edit(relpath: str) -> bool:
    return Path(relpath).suffix.lower() in COMMENTS


def pick_edit(broad: set[str], narrow: set[str], exclude: set[str]) -> str | None:
    """A file that only whole-context copies take (no install step's narrow COPY reads it), or None."""
    candidates = sorted(f for f in broad - narrow - exclude if can_edit(f))
    if not candidates:
        return None
    return min(candidates, key=lambda f: (Path(f).name not in PREFERRED, f.count("/"),
                                          PREFERRED.index(Path(f).name) if Path(f).name in PREFERRED else 0, f))


def apply_edit(side: Side, relpath: str, token: str) -> None:
    """Append one comment line naming the side and the run: the two sides' edited files differ from
    each other and from any earlier run's, so on a builder whose cache they share, no step reading
    the file can be taken from another build."""
    path = side.context / relpath
    if path.is_symlink() or not path.is_file():
        raise ValueError(f"--edit {relpath}: not a regular file in the context")
    data = path.read_bytes()
    start, end = COMMENTS.get(Path(relpath).suffix.lower(), ("# ", ""))
    line = f"{start}dfix verify: source edit ({side.name} {token}){end}\n".encode()
    path.write_bytes(data + (b"" if not data or data.endswith(b"\n") else b"\n") + line)


def broad_and_narrow(model_files: list[tuple[str, list[str]]]) -> tuple[set[str], set[str]]:
    """Files read through a whole-context source ("."), and files read through any other source."""
    broad: set[str] = set()
    narrow: set[str] = set()
    for pattern, files in model_files:
        (broad if pattern == "." else narrow).update(files)
    return broad, narrow


# the dependency change -------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every regular file and symlink under ``root`` (symlinks by target), for a before/after diff."""
    out: dict[str, bytes | None] = {}
    for directory, dirs, names in os.walk(root):
        for name in names + [d for d in dirs if os.path.islink(os.path.join(directory, d))]:
            full = os.path.join(directory, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            if os.path.islink(full):
                out[rel] = b"link:" + os.readlink(full).encode()
            elif os.path.isfile(full):
                out[rel] = hashlib.sha256(Path(full).read_bytes()).digest()
    return out


def changed_paths(before: dict[str, bytes | None], after: dict[str, bytes | None]) -> list[str]:
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def copy_change(source: Path, paths: list[str], side: Side) -> None:
    """Put the changed files of ``source`` into the side's copy, byte for byte (deleted ones deleted)."""
    for rel in paths:
        src, dst = source / rel, side.context / rel
        if dst.is_symlink() or dst.is_file():
            dst.unlink()
        if src.is_symlink():
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.readlink(src), dst)
        elif src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)


def included(context: BuildContext, paths: list[str]) -> list[str]:
    return [p for p in paths if context.is_included(p)]
