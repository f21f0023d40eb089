"""The build context: the files BuildKit would send, after ``.dockerignore``.

Docker's ignore semantics are not .gitignore's, so they are ported here from
moby/patternmatcher (``MatchesOrParentMatches``) and moby/patternmatcher/ignorefile
(``ReadAll``) rather than taken from pathspec's gitwildmatch:

* a pattern is anchored at the context root: ``*.log`` matches ``x.log`` only,
  never ``logs/x.log`` (``**/*.log`` does that);
* patterns are cleaned with Go's ``filepath.Clean`` (``./a/`` → ``a``, ``/a`` → ``a``),
  so a trailing slash does not mean "directories only";
* a pattern that matches a directory excludes everything below it, and a later
  ``!`` exception may re-include a file below an excluded directory;
* ``<dockerfile-name>.dockerignore`` beside the Dockerfile replaces the context's
  ``.dockerignore`` (BuildKit's dockerui frontend).
"""

from __future__ import annotations

import copy
import functools
import os
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from .globmatch import Glob
from .io.fileio import MAX_MANIFEST_BYTES, InputError, read_bounded
from .io.limits import InputLimitError, check_structured

GLOB_META = frozenset("*?[\\")
T = TypeVar("T")


def go_clean(path: str) -> str:
    """Go's ``filepath.Clean`` for slash paths (posixpath keeps a leading ``//``; Go does not)."""
    cleaned = posixpath.normpath(path) if path else "."
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    return cleaned


class IgnorePatternError(ValueError):
    """A pattern BuildKit refuses (``filepath.Match`` syntax error or a lone ``!``)."""


@dataclass(frozen=True)
class IgnorePattern:
    text: str  # cleaned pattern, without the leading "!"
    exclusion: bool  # a "!" exception: re-includes what it matches
    _kind: str  # "exact" | "prefix" | "suffix" | "regexp", as patternmatcher classifies it
    _glob: Glob | None = field(compare=False)  # the "regexp" kind's matcher; follows from the text

    @classmethod
    def compile(cls, raw: str) -> IgnorePattern:
        exclusion = raw.startswith("!")
        text = raw[1:] if exclusion else raw
        if not text:
            raise IgnorePatternError('illegal exclusion pattern: "!"')
        _check_match_syntax(text)
        kind, source = _translate(text)
        try:
            glob = Glob(source) if kind == "regexp" else None
        except re.error as exc:
            raise IgnorePatternError(f"bad pattern {text!r}: {exc}") from exc
        return cls(text, exclusion, kind, glob)

    def match(self, path: str) -> bool:
        if self._kind == "exact":
            return path == self.text
        if self._kind == "prefix":
            return path.startswith(self.text[:-2])
        if self._kind == "suffix":
            suffix = self.text[2:]
            return path.endswith(suffix) or (suffix.startswith("/") and path == suffix[1:])
        assert self._glob is not None
        return self._glob.matches(path)

    def regex_source(self, tag: str) -> str | None:
        """A regexp that fullmatches exactly the paths ``match`` accepts, in time linear in the
        path, with no capturing groups but named ones beginning with ``tag``; None when no
        regexp of Python's does that for this pattern (``match`` still does)."""
        if self._kind == "exact":
            return re.escape(self.text)
        if self._kind == "prefix":
            return re.escape(self.text[:-2]) + ".*"
        if self._kind == "suffix":
            suffix = self.text[2:]
            alone = "|" + re.escape(suffix[1:]) if suffix.startswith("/") else ""
            return f".*{re.escape(suffix)}{alone}"
        assert self._glob is not None
        return self._glob.linear_source(tag)


