"""Python detection: requirements includes, pyproject tools, setup.py/setup.cfg read statically."""

from __future__ import annotations

from pathlib import Path

import pytest

from stack_fixtures import context, write_tree

from dfix.context import BuildContext
from dfix.shell.parse import parse_shell
from dfix.analysis.stacks import python
from dfix.analysis.stacks.setup_py import analyse_setup_py
from dfix.analysis.stacks.base import HazardKind


def detect(ctx, root=".", run: str | None = None):
    invocations = [i for c in parse_shell(run).commands if (i := python.recognise(c))] if run else []
    return python.detect(ctx, root, invocations)


def test_nested_requirements_resolved_relative_to_the_including_file(tmp_path: Path):
    ctx = context(tmp_path, {
        "requirements/prod.txt": "-r base.txt\n--constraint ../constraints.txt\nflask==3.0 \\\n  --hash=sha256:ab\n",
        "requirements/base.txt": "requests  # http\n-rshared/common.txt\n",
        "requirements/shared/common.txt": "-e .\n",
        "constraints.txt": "urllib3<3\n",
        "requirements/dev.txt": "pytest\n",
    })
    stack = detect(ctx, run="pip install -r requirements/prod.txt")
    assert stack.install_inputs == ["requirements/prod.txt", "requirements/base.txt",
                                    "requirements/shared/common.txt", "constraints.txt"]
    # `-e .` in common.txt is relative to that file's directory.
    assert any(h.kind is HazardKind.REQUIREMENTS_LOCAL_PROJECT and "requirements/shared" in h.message for h in stack.hazards)
    assert stack.package_manager == "pip"


def test_missing_include_is_a_hazard(tmp_path: Path):
    stack = detect(context(tmp_path, {"requirements.txt": "-r missing.txt\n"}), run="pip install -r requirements.txt")
    assert any(h.kind is HazardKind.MISSING_INPUT and "missing.txt" in h.message for h in stack.hazards)


def test_recognise_python_installers():
    def kind(text):
        inv = python.recognise(parse_shell(text).commands[0])
        return (inv.package_manager, inv.kind, inv.files) if inv else None

    assert kind("pip install --no-cache-dir -r requirements.txt") == ("pip", "install", ("requirements.txt",))
    assert kind("python3 -m pip install -c c.txt -r r.txt") == ("pip", "install", ("c.txt", "r.txt"))
    assert kind("pip install .") == ("pip", "project", ())
    assert kind("pip install -e .") == ("pip", "project", ())
    assert kind("pip install poetry==1.8") is None
    assert kind("uv pip install --requirements r.txt") == ("uv", "install", ("r.txt",))
    assert kind("uv sync --frozen --no-install-project") == ("uv", "install", ())
    assert kind("uv sync --frozen") == ("uv", "project", ())
    assert kind("poetry install --no-root --only main") == ("poetry", "install", ())
    assert kind("poetry install") == ("poetry", "project", ())
    assert kind("pdm install --prod") == ("pdm", "project", ())
    assert kind("pipenv install --deploy --system") == ("pipenv", "install", ())
    assert kind("pipenv install requests") is None


def test_pyproject_tools_and_lockfiles(tmp_path: Path):
    cases = {
        "poetry": {"pyproject.toml": "[tool.poetry]\nname='x'\n", "poetry.lock": ""},
        "uv": {"pyproject.toml": "[project]\nname='x'\n", "uv.lock": ""},
        "pdm": {"pyproject.toml": "[tool.pdm]\n", "pdm.lock": ""},
        "hatch": {"pyproject.toml": "[build-system]\nbuild-backend = 'hatchling.build'\n"},
        "pipenv": {"Pipfile": "[packages]\n", "Pipfile.lock": "{}"},
        "setuptools": {"setup.py": "from setuptools import setup\nsetup()\n"},
    }
    for expected, files in cases.items():
        stack = detect(context(tmp_path / expected, files))
        assert stack.package_manager == expected, files


def test_deps_only_install_reads_manifests_and_lock(tmp_path: Path):
    ctx = context(tmp_path, {"pyproject.toml": "[tool.poetry]\n", "poetry.lock": "", "poetry.toml": ""})
    stack = detect(ctx, run="poetry install --no-root")
    assert stack.install_inputs == ["pyproject.toml", "poetry.lock", "poetry.toml"]
    assert not stack.hazards
    assert detect(ctx, run="poetry install").hazards  # installs the project: needs its source


