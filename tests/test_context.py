"""BuildContext and .dockerignore: every place Docker differs from .gitignore."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from stack_fixtures import write_tree

from dfix.context import BuildContext, DockerIgnore, IgnorePatternError, go_clean, read_ignore_lines


def excluded(patterns: str, path: str) -> bool:
    return DockerIgnore.from_text(patterns).excludes(path)


# --- differences from .gitignore ------------------------------------------------------


def test_pattern_without_slash_matches_only_at_the_root():
    # .gitignore: `*.log` ignores logs/x.log too; Docker anchors it at the context root.
    assert excluded("*.log", "x.log")
    assert not excluded("*.log", "logs/x.log")


def test_double_star_matches_at_any_depth():
    assert excluded("**/*.log", "a/b/x.log")
    assert excluded("**/*.log", "x.log")


def test_trailing_slash_is_cleaned_away_and_matches_files_too():
    # .gitignore: `build/` matches directories only; Docker's filepath.Clean drops the slash.
    assert excluded("build/", "build")
    assert excluded("build/", "build/out/app.js")


def test_leading_slash_and_dot_segments_are_cleaned():
    assert excluded("/dist", "dist/a.js")
    assert excluded("./tmp/../cache", "cache/x")
    assert not excluded("./tmp/../cache", "tmp/x")


def test_name_matching_a_directory_excludes_everything_below():
    assert excluded("node_modules", "node_modules/a/b/c.js")
    assert not excluded("node_modules", "web/node_modules/a.js")  # anchored, unlike git


def test_exception_reincludes_a_file_below_an_excluded_directory():
    # git cannot re-include a file when its parent directory is excluded; Docker can.
    rules = "docs\n!docs/README.md\n"
    assert excluded(rules, "docs/guide.md")
    assert not excluded(rules, "docs/README.md")


def test_last_matching_pattern_wins():
    assert not excluded("*.md\n!README.md\n", "README.md")
    assert excluded("!README.md\n*.md\n", "README.md")


def test_exception_reincluding_a_whole_directory():
    rules = "*\n!src\n!package.json\n"
    assert not excluded(rules, "src/deep/file.ts")
    assert not excluded(rules, "package.json")
    assert excluded(rules, "README.md")


def test_comments_and_blank_lines_and_whitespace():
    assert read_ignore_lines("# c\n\n  a  \n ! b\n#x\n") == ["a", "!b"]
    # A '#' only starts a comment at the beginning of the line.
    assert read_ignore_lines(" #x") == ["#x"]


def test_double_star_suffix_and_prefix_forms():
    assert excluded("**", "anything/at/all")
    assert excluded("foo**", "foobar/x")
    assert excluded("a/**/z", "a/z")
    assert excluded("a/**/z", "a/b/c/z")
    assert not excluded("a/**/z", "b/z")


def test_question_mark_and_class_do_not_cross_slashes():
    assert excluded("file?.txt", "file1.txt")
    assert not excluded("a?b", "a/b")
    assert excluded("[a-c].txt", "b.txt")
    assert not excluded("[a-c].txt", "d.txt")


def test_regexp_metacharacters_are_literal():
    assert excluded("a+b(1).txt", "a+b(1).txt")
    assert not excluded("a.txt", "abtxt")


def test_bad_patterns_are_rejected_like_filepath_match():
    with pytest.raises(IgnorePatternError):
        DockerIgnore.from_text("[abc")
    with pytest.raises(IgnorePatternError):
        DockerIgnore(["!"])


def test_go_clean():
    assert go_clean("//a//b/") == "/a/b"
    assert go_clean("") == "."
    assert go_clean("a/../..") == ".."


# --- BuildContext -----------------------------------------------------------------------


def test_from_directory_applies_dockerignore(tmp_path: Path):
    write_tree(tmp_path, {".dockerignore": "*.log\nsecret/\n", "a.log": "", "sub/a.log": "", "secret/k": "",
                          "app.py": ""})
    ctx = BuildContext.from_directory(tmp_path)
    assert ctx.files == [".dockerignore", "app.py", "sub/a.log"]
    assert ctx.ignored_by == ".dockerignore"
    assert not ctx.exists("secret/k") and not ctx.is_included("secret/k")
    assert ctx.exists("sub") and ctx.is_dir("sub")


def test_dockerfile_specific_ignore_file_takes_precedence(tmp_path: Path):
    write_tree(tmp_path, {".dockerignore": "a.txt\n", "docker/app.Dockerfile": "FROM x\n",
                          "docker/app.Dockerfile.dockerignore": "b.txt\n", "a.txt": "", "b.txt": ""})
    ctx = BuildContext.from_directory(tmp_path, "docker/app.Dockerfile")
    assert ctx.ignored_by == "docker/app.Dockerfile.dockerignore"
    assert ctx.is_file("a.txt") and not ctx.is_file("b.txt")
    plain = BuildContext.from_directory(tmp_path, "Dockerfile")
    assert plain.ignored_by == ".dockerignore"
    assert not plain.is_file("a.txt") and plain.is_file("b.txt")


def test_symlinked_directory_is_not_followed_out_of_the_tree(tmp_path: Path):
    outside = write_tree(tmp_path / "outside", {"secret.txt": "s"})
    root = write_tree(tmp_path / "ctx", {"app.py": ""})
    os.symlink(outside, root / "link")
    ctx = BuildContext.from_directory(root)
    assert "link" in ctx.files  # sent as a link, like BuildKit
    assert "link/secret.txt" not in ctx.files
    assert ctx.read_text("link") is None


def test_from_listing_knows_files_that_are_not_on_disk(tmp_path: Path):
    write_tree(tmp_path, {"package.json": "{}", ".dockerignore": "dist\n"})
    ctx = BuildContext.from_listing(tmp_path, ["package.json", "src/index.js", "dist/a.js", ".dockerignore"])
    assert ctx.exists("src/index.js") and ctx.read_text("src/index.js") is None
    assert ctx.read_text("package.json") == "{}"
    assert not ctx.exists("dist/a.js")


def test_read_text_of_an_ignored_file_is_none(tmp_path: Path):
    ctx = BuildContext.from_directory(write_tree(tmp_path, {".dockerignore": "README.md", "README.md": "x"}))
    assert ctx.read_text("README.md") is None


def test_glob_with_double_star(tmp_path: Path):
    ctx = BuildContext.from_directory(write_tree(tmp_path, {"packages/a/package.json": "", "packages/b/c/d.json": ""}))
    assert ctx.glob("packages/*") == ["packages/a", "packages/b"]
    assert ctx.glob("**/package.json") == ["packages/a/package.json"]


def test_matches_copy_source(tmp_path: Path):
    ctx = BuildContext.from_directory(write_tree(tmp_path, {
        "package.json": "", "package-lock.json": "", "src/a.js": "", "src/lib/b.js": "", "x/package.json": ""}))
    assert ctx.matches_copy_source("package*.json") == ["package-lock.json", "package.json"]
    assert ctx.matches_copy_source("/src") == ["src/a.js", "src/lib/b.js"]
    assert ctx.matches_copy_source("./src/") == ["src/a.js", "src/lib/b.js"]
    # filepath.Match: `*` stays within one segment, so this does not reach x/package.json.
    assert ctx.matches_copy_source("*.json") == ["package-lock.json", "package.json"]
    assert ctx.matches_copy_source("*/package.json") == ["x/package.json"]
    assert ctx.matches_copy_source("missing") == []
    assert len(ctx.matches_copy_source(".")) == 5
