"""Node detection: package managers, workspaces, lifecycle scripts, local deps, config files."""

from __future__ import annotations

from pathlib import Path

from stack_fixtures import context

from dfix.shell.parse import parse_shell
from dfix.analysis.stacks import node
from dfix.analysis.stacks.base import HazardKind


def detect(ctx, root=".", run: str | None = None):
    invocations = [i for c in parse_shell(run).commands if (i := node.recognise(c))] if run else []
    return node.detect(ctx, root, invocations)


def test_lockfile_picks_the_package_manager(tmp_path: Path):
    for lock, expected in (("package-lock.json", "npm"), ("pnpm-lock.yaml", "pnpm"), ("bun.lock", "bun"),
                           ("yarn.lock", "yarn-classic")):
        ctx = context(tmp_path / lock, {"package.json": {"name": "x"}, lock: "# yarn lockfile v1\n"})
        stack = detect(ctx)
        assert (stack.package_manager, stack.lockfiles, stack.ambiguous) == (expected, [lock], None)


def test_yarn_berry_from_lockfile_metadata_yarnrc_or_package_manager_field(tmp_path: Path):
    by_metadata = context(tmp_path / "a", {"package.json": {}, "yarn.lock": "__metadata:\n  version: 8\n"})
    by_yarnrc = context(tmp_path / "b", {"package.json": {}, "yarn.lock": "", ".yarnrc.yml": "nodeLinker: x\n",
                                         ".yarn/releases/yarn-4.1.0.cjs": "", ".yarn/patches/p.patch": ""})
    by_field = context(tmp_path / "c", {"package.json": {"packageManager": "yarn@3.6.1"}, "yarn.lock": ""})
    classic = context(tmp_path / "d", {"package.json": {"packageManager": "yarn@1.22.19"}, "yarn.lock": ""})
    assert detect(by_metadata).package_manager == "yarn-berry"
    berry = detect(by_yarnrc)
    assert berry.package_manager == "yarn-berry"
    assert {".yarnrc.yml", ".yarn/releases/yarn-4.1.0.cjs", ".yarn/patches/p.patch"} <= set(berry.install_inputs)
    assert detect(by_field).package_manager == "yarn-berry"
    assert detect(classic).package_manager == "yarn-classic"


def test_package_manager_field_without_lockfile(tmp_path: Path):
    assert detect(context(tmp_path, {"package.json": {"packageManager": "pnpm@9.1.0"}})).package_manager == "pnpm"


def test_two_lockfiles_are_ambiguous(tmp_path: Path):
    stack = detect(context(tmp_path, {"package.json": {}, "package-lock.json": "{}", "yarn.lock": ""}))
    assert stack.ambiguous and "several lockfiles" in stack.ambiguous


def test_npm_workspaces_array_and_object_forms(tmp_path: Path):
    files = {"packages/a/package.json": {}, "packages/b/package.json": {}, "packages/c/README": "",
             "tools/t/package.json": {}, "package-lock.json": "{}"}
    array = context(tmp_path / "arr", {**files, "package.json": {"workspaces": ["packages/*", "tools/t"]}})
    obj = context(tmp_path / "obj", {**files, "package.json": {"workspaces": {"packages": ["packages/*"]}}})
    members = {"packages/a/package.json", "packages/b/package.json"}
    assert members | {"tools/t/package.json"} <= set(detect(array).install_inputs)
    assert "packages/c/package.json" not in detect(array).install_inputs
    assert members <= set(detect(obj).install_inputs)
    assert "tools/t/package.json" not in detect(obj).install_inputs