def test_uv_workspace_members_are_inputs(tmp_path: Path):
    ctx = context(tmp_path, {"pyproject.toml": "[tool.uv.workspace]\nmembers = ['libs/*']\n", "uv.lock": "",
                             "libs/a/pyproject.toml": "", "libs/b/README": ""})
    assert "libs/a/pyproject.toml" in detect(ctx, run="uv sync --no-install-project").install_inputs


SETUP_PY = '''
import io, os, re
from pathlib import Path
from setuptools import setup, find_packages

here = os.path.abspath(os.path.dirname(__file__))

def read(*parts):
    with io.open(os.path.join(here, *parts), encoding="utf-8") as f:
        return f.read()

def version():
    return re.search(r"__version__ = '(.*)'", read("pkg", "__init__.py")).group(1)

exec(open("pkg/_meta.py").read())
setup(
    name="pkg",
    version=version(),
    long_description=Path("README.md").read_text(),
    install_requires=["requests>=2", "click"],
    packages=find_packages(),
)
'''


def test_setup_py_files_it_reads(tmp_path: Path):
    facts = analyse_setup_py(SETUP_PY)
    assert sorted(facts.opened) == ["README.md", "pkg/__init__.py", "pkg/_meta.py"]
    assert facts.install_requires == ["requests>=2", "click"]
    assert facts.finds_packages and facts.unresolved_opens == 0


def test_setup_py_inputs_in_a_stack(tmp_path: Path):
    ctx = context(tmp_path, {"setup.py": SETUP_PY, "README.md": "", "pkg/__init__.py": "", "pkg/_meta.py": "",
                             "setup.cfg": "[metadata]\nlong_description = file: README.md, CHANGES.rst\n"})
    stack = detect(ctx, run="pip install .")
    assert {"setup.py", "setup.cfg", "README.md", "pkg/__init__.py", "pkg/_meta.py", "CHANGES.rst"} <= set(
        stack.project_inputs)
    assert any(h.kind is HazardKind.PROJECT_INSTALL for h in stack.hazards)


def test_setup_py_is_never_executed(tmp_path: Path):
    marker = tmp_path / "EXECUTED"
    setup_py = f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\nopen('README.md')\n" \
               "from setuptools import setup\nsetup()\n"
    root = write_tree(tmp_path / "ctx", {"setup.py": setup_py, "README.md": "r"})
    stack = python.detect(BuildContext.from_directory(root), ".", [])
    assert stack is not None and "README.md" in stack.project_inputs
    assert not marker.exists()


def test_unresolvable_open_is_reported(tmp_path: Path):
    facts = analyse_setup_py("import sys\nopen(sys.argv[1])\n")
    assert facts.unresolved_opens == 1
    assert analyse_setup_py("def (:\n").parse_error


def test_setup_cfg_file_directives():
    text = "[metadata]\nversion = file: VERSION\n[options]\ninstall_requires = file: reqs/a.txt , reqs/b.txt\n"
    assert python.setup_cfg_files(text) == ["VERSION", "reqs/a.txt", "reqs/b.txt"]


def test_a_large_setup_py_is_read_not_refused():
    # It was refused past 128 KiB (libcst); issue 9 asks for large inputs to be analysed.
    source = "from setuptools import setup\n" + "".join(f"x{i} = open('f{i}.txt').read()\n" for i in range(20_000))
    facts = analyse_setup_py(source + "setup(name='x')\n")
    assert facts.parse_error is None and len(source) > 512 * 1024
    assert len(facts.opened) == 20_000 and facts.opened[:2] == ["f0.txt", "f1.txt"]


@pytest.mark.parametrize("expression", ['"a" + ' * 50_000 + '"a"', "not " * 100_000 + "x", "a" + ".b" * 100_000])
def test_setup_py_expressions_past_cpythons_limits_are_a_parse_error(expression):
    facts = analyse_setup_py(f"x = {expression}\nopen(x)\n")
    assert facts.parse_error == "an expression nested too deeply to read"


def test_setup_py_path_chain_deeper_than_the_evaluator_reads_is_unresolved():
    facts = analyse_setup_py('from pathlib import Path\n(Path("a")' + ' / "b"' * 150 + ').read_text()\n')
    assert facts.parse_error is None and facts.opened == [] and facts.unresolved_opens == 1


def test_a_setup_py_past_the_size_limit_is_not_analysed():
    from dfix.analysis.stacks.setup_py import MAX_SETUP_PY_BYTES

    facts = analyse_setup_py("open('README.md')\n" + "#" * MAX_SETUP_PY_BYTES)
    assert facts.parse_error and "not analysed" in facts.parse_error and facts.opened == []
