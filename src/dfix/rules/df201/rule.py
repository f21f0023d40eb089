"""DF201: split a single-stage image into build stages and a lean runtime stage."""

from __future__ import annotations

from typing import Iterable

from ...dockerfile import Dockerfile, TextEdit
from ...analysis.runs import run_script
from .stage import CannotSplit, DevImage, NothingToSplit, analyse, expanded_base
from ...analysis.stacks.attribute import image_ecosystem
from ..base import Finding, Rule, RuleContext, Safety


# The stack's command kinds (from the detectors) that make a stage worth splitting.
# Node: an install alone is worth a split too (production dependencies on the -slim image).
_BUILDS = {"node": ("build", "install"), "go": ("build",), "java": ("build",), "python": ("install", "project")}


class MultistageSplit(Rule):
    """Split a single-stage image so the runtime image carries no build tools.

    ## What it does
    Rewrites a single-stage Dockerfile that builds a Node, Go, Java (Maven/Gradle) or
    Python (pip) project into build stages and a runtime stage, from a template per stack
    (`templates/split_<stack>.Dockerfile.j2`):
    - Node: a deps stage (manifests, lockfile-exact install with dev dependencies, cache
      mount), a build stage (the source and the project's build script), a production
      deps stage (`npm ci --omit=dev`, `yarn --production`, `pnpm --prod`) and a runtime
      stage on the `-slim` image of the same Node that gets `node_modules`, `package.json`
      and the build output only. The output directory comes from evidence (tsconfig's
      `outDir`, the vite/next/nest/webpack/react-scripts conventions unless their config
      moves it, or the CMD's path into a directory the build creates).
    - Node with no build step (the image ships its source): a stage on the original base
      runs the package manager's production-only lockfile-exact install, and the runtime
      stage (`node:<major>-slim` for the official full images) gets that node_modules and
      the original COPYs. Only when something leaves (the full image's compilers, python3
      and git, or devDependencies the original installed) and no dependency may build a
      native addon against the full image's libraries.
    - Go: the original steps in the toolchain image, then the binary and the non-Go
      directories and files the original image had beside it, on a small base (also with
      no WORKDIR: the binary in the toolchain's default directory, or at /)
      (`CGO_ENABLED=0` and a static base only when every Go file is readable and none
      imports "C"; otherwise cgo stays as it was and the base is a glibc one).
    - Java: the original Maven/Gradle (or javac and `jar`) steps, then the jar (named
      from pom.xml, `jar --file`, or the CMD's exact path) on `eclipse-temurin:<major>-jre`.
    - Python: the original steps with the pip installs going into a virtualenv, then the
      virtualenv and the source on the `-slim` image of the same Python, with the runtime
      libraries of the `-dev` packages the build needed (`libpq5` for `libpq-dev`) and
      without compilers.

    Each split's message names what leaves the image and what the runtime keeps, with the
    size saved from a table of approximate official image sizes; a single-stage image left
    alone gets the reason (a note with `-v` and in JSON when there was nothing to gain) and,
    where the sizes are known, what a split would save.

    Runtime images can be set per stack in `[tool.dfix.runtime-images]`. ENV, ARG, LABEL,
    EXPOSE, VOLUME, STOPSIGNAL, USER, ENTRYPOINT and CMD are carried to the runtime stage
    as written, in their order; the user stays the one the image had (whether the program
    can run as a non-root user is not something dfix can show statically; DF403's job).

    ## Why is this bad?
    A single-stage image ships the compiler, the package manager's dev dependencies and the
    source next to the program: larger images, slower pulls, and more to patch.

    ## Example
    ```dockerfile
    FROM node:20
    WORKDIR /app
    COPY . .
    RUN npm ci && npm run build
    CMD ["node", "dist/server.js"]
    ```

    ## Use instead
    ```dockerfile
    FROM node:20 AS deps
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN --mount=type=cache,target=/root/.npm npm ci

    FROM deps AS build
    COPY . .
    RUN npm run build

    FROM node:20 AS prod-deps
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev

    FROM node:20-slim
    WORKDIR /app
    COPY --from=prod-deps /app/node_modules ./node_modules
    COPY package.json ./
    COPY --from=build /app/dist ./dist
    CMD ["node", "dist/server.js"]
    ```

    ## Fix safety
    **Unsafe**: the final image changes on purpose (that is the point). Enable it with
    `--unsafe-fixes`, or for this rule alone with `extend-safe-fixes = ["DF201"]`.
    dfix splits only what it can place and says why otherwise: images already
    multi-stage, development and test images (a CMD running a dev server or test runner),
    RUN commands it does not know (they may write what the runtime needs), ARG/ENV it
    cannot expand, a non-root user during the build, HEALTHCHECKs (their program may
    be missing from the runtime image), no evidence of the build output, a Go source it
    cannot read while the runtime image needs a static binary, a jar whose classpath is
    not self-contained. Comments inside the replaced stage are not carried over; the
    rest of the file stays byte-identical. The runtime may need files the evidence does
    not show (a Node server reading `views/` at run time): review the runtime stage.
    """

    code = "DF201"
    name = "multistage-split"
    safety = Safety.UNSAFE

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        df = ctx.dockerfile
        if not df.stages:
            return
        if len(df.stages) > 1:
            yield from self._already_split(df)
            return
        stage = df.stages[0]
        line = stage.from_instruction.line
        ecosystem = _ecosystem(ctx)
        if ecosystem is None:
            yield self.note(line, "not split: the base image is not a Node, Go, Java or Python image")
            return
        if ctx.build_context is None:
            yield self.skip(line, "no build context to read the project from")
            return
        saving = _saving(ecosystem, expanded_base(df, stage), ctx.settings)
        stack = _stack(ctx, ecosystem)
        if stack is None and ecosystem == "java":
            if not _runs(stage, "javac"):
                yield self.note(line, "not split: no Maven or Gradle project and nothing compiled" + saving)
                return
        elif stack is None:
            yield self.note(line, f"not split: no single {ecosystem} project found in the stage" + saving)
            return
        elif not any(c.kind in _BUILDS[ecosystem] for c in stack.install_commands):
            yield self.note(line, "not split: nothing is built or installed in the image, so no toolchain to leave "
                                  "behind" + saving)
            return
        yield from self._split(ctx, ecosystem, stack, saving)

    def _split(self, ctx: RuleContext, ecosystem: str, stack, saving: str) -> Iterable[Finding]:
        from .planners import PLANNERS

        df = ctx.dockerfile
        stage = df.stages[0]
        try:
            facts = analyse(df, stage, ctx.analysis.states, root_ok=ecosystem == "go")
            plan = PLANNERS[ecosystem](facts, ctx.build_context, stack, ctx.settings)
        except NothingToSplit as exc:
            yield self.note(exc.line, f"not split: {exc.reason}")
            return
        except CannotSplit as exc:
            yield self._cannot(exc, ecosystem, stack, saving)
            return
        if plan is None:
            yield self.note(stage.from_instruction.line, "not split: nothing is built here" + saving)
            return
        start = stage.from_instruction.start
        end = stage.instructions[-1].end
        dropped = facts.dropped_comments()
        message = plan.message + (f"; {dropped} comment line(s) inside the stage are not carried over" if dropped
                                  else "")
        yield self.fix(message, stage.from_instruction.line, [TextEdit(start, end, _keep_end(df, end, plan.text))])

    def _cannot(self, exc: CannotSplit, ecosystem: str, stack, saving: str) -> Finding:
        if ecosystem == "node" and not saving and not any(c.kind == "build" for c in stack.install_commands):
            # Nothing built, on an image with no known slimmer runtime: only devDependencies
            # could leave, worth a split when it can be made, not a warning when it cannot.
            return self.note(exc.line, f"not split: {exc.reason}")
        if isinstance(exc, DevImage):
            return self.skip(exc.line, f"not split: {exc.reason}; an image whose CMD runs the built program "
                                       "instead could be split")
        return self.skip(exc.line, f"not split: {exc.reason}" + saving)

    def _already_split(self, df: Dockerfile) -> Iterable[Finding]:
        final = df.stages[-1]
        lineage = df.lineage(final)
        base = lineage[0].base
        if image_ecosystem(base) is not None and _is_toolchain(base):
            yield self.skip(final.from_instruction.line,
                            f"not split: already multi-stage, but the final stage builds on the toolchain image "
                            f"{base}; dfix does not rework existing stages")


