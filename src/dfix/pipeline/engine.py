"""Runs the selected rules to a fixed point and checks the result, as black does.

Each pass parses the current text, asks every rule for fixes, applies the
non-overlapping ones (earlier rules first) and starts again, until no rule has
anything to add.  That last pass is the check black makes with a second run: the
output parsed and validated, and the same rules over it proposed nothing.  A fix set
whose output does not parse, or that never settles, is an internal error, and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

from ..analysis.facts import Analysis, ContextFacts
from ..config import Settings
from ..dockerfile import Comment, Dockerfile, DockerfileError, Instruction, TextEdit, parse, validate
from ..rules.findings import AppliedFix, FileEdit, Fix, Report, Safety, Skip
from ..rules import Rule, RuleContext
from ..analysis.runs import shell_texts
from ..shell.parse import ShellBudgetError, ShellNestingError, parse_budget, parse_shell
from .patch import lines

MAX_PASSES = 16
UNSAFE_REASON = "unsafe fix: enable with --unsafe-fixes"


class EngineError(RuntimeError):
    """The rules misbehaved (overlapping forever, output that does not parse, not idempotent)."""


@dataclass
class Result:
    original: str
    text: str
    fixes: list[AppliedFix] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    notes: list[Skip] = field(default_factory=list)  # looked at, nothing to do (info skips)
    reports: list[Report] = field(default_factory=list)  # display-only findings, once each
    pass_of_fix: dict[tuple[str, int], int] = field(default_factory=dict, repr=False)
    pass_of_skip: dict[tuple[str, int, str], int] = field(default_factory=dict, repr=False)
    # Other files the fixes change (a context's .dockerignore): old text as read, new text.
    files: dict[Path, FileEdit] = field(default_factory=dict)
    build_context: Any = field(default=None, repr=False)  # the context as the final text and files see it

    @property
    def changed(self) -> bool:
        return self.text != self.original or any(f.new_text != f.old_text for f in self.files.values())


def _record(result: Result, fix: AppliedFix) -> None:
    """One entry per rule and input line: a rule that comes back to a RUN in a later pass
    (DF102 adding --prefer-offline once DF103 made the install exact) extends its fix."""
    for i, earlier in enumerate(result.fixes):
        if (earlier.code, earlier.line) == (fix.code, fix.line):
            safety = Safety.UNSAFE if Safety.UNSAFE in (earlier.safety, fix.safety) else Safety.SAFE
            result.fixes[i] = AppliedFix(fix.code, f"{earlier.message}; {fix.message}", fix.line, safety,
                                         tuple(dict.fromkeys(earlier.may_differ + fix.may_differ)),
                                         tuple(dict.fromkeys(earlier.files + fix.files)))
            return
    result.fixes.append(fix)


def load(text: str) -> Dockerfile:
    """Parse and validate: raises DockerfileError for a file BuildKit rejects."""
    df = parse(text)
    validate(df)
    return df


def apply_edits(text: str, edits: Sequence[TextEdit]) -> str:
    out = text
    # Later offsets first so earlier offsets stay valid; at one point, keep the given order.
    # A replacement and an insertion at one offset: the replacement goes first, so the
    # insertion lands before its text instead of being eaten by it.
    for edit in sorted(enumerate(edits), key=lambda ie: (ie[1].start, ie[1].end, ie[0]), reverse=True):
        e = edit[1]
        out = out[: e.start] + e.replacement + out[e.end :]
    return out


def _conflict(a: TextEdit, b: TextEdit) -> bool:
    if a.start == a.end and b.start == b.end:
        return a.start == b.start
    if a.start == a.end:
        return b.start < a.start < b.end
    if b.start == b.end:
        return a.start < b.start < a.end
    return a.start < b.end and b.start < a.end


def _line_starts(text: str) -> list[int]:
    starts, at = [0], 0
    for line in lines(text):
        at += len(line)
        starts.append(at)
    return starts[:-1] if len(starts) > 1 else starts


def _line_map(old: str, new: str, edits: Sequence[TextEdit]) -> list[int]:
    """For each 1-based line of ``new``, the line of ``old`` it comes from, or where it was inserted.

    Computed from the splices themselves (not a text diff), so a line that only gained a
    flag, or stayed put while lines were inserted around it, keeps its own number.
    """
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    old_starts, new_starts = _line_starts(old), _line_starts(new)

    def old_line(offset: int) -> int:  # 1-based line of ``old`` holding offset
        lo, hi = 0, len(old_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if old_starts[mid] <= offset else (lo, mid - 1)
        return lo + 1

    # Where each old position lands in ``new``: shift by the edits wholly before it.
    to_old: dict[int, int] = {}
    shift, k = 0, 0
    for line_no, start in enumerate(old_starts, 1):
        while k < len(ordered) and (ordered[k].end < start or ordered[k].end == start and ordered[k].start < start
                                    or ordered[k].start == ordered[k].end == start):
            shift += len(ordered[k].replacement) - (ordered[k].end - ordered[k].start)
            k += 1
        if not any(e.start < start < e.end or e.start == start < e.end for e in ordered):
            to_old[start + shift] = line_no
    mapping = [0] * (len(new_starts) + 1)
    previous = 1
    for j, start in enumerate(new_starts, 1):
        if start in to_old:
            previous = to_old[start]
        else:
            previous = _inserted_at(ordered, start, old_line) or previous
        mapping[j] = previous
    return mapping


def _inserted_at(ordered: Sequence[TextEdit], new_offset: int, old_line) -> int | None:
    """The old line at which the edit that produced ``new_offset`` was made."""
    shift = 0
    for e in ordered:
        begin = e.start + shift
        if begin <= new_offset < begin + len(e.replacement) or (not e.replacement and begin == new_offset):
            return old_line(e.start)
        shift += len(e.replacement) - (e.end - e.start)
    return None


def run(
    text: str,
    rules: Sequence[Rule],
    settings: Settings,
    path: Path | None = None,
    context_dir: Path | None = None,
    build_context: Any = None,
    peers: tuple[tuple[str, str | None], ...] = (),
) -> Result:
    """Fix ``text``. ``build_context`` replaces the walk of ``context_dir`` when given;
    ``peers`` are the other Dockerfiles built from the same context."""
    result = Result(original=text, text=text)
    if build_context is None and context_dir is not None:
        from ..context import BuildContext

        build_context = BuildContext.from_directory(context_dir, path.resolve() if path else None)
    where = _Where(path, context_dir, build_context, ContextFacts(build_context) if build_context else None, peers)
    with parse_budget():
        where = _fix_passes(result, rules, settings, where)
    result.build_context = where.build_context
    # A skip that a later pass overcame (DF101 waits for DF103's --frozen-lockfile) is moot.
    result.skipped = [s for s in result.skipped if not s.provisional
                      or result.pass_of_fix.get((s.code, s.line), -1) <= result.pass_of_skip[(s.code, s.line, s.reason)]]
    # A note is moot where the rule fixed or skipped the same line.
    acted = {(f.code, f.line) for f in result.fixes} | {(s.code, s.line) for s in result.skipped if not s.info}
    result.notes = [s for s in result.skipped if s.info and (s.code, s.line) not in acted]
    result.skipped = [s for s in result.skipped if not s.info]
    # black's assert_equivalent/assert_stable come for free: _fix_passes returns only after a
    # pass over the final text (parsed and validated by load) proposed nothing, with the same
    # rules, settings and context a second run would use. Running it again would repeat that
    # pass and, on a 100k-line file, cost a third of the run.
    return result


@dataclass(frozen=True)
class _Where:
    """The file and context being fixed: the same in every pass."""

    path: Path | None
    context_dir: Path | None
    build_context: Any
    facts: ContextFacts | None
    peers: tuple[tuple[str, str | None], ...] = ()

    @property
    def dockerfile_dir(self) -> str:
        """The Dockerfile's folder relative to the context ("." when outside it or unknown)."""
        if self.path is None or self.context_dir is None:
            return "."
        try:
            rel = self.path.resolve().parent.relative_to(self.context_dir.resolve()).as_posix()
        except ValueError:
            return "."
        return rel or "."


