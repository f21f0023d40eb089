"""The build state in force at each instruction: base image, USER, WORKDIR, ENV/ARG.

Rules ask "where does npm keep its cache at this RUN?" or "may this COPY move
past that instruction?"; both depend on the user, home directory, working
directory and environment at that point, which stages inherit from their parents.
Values dfix cannot know are ``None`` and rules treat them as a reason to skip.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field, replace
from typing import Mapping

from ..dockerfile import Dockerfile, Instruction, Stage
from ..dockerfile.expand import expand
from ..images import POSIX_SH_IMAGES, ImageDefaults, User, defaults_for, repository


@dataclass(frozen=True)
class State:
    base: str | None  # the external image this stage chain starts from, resolved, or None if unknowable
    defaults: ImageDefaults | None  # what dfix knows of that image (None: unknown image)
    user: str | None  # USER as in force (expanded); None when unknowable
    workdir: str | None  # absolute path, None when unknowable
    env: Mapping[str, str | None] = field(default_factory=dict)  # ENV and ARG in scope
    created: Mapping[str, User] = field(default_factory=dict)  # users a RUN created (useradd -u 1001 -m app)
    shell_changed: bool = False  # a SHELL instruction ran: RUN's shell is no longer the image's /bin/sh

    @property
    def known_image(self) -> bool:
        return self.defaults is not None

    def _account(self) -> User | None:
        if self.user is None:
            return None
        name = self.user.split(":", 1)[0]
        if name in self.created:
            return self.created[name]
        if self.defaults is None:
            return None
        if name in self.defaults.users:
            return self.defaults.users[name]
        return None

    @property
    def is_root(self) -> bool | None:
        """True/False when known; None when the user cannot be told."""
        if self.user is None:
            return None
        name = self.user.split(":", 1)[0]
        if name in ("root", "0"):
            return True
        if self._account() is not None or name.isdigit():
            return False
        return None

    @property
    def uid_gid(self) -> tuple[int, int] | None:
        account = self._account()
        if account is not None:
            if ":" in (self.user or ""):
                group = self.user.split(":", 1)[1]
                if group.isdigit():
                    return account.uid, int(group)
                group_account = self.defaults.users.get(group) if self.defaults else None
                return (account.uid, group_account.gid) if group_account else None
            return account.uid, account.gid
        if self.user is not None:
            parts = self.user.split(":", 1)
            if all(p.isdigit() for p in parts):
                uid = int(parts[0])
                return uid, int(parts[1]) if len(parts) == 2 else uid
        return None

    @property
    def home(self) -> str | None:
        if "HOME" in self.env:
            return self.env["HOME"]
        if self.is_root:
            return "/root"
        account = self._account()
        return account.home if account else None


def resolve_base(image: str, global_args: Mapping[str, str | None]) -> str | None:
    return expand(image, global_args) if "$" in image else image


def global_arg_values(df: Dockerfile) -> dict[str, str | None]:
    env: dict[str, str | None] = {}
    for ins in df.global_args:
        if ins.keyword == "ARG":
            _declare_args(ins, env, {})
    return env


def _declare_args(ins: Instruction, env: dict[str, str | None], globals_: Mapping[str, str | None]) -> None:
    for word in ins.values:
        if "=" in word:
            name, raw = word.split("=", 1)
            env[name] = expand(raw, env, ins.command.escape)
        else:
            env[word] = env.get(word, globals_.get(word))


def _apply(ins: Instruction, st: State, globals_: Mapping[str, str | None]) -> State:
    kw = ins.keyword
    if kw in ("ENV", "ARG"):
        env = dict(st.env)
        if kw == "ARG":
            _declare_args(ins, env, globals_)
        else:
            values = ins.values
            for name, raw in zip(values[::2], values[1::2]):
                env[name] = expand(raw, env, ins.command.escape)
        return replace(st, env=env)
    if kw == "USER":
        return replace(st, user=expand(ins.args, st.env, ins.command.escape))
    if kw == "SHELL":
        return replace(st, shell_changed=True)
    if kw == "RUN":
        created = created_users(ins, st.env, posix_sh=not st.shell_changed and st.base in POSIX_SH_IMAGES)
        return replace(st, created={**st.created, **created}) if created else st
    if kw == "WORKDIR":
        path = expand(ins.args, st.env, ins.command.escape)
        if path is None:
            return replace(st, workdir=None)
        if posixpath.isabs(path):
            return replace(st, workdir=posixpath.normpath(path))
        if st.workdir is None:
            return replace(st, workdir=None)
        return replace(st, workdir=posixpath.normpath(posixpath.join(st.workdir, path)))
    return st


# useradd/adduser options that take a value, and which of them set the uid, gid and home.
_USER_VALUE_FLAGS = frozenset({"-u", "--uid", "-g", "--gid", "--ingroup", "-G", "--groups", "-d", "--home",
                               "--home-dir", "-h", "-s", "--shell", "-c", "--comment", "--gecos", "-k", "--skel",
                               "-e", "--expiredate", "-f", "--inactive", "-p", "--password", "-K", "--key",
                               "--firstuid", "--lastuid", "--add_extra_groups", "--conf"})
_NO_HOME = frozenset({"-M", "--no-create-home", "-H"})


def created_users(ins: Instruction, env: Mapping[str, str | None], posix_sh: bool = False) -> dict[str, User]:
    """Users a RUN creates with a uid given on the command line, and a home it makes.

    `useradd` makes the home only with -m; adduser (Debian's and busybox's) makes it
    unless told not to. A user without a known uid stays unknown: the uid decides who
    may write a cache mount, and dfix does not guess it. `--uid ${UID}` is expanded with
    the ARG/ENV values in force (the shell sees them as its environment), except where
    the RUN could change them first, and except bash's own UID-like variables unless the
    shell is provably not bash (``posix_sh``: bash ignores an inherited UID).
    """
    from .runs import run_script

    # Neither name in the text, neither program runs: most RUNs are done without a shell parse.
    if "useradd" not in ins.args and "adduser" not in ins.args:
        return {}
    run = run_script(ins)
    if run is None:
        return {}
    settable = not any(c.assignments or c.program in _ENV_CHANGERS for c in run.commands)
    found: dict[str, User] = {}
    for cmd in run.commands:
        program = cmd.program
        values = _expanded_args(cmd, env if settable else {}, posix_sh)
        if program not in ("useradd", "adduser") or values is None:
            continue
        user = _created_user(program, values)
        if user is not None:
            found[user[0]] = user[1]
    return found


# Shell commands that may change a variable a later command of the same RUN expands.
_ENV_CHANGERS = frozenset({"export", "unset", "read", "set", "source", ".", "eval", "declare", "local",
                           "typeset", "readonly"})
# Variables bash sets itself, ignoring the environment (so an ENV UID does not reach $UID).
_BASH_OWN = frozenset({"UID", "EUID", "PPID", "GROUPS", "BASHPID", "RANDOM", "SECONDS", "LINENO", "SHLVL",
                       "HOSTNAME", "HOSTTYPE", "OSTYPE", "MACHTYPE"})
_REFERENCE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def _expanded_args(cmd, env: Mapping[str, str | None], posix_sh: bool) -> list[str] | None:
    """The command's arguments with ARG/ENV references expanded, or None when one cannot be known."""
    out = []
    for w in cmd.program_words()[1][1:]:
        value = w.value
        if "$" in value:
            if "$(" in value or "`" in value or (not posix_sh and set(_REFERENCE.findall(value)) & _BASH_OWN):
                return None
            value = expand(value, env)
            if value is None:
                return None
        out.append(value)
    return out


