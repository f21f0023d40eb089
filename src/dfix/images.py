"""What dfix knows about common base images: default user, users they ship, WORKDIR, ENV.

Rules use this to tell where a package manager's cache lives at a given line
(``/root/.npm`` for root, ``/home/node/.npm`` after ``USER node``) and which uid
owns it.  An image not listed here is *unknown*: rules that depend on the user
leave its stages alone instead of assuming root.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class User:
    uid: int
    gid: int
    home: str


@dataclass(frozen=True)
class ImageDefaults:
    user: str = "root"
    workdir: str = "/"
    env: dict[str, str] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)


ROOT = User(0, 0, "/root")
_NODE_USERS = {"root": ROOT, "node": User(1000, 1000, "/home/node")}
_PLAIN = ImageDefaults(users={"root": ROOT})

# Repository name (without registry "docker.io/library/") -> defaults. Tags do not
# change these facts for the official images listed.
KNOWN_IMAGES: dict[str, ImageDefaults] = {
    "node": ImageDefaults(users=_NODE_USERS, env={"YARN_VERSION": "1.22.22"}),
    "python": ImageDefaults(users={"root": ROOT}, env={"LANG": "C.UTF-8"}),
    "pypy": _PLAIN,
    # Official bun image: root by default, user bun (1000) for running apps.
    "oven/bun": ImageDefaults(workdir="/home/bun/app", users={"root": ROOT, "bun": User(1000, 1000, "/home/bun")},
                              env={"BUN_RUNTIME_TRANSPILER_CACHE_PATH": "0", "BUN_INSTALL_BIN": "/usr/local/bin"}),
    "golang": ImageDefaults(workdir="/go", users={"root": ROOT},
                            env={"GOPATH": "/go", "GOTOOLCHAIN": "local"}),
    "maven": ImageDefaults(users={"root": ROOT},
                           env={"MAVEN_HOME": "/usr/share/maven", "MAVEN_CONFIG": "/root/.m2"}),
    "eclipse-temurin": ImageDefaults(users={"root": ROOT}, env={"JAVA_HOME": "/opt/java/openjdk"}),
    "openjdk": _PLAIN,
    "amazoncorretto": _PLAIN,
    "debian": _PLAIN,
    "ubuntu": _PLAIN,
    "alpine": _PLAIN,
    "busybox": _PLAIN,
    "buildpack-deps": _PLAIN,
    "scratch": _PLAIN,
    "amazonlinux": _PLAIN,
    # astral's uv images are Debian or Alpine with Python, running as root.
    "ghcr.io/astral-sh/uv": ImageDefaults(users={"root": ROOT}),
    "fedora": _PLAIN,
    "rockylinux": _PLAIN,
    "almalinux": _PLAIN,
    "tomcat": ImageDefaults(workdir="/usr/local/tomcat", users={"root": ROOT},
                            env={"CATALINA_HOME": "/usr/local/tomcat", "JAVA_HOME": "/opt/java/openjdk"}),
    # Red Hat's Universal Base Images (Docker Hub mirrors and the Red Hat registry).
    **{f"{prefix}ubi{v}{variant}": _PLAIN
       for prefix in ("redhat/", "")
       for v in ("8", "9") for variant in ("", "-minimal", "-micro", "-init")},
    **{f"registry.access.redhat.com/ubi{v}/ubi{variant}": _PLAIN
       for v in ("8", "9") for variant in ("", "-minimal", "-micro", "-init")},
    # Red Hat's OpenJDK builder images run as uid 185 with home /home/default.
    **{f"registry.access.redhat.com/ubi{v}/openjdk-{j}": ImageDefaults(
        user="185", workdir="/home/default", users={"root": ROOT, "185": User(185, 0, "/home/default"),
                                                     "default": User(185, 0, "/home/default")})
       for v in ("8", "9") for j in ("11", "17", "21")},
}
# Distroless images run as root, or as nonroot (65532) in their :nonroot tags.
_DISTROLESS = "gcr.io/distroless/"
_NONROOT = User(65532, 65532, "/home/nonroot")


ROOT_USERS = frozenset({"root", "0"})

# Official images whose /bin/sh is dash or busybox ash in every tag (Debian, Ubuntu, Alpine):
# not bash, which sets $UID itself and ignores an inherited one. RPM-based images (UBI,
# Amazon Linux, Oracle Linux, and the tags of maven, gradle or openjdk built on them) run bash.
POSIX_SH_IMAGES = frozenset({"node", "python", "pypy", "golang", "debian", "ubuntu", "alpine", "busybox",
                             "buildpack-deps"})


def official_home(user: str) -> str | None:
    """The home of a non-root user an official image defines (``node`` -> /home/node)."""
    homes = {name: account.home for defaults in KNOWN_IMAGES.values() for name, account in defaults.users.items()
             if name not in ROOT_USERS}
    return homes.get(user) or _UNLISTED_IMAGE_HOMES.get(user)


# Users of official images dfix leaves unknown on purpose (gradle: /root/.gradle is a
# symlink into a VOLUME), whose home is still certain.
_UNLISTED_IMAGE_HOMES = {"gradle": "/home/gradle"}


# Programs the official images put on PATH, by repository (tags do not change them).
_JDK = frozenset({"java", "javac", "jar"})
IMAGE_PROGRAMS: dict[str, frozenset[str]] = {
    "node": frozenset({"node", "npm", "npx", "yarn", "corepack"}),
    "python": frozenset({"python", "python3", "pip", "pip3"}),
    "pypy": frozenset({"pypy", "pypy3", "pip", "pip3"}),
    "golang": frozenset({"go", "gofmt"}),
    "maven": _JDK | {"mvn"},
    "gradle": _JDK | {"gradle"},
    "eclipse-temurin": _JDK,
    "openjdk": _JDK,
    "amazoncorretto": _JDK,
    "sapmachine": _JDK,
    "ibm-semeru-runtimes": _JDK,
    "oven/bun": frozenset({"bun", "bunx"}),
    "ghcr.io/astral-sh/uv": frozenset({"uv"}),
    "tomcat": _JDK,
}


def image_programs(image: str) -> frozenset[str] | None:
    """Programs the image provides, or None when dfix does not know the image."""
    found = IMAGE_PROGRAMS.get(repository(image))
    if found is None:
        return None
    tag = parse_reference(image).tag or ""
    if "jre" in tag:
        return found - {"javac", "jar", "mvn", "gradle"}  # a runtime image has no compiler or build tool
    return found


@dataclass(frozen=True)
class ImageRef:
    """A reference as Docker reads it: ``[registry[:port]/]path[:tag][@digest]``."""

    name: str  # with the registry, without tag and digest
    tag: str | None
    digest: str | None


def parse_reference(image: str) -> ImageRef:
    """The one reader of image references: a registry's port (``host:5000/app``) is not a tag."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = None
    if ":" in last:
        tag = last.split(":", 1)[1]
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    return ImageRef(name, tag, digest or None)


def repository(image: str) -> str:
    """``docker.io/library/node:20-slim@sha256:..`` -> ``node``; a private path stays as it is."""
    name = parse_reference(image).name
    for prefix in ("docker.io/library/", "library/", "index.docker.io/library/"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def defaults_for(image: str) -> ImageDefaults | None:
    repo = repository(image)
    if repo.startswith(_DISTROLESS):
        nonroot = "nonroot" in (parse_reference(image).tag or "")
        return ImageDefaults(user="nonroot" if nonroot else "root",
                             users={"root": ROOT, "nonroot": _NONROOT})
    return KNOWN_IMAGES.get(repo)
