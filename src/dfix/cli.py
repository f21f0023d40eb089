"""Command-line entry points. Wiring only: the work happens in runner, engine and rules.

Heavy modules are imported inside the commands so that ``dfix --version`` starts fast.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from pathlib import Path

import click

from . import __version__
from .io.printable import safe_line, safe_text
from .report import FORMATS

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
    if argv[:1] == ["verify"]:
        return json.dumps({"version": 1, "files": [], "error": message}, indent=2)
    from .report.render import empty_json

    return empty_json(message)


class Interrupted(BaseException):
    """SIGTERM (what CI sends on cancel) turned into an exception, so cleanups run as for Ctrl-C."""


def _stop_on_signals() -> None:
    def stop(signum, _frame):
        signal.signal(signum, signal.SIG_IGN)  # once: the rollback must not be interrupted itself
        raise Interrupted(signal.Signals(signum).name)

    try:
        signal.signal(signal.SIGTERM, stop)
    except ValueError:
        pass  # not the main thread (dfix called as a library): the caller owns signals


def _refuse_mistyped_command(word: str, commands: list[str]) -> None:
    """`dfix rule DF101` was read as a path; a word close to a command that is no path is a typo."""
    import difflib

    if Path(word).exists() or Path(word).is_symlink():
        return
    close = difflib.get_close_matches(word, [c for c in commands if c != "fix"], n=1, cutoff=0.75)
    if close:
        raise click.UsageError(f"no such command or path {word!r}; did you mean `dfix {close[0]}`?")


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
        _stop_on_signals()
        try:
            rv = super().main(argv, prog_name or "dfix", complete_var, standalone_mode=False, **extra)
        except (Interrupted, KeyboardInterrupt) as exc:
            # The write paths' cleanups ran on the way here: temp files removed, the fix set rolled back.
            what = exc.args[0] if isinstance(exc, Interrupted) else "SIGINT"
            click.secho(f"error: interrupted by {what}; no file is half-written", fg="red", err=True)
            sys.exit(EXIT_ERROR)
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
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            _refuse_mistyped_command(args[0], self.list_commands(ctx))
        if not args or args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args.insert(0, self.default_command)
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage("dfix", "[OPTIONS] [PATH]...  |  dfix COMMAND [ARGS]...")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # `dfix --help` is the fixer's help, as `ruff check --help` is ruff's: its options were
        # hidden under an undocumented `dfix fix --help`.
        fix = self.commands[self.default_command]
        own = [p for p in self.get_params(ctx) if isinstance(p, click.Option)]
        names = {n for p in own for n in p.opts}
        params = [p for p in fix.get_params(ctx) if isinstance(p, click.Option) and not names & set(p.opts)] + own
        rows = [r for p in params if (r := p.get_help_record(ctx)) is not None]
        with formatter.section("Options"):
            formatter.write_dl(rows)
        self.format_commands(ctx, formatter)


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
@click.option("--check", is_flag=True, help="Exit 1 when any fix is pending (with --write: when a file was fixed).")
@click.option("--diff", "show_diff", is_flag=True, help="Print the unified diff (the default unless --check or --write).")
@click.option("--select", help="Comma-separated rule codes or prefixes to enable (e.g. DF001,DF1).")
@click.option("--ignore", help="Comma-separated rule codes or prefixes to disable.")
@click.option("--unsafe-fixes/--no-unsafe-fixes", default=None, help="Also apply fixes marked unsafe.")
@click.option("--syntax", help="Frontend for DF001: a version (1.7), a reference, or 'none'.")
@click.option("--context", "context_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Build context directory (default: each Dockerfile's folder).")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="text",
              show_default=True, help="sarif: SARIF 2.1.0; github: GitHub Actions annotations.")
@click.option("--quiet", "-q", is_flag=True, help="Print errors only.")
@click.option("--verbose", "-v", is_flag=True, help="Also list every fix and unchanged file.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Files processed in parallel (default: the CPUs available).")
@click.option("--exclude", help="Comma-separated globs of files to leave out of directory walks (replaces `exclude`).")
@click.option("--extend-exclude", help="Comma-separated globs to leave out, added to the configured ones.")
@click.option("--force-exclude", is_flag=True, help="Apply the exclusions to files named on the command line too.")
@click.option("--respect-gitignore/--no-respect-gitignore", default=None,
              help="Leave out Dockerfiles git ignores (default: on).")
@click.option("--stdin-filename", type=click.Path(path_type=Path, dir_okay=False),
              help="With PATH `-`: where the Dockerfile on standard input lives (context, config).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour the diff and notes (auto: on a terminal, unless NO_COLOR is set).")
@click.option("--statistics", is_flag=True, help="Print how often each rule fixed, skipped or reported, and stop.")
def fix_command(paths: tuple[Path, ...], write: bool, check: bool, show_diff: bool, select: str | None,
                ignore: str | None, unsafe_fixes: bool | None, syntax: str | None, context_dir: Path | None,
                fmt: str, quiet: bool, verbose: bool, jobs: int | None, exclude: str | None,
                extend_exclude: str | None, force_exclude: bool, respect_gitignore: bool | None,
                stdin_filename: Path | None, color: str, statistics: bool) -> None:
    from .io.discover import Target, discover
    from .report import document
    from .report.render import emit_text
    from .pipeline.runner import Options, process_all

    # What is alive now (modules, tables) lives to the end: keep it out of the cycle
    # collector's scans (the runner also spaces those out while it works on a file).
    gc.freeze()
    selected, ignored = _checked_options(select, ignore, syntax)
    if context_dir is not None and not context_dir.is_dir():
        raise click.UsageError(f"--context {context_dir}: no such directory")
    click.get_current_context().color = _colour(color)
    stdin_text = _stdin_text(paths)
    if stdin_text is not None:
        targets = [Target(stdin_filename or Path("Dockerfile"), Path.cwd())]
    else:
        warnings: list[str] = []
        targets = discover(list(paths) or [Path(".")], warnings)
        _warn(warnings, quiet)
        targets = _excluded(targets, exclude, extend_exclude, force_exclude, respect_gitignore, verbose and not quiet)
    options = Options(write=write, select=selected, ignore=ignored, unsafe_fixes=unsafe_fixes,
                      syntax=syntax, context=context_dir, stdin_text=stdin_text,
                      context_peers=tuple(t.path for t in targets if not t.error) if context_dir else ())
    # More workers than CPUs only costs memory (64 on 2 CPUs took 1.7 GiB).
    reports = process_all(targets, options, min(jobs or _default_jobs(), _default_jobs()))
    for warning in dict.fromkeys(w for r in reports for w in r.warnings):  # once per config file
        click.secho(safe_line(f"warning: {warning}"), fg="yellow", err=True)
    if statistics:
        from .report.render import statistics_table

        click.echo(statistics_table(reports), nl=False)
    elif stdin_text is not None and write and fmt == "text":
        click.echo(reports[0].fixed_text if reports[0].fixed_text is not None else stdin_text, nl=False)
        emit_text(reports, check=check, show_diff=False, quiet=quiet, verbose=verbose)
    elif FORMATS[fmt] is not None:
        click.echo(document(fmt, reports), nl=False)
    else:
        emit_text(reports, check=check, show_diff=show_diff or not (check or write), quiet=quiet, verbose=verbose)
    if any(r.error for r in reports):
        sys.exit(EXIT_ERROR)
    # --write --check (pre-commit's `args: [--write]`): fix, and fail when a file was changed,
    # as a formatter hook does, so the commit is made again with the fixes staged.
    if check and any(r.failing or r.written for r in reports):
        sys.exit(EXIT_PENDING)
    sys.exit(EXIT_OK)


def _excluded(targets, exclude: str | None, extend: str | None, force: bool, respect_gitignore: bool | None,
              verbose: bool):
    """The targets left after `exclude`, `extend-exclude` and .gitignore (config in the working directory)."""
    from .config import ConfigError, ConfigFinder
    from .io.exclude import Exclusion, apply

    try:
        base = ConfigFinder().for_path(Path.cwd())
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    patterns = (_globs(exclude) if exclude is not None else base.exclude) + base.extend_exclude + _globs(extend)
    folder = base.source.parent if base.source else Path.cwd()
    gitignore = base.respect_gitignore if respect_gitignore is None else respect_gitignore
    kept, why = apply(targets, Exclusion(patterns, folder, gitignore, force))
    if verbose:
        for line in why:
            click.echo(f"skipped {line}", err=True)
    return kept


def _checked_options(select: str | None, ignore: str | None, syntax: str | None):
    """--select, --ignore and --syntax as the fixer and verify take them: usage errors before any file."""
    from .config import ConfigError, check_syntax
    from .pipeline.runner import check_codes

    selected, ignored = _codes(select), _codes(ignore, empty_ok=True)
    try:
        check_codes(selected or (), "--select")
        check_codes(ignored or (), "--ignore")
        if syntax is not None:
            check_syntax(syntax, "--syntax")
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    return selected, ignored


def _colour(choice: str) -> bool | None:
    """click's colour setting: None lets it decide (a terminal gets colour, a pipe none)."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return None


