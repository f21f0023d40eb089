"""Which build-context files a stage has copied into the image, and where.

Docker's COPY/ADD rules, as far as rules need them: a directory source copies its
*contents*; a wildcard that matches a directory copies that directory's contents too;
a relative destination is under WORKDIR; a file lands *in* the destination when it
ends with ``/``, is ``.``, has several sources, or names a directory known to exist.
Whatever dfix cannot follow (``--from``, remote or archive ``ADD``, an unknown
destination) is recorded as *unknown* over the paths it may touch, so a query
answers "unknown" instead of guessing.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..dockerfile import Dockerfile, Instruction, Stage
from ..dockerfile.expand import expand
from .buildstate import State

if TYPE_CHECKING:
    from ..context import BuildContext

UNKNOWN = "<unknown>"
_ARCHIVES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst")


@dataclass(frozen=True)
class Entry:
    kind: str  # "file", "dir" or "unknown"
    image_path: str  # absolute, normalised
    context_path: str = ""  # for file/dir: the context path it comes from ("." for the root)
    instruction: Instruction | None = None


@dataclass
class ImageFiles:
    """Context copies in force, oldest first; later entries win."""

    context: "BuildContext"
    entries: list[Entry] = field(default_factory=list)
    dirs: set[str] = field(default_factory=set)  # image directories known to exist

    def lookup(self, image_path: str) -> str | None:
        """The context file at ``image_path``; None when no copy put one there; UNKNOWN when unknowable."""
        path = posixpath.normpath(image_path)
        for entry in reversed(self.entries):
            if entry.kind == "unknown":
                if _under(path, entry.image_path):
                    return UNKNOWN
            elif entry.kind == "file":
                if path == entry.image_path:
                    return entry.context_path
            elif _under(path, entry.image_path) and path != entry.image_path:
                rel = posixpath.relpath(path, entry.image_path)
                candidate = posixpath.normpath(posixpath.join(entry.context_path, rel))
                if self.context.is_file(candidate):
                    return candidate
        return None


    def holds(self, context_path: str) -> bool:
        """Whether any copy in force brought the context file ``context_path`` in, wherever it landed."""
        for entry in self.entries:
            if entry.kind == "file" and entry.context_path == context_path:
                return True
            if entry.kind == "dir" and self.context.is_file(context_path) and (
                    entry.context_path == "." or context_path.startswith(entry.context_path.rstrip("/") + "/")):
                return True
        return False

    def unknown_copy(self) -> Instruction | None:
        """The first copy dfix cannot follow (`COPY --from`, a variable), which may bring anything."""
        return next((e.instruction for e in self.entries if e.kind == "unknown"), None)


def _under(path: str, prefix: str) -> bool:
    return prefix == "/" or path == prefix or path.startswith(prefix.rstrip("/") + "/")


def copy_sources_and_dest(ins: Instruction) -> tuple[list[str], str] | None:
    values = ins.values
    if len(values) < 2:
        return None
    return values[:-1], values[-1]


def is_context_copy(ins: Instruction) -> bool:
    return ins.keyword in ("COPY", "ADD") and ins.flag("from") is None and not ins.heredocs


def record_copy(files: ImageFiles, ins: Instruction, state: State) -> None:
    """Add one COPY/ADD to ``files``, with the state in force at it."""
    parsed = copy_sources_and_dest(ins)
    if parsed is None:
        return
    sources, raw_dest = parsed
    dest = expand(raw_dest, state.env, ins.command.escape)
    if dest is None or (not posixpath.isabs(dest) and state.workdir is None):
        files.entries.append(Entry("unknown", "/", instruction=ins))
        return
    dest_abs = posixpath.normpath(posixpath.join(state.workdir or "/", dest))
    into_dir = raw_dest.endswith("/") or dest in (".", "./") or len(sources) > 1 or dest_abs in files.dirs
    if not is_context_copy(ins) or ins.flag("parents") is not None:
        files.entries.append(Entry("unknown", dest_abs, instruction=ins))
        files.dirs.add(dest_abs)
        return
    ctx = files.context
    for raw_src in sources:
        src = expand(raw_src, state.env, ins.command.escape)
        if src is None or "://" in src or (ins.keyword == "ADD" and src.endswith(_ARCHIVES)):
            files.entries.append(Entry("unknown", dest_abs, instruction=ins))
            continue
        clean = posixpath.normpath(src.lstrip("/")) if src.strip("/") else "."
        matches = _top_matches(ctx, clean)
        for match in matches:
            if match == "." or ctx.is_dir(match):
                files.entries.append(Entry("dir", dest_abs, match, ins))
                files.dirs.add(dest_abs)
            else:
                target = posixpath.join(dest_abs, posixpath.basename(match)) if into_dir or len(matches) > 1 else dest_abs
                files.entries.append(Entry("file", posixpath.normpath(target), match, ins))
                if into_dir:
                    files.dirs.add(dest_abs)


def record_binds(files: ImageFiles, ins: Instruction, state: State) -> None:
    """Add a RUN's bind mounts of context files, which the stage holds while that RUN runs.

    `RUN --mount=type=bind,source=package-lock.json,target=package-lock.json npm ci` reads
    the lockfile as surely as a COPY before it would; a bind from another stage or image
    (`from=`) is unknown over its target.
    """
    from .runs import mount_fields, mount_target

    for fields in mount_fields(ins):
        raw = mount_target(fields)
        if fields["type"] != "bind" or not raw:
            continue
        target = expand(raw, state.env, ins.command.escape)
        if target is None or (not posixpath.isabs(target) and state.workdir is None):
            files.entries.append(Entry("unknown", "/", instruction=ins))
            continue
        target = posixpath.normpath(posixpath.join(state.workdir or "/", target))
        source = expand(fields.get("source") or fields.get("src") or ".", state.env, ins.command.escape)
        if "from" in fields or source is None:
            files.entries.append(Entry("unknown", target, instruction=ins))
            continue
        clean = posixpath.normpath(source.strip("/")) if source.strip("/") else "."
        if clean == "." or files.context.is_dir(clean):
            files.entries.append(Entry("dir", target, clean, ins))
        elif files.context.is_file(clean):
            files.entries.append(Entry("file", target, clean, ins))


def _top_matches(ctx: "BuildContext", clean: str) -> list[str]:
    from ..context import has_glob_meta

    if clean == ".":
        return ["."]
    if has_glob_meta(clean):
        return ctx.glob(clean)
    return [clean] if ctx.exists(clean) else []


def image_files_before(df: Dockerfile, stage: Stage, upto: Instruction | None, states: dict[int, State],
                       context: "BuildContext") -> ImageFiles:
    """Context files in the image just before ``upto`` (None: after the stage), following the stage's parents.

    RUN effects are not modelled here: rules that care what a RUN writes check it themselves.
    """
    files = ImageFiles(context)
    for s in df.lineage(stage):
        body = s.instructions[1:]
        for i, ins in enumerate(body):
            if ins is upto:
                return files
            if ins.keyword in ("COPY", "ADD"):
                record_copy(files, ins, states[id(ins)])
            elif ins.keyword == "WORKDIR" and i + 1 < len(body):
                workdir = states[id(body[i + 1])].workdir
                if workdir:
                    files.dirs.add(workdir)
    return files
