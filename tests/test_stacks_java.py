"""Java detection: Maven modules and wrapper, Gradle settings includes, wrapper and buildSrc."""

from __future__ import annotations

from pathlib import Path

from stack_fixtures import context

from dfix.shell.parse import parse_shell
from dfix.analysis.stacks import java
from dfix.analysis.stacks.base import HazardKind

POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modules>
    <module>core</module>
    <module>web</module>
  </modules>
</project>"""


def test_maven_modules_recursive_and_wrapper(tmp_path: Path):
    ctx = context(tmp_path, {
        "pom.xml": POM, "core/pom.xml": "<project><modules><module>sub</module></modules></project>",
        "core/sub/pom.xml": "<project/>", "mvnw": "", ".mvn/wrapper/maven-wrapper.properties": "",
        ".mvn/jvm.config": "",
    })
    stack = java.detect(ctx, ".", [])
    assert stack.package_manager == "maven"
    assert stack.manifests == ["pom.xml", "core/pom.xml", "core/sub/pom.xml"]
    assert any(h.kind is HazardKind.MISSING_INPUT and h.path == "web/pom.xml" for h in stack.hazards)  # listed but absent
    assert {"mvnw", ".mvn/jvm.config", ".mvn/wrapper/maven-wrapper.properties"} <= set(stack.install_inputs)
    assert stack.build_outputs == ["target/*.jar"]


SETTINGS = """rootProject.name = 'demo'
include 'app', ':lib:core'
include("extra")
includeBuild("build-logic")
"""


def test_gradle_settings_includes_wrapper_and_build_src(tmp_path: Path):
    ctx = context(tmp_path, {
        "settings.gradle": SETTINGS, "build.gradle": "", "app/build.gradle.kts": "", "lib/core/build.gradle": "",
        "gradlew": "", "gradle/wrapper/gradle-wrapper.properties": "", "gradle/wrapper/gradle-wrapper.jar": "",
        "gradle/libs.versions.toml": "", "gradle.properties": "", "buildSrc/build.gradle.kts": "",
        "build-logic/settings.gradle.kts": "",
    })
    stack = java.detect(ctx, ".", [])
    assert stack.package_manager == "gradle"
    assert stack.manifests == ["settings.gradle", "build.gradle", "app/build.gradle.kts", "lib/core/build.gradle"]
    assert {"gradlew", "gradle/wrapper/gradle-wrapper.properties", "gradle/wrapper/gradle-wrapper.jar",
            "gradle/libs.versions.toml", "gradle.properties", "buildSrc/", "build-logic/"} <= set(stack.install_inputs)
    assert any(h.kind is HazardKind.INCLUDED_BUILD and h.path == "buildSrc/" for h in stack.hazards)
    assert any(h.kind is HazardKind.INCLUDED_BUILD and "includeBuild build-logic" in h.message for h in stack.hazards)


def test_gradle_includes_parser():
    assert java.gradle_includes(SETTINGS) == (["app", "lib/core", "extra"], ["build-logic"])


def test_both_builds_present_is_ambiguous_unless_the_dockerfile_says(tmp_path: Path):
    ctx = context(tmp_path, {"pom.xml": "<project/>", "build.gradle": ""})
    assert java.detect(ctx, ".", []).ambiguous
    gradle = java.recognise(parse_shell("./gradlew build -x test").commands[0])
    stack = java.detect(ctx, ".", [gradle])
    assert (stack.package_manager, stack.ambiguous) == ("gradle", None)


def test_recognise_java_commands():
    def kind(text):
        inv = java.recognise(parse_shell(text).commands[0])
        return (inv.package_manager, inv.kind, inv.project_dir) if inv else None

    assert kind("mvn -B dependency:go-offline") == ("maven", "fetch", None)
    assert kind("./mvnw -f app/pom.xml package -DskipTests") == ("maven", "build", "app")
    assert kind("gradle dependencies --no-daemon") == ("gradle", "fetch", None)
    assert kind("./gradlew -p svc bootJar") == ("gradle", "build", "svc")
    assert kind("java -jar app.jar") is None
