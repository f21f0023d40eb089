"""The user's builder: build a Dockerfile, export the image, remove what verify made.

Four ways to reach one, each a small class with the same four methods:

* ``docker buildx build --builder NAME --load`` where the docker client has buildx;
* ``DOCKER_BUILDKIT=1 docker build``: the daemon's own BuildKit (Debian's docker.io 20.10
  has no buildx);
* ``podman build``: buildah inside podman, with its own image store and layer cache;
* ``buildctl --addr ADDR build``: a standalone buildkitd; the image is exported straight
  into an archive, so it leaves no image behind.

Every build runs with ``--progress=plain`` (podman: its step lines), and the steps it
executed or took from the cache are read from that log.  The client gets a minimal
environment: nothing of dfix's own (a bot's GITHUB_TOKEN) reaches a build.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..explain.timings import LoggedStep, parse_log

# What a container client needs to find its daemon and store; nothing else is passed on.
_CLIENT_ENV = ("PATH", "HOME", "USER", "LANG", "TMPDIR", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "DOCKER_HOST",
               "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY", "BUILDX_CONFIG",
               "BUILDKIT_HOST", "CONTAINER_HOST", "CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF",
               "CONTAINERS_REGISTRIES_CONF", "REGISTRY_AUTH_FILE")
BUILD_TIMEOUT = 3600
LAST_LINES = 20


class BuilderError(RuntimeError):
    """The builder is missing or one of its commands failed; the message names it."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output

    def last_lines(self, count: int = LAST_LINES) -> list[str]:
        return [ln for ln in self.output.splitlines() if ln.strip()][-count:]


@dataclass
class Build:
    """One finished build: its wall time and the Dockerfile steps of its log."""

    seconds: float
    steps: list[LoggedStep]
    log: str = field(repr=False, default="")


def client_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in _CLIENT_ENV}
    env.update(extra or {})
    return env


class Builder:
    """The common part: run a client command, time builds, remember what to remove."""

    name = "builder"
    exports_on_build = False  # buildctl writes the archive during the build itself
    numbers_instructions = False  # BuildKit numbers cache vertices; buildah numbers every instruction
    no_cache_fills_cache = True  # whether a --no-cache build leaves its layers for the next build to reuse

    def __init__(self, program: str) -> None:
        self.program = program
        self.made: list[str] = []  # image references to remove at the end

    def _run(self, args: list[str], what: str, env: dict[str, str] | None = None,
             timeout: int = BUILD_TIMEOUT) -> str:
        try:
            done = subprocess.run([self.program, *args], capture_output=True, text=True, errors="replace",
                                  env=client_env(env), timeout=timeout, stdin=subprocess.DEVNULL)
        except FileNotFoundError:
            raise BuilderError(f"{self.name}: {self.program} not found") from None
        except subprocess.TimeoutExpired as exc:
            out = (exc.stdout or "") + (exc.stderr or "")
            raise BuilderError(f"{self.name}: {what} timed out after {timeout} s",
                               out if isinstance(out, str) else out.decode(errors="replace")) from None
        output = done.stdout + done.stderr
        if done.returncode != 0:
            raise BuilderError(f"{self.name}: {what} failed (exit {done.returncode})", output)
        return output

    def build(self, context: Path, dockerfile: Path, tag: str, *, no_cache: bool,
              export_to: Path | None = None, target: str | None = None) -> Build:
        args = self.build_args(context, dockerfile, tag, no_cache, export_to)
        if target is not None:
            args = [*args[:-1], *self.target_args(target), args[-1]]  # the context stays last
        self.made.append(tag)
        start = time.monotonic()
        log = self._run(args, f"build of {dockerfile.name}", self.build_env())
        return Build(round(time.monotonic() - start, 2), self.parse(log), log)

    def build_args(self, context: Path, dockerfile: Path, tag: str, no_cache: bool,
                   export_to: Path | None) -> list[str]:
        raise NotImplementedError

    def build_env(self) -> dict[str, str]:
        return {}

    def target_args(self, target: str) -> list[str]:
        return ["--target", target]

    def parse(self, log: str) -> list[LoggedStep]:
        return parse_log(log)

    def save(self, tags: list[str], dest: Path) -> None:
        """The images in one archive: the layers they share are written once."""
        self._run(["save", "-o", str(dest), *tags], f"export of {', '.join(tags)}")

    def run_in(self, image: str, directory: Path, command: str) -> str:
        """``command`` in a throw-away container of ``image``, with ``directory`` at /context."""
        user = f"{os.getuid()}:{os.getgid()}" if hasattr(os, "getuid") else "0:0"
        return self._run(["run", "--rm", "--user", user, "-e", "HOME=/tmp", "-v", f"{directory}:/context",
                          "-w", "/context", "--entrypoint", "/bin/sh", image, "-c", command],
                         f"dependency change `{command}` in {image}")

    def cleanup(self) -> list[str]:
        """Remove every image this builder made; the references it could not remove."""
        left: list[str] = []
        for ref in self.made:
            done = subprocess.run([self.program, "rmi", "--force", ref], capture_output=True, text=True,
                                  env=client_env(), stdin=subprocess.DEVNULL)
            if done.returncode != 0 and "No such image" not in done.stderr and "image not known" not in done.stderr:
                left.append(ref)
        self.made.clear()
        return left