def _fix_passes(result: Result, rules: Sequence[Rule], settings: Settings, where: _Where) -> _Where:
    """Apply fixes to ``result`` until none is left; returns ``where`` as the changed files left it."""
    to_original: list[int] | None = None  # line map from the current text to the original
    # A later pass repeats earlier skips over shifted text: with the same reason on a line
    # the map may place approximately, or with shifted line numbers in the reason on the
    # same line. Either is the same skip; within one pass every skip counts.
    first_pass: dict[tuple[str, object], int] = {}
    for pass_no in range(MAX_PASSES):
        candidates: list[Fix] = []
        for finding in _findings(result.text, pass_no, rules, settings, where):
            if isinstance(finding, Report):
                # Reports edit nothing, so they never hold the passes open; each is kept once,
                # at the line of the pass that first saw it (the input's line, in pass 0).
                line = to_original[finding.line] if to_original and finding.line < len(to_original) else finding.line
                key = Report(finding.code, line, finding.message, finding.severity)
                if key not in result.reports and (finding.code, finding.message) not in first_pass:
                    result.reports.append(key)
                first_pass.setdefault((finding.code, finding.message), pass_no)
            elif isinstance(finding, Skip):
                line = to_original[finding.line] if to_original and finding.line < len(to_original) else finding.line
                seen = [first_pass.setdefault(key, pass_no) for key in ((finding.code, line),
                                                                       (finding.code, finding.reason))]
                if all(p == pass_no for p in seen) and (finding.code, line, finding.reason) not in result.pass_of_skip:
                    result.skipped.append(Skip(finding.code, line, finding.reason, finding.provisional, finding.info))
                    result.pass_of_skip[(finding.code, line, finding.reason)] = pass_no
            else:
                candidates.append(finding)
        if not candidates:
            return where
        accepted: list[Fix] = []
        edits: list[TextEdit] = []
        touched: set[Path] = set()
        for fix in candidates:
            if any(_conflict(e, other) for e in fix.edits for other in edits):
                continue  # retried in the next pass, against the updated text
            if any(f.path in touched for f in fix.files):
                continue
            accepted.append(fix)
            edits.extend(fix.edits)
            touched.update(f.path for f in fix.files)
        for fix in accepted:
            line = to_original[fix.line] if to_original and fix.line < len(to_original) else fix.line
            _record(result, AppliedFix(fix.code, fix.message, line, fix.safety, fix.may_differ,
                                       tuple(f.path for f in fix.files)))
            result.pass_of_fix[(fix.code, line)] = pass_no
            where = _apply_file_edits(result, fix.files, where)
        new_text = apply_edits(result.text, edits)
        step = _line_map(result.text, new_text, edits)
        to_original = step if to_original is None else [to_original[i] if i < len(to_original) else i for i in step]
        result.text = new_text
    raise EngineError(f"fixes did not settle after {MAX_PASSES} passes")


