"""DF401: secrets in build args, ENV, copied files and RUN lines; build args moved to secret mounts."""

from __future__ import annotations

import hashlib
import posixpath
import re
from typing import Iterable

from ..dockerfile import Dockerfile, Instruction, Stage, TextEdit
from ..dockerfile.expand import expand
from ..secrets import is_secret_name, literal_secrets, name_values, url_password
from .base import Finding, Rule, RuleContext, Safety, Severity

# Files whose presence in an image is a leaked credential (basename patterns, fnmatch-free on purpose).
_CREDENTIAL_NAMES = frozenset({".env", "id_rsa", "id_ed25519", "id_ecdsa", "id_dsa", ".pypirc", ".netrc",
                               "credentials.json", ".git-credentials", "credentials", "service-account.json"})
_CREDENTIAL_SUFFIXES = (".pem", ".key", ".p12", ".pfx")
_FIXTURE_DIRS = frozenset({"test", "tests", "testdata", "fixtures", "example", "examples", "vendor", "node_modules",
                           "docs", "__tests__", "spec"})
_SYNTAX_VERSION = re.compile(r"dockerfile:(\d+)(?:\.(\d+))?")
_SECRET_MOUNTS = (1, 2)  # `RUN --mount=type=secret` is stable from docker/dockerfile:1.2


def is_credential_file(path: str) -> bool:
    """Private keys and credential files; test fixtures, vendored code and public certificates are not."""
    parts = path.lower().split("/")
    if any(p in _FIXTURE_DIRS for p in parts[:-1]):
        return False
    name = posixpath.basename(path)
    if name.startswith(".env.") and not name.endswith((".example", ".sample", ".template", ".dist")):
        return True
    if name.endswith(_CREDENTIAL_SUFFIXES):
        stem = name.rsplit(".", 1)[0].lower()
        return any(word in stem for word in ("key", "private", "secret", "cred")) and "pub" not in stem
    return name in _CREDENTIAL_NAMES


