"""The one recogniser: a parsed shell command in, the package manager and what the call does out.

Detectors and rules all ask this function; none keeps a list of programs or verbs of its
own.  "Unknown" is a first-class answer: a program dfix has no record of, or a verb its
record does not list, may read or write anything, and rules treat it so.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping

from ..shell import parse as shell
from ..shell.parse import Command, Word, first_operand
from .argv import operands, option_value
from .record import Classified, Kind, Manager
from .registry import BY_PROGRAM, SETUPTOOLS
from .system import SYSTEM_COMMANDS

_PYTHON = re.compile(r"(python|pypy)[0-9.]*|py")
_VERSIONED_PIP = re.compile(r"pip[0-9.]*")


@dataclass(frozen=True)
class Call:
    """One command as dfix understands it."""

    command: Command
    program: str | None  # base name as written after wrappers (`pip3.12`, `mvnw`); None: no program
    managers: tuple[Manager, ...]  # the records the program may stand for (yarn: 1 or 2+); () when unknown
    kind: Kind
    verb: str | None = None  # the subcommand (`install`), None when absent or not applicable
    verb_word: Word | None = None
    args: tuple[Word, ...] = ()  # the words after the program (after `python -m pip`)
    env: Mapping[str, str] = field(default_factory=dict)  # assignments the program sees
    files: tuple[str, ...] = ()  # files it names (`-r requirements.txt`), as written
    project_dir: str | None = None  # from --prefix / --cwd / -C, relative to its cwd
    outputs: tuple[str, ...] = ()  # artefacts it writes (`go build -o /bin/app`)

    @property
    def manager(self) -> Manager | None:
        """The manager when the program alone tells which (not yarn: 1 or 2+?)."""
        return self.managers[0] if len(self.managers) == 1 else None

    @property
    def ecosystem(self) -> str | None:
        return self.managers[0].ecosystem if self.managers else None

    @property
    def arg_values(self) -> list[str]:
        return [w.value for w in self.args]

    @property
    def reads_project_files(self) -> bool:
        """False only for calls known to set up the system without reading the build's files."""
        if self.kind not in (Kind.TOOL, Kind.INDEX, Kind.CLEANUP, Kind.INERT):
            return True  # FILES too: `cp -r . /app` reads the source
        if self.manager is not None and self.manager.tools_read_only_manifests and self.kind is Kind.TOOL:
            return False
        return not (self.ecosystem == "system" or (not self.managers and self.program in SYSTEM_COMMANDS))


def clear_caches() -> None:
    """Forget parsed RUNs and what they run: the runner calls this between files."""
    shell.clear_caches()
    recognise.cache_clear()


# Unbounded within a file, like parse_shell: an LRU smaller than the file's command count
# misses on every lookup of every pass (a cyclic scan).
@lru_cache(maxsize=None)  # rules ask about the same commands every pass; Calls are immutable
def recognise(command: Command) -> Call:
    """What ``command`` runs and does."""
    env, words = command.program_words()
    if not words:
        return Call(command, None, (), Kind.INERT, env=env)
    program = posixpath.basename(words[0].value)
    args = words[1:]
    if _PYTHON.fullmatch(program):
        if len(args) >= 2 and args[0].value == "-m":
            program, args = args[1].value, args[2:]
        elif args and args[0].value == "setup.py":
            verb_word = args[1] if len(args) > 1 else None
            verb = verb_word.value if verb_word else None
            kind = SETUPTOOLS.verbs.get(verb, Kind.UNKNOWN)
            return Call(command, program, (SETUPTOOLS,), kind, verb, verb_word, tuple(args), env)
        else:
            return Call(command, program, (), Kind.UNKNOWN, args=tuple(args), env=env)  # runs project code
    key = "pip" if _VERSIONED_PIP.fullmatch(program) else program
    candidates = BY_PROGRAM.get(key, ())
    if candidates and args and args[0].value in candidates[0].runs_programs:
        program, key, args = args[0].value, args[0].value, args[1:]  # `corepack yarn install` is yarn
        candidates = BY_PROGRAM.get(key, ())
    if not candidates:
        return Call(command, program, (), SYSTEM_COMMANDS.get(program, Kind.UNKNOWN), args=tuple(args), env=env)
    return _classify(command, program, candidates, list(args), env)


def _classify(command: Command, program: str, managers: tuple[Manager, ...], args: list[Word],
              env: Mapping[str, str]) -> Call:
    manager = managers[0]  # records sharing a program share its command line (yarn 1 and 2+)
    verb_word = first_operand(args, manager.value_flags)
    verb = verb_word.value if verb_word is not None else None
    values = [w.value for w in args]
    own = manager.classify(manager, verb, args) if manager.classify else None
    if own is None:
        own = Classified(_kind(manager, verb, values), project_dir=option_value(values, manager.project_dir_flags))
    return Call(command, program, managers, own.kind, verb, verb_word, tuple(args), env, own.files,
                own.project_dir, own.outputs)


def _kind(manager: Manager, verb: str | None, values: list[str]) -> Kind:
    if any(v in manager.global_flags for v in values):
        return Kind.TOOL
    kind = manager.verbs.get(verb)
    if kind is None:
        if verb is None and set(values) & manager.inert_args:
            return Kind.INERT
        if manager.script_verbs and verb is not None and verb not in manager.not_scripts:
            return Kind.BUILD  # `yarn build` runs the package.json script
        return Kind.UNKNOWN
    if kind is Kind.INSTALL and verb in manager.adds_with_arguments and len(operands(values, manager.value_flags)) > 1:
        return Kind.ADD  # `npm install express`: adds a package
    if kind is Kind.PROJECT and set(values) & manager.deps_only_markers:
        return Kind.INSTALL
    return kind

