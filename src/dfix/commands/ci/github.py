"""``dfix ci github``: a GitHub Actions workflow that keeps both of BuildKit's caches between runs.

The layer cache goes to the Actions cache with ``cache-from``/``cache-to: type=gha,mode=max``.
That export does not carry ``RUN --mount=type=cache`` contents (docker/build-push-action#1011),
so each cache mount found in the Dockerfile is also kept in an ``actions/cache`` directory and
injected into the builder before the build (and extracted after it) by
reproducible-containers/buildkit-cache-dance, with the mount's own id, target and owner.

The workflow is built as data and written by a YAML emitter: the Dockerfile comes from a
pull request, and once committed the workflow runs with the repository's secrets. So no
value is pasted into YAML text, comments hold no raw input, nothing from the input reaches
Actions' expression syntax (``${{``), and nothing is written through a symlink.
"""

from __future__ import annotations

import csv
import json
import os
import posixpath
import re
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import click

WORKFLOW_PATH = Path(".github/workflows/docker-build.yml")

# Every action the workflow uses, pinned to a full commit (a tag can be moved to other code;
# a commit cannot). The tag is what the commit was released as, written beside it. These
# are the tags' commits as read from each action's repository; update them here only.
ACTIONS = {
    "actions/checkout": ("11d5960a326750d5838078e36cf38b85af677262", "v4.4.0"),
    "docker/setup-buildx-action": ("8d2750c68a42422c14e847fe6c8ac0403b4cbd6f", "v3.12.0"),
    "actions/cache": ("0057852bfaa89a56745cba8c7296529d2fc39830", "v4.3.0"),
    "reproducible-containers/buildkit-cache-dance": ("653a570f730e3b9460adc576db523788ba59a0d7", "v3.2.0"),
    "docker/build-push-action": ("10e90e3645eae34f1e60eeb005ba3a3d33f178e8", "v6.19.2"),
}

# What a dependency change touches, so the saved mount contents follow the dependencies.
LOCKFILE_GLOBS = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "requirements*.txt",
                  "poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock", "go.sum", "pom.xml", "*.gradle*")

EXPRESSION = "${{"  # where Actions starts evaluating, in any value of a workflow


class WorkflowError(ValueError):
    """The workflow cannot be written; the message says why in one line."""


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
            if "\r" in value:
                # BuildKit keeps a lone CR inside the field; Python's csv cannot read one. Fail closed.
                unusable.append(Unusable(ins.line, "a cache mount whose value holds a carriage return"))
                continue
            opts = mount_options(value)
            if opts.get("type") != "cache":
                continue
            target = opts.get("target") or opts.get("dst") or opts.get("destination")
            if not target:
                unusable.append(Unusable(ins.line, "a cache mount without a target"))
                continue
            if "$" in value:
                # Fail closed: the value depends on ARG/ENV expansion dfix does not do here
                # (and `${{` would be an Actions expression in the workflow).
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


def check_path(path: str) -> Quoted:
    """A repository path for the workflow's values; WorkflowError when Actions would evaluate it.

    Refused rather than escaped: ``${{`` starts an expression in any value (``secrets.X``
    would be read), ``}}`` would end the ``hashFiles()`` one early, and a line break has no
    place in a path the workflow names.
    """
    if EXPRESSION in path or "}}" in path:
        raise WorkflowError(f"{_comment(path)}: the path holds `${{{{` or `}}}}`, which GitHub Actions would "
                            "read as an expression; rename it to write a workflow")
    if not path.isprintable():
        raise WorkflowError(f"{_comment(path)}: the path holds a control character; rename it to write a workflow")
    return Quoted(path)


