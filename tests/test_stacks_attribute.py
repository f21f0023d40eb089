"""Stage attribution and the detect JSON: base images, inheritance, COPY roots, env and users."""

from __future__ import annotations

from pathlib import Path

from stack_fixtures import write_tree

from dfix.commands.detect import detect_dockerfile, format_detect_text


def run(tmp_path: Path, dockerfile: str, files: dict) -> dict:
    write_tree(tmp_path, {"Dockerfile": dockerfile, **files})
    return detect_dockerfile(tmp_path / "Dockerfile", tmp_path)


def stacks(result: dict, stage: int) -> list[dict]:
    return result["stages"][stage]["stacks"]


def test_copy_destination_gives_the_project_root(tmp_path: Path):
    result = run(tmp_path, """FROM node:20 AS web
WORKDIR /app
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci
FROM python:3.12
WORKDIR /srv
COPY backend/ .
RUN pip install -r requirements.txt
""", {"frontend/package.json": {}, "frontend/package-lock.json": "{}", "backend/requirements.txt": "flask\n",
      "package.json": {}})
    [web] = stacks(result, 0)
    assert (web["ecosystem"], web["package_manager"], web["root"]) == ("node", "npm", "frontend")
    assert web["install_commands"] == [{"line": 4, "command": "npm ci"}]
    assert web["install_inputs"] == ["frontend/package.json", "frontend/package-lock.json"]
    [py] = stacks(result, 1)
    assert (py["package_manager"], py["root"], py["install_inputs"]) == ("pip", "backend", ["backend/requirements.txt"])
    assert set(result) >= {"path", "context", "stages"}
    assert set(result["stages"][0]) >= {"name", "base", "stacks"}
    assert set(web) >= {"ecosystem", "package_manager", "manifests", "install_inputs", "install_commands", "cache_dirs"}


def test_install_command_names_the_ecosystem_whatever_the_base(tmp_path: Path):
    result = run(tmp_path, "FROM alpine:3.20\nRUN apk add nodejs npm\nCOPY . .\nRUN cd web && npm ci --omit=dev\n",
                 {"web/package.json": {}, "web/package-lock.json": "{}"})
    [stack] = stacks(result, 0)
    assert (stack["ecosystem"], stack["root"]) == ("node", "web")


def test_stage_inherits_image_env_user_and_mappings(tmp_path: Path):
    result = run(tmp_path, """FROM golang:1.22 AS base
WORKDIR /src
COPY go.mod go.sum ./
FROM base AS build
RUN go mod download
RUN CGO_ENABLED=0 go build -o /out/app .
""", {"go.mod": "module m\n", "go.sum": ""})
    [build] = stacks(result, 1)
    assert build["cache_dirs"] == ["/go/pkg/mod", "/root/.cache/go-build"]
    assert build["install_commands"] == [{"line": 5, "command": "go mod download"}]
    assert build["build_commands"][0]["line"] == 6
    assert build["build_outputs"] == ["/out/app"]


def test_user_and_env_move_the_cache(tmp_path: Path):
    result = run(tmp_path, """FROM node:20-alpine
USER node
WORKDIR /home/node/app
COPY --chown=node package.json yarn.lock ./
RUN yarn install --frozen-lockfile
FROM python:3.12-slim
ENV PIP_CACHE_DIR=/tmp/pip
COPY requirements.txt .
RUN pip install -r requirements.txt
""", {"package.json": {}, "yarn.lock": "# yarn lockfile v1\n", "requirements.txt": ""})
    assert stacks(result, 0)[0]["cache_dirs"] == ["/home/node/.cache/yarn"]
    assert stacks(result, 1)[0]["cache_dirs"] == ["/tmp/pip"]


def test_config_set_in_a_run_moves_the_store(tmp_path: Path):
    result = run(tmp_path, "FROM node:20\nCOPY . .\nRUN pnpm config set store-dir /pnpm && pnpm install\n",
                 {"package.json": {}, "pnpm-lock.yaml": ""})
    assert stacks(result, 0)[0]["cache_dirs"] == ["/pnpm"]


def test_runtime_stage_without_context_copy_has_no_stack(tmp_path: Path):
    result = run(tmp_path, """FROM node:20 AS build
COPY . .
RUN npm ci && npm run build
FROM build AS test
RUN echo ok
FROM nginx:alpine
COPY --from=build /dist /usr/share/nginx/html
""", {"package.json": {}, "package-lock.json": "{}"})
    assert [len(s["stacks"]) for s in result["stages"]] == [1, 0, 0]


def test_bind_mount_source_gives_the_root(tmp_path: Path):
    result = run(tmp_path, """FROM python:3.12
WORKDIR /app
RUN --mount=type=bind,source=api/uv.lock,target=uv.lock \\
    --mount=type=bind,source=api/pyproject.toml,target=pyproject.toml \\
    uv sync --frozen --no-install-project
""", {"api/pyproject.toml": "[project]\nname='a'\n", "api/uv.lock": ""})
    [stack] = stacks(result, 0)
    assert (stack["package_manager"], stack["root"]) == ("uv", "api")
    assert stack["install_inputs"] == ["api/pyproject.toml", "api/uv.lock"]


def test_heredoc_run_body_is_parsed(tmp_path: Path):
    result = run(tmp_path, "# syntax=docker/dockerfile:1\nFROM python:3.12\nCOPY . .\nRUN <<EOF\nset -e\n"
                 "pip install -r requirements.txt\nEOF\n", {"requirements.txt": ""})
    [stack] = stacks(result, 0)
    assert stack["install_commands"] == [{"line": 4, "command": "pip install -r requirements.txt"}]
    assert result["stages"][0]["unparsed_run_text"] == []


def test_powershell_runs_are_not_parsed_as_sh(tmp_path: Path):
    result = run(tmp_path, 'FROM mcr.microsoft.com/windows/servercore:ltsc2022\n'
                 'SHELL ["powershell", "-Command"]\nRUN $x = (Get-Item a); npm ci\n', {})
    assert result["stages"][0]["stacks"] == []
    assert result["stages"][0]["unparsed_run_text"] == []


def test_invalid_dockerfile_reports_an_error(tmp_path: Path):
    result = run(tmp_path, "RUN echo no stage\n", {})
    assert result["stages"] == [] and "error" in result


def test_text_format(tmp_path: Path):
    result = run(tmp_path, "FROM node:20\nCOPY . .\nRUN npm ci\n", {"package.json": {}, "package-lock.json": "{}"})
    text = format_detect_text([result])
    assert "node / npm in ." in text
    assert "install (line 3): npm ci" in text
    assert "cache dirs: /root/.npm" in text
