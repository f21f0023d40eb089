"""What dfix knows about package managers: one record each, and the one recogniser.

Everything a detector or a rule needs to know about a tool is read from its record
(`record.Manager`); whether a shell command runs one, and what it does, is decided by
`recognise` alone.
"""

from .cachedirs import CacheDir, cache_dirs_for, home_for
from .recognise import Call, clear_caches, recognise
from .record import CacheSpec, DepsOnly, ExactInstall, Kind, LockWrite, Manager, MountRecipe
from .registry import BY_NAME, MANAGERS, by_name

__all__ = [
    "BY_NAME",
    "CacheDir",
    "CacheSpec",
    "Call",
    "DepsOnly",
    "ExactInstall",
    "Kind",
    "LockWrite",
    "MANAGERS",
    "Manager",
    "MountRecipe",
    "by_name",
    "cache_dirs_for",
    "clear_caches",
    "home_for",
    "recognise",
]
