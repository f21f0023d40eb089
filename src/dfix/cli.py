"""Command-line entry points. Wiring only: the work happens in runner, engine and rules.

Heavy modules are imported inside the commands so that ``dfix --version`` starts fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__

EXIT_OK, EXIT_PENDING, EXIT_ERROR = 0, 1, 2


def _codes(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(c.strip().upper() for c in value.split(",") if c.strip())


class _DefaultGroup(click.Group):
    """`dfix PATH...` runs the fixer; `dfix rules` / `dfix detect` are subcommands."""

    default_command = "fix"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args.insert(0, self.default_command)
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage("dfix", "[OPTIONS] [PATH]...  |  dfix rules [CODE]  |  dfix detect [PATH]...")


@click.group(cls=_DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="dfix", message="%(prog)s %(version)s")
def main() -> None:
    """Rewrite Dockerfiles so builds are fast and cache-friendly.

    By default dfix prints the fixes as a unified diff and changes nothing.
    Exit codes: 0 nothing to change, 1 fixes pending (with --check), 2 error.
    """


@main.command("fix", hidden=True)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--write", "-w", is_flag=True, help="Apply the fixes (atomically, keeping file modes).")
@click.option("--check", is_flag=True, help="Exit 1 when any fix is pending; print what would change.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the unified diff (the default unless --check or --write).")
@click.option("--select", help="Comma-separated rule codes or prefixes to enable (e.g. DF001,DF1).")
@click.option("--ignore", help="Comma-separated rule codes or prefixes to disable.")
@click.option("--unsafe-fixes/--no-unsafe-fixes", default=None, help="Also apply fixes marked unsafe.")
@click.option("--syntax", help="Frontend for DF001: a version (1.7), a reference, or 'none'.")
@click.option("--context", "context_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Build context directory (default: each Dockerfile's folder).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default="text",
              show_default=True, help="sarif: SARIF 2.1.0; github: GitHub Actions annotations.")
@click.option("--quiet", "-q", is_flag=True, help="Print errors only.")
@click.option("--verbose", "-v", is_flag=True, help="Also list every fix and unchanged file.")
def fix_command(paths: tuple[Path, ...], write: bool, check: bool, show_diff: bool, select: str | None,
                ignore: str | None, unsafe_fixes: bool | None, syntax: str | None, context_dir: Path | None,
                fmt: str, quiet: bool, verbose: bool) -> None:
    from .config import ConfigFinder
    from .discover import discover
    from .report import emit_text, render_review, to_json
    from .rules import unknown_codes
    from .runner import Options, process

    if write and check:
        raise click.UsageError("--write and --check cannot be combined")
    selected, ignored = _codes(select), _codes(ignore)
    bad = unknown_codes((selected or ()) + (ignored or ()))
    if bad:
        raise click.UsageError(f"unknown rule code(s): {', '.join(bad)} (see `dfix rules`)")
    if context_dir is not None and not context_dir.is_dir():
        click.secho(f"error: context {context_dir}: no such directory", fg="red", err=True)
        sys.exit(EXIT_ERROR)
    targets = discover(list(paths) or [Path(".")])
    options = Options(write=write, select=selected, ignore=ignored, unsafe_fixes=unsafe_fixes,
                      syntax=syntax, context=context_dir,
                      context_peers=tuple(t.path for t in targets if not t.error) if context_dir else ())
    finder = ConfigFinder()
    reports = [process(t, options, finder) for t in targets]
    if fmt == "json":
        click.echo(to_json(reports))
    elif fmt in ("sarif", "github"):
        click.echo(render_review(fmt, reports), nl=False)
    else:
        emit_text(reports, check=check, show_diff=show_diff or not (check or write), quiet=quiet, verbose=verbose)
    if any(r.error for r in reports):
        sys.exit(EXIT_ERROR)
    if check and any(r.pending for r in reports):
        sys.exit(EXIT_PENDING)
    sys.exit(EXIT_OK)


@main.command("rules")
@click.argument("code", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
def rules_command(code: str | None, fmt: str) -> None:
    """List the rules, or show one rule's documentation."""
    import json

    from .rules import ALL_RULES, rule_by_code

    if code:
        rule = rule_by_code(code)
        if rule is None:
            click.secho(f"error: unknown rule code {code} (see `dfix rules`)", fg="red", err=True)
            sys.exit(EXIT_ERROR)
        if fmt == "json":
            click.echo(json.dumps({"code": rule.code, "name": rule.name, "safety": rule.safety.value,
                                   "summary": rule.summary(), "sections": rule.sections()}, indent=2))
        elif fmt == "markdown":
            from .templates_env import render

            click.echo(render("rule.md.j2", rule=rule), nl=False)
        else:
            click.echo(f"{rule.code} ({rule.name}) [{rule.safety.value} fix]\n")
            click.echo(rule.doc())
        return
    if fmt == "json":
        click.echo(json.dumps([{"code": r.code, "name": r.name, "safety": r.safety.value, "summary": r.summary()}
                               for r in ALL_RULES], indent=2))
        return
    for rule in ALL_RULES:
        click.echo(f"{rule.code}  {rule.name:<22} {rule.safety.value:<7} {rule.summary()}")


