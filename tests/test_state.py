"""Build state per instruction: user, home, workdir and env, through stages."""

from __future__ import annotations

import pytest

from dfix.dockerfile import parse
from dfix.dockerfile.expand import expand
from dfix.analysis.buildstate import stage_states


def states(text: str):
    df = parse(text)
    st = stage_states(df)
    return df, [st[id(i)] for i in df.instructions]


@pytest.mark.parametrize(
    "word, env, expected",
    [
        ("$HOME/.npm", {"HOME": "/root"}, "/root/.npm"),
        ("${HOME}/.cache", {"HOME": "/h"}, "/h/.cache"),
        ("${X:-/d}", {"X": ""}, "/d"),
        ("${X:+set}", {"X": "1"}, "set"),
        ("'$HOME'", {"HOME": "/h"}, "$HOME"),
        ('"a b"', {}, "a b"),
        ("\\$HOME", {}, "$HOME"),
        ("$UNSET/x", {}, None),
        ("${UNSET:-/d}", {}, None),  # the base image may set it: unknowable
    ],
)
def test_expand(word, env, expected):
    assert expand(word, env) == expected


def test_user_home_and_uid_follow_user_and_env():
    df, s = states("FROM node:20\nRUN a\nUSER node\nRUN b\nENV HOME=/srv\nRUN c\nUSER 1234:99\nRUN d\n")
    assert (s[1].is_root, s[1].home, s[1].uid_gid) == (True, "/root", (0, 0))
    assert (s[3].is_root, s[3].home, s[3].uid_gid) == (False, "/home/node", (1000, 1000))
    assert s[5].home == "/srv"
    assert (s[7].is_root, s[7].uid_gid) == (False, (1234, 99))


def test_unknown_image_and_unknown_user_are_not_guessed():
    _, s = states("FROM registry.example/team/base:1\nRUN a\nFROM node:20\nUSER app\nRUN b\n")
    assert s[1].known_image is False and s[1].is_root is None and s[1].home is None
    assert s[4].is_root is None and s[4].uid_gid is None and s[4].home is None


def test_workdir_relative_absolute_and_env_expansion():
    _, s = states("FROM golang:1.22\nRUN a\nWORKDIR src\nENV APP=/app\nWORKDIR $APP/x\nRUN b\n")
    assert s[1].workdir == "/go"
    assert s[2].workdir == "/go"  # state before the WORKDIR itself
    assert s[5].workdir == "/app/x"


def test_stage_inherits_parent_state_and_global_args_resolve_from():
    _, s = states("ARG BASE=node:20\nFROM ${BASE} AS deps\nUSER node\nFROM deps\nRUN x\n")
    assert s[1].base == "node"
    assert s[4].user == "node" and s[4].home == "/home/node"


def test_arg_in_stage_takes_global_default():
    _, s = states("ARG V=3\nFROM python:3.11\nARG V\nENV P=/opt/$V\nRUN x\n")
    assert s[4].env["P"] == "/opt/3"


def test_users_created_in_the_dockerfile_are_known_with_uid_and_home():
    df = parse("FROM debian:12\nRUN useradd -m -u 1001 app && adduser --disabled-password --uid 1002 --home /srv/w web\n"
               "RUN useradd -u 1003 nohome\nRUN adduser -D -H -u 1004 bare\nRUN useradd -m $NAME\n"
               "USER app\nRUN true\nUSER web\nRUN true\nUSER nohome\nRUN true\nUSER bare\nRUN true\n")
    st = stage_states(df)
    runs = [i for i in df.instructions if i.keyword == "RUN"][-4:]
    app, web, nohome, bare = (st[id(r)] for r in runs)
    assert (app.uid_gid, app.home, app.is_root) == ((1001, 1001), "/home/app", False)
    assert (web.uid_gid, web.home) == ((1002, 1002), "/srv/w")
    assert nohome.uid_gid is None and nohome.home is None  # useradd without -m makes no home
    assert bare.uid_gid is None  # -H: no home directory


def _app_user(text: str):
    df = parse(text + "USER app\nRUN true\n")
    return stage_states(df)[id(df.instructions[-1])]


def test_useradd_uid_from_an_arg_or_env_with_a_default_is_expanded():
    """`--uid ${UID}` with `ARG UID=1001` earlier: the shell sees the ARG as its environment."""
    app = _app_user("FROM python:3.12-slim\nARG UID=1001\nENV GID=1002\nRUN useradd --uid ${UID} -g $GID -m app\n")
    assert (app.uid_gid, app.home) == ((1001, 1002), "/home/app")


@pytest.mark.parametrize("text", [
    # bash sets $UID itself and ignores an inherited one: RPM-based /bin/sh, or SHELL bash
    "FROM registry.access.redhat.com/ubi9/ubi\nARG UID=1001\nRUN useradd --uid ${UID} -m app\n",
    'FROM python:3.12-slim\nARG UID=1001\nSHELL ["/bin/bash", "-c"]\nRUN useradd --uid ${UID} -m app\n',
    "FROM python:3.12-slim\nARG UID\nRUN useradd --uid ${UID} -m app\n",  # no default
    "FROM python:3.12-slim\nARG APP_UID=1001\nRUN export APP_UID=7 && useradd --uid $APP_UID -m app\n",
    "FROM python:3.12-slim\nRUN useradd --uid $(id -u) -m app\n",
])
def test_useradd_uid_dfix_cannot_know_stays_unknown(text: str):
    assert _app_user(text).uid_gid is None


def test_useradd_uid_from_a_plain_variable_is_expanded_under_any_shell():
    app = _app_user("FROM registry.access.redhat.com/ubi9/ubi\nARG APP_UID=1001\nRUN useradd -u ${APP_UID} -m app\n")
    assert app.uid_gid == (1001, 1001)
