"""Lossless Dockerfile model: parse, inspect, and splice."""

from .errors import DockerfileError
from .model import (
    Blank,
    Command,
    Comment,
    Directive,
    Dockerfile,
    Flag,
    Heredoc,
    Instruction,
    Stage,
    TextEdit,
)
from .parser import parse
from .validate import validate

__all__ = [
    "Blank",
    "Command",
    "Comment",
    "Directive",
    "Dockerfile",
    "DockerfileError",
    "Flag",
    "Heredoc",
    "Instruction",
    "Stage",
    "TextEdit",
    "parse",
    "validate",
]
