"""Stack detectors: which ecosystem and package manager a Dockerfile stage builds, and with what inputs."""

from .base import Hazard, HazardKind, InstallCommand, Invocation, Stack

__all__ = ["Hazard", "HazardKind", "InstallCommand", "Invocation", "Stack"]