def test_pnpm_workspace_yaml_members_and_patches(tmp_path: Path):
    ctx = context(tmp_path, {
        "package.json": {"pnpm": {"patchedDependencies": {"left-pad@1.0.0": "patches/left-pad.patch"}}},
        "pnpm-lock.yaml": "", ".npmrc": "",
        "pnpm-workspace.yaml": "packages:\n  - 'apps/*'\n  - \"!apps/skip\"\n# c\nonlyBuiltDependencies:\n  - x\n",
        "apps/web/package.json": {}, "apps/skip/package.json": {}, "patches/left-pad.patch": "",
    })
    stack = detect(ctx)
    assert stack.package_manager == "pnpm"
    assert {"pnpm-workspace.yaml", ".npmrc", "apps/web/package.json", "patches/left-pad.patch"} <= set(
        stack.install_inputs)
    assert "apps/skip/package.json" not in stack.install_inputs


def test_member_root_resolves_to_the_workspace_root(tmp_path: Path):
    ctx = context(tmp_path, {"package.json": {"workspaces": ["apps/*"]}, "yarn.lock": "",
                             "apps/web/package.json": {}})
    stack = detect(ctx, "apps/web")
    assert stack.root == "."
    assert "yarn.lock" in stack.lockfiles


def test_postinstall_script_referencing_a_file_is_a_hazard_and_an_input(tmp_path: Path):
    ctx = context(tmp_path, {
        "package.json": {"scripts": {"postinstall": "node scripts/build.js && patch-package", "build": "vite build"}},
        "package-lock.json": "{}", "scripts/build.js": "", "patches/x.patch": "",
    })
    stack = detect(ctx)
    assert "scripts/build.js" in stack.install_inputs
    assert "patches/" in stack.install_inputs
    assert any(h.kind is HazardKind.LIFECYCLE_SCRIPT and "scripts/build.js" in h.message for h in stack.hazards)
    assert stack.build_outputs == ["dist/"]


def test_lifecycle_scripts_of_workspace_members_are_checked(tmp_path: Path):
    ctx = context(tmp_path, {
        "package.json": {"workspaces": ["pkg/*"]}, "package-lock.json": "{}",
        "pkg/a/package.json": {"scripts": {"prepare": "node ./gen.mjs"}}, "pkg/a/gen.mjs": "",
    })
    stack = detect(ctx)
    assert "pkg/a/gen.mjs" in stack.install_inputs
    assert any("pkg/a/package.json" in h.message for h in stack.hazards)


def test_file_and_link_dependencies_become_inputs(tmp_path: Path):
    ctx = context(tmp_path, {
        "app/package.json": {"dependencies": {"lib": "file:../lib", "gone": "link:../nowhere", "react": "^18"}},
        "app/package-lock.json": "{}", "lib/package.json": {}, "lib/index.js": "",
    })
    stack = detect(ctx, "app")
    assert "lib/" in stack.install_inputs
    assert any(h.kind is HazardKind.MISSING_INPUT and "../nowhere" in h.message for h in stack.hazards)


def test_recognise_install_commands():
    def kind(text):
        inv = node.recognise(parse_shell(text).commands[0])
        return (inv.package_manager, inv.kind, inv.project_dir) if inv else None

    assert kind("npm ci --omit=dev") == ("npm", "install", None)
    assert kind("npm i") == ("npm", "install", None)
    assert kind("npm install -g pnpm") is None
    assert kind("npm install express") is None
    assert kind("yarn") == (None, "install", None)
    assert kind("yarn --frozen-lockfile --cwd web") == (None, "install", "web")
    assert kind("yarn build") == (None, "build", None)
    assert kind("yarn global add serve") is None
    assert kind("pnpm -C web install") == ("pnpm", "install", "web")
    assert kind("pnpm fetch --prod") == ("pnpm", "fetch", None)
    assert kind("pnpm dlx turbo prune") == ("pnpm", "build", None)  # runs a package: may read anything
    assert kind("bun install --frozen-lockfile") == ("bun", "install", None)
    assert kind("npm run build") == ("npm", "build", None)


def test_command_decides_the_package_manager_and_flags_the_lockfile_mismatch(tmp_path: Path):
    ctx = context(tmp_path, {"package.json": {}, "package-lock.json": "{}"})
    stack = detect(ctx, run="yarn install")
    assert stack.package_manager == "yarn-classic"
    assert "lockfile is for npm" in stack.ambiguous
