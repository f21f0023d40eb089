"""One Dockerfile through the pipeline: read, configure, fix, diff, and maybe write."""

from __future__ import annotations

import gc

from dataclasses import dataclass
from pathlib import Path

from . import engine
from ..config import ConfigError, ConfigFinder, Settings, frontend_warning
from ..context import IgnorePatternError, clear_context_cache
from ..io.discover import Target, escapes_tree
from ..dockerfile import DockerfileError
from ..rules.findings import FileEdit, FileReport
from ..io.fileio import InputError, check_replaceable, read_dockerfile, undo_file_edit, write_atomic, write_file_edit
from ..io.limits import InputLimitError
from ..io.paths import OutsideError, check_inside, write_root
from .patch import unified_diff
from ..rules import select_rules, unknown_codes
from ..secrets import Masker
from ..managers import clear_caches


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
    context_peers: tuple[Path, ...] = ()  # every Dockerfile of this run when --context names one shared context
    # `dfix -`: the Dockerfile's text from standard input (the target names where it would live);
    # nothing is written, the fixed text goes back in FileReport.fixed_text.
    stdin_text: str | None = None


def check_codes(codes: tuple[str, ...], where: str) -> tuple[str, ...]:
    """The codes when each is ALL or a prefix of a rule's code; ConfigError naming the first that is not.

    Here rather than in config: config sits below the rules, which read Settings.
    """
    for code in codes:
        if not code:
            raise ConfigError(f"{where}: empty rule code (see `dfix rules`)")
    bad = unknown_codes(codes)
    if bad:
        raise ConfigError(f"{where}: unknown rule code(s): {', '.join(bad)} (see `dfix rules`)")
    return codes


def settings_for(target: Target, options: Options, finder: ConfigFinder,
                 warnings: list[str] | None = None) -> Settings:
    base = finder.for_path(target.path)
    warning = frontend_warning(base) if options.syntax is None else None  # --syntax is the user's own choice
    if warning and warnings is not None:
        warnings.append(warning)
    # a typo in a config file must not silently turn rules off (or all on)
    check_codes(base.select or (), f"{base.source}: `select`")
    check_codes(base.ignore, f"{base.source}: `ignore`")
    per_file = base.ignored_for(target.path)
    check_codes(per_file, f"{base.source}: `per-file-ignores`")
    return base.with_overrides(
        select=options.select,
        ignore=(options.ignore if options.ignore is not None else base.ignore) + options.extend_ignore + per_file,
        unsafe_fixes=options.unsafe_fixes,
        syntax=options.syntax,
    )


# Young collections every 200,000 allocations, the full one almost never (see process).
FILE_GC_THRESHOLDS = (200_000, 50, 1_000)


def process(target: Target, options: Options, finder: ConfigFinder) -> FileReport:
    """One file's report; whatever goes wrong, the error is this file's and the run goes on."""
    context_dir = options.context if options.context is not None else target.path.parent
    report = FileReport(str(target.path), str(context_dir))
    # The cycle collector rescans every live object each time the oldest generation fills:
    # with a 100k-line file's parses alive that was a third of the run, to free almost
    # nothing (a parse holds no cycles). While a file is processed, young collections run
    # rarely and the full one almost never; bashlex's cyclic garbage dies young, so it is
    # still collected (with the collector off, a 50k-RUN file grew past 800 MB).
    thresholds = gc.get_threshold()
    gc.set_threshold(*FILE_GC_THRESHOLDS)
    try:
        _process(target, options, finder, context_dir, report)
    except Exception as exc:  # noqa: BLE001 - a bug in dfix: this file fails, not the run
        report.error = internal_error(exc)
    finally:
        clear_caches()  # work stays linear in each file; nothing grows over a run of thousands
        gc.set_threshold(*thresholds)
    if report.error:  # an error file has nothing else to show, and was not written
        report.fixes, report.skipped, report.notes, report.diff, report.written = [], [], [], "", False
        report.reports = []
        report.own_diff, report.extra_diffs, report.extra_files = "", [], []
    return report


# Below this many files a process pool costs more (start-up, imports) than it saves.
PARALLEL_MIN_FILES = 16
_worker_finder: ConfigFinder | None = None