def _stdin_text(paths: tuple[Path, ...]) -> str | None:
    """The Dockerfile on standard input for `dfix -` (read bounded, decoded as files are)."""
    if Path("-") not in paths:
        return None
    if len(paths) > 1:
        raise click.UsageError("`-` (standard input) cannot be combined with other paths")
    from .io.fileio import MAX_BYTES, InputError, decode_dockerfile

    data = sys.stdin.buffer.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise click.UsageError("standard input is larger than a Dockerfile can be (10 MiB)")
    try:
        return decode_dockerfile(data)
    except InputError as exc:
        raise click.UsageError(f"standard input: {exc}") from None


def _globs(value: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (value or "").split(",") if p.strip())


def _warn(warnings: list[str], quiet: bool) -> None:
    if not quiet:
        for warning in warnings:
            click.secho(f"warning: {warning}", fg="yellow", err=True)


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
            click.echo(json.dumps({"code": rule.code, "name": rule.name, "safety": rule.fix_label(),
                                   "summary": rule.summary(), "sections": rule.sections()}, indent=2))
        elif fmt == "markdown":
            from .templates_env import render

            click.echo(render("rule.md.j2", rule=rule), nl=False)
        else:
            click.echo(f"{rule.code} ({rule.name}) [{rule.fix_label()}]\n")
            click.echo(rule.doc())
        return
    if fmt == "json":
        click.echo(json.dumps([{"code": r.code, "name": r.name, "safety": r.fix_label(), "summary": r.summary()}
                               for r in ALL_RULES], indent=2))
        return
    for rule in ALL_RULES:
        click.echo(f"{rule.code}  {rule.name:<22} {rule.fix_label():<15} {rule.summary()}")


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


