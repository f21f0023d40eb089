"""RUN instructions as shell scripts, with positions mapped back to the Dockerfile source."""

from __future__ import annotations

import posixpath
import shlex
from typing import Mapping, NamedTuple

from ..dockerfile import Instruction, TextEdit
from ..dockerfile.expand import expand
from ..shell.parse import Command, ShellScript, Word, parse_shell


class RunScript(NamedTuple):  # a tuple: rules ask for one per RUN per pass, a million on a 100k-line file
    """The shell form of a RUN: its script and how to find its text in the source."""

    instruction: Instruction
    script: ShellScript

    @property
    def commands(self) -> tuple[Command, ...]:
        return self.script.commands

    def raw(self, start: int, end: int) -> tuple[int, int]:
        """Source offsets of ``script.text[start:end]``."""
        cmd = self.instruction.command
        base = cmd.args_lspan[0]
        return cmd.raw_offset(base + start), cmd.raw_end(base + end)

    def raw_point(self, offset: int) -> int:
        """Source offset just after script position ``offset - 1`` (an insertion point)."""
        cmd = self.instruction.command
        return cmd.raw_end(cmd.args_lspan[0] + offset)


def run_script(ins: Instruction) -> RunScript | None:
    """The RUN's script when dfix can read it: shell form, no heredoc, parsed completely."""
    try:
        script = ins.derived["script"]  # the script alone: a RunScript there would be a cycle
    except KeyError:
        script = ins.derived["script"] = _readable_script(ins)
    return RunScript(ins, script) if script is not None else None


def _readable_script(ins: Instruction) -> ShellScript | None:
    if ins.keyword != "RUN" or ins.json_args is not None or ins.heredocs:
        return None
    script = parse_shell(ins.args)
    return script if script.parsed else None


def mount_fields(ins: Instruction) -> list[dict[str, str]]:
    """The fields of each ``--mount`` flag (`type` defaults to bind, as in BuildKit)."""
    out = []
    for value in ins.flag_values("mount"):
        fields = dict(part.split("=", 1) if "=" in part else (part, "") for part in value.split(","))
        fields.setdefault("type", "bind")
        out.append(fields)
    return out


def mount_target(fields: dict[str, str]) -> str | None:
    return fields.get("target") or fields.get("dst") or fields.get("destination")


def mount_targets(ins: Instruction, types: tuple[str, ...] = ("cache",),
                  env: Mapping[str, str | None] | None = None) -> list[str]:
    """Targets of the instruction's ``--mount`` flags of the given types, normalised.

    With ``env``, `${GOMODCACHE}` is expanded as BuildKit does; a target it cannot expand
    stays as written, so it matches nothing and a caller can tell it is unknown by its `$`.
    """
    out = []
    for fields in mount_fields(ins):
        target = mount_target(fields)
        if fields["type"] in types and target:
            if env is not None and "$" in target:
                target = expand(target, env, ins.command.escape) or target
            out.append(posixpath.normpath(target))
    return out


def remove_word(run: RunScript, words: list[Word], word: Word) -> TextEdit:
    """Cut one argument out of a command, with the blank before it."""
    i = words.index(word)
    start = run.raw_point(words[i - 1].end) if i > 0 else run.raw(word.start, word.end)[0]
    return TextEdit(start, run.raw(word.start, word.end)[1], "")


def remove_command(run: RunScript, cmd: Command) -> TextEdit | None:
    """Cut one top-level command out of an `&&`/`;` chain, with its operator and line break."""
    cmds = list(run.commands)
    i = cmds.index(cmd)
    if cmd.enclosing or len(cmds) == 1:
        return None
    if i > 0:
        if cmd.operator not in ("&&", ";", "\n") or cmds[i - 1].enclosing:
            return None
        start, end = run.raw_point(cmds[i - 1].end), run.raw(cmd.start, cmd.end)[1]
    else:
        nxt = cmds[1]
        if nxt.operator not in ("&&", ";", "\n"):
            return None
        start, end = run.raw(cmd.start, cmd.end)[0], run.raw(nxt.start, nxt.end)[0]
    cut = run.instruction.source[start:end]
    if any(line.lstrip().startswith("#") for line in cut.splitlines()[1:]):
        return None  # a comment line inside the cut: leave the author's text alone
    return TextEdit(start, end, "")


# Shells whose heredoc bodies are scripts.
SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh"})


def shell_texts(ins: Instruction) -> list[str]:
    """The shell texts a RUN executes: its command line and, when a shell reads them, its heredoc bodies."""
    if ins.json_args is not None:
        return [shlex.join(ins.json_args)]
    if not ins.heredocs:
        return [ins.args]
    # bashlex needs a heredoc's body to accept its `<<EOT`: give it the document back.
    documents = "".join(f"\n{h.body}\n{h.name}" for h in ins.heredocs)
    opener = parse_shell(ins.args + documents)
    # `RUN <<EOT` (no program) runs the body with the stage's shell; `RUN python3 <<EOT` does not.
    runs_shell = not opener.commands or opener.commands[0].program in (None, *SHELLS)
    return [ins.args + documents] + ([h.body for h in ins.heredocs] if runs_shell else [])
