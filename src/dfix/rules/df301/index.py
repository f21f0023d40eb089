"""What DF301 asks of a context, answered once per context instead of per Dockerfile and candidate.

A monorepo's root context holds every service's Dockerfile, and DF301 runs for each
Dockerfile built from it and in each pass of the engine: re-walking 215,000 files for
each of 5,000 Dockerfiles and each candidate entry never finished (issue 16).  The
answers here live in the context's memo (``BuildContext.memo``): facts about the tree
before ``.dockerignore`` (which Dockerfiles it holds and what they read, compose files,
submodules, stacks) once per tree, facts about the sent files (what one pattern would
drop, what a glob matches) once per ignore text.  Each is linear in the files.
"""

from __future__ import annotations

import bisect
import posixpath
from dataclasses import dataclass

from ...analysis.buildstate import stage_states
from ...analysis.named import NamedPath, compose_names, dotenv_names, stage_taken, submodule_dirs
from ...context import BuildContext, DockerIgnore
from ...dockerfile import DockerfileError, parse
from ...io.discover import is_dockerfile_name
from .entries import STACK_MARKERS


@dataclass(frozen=True)
class TreeDockerfile:
    """A Dockerfile in the context tree: what it reads and names, or why dfix cannot tell."""

    rel: str
    reads: tuple = ()  # ContextRead
    named: tuple[NamedPath, ...] = ()
    blocker: str | None = None


def tree_dockerfiles(context: BuildContext, reads_of) -> list[TreeDockerfile]:
    """Every Dockerfile in the tree that uses the tree's ``.dockerignore``, parsed once per tree:
    those with a Dockerfile's name, and those a compose file builds whatever their name."""
    def compute() -> list[TreeDockerfile]:
        out = []
        built = {n.glob for n in context_named(context)[0] if n.dockerfile and context.in_tree(n.glob)}
        for rel in context.all_files:
            if "ockerfile" not in rel and "ontainerfile" not in rel and rel not in built:
                continue  # every Dockerfile name holds one of these: no fnmatch for the other files
            if not (rel in built or is_dockerfile_name(posixpath.basename(rel))) \
                    or context.in_tree(rel + ".dockerignore"):
                continue  # one with its own ignore file is judged with that file
            text = context.read_unfiltered(rel)
            if text is None:
                out.append(TreeDockerfile(rel, blocker=f"{rel} may build from this context and dfix cannot read it"))
                continue
            try:
                df = parse(text)
            except DockerfileError:
                out.append(TreeDockerfile(rel, blocker=f"{rel} may build from this context and does not parse"))
                continue
            states = stage_states(df)
            named = (*dotenv_names(df, states, rel), *stage_taken(df, states, context, rel))
            out.append(TreeDockerfile(rel, tuple(reads_of(df, rel, states)), named))
        return out

    return context.memo("df301.tree-dockerfiles", compute, whole_tree=True)


def context_named(context: BuildContext) -> tuple[list[NamedPath], list[str]]:
    """Paths compose files name, and submodule folders (content dfix cannot see), once per tree."""
    return context.memo("df301.named", lambda: (compose_names(context), submodule_dirs(context)), whole_tree=True)


def stacks(context: BuildContext) -> list[str]:
    def compute() -> list[str]:
        return [s for s, markers in STACK_MARKERS.items()
                if any(f.endswith(markers) and posixpath.basename(f) in markers for f in context.all_files)]

    return context.memo("df301.stacks", compute, whole_tree=True)


def present(context: BuildContext, path: str) -> bool:
    """Whether the tree (before .dockerignore) holds ``path`` as a file or a folder of files."""
    files = context.all_files
    at = bisect.bisect_left(files, path + "/")
    return context.in_tree(path) or at < len(files) and files[at].startswith(path + "/")


def _view_index(context: BuildContext) -> tuple[dict[str, list[str]], list[str]]:
    """The sent files and folders by file name, and those at the root: where a one-segment pattern can match."""
    def compute():
        by_name: dict[str, list[str]] = {}
        for path in (*context.files, *context.dirs):
            by_name.setdefault(path.rpartition("/")[2], []).append(path)
        return by_name, [p for p in (*context.files, *context.dirs) if "/" not in p]

    return context.memo("df301.names", compute)


def dropped(context: BuildContext, pattern: str) -> frozenset[str]:
    """The sent files ``pattern`` alone would exclude (matching them or a folder above them)."""
    def compute() -> frozenset[str]:
        alone = DockerIgnore([pattern])
        segments = pattern.split("/")
        by_name, at_root = _view_index(context)
        if len(segments) == 2 and segments[0] == "**" and "**" not in segments[1]:
            # `**/x` matches a path exactly when it matches its file name: ask once per name.
            candidates = [p for name, paths in by_name.items() if alone.excludes(name) for p in paths]
        elif len(segments) == 1 and "**" not in pattern:
            candidates = at_root  # anchored at the root: below it only through a matched folder
        else:
            candidates = [*context.files, *context.dirs]
        out: set[str] = set()
        for path in candidates:
            if alone.excludes(path):
                out.update(_with_files_under(context, path))
        return frozenset(out)

    return context.memo(("df301.dropped", pattern), compute)


def _with_files_under(context: BuildContext, path: str) -> list[str]:
    files = context.files
    found = [path] if context.is_file(path) else []
    at = bisect.bisect_left(files, path + "/")
    while at < len(files) and files[at].startswith(path + "/"):
        found.append(files[at])
        at += 1
    return found


def globbed(context: BuildContext, source: str) -> list[str]:
    """``context.glob(source)``, once per source and ignore text."""
    return context.memo(("df301.glob", source), lambda: context.glob(source))


def copied(context: BuildContext, sources: tuple[str, ...]) -> frozenset[str] | None:
    """The sent files any of these folder or wildcard sources copies; None for all of them."""
    if "." in sources:
        return None
    return context.memo(("df301.copied", sources),
                        lambda: frozenset(f for s in sources for f in context.matches_copy_source(s)))
