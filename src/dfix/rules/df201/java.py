"""DF201 for Java: Maven/Gradle build in the JDK image, the jar on the JRE of the same major."""

from __future__ import annotations

import fnmatch
import posixpath
import xml.etree.ElementTree as ET
from typing import Any

from ...context import BuildContext
from ...images import repository
from .knowledge import JAVA_RUNTIME_IMAGE, MAVEN_FAT_JAR_PLUGINS
from .plan import (Plan, check_healthcheck, configured_runtime, finish, require_command, require_literal_base,
                         runtime_copy, tag_of, trim_after_last_run)
from .plan import saving_text
from .stage import CannotSplit, StageFacts, check_not_dev, command_argv
from ...analysis.stacks import Stack
from ...analysis.stacks.java import recognise

_JDK_REPOSITORIES = ("eclipse-temurin", "openjdk", "amazoncorretto", "sapmachine")
_MAJOR_MARKERS = ("jdk", "temurin", "openjdk", "corretto", "amazoncorretto", "java", "sapmachine", "graalvm")


def plan(facts: StageFacts, ctx: BuildContext, stack: Stack | None, settings: Any) -> Plan | None:
    require_literal_base(facts, settings, "java")
    line = facts.stage.from_instruction.line
    if stack is None:
        jar = _javac_jar(facts)  # no Maven or Gradle project: javac and jar, or nothing built
        if jar is None:
            return None
        argv = command_argv(require_command(facts))
        check_not_dev(argv, facts.command_line)
        check_healthcheck(facts)
        cmd_jar = _cmd_jar(facts, argv)
        if cmd_jar != jar:
            raise CannotSplit(facts.command_line, f"the CMD runs {cmd_jar}, but the build writes {jar}")
        return _render(facts, settings, jar)
    if stack.root != "." or not facts.copies:
        raise CannotSplit(line, "the project is not at the context root")
    built = _build_runs(facts)
    if not built:
        return None  # nothing is built here (a prebuilt jar copied in): no toolchain to leave behind
    argv = command_argv(require_command(facts))
    check_not_dev(argv, facts.command_line)
    check_healthcheck(facts)
    cmd_jar = _cmd_jar(facts, argv)
    if stack.package_manager == "maven":
        jar = _maven_jar(facts, ctx, cmd_jar)
    else:
        jar = _gradle_jar(facts, ctx, cmd_jar)
    return _render(facts, settings, jar)


def _render(facts: StageFacts, settings: Any, jar: str) -> Plan:
    line = facts.stage.from_instruction.line
    major = java_major(facts.base)
    configured = configured_runtime(settings, "java")
    if major is None and not configured:
        raise CannotSplit(line, f"the Java major version of {facts.base} is not in its tag")
    image = configured or JAVA_RUNTIME_IMAGE.format(major=major)
    copies = [runtime_copy("build", jar, jar, facts.chown)]
    saving = saving_text(facts.base, image)
    message = (f"split into build and runtime stages: the JDK and build tool of {facts.base}, the downloaded "
               f"artifacts and the source leave the image; the runtime image ({image}) keeps {jar} only"
               + (f"; {saving}" if saving else ""))
    return finish("split_java.Dockerfile.j2", facts, message, from_args=facts.from_args,
                  build_steps=facts.verbatim(trim_after_last_run(facts.build_steps)), runtime_image=image,
                  config=facts.verbatim(facts.config),
                  workdir=facts.workdir, copies=copies, tail=facts.verbatim(facts.tail))


def java_major(image: str) -> int | None:
    tag = tag_of(image) or ""
    words = tag.replace("_", "-").split("-")
    if repository(image) in _JDK_REPOSITORIES and words and words[0].split(".")[0].isdigit():
        return int(words[0].split(".")[0])
    for i, word in enumerate(words):
        for marker in _MAJOR_MARKERS:
            if word.startswith(marker) and word[len(marker):].isdigit():
                return int(word[len(marker):])  # gradle:8-jdk17
            if word == marker and i + 1 < len(words) and words[i + 1].split(".")[0].isdigit():
                return int(words[i + 1].split(".")[0])  # maven:3-eclipse-temurin-17
    return None


def _javac_jar(facts: StageFacts) -> str | None:
    """The jar a javac-and-jar build writes (absolute), None when nothing is compiled here."""
    jar = None
    compiled = False
    for run, cmd in facts.commands():
        words = [w.value for w in cmd.program_words()[1]]
        program = cmd.program or ""
        if program == "mkdir" or (program == "javac"):
            compiled = compiled or program == "javac"
            continue
        if program == "jar":
            name = _jar_file(words)
            if name is None or "$" in name:
                raise CannotSplit(run.instruction.line, "`jar` without a literal --file: the jar's name is not pinned")
            if jar is not None:
                raise CannotSplit(run.instruction.line, "more than one jar is built")
            cwd = posixpath.join(facts.workdir, cmd.cwd) if cmd.cwd else facts.workdir
            jar = posixpath.normpath(posixpath.join(cwd, name))
            continue
        raise CannotSplit(run.instruction.line, f"`{run.script.source(cmd)}` is a command the split cannot place "
                                                "(it may write files the runtime needs)")
    if jar is None and compiled:
        raise CannotSplit(facts.stage.from_instruction.line, "javac runs but no jar is built: the classpath at run "
                                                             "time is a directory of classes dfix does not track")
    return jar


