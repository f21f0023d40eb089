"""Java: Maven (modules, wrapper, .mvn config) and Gradle (settings includes, wrapper, buildSrc)."""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET

from ...context import BuildContext
from ...managers.java import GRADLE, MAVEN, gradle_script_problem
from ...shell.parse import Command
from .base import HazardKind, Invocation, Stack, invocation, join

GRADLE_BUILD_FILES = tuple(m for m in GRADLE.manifests if m.startswith("build."))
GRADLE_SETTINGS_FILES = tuple(m for m in GRADLE.manifests if m.startswith("settings."))

# Groovy or Kotlin: include 'a', ':b'  /  include("a", "b")  /  includeBuild("../x")
_INCLUDE_CALL = re.compile(r"^\s*(include|includeBuild)\b\s*\(?\s*(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"""["']([^"']+)["']""")


def recognise(command: Command) -> Invocation | None:
    found = invocation(command)
    return found if found is not None and found.ecosystem == "java" else None


def project_roots(ctx: BuildContext) -> list[str]:
    names = {"pom.xml", *GRADLE_BUILD_FILES, *GRADLE_SETTINGS_FILES}
    return sorted(posixpath.dirname(f) or "." for f in ctx.files if posixpath.basename(f) in names)


def detect(ctx: BuildContext, root: str, invocations: list[Invocation]) -> Stack | None:
    has_maven = ctx.is_file(join(root, "pom.xml"))
    has_gradle = any(ctx.is_file(join(root, n)) for n in (*GRADLE_BUILD_FILES, *GRADLE_SETTINGS_FILES))
    if not (has_maven or has_gradle):
        return None
    used = sorted({inv.package_manager for inv in invocations if inv.package_manager})
    ambiguous = None
    if len(used) == 1:
        package_manager = used[0]
    elif has_maven and has_gradle:
        package_manager = "maven"
        ambiguous = "both pom.xml and a Gradle build: maven assumed" if not used else \
            f"the Dockerfile runs both {', '.join(used)}"
    else:
        package_manager = "maven" if has_maven else "gradle"
    stack = Stack("java", package_manager, root=root, ambiguous=ambiguous)
    if package_manager == "maven":
        _maven(ctx, root, stack)
        stack.build_outputs = [join(root, "target") + "/*.jar"]
    else:
        _gradle(ctx, root, stack)
        stack.build_outputs = [join(root, "build/libs") + "/*.jar"]
    return stack


def maven_modules(ctx: BuildContext, pom_path: str, seen: set[str] | None = None) -> list[str]:
    """Every pom.xml reachable through ``<modules>`` (recursively), the root one first."""
    seen = seen if seen is not None else set()
    if pom_path in seen:
        return []
    seen.add(pom_path)
    found = [pom_path]
    text = ctx.read_text(pom_path)
    if text is None:
        return found
    try:
        tree = ET.fromstring(text)
    except ET.ParseError:
        return found
    base = posixpath.dirname(pom_path)
    for element in tree.iter():
        if element.tag.rsplit("}", 1)[-1] == "module" and element.text:
            module = join(base, element.text.strip())
            child = module if module.endswith(".xml") else join(module, "pom.xml")
            found += maven_modules(ctx, child, seen)
    return found


def _maven(ctx: BuildContext, root: str, stack: Stack) -> None:
    poms = maven_modules(ctx, join(root, "pom.xml"))
    stack.manifests = [p for p in poms if ctx.is_file(p)]
    missing = [p for p in poms if not ctx.is_file(p)]
    for pom in missing:
        stack.hazard(HazardKind.MISSING_INPUT, pom, f"module {pom} is listed in <modules> but is not in the context")
    stack.add_inputs(stack.manifests)
    stack.add_inputs([join(root, f) for f in MAVEN.config_files if ctx.is_file(join(root, f))])
    for directory in MAVEN.config_dirs:
        stack.add_inputs(ctx.files_under(join(root, directory)))
    if len(stack.manifests) > 1:
        stack.notes.append(f"multi-module build: {len(stack.manifests)} pom.xml files")


def gradle_includes(settings: str) -> tuple[list[str], list[str]]:
    """Subproject dirs from ``include`` and build dirs from ``includeBuild`` in a settings script."""
    projects: list[str] = []
    builds: list[str] = []
    for match in _INCLUDE_CALL.finditer(settings):
        names = _QUOTED.findall(match.group(2))
        if match.group(1) == "include":
            projects += [n.lstrip(":").replace(":", "/") for n in names]
        else:
            builds += names
    return projects, builds


def _gradle(ctx: BuildContext, root: str, stack: Stack) -> None:
    settings_files = [join(root, n) for n in GRADLE_SETTINGS_FILES if ctx.is_file(join(root, n))]
    build_files = [join(root, n) for n in GRADLE_BUILD_FILES if ctx.is_file(join(root, n))]
    stack.manifests = settings_files + build_files
    for settings in settings_files:
        projects, builds = gradle_includes(ctx.read_text(settings) or "")
        for project in projects:
            stack.manifests += [join(root, join(project, n)) for n in GRADLE_BUILD_FILES
                                if ctx.is_file(join(root, join(project, n)))]
        for build in builds:
            build_dir = join(root, build)
            stack.hazard(HazardKind.INCLUDED_BUILD, build_dir + "/",
                         f"includeBuild {build}: the install reads the whole of {build_dir}/")
            stack.add_inputs([build_dir + "/"])
    stack.add_inputs(stack.manifests)
    stack.add_inputs([join(root, f) for f in GRADLE.config_files if ctx.is_file(join(root, f))])
    stack.add_inputs(ctx.files_under(join(root, "gradle/wrapper")))
    catalogs = [f for f in ctx.files_under(join(root, "gradle")) if f.endswith(".versions.toml")]
    stack.add_inputs(catalogs)
    _gradle_script_hazards(ctx, root, stack)
    if ctx.is_dir(join(root, "buildSrc")):
        stack.add_inputs([join(root, "buildSrc") + "/"])
        stack.hazard(HazardKind.INCLUDED_BUILD, join(root, "buildSrc") + "/",
                     "buildSrc/ is compiled before any task runs: the install reads all of it")


def _gradle_script_hazards(ctx: BuildContext, root: str, stack: Stack) -> None:
    """Build scripts whose configuration may read more than the build files, and included
    projects with no build file (their directory would not exist before the source)."""
    for script in stack.manifests:
        problem = gradle_script_problem(ctx.read_text(script) or "")
        if problem:
            stack.hazard(HazardKind.BUILD_SCRIPT_READS, script,
                         f"{script} uses {problem}, which may read files beyond the build files while Gradle "
                         "configures the build")
    for settings in (join(root, n) for n in GRADLE_SETTINGS_FILES if ctx.is_file(join(root, n))):
        projects, _ = gradle_includes(ctx.read_text(settings) or "")
        for project in projects:
            if not any(ctx.is_file(join(root, join(project, n))) for n in GRADLE_BUILD_FILES):
                stack.hazard(HazardKind.BUILD_SCRIPT_READS, join(root, project) + "/",
                             f"included project {project} has no build file: its directory would not exist "
                             "before the source arrives")
