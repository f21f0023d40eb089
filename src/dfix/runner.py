"""One Dockerfile through the pipeline: read, configure, fix, diff, and maybe write."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import engine
from .config import ConfigError, ConfigFinder, Settings
from .discover import Target, escapes_tree
from .dockerfile import DockerfileError
from .fileio import InputError, read_dockerfile, write_atomic
from .patch import unified_diff
from .rules import Skip, select_rules


@dataclass(frozen=True)
class Options:
    """What the command line asked for; None means "as configured"."""

    write: bool = False
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    extend_ignore: tuple[str, ...] = ()
    unsafe_fixes: bool | None = None
    syntax: str | None = None
    context: Path | None = None


@dataclass
class FileReport:
    path: str
    context: str | None
    error: str | None = None
    fixes: list[engine.AppliedFix] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    notes: list[Skip] = field(default_factory=list)  # where a rule looked and had nothing to do
    diff: str = ""
    written: bool = False

    @property
    def pending(self) -> bool:
        return bool(self.diff) and not self.written


def settings_for(target: Target, options: Options, finder: ConfigFinder) -> Settings:
    base = finder.for_path(target.path)
    return base.with_overrides(
        select=options.select,
        ignore=(options.ignore if options.ignore is not None else base.ignore) + options.extend_ignore,
        unsafe_fixes=options.unsafe_fixes,
        syntax=options.syntax,
    )


def process(target: Target, options: Options, finder: ConfigFinder) -> FileReport:
    context_dir = options.context if options.context is not None else target.path.parent
    report = FileReport(str(target.path), str(context_dir))
    if target.error:
        report.error = target.error
        return report
    if escapes_tree(target):
        report.error = f"symlink points outside {target.root} ({target.path.resolve()}); not following it"
        return report
    try:
        text = read_dockerfile(target.path)
        settings = settings_for(target, options, finder)
        rules = select_rules(settings.select, settings.ignore)
        result = engine.run(text, rules, settings, target.path, context_dir)
    except (InputError, ConfigError) as exc:
        report.error = str(exc)
        return report
    except DockerfileError as exc:
        report.error = f"BuildKit would reject this file: {exc}"
        return report
    except engine.EngineError as exc:
        report.error = f"internal error, file left unchanged: {exc}"
        return report
    report.fixes = result.fixes
    report.skipped = result.skipped
    report.notes = result.notes
    report.diff = unified_diff(result.original, result.text, _display(target.path))
    if options.write and result.changed:
        try:
            write_atomic(target.path, result.text)
        except OSError as exc:
            report.error = f"cannot write: {exc.strerror or exc}"
            return report
        report.written = True
    return report


def _display(path: Path) -> str:
    return path.as_posix().lstrip("/") if path.is_absolute() else path.as_posix()