class DockerBuilder(Builder):
    """The daemon's BuildKit through ``docker build`` (what Debian's docker.io offers)."""

    name = "docker"

    def build_env(self) -> dict[str, str]:
        return {"DOCKER_BUILDKIT": "1"}

    def build_args(self, context, dockerfile, tag, no_cache, export_to):
        return ["build", "--progress=plain", *(["--no-cache"] if no_cache else []), "-t", tag,
                "-f", str(dockerfile), str(context)]


class BuildxBuilder(DockerBuilder):
    """``docker buildx build``: any buildx builder (docker-container, kubernetes, remote)."""

    def __init__(self, program: str, builder: str | None) -> None:
        super().__init__(program)
        self.builder = builder
        self.name = f"buildx ({builder})" if builder else "buildx"

    def build_args(self, context, dockerfile, tag, no_cache, export_to):
        chosen = ["--builder", self.builder] if self.builder else []
        return ["buildx", "build", *chosen, "--load", *super().build_args(context, dockerfile, tag, no_cache,
                                                                          export_to)[1:]]


class PodmanBuilder(Builder):
    """``podman build``: buildah's layer cache in podman's own image store."""

    name = "podman"
    numbers_instructions = True
    # Measured with podman 4.3.1: after `podman build --layers --no-cache`, the same build again
    # re-runs its COPY steps; only a build with the cache on records layers for reuse.
    no_cache_fills_cache = False

    def build_args(self, context, dockerfile, tag, no_cache, export_to):
        return ["build", "--layers", *(["--no-cache"] if no_cache else []), "-t", tag, "-f", str(dockerfile),
                str(context)]

    def parse(self, log: str) -> list[LoggedStep]:
        return parse_podman_log(log)

    def save(self, tags: list[str], dest: Path) -> None:
        self._run(["save", "--multi-image-archive", "--format", "docker-archive", "-o", str(dest), *tags],
                  f"export of {', '.join(tags)}")


class BuildctlBuilder(Builder):
    """A standalone buildkitd through ``buildctl --addr``; cold images go straight to an archive."""

    exports_on_build = True

    def __init__(self, program: str, addr: str) -> None:
        super().__init__(program)
        self.addr = addr
        self.name = f"buildctl ({addr})"

    def build_args(self, context, dockerfile, tag, no_cache, export_to):
        output = ["--output", f"type=docker,name={tag},dest={export_to}"] if export_to else []
        return ["--addr", self.addr, "build", "--frontend", "dockerfile.v0", "--progress", "plain",
                "--local", f"context={context}", "--local", f"dockerfile={dockerfile.parent}",
                "--opt", f"filename={dockerfile.name}", *(["--no-cache"] if no_cache else []), *output]

    def target_args(self, target: str) -> list[str]:
        return ["--opt", f"target={target}"]

    def save(self, tags: list[str], dest: Path) -> None:
        raise BuilderError(f"{self.name}: images are exported during their build")

    def run_in(self, image: str, directory: Path, command: str) -> str:
        raise BuilderError(f"{self.name}: buildkitd runs no containers; give --dep-change with another builder")

    def cleanup(self) -> list[str]:
        self.made.clear()  # nothing was loaded anywhere: the archives go with the scratch directory
        return []


# podman's log ----------------------------------------------------------------------------

# buildah prints "[1/2] STEP 3/5: RUN make" (the stage prefix only in multi-stage files),
# then "--> Using cache <id>" when the step was cached; there is no parser to reuse.
_PODMAN_STEP = re.compile(r"^(?:\[(?P<stage>\d+)/\d+\] )?STEP (?P<n>\d+)/(?P<total>\d+): (?P<text>.*)$")


def parse_podman_log(text: str) -> list[LoggedStep]:
    """The Dockerfile steps of a ``podman build`` log, FROM excluded; seconds are not logged."""
    steps: list[LoggedStep] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        found = _PODMAN_STEP.match(line)
        if found:
            stage = found.group("stage")
            steps.append(LoggedStep(f"stage-{int(stage) - 1}" if stage else None, int(found.group("n")),
                                    int(found.group("total")), found.group("text")))
        elif line.startswith("--> Using cache") and steps:
            steps[-1].cached = True
    return [s for s in steps if s.keyword != "FROM"]


# choosing one ----------------------------------------------------------------------------


def choose(builder: str | None, configured: str, docker: str = "docker", addr: str | None = None) -> Builder:
    """The builder for ``--builder`` (a buildx builder's name, ``podman``, ``buildctl``) or the config's.

    Without either, the docker client: buildx where it has it, else the daemon's BuildKit.
    """
    wanted = builder or ("podman" if configured == "podman" else None)
    if wanted == "podman":
        return PodmanBuilder(_found("podman", "podman"))
    if wanted == "buildctl" or addr is not None:
        if addr is None:
            raise BuilderError("buildctl: give the daemon's address with --addr (e.g. tcp://buildkitd:1234)")
        return BuildctlBuilder(_found("buildctl", "buildctl"), addr)
    if configured == "kaniko":
        raise BuilderError("kaniko: verify cannot drive kaniko; pass --builder (a buildx builder, podman, buildctl)")
    program = _found(docker, "docker")
    has_buildx = subprocess.run([program, "buildx", "version"], capture_output=True, env=client_env(),
                                stdin=subprocess.DEVNULL).returncode == 0
    if has_buildx:
        return BuildxBuilder(program, wanted)
    if wanted is not None:
        raise BuilderError(f"--builder {wanted}: {program} has no buildx (plain `docker build` has one builder)")
    return DockerBuilder(program)


def _found(program: str, name: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise BuilderError(f"{name}: {program} not found on PATH")
    return path