def _findings(text: str, pass_no: int, rules: Sequence[Rule], settings: Settings,
              where: _Where) -> list[Fix | Skip | Report]:
    """Every rule's findings on one parse of ``text``; the parse is freed when this returns
    (two parses of a 100k-line file alive at once would double the run's peak memory)."""
    df = _load_pass(text, pass_no)
    analysis = Analysis(df, where.build_context, where.facts, where.dockerfile_dir)
    ctx = RuleContext(df, settings, analysis, where.build_context, where.path, where.context_dir,
                      frozenset(r.code for r in rules), where.peers)
    out: list[Fix | Skip | Report] = []
    suppressed = suppressions(df)
    try:
        for rule in rules:
            for finding in rule.check(ctx):
                if _matches_any(finding.code, suppressed.get(finding.line, ())):
                    continue
                if isinstance(finding, Fix) and finding.safety is Safety.UNSAFE and not settings.unsafe_fixes \
                        and not settings.treats_as_safe(finding.code):
                    finding = Skip(finding.code, finding.line, f"{UNSAFE_REASON} ({finding.message})")
                out.append(finding)
    except (ShellNestingError, ShellBudgetError) as exc:  # raised deep in a rule's shell parse: name the RUN
        raise type(exc)(f"line {_unparsable_run(df, type(exc))}: {exc}") from None
    return out


SUPPRESS = "dfix: ignore"


def suppressions(df: Dockerfile) -> dict[int, tuple[str, ...]]:
    """Per instruction line, the codes its comment block turns off: ``# dfix: ignore=DF102,DF301``.

    The comment goes on a line of the block directly above the instruction (a Dockerfile has
    no end-of-line comments); ``# dfix: ignore`` alone turns off every rule there.
    """
    out: dict[int, tuple[str, ...]] = {}
    block: list[str] = []
    for node in df.nodes:
        if isinstance(node, Comment):
            block.append(node.text)
        elif isinstance(node, Instruction):
            codes = tuple(c for text in block for c in _suppressed_codes(text))
            if codes:
                out[node.line] = codes
            block = []
        else:
            block = []
    return out


def _suppressed_codes(comment: str) -> tuple[str, ...]:
    body = comment.lstrip().lstrip("#").strip()
    if not body.lower().startswith(SUPPRESS):
        return ()
    rest = body[len(SUPPRESS):].strip()
    if not rest:
        return ("ALL",)
    if not rest.startswith("="):
        return ()
    return tuple(c.strip().upper() for c in rest[1:].split(",") if c.strip())


def _matches_any(code: str, selectors: tuple[str, ...]) -> bool:
    return any(s == "ALL" or code.startswith(s) for s in selectors)


def _unparsable_run(df: Dockerfile, error: type[Exception]) -> int | str:
    """The first RUN whose parse raises ``error`` (parsed RUNs answer from the cache)."""
    for ins in df.instructions:
        try:
            for text in shell_texts(ins) if ins.keyword == "RUN" else ():
                parse_shell(text)
        except error:
            return ins.line
    return "?"


def _load_pass(text: str, pass_no: int) -> Dockerfile:
    if pass_no == 0:
        return load(text)  # the input's own errors are the user's
    try:
        return load(text)
    except DockerfileError as exc:
        raise EngineError(f"the fixes produced a Dockerfile that does not parse ({exc})") from None


def _apply_file_edits(result: Result, files: Sequence[FileEdit], where: _Where) -> _Where:
    """Record other-file edits; later passes see the context through a changed ignore file."""
    for edit in files:
        first = result.files.get(edit.path)
        result.files[edit.path] = FileEdit(edit.path, first.old_text if first else edit.old_text, edit.new_text)
        context = where.build_context
        if context is not None and edit.path == context.ignore_file():
            context = context.with_ignore_text(edit.new_text)
            where = replace(where, build_context=context, facts=ContextFacts(context))
    return where
