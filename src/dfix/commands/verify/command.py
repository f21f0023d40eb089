"""``dfix verify`` from the command line: discover, verify each Dockerfile, print, exit 0, 1 or 2."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import click

from ...config import ConfigError, ConfigFinder
from ...dockerfile import DockerfileError
from ...io.discover import discover, escapes_tree
from ...io.fileio import InputError
from ...pipeline.engine import EngineError
from ...pipeline.runner import Options, settings_for
from ..explain.cachesim import TargetError
from ..explain.command import context_relative
from ..explain.compare import load_subject
from . import builders, phases, report


@dataclass(frozen=True)
class VerifyOptions:
    builder: str | None = None  # --builder: a buildx builder's name, podman or buildctl
    addr: str | None = None  # --addr for buildctl
    docker: str = "docker"  # the docker client program
    edit: str | None = None
    dep_change: str | None = None
    max_list: int = 20
    fmt: str = "text"
    target: str | None = None


def run(paths: list[Path], options: Options, verify: VerifyOptions) -> int:
    finder = ConfigFinder()
    docs = []
    worst = 0
    for found in discover(paths or [Path(".")]):
        doc = _one(found, options, verify, finder)
        docs.append(doc)
        code = 2 if doc["verdict"] == "cannot verify" else 1 if doc["verdict"] == "differs" else 0
        worst = max(worst, code)
        if verify.fmt == "text":
            click.echo(report.to_text(doc), nl=False)
            sys.stdout.flush()
    if verify.fmt == "json":
        click.echo(report.to_json(docs))
    return worst


def _one(found, options: Options, verify: VerifyOptions, finder: ConfigFinder) -> dict:
    """One Dockerfile's report document; errors of any kind are its "cannot verify" entry."""
    context = str(options.context if options.context is not None else found.path.parent)
    problem = found.error or ("symlink points outside the tree; not following it" if escapes_tree(found) else None)
    builder_name = verify.builder or "-"
    if problem is None:
        try:
            subject = load_subject(found, options, finder, verify.target)
            if subject.rewritten is None:  # no builder needed, nor asked for
                return report.file_dict(str(found.path), context, builder_name, phases.Outcome(
                    "nothing to verify", notes=["dfix has nothing to change in this file: nothing was built"]),
                    verify.max_list)
            builder = builders.choose(verify.builder, settings_for(found, options, finder).builder,
                                      verify.docker, verify.addr)
            builder_name = builder.name
            outcome = _verify(subject, builder, verify)
            return report.file_dict(str(found.path), context, builder.name, outcome, verify.max_list)
        except DockerfileError as exc:
            problem = f"BuildKit would reject this file: {exc}"
        except (InputError, ConfigError, TargetError, EngineError, ValueError) as exc:
            problem = str(exc)
        except builders.BuilderError as exc:
            problem = str(exc)
    click.secho(f"error: {found.path}: {problem}", fg="red", err=True)
    outcome = phases.Outcome("cannot verify", error=problem)
    return report.file_dict(str(found.path), context, builder_name, outcome, verify.max_list)


def _verify(subject, builder: builders.Builder, verify: VerifyOptions) -> phases.Outcome:
    """Build in a scratch directory; whatever happens, the images and the directory go afterwards."""
    edit = context_relative(verify.edit, subject.context) if verify.edit else None
    if edit is not None and not (subject.context / edit).is_file():
        raise ValueError(f"--edit {verify.edit}: not a file of the build context {subject.context}")
    root = Path(tempfile.mkdtemp(prefix="dfix-verify-"))
    settings = phases.Settings(edit, verify.dep_change, verify.target)
    try:
        return phases.verify(subject, builder, root, settings, _progress)
    finally:
        left = builder.cleanup()
        if left:
            click.secho(f"warning: could not remove images {', '.join(left)}", fg="yellow", err=True)
        shutil.rmtree(root, ignore_errors=True)


_STARTED = time.monotonic()


def _progress(message: str) -> None:
    """One line per step on stderr: a verify of one file takes minutes, and says where it is."""
    click.echo(f"verify [{time.monotonic() - _STARTED:6.1f} s] {message}", err=True)