class Secrets(Rule):
    """Keep secrets out of image layers and history: build args become secret mounts, the rest is reported.

    ## What it does
    Finds secrets the image or its history would keep:
    - `ARG NPM_TOKEN` (names like `*_TOKEN`, `*_PASSWORD`, `*_SECRET`, `API_KEY`,
      `AWS_SECRET_ACCESS_KEY`) without a default: the ARG is removed and the stage's
      RUN instructions after it get `--mount=type=secret,id=NPM_TOKEN` and export the
      variable from `/run/secrets/NPM_TOKEN` (the `env=` mount option would need
      frontend 1.10, which builders that cannot pull `# syntax=` images lack);
    - values written in the Dockerfile that look like secrets (`ghp_`, `github_pat_`,
      `glpat-`, `xoxb-`, `AKIA...`, `npm_`, `sk-` tokens; secret-named ARG/ENV values;
      long random strings), `ENV X=$SECRET_ARG`, credentials in URLs
      (`https://user:pass@...`, `git clone https://$TOKEN@...`, `--index-url`);
    - `COPY`/`ADD` of credential files (`.env`, `id_rsa`, `*.pem`, `.pypirc`, `.netrc`,
      `credentials.json`, an `.npmrc` holding an `_authToken`), including those a
      `COPY . .` takes from the context;
    - tokens written into `.npmrc` by a RUN (`echo //registry...:_authToken=... > .npmrc`).
    These are reported with the reason; values are masked (`ghp_****`) in every output,
    the diff included.

    ## Why is this bad?
    A build arg's value is recorded in the image history (`docker history`) of every
    layer that uses it; ENV values are in the image config; a copied file or one a RUN
    writes stays in its layer even when a later RUN deletes it. Anyone who can pull the
    image can read them. A secret mount exposes the value to one RUN only and leaves no
    trace in the image.

    ## Example
    ```dockerfile
    FROM node:20-slim
    ARG NPM_TOKEN
    COPY . .
    RUN npm ci
    ```

    ## Use instead
    ```dockerfile
    FROM node:20-slim
    COPY . .
    RUN --mount=type=secret,id=NPM_TOKEN export NPM_TOKEN="$(cat /run/secrets/NPM_TOKEN)" && npm ci
    ```
    built with `docker build --secret id=NPM_TOKEN,env=NPM_TOKEN .` instead of
    `--build-arg NPM_TOKEN=...`.

    ## Fix safety
    Unsafe: the build command must change (the message gives the exact `--secret`
    flag). Every RUN after the ARG in its stage gets the mount, since any program may
    read the variable (npm reads `${NPM_TOKEN}` from `.npmrc`). An ARG that other
    instructions use (`ENV`, `COPY`, `FROM`, `LABEL`), that has a default value, a stage
    with a `SHELL` or an exec-form/heredoc RUN after the ARG, or a file whose `# syntax=`
    pin predates secret mounts (1.2) is reported, not rewritten. The RUN reads the file
    with `cat`, which every image with a shell has; an unset secret gives an empty
    variable, as an unset build arg did. The rest is report-only, at error level (`--check` fails on it): a value written in
    the repository has to be rotated, which no rewrite can do.
    """

    code = "DF401"
    name = "secrets"
    safety = Safety.UNSAFE

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        df = ctx.dockerfile
        for secret in literal_secrets(df):
            holder = f"`{secret.name}`" if secret.name else "a value"
            # The fingerprint tells two findings apart (and matches a rotated value) without showing it.
            fingerprint = hashlib.sha256(secret.value.encode()).hexdigest()[:8]
            yield self.report(secret.line, f"{holder} on this line is a secret written in the Dockerfile "
                                         f"({secret.why}, sha256 {fingerprint}): it is in the repository and the "
                                         "image; rotate it and pass it with `RUN --mount=type=secret` instead", Severity.ERROR)
        blocked = _env_mounts_blocked(ctx)
        for stage in df.stages:
            yield from self._stage(ctx, df, stage, blocked)
        yield from self._copied_credentials(ctx)

    def _stage(self, ctx: RuleContext, df: Dockerfile, stage: Stage, blocked: str | None) -> Iterable[Finding]:
        body = stage.instructions[1:]
        for i, ins in enumerate(body):
            if ins.keyword == "RUN":
                yield from self._run_findings(ins)
            if ins.keyword == "ENV":
                for name, value in name_values(ins):
                    if value and "$" in value and _references_secret(value, df, stage):
                        yield self.report(ins.line, f"`ENV {name}` copies a secret build arg into the image config, "
                                                  "where `docker inspect` shows it; use a secret mount in the RUN "
                                                  "that needs it", Severity.ERROR)
            if ins.keyword != "ARG":
                continue
            pairs = name_values(ins)
            secret_names = [n for n, v in pairs if is_secret_name(n) and v is None]
            if not secret_names:
                continue
            if len(pairs) != len(secret_names):
                yield self.skip(ins.line, "this ARG declares secret and plain build args together; "
                                          "split it before moving the secret to a secret mount")
                continue
            later = body[i + 1:]
            other = next((x for x in later if x.keyword not in ("RUN",) and _uses(x, secret_names)), None)
            if other is not None:
                yield self.skip(ins.line, f"build arg {', '.join(secret_names)} is used by the {other.keyword} at line "
                                          f"{other.line}, not only by RUN: move it to a secret mount by hand")
                continue
            # A RUN already mounting the secret (a second `ARG` of the same name) keeps its mount.
            runs = [x for x in later if x.keyword == "RUN"
                    and not any(f"id={n}" in v for v in x.flag_values("mount") for n in secret_names)]
            if not runs:
                continue  # declared but unused: nothing is recorded
            odd = next((x for x in later if x.keyword == "SHELL"
                        or x.keyword == "RUN" and (x.json_args is not None or x.heredocs)), None)
            if odd is not None:
                what = "a SHELL" if odd.keyword == "SHELL" else "an exec-form or heredoc RUN"
                yield self.skip(ins.line, f"build arg {', '.join(secret_names)} should be a secret mount, but line "
                                          f"{odd.line} is {what}, where dfix cannot export it: move it by hand")
                continue
            if blocked:
                yield self.skip(ins.line, f"build arg {', '.join(secret_names)} should be a secret mount, but {blocked}")
                continue
            yield self._to_secret_mounts(df, ins, secret_names, runs)

    def _to_secret_mounts(self, df: Dockerfile, arg: Instruction, names: list[str],
                          runs: list[Instruction]) -> Finding:
        # `env=` on secret mounts needs frontend 1.10; reading the file works on every BuildKit.
        mounts = "".join(f" --mount=type=secret,id={n}" for n in names)
        exports = "".join(f'export {n}="$(cat /run/secrets/{n})" && ' for n in names)
        edits = [TextEdit(arg.start, arg.end, "")]
        for run in runs:
            edits += [TextEdit(run.keyword_end, run.keyword_end, mounts), TextEdit(run.args_start, run.args_start, exports)]
        flags = " ".join(f"--secret id={n},env={n}" for n in names)
        build_args = " ".join(f"--build-arg {n}=..." for n in names)
        return self.fix(f"build arg {', '.join(names)} is recorded in the image history; pass it as a build secret: "
                        f"`docker build {flags} ...` replaces `{build_args}` ({len(runs)} RUN "
                        f"instruction{'s read' if len(runs) != 1 else ' reads'} it from /run/secrets)", arg.line, edits)

    def _run_findings(self, ins: Instruction) -> Iterable[Finding]:
        text = ins.text
        if "_authToken" in text and ".npmrc" in text and not _removes(text, ".npmrc"):
            yield self.report(ins.line, "this RUN writes a registry token into .npmrc, which stays in the layer; "
                                      "mount the file instead: `RUN --mount=type=secret,id=npmrc,target=/root/.npmrc`"
                                      " and `docker build --secret id=npmrc,src=$HOME/.npmrc`", Severity.ERROR)
        creds = url_password(text)
        if creds is not None and "$" in creds[1]:
            yield self.report(ins.line, "this RUN puts a password variable in a URL; a clone keeps it in .git/config "
                                      "in the layer: use a secret mount", Severity.ERROR)
        elif re.search(r"://\$\{?[A-Za-z_][A-Za-z0-9_]*\}?(:[^@\s]*)?@", text):
            yield self.report(ins.line, "this RUN puts a token variable in a URL (`https://$TOKEN@...`); a clone keeps "
                                      "it in .git/config in the layer: use a git credential helper reading a secret "
                                      "mount, and remove the remote URL", Severity.ERROR)
        if "git config" in text and ("credential" in text or "insteadOf" in text) and "$" in text:
            yield self.report(ins.line, "this RUN stores git credentials with `git config`, which keeps them in the "
                                      "layer; use a secret mount for the RUN that fetches", Severity.ERROR)

    def _copied_credentials(self, ctx: RuleContext) -> Iterable[Finding]:
        context = ctx.build_context
        df = ctx.dockerfile
        for ins in df.instructions:
            if ins.keyword not in ("COPY", "ADD") or ins.flag("from") is not None or len(ins.values) < 2:
                continue
            if id(ins) not in ctx.analysis.states:
                continue
            env = ctx.analysis.states[id(ins)].env
            found: list[str] = []
            for raw in ins.values[:-1]:
                src = expand(raw, env, ins.command.escape)
                if src is None or "://" in src:
                    continue
                if context is None:
                    if is_credential_file(src):
                        found.append(src)
                    continue
                found += [f for f in context.matches_copy_source(src)
                          if is_credential_file(f) or _npmrc_with_token(context, f)]
            if found:
                shown = ", ".join(sorted(set(found))[:4]) + (", ..." if len(set(found)) > 4 else "")
                yield self.report(ins.line, f"`{ins.keyword} {' '.join(ins.values[:-1])}` puts credential files in the "
                                          f"image ({shown}); "
                                          "keep them out (.dockerignore, DF301) and mount what a RUN needs with "
                                          "`RUN --mount=type=secret,id=...,target=...`", Severity.ERROR)