def _created_user(program: str, values: list[str]) -> tuple[str, User] | None:
    options, operands, i = {}, [], 0
    while i < len(values):
        if values[i] in _USER_VALUE_FLAGS and i + 1 < len(values):
            options[values[i]] = values[i + 1]
            i += 2
            continue
        (options.__setitem__(values[i], "") if values[i].startswith("-") else operands.append(values[i]))
        i += 1
    uid = options.get("-u") or options.get("--uid")
    if not operands or uid is None or not uid.isdigit():
        return None
    name = operands[0]
    makes_home = ("-m" in options or "--create-home" in options) if program == "useradd" else \
        not (set(options) & _NO_HOME or "--system" in options and "--home" not in options)
    if not makes_home:
        return None
    home = options.get("-d") or options.get("--home-dir") or options.get("--home") or options.get("-h") \
        or f"/home/{name}"
    gid = options.get("-g") or options.get("--gid")
    return name, User(int(uid), int(gid) if gid and gid.isdigit() else int(uid), home)


def stage_states(df: Dockerfile) -> dict[int, State]:
    """The state *before* each instruction, keyed by id(instruction); id(stage) gives the state after it."""
    globals_ = global_arg_values(df)
    out: dict[int, State] = {}
    finals: dict[str, State] = {}
    for ins in df.global_args:
        out[id(ins)] = State(None, None, None, None, dict(globals_))
    for stage in df.stages:
        st = _initial_state(stage, globals_, finals)
        out[id(stage.from_instruction)] = st
        for ins in stage.instructions[1:]:
            out[id(ins)] = st
            st = _apply(ins, st, globals_)
        out[id(stage)] = st  # after the stage's last instruction
        finals[str(stage.index)] = st
        if stage.name:
            finals[stage.name.lower()] = st
    return out


def _initial_state(stage: Stage, globals_: Mapping[str, str | None], finals: Mapping[str, State]) -> State:
    image = resolve_base(stage.base, globals_)
    if image is not None and image.lower() in finals:
        parent = finals[image.lower()]
        return replace(parent, env={k: v for k, v in parent.env.items()})
    if image is None:
        return State(None, None, None, None, {})
    defaults = defaults_for(image)
    if defaults is None:
        return State(repository(image), None, None, None, {})
    return State(repository(image), defaults, defaults.user, defaults.workdir, dict(defaults.env))