def _jar_file(words: list[str]) -> str | None:
    for i, word in enumerate(words[1:], 1):
        if word in ("--file", "-f") and i + 1 < len(words):
            return words[i + 1]
        if word.startswith("--file="):
            return word.split("=", 1)[1]
    # Old-style `jar cfe app.jar Main -C out .`: the f in the first word takes the next operand.
    if len(words) > 2 and not words[1].startswith("-") and "f" in words[1]:
        return words[2]
    return None


def _build_runs(facts: StageFacts) -> bool:
    built = False
    for run, cmd in facts.commands():
        words = [w.value for w in cmd.program_words()[1]]
        if cmd.program == "chmod" and all(posixpath.basename(w) in ("mvnw", "gradlew", "+x") for w in words[1:]):
            continue
        invocation = recognise(cmd)
        if invocation is None:
            raise CannotSplit(run.instruction.line, f"`{run.script.source(cmd)}` is a command the split cannot place "
                                                    "(it may write files the runtime needs)")
        if invocation.project_dir not in (None, "", "."):
            raise CannotSplit(run.instruction.line, "the build runs in another directory (-f/-p)")
        built = built or invocation.kind == "build"
    return built


def _cmd_jar(facts: StageFacts, argv: list[str]) -> str | None:
    if not argv or posixpath.basename(argv[0]) != "java":
        raise CannotSplit(facts.command_line, f"the CMD runs {argv[0] if argv else 'nothing'}, not `java -jar`")
    if "-jar" not in argv or argv.index("-jar") + 1 >= len(argv):
        raise CannotSplit(facts.command_line, "the CMD runs java without -jar: its classpath is not known")
    jar = argv[argv.index("-jar") + 1]
    if "$" in jar:
        raise CannotSplit(facts.command_line, "the CMD names the jar through a variable")
    return posixpath.normpath(posixpath.join(facts.workdir, jar))


def _pom(ctx: BuildContext) -> ET.Element | None:
    text = ctx.read_text("pom.xml")
    if text is None:
        return None
    try:
        return ET.fromstring(text)
    except ET.ParseError:
        return None


def _child(element: ET.Element | None, *path: str) -> ET.Element | None:
    for name in path:
        if element is None:
            return None
        element = next((c for c in element if c.tag.rsplit("}", 1)[-1] == name), None)
    return element


def _text(element: ET.Element | None, *path: str) -> str | None:
    found = _child(element, *path)
    return found.text.strip() if found is not None and found.text else None


def _maven_jar(facts: StageFacts, ctx: BuildContext, cmd_jar: str | None) -> str:
    line = facts.stage.from_instruction.line
    pom = _pom(ctx)
    if pom is None:
        raise CannotSplit(line, "pom.xml is not readable")
    if (_text(pom, "packaging") or "jar") != "jar":
        raise CannotSplit(line, f"packaging {_text(pom, 'packaging')}: not a runnable jar")
    if _text(pom, "modules", "module"):
        raise CannotSplit(line, "a multi-module build: which module's jar runs is not known")
    plugins = {_text(p, "artifactId") for p in _child(pom, "build", "plugins") or []}
    dependencies = list(_child(pom, "dependencies") or [])
    runtime_deps = [d for d in dependencies if (_text(d, "scope") or "compile") in ("compile", "runtime")]
    if runtime_deps and not plugins & MAVEN_FAT_JAR_PLUGINS:
        raise CannotSplit(line, "the jar has runtime dependencies and no plugin that packs them into it "
                                "(spring-boot, shade, assembly): its classpath at run time is not known")
    name = _maven_final_name(pom)
    jar = posixpath.join(facts.workdir, "target", f"{name}.jar") if name else None
    if jar and cmd_jar and not fnmatch.fnmatchcase(jar, cmd_jar):
        raise CannotSplit(facts.command_line, f"the CMD runs {cmd_jar}, but the build writes {jar}")
    if jar is None:
        if cmd_jar is None or any(c in cmd_jar for c in "*?["):
            raise CannotSplit(line, "the jar's name is not known (finalName with properties, and no exact CMD path)")
        jar = cmd_jar
    return jar


def _maven_final_name(pom: ET.Element) -> str | None:
    artifact = _text(pom, "artifactId")
    version = _text(pom, "version") or _text(pom, "parent", "version")
    values = {"project.artifactId": artifact, "artifactId": artifact, "project.version": version, "version": version,
              "pom.artifactId": artifact, "pom.version": version}
    name = _text(pom, "build", "finalName") or (f"{artifact}-{version}" if artifact and version else None)
    if name is None:
        return None
    while "${" in name:
        start = name.index("${")
        end = name.find("}", start)
        key = name[start + 2:end] if end > 0 else ""
        if not values.get(key):
            return None
        name = name[:start] + values[key] + name[end + 1:]
    return name


def _gradle_jar(facts: StageFacts, ctx: BuildContext, cmd_jar: str | None) -> str:
    line = facts.stage.from_instruction.line
    build = (ctx.read_text("build.gradle") or "") + (ctx.read_text("build.gradle.kts") or "")
    if "org.springframework.boot" not in build and "shadow" not in build:
        raise CannotSplit(line, "no Spring Boot or Shadow plugin: the jar's classpath at run time is not known")
    if cmd_jar is None or any(c in cmd_jar for c in "*?["):
        raise CannotSplit(facts.command_line, "the CMD does not name the jar exactly: Gradle's jar and bootJar "
                                              "tasks may both match")
    return cmd_jar
