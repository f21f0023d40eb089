"""Cache directories per package manager, honouring env overrides, USER and HOME."""

from __future__ import annotations

import pytest

from dfix.managers import cache_dirs_for


def paths(pm, env=None, user=None, home=None):
    return [c.path for c in cache_dirs_for(pm, env or {}, user, home)]


@pytest.mark.parametrize("pm, expected", [
    ("npm", ["/root/.npm"]),
    ("yarn-classic", ["/usr/local/share/.cache/yarn"]),
    ("yarn-berry", ["/root/.yarn/berry/cache"]),
    ("pnpm", ["/root/.local/share/pnpm/store"]),
    ("pip", ["/root/.cache/pip"]),
    ("poetry", ["/root/.cache/pypoetry"]),
    ("uv", ["/root/.cache/uv"]),
    ("pdm", ["/root/.cache/pdm"]),
    ("go", ["/root/go/pkg/mod", "/root/.cache/go-build"]),
    ("maven", ["/root/.m2/repository"]),
    ("gradle", ["/root/.gradle"]),
])
def test_root_defaults(pm, expected):
    assert paths(pm) == expected


def test_env_overrides():
    assert paths("npm", {"npm_config_cache": "/c/npm/"}) == ["/c/npm"]
    assert paths("pip", {"PIP_CACHE_DIR": "/pip"}) == ["/pip"]
    assert paths("go", {"GOPATH": "/go"}) == ["/go/pkg/mod", "/root/.cache/go-build"]
    assert paths("go", {"GOMODCACHE": "/m", "GOCACHE": "/b"}) == ["/m", "/b"]
    assert paths("pnpm", {"PNPM_HOME": "/pnpm"}) == ["/pnpm/store"]
    assert paths("gradle", {"GRADLE_USER_HOME": "/g"}) == ["/g"]
    assert paths("maven", {"MAVEN_OPTS": "-Xmx1g -Dmaven.repo.local=/repo"}) == ["/repo"]
    assert paths("uv", {"XDG_CACHE_HOME": "/xdg"}) == ["/xdg/uv"]


def test_user_home():
    assert paths("npm", user="node") == ["/home/node/.npm"]
    assert paths("yarn-classic", user="node") == ["/home/node/.cache/yarn"]
    assert paths("pip", user="app", home="/srv/app") == ["/srv/app/.cache/pip"]
    assert paths("npm", user="0:0") == ["/root/.npm"]


def test_unknown_home_is_said_not_guessed():
    [cache] = cache_dirs_for("pip", {}, "appuser", None)
    assert cache.path is None and "appuser" in cache.unknown