def process_all(targets: list[Target], options: Options, jobs: int) -> list[FileReport]:
    """Every target's report, in the targets' order; files in parallel processes when it pays.

    As black and ruff do, a tree is spread over processes (the work is pure Python, so
    threads would share one core).  Where processes cannot be started (no semaphores in
    a sandbox), the run falls back to this process.
    """
    clear_context_cache()  # walks are shared between this run's Dockerfiles, never with an earlier run
    if jobs <= 1 or len(targets) < PARALLEL_MIN_FILES:
        finder = ConfigFinder()
        return [process(t, options, finder) for t in targets]
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        pool = ProcessPoolExecutor(max_workers=min(jobs, len(targets)))
    except (OSError, NotImplementedError, ImportError):
        finder = ConfigFinder()
        return [process(t, options, finder) for t in targets]
    reports: list[FileReport] = []
    with pool:
        # Contiguous chunks: files of one folder share a config lookup and IPC is per chunk.
        size = max(1, min(64, len(targets) // (jobs * 8)))
        chunks = [targets[i : i + size] for i in range(0, len(targets), size)]
        futures = [pool.submit(_process_chunk, chunk, options) for chunk in chunks]
        for chunk, future in zip(chunks, futures):
            try:
                reports.extend(future.result())
            except BrokenProcessPool:
                # A worker was killed (the OOM killer, a signal): the pool is gone for every chunk
                # not done yet, so those are processed here instead of failing thousands of files.
                reports.extend(_process_chunk(chunk, options))
            except Exception as exc:  # noqa: BLE001 - a bug the worker could not report itself
                what = internal_error(exc)
                reports.extend(FileReport(str(t.path), None, what) for t in chunk)
    return reports


def _process_chunk(targets: list[Target], options: Options) -> list[FileReport]:
    global _worker_finder
    if _worker_finder is None:
        _worker_finder = ConfigFinder()
    return [process(t, options, _worker_finder) for t in targets]


def internal_error(exc: BaseException) -> str:
    """One line for a bug (an exception dfix did not expect), never a traceback."""
    if isinstance(exc, RecursionError):
        what = "input nested too deeply to analyse (RecursionError)"
    elif isinstance(exc, MemoryError):
        what = "out of memory"
    else:
        what = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
    return f"internal error, file left unchanged: {what}; please report this as a dfix bug with the input"


def _process(target: Target, options: Options, finder: ConfigFinder, context_dir: Path, report: FileReport) -> None:
    if target.error:
        report.error = target.error
        return
    if escapes_tree(target):
        report.error = f"symlink points outside {target.root} ({target.path.resolve()}); not following it"
        return
    try:
        text = read_dockerfile(target.path) if options.stdin_text is None else options.stdin_text
        settings = settings_for(target, options, finder, report.warnings)
        rules = select_rules(settings.select, settings.ignore)
        result = engine.run(text, rules, settings, target.path, context_dir, peers=_peers(target, options))
    except (InputError, ConfigError, InputLimitError, IgnorePatternError) as exc:
        report.error = str(exc)
        return
    except DockerfileError as exc:
        report.error = f"BuildKit would reject this file: {exc}"
        return
    except engine.EngineError as exc:
        report.error = f"internal error, file left unchanged: {exc}; please report this as a dfix bug with the input"
        return
    report.fixes = result.fixes
    report.skipped = result.skipped
    report.notes = result.notes
    report.reports = result.reports
    edits = [e for e in result.files.values() if e.new_text != e.old_text]
    report.own_diff = unified_diff(result.original, result.text, _display(target.path))
    # Paths as the Dockerfile's own is reported (as given); the diff headers use the display form.
    report.extra_diffs = [(str(e.path), unified_diff(e.old_text, e.new_text, _display(e.path))) for e in edits]
    report.diff = report.own_diff + "".join(d for _, d in report.extra_diffs)
    report.extra_files = [(str(e.path), e.old_text is None) for e in edits]
    Masker.for_dockerfile(result.original).mask_report(report)
    if options.stdin_text is not None:
        report.fixed_text = result.text  # an editor replaces its buffer with it; no file is touched
        return
    if options.write and result.changed:
        try:
            _check_inside(target, edits)
            _write_fix_set(target.path, text, result.text, edits)
        except (InputError, OutsideError) as exc:
            report.error = str(exc)
            return
        except OSError as exc:
            report.error = f"cannot write: {exc.strerror or exc}"
            return
        report.written = True


def _check_inside(target: Target, edits: list[FileEdit]) -> None:
    """Refuse the whole fix set when one of its files, every symlink followed, leaves the
    tree it was given in (widened to the repository holding it): `svc -> /elsewhere`
    committed in a pull request must not get that folder's Dockerfile rewritten."""
    root = write_root(target.root)
    for path in [target.path, *(e.path for e in edits)]:
        check_inside(path, root)


def _write_fix_set(path: Path, read: str, fixed: str, edits: list[FileEdit]) -> None:
    """The Dockerfile and the other files its fixes change, all or none.

    The Dockerfile's own refusals are checked first; the other files are written next, so
    one that cannot be written leaves the Dockerfile as it was; and if the Dockerfile
    still fails (it changed since it was read), the other files are put back.
    """
    own = fixed != read
    if own:
        check_replaceable(path)
    written: list[FileEdit] = []
    try:
        for e in edits:
            write_file_edit(e.path, e.old_text, e.new_text)
            written.append(e)
        if own:
            write_atomic(path, fixed, expected=read)
    except BaseException:
        for e in reversed(written):
            try:
                undo_file_edit(e.path, e.old_text, e.new_text)
            except (InputError, OSError):
                pass  # changed again meanwhile: it is the other writer's now
        raise


def _peers(target: Target, options: Options) -> tuple[tuple[str, str | None], ...]:
    out = []
    for path in options.context_peers:
        if path != target.path:
            try:
                out.append((str(path), read_dockerfile(path)))
            except InputError:
                out.append((str(path), None))
    return tuple(out)


def _display(path: Path) -> str:
    return path.as_posix().lstrip("/") if path.is_absolute() else path.as_posix()
