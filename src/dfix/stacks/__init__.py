"""Stack detectors: one module per ecosystem, each returning Stack records."""

from .base import CacheDir, InstallCommand, Invocation, Stack, cache_dirs_for

__all__ = ["CacheDir", "InstallCommand", "Invocation", "Stack", "cache_dirs_for"]
