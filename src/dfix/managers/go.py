"""Go modules: the go command."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from .argv import operands, option_value
from .record import CacheSpec, Classified, DepsOnly, Kind, Manager, MountRecipe

if TYPE_CHECKING:
    from ..shell.parse import Word

VALUE_FLAGS = frozenset({"-o", "-C", "-ldflags", "-tags", "-gcflags", "-asmflags", "-mod", "-modfile", "-p",
                         "-pkgdir", "-buildmode", "-compiler", "-installsuffix", "-overlay", "-pgo", "-trimpath",
                         "-exec", "-run", "-bench", "-timeout", "-count", "-coverprofile"})
_VERBS = {"build": Kind.BUILD, "install": Kind.BUILD, "generate": Kind.BUILD, "test": Kind.BUILD,
          "run": Kind.BUILD, "vet": Kind.BUILD, "list": Kind.BUILD, "get": Kind.ADD, "clean": Kind.BUILD,
          "version": Kind.INERT, "env": Kind.INERT, "help": Kind.INERT, "doc": Kind.BUILD, "fmt": Kind.BUILD,
          "work": Kind.UNKNOWN, "tool": Kind.BUILD}
# `go mod vendor` and `go mod why` read the main module's imports, so they need the source: a
# review found `go mod vendor` moved before the source COPY vendoring nothing, breaking the build.
_MOD_VERBS = {"download": Kind.FETCH, "vendor": Kind.BUILD, "tidy": Kind.ADD, "verify": Kind.FETCH,
              "graph": Kind.FETCH, "why": Kind.BUILD, "edit": Kind.ADD, "init": Kind.ADD}


def classify_go(manager: Manager, verb: str | None, args: list["Word"]) -> Classified | None:
    values = [w.value for w in args]
    words = operands(values, VALUE_FLAGS)
    if not words:
        return Classified(Kind.INERT if set(values) & manager.inert_args else Kind.UNKNOWN)
    if words[0] == "mod":
        kind = _MOD_VERBS.get(words[1], Kind.UNKNOWN) if len(words) > 1 else Kind.UNKNOWN
    else:
        kind = _VERBS.get(words[0], Kind.UNKNOWN)
    if words[0] == "install" and any("@" in a for a in words[1:]):
        kind = Kind.TOOL  # `go install tool@version`: a tool, not the project
    output = option_value(values, ("-o",))
    return Classified(kind, project_dir=option_value(values, ("-C",)), outputs=(output,) if output else ())


def module_downloads_needed(context, root: str | None = None) -> bool:
    """Whether the context has a Go module (the one at ``root``, else any) that needs downloads:
    it requires modules and is not vendored."""
    for path in context.files:
        if posixpath.basename(path) != "go.mod":
            continue
        if root is not None and posixpath.dirname(path) != ("" if root in ("", ".") else root):
            continue
        directory = posixpath.dirname(path)
        if context.is_file(posixpath.join(directory, "vendor/modules.txt")):
            continue
        text = context.read_text(path) or ""
        if any(line.strip().startswith("require") for line in text.splitlines()):
            return True
    return False


GO = Manager(
    "go", "go", frozenset({"go"}),
    value_flags=VALUE_FLAGS, classify=classify_go, inert_args=frozenset({"-h", "--help", "-help"}),
    manifests=("go.mod", "go.work"), lockfiles=("go.sum", "go.work.sum"),
    caches=(CacheSpec(("GOMODCACHE",), "go/pkg/mod", parent_env=("GOPATH", "pkg/mod")),
            CacheSpec(("GOCACHE",), "go-build", base="xdg_cache")),
    mounts=(
        # Module sources (GOMODCACHE) are read by every later go command: persistent.
        MountRecipe(frozenset({"build", "install", "mod", "test", "generate", "vet", "run", "get", "list"}),
                    persistent=True, caches=(0,)),
        # The build cache (GOCACHE) is a pure cache, used only by commands that compile.
        MountRecipe(frozenset({"build", "install", "test", "generate", "vet", "run"}), caches=(1,),
                    unused_with=frozenset({"-a"}), rebuildable=True),
    ),
    no_download_flags=frozenset({"-mod=vendor"}),
    # With the proxy off, a build reads modules only from GOMODCACHE. -mod=mod can still fetch,
    # but builds that set it in GOFLAGS rely on a pre-downloaded cache: treated the same (a
    # skipped mount costs speed, a pruned one the build).
    offline_env=(("GOPROXY", "off"), ("GOFLAGS", "-mod=mod")),
    # Since Go 1.16 builds run with -mod=readonly; `go mod download` of the main module's
    # requirements does not edit go.mod (it may add go.sum lines only with -modfile tricks).
    lock_policy="go build and go mod download do not rewrite go.mod or go.sum (-mod=readonly since Go 1.16)",
    exact_opt_out="go builds already verify every module against go.sum",
    deps_only=DepsOnly(command="go mod download"),
    builds_download=True,
    downloads_needed=module_downloads_needed,
)

MANAGERS = (GO,)