def _translate(pattern: str) -> tuple[str, str]:
    """patternmatcher's Pattern.compile: classify the pattern and write its regexp."""
    out: list[str] = []
    kind = "exact"
    i, n = 0, len(pattern)
    first = True
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*":
            if i < n and pattern[i] == "*":
                i += 1
                if i < n and pattern[i] == "/":
                    i += 1
                if i >= n:
                    if kind == "exact":
                        kind = "prefix"
                    else:
                        out.append(".*")
                        kind = "regexp"
                else:
                    out.append("(?:.*/)?")
                    kind = "regexp"
                if first:
                    kind = "suffix"
            else:
                out.append("[^/]*")
                kind = "regexp"
        elif ch == "?":
            out.append("[^/]")
            kind = "regexp"
        elif ch == "\\":
            if i < n:
                # Go's `\\x` is a literal x; Python's `\\d` or `\\1` would be a class or a backreference.
                out.append(re.escape(pattern[i]))
                i += 1
                kind = "regexp"
            else:
                out.append(r"\\")
        elif ch in "[]":
            out.append(ch)
            kind = "regexp"
        else:
            # Go escapes only the regexp metacharacters filepath.Match has no use for.
            out.append("\\" + ch if ch in ".+()|{}$" else ch)
        first = False
    return kind, "".join(out)


def _check_match_syntax(pattern: str) -> None:
    """Reject what Go's filepath.Match reports as ErrBadPattern: unclosed ``[`` or a trailing ``\\``."""
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= n:
                raise IgnorePatternError(f"bad pattern {pattern!r}: trailing backslash")
            i += 2
            continue
        if ch == "[":
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                raise IgnorePatternError(f"bad pattern {pattern!r}: empty character class")
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            if j >= n:
                raise IgnorePatternError(f"bad pattern {pattern!r}: unclosed character class")
            i = j + 1
            continue
        i += 1


def read_ignore_lines(text: str) -> list[str]:
    """ignorefile.ReadAll: comments, whitespace, ``!``, Clean and the leading ``/``."""
    patterns: list[str] = []
    for number, line in enumerate(text.splitlines()):
        if number == 0:
            line = line.removeprefix("\ufeff")
        if line.startswith("#"):
            continue
        line = line.strip()
        if not line:
            continue
        invert = line.startswith("!")
        if invert:
            line = line[1:].strip()
        if line:
            line = go_clean(line)
            if len(line) > 1 and line.startswith("/"):
                line = line[1:]
        patterns.append("!" + line if invert else line)
    return patterns


# Rules build the ignore list again for every candidate edit of .dockerignore (DF301);
# compiling and matching 5,000 patterns each time took tens of seconds, so compiled
# forms and answers are shared between lists of the same patterns.
@functools.lru_cache(maxsize=16384)
def _pattern(raw: str) -> IgnorePattern:
    return IgnorePattern.compile(raw)


@dataclass
class _Matcher:
    """One ignore list's regexp and its answers so far; the same patterns give the same answers.

    Consecutive patterns of one kind (exclude or re-include) form a run.  The patterns go
    into one regexp, last run first, each run a group named ``r<run>``; a pattern that no
    regexp of Python's matches in time linear in the path stays out of it, in ``slow``.
    """

    regexp: re.Pattern[str] | None
    runs: list[bool]  # per run: is it a `!` exception run
    slow: list[tuple[int, IgnorePattern]]  # (run, pattern), in list order
    run_of: dict[int, int]  # the regexp's group number of each run -> the run
    dir_last: dict[str, int] = field(default_factory=dict)
    verdicts: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def build(cls, patterns: Iterable[IgnorePattern]) -> _Matcher:
        runs: list[bool] = []
        sources: list[list[str]] = []
        slow: list[tuple[int, IgnorePattern]] = []
        for index, pattern in enumerate(patterns):
            if not runs or runs[-1] != pattern.exclusion:
                runs.append(pattern.exclusion)
                sources.append([])
            source = pattern.regex_source(f"p{index}_")
            if source is None:
                slow.append((len(runs) - 1, pattern))
            else:
                sources[-1].append(f"(?:{source})")
        alternatives = "|".join(f"(?P<r{run}>{'|'.join(sources[run])})"
                                for run in reversed(range(len(runs))) if sources[run])
        regexp = re.compile(alternatives, re.DOTALL) if alternatives else None
        run_of = {number: int(name[1:]) for name, number in regexp.groupindex.items()
                  if name[0] == "r"} if regexp else {}
        return cls(regexp, runs, slow, run_of)

    def last_run(self, path: str) -> int:
        """Index of the last run with a pattern matching ``path`` itself, or -1."""
        m = self.regexp.fullmatch(path) if self.regexp is not None else None
        last = -1 if m is None else self.run_of[m.lastindex]  # type: ignore[index]
        for run, pattern in reversed(self.slow) if self.slow else ():
            if run <= last:
                break
            if pattern.match(path):
                return run
        return last


