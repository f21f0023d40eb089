"""Go detection: go.sum, vendoring, local replaces, go.work."""

from __future__ import annotations

from pathlib import Path

import pytest
from stack_fixtures import context

from dfix.shell.parse import parse_shell
from dfix.analysis.stacks import go
from dfix.analysis.stacks.base import HazardKind
from dfix.analysis.stacks.go import directive_lines

GO_MOD = """module example.com/app

go 1.22

require example.com/lib v0.0.0

replace example.com/lib => ./lib // local copy

replace (
\texample.com/other v1.0.0 => ../other
\texample.com/fork => github.com/me/fork v1.2.3
)
"""


def test_local_replacements_only():
    assert go.local_replacements(GO_MOD) == ["./lib", "../other"]


def test_local_replace_inputs_and_outside_context_hazard(tmp_path: Path):
    ctx = context(tmp_path, {"go.mod": GO_MOD, "go.sum": "", "lib/go.mod": "module example.com/lib\n",
                             "lib/lib.go": ""})
    stack = go.detect(ctx, ".", [])
    assert stack.install_inputs == ["go.mod", "go.sum", "lib/go.mod"]
    assert any(h.kind is HazardKind.OUTSIDE_CONTEXT and "outside the build context" in h.message for h in stack.hazards)
    assert any(h.kind is HazardKind.GO_LOCAL_REPLACE and h.path == "lib/" for h in stack.hazards)


def test_vendor_directory_is_an_input(tmp_path: Path):
    ctx = context(tmp_path, {"go.mod": "module m\n", "go.sum": "", "vendor/modules.txt": "# x\n"})
    stack = go.detect(ctx, ".", [])
    assert "vendor/" in stack.install_inputs
    assert any("vendored" in n for n in stack.notes)


def test_go_work_uses_member_modules(tmp_path: Path):
    ctx = context(tmp_path, {
        "go.work": "go 1.22\n\nuse (\n\t./svc/api\n\t./svc/worker // the worker\n)\nuse ./tools\n",
        "go.work.sum": "", "svc/api/go.mod": "module a\n", "svc/api/go.sum": "",
        "svc/worker/go.mod": "module w\n", "tools/go.mod": "module t\n",
    })
    stack = go.detect(ctx, ".", [])
    assert stack.manifests == ["go.work"]
    assert stack.install_inputs == ["go.work", "go.work.sum", "svc/api/go.mod", "svc/api/go.sum",
                                    "svc/worker/go.mod", "tools/go.mod"]


def test_recognise_go_commands():
    def kind(text):
        inv = go.recognise(parse_shell(text).commands[0])
        return (inv.kind, inv.outputs) if inv else None

    assert kind("go mod download -x") == ("fetch", ())
    assert kind("CGO_ENABLED=0 go build -ldflags='-s -w' -o /bin/app ./cmd/app") == ("build", ("/bin/app",))
    assert kind("go install ./cmd/...") == ("build", ())
    assert kind("go install github.com/x/tool@v1.2.3") is None
    assert kind("go version") is None


@pytest.mark.parametrize("source", ['package main\n\nimport "C"\n', 'package main\nimport"C"\n',
                                    'package main\nimport (\n\t"fmt" // why\n\t"C"\n)\n', 'package main\nimport(\n"C"\n)\n'])
def test_cgo_imports_are_found_in_every_form_go_accepts(source):
    assert any(line.endswith('"C"') for line in directive_lines(source, "import"))


def test_directive_lines_keep_to_their_keyword():
    go_mod = "module x\nreplace (\n\ta => ./a // local\n)\nreplaced b\nreplace c => ../c\n"
    assert directive_lines(go_mod, "replace") == ["a => ./a", "replace c => ../c"]
