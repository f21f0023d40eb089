"""System package managers: apt, apk, dnf/microdnf/yum."""

from __future__ import annotations

from .record import Kind, Manager, MountRecipe

T, X, C, N = Kind.TOOL, Kind.INDEX, Kind.CLEANUP, Kind.INERT

# apt options that take a separate value (`-o Dir::Cache=...`), so the value is not the verb.
APT_VALUE_FLAGS = frozenset({"-o", "--option", "-c", "--config-file", "-t", "--target-release"})
# apk options that take a separate value, global (`-X URL`) or of `add` (`-t NAME`).
APK_VALUE_FLAGS = frozenset({"-X", "--repository", "-p", "--root", "--arch", "--cache-dir", "--keys-dir",
                             "--repositories-file", "--wait", "--cache-max-age", "--timeout", "-t", "--virtual"})
# Flags with which an apk call fetches the index itself instead of reading /var/cache/apk.
APK_REFRESH = frozenset({"--no-cache", "-U", "--update-cache", "--update"})
APT_LISTS = "/var/lib/apt/lists"

# apt: the official images' docker-clean hook deletes downloaded .debs from
# /var/cache/apt/archives after every install, which empties a cache mount there.
# Pointing the archive directory elsewhere inside the mount keeps them without
# touching /etc/apt (the usual recipe deletes docker-clean, which changes the image).
# Measured: dependency-change rebuild 0.59x of no mount, image-diff equivalent.
APT = Manager(
    "apt", "system", frozenset({"apt-get", "apt"}),
    verbs={"update": X, "install": T, "upgrade": T, "dist-upgrade": T, "full-upgrade": T, "remove": T,
           "purge": T, "autoremove": T, "build-dep": T, "reinstall": T, "clean": C, "autoclean": C,
           "download": T, "source": T, "show": N, "policy": N, "list": N, "search": N, "check": N,
           "changelog": N, "--version": N, "-v": N},
    value_flags=APT_VALUE_FLAGS,
    mounts=(MountRecipe(frozenset({"update", "install", "upgrade", "dist-upgrade"}),
                        fixed_targets=("/var/cache/apt", APT_LISTS), sharing="locked",
                        keep_args="-o Dir::Cache::Archives=/var/cache/apt/keep/",
                        keep_verbs=frozenset({"install", "upgrade", "dist-upgrade"})),),
    exact_opt_out="system packages have no lockfile",
    deps_only_opt_out="system packages are not project dependencies",
)

APK = Manager(
    "apk", "system", frozenset({"apk"}),
    verbs={"update": X, "add": T, "upgrade": T, "del": T, "fix": T, "cache": C, "info": N, "version": N,
           "stats": N, "manifest": N, "verify": N, "audit": N,
           "--version": N, "-V": N},
    value_flags=APK_VALUE_FLAGS,
    mount_opt_out=("apk keeps packages only when /etc/apk/cache exists, and creating it changes the image; "
                   "`apk add --no-cache` (DF104) keeps the index out instead"),
    exact_opt_out="system packages have no lockfile",
    deps_only_opt_out="system packages are not project dependencies",
)

DNF = Manager(
    "dnf", "system", frozenset({"dnf", "microdnf", "yum", "tdnf"}),
    verbs={"install": T, "update": T, "upgrade": T, "remove": T, "erase": T, "reinstall": T, "groupinstall": T,
           "makecache": X, "clean": C, "info": N, "list": N, "search": N, "repolist": N, "--version": N},
    value_flags=frozenset({"--setopt", "--enablerepo", "--disablerepo", "--installroot", "--releasever", "-c",
                           "--config", "--repo", "--exclude", "-x"}),
    mount_opt_out="no RPM-based base image in the build lab to measure or prove a mount on",
    exact_opt_out="system packages have no lockfile",
    deps_only_opt_out="system packages are not project dependencies",
)

MANAGERS = (APT, APK, DNF)

# Programs that are no package manager but whose effect dfix knows: they set up the
# system and read no project file.  Everything else unrecognised is UNKNOWN.
SYSTEM_COMMANDS = {
    "useradd": T, "groupadd": T, "adduser": T, "addgroup": T, "usermod": T, "groupmod": T,
    "update-ca-certificates": T, "ldconfig": T, "locale-gen": T,
    # shell builtins that run nothing
    "echo": N, "true": N, "false": N, ":": N, "set": N, "export": N, "printf": N, "test": N, "[": N,
    "umask": N, "exit": N, "unset": N, "sleep": N, "pwd": N, "cd": N, "which": N, "command": N,
    # file utilities: they read and write the paths they are given and run nothing else
    **{p: Kind.FILES for p in ("mkdir", "cp", "mv", "rm", "rmdir", "chmod", "chown", "chgrp", "ln", "touch", "cat",
                               "tar", "unzip", "gzip", "gunzip", "sed", "install", "ls", "head", "tail", "wc",
                               "sort", "tee", "curl", "wget", "cut", "tr", "grep", "sha256sum", "md5sum",
                               "base64", "stat", "readlink", "realpath", "dirname", "basename", "id", "whoami",
                               "date", "uname")},
}

# File utilities that only read (no option of theirs writes a file), and inert builtins:
# a step of these alone, without a redirection, changes nothing in the image.
READ_ONLY_COMMANDS = frozenset({"cat", "ls", "head", "tail", "wc", "grep", "sha256sum", "md5sum", "stat",
                                "readlink", "realpath", "dirname", "basename", "id", "whoami", "date", "uname",
                                "echo", "true", ":", "printf", "test", "[", "pwd", "which"})


def read_only(program: str | None, source: str) -> bool:
    """Whether a simple command (its program and its text as written) provably writes nothing."""
    return program in READ_ONLY_COMMANDS and ">" not in source and "`" not in source and "$(" not in source


# System packages that install a program a build step may call (Debian, Alpine and RPM names).
PACKAGE_PROGRAMS = {
    "maven": ("mvn",), "golang": ("go",), "golang-go": ("go",), "go": ("go",), "nodejs": ("node",),
    "npm": ("npm",), "yarnpkg": ("yarnpkg",), "python3-pip": ("pip3", "pip"), "py3-pip": ("pip3", "pip"),
    "python3": ("python3",), "gradle": ("gradle",), "openjdk-17-jdk": ("java", "javac"),
    "openjdk-17-jdk-headless": ("java", "javac"), "openjdk-21-jdk": ("java", "javac"),
    "openjdk-11-jdk": ("java", "javac"), "openjdk17": ("java", "javac"), "openjdk21": ("java", "javac"),
    "java-17-openjdk-devel": ("java", "javac"), "java-21-openjdk-devel": ("java", "javac"),
    "default-jdk": ("java", "javac"), "default-jdk-headless": ("java", "javac"),
}