@functools.lru_cache(maxsize=32)
def _matcher(patterns: tuple[IgnorePattern, ...]) -> _Matcher:
    return _Matcher.build(patterns)


class DockerIgnore:
    """An ordered list of ignore patterns; the last pattern that matches decides.

    A path is excluded when the last pattern matching it or one of its parent
    directories is not a ``!`` exception.  Consecutive patterns of one kind (exclude or
    re-include) form a run; all runs go into one regexp, last run first, so one C-level
    ``fullmatch`` names the last run that matches, instead of a Python loop over every
    pattern for every file (5,000 patterns over 20,000 files took 21 s that way).  Only
    patterns whose regexp Python could match solely by backtracking (``a**b*c``, a class
    that matches ``/`` between two stars) are matched one by one, and only for the runs
    after the one the regexp names.
    """

    def __init__(self, patterns: Iterable[str], _base: DockerIgnore | None = None) -> None:
        # patternmatcher.New cleans again, after ReadAll already did.
        own = [_pattern(go_clean(p.strip())) for p in patterns if p.strip()]
        self._base = _base  # the list these patterns are appended to: it answers where they match nothing
        self.patterns = [*(_base.patterns if _base else ()), *own]
        if not own:
            self._matcher = None
        elif _base is None:
            self._matcher = _matcher(tuple(own))
        else:  # answers depend on the base too: not shared with another list of these patterns
            self._matcher = _Matcher.build(own)

    @classmethod
    def from_text(cls, text: str) -> DockerIgnore:
        return cls(read_ignore_lines(text))

    def extended(self, patterns: Iterable[str]) -> DockerIgnore:
        """This list with ``patterns`` appended.

        The last matching pattern decides, so a path the new patterns do not match (nor
        any of its folders) keeps this list's answer, already memoised: DF301 tries a
        dozen lists that differ from the user's 5,000 patterns by one line each.
        """
        return DockerIgnore(patterns, _base=self)

    def extended_to(self, patterns: list[str]) -> DockerIgnore:
        """``patterns`` as a list, built on this one when it begins with this list's patterns."""
        cleaned = [p for p in patterns if p.strip()]
        if len(cleaned) >= len(self.patterns) and all(
                _pattern(go_clean(p.strip())) == mine for p, mine in zip(cleaned, self.patterns)):
            return self.extended(cleaned[len(self.patterns):])
        return DockerIgnore(patterns)

    def excludes(self, relpath: str) -> bool:
        """True when ``relpath`` (a slash path relative to the context) is not sent."""
        path = go_clean(relpath)
        if path == ".":
            return False
        matcher = self._matcher
        if matcher is None:
            return self._base.excludes(path) if self._base else False
        verdict = matcher.verdicts.get(path)
        if verdict is None:
            parent = posixpath.dirname(path)
            last = max(matcher.last_run(path), self._dir_last_run(matcher, parent) if parent else -1)
            if last >= 0:
                verdict = not matcher.runs[last]
            else:
                verdict = self._base.excludes(path) if self._base else False
            matcher.verdicts[path] = verdict
        return verdict

    def _dir_last_run(self, matcher: _Matcher, directory: str) -> int:
        """The last run matching ``directory`` or any of its ancestors (memoised per directory)."""
        cached = matcher.dir_last.get(directory)
        if cached is None:
            parent = posixpath.dirname(directory)
            cached = max(matcher.last_run(directory), self._dir_last_run(matcher, parent) if parent else -1)
            matcher.dir_last[directory] = cached
        return cached


def _segment_regex(segment: str) -> str:
    """One path segment of a filepath.Match pattern as a regexp (``*`` and ``?`` stop at ``/``)."""
    out: list[str] = []
    i, n = 0, len(segment)
    while i < n:
        ch = segment[i]
        i += 1
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\" and i < n:
            out.append(re.escape(segment[i]))
            i += 1
        elif ch == "[":
            j = segment.find("]", i + 1)
            if j < 0:
                out.append(re.escape(ch))
                continue
            body = segment[i:j]
            if body.startswith("^"):
                body = "^" + body[1:].replace("\\", "\\\\")
            else:
                body = body.replace("\\", "\\\\")
            out.append(f"[{body}]")
            i = j + 1
        else:
            out.append(re.escape(ch))
    return "".join(out)