def _saving(ecosystem: str, base: str, settings) -> str:
    """"; a split would save about N MB (...)" from the table of approximate sizes, or ""."""
    from .planners import expected_runtime
    from .plan import saving_text

    runtime = expected_runtime(ecosystem, base, settings)
    text = saving_text(base, runtime) if runtime else ""
    return f"; a split onto {runtime} would weigh {text}" if text else ""


def _runs(stage, program: str) -> bool:
    for ins in stage.instructions:
        run = run_script(ins)
        if run is not None and any(cmd.program == program for cmd in run.commands):
            return True
    return False


def _keep_end(df: Dockerfile, end: int, text: str) -> str:
    """The replacement ends the way the replaced text did (no line ending at the end of the file)."""
    if end == len(df.text) and not df.text.endswith("\n"):
        return text.rstrip("\r\n")
    return text


def _is_toolchain(image: str) -> bool:
    from .planners import is_toolchain_image

    return is_toolchain_image(image)


def _ecosystem(ctx: RuleContext) -> str | None:
    base = ctx.analysis.states[id(ctx.dockerfile.stages[0].from_instruction)].base
    return image_ecosystem(base) if base else None


def _stack(ctx: RuleContext, ecosystem: str):
    try:
        reports = ctx.analysis.stage_reports
    except Exception:  # the detector must never take the fixer down with it
        return None
    stacks = [s for s in reports[0].stacks if s.ecosystem == ecosystem] if reports else []
    return stacks[0] if len(stacks) == 1 else None