@main.command("explain")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--changed", multiple=True, metavar="FILE", help="A changed context file (repeatable): which steps re-run.")
@click.option("--changed-arg", "changed_args", multiple=True, metavar="NAME", help="A --build-arg whose value changes.")
@click.option("--history", type=click.IntRange(min=1), metavar="N", help="Replay the last N git commits.")
@click.option("--timings", type=click.Path(path_type=Path, dir_okay=False),
              help="A `docker build --progress=plain` log of this Dockerfile: seconds per step.")
@click.option("--target", help="The stage to build (default: the last).")
@click.option("--context", "context_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Build context directory (default: each Dockerfile's folder).")
@click.option("--unsafe-fixes/--no-unsafe-fixes", default=None, help="Rewrite with unsafe fixes too.")
@click.option("--select", help="Rules for the rewrite (as for `dfix`).")
@click.option("--ignore", help="Rules to leave out of the rewrite.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
def explain_command(paths: tuple[Path, ...], changed: tuple[str, ...], changed_args: tuple[str, ...],
                    history: int | None, timings: Path | None, target: str | None, context_dir: Path | None,
                    unsafe_fixes: bool | None, select: str | None, ignore: str | None, fmt: str) -> None:
    """Per step: what re-runs it; with --changed or --history, original versus dfix's rewrite."""
    from .explain_cli import run
    from .runner import Options

    options = Options(select=_codes(select), ignore=_codes(ignore), unsafe_fixes=unsafe_fixes, context=context_dir)
    sys.exit(run(list(paths), options, changed, changed_args, history, timings, target, fmt))


@main.command("detect")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--context", "context_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Build context directory (default: each Dockerfile's folder).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def detect_command(paths: tuple[Path, ...], context_dir: Path | None, fmt: str) -> None:
    """Report the stacks (ecosystem, package manager, manifests, install inputs) per stage."""
    import json

    from .detect import detect_dockerfile, format_detect_text
    from .discover import discover, escapes_tree

    results = []
    for target in discover(list(paths) or [Path(".")]):
        if target.error or escapes_tree(target):
            reason = target.error or "symlink points outside the tree; not following it"
            results.append({"path": str(target.path), "context": None, "error": reason, "stages": []})
            continue
        ctx_dir = context_dir if context_dir is not None else target.path.parent
        results.append(detect_dockerfile(target.path, ctx_dir))
    if fmt == "json":
        click.echo(json.dumps({"dockerfiles": results}, indent=2))
    else:
        click.echo(format_detect_text(results), nl=False)
    for r in results:
        if r.get("error"):
            click.secho(f"error: {r['path']}: {r['error']}", fg="red", err=True)
    sys.exit(EXIT_ERROR if any(r.get("error") for r in results) else EXIT_OK)


@main.command("pr")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--repo", help="GitHub repository OWNER/NAME (default: from the remote's URL).")
@click.option("--remote", default="origin", show_default=True, help="Git remote to push the branch to.")
@click.option("--api-url", envvar="GITHUB_API_URL", default="https://api.github.com", show_default=True,
              help="GitHub REST API root (GitHub Enterprise: https://HOST/api/v3; env GITHUB_API_URL).")
@click.option("--base", help="Branch the pull request targets (default: the current branch, else the remote's default).")
@click.option("--branch", help="Bot branch (default: dfix/<PATHs as a slug>, or dfix/cache-friendly-builds).")
@click.option("--title", default="dfix: cache-friendly Dockerfile builds", show_default=True)
@click.option("--dry-run", is_flag=True, help="Print what would be committed, pushed and opened; change nothing.")
@click.option("--allow-dirty", is_flag=True, help="Run with uncommitted changes (they are not part of the pull request).")
@click.option("--select", help="Comma-separated rule codes or prefixes to enable.")
@click.option("--ignore", help="Comma-separated rule codes or prefixes to disable.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes marked unsafe.")
def pr_command(paths: tuple[Path, ...], repo: str | None, remote: str, api_url: str, base: str | None,
               branch: str | None, title: str, dry_run: bool, allow_dirty: bool, select: str | None,
               ignore: str | None, unsafe_fixes: bool) -> None:
    """Commit the fixes on a bot branch, push it, and open or update one pull request (token: GITHUB_TOKEN)."""
    import os

    from .bot.git import BotError
    from .bot.pr import PrOptions, run_pr

    fix_args = [*(["--select", select] if select else []), *(["--ignore", ignore] if ignore else []),
                *(["--unsafe-fixes"] if unsafe_fixes else [])]
    options = PrOptions(paths=paths, remote=remote, repo=repo, api_url=api_url, token=os.environ.get("GITHUB_TOKEN"),
                        base=base, branch=branch, title=title, dry_run=dry_run, allow_dirty=allow_dirty,
                        fix_args=tuple(fix_args))
    try:
        outcome = run_pr(Path.cwd(), options, echo=click.echo)
    except BotError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(EXIT_ERROR)
    for error in outcome.errors:
        click.secho(f"error: {error}", fg="red", err=True)
    sys.exit(EXIT_ERROR if outcome.errors else EXIT_OK)


@main.group("ci")
def ci_group() -> None:
    """Write CI configuration that keeps BuildKit's caches between runs."""


@ci_group.command("github")
@click.argument("dockerfile", default="Dockerfile", type=click.Path(path_type=Path))
@click.option("--context", "context_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Build context directory (default: the Dockerfile's folder).")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=Path(".github/workflows/docker-build.yml"),
              show_default=True, help="Workflow file, relative to the repository root (the current directory).")
@click.option("--stdout", "--dry-run", "to_stdout", is_flag=True, help="Print the workflow instead of writing it.")
@click.option("--force", is_flag=True, help="Overwrite an existing workflow that differs.")
def ci_github_command(dockerfile: Path, context_dir: Path | None, output: Path, to_stdout: bool, force: bool) -> None:
    """A GitHub Actions workflow: buildx with the gha layer cache, and the Dockerfile's cache mounts kept too."""
    from .ciworkflow import render_workflow, write_workflow
    from .dockerfile import DockerfileError
    from .fileio import InputError, read_dockerfile

    root = Path.cwd().resolve()

    def repo_relative(p: Path) -> str:
        try:
            return (root / p).resolve().relative_to(root).as_posix() or "."
        except ValueError:
            click.secho(f"error: {p} is outside the repository root {root} (run from the root)", fg="red", err=True)
            sys.exit(EXIT_ERROR)

    try:
        text = read_dockerfile(dockerfile)
        context = repo_relative(context_dir if context_dir is not None else dockerfile.parent)
        workflow = render_workflow(repo_relative(dockerfile), context, text)
    except (InputError, DockerfileError) as exc:
        click.secho(f"error: {dockerfile}: {exc}", fg="red", err=True)
        sys.exit(EXIT_ERROR)
    if to_stdout:
        click.echo(workflow, nl=False)
        return
    if output.exists() and output.read_text(encoding="utf-8", errors="replace") == workflow:
        click.echo(f"unchanged {output}", err=True)
        return
    if output.exists() and not force:
        click.secho(f"error: {output} exists and differs; pass --force to overwrite it (or --stdout to compare)",
                    fg="red", err=True)
        sys.exit(EXIT_ERROR)
    try:
        write_workflow(output, workflow)
    except OSError as exc:
        click.secho(f"error: cannot write {output}: {exc.strerror or exc}", fg="red", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(f"wrote {output}", err=True)