@functools.lru_cache(maxsize=1024)
def path_glob(pattern: str, *, double_star: bool) -> Glob:
    """A whole-path matcher for a slash glob; with ``double_star`` a ``**`` segment spans directories."""
    parts: list[str] = []
    for segment in pattern.split("/"):
        if double_star and segment == "**":
            parts.append("(?:[^/]+(?:/[^/]+)*)?")
        else:
            parts.append(_segment_regex(segment))
    return Glob("/".join(parts).replace("(?:[^/]+(?:/[^/]+)*)?/", "(?:[^/]+/)*"))


def has_glob_meta(text: str) -> bool:
    return any(ch in GLOB_META for ch in text)


class BuildContext:
    """The files of a build context that BuildKit would send, as sorted slash paths."""

    def __init__(
        self,
        root: Path,
        all_files: Iterable[str],
        *,
        ignore: DockerIgnore | None,
        ignored_by: str | None,
        ignore_text: str | None = None,
        _tree: tuple[list[str], dict] | None = None,
    ) -> None:
        self.root = root
        self.ignore = ignore
        self.ignored_by = ignored_by  # relative path of the ignore file used, or None
        self.ignore_text = ignore_text  # that file's text, as read
        # Another view of the same tree (a new ignore text) shares the cleaned listing and its memo.
        every = _tree[0] if _tree is not None else sorted({go_clean(f) for f in all_files} - {"."})
        self._tree_memo: dict = _tree[1] if _tree is not None else {}
        self._view_memo: dict = {}
        self.all_files = every  # before .dockerignore
        self._all_set = frozenset(every)
        self.dockerfile_rel: str | None = None  # the Dockerfile being fixed, when it lies in the context
        self.files = [f for f in every if ignore is None or not ignore.excludes(f)]
        self._file_set = frozenset(self.files)
        dirs: set[str] = set()
        for f in self.files:
            # Up from the file's folder until a folder already seen: each folder is joined
            # once, not once per file below it (deep trees made this quadratic in the depth).
            folder = f.rpartition("/")[0]
            while folder and folder not in dirs:
                dirs.add(folder)
                folder = folder.rpartition("/")[0]
        self.dirs = sorted(dirs)
        self._dir_set = frozenset(dirs)
        self._texts: dict[str, str | None] = {}

    # construction -----------------------------------------------------------------

    @classmethod
    def from_directory(cls, root: Path, dockerfile_path: Path | str | None = None) -> BuildContext:
        """Walk ``root``; symlinks are entries, never followed (BuildKit sends them as links).

        ``dockerfile_path`` is absolute or relative to ``root``.  Within a run (until
        ``clear_context_cache``) a context with the same root and ignore file is walked
        once: every Dockerfile of a monorepo built from its root shares one walk.
        """
        root = Path(root)
        ignore, used, text = _load_ignore(root, dockerfile_path)
        key = (str(root.resolve()), used, text)
        cached = _CONTEXTS.pop(key, None)
        if cached is None:
            cached = cls(root, _walk(root), ignore=ignore, ignored_by=used, ignore_text=text)
        _CONTEXTS[key] = cached  # most recent last
        while len(_CONTEXTS) > MAX_CACHED_CONTEXTS:
            _CONTEXTS.pop(next(iter(_CONTEXTS)))
        ctx = copy.copy(cached)  # the listing and memos shared; what is per Dockerfile is not
        ctx.root = root
        ctx._texts = {}
        ctx.dockerfile_rel = _relative_in(root, dockerfile_path)
        return ctx

    def memo(self, key: object, compute: Callable[[], T], *, whole_tree: bool = False) -> T:
        """``compute()`` once for this context and key; with ``whole_tree``, once for every
        ignore text of the same tree (a fact about the files before ``.dockerignore``).

        Rules ask the same questions of a context for each Dockerfile built from it and in
        each pass; answers kept here make that work once per context, not per Dockerfile.
        """
        memo = self._tree_memo if whole_tree else self._view_memo
        if key not in memo:
            memo[key] = compute()
        return memo[key]

    @classmethod
    def from_listing(
        cls, root: Path, files: Iterable[str], dockerfile_path: Path | str | None = None
    ) -> BuildContext:
        """A context whose file list is given (e.g. a corpus ``source.json``); only some files exist on disk."""
        root = Path(root)
        listed = set(files)
        ignore, used, text = _load_ignore(root, dockerfile_path)
        ctx = cls(root, listed, ignore=ignore, ignored_by=used, ignore_text=text)
        ctx.dockerfile_rel = _relative_in(root, dockerfile_path)
        return ctx

    def ignore_file(self) -> Path:
        """The ignore file BuildKit reads for this build, or the ``.dockerignore`` that would be created."""
        if self.ignored_by is None:
            return self.root / ".dockerignore"
        used = Path(self.ignored_by)
        return used if used.is_absolute() else self.root / used

    def with_ignore_text(self, text: str) -> BuildContext:
        """The same tree seen through a new text of its ignore file (a fix about to write it)."""
        rel = self.ignored_by or ".dockerignore"
        lines = read_ignore_lines(text)
        ignore = self.ignore.extended_to(lines) if self.ignore is not None else DockerIgnore(lines)
        ctx = BuildContext(self.root, (), ignore=ignore, ignored_by=rel, ignore_text=text,
                           _tree=(self.all_files, self._tree_memo))
        ctx.dockerfile_rel = self.dockerfile_rel
        return ctx

    def read_unfiltered(self, relpath: str) -> str | None:
        """A context file's text whether or not .dockerignore sends it (other Dockerfiles often are ignored)."""
        path = go_clean(relpath)
        return _read_disk(self.root, path) if path in self._all_set else None

    # queries ----------------------------------------------------------------------

    def in_tree(self, relpath: str) -> bool:
        """Whether the tree holds the file ``relpath``, whether or not .dockerignore sends it."""
        return go_clean(relpath) in self._all_set

    def is_included(self, relpath: str) -> bool:
        """Whether ``.dockerignore`` lets ``relpath`` through (whether or not it exists)."""
        return self.ignore is None or not self.ignore.excludes(relpath)

    def exists(self, relpath: str) -> bool:
        """Whether the sent context holds ``relpath``, as a file or as a directory of sent files."""
        path = go_clean(relpath.lstrip("/")) if relpath not in ("/", "") else "."
        return path == "." or path in self._file_set or path in self._dir_set

    def is_file(self, relpath: str) -> bool:
        return go_clean(relpath) in self._file_set

    def is_dir(self, relpath: str) -> bool:
        path = go_clean(relpath)
        return path == "." or path in self._dir_set

    def read_text(self, relpath: str) -> str | None:
        """The file's text, or None when it is not sent, not on disk, or not readable as UTF-8."""
        path = go_clean(relpath)
        if path not in self._file_set:
            return None
        # Rules and detectors read the same manifests many times per run; the context is fixed.
        if path not in self._texts:
            self._texts[path] = _read_disk(self.root, path)
        return self._texts[path]

    def files_under(self, reldir: str) -> list[str]:
        path = go_clean(reldir)
        if path == ".":
            return list(self.files)
        prefix = path + "/"
        return [f for f in self.files if f.startswith(prefix)]

    def glob(self, pattern: str) -> list[str]:
        """Sent files and directories matching a slash glob (``*``, ``?``, ``[..]``, ``**`` segments)."""
        cleaned = go_clean(pattern.lstrip("/"))
        if cleaned == ".":
            return ["."]
        glob = path_glob(cleaned, double_star=True)
        return sorted(p for p in (*self.files, *self.dirs) if glob.matches(p))

    def matches_copy_source(self, src: str) -> list[str]:
        """The sent files a ``COPY``/``ADD`` source brings in.

        Sources are relative to the context root whatever their leading ``/``; wildcards
        follow Go's ``filepath.Match`` per segment (``**`` is just ``*``); a matched
        directory brings everything below it.
        """
        cleaned = go_clean(src.lstrip("/")) if src.strip("/") else "."
        if cleaned == ".":
            return list(self.files)
        if has_glob_meta(cleaned):
            glob = path_glob(cleaned, double_star=False)
            roots = [p for p in (*self.files, *self.dirs) if glob.matches(p)]
        else:
            roots = [cleaned] if self.exists(cleaned) else []
        found: set[str] = set()
        for root in roots:
            if root in self._file_set:
                found.add(root)
            else:
                found.update(self.files_under(root))
        return sorted(found)


