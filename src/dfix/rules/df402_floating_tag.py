"""DF402: report a base image whose tag floats (``latest`` or none)."""

from __future__ import annotations

from typing import Iterable

from ..images import parse_reference
from .base import Finding, Rule, RuleContext, Safety


class FloatingTag(Rule):
    """Report a base image pulled by `latest` or by no tag at all.

    ## What it does
    Reports each `FROM` of an image (not an earlier stage, not `scratch`) whose reference
    names no tag, or `latest`, and no digest. A reference built from an `ARG` without a
    default is left alone: it is whatever the build passes.

    ## Why is this bad?
    `latest` moves: the same Dockerfile builds a different image next week, the layer cache
    breaks whenever the tag moves, and a new major version arrives unannounced.

    ## Example
    ```dockerfile
    FROM node
    ```

    ## Use instead
    ```dockerfile
    FROM node:20-slim
    ```

    ## Fix safety
    Display-only: which version the build should use is the author's choice, so nothing is edited.
    """

    code = "DF402"
    name = "floating-base-tag"
    safety = Safety.SAFE
    applicability = "display-only"

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        df, facts = ctx.dockerfile, ctx.analysis
        for stage in df.stages:
            image = facts.resolved_base(stage)
            if image is None or image.lower() == "scratch" or df.parent(stage) is not None:
                continue
            ref = parse_reference(image)
            if ref.digest is None and ref.tag in (None, "latest"):
                yield self.report(stage.from_instruction.line, f"`{image}` floats: it is whatever `latest` is "
                                  "when the build runs; name a version tag (or a digest)")
