"""The DF201 planner of each stack, and which images are toolchains rather than runtimes."""

from __future__ import annotations

from . import go as split_go, java as split_java, node as split_node, python as split_python
from ...images import repository
from .knowledge import JAVA_RUNTIME_IMAGE
from .plan import configured_runtime, tag_of

PLANNERS = {
    "node": split_node.plan,
    "go": split_go.plan,
    "java": split_java.plan,
    "python": split_python.plan,
}

# Repositories that are build toolchains whatever the tag.
_TOOLCHAINS = frozenset({"golang", "maven", "gradle"})
# Repositories that are toolchains unless the tag names a lean variant.
_LEAN_WORDS = ("slim", "alpine", "jre", "distroless")
_VARIANT_TOOLCHAINS = frozenset({"node", "python", "openjdk", "eclipse-temurin", "amazoncorretto"})


def is_toolchain_image(image: str) -> bool:
    name = repository(image)
    if name in _TOOLCHAINS:
        return True
    if name in _VARIANT_TOOLCHAINS:
        tag = tag_of(image) or ""
        return not any(word in tag for word in _LEAN_WORDS)
    return False


def expected_runtime(ecosystem: str, base: str, settings) -> str | None:
    """The runtime base a split of an image on ``base`` would use (None: not derivable)."""
    if not base or not is_toolchain_image(base) and ecosystem != "node":
        return None
    if ecosystem == "node":
        return split_node.runtime_image(base, settings)
    if ecosystem == "python":
        return split_python.runtime_image(base, settings)
    if ecosystem == "go":
        return configured_runtime(settings, "go")
    major = split_java.java_major(base)
    return configured_runtime(settings, "java") or (JAVA_RUNTIME_IMAGE.format(major=major) if major else None)