def _walk(root: Path) -> list[str]:
    """Every path under ``root``, symlinks as entries (never followed)."""
    files: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        prefix = "" if rel_dir == "." else rel_dir + "/"
        # os.walk lists a symlink to a directory among dirnames; BuildKit sends the link itself.
        for name in dirnames:
            if (Path(dirpath) / name).is_symlink():
                files.append(prefix + name)
        files.extend(prefix + name for name in filenames)
    return files


# Contexts walked in this run, most recently used last: (resolved root, ignore file, its text) -> context.
MAX_CACHED_CONTEXTS = 8
_CONTEXTS: dict[tuple[str, str | None, str | None], BuildContext] = {}


def clear_context_cache() -> None:
    """Forget the walks: a new run sees the tree as it is now (files may have changed between runs)."""
    _CONTEXTS.clear()


def _relative_in(root: Path, dockerfile_path: Path | str | None) -> str | None:
    if dockerfile_path is None:
        return None
    df = Path(dockerfile_path)
    try:
        return (df if not df.is_absolute() else df.resolve().relative_to(root.resolve())).as_posix()
    except ValueError:
        return None


def _read_disk(root: Path, relpath: str, exact: bool = False) -> str | None:
    """The file's text; None when it is missing, unreadable or not UTF-8.

    ``exact`` keeps CRLF line endings (a file dfix may rewrite); otherwise line endings
    are read as Python's text mode reads them.  InputLimitError when the repository makes
    it hostile: a FIFO, device or symlink loop where a file should be, a file over the
    size bound, nesting past the bound.
    """
    path = root / relpath
    try:
        resolved = path.resolve()
    except (RuntimeError, OSError):  # RuntimeError: a symlink loop (Python < 3.13)
        raise InputLimitError(f"{relpath}: symlink loop") from None
    # A symlink may point out of the tree; BuildKit would not follow it there.
    if not resolved.is_relative_to(root.resolve()):
        return None
    text = _read_bounded_text(path, relpath)
    if text is not None:
        check_structured(text, relpath)
        if not exact:  # what read_text's universal newlines give
            text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _read_bounded_text(path: Path, shown: str) -> str | None:
    if not path.exists():
        return None
    try:
        data = read_bounded(path, MAX_MANIFEST_BYTES)
    except InputError as exc:
        if str(exc) in ("permission denied", "no such file or directory"):
            return None
        raise InputLimitError(f"{shown}: {exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _load_ignore(root: Path, dockerfile_path: Path | str | None
                 ) -> tuple[DockerIgnore | None, str | None, str | None]:
    """BuildKit reads ``<Dockerfile name>.dockerignore`` beside the Dockerfile first, then ``.dockerignore``."""
    candidates: list[str] = []
    if dockerfile_path is not None:
        df = Path(dockerfile_path)
        if not df.is_absolute():
            df = root / df
        specific = df.with_name(df.name + ".dockerignore")
        try:
            candidates.append(specific.relative_to(root).as_posix())
        except ValueError:
            text = _read_outside(specific)
            if text is not None:
                return _compile_ignore(text, str(specific)), str(specific), text
    candidates.append(".dockerignore")
    for rel in candidates:
        text = _read_disk(root, rel, exact=True)
        if text is not None:
            return _compile_ignore(text, rel), rel, text
    return None, None, None


def _compile_ignore(text: str, shown: str) -> DockerIgnore:
    try:
        return DockerIgnore.from_text(text)
    except IgnorePatternError as exc:
        raise IgnorePatternError(f"{shown}: {exc} (BuildKit rejects this pattern)") from None


def _read_outside(path: Path) -> str | None:
    return _read_bounded_text(path, str(path))
