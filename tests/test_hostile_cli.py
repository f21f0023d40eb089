"""Issue 9's reproducers, run through the installed `dfix` under a CPU and memory cap.

Each case: exit 2 with one `error:` line naming the file and what is wrong (or 0/1 where
the input is valid), no traceback, the other files of the run still processed, nothing
written for the bad one.  `run_dfix` (tests/hostile.py) fails the test on a crash, a
signal, a traceback, more than 10 CPU seconds or 500 MiB.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from hostile import run_dfix

NAIVE = "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm install\n"


def good_and_bad(tmp_path: Path) -> tuple[Path, Path]:
    """A folder whose Dockerfile dfix fixes, and an empty folder for the hostile one."""
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir()
    bad.mkdir()
    (good / "Dockerfile").write_text(NAIVE)
    (good / "package.json").write_text('{"name": "good"}\n')
    return good, bad


def assert_one_error_others_fixed(run, good: Path, bad_file: Path | None, *needles: str, before: bytes | None = None):
    assert run.code == 2, run.stderr
    assert len(run.errors) == 1, run.stderr
    for needle in needles:
        assert needle in run.errors[0], run.errors[0]
    if bad_file is not None:
        assert str(bad_file.parent.name) in run.errors[0]
        if before is not None:
            assert bad_file.read_bytes() == before  # nothing written for the bad one
    assert (good / "Dockerfile").read_text() != NAIVE  # the good one was fixed (--write)


# 1. .dockerignore patterns BuildKit rejects -------------------------------------------------

@pytest.mark.parametrize("pattern", ["!", "[abc", "foo\\", "[]"])
def test_bad_dockerignore_pattern(tmp_path: Path, pattern: str):
    good, bad = good_and_bad(tmp_path)
    (bad / "Dockerfile").write_text("FROM alpine\n")
    (bad / ".dockerignore").write_text(f"{pattern}\n")
    run = run_dfix("--write", str(tmp_path))
    assert_one_error_others_fixed(run, good, bad / "Dockerfile", ".dockerignore", "BuildKit rejects",
                                  before=b"FROM alpine\n")
    detect = run_dfix("detect", "--format", "json", str(tmp_path))
    assert detect.code == 2
    entries = json.loads(detect.stdout)["dockerfiles"]
    assert [bool(e["error"]) for e in entries] == [True, False]  # bad/ sorts before good/
    assert {frozenset(e) for e in entries} == {frozenset({"path", "context", "error", "ignore_file", "stages"})}


# 2. lockfile checks on unexpected JSON types -----------------------------------------------

NPM_DF = "FROM node:20-slim\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm install\nCOPY . .\n"
LOCK_OK = {"lockfileVersion": 3, "packages": {"": {"dependencies": {"left-pad": "1.3.0"}}}}


@pytest.mark.parametrize("package_json, lock, reason", [
    ({"dependencies": ["left-pad"]}, LOCK_OK, "package.json's dependencies is not a map"),
    ({"dependencies": {"left-pad": "1.3.0"}}, {**LOCK_OK, "lockfileVersion": "three"}, "lockfileVersion is not a number"),
    ({"dependencies": {"left-pad": "1.3.0"}}, {"lockfileVersion": 3, "packages": ["x"]}, "no root package entry"),
])
def test_npm_lockfile_wrong_types_are_a_skip_reason(tmp_path: Path, package_json, lock, reason):
    (tmp_path / "Dockerfile").write_text(NPM_DF)
    (tmp_path / "package.json").write_text(json.dumps(package_json))
    (tmp_path / "package-lock.json").write_text(json.dumps(lock))
    run = run_dfix("--unsafe-fixes", str(tmp_path))
    assert run.code == 0 and reason in run.stderr, run.stderr


def test_package_json_nested_1000_deep(tmp_path: Path):
    good, bad = good_and_bad(tmp_path)
    (bad / "Dockerfile").write_text(NPM_DF)
    (bad / "package.json").write_text('{"a": ' + "[" * 1000 + "]" * 1000 + "}")
    (bad / "package-lock.json").write_text(json.dumps(LOCK_OK))
    run = run_dfix("--write", str(tmp_path))
    assert_one_error_others_fixed(run, good, bad / "Dockerfile", "package.json", "nested deeper than",
                                  before=NPM_DF.encode())


PNPM_DF = ("FROM node:20-slim\nRUN npm install -g pnpm@9\nWORKDIR /app\nCOPY package.json pnpm-lock.yaml ./\n"
           "RUN pnpm install\nCOPY . .\n")
PNPM_V9 = ("lockfileVersion: '9.0'\n\nimporters:\n  .:\n    dependencies:\n      left-pad:\n"
           "        specifier: 1.3.0\n        version: 1.3.0\n")


def test_pnpm_with_dependencies_as_a_list(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text(PNPM_DF)
    (tmp_path / "package.json").write_text('{"dependencies": ["left-pad"]}')
    (tmp_path / "pnpm-lock.yaml").write_text(PNPM_V9)
    run = run_dfix("--unsafe-fixes", str(tmp_path))
    assert run.code == 0 and "package.json's dependencies is not a map" in run.stderr, run.stderr


# 3. YAML alias bombs and wrong types --------------------------------------------------------

def alias_bomb(key: str) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 9):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append(f"{key}: *a8")
    return "\n".join(lines) + "\n"


def test_pnpm_lock_alias_bomb(tmp_path: Path):
    good, bad = good_and_bad(tmp_path)
    (bad / "Dockerfile").write_text(PNPM_DF)
    (bad / "package.json").write_text('{"dependencies": {"left-pad": "1.3.0"}}')
    bomb = alias_bomb("x").replace("x: *a8\n", "")
    (bad / "pnpm-lock.yaml").write_text("lockfileVersion: '9.0'\n" + bomb + "importers:\n  .:\n    dependencies:\n"
                                        "      left-pad:\n        specifier: *a8\n        version: 1.3.0\n")
    run = run_dfix("--write", "--unsafe-fixes", str(tmp_path))
    assert_one_error_others_fixed(run, good, bad / "Dockerfile", "pnpm-lock.yaml", "aliases",
                                  before=PNPM_DF.encode())


BERRY_DF = ("FROM node:22-slim\nWORKDIR /app\nCOPY package.json yarn.lock .yarnrc.yml ./\nRUN corepack enable\n"
            "RUN yarn install --immutable\nCOPY . .\n")


def berry(tmp: Path, yarnrc: str) -> None:
    (tmp / "Dockerfile").write_text(BERRY_DF)
    (tmp / "package.json").write_text('{"name": "app", "packageManager": "yarn@4.5.3"}')
    (tmp / "yarn.lock").write_text("__metadata:\n  version: 8\n  cacheKey: 10c0\n")
    (tmp / ".yarnrc.yml").write_text(yarnrc)


def test_yarnrc_alias_bomb(tmp_path: Path):
    good, bad = good_and_bad(tmp_path)
    berry(bad, alias_bomb("nodeLinker"))
    run = run_dfix("--write", str(tmp_path))
    assert_one_error_others_fixed(run, good, bad / "Dockerfile", ".yarnrc.yml", "aliases", before=BERRY_DF.encode())


def test_yarnrc_nm_mode_list(tmp_path: Path):
    berry(tmp_path, "nodeLinker: node-modules\nnmMode: [a, b]\n")
    run = run_dfix(str(tmp_path))
    assert run.code == 0 and "nmMode is not a string" in run.stderr, run.stderr


# 4. pyproject.toml found by the config lookup ------------------------------------------------

@pytest.mark.parametrize("toml, needle", [
    ("tool = 1\n", "`tool` must be a table"),
    ("[tool]\ndfix = 1\n", "`tool.dfix` must be a table"),
    ("x = " + "[" * 5000 + "]" * 5000 + "\n", "nested deeper than"),
])
def test_pyproject_config_wrong_shape(tmp_path: Path, toml: str, needle: str):
    good, bad = good_and_bad(tmp_path)
    (bad / "Dockerfile").write_text(NAIVE)
    (bad / "pyproject.toml").write_text(toml)
    run = run_dfix("--write", str(tmp_path))
    assert_one_error_others_fixed(run, good, bad / "Dockerfile", "pyproject.toml", needle, before=NAIVE.encode())


# 5. RUN nesting -------------------------------------------------------------------------------

@pytest.mark.parametrize("run_text", [
    'echo ' + '"$(echo ' * 250 + 'x' + ')"' * 250,
    'echo ' + '$(' * 400 + 'x' + ')' * 400,
])
def test_run_nesting(tmp_path: Path, run_text: str):
    good, bad = good_and_bad(tmp_path)
    text = f"FROM alpine\nRUN echo fine\nRUN {run_text}\n"
    (bad / "Dockerfile").write_text(text)
    run = run_dfix("--write", str(tmp_path))
    assert_one_error_others_fixed(run, good, bad / "Dockerfile", "line 3:", "nests", "levels",
                                  before=text.encode())


def test_deep_parameter_expansion_is_read_without_recursion(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text("FROM alpine\nRUN echo " + "${x:-" * 400 + "}" * 400 + "\n")
    assert run_dfix(str(tmp_path)).code == 0  # the scanner counts braces iteratively: valid, and fine


# 6. setup.py nested deeper than CPython reads (it segfaulted libcst's native parser) -----------

def test_setup_py_nesting_is_refused_as_cpython_refuses_it(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install .\n")
    (tmp_path / "setup.py").write_text("from setuptools import setup\nx = " + "(" * 1500 + "1" + ")" * 1500 +
                                       "\nsetup(name='x')\n")
    run = run_dfix(str(tmp_path))
    assert run.code == 0  # valid Dockerfile: the install is left alone, not crashed on
    detect = run_dfix("detect", str(tmp_path))
    assert detect.code == 0 and "too many nested parentheses" in detect.stdout, detect.stdout


# 7-8. symlink loop, FIFO, /dev/zero ------------------------------------------------------------

def test_symlink_loop(tmp_path: Path):
    good, bad = good_and_bad(tmp_path)
    (bad / "Dockerfile").symlink_to("Dockerfile")
    run = run_dfix("--write", str(tmp_path))
    assert_one_error_others_fixed(run, good, bad / "Dockerfile", "symlink loop")


def test_fifo_named_dockerfile_and_dev_zero(tmp_path: Path):
    good, bad = good_and_bad(tmp_path)
    os.mkfifo(bad / "Dockerfile")
    run = run_dfix("--write", str(good / "Dockerfile"), str(bad / "Dockerfile"), "/dev/zero")
    assert run.code == 2
    assert len(run.errors) == 2, run.stderr
    assert "FIFO, not a regular file" in run.errors[0] and "/dev/zero: is a character device" in run.errors[1]
    assert (good / "Dockerfile").read_text() != NAIVE


def test_fifo_manifest_in_context(tmp_path: Path):
    good, bad = good_and_bad(tmp_path)
    (bad / "Dockerfile").write_text(NPM_DF)
    os.mkfifo(bad / "package.json")
    (bad / "package-lock.json").write_text(json.dumps(LOCK_OK))
    run = run_dfix("--write", str(tmp_path))
    assert_one_error_others_fixed(run, good, bad / "Dockerfile", "package.json", "FIFO")


# 9. scale (the full-size figures are in bench/hostile_scale) ----------------------------------

def test_past_the_old_shell_cache_size(tmp_path: Path):
    (tmp_path / "package.json").write_text('{"name": "x"}')
    runs = "".join(f"RUN echo {i}\n" for i in range(9000))
    (tmp_path / "Dockerfile").write_text(f"FROM node:20\nWORKDIR /app\nCOPY . .\n{runs}RUN npm install\n")
    run = run_dfix(str(tmp_path))
    assert run.code == 0 and "DF101 line 9004" in run.stderr


@pytest.mark.parametrize("opener", ["if a{k}", "{{ a{k}"])
def test_shell_constructs_never_closed(tmp_path: Path, opener: str):
    # bashlex rejects the RUN, and looking for parsable runs of its 800 pieces took 35 s.
    # The unreadable RUN may read anything, so the install stays after it (DF101 leaves it).
    (tmp_path / "package.json").write_text('{"name": "x"}')
    hostile = "; ".join(opener.format(k=k) for k in range(800))
    (tmp_path / "Dockerfile").write_text(f"FROM node:20\nWORKDIR /app\nCOPY . .\nRUN {hostile}\nRUN npm install\n")
    run = run_dfix(str(tmp_path))
    assert run.code == 0 and "DF102 line 5" in run.stderr, run.stderr
    assert "DF101 skipped: line 4 (RUN) is a RUN dfix cannot read" in run.stderr


def test_more_shell_than_one_file_may_hold(tmp_path: Path):
    # The real bound is 500,000 characters (about 6 s); the prelude lowers it so the test is quick.
    good, bad = good_and_bad(tmp_path)
    runs = "".join(f'RUN if [ -f x{i} ]; then echo "$(date)" | tee -a /l{i}; fi && apt-get install -y p{i}\n'
                   for i in range(100))
    text = f"FROM debian:12\n{runs}"
    (bad / "Dockerfile").write_text(text)
    run = run_dfix("--write", str(tmp_path), prelude="import dfix.shell.parse; dfix.shell.parse.MAX_SHELL_CHARS = 5_000")
    assert_one_error_others_fixed(run, good, bad / "Dockerfile", "line ", "more shell than dfix parses",
                                  before=text.encode())


def test_many_dockerignore_patterns(tmp_path: Path):
    (tmp_path / ".dockerignore").write_text("".join(f"d{i % 20}/**/*.tmp{i}\n" for i in range(5000)))
    for i in range(4000):
        d = tmp_path / f"d{i % 20}"
        d.mkdir(exist_ok=True)
        (d / f"f{i}.tmp{i}").write_text("")
    (tmp_path / "package.json").write_text('{"name": "x"}')
    (tmp_path / "Dockerfile").write_text(NAIVE)
    assert run_dfix(str(tmp_path)).code == 0


def test_large_pnpm_lock_bulk_outside_packages(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text(PNPM_DF)
    (tmp_path / "package.json").write_text('{"dependencies": {"left-pad": "1.3.0"}}')
    entry = "      left-pad-{0}:\n        specifier: 1.3.0\n        version: 1.3.0\n"
    with open(tmp_path / "pnpm-lock.yaml", "w") as fh:
        fh.write("lockfileVersion: '9.0'\n\nimporters:\n  .:\n    dependencies:\n")
        for i in range(0, 760_000, 1000):
            fh.write("".join(entry.format(j) for j in range(i, i + 1000)))
    assert (tmp_path / "pnpm-lock.yaml").stat().st_size > 50_000_000
    run = run_dfix("--unsafe-fixes", str(tmp_path))
    assert run.code == 0 and "larger than 8 MiB; not checked" in run.stderr, run.stderr


def test_file_over_the_size_bound(tmp_path: Path):
    good, bad = good_and_bad(tmp_path)
    with open(bad / "Dockerfile", "w") as fh:
        fh.write("FROM alpine\n")
        fh.write(("# " + "x" * 1000 + "\n") * 11_000)
    run = run_dfix("--write", str(tmp_path))
    assert_one_error_others_fixed(run, good, bad / "Dockerfile", "larger than 10 MiB")


# 10. BuildKit's line limit ---------------------------------------------------------------------

def test_line_over_65535_bytes(tmp_path: Path):
    good, bad = good_and_bad(tmp_path)
    text = "FROM alpine\nRUN echo " + "a" * 65536 + "\n"
    (bad / "Dockerfile").write_text(text)
    run = run_dfix("--write", str(tmp_path))
    assert_one_error_others_fixed(run, good, bad / "Dockerfile", "line 2",
                                  "dockerfile line greater than max allowed size of 65535", before=text.encode())


# 11. syntax values -------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["", "docker/dockerfile:1 extra words", "1\nFROM alpine AS injected\nRUN touch /pwned",
                                   "docker/dockerfile:"])
def test_syntax_option_is_validated(tmp_path: Path, value: str):
    (tmp_path / "Dockerfile").write_text(NAIVE)
    run = run_dfix("--write", "--syntax", value, str(tmp_path))
    assert run.code == 2 and "--syntax" in run.stderr and "is not a frontend reference" in run.stderr
    assert (tmp_path / "Dockerfile").read_text() == NAIVE


def test_syntax_injection_through_config(tmp_path: Path):
    good, bad = good_and_bad(tmp_path)
    (bad / "Dockerfile").write_text(NAIVE)
    (bad / ".dfix.toml").write_text('syntax = "1\\nFROM alpine AS injected\\nRUN touch /pwned"\n')
    run = run_dfix("--write", str(tmp_path))
    assert_one_error_others_fixed(run, good, bad / "Dockerfile", ".dfix.toml", "not a frontend reference",
                                  before=NAIVE.encode())


def test_valid_syntax_values_pass(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text("FROM alpine\n")
    digest = "docker.io/docker/dockerfile:1.7@sha256:" + "a" * 64
    for value in ("1.7", "none", "docker/dockerfile:1", digest):
        assert run_dfix("--syntax", value, str(tmp_path)).code == 0


# 12. rule codes and config types -------------------------------------------------------------------

@pytest.mark.parametrize("config, needle", [
    ('select = ["DF999"]\n', "unknown rule code(s): DF999"),
    ('ignore = ["DF0001"]\n', "unknown rule code(s): DF0001"),
    ('select = [""]\n', "empty rule code"),
    ("select = 1\n", "must be a list of rule codes"),
    ('unsafe-fixes = "yes"\n', "must be true or false"),
])
def test_config_codes_and_types(tmp_path: Path, config: str, needle: str):
    good, bad = good_and_bad(tmp_path)
    (bad / "Dockerfile").write_text(NAIVE)
    (bad / ".dfix.toml").write_text(config)
    run = run_dfix("--write", str(tmp_path))
    assert_one_error_others_fixed(run, good, bad / "Dockerfile", ".dfix.toml", needle, before=NAIVE.encode())


@pytest.mark.parametrize("args, needle", [
    (["--select", ""], "empty rule code"),
    (["--select", ","], "empty rule code"),
    (["--select", "DF999"], "DF999"),
    (["--ignore", "DF0001"], "DF0001"),
])
def test_cli_codes(tmp_path: Path, args, needle):
    (tmp_path / "Dockerfile").write_text(NAIVE)
    run = run_dfix(*args, str(tmp_path))
    assert run.code == 2 and needle in run.stderr


# 13. --format json always prints one document ---------------------------------------------------

@pytest.mark.parametrize("args", [
    ["--select", "DF999"], ["--format", "yaml"], ["--context", "/nonexistent"], ["--jobs", "0"],
])
def test_json_document_on_usage_errors(tmp_path: Path, args):
    (tmp_path / "Dockerfile").write_text(NAIVE)
    json_args = ["--format=json"] if "--format" in args else ["--format", "json"]
    run = run_dfix(*json_args, *args, str(tmp_path))
    assert run.code == 2
    doc = json.loads(run.stdout)
    assert doc["files"] == [] and doc["error"] and doc["summary"]["errors"] == 1


def test_json_document_for_context_errors(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text(NAIVE)
    for context in (tmp_path / "Dockerfile", tmp_path / "missing"):
        run = run_dfix("--format", "json", "--context", str(context), str(tmp_path))
        assert run.code == 2 and "--context" in json.loads(run.stdout)["error"]


def test_json_for_unreadable_explicit_path(tmp_path: Path):
    good, bad = good_and_bad(tmp_path)
    (bad / "Dockerfile").symlink_to("Dockerfile")
    run = run_dfix("--format", "json", str(good / "Dockerfile"), str(bad / "Dockerfile"))
    doc = json.loads(run.stdout)
    assert run.code == 2 and [f["error"] for f in doc["files"]] == [None, "symlink loop"]
    assert len({frozenset(f) for f in doc["files"]}) == 1  # one schema for the good entry and the bad one


BUG = "import dfix.pipeline.engine\ndef boom(*a, **k):\n    raise KeyError('planted bug')\ndfix.pipeline.engine.run = boom\n"


def test_internal_error_is_exit_2_with_a_hint_and_json(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text(NAIVE)
    run = run_dfix("--check", str(tmp_path), prelude=BUG)
    assert run.code == 2  # never 1, which --check uses for "fixes pending"
    assert "internal error" in run.errors[0] and "planted bug" in run.errors[0] and "report" in run.errors[0]
    doc = json.loads(run_dfix("--format", "json", str(tmp_path), prelude=BUG).stdout)
    assert "internal error" in doc["files"][0]["error"]


def test_bug_outside_the_per_file_guard_is_caught_at_the_top(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text(NAIVE)
    prelude = "import dfix.io.discover\ndef boom(*a):\n    raise ValueError('planted')\ndfix.io.discover.discover = boom\n"
    run = run_dfix("--check", str(tmp_path), prelude=prelude)
    assert run.code == 2 and "internal error" in run.stderr and "planted" in run.stderr
    doc = json.loads(run_dfix("--format", "json", str(tmp_path), prelude=prelude).stdout)
    assert "internal error" in doc["error"] and doc["files"] == []


def test_a_bug_on_one_file_in_parallel_leaves_the_others(tmp_path: Path):
    for i in range(20):
        (tmp_path / f"s{i:02}").mkdir()
        (tmp_path / f"s{i:02}" / "Dockerfile").write_text(NAIVE if i != 7 else "FROM alpine\nLABEL bug=1\n")
    prelude = ("import dfix.pipeline.engine\nreal = dfix.pipeline.engine.run\n"
               "def run(text, *a, **k):\n    if 'bug=1' in text:\n        raise KeyError('planted')\n"
               "    return real(text, *a, **k)\ndfix.pipeline.engine.run = run\n")
    run = run_dfix("--jobs", "2", "--format", "json", str(tmp_path), prelude=prelude)
    doc = json.loads(run.stdout)
    assert run.code == 2 and len(doc["files"]) == 20
    assert [bool(f["error"]) for f in doc["files"]] == [i == 7 for i in range(20)]
    assert all(f["diff"] for i, f in enumerate(doc["files"]) if i != 7)


@pytest.mark.parametrize("call", ["replace", "link"])
def test_sigterm_in_the_write_window_leaves_all_or_none(tmp_path: Path, call: str):
    # CI cancels with SIGTERM: here it arrives just before the Dockerfile's rename (after the
    # new .dockerignore was linked) or just before the .dockerignore's link.
    (tmp_path / "Dockerfile").write_text(NAIVE)
    (tmp_path / "package.json").write_text('{"name": "a", "version": "1.0.0"}\n')
    prelude = (f"import os, signal\nreal = os.{call}\n"
               "def hit(*a, **k):\n    os.kill(os.getpid(), signal.SIGTERM)\n    return real(*a, **k)\n"
               f"os.{call} = hit\n")
    run = run_dfix("--write", str(tmp_path), prelude=prelude)
    assert run.code == 2 and "interrupted by SIGTERM" in run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile", "package.json"]
    assert (tmp_path / "Dockerfile").read_text() == NAIVE
    assert run_dfix("--write", str(tmp_path)).code == 0  # and nothing stops a later run
    assert (tmp_path / ".dockerignore").exists() and (tmp_path / "Dockerfile").read_text() != NAIVE


def test_a_killed_worker_costs_no_file(tmp_path: Path):
    for i in range(20):
        (tmp_path / f"s{i:02}").mkdir()
        (tmp_path / f"s{i:02}" / "Dockerfile").write_text(NAIVE.replace("FROM", f"# s{i}\nFROM") if i != 3
                                                          else NAIVE.replace("FROM", "# die\nFROM"))
    # What the OOM killer does to a worker: SIGKILL, no exception, no report.
    prelude = ("import dfix.pipeline.engine, multiprocessing, os, signal\nreal = dfix.pipeline.engine.run\n"
               "def run(text, *a, **k):\n"
               "    if '# die' in text and multiprocessing.parent_process() is not None:\n"
               "        os.kill(os.getpid(), signal.SIGKILL)\n"
               "    return real(text, *a, **k)\ndfix.pipeline.engine.run = run\n")
    run = run_dfix("--jobs", "2", "--format", "json", str(tmp_path), prelude=prelude)
    doc = json.loads(run.stdout)
    assert run.code == 0, run.stderr
    assert len(doc["files"]) == 20 and all(f["diff"] and not f["error"] for f in doc["files"])


def test_jobs_is_capped_at_the_cpus(tmp_path: Path):
    for i in range(20):
        (tmp_path / f"s{i:02}").mkdir()
        (tmp_path / f"s{i:02}" / "Dockerfile").write_text(NAIVE)
    prelude = ("import concurrent.futures, sys\nreal = concurrent.futures.ProcessPoolExecutor.__init__\n"
               "def init(self, max_workers=None, *a, **k):\n"
               "    print(f'workers={max_workers}', file=sys.stderr)\n"
               "    real(self, max_workers, *a, **k)\n"
               "concurrent.futures.ProcessPoolExecutor.__init__ = init\n")
    run = run_dfix("--jobs", "64", "--quiet", str(tmp_path), prelude=prelude)
    assert run.code == 0
    [line] = [ln for ln in run.stderr.splitlines() if ln.startswith("workers=")]
    assert int(line.split("=")[1]) <= len(os.sched_getaffinity(0))


def test_detect_json_one_schema(tmp_path: Path):
    good, bad = good_and_bad(tmp_path)
    (bad / "Dockerfile").write_text("FROM alpine\nWORKID /app\n")
    run = run_dfix("detect", "--format", "json", str(tmp_path), str(tmp_path / "missing"))
    doc = json.loads(run.stdout)
    assert run.code == 2 and doc["error"] is None
    keys = {frozenset(e) for e in doc["dockerfiles"]}
    assert keys == {frozenset({"path", "context", "error", "ignore_file", "stages"})}
    assert [bool(e["error"]) for e in doc["dockerfiles"]] == [True, False, True]
    usage = run_dfix("detect", "--format", "json", "--context", str(tmp_path / "missing"), str(tmp_path))
    assert usage.code == 2 and json.loads(usage.stdout)["dockerfiles"] == []


# 14. one bad explicit path does not stop the others ----------------------------------------------

def test_bad_explicit_path_does_not_stop_the_others(tmp_path: Path):
    good, bad = good_and_bad(tmp_path)
    (bad / "Dockerfile").write_text("FROM alpine\n")
    os.chmod(bad / "Dockerfile", 0)
    run = run_dfix("--write", str(tmp_path / "missing" / "Dockerfile"), str(bad / "Dockerfile"),
                   str(good / "Dockerfile"))
    assert run.code == 2 and "no such file" in run.errors[0]
    assert (good / "Dockerfile").read_text() != NAIVE


# 15. --write details -------------------------------------------------------------------------------

def test_failed_write_totals(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text(NAIVE)
    os.chmod(tmp_path / "Dockerfile", 0o444)
    run = run_dfix("--write", str(tmp_path))
    assert run.code == 2 and "read-only" in run.errors[0]
    assert run.stderr.strip().splitlines()[-1] == "dfix: 1 error (0 fixes)."
    assert (tmp_path / "Dockerfile").read_text() == NAIVE


def test_a_refused_dockerfile_leaves_the_rest_of_its_fix_set_unwritten(tmp_path: Path):
    # DF301's .dockerignore belongs to the same fix set: it used to be created anyway.
    (tmp_path / "Dockerfile").write_text(NAIVE)
    (tmp_path / "package.json").write_text('{"name": "x"}')
    os.chmod(tmp_path / "Dockerfile", 0o444)
    run = run_dfix("--write", str(tmp_path))
    assert run.code == 2 and "read-only" in run.errors[0]
    assert not (tmp_path / ".dockerignore").exists()


def test_other_files_are_put_back_when_the_dockerfile_write_fails_late(tmp_path: Path):
    # The Dockerfile passes the up-front checks, then changes before its replace (another run).
    (tmp_path / "Dockerfile").write_text(NAIVE)
    (tmp_path / "package.json").write_text('{"name": "x"}')
    (tmp_path / ".dockerignore").write_text("node_modules\n")
    prelude = ("import dfix.io.fileio as f\n"
               "real = f._compare\n"
               "def racing(path, expected):\n"
               "    if path.name == 'Dockerfile':\n"
               "        path.write_text(expected + '# edited meanwhile\\n')\n"
               "    real(path, expected)\n"
               "f._compare = racing")
    run = run_dfix("--write", str(tmp_path), prelude=prelude)
    assert run.code == 2 and "changed since dfix read it" in run.errors[0], run.stderr
    assert (tmp_path / ".dockerignore").read_text() == "node_modules\n"
    assert (tmp_path / "Dockerfile").read_text() == NAIVE + "# edited meanwhile\n"


def test_symlinked_name_in_one_folder_is_processed_once(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text(NAIVE)
    (tmp_path / "Dockerfile.prod").symlink_to("Dockerfile")
    run = run_dfix(str(tmp_path))
    headers = [line for line in run.stdout.splitlines() if line.startswith("+++ ") and "Dockerfile" in line]
    assert len(headers) == 1, headers
    assert run.stderr.strip().splitlines()[-1].startswith("dfix: 1 file fixable")


def test_write_keeps_setuid_setgid_and_owner(tmp_path: Path):
    df = tmp_path / "Dockerfile"
    df.write_text(NAIVE)
    if os.geteuid() == 0:
        os.chown(df, 4242, 4343)
    os.chmod(df, 0o6755)  # after chown, which clears the bits
    before = df.stat()
    assert run_dfix("--write", str(tmp_path)).code == 0
    after = df.stat()
    assert df.read_text() != NAIVE
    assert stat.S_IMODE(after.st_mode) == 0o6755
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)


def test_hard_link_is_refused(tmp_path: Path):
    df = tmp_path / "Dockerfile"
    df.write_text(NAIVE)
    os.link(df, tmp_path / "other")
    run = run_dfix("--write", str(df))
    assert run.code == 2 and "2 hard links" in run.errors[0]
    assert df.read_text() == NAIVE and df.stat().st_nlink == 2


def test_concurrent_change_is_not_overwritten(tmp_path: Path):
    df = tmp_path / "Dockerfile"
    df.write_text(NAIVE)
    prelude = ("import dfix.pipeline.engine, pathlib\nreal = dfix.pipeline.engine.run\n"
               "def run(text, rules, settings, path, *a, **k):\n"
               "    result = real(text, rules, settings, path, *a, **k)\n"
               "    pathlib.Path(path).write_text(text + '# another run was here\\n')\n"
               "    return result\n"
               "dfix.pipeline.engine.run = run\n")
    run = run_dfix("--write", str(df), prelude=prelude)
    assert run.code == 2 and "changed since dfix read it" in run.errors[0]
    assert df.read_text() == NAIVE + "# another run was here\n"


def test_closed_stdout_is_exit_2_not_1(tmp_path: Path):
    import subprocess

    from hostile import DFIX, _limits

    for i in range(3):  # each diff carries a 60 KB context line: more than a pipe buffer in all
        (tmp_path / f"s{i}").mkdir()
        (tmp_path / f"s{i}" / "Dockerfile").write_text(f"# {'x' * 60000}\n" + NAIVE)
    proc = subprocess.Popen([DFIX, "--check", "--diff", str(tmp_path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=_limits)
    proc.stdout.read(10)
    proc.stdout.close()  # `dfix | head -c 10`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 2  # click alone exits 1 here: "fixes pending" to CI
    assert "Traceback" not in err
