"""What DF301 puts in a ``.dockerignore``, per stack: the one place these lists live.

Each entry is a Docker ignore pattern, a *probe* (a path the pattern excludes, used to
tell whether an existing ``.dockerignore`` already covers it: ``node_modules`` is
covered by ``**/node_modules`` and by ``node_modules/``), and the group it is
listed under.  Go's ``vendor/`` is deliberately absent: with ``vendor/modules.txt``
it is an input of ``go build``, not a dependency cache.
"""

from __future__ import annotations

from dataclasses import dataclass

SECRETS = "secrets and local environment"
# Committed files a secrets entry must let through: a dotenv template documents the
# variables and holds no value, and a REUSE sidecar (`.env.example.license`) is licence
# text, not a credential.  Kept with `!` lines after the entry, the image stays the same.
KEPT_SUFFIXES = (".example", ".sample", ".template", ".dist", ".license")


@dataclass(frozen=True)
class IgnoreEntry:
    pattern: str
    probe: str
    group: str
    only_if_present: bool = False  # rare enough that listing it always would be noise
    exceptions: tuple[str, ...] = ()  # `!` lines written after it: committed files it must not drop

    @property
    def lines(self) -> tuple[str, ...]:
        return (self.pattern, *self.exceptions)


def _entries(group: str, *pairs: tuple[str, str]) -> tuple[IgnoreEntry, ...]:
    return tuple(IgnoreEntry(pattern, probe, group) for pattern, probe in pairs)


COMMON = (
    *_entries("version control", (".git", ".git")),
    IgnoreEntry(".hg", ".hg", "version control", only_if_present=True),
    IgnoreEntry(".svn", ".svn", "version control", only_if_present=True),
    *_entries(SECRETS, (".env", ".env"), (".env.*", ".env.local"),
              ("**/*.pem", "key.pem"), ("**/id_rsa", "id_rsa"), ("**/id_ed25519", "id_ed25519")),
)

PER_STACK: dict[str, tuple[IgnoreEntry, ...]] = {
    "node": (
        # Not .yarn/cache: with yarn 2+ zero-installs it is the install's input.
        *_entries("dependencies", ("**/node_modules", "node_modules")),
        *_entries("build output and caches", ("dist", "dist"), ("build", "build"), (".next", ".next"),
                  ("coverage", "coverage"), ("npm-debug.log*", "npm-debug.log")),
    ),
    "python": (
        *_entries("virtualenvs", (".venv", ".venv"), ("venv", "venv")),
        *_entries("build output and caches", ("**/__pycache__", "__pycache__"), ("**/*.pyc", "x.pyc"),
                  (".pytest_cache", ".pytest_cache"), (".mypy_cache", ".mypy_cache"), (".tox", ".tox"),
                  ("build", "build"), ("dist", "dist"), ("*.egg-info", "x.egg-info")),
    ),
    "go": (),
    "java": (
        *_entries("build output and caches", ("target", "target"), ("build", "build"), (".gradle", ".gradle")),
    ),
}

# Manifests that say a context holds a stack (anywhere in the tree).
STACK_MARKERS: dict[str, tuple[str, ...]] = {
    "node": ("package.json",),
    "python": ("requirements.txt", "pyproject.toml", "setup.py", "setup.cfg", "Pipfile"),
    "go": ("go.mod",),
    "java": ("pom.xml", "build.gradle", "build.gradle.kts"),
}

# A created file ignores itself, so a `COPY . .` image does not gain it.
SELF = IgnoreEntry(".dockerignore", ".dockerignore", "this file")


def entries_for(stacks: list[str]) -> list[IgnoreEntry]:
    """Common entries then each stack's, without repeating a pattern."""
    out: list[IgnoreEntry] = []
    seen: set[str] = set()
    for entry in (*COMMON, *(e for s in stacks for e in PER_STACK.get(s, ()))):
        if entry.pattern not in seen:
            seen.add(entry.pattern)
            out.append(entry)
    return out
