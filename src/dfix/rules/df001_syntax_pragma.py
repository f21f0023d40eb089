"""DF001: declare the Dockerfile frontend with a ``# syntax=`` directive."""

from __future__ import annotations

from typing import Iterable

from ..dockerfile import Comment, Dockerfile, Instruction, TextEdit
from ..dockerfile.parser import parse_directive
from .base import Finding, Rule, RuleContext, Safety


# Builders with their own Dockerfile parser: they read `# syntax=` as a plain comment.
_PARSES_ITSELF = frozenset({"podman", "kaniko"})


class SyntaxPragma(Rule):
    """Add a `# syntax=docker/dockerfile:1` parser directive.

    ## What it does
    Adds `# syntax=docker/dockerfile:1` as the first line when the Dockerfile has no
    `syntax` parser directive and uses a feature of the current frontend: `RUN --mount`,
    `--network` or `--security`, heredocs, `COPY`/`ADD` with `--link`, `--parents`,
    `--exclude` or `--chmod`, `ADD --checksum` (or another fix adds one). A file that
    needs none of them is left alone: a pragma on its own buys nothing. The version is configurable (`syntax = "docker/dockerfile:1.7"`
    or `--syntax 1.7`); `syntax = "none"` turns the rule off for builders that cannot
    pull the frontend image (air-gapped CI, apache/airflow#37716). With `builder =
    "podman"` or `"kaniko"` the rule does nothing: buildah and kaniko parse Dockerfiles
    themselves and treat the directive as a comment.

    ## Why is this bad?
    Without the directive the build runs on whatever Dockerfile frontend the daemon
    bundles, which may be years old: cache mounts (`RUN --mount=type=cache`), heredocs
    and `COPY --link` then fail or behave differently from machine to machine. Pinning
    the major version gets the current stable frontend everywhere, and is what the
    other fixes (cache mounts) rely on.

    ## Example
    ```dockerfile
    FROM node:20-slim
    ```

    ## Use instead
    ```dockerfile
    # syntax=docker/dockerfile:1
    FROM node:20-slim
    ```

    ## Fix safety
    Safe. The directive goes before every other line (after a byte-order mark), so other
    directives such as `# escape=` stay directives; the file's own line ending is used.
    An existing `syntax` directive is never changed; a `# syntax=` comment that is inert
    because a comment or blank line precedes it is moved to the top rather than replaced. The image contents are the same; the
    only cost is the frontend image pull (about 0.1 s a build once cached).
    """

    code = "DF001"
    name = "syntax-pragma"
    safety = Safety.SAFE

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        ref = ctx.settings.syntax_ref
        if ref is None or ctx.settings.builder in _PARSES_ITSELF:
            return
        df = ctx.dockerfile
        if df.directive("syntax") is not None:
            return
        needs = _frontend_feature(df)
        newline = df.lines[0].newline if df.lines and df.lines[0].newline in ("\n", "\r\n") else df.newline
        at = df.body_start
        stray = _stray_syntax_comment(df)
        if stray is not None:
            # The author meant this pin; it is inert only because another line precedes it.
            line_text = df.text[stray.start : stray.end].rstrip("\r\n")
            yield self.fix(
                f"move `{line_text.strip()}` to the first line, the only place BuildKit reads it",
                stray.line,
                [TextEdit(at, at, line_text.lstrip() + newline), TextEdit(stray.start, stray.end, "")],
            )
            return
        if needs is None:
            return
        yield self.fix(
            f"add `# syntax={ref}` so the build uses a current Dockerfile frontend (line {needs[0]} uses {needs[1]})",
            1,
            [TextEdit(at, at, f"# syntax={ref}{newline}")],
        )


# Flags that older bundled frontends reject or ignore, per instruction.
_FRONTEND_FLAGS = {"RUN": frozenset({"mount", "network", "security"}),
                   "COPY": frozenset({"link", "parents", "exclude", "chmod"}),
                   "ADD": frozenset({"link", "parents", "exclude", "chmod", "checksum", "keep-git-dir"})}


def _frontend_feature(df: Dockerfile) -> tuple[int, str] | None:
    """The first use of a feature that needs a current frontend: (line, what), or None."""
    for ins in df.instructions:
        if ins.heredocs:
            return ins.line, "a heredoc"
        for flag in ins.flags:
            if flag.name in _FRONTEND_FLAGS.get(ins.keyword, ()):
                return ins.line, f"{ins.keyword} --{flag.name}"
    return None


def _stray_syntax_comment(df: Dockerfile) -> Comment | None:
    """A ``# syntax=`` comment in the leading comment block that is not a directive."""
    for node in df.nodes:
        if isinstance(node, Instruction):
            return None
        if isinstance(node, Comment):
            parsed = parse_directive(node.text.lstrip())
            if parsed is not None and parsed[0] == "syntax":
                return node
    return None
