"""Java build tools: Maven (and ./mvnw) and Gradle (and ./gradlew)."""

from __future__ import annotations

import posixpath
import re
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
    # Resolves the root project's configurations (more than a build may use, into ~/.gradle):
    # only in a build stage; and only when every build script is shown to read no other file
    # while Gradle configures it (gradle_script_problem, checked by the stack detector).
    deps_only=DepsOnly(goal="dependencies", build_stages_only=True),
    builds_download=True,
)

# Plugins whose configuration reads no project file beyond the build files (core plugins
# and the common JVM ones); any other plugin may read the source or .git while Gradle
# configures the build, which a dependencies task before the source would then miss.
GRADLE_QUIET_PLUGINS = frozenset({
    "java", "java-library", "application", "war", "jacoco", "maven-publish", "idea", "eclipse", "java-platform",
    "distribution", "base", "java-test-fixtures", "jvm-test-suite", "checkstyle", "pmd",
    "org.springframework.boot", "io.spring.dependency-management", "org.jetbrains.kotlin.jvm",
    "org.jetbrains.kotlin.plugin.spring", "org.jetbrains.kotlin.plugin.jpa", "org.jetbrains.kotlin.plugin.allopen",
    "org.jetbrains.kotlin.plugin.noarg", "org.jetbrains.kotlin.plugin.serialization", "org.jetbrains.kotlin.kapt",
    "com.github.johnrengelman.shadow", "com.gradleup.shadow", "io.freefair.lombok",
    "org.gradle.toolchains.foojay-resolver-convention",
})
# Words of a build script that read files, run programs or load other scripts while Gradle
# configures the build: with any of them, what a dependencies task reads is unknown.
GRADLE_READING_WORDS = frozenset({
    "file", "files", "fileTree", "File", "apply", "exec", "execute", "providers", "layout", "rootDir",
    "projectDir", "buildDir", "Properties", "load", "readText", "readLines", "readBytes", "text", "includeBuild",
    "flatDir", "buildscript", "from", "zipTree", "tarTree", "exists", "isFile", "isDirectory", "ProcessBuilder",
    "Runtime", "URL", "evaluate", "GroovyShell", "eval", "git", "grgit", "gitVersion", "versionDetails",
    "uri", "withReader", "eachLine", "newReader", "copy", "javaexec", "ant", "Eval", "Class", "forName",
})

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PLUGIN_ID = re.compile(r"""\bid\s*\(?\s*["']([^"']+)["']""")
_KOTLIN_PLUGIN = re.compile(r"""\bkotlin\s*\(\s*["']([^"']+)["']""")


def _code_only(text: str) -> str:
    """The script without comments and without string literals that interpolate nothing."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif text[i] in "\"'":
            quote = text[i] * 3 if text.startswith(text[i] * 3, i) else text[i]
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            body = text[i + len(quote):j]
            out.append(f" {body} " if "$" in body else " STR ")
            i = j + len(quote)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _plugins_blocks(text: str) -> tuple[list[str], str]:
    """The bodies of `plugins { ... }` blocks, and the text without them."""
    blocks, rest, pos = [], [], 0
    for m in re.finditer(r"\bplugins\s*\{", text):
        if m.start() < pos:
            continue
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        blocks.append(text[m.end():j - 1])
        rest.append(text[pos:m.start()])
        pos = j
    rest.append(text[pos:])
    return blocks, "".join(rest)


def gradle_script_problem(text: str) -> str | None:
    """Why configuring this build script may read more than the build files, or None."""
    blocks, rest = _plugins_blocks(text)
    for block in blocks:
        ids = re.findall(r"`([^`]+)`", block)  # Kotlin: `java-library`
        block = re.sub(r"`[^`]+`", " ", block)
        ids += _PLUGIN_ID.findall(block) + [f"org.jetbrains.kotlin.{k}" for k in _KOTLIN_PLUGIN.findall(block)]
        stripped = _PLUGIN_ID.sub(" ", _KOTLIN_PLUGIN.sub(" ", _code_only(block)))
        words = set(_WORD.findall(stripped)) - {"version", "apply", "false", "true", "STR", "alias", "libs",
                                                "plugins", "id", "kotlin"}
        ids += sorted(w for w in words if "." not in w)
        for plugin in ids:
            if plugin not in GRADLE_QUIET_PLUGINS:
                return f"plugin {plugin}"
        if "alias" in _WORD.findall(_code_only(block)):
            return "a plugin named through the version catalogue (alias)"
    words = set(_WORD.findall(_code_only(rest)))
    found = sorted(words & GRADLE_READING_WORDS)
    return f"`{found[0]}`" if found else None


MANAGERS = (MAVEN, GRADLE)
