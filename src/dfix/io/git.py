"""Every git call dfix makes, with the repository's code switched off.

A repository can make git run commands: hooks (its own `.git/hooks`, or committed ones
through `core.hooksPath`, husky's setup), `core.fsmonitor`, clean/smudge filter drivers
that a committed `.gitattributes` selects, and config that `include.path` pulls in from a
committed file. The bot runs with an organisation's token, so none of that may run (DESIGN.md
§1.4). Command-line `-c` settings win over every config file, which switches off hooks,
fsmonitor, signing and the `ext::` transport; filter drivers have names of the config's
choosing, so each one configured is switched off by name; a config file that lives in the
working tree could set anything, so git is not run at all with one.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class GitError(RuntimeError):
    """git failed or refused; the message is one line for the user."""


_HARDENED = (
    "-c", "core.hooksPath=/dev/null",  # no hook file exists below /dev/null
    "-c", "core.fsmonitor=false",
    "-c", "commit.gpgSign=false",  # gpg.program could be anything
    "-c", "tag.gpgSign=false",
    "-c", "protocol.ext.allow=never",  # ext:: runs a command as the transport
    "-c", "core.untrackedCache=false",
)
_FILTER_KEYS = ("clean", "smudge", "process")


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    # Never prompt: a bot run has no terminal to answer on.
    return {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", **(extra or {})}


def _raw(cwd: Path, args: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", *_HARDENED, *args], cwd=cwd, capture_output=True, text=True,
                              env=_env(None), stdin=subprocess.DEVNULL, errors="replace")
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}") from None


def config_overrides(cwd: Path) -> tuple[str, ...]:
    """`-c` settings that switch off every filter driver git would read in ``cwd``.

    Refused outright when any config git reads there comes from a file in the working tree:
    such a file is the repository's, and it could set a command in a key dfix does not know.
    """
    listing = _raw(cwd, ("config", "--list", "--show-origin", "-z"))
    if listing.returncode != 0:
        return ()  # outside a repository: the command itself will say so
    top = _raw(cwd, ("rev-parse", "--show-toplevel"))
    tree = Path(top.stdout.strip()).resolve() if top.returncode == 0 and top.stdout.strip() else None
    names: set[str] = set()
    fields = listing.stdout.split("\0")
    for origin, entry in zip(fields[0::2], fields[1::2]):
        key = entry.split("\n", 1)[0]
        _refuse_tree_config(cwd, tree, origin)
        section, _, rest = key.partition(".")
        name, _, leaf = rest.rpartition(".")
        if section.lower() == "filter" and name and leaf.lower() in _FILTER_KEYS + ("required",):
            names.add(name)
    out: list[str] = []
    for name in sorted(names):
        out += [arg for leaf in _FILTER_KEYS for arg in ("-c", f"filter.{name}.{leaf}=")]
        out += ["-c", f"filter.{name}.required=false"]
    return tuple(out)


def _refuse_tree_config(cwd: Path, tree: Path | None, origin: str) -> None:
    if tree is None or not origin.startswith("file:"):
        return
    path = (cwd / origin[len("file:"):]).resolve()
    inside = path == tree or tree in path.parents
    if inside and (tree / ".git") not in (path, *path.parents):
        raise GitError(f"git reads config from {path.relative_to(tree)}, a file of the working tree "
                       "(include.path?); dfix does not run git with the repository's own config")


def run(cwd: Path, *args: str, check: bool = True, env: dict[str, str] | None = None,
        stdin: str | None = None, overrides: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """``git ARGS`` in ``cwd`` with hooks, fsmonitor, signing and ``overrides`` switched off."""
    try:
        proc = subprocess.run(["git", *_HARDENED, *overrides, *args], cwd=cwd, capture_output=True, text=True,
                              env=_env(env), input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
                              errors="replace")
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}") from None
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise GitError(f"git {args[0]} failed: {detail[-1] if detail else f'exit {proc.returncode}'}")
    return proc