def build_workflow(dockerfile: str, context: str, mounts: list[CacheMount]) -> dict:
    """The workflow as data: the same jobs and steps for every Dockerfile, its paths as values."""
    context = check_path(context or ".")
    dockerfile = check_path(dockerfile)
    steps: list[dict] = [
        {"uses": pin("actions/checkout")},
        {"name": "Set up Docker Buildx", "id": "buildx", "uses": pin("docker/setup-buildx-action")},
    ]
    if mounts:
        prefix = "" if context == "." else context.rstrip("/") + "/"
        patterns = [dockerfile] + [f"{prefix}**/{glob}" for glob in LOCKFILE_GLOBS]
        # A GitHub expression string is single-quoted, a quote inside doubled.
        hash_files = ", ".join("'" + p.replace("'", "''") + "'" for p in patterns)
        cache_map = {m.local_dir: m.dance_options() for m in mounts}
        steps += [
            {"name": "Restore the cache-mount directories", "id": "mount-cache", "uses": pin("actions/cache"),
             "with": {"path": "".join(m.local_dir + "\n" for m in mounts),
                      "key": "buildkit-cache-mounts-${{ runner.os }}-${{ hashFiles(" + hash_files + ") }}",
                      "restore-keys": "buildkit-cache-mounts-${{ runner.os }}-\n"}},
            {"name": "Inject the cache-mount directories into the builder",
             "uses": pin("reproducible-containers/buildkit-cache-dance"),
             "with": {"cache-map": json.dumps(cache_map, indent=2) + "\n",
                      "skip-extraction": "${{ steps.mount-cache.outputs.cache-hit }}",
                      "builder": "${{ steps.buildx.outputs.name }}"}},
        ]
    steps.append({"name": "Build", "uses": pin("docker/build-push-action"),
                  "with": {"context": context, "file": dockerfile, "push": False,
                           "cache-from": "type=gha", "cache-to": "type=gha,mode=max"}})
    return {"name": "docker-build", "on": ["push", "pull_request"], "permissions": {"contents": "read"},
            "jobs": {"build": {"runs-on": "ubuntu-latest", "steps": steps}}}


def pin(action: str) -> str:
    sha, _tag = ACTIONS[action]
    return f"{action}@{sha}"


def render_workflow(dockerfile: str, context: str, text: str) -> str:
    """The workflow for one Dockerfile (paths relative to the repository root, POSIX)."""
    mounts, unusable = cache_mounts(text)
    workflow = build_workflow(dockerfile, context, mounts)
    return _header(dockerfile, mounts, unusable) + _with_tags(_dump(workflow))


def _header(dockerfile: str, mounts: list[CacheMount], unusable: list[Unusable]) -> str:
    lines = [f"Written by `dfix ci github` for {dockerfile}.",
             "Layer cache: the GitHub Actions cache (type=gha, mode=max exports every stage)."]
    if mounts:
        lines += ["RUN --mount=type=cache contents are not part of that export (docker/build-push-action#1011):",
                  "they are saved with actions/cache and injected into the builder by buildkit-cache-dance,",
                  "into the builder setup-buildx-action made (its default builder otherwise)."]
    else:
        lines += ["The Dockerfile has no RUN --mount=type=cache (`dfix --write` adds them where they are safe);",
                  "run `dfix ci github --force` again afterwards to keep their contents between runs too."]
    lines += [f"Not carried between runs: line {u.line}: {u.reason}." for u in unusable]
    lines.append("Actions are pinned to commits; the tag each commit was released as is beside it.")
    return "".join(f"# {_comment(line)}\n" for line in lines) + "\n"


def _comment(text: str) -> str:
    """Text for a YAML comment: ASCII, every control character (a CR ends a comment) escaped."""
    from ...io.printable import escape_controls

    return escape_controls(text).encode("ascii", "backslashreplace").decode("ascii")


class Quoted(str):
    """A value from the repository: always double-quoted, so no YAML 1.2 reader takes `1e3` or
    `0o17` for a number, and every control character is written as an escape."""


