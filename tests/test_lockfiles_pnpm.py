"""pnpm-lock.yaml against package.json: the specifier check `--frozen-lockfile` starts with."""

from __future__ import annotations

import json

from dfix.managers.lockfiles import pnpm_lock_mismatch

PKG = json.dumps({"dependencies": {"express": "^4.21.1"}, "devDependencies": {"jest": "^29.0.0"}})

V5 = """lockfileVersion: 5.4
specifiers:
  express: ^4.21.1
  jest: ^29.0.0
dependencies:
  express: 4.21.1
devDependencies:
  jest: 29.7.0
"""

V6 = """lockfileVersion: '6.0'
dependencies:
  express:
    specifier: ^4.21.1
    version: 4.21.1
devDependencies:
  jest:
    specifier: ^29.0.0
    version: 29.7.0
"""


def test_v5_and_v6_layouts_in_sync():
    assert pnpm_lock_mismatch(PKG, V5) is None
    assert pnpm_lock_mismatch(PKG, V6) is None


def test_changed_specifier_is_stale_even_when_the_version_satisfies_it():
    pkg = json.dumps({"dependencies": {"express": "^4.21.0"}, "devDependencies": {"jest": "^29.0.0"}})
    assert "out of date for dependencies (express)" in pnpm_lock_mismatch(pkg, V6)


def test_dependency_moved_between_kinds_is_stale():
    pkg = json.dumps({"dependencies": {"express": "^4.21.1", "jest": "^29.0.0"}})
    assert "out of date" in pnpm_lock_mismatch(pkg, V6)


def test_workspaces_overrides_and_bad_yaml_are_not_verified():
    workspace = "lockfileVersion: '9.0'\nimporters:\n  .: {}\n  packages/a: {}\n"
    assert "workspace" in pnpm_lock_mismatch(PKG, workspace)
    assert "overrides" in pnpm_lock_mismatch(PKG, V6 + "overrides:\n  foo: 1.0.0\n")
    assert "cannot be parsed" in pnpm_lock_mismatch(PKG, "dependencies: [unclosed\n")


def test_package_maps_are_not_needed_but_later_overrides_still_count():
    big = V6 + "\npackages:\n\n  /express@4.21.1:\n    resolution: {integrity: sha512-x}\n    dev: false\n"
    assert pnpm_lock_mismatch(PKG, big) is None
    assert "overrides" in pnpm_lock_mismatch(PKG, big + "\noverrides:\n  foo: 1.0.0\n")
