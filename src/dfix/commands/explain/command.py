"""``dfix explain`` from the command line: discover, explain each Dockerfile, print, exit 0 or 2."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from .cachesim import TargetError
from .history import GitError
from ...config import ConfigError, ConfigFinder
from ...io.discover import discover, escapes_tree
from ...dockerfile import DockerfileError
from ...pipeline.engine import EngineError
from .compare import explain_subject, load_subject
from .timings import parse_log
from ...io.fileio import MAX_MANIFEST_BYTES, InputError, read_bounded
from ...io.printable import safe_line
from ...pipeline.runner import Options


def context_relative(given: str, context: Path) -> str:
    """A --changed path: one that exists from here is taken relative to the context; else it is a context path."""
    path = Path(given)
    if path.exists():
        try:
            return path.resolve().relative_to(context.resolve()).as_posix()
        except ValueError:
            pass
    return given


def run(paths: list[Path], options: Options, changed: tuple[str, ...], changed_args: tuple[str, ...],
        history: int | None, timings: Path | None, target: str | None, fmt: str) -> int:
    logged = None
    if timings is not None:
        try:
            # Bounded: `--timings /dev/zero` read 920 MiB before; a build log is a manifest-sized text.
            logged = parse_log(read_bounded(timings, MAX_MANIFEST_BYTES).decode("utf-8", errors="replace"))
        except InputError as exc:
            click.secho(safe_line(f"error: --timings {timings}: {exc}"), fg="red", err=True)
            return 2
    docs: list[dict[str, Any]] = []
    errors = 0
    finder = ConfigFinder()
    warnings: list[str] = []
    found_targets = discover(paths or [Path(".")], warnings)
    for warning in warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    for found in found_targets:
        problem = found.error or ("symlink points outside the tree; not following it" if escapes_tree(found) else None)
        if problem is None:
            try:
                subject = load_subject(found, options, finder, target)
                context = subject.context
                docs.append(explain_subject(subject, [context_relative(c, context) for c in changed] if changed
                                            else None, list(changed_args), history, logged))
                continue
            except DockerfileError as exc:
                problem = f"BuildKit would reject this file: {exc}"
            except (InputError, ConfigError, TargetError, GitError, EngineError) as exc:
                problem = str(exc)
        errors += 1
        click.secho(safe_line(f"error: {found.path}: {problem}"), fg="red", err=True)
        docs.append({"path": str(found.path), "error": problem, "steps": []})
    good = [d for d in docs if "error" not in d]
    if fmt == "json":
        click.echo(json.dumps({"dockerfiles": docs}, indent=2))
    elif fmt == "markdown":
        from .formats import render_markdown

        click.echo(render_markdown(good), nl=False)
    else:
        from .formats import print_text

        print_text(good)
    sys.stdout.flush()
    return 2 if errors else 0
