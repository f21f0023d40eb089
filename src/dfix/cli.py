"""Command-line entry points. Wiring only: the work happens in runner, engine and rules.

Heavy modules are imported inside the commands so that ``dfix --version`` starts fast.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import click

from . import __version__
from .io.printable import safe_line, safe_text

EXIT_OK, EXIT_PENDING, EXIT_ERROR = 0, 1, 2


def _codes(value: str | None, *, empty_ok: bool = False) -> tuple[str, ...] | None:
    """Comma-separated codes.  Empty items are kept so that they are errors: `--select ""`
    would otherwise run no rule at all.  `--ignore ""` (``empty_ok``) clears the config's list."""
    if value is None:
        return None
    if empty_ok and not value.strip():
        return ()
    return tuple(c.strip().upper() for c in value.split(","))


def _wants_json(argv: list[str]) -> bool:
    """Whether the command line asks for JSON, read before (or despite) option parsing."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--format=json" or (arg == "--format" and argv[i + 1 : i + 2] == ["json"]):
            return True
    return False


def _error_document(argv: list[str], message: str) -> str:
    """The JSON a run prints when it stops before any file: the usual shape, no entries."""
    import json

    if argv[:1] == ["detect"]:
        return json.dumps({"dockerfiles": [], "error": message}, indent=2)
    if argv[:1] == ["rules"]:
        return json.dumps({"error": message}, indent=2)
    from .report.render import empty_json

    return empty_json(message)


class _DefaultGroup(click.Group):
    """`dfix PATH...` runs the fixer; `dfix rules` / `dfix detect` are subcommands.

    Also the top-level guard: a usage error exits 2 (as JSON with ``--format json``),
    and an exception dfix did not expect (a bug) is one line asking for a report,
    exit 2, never a traceback and never exit 1 (which means "fixes pending").
    """

    default_command = "fix"

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # type: ignore[override]
        argv = list(sys.argv[1:] if args is None else args)
        as_json = _wants_json(argv)
        try:
            rv = super().main(argv, prog_name or "dfix", complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            if as_json:
                click.echo(_error_document(argv, exc.format_message()))
            else:
                exc.show()
            sys.exit(EXIT_ERROR)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(EXIT_ERROR)
        except Exception as exc:  # noqa: BLE001 - a bug; SystemExit passes through
            if os.environ.get("DFIX_TRACEBACK"):
                raise
            from .pipeline.runner import internal_error

            message = internal_error(exc).replace(", file left unchanged", "")
            if as_json:
                click.echo(_error_document(argv, message))
            else:
                click.secho(safe_line(f"error: {message} (DFIX_TRACEBACK=1 shows the traceback)"), fg="red", err=True)
            sys.exit(EXIT_ERROR)
        sys.exit(rv if isinstance(rv, int) else EXIT_OK)

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # `dfix | head`: the reader left.  Click would exit 1, the code for "fixes pending".
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Python flushes stdout at exit
            sys.exit(EXIT_ERROR)

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


def _default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@main.command("fix", hidden=True)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, readable=False))
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
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Files processed in parallel (default: the CPUs available).")
def fix_command(paths: tuple[Path, ...], write: bool, check: bool, show_diff: bool, select: str | None,
                ignore: str | None, unsafe_fixes: bool | None, syntax: str | None, context_dir: Path | None,
                fmt: str, quiet: bool, verbose: bool, jobs: int | None) -> None:
    from .config import ConfigError, check_syntax
    from .io.discover import discover
    from .report.render import emit_text, render_review, to_json
    from .pipeline.runner import Options, check_codes, process_all

    # What is alive now (modules, tables) lives to the end: keep it out of the cycle
    # collector's scans (the runner also spaces those out while it works on a file).
    gc.freeze()
    if write and check:
        raise click.UsageError("--write and --check cannot be combined")
    selected, ignored = _codes(select), _codes(ignore, empty_ok=True)
    try:
        check_codes(selected or (), "--select")
        check_codes(ignored or (), "--ignore")
        if syntax is not None:
            check_syntax(syntax, "--syntax")
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    if context_dir is not None and not context_dir.is_dir():
        raise click.UsageError(f"--context {context_dir}: no such directory")
    targets = discover(list(paths) or [Path(".")])
    options = Options(write=write, select=selected, ignore=ignored, unsafe_fixes=unsafe_fixes,
                      syntax=syntax, context=context_dir,
                      context_peers=tuple(t.path for t in targets if not t.error) if context_dir else ())
    reports = process_all(targets, options, jobs or _default_jobs())
    for warning in dict.fromkeys(w for r in reports for w in r.warnings):  # once per config file
        click.secho(safe_line(f"warning: {warning}"), fg="yellow", err=True)
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
            message = f"unknown rule code {code} (see `dfix rules`)"
            if fmt == "json":  # one JSON document, errors included, as every --format json run
                click.echo(json.dumps({"error": message}, indent=2))
            click.secho(f"error: {message}", fg="red", err=True)
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
    from .commands.explain.command import run
    from .pipeline.runner import Options

    options = Options(select=_codes(select), ignore=_codes(ignore), unsafe_fixes=unsafe_fixes, context=context_dir)
    sys.exit(run(list(paths), options, changed, changed_args, history, timings, target, fmt))


@main.command("detect")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, readable=False))
@click.option("--context", "context_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Build context directory (default: each Dockerfile's folder).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def detect_command(paths: tuple[Path, ...], context_dir: Path | None, fmt: str) -> None:
    """Report the stacks (ecosystem, package manager, manifests, install inputs) per stage."""
    import json

    from .commands.detect import detect_target, format_detect_text
    from .io.discover import discover

    if context_dir is not None and not context_dir.is_dir():
        raise click.UsageError(f"--context {context_dir}: no such directory")
    results = [detect_target(target, context_dir) for target in discover(list(paths) or [Path(".")])]
    if fmt == "json":
        click.echo(json.dumps({"dockerfiles": results, "error": None}, indent=2))
    else:
        click.echo(format_detect_text(results), nl=False)
    for r in results:
        if r.get("error"):
            click.secho(safe_line(f"error: {r['path']}: {r['error']}"), fg="red", err=True)
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
@click.option("--history", type=click.IntRange(min=0), default=50, show_default=True,
              help="Commits to replay for the rebuild evidence in the PR body (dfix explain); 0 leaves it out.")
def pr_command(paths: tuple[Path, ...], repo: str | None, remote: str, api_url: str, base: str | None,
               branch: str | None, title: str, dry_run: bool, allow_dirty: bool, select: str | None,
               ignore: str | None, unsafe_fixes: bool, history: int) -> None:
    """Commit the fixes on a bot branch, push it, and open or update one pull request (token: GITHUB_TOKEN)."""
    import os

    from .commands.pr.git import BotError
    from .commands.pr.pr import PrOptions, run_pr

    fix_args = [*(["--select", select] if select else []), *(["--ignore", ignore] if ignore else []),
                *(["--unsafe-fixes"] if unsafe_fixes else [])]
    options = PrOptions(paths=paths, remote=remote, repo=repo, api_url=api_url, token=os.environ.get("GITHUB_TOKEN"),
                        base=base, branch=branch, title=title, dry_run=dry_run, allow_dirty=allow_dirty,
                        fix_args=tuple(fix_args), history=history)
    try:
        outcome = run_pr(Path.cwd(), options, echo=lambda text: click.echo(safe_text(text)))
    except BotError as exc:
        click.secho(safe_line(f"error: {exc}"), fg="red", err=True)
        sys.exit(EXIT_ERROR)
    for error in outcome.errors:
        click.secho(safe_line(f"error: {error}"), fg="red", err=True)
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
    from .commands.ci.github import run

    sys.exit(run(dockerfile, context_dir, output, to_stdout, force))
