"""Java build tools: Maven (and ./mvnw) and Gradle (and ./gradlew)."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from .argv import operands
from .record import CacheSpec, Classified, DepsOnly, Kind, Manager, MountRecipe

if TYPE_CHECKING:
    from ..shell.parse import Word

# Goals/tasks that only resolve dependencies; anything else compiles the project.
FETCH_GOALS = frozenset({"dependency:go-offline", "dependency:resolve", "dependency:resolve-plugins",
                         "de.qaware.maven:go-offline-maven-plugin:resolve-dependencies", "dependencies",
                         "dependencies:resolve"})
MAVEN_VALUE_FLAGS = frozenset({"-f", "--file", "-s", "--settings", "-gs", "--global-settings", "-P",
                               "--activate-profiles", "-T", "--threads", "-pl", "--projects", "-rf",
                               "--resume-from", "-l", "--log-file", "-t", "--toolchains", "-b", "--builder"})
GRADLE_VALUE_FLAGS = frozenset({"-p", "--project-dir", "-x", "--exclude-task", "-b", "--build-file", "-c",
                                "--settings-file", "-g", "--gradle-user-home", "-D", "-P", "--init-script", "-I",
                                "--console", "--max-workers", "--warning-mode"})
# Maven options that name files the build reads (they must travel with a pre-fetch).
MAVEN_FILE_FLAGS = frozenset({"-s", "--settings", "-gs", "--global-settings", "-f", "--file"})
_INERT = frozenset({"-v", "--version", "-h", "--help", "-?"})


def classify_build_tool(manager: Manager, verb: str | None, args: list["Word"]) -> Classified | None:
    values = [w.value for w in args]
    goals = operands(values, manager.value_flags)
    if not goals:
        # `mvn -V` shows the version and goes on building: only these print and exit.
        return Classified(Kind.INERT if set(values) & _INERT else Kind.UNKNOWN)
    kind = Kind.FETCH if all(g in FETCH_GOALS or g == "help" for g in goals) else Kind.BUILD
    project_dir = None
    for flag, value in zip(values, values[1:]):
        if manager.name == "maven" and flag in ("-f", "--file"):
            project_dir = posixpath.dirname(value) or "."
        elif manager.name == "gradle" and flag in ("-p", "--project-dir"):
            project_dir = value
    return Classified(kind, project_dir=project_dir)


MAVEN = Manager(
    "maven", "java", frozenset({"mvn", "mvnw"}),
    value_flags=MAVEN_VALUE_FLAGS, classify=classify_build_tool, inert_args=_INERT,
    manifests=("pom.xml",), config_files=("mvnw", ".mvn/jvm.config", ".mvn/maven.config", ".mvn/extensions.xml"),
    config_dirs=(".mvn/wrapper",),
    # The local repository, not ~/.m2 itself: settings.xml lives beside it.
    caches=(CacheSpec((), ".m2/repository", option_env=("MAVEN_OPTS", "-Dmaven.repo.local")),),
    # Maven's local repository is looked up by coordinates, with no network check for
    # releases: the mount alone pays off.  Later builds read it, so: persistent.
    mounts=(MountRecipe(frozenset(), any_verb=True, persistent=True, location_options=("-Dmaven.repo.local",),
                        stores_outputs=frozenset({"install", "deploy", "install:install", "deploy:deploy"}),
                        relocated_by=(("settings.xml", "localRepository"), ("maven.config", "maven.repo.local"))),),
    offline_only_flags=frozenset({"-o", "--offline"}),
    # Maven 3.9 and later read extra arguments from MAVEN_ARGS.
    offline_env=(("MAVEN_ARGS", "-o"), ("MAVEN_ARGS", "--offline")),
    exact_opt_out="Maven resolves fixed versions from pom.xml; it has no lockfile",
    deps_only=DepsOnly(goal="dependency:go-offline"),
    builds_download=True,
    file_flags=MAVEN_FILE_FLAGS,
)

GRADLE = Manager(
    "gradle", "java", frozenset({"gradle", "gradlew"}),
    value_flags=GRADLE_VALUE_FLAGS, classify=classify_build_tool, inert_args=_INERT,
    manifests=("settings.gradle", "settings.gradle.kts", "build.gradle", "build.gradle.kts"),
    config_files=("gradle.properties", "gradlew", "gradle/libs.versions.toml"), config_dirs=("gradle/wrapper",),
    caches=(CacheSpec(("GRADLE_USER_HOME",), ".gradle"),),
    # Gradle's user home also holds gradle.properties and init scripts: mount only the
    # dependency caches and the wrapper's distributions.
    mounts=(MountRecipe(frozenset(), any_verb=True, persistent=True, subdirs=("caches", "wrapper"),
                        location_options=("-g", "--gradle-user-home", "-Dgradle.user.home"),
                        relocated_by=(("gradle.properties", "gradle.user.home"),)),),
    offline_only_flags=frozenset({"--offline"}),
    exact_opt_out="Gradle's dependency locking is configured in build scripts dfix does not run",
    deps_only_opt_out="build.gradle is a program: what a dependencies-only task reads cannot be shown statically",
)

MANAGERS = (MAVEN, GRADLE)