@lru_cache(maxsize=1)
def _dumper():
    """PyYAML's safe dumper, with multi-line strings as literal blocks (as a person writes them)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper, value: str):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)

    def quoted(dumper, value: Quoted):
        return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"')

    Dumper.add_representer(str, text)
    Dumper.add_representer(Quoted, quoted)
    return Dumper


def _dump(workflow: dict) -> str:
    import yaml

    # allow_unicode=False: anything beyond ASCII is written as an escape in a quoted scalar.
    return yaml.dump(workflow, Dumper=_dumper(), sort_keys=False, allow_unicode=False, width=1_000_000)


def _with_tags(text: str) -> str:
    """Each ``uses:`` line (the emitter's own, matched whole) followed by its tag as a comment."""
    tags = {f"uses: {pin(action)}": tag for action, (_sha, tag) in ACTIONS.items()}
    out = []
    for line in text.split("\n"):
        key = line.strip().removeprefix("- ")
        out.append(f"{line} # {tags[key]}" if key in tags else line)
    return "\n".join(out)


# --- writing ------------------------------------------------------------------------------------

def check_output(root: Path, output: Path) -> Path:
    """The workflow's path under ``root``; WorkflowError if it leaves the root or goes through a symlink.

    A pull request can commit `.github` or the workflow file as a symlink: writing through
    it would write outside the repository (and ``--force`` would overwrite the target).
    """
    relative = Path(os.path.normpath(output if not output.is_absolute() else os.path.relpath(output, root)))
    if relative.parts[:1] == ("..",) or relative.is_absolute() or str(relative) == ".":
        raise WorkflowError(f"{output} is outside the repository root {root} (run from the root)")
    here = root
    for part in relative.parts:
        here = here / part
        if os.path.islink(here):
            raise WorkflowError(f"refusing to write {output}: {here.relative_to(root)} is a symlink")
    if here.exists() and not here.is_file():
        raise WorkflowError(f"refusing to write {output}: it is not a regular file")
    return here


def write_workflow(path: Path, text: str) -> None:
    """Create or replace the file in one rename, so a failure never leaves half a workflow.

    The folders are made one at a time without following links (``check_output`` refused
    any that existed), and the rename replaces the file itself, never what it points to.
    """
    for folder in reversed([p for p in path.parents if not os.path.lexists(p)]):
        os.mkdir(folder)
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


def run(dockerfile: Path, context_dir: Path | None, output: Path, to_stdout: bool, force: bool) -> int:
    """``dfix ci github`` from the command line: render, compare, write; the exit code."""
    from ...dockerfile import DockerfileError
    from ...io.fileio import InputError, read_dockerfile
    from ...io.printable import safe_line

    root = Path.cwd().resolve()

    def fail(message: str) -> int:
        click.secho(safe_line(f"error: {message}"), fg="red", err=True)
        return 2

    try:
        text = read_dockerfile(dockerfile)
        context = _repo_relative(root, context_dir if context_dir is not None else dockerfile.parent)
        workflow = render_workflow(_repo_relative(root, dockerfile), context, text)
        target = None if to_stdout else check_output(root, output)
    except (InputError, DockerfileError) as exc:
        return fail(f"{dockerfile}: {exc}")
    except WorkflowError as exc:
        return fail(str(exc))
    if target is None:
        click.echo(workflow, nl=False)
        return 0
    if target.exists() and target.read_text(encoding="utf-8", errors="replace") == workflow:
        click.echo(safe_line(f"unchanged {output}"), err=True)
        return 0
    if target.exists() and not force:
        return fail(f"{output} exists and differs; pass --force to overwrite it (or --stdout to compare)")
    try:
        write_workflow(target, workflow)
    except OSError as exc:
        return fail(f"cannot write {output}: {exc.strerror or exc}")
    click.echo(safe_line(f"wrote {output}"), err=True)
    return 0


def _repo_relative(root: Path, path: Path) -> str:
    try:
        return (root / path).resolve().relative_to(root).as_posix() or "."
    except ValueError:
        raise WorkflowError(f"{path} is outside the repository root {root} (run from the root)") from None