def _npmrc_with_token(context, path: str) -> bool:
    if posixpath.basename(path) != ".npmrc":
        return False
    text = context.read_text(path) or ""
    return any("_authToken=" in line and "${" not in line.split("_authToken=", 1)[1] for line in text.splitlines())


def _uses(ins: Instruction, names: list[str]) -> bool:
    text = ins.text
    return any(f"${n}" in text or f"${{{n}" in text for n in names)


def _removes(text: str, name: str) -> bool:
    return "rm " in text and name in text.split("rm ", 1)[1]


def _references_secret(value: str, df: Dockerfile, stage: Stage) -> bool:
    names = re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", value)
    return any(is_secret_name(n) for n in names)


def _env_mounts_blocked(ctx: RuleContext) -> str | None:
    """Why this build cannot use secret mounts (kaniko; a frontend pin older than 1.2), or None."""
    if ctx.settings.builder == "kaniko":
        return "builder is kaniko, which has no RUN --mount"
    directive = ctx.dockerfile.directive("syntax")
    if directive is None or ctx.settings.builder == "podman":
        return None
    m = _SYNTAX_VERSION.search(directive.value)
    if m and (int(m.group(1)), int(m.group(2) or 99)) < _SECRET_MOUNTS and "experimental" not in directive.value:
        return f"`# syntax={directive.value}` predates secret mounts (1.2); raise the pin first"
    return None