@main.command("verify")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--context", "context_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Build context directory (default: each Dockerfile's folder).")
@click.option("--select", help="Rules for the rewrite (as for `dfix`).")
@click.option("--ignore", help="Rules to leave out of the rewrite.")
@click.option("--unsafe-fixes/--no-unsafe-fixes", default=None, help="Verify the rewrite with unsafe fixes too.")
@click.option("--syntax", help="Frontend for DF001 (as for `dfix`); 'none' where the builder cannot pull it.")
@click.option("--builder", help="A buildx builder's name, 'podman' or 'buildctl' (default: the `builder` setting).")
@click.option("--addr", help="buildkitd address for --builder buildctl (e.g. tcp://buildkitd:1234).")
@click.option("--docker", "docker_cli", default="docker", show_default=True, help="The docker client program.")
@click.option("--edit", metavar="PATH", help="Context file the source-edit phase changes (default: one only the broad COPY takes).")
@click.option("--dep-change", metavar="CMD", help="Shell command that changes the dependencies (run in a container).")
@click.option("--target", help="The stage to build and compare (default: the last).")
@click.option("--max-list", type=click.IntRange(min=0), default=20, show_default=True, help="Differences listed per file.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def verify_command(paths: tuple[Path, ...], context_dir: Path | None, select: str | None, ignore: str | None,
                   unsafe_fixes: bool | None, syntax: str | None, builder: str | None, addr: str | None,
                   docker_cli: str, edit: str | None, dep_change: str | None, target: str | None, max_list: int,
                   fmt: str) -> None:
    """Build the original and dfix's rewrite cold, compare the images by content, and time rebuilds.

    Exit codes: 0 every image the same, 1 an image differs, 2 an error (the original does not build).
    """
    from .commands.verify.command import VerifyOptions, run
    from .pipeline.runner import Options

    selected, ignored = _checked_options(select, ignore, syntax)
    options = Options(select=selected, ignore=ignored, unsafe_fixes=unsafe_fixes, syntax=syntax, context=context_dir)
    sys.exit(run(list(paths), options, VerifyOptions(builder, addr, docker_cli, edit, dep_change, max_list, fmt,
                                                     target)))


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
    warnings: list[str] = []
    results = [detect_target(target, context_dir) for target in discover(list(paths) or [Path(".")], warnings)]
    _warn(warnings, quiet=False)
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
