"""What every stack's split shares: the plan it returns, runtime images, and the final render."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...dockerfile import Instruction
from ...images import parse_reference, repository
from .knowledge import APPROX_IMAGE_MB, RUNTIME_IMAGE_KEYS
from .stage import CannotSplit, StageFacts
from ...templates_env import render


@dataclass(frozen=True)
class Plan:
    text: str  # the stages that replace the single stage, in the file's line endings
    message: str  # what the split leaves behind, for the fix message


def tag_of(image: str) -> str | None:
    return parse_reference(image).tag


def configured_runtime(settings: Any, key: str) -> str | None:
    return settings.runtime_image(key) or RUNTIME_IMAGE_KEYS.get(key)


_OUR_STAGES = ("deps", "build", "prod-deps")


def finish(template: str, facts: StageFacts, message: str, **values: Any) -> Plan:
    name = facts.stage.name
    if name and name.lower() in _OUR_STAGES:
        raise CannotSplit(facts.stage.from_instruction.line, f"the stage is named {name}, a name the split uses "
                                                             "for a build stage")
    # The runtime stage keeps the stage's name: `docker build --target NAME` still builds the image.
    text = render(template, runtime_name=name, **values)
    text = "\n".join(line.rstrip(" ") for line in text.split("\n"))
    if facts.newline == "\r\n":
        text = text.replace("\n", "\r\n")
    return Plan(text, message)


def runtime_copy(source_stage: str | None, path: str, dest: str, chown: str | None) -> str:
    flags = ([f"--from={source_stage}"] if source_stage else []) + ([f"--chown={chown}"] if chown else [])
    return " ".join(["COPY", *flags, path, dest])


def image_repository(image: str) -> str:
    return repository(image)


def check_healthcheck(facts: StageFacts) -> None:
    for ins in facts.config:
        if ins.keyword == "HEALTHCHECK" and ins.args.split(None, 1)[0].upper() != "NONE":
            raise CannotSplit(ins.line, "HEALTHCHECK runs a command the runtime image may not have")


def require_command(facts: StageFacts) -> list[str]:
    if facts.command is None:
        raise CannotSplit(facts.stage.from_instruction.line,
                          "no CMD or ENTRYPOINT: the image runs its base's default command, which the runtime "
                          "base does not share")
    return facts.command


def trim_after_last_run(steps: list[Instruction]) -> list[Instruction]:
    """Build steps up to the last RUN: COPY/ENV after it reach no artefact the runtime takes."""
    last = max((i for i, ins in enumerate(steps) if ins.keyword == "RUN"), default=-1)
    return steps[: last + 1]


def require_literal_base(facts: StageFacts, settings: Any, key: str) -> None:
    """A runtime image derived from a FROM that names an ARG would not follow `--build-arg`."""
    if "$" in facts.from_args and not settings.runtime_image(key):
        raise CannotSplit(facts.stage.from_instruction.line,
                          f"the base image comes from a variable ({facts.from_args}): a runtime image derived from "
                          f"its default would not follow --build-arg (set [tool.dfix.runtime-images] {key})")


def image_variant(image: str) -> str:
    """"alpine", "slim", "jre", "jdk" or "full": the tag word that decides an official image's size."""
    tag = (tag_of(image) or "").lower()
    for word in ("alpine", "slim", "jre", "jdk"):
        if word in tag:
            return word
    return "jdk" if repository(image) in ("eclipse-temurin", "openjdk") else "full"


def approx_size_mb(image: str) -> int | None:
    return APPROX_IMAGE_MB.get((repository(image), image_variant(image)))


def saving_text(base: str, runtime: str) -> str:
    """What the runtime base saves against the build base, from the table of approximate sizes ("" unknown)."""
    before, after = approx_size_mb(base), approx_size_mb(runtime)
    if before is None or after is None or before <= after:
        return ""
    return f"about {before - after} MB less ({base} ~{before} MB, {runtime} ~{after} MB, approximate sizes)"
