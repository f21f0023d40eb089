"""Yarn 2+ settings: when its download cache may become a cache mount."""

from __future__ import annotations

from pathlib import Path

from dfix.context import BuildContext
from dfix.managers.yarn_berry import berry_cache, read_rc


def _berry(ctx, env, corepack):
    return berry_cache(ctx, read_rc(ctx), env, corepack)


def context(tmp_path: Path, files: dict[str, str]) -> BuildContext:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return BuildContext.from_directory(tmp_path)


YARN4 = '{"packageManager": "yarn@4.5.3"}'


def test_node_modules_linker_with_yarn4_uses_the_global_cache(tmp_path):
    cache = _berry(context(tmp_path, {"package.json": YARN4, ".yarnrc.yml": "nodeLinker: node-modules\n"}), {}, True)
    assert cache.reason is None
    assert cache.target("/home/node") == "/home/node/.yarn/berry/cache"


def test_environment_overrides_the_rc_file(tmp_path):
    ctx = context(tmp_path, {"package.json": YARN4, ".yarnrc.yml": "nodeLinker: node-modules\n"})
    assert "pnp" in _berry(ctx, {"YARN_NODE_LINKER": "pnp"}, True).reason
    assert "in the project" in _berry(ctx, {"YARN_ENABLE_GLOBAL_CACHE": "false"}, True).reason
    moved = _berry(ctx, {"YARN_GLOBAL_FOLDER": "/cache/yarn/"}, True)
    assert moved.target("/root") == "/cache/yarn/cache"


def test_unknown_version_without_explicit_global_cache_is_not_guessed(tmp_path):
    ctx = context(tmp_path, {"package.json": "{}", ".yarnrc.yml": "nodeLinker: node-modules\n"})
    assert "version is unknown" in _berry(ctx, {}, True).reason
    explicit = context(tmp_path / "b", {"package.json": "{}",
                                         ".yarnrc.yml": "nodeLinker: node-modules\nenableGlobalCache: true\n"})
    assert _berry(explicit, {}, True).reason is None


def test_yarn_path_release_gives_the_version_and_runs_berry_without_corepack(tmp_path):
    ctx = context(tmp_path, {"package.json": "{}", ".yarnrc.yml":
                             "nodeLinker: node-modules\nyarnPath: .yarn/releases/yarn-3.8.1.cjs\n"})
    assert "in the project" in _berry(ctx, {}, False).reason  # yarn 3: local cache by default


def test_invalid_yaml_and_relative_global_folder_are_reasons(tmp_path):
    bad = context(tmp_path, {"package.json": YARN4, ".yarnrc.yml": "nodeLinker: [unclosed\n"})
    assert "not valid YAML" in _berry(bad, {}, True).reason
    rel = context(tmp_path / "r", {"package.json": YARN4,
                                    ".yarnrc.yml": "nodeLinker: node-modules\nglobalFolder: ./g\n"})
    assert "not an absolute path" in _berry(rel, {}, True).reason


def test_unknown_home_gives_no_target_unless_the_global_folder_is_set(tmp_path):
    ctx = context(tmp_path, {"package.json": YARN4, ".yarnrc.yml": "nodeLinker: node-modules\n"})
    assert _berry(ctx, {}, True).target(None) is None
    assert _berry(ctx, {"YARN_GLOBAL_FOLDER": "/g"}, True).target(None) == "/g/cache"
